"""Every attribute type: defaults, required values, aliases, generated values, numbers, sets,
lists, maps and JSON, enums, datetimes."""

import asyncio

# --8<-- [start:setup]
import dataclasses
import datetime as dt
import enum
from decimal import Decimal

from pydynox import AutoGenerate, DynamoDBClient, Model, ModelConfig, set_default_client
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

client = DynamoDBClient(region="us-east-1")
set_default_client(client)
# --8<-- [end:setup]


# --8<-- [start:profile-model]
class Profile(Model):
    model_config = ModelConfig(table="attrs_profiles")
    pk = StringAttribute(partition_key=True)
    email = StringAttribute(required=True)
    roles = ListAttribute(default=["reader"])
    settings = MapAttribute(default={"theme": "dark"})
    joined = DatetimeAttribute(default=lambda: dt.datetime.now(dt.UTC))
    display_name = StringAttribute(alias="displayName")


# --8<-- [end:profile-model]


# --8<-- [start:event-model]
class Event(Model):
    model_config = ModelConfig(table="attrs_events")
    pk = StringAttribute(partition_key=True, default=AutoGenerate.ULID)
    request_id = StringAttribute(default=AutoGenerate.UUID4)
    at = IntegerAttribute(default=AutoGenerate.EPOCH_MS)
    at_text = StringAttribute(default=AutoGenerate.ISO8601)


# --8<-- [end:event-model]


# --8<-- [start:account-model]
class Account(Model):
    model_config = ModelConfig(table="attrs_accounts")
    pk = StringAttribute(partition_key=True)
    anything = NumberAttribute()
    count = IntegerAttribute()
    ratio = FloatAttribute()
    balance = DecimalAttribute()


# --8<-- [end:account-model]


# --8<-- [start:file-model]
class File(Model):
    model_config = ModelConfig(table="attrs_files")
    pk = BinaryAttribute(partition_key=True)
    name = StringAttribute()
    public = BooleanAttribute()


# --8<-- [end:file-model]


# --8<-- [start:tagged-model]
class Tagged(Model):
    model_config = ModelConfig(table="attrs_tagged")
    pk = StringAttribute(partition_key=True)
    tags = StringSetAttribute()
    scores = NumberSetAttribute()
    hashes = BinarySetAttribute()


# --8<-- [end:tagged-model]


# --8<-- [start:customer-model]
class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass
class Address:
    city: str
    zip: str | None = None
    since: dt.datetime | None = None


class Customer(Model):
    model_config = ModelConfig(table="attrs_customers")
    pk = StringAttribute(partition_key=True)
    notes = ListAttribute()
    colors = ListAttribute(of=EnumAttribute(Color))
    extra = MapAttribute()
    address = MapAttribute(Address)
    preferences = JSONAttribute()


# --8<-- [end:customer-model]


# --8<-- [start:ticket-model]
class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Ticket(Model):
    model_config = ModelConfig(table="attrs_tickets")
    pk = StringAttribute(partition_key=True)
    color = EnumAttribute(Color)
    priority = EnumAttribute(Priority)


# --8<-- [end:ticket-model]


# --8<-- [start:meeting-model]
class Meeting(Model):
    model_config = ModelConfig(table="attrs_meetings")
    pk = StringAttribute(partition_key=True)
    starts = DatetimeAttribute()


# --8<-- [end:meeting-model]


async def main() -> None:
    # --8<-- [start:profile-use]
    await Profile.create_table(wait=True)
    a = Profile(pk="P#1", email="a@example.com")
    b = Profile(pk="P#2", email="b@example.com")
    a.roles.append("admin")
    assert b.roles == ["reader"]  # b has its own copy

    try:
        Profile(pk="P#3")
        raise AssertionError("email is required")
    except ValueError as exc:
        assert "email" in str(exc)

    a.display_name = "Ana"
    await a.save()
    stored = await client.get_item("attrs_profiles", {"pk": "P#1"})
    assert stored["displayName"] == "Ana" and "display_name" not in stored
    # --8<-- [end:profile-use]

    # --8<-- [start:alias-repr]
    assert repr(Profile.display_name == "Ana") == "<Condition displayName = 'Ana'>"
    # --8<-- [end:alias-repr]

    # --8<-- [start:event-use]
    await Event.create_table(wait=True)
    first, second = Event(), Event()
    assert first.pk is None  # generated on save, not on construction
    await first.save()
    await second.save()
    assert len(first.pk) == 26 and first.pk[:10] <= second.pk[:10]  # the first 10 characters are the time
    assert len(first.request_id) == 36 and first.at > 1_700_000_000_000
    assert first.at_text.endswith("Z")
    # --8<-- [end:event-use]

    # --8<-- [start:account-use]
    await Account.create_table(wait=True)
    pi_38 = Decimal("3.1415926535897932384626433832795028841")
    await Account(pk="A#1", anything=Decimal("1.50"), count=3, ratio=0.1, balance=pi_38).save()

    acc = await Account.get(pk="A#1")
    assert acc.anything == Decimal("1.5") and isinstance(acc.anything, Decimal)
    assert acc.count == 3 and isinstance(acc.count, int)
    assert acc.ratio == 0.1 and isinstance(acc.ratio, float)
    assert acc.balance == pi_38  # all 38 digits

    acc.count = 2.5
    try:
        await acc.save()
        raise AssertionError("IntegerAttribute refuses floats")
    except TypeError as exc:
        assert "IntegerAttribute expects an int" in str(exc)
    acc.count = 3

    acc.balance = Decimal("1" * 39)
    try:
        await acc.save()
        raise AssertionError("39 digits")
    except ValueError as exc:
        assert "38" in str(exc)
    # --8<-- [end:account-use]

    # --8<-- [start:file-use]
    await File.create_table(wait=True)
    await File(pk=b"\x00\x01", name="logo.png", public=False).save()
    f = await File.get(pk=b"\x00\x01")
    assert f.name == "logo.png" and f.public is False
    # --8<-- [end:file-use]

    # --8<-- [start:tagged-use]
    await Tagged.create_table(wait=True)
    t = Tagged(pk="T#1", tags={"a", "b"}, scores={1, Decimal("2.5")}, hashes={b"\xff"})
    await t.save()
    loaded = await Tagged.get(pk="T#1")
    assert loaded.tags == {"a", "b"} and loaded.scores == {1, Decimal("2.5")}

    loaded.tags.clear()
    try:
        await loaded.save()
        raise AssertionError("empty set")
    except ValueError as exc:
        assert "empty sets" in str(exc)
    loaded.tags = None  # removes the attribute
    await loaded.save()
    assert "tags" not in await client.get_item("attrs_tagged", {"pk": "T#1"})
    # --8<-- [end:tagged-use]

    # --8<-- [start:customer-use]
    await Customer.create_table(wait=True)
    await Customer(
        pk="C#1",
        notes=["vip", 3, None],
        colors=[Color.RED, Color.BLUE],
        extra={"source": "web", "visits": 2},
        address=Address("Porto", since=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
        preferences={"newsletter": True, "langs": ["pt", "en"]},
    ).save()

    stored = await client.get_item("attrs_customers", {"pk": "C#1"})
    assert stored["colors"] == ["red", "blue"]
    assert stored["address"] == {"city": "Porto", "zip": None, "since": "2024-01-01T00:00:00+00:00"}
    assert stored["preferences"] == '{"newsletter":true,"langs":["pt","en"]}'

    c = await Customer.get(pk="C#1")
    assert c.colors == [Color.RED, Color.BLUE]
    assert c.address == Address("Porto", since=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    assert c.preferences["langs"] == ["pt", "en"]
    # --8<-- [end:customer-use]

    # --8<-- [start:ticket-use]
    await Ticket.create_table(wait=True)
    await Ticket(pk="T#1", color=Color.BLUE, priority=Priority.HIGH).save()
    assert await client.get_item("attrs_tickets", {"pk": "T#1"}) == {
        "pk": "T#1",
        "color": "blue",
        "priority": 2,
    }
    ticket = await Ticket.get(pk="T#1")
    assert ticket.color is Color.BLUE and ticket.priority is Priority.HIGH

    ticket.color = "purple"
    try:
        await ticket.save()
        raise AssertionError("not a Color")
    except ValueError as exc:
        assert "'purple' is not a Color" in str(exc)
    # --8<-- [end:ticket-use]

    # --8<-- [start:meeting-use]
    await Meeting.create_table(wait=True)
    await Meeting(pk="M#1", starts=dt.datetime(2025, 3, 1, 9, 30)).save()  # naive: UTC
    lisbon_summer = dt.timezone(dt.timedelta(hours=1))
    await Meeting(pk="M#2", starts=dt.datetime(2025, 7, 1, 9, 30, tzinfo=lisbon_summer)).save()

    assert (await client.get_item("attrs_meetings", {"pk": "M#1"}))["starts"] == "2025-03-01T09:30:00+00:00"
    m1 = await Meeting.get(pk="M#1")
    assert m1.starts == dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC) and m1.starts.tzinfo is not None
    m2 = await Meeting.get(pk="M#2")
    assert m2.starts.utcoffset() == dt.timedelta(hours=1)
    # --8<-- [end:meeting-use]


if __name__ == "__main__":
    asyncio.run(main())
