"""A paginated read describes itself (``request``) and can be restarted from a position (``restart``):
what a signed pagination cursor needs to bind itself to the read it came from and to resume it.

Runs against the real moto server, through the async results and their ``sync_`` twins.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydynox import Collection, DynamoDBClient, Model, ModelConfig
from pydynox.attributes import NumberAttribute, StringAttribute
from pydynox.indexes import GlobalSecondaryIndex
from support.clients import make_client, unique_name


def row_model(table: str, client: DynamoDBClient) -> Any:
    class Row(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        n = NumberAttribute()
        by_n = GlobalSecondaryIndex(index_name="by_n", partition_key="pk", sort_key="n")

    return Row


def collection_models(table: str, client: DynamoDBClient) -> tuple[Any, Any]:
    class Order(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True, template="ORDER#{order_id}")
        order_id = StringAttribute()

    class Note(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True, template="NOTE#{note_id}")
        note_id = StringAttribute()

    return Order, Note


@pytest.fixture
def Row(endpoint: str, boto: Any) -> Any:
    client = make_client(endpoint)
    table = unique_name("req")
    row = row_model(table, client)
    row.sync_create_table(wait=True)
    row.sync_batch_write(save=[row(pk="P", sk=f"{i:02d}", n=i) for i in range(7)])
    yield row
    boto.delete_table(TableName=table)


def test_a_model_query_describes_what_it_sends(Row: Any) -> None:
    query = Row.query(partition_key="P", filter_condition=Row.n > 1, scan_index_forward=False)
    request = dict(query.request)
    assert request["operation"] == "Query" and request["table"] == Row.model_config.table
    assert request["index_name"] is None and request["scan_index_forward"] is False
    assert sorted(request["expression_attribute_values"].values(), key=str) == [1, "P"]
    assert "model" not in request
    # The same read describes itself the same way; another partition does not.
    assert Row.query(partition_key="P", filter_condition=Row.n > 1, scan_index_forward=False).request == (
        query.request
    )
    assert Row.query(partition_key="Q", filter_condition=Row.n > 1).request != query.request
    with pytest.raises(TypeError):
        query.request["table"] = "other"  # type: ignore[index]


def test_scans_indexes_collections_and_raw_reads_describe_themselves(Row: Any) -> None:
    table = Row.model_config.table
    assert Row.scan().request["operation"] == "Scan"
    assert Row.by_n.query(pk="P").request["index_name"] == "by_n"
    assert Row.sync_scan(segment=1, total_segments=2).request["segment"] == 1
    collection = Collection(*collection_models(table, Row.model_config.client))
    assert collection.query(partition_key="P").request["key_condition_expression"]
    client = Row.model_config.client
    raw = client.query(table, "pk = :p", expression_attribute_values={":p": "P"}, scan_index_forward=False)
    assert raw.request["expression_attribute_values"] == {":p": "P"}
    assert raw.request["scan_index_forward"] is False
    assert client.sync_scan(table, index_name="by_n").request["index_name"] == "by_n"


async def test_restart_resumes_after_a_position_with_its_own_limit(Row: Any) -> None:
    query = Row.query(partition_key="P")
    first = query.restart(limit=3)
    got = [r.sk for r in await first.all()]
    assert got == ["00", "01", "02"]
    rest = query.restart(first.last_evaluated_key, limit=10)
    assert [r.sk for r in await rest.all()] == ["03", "04", "05", "06"]
    assert rest.request == query.request and rest is not query
    # The original was never started by its restarts.
    assert len(await query.all()) == 7


def test_sync_restart_resumes_too(Row: Any) -> None:
    query = Row.sync_query(partition_key="P", scan_index_forward=False)
    first = query.restart(limit=2)
    assert [r.sk for r in first] == ["06", "05"]
    assert [r.sk for r in query.restart(first.last_evaluated_key, limit=2)] == ["04", "03"]
