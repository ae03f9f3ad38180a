"""The embedded engine deletes expired items when asked, as DynamoDB's TTL process would."""

import asyncio
import datetime as dt

from pydynox import Model, ModelConfig, set_default_client
from pydynox.attributes import StringAttribute, TTLAttribute
from pydynox.local import LocalEngine


class Token(Model):
    model_config = ModelConfig(table="tokens")
    pk = StringAttribute(partition_key=True)
    expires_at = TTLAttribute()


async def main() -> None:
    # --8<-- [start:sweep]
    engine = LocalEngine(None)
    client = engine.make_client()
    set_default_client(client)
    await Token.create_table(wait=True)
    await client.update_time_to_live("tokens", "expires_at", enabled=True)

    await Token(pk="old", expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)).save()
    await Token(pk="new", expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).save()
    assert await Token.count() == 2  # expired, but not deleted yet: DynamoDB takes its time

    assert engine.expire_ttl() == 1  # what DynamoDB's sweeper does, now
    assert [t.pk async for t in Token.scan()] == ["new"]
    # --8<-- [end:sweep]
    engine.discard()


if __name__ == "__main__":
    asyncio.run(main())
