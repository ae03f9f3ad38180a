"""Transactions: model operations, cancellation reasons, plain operations, transact_get, sync."""

import asyncio

# --8<-- [start:setup]
from pydynox import (
    DynamoDBClient,
    Model,
    ModelConfig,
    SyncTransaction,
    Transaction,
    set_default_client,
    transact_get,
)
from pydynox.attributes import NumberAttribute, StringAttribute, VersionAttribute
from pydynox.exceptions import TransactionCanceledException

set_default_client(DynamoDBClient(region="us-east-1"))


class Account(Model):
    model_config = ModelConfig(table="accounts")
    pk = StringAttribute(partition_key=True)
    balance = NumberAttribute(default=0)
    version = VersionAttribute()


# --8<-- [end:setup]


async def main() -> None:
    # --8<-- [start:seed]
    await Account.create_table(wait=True)
    alice, bob = Account(pk="alice", balance=100), Account(pk="bob", balance=5)
    await alice.save()
    await bob.save()
    # --8<-- [end:seed]

    # --8<-- [start:transfer]
    async with Transaction() as tx:
        tx.update(alice, atomic=[Account.balance.add(-30)], condition=Account.balance >= 30)
        tx.update(bob, atomic=[Account.balance.add(30)])

    fresh = await Account.get(pk="bob")
    assert fresh.balance == 35
    # --8<-- [end:transfer]

    # --8<-- [start:refused]
    try:
        async with Transaction() as tx:
            tx.update(alice, atomic=[Account.balance.add(-1000)], condition=Account.balance >= 1000)
            tx.update(bob, atomic=[Account.balance.add(1000)])
    except TransactionCanceledException as e:
        assert [r.code for r in e.cancellation_reasons] == ["ConditionalCheckFailed", None]

    assert (await Account.get(pk="bob")).balance == 35
    # --8<-- [end:refused]

    # --8<-- [start:plain]
    for _attempt in range(2):  # the same request sent twice, as a retry after a timeout would
        async with Transaction(client_request_token="order-1001") as tx:
            tx.put("accounts", {"pk": "order-1001"})
            tx.update("accounts", {"pk": "bob"}, "ADD balance :n", expression_attribute_values={":n": 1})
    assert (await Account.get(pk="bob")).balance == 36  # applied once
    # --8<-- [end:plain]

    # --8<-- [start:get]
    accounts = await transact_get([(Account, {"pk": "alice"}), (Account, {"pk": "carol"})])
    assert accounts[0].balance == 70 and accounts[1] is None
    # --8<-- [end:get]


# --8<-- [start:sync]
def sync_transaction() -> None:
    with SyncTransaction() as tx:
        tx.put("accounts", {"pk": "carol", "balance": 0})
        tx.condition_check(Account, condition=Account.balance > 0, pk="alice")
    assert Account.sync_get(pk="carol").balance == 0


# --8<-- [end:sync]


if __name__ == "__main__":
    asyncio.run(main())
    sync_transaction()
