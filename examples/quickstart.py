"""A tour of pydynox: the client (writes, conditions, exact numbers and sets, updates, queries, a batch,
a transaction, operation events), then models (smart saves, conditions, atomic updates, locking).

Runs on pydynox's embedded DynamoDB engine (``memory://``: in this process, no server, no Docker)
unless ``--endpoint`` / ``PYDYNOX_ENDPOINT`` names another endpoint, such as ``pydynox local`` or
DynamoDB itself.

    uv run python examples/quickstart.py
"""

from __future__ import annotations

import argparse
import asyncio
import os
from decimal import Decimal

from pydynox import BatchWriter, DynamoDBClient, Model, ModelConfig, Transaction, events, set_default_client
from pydynox.attributes import (
    DecimalAttribute,
    ListAttribute,
    NumberAttribute,
    StringAttribute,
    StringSetAttribute,
    VersionAttribute,
)
from pydynox.exceptions import ConditionalCheckFailedException, TransactionCanceledException

TABLE = "quickstart"


class Customer(Model):
    model_config = ModelConfig(table="quickstart_customers")
    pk = StringAttribute(partition_key=True, template="CUSTOMER#{email}")
    email = StringAttribute(required=True)
    name = StringAttribute()
    balance = DecimalAttribute(default=Decimal(0))
    tags = StringSetAttribute()
    notes = ListAttribute(default=list)
    version = VersionAttribute()


class Visit(Model):
    """Unversioned: a batch write cannot check versions, so batches take models without one."""

    model_config = ModelConfig(table="quickstart_customers")
    pk = StringAttribute(partition_key=True, template="VISIT#{n}")
    n = NumberAttribute(required=True)
    page = StringAttribute()


async def tour(client: DynamoDBClient) -> None:
    if await client.table_exists(TABLE):
        await client.delete_table(TABLE, wait=True)
    await client.create_table(TABLE, partition_key=("pk", "S"), sort_key=("sk", "S"), wait=True)
    print(f"created table {TABLE!r}")

    # Exact numbers and native sets: a 38-digit Decimal, a big int, a string set.
    profile = {
        "pk": "USER#1",
        "sk": "PROFILE",
        "name": "Ana",
        "balance": Decimal("3.1415926535897932384626433832795028841"),
        "visits": 10**37,
        "tags": {"admin", "beta"},
    }
    await client.put_item(TABLE, profile, condition_expression="attribute_not_exists(pk)")
    stored = await client.get_item(TABLE, {"pk": "USER#1", "sk": "PROFILE"})
    assert stored == profile, stored
    print("round trip exact:", stored["balance"], stored["visits"], sorted(stored["tags"]))

    # A condition that fails raises, and can hand back the current item.
    try:
        await client.put_item(
            TABLE,
            profile,
            condition_expression="attribute_not_exists(pk)",
            return_values_on_condition_check_failure=True,
        )
    except ConditionalCheckFailedException as exc:
        print("condition failed as expected; current name:", exc.item["name"] if exc.item else None)

    # Updates: plain SET/REMOVE with `updates`, or an expression with atomic ADD.
    await client.update_item(TABLE, {"pk": "USER#1", "sk": "PROFILE"}, updates={"name": "Ana Maria"})
    updated = await client.update_item(
        TABLE,
        {"pk": "USER#1", "sk": "PROFILE"},
        update_expression="ADD #v :one, #t :new",
        expression_attribute_names={"#v": "visits", "#t": "tags"},
        expression_attribute_values={":one": 1, ":new": {"vip"}},
        return_values="ALL_NEW",
    )
    print("after update:", updated["name"], updated["visits"], sorted(updated["tags"]))

    # A batch of 60 orders (chunked and retried for you), then a query over them.
    orders = [{"pk": "USER#1", "sk": f"ORDER#{i:03d}", "total": Decimal(i) / 4} for i in range(60)]
    await client.batch_write(TABLE, put_items=orders)
    recent = client.query(
        TABLE,
        "pk = :pk AND begins_with(sk, :prefix)",
        expression_attribute_values={":pk": "USER#1", ":prefix": "ORDER#"},
        scan_index_forward=False,
        limit=3,
    )
    print("latest orders:", [o["sk"] async for o in recent])
    count, _ = await client.count(
        TABLE,
        key_condition_expression="pk = :pk",
        expression_attribute_values={":pk": "USER#1"},
    )
    print("items in the partition:", count)

    # A transaction is all or nothing; a failed condition reports a reason per operation.
    try:
        await client.transact_write(
            [
                {"type": "put", "table": TABLE, "item": {"pk": "USER#2", "sk": "PROFILE", "name": "Bo"}},
                {
                    "type": "condition_check",
                    "table": TABLE,
                    "key": {"pk": "USER#1", "sk": "PROFILE"},
                    "condition_expression": "visits > :big",
                    "expression_attribute_values": {":big": 10**38},
                },
            ]
        )
    except TransactionCanceledException as exc:
        print("transaction cancelled:", [r.code for r in exc.cancellation_reasons])
    assert await client.get_item(TABLE, {"pk": "USER#2", "sk": "PROFILE"}) is None

    await client.delete_table(TABLE)


async def model_tour() -> None:
    if await Customer.table_exists():
        await Customer.delete_table(wait=True)
    await Customer.create_table(wait=True)

    ana = Customer(email="ana@example.com", name="Ana", tags={"beta"})
    await ana.save(condition=Customer.pk.not_exists())  # pk built from its template
    print("saved", ana.pk, "version", ana.version)

    # Loaded instances save only what changed, in-place edits included.
    loaded = await Customer.get(pk="CUSTOMER#ana@example.com")
    assert loaded is not None
    loaded.notes.append("called on Monday")
    loaded.tags.add("vip")
    await loaded.save()

    # Atomic updates run in DynamoDB; the instance is refreshed from the stored item.
    await loaded.update(
        atomic=[Customer.balance.add(Decimal("19.99"))], condition=Customer.tags.contains("vip")
    )
    print("balance", loaded.balance, "tags", sorted(loaded.tags), "version", loaded.version)

    # The first instance is now stale: optimistic locking refuses to overwrite newer data.
    ana.name = "Ana Maria"
    try:
        await ana.save()
    except ConditionalCheckFailedException:
        print("stale save refused; the stale instance still has version", ana.version)

    # Many items: a batch writer sends 25 per request while the loop goes on.
    async with BatchWriter() as batch:
        for i in range(60):
            batch.save(Visit(n=i, page=f"/page/{i % 7}"))
    print("items after the batch:", await Customer.count())

    # All or nothing: moving balance between two customers (both versions are checked).
    bo = Customer(email="bo@example.com", name="Bo", balance=Decimal(0))
    await bo.save()
    loaded = await Customer.get(pk="CUSTOMER#ana@example.com")
    assert loaded is not None
    async with Transaction() as tx:
        tx.update(loaded, atomic=[Customer.balance.add(-5)], condition=Customer.balance >= 5)
        tx.update(bo, atomic=[Customer.balance.add(5)])
    pair = await Customer.batch_get([{"pk": loaded.pk}, {"pk": bo.pk}])
    print("balances after the transfer:", [str(c.balance) for c in pair])
    await Customer.delete_table()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--endpoint",
        default=os.environ.get("PYDYNOX_ENDPOINT", "memory://"),
        help="DynamoDB endpoint (default memory://, the embedded engine)",
    )
    args = parser.parse_args()

    def report(event: events.OperationEvent) -> None:
        print(f"  · {event.operation:<20} {event.table or '':<12} {event.duration * 1000:7.2f} ms")

    endpoint = args.endpoint
    client = DynamoDBClient(
        region=os.environ.get("AWS_REGION", "us-east-1"),
        endpoint_url=endpoint,
        access_key=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
    )
    print(f"pydynox against {endpoint}")
    set_default_client(client)
    with events.subscribe(report):
        asyncio.run(tour(client))
        asyncio.run(model_tour())
    print("done")


if __name__ == "__main__":
    main()
