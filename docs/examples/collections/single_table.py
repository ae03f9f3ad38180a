"""Collections: one query of a single-table partition, each item loaded as its model."""

import asyncio

# --8<-- [start:setup]
from pydynox import Collection, DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import NumberAttribute, StringAttribute

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


class Customer(Model):
    model_config = ModelConfig(table="shop")
    pk = StringAttribute(partition_key=True, template="CUSTOMER#{customer_id}")
    sk = StringAttribute(sort_key=True, template="PROFILE")
    customer_id = StringAttribute()
    name = StringAttribute()


class Order(Model):
    model_config = ModelConfig(table="shop")
    pk = StringAttribute(partition_key=True, template="CUSTOMER#{customer_id}")
    sk = StringAttribute(sort_key=True, template="ORDER#{order_id}")
    customer_id = StringAttribute()
    order_id = StringAttribute()
    total = NumberAttribute()


# --8<-- [end:setup]


async def main() -> None:
    # --8<-- [start:fetch]
    await Customer.create_table(wait=True)  # both models live in "shop"
    await Customer(customer_id="7", name="Ana").save()
    await Order(customer_id="7", order_id="1", total=30).save()
    await Order(customer_id="7", order_id="2", total=12).save()

    customer_page = Collection(Customer, Order)
    result = await customer_page.fetch(customer_id="7")
    assert [c.name for c in result[Customer]] == ["Ana"]
    assert sorted(o.total for o in result[Order]) == [12, 30]
    # --8<-- [end:fetch]

    # --8<-- [start:query]
    orders = customer_page.query(customer_id="7", sort_key_condition=Order.sk.begins_with("ORDER#"))
    assert [type(o).__name__ async for o in orders] == ["Order", "Order"]
    # --8<-- [end:query]

    # --8<-- [start:unmatched]
    await client.put_item("shop", {"pk": "CUSTOMER#7", "sk": "NOTE#1", "text": "call back"})
    result = await customer_page.fetch(customer_id="7")
    assert result.unmatched == [{"pk": "CUSTOMER#7", "sk": "NOTE#1", "text": "call back"}]
    assert len(result) == 4  # nothing dropped: 1 customer, 2 orders, 1 plain dict
    # --8<-- [end:unmatched]


# --8<-- [start:sync]
def sync_twins() -> None:
    result = Collection(Customer, Order).sync_fetch(customer_id="7")
    assert len(result[Order]) == 2


# --8<-- [end:sync]


if __name__ == "__main__":
    asyncio.run(main())
    sync_twins()
