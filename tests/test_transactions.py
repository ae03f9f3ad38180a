"""Transactions: all-or-nothing writes across tables, cancellation reasons, and consistent multi-gets."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydynox import DynamoDBClient
from pydynox.exceptions import CancellationReason, TransactionCanceledException
from support.clients import make_client, unique_name
from support.fault_proxy import FaultProxy
from support.twin import Twin


@pytest.fixture
def accounts(client: DynamoDBClient, boto: Any) -> Iterator[str]:
    """A second table, keyed by ``id`` (N) only."""
    name = unique_name("acct")
    client.sync_create_table(name, partition_key=("id", "N"), wait=True)
    yield name
    boto.delete_table(TableName=name)


def raw_order(boto: Any, table: str, sk: str) -> dict[str, Any] | None:
    out = boto.get_item(TableName=table, Key={"pk": {"S": "o"}, "sk": {"S": sk}}, ConsistentRead=True)
    return out.get("Item")


def raw_account(boto: Any, table: str, id_: int) -> dict[str, Any] | None:
    return boto.get_item(TableName=table, Key={"id": {"N": str(id_)}}, ConsistentRead=True).get("Item")


async def seed(api: Twin, table: str, accounts: str) -> None:
    await api.put_item(table, {"pk": "o", "sk": "old", "v": 1})
    await api.put_item(accounts, {"id": 1, "balance": 100, "status": "open"})
    await api.put_item(accounts, {"id": 2, "balance": 5, "status": "open"})


def operations(table: str, accounts: str, *, required_status: str = "open") -> list[dict[str, Any]]:
    """Create an order, debit account 1, drop the old order, provided account 2 has ``required_status``."""
    return [
        {
            "type": "put",
            "table": table,
            "item": {"pk": "o", "sk": "new", "total": 30},
            "condition_expression": "attribute_not_exists(pk)",
        },
        {
            "type": "update",
            "table": accounts,
            "key": {"id": 1},
            "update_expression": "SET balance = balance - :amt",
            "condition_expression": "balance >= :amt",
            "expression_attribute_values": {":amt": 30},
        },
        {"type": "delete", "table": table, "key": {"pk": "o", "sk": "old"}},
        {
            "type": "condition_check",
            "table": accounts,
            "key": {"id": 2},
            "condition_expression": "#s = :s",
            "expression_attribute_names": {"#s": "status"},
            "expression_attribute_values": {":s": required_status},
        },
    ]


async def test_transact_write_applies_every_operation_across_two_tables(
    api: Twin, table: str, accounts: str, boto: Any
) -> None:
    await seed(api, table, accounts)
    assert await api.transact_write(operations(table, accounts)) is None
    assert raw_order(boto, table, "new") == {"pk": {"S": "o"}, "sk": {"S": "new"}, "total": {"N": "30"}}
    assert raw_order(boto, table, "old") is None
    assert raw_account(boto, accounts, 1)["balance"] == {"N": "70"}  # type: ignore[index]
    assert raw_account(boto, accounts, 2)["balance"] == {"N": "5"}  # type: ignore[index]


async def test_a_failing_condition_cancels_everything(
    api: Twin, table: str, accounts: str, boto: Any
) -> None:
    await seed(api, table, accounts)
    with pytest.raises(TransactionCanceledException) as info:
        await api.transact_write(operations(table, accounts, required_status="closed"))
    err = info.value
    reasons = err.cancellation_reasons
    assert len(reasons) == 4
    assert all(isinstance(r, CancellationReason) for r in reasons)
    assert [r.index for r in reasons] == [0, 1, 2, 3]
    assert [r.code for r in reasons] == [None, None, None, "ConditionalCheckFailed"]
    assert err.failed == [reasons[3]]
    assert err.code == "TransactionCanceledException"
    assert err.status_code == 400
    assert isinstance(err.request_id, str)
    assert "ConditionalCheckFailed" in err.message
    # Nothing was applied.
    assert raw_order(boto, table, "new") is None
    assert raw_order(boto, table, "old") is not None
    assert raw_account(boto, accounts, 1)["balance"] == {"N": "100"}  # type: ignore[index]


async def test_cancellation_reasons_follow_the_failing_operation(
    api: Twin, table: str, accounts: str, boto: Any
) -> None:
    await seed(api, table, accounts)
    await api.put_item(table, {"pk": "o", "sk": "new", "total": 1})  # the put's condition now fails
    ops = operations(table, accounts)
    ops[0]["return_values_on_condition_check_failure"] = True
    with pytest.raises(TransactionCanceledException) as info:
        await api.transact_write(ops)
    reasons = info.value.cancellation_reasons
    assert [r.code for r in reasons] == ["ConditionalCheckFailed", None, None, None]
    assert reasons[0].item == {"pk": "o", "sk": "new", "total": 1}
    assert all(r.item is None for r in reasons[1:])
    assert raw_account(boto, accounts, 1)["balance"] == {"N": "100"}  # type: ignore[index]
    assert raw_order(boto, table, "old") is not None


async def test_client_request_token_is_accepted(api: Twin, table: str, accounts: str, boto: Any) -> None:
    await seed(api, table, accounts)
    token = str(uuid.uuid4())
    await api.transact_write(operations(table, accounts), client_request_token=token)
    assert raw_account(boto, accounts, 1)["balance"] == {"N": "70"}  # type: ignore[index]
    assert raw_order(boto, table, "new") is not None


@pytest.mark.parametrize(
    ("ops", "token", "message"),
    [
        pytest.param(lambda t: [], None, "operations must hold at least one operation", id="empty"),
        pytest.param(
            lambda t: [{"type": "put", "table": t, "item": {"pk": "o", "sk": str(i)}} for i in range(101)],
            None,
            "operations holds 101 operations; a DynamoDB transaction takes at most 100",
            id="101-operations",
        ),
        pytest.param(
            lambda t: [
                {"type": "put", "table": t, "item": {"pk": "o", "sk": "1"}},
                {"type": "delete", "table": t, "key": {"pk": "o", "sk": "2"}},
                {"type": "upsert", "table": t, "item": {"pk": "o", "sk": "3"}},
            ],
            None,
            "operations[2]: type must be 'put', 'update', 'delete' or 'condition_check', got \"upsert\"",
            id="unknown-type",
        ),
        pytest.param(
            lambda t: [{"type": "update", "table": t, "key": {"pk": "o", "sk": "1"}}],
            None,
            "operations[0]: a update operation needs 'update_expression'",
            id="update-without-expression",
        ),
        pytest.param(
            lambda t: [{"type": "put", "table": t, "item": {"pk": "o", "sk": "1"}, "itme": 1}],
            None,
            'operations[0]: unknown field "itme"',
            id="unknown-field",
        ),
        pytest.param(
            lambda t: [{"type": "put", "table": t, "item": {"pk": "o", "sk": "1"}}],
            "x" * 37,
            "client_request_token must be 1 to 36 characters long",
            id="long-token",
        ),
    ],
)
async def test_bad_transactions_raise_before_sending(
    mode: str, proxy: FaultProxy, ops: Callable[[str], list[dict[str, Any]]], token: str | None, message: str
) -> None:
    api = Twin(make_client(proxy.endpoint_url), mode)
    with pytest.raises(ValueError, match=re.escape(message)):
        await api.transact_write(ops("never-created"), client_request_token=token)
    assert proxy.requests == []


async def test_transact_get_returns_items_and_none_in_order(api: Twin, table: str, accounts: str) -> None:
    await seed(api, table, accounts)
    got = await api.transact_get(
        [
            {"table": accounts, "key": {"id": 2}},
            {"table": table, "key": {"pk": "o", "sk": "missing"}},
            {"table": table, "key": {"pk": "o", "sk": "old"}},
            # (no projection here: moto ignores ProjectionExpression in TransactGetItems)
            {"table": accounts, "key": {"id": 1}},
            {"table": accounts, "key": {"id": 404}},
        ]
    )
    assert got == [
        {"id": 2, "balance": 5, "status": "open"},
        None,
        {"pk": "o", "sk": "old", "v": 1},
        {"id": 1, "balance": 100, "status": "open"},
        None,
    ]


async def test_transact_get_refuses_more_than_100_before_sending(mode: str, proxy: FaultProxy) -> None:
    api = Twin(make_client(proxy.endpoint_url), mode)
    gets = [{"table": "never-created", "key": {"pk": "o", "sk": str(i)}} for i in range(101)]
    with pytest.raises(ValueError, match="gets holds 101 operations"):
        await api.transact_get(gets)
    assert proxy.requests == []
