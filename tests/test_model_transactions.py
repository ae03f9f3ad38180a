"""Models in transactions: ``Transaction``/``SyncTransaction`` commit on a clean exit and send nothing
when the block raises; all or nothing, with one cancellation reason per operation; optimistic locking
(the version is checked, and grows on the instance only after the commit); updates, condition checks,
plain operations, idempotency tokens, hooks, the 100-operation limit; ``transact_get``.

Every scenario runs through the async face (``async with Transaction()``, ``await transact_get()``)
and through the blocking one (``with SyncTransaction()``, ``sync_transact_get()``, in a worker thread).
boto3 reads back what is really stored.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydynox import (
    DynamoDBClient,
    Model,
    ModelConfig,
    OperationEvent,
    SyncTransaction,
    Transaction,
    events,
    sync_transact_get,
    transact_get,
)
from pydynox.attributes import NumberAttribute, StringAttribute, VersionAttribute
from pydynox.exceptions import CancellationReason, TransactionCanceledException
from pydynox.hooks import after_delete, after_save, after_update, before_delete, before_save, before_update
from support.clients import make_client
from support.fault_proxy import FaultProxy
from support.model_twin import ModelTwin
from support.readback import raw_item


def account_model(table: str, client: DynamoDBClient) -> Any:
    class Account(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        owner = StringAttribute()
        balance = NumberAttribute()
        status = StringAttribute()

    return Account


@pytest.fixture
def Account(table_name: str, client: DynamoDBClient) -> Any:
    model = account_model(table_name, client)
    model.sync_create_table(wait=True)
    return model


@pytest.fixture
def Order(other_table_name: str, client: DynamoDBClient) -> Any:
    class Order(Model):
        model_config = ModelConfig(table=other_table_name, client=client)
        pk = StringAttribute(partition_key=True)
        total = NumberAttribute()

    Order.sync_create_table(wait=True)
    return Order


@pytest.fixture
def transactions() -> Iterator[list[OperationEvent]]:
    """The TransactWriteItems operations made while the test runs."""
    seen: list[OperationEvent] = []

    def record(event: OperationEvent) -> None:
        if event.operation == "TransactWriteItems":
            seen.append(event)

    with events.subscribe(record):
        yield seen


async def in_tx(mode: str, fill: Callable[[Any], None], **options: Any) -> None:
    """Runs ``fill(tx)`` inside ``async with Transaction(**options)`` or, in a worker thread, inside
    ``with SyncTransaction(**options)``."""
    if mode == "async":
        async with Transaction(**options) as tx:
            fill(tx)
        return

    def blocking() -> None:
        with SyncTransaction(**options) as tx:
            fill(tx)

    await asyncio.to_thread(blocking)


def seed_accounts(boto: Any, table: str, **accounts: tuple[int, str]) -> None:
    for pk, (balance, status) in accounts.items():
        boto.put_item(
            TableName=table,
            Item={"pk": {"S": pk}, "balance": {"N": str(balance)}, "status": {"S": status}},
        )


def account(boto: Any, table: str, pk: str) -> dict[str, Any] | None:
    return raw_item(boto, table, pk)


# -- commit, or nothing ----------------------------------------------------------------------------------


async def test_the_operations_are_sent_together_when_the_block_ends(
    mode: str,
    twin: ModelTwin,
    Account: Any,
    Order: Any,
    boto: Any,
    table_name: str,
    other_table_name: str,
    transactions: list[OperationEvent],
) -> None:
    seed_accounts(boto, table_name, a1=(100, "active"), a2=(0, "closed"))
    a1 = await twin(Account).get(pk="a1")
    a2 = await twin(Account).get(pk="a2")
    order = Order(pk="o1", total=30)
    sent_inside: list[int] = []

    def fill(tx: Any) -> None:
        tx.save(order)
        tx.update(a1, atomic=[Account.balance.add(-30)])
        tx.delete(a2)
        sent_inside.append(len(transactions))

    await in_tx(mode, fill)

    assert sent_inside == [0]
    assert len(transactions) == 1
    event = transactions[0]
    assert event.batch_size == 3 and event.ok
    assert event.params["table_names"] == sorted([table_name, other_table_name])
    assert raw_item(boto, other_table_name, "o1") == {"pk": {"S": "o1"}, "total": {"N": "30"}}
    assert account(boto, table_name, "a1")["balance"] == {"N": "70"}  # type: ignore[index]
    assert account(boto, table_name, "a2") is None
    assert order.is_dirty is False  # the saved instance knows what is stored


async def test_nothing_is_sent_when_the_block_raises(
    mode: str, Account: Any, boto: Any, table_name: str, transactions: list[OperationEvent]
) -> None:
    seed_accounts(boto, table_name, a1=(100, "active"))

    def fill(tx: Any) -> None:
        tx.save(Account(pk="new", balance=1))
        tx.delete(table_name, {"pk": "a1"})
        raise RuntimeError("abort")

    with pytest.raises(RuntimeError, match="abort"):
        await in_tx(mode, fill)

    assert transactions == []
    assert account(boto, table_name, "new") is None
    assert account(boto, table_name, "a1") is not None


async def test_an_empty_transaction_sends_nothing(mode: str, transactions: list[OperationEvent]) -> None:
    await in_tx(mode, lambda tx: None)
    assert transactions == []


# -- all or nothing --------------------------------------------------------------------------------------


async def test_a_failing_condition_cancels_every_operation(
    mode: str,
    twin: ModelTwin,
    Account: Any,
    Order: Any,
    boto: Any,
    table_name: str,
    other_table_name: str,
) -> None:
    seed_accounts(boto, table_name, a1=(100, "active"), a2=(5, "active"), a3=(0, "closed"))
    a1 = await twin(Account).get(pk="a1")
    a2 = await twin(Account).get(pk="a2")
    a1.owner = "Ana"
    new = Order(pk="o1", total=10)
    before = {pk: account(boto, table_name, pk) for pk in ("a1", "a2", "a3")}

    def fill(tx: Any) -> None:
        tx.save(new)
        tx.save(a1)
        tx.update(a2, atomic=[Account.balance.add(-5)], condition=Account.balance >= 5, status="empty")
        tx.condition_check(Account, condition=Account.status == "active", pk="a3")  # a3 is closed

    with pytest.raises(TransactionCanceledException) as info:
        await in_tx(mode, fill)

    reasons = info.value.cancellation_reasons
    assert all(isinstance(r, CancellationReason) for r in reasons)
    assert [r.index for r in reasons] == [0, 1, 2, 3]
    assert [r.code for r in reasons] == [None, None, None, "ConditionalCheckFailed"]
    assert info.value.failed == [reasons[3]]
    # Nothing was written...
    assert raw_item(boto, other_table_name, "o1") is None
    assert {pk: account(boto, table_name, pk) for pk in ("a1", "a2", "a3")} == before
    # ...and the instances still hold their unsaved changes.
    assert new.is_dirty is True
    assert a1.changed_fields == ["owner"]
    assert (a2.balance, a2.status) == (5, "active")


# -- optimistic locking ----------------------------------------------------------------------------------


@pytest.fixture
def Doc(table_name: str, client: DynamoDBClient) -> Any:
    class Doc(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        title = StringAttribute()
        version = VersionAttribute()

    Doc.sync_create_table(wait=True)
    return Doc


def stored_doc(boto: Any, table: str, pk: str = "d") -> tuple[str, str] | None:
    raw = raw_item(boto, table, pk)
    return None if raw is None else (raw["title"]["S"], raw["version"]["N"])


async def test_versions_are_checked_and_grow_only_after_the_commit(
    mode: str, twin: ModelTwin, Doc: Any, boto: Any, table_name: str
) -> None:
    created = Doc(pk="d", title="draft")
    await in_tx(mode, lambda tx: tx.save(created))
    assert created.version == 1 and stored_doc(boto, table_name) == ("draft", "1")

    alice = await twin(Doc).get(pk="d")
    bob = await twin(Doc).get(pk="d")
    alice.title = "alice"
    version_inside: list[int] = []

    def save_alice(tx: Any) -> None:
        tx.save(alice)
        version_inside.append(alice.version)

    await in_tx(mode, save_alice)
    assert version_inside == [1]
    assert alice.version == 2 and stored_doc(boto, table_name) == ("alice", "2")

    # Bob's copy is stale: his save is refused and his instance keeps its version.
    bob.title = "bob"
    with pytest.raises(TransactionCanceledException) as info:
        await in_tx(mode, lambda tx: tx.save(bob))
    assert [r.code for r in info.value.cancellation_reasons] == ["ConditionalCheckFailed"]
    assert bob.version == 1 and stored_doc(boto, table_name) == ("alice", "2")

    # A write that would have passed does not advance its instance when the transaction fails.
    await twin(Doc(pk="e", title="other")).save()
    other = await twin(Doc).get(pk="e")
    other.title = "other again"

    def fresh_and_stale(tx: Any) -> None:
        tx.save(other)
        tx.update(bob, title="bob again")

    with pytest.raises(TransactionCanceledException) as info:
        await in_tx(mode, fresh_and_stale)
    assert [r.code for r in info.value.cancellation_reasons] == [None, "ConditionalCheckFailed"]
    assert other.version == 1 and stored_doc(boto, table_name, "e") == ("other", "1")
    assert bob.title == "bob" and stored_doc(boto, table_name) == ("alice", "2")

    with pytest.raises(TransactionCanceledException):
        await in_tx(mode, lambda tx: tx.delete(bob))
    assert stored_doc(boto, table_name) == ("alice", "2")

    # An update in a transaction is versioned too.
    await in_tx(mode, lambda tx: tx.update(alice, title="updated"))
    assert (alice.version, alice.title) == (3, "updated")
    assert stored_doc(boto, table_name) == ("updated", "3")
    with pytest.raises(ValueError, match="version"):
        await in_tx(mode, lambda tx: tx.update(alice, version=10))

    await in_tx(mode, lambda tx: tx.delete(alice))
    assert stored_doc(boto, table_name) is None
    assert alice.version is None


async def test_creating_a_versioned_item_that_exists_fails(
    mode: str, twin: ModelTwin, Doc: Any, boto: Any, table_name: str
) -> None:
    await twin(Doc(pk="d", title="first")).save()
    second = Doc(pk="d", title="second")

    with pytest.raises(TransactionCanceledException):
        await in_tx(mode, lambda tx: tx.save(second))

    assert second.version is None
    assert stored_doc(boto, table_name) == ("first", "1")


# -- update, condition_check -----------------------------------------------------------------------------


async def test_update_runs_atomic_actions_under_a_condition_and_sets_values_locally(
    mode: str, twin: ModelTwin, Account: Any, boto: Any, table_name: str
) -> None:
    seed_accounts(boto, table_name, a1=(100, "active"))
    acct = await twin(Account).get(pk="a1")
    status_inside: list[str] = []

    def debit(tx: Any) -> None:
        tx.update(acct, atomic=[Account.balance.add(-30)], condition=Account.balance >= 30, status="frozen")
        status_inside.append(acct.status)

    await in_tx(mode, debit)

    assert status_inside == ["active"]  # nothing changes before the commit
    assert acct.status == "frozen"
    assert acct.balance == 100  # atomic results are not read back
    assert account(boto, table_name, "a1") == {
        "pk": {"S": "a1"},
        "balance": {"N": "70"},
        "status": {"S": "frozen"},
    }

    def overdraw(tx: Any) -> None:
        tx.update(acct, atomic=[Account.balance.add(-500)], condition=Account.balance >= 500, status="x")

    with pytest.raises(TransactionCanceledException) as info:
        await in_tx(mode, overdraw)
    assert [r.code for r in info.value.cancellation_reasons] == ["ConditionalCheckFailed"]
    assert acct.status == "frozen"
    assert account(boto, table_name, "a1")["balance"] == {"N": "70"}  # type: ignore[index]

    with pytest.raises(TypeError):
        await in_tx(mode, lambda tx: tx.update(acct, {"pk": "a1"}))
    with pytest.raises(ValueError, match="needs values"):
        await in_tx(mode, lambda tx: tx.update(acct))


async def test_update_rebuilds_templated_attributes_like_model_update(
    mode: str, twin: ModelTwin, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    class Ticket(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True, template="TICKET#{number}")
        number = NumberAttribute()
        status = StringAttribute()
        by_status = StringAttribute(template="STATUS#{status}")

    await Ticket.create_table(wait=True)
    ticket = Ticket(number=7, status="open")
    await twin(ticket).save()
    assert raw_item(boto, table_name, "TICKET#7")["by_status"] == {"S": "STATUS#open"}  # type: ignore[index]

    await in_tx(mode, lambda tx: tx.update(ticket, status="closed"))

    assert raw_item(boto, table_name, "TICKET#7") == {
        "pk": {"S": "TICKET#7"},
        "number": {"N": "7"},
        "status": {"S": "closed"},
        "by_status": {"S": "STATUS#closed"},
    }
    assert (ticket.status, ticket.by_status) == ("closed", "STATUS#closed")
    # Changing a part of the key would name another item: refused, as by Model.update.
    with pytest.raises(ValueError, match="key"):
        await in_tx(mode, lambda tx: tx.update(ticket, number=8))
    assert raw_item(boto, table_name, "TICKET#7")["number"] == {"N": "7"}  # type: ignore[index]


async def test_condition_check_by_class_and_key_or_by_instance(
    mode: str, twin: ModelTwin, Account: Any, Order: Any, boto: Any, table_name: str, other_table_name: str
) -> None:
    seed_accounts(boto, table_name, a1=(100, "active"), a2=(0, "closed"))
    closed = await twin(Account).get(pk="a2")

    def by_class(tx: Any) -> None:
        tx.condition_check(Account, condition=Account.status == "active", pk="a1")
        tx.save(Order(pk="o1", total=1))

    await in_tx(mode, by_class)
    assert raw_item(boto, other_table_name, "o1") is not None

    def by_instance(tx: Any) -> None:
        tx.save(Order(pk="o2", total=2))
        tx.condition_check(closed, condition=Account.status == "active")

    with pytest.raises(TransactionCanceledException) as info:
        await in_tx(mode, by_instance)
    assert [r.code for r in info.value.cancellation_reasons] == [None, "ConditionalCheckFailed"]
    assert raw_item(boto, other_table_name, "o2") is None

    # The check reads the item it names, not another one.
    def missing_item(tx: Any) -> None:
        tx.condition_check(Account, condition=Account.pk.exists(), pk="nobody")

    with pytest.raises(TransactionCanceledException):
        await in_tx(mode, missing_item)

    # save and delete take a condition too.
    def guarded_writes(tx: Any) -> None:
        tx.save(Order(pk="o1", total=99), condition=Order.pk.not_exists())  # o1 exists
        tx.delete(closed, condition=Account.status == "closed")

    with pytest.raises(TransactionCanceledException) as info:
        await in_tx(mode, guarded_writes)
    assert [r.code for r in info.value.cancellation_reasons] == ["ConditionalCheckFailed", None]
    assert raw_item(boto, other_table_name, "o1")["total"] == {"N": "1"}  # type: ignore[index]

    await in_tx(mode, lambda tx: tx.delete(closed, condition=Account.status == "closed"))
    assert account(boto, table_name, "a2") is None

    with pytest.raises(ValueError, match="condition="):
        await in_tx(mode, lambda tx: tx.condition_check(Account, pk="a1"))
    with pytest.raises(TypeError, match="key from the instance"):
        await in_tx(mode, lambda tx: tx.condition_check(closed, condition=Account.pk.exists(), pk="a1"))


async def test_plain_operations_mix_with_model_operations(
    mode: str,
    Account: Any,
    Order: Any,
    boto: Any,
    table_name: str,
    other_table_name: str,
    transactions: list[OperationEvent],
) -> None:
    seed_accounts(boto, table_name, gone=(0, "old"), counter=(1, "active"))
    boto.put_item(TableName=other_table_name, Item={"pk": {"S": "o1"}, "total": {"N": "3"}})

    def fill(tx: Any) -> None:
        tx.put(table_name, {"pk": "raw", "balance": 5}, condition_expression="attribute_not_exists(pk)")
        tx.delete(
            table_name,
            {"pk": "gone"},
            condition_expression="#s = :s",
            expression_attribute_names={"#s": "status"},
            expression_attribute_values={":s": "old"},
        )
        tx.update(
            table_name,
            {"pk": "counter"},
            "SET balance = balance + :one",
            expression_attribute_values={":one": 1},
        )
        tx.condition_check(other_table_name, {"pk": "o1"}, "attribute_exists(pk)")
        tx.save(Account(pk="model", balance=9))

    await in_tx(mode, fill)

    assert account(boto, table_name, "raw") == {"pk": {"S": "raw"}, "balance": {"N": "5"}}
    assert account(boto, table_name, "gone") is None
    assert account(boto, table_name, "counter")["balance"] == {"N": "2"}  # type: ignore[index]
    assert account(boto, table_name, "model") == {"pk": {"S": "model"}, "balance": {"N": "9"}}
    assert [e.batch_size for e in transactions] == [5]

    # A plain condition that fails cancels the model write too.
    def failing(tx: Any) -> None:
        tx.save(Account(pk="model2", balance=1))
        tx.put(table_name, {"pk": "raw"}, condition_expression="attribute_not_exists(pk)")

    with pytest.raises(TransactionCanceledException) as info:
        await in_tx(mode, failing)
    assert [r.code for r in info.value.cancellation_reasons] == [None, "ConditionalCheckFailed"]
    assert account(boto, table_name, "model2") is None
    assert account(boto, table_name, "raw") == {"pk": {"S": "raw"}, "balance": {"N": "5"}}

    with pytest.raises(ValueError):
        await in_tx(mode, lambda tx: tx.update(table_name, {"pk": "x"}))
    with pytest.raises(ValueError):
        await in_tx(mode, lambda tx: tx.delete(table_name))


# -- idempotency -----------------------------------------------------------------------------------------


class RecordingProxy(FaultProxy):
    """The fault proxy, also keeping the body of every TransactWriteItems request."""

    def __init__(self, upstream_url: str) -> None:
        super().__init__(upstream_url)
        self.transact_writes: list[dict[str, Any]] = []

    def _handle(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> Any:
        if self._operation(headers) == "TransactWriteItems":
            self.transact_writes.append(json.loads(body))
        return super()._handle(method, path, headers, body)


@pytest.fixture
def recording(http_endpoint: str) -> Iterator[RecordingProxy]:
    with RecordingProxy(http_endpoint) as proxy:
        yield proxy


async def test_a_client_request_token_is_sent_with_every_commit(
    mode: str, recording: RecordingProxy, table_name: str, boto: Any, transactions: list[OperationEvent]
) -> None:
    Counter = account_model(table_name, make_client(recording.endpoint_url))
    await Counter.create_table(wait=True)
    seed_accounts(boto, table_name, c=(0, "active"))
    token = str(uuid.uuid4())

    def add_one(tx: Any) -> None:
        tx.update(
            Counter.model_config.table,
            {"pk": "c"},
            "ADD balance :one",
            expression_attribute_values={":one": 1},
        )

    await in_tx(mode, add_one, client=Counter.model_config.client, client_request_token=token)
    assert account(boto, table_name, "c")["balance"] == {"N": "1"}  # type: ignore[index]

    # The same transaction again, with the same token: DynamoDB accepts it and does not apply it a
    # second time (within ten minutes). moto (5.x) accepts the token but does not implement that
    # deduplication -- it applies the second request too -- so what is checked here is pydynox's part:
    # the second commit is accepted, and both requests carry the caller's token unchanged.
    await in_tx(mode, add_one, client=Counter.model_config.client, client_request_token=token)
    assert [body.get("ClientRequestToken") for body in recording.transact_writes] == [token, token]
    assert int(account(boto, table_name, "c")["balance"]["N"]) in (1, 2)  # type: ignore[index]  # 1 on DynamoDB, 2 on moto

    # Without a token, the SDK makes one per call (so its own retries are idempotent): a fresh one each time.
    await in_tx(mode, add_one, client=Counter.model_config.client)
    await in_tx(mode, add_one, client=Counter.model_config.client)
    generated = [body.get("ClientRequestToken") for body in recording.transact_writes[2:]]
    assert all(generated) and generated[0] != generated[1] and token not in generated

    with pytest.raises(ValueError, match="client_request_token"):
        await in_tx(mode, add_one, client=Counter.model_config.client, client_request_token="x" * 37)


async def test_a_committed_transaction_is_not_sent_again(
    Account: Any, client: DynamoDBClient, boto: Any, table_name: str, transactions: list[OperationEvent]
) -> None:
    seed_accounts(boto, table_name, c=(0, "active"))
    tx = Transaction(client)
    tx.update(table_name, {"pk": "c"}, "ADD balance :one", expression_attribute_values={":one": 1})
    await tx.commit()
    await tx.commit()
    assert len(transactions) == 1
    assert account(boto, table_name, "c")["balance"] == {"N": "1"}  # type: ignore[index]
    with pytest.raises(RuntimeError, match="already committed"):
        tx.save(Account(pk="late"))

    sync_tx = SyncTransaction(client)
    sync_tx.update(table_name, {"pk": "c"}, "ADD balance :one", expression_attribute_values={":one": 1})
    await asyncio.to_thread(sync_tx.commit)
    await asyncio.to_thread(sync_tx.commit)
    assert len(transactions) == 2
    assert account(boto, table_name, "c")["balance"] == {"N": "2"}  # type: ignore[index]


# -- hooks -----------------------------------------------------------------------------------------------


def hooked_model(table: str, client: DynamoDBClient, calls: list[str]) -> Any:
    class Member(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        email = StringAttribute()
        name = StringAttribute()

        @before_save
        def normalise(self) -> None:
            calls.append(f"before_save {self.pk}")
            self.email = self.email.lower()

        @after_save
        async def saved(self) -> None:
            await asyncio.sleep(0)
            calls.append(f"after_save {self.pk}")

        @before_update
        def updating(self) -> None:
            calls.append(f"before_update {self.pk}")

        @after_update
        def updated(self) -> None:
            calls.append(f"after_update {self.pk}")

        @before_delete
        async def deleting(self) -> None:
            await asyncio.sleep(0)
            calls.append(f"before_delete {self.pk}")

        @after_delete
        def deleted(self) -> None:
            calls.append(f"after_delete {self.pk}")

    return Member


async def test_before_hooks_run_at_commit_and_after_hooks_once_accepted(
    mode: str, twin: ModelTwin, table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    calls: list[str] = []
    Member = hooked_model(table_name, client, calls)
    await Member.create_table(wait=True)
    for pk in ("m2", "m3"):
        boto.put_item(TableName=table_name, Item={"pk": {"S": pk}, "email": {"S": "x"}})
    m2 = await twin(Member).get(pk="m2")
    m3 = await twin(Member).get(pk="m3")
    calls_inside: list[str] = []

    def fill(tx: Any) -> None:
        tx.save(Member(pk="m1", email="Ana@Example.COM"))
        tx.update(m2, name="Bia")
        tx.delete(m3)
        calls_inside.extend(calls)

    await in_tx(mode, fill)

    assert calls_inside == []
    assert calls == [
        "before_save m1",
        "before_update m2",
        "before_delete m3",
        "after_save m1",
        "after_update m2",
        "after_delete m3",
    ]
    # The before_save hook ran before the item was built: its change was stored.
    assert raw_item(boto, table_name, "m1") == {"pk": {"S": "m1"}, "email": {"S": "ana@example.com"}}

    # A refused transaction runs the before hooks only; skip_hooks runs none.
    calls.clear()

    def refused(tx: Any) -> None:
        tx.save(Member(pk="m4", email="E"))
        tx.condition_check(Member, condition=Member.pk.exists(), pk="nobody")

    with pytest.raises(TransactionCanceledException):
        await in_tx(mode, refused)
    assert calls == ["before_save m4"]

    calls.clear()
    await in_tx(mode, lambda tx: tx.save(Member(pk="m5", email="KEEP")), skip_hooks=True)
    assert calls == []
    assert raw_item(boto, table_name, "m5") == {"pk": {"S": "m5"}, "email": {"S": "KEEP"}}


# -- limits ----------------------------------------------------------------------------------------------


async def test_at_most_100_operations(mode: str, Account: Any, boto: Any, table_name: str) -> None:
    refused: list[Exception] = []

    def fill(tx: Any) -> None:
        for i in range(100):
            tx.save(Account(pk=f"a{i:03d}", balance=i))
        try:
            tx.save(Account(pk="one-too-many"))
        except ValueError as e:
            refused.append(e)

    await in_tx(mode, fill)

    assert len(refused) == 1 and "100" in str(refused[0])
    assert boto.scan(TableName=table_name, Select="COUNT", ConsistentRead=True)["Count"] == 100
    assert account(boto, table_name, "one-too-many") is None


async def test_models_with_different_clients_cannot_share_a_transaction(
    mode: str, Account: Any, endpoint: str, table_name: str
) -> None:
    Other = account_model(table_name, make_client(endpoint))

    def fill(tx: Any) -> None:
        tx.save(Account(pk="a"))
        tx.save(Other(pk="b"))

    with pytest.raises(ValueError, match="client"):
        await in_tx(mode, fill)

    def check_on_another_client(tx: Any) -> None:
        tx.save(Account(pk="a"))
        tx.condition_check(Other, condition=Other.pk.exists(), pk="b")

    with pytest.raises(ValueError, match="client"):
        await in_tx(mode, check_on_another_client)


# -- transact_get ----------------------------------------------------------------------------------------


async def test_transact_get_returns_instances_and_dicts_in_order(
    mode: str, Account: Any, Order: Any, boto: Any, table_name: str, other_table_name: str
) -> None:
    seed_accounts(boto, table_name, a1=(100, "active"), a2=(5, "closed"))
    boto.put_item(TableName=other_table_name, Item={"pk": {"S": "o1"}, "total": {"N": "3"}})
    boto.put_item(TableName=other_table_name, Item={"pk": {"S": "o2"}, "total": {"N": "3"}})
    # DynamoDB refuses two reads of one item in a transaction, so the raw read takes another item.
    gets = [
        (Account, {"pk": "a2"}),
        (Account, {"pk": "missing"}),
        {"table": other_table_name, "key": {"pk": "o2"}},
        (Order, {"pk": "o1"}),
        {"table": table_name, "key": {"pk": "nope"}},
        (Account, {"pk": "a1"}),
    ]

    if mode == "async":
        got = await transact_get(gets)
    else:
        got = await asyncio.to_thread(sync_transact_get, gets)

    assert [type(g).__name__ for g in got] == ["Account", "NoneType", "dict", "Order", "NoneType", "Account"]
    assert (got[0].pk, got[0].balance, got[0].status) == ("a2", 5, "closed")
    assert got[2] == {"pk": "o2", "total": 3}
    assert (got[3].pk, got[3].total) == ("o1", 3)
    assert (got[5].pk, got[5].balance) == ("a1", 100)
    assert got[0].is_dirty is False

    with pytest.raises(TypeError, match=r"gets\[0\]"):
        await transact_get([("Account", {"pk": "a1"})])
    with pytest.raises(ValueError, match="pk"):
        await transact_get([(Account, {"owner": "a1"})])
