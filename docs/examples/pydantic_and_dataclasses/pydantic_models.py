"""DynamoModel: a pydantic model stored in DynamoDB, with every model feature."""

import asyncio

# --8<-- [start:setup]
import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Annotated

import pydantic
from pydantic import BaseModel, field_validator
from pydynox import AutoGenerate, DynamoDBClient, set_default_client
from pydynox.attributes import StringAttribute, VersionAttribute
from pydynox.pydantic import DynamoModel, PartitionKey, SortKey

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


class Plan(enum.Enum):
    FREE = "free"
    PRO = "pro"


class Address(BaseModel):
    city: str
    country: str = "PT"


class User(DynamoModel, table="pyd_users", consistent_read=True):
    pk: Annotated[str, PartitionKey()]
    sk: Annotated[str, SortKey()] = "PROFILE"
    name: str
    age: int = 0
    plan: Plan = Plan.FREE
    tags: set[str] = set()
    address: Address | None = None
    balance: Decimal = Decimal(0)
    joined: dt.datetime | None = None
    id: Annotated[str | None, StringAttribute(default=AutoGenerate.ULID)] = None
    version: Annotated[int | None, VersionAttribute()] = None

    @field_validator("name")
    @classmethod
    def strip_name(cls, value: str) -> str:
        return value.strip()


# --8<-- [end:setup]


# --8<-- [start:shipment-model]
class Shipment(DynamoModel, table="pyd_shipments", partition_key="pk"):
    pk: str
    tracking: uuid.UUID
    due: dt.date
    stops: list[Address] = []
    status_by_leg: dict[str, Plan] = {}
    weights: set[float] = set()
    notes: Annotated[str | None, StringAttribute(alias="n")] = None


# --8<-- [end:shipment-model]


async def main() -> None:
    # --8<-- [start:use]
    await User.create_table(wait=True)
    user = User(pk="USER#1", name="  Ana ", tags={"admin"}, address={"city": "Porto"})
    assert user.name == "Ana" and user.address == Address(city="Porto")  # validated by pydantic
    await user.save()
    assert user.version == 1 and len(user.id) == 26

    stored = await client.get_item("pyd_users", {"pk": "USER#1", "sk": "PROFILE"})
    assert stored["plan"] == "free" and stored["tags"] == {"admin"}
    assert stored["address"] == {"city": "Porto", "country": "PT"}

    loaded = await User.get(pk="USER#1", sk="PROFILE")
    assert loaded.model_dump() == user.model_dump()
    await loaded.update(atomic=[User.age.add(1), User.tags.add({"beta"})])
    assert loaded.age == 1 and loaded.tags == {"admin", "beta"} and loaded.version == 2

    try:
        User(pk="USER#2", name="Bo", age="not a number")
        raise AssertionError("pydantic validates on construction")
    except pydantic.ValidationError:
        pass
    # --8<-- [end:use]

    # --8<-- [start:dump]
    data = loaded.model_dump(mode="json")
    assert sorted(data.pop("tags")) == ["admin", "beta"]  # a set becomes a JSON list
    assert data == {
        "pk": "USER#1", "sk": "PROFILE", "name": "Ana", "age": 1, "plan": "free",
        "address": {"city": "Porto", "country": "PT"}, "balance": "0", "joined": None,
        "id": loaded.id, "version": 2,
    }  # fmt: skip
    assert User.model_json_schema()["required"] == ["pk", "name"]
    assert User.model_validate_json(loaded.model_dump_json()).model_dump() == loaded.model_dump()
    # --8<-- [end:dump]

    # --8<-- [start:no-revalidation]
    await client.update_item("pyd_users", {"pk": "USER#1", "sk": "PROFILE"}, updates={"name": "  spaced  "})
    raw = await User.get(pk="USER#1", sk="PROFILE")
    assert raw.name == "  spaced  "  # strip_name did not run
    assert raw.plan is Plan.FREE and raw.address == Address(city="Porto")  # but types are rebuilt
    # --8<-- [end:no-revalidation]

    # --8<-- [start:shipment-use]
    await Shipment.create_table(wait=True)
    shipment = Shipment(
        pk="SH#1",
        tracking=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        due=dt.date(2025, 5, 1),
        stops=[Address(city="Porto"), Address(city="Vigo", country="ES")],
        status_by_leg={"first": Plan.PRO},
        weights={1.5, 2.25},
        notes="fragile",
    )
    await shipment.save()
    stored = await client.get_item("pyd_shipments", {"pk": "SH#1"})
    assert stored["tracking"] == "12345678-1234-5678-1234-567812345678" and stored["due"] == "2025-05-01"
    assert stored["n"] == "fragile"
    assert (await Shipment.get(pk="SH#1")).model_dump() == shipment.model_dump()  # every type rebuilt
    # --8<-- [end:shipment-use]


if __name__ == "__main__":
    asyncio.run(main())
