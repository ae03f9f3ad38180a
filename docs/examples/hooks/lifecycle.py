"""Lifecycle hooks: before/after save, update, delete and load; async hooks; order and inheritance;
skipping hooks."""

# --8<-- [start:setup]
import asyncio

from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import StringAttribute
from pydynox.hooks import after_load, after_save, after_update, before_delete, before_save, before_update

client = DynamoDBClient(region="us-east-1")
set_default_client(client)
log: list[str] = []


class Account(Model):
    model_config = ModelConfig(table="hooks_accounts")
    pk = StringAttribute(partition_key=True)
    email = StringAttribute()
    plan = StringAttribute()

    @before_save
    def normalise(self) -> None:
        self.email = self.email.strip().lower()
        if "@" not in self.email:
            raise ValueError(f"not an email: {self.email!r}")

    @after_save
    def saved(self) -> None:
        log.append(f"saved {self.pk}")

    @before_update
    @after_update  # one method may carry several decorators
    def around_update(self) -> None:
        log.append(f"update {self.plan}")

    @before_delete
    def keep_admins(self) -> None:
        if self.plan == "admin":
            raise PermissionError("admins are not deleted")

    @after_load
    def loaded(self) -> None:
        log.append(f"loaded {self.pk}")


# --8<-- [end:setup]


# --8<-- [start:async-model]
class Order(Model):
    model_config = ModelConfig(table="hooks_orders")
    pk = StringAttribute(partition_key=True)
    status = StringAttribute()

    @after_save
    async def publish(self) -> None:
        await asyncio.sleep(0)  # e.g. send to a queue with an async client
        await client.put_item("hooks_outbox", {"pk": f"{self.pk}#{self.status}"})


# --8<-- [end:async-model]


# --8<-- [start:inheritance-models]
calls: list[str] = []


class Base(Model):
    model_config = ModelConfig(table="hooks_inherit")
    pk = StringAttribute(partition_key=True)

    @before_save
    def first(self) -> None:
        calls.append("Base.first")

    @before_save
    def second(self) -> None:
        calls.append("Base.second")


class Child(Base):
    def second(self) -> None:  # still a before_save hook
        calls.append("Child.second")

    @before_save
    def third(self) -> None:
        calls.append("Child.third")


# --8<-- [end:inheritance-models]


async def main() -> None:
    # --8<-- [start:use]
    await Account.create_table(wait=True)
    account = Account(pk="A#1", email="  Ana@Example.COM ", plan="free")
    await account.save()
    assert account.email == "ana@example.com" and log == ["saved A#1"]

    try:
        await Account(pk="A#2", email="nobody").save()
        raise AssertionError("refused by the hook")
    except ValueError:
        pass
    assert await Account.get(pk="A#2") is None  # nothing was written

    log.clear()
    await account.update(plan="admin")
    assert log == ["update free", "update admin"]  # after_update sees the refreshed instance

    log.clear()
    loaded = await Account.get(pk="A#1")
    assert log == ["loaded A#1"]
    try:
        await loaded.delete()
        raise AssertionError("refused by the hook")
    except PermissionError:
        pass
    # --8<-- [end:use]

    # --8<-- [start:async-use]
    await Order.create_table(wait=True)
    await client.create_table("hooks_outbox", partition_key=("pk", "S"), wait=True)

    order = Order(pk="O#1", status="new")
    await order.save()
    assert await client.get_item("hooks_outbox", {"pk": "O#1#new"}) is not None
    # --8<-- [end:async-use]

    # --8<-- [start:inheritance-use]
    await Child.create_table(wait=True)
    await Child(pk="C#1").save()
    assert calls == ["Base.first", "Child.second", "Child.third"]
    # --8<-- [end:inheritance-use]

    # --8<-- [start:skip]
    calls.clear()
    await Child(pk="C#2").save(skip_hooks=True)
    assert calls == []

    log.clear()
    raw = Account(pk="A#3", email="Raw@Example.com")
    await raw.save(skip_hooks=True)
    assert raw.email == "Raw@Example.com" and log == []  # not normalised, not logged
    # --8<-- [end:skip]


# --8<-- [start:sync]
def sync_with_async_hook() -> None:
    order = Order.sync_get(pk="O#1")
    order.status = "paid"
    order.sync_save()  # no event loop here: the async hook ran on a private one
    assert client.sync_get_item("hooks_outbox", {"pk": "O#1#paid"}) is not None


# --8<-- [end:sync]


if __name__ == "__main__":
    asyncio.run(main())
    sync_with_async_hook()
