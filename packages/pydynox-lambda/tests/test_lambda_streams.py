"""DynamoDB Streams records into models: real records (moto's stream of a table written by pydynox,
shaped as Lambda delivers them), hand-built records for every view type and TTL expiry, and batches
with partial failures, on their own and through Powertools' batch processors.

moto is the independent reference here; test_lambda_engine_streams.py does the same with the records of
pydynox's embedded engine.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch import (
    AsyncBatchProcessor,
    BatchProcessor,
    EventType,
    async_process_partial_response,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from lambda_support import LambdaContext, create_stream_table, delete_table, make_client, stream_event
from pydynox import Model, ModelConfig, set_default_client
from pydynox.attributes import (
    BinaryAttribute,
    IntegerAttribute,
    ListAttribute,
    NumberAttribute,
    NumberSetAttribute,
    StringAttribute,
    StringSetAttribute,
)
from pydynox_lambda import (
    StreamRecord,
    decode_record,
    handler,
    process_stream,
    stream_records,
    sync_process_stream,
)
from support.moto_server import MotoServer

TABLE = "lambda-stream-pets"
BIG = 12345678901234567890123456789012345678  # 38 digits: DynamoDB's full precision


class Pet(Model):
    model_config = ModelConfig(table=TABLE)
    pk = StringAttribute(partition_key=True)
    name = StringAttribute()
    kind = StringAttribute(discriminator=True)


class Dog(Pet):
    weight = NumberAttribute()
    tricks = ListAttribute(default=[])


class Cat(Pet):
    lives = IntegerAttribute(default=9)
    tags = StringSetAttribute()
    scores = NumberSetAttribute()
    photo = BinaryAttribute()
    chip = NumberAttribute()


@pytest.fixture
def moto_url(moto_server: MotoServer) -> str:
    return moto_server.endpoint_url


@pytest.fixture
def pets_event(moto_url: str) -> Iterator[dict[str, Any]]:
    """A table with a NEW_AND_OLD_IMAGES stream, written by pydynox models: two inserts, an update,
    a delete. Yields the Lambda event of its five records."""
    create_stream_table(moto_url, TABLE)
    set_default_client(make_client(moto_url))
    try:
        Dog(pk="P#1", name="Rex", weight=Decimal("12.50"), tricks=["sit", {"paw": 2}]).sync_save()
        cat = Cat(
            pk="P#2",
            name="Tom",
            tags={"indoor", "grey"},
            scores={1, Decimal("2.5"), BIG},
            photo=b"\x00\xffpng",
            chip=Decimal("-0.000000000000000000000000000000000001"),
        )
        cat.sync_save()
        cat.lives = 8
        cat.sync_save()
        Dog(pk="P#3", name="Ace", weight=30).sync_save()
        Pet(pk="P#1").sync_delete()  # the model that deletes need not be the subclass
        event = stream_event(moto_url, TABLE)
        assert [r["eventName"] for r in event["Records"]] == [
            "INSERT",
            "INSERT",
            "MODIFY",
            "INSERT",
            "REMOVE",
        ]
        yield event
    finally:
        delete_table(moto_url, TABLE)


def test_stream_images_become_instances_of_the_class_the_discriminator_names(
    pets_event: dict[str, Any],
) -> None:
    rex_in, tom_in, tom_mod, ace_in, rex_out = stream_records(pets_event, Pet)

    assert rex_in.event_name == "INSERT" and rex_in.old is None and not rex_in.is_ttl_expiry
    assert isinstance(rex_in.new, Dog)
    assert (rex_in.new.name, rex_in.new.weight, rex_in.new.tricks) == (
        "Rex",
        Decimal("12.5"),
        ["sit", {"paw": 2}],
    )
    assert rex_in.keys == {"pk": "P#1"} and rex_in.table == TABLE
    assert rex_in.stream_view_type == "NEW_AND_OLD_IMAGES" and rex_in.sequence_number

    tom = tom_in.new
    assert isinstance(tom, Cat)
    assert tom.lives == 9 and tom.tags == {"indoor", "grey"} and tom.photo == b"\x00\xffpng"
    assert tom.scores == {1, Decimal("2.5"), BIG}  # every digit of the 38
    assert tom.chip == Decimal("-1E-36")
    assert not tom.is_dirty  # loaded as stored: saving it back would send nothing

    assert tom_mod.event_name == "MODIFY"
    assert isinstance(tom_mod.old, Cat) and isinstance(tom_mod.new, Cat)
    assert (tom_mod.old.lives, tom_mod.new.lives) == (9, 8)
    assert tom_mod.changed_attributes == {"lives"}

    assert isinstance(ace_in.new, Dog) and ace_in.new.weight == 30

    assert rex_out.event_name == "REMOVE" and rex_out.new is None and not rex_out.is_ttl_expiry
    assert isinstance(rex_out.old, Dog) and rex_out.entity is rex_out.old

    # Without a model: the plain values a get_item returns.
    plain = stream_records(pets_event)
    assert plain[1].new == {
        "pk": "P#2",
        "name": "Tom",
        "kind": "Cat",
        "lives": 9,
        "tags": {"indoor", "grey"},
        "scores": {1, Decimal("2.5"), BIG},
        "photo": b"\x00\xffpng",
        "chip": Decimal("-0.000000000000000000000000000000000001"),
    }
    assert plain[1].new_image == plain[1].new and tom_mod.new_image == plain[2].new


def test_subclass_as_the_model_loads_its_own_items(pets_event: dict[str, Any]) -> None:
    records = stream_records(pets_event, Cat)
    assert isinstance(records[1].new, Cat)


# ---------------------------------------------------------------------------------------------------
# Hand-built records: every view type, TTL expiry


def record(
    event_name: str,
    view: str,
    *,
    new: dict[str, Any] | None = None,
    old: dict[str, Any] | None = None,
    sequence: str = "100",
    identity: dict[str, str] | None = None,
) -> dict[str, Any]:
    change: dict[str, Any] = {
        "ApproximateCreationDateTime": 1767225600,
        "Keys": {"pk": {"S": "P#9"}},
        "SequenceNumber": sequence,
        "SizeBytes": 120,
        "StreamViewType": view,
    }
    if new is not None:
        change["NewImage"] = new
    if old is not None:
        change["OldImage"] = old
    out: dict[str, Any] = {
        "eventID": f"ev-{sequence}",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": f"arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE}/stream/2026-01-01T00:00:00",
        "dynamodb": change,
    }
    if identity is not None:
        out["userIdentity"] = identity
    return out


CAT_IMAGE = {
    "pk": {"S": "P#9"},
    "name": {"S": "Kit"},
    "kind": {"S": "Cat"},
    "lives": {"N": "7"},
    "chip": {"N": "1.50"},
    "photo": {"B": "AP8="},
    "scores": {"NS": ["1", "1E+2", "0.5"]},
}
TTL_SERVICE = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def test_keys_only_records_give_an_instance_with_just_the_key() -> None:
    rec = decode_record(record("MODIFY", "KEYS_ONLY"), Pet)
    assert rec.new is None and rec.old is None and rec.keys == {"pk": "P#9"}
    entity = rec.entity
    assert type(entity) is Pet and entity.pk == "P#9" and entity.name is None
    assert rec.changed_attributes == set()
    assert decode_record(record("MODIFY", "KEYS_ONLY")).entity == {"pk": "P#9"}


def test_new_image_and_old_image_views() -> None:
    inserted = decode_record(record("INSERT", "NEW_IMAGE", new=CAT_IMAGE), Pet)
    assert isinstance(inserted.new, Cat) and inserted.old is None
    assert inserted.new.chip == Decimal("1.5")
    assert inserted.new.photo == b"\x00\xff" and inserted.new.scores == {1, 100, Decimal("0.5")}
    # Numbers are kept in the form a save writes ("1.50" as 1.5): the loaded instance is clean.
    without_sets = {k: v for k, v in CAT_IMAGE.items() if k != "scores"}
    assert decode_record(record("INSERT", "NEW_IMAGE", new=without_sets), Pet).new.is_dirty is False  # type: ignore[union-attr]
    assert inserted.approximate_creation_time is not None
    assert inserted.approximate_creation_time.isoformat() == "2026-01-01T00:00:00+00:00"

    modified = decode_record(record("MODIFY", "OLD_IMAGE", old=CAT_IMAGE), Pet)
    assert modified.new is None and isinstance(modified.old, Cat) and modified.entity is modified.old
    assert modified.new_image is None and modified.old_image is not None


def test_ttl_expiry_is_told_apart_from_an_application_delete() -> None:
    expired = decode_record(record("REMOVE", "NEW_AND_OLD_IMAGES", old=CAT_IMAGE, identity=TTL_SERVICE), Pet)
    assert expired.is_ttl_expiry and isinstance(expired.old, Cat)
    deleted = decode_record(record("REMOVE", "NEW_AND_OLD_IMAGES", old=CAT_IMAGE), Pet)
    assert not deleted.is_ttl_expiry
    by_a_user = {"type": "Service", "principalId": "some-other.amazonaws.com"}
    assert not decode_record(record("REMOVE", "OLD_IMAGE", old=CAT_IMAGE, identity=by_a_user)).is_ttl_expiry
    # A TTL identity on anything but a REMOVE is not an expiry.
    assert not decode_record(record("MODIFY", "NEW_IMAGE", new=CAT_IMAGE, identity=TTL_SERVICE)).is_ttl_expiry


def test_malformed_records_are_refused_naming_the_record_and_attribute() -> None:
    bad_number = {**CAT_IMAGE, "chip": {"N": "12abc"}}
    with pytest.raises(
        ValueError, match=r"stream record ev-100: NewImage attribute 'chip': N value \"12abc\""
    ):
        decode_record(record("INSERT", "NEW_IMAGE", new=bad_number), Pet)
    nested = {"pk": {"S": "x"}, "doc": {"M": {"list": {"L": [{"S": "ok"}, {"SS": "not a list"}]}}}}
    with pytest.raises(ValueError, match=r"NewImage attribute 'doc.list\[1\]': SS holds a list, not str"):
        decode_record(record("INSERT", "NEW_IMAGE", new=nested))
    too_precise = {**CAT_IMAGE, "lives": {"N": "1" * 39}}
    with pytest.raises(ValueError, match="significant digits"):
        decode_record(record("INSERT", "NEW_IMAGE", new=too_precise))
    wrong_type = {**CAT_IMAGE, "lives": {"S": "seven"}}
    with pytest.raises(ValueError, match=r"Cat\.lives"):
        decode_record(record("INSERT", "NEW_IMAGE", new=wrong_type), Pet)
    with pytest.raises(ValueError, match="eventName"):
        decode_record({**record("INSERT", "NEW_IMAGE", new=CAT_IMAGE), "eventName": "UPSERT"})
    with pytest.raises(ValueError, match="not a DynamoDB Streams record"):
        decode_record({"eventID": "sqs-1", "body": "{}"})
    with pytest.raises(TypeError, match="pydynox model"):
        decode_record(record("INSERT", "NEW_IMAGE", new=CAT_IMAGE), dict)


# ---------------------------------------------------------------------------------------------------
# Batches


def fails_on_tom_modify(rec: StreamRecord[Any], seen: list[str]) -> None:
    seen.append(rec.event_name)
    if rec.event_name == "MODIFY":
        raise RuntimeError("downstream refused Tom's update")


def test_a_failing_record_is_reported_alone_and_the_others_are_processed(
    pets_event: dict[str, Any], moto_url: str
) -> None:
    failing = pets_event["Records"][2]["dynamodb"]["SequenceNumber"]
    seen: list[str] = []

    @handler(client=make_client(moto_url))
    async def main(event: dict[str, Any], context: Any) -> dict[str, Any]:
        async def on_record(rec: StreamRecord[Pet]) -> None:
            fails_on_tom_modify(rec, seen)

        return await process_stream(event, on_record, Pet)

    assert main(pets_event, LambdaContext()) == {"batchItemFailures": [{"itemIdentifier": failing}]}
    assert seen == ["INSERT", "INSERT", "MODIFY", "INSERT", "REMOVE"]

    seen.clear()
    assert sync_process_stream(pets_event, lambda r: fails_on_tom_modify(r, seen), Pet) == {
        "batchItemFailures": [{"itemIdentifier": failing}]
    }
    assert len(seen) == 5


def test_stop_on_failure_keeps_later_records_for_the_retry(pets_event: dict[str, Any]) -> None:
    seen: list[str] = []
    response = sync_process_stream(
        pets_event, lambda r: fails_on_tom_modify(r, seen), Pet, stop_on_failure=True
    )
    assert response == {
        "batchItemFailures": [{"itemIdentifier": pets_event["Records"][2]["dynamodb"]["SequenceNumber"]}]
    }
    assert seen == ["INSERT", "INSERT", "MODIFY"]


def test_a_record_that_cannot_be_decoded_is_a_failure_of_its_own(pets_event: dict[str, Any]) -> None:
    event = copy.deepcopy(pets_event)
    broken = event["Records"][0]["dynamodb"]
    broken["NewImage"]["weight"] = {"N": "heavy"}
    handled: list[str] = []
    response = sync_process_stream(event, lambda r: handled.append(r.event_name), Pet)
    assert response == {"batchItemFailures": [{"itemIdentifier": broken["SequenceNumber"]}]}
    assert handled == ["INSERT", "MODIFY", "INSERT", "REMOVE"]
    with pytest.raises(ValueError, match="Records"):
        sync_process_stream({"records": []}, print)


def test_an_async_record_handler_needs_the_async_batch_helper(pets_event: dict[str, Any]) -> None:
    async def on_record(rec: StreamRecord[Any]) -> None:
        return None

    with pytest.raises(TypeError, match="await process_stream"):
        sync_process_stream(pets_event, on_record)


def test_powertools_batch_processor_with_decode_record(pets_event: dict[str, Any], moto_url: str) -> None:
    failing = pets_event["Records"][2]["dynamodb"]["SequenceNumber"]
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    seen: list[str] = []

    def record_handler(record: DynamoDBRecord) -> None:  # Powertools passes it as record=
        fails_on_tom_modify(decode_record(record, Pet), seen)

    @handler(client=make_client(moto_url))
    def main(event: dict[str, Any], context: Any) -> Any:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    assert main(pets_event, LambdaContext()) == {"batchItemFailures": [{"itemIdentifier": failing}]}
    assert len(seen) == 5


def test_powertools_async_batch_processor_runs_on_the_handler_loop(
    pets_event: dict[str, Any], moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Inside Lambda (LAMBDA_TASK_ROOT set) Powertools runs async record handlers on the current
    # event loop, which @handler made the process's loop.
    monkeypatch.setenv("LAMBDA_TASK_ROOT", os.getcwd())
    failing = pets_event["Records"][2]["dynamodb"]["SequenceNumber"]
    processor = AsyncBatchProcessor(event_type=EventType.DynamoDBStreams)
    client = make_client(moto_url)
    loops: set[int] = set()
    names: list[str] = []

    async def record_handler(record: DynamoDBRecord) -> None:
        import asyncio

        loops.add(id(asyncio.get_running_loop()))
        rec = decode_record(record, Pet)
        if rec.new is not None:
            stored = await client.get_item(TABLE, rec.keys, consistent_read=True)
            names.append(stored["name"] if stored else "(gone)")
        if rec.event_name == "MODIFY":
            raise RuntimeError("refused")

    @handler(client=client)
    def main(event: dict[str, Any], context: Any) -> Any:
        return async_process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    assert main(pets_event, LambdaContext()) == {"batchItemFailures": [{"itemIdentifier": failing}]}
    from pydynox_lambda import event_loop

    assert loops == {id(event_loop())}
    assert sorted(names) == ["(gone)", "Ace", "Tom", "Tom"]
