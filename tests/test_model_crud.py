"""Models, single items: save (smart and full), get, update, delete, and their by-key forms.

A user's scenario, then what must hold. Every test runs twice: through the async methods
(``await user.save()``) and through their ``sync_`` twins (``user.sync_save()``, in a worker thread).
boto3 reads back what is really stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydynox import DynamoDBClient, Model, ModelConfig, OperationEvent, events
from pydynox.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    StringAttribute,
    StringSetAttribute,
)
from pydynox.exceptions import ConditionalCheckFailedException
from support.model_twin import ModelTwin
from support.readback import raw_item


def user_model(table: str, client: DynamoDBClient, **config: Any) -> Any:
    """The ``User`` of these scenarios, stored in ``table``."""

    class User(Model):
        model_config = ModelConfig(table=table, client=client, **config)
        pk = StringAttribute(partition_key=True)
        name = StringAttribute()
        nickname = StringAttribute()
        age = NumberAttribute()
        tags = ListAttribute()
        address = MapAttribute()
        roles = StringSetAttribute()

    return User


@pytest.fixture
def User(table_name: str, client: DynamoDBClient) -> Any:
    model = user_model(table_name, client)
    model.sync_create_table(wait=True)
    return model


def other_writer_sets(boto: Any, table: str, pk: str, name: str, value: dict[str, Any]) -> None:
    """Another process changes one attribute of the stored item behind our back."""
    boto.update_item(
        TableName=table,
        Key={"pk": {"S": pk}},
        UpdateExpression="SET #a = :v",
        ExpressionAttributeNames={"#a": name},
        ExpressionAttributeValues={":v": value},
    )


@pytest.fixture
def writes() -> Iterator[list[OperationEvent]]:
    """The write operations (PutItem, UpdateItem, DeleteItem) made while the test runs."""
    seen: list[OperationEvent] = []

    def record(event: OperationEvent) -> None:
        if event.operation in ("PutItem", "UpdateItem", "DeleteItem"):
            seen.append(event)

    with events.subscribe(record):
        yield seen


async def saved_user(twin: ModelTwin, User: Any, **values: Any) -> Any:
    """A user saved with ``values`` and loaded back, as an application would have it."""
    await twin(User(**values)).save()
    user = await twin(User).get(pk=values["pk"])
    assert user is not None
    return user


# -- smart save: in-place edits, changed attributes only -------------------------------------------------


async def test_append_to_a_list_and_assign_a_name_then_save_persists_both(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await saved_user(twin, User, pk="u1", name="Ana", tags=["a"])

    user.tags.append("x")
    user.name = "y"
    await twin(user).save()

    raw = raw_item(boto, table_name, "u1")
    assert raw is not None
    assert raw["tags"] == {"L": [{"S": "a"}, {"S": "x"}]}
    assert raw["name"] == {"S": "y"}


async def test_in_place_edits_after_a_save_are_seen_by_the_next_save(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = User(pk="u1", name="Ana", tags=["a"])
    await twin(user).save()

    user.tags.append("x")  # the same list object the first save stored
    await twin(user).save()

    assert raw_item(boto, table_name, "u1")["tags"] == {"L": [{"S": "a"}, {"S": "x"}]}  # type: ignore[index]


async def test_in_place_edit_of_a_map_and_add_to_a_string_set_are_saved(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await saved_user(twin, User, pk="u1", address={"city": "Porto", "zip": "4000"}, roles={"reader"})

    user.address["city"] = "Lisbon"
    user.address["country"] = "PT"
    user.roles.add("admin")
    assert sorted(user.changed_fields) == ["address", "roles"]
    await twin(user).save()

    raw = raw_item(boto, table_name, "u1")
    assert raw is not None
    assert raw["address"] == {"M": {"city": {"S": "Lisbon"}, "zip": {"S": "4000"}, "country": {"S": "PT"}}}
    assert sorted(raw["roles"]["SS"]) == ["admin", "reader"]
    assert user.changed_fields == []


async def test_saving_an_unchanged_loaded_user_sends_no_write(
    twin: ModelTwin, User: Any, boto: Any, table_name: str, writes: list[OperationEvent]
) -> None:
    user = await saved_user(twin, User, pk="u1", name="Ana", age=30, tags=["a"], roles={"r"})
    writes.clear()
    assert user.is_dirty is False
    # Meanwhile another writer changes the age.
    other_writer_sets(boto, table_name, "u1", "age", {"N": "31"})

    await twin(user).save()

    assert [e.operation for e in writes if e.table == table_name] == []
    assert raw_item(boto, table_name, "u1")["age"] == {"N": "31"}  # type: ignore[index]


async def test_smart_save_writes_only_the_changed_attributes(
    twin: ModelTwin, User: Any, boto: Any, table_name: str, writes: list[OperationEvent]
) -> None:
    user = await saved_user(twin, User, pk="u1", name="Ana", age=30)
    writes.clear()
    other_writer_sets(boto, table_name, "u1", "age", {"N": "31"})

    user.name = "Bia"
    await twin(user).save()

    raw = raw_item(boto, table_name, "u1")
    assert raw is not None
    assert raw["name"] == {"S": "Bia"}
    assert raw["age"] == {"N": "31"}  # the other writer's change survives
    assert [e.operation for e in writes] == ["UpdateItem"]


async def test_full_replace_puts_the_whole_item(
    twin: ModelTwin, User: Any, boto: Any, table_name: str, writes: list[OperationEvent]
) -> None:
    user = await saved_user(twin, User, pk="u1", name="Ana", age=30)
    writes.clear()
    other_writer_sets(boto, table_name, "u1", "age", {"N": "31"})

    user.name = "Bia"
    await twin(user).save(full_replace=True)

    raw = raw_item(boto, table_name, "u1")
    assert raw == {"pk": {"S": "u1"}, "name": {"S": "Bia"}, "age": {"N": "30"}}
    assert [e.operation for e in writes] == ["PutItem"]


async def test_setting_an_attribute_to_none_and_saving_removes_it(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await saved_user(twin, User, pk="u1", name="Ana", nickname="Nana")

    user.nickname = None
    await twin(user).save()

    raw = raw_item(boto, table_name, "u1")
    assert raw is not None
    assert "nickname" not in raw
    assert raw["name"] == {"S": "Ana"}


@pytest.mark.parametrize("read", ["get", "scan"])
@pytest.mark.parametrize("full_replace", [False, True])
async def test_stored_nulls_survive_a_save(
    twin: ModelTwin, User: Any, boto: Any, table_name: str, read: str, full_replace: bool
) -> None:
    """A NULL loads as None; saving the instance must not turn it into a missing attribute, whether
    the attribute is declared (nickname) or not (legacy), by an update or by a whole put."""
    boto.put_item(
        TableName=table_name,
        Item={
            "pk": {"S": "n1"},
            "name": {"S": "Ana"},
            "nickname": {"NULL": True},
            "legacy": {"NULL": True},
            "gone": {"S": "soon"},
        },
    )
    if read == "get":
        user = await twin(User).get(pk="n1")
    else:
        [user] = await twin(User).scan()  # read from the response bytes
    assert user.nickname is None
    user.name = "Bea"
    await twin(user).save(full_replace=full_replace)
    raw = raw_item(boto, table_name, "n1")
    assert raw is not None
    assert raw["name"] == {"S": "Bea"}
    assert raw["nickname"] == {"NULL": True}
    assert raw["legacy"] == {"NULL": True}
    assert raw["gone"] == {"S": "soon"}

    # A real value replaces the NULL; None after that removes the attribute as usual.
    user.nickname = "B"
    await twin(user).save()
    assert raw_item(boto, table_name, "n1")["nickname"] == {"S": "B"}
    user.nickname = None
    await twin(user).save()
    assert "nickname" not in raw_item(boto, table_name, "n1")


async def test_a_smart_save_of_an_item_deleted_meanwhile_puts_it_whole(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await saved_user(twin, User, pk="u1", name="Ana", age=30)
    boto.delete_item(TableName=table_name, Key={"pk": {"S": "u1"}})

    user.name = "Bia"
    await twin(user).save()

    assert raw_item(boto, table_name, "u1") == {"pk": {"S": "u1"}, "name": {"S": "Bia"}, "age": {"N": "30"}}


# -- get -------------------------------------------------------------------------------------------------


async def test_get_of_a_missing_key_returns_none(twin: ModelTwin, User: Any) -> None:
    assert await twin(User).get(pk="nobody") is None


async def test_get_returns_the_stored_user(twin: ModelTwin, User: Any) -> None:
    await twin(User(pk="u1", name="Ana", age=30, tags=["a", 1], roles={"r"})).save()

    user = await twin(User).get(pk="u1")

    assert isinstance(user, User)
    assert (user.pk, user.name, user.age, user.tags, user.roles) == ("u1", "Ana", 30, ["a", 1], {"r"})
    assert user.nickname is None
    assert user.is_dirty is False


async def test_consistent_read_returns_the_item(twin: ModelTwin, User: Any, client: DynamoDBClient) -> None:
    await twin(User(pk="u1", name="Ana")).save()

    assert (await twin(User).get(pk="u1", consistent_read=True)).name == "Ana"
    assert await twin(User).get(pk="u2", consistent_read=True) is None
    # A model may read consistently by default.
    Consistent = user_model(User.model_config.table + "-c", client, consistent_read=True)
    await Consistent.create_table(wait=True)
    try:
        await twin(Consistent(pk="u1", name="Bia")).save()
        assert (await twin(Consistent).get(pk="u1")).name == "Bia"
    finally:
        await Consistent.delete_table()


async def test_get_with_fields_loads_a_partial_user_and_saving_it_keeps_the_rest(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    await twin(User(pk="u1", name="Ana", age=30, tags=["a"], address={"city": "Porto"})).save()

    partial = await twin(User).get(pk="u1", fields=["name"])

    assert partial.pk == "u1"  # the key is always loaded, so the item can be saved
    assert partial.name == "Ana"
    assert (partial.age, partial.tags, partial.address) == (None, None, None)

    partial.name = "Bia"
    await twin(partial).save()

    assert raw_item(boto, table_name, "u1") == {
        "pk": {"S": "u1"},
        "name": {"S": "Bia"},
        "age": {"N": "30"},
        "tags": {"L": [{"S": "a"}]},
        "address": {"M": {"city": {"S": "Porto"}}},
    }


async def test_get_with_a_path_inside_an_attribute_is_refused(twin: ModelTwin, User: Any) -> None:
    # A partly loaded map would be written back whole by a later save, wiping the keys not loaded.
    with pytest.raises(ValueError, match=r"address\.city"):
        await twin(User).get(pk="u1", fields=["address.city"])
    with pytest.raises(ValueError, match=r"tags\[0\]"):
        await twin(User).get(pk="u1", fields=["tags[0]"])


async def test_get_as_dict_returns_the_stored_item(twin: ModelTwin, User: Any) -> None:
    await twin(User(pk="u1", name="Ana", age=30)).save()

    assert await twin(User).get(pk="u1", as_dict=True) == {"pk": "u1", "name": "Ana", "age": 30}


async def test_get_with_an_attribute_that_is_not_the_key_is_refused(twin: ModelTwin, User: Any) -> None:
    with pytest.raises(TypeError, match="name"):
        await twin(User).get(pk="u1", name="Ana")


# -- delete ------------------------------------------------------------------------------------------


async def test_delete_removes_the_item(twin: ModelTwin, User: Any, boto: Any, table_name: str) -> None:
    user = await saved_user(twin, User, pk="u1", name="Ana")

    await twin(user).delete()

    assert raw_item(boto, table_name, "u1") is None


async def test_delete_with_a_failing_condition_raises_and_keeps_the_item(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await saved_user(twin, User, pk="u1", name="Ana", age=30)

    with pytest.raises(ConditionalCheckFailedException):
        await twin(user).delete(condition=User.age > 40)
    assert raw_item(boto, table_name, "u1") is not None

    await twin(user).delete(condition=User.age == 30)
    assert raw_item(boto, table_name, "u1") is None


async def test_delete_by_key_removes_the_item_without_loading_it(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    await twin(User(pk="u1", name="Ana")).save()
    await twin(User(pk="u2", name="Bia")).save()

    await twin(User).delete_by_key(pk="u1")

    assert raw_item(boto, table_name, "u1") is None
    assert raw_item(boto, table_name, "u2") is not None
    with pytest.raises(ConditionalCheckFailedException):
        await twin(User).delete_by_key(pk="u2", condition=User.name == "Ana")
    assert raw_item(boto, table_name, "u2") is not None


async def test_a_deleted_instance_saved_again_is_put_whole(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await saved_user(twin, User, pk="u1", name="Ana", age=30)
    await twin(user).delete()

    await twin(user).save()

    assert raw_item(boto, table_name, "u1") == {"pk": {"S": "u1"}, "name": {"S": "Ana"}, "age": {"N": "30"}}


# -- update ------------------------------------------------------------------------------------------


async def test_update_sets_values_and_none_removes(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await saved_user(twin, User, pk="u1", name="Ana", nickname="Nana", age=30)

    await twin(user).update(name="Bia", nickname=None)

    raw = raw_item(boto, table_name, "u1")
    assert raw == {"pk": {"S": "u1"}, "name": {"S": "Bia"}, "age": {"N": "30"}}
    assert (user.name, user.nickname) == ("Bia", None)
    assert user.is_dirty is False


async def test_update_with_atomic_actions_refreshes_the_user_from_the_stored_item(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await saved_user(twin, User, pk="u1", name="Ana", age=30)
    other_writer_sets(boto, table_name, "u1", "nickname", {"S": "set elsewhere"})

    await twin(user).update(atomic=[User.age.add(1)])

    assert user.age == 31
    assert user.nickname == "set elsewhere"  # ALL_NEW: the whole stored item
    assert raw_item(boto, table_name, "u1")["age"] == {"N": "31"}  # type: ignore[index]
    assert user.is_dirty is False


async def test_update_keeps_unrelated_local_edits_unsaved(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await saved_user(twin, User, pk="u1", name="Ana", age=30)

    user.name = "local edit"
    await twin(user).update(age=40)

    assert user.name == "local edit"
    assert user.age == 40
    assert raw_item(boto, table_name, "u1")["name"] == {"S": "Ana"}  # type: ignore[index]
    assert user.changed_fields == ["name"]
    await twin(user).save()
    assert raw_item(boto, table_name, "u1")["name"] == {"S": "local edit"}  # type: ignore[index]


async def test_update_of_a_key_attribute_is_refused(twin: ModelTwin, User: Any) -> None:
    user = await saved_user(twin, User, pk="u1", name="Ana")

    with pytest.raises(ValueError, match=r"User\.pk"):
        await twin(user).update(pk="u2")


async def test_update_by_key_returns_the_stored_user(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    await twin(User(pk="u1", name="Ana", age=30)).save()

    user = await twin(User).update_by_key(pk="u1", name="Bia", atomic=[User.age.add(2)])

    assert isinstance(user, User)
    assert (user.pk, user.name, user.age) == ("u1", "Bia", 32)
    assert user.is_dirty is False
    assert raw_item(boto, table_name, "u1") == {"pk": {"S": "u1"}, "name": {"S": "Bia"}, "age": {"N": "32"}}


async def test_update_by_key_with_a_failing_condition_raises_and_writes_nothing(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    await twin(User(pk="u1", name="Ana", age=30)).save()

    with pytest.raises(ConditionalCheckFailedException):
        await twin(User).update_by_key(pk="u1", name="Bia", condition=User.age > 30)

    assert raw_item(boto, table_name, "u1")["name"] == {"S": "Ana"}  # type: ignore[index]


# -- plain data ----------------------------------------------------------------------------------------


def test_to_dict_from_dict_round_trip(User: Any) -> None:
    user = User(pk="u1", name="Ana", age=30, tags=["a"], address={"city": "Porto"}, roles={"r"})

    data = user.to_dict()

    assert data == {
        "pk": "u1",
        "name": "Ana",
        "age": 30,
        "tags": ["a"],
        "address": {"city": "Porto"},
        "roles": {"r"},
    }
    again = User.from_dict(data)
    assert isinstance(again, User)
    assert again.to_dict() == data
    assert (again.name, again.nickname, again.roles) == ("Ana", None, {"r"})
    # from_dict treats the item as loaded: nothing to write until something changes.
    assert again.is_dirty is False
    again.age = 31
    assert again.changed_fields == ["age"]


def test_a_new_user_is_dirty_until_saved(User: Any) -> None:
    user = User(pk="u1", name="Ana")

    assert user.is_dirty is True
    user.sync_save()
    assert user.is_dirty is False
