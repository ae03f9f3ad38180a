"""The Rust core's own unit tests (number rules, endpoint parsing, ...), run through cargo so the one
README test command covers both languages."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(1200)
def test_cargo_unit_tests_pass() -> None:
    cargo = shutil.which("cargo")
    assert cargo is not None, "cargo is needed to run the Rust core's unit tests"
    result = subprocess.run(
        [cargo, "test", "--release", "--locked", "-p", "pydynox-core", "-p", "pydynox-engine", "--lib"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "test result: ok" in result.stdout
