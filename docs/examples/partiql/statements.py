"""PartiQL: statements with ? parameters on the client, and results loaded as models."""

import asyncio

# --8<-- [start:setup]
from decimal import Decimal

from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import NumberAttribute, StringAttribute

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


class Product(Model):
    model_config = ModelConfig(table="products")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    price = NumberAttribute()


# --8<-- [end:setup]


async def main() -> None:
    await Product.create_table(wait=True)

    # --8<-- [start:client]
    await client.execute_statement(
        "INSERT INTO \"products\" VALUE {'pk': ?, 'sk': ?, 'price': ?}", ["LAMP", "RED", Decimal("19.90")]
    )
    await client.execute_statement("INSERT INTO \"products\" VALUE {'pk': 'LAMP', 'sk': 'BLUE', 'price': 21}")

    rows = await client.execute_statement('SELECT * FROM "products" WHERE pk = ?', ["LAMP"])
    assert sorted(r["sk"] for r in rows) == ["BLUE", "RED"]
    assert rows.next_token is None  # the whole result fitted in one page

    await client.execute_statement(
        'UPDATE "products" SET price = ? WHERE pk = ? AND sk = ?', [Decimal("17.50"), "LAMP", "RED"]
    )
    await client.execute_statement("DELETE FROM \"products\" WHERE pk = 'LAMP' AND sk = 'BLUE'")
    rows = await client.execute_statement('SELECT price FROM "products" WHERE pk = ?', ["LAMP"])
    assert list(rows) == [{"price": Decimal("17.5")}]
    # --8<-- [end:client]

    # --8<-- [start:pages]
    for color in ("GREEN", "WHITE", "BLACK"):
        await Product(pk="DESK", sk=color, price=100).save()
    seen, token = [], None
    while True:
        page = await client.execute_statement(
            'SELECT sk FROM "products" WHERE pk = ?', ["DESK"], limit=2, next_token=token
        )
        seen += [row["sk"] for row in page]
        token = page.next_token
        if token is None:
            break
    assert sorted(seen) == ["BLACK", "GREEN", "WHITE"]
    # --8<-- [end:pages]

    # --8<-- [start:models]
    desks = await Product.execute_statement('SELECT * FROM "products" WHERE pk = ?', ["DESK"])
    assert all(isinstance(d, Product) for d in desks) and {d.price for d in desks} == {100}
    # --8<-- [end:models]


# --8<-- [start:sync]
def sync_twins() -> None:
    rows = client.sync_execute_statement('SELECT * FROM "products" WHERE pk = ?', ["LAMP"])
    assert rows[0]["price"] == Decimal("17.5")
    assert len(Product.sync_execute_statement('SELECT * FROM "products" WHERE pk = ?', ["DESK"])) == 3


# --8<-- [end:sync]


if __name__ == "__main__":
    asyncio.run(main())
    sync_twins()
