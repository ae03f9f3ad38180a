"""Stream records from pydynox's embedded engine (already in the shape Lambda delivers), written by
models, decoded back into them, with a TTL expiry and a batch that reports one failing record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from lambda_support import LambdaContext
from pydynox import Model, ModelConfig, set_default_client
from pydynox.attributes import (
    BinarySetAttribute,
    IntegerAttribute,
    NumberAttribute,
    StringAttribute,
    StringSetAttribute,
    TTLAttribute,
)
from pydynox.local import LocalEngine
from pydynox_lambda import StreamRecord, handler, process_stream, stream_records

TABLE = "lambda-engine-pets"
BIG = -98765432109876543210987654321098765432  # 38 digits


class Pet(Model):
    model_config = ModelConfig(table=TABLE)
    pk = StringAttribute(partition_key=True)
    name = StringAttribute()
    kind = StringAttribute(discriminator=True)
    expires = TTLAttribute()


class Dog(Pet):
    weight = NumberAttribute()


class Cat(Pet):
    lives = IntegerAttribute(default=9)
    tags = StringSetAttribute()
    whiskers = BinarySetAttribute()
    chip = NumberAttribute()


@pytest.fixture
def engine() -> Iterator[LocalEngine]:
    instance = LocalEngine(None)
    client = instance.make_client()
    client.sync_create_table(
        TABLE, partition_key=("pk", "S"), stream_view_type="NEW_AND_OLD_IMAGES", wait=True
    )
    client.sync_update_time_to_live(TABLE, "expires", enabled=True)
    set_default_client(client)
    try:
        yield instance
    finally:
        instance.discard()


@pytest.fixture
def pets_event(engine: LocalEngine) -> dict[str, Any]:
    Dog(pk="P#1", name="Rex", weight=Decimal("12.50")).sync_save()
    cat = Cat(pk="P#2", name="Tom", tags={"grey"}, whiskers={b"\x00", b"\xff"}, chip=BIG)
    cat.sync_save()
    cat.lives = 8
    cat.sync_save()
    Pet(pk="P#1").sync_delete()
    Cat(pk="P#3", name="Old", expires=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)).sync_save()
    assert engine.expire_ttl() == 1
    return engine.stream_event(TABLE)


def test_engine_stream_records_decode_into_the_models_that_wrote_them(pets_event: dict[str, Any]) -> None:
    rex_in, tom_in, tom_mod, rex_out, old_in, old_expired = stream_records(pets_event, Pet)
    assert [r.event_name for r in (rex_in, tom_in, tom_mod, rex_out, old_in, old_expired)] == [
        "INSERT", "INSERT", "MODIFY", "REMOVE", "INSERT", "REMOVE",
    ]  # fmt: skip
    assert isinstance(rex_in.new, Dog) and rex_in.new.weight == Decimal("12.5")
    tom = tom_in.new
    assert isinstance(tom, Cat) and tom.chip == BIG and tom.whiskers == {b"\x00", b"\xff"}
    assert tom.tags == {"grey"} and tom.lives == 9 and not tom.is_dirty
    assert (tom_mod.old.lives, tom_mod.new.lives) == (9, 8)  # type: ignore[union-attr]
    assert tom_mod.changed_attributes == {"lives"}
    assert isinstance(rex_out.old, Dog) and rex_out.new is None and not rex_out.is_ttl_expiry
    assert old_expired.is_ttl_expiry and isinstance(old_expired.old, Cat) and old_expired.old.name == "Old"
    assert all(r.table == TABLE and r.sequence_number for r in (rex_in, old_expired))


def test_a_batch_of_engine_records_reports_the_failing_one(pets_event: dict[str, Any]) -> None:
    handled: list[str] = []

    async def on_record(record: StreamRecord[Pet]) -> None:
        if record.is_ttl_expiry:
            raise RuntimeError("the archive refused the expired item")
        handled.append(f"{record.event_name} {record.keys['pk']}")

    @handler
    async def main(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return await process_stream(event, on_record, Pet)

    expired = pets_event["Records"][-1]["dynamodb"]["SequenceNumber"]
    assert main(pets_event, LambdaContext()) == {"batchItemFailures": [{"itemIdentifier": expired}]}
    assert handled == ["INSERT P#1", "INSERT P#2", "MODIFY P#2", "REMOVE P#1", "INSERT P#3"]
