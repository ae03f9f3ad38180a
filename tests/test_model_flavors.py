"""Pydantic models (DynamoModel), dataclasses (DataclassModel) and the dynamodb_model decorator get
the whole model feature set: CRUD, smart saves, conditions, atomic updates, hooks, locking, query."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated, Any, ClassVar

import pydantic
import pytest
from pydynox import DynamoDBClient, dynamodb_model
from pydynox.attributes import StringAttribute, VersionAttribute
from pydynox.dataclass import DataclassModel
from pydynox.exceptions import ConditionalCheckFailedException
from pydynox.generators import AutoGenerate
from pydynox.hooks import after_load, before_save
from pydynox.pydantic import DynamoModel, PartitionKey, SortKey
from support.model_twin import ModelTwin


class Status(enum.Enum):
    ACTIVE = "active"
    CLOSED = "closed"


class Address(pydantic.BaseModel):
    city: str
    since: dt.datetime | None = None


@dataclasses.dataclass
class Line:
    sku: str
    qty: int
    price: Decimal


def pydantic_model(table: str, client: DynamoDBClient) -> Any:
    class Account(DynamoModel, table=table, client=client):
        pk: Annotated[str, PartitionKey()]
        sk: Annotated[str, SortKey()] = "ACCOUNT"
        owner: str
        balance: Decimal = Decimal(0)
        status: Status = Status.ACTIVE
        tags: set[str] | None = None  # DynamoDB cannot store an empty set
        history: list[str] = pydantic.Field(default_factory=list)
        address: Address | None = None
        opened: dt.datetime | None = None
        version: Annotated[int | None, VersionAttribute()] = None
        ref: Annotated[str | None, StringAttribute(default=AutoGenerate.ULID)] = None

        @before_save
        def tidy(self) -> None:
            self.owner = self.owner.strip()

    return Account


def dataclass_model(table: str, client: DynamoDBClient) -> Any:
    class Order(DataclassModel, table=table, client=client):
        pk: Annotated[str, PartitionKey()]
        sk: Annotated[str, SortKey()]
        lines: list[Line] = dataclasses.field(default_factory=list)
        total: Decimal = Decimal(0)
        status: Status = Status.ACTIVE
        version: Annotated[int | None, VersionAttribute()] = None
        loads: ClassVar[list[str]] = []

        @before_save
        def compute_total(self) -> None:
            self.total = sum((line.price * line.qty for line in self.lines), Decimal(0))

        @after_load
        async def count_load(self) -> None:
            type(self).loads.append(self.sk)

    return Order


async def test_a_pydantic_model_saves_loads_and_saves_in_place_edits(
    client: DynamoDBClient, table_name: str, twin: ModelTwin, boto: Any
) -> None:
    Account = pydantic_model(table_name, client)
    await twin(Account).create_table(wait=True)
    account = Account(
        pk="A#1", owner=" Ana ", tags={"vip"}, address=Address(city="Porto", since=dt.datetime(2020, 1, 1))
    )
    await twin(account).save()
    assert account.owner == "Ana" and account.version == 1 and account.ref is not None

    loaded = await twin(Account).get(pk="A#1", sk="ACCOUNT")
    assert isinstance(loaded, Account)
    assert loaded.model_dump(exclude={"address"}) == account.model_dump(exclude={"address"})
    # A naive datetime is stored as UTC and comes back aware.
    assert loaded.address == Address(city="Porto", since=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    loaded.history.append("opened")
    loaded.tags.add("beta")
    await twin(loaded).save()

    stored = boto.get_item(TableName=table_name, Key={"pk": {"S": "A#1"}, "sk": {"S": "ACCOUNT"}})["Item"]
    assert stored["history"] == {"L": [{"S": "opened"}]}
    assert sorted(stored["tags"]["SS"]) == ["beta", "vip"]
    assert stored["status"] == {"S": "active"}
    assert stored["version"] == {"N": "2"}
    # A pydantic model dumps like any other: the stored bookkeeping is not part of it.
    assert "version" in loaded.model_dump() and "_pydynox_snapshot" not in loaded.model_dump()


async def test_a_pydantic_model_has_conditions_atomic_updates_and_locking(
    client: DynamoDBClient, table_name: str, twin: ModelTwin
) -> None:
    Account = pydantic_model(table_name, client)
    await twin(Account).create_table(wait=True)
    account = Account(pk="A#2", owner="Bo", balance=Decimal("10.50"))
    await twin(account).save(condition=Account.pk.not_exists())
    stale = await twin(Account).get(pk="A#2", sk="ACCOUNT")

    await twin(account).update(
        atomic=[Account.balance.add(Decimal("0.25")), Account.tags.add({"new"})],
        condition=Account.status == Status.ACTIVE,
    )
    assert account.balance == Decimal("10.75") and account.tags == {"new"} and account.version == 2

    stale.owner = "Someone else"
    with pytest.raises(ConditionalCheckFailedException):
        await twin(stale).save()
    assert stale.version == 1

    with pytest.raises(ConditionalCheckFailedException):
        await twin(account).delete(condition=Account.status == Status.CLOSED)
    await twin(account).delete()
    assert await twin(Account).get(pk="A#2", sk="ACCOUNT") is None


async def test_a_pydantic_model_queries_into_instances(
    client: DynamoDBClient, table_name: str, twin: ModelTwin
) -> None:
    Account = pydantic_model(table_name, client)
    await twin(Account).create_table(wait=True)
    for i in range(5):
        await twin(Account(pk="A#3", sk=f"ACCOUNT#{i}", owner=f"o{i}", balance=Decimal(i))).save()
    rich = await twin(Account).query(
        partition_key="A#3",
        sort_key_condition=Account.sk.begins_with("ACCOUNT#"),
        filter_condition=Account.balance >= 2,
    )
    assert [a.owner for a in rich] == ["o2", "o3", "o4"]
    assert all(isinstance(a, Account) for a in rich)


async def test_a_dataclass_model_has_the_same_features(
    client: DynamoDBClient, table_name: str, twin: ModelTwin, boto: Any
) -> None:
    Order = dataclass_model(table_name, client)
    await twin(Order).create_table(wait=True)
    order = Order(pk="U#1", sk="O#1", lines=[Line("apple", 2, Decimal("0.40"))])
    await twin(order).save()
    assert order.total == Decimal("0.80") and order.version == 1

    loaded = await twin(Order).get(pk="U#1", sk="O#1")
    assert loaded == order and Order.loads == ["O#1"]
    assert dataclasses.asdict(loaded)["lines"] == [{"sku": "apple", "qty": 2, "price": Decimal("0.4")}]
    loaded.lines.append(Line("pear", 1, Decimal("1.10")))
    await twin(loaded).save()
    stored = boto.get_item(TableName=table_name, Key={"pk": {"S": "U#1"}, "sk": {"S": "O#1"}})["Item"]
    assert stored["total"] == {"N": "1.9"} and len(stored["lines"]["L"]) == 2

    await twin(loaded).update(atomic=[Order.total.add(1)], condition=Order.status == Status.ACTIVE)
    assert loaded.total == Decimal("2.9") and loaded.version == 3
    order.status = Status.CLOSED
    with pytest.raises(ConditionalCheckFailedException):
        await twin(order).save()  # stale: version 1
    orders = await twin(Order).query(partition_key="U#1")
    assert [o.sk for o in orders] == ["O#1"] and Order.loads == ["O#1", "O#1"]


async def test_dynamodb_model_turns_existing_classes_into_stored_models(
    client: DynamoDBClient, table_name: str, twin: ModelTwin
) -> None:
    @dynamodb_model(table=table_name, partition_key="pk", sort_key="sk", client=client)
    class Note(pydantic.BaseModel):
        pk: str
        sk: str
        text: str = ""

    @dynamodb_model(table=table_name, partition_key="pk", sort_key="sk", client=client)
    @dataclasses.dataclass
    class Tag:
        pk: str
        sk: str
        uses: int = 0

    await twin(Note).create_table(wait=True)
    await twin(Note(pk="N", sk="1", text="hi")).save()
    await twin(Tag(pk="T", sk="1")).save()
    await twin(Tag).update_by_key(pk="T", sk="1", atomic=[Tag.uses.add(3)])
    note = await twin(Note).get(pk="N", sk="1")
    tag = await twin(Tag).get(pk="T", sk="1")
    assert note.text == "hi" and isinstance(note, pydantic.BaseModel)
    assert tag.uses == 3 and dataclasses.is_dataclass(tag)


def test_bad_declarations_are_refused_with_the_field_named() -> None:
    with pytest.raises(TypeError, match=r"Bad\.when"):

        class Bad(DynamoModel, table="bad_table"):
            pk: Annotated[str, PartitionKey()]
            when: dict[int, complex]  # type: ignore[type-arg]

    with pytest.raises(TypeError, match="cannot be a key"):

        class BadKey(DataclassModel, table="bad_table"):
            pk: Annotated[list[str], PartitionKey()]

    with pytest.raises(TypeError, match="pydantic model or a dataclass"):
        dynamodb_model(table="bad_table", partition_key="pk")(object)
