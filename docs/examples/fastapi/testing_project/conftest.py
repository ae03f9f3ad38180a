from typing import Any

import pytest
from fastapi import FastAPI
from notes import Note
from notes import app as notes_app

pytest_plugins = ["pydynox_fastapi.pytest_plugin"]


@pytest.fixture
def app() -> FastAPI:
    return notes_app


@pytest.fixture
def pydynox_seed() -> dict[str, Any]:
    return {"models": [Note], "items": [Note(owner="ana", note_id="n1", text="hello")]}
