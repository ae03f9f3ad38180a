"""One table, several classes: a discriminator attribute and subclasses."""

import asyncio

from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import IntegerAttribute, ListAttribute, StringAttribute

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


# --8<-- [start:models]
class Animal(Model):
    model_config = ModelConfig(table="models_animals")
    pk = StringAttribute(partition_key=True)
    name = StringAttribute()
    kind = StringAttribute(discriminator=True)


class Dog(Animal):
    tricks = ListAttribute(default=[])


class Cat(Animal):
    lives = IntegerAttribute(default=9)


# --8<-- [end:models]


async def main() -> None:
    # --8<-- [start:use]
    await Animal.create_table(wait=True)
    await Dog(pk="A#1", name="Rex", tricks=["sit"]).save()
    await Cat(pk="A#2", name="Tom").save()
    assert (await client.get_item("models_animals", {"pk": "A#2"}))["kind"] == "Cat"

    rex = await Animal.get(pk="A#1")
    assert isinstance(rex, Dog) and rex.tricks == ["sit"]
    assert sorted([type(a).__name__ async for a in Animal.scan()]) == ["Cat", "Dog"]

    cats = await Animal.scan(filter_condition=Animal.kind == "Cat").all()
    assert [c.name for c in cats] == ["Tom"]
    # --8<-- [end:use]


if __name__ == "__main__":
    asyncio.run(main())
