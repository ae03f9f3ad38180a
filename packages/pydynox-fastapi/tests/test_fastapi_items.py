"""get_or_404 and its dependency form, and models as response models (a DynamoModel as it is, a
Model through response_schema).

Through FastAPI with httpx, the lifespan running, against the moto server.
"""

# No `from __future__ import annotations`: FastAPI must resolve endpoint annotations that name
# models defined inside the tests.
import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi_support import (  # noqa: F401 (an autouse fixture)
    default_client_restored,
    fresh_table,
    make_client,
    note_model,
)
from pydynox import Model, ModelConfig
from pydynox.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    DatetimeAttribute,
    EnumAttribute,
    IntegerAttribute,
    NumberAttribute,
    StringAttribute,
    StringSetAttribute,
)
from pydynox_fastapi import (
    CursorPage,
    get_or_404,
    install_exception_handlers,
    item_or_404,
    pydynox_lifespan,
    response_schema,
    sync_get_or_404,
)
from pydynox_fastapi.testing import lifespan_client


class Plan(enum.Enum):
    FREE = "free"
    PRO = "pro"


def account_model(table: str) -> Any:
    class Account(Model):
        model_config = ModelConfig(table=table)
        pk = StringAttribute(partition_key=True, template="ACCOUNT#{account_id}")
        sk = IntegerAttribute(sort_key=True)
        account_id = StringAttribute()
        name = StringAttribute(required=True)
        balance = NumberAttribute()
        plan = EnumAttribute(Plan)
        tags = StringSetAttribute()
        avatar = BinaryAttribute()
        active = BooleanAttribute()
        created = DatetimeAttribute()
        password_hash = StringAttribute()

    return Account


async def test_get_or_404_and_the_not_found_body_names_the_model_not_the_key(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        Note = note_model(table)
        app = FastAPI(lifespan=pydynox_lifespan(client))
        install_exception_handlers(app)

        @app.get("/notes/{pk}/{sk}")
        async def read(pk: str, sk: str) -> Any:
            return await get_or_404(Note, pk=pk, sk=sk, consistent_read=True)

        @app.get("/sync/notes/{pk}/{sk}")
        def read_sync(pk: str, sk: str) -> Any:
            return sync_get_or_404(Note, pk=pk, sk=sk)

        await client.put_item(table, {"pk": "secret-owner", "sk": "1", "text": "hello"})
        async with lifespan_client(app) as http:
            found = await http.get("/notes/secret-owner/1")
            missing = await http.get("/notes/secret-owner/2")
            missing_sync = await http.get("/sync/notes/secret-owner/2")
        assert found.status_code == 200 and found.json()["text"] == "hello"
        assert missing.status_code == missing_sync.status_code == 404
        assert missing.json() == missing_sync.json() == {"error": "not_found", "message": "Note not found"}
        assert "secret-owner" not in missing.text


async def test_without_installed_handlers_a_missing_item_is_still_a_404(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        Note = note_model(table)
        app = FastAPI(lifespan=pydynox_lifespan(client))

        @app.get("/notes/{pk}/{sk}")
        async def read(note: Annotated[Any, Depends(item_or_404(Note))]) -> Any:
            return note

        async with lifespan_client(app) as http:
            response = await http.get("/notes/a/b")
        assert response.status_code == 404 and response.json() == {"detail": "Note not found"}


async def test_the_dependency_form_reads_path_parameters_as_the_key_types(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client, sort_type="N") as table:
        Account = account_model(table)
        app = FastAPI(lifespan=pydynox_lifespan(client))
        install_exception_handlers(app)
        AccountOut = response_schema(Account, exclude=["password_hash"])

        # The templated partition key is built from its placeholder; the sort key parses as an int.
        @app.get("/accounts/{account_id}/{sk}", response_model=AccountOut)
        async def read(
            account: Annotated[Any, Depends(item_or_404(Account, account_id="account_id", sk="sk"))],
        ) -> Any:
            return account

        @app.get("/by-pk/{key}/{number}", response_model=AccountOut)
        async def read_renamed(
            account: Annotated[Any, Depends(item_or_404(Account, pk="key", sk="number"))],
        ) -> Any:
            return account

        async with lifespan_client(app) as http:
            await Account(
                account_id="a1", sk=7, name="Ana", balance=Decimal("10.50"), plan=Plan.PRO, tags={"x", "y"},
                avatar=b"\x00\xff", active=True, created=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
                password_hash="never in a response",
            ).save()  # fmt: skip
            response = await http.get("/accounts/a1/7")
            renamed = await http.get("/by-pk/ACCOUNT%23a1/7")
            not_an_int = await http.get("/accounts/a1/seven")
            missing = await http.get("/accounts/a1/8")
        body = response.json()
        assert response.status_code == 200, body
        assert body == renamed.json()
        assert body["name"] == "Ana" and body["sk"] == 7 and body["pk"] == "ACCOUNT#a1"
        assert Decimal(body["balance"]) == Decimal("10.50") and body["plan"] == "pro"
        assert sorted(body["tags"]) == ["x", "y"] and body["avatar"] == "AP8="  # base64
        assert body["active"] is True and body["created"].startswith("2026-01-02T03:04:05")
        assert "password_hash" not in body
        assert not_an_int.status_code == 422  # FastAPI's own validation of the path parameter
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"


async def test_a_dynamo_model_is_a_response_model_as_it_is(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        Note = note_model(table)
        app = FastAPI(lifespan=pydynox_lifespan(client))

        @app.get("/notes/{pk}/{sk}", response_model=Note)
        async def read(note: Annotated[Any, Depends(item_or_404(Note))]) -> Any:
            return note

        @app.get("/pages", response_model=CursorPage[Note])
        async def page() -> Any:
            return CursorPage(items=[await get_or_404(Note, pk="n", sk="1")], next_cursor=None)

        async with lifespan_client(app) as http:
            await Note(pk="n", sk="1", text="t", amount=Decimal("1.25")).save()
            one = await http.get("/notes/n/1")
            listed = await http.get("/pages")
            schema = (await http.get("/openapi.json")).json()
        assert one.json() == {"pk": "n", "sk": "1", "text": "t", "amount": "1.25"}
        assert listed.json() == {"items": [one.json()], "next_cursor": None}
        assert {"pk", "sk", "text", "amount"} <= set(schema["components"]["schemas"]["Note"]["properties"])


def test_item_or_404_refuses_names_that_are_not_keys() -> None:
    Account = account_model("accounts")
    with pytest.raises(TypeError, match=r"'name' is not a key attribute"):
        item_or_404(Account, name="name")
    with pytest.raises(ValueError, match="must be an identifier"):
        item_or_404(Account, account_id="account-id")
    with pytest.raises(ValueError, match="same parameter"):
        item_or_404(Account, account_id="x", sk="x")
    with pytest.raises(TypeError, match="pydynox model class"):
        item_or_404(dict)  # type: ignore[type-var]


def test_response_schema_requires_keys_and_required_attributes() -> None:
    Account = account_model("accounts")
    schema = response_schema(Account).model_json_schema()
    assert set(schema["required"]) == {"pk", "sk", "name"}
    with pytest.raises(ValueError, match=r"unknown attributes \['nope'\]"):
        response_schema(Account, exclude=["nope"])
