"""The dynamodb_model decorator of pydynox 1.x, on a pydantic model and on a dataclass."""

import asyncio

# --8<-- [start:example]
import dataclasses

from pydantic import BaseModel
from pydynox import DynamoDBClient, dynamodb_model, set_default_client

set_default_client(DynamoDBClient(region="us-east-1"))


@dynamodb_model(table="pyd_legacy_users", partition_key="pk")
class LegacyUser(BaseModel):
    pk: str
    name: str


@dynamodb_model(table="pyd_legacy_events", partition_key="stream", sort_key="seq")
@dataclasses.dataclass
class LegacyEvent:
    stream: str
    seq: int
    payload: dict = dataclasses.field(default_factory=dict)


async def main() -> None:
    await LegacyUser.create_table(wait=True)
    await LegacyEvent.create_table(wait=True)

    await LegacyUser(pk="U#1", name="Ana").save()
    assert (await LegacyUser.get(pk="U#1")).name == "Ana"
    assert isinstance(LegacyUser(pk="x", name="y"), BaseModel)

    await LegacyEvent(stream="S", seq=1, payload={"kind": "created"}).save()
    await LegacyEvent(stream="S", seq=2).save()
    events = await LegacyEvent.query(partition_key="S", sort_key_condition=LegacyEvent.seq > 1).all()
    assert [(e.seq, e.payload) for e in events] == [(2, {})]


# --8<-- [end:example]


if __name__ == "__main__":
    asyncio.run(main())
