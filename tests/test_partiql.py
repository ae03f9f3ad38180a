"""PartiQL through ExecuteStatement: ``?`` parameters as plain Python values, results as plain dicts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydynox import OperationMetrics, StatementResult
from pydynox.exceptions import InternalServerError
from support.backends import Backend
from support.clients import make_client
from support.fault_proxy import FaultProxy
from support.twin import Twin

MOTO_INSERT_PARAMS = (
    "moto's PartiQL engine (py-partiql-parser 0.6.3) cannot bind ? inside INSERT ... VALUE and answers "
    "HTTP 500 (boto3 gets the same); the statement is valid DynamoDB PartiQL"
)


async def test_insert_with_parameters_stores_the_item(
    mode: str, endpoint: str, table: str, boto: Any, backend: Backend, request: pytest.FixtureRequest
) -> None:
    if backend.name == "moto":
        request.applymarker(
            pytest.mark.xfail(raises=InternalServerError, strict=True, reason=MOTO_INSERT_PARAMS)
        )
    api = Twin(make_client(endpoint, max_attempts=1), mode)  # moto's 500 is not worth retrying
    result = await api.execute_statement(
        f"INSERT INTO \"{table}\" VALUE {{'pk': ?, 'sk': ?, 'n': ?, 'price': ?, 'ok': ?}}",
        parameters=["p", "1", 5, Decimal("9.99"), True],
    )
    assert isinstance(result, StatementResult)
    assert list(result) == []
    raw = boto.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"S": "1"}})["Item"]
    assert raw == {
        "pk": {"S": "p"},
        "sk": {"S": "1"},
        "n": {"N": "5"},
        "price": {"N": "9.99"},
        "ok": {"BOOL": True},
    }


async def test_insert_then_select_with_parameters(api: Twin, table: str, boto: Any) -> None:
    inserted = await api.execute_statement(
        f"INSERT INTO \"{table}\" VALUE {{'pk': 'p', 'sk': '1', 'n': 5, 's': 'text'}}"
    )
    assert isinstance(inserted, StatementResult) and list(inserted) == []
    assert isinstance(inserted.metrics, OperationMetrics)
    raw = boto.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"S": "1"}})["Item"]
    assert raw == {"pk": {"S": "p"}, "sk": {"S": "1"}, "n": {"N": "5"}, "s": {"S": "text"}}
    got = await api.execute_statement(
        f'SELECT * FROM "{table}" WHERE pk = ? AND sk = ?', parameters=["p", "1"]
    )
    assert list(got) == [{"pk": "p", "sk": "1", "n": 5, "s": "text"}]


async def test_select_with_parameters_returns_a_statement_result(api: Twin, table: str) -> None:
    for i in range(3):
        await api.put_item(table, {"pk": "p", "sk": str(i), "n": i, "tags": {"a", f"t{i}"}})
    await api.put_item(table, {"pk": "other", "sk": "0", "n": 0})
    result = await api.execute_statement(f'SELECT * FROM "{table}" WHERE pk = ?', parameters=["p"])
    assert isinstance(result, StatementResult) and isinstance(result, list)
    assert sorted(result, key=lambda i: i["sk"]) == [
        {"pk": "p", "sk": str(i), "n": i, "tags": {"a", f"t{i}"}} for i in range(3)
    ]
    assert result.next_token is None
    assert isinstance(result.metrics, OperationMetrics)
    assert result.metrics.duration_ms > 0
    assert result.metrics.items_count == 3
    one = await api.execute_statement(
        f'SELECT n FROM "{table}" WHERE pk = ? AND sk = ?', parameters=["p", "2"], consistent_read=True
    )
    assert list(one) == [{"n": 2}]
    none = await api.execute_statement(f'SELECT * FROM "{table}" WHERE pk = ?', parameters=["nobody"])
    assert list(none) == [] and none.next_token is None


async def test_update_and_delete_statements(api: Twin, table: str, boto: Any) -> None:
    await api.put_item(table, {"pk": "p", "sk": "1", "n": 1})
    await api.execute_statement(
        f'UPDATE "{table}" SET n = ? WHERE pk = ? AND sk = ?', parameters=[42, "p", "1"]
    )
    raw = boto.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"S": "1"}})["Item"]
    assert raw["n"] == {"N": "42"}
    # Literal keys: moto cannot bind ? in DELETE ... WHERE.
    await api.execute_statement(f"DELETE FROM \"{table}\" WHERE pk = 'p' AND sk = '1'")
    assert "Item" not in boto.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"S": "1"}})


@pytest.mark.parametrize(
    ("statement", "kwargs", "message"),
    [
        ("   ", {}, "statement must not be empty"),
        ('SELECT * FROM "tbl"', {"limit": 0}, "limit must be a positive whole number"),
    ],
)
async def test_bad_statements_raise_before_sending(
    mode: str, proxy: FaultProxy, statement: str, kwargs: dict[str, Any], message: str
) -> None:
    api = Twin(make_client(proxy.endpoint_url), mode)
    with pytest.raises(ValueError, match=message):
        await api.execute_statement(statement, **kwargs)
    assert proxy.requests == []
