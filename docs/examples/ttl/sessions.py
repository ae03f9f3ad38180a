"""TTL: a TTLAttribute, TTL enabled on the table, checking and extending expiry."""

import asyncio

# --8<-- [start:setup]
import datetime as dt

from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import ExpiresIn, StringAttribute, TTLAttribute

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


class Session(Model):
    model_config = ModelConfig(table="ttl_sessions")
    pk = StringAttribute(partition_key=True)
    user = StringAttribute()
    expires_at = TTLAttribute()


# --8<-- [end:setup]


async def main() -> None:
    # --8<-- [start:enable]
    await Session.create_table(wait=True)
    await client.update_time_to_live("ttl_sessions", "expires_at", enabled=True)

    session = Session(pk="S#1", user="ana", expires_at=ExpiresIn.hours(2))
    await session.save()

    stored = await client.get_item("ttl_sessions", {"pk": "S#1"})
    assert isinstance(stored["expires_at"], int)  # epoch seconds
    loaded = await Session.get(pk="S#1")
    assert loaded.expires_at.tzinfo is dt.UTC
    assert loaded.expires_at == dt.datetime.fromtimestamp(stored["expires_at"], dt.UTC)
    # --8<-- [end:enable]

    # --8<-- [start:check]
    assert not loaded.is_expired
    assert dt.timedelta(hours=1, minutes=59) < loaded.expires_in <= dt.timedelta(hours=2)

    stale = Session(pk="S#2", user="bo", expires_at=dt.datetime(2020, 1, 1))  # naive: UTC
    assert stale.is_expired and stale.expires_in is None
    await stale.save()

    now = dt.datetime.now(dt.UTC)
    live = await Session.scan(filter_condition=Session.expires_at > now).all()
    assert [s.pk for s in live] == ["S#1"]
    # --8<-- [end:check]

    # --8<-- [start:extend]
    await loaded.extend_ttl(ExpiresIn.days(7))
    assert loaded.expires_in > dt.timedelta(days=6)
    assert (await Session.get(pk="S#1")).expires_at == loaded.expires_at
    # --8<-- [end:extend]


# --8<-- [start:sync]
def sync_extend() -> None:
    loaded = Session.sync_get(pk="S#1")
    loaded.sync_extend_ttl(ExpiresIn.minutes(30))
    assert loaded.expires_in <= dt.timedelta(minutes=30)
    assert Session.sync_get(pk="S#1").expires_at == loaded.expires_at


# --8<-- [end:sync]


if __name__ == "__main__":
    asyncio.run(main())
    sync_extend()
