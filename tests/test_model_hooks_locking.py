"""Model behaviour around the data: lifecycle hooks, optimistic locking (VersionAttribute), generated
values, TTL, the item size check, strict attributes, discriminated subclasses, key templates and
creating a model's table with its indexes.

Every I/O scenario runs through the async methods and through their ``sync_`` twins; boto3 reads back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from typing import Any

import pytest
from pydynox import AutoGenerate, DynamoDBClient, Model, ModelConfig, OperationEvent, events
from pydynox.attributes import (
    ExpiresIn,
    ListAttribute,
    NumberAttribute,
    StringAttribute,
    TTLAttribute,
    VersionAttribute,
)
from pydynox.exceptions import ConditionalCheckFailedException, ItemTooLargeException
from pydynox.hooks import (
    after_delete,
    after_load,
    after_save,
    after_update,
    before_delete,
    before_save,
    before_update,
)
from pydynox.indexes import GlobalSecondaryIndex, LocalSecondaryIndex
from support.model_twin import ModelTwin
from support.readback import raw_item

UTC = dt.UTC


# -- hooks -------------------------------------------------------------------------------------------------


def hooked_model(table: str, client: DynamoDBClient, calls: list[str], **config: Any) -> Any:
    """A ``User`` whose hooks (sync and async) record what ran, in order, into ``calls``."""

    class Audited(Model):
        """A base class without a table: its hooks run first."""

        @before_save
        def base_before_save(self) -> None:
            calls.append("base.before_save")

    class User(Audited):
        model_config = ModelConfig(table=table, client=client, **config)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        email = StringAttribute()
        loads = NumberAttribute()

        @before_save
        def normalise(self) -> None:
            calls.append("before_save")
            if self.email:
                self.email = self.email.lower()

        @after_save
        async def published(self) -> None:
            await asyncio.sleep(0)  # really suspends: the hook must be driven to completion
            calls.append("after_save")

        @before_delete
        def before_delete(self) -> None:
            calls.append("before_delete")

        @after_delete
        async def after_delete(self) -> None:
            await asyncio.sleep(0)
            calls.append("after_delete")

        @before_update
        async def before_update(self) -> None:
            await asyncio.sleep(0)
            calls.append("before_update")

        @after_update
        def after_update(self) -> None:
            calls.append("after_update")

        @after_load
        async def counted(self) -> None:
            await asyncio.sleep(0)
            calls.append(f"after_load:{self.sk}")

    return User


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.fixture
def Hooked(table_name: str, client: DynamoDBClient, calls: list[str]) -> Any:
    model = hooked_model(table_name, client, calls)
    model.sync_create_table(wait=True)
    return model


async def test_save_hooks_run_around_the_save_base_class_first(
    twin: ModelTwin, Hooked: Any, calls: list[str], boto: Any, table_name: str
) -> None:
    await twin(Hooked(pk="u", sk="1", email="ANA@EXAMPLE.COM")).save()

    assert calls == ["base.before_save", "before_save", "after_save"]
    # What before_save changed is what was stored.
    assert raw_item(boto, table_name, pk="u", sk="1")["email"] == {"S": "ana@example.com"}  # type: ignore[index]


async def test_delete_and_update_hooks_run(twin: ModelTwin, Hooked: Any, calls: list[str]) -> None:
    user = Hooked(pk="u", sk="1")
    await twin(user).save()
    calls.clear()

    await twin(user).update(email="x@example.com")
    await twin(user).delete()

    assert calls == ["before_update", "after_update", "before_delete", "after_delete"]


async def test_after_load_runs_on_get_and_on_query_and_scan(
    twin: ModelTwin, Hooked: Any, calls: list[str]
) -> None:
    for sk in ("1", "2"):
        await twin(Hooked(pk="u", sk=sk)).save()
    calls.clear()

    assert await twin(Hooked).get(pk="u", sk="1") is not None
    assert calls == ["after_load:1"]
    assert await twin(Hooked).get(pk="u", sk="missing") is None
    assert calls == ["after_load:1"]

    calls.clear()
    assert len(await twin(Hooked).query(pk="u")) == 2
    assert calls == ["after_load:1", "after_load:2"]

    calls.clear()
    assert len(await twin(Hooked).scan()) == 2
    assert sorted(calls) == ["after_load:1", "after_load:2"]

    calls.clear()
    await twin(Hooked).get(pk="u", sk="1", as_dict=True)
    assert calls == []  # plain dicts are not model instances: no hooks


async def test_skip_hooks_per_call(
    twin: ModelTwin, Hooked: Any, calls: list[str], boto: Any, table_name: str
) -> None:
    user = Hooked(pk="u", sk="1", email="ANA@EXAMPLE.COM")

    await twin(user).save(skip_hooks=True)
    await twin(user).update(skip_hooks=True, loads=1)
    await twin(user).delete(skip_hooks=True)

    assert calls == []
    await twin(user).save(skip_hooks=True)
    assert raw_item(boto, table_name, pk="u", sk="1")["email"] == {"S": "ANA@EXAMPLE.COM"}  # type: ignore[index]


async def test_skip_hooks_in_the_model_config_and_overridden_per_call(
    twin: ModelTwin, table_name: str, client: DynamoDBClient, calls: list[str]
) -> None:
    Quiet = hooked_model(table_name, client, calls, skip_hooks=True)
    await Quiet.create_table(wait=True)

    await twin(Quiet(pk="u", sk="1")).save()
    assert await twin(Quiet).get(pk="u", sk="1") is not None
    assert calls == []

    await twin(Quiet(pk="u", sk="2")).save(skip_hooks=False)
    assert calls == ["base.before_save", "before_save", "after_save"]


async def test_a_failing_before_save_hook_stops_the_save(
    twin: ModelTwin, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    class User(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        email = StringAttribute()

        @before_save
        async def validate(self) -> None:
            if "@" not in (self.email or ""):
                raise ValueError("email is invalid")

    await User.create_table(wait=True)

    with pytest.raises(ValueError, match="email is invalid"):
        await twin(User(pk="u", email="nope")).save()
    assert raw_item(boto, table_name, pk="u") is None


async def test_an_async_hook_on_a_sync_call_inside_a_running_loop_runs_to_completion(
    Hooked: Any, calls: list[str], boto: Any, table_name: str
) -> None:
    user = Hooked(pk="u", sk="1")

    # A blocking call from a coroutine: it works, and says it stalled the loop.
    with pytest.warns(RuntimeWarning, match="blocking pydynox sync_ call"):
        user.sync_save()

    assert calls == ["base.before_save", "before_save", "after_save"]  # the async after_save finished
    assert raw_item(boto, table_name, pk="u", sk="1") is not None


def test_an_async_hook_on_a_sync_call_without_a_loop_runs_to_completion(
    Hooked: Any, calls: list[str]
) -> None:
    user = Hooked(pk="u", sk="1")
    user.sync_save()
    assert Hooked.sync_get(pk="u", sk="1") is not None
    user.sync_delete()

    assert calls == [
        "base.before_save",
        "before_save",
        "after_save",
        "after_load:1",
        "before_delete",
        "after_delete",
    ]


def test_a_subclass_overriding_a_hook_keeps_it_a_hook(table_name: str, client: DynamoDBClient) -> None:
    ran: list[str] = []

    class Base(Model):
        @before_save
        def stamp(self) -> None:
            ran.append("base")

    class User(Base):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)

        def stamp(self) -> None:  # not decorated again
            ran.append("override")

    User.sync_create_table(wait=True)
    User(pk="u").sync_save()

    assert ran == ["override"]


# -- optimistic locking ------------------------------------------------------------------------------------


@pytest.fixture
def Doc(table_name: str, client: DynamoDBClient) -> Any:
    class Doc(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        title = StringAttribute()
        version = VersionAttribute()

    Doc.sync_create_table(wait=True)
    return Doc


def stored_version(boto: Any, table: str) -> str | None:
    raw = raw_item(boto, table, pk="d")
    return None if raw is None else raw["version"]["N"]


async def test_the_version_is_1_after_the_first_save_and_grows_on_every_write(
    twin: ModelTwin, Doc: Any, boto: Any, table_name: str
) -> None:
    doc = Doc(pk="d", title="draft")
    assert doc.version is None

    await twin(doc).save()
    assert doc.version == 1 and stored_version(boto, table_name) == "1"

    doc.title = "second"
    await twin(doc).save()
    assert doc.version == 2 and stored_version(boto, table_name) == "2"

    await twin(doc).update(title="third")
    assert doc.version == 3 and stored_version(boto, table_name) == "3"

    loaded = await twin(Doc).get(pk="d")
    assert loaded.version == 3
    await twin(loaded).update(atomic=[Doc.title.set("fourth")])
    assert loaded.version == 4 and stored_version(boto, table_name) == "4"


async def test_a_stale_save_fails_and_the_stale_instance_keeps_its_version(
    twin: ModelTwin, Doc: Any, boto: Any, table_name: str
) -> None:
    await twin(Doc(pk="d", title="draft")).save()
    alice = await twin(Doc).get(pk="d")
    bob = await twin(Doc).get(pk="d")

    alice.title = "alice"
    await twin(alice).save()

    bob.title = "bob"
    with pytest.raises(ConditionalCheckFailedException):
        await twin(bob).save()

    assert bob.version == 1
    assert bob.title == "bob"
    raw = raw_item(boto, table_name, pk="d")
    assert raw == {"pk": {"S": "d"}, "title": {"S": "alice"}, "version": {"N": "2"}}

    with pytest.raises(ConditionalCheckFailedException):
        await twin(bob).save(full_replace=True)
    assert bob.version == 1
    assert stored_version(boto, table_name) == "2"


async def test_a_stale_update_and_a_stale_delete_fail(
    twin: ModelTwin, Doc: Any, boto: Any, table_name: str
) -> None:
    await twin(Doc(pk="d", title="draft")).save()
    stale = await twin(Doc).get(pk="d")
    fresh = await twin(Doc).get(pk="d")
    await twin(fresh).update(title="fresh")

    with pytest.raises(ConditionalCheckFailedException):
        await twin(stale).update(title="stale")
    assert stale.version == 1 and stale.title == "draft"

    with pytest.raises(ConditionalCheckFailedException):
        await twin(stale).delete()
    assert raw_item(boto, table_name, pk="d") == {
        "pk": {"S": "d"},
        "title": {"S": "fresh"},
        "version": {"N": "2"},
    }

    await twin(fresh).delete()
    assert raw_item(boto, table_name, pk="d") is None


async def test_creating_a_versioned_item_that_already_exists_fails(
    twin: ModelTwin, Doc: Any, boto: Any, table_name: str
) -> None:
    await twin(Doc(pk="d", title="first")).save()

    with pytest.raises(ConditionalCheckFailedException):
        await twin(Doc(pk="d", title="second")).save()
    assert raw_item(boto, table_name, pk="d")["title"] == {"S": "first"}  # type: ignore[index]


async def test_the_version_cannot_be_updated_by_hand(twin: ModelTwin, Doc: Any) -> None:
    doc = Doc(pk="d")
    await twin(doc).save()

    with pytest.raises(ValueError, match=r"Doc\.version"):
        await twin(doc).update(version=10)


async def test_a_versioned_save_with_a_failing_user_condition_keeps_the_version(
    twin: ModelTwin, Doc: Any, boto: Any, table_name: str
) -> None:
    doc = Doc(pk="d", title="draft")
    await twin(doc).save()

    doc.title = "new"
    with pytest.raises(ConditionalCheckFailedException):
        await twin(doc).save(condition=Doc.title == "published")

    assert doc.version == 1
    assert stored_version(boto, table_name) == "1"


async def test_an_unchanged_versioned_item_is_not_written_and_keeps_its_version(
    twin: ModelTwin, Doc: Any, boto: Any, table_name: str
) -> None:
    await twin(Doc(pk="d", title="draft")).save()
    doc = await twin(Doc).get(pk="d")
    sent: list[OperationEvent] = []

    with events.subscribe(sent.append):
        await twin(doc).save()

    assert [e.operation for e in sent] == []
    assert doc.version == 1 and stored_version(boto, table_name) == "1"


async def test_a_deleted_versioned_item_saved_again_starts_at_version_1(
    twin: ModelTwin, Doc: Any, boto: Any, table_name: str
) -> None:
    doc = Doc(pk="d", title="draft")
    await twin(doc).save()
    doc.title = "second"
    await twin(doc).save()
    assert doc.version == 2

    await twin(doc).delete()
    await twin(doc).save()

    assert doc.version == 1 and stored_version(boto, table_name) == "1"


async def test_a_partially_loaded_versioned_item_can_be_saved_and_stays_locked(
    twin: ModelTwin, Doc: Any, boto: Any, table_name: str
) -> None:
    await twin(Doc(pk="d", title="draft")).save()

    partial = await twin(Doc).get(pk="d", fields=["title"])

    # The version comes with any projection, like the key: the instance can be saved and stays locked.
    assert partial.version == 1
    partial.title = "edited"
    await twin(partial).save()
    assert partial.version == 2
    assert raw_item(boto, table_name, pk="d") == {
        "pk": {"S": "d"},
        "title": {"S": "edited"},
        "version": {"N": "2"},
    }


async def test_a_stale_partially_loaded_versioned_item_cannot_be_deleted(
    twin: ModelTwin, Doc: Any, boto: Any, table_name: str
) -> None:
    await twin(Doc(pk="d", title="draft")).save()
    stale = await twin(Doc).get(pk="d", fields=["title"])
    fresh = await twin(Doc).get(pk="d")
    fresh.title = "edited"
    await twin(fresh).save()

    with pytest.raises(ConditionalCheckFailedException):
        await twin(stale).delete()
    assert stored_version(boto, table_name) == "2"


# -- AutoGenerate --------------------------------------------------------------------------------------------

FORMATS = {
    "UUID4": re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"),
    "ULID": re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$"),
    "KSUID": re.compile(r"^[0-9A-Za-z]{27}$"),
    "ISO8601": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"),
}


@pytest.fixture
def Event(table_name: str, client: DynamoDBClient) -> Any:
    class Event(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True, default=AutoGenerate.ULID)
        uuid = StringAttribute(default=AutoGenerate.UUID4)
        ksuid = StringAttribute(default=AutoGenerate.KSUID)
        at = StringAttribute(default=AutoGenerate.ISO8601)
        epoch = NumberAttribute(default=AutoGenerate.EPOCH)
        epoch_ms = NumberAttribute(default=AutoGenerate.EPOCH_MS)

    Event.sync_create_table(wait=True)
    return Event


async def test_generated_values_have_their_formats(
    twin: ModelTwin, Event: Any, boto: Any, table_name: str
) -> None:
    event = Event()
    assert event.pk is None and event.uuid is None  # generated on save, not before
    before = time.time()

    await twin(event).save()

    after = time.time()
    assert FORMATS["ULID"].match(event.pk), event.pk
    assert FORMATS["UUID4"].match(event.uuid), event.uuid
    assert FORMATS["KSUID"].match(event.ksuid), event.ksuid
    assert FORMATS["ISO8601"].match(event.at), event.at
    stamped = dt.datetime.strptime(event.at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    assert int(before) <= stamped <= after
    assert isinstance(event.epoch, int) and int(before) <= event.epoch <= after
    assert isinstance(event.epoch_ms, int) and int(before * 1000) <= event.epoch_ms <= after * 1000 + 1
    # What the instance shows is what was stored.
    raw = raw_item(boto, table_name, pk=event.pk)
    assert raw is not None
    assert raw["uuid"] == {"S": event.uuid} and raw["ksuid"] == {"S": event.ksuid}
    assert raw["at"] == {"S": event.at}
    assert raw["epoch"] == {"N": str(event.epoch)} and raw["epoch_ms"] == {"N": str(event.epoch_ms)}


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def ulid_millis(ulid: str) -> int:
    """The creation time in a ULID: its first 10 characters, Crockford base32."""
    n = 0
    for ch in ulid[:10]:
        n = n * 32 + CROCKFORD.index(ch)
    return n


def ksuid_seconds(ksuid: str) -> int:
    """The creation time in a KSUID: the first 4 of its 20 bytes, seconds since 2014-05-13T16:53:20Z."""
    n = 0
    for ch in ksuid:
        n = n * 62 + BASE62.index(ch)
    return (n >> 128) + 1_400_000_000


def test_generated_ids_differ_and_carry_their_creation_time(Event: Any) -> None:
    before = time.time()
    first, second = Event(), Event()
    first.sync_save()
    second.sync_save()
    after = time.time()

    assert first.pk != second.pk and first.uuid != second.uuid and first.ksuid != second.ksuid
    for event in (first, second):
        assert int(before * 1000) <= ulid_millis(event.pk) <= after * 1000
        assert int(before) <= ksuid_seconds(event.ksuid) <= after


async def test_a_given_value_is_never_replaced(
    twin: ModelTwin, Event: Any, boto: Any, table_name: str
) -> None:
    event = Event(pk="mine", uuid="my-uuid", epoch=5)
    await twin(event).save()
    assert (event.pk, event.uuid, event.epoch) == ("mine", "my-uuid", 5)

    generated = event.ksuid
    event.uuid = "changed"
    await twin(event).save()
    assert event.ksuid == generated  # not generated again on a later save
    raw = raw_item(boto, table_name, pk="mine")
    assert raw is not None
    assert raw["uuid"] == {"S": "changed"} and raw["epoch"] == {"N": "5"} and raw["ksuid"] == {"S": generated}


# -- TTL ---------------------------------------------------------------------------------------------------


@pytest.fixture
def Session(table_name: str, client: DynamoDBClient) -> Any:
    class Session(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        expires = TTLAttribute()

    Session.sync_create_table(wait=True)
    return Session


async def test_ttl_is_stored_as_epoch_seconds_and_loaded_as_a_datetime(
    twin: ModelTwin, Session: Any, boto: Any, table_name: str
) -> None:
    expires = ExpiresIn.hours(2)
    session = Session(pk="s", expires=expires)
    await twin(session).save()

    assert raw_item(boto, table_name, pk="s")["expires"] == {"N": str(int(expires.timestamp()))}  # type: ignore[index]
    loaded = await twin(Session).get(pk="s")
    assert loaded.expires == expires.replace(microsecond=0)
    assert loaded.expires.tzinfo is not None
    assert loaded.is_expired is False
    left = loaded.expires_in
    assert left is not None and dt.timedelta(hours=1, minutes=59) < left <= dt.timedelta(hours=2)


def test_a_past_ttl_is_expired(Session: Any) -> None:
    past = Session(pk="s", expires=dt.datetime.now(UTC) - dt.timedelta(seconds=5))
    assert past.is_expired is True and past.expires_in is None

    as_epoch = Session(pk="s", expires=int(time.time()) + 3600)
    assert as_epoch.is_expired is False
    assert dt.timedelta(minutes=59) < as_epoch.expires_in <= dt.timedelta(hours=1)

    assert Session(pk="s").is_expired is False and Session(pk="s").expires_in is None


async def test_extend_ttl_stores_the_new_expiry(
    twin: ModelTwin, Session: Any, boto: Any, table_name: str
) -> None:
    session = Session(pk="s", expires=ExpiresIn.minutes(5))
    await twin(session).save()

    later = ExpiresIn.days(1)
    await twin(session).extend_ttl(later)

    assert raw_item(boto, table_name, pk="s")["expires"] == {"N": str(int(later.timestamp()))}  # type: ignore[index]
    assert session.expires == later.replace(microsecond=0)


# -- item size ----------------------------------------------------------------------------------------


async def test_an_item_larger_than_max_size_is_refused_before_sending(
    twin: ModelTwin, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    class Note(Model):
        model_config = ModelConfig(table=table_name, client=client, max_size=100)
        pk = StringAttribute(partition_key=True)
        body = StringAttribute()

    await Note.create_table(wait=True)
    sent: list[OperationEvent] = []
    note = Note(pk="n", body="x" * 200)
    assert note.calculate_size() > 100

    with events.subscribe(sent.append), pytest.raises(ItemTooLargeException, match="Note"):
        await twin(note).save()

    assert [e.operation for e in sent] == []
    assert raw_item(boto, table_name, pk="n") is None
    note.body = "small"
    await twin(note).save()
    assert raw_item(boto, table_name, pk="n") is not None


def test_calculate_size_follows_dynamodb_rules(table_name: str, client: DynamoDBClient) -> None:
    class Note(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        body = StringAttribute()
        n = NumberAttribute()

    # Name lengths + UTF-8 value lengths: "pk"(2) + "ab"(2) + "body"(4) + "é"(2).
    assert Note(pk="ab", body="é").calculate_size() == 10


# -- strict attributes ------------------------------------------------------------------------------


async def test_strict_attributes_refuse_unknown_names(table_name: str, client: DynamoDBClient) -> None:
    class User(Model):
        model_config = ModelConfig(table=table_name, client=client, strict_attributes=True)
        pk = StringAttribute(partition_key=True)
        name = StringAttribute()

    with pytest.raises(AttributeError, match=r"User.*'nmae'"):
        User(pk="u", nmae="Ana")
    user = User(pk="u", name="Ana")
    with pytest.raises(AttributeError, match=r"User.*'nmae'"):
        user.nmae = "Bia"
    user.name = "Bia"  # declared attributes are fine


async def test_without_strict_attributes_extra_values_are_saved(
    twin: ModelTwin, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    class User(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        name = StringAttribute()

    await User.create_table(wait=True)

    await twin(User(pk="u", name="Ana", nickname="Nana", score=3)).save()

    raw = raw_item(boto, table_name, pk="u")
    assert raw == {"pk": {"S": "u"}, "name": {"S": "Ana"}, "nickname": {"S": "Nana"}, "score": {"N": "3"}}
    # An undeclared attribute survives a smart save of the loaded item.
    loaded = await twin(User).get(pk="u")
    loaded.name = "Bia"
    await twin(loaded).save()
    assert raw_item(boto, table_name, pk="u")["nickname"] == {"S": "Nana"}  # type: ignore[index]


async def test_without_strict_attributes_an_extra_value_set_later_is_saved_too(
    twin: ModelTwin, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    class User(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        name = StringAttribute()

    await User.create_table(wait=True)
    user = User(pk="u", name="Ana")

    user.nickname = "Nana"  # not declared, not strict: kept and saved, as when given to the constructor
    assert "nickname" in user.changed_fields
    await twin(user).save()

    assert raw_item(boto, table_name, pk="u") == {
        "pk": {"S": "u"},
        "name": {"S": "Ana"},
        "nickname": {"S": "Nana"},
    }


async def test_without_strict_attributes_extra_values_can_be_read_back(
    twin: ModelTwin, table_name: str, client: DynamoDBClient
) -> None:
    class User(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        name = StringAttribute()

    await User.create_table(wait=True)
    user = User(pk="u", name="Ana", nickname="Nana")
    assert user.nickname == "Nana"
    await twin(user).save()

    loaded = await twin(User).get(pk="u")

    assert loaded.nickname == "Nana"
    assert loaded.to_dict() == {"pk": "u", "name": "Ana", "nickname": "Nana"}


# -- discriminated subclasses ------------------------------------------------------------------------------


def pet_models(table: str, client: DynamoDBClient) -> tuple[Any, Any, Any]:
    class Pet(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        name = StringAttribute()
        kind = StringAttribute(discriminator=True)

    class Dog(Pet):
        breed = StringAttribute()

    class Cat(Pet):
        lives = NumberAttribute()

    return Pet, Dog, Cat


async def test_a_base_query_returns_the_subclass_of_each_item(
    twin: ModelTwin, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    Pet, Dog, Cat = pet_models(table_name, client)
    await Pet.create_table(wait=True)

    await twin(Dog(pk="owner", sk="1", name="Rex", breed="lab")).save()
    await twin(Cat(pk="owner", sk="2", name="Tom", lives=9)).save()

    assert raw_item(boto, table_name, pk="owner", sk="1")["kind"] == {"S": "Dog"}  # type: ignore[index]
    pets = await twin(Pet).query(pk="owner")
    assert [type(p) for p in pets] == [Dog, Cat]
    rex, tom = pets
    assert (rex.name, rex.breed) == ("Rex", "lab")
    assert (tom.name, tom.lives) == ("Tom", 9)

    got = await twin(Pet).get(pk="owner", sk="2")
    assert type(got) is Cat and got.lives == 9
    got.lives = 8
    await twin(got).save()
    assert raw_item(boto, table_name, pk="owner", sk="2")["lives"] == {"N": "8"}  # type: ignore[index]


async def test_a_subclass_get_returns_that_subclass(
    twin: ModelTwin, table_name: str, client: DynamoDBClient
) -> None:
    Pet, Dog, _ = pet_models(table_name, client)
    await Pet.create_table(wait=True)
    await twin(Dog(pk="owner", sk="1", name="Rex", breed="lab")).save()

    dog = await twin(Dog).get(pk="owner", sk="1")

    assert type(dog) is Dog and dog.kind == "Dog" and dog.breed == "lab"


async def test_a_subclass_query_never_returns_another_subclass_dressed_as_itself(
    twin: ModelTwin, table_name: str, client: DynamoDBClient
) -> None:
    Pet, Dog, Cat = pet_models(table_name, client)
    await Pet.create_table(wait=True)
    await twin(Dog(pk="owner", sk="1", name="Rex", breed="lab")).save()
    await twin(Cat(pk="owner", sk="2", name="Tom", lives=9)).save()

    from_dog_query = await twin(Dog).query(pk="owner")
    cat_by_dog_get = await twin(Dog).get(pk="owner", sk="2")

    # Whatever a Dog read returns (only dogs, or each item as its own class), a Cat is never a Dog.
    assert [(type(p).__name__, p.kind) for p in from_dog_query if p.kind != type(p).__name__] == []
    assert cat_by_dog_get is None or type(cat_by_dog_get) is Cat


async def test_after_load_hooks_of_a_subclass_run_on_a_base_class_query(
    twin: ModelTwin, table_name: str, client: DynamoDBClient
) -> None:
    loaded: list[str] = []

    class Pet(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        kind = StringAttribute(discriminator=True)

    class Dog(Pet):
        @after_load
        def seen(self) -> None:
            loaded.append(self.sk)

    await Pet.create_table(wait=True)
    await twin(Dog(pk="owner", sk="1")).save()

    assert type(await twin(Pet).get(pk="owner", sk="1")) is Dog
    assert loaded == ["1"]  # get runs the hooks of the class it returns...

    loaded.clear()
    assert [type(p) for p in await twin(Pet).query(pk="owner")] == [Dog]
    assert loaded == ["1"]  # ...and so must a query


# -- key templates -------------------------------------------------------------------------------------------


@pytest.fixture
def Order(table_name: str, client: DynamoDBClient) -> Any:
    class Order(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True, template="USER#{user_id}")
        sk = StringAttribute(sort_key=True, template="ORDER#{order_id}")
        user_id = StringAttribute()
        order_id = NumberAttribute()
        items = ListAttribute()

    Order.sync_create_table(wait=True)
    return Order


async def test_template_keys_are_built_on_save_and_used_by_get_and_query(
    twin: ModelTwin, Order: Any, boto: Any, table_name: str
) -> None:
    await twin(Order(user_id="42", order_id=1, items=["book"])).save()
    late = Order()
    late.user_id, late.order_id = "42", 2  # set after construction: built on save
    await twin(late).save()
    await twin(Order(user_id="7", order_id=1)).save()

    raw = raw_item(boto, table_name, pk="USER#42", sk="ORDER#1")
    assert raw is not None and raw["items"] == {"L": [{"S": "book"}]}
    assert late.pk == "USER#42" and late.sk == "ORDER#2"

    order = await twin(Order).get(user_id="42", order_id=1)
    assert order is not None and order.items == ["book"] and order.pk == "USER#42"

    orders = await twin(Order).query(user_id="42")
    assert [o.sk for o in orders] == ["ORDER#1", "ORDER#2"]

    await twin(Order).delete_by_key(user_id="42", order_id=2)
    assert raw_item(boto, table_name, pk="USER#42", sk="ORDER#2") is None


async def test_a_template_without_its_values_names_what_is_missing(twin: ModelTwin, Order: Any) -> None:
    with pytest.raises(ValueError, match="order_id"):
        await twin(Order(user_id="42")).save()
    with pytest.raises(ValueError, match="user_id"):
        await twin(Order).query()


# -- create_table with indexes -----------------------------------------------------------------------------


def indexed_model(table: str, client: DynamoDBClient, gsi_partition_key: Any) -> Any:
    class User(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        email = StringAttribute()
        tenant = StringAttribute()
        status = StringAttribute()
        age = NumberAttribute()
        name = StringAttribute()

        by_email = GlobalSecondaryIndex("email-index", partition_key=gsi_partition_key, sort_key="age")
        by_age = LocalSecondaryIndex("age-index", sort_key="age", projection=["name"])

    return User


def key_schema(index: dict[str, Any]) -> list[tuple[str, str]]:
    return [(k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]]


async def test_create_table_creates_the_declared_indexes(
    twin: ModelTwin, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    User = indexed_model(table_name, client, "email")
    assert await twin(User).table_exists() is False

    await twin(User).create_table(wait=True)

    assert await twin(User).table_exists() is True
    table = boto.describe_table(TableName=table_name)["Table"]
    assert key_schema(table) == [("pk", "HASH"), ("sk", "RANGE")]
    definitions = {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]}
    assert definitions == {"pk": "S", "sk": "S", "email": "S", "age": "N"}
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "email-index"
    assert key_schema(gsi) == [("email", "HASH"), ("age", "RANGE")]
    assert gsi["Projection"]["ProjectionType"] == "ALL"
    (lsi,) = table["LocalSecondaryIndexes"]
    assert lsi["IndexName"] == "age-index"
    assert key_schema(lsi) == [("pk", "HASH"), ("age", "RANGE")]
    assert lsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name"]}

    await twin(User).delete_table(wait=True)
    assert await twin(User).table_exists() is False


async def test_create_table_with_a_multi_attribute_gsi_key(
    twin: ModelTwin, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    User = indexed_model(table_name, client, ["tenant", "status"])

    await twin(User).create_table(wait=True)

    (gsi,) = boto.describe_table(TableName=table_name)["Table"]["GlobalSecondaryIndexes"]
    assert key_schema(gsi) == [("tenant", "HASH"), ("status", "HASH"), ("age", "RANGE")]
