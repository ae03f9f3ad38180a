"""Atomic update actions: numbers, sets, lists, nested paths, with plain values and conditions."""

import asyncio

# --8<-- [start:setup]
import enum

from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import (
    EnumAttribute,
    IntegerAttribute,
    ListAttribute,
    MapAttribute,
    NumberSetAttribute,
    StringAttribute,
    StringSetAttribute,
)
from pydynox.exceptions import ConditionalCheckFailedException

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


class Step(enum.Enum):
    CREATED = "created"
    PAID = "paid"
    SHIPPED = "shipped"


class Cart(Model):
    model_config = ModelConfig(table="updates_carts")
    pk = StringAttribute(partition_key=True)
    owner = StringAttribute()
    note = StringAttribute()
    items = IntegerAttribute()
    coupons = StringSetAttribute()
    seen_codes = NumberSetAttribute()
    history = ListAttribute(of=EnumAttribute(Step))
    stats = MapAttribute()


# --8<-- [end:setup]


async def main() -> None:
    # --8<-- [start:actions]
    await Cart.create_table(wait=True)
    cart = Cart(pk="C#1", owner="ana", note="gift", items=1, coupons={"WELCOME"}, history=[Step.CREATED],
                stats={"views": {"web": 1}})  # fmt: skip
    await cart.save()

    await cart.update(
        atomic=[
            Cart.items.add(2),
            Cart.coupons.add({"SPRING"}),
            Cart.seen_codes.add({7, 9}),  # the attribute did not exist: created
            Cart.history.append([Step.PAID]),  # elements go through EnumAttribute
            Cart.note.remove(),
        ]
    )
    assert cart.items == 3
    assert cart.coupons == {"WELCOME", "SPRING"} and cart.seen_codes == {7, 9}
    assert cart.history == [Step.CREATED, Step.PAID]
    assert cart.note is None

    await cart.update(
        atomic=[
            Cart.coupons.delete({"WELCOME"}),
            Cart.seen_codes.delete({7}),
            Cart.history.prepend([Step.SHIPPED]),
            Cart.owner.if_not_exists("bo"),  # there is one: unchanged
            Cart.note.if_not_exists("first note"),  # there is none: set
        ]
    )
    assert cart.coupons == {"SPRING"} and cart.seen_codes == {9}
    assert cart.history == [Step.SHIPPED, Step.CREATED, Step.PAID]
    assert (cart.owner, cart.note) == ("ana", "first note")
    # --8<-- [end:actions]

    # --8<-- [start:checked]
    stored = await client.get_item("updates_carts", {"pk": "C#1"})
    assert stored["history"] == ["shipped", "created", "paid"]

    for wrong in (lambda: [Cart.owner.add(1)], lambda: [Cart.items.add(1), Cart.items.set(5)]):
        try:
            await cart.update(atomic=wrong())
            raise AssertionError("refused")
        except (TypeError, ValueError):
            pass
    # --8<-- [end:checked]

    # --8<-- [start:refreshed]
    await client.update_item("updates_carts", {"pk": "C#1"}, updates={"owner": "carla"})  # someone else
    cart.note = "edited locally"

    await cart.update(atomic=[Cart.items.add(1)])
    assert cart.items == 4 and cart.owner == "carla"
    assert cart.note == "edited locally" and cart.changed_fields == ["note"]
    # --8<-- [end:refreshed]

    # --8<-- [start:nested]
    nested_add = Cart.stats["views"]["web"].add(1)
    assert repr(nested_add) == "<SET stats.views.web = if_not_exists(stats.views.web, 0) + 1>"

    await cart.update(
        atomic=[
            Cart.stats["views"]["web"].add(1),
            Cart.stats["views"]["app"].add(5),  # a new key in an existing map
            Cart.history[0].remove(),
        ]
    )
    assert cart.stats == {"views": {"web": 2, "app": 5}}
    assert cart.history == [Step.CREATED, Step.PAID]

    await cart.update(atomic=[Cart.stats["last_step"].set("paid"), Cart.history[1].set(Step.SHIPPED)])
    assert cart.stats["last_step"] == "paid" and cart.history == [Step.CREATED, Step.SHIPPED]
    # --8<-- [end:nested]

    # --8<-- [start:conditions]
    await cart.update(atomic=[Cart.items.add(-1)], owner="dora", note=None)
    assert (cart.items, cart.owner, cart.note) == (3, "dora", None)

    async def take(n: int) -> bool:
        try:
            await cart.update(atomic=[Cart.items.add(-n)], condition=Cart.items >= n)
            return True
        except ConditionalCheckFailedException:
            return False

    assert await take(2) and cart.items == 1
    assert not await take(2) and cart.items == 1  # refused in DynamoDB; nothing changed
    # --8<-- [end:conditions]

    # --8<-- [start:by-key]
    after = await Cart.update_by_key(pk="C#1", atomic=[Cart.items.add(10)], condition=Cart.owner == "dora")
    assert after.items == 11

    # Creating a counter item by updating it: ADD starts from 0.
    hits = await Cart.update_by_key(pk="C#2", atomic=[Cart.items.add(1)])
    assert hits.items == 1
    # --8<-- [end:by-key]


if __name__ == "__main__":
    asyncio.run(main())
