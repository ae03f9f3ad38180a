"""Model attributes: how each type is stored (boto3 read-back) and what it loads as, typed maps and JSON,
and the bad values a save refuses before anything is sent.

Every I/O scenario runs through the async methods and through their ``sync_`` twins.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from decimal import Decimal
from typing import Any

import pytest
from pydynox import DynamoDBClient, Model, ModelConfig
from pydynox.attributes import (
    BinaryAttribute,
    BinarySetAttribute,
    BooleanAttribute,
    DatetimeAttribute,
    DecimalAttribute,
    EnumAttribute,
    FloatAttribute,
    IntegerAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    StringAttribute,
    StringSetAttribute,
)
from support.model_twin import ModelTwin
from support.readback import raw_item

UTC = dt.UTC


class Status(enum.Enum):
    ACTIVE = "active"
    BANNED = "banned"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Address:
    city: str
    since: dt.datetime
    status: Status
    zip_codes: list[str] = dataclasses.field(default_factory=list)
    score: Decimal | None = None


@dataclasses.dataclass
class Preferences:
    theme: str
    priority: Priority


@pytest.fixture
def Item(table_name: str, client: DynamoDBClient) -> Any:
    class Item(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        text = StringAttribute()
        number = NumberAttribute()
        count = IntegerAttribute()
        ratio = FloatAttribute()
        price = DecimalAttribute()
        flag = BooleanAttribute()
        blob = BinaryAttribute()
        labels = StringSetAttribute()
        scores = NumberSetAttribute()
        chunks = BinarySetAttribute()
        items = ListAttribute()
        meta = MapAttribute()
        status = EnumAttribute(Status)
        priority = EnumAttribute(Priority)
        seen_at = DatetimeAttribute()
        address = MapAttribute(model_class=Address)
        prefs = JSONAttribute(model_class=Preferences)
        payload = JSONAttribute()
        history = ListAttribute(of=EnumAttribute(Status))
        display = StringAttribute(alias="displayName")

    Item.sync_create_table(wait=True)
    return Item


async def round_trip(twin: ModelTwin, Item: Any, **values: Any) -> Any:
    await twin(Item(pk="i1", **values)).save()
    loaded = await twin(Item).get(pk="i1")
    assert loaded is not None
    return loaded


# -- sets --------------------------------------------------------------------------------------------


async def test_sets_are_stored_as_dynamodb_sets(
    twin: ModelTwin, Item: Any, boto: Any, table_name: str
) -> None:
    loaded = await round_trip(
        twin, Item, labels={"a", "b"}, scores={1, Decimal("2.5")}, chunks={b"\x00", b"\xff"}
    )

    raw = raw_item(boto, table_name, "i1")
    assert raw is not None
    assert sorted(raw["labels"]["SS"]) == ["a", "b"]
    assert sorted(raw["scores"]["NS"], key=Decimal) == ["1", "2.5"]
    assert sorted(raw["chunks"]["BS"]) == [b"\x00", b"\xff"]
    assert loaded.labels == {"a", "b"}
    assert loaded.scores == {1, Decimal("2.5")}
    assert loaded.chunks == {b"\x00", b"\xff"}


@pytest.mark.parametrize("attribute", ["labels", "scores", "chunks"])
async def test_an_empty_set_is_refused_naming_the_attribute(
    twin: ModelTwin, Item: Any, boto: Any, table_name: str, attribute: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=rf"Item\.{attribute}"):
        await twin(Item(pk="i1", **{attribute: set()})).save()
    assert raw_item(boto, table_name, "i1") is None


async def test_a_set_of_the_wrong_member_type_is_refused(
    twin: ModelTwin, Item: Any, boto: Any, table_name: str
) -> None:
    with pytest.raises(TypeError, match=r"Item\.labels"):
        await twin(Item(pk="i1", labels={1, 2})).save()
    assert raw_item(boto, table_name, "i1") is None


# -- numbers -------------------------------------------------------------------------------------------


async def test_a_38_digit_decimal_round_trips_exactly(
    twin: ModelTwin, Item: Any, boto: Any, table_name: str
) -> None:
    price = Decimal("1234567890123456789012345678.0123456789")

    loaded = await round_trip(twin, Item, price=price)

    assert raw_item(boto, table_name, "i1")["price"] == {"N": "1234567890123456789012345678.0123456789"}  # type: ignore[index]
    assert isinstance(loaded.price, Decimal)
    assert loaded.price == price
    assert str(loaded.price) == "1234567890123456789012345678.0123456789"


async def test_a_whole_decimal_still_loads_as_decimal(twin: ModelTwin, Item: Any) -> None:
    loaded = await round_trip(twin, Item, price=Decimal("10"))

    assert isinstance(loaded.price, Decimal) and loaded.price == 10


async def test_integer_and_float_attributes_load_as_int_and_float(
    twin: ModelTwin, Item: Any, boto: Any, table_name: str
) -> None:
    loaded = await round_trip(twin, Item, count=7, ratio=0.1, number=Decimal("2.50"))

    raw = raw_item(boto, table_name, "i1")
    assert raw is not None
    assert raw["count"] == {"N": "7"} and raw["ratio"] == {"N": "0.1"}
    assert type(loaded.count) is int and loaded.count == 7
    assert type(loaded.ratio) is float and loaded.ratio == 0.1
    # NumberAttribute: whole numbers as int, the others as Decimal (no lost digits).
    assert loaded.number == Decimal("2.5") and isinstance(loaded.number, Decimal)


async def test_a_whole_float_loads_as_float(twin: ModelTwin, Item: Any) -> None:
    loaded = await round_trip(twin, Item, ratio=3.0)

    assert type(loaded.ratio) is float and loaded.ratio == 3.0


async def test_integer_attribute_refuses_a_float(
    twin: ModelTwin, Item: Any, boto: Any, table_name: str
) -> None:
    with pytest.raises(TypeError, match=r"Item\.count"):
        await twin(Item(pk="i1", count=1.5)).save()
    assert raw_item(boto, table_name, "i1") is None


# -- scalars -----------------------------------------------------------------------------------------


async def test_booleans_bytes_and_aliases(twin: ModelTwin, Item: Any, boto: Any, table_name: str) -> None:
    loaded = await round_trip(twin, Item, flag=False, blob=b"\x00\x01", display="Ana")

    raw = raw_item(boto, table_name, "i1")
    assert raw is not None
    assert raw["flag"] == {"BOOL": False}
    assert raw["blob"] == {"B": b"\x00\x01"}
    assert raw["displayName"] == {"S": "Ana"}  # stored under its alias
    assert "display" not in raw
    assert (loaded.flag, loaded.blob, loaded.display) == (False, b"\x00\x01", "Ana")


async def test_enums_are_stored_as_their_values(
    twin: ModelTwin, Item: Any, boto: Any, table_name: str
) -> None:
    loaded = await round_trip(
        twin, Item, status=Status.BANNED, priority=Priority.HIGH, history=[Status.ACTIVE, Status.BANNED]
    )

    raw = raw_item(boto, table_name, "i1")
    assert raw is not None
    assert raw["status"] == {"S": "banned"}
    assert raw["priority"] == {"N": "2"}
    assert raw["history"] == {"L": [{"S": "active"}, {"S": "banned"}]}
    assert loaded.status is Status.BANNED
    assert loaded.priority is Priority.HIGH
    assert loaded.history == [Status.ACTIVE, Status.BANNED]


async def test_an_unknown_enum_value_is_refused(
    twin: ModelTwin, Item: Any, boto: Any, table_name: str
) -> None:
    with pytest.raises(ValueError, match=r"Item\.status"):
        await twin(Item(pk="i1", status="deleted")).save()
    assert raw_item(boto, table_name, "i1") is None


async def test_datetimes_are_stored_as_iso_8601_and_naive_means_utc(
    twin: ModelTwin, Item: Any, boto: Any, table_name: str
) -> None:
    loaded = await round_trip(twin, Item, seen_at=dt.datetime(2026, 1, 2, 3, 4, 5, 600))

    assert raw_item(boto, table_name, "i1")["seen_at"] == {"S": "2026-01-02T03:04:05.000600+00:00"}  # type: ignore[index]
    assert loaded.seen_at == dt.datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=UTC)


async def test_an_aware_datetime_keeps_its_offset(twin: ModelTwin, Item: Any) -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=plus_two)

    loaded = await round_trip(twin, Item, seen_at=when)

    assert loaded.seen_at == when and loaded.seen_at.utcoffset() == dt.timedelta(hours=2)


# -- maps, typed maps, JSON ------------------------------------------------------------------------------


async def test_a_typed_map_round_trips_a_dataclass_with_enum_and_datetime(
    twin: ModelTwin, Item: Any, boto: Any, table_name: str
) -> None:
    address = Address(
        city="Porto",
        since=dt.datetime(2020, 5, 1, 12, 0, tzinfo=UTC),
        status=Status.ACTIVE,
        zip_codes=["4000", "4100"],
        score=Decimal("9.75"),
    )

    loaded = await round_trip(twin, Item, address=address)

    assert loaded.address == address
    assert isinstance(loaded.address, Address)
    assert loaded.address.status is Status.ACTIVE
    assert isinstance(loaded.address.score, Decimal)
    raw = raw_item(boto, table_name, "i1")
    assert raw is not None
    assert raw["address"] == {
        "M": {
            "city": {"S": "Porto"},
            "since": {"S": "2020-05-01T12:00:00+00:00"},
            "status": {"S": "active"},
            "zip_codes": {"L": [{"S": "4000"}, {"S": "4100"}]},
            "score": {"N": "9.75"},
        }
    }


async def test_editing_a_typed_map_in_place_is_saved(
    twin: ModelTwin, Item: Any, boto: Any, table_name: str
) -> None:
    since = dt.datetime(2020, 5, 1, tzinfo=UTC)
    item = await round_trip(twin, Item, address=Address(city="Porto", since=since, status=Status.ACTIVE))

    item.address.status = Status.BANNED
    item.address.zip_codes.append("4000")
    await twin(item).save()

    again = await twin(Item).get(pk="i1")
    assert again.address == Address(city="Porto", since=since, status=Status.BANNED, zip_codes=["4000"])
    assert raw_item(boto, table_name, "i1")["address"]["M"]["status"] == {"S": "banned"}  # type: ignore[index]


async def test_a_typed_map_refuses_another_type(
    twin: ModelTwin, Item: Any, boto: Any, table_name: str
) -> None:
    with pytest.raises(TypeError, match=r"Item\.address"):
        await twin(Item(pk="i1", address=Preferences(theme="dark", priority=Priority.LOW))).save()
    assert raw_item(boto, table_name, "i1") is None


async def test_a_plain_map_round_trips_nested_values(twin: ModelTwin, Item: Any) -> None:
    meta = {"a": 1, "b": [True, None, "x"], "c": {"d": Decimal("1.5"), "e": {"x", "y"}}}

    loaded = await round_trip(twin, Item, meta=meta)

    assert loaded.meta == meta


async def test_json_attributes_round_trip(twin: ModelTwin, Item: Any, boto: Any, table_name: str) -> None:
    payload = {"list": [1, 2.5, "x", None, True], "nested": {"k": "v"}}

    loaded = await round_trip(
        twin, Item, payload=payload, prefs=Preferences(theme="dark", priority=Priority.HIGH)
    )

    raw = raw_item(boto, table_name, "i1")
    assert raw is not None
    assert json.loads(raw["payload"]["S"]) == payload
    assert json.loads(raw["prefs"]["S"]) == {"theme": "dark", "priority": 2}
    assert loaded.payload == payload
    assert loaded.prefs == Preferences(theme="dark", priority=Priority.HIGH)
    assert loaded.prefs.priority is Priority.HIGH


async def test_json_refuses_a_decimal(twin: ModelTwin, Item: Any, boto: Any, table_name: str) -> None:
    with pytest.raises(TypeError, match=r"Item\.payload"):
        await twin(Item(pk="i1", payload={"price": Decimal("1.10")})).save()
    assert raw_item(boto, table_name, "i1") is None


# -- bad input -----------------------------------------------------------------------------------------


@pytest.fixture
def User(table_name: str, client: DynamoDBClient) -> Any:
    class User(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        name = StringAttribute()
        age = NumberAttribute()
        email = StringAttribute(required=True, default="none@example.com")

    User.sync_create_table(wait=True)
    return User


def scan_all(boto: Any, table: str) -> list[dict[str, Any]]:
    return boto.scan(TableName=table, ConsistentRead=True)["Items"]  # type: ignore[no-any-return]


async def test_a_value_of_the_wrong_type_is_refused_naming_the_attribute(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    with pytest.raises(TypeError, match=r"User\.age"):
        await twin(User(pk="u1", sk="1", age="x")).save()
    assert scan_all(boto, table_name) == []


async def test_a_wrong_type_on_a_loaded_user_writes_nothing(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    await twin(User(pk="u1", sk="1", name="Ana", age=30)).save()
    user = await twin(User).get(pk="u1", sk="1")

    user.name = "Bia"
    user.age = "thirty"
    with pytest.raises(TypeError, match=r"User\.age"):
        await twin(user).save()

    raw = boto.get_item(TableName=table_name, Key={"pk": {"S": "u1"}, "sk": {"S": "1"}})["Item"]
    assert raw["name"] == {"S": "Ana"} and raw["age"] == {"N": "30"}


async def test_a_missing_key_is_refused_naming_it(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    with pytest.raises(ValueError, match=r"User\.sk"):
        await twin(User(pk="u1", name="Ana")).save()
    with pytest.raises(ValueError, match=r"User\.pk"):
        await twin(User(sk="1", name="Ana")).save()
    with pytest.raises(ValueError, match=r"sk"):
        await twin(User).get(pk="u1")
    assert scan_all(boto, table_name) == []


async def test_a_required_attribute_set_to_none_is_refused(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = User(pk="u1", sk="1")
    assert user.email == "none@example.com"

    user.email = None
    with pytest.raises(ValueError, match=r"User\.email"):
        await twin(user).save()
    assert scan_all(boto, table_name) == []


def test_a_condition_value_of_the_wrong_type_is_refused(User: Any) -> None:
    with pytest.raises(TypeError, match=r"User\.age"):
        User.age == "x"  # noqa: B015 - building the condition is what raises


def test_defaults_are_fresh_per_instance(table_name: str, client: DynamoDBClient) -> None:
    class Thing(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        tags = ListAttribute(default=[])
        meta = MapAttribute(default={"n": 0})
        created = NumberAttribute(default=lambda: 42)

    a, b = Thing(pk="a"), Thing(pk="b")
    a.tags.append("x")
    a.meta["n"] = 1

    assert (b.tags, b.meta, b.created) == ([], {"n": 0}, 42)
