"""Items are measured by DynamoDB's rules before they are sent."""

import asyncio

from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import StringAttribute

# --8<-- [start:model]
from pydynox.exceptions import ItemTooLargeException


class Note(Model):
    model_config = ModelConfig(table="models_notes", max_size=1024)
    pk = StringAttribute(partition_key=True)
    body = StringAttribute()


# --8<-- [end:model]


set_default_client(DynamoDBClient(region="us-east-1"))


async def main() -> None:
    # --8<-- [start:use]
    await Note.create_table(wait=True)
    note = Note(pk="N#1", body="x" * 2000)
    try:
        await note.save()
        raise AssertionError("over max_size")
    except ItemTooLargeException as exc:
        assert exc.max_size == 1024 and exc.size > 2000 and exc.item_key == {"pk": "N#1"}
    assert await Note.get(pk="N#1") is None  # nothing was sent
    # --8<-- [end:use]


if __name__ == "__main__":
    asyncio.run(main())
