"""Secondary indexes and collections: ``User.by_email.query(...)``, LSI reads, projections that load
partial items, and one query returning several models of a single-table design."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydynox import Collection, DynamoDBClient, Model, ModelConfig
from pydynox.attributes import NumberAttribute, StringAttribute
from pydynox.exceptions import ValidationException
from pydynox.indexes import GlobalSecondaryIndex, LocalSecondaryIndex
from support.model_twin import ModelTwin


@pytest.fixture
def User(table_name: str, client: DynamoDBClient) -> Any:
    class User(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        email = StringAttribute()
        team = StringAttribute()
        age = NumberAttribute(required=True)
        bio = StringAttribute(required=True)
        by_email = GlobalSecondaryIndex("email-index", partition_key="email")
        by_team = GlobalSecondaryIndex(
            "team-index", partition_key="team", sort_key="age", projection="KEYS_ONLY"
        )
        by_age = LocalSecondaryIndex("age-index", sort_key="age")

    User.sync_create_table(wait=True)
    members = [("ana", "red", 31), ("bo", "red", 25), ("cy", "blue", 40), ("di", "red", 52)]
    User.sync_batch_write(
        save=[
            User(pk="ORG#1", sk=f"USER#{name}", email=f"{name}@x.io", team=team, age=age, bio="hi")
            for name, team, age in members
        ]
    )
    return User


async def test_gsi_query_by_attribute_name(User: Any, twin: ModelTwin) -> None:
    found = await twin(User.by_email).query(email="cy@x.io")
    assert [(u.sk, u.age, u.bio) for u in found] == [("USER#cy", 40, "hi")]
    also = await twin(User.by_email).query(partition_key="cy@x.io")
    assert [u.sk for u in also] == ["USER#cy"]


async def test_gsi_sort_key_condition_filter_and_order(User: Any, twin: ModelTwin) -> None:
    found = await twin(User.by_team).query(
        team="red", sort_key_condition=User.age >= 30, scan_index_forward=False
    )
    assert [u.age for u in found] == [52, 31]
    # KEYS_ONLY: the other attributes are absent; required ones stay None instead of failing.
    assert all(u.bio is None and u.email is None for u in found)


async def test_index_as_dict_fields_limit_and_resume(User: Any, twin: ModelTwin) -> None:
    rows = await twin(User.by_age).query(partition_key="ORG#1", as_dict=True, fields=["age"])
    assert [r["age"] for r in rows] == [25, 31, 40, 52]
    assert set(rows[0]) == {"pk", "sk", "age"}
    result = User.by_age.query(partition_key="ORG#1", page_size=3)
    first_two = [u.age async for u in _first(result, 2)]
    assert first_two == [25, 31]
    # The resume key of an index read holds the index key and the table key.
    assert result.last_evaluated_key == {"pk": "ORG#1", "sk": "USER#ana", "age": 31}
    rest = await User.by_age.query(partition_key="ORG#1", last_evaluated_key=result.last_evaluated_key).all()
    assert [u.age for u in rest] == [40, 52]


async def _first(result: Any, n: int) -> Any:
    async for item in result:
        yield item
        n -= 1
        if n == 0:
            return


async def test_lsi_consistent_read_and_gsi_refuses_it(User: Any, twin: ModelTwin) -> None:
    found = await twin(User.by_age).query(
        partition_key="ORG#1", sort_key_condition=User.age.between(30, 45), consistent_read=True
    )
    assert [u.age for u in found] == [31, 40]
    with pytest.raises(ValueError, match="consistent reads"):
        User.by_email.query(email="a", consistent_read=True)


async def test_index_scan_and_count(User: Any, twin: ModelTwin) -> None:
    found = await twin(User.by_team).scan(filter_condition=User.team == "blue")
    assert [u.sk for u in found] == ["USER#cy"]
    assert await twin(User.by_team).count(team="red") == 3
    assert await twin(User.by_email).count() == 4


def test_index_key_errors_name_the_attribute(User: Any) -> None:
    with pytest.raises(ValueError, match="needs email="):
        User.by_email.sync_query()
    with pytest.raises(ValueError, match="sort key"):
        User.by_team.sync_query(team="red", sort_key_condition=User.sk == "x")
    with pytest.raises(TypeError, match="unexpected"):
        User.by_email.sync_query(email="a", colour="red")


def test_index_descriptor_is_bound_to_the_class(User: Any) -> None:
    class Admin(User):
        pass

    assert User.by_email.model is User
    assert Admin.by_email.model is Admin
    assert "email-index" in repr(User.by_email)


@pytest.fixture
def Match(table_name: str, client: DynamoDBClient) -> Any:
    """Tournament matches with a multi-attribute GSI key: partition (tournament, region), sort
    (round, bracket, score)."""

    class Match(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        tournament = StringAttribute()
        region = StringAttribute()
        round = StringAttribute()
        bracket = StringAttribute()
        score = NumberAttribute()
        by_bracket = GlobalSecondaryIndex(
            "bracket-index",
            partition_key=["tournament", "region"],
            sort_key=["round", "bracket", "score"],
        )

    Match.sync_create_table(wait=True)
    rows = [
        ("m1", "EU", "SEMI", "UPPER", 7),
        ("m2", "EU", "SEMI", "UPPER", 30),
        ("m3", "EU", "SEMI", "LOWER", 12),
        ("m4", "EU", "FINAL", "UPPER", 3),
        ("m5", "NA", "SEMI", "UPPER", 1),
        ("m6", "EU", "SEMI", None, 5),  # no bracket: not in the index
    ]
    Match.sync_batch_write(
        save=[
            Match(pk=pk, tournament="W24", region=region, round=rnd, bracket=bracket, score=score)
            for pk, region, rnd, bracket, score in rows
        ]
    )
    return Match


async def test_multi_attribute_gsi_query(Match: Any, twin: ModelTwin) -> None:
    # Sorted by (round, bracket, score), the score numerically; the item without a bracket is absent.
    found = await twin(Match.by_bracket).query(tournament="W24", region="EU")
    assert [m.pk for m in found] == ["m4", "m3", "m1", "m2"]
    found = await twin(Match.by_bracket).query(
        tournament="W24",
        region="EU",
        sort_key_condition=(Match.round == "SEMI") & (Match.bracket == "UPPER") & (Match.score > 5),
        scan_index_forward=False,
    )
    assert [(m.pk, m.score) for m in found] == [("m2", 30), ("m1", 7)]
    found = await twin(Match.by_bracket).query(
        tournament="W24",
        region="EU",
        sort_key_condition=(Match.round == "SEMI") & Match.bracket.begins_with("U"),
    )
    assert [m.pk for m in found] == ["m1", "m2"]
    assert await twin(Match.by_bracket).count(tournament="W24", region="NA") == 1


async def test_multi_attribute_gsi_pages_resume(Match: Any) -> None:
    result = Match.by_bracket.query(tournament="W24", region="EU", page_size=2)
    first = [m.pk async for m in _first(result, 2)]
    assert first == ["m4", "m3"]
    # The resume key holds the table key and every index key attribute.
    assert result.last_evaluated_key == {
        "pk": "m3", "tournament": "W24", "region": "EU", "round": "SEMI", "bracket": "LOWER", "score": 12,
    }  # fmt: skip
    rest = await Match.by_bracket.query(
        tournament="W24", region="EU", last_evaluated_key=result.last_evaluated_key
    ).all()
    assert [m.pk for m in rest] == ["m1", "m2"]


def test_multi_attribute_gsi_key_conditions_are_checked(Match: Any) -> None:
    with pytest.raises(ValueError, match="several attributes"):
        Match.by_bracket.sync_query(partition_key="W24")
    with pytest.raises(ValueError, match="needs region="):
        Match.by_bracket.sync_query(tournament="W24")
    # The server refuses a sort key condition that skips an attribute.
    with pytest.raises(ValidationException, match="RANGE key attributes round must have equality conditions"):
        Match.by_bracket.sync_query(
            tournament="W24", region="EU", sort_key_condition=Match.bracket == "UPPER"
        ).all()


# -- collections ---------------------------------------------------------------------------------------


@pytest.fixture
def shop(table_name: str, client: DynamoDBClient) -> Any:
    class Customer(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True, template="CUST#{customer_id}")
        sk = StringAttribute(sort_key=True, template="PROFILE")
        customer_id = StringAttribute()
        name = StringAttribute()

    class Order(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True, template="CUST#{customer_id}")
        sk = StringAttribute(sort_key=True, template="ORDER#{order_id}")
        customer_id = StringAttribute()
        order_id = StringAttribute()
        total = NumberAttribute()

    class OrderLine(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True, template="CUST#{customer_id}")
        sk = StringAttribute(sort_key=True, template="ORDER#{order_id}#LINE#{line}")
        customer_id = StringAttribute()
        order_id = StringAttribute()
        line = StringAttribute()

    Customer.sync_create_table(wait=True)
    Customer(customer_id="7", name="Ana").sync_save()
    Order(customer_id="7", order_id="1", total=10).sync_save()
    Order(customer_id="7", order_id="2", total=20).sync_save()
    OrderLine(customer_id="7", order_id="1", line="1").sync_save()
    Customer(customer_id="8", name="Bo").sync_save()
    return Customer, Order, OrderLine


async def test_a_collection_query_returns_each_model(shop: Any, mode: str, boto: Any) -> None:
    Customer, Order, OrderLine = shop
    people = Collection(Customer, Order, OrderLine)
    if mode == "async":
        result = await people.fetch(customer_id="7")
    else:
        result = await asyncio.to_thread(people.sync_fetch, customer_id="7")
    assert [c.name for c in result[Customer]] == ["Ana"]
    assert sorted(o.total for o in result[Order]) == [10, 20]
    # "ORDER#1#LINE#1" starts with "ORDER#" too: the longest fixed prefix wins.
    assert [line.line for line in result.get(OrderLine)] == ["1"]
    assert len(result) == 4 and result.unmatched == []


async def test_a_collection_hands_out_unknown_items_as_dicts(shop: Any, boto: Any) -> None:
    Customer, Order, _ = shop
    boto.put_item(
        TableName=Customer.model_config.table,
        Item={"pk": {"S": "CUST#7"}, "sk": {"S": "NOTE#1"}, "text": {"S": "call back"}},
    )
    result = await Collection(Customer, Order).fetch(customer_id="7")
    assert result.unmatched == [{"pk": "CUST#7", "sk": "NOTE#1", "text": "call back"}]
    orders_only = (
        await Collection(Customer, Order)
        .query(customer_id="7", sort_key_condition=Order.sk.begins_with("ORDER#"))
        .all()
    )
    assert all(isinstance(o, Order) for o in orders_only)


def test_a_collection_refuses_models_it_cannot_tell_apart(
    table_name: str, client: DynamoDBClient, shop: Any
) -> None:
    Customer = shop[0]

    class Plain(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)

    with pytest.raises(ValueError, match="told apart"):
        Collection(Customer, Plain)

    class Elsewhere(Model):
        model_config = ModelConfig(table=table_name + "x", client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True, template="X#{pk}")

    with pytest.raises(ValueError, match="table"):
        Collection(Customer, Elsewhere)


async def test_a_collection_by_discriminator(
    table_name: str, client: DynamoDBClient, twin: ModelTwin
) -> None:
    class Animal(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        kind = StringAttribute(discriminator=True)

    class Dog(Animal):
        barks = NumberAttribute()

    class Cat(Animal):
        lives = NumberAttribute()

    await Animal.create_table(wait=True)
    await Dog(pk="H", sk="1", barks=3).save()
    await Cat(pk="H", sk="2", lives=9).save()
    found = await twin(Collection(Dog, Cat)).query(partition_key="H")
    assert [type(a).__name__ for a in found] == ["Dog", "Cat"]
