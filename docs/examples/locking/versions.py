"""Optimistic locking with a VersionAttribute: conflicts, retries, commutative counters."""

import asyncio

# --8<-- [start:setup]
from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import IntegerAttribute, StringAttribute, VersionAttribute
from pydynox.exceptions import ConditionalCheckFailedException

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


class Page(Model):
    model_config = ModelConfig(table="locking_pages")
    pk = StringAttribute(partition_key=True)
    body = StringAttribute()
    views = IntegerAttribute(default=0)
    version = VersionAttribute()


# --8<-- [end:setup]


# --8<-- [start:retry-helper]
async def add_footer(pk: str, footer: str, attempts: int = 5) -> Page:
    for _ in range(attempts):
        page = await Page.get(pk=pk, consistent_read=True)  # the latest version
        page.body = f"{page.body}\n{footer}"
        try:
            await page.save()
            return page
        except ConditionalCheckFailedException:
            continue  # someone wrote in between: start again from their version
    raise RuntimeError(f"{pk}: still conflicting after {attempts} attempts")


# --8<-- [end:retry-helper]


async def main() -> None:
    # --8<-- [start:conflict]
    await Page.create_table(wait=True)
    page = Page(pk="PAGE#home", body="Welcome")
    assert page.version is None
    await page.save()
    assert page.version == 1

    # Two editors load version 1.
    alice = await Page.get(pk="PAGE#home")
    bob = await Page.get(pk="PAGE#home")

    alice.body = "Welcome, friends"
    await alice.save()
    assert alice.version == 2

    bob.body = "Hello"
    try:
        await bob.save()
        raise AssertionError("bob's save must be refused")
    except ConditionalCheckFailedException:
        pass
    assert bob.version == 1 and bob.body == "Hello"  # unchanged: the write did not happen
    assert (await Page.get(pk="PAGE#home")).body == "Welcome, friends"  # alice's edit is safe
    # --8<-- [end:conflict]

    # --8<-- [start:update-delete]
    try:
        await bob.update(body="Hello again")
        raise AssertionError("stale")
    except ConditionalCheckFailedException:
        pass
    try:
        await bob.delete()
        raise AssertionError("stale")
    except ConditionalCheckFailedException:
        pass

    await alice.update(body="Welcome, all")  # alice is up to date
    assert alice.version == 3
    # --8<-- [end:update-delete]

    # --8<-- [start:create]
    try:
        await Page(pk="PAGE#home", body="Fresh start").save()
        raise AssertionError("the page exists")
    except ConditionalCheckFailedException:
        pass
    # --8<-- [end:create]

    # --8<-- [start:retry]
    stale = await Page.get(pk="PAGE#home")
    await alice.update(body="Welcome, everyone")  # a concurrent edit...
    try:
        stale.body += "\n(c) 2025"
        await stale.save()  # ...makes this one conflict
        raise AssertionError("stale")
    except ConditionalCheckFailedException:
        page = await add_footer("PAGE#home", "(c) 2025")

    assert page.body == "Welcome, everyone\n(c) 2025" and page.version == 5
    # --8<-- [end:retry]

    # --8<-- [start:counters]
    await Page.update_by_key(pk="PAGE#home", atomic=[Page.views.add(1)])
    await Page.update_by_key(pk="PAGE#home", atomic=[Page.views.add(1)])
    latest = await Page.get(pk="PAGE#home")
    assert latest.views == 2 and latest.version == 5
    # --8<-- [end:counters]


if __name__ == "__main__":
    asyncio.run(main())
