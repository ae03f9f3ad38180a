"""Code written for pydynox 1.x, run on this pydynox: the same calls, and what now comes out right."""

import asyncio

# --8<-- [start:model]
from decimal import Decimal

from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import ListAttribute, NumberAttribute, StringAttribute, StringSetAttribute
from pydynox.exceptions import UnprocessedItemsException
from pydynox.hooks import after_save
from pydynox.local import LocalEngine

client = DynamoDBClient(region="us-east-1")
set_default_client(client)
published: list[str] = []


class User(Model):
    model_config = ModelConfig(table="users")
    pk = StringAttribute(partition_key=True)
    name = StringAttribute()
    balance = NumberAttribute()
    tags = StringSetAttribute()
    notes = ListAttribute()

    @after_save
    async def publish(self) -> None:
        published.append(self.pk)  # e.g. an async queue client


# --8<-- [end:model]


async def main() -> None:
    await User.create_table(wait=True)

    # --8<-- [start:numbers]
    pi_38 = Decimal("3.1415926535897932384626433832795028841")
    await User(pk="USER#1", name="Ana", balance=pi_38, tags={"admin"}, notes=["first"]).save()
    user = await User.get(pk="USER#1")
    assert user.balance == pi_38  # 1.x: 3.141592653589793, a float
    # --8<-- [end:numbers]

    # --8<-- [start:sets]
    stored = await client.get_item("users", {"pk": "USER#1"})
    assert stored["tags"] == {"admin"}  # a DynamoDB string set (SS); 1.x wrote a list (L)
    # --8<-- [end:sets]

    # --8<-- [start:in-place]
    user.notes.append("second")  # in place
    user.name = "Ana Maria"  # and an assignment
    await user.save()
    stored = await client.get_item("users", {"pk": "USER#1"})
    assert stored["notes"] == ["first", "second"] and stored["name"] == "Ana Maria"  # 1.x lost the append
    # --8<-- [end:in-place]

    # --8<-- [start:undeclared]
    await client.update_item("users", {"pk": "USER#1"}, updates={"added_by_another_service": 1})
    user = await User.get(pk="USER#1")
    await user.save()  # nothing changed: nothing is sent
    stored = await client.get_item("users", {"pk": "USER#1"})
    assert stored["added_by_another_service"] == 1  # 1.x put the whole item back, without it
    # --8<-- [end:undeclared]

    # --8<-- [start:hooks]
    assert published == ["USER#1"] * 3  # awaited, once per save(); 1.x never awaited an async hook
    # --8<-- [end:hooks]

    # --8<-- [start:batch]
    engine = LocalEngine(None)  # an engine that hands batches back unprocessed, on demand
    local = engine.make_client()
    await local.create_table("users", partition_key=("pk", "S"), wait=True)
    engine.unprocessed(100, operations=["BatchWriteItem"])
    try:
        await local.batch_write("users", put_items=[{"pk": f"U#{i}"} for i in range(3)], max_retries=2)
    except UnprocessedItemsException as exc:
        # Exactly what was not written; 1.x raised a generic error naming no item.
        assert exc.put_items == [{"pk": "U#0"}, {"pk": "U#1"}, {"pk": "U#2"}]
    engine.discard()
    # --8<-- [end:batch]

    # --8<-- [start:compatible]
    count, metrics = await User.count()  # an int that still unpacks like 1.x's tuple
    assert count == 1 and metrics.consumed_rcu is not None
    items, _ = await User.parallel_scan(2)  # awaited: (items, metrics), as in 1.x
    assert [u.pk for u in items] == ["USER#1"]
    # --8<-- [end:compatible]


if __name__ == "__main__":
    asyncio.run(main())
