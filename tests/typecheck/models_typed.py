"""Checked by mypy (tests/test_typing.py), never run: the model API's static types."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import assert_type

from pydynox import Model, ModelConfig
from pydynox.atomic import UpdateAction
from pydynox.attributes import (
    DatetimeAttribute,
    DecimalAttribute,
    IntegerAttribute,
    NumberAttribute,
    StringAttribute,
    StringSetAttribute,
    VersionAttribute,
)
from pydynox.conditions import Condition


class User(Model):
    model_config = ModelConfig(table="users")
    pk = StringAttribute(partition_key=True)
    name = StringAttribute()
    age = IntegerAttribute()
    score = NumberAttribute()
    balance = DecimalAttribute()
    tags = StringSetAttribute()
    seen = DatetimeAttribute()
    version = VersionAttribute()


def on_the_class() -> None:
    assert_type(User.name, StringAttribute)
    assert_type(User.age, IntegerAttribute)
    condition = (User.age > 3) & User.name.begins_with("A") & ~User.tags.contains("x")
    assert_type(condition, Condition)
    action = User.tags.add({"a"})
    assert_type(action, UpdateAction)


def on_an_instance(user: User) -> None:
    assert_type(user.name, str)
    assert_type(user.age, int)
    assert_type(user.balance, Decimal)
    assert_type(user.tags, set[str])
    assert_type(user.seen, dt.datetime)
    user.name = "Ana"
    user.tags.add("x")


async def crud() -> None:
    user = await User.get(pk="1")
    assert_type(user, User | None)
    if user is not None:
        await user.save(condition=User.version == 1)
        await user.update(atomic=[User.age.add(1)])
    again = User.sync_get(pk="1")
    assert_type(again, User | None)
    users = await User.query(partition_key="1").all()
    assert_type(users, list[User])
