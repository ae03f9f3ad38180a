"""A FastAPI app on pydynox: lifespan-managed client, error answers, 404 helpers, response schemas,
signed cursor pagination, a unit of work, usage headers; exercised in process with its lifespan."""

import asyncio

# --8<-- [start:app]
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import FastAPI
from pydynox.pydantic import DynamoModel, PartitionKey, SortKey
from pydynox_fastapi import (
    ClientDep,
    UsageHeaderMiddleware,
    install_exception_handlers,
    pydynox_lifespan,
)


class Note(DynamoModel, table="fastapi_notes"):
    owner: Annotated[str, PartitionKey()]
    note_id: Annotated[str, SortKey()]
    text: str


async def create_tables(app: FastAPI) -> AsyncIterator[None]:
    if not await Note.table_exists():  # the default client is already set here
        await Note.create_table(wait=True)
    yield


app = FastAPI(lifespan=pydynox_lifespan(region="us-east-1", wrap=create_tables))
install_exception_handlers(app)  # DynamoDB errors as HTTP answers (below)
app.add_middleware(UsageHeaderMiddleware)  # DynamoDB usage in every response's headers (below)


@app.get("/tables")
async def tables(client: ClientDep) -> list[str]:
    return await client.list_tables()


@app.put("/notes/{owner}/{note_id}", status_code=201)
async def put_note(owner: str, note_id: str, text: str) -> Note:
    note = Note(owner=owner, note_id=note_id, text=text)
    await note.save(condition=Note.owner.not_exists())  # a second put answers 409
    return note


# --8<-- [end:app]


# --8<-- [start:items]
from fastapi import Depends
from pydynox import Model, ModelConfig
from pydynox.attributes import IntegerAttribute, StringAttribute
from pydynox_fastapi import item_or_404, response_schema


class Account(Model):
    model_config = ModelConfig(table="fastapi_accounts")
    pk = StringAttribute(partition_key=True, template="ACCOUNT#{account_id}")
    account_id = StringAttribute()
    name = StringAttribute(required=True)
    credits = IntegerAttribute(default=0)
    password_hash = StringAttribute()


AccountOut = response_schema(Account, exclude=["password_hash"])


# The key comes from the path: `account_id` fills the template of `pk`.
AccountOr404 = Annotated[Account, Depends(item_or_404(Account, account_id="account_id"))]
NoteOr404 = Annotated[Note, Depends(item_or_404(Note))]  # {owner} and {note_id}


@app.get("/accounts/{account_id}", response_model=AccountOut)
async def read_account(account: AccountOr404) -> Account:
    return account


@app.get("/notes/{owner}/{note_id}")
async def read_note(note: NoteOr404) -> Note:
    return note


# --8<-- [end:items]


# --8<-- [start:pagination]
from pydynox_fastapi import CursorPage, configure_pagination, paginate

configure_pagination(secret="docs-example-secret-use-a-random-one", max_limit=50)


@app.get("/notes/{owner}")
async def list_notes(owner: str, limit: int | None = None, cursor: str | None = None) -> CursorPage[Note]:
    return await paginate(Note.query(partition_key=owner), limit=limit, cursor=cursor)


# --8<-- [end:pagination]


# --8<-- [start:unit-of-work]
from pydynox_fastapi import UnitOfWork


@app.post("/notes/{owner}/{note_id}/copy")
async def copy_note(note: NoteOr404, to: str, tx: UnitOfWork) -> dict[str, str]:
    tx.save(Note(owner=to, note_id=note.note_id, text=note.text), condition=Note.owner.not_exists())
    tx.condition_check(Note, condition=Note.text == note.text, owner=note.owner, note_id=note.note_id)
    return {"copied_to": to}


# --8<-- [end:unit-of-work]


# --8<-- [start:usage]
from pydynox_fastapi import RequestUsage


@app.get("/usage/{owner}")
async def usage_of_a_read(owner: str, usage: RequestUsage) -> dict[str, int]:
    await Note.query(partition_key=owner).all()
    return {"calls": usage.calls}


# --8<-- [end:usage]


async def main() -> None:
    # --8<-- [start:first-requests]
    from pydynox_fastapi.testing import lifespan_client

    async with lifespan_client(app) as http:
        created = await http.put("/notes/ana/n1", params={"text": "hello"})
        again = await http.put("/notes/ana/n1", params={"text": "hello again"})
        listed = await http.get("/tables")

    assert created.status_code == 201
    assert created.json() == {"owner": "ana", "note_id": "n1", "text": "hello"}
    assert again.status_code == 409
    assert again.json() == {"error": "conditional_check_failed", "message": again.json()["message"]}
    assert "fastapi_notes" in listed.json()
    # --8<-- [end:first-requests]

    # --8<-- [start:items-requests]
    async with lifespan_client(app) as http:
        await Account.create_table(wait=True)
        await Account(account_id="a1", name="Ana", credits=3, password_hash="x").save()
        account = await http.get("/accounts/a1")
        missing = await http.get("/notes/ana/nope")

    assert account.json() == {"pk": "ACCOUNT#a1", "account_id": "a1", "name": "Ana", "credits": 3}
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "message": "Note not found"}
    # --8<-- [end:items-requests]

    # --8<-- [start:pagination-requests]
    async with lifespan_client(app) as http:
        for i in range(5):
            await http.put(f"/notes/bo/n{i}", params={"text": f"note {i}"})
        first = (await http.get("/notes/bo", params={"limit": 2})).json()
        second = (await http.get("/notes/bo", params={"limit": 2, "cursor": first["next_cursor"]})).json()
        foreign = await http.get("/notes/ana", params={"cursor": first["next_cursor"]})
        forged = await http.get("/notes/bo", params={"cursor": first["next_cursor"][:-2] + "xx"})

    assert [n["note_id"] for n in first["items"] + second["items"]] == ["n0", "n1", "n2", "n3"]
    assert foreign.status_code == 400 and foreign.json()["error"] == "cursor_mismatch"
    assert forged.status_code == 400 and forged.json()["error"] == "invalid_cursor"
    # --8<-- [end:pagination-requests]

    # --8<-- [start:unit-of-work-requests]
    async with lifespan_client(app) as http:
        copied = await http.post("/notes/bo/n0/copy", params={"to": "cy"})
        twice = await http.post("/notes/bo/n0/copy", params={"to": "cy"})

    assert copied.json() == {"copied_to": "cy"}
    assert twice.status_code == 409 and twice.json()["error"] == "conditional_check_failed"
    # --8<-- [end:unit-of-work-requests]

    # --8<-- [start:usage-requests]
    async with lifespan_client(app) as http:
        response = await http.get("/usage/bo")

    assert response.json() == {"calls": 1}
    assert response.headers["x-dynamodb-usage"].startswith("calls=1; rcu=")
    assert response.headers["server-timing"].startswith("dynamodb;dur=")
    # --8<-- [end:usage-requests]

    # --8<-- [start:override]
    from pydynox import DynamoDBClient
    from pydynox_fastapi.testing import override_client

    test_client = DynamoDBClient(region="us-east-1")
    with override_client(app, test_client):
        async with lifespan_client(app) as http:
            assert (await http.get("/notes/bo/n1")).json()["text"] == "note 1"
    assert app.dependency_overrides == {}
    # --8<-- [end:override]


if __name__ == "__main__":
    asyncio.run(main())
