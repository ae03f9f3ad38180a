"""Models in batches: ``BatchWriter``/``SyncBatchWriter`` (25 writes per request, sent while the block
runs, back-pressure, hooks, generated values, the size limit, one write per item in a request and the
order of an item's writes across requests, failures reported with exactly the unwritten writes) and
``Model.batch_get`` (input order, missing keys, projections, more than 100 keys, key templates).

Every scenario runs through the async face (``async with BatchWriter()``, ``await User.batch_get()``)
and through the blocking one (``with SyncBatchWriter()``, ``User.sync_batch_get()``, in a worker
thread), except the ones about what only the async writer does (background sends, back-pressure).
boto3 reads back what is really stored.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from pydynox import (
    AutoGenerate,
    BatchWriter,
    DynamoDBClient,
    Model,
    ModelConfig,
    OperationEvent,
    SyncBatchWriter,
    events,
)
from pydynox.attributes import ListAttribute, NumberAttribute, StringAttribute, VersionAttribute
from pydynox.exceptions import ItemsNotFoundException, ItemTooLargeException, UnprocessedItemsException
from pydynox.hooks import after_delete, after_save, before_delete, before_save
from support.clients import make_client, unique_name
from support.fault_proxy import FaultProxy
from support.model_twin import ModelTwin
from support.readback import raw_item


def user_model(table: str, client: DynamoDBClient, **config: Any) -> Any:
    class User(Model):
        model_config = ModelConfig(table=table, client=client, **config)
        pk = StringAttribute(partition_key=True)
        name = StringAttribute()
        age = NumberAttribute()
        tags = ListAttribute()

    return User


@pytest.fixture
def User(table_name: str, client: DynamoDBClient) -> Any:
    model = user_model(table_name, client)
    model.sync_create_table(wait=True)
    return model


@pytest.fixture
def batch_writes() -> Iterator[list[OperationEvent]]:
    """The BatchWriteItem operations made while the test runs (one event per request of at most 25)."""
    seen: list[OperationEvent] = []

    def record(event: OperationEvent) -> None:
        if event.operation == "BatchWriteItem":
            seen.append(event)

    with events.subscribe(record):
        yield seen


async def in_batch(mode: str, fill: Callable[[Any], None], **options: Any) -> None:
    """Runs ``fill(writer)`` inside ``async with BatchWriter(**options)`` or, in a worker thread, inside
    ``with SyncBatchWriter(**options)``. ``fill`` does not await: the async writer's calls queue at once."""
    if mode == "async":
        async with BatchWriter(**options) as writer:
            fill(writer)
        return

    def blocking() -> None:
        options.pop("max_in_flight", None)
        with SyncBatchWriter(**options) as writer:
            fill(writer)

    await asyncio.to_thread(blocking)


def stored_pks(boto: Any, table: str) -> list[str]:
    items = boto.scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(item["pk"]["S"] for item in items)


def pks(n: int, prefix: str = "u") -> list[str]:
    return [f"{prefix}{i:03d}" for i in range(n)]


# -- writing many ----------------------------------------------------------------------------------------


async def test_130_users_are_all_written_25_per_request(
    mode: str, twin: ModelTwin, User: Any, boto: Any, table_name: str, batch_writes: list[OperationEvent]
) -> None:
    users = [User(pk=pk, name=f"name-{pk}", age=i, tags=[i]) for i, pk in enumerate(pks(130))]

    def fill(writer: Any) -> None:
        for user in users:
            writer.save(user)

    await in_batch(mode, fill)

    assert stored_pks(boto, table_name) == pks(130)
    assert await twin(User).count(consistent_read=True) == 130
    assert raw_item(boto, table_name, "u042") == {
        "pk": {"S": "u042"},
        "name": {"S": "name-u042"},
        "age": {"N": "42"},
        "tags": {"L": [{"N": "42"}]},
    }
    assert sorted(e.batch_size for e in batch_writes) == [5, 25, 25, 25, 25, 25]
    assert all(e.table == table_name and e.ok for e in batch_writes)
    # Written instances know what is stored: an unchanged one is not dirty.
    assert all(not user.is_dirty for user in users)


async def test_the_writer_sends_every_full_batch_of_25_before_the_block_ends(
    mode: str, User: Any, boto: Any, table_name: str, batch_writes: list[OperationEvent]
) -> None:
    """Requests seen after each write: one more every 25 writes, while the block still runs. (The async
    face awaits each write with ``max_in_flight=1``, so each full batch is finished before it goes on.)"""
    users = [User(pk=pk) for pk in pks(60)]
    seen_after_each: list[int] = []
    stored_inside: list[str] = []

    if mode == "async":
        async with BatchWriter(max_in_flight=1) as writer:
            for user in users:
                await writer.save(user)
                seen_after_each.append(len(batch_writes))
            stored_inside = stored_pks(boto, table_name)
    else:

        def blocking() -> None:
            with SyncBatchWriter() as writer:
                for user in users:
                    writer.save(user)
                    seen_after_each.append(len(batch_writes))
                stored_inside.extend(stored_pks(boto, table_name))

        await asyncio.to_thread(blocking)

    assert seen_after_each == [(i + 1) // 25 for i in range(60)]
    assert [e.batch_size for e in batch_writes] == [25, 25, 10]
    assert stored_inside == pks(50)  # the last 10 wait for the block's end...
    assert stored_pks(boto, table_name) == pks(60)  # ...which sends them


async def test_unawaited_writes_are_sent_in_the_background_while_the_block_runs(
    User: Any, boto: Any, table_name: str, batch_writes: list[OperationEvent]
) -> None:
    async with BatchWriter() as writer:
        for pk in pks(50):
            writer.save(User(pk=pk))  # not awaited: queued, and each full batch is started
        assert batch_writes == []  # nothing ran yet: the loop has not had a turn
        deadline = time.monotonic() + 10
        while len(batch_writes) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert [e.batch_size for e in batch_writes] == [25, 25]
        assert stored_pks(boto, table_name) == pks(50)


async def test_awaiting_a_write_waits_while_max_in_flight_requests_are_out(
    User: Any, boto: Any, table_name: str, batch_writes: list[OperationEvent]
) -> None:
    async with BatchWriter(max_in_flight=2) as writer:
        for pk in pks(100):
            writer.save(User(pk=pk))  # four requests of 25 are started
        assert batch_writes == []
        await writer.save(User(pk="extra"))
        # Back-pressure: the await returned only once fewer than 2 requests were still in flight.
        assert len(batch_writes) >= 3
    assert len(stored_pks(boto, table_name)) == 101


def test_max_in_flight_must_be_a_positive_whole_number() -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="max_in_flight"):
            BatchWriter(max_in_flight=bad)  # type: ignore[arg-type]


async def test_model_batch_write_saves_and_deletes(
    twin: ModelTwin, User: Any, boto: Any, table_name: str, batch_writes: list[OperationEvent]
) -> None:
    old = [User(pk=pk) for pk in pks(3, "old")]
    await twin(User).batch_write(save=old)
    assert stored_pks(boto, table_name) == pks(3, "old")

    new = [User(pk=pk, name="n") for pk in pks(30, "new")]
    await twin(User).batch_write(save=new, delete=old[:2])

    assert stored_pks(boto, table_name) == [*pks(30, "new"), "old002"]
    assert sorted(e.batch_size for e in batch_writes) == [3, 7, 25]


# -- plain items and several tables ----------------------------------------------------------------------


async def test_plain_items_are_put_and_deleted_by_table(
    mode: str, User: Any, client: DynamoDBClient, boto: Any, table_name: str
) -> None:
    boto.put_item(TableName=table_name, Item={"pk": {"S": "old"}, "name": {"S": "x"}})

    def fill(writer: Any) -> None:
        writer.put({"pk": "raw1", "age": 7, "tags": ["a", 1]}, table=table_name)
        writer.put({"pk": "raw2"})  # the writer's table
        writer.delete({"pk": "old"}, table=table_name)
        writer.save(User(pk="model", name="m"))

    await in_batch(mode, fill, client=client, table=table_name)

    assert raw_item(boto, table_name, "raw1") == {
        "pk": {"S": "raw1"},
        "age": {"N": "7"},
        "tags": {"L": [{"S": "a"}, {"N": "1"}]},
    }
    assert stored_pks(boto, table_name) == ["model", "raw1", "raw2"]


async def test_a_plain_item_needs_a_table_and_put_takes_only_dicts(
    mode: str, User: Any, client: DynamoDBClient
) -> None:
    errors: list[Exception] = []

    def fill(writer: Any) -> None:
        for call in (
            lambda: writer.put({"pk": "x"}),
            lambda: writer.delete({"pk": "x"}),
            lambda: writer.put(User(pk="x")),
        ):
            try:
                call()
            except (TypeError, ValueError) as e:
                errors.append(e)

    await in_batch(mode, fill, client=client)

    assert [type(e) for e in errors] == [ValueError, ValueError, TypeError]
    assert "table=" in str(errors[0]) and "table=" in str(errors[1])
    assert "save()" in str(errors[2])


async def test_two_models_in_two_tables_share_one_request(
    mode: str,
    User: Any,
    client: DynamoDBClient,
    boto: Any,
    table_name: str,
    other_table_name: str,
    batch_writes: list[OperationEvent],
) -> None:
    class Order(Model):
        model_config = ModelConfig(table=other_table_name, client=client)
        pk = StringAttribute(partition_key=True)
        total = NumberAttribute()

    await Order.create_table(wait=True)

    def fill(writer: Any) -> None:
        for i in range(10):
            writer.save(User(pk=f"u{i}"))
            writer.save(Order(pk=f"o{i}", total=i))

    await in_batch(mode, fill)

    assert len(batch_writes) == 1
    event = batch_writes[0]
    assert event.batch_size == 20
    assert event.table is None  # more than one table...
    assert event.params["table_names"] == sorted([table_name, other_table_name])  # ...named here
    assert stored_pks(boto, table_name) == [f"u{i}" for i in range(10)]
    assert stored_pks(boto, other_table_name) == [f"o{i}" for i in range(10)]
    assert raw_item(boto, other_table_name, "o7") == {"pk": {"S": "o7"}, "total": {"N": "7"}}


async def test_models_with_different_clients_cannot_share_a_writer(
    mode: str, User: Any, endpoint: str, table_name: str
) -> None:
    Other = user_model(table_name, make_client(endpoint))
    errors: list[Exception] = []

    def fill(writer: Any) -> None:
        writer.save(User(pk="a"))
        try:
            writer.save(Other(pk="b"))
        except ValueError as e:
            errors.append(e)

    await in_batch(mode, fill)

    assert len(errors) == 1 and "client" in str(errors[0])


# -- one write per item ---------------------------------------------------------------------------------


async def test_a_later_write_of_the_same_key_replaces_the_earlier_one(
    mode: str, User: Any, boto: Any, table_name: str, batch_writes: list[OperationEvent]
) -> None:
    boto.put_item(TableName=table_name, Item={"pk": {"S": "b"}, "name": {"S": "old"}})

    def fill(writer: Any) -> None:
        writer.save(User(pk="a", name="first"))
        writer.save(User(pk="b", name="new"))
        writer.save(User(pk="a", name="second"))  # replaces the first save of "a"
        writer.delete({"pk": "b"}, table=table_name)  # replaces the save of "b"
        writer.delete({"pk": "c"}, table=table_name)
        writer.save(User(pk="c", name="back"))  # replaces the delete of "c"

    await in_batch(mode, fill)

    # DynamoDB refuses two writes of one item in a request: only the last write of each was sent.
    assert [e.batch_size for e in batch_writes] == [3]
    assert raw_item(boto, table_name, "a") == {"pk": {"S": "a"}, "name": {"S": "second"}}
    assert raw_item(boto, table_name, "b") is None
    assert raw_item(boto, table_name, "c") == {"pk": {"S": "c"}, "name": {"S": "back"}}


async def test_a_write_retried_after_backoff_does_not_land_after_a_later_write_of_the_item(
    mode: str, proxy: FaultProxy, boto: Any, table_name: str
) -> None:
    User = user_model(table_name, make_client(proxy.endpoint_url))
    await User.create_table(wait=True)
    # The first request gets the second half of its 25 writes back unprocessed, "k" among them, and
    # sends them again after a backoff; the next request holds a later write of "k".
    proxy.unprocessed("BatchWriteItem", times=1, fraction=0.5)

    def fill(writer: Any) -> None:
        for pk in pks(24):
            writer.save(User(pk=pk, name="x"))
        writer.save(User(pk="k", name="older"))  # the 25th write: the first request is full
        writer.save(User(pk="k", name="newer"))
        for pk in pks(24, "v"):
            writer.save(User(pk=pk, name="y"))

    await in_batch(mode, fill)

    assert raw_item(boto, table_name, "k") == {"pk": {"S": "k"}, "name": {"S": "newer"}}
    assert len(stored_pks(boto, table_name)) == 49
    sent = [r.fault for r in proxy.requests if r.operation == "BatchWriteItem"]
    assert sent == ["unprocessed", None, None]


# -- hooks, generated values, limits ---------------------------------------------------------------------


def hooked_model(table: str, client: DynamoDBClient, calls: list[str], boto: Any) -> Any:
    class Member(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        email = StringAttribute()

        @before_save
        def normalise(self) -> None:
            calls.append(f"before_save {self.pk}")
            self.email = self.email.lower()

        @after_save
        async def saved(self) -> None:
            await asyncio.sleep(0)
            stored = raw_item(boto, table, self.pk) is not None
            calls.append(f"after_save {self.pk} stored={stored}")

        @before_delete
        def deleting(self) -> None:
            calls.append(f"before_delete {self.pk}")

        @after_delete
        async def deleted(self) -> None:
            await asyncio.sleep(0)
            stored = raw_item(boto, table, self.pk) is not None
            calls.append(f"after_delete {self.pk} stored={stored}")

    return Member


async def test_before_hooks_run_when_queued_and_after_hooks_once_written(
    mode: str, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    calls: list[str] = []
    Member = hooked_model(table_name, client, calls, boto)
    await Member.create_table(wait=True)
    boto.put_item(TableName=table_name, Item={"pk": {"S": "gone"}})
    gone = await Member.get(pk="gone")
    calls_inside: list[str] = []

    def fill(writer: Any) -> None:
        writer.save(Member(pk="m1", email="Ana@Example.COM"))
        writer.delete(gone)
        calls_inside.extend(calls)

    await in_batch(mode, fill)

    assert calls_inside == ["before_save m1", "before_delete gone"]
    assert calls[2:] == ["after_save m1 stored=True", "after_delete gone stored=False"]
    assert raw_item(boto, table_name, "m1") == {"pk": {"S": "m1"}, "email": {"S": "ana@example.com"}}
    assert raw_item(boto, table_name, "gone") is None


async def test_skip_hooks_runs_no_hook(mode: str, table_name: str, client: DynamoDBClient, boto: Any) -> None:
    calls: list[str] = []
    Member = hooked_model(table_name, client, calls, boto)
    await Member.create_table(wait=True)

    await in_batch(mode, lambda writer: writer.save(Member(pk="m1", email="KEEP")), skip_hooks=True)

    assert calls == []
    assert raw_item(boto, table_name, "m1") == {"pk": {"S": "m1"}, "email": {"S": "KEEP"}}


async def test_an_async_before_save_hook_finishes_before_the_item_is_written(
    mode: str, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    class Post(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        title = StringAttribute()
        slug = StringAttribute()

        @before_save
        async def make_slug(self) -> None:
            await asyncio.sleep(0.01)
            self.slug = self.title.lower().replace(" ", "-")

    await Post.create_table(wait=True)
    posts = [Post(pk=f"p{i}", title=f"Hello World {i}") for i in range(30)]

    def fill(writer: Any) -> None:
        for post in posts:
            writer.save(post)  # not awaited in the async face: the hook still runs first

    await in_batch(mode, fill)

    assert raw_item(boto, table_name, "p29") == {
        "pk": {"S": "p29"},
        "title": {"S": "Hello World 29"},
        "slug": {"S": "hello-world-29"},
    }
    assert len(stored_pks(boto, table_name)) == 30


async def test_generated_values_are_filled_in_before_writing(
    mode: str, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    class Event(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True, default=AutoGenerate.ULID)
        ref = StringAttribute(default=AutoGenerate.UUID4)
        at = NumberAttribute(default=AutoGenerate.EPOCH)

    await Event.create_table(wait=True)
    created = [Event() for _ in range(3)]
    assert all(e.pk is None for e in created)

    def fill(writer: Any) -> None:
        for event in created:
            writer.save(event)

    await in_batch(mode, fill)

    assert len({e.pk for e in created}) == 3 and all(e.pk and e.ref and e.at for e in created)
    assert stored_pks(boto, table_name) == sorted(e.pk for e in created)
    for event in created:
        raw = raw_item(boto, table_name, event.pk)
        assert raw == {"pk": {"S": event.pk}, "ref": {"S": event.ref}, "at": {"N": str(event.at)}}


async def test_an_item_over_the_size_limit_is_refused_when_queued(
    mode: str, table_name: str, client: DynamoDBClient, boto: Any, batch_writes: list[OperationEvent]
) -> None:
    class Note(Model):
        model_config = ModelConfig(table=table_name, client=client, max_size=100)
        pk = StringAttribute(partition_key=True)
        body = StringAttribute()

    await Note.create_table(wait=True)
    refused: list[ItemTooLargeException] = []

    def fill(writer: Any) -> None:
        writer.save(Note(pk="small1", body="x"))
        try:
            writer.save(Note(pk="big", body="x" * 200))
        except ItemTooLargeException as e:
            refused.append(e)
        writer.save(Note(pk="small2", body="y"))

    await in_batch(mode, fill)

    assert len(refused) == 1 and refused[0].item_key == {"pk": "big"} and refused[0].size > 100
    assert stored_pks(boto, table_name) == ["small1", "small2"]
    assert [e.batch_size for e in batch_writes] == [2]


async def test_a_versioned_model_is_refused(
    mode: str, twin: ModelTwin, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    class Doc(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        version = VersionAttribute()

    await Doc.create_table(wait=True)
    errors: list[ValueError] = []

    def fill(writer: Any) -> None:
        for call in (writer.save, writer.delete):
            try:
                call(Doc(pk="d"))
            except ValueError as e:
                errors.append(e)

    await in_batch(mode, fill)
    with pytest.raises(ValueError, match="VersionAttribute"):
        await twin(Doc).batch_write(save=[Doc(pk="d")])

    assert len(errors) == 2 and all("VersionAttribute" in str(e) for e in errors)
    assert stored_pks(boto, table_name) == []


# -- failures --------------------------------------------------------------------------------------------


async def test_writes_to_a_missing_table_are_reported_exactly(
    mode: str, client: DynamoDBClient, boto: Any, table_name: str, batch_writes: list[OperationEvent]
) -> None:
    saved: list[str] = []

    def model(table: str) -> Any:
        class Thing(Model):
            model_config = ModelConfig(table=table, client=client)
            pk = StringAttribute(partition_key=True)
            n = NumberAttribute()

            @after_save
            def written(self) -> None:
                saved.append(self.pk)

        return Thing

    Good, Lost = model(table_name), model(unique_name("never-created"))
    await Good.create_table(wait=True)
    good = [Good(pk=pk) for pk in pks(25, "g")]
    lost = [Lost(pk=pk, n=i) for i, pk in enumerate(pks(3, "x"))]
    lost_table = Lost.model_config.table

    def fill(writer: Any) -> None:
        for thing in good:  # the first request: all 25 written
            writer.save(thing)
        for thing in lost:  # the second: the table does not exist
            writer.save(thing)
        writer.delete({"pk": "raw"}, table=lost_table)

    with pytest.raises(UnprocessedItemsException) as info:
        await in_batch(mode, fill, max_retries=0)

    error = info.value
    assert error.unprocessed == [
        (lost_table, "put", {"pk": "x000", "n": 0}),
        (lost_table, "put", {"pk": "x001", "n": 1}),
        (lost_table, "put", {"pk": "x002", "n": 2}),
        (lost_table, "delete", {"pk": "raw"}),
    ]
    assert error.delete_keys == [{"pk": "raw"}]
    assert len(error.models) == 3 and all(m is t for m, t in zip(error.models, lost, strict=True))
    assert error.cause is not None and error.cause.code == "ResourceNotFoundException"
    assert stored_pks(boto, table_name) == pks(25, "g")
    assert sorted(saved) == pks(25, "g")  # after_save ran for the written ones only
    assert sorted(e.ok for e in batch_writes) == [False, True]


async def test_a_value_that_cannot_be_stored_is_raised_not_dropped(
    mode: str, User: Any, client: DynamoDBClient, boto: Any, table_name: str
) -> None:
    def fill(writer: Any) -> None:
        for pk in pks(24):
            writer.put({"pk": pk}, table=table_name)
        writer.put({"pk": "bad", "v": object()}, table=table_name)  # completes a batch of 25

    with pytest.raises(TypeError):
        await in_batch(mode, fill, client=client)


def picky_model(table: str, client: DynamoDBClient) -> Any:
    class Post(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)

        @before_save
        async def check(self) -> None:
            await asyncio.sleep(0)
            if self.pk.startswith("bad"):
                raise RuntimeError(f"refused {self.pk}")

    return Post


async def test_a_failing_async_before_hook_is_raised(
    mode: str, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    Post = picky_model(table_name, client)
    await Post.create_table(wait=True)

    def fill(writer: Any) -> None:
        writer.save(Post(pk="ok1"))
        writer.save(Post(pk="bad1"))

    with pytest.raises(RuntimeError, match="refused bad1"):
        await in_batch(mode, fill)
    assert raw_item(boto, table_name, "bad1") is None


async def test_a_background_failure_is_raised_by_the_next_await_or_at_the_end(
    table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    Post = picky_model(table_name, client)
    await Post.create_table(wait=True)

    async with BatchWriter() as writer:
        writer.save(Post(pk="ok1"))
        with pytest.raises(RuntimeError, match="refused bad1"):
            await writer.save(Post(pk="bad1"))
        await writer.save(Post(pk="ok2"))  # the failure was reported once

    with pytest.raises(RuntimeError, match="refused bad2"):
        async with BatchWriter() as writer:
            writer.save(Post(pk="bad2"))  # not awaited...
            await asyncio.sleep(0.05)  # ...and already failed: still raised when the block ends
            writer.save(Post(pk="ok3"))

    assert stored_pks(boto, table_name) == ["ok1", "ok2", "ok3"]


async def test_an_exception_in_the_block_drops_the_buffered_writes(
    mode: str, User: Any, boto: Any, table_name: str, batch_writes: list[OperationEvent]
) -> None:
    def fill(writer: Any) -> None:
        for pk in pks(30):
            writer.save(User(pk=pk))
        raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError, match="changed my mind"):
        await in_batch(mode, fill)

    # The first 25 had been handed to DynamoDB when the batch filled up; the last 5 were still buffered.
    assert [e.batch_size for e in batch_writes] == [25]
    assert stored_pks(boto, table_name) == pks(25)

    batch_writes.clear()

    def few(writer: Any) -> None:
        writer.save(User(pk="never"))
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        await in_batch(mode, few)
    assert batch_writes == []
    assert raw_item(boto, table_name, "never") is None


# -- batch_get -------------------------------------------------------------------------------------------


def seed_users(boto: Any, table: str, names: list[str]) -> None:
    for name in names:
        boto.put_item(
            TableName=table, Item={"pk": {"S": name}, "name": {"S": name.upper()}, "age": {"N": "1"}}
        )


async def test_batch_get_keeps_the_order_of_the_keys_and_lists_the_missing(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    seed_users(boto, table_name, ["a", "b", "c", "d"])
    keys = [{"pk": "d"}, {"pk": "nope"}, {"pk": "b"}, {"pk": "a"}, {"pk": "zzz"}]

    found = await twin(User).batch_get(keys)

    assert all(isinstance(u, User) for u in found)
    assert [u.pk for u in found] == ["d", "b", "a"]
    assert [u.name for u in found] == ["D", "B", "A"]
    assert found.missing == [{"pk": "nope"}, {"pk": "zzz"}]
    assert all(not u.is_dirty for u in found)

    slots = await twin(User).batch_get(keys, missing="none")
    assert [None if u is None else u.pk for u in slots] == ["d", None, "b", "a", None]
    assert slots.missing == [{"pk": "nope"}, {"pk": "zzz"}]

    everything = await twin(User).batch_get([{"pk": "c"}, {"pk": "a"}], missing="raise")
    assert [u.pk for u in everything] == ["c", "a"] and everything.missing == []

    with pytest.raises(ItemsNotFoundException) as info:
        await twin(User).batch_get(keys, missing="raise")
    assert info.value.keys == [{"pk": "nope"}, {"pk": "zzz"}]
    assert info.value.table == table_name


async def test_batch_get_as_dicts_and_bad_arguments(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    seed_users(boto, table_name, ["a"])

    assert await twin(User).batch_get([{"pk": "a"}, {"pk": "b"}], as_dict=True) == [
        {"pk": "a", "name": "A", "age": 1}
    ]
    assert await twin(User).batch_get([]) == []
    with pytest.raises(ValueError, match="missing="):
        await twin(User).batch_get([{"pk": "a"}], missing="ignore")
    with pytest.raises(TypeError):
        await twin(User).batch_get({"pk": "a"})
    with pytest.raises(ValueError, match="pk"):
        await twin(User).batch_get([{"name": "a"}])


async def test_batch_get_of_130_keys(mode: str, twin: ModelTwin, User: Any) -> None:
    names = pks(130)

    def fill(writer: Any) -> None:
        for name in names:
            writer.save(User(pk=name, age=int(name[1:])))

    await in_batch(mode, fill)
    asked = list(reversed(names))  # DynamoDB's 100-key limit: two requests; the order is still kept

    found = await twin(User).batch_get([{"pk": n} for n in asked])

    assert [u.pk for u in found] == asked
    assert [u.age for u in found] == [int(n[1:]) for n in asked]
    assert found.missing == []


async def test_batch_get_with_fields_loads_partial_instances(
    twin: ModelTwin, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    class Account(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        email = StringAttribute(required=True)
        name = StringAttribute()
        balance = NumberAttribute()

    await Account.create_table(wait=True)
    await twin(Account(pk="a1", email="a@x", name="Ana", balance=10)).save()
    await twin(Account(pk="a2", email="b@x", name="Bia", balance=20)).save()

    found = await twin(Account).batch_get([{"pk": "a2"}, {"pk": "a1"}], fields=["name"])

    # The required email was not asked for: the instances load without it (the key always comes).
    assert [(a.pk, a.name, a.email, a.balance) for a in found] == [
        ("a2", "Bia", None, None),
        ("a1", "Ana", None, None),
    ]
    assert all(not a.is_dirty for a in found)
    assert await twin(Account).batch_get([{"pk": "a1"}], fields=["balance"], as_dict=True) == [
        {"pk": "a1", "balance": 10}
    ]
    with pytest.raises(ValueError, match="attribute names"):
        await twin(Account).batch_get([{"pk": "a1"}], fields=["name.first"])


async def test_number_keys_match_however_they_were_written(
    mode: str,
    twin: ModelTwin,
    table_name: str,
    client: DynamoDBClient,
    boto: Any,
    batch_writes: list[OperationEvent],
) -> None:
    class Reading(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        at = NumberAttribute(sort_key=True)
        v = StringAttribute()

    await Reading.create_table(wait=True)

    def fill(writer: Any) -> None:
        for at in (1, 2.5, 0.1):
            writer.save(Reading(pk="p", at=at, v=str(at)))
        writer.delete({"pk": "p", "at": 0.3}, table=table_name)
        writer.save(Reading(pk="p", at=Decimal("0.3"), v="0.3"))  # the same item: replaces the delete

    await in_batch(mode, fill)
    assert [e.batch_size for e in batch_writes] == [4]

    keys = [{"pk": "p", "at": at} for at in (0.1, 7, Decimal("2.5"), 1.0, 0.3)]
    found = await twin(Reading).batch_get(keys)

    # 0.1 is stored as the number 0.1 and comes back as Decimal("0.1"): still the key asked for.
    assert [r.v for r in found] == ["0.1", "2.5", "1", "0.3"]
    assert found.missing == [{"pk": "p", "at": 7}]


async def test_batch_get_builds_template_keys_from_their_values(
    twin: ModelTwin, table_name: str, client: DynamoDBClient
) -> None:
    class Order(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True, template="USER#{user_id}")
        sk = StringAttribute(sort_key=True, template="ORDER#{order_id}")
        user_id = StringAttribute()
        order_id = NumberAttribute()

    await Order.create_table(wait=True)
    for user_id, order_id in [("42", 1), ("42", 2), ("7", 1)]:
        await twin(Order(user_id=user_id, order_id=order_id)).save()
    keys = [
        {"user_id": "7", "order_id": 1},
        {"user_id": "42", "order_id": 9},
        {"pk": "USER#42", "sk": "ORDER#1"},  # the stored key works too
        {"user_id": "42", "order_id": 2},
    ]

    found = await twin(Order).batch_get(keys)

    assert [(o.pk, o.sk, o.order_id) for o in found] == [
        ("USER#7", "ORDER#1", 1),
        ("USER#42", "ORDER#1", 1),
        ("USER#42", "ORDER#2", 2),
    ]
    assert found.missing == [{"user_id": "42", "order_id": 9}]
