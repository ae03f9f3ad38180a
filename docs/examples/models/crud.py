"""Models: declare, save, read, update, delete; smart saves, partial reads, undeclared attributes."""

import asyncio

# --8<-- [start:setup]
from pydynox import DynamoDBClient, Model, ModelConfig, get_default_client, set_default_client
from pydynox.attributes import ListAttribute, MapAttribute, NumberAttribute, StringAttribute
from pydynox.exceptions import ConditionalCheckFailedException

client = DynamoDBClient(region="us-east-1")
set_default_client(client)
# --8<-- [end:setup]


# --8<-- [start:user-model]
class User(Model):
    model_config = ModelConfig(table="models_users")
    pk = StringAttribute(partition_key=True)
    name = StringAttribute()
    age = NumberAttribute()
    tags = ListAttribute()
    address = MapAttribute()


# --8<-- [end:user-model]


# --8<-- [start:audit-model]
audit_client = DynamoDBClient(region="us-east-1", max_attempts=10)


class AuditEntry(Model):
    model_config = ModelConfig(table="models_audit", client=audit_client)
    pk = StringAttribute(partition_key=True)
    message = StringAttribute()


# --8<-- [end:audit-model]


# --8<-- [start:strict-model]
class StrictUser(Model):
    model_config = ModelConfig(table="models_users", strict_attributes=True)
    pk = StringAttribute(partition_key=True)
    name = StringAttribute()


# --8<-- [end:strict-model]


async def main() -> None:
    # --8<-- [start:first-save]
    await User.create_table(wait=True)
    user = User(pk="USER#1", name="Ana", age=30, tags=["admin"])
    await user.save()

    loaded = await User.get(pk="USER#1")
    assert loaded is not None and loaded.name == "Ana" and loaded.age == 30
    assert loaded.address is None  # never set: None, and absent from the stored item
    assert await User.get(pk="USER#404") is None
    # --8<-- [end:first-save]

    # --8<-- [start:audit-use]
    assert get_default_client() is client  # AuditEntry ignores the default
    await AuditEntry.create_table(wait=True)
    await AuditEntry(pk="A#1", message="created").save()
    # --8<-- [end:audit-use]

    # --8<-- [start:smart-save]
    user = await User.get(pk="USER#1")
    user.tags.append("beta")  # in place: no assignment needed
    user.address = {"city": "Porto"}
    user.age = None  # removes the attribute
    assert sorted(user.changed_fields) == ["address", "age", "tags"]
    await user.save()

    stored = await client.get_item("models_users", {"pk": "USER#1"})
    assert stored == {"pk": "USER#1", "name": "Ana", "tags": ["admin", "beta"], "address": {"city": "Porto"}}
    assert user.changed_fields == [] and not user.is_dirty
    # --8<-- [end:smart-save]

    # --8<-- [start:full-replace]
    await client.update_item("models_users", {"pk": "USER#1"}, updates={"age": 41})  # someone else

    user.name = "Ana Maria"
    await user.save()  # sends only `name`
    assert (await User.get(pk="USER#1")).age == 41  # the other writer's change survives

    await user.save(full_replace=True)  # puts the whole item: age is gone again
    assert (await User.get(pk="USER#1")).age is None
    # --8<-- [end:full-replace]

    # --8<-- [start:condition]
    try:
        await User(pk="USER#1", name="Impostor").save(condition=User.pk.not_exists())
        raise AssertionError("the item exists")
    except ConditionalCheckFailedException:
        pass
    assert (await User.get(pk="USER#1")).name == "Ana Maria"
    # --8<-- [end:condition]

    # --8<-- [start:get]
    partial = await User.get(pk="USER#1", fields=["name"], consistent_read=True)
    assert partial.name == "Ana Maria" and partial.tags is None
    partial.name = "Ana"
    await partial.save()
    assert (await User.get(pk="USER#1")).tags == ["admin", "beta"]  # not loaded, not lost

    raw = await User.get(pk="USER#1", as_dict=True)  # the stored item as a dict, no model instance
    assert raw["name"] == "Ana"
    # --8<-- [end:get]

    # --8<-- [start:update]
    user = await User.get(pk="USER#1")
    user.name = "not sent yet"
    await client.update_item("models_users", {"pk": "USER#1"}, updates={"tags": ["ops"]})  # someone else

    await user.update(age=30)
    assert user.age == 30
    assert user.tags == ["ops"]  # refreshed from the stored item
    assert user.name == "not sent yet" and user.changed_fields == ["name"]

    await user.update(atomic=[User.age.add(1)], condition=User.age >= 18)
    assert user.age == 31
    # --8<-- [end:update]

    # --8<-- [start:by-key]
    updated = await User.update_by_key(pk="USER#1", atomic=[User.age.add(1)], name="Ana")
    assert isinstance(updated, User) and updated.age == 32

    await User(pk="USER#2", name="Bo").save()
    await User.delete_by_key(pk="USER#2", condition=User.name == "Bo")
    assert await User.get(pk="USER#2") is None
    # --8<-- [end:by-key]

    # --8<-- [start:delete]
    user = await User.get(pk="USER#1")
    await user.delete()
    assert await User.get(pk="USER#1") is None
    await user.save()
    assert await User.get(pk="USER#1") is not None
    # --8<-- [end:delete]

    # --8<-- [start:plain-data]
    user = await User.get(pk="USER#1")
    data = user.to_dict()
    assert data == {"pk": "USER#1", "name": "Ana", "age": 32, "tags": ["ops"], "address": {"city": "Porto"}}

    copy = User.from_dict(data)
    assert copy.name == "Ana" and not copy.is_dirty
    copy.age = 33
    assert copy.changed_fields == ["age"]
    assert user.calculate_size() > 0  # the size DynamoDB counts against 400 KB
    # --8<-- [end:plain-data]

    # --8<-- [start:changed]
    fresh = User(pk="USER#3", name="Cy")
    assert fresh.is_dirty and fresh.changed_fields == ["pk", "name"]
    await fresh.save()
    assert not fresh.is_dirty
    fresh.tags = []
    fresh.tags.append("x")
    assert fresh.changed_fields == ["tags"]
    # --8<-- [end:changed]

    # --8<-- [start:undeclared]
    tagged = User(pk="USER#4", name="Di", source="import")  # `source` is not declared
    await tagged.save()
    assert (await client.get_item("models_users", {"pk": "USER#4"}))["source"] == "import"

    await client.put_item("models_users", {"pk": "USER#5", "name": "Ed", "legacy": 1})
    ed = await User.get(pk="USER#5")
    ed.name = "Eddie"
    await ed.save(full_replace=True)
    assert (await client.get_item("models_users", {"pk": "USER#5"}))["legacy"] == 1  # preserved
    # --8<-- [end:undeclared]

    # --8<-- [start:strict-use]
    strict = StrictUser(pk="USER#6", name="Fa")
    try:
        strict.nmae = "typo"
        raise AssertionError("strict models refuse unknown attributes")
    except AttributeError as exc:
        assert "nmae" in str(exc)
    # --8<-- [end:strict-use]


if __name__ == "__main__":
    asyncio.run(main())
