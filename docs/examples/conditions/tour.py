"""Conditions: comparisons and functions, nested paths, &, | and ~, values through the attribute,
write conditions, placeholders."""

import asyncio

# --8<-- [start:setup]
import datetime as dt
import enum

from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import (
    DatetimeAttribute,
    EnumAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    StringAttribute,
    StringSetAttribute,
)
from pydynox.conditions import And, Condition, Not, Or
from pydynox.exceptions import ConditionalCheckFailedException
from pydynox.expressions import ExpressionBuilder

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


class Status(enum.Enum):
    ACTIVE = "active"
    RETIRED = "retired"


class Product(Model):
    model_config = ModelConfig(table="conditions_products")
    pk = StringAttribute(partition_key=True)
    name = StringAttribute()
    price = NumberAttribute()
    status = EnumAttribute(Status)
    added = DatetimeAttribute()
    tags = StringSetAttribute()
    specs = MapAttribute()
    variants = ListAttribute()


async def names(condition: Condition) -> list[str]:
    """The names of the products a scan with this filter returns."""
    return sorted([p.name async for p in Product.scan(filter_condition=condition)])


# --8<-- [end:setup]


async def main() -> None:
    # --8<-- [start:seed]
    await Product.create_table(wait=True)
    products = [
        Product(pk="P#1", name="Lamp", price=25, status=Status.ACTIVE, added=dt.datetime(2024, 1, 10),
                tags={"home", "sale"}, specs={"color": "red", "dims": {"h": 40}},
                variants=[{"sku": "L-RED"}]),
        Product(pk="P#2", name="Desk", price=180, status=Status.ACTIVE, added=dt.datetime(2024, 6, 1),
                tags={"office"}, specs={"color": "oak"}, variants=[{"sku": "D-OAK"}, {"sku": "D-WHT"}]),
        Product(pk="P#3", name="Lava lamp", price=9, status=Status.RETIRED, added=dt.datetime(2023, 2, 1),
                variants=[]),
    ]  # fmt: skip
    for p in products:
        await p.save()
    # --8<-- [end:seed]

    # --8<-- [start:functions]
    assert await names(Product.price < 30) == ["Lamp", "Lava lamp"]
    assert await names(Product.price.between(20, 200)) == ["Desk", "Lamp"]
    assert await names(Product.name.is_in("Desk", "Chair")) == ["Desk"]
    assert await names(Product.tags.not_exists()) == ["Lava lamp"]
    assert await names(Product.name.begins_with("La")) == ["Lamp", "Lava lamp"]
    assert await names(Product.tags.contains("sale")) == ["Lamp"]
    assert await names(Product.name.contains("lamp")) == ["Lava lamp"]  # case-sensitive substring
    assert await names(Product.variants.size() >= 2) == ["Desk"]
    assert await names(Product.specs.attribute_type("M")) == ["Desk", "Lamp"]
    # --8<-- [end:functions]

    # --8<-- [start:nested]
    assert await names(Product.specs["color"] == "oak") == ["Desk"]
    assert await names(Product.specs["dims"]["h"] > 30) == ["Lamp"]
    assert await names(Product.variants[1]["sku"].begins_with("D-")) == ["Desk"]
    assert await names(Product.specs["dims"].exists()) == ["Lamp"]
    # --8<-- [end:nested]

    # --8<-- [start:combining]
    active_cheap = (Product.status == Status.ACTIVE) & (Product.price < 100)
    assert await names(active_cheap) == ["Lamp"]
    assert await names(active_cheap | Product.tags.not_exists()) == ["Lamp", "Lava lamp"]
    assert await names(~Product.tags.contains("sale")) == ["Desk", "Lava lamp"]
    assert await names(
        And(Product.status == Status.ACTIVE, Or(Product.price > 100, Product.tags.contains("sale")))
    ) == ["Desk", "Lamp"]
    assert await names(Not(Product.name.begins_with("La"))) == ["Desk"]
    # --8<-- [end:combining]

    # --8<-- [start:values]
    assert await names(Product.status == Status.RETIRED) == ["Lava lamp"]
    assert await names(Product.status == "retired") == ["Lava lamp"]  # the raw value is checked and accepted
    assert await names(Product.added >= dt.datetime(2024, 1, 1)) == ["Desk", "Lamp"]

    try:
        condition = Product.status == "discontinued"
        raise AssertionError(f"built {condition!r}")
    except ValueError as exc:
        assert "'discontinued' is not a Status" in str(exc)
    try:
        condition = Product.added > "2024"
        raise AssertionError(f"built {condition!r}")
    except TypeError as exc:
        assert "expects a datetime" in str(exc)
    # --8<-- [end:values]

    # --8<-- [start:not-a-bool]
    try:
        await names((Product.price > 1) and (Product.price < 5))  # meant: &
        raise AssertionError("and on conditions")
    except TypeError as exc:
        assert "combine conditions with &, | and ~" in str(exc)
    # --8<-- [end:not-a-bool]

    # --8<-- [start:writes]
    lamp = await Product.get(pk="P#1")
    lamp.price = 19
    await lamp.save(condition=Product.status == Status.ACTIVE)  # holds: saved

    try:
        await lamp.delete(condition=Product.tags.not_exists())
        raise AssertionError("the lamp has tags")
    except ConditionalCheckFailedException:
        pass
    assert await Product.get(pk="P#1") is not None
    # --8<-- [end:writes]

    # --8<-- [start:placeholders]
    condition = (
        (Product.status == Status.ACTIVE) & (Product.specs["color"] == "red")
    ) | Product.status.not_exists()
    assert repr(condition) == (
        "<Condition ((status = 'active' AND specs.color = 'red') OR attribute_not_exists(status))>"
    )

    builder = ExpressionBuilder()
    assert condition.build(builder) == "((#n0 = :v0 AND #n1.#n2 = :v1) OR attribute_not_exists(#n0))"
    assert builder.names == {"#n0": "status", "#n1": "specs", "#n2": "color"}
    assert builder.values == {":v0": "active", ":v1": "red"}
    # --8<-- [end:placeholders]


if __name__ == "__main__":
    asyncio.run(main())
