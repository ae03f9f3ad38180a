"""A first model: declare it, create its table, save, read, update and query it.

Runs on pydynox's embedded engine (``memory://``): no AWS account, no server, no Docker.
"""

import asyncio

from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import NumberAttribute, StringAttribute, StringSetAttribute

# --8<-- [start:client]
client = DynamoDBClient(endpoint_url="memory://")  # or DynamoDBClient(region="eu-west-1") for AWS
set_default_client(client)
# --8<-- [end:client]


# --8<-- [start:model]
class User(Model):
    model_config = ModelConfig(table="users")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    name = StringAttribute()
    age = NumberAttribute(default=0)
    tags = StringSetAttribute()


# --8<-- [end:model]


async def main() -> None:
    # --8<-- [start:use]
    await User.create_table(wait=True)

    user = User(pk="USER#1", sk="PROFILE", name="Ana", tags={"admin"})
    await user.save(condition=User.pk.not_exists())  # create, never overwrite

    loaded = await User.get(pk="USER#1", sk="PROFILE")
    assert loaded is not None and loaded.tags == {"admin"}

    await loaded.update(atomic=[User.age.add(1), User.tags.add({"beta"})])
    assert loaded.age == 1 and loaded.tags == {"admin", "beta"}

    await User(pk="USER#1", sk="ORDER#001", name="first order").save()
    orders = await User.query(partition_key="USER#1", sort_key_condition=User.sk.begins_with("ORDER#")).all()
    assert [o.name for o in orders] == ["first order"]
    # --8<-- [end:use]


# --8<-- [start:sync]
def sync_twins() -> None:
    user = User.sync_get(pk="USER#1", sk="PROFILE")  # the same calls, blocking, for code without a loop
    assert user is not None and user.age == 1


# --8<-- [end:sync]


if __name__ == "__main__":
    asyncio.run(main())
    sync_twins()
