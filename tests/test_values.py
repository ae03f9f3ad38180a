"""Values round-trip exactly, and are stored as the DynamoDB types a boto3 user expects."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydynox import DynamoDBClient

PI_38 = Decimal("3.1415926535897932384626433832795028841")


async def test_38_digit_decimal_and_big_int_round_trip(client: DynamoDBClient, table: str, boto: Any) -> None:
    item = {"pk": "n", "sk": "1", "pi": PI_38, "big": 10**37, "neg": -(10**37) + 1, "tiny": Decimal("1E-130")}
    await client.put_item(table, item)
    got = await client.get_item(table, {"pk": "n", "sk": "1"})
    assert got == item
    assert type(got["big"]) is int and type(got["pi"]) is Decimal
    raw = boto.get_item(TableName=table, Key={"pk": {"S": "n"}, "sk": {"S": "1"}})["Item"]
    assert raw["pi"] == {"N": "3.1415926535897932384626433832795028841"}
    assert raw["big"] == {"N": "1" + "0" * 37}


def test_sets_are_native_dynamodb_sets(client: DynamoDBClient, table: str, boto: Any) -> None:
    client.sync_put_item(
        table,
        {"pk": "s", "sk": "1", "tags": {"a", "b"}, "scores": {1, Decimal("2.5")}, "blobs": {b"x", b"y"}},
    )
    raw = boto.get_item(TableName=table, Key={"pk": {"S": "s"}, "sk": {"S": "1"}})["Item"]
    assert sorted(raw["tags"]["SS"]) == ["a", "b"]
    assert sorted(raw["scores"]["NS"]) == ["1", "2.5"]
    assert sorted(raw["blobs"]["BS"]) == [b"x", b"y"]
    got = client.sync_get_item(table, {"pk": "s", "sk": "1"})
    assert got is not None
    assert got["tags"] == {"a", "b"} and got["scores"] == {1, Decimal("2.5")} and got["blobs"] == {b"x", b"y"}


def test_numbers_are_sent_without_exponent(client: DynamoDBClient, table: str, boto: Any) -> None:
    client.sync_put_item(table, {"pk": "f", "sk": "1", "small": 0.00001, "dec": Decimal("1E+5"), "f": 0.1})
    raw = boto.get_item(TableName=table, Key={"pk": {"S": "f"}, "sk": {"S": "1"}})["Item"]
    assert raw["small"] == {"N": "0.00001"}
    assert raw["dec"] == {"N": "100000"}
    assert raw["f"] == {"N": "0.1"}
    got = client.sync_get_item(table, {"pk": "f", "sk": "1"})
    assert got is not None and got["f"] == Decimal("0.1") and got["dec"] == 100000


def test_every_plain_type_round_trips(client: DynamoDBClient, table: str) -> None:
    item = {
        "pk": "all",
        "sk": "1",
        "s": "",
        "b": b"\x00\xff",
        "t": True,
        "f": False,
        "none": None,
        "list": [1, "two", [3], {"four": 4}],
        "tuple": (1, 2),
        "map": {"nested": {"deep": [None, True]}},
        "ba": bytearray(b"ab"),
    }
    client.sync_put_item(table, item)
    got = client.sync_get_item(table, {"pk": "all", "sk": "1"})
    expected = dict(item, tuple=[1, 2], ba=b"ab")
    assert got == expected


def _significant_digits(d: Decimal) -> int:
    # Exact: Decimal.normalize() would round to the context's 28 digits first.
    return len("".join(map(str, d.as_tuple().digits)).strip("0"))


json_leaf = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: d == 0 or (_significant_digits(d) <= 38 and -130 <= d.adjusted() <= 125)
    ),
    st.booleans(),
    st.none(),
    st.binary(max_size=20),
)
values = st.recursive(
    json_leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(min_size=1, max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=values, tags=st.sets(st.text(min_size=1, max_size=5), min_size=1, max_size=4))
def test_nested_values_round_trip(client: DynamoDBClient, table: str, value: Any, tags: set[str]) -> None:
    item = {"pk": "h", "sk": "1", "v": value, "tags": tags}
    client.sync_put_item(table, item)
    got = client.sync_get_item(table, {"pk": "h", "sk": "1"})
    assert got == item


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=values, tags=st.sets(st.text(min_size=1, max_size=5), min_size=1, max_size=4))
def test_nested_values_round_trip_through_a_batch_write(
    client: DynamoDBClient, table: str, value: Any, tags: set[str]
) -> None:
    # A batch write's body is written as JSON straight from the Python values (not by the SDK).
    item = {"pk": "h", "sk": "2", "v": value, "tags": tags}
    client.sync_batch_write(table, put_items=[item])
    got = client.sync_get_item(table, {"pk": "h", "sk": "2"})
    assert got == item


def test_a_batch_write_stores_exactly_what_put_item_stores(
    client: DynamoDBClient, table: str, boto: Any
) -> None:
    values = {
        "s": 'quote " backslash \\ newline \n tab \t nul \x00 bell \x07 del \x7f ação 日本 🙂',
        "empty": "",
        "big": 10**37,
        "neg": -12345678901234567890,
        "pi": PI_38,
        "tiny": Decimal("1E-130"),
        "f": 0.1,
        "t": True,
        "no": False,
        "none": None,
        "b": b"\x00\xff",
        "ba": bytearray(b"ab"),
        "mv": memoryview(b"mv"),
        "list": [1, "two", (3, 4), {"five": {5}}],
        "map": {'k"ey': {"deep": [None, True, b"x"]}},
        "ss": {"a", 'b"', "c\n"},
        "fs": frozenset({1, Decimal("2.5")}),
        "bs": {b"x", b"\x00"},
    }
    client.sync_put_item(table, {"pk": "eq", "sk": "put", **values})
    client.sync_batch_write(table, put_items=[{"pk": "eq", "sk": "batch", **values}])
    raw = {
        sk: boto.get_item(TableName=table, Key={"pk": {"S": "eq"}, "sk": {"S": sk}})["Item"]
        for sk in ("put", "batch")
    }
    for stored in raw.values():
        del stored["sk"]
        for name in ("ss", "fs", "bs"):
            ((kind, members),) = stored[name].items()
            stored[name] = {kind: sorted(members)}
    assert raw["batch"] == raw["put"]


@pytest.mark.parametrize(
    ("value", "error", "fragment"),
    [
        (object(), TypeError, "attribute 'bad'"),
        ({"x": [1, object()]}, TypeError, "attribute 'bad.x[1]'"),
        (set(), ValueError, "empty sets"),
        ({1, "a"}, TypeError, "mixes"),
        (float("nan"), ValueError, "NaN"),
        (Decimal("1" * 39), ValueError, "39 significant digits"),
        (10**126, ValueError, "outside DynamoDB's range"),
        ({True}, TypeError, "bool"),
        ({1: "x"}, TypeError, "attribute names must be str"),
    ],
)
@pytest.mark.parametrize("write", ["put_item", "batch_write"])
def test_bad_values_are_refused_before_sending(
    client: DynamoDBClient, table: str, value: Any, error: type[Exception], fragment: str, write: str
) -> None:
    item = {"pk": "x", "sk": "1", "bad": value}
    with pytest.raises(error, match=fragment.replace("[", r"\[").replace("]", r"\]")) as info:
        if write == "put_item":
            client.sync_put_item(table, item)
        else:
            client.sync_batch_write(table, put_items=[{"pk": "x", "sk": "0"}, item])
    if write == "batch_write":
        assert "put_items[1]" in str(info.value)
    assert client.sync_get_item(table, {"pk": "x", "sk": "1"}) is None
    assert client.sync_get_item(table, {"pk": "x", "sk": "0"}) is None


def test_self_referencing_list_is_refused(client: DynamoDBClient, table: str) -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="nested more than 32 levels"):
        client.sync_put_item(table, {"pk": "x", "sk": "1", "loop": loop})
