"""Unprocessed items are sent again: seen on the embedded engine, which can hand a batch back."""

import asyncio

from pydynox import BatchWriter, Model, ModelConfig, set_default_client
from pydynox.attributes import StringAttribute
from pydynox.local import LocalEngine


class Tag(Model):
    model_config = ModelConfig(table="tags")
    pk = StringAttribute(partition_key=True)


async def main() -> None:
    # --8<-- [start:retried]
    engine = LocalEngine(None)  # a fresh, uniquely named engine in this process
    set_default_client(engine.make_client())
    await Tag.create_table(wait=True)

    engine.unprocessed(2, operations=["BatchWriteItem"])  # the next two batches come back unapplied
    async with BatchWriter() as batch:
        for i in range(10):
            batch.save(Tag(pk=f"T#{i}"))
    assert await Tag.count() == 10  # sent again, with backoff, until DynamoDB took them
    assert engine.calls().count("BatchWriteItem") == 3
    # --8<-- [end:retried]
    engine.discard()


if __name__ == "__main__":
    asyncio.run(main())
