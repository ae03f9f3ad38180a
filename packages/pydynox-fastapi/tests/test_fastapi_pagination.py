"""Cursor pagination: pages that resume exactly (key types kept: Decimal, int, bytes), cursors that are
opaque, URL-safe, signed and bound to their query, refused with 400 when tampered with, expired or
foreign, before anything reaches DynamoDB; limits capped.

Through FastAPI with httpx, the lifespan running, against the moto server.
"""

# No `from __future__ import annotations`: FastAPI must resolve endpoint annotations that name
# models defined inside the tests.

import base64
import json
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi_support import (  # noqa: F401 (an autouse fixture)
    default_client_restored,
    fresh_table,
    make_client,
    note_model,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from pydynox import DynamoDBClient, Model, ModelConfig, events
from pydynox.attributes import StringAttribute
from pydynox.indexes import GlobalSecondaryIndex
from pydynox_fastapi import (
    CursorPage,
    Pagination,
    PaginationError,
    configure_pagination,
    install_exception_handlers,
    paginate,
    pydynox_lifespan,
    sync_paginate,
)
from pydynox_fastapi import pagination as pagination_module
from pydynox_fastapi.pagination import CURSOR_SECRET_ENV, query_binding
from pydynox_fastapi.testing import lifespan_client

SECRET = "s3cret-for-tests-only-0123456789"
URL_SAFE = re.compile(r"[A-Za-z0-9_.-]+")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def notes_app(client: DynamoDBClient, table: str, pagination: Pagination) -> FastAPI:
    Note = note_model(table)
    app = FastAPI(lifespan=pydynox_lifespan(client))
    install_exception_handlers(app)

    @app.get("/notes/{pk}", response_model=CursorPage[Note])
    async def notes(
        pk: str, limit: int | None = None, cursor: str | None = None, tenant: str = "t1", min_text: str = ""
    ) -> Any:
        query = Note.query(partition_key=pk, filter_condition=Note.text >= min_text if min_text else None)
        return await paginate(query, limit=limit, cursor=cursor, bind=tenant, pagination=pagination)

    @app.get("/sync-notes/{pk}", response_model=CursorPage[Note])
    def sync_notes(pk: str, limit: int | None = None, cursor: str | None = None) -> Any:
        return sync_paginate(
            Note.sync_query(partition_key=pk), limit=limit, cursor=cursor, bind="t1", pagination=pagination
        )

    @app.get("/scan")
    async def scan(limit: int | None = None, cursor: str | None = None, client: Any = None) -> Any:
        return await paginate(Note.scan(), limit=limit, cursor=cursor, pagination=pagination)

    return app


async def walk(http: httpx.AsyncClient, path: str, **params: Any) -> tuple[list[Any], list[str]]:
    """Every item of a paginated endpoint, following next_cursor; and the cursors seen."""
    items: list[Any] = []
    cursors: list[str] = []
    cursor = None
    for _ in range(100):
        response = await http.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items, cursors
        cursors.append(cursor)
    raise AssertionError("pagination did not end")


@pytest.fixture
async def notes(endpoint: str) -> AsyncIterator[tuple[DynamoDBClient, str]]:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        await client.batch_write(
            table,
            [{"pk": "P", "sk": f"{i:02d}", "text": f"t{i % 4}"} for i in range(10)]
            + [{"pk": "Q", "sk": f"{i:02d}", "text": "q"} for i in range(4)],
        )
        yield client, table


async def test_pages_follow_each_other_exactly(notes: tuple[DynamoDBClient, str]) -> None:
    client, table = notes
    pagination = Pagination(SECRET, max_limit=5)
    async with lifespan_client(notes_app(client, table, pagination)) as http:
        items, cursors = await walk(http, "/notes/P", limit=3)
        sync_items, _ = await walk(http, "/sync-notes/P", limit=4)
        filtered, _ = await walk(http, "/notes/P", limit=2, min_text="t2")
        scanned, _ = await walk(http, "/scan", limit=4)
    assert [i["sk"] for i in items] == [f"{i:02d}" for i in range(10)]
    assert sync_items == items
    assert len(cursors) == 3  # pages of 3, 3, 3 and 1
    for cursor in cursors:
        assert URL_SAFE.fullmatch(cursor) and quote(cursor, safe="") == cursor
    # A filter that drops items still fills pages up to the limit, skipping nothing.
    assert [i["sk"] for i in filtered] == [f"{i:02d}" for i in range(10) if i % 4 >= 2]
    assert sorted((i["pk"], i["sk"]) for i in scanned) == sorted(
        [("P", f"{i:02d}") for i in range(10)] + [("Q", f"{i:02d}") for i in range(4)]
    )


async def test_limits_default_and_are_capped(notes: tuple[DynamoDBClient, str]) -> None:
    client, table = notes
    pagination = Pagination(SECRET, default_limit=3, max_limit=5)
    asked: list[events.OperationEvent] = []
    async with lifespan_client(notes_app(client, table, pagination)) as http:
        assert len((await http.get("/notes/P")).json()["items"]) == 3
        with events.subscribe(asked.append):
            capped = await http.get("/notes/P", params={"limit": 1000})
        zero = await http.get("/notes/P", params={"limit": 0})
    assert len(capped.json()["items"]) == 5
    assert [e.params["limit"] for e in asked] == [5]  # DynamoDB was never asked for more
    assert zero.status_code == 400 and zero.json()["error"] == "invalid_limit"


def tamper(cursor: str, part: int) -> str:
    """The cursor with one character of its body (0) or signature (1) changed."""
    pieces = cursor.split(".")
    text = pieces[part]
    index = len(text) // 2
    pieces[part] = text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]
    return ".".join(pieces)


def forged(cursor: str, key: dict[str, Any]) -> str:
    """A cursor whose body says ``key``, keeping the original signature."""
    body = json.loads(base64.urlsafe_b64decode(cursor.split(".")[0] + "=="))
    body["k"] = {name: ["S", value] for name, value in key.items()}
    text = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    return f"{text}.{cursor.split('.')[1]}"


async def test_bad_cursors_are_400_and_never_reach_dynamodb(notes: tuple[DynamoDBClient, str]) -> None:
    client, table = notes
    clock = Clock()
    pagination = Pagination(SECRET, max_age=600, clock=clock)
    other_secret = Pagination("another-secret-0123456789abcdef", clock=clock)
    async with lifespan_client(notes_app(client, table, pagination)) as http:
        first = (await http.get("/notes/P", params={"limit": 2})).json()
        cursor = first["next_cursor"]
        from_q = (await http.get("/notes/Q", params={"limit": 2})).json()["next_cursor"]
        request = dict(note_model(table).query(partition_key="P").request)
        foreign_secret = other_secret.issue({"pk": "P", "sk": "05"}, query_binding(request, "t1"))
        cases = {
            "invalid_cursor": [
                tamper(cursor, 0),
                tamper(cursor, 1),
                cursor.split(".")[0],
                cursor + ".x",
                "not a cursor",
                "A" * 5000 + "." + "B",
                forged(cursor, {"pk": "P", "sk": "07"}),
                foreign_secret,
            ],
            "cursor_mismatch": [from_q],
        }
        seen: list[events.OperationEvent] = []
        answers: dict[str, list[Any]] = {}
        with events.subscribe(seen.append):
            for code, bad in cases.items():
                answers[code] = [await http.get("/notes/P", params={"cursor": c}) for c in bad]
            # The same query under another tenant: the cursor is bound to its bind= data too.
            answers["cursor_mismatch"].append(
                await http.get("/notes/P", params={"cursor": cursor, "tenant": "t2"})
            )
            clock.now += 601
            answers["cursor_expired"] = [await http.get("/notes/P", params={"cursor": cursor})]
            clock.now -= 601 + 3600  # a cursor issued in the future (beyond clock skew) is not ours
            answers["invalid_cursor"].append(await http.get("/notes/P", params={"cursor": cursor}))
        assert seen == []  # nothing reached DynamoDB
        for code, responses in answers.items():
            for response in responses:
                assert response.status_code == 400, (code, response.text)
                assert response.json()["error"] == code
        clock.now += 3600
        assert (await http.get("/notes/P", params={"cursor": cursor})).status_code == 200


async def test_rotated_secrets_still_open_old_cursors(notes: tuple[DynamoDBClient, str]) -> None:
    client, table = notes
    old = Pagination("the-old-secret-0123456789abcdef")
    new = Pagination("the-new-secret-0123456789abcdef", previous_secrets=["the-old-secret-0123456789abcdef"])
    async with lifespan_client(notes_app(client, table, old)) as http:
        cursor = (await http.get("/notes/P", params={"limit": 4})).json()["next_cursor"]
    async with lifespan_client(notes_app(client, table, new)) as http:
        resumed = (await http.get("/notes/P", params={"limit": 4, "cursor": cursor})).json()
    assert [i["sk"] for i in resumed["items"]] == ["04", "05", "06", "07"]
    assert resumed["next_cursor"] and Pagination("the-old-secret-0123456789abcdef").max_age == 3600


@pytest.mark.parametrize(
    ("sort_type", "values"),
    [
        (
            "N",
            [
                Decimal("-1.5"),
                0,
                Decimal("0.1"),
                Decimal("0.25"),
                1,
                Decimal("1.5"),
                2,
                10**20,
                Decimal("1E+25"),
            ],
        ),
        ("B", [b"\x00", b"\x00\x01", b"\x01", b"\x7f", b"\x80", b"\xfe\xff", b"\xff"]),
    ],
)
async def test_number_and_binary_keys_resume_exactly(
    endpoint: str, sort_type: str, values: list[Any]
) -> None:
    client = make_client(endpoint)
    pagination = Pagination(SECRET)
    async with fresh_table(client, sort_type=sort_type) as table:
        await client.batch_write(table, [{"pk": "K", "sk": v} for v in values])
        app = FastAPI(lifespan=pydynox_lifespan(client))
        install_exception_handlers(app)

        @app.get("/raw")
        async def raw(limit: int, cursor: str | None = None) -> dict[str, Any]:
            query = client.query(table, "pk = :p", expression_attribute_values={":p": "K"})
            page = await paginate(query, limit=limit, cursor=cursor, pagination=pagination)
            return {"items": [repr(i["sk"]) for i in page.items], "next_cursor": page.next_cursor}

        # As DynamoDB returns them (1E+25 comes back as an int), in key order.
        everything = await client.query(table, "pk = :p", expression_attribute_values={":p": "K"}).all()
        expected = [repr(i["sk"]) for i in everything]
        assert len(expected) == len(values)
        async with lifespan_client(app) as http:
            for limit in (1, 2, 4):
                got, _ = await walk(http, "/raw", limit=limit)
                assert got == expected


def index_model(table: str) -> Any:
    class Task(Model):
        model_config = ModelConfig(table=table)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        status = StringAttribute()
        by_status = GlobalSecondaryIndex(index_name="by_status", partition_key="status", sort_key="sk")

    return Task


async def test_index_queries_resume_with_the_index_and_table_keys(endpoint: str) -> None:
    client = make_client(endpoint)
    table = f"fa-idx-{id(client)}"
    Task = index_model(table)
    app = FastAPI(lifespan=pydynox_lifespan(client))
    install_exception_handlers(app)

    @app.get("/open")
    async def open_tasks(limit: int, cursor: str | None = None) -> dict[str, Any]:
        page = await paginate(
            Task.by_status.query(status="open"), limit=limit, cursor=cursor, pagination=Pagination(SECRET)
        )
        return {"items": [[t.pk, t.sk] for t in page.items], "next_cursor": page.next_cursor}

    async with lifespan_client(app) as http:
        await Task.create_table(wait=True)
        try:
            # Several items share an index sort key: the table key tells them apart on resume.
            await Task.batch_write(save=[Task(pk=f"u{i}", sk=f"s{i % 3}", status="open") for i in range(9)])
            got, cursors = await walk(http, "/open", limit=2)
        finally:
            await Task.delete_table()
    assert sorted(map(tuple, got)) == sorted((f"u{i}", f"s{i % 3}") for i in range(9))
    assert len(got) == 9 and len(cursors) == 4


async def test_the_default_settings_come_from_configure_or_the_environment(
    notes: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, table = notes
    Note = note_model(table)
    app = FastAPI(lifespan=pydynox_lifespan(client))

    @app.get("/notes")
    async def listed(cursor: str | None = None) -> Any:
        return await paginate(Note.query(partition_key="P"), cursor=cursor)

    def binding() -> bytes:
        return query_binding(Note.query(partition_key="P").request)

    monkeypatch.setattr(pagination_module, "_default", None)
    monkeypatch.delenv(CURSOR_SECRET_ENV, raising=False)
    async with lifespan_client(app) as http:
        with pytest.raises(RuntimeError, match="configure_pagination"):
            await http.get("/notes")
        monkeypatch.setenv(CURSOR_SECRET_ENV, SECRET)
        from_env = (await http.get("/notes")).json()
        assert len(from_env["items"]) == 10 and from_env["next_cursor"] is None
        configured = configure_pagination("configured-secret-0123456789", default_limit=2)
        page = (await http.get("/notes")).json()
        assert [i["sk"] for i in page["items"]] == ["00", "01"]
        assert configured.open(page["next_cursor"], binding()) == {"pk": "P", "sk": "01"}
        with pytest.raises(PaginationError):
            Pagination(SECRET).open(page["next_cursor"], binding())


async def test_wrong_arguments_are_refused_clearly(notes: tuple[DynamoDBClient, str]) -> None:
    client, table = notes
    pagination = Pagination(SECRET)
    args = (table, "pk = :p")
    values = {":p": "P"}
    with pytest.raises(TypeError, match="use sync_paginate"):
        await pagination.paginate(client.sync_query(*args, expression_attribute_values=values))  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="sync_query"):
        pagination.sync_paginate(client.query(*args, expression_attribute_values=values))  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="query\\(\\) or scan\\(\\) result"):
        await pagination.paginate([{"pk": "P"}])  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="limit must be an int"):
        await pagination.paginate(client.query(*args, expression_attribute_values=values), limit="5")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 16 bytes"):
        Pagination("short")
    with pytest.raises(ValueError, match="max_age"):
        Pagination(SECRET, max_age=0)
    with pytest.raises(ValueError, match="larger than max_limit"):
        Pagination(SECRET, default_limit=50, max_limit=10)


keys = st.dictionaries(
    st.sampled_from(["pk", "sk", "gsi_pk", "gsi_sk"]),
    st.one_of(
        st.text(max_size=20),
        st.integers(min_value=-(10**38), max_value=10**38),
        st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(lambda d: d.is_finite()),
        st.floats(allow_nan=False, allow_infinity=False),
        st.binary(max_size=20),
    ),
    min_size=1,
)


@settings(max_examples=200, deadline=None)
@given(key=keys, bind=st.one_of(st.none(), st.text(max_size=5)))
def test_cursors_round_trip_every_key_type_exactly(key: dict[str, Any], bind: str | None) -> None:
    pagination = Pagination(SECRET)
    binding = query_binding(
        {"operation": "Query", "table": "t", "expression_attribute_values": {":v": 1}}, bind
    )
    cursor = pagination.issue(key, binding)
    assert cursor is not None and URL_SAFE.fullmatch(cursor)
    opened = pagination.open(cursor, binding)
    assert opened == key
    assert {k: type(v) for k, v in opened.items()} == {k: type(v) for k, v in key.items()}
    assert {k: str(v) for k, v in opened.items()} == {
        k: str(v) for k, v in key.items()
    }  # Decimal exponents too


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0), replacement=st.sampled_from("AZaz09-_."))
def test_any_changed_character_is_refused(position: int, replacement: str) -> None:
    pagination = Pagination(SECRET, clock=Clock())
    binding = query_binding({"operation": "Scan", "table": "t"})
    cursor = pagination.issue({"pk": "P", "sk": Decimal("1.50")}, binding)
    assert cursor is not None
    index = position % len(cursor)
    if cursor[index] == replacement:
        return
    changed = cursor[:index] + replacement + cursor[index + 1 :]
    with pytest.raises(PaginationError) as refused:
        pagination.open(changed, binding)
    assert refused.value.code == "invalid_cursor" and refused.value.status_code == 400


def test_only_the_canonical_spelling_of_a_cursor_opens() -> None:
    # Unpadded base64 leaves spare bits in a segment's last character; another character with the
    # same data bits decodes to the same bytes, yet is not the cursor we issued.
    pagination = Pagination(SECRET, clock=Clock())
    binding = query_binding({"operation": "Scan", "table": "t"})
    cursor = pagination.issue({"pk": "P"}, binding)
    assert cursor is not None
    body, mac = cursor.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    variants = [f"{body[:-1]}{c}.{mac}" for c in alphabet] + [f"{body}.{mac[:-1]}{c}" for c in alphabet]
    opened = [v for v in variants if _opens(pagination, v, binding)]
    assert opened == [cursor, cursor]


def _opens(pagination: Pagination, cursor: str, binding: bytes) -> bool:
    try:
        pagination.open(cursor, binding)
    except PaginationError:
        return False
    return True


def test_query_bindings_tell_value_types_apart() -> None:
    base = {"operation": "Query", "table": "t"}
    values = [1, 1.0, Decimal("1"), Decimal("1.0"), "1", b"1", True, [1], {1}, {"1": 1}]
    digests = {query_binding({**base, "expression_attribute_values": {":v": v}}) for v in values}
    assert len(digests) == len(values)
    assert query_binding({**base, "x": {"b": 1, "a": 2}}) == query_binding({**base, "x": {"a": 2, "b": 1}})
    assert query_binding({**base, "x": {3, 1, 2}}) == query_binding({**base, "x": {1, 2, 3}})
