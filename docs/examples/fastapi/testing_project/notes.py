"""The app under test."""

from typing import Annotated

from fastapi import Depends, FastAPI
from pydynox.pydantic import DynamoModel, PartitionKey, SortKey
from pydynox_fastapi import install_exception_handlers, item_or_404, pydynox_lifespan


class Note(DynamoModel, table="notes"):
    owner: Annotated[str, PartitionKey()]
    note_id: Annotated[str, SortKey()]
    text: str


app = FastAPI(lifespan=pydynox_lifespan())  # region and credentials from the environment
install_exception_handlers(app)


@app.get("/notes/{owner}/{note_id}")
async def read_note(note: Annotated[Note, Depends(item_or_404(Note))]) -> Note:
    return note
