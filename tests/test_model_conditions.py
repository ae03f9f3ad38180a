"""Conditions and atomic updates built from model attributes.

A stored user, then a condition: a save or delete under it goes through exactly when the condition holds
(checked with boto3). Atomic updates run in DynamoDB and are read back with boto3. Every scenario runs
through the async methods and their ``sync_`` twins.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import Any

import pytest
from pydynox import Condition, DynamoDBClient, Model, ModelConfig
from pydynox.attributes import (
    DatetimeAttribute,
    EnumAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    StringAttribute,
    StringSetAttribute,
)
from pydynox.conditions import attribute_type, size
from pydynox.exceptions import ConditionalCheckFailedException
from support.model_twin import ModelTwin
from support.readback import raw_item

UTC = dt.UTC


class Status(enum.Enum):
    ACTIVE = "active"
    BANNED = "banned"


LAST_LOGIN = dt.datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
STORED: dict[str, Any] = {
    "pk": "u1",
    "name": "Ana",
    "age": 30,
    "tags": ["a", "b"],
    "roles": {"admin", "dev"},
    "scores": {1, 2},
    "address": {"city": "Porto", "zip": "4000"},
    "counters": {"logins": 1},
    "status": Status.ACTIVE,
    "last_login": LAST_LOGIN,
}


def user_model(table: str, client: DynamoDBClient) -> Any:
    class User(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        name = StringAttribute()
        nickname = StringAttribute()
        note = StringAttribute()
        age = NumberAttribute()
        tags = ListAttribute()
        roles = StringSetAttribute()
        scores = NumberSetAttribute()
        address = MapAttribute()
        counters = MapAttribute()
        status = EnumAttribute(Status)
        last_login = DatetimeAttribute()

    return User


@pytest.fixture
def User(table_name: str, client: DynamoDBClient) -> Any:
    model = user_model(table_name, client)
    model.sync_create_table(wait=True)
    return model


async def stored_user(twin: ModelTwin, User: Any) -> Any:
    await twin(User(**STORED)).save()
    user = await twin(User).get(pk="u1")
    assert user is not None
    return user


# -- the condition DSL, as save and delete conditions ------------------------------------------------------

When = Callable[[Any], Condition]

CASES: list[tuple[str, When, bool]] = [
    ("eq", lambda U: U.age == 30, True),
    ("eq-false", lambda U: U.age == 31, False),
    ("ne", lambda U: U.age != 31, True),
    ("ne-false", lambda U: U.age != 30, False),
    ("lt", lambda U: U.age < 31, True),
    ("lt-false", lambda U: U.age < 30, False),
    ("le", lambda U: U.age <= 30, True),
    ("le-false", lambda U: U.age <= 29, False),
    ("gt", lambda U: U.age > 29, True),
    ("gt-false", lambda U: U.age > 30, False),
    ("ge", lambda U: U.age >= 30, True),
    ("ge-false", lambda U: U.age >= 31, False),
    ("and", lambda U: (U.age == 30) & (U.name == "Ana"), True),
    ("and-false", lambda U: (U.age == 30) & (U.name == "Bia"), False),
    ("or", lambda U: (U.age == 1) | (U.name == "Ana"), True),
    ("or-false", lambda U: (U.age == 1) | (U.name == "Bia"), False),
    ("not", lambda U: ~(U.age == 1), True),
    ("not-false", lambda U: ~(U.age == 30), False),
    ("nested-boolean", lambda U: ~((U.age == 1) | (U.name == "Bia")) & U.name.exists(), True),
    ("exists", lambda U: U.name.exists(), True),
    ("exists-false", lambda U: U.nickname.exists(), False),
    ("not-exists", lambda U: U.nickname.not_exists(), True),
    ("not-exists-false", lambda U: U.name.not_exists(), False),
    ("begins-with", lambda U: U.name.begins_with("An"), True),
    ("begins-with-false", lambda U: U.name.begins_with("Bi"), False),
    ("contains-set-member", lambda U: U.roles.contains("admin"), True),
    ("contains-set-member-false", lambda U: U.roles.contains("root"), False),
    ("contains-list-element", lambda U: U.tags.contains("b"), True),
    ("contains-substring", lambda U: U.name.contains("n"), True),
    ("contains-substring-false", lambda U: U.name.contains("z"), False),
    ("between", lambda U: U.age.between(20, 40), True),
    ("between-false", lambda U: U.age.between(31, 40), False),
    ("is-in", lambda U: U.name.is_in("Ana", "Bia"), True),
    ("is-in-list", lambda U: U.age.is_in([1, 30]), True),
    ("is-in-false", lambda U: U.name.is_in(["Bia", "Caio"]), False),
    ("size-eq", lambda U: U.tags.size() == 2, True),
    ("size-gt-false", lambda U: U.tags.size() > 2, False),
    ("size-function", lambda U: size(U.name) == 3, True),
    ("size-between", lambda U: U.roles.size().between(1, 2), True),
    ("attribute-type", lambda U: U.roles.attribute_type("SS"), True),
    ("attribute-type-false", lambda U: U.roles.attribute_type("L"), False),
    ("attribute-type-function", lambda U: attribute_type(U.age, "N"), True),
    ("map-key", lambda U: U.address["city"] == "Porto", True),
    ("map-key-false", lambda U: U.address["city"] == "Lisbon", False),
    ("map-key-exists", lambda U: U.address["zip"].exists(), True),
    ("map-key-exists-false", lambda U: U.address["street"].exists(), False),
    ("list-index", lambda U: U.tags[0] == "a", True),
    ("list-index-false", lambda U: U.tags[1] == "a", False),
    ("enum", lambda U: U.status == Status.ACTIVE, True),
    ("enum-false", lambda U: U.status == Status.BANNED, False),
    ("enum-is-in", lambda U: U.status.is_in(Status.ACTIVE, Status.BANNED), True),
    ("datetime-lt", lambda U: U.last_login < dt.datetime(2027, 1, 1, tzinfo=UTC), True),
    ("datetime-gt-false", lambda U: U.last_login > dt.datetime(2027, 1, 1, tzinfo=UTC), False),
    ("datetime-naive-is-utc", lambda U: U.last_login == dt.datetime(2026, 1, 1, 12, 0), True),
    (
        "datetime-between",
        lambda U: U.last_login.between(LAST_LOGIN - dt.timedelta(days=1), LAST_LOGIN + dt.timedelta(days=1)),
        True,
    ),
]


@pytest.mark.parametrize(("when", "holds"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_a_save_and_a_delete_go_through_exactly_when_the_condition_holds(
    twin: ModelTwin, User: Any, boto: Any, table_name: str, when: When, holds: bool
) -> None:
    user = await stored_user(twin, User)
    condition = when(User)

    user.note = "saved"
    if holds:
        await twin(user).save(condition=condition)
        assert raw_item(boto, table_name)["note"] == {"S": "saved"}  # type: ignore[index]
    else:
        with pytest.raises(ConditionalCheckFailedException):
            await twin(user).save(condition=condition)
        assert "note" not in raw_item(boto, table_name)  # type: ignore[operator]
        assert user.changed_fields == ["note"]  # the instance still has its unsaved edit

    if holds:
        await twin(user).delete(condition=condition)
        assert raw_item(boto, table_name) is None
    else:
        with pytest.raises(ConditionalCheckFailedException):
            await twin(user).delete(condition=condition)
        assert raw_item(boto, table_name) is not None


async def test_put_if_absent_with_a_condition_on_the_key(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    await twin(User(pk="u1", name="first")).save(condition=User.pk.not_exists())

    with pytest.raises(ConditionalCheckFailedException):
        await twin(User(pk="u1", name="second")).save(condition=User.pk.not_exists())

    assert raw_item(boto, table_name) == {"pk": {"S": "u1"}, "name": {"S": "first"}}


async def test_an_unchanged_user_saved_under_a_condition_still_checks_it(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await stored_user(twin, User)

    # Only the failing half: the passing half is an UpdateItem without an UpdateExpression, which
    # DynamoDB accepts but moto answers with a 500.
    with pytest.raises(ConditionalCheckFailedException):
        await twin(user).save(condition=User.age == 31)
    assert raw_item(boto, table_name)["age"] == {"N": "30"}  # type: ignore[index]


async def test_conditions_filter_a_scan(twin: ModelTwin, User: Any) -> None:
    for i, name in enumerate(["Ana", "Bia", "Caio"]):
        await twin(User(pk=f"u{i}", name=name, age=20 + i * 10, status=Status.ACTIVE)).save()

    found = await twin(User).scan(filter_condition=(User.age >= 30) & (User.status == Status.ACTIVE))

    assert sorted(u.name for u in found) == ["Bia", "Caio"]
    assert all(isinstance(u, User) for u in found)


def test_a_condition_is_not_a_boolean(User: Any) -> None:
    condition = User.age == 1

    with pytest.raises(TypeError, match="not a boolean"):
        bool(condition)
    with pytest.raises(TypeError):
        if condition:
            pass
    with pytest.raises(TypeError):
        _ = (User.age == 1) and (User.name == "x")
    with pytest.raises(TypeError):
        _ = not condition


def test_conditions_combine_only_with_conditions(User: Any) -> None:
    with pytest.raises(TypeError):
        _ = (User.age == 1) & True
    with pytest.raises(TypeError):
        User.tags.size() > "2"  # noqa: B015


async def test_a_condition_on_another_models_attribute_is_refused_naming_both(
    twin: ModelTwin, User: Any, table_name: str, client: DynamoDBClient
) -> None:
    class Order(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        total = NumberAttribute()

    user = await stored_user(twin, User)

    with pytest.raises(ValueError, match=r"Order\.total.*User") as info:
        await twin(user).save(condition=Order.total > 3)
    assert "Order.total" in str(info.value) and "User" in str(info.value)
    with pytest.raises(ValueError, match=r"Order\.total.*User"):
        await twin(user).delete(condition=(User.age == 30) & (Order.total > 3))
    with pytest.raises(ValueError, match=r"Order\.total.*User"):
        await twin(user).update(atomic=[Order.total.add(1)])
    with pytest.raises(ValueError, match=r"Order\.total.*User"):
        await twin(User).scan(filter_condition=Order.total > 3)


async def test_a_condition_and_an_update_on_the_same_attribute_do_not_collide(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await stored_user(twin, User)

    await twin(user).update(
        atomic=[User.age.add(1), User.address["city"].set("Lisbon")],
        condition=(User.age == 30) & (User.address["city"] == "Porto"),
    )
    assert (user.age, user.address["city"]) == (31, "Lisbon")

    # The smart save sets name while the condition reads it.
    user.name = "Bia"
    await twin(user).save(condition=User.name == "Ana")
    raw = raw_item(boto, table_name)
    assert raw is not None
    assert raw["name"] == {"S": "Bia"} and raw["age"] == {"N": "31"}
    assert raw["address"]["M"]["city"] == {"S": "Lisbon"}

    user.name = "Caio"
    with pytest.raises(ConditionalCheckFailedException):
        await twin(user).save(condition=User.name == "Ana")
    assert raw_item(boto, table_name)["name"] == {"S": "Bia"}  # type: ignore[index]


# -- atomic updates ----------------------------------------------------------------------------------------


async def test_set_add_and_remove(twin: ModelTwin, User: Any, boto: Any, table_name: str) -> None:
    user = await stored_user(twin, User)
    user.nickname = None

    await twin(user).update(atomic=[User.name.set("Bia"), User.age.add(5), User.tags.remove()])

    raw = raw_item(boto, table_name)
    assert raw is not None
    assert raw["name"] == {"S": "Bia"} and raw["age"] == {"N": "35"}
    assert "tags" not in raw
    assert (user.name, user.age, user.tags) == ("Bia", 35, None)


async def test_add_to_a_number_that_does_not_exist_yet_starts_from_zero(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    await twin(User(pk="u1")).save()

    user = await twin(User).update_by_key(pk="u1", atomic=[User.age.add(-2)])

    assert user.age == -2
    assert raw_item(boto, table_name)["age"] == {"N": "-2"}  # type: ignore[index]


async def test_add_and_delete_set_members_keep_the_set_types(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await stored_user(twin, User)

    await twin(user).update(atomic=[User.roles.add({"ops"}), User.scores.add({3})])
    raw = raw_item(boto, table_name)
    assert raw is not None
    assert sorted(raw["roles"]["SS"]) == ["admin", "dev", "ops"]
    assert sorted(raw["scores"]["NS"]) == ["1", "2", "3"]
    assert user.roles == {"admin", "dev", "ops"} and user.scores == {1, 2, 3}

    await twin(user).update(atomic=[User.roles.delete({"admin"}), User.scores.delete([1, 2])])
    raw = raw_item(boto, table_name)
    assert raw is not None
    assert sorted(raw["roles"]["SS"]) == ["dev", "ops"]
    assert raw["scores"] == {"NS": ["3"]}
    assert user.roles == {"dev", "ops"} and user.scores == {3}


async def test_add_to_a_missing_string_set_creates_a_string_set(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    await twin(User(pk="u1")).save()

    user = await twin(User).update_by_key(pk="u1", atomic=[User.roles.add(["x"])])

    assert raw_item(boto, table_name)["roles"] == {"SS": ["x"]}  # type: ignore[index]
    assert user.roles == {"x"}


async def test_append_and_prepend_to_a_list(twin: ModelTwin, User: Any, boto: Any, table_name: str) -> None:
    user = await stored_user(twin, User)

    await twin(user).update(atomic=[User.tags.append(["c", "d"])])
    await twin(user).update(atomic=[User.tags.prepend(["z"])])

    assert raw_item(boto, table_name)["tags"] == {"L": [{"S": s} for s in ["z", "a", "b", "c", "d"]]}  # type: ignore[index]
    assert user.tags == ["z", "a", "b", "c", "d"]


async def test_append_to_a_missing_list_creates_it(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    await twin(User(pk="u1")).save()

    await twin(User).update_by_key(pk="u1", atomic=[User.tags.append(["first"])])

    assert raw_item(boto, table_name)["tags"] == {"L": [{"S": "first"}]}  # type: ignore[index]


async def test_if_not_exists_sets_only_a_missing_attribute(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await stored_user(twin, User)

    await twin(user).update(atomic=[User.age.if_not_exists(99), User.nickname.if_not_exists("Nana")])

    raw = raw_item(boto, table_name)
    assert raw is not None
    assert raw["age"] == {"N": "30"} and raw["nickname"] == {"S": "Nana"}
    assert (user.age, user.nickname) == (30, "Nana")


async def test_nested_set_and_nested_number_add(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await stored_user(twin, User)

    await twin(user).update(
        atomic=[
            User.address["city"].set("Lisbon"),
            User.counters["logins"].add(2),
            User.counters["visits"].add(1),  # a missing nested number starts from zero
            User.tags[0].set("A"),
        ]
    )

    raw = raw_item(boto, table_name)
    assert raw is not None
    assert raw["address"] == {"M": {"city": {"S": "Lisbon"}, "zip": {"S": "4000"}}}
    assert raw["counters"] == {"M": {"logins": {"N": "3"}, "visits": {"N": "1"}}}
    assert raw["tags"] == {"L": [{"S": "A"}, {"S": "b"}]}
    assert user.counters == {"logins": 3, "visits": 1}


async def test_remove_a_map_key(twin: ModelTwin, User: Any, boto: Any, table_name: str) -> None:
    user = await stored_user(twin, User)

    await twin(user).update(atomic=[User.address["zip"].remove()])

    assert raw_item(boto, table_name)["address"] == {"M": {"city": {"S": "Porto"}}}  # type: ignore[index]
    assert user.address == {"city": "Porto"}


async def test_a_condition_and_an_atomic_update_with_an_enum_and_a_datetime(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await stored_user(twin, User)
    later = dt.datetime(2026, 6, 1, 8, 30, tzinfo=UTC)

    await twin(user).update(
        atomic=[User.status.set(Status.BANNED), User.last_login.set(later)],
        condition=(User.status == Status.ACTIVE) & (User.last_login < later),
    )

    raw = raw_item(boto, table_name)
    assert raw is not None
    assert raw["status"] == {"S": "banned"}
    assert raw["last_login"] == {"S": "2026-06-01T08:30:00+00:00"}
    assert user.status is Status.BANNED
    assert user.last_login == later

    with pytest.raises(ConditionalCheckFailedException):
        await twin(user).update(
            atomic=[User.status.set(Status.ACTIVE)], condition=User.status == Status.ACTIVE
        )
    assert raw_item(boto, table_name)["status"] == {"S": "banned"}  # type: ignore[index]
    assert user.status is Status.BANNED


async def test_a_failing_update_condition_leaves_item_and_instance_alone(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await stored_user(twin, User)

    with pytest.raises(ConditionalCheckFailedException):
        await twin(user).update(name="Bia", atomic=[User.age.add(1)], condition=User.age > 30)

    assert (user.name, user.age) == ("Ana", 30)
    raw = raw_item(boto, table_name)
    assert raw is not None and raw["name"] == {"S": "Ana"} and raw["age"] == {"N": "30"}


def test_update_actions_check_their_values(User: Any) -> None:
    with pytest.raises(TypeError, match=r"User\.name"):
        User.name.add(1)
    with pytest.raises(TypeError, match=r"User\.tags"):
        User.tags.append("x")  # a list of elements is expected
    with pytest.raises(TypeError, match=r"User\.age"):
        User.age.set("thirty")
    with pytest.raises(ValueError, match=r"User\.status"):
        User.status.set("deleted")
    with pytest.raises(TypeError, match=r"User\.age"):
        User.age.delete({1})


async def test_two_actions_on_one_path_are_refused(
    twin: ModelTwin, User: Any, boto: Any, table_name: str
) -> None:
    user = await stored_user(twin, User)

    with pytest.raises(ValueError, match="two update actions"):
        await twin(user).update(atomic=[User.tags.append(["x"]), User.tags.prepend(["y"])])
    with pytest.raises(ValueError, match="two update actions"):
        await twin(user).update(age=1, atomic=[User.age.add(1)])
    assert raw_item(boto, table_name)["age"] == {"N": "30"}  # type: ignore[index]


async def test_update_needs_something_to_do(twin: ModelTwin, User: Any) -> None:
    user = await stored_user(twin, User)

    with pytest.raises(ValueError, match="needs values or atomic"):
        await twin(user).update()
    with pytest.raises(TypeError, match="list of update actions"):
        await twin(user).update(atomic=User.age.add(1))
