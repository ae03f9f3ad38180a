"""The pydynox side of the PynamoDB migration guide: the same model and operations."""

import asyncio

# --8<-- [start:model]
from pydynox import BatchWriter, DynamoDBClient, Model, ModelConfig, Transaction, set_default_client
from pydynox.attributes import (
    NumberAttribute,
    StringAttribute,
    StringSetAttribute,
    TTLAttribute,
    VersionAttribute,
)
from pydynox.exceptions import ConditionalCheckFailedException
from pydynox.indexes import GlobalSecondaryIndex

set_default_client(DynamoDBClient(region="us-east-1"))


class User(Model):
    model_config = ModelConfig(table="users")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    email = StringAttribute()
    name = StringAttribute()
    age = NumberAttribute(default=0)
    tags = StringSetAttribute()
    expires_at = TTLAttribute()
    version = VersionAttribute()

    by_email = GlobalSecondaryIndex("email-index", partition_key="email", projection="KEYS_ONLY")


# --8<-- [end:model]


class Order(Model):
    model_config = ModelConfig(table="orders")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    total = NumberAttribute()


async def main() -> None:
    # --8<-- [start:create-table]
    await User.create_table(wait=True)  # PAY_PER_REQUEST by default; the index comes with it
    # --8<-- [end:create-table]
    await Order.create_table(wait=True)

    # --8<-- [start:crud]
    user = User(pk="USER#1", sk="PROFILE", email="ana@example.com", name="Ana")
    await user.save(condition=User.pk.not_exists())

    user = await User.get(pk="USER#1", sk="PROFILE")  # None when absent (no DoesNotExist)
    assert user is not None and user.age == 0

    try:
        await User(pk="USER#1", sk="PROFILE").save(condition=User.pk.not_exists())
    except ConditionalCheckFailedException:
        pass
    # --8<-- [end:crud]

    # --8<-- [start:update]
    await user.update(atomic=[User.age.add(1), User.tags.add({"admin"})], condition=User.age < 120)
    assert user.age == 1 and user.tags == {"admin"}  # refreshed from the stored item

    user.name = "Ana Maria"
    user.tags.add("beta")  # in place: seen by save()
    await user.save()  # sends only name and tags; checks the version
    # --8<-- [end:update]

    # --8<-- [start:query]
    for i in range(25):
        await Order(pk="USER#1", sk=f"ORDER#{i:03d}", total=i).save()

    result = Order.query(
        partition_key="USER#1",
        sort_key_condition=Order.sk.begins_with("ORDER#"),
        filter_condition=Order.total >= 5,
        limit=10,
    )
    first_ten = [o async for o in result]
    rest = await result.restart(result.last_evaluated_key).all()  # the same query, resumed
    assert [o.total for o in first_ten + rest] == list(range(5, 25))
    assert await Order.count(partition_key="USER#1") == 25
    # --8<-- [end:query]

    # --8<-- [start:index]
    found = await User.by_email.query(email="ana@example.com").first()
    assert found.pk == "USER#1"
    # --8<-- [end:index]

    # --8<-- [start:batch]
    async with BatchWriter() as batch:
        for i in range(25, 60):
            batch.save(Order(pk="USER#1", sk=f"ORDER#{i:03d}", total=i))
    orders = await Order.batch_get([{"pk": "USER#1", "sk": "ORDER#030"}, {"pk": "USER#1", "sk": "ORDER#999"}])
    assert [o.total for o in orders] == [30] and orders.missing == [{"pk": "USER#1", "sk": "ORDER#999"}]
    # --8<-- [end:batch]

    # --8<-- [start:transaction]
    order = await Order.get(pk="USER#1", sk="ORDER#030")
    async with Transaction() as tx:
        tx.update(user, atomic=[User.age.add(1)], condition=User.age >= 1)
        tx.delete(order)
    assert await Order.get(pk="USER#1", sk="ORDER#030") is None
    # --8<-- [end:transaction]


if __name__ == "__main__":
    asyncio.run(main())
