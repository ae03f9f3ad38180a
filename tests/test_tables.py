"""Table management: creating tables with indexes, describing, querying an index, TTL, listing,
existence, deletion, reachability, and the "table not found" error."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydynox import DynamoDBClient
from pydynox.exceptions import ResourceNotFoundException
from support.clients import make_client, unique_name
from support.fault_proxy import FaultProxy
from support.twin import Twin


@pytest.fixture
def new_name(boto: Any) -> Iterator[Callable[[], str]]:
    """Fresh table names; whatever of them exists at the end is deleted."""
    names: list[str] = []

    def make() -> str:
        names.append(unique_name("tbl"))
        return names[-1]

    yield make
    for name in names:
        try:
            boto.delete_table(TableName=name)
        except boto.exceptions.ResourceNotFoundException:
            pass


GSI = {
    "index_name": "by_email",
    "partition_key": ("email", "S"),
    "sort_key": ("created", "N"),
    "projection": "ALL",
}
LSI = {
    "index_name": "by_score",
    "sort_key": ("score", "N"),
    "projection": "INCLUDE",
    "non_key_attributes": ["email"],
}


async def test_create_table_with_indexes_and_describe_it(
    api: Twin, new_name: Callable[[], str], boto: Any
) -> None:
    name = new_name()
    await api.create_table(
        name,
        partition_key=("pk", "S"),
        sort_key=("sk", "S"),
        global_secondary_indexes=[GSI],
        local_secondary_indexes=[LSI],
        wait=True,
    )
    desc = await api.describe_table(name)
    assert desc["TableName"] == name
    assert desc["TableStatus"] == "ACTIVE"
    assert desc["BillingMode"] == "PAY_PER_REQUEST"
    assert desc["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert sorted((a["AttributeName"], a["AttributeType"]) for a in desc["AttributeDefinitions"]) == [
        ("created", "N"),
        ("email", "S"),
        ("pk", "S"),
        ("score", "N"),
        ("sk", "S"),
    ]
    (gsi,) = desc["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "by_email"
    assert gsi["KeySchema"] == [
        {"AttributeName": "email", "KeyType": "HASH"},
        {"AttributeName": "created", "KeyType": "RANGE"},
    ]
    assert gsi["Projection"] == {"ProjectionType": "ALL"}
    assert gsi["IndexStatus"] == "ACTIVE"
    (lsi,) = desc["LocalSecondaryIndexes"]
    assert lsi["IndexName"] == "by_score"
    assert lsi["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "score", "KeyType": "RANGE"},
    ]
    assert lsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["email"]}
    # boto3 sees the same table.
    raw = boto.describe_table(TableName=name)["Table"]
    assert [g["IndexName"] for g in raw["GlobalSecondaryIndexes"]] == ["by_email"]
    assert [i["IndexName"] for i in raw["LocalSecondaryIndexes"]] == ["by_score"]


async def test_query_a_secondary_index(
    api: Twin, client: DynamoDBClient, new_name: Callable[[], str]
) -> None:
    name = new_name()
    await api.create_table(
        name,
        partition_key=("pk", "S"),
        sort_key=("sk", "S"),
        global_secondary_indexes=[GSI],
        local_secondary_indexes=[LSI],
        wait=True,
    )
    people = [
        {"pk": "u1", "sk": "a", "email": "x@example.com", "created": 3, "score": 10},
        {"pk": "u2", "sk": "a", "email": "x@example.com", "created": 1, "score": 20},
        {"pk": "u3", "sk": "a", "email": "y@example.com", "created": 2, "score": 30},
        {"pk": "u1", "sk": "b", "email": "z@example.com", "created": 4, "score": 5},
    ]
    await api.batch_write(name, put_items=people)
    page = await api.query_page(
        name, "email = :e", expression_attribute_values={":e": "x@example.com"}, index_name="by_email"
    )
    assert [(i["pk"], i["created"]) for i in page.items] == [("u2", 1), ("u1", 3)]
    assert page.items[0] == people[1]  # projection ALL
    # The iterators take index_name too.
    if api.mode == "async":
        via_lsi = await client.query(
            name, "pk = :p", expression_attribute_values={":p": "u1"}, index_name="by_score"
        ).all()
    else:
        via_lsi = await asyncio.to_thread(
            lambda: client.sync_query(
                name, "pk = :p", expression_attribute_values={":p": "u1"}, index_name="by_score"
            ).all()
        )
    assert [i["score"] for i in via_lsi] == [5, 10]  # ordered by the LSI's sort key
    assert set(via_lsi[0]) == {"pk", "sk", "score", "email"}  # INCLUDE projection
    total, _ = await api.count(name, index_name="by_email")
    assert total == 4


async def test_provisioned_billing(api: Twin, new_name: Callable[[], str]) -> None:
    name = new_name()
    await api.create_table(
        name,
        partition_key=("id", "N"),
        billing_mode="PROVISIONED",
        read_capacity=3,
        write_capacity=2,
        global_secondary_indexes=[{"index_name": "by_email", "partition_key": ("email", "S")}],
        wait=True,
    )
    desc = await api.describe_table(name)
    assert desc["BillingMode"] == "PROVISIONED"
    assert desc["ProvisionedThroughput"] == {"ReadCapacityUnits": 3, "WriteCapacityUnits": 2}
    assert desc["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert desc["GlobalSecondaryIndexes"][0]["Projection"] == {"ProjectionType": "ALL"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {"billing_mode": "PROVISIONED"},
            "billing_mode PROVISIONED needs read_capacity and write_capacity",
            id="provisioned-without-capacity",
        ),
        pytest.param(
            {"billing_mode": "PROVISIONED", "read_capacity": 5},
            "read_capacity and write_capacity go together",
            id="provisioned-half-capacity",
        ),
        pytest.param(
            {"read_capacity": 5, "write_capacity": 5},
            "read_capacity and write_capacity need billing_mode='PROVISIONED'",
            id="capacity-on-demand",
        ),
        pytest.param(
            {"global_secondary_indexes": [{"index_name": "by_pk", "partition_key": ("pk", "N")}]},
            'global_secondary_indexes[0]: attribute "pk" is declared as N here and as S elsewhere',
            id="conflicting-types-gsi",
        ),
        pytest.param(
            {
                "sort_key": ("sk", "S"),
                "local_secondary_indexes": [{"index_name": "by_sk", "sort_key": ("sk", "N")}],
            },
            'local_secondary_indexes[0]: attribute "sk" is declared as N here and as S elsewhere',
            id="conflicting-types-lsi",
        ),
        pytest.param(
            {"local_secondary_indexes": [{"index_name": "by_x", "sort_key": ("x", "S")}]},
            "local secondary indexes need a table with a sort_key",
            id="lsi-without-sort-key",
        ),
        pytest.param({"sort_key": ("sk", "X")}, "key type must be 'S', 'N' or 'B'", id="bad-key-type"),
    ],
)
async def test_bad_table_definitions_raise_before_sending(
    mode: str, proxy: FaultProxy, kwargs: dict[str, Any], message: str
) -> None:
    api = Twin(make_client(proxy.endpoint_url), mode)
    with pytest.raises(ValueError, match=re.escape(message)):
        await api.create_table("never-created", partition_key=("pk", "S"), **kwargs)
    assert proxy.requests == []


async def test_exists_list_ttl_and_delete(api: Twin, new_name: Callable[[], str], boto: Any) -> None:
    name = new_name()
    assert await api.table_exists(name) is False
    await api.create_table(name, partition_key=("pk", "S"), wait=True)
    assert await api.table_exists(name) is True
    assert name in await api.list_tables()
    await api.update_time_to_live(name, "expires_at")
    ttl = boto.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at"
    assert ttl["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
    await api.update_time_to_live(name, "expires_at", enabled=False)
    ttl = boto.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] in ("DISABLED", "DISABLING")
    await api.delete_table(name, wait=True)
    assert await api.table_exists(name) is False
    assert name not in await api.list_tables()
    assert name not in boto.list_tables()["TableNames"]


async def test_list_tables_pages_through_every_table(api: Twin, client: DynamoDBClient, boto: Any) -> None:
    # ListTables returns at most 100 names per page; the client must follow LastEvaluatedTableName.
    created = [unique_name("many") for _ in range(105)]
    for name in created:
        boto.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    try:
        names = await api.list_tables()
        assert set(created) <= set(names)
        assert len(names) == len(set(names))
    finally:
        for name in created:
            boto.delete_table(TableName=name)


async def test_ping(mode: str, endpoint: str) -> None:
    assert await Twin(make_client(endpoint), mode).ping() is True
    unreachable = make_client("http://127.0.0.1:9", connect_timeout=0.5, max_attempts=1)
    assert await Twin(unreachable, mode).ping() is False


@pytest.mark.parametrize(
    ("op", "args"),
    [
        ("get_item", ({"pk": "a"},)),
        ("put_item", ({"pk": "a"},)),
        ("describe_table", ()),
        ("delete_table", ()),
        ("update_item", ({"pk": "a"}, {"v": 1})),
        ("scan_page", ()),
        # (not update_time_to_live: moto answers it with the code "ResourceNotFound", unlike DynamoDB)
    ],
)
async def test_missing_table_raises_resource_not_found_naming_it(
    api: Twin, op: str, args: tuple[Any, ...]
) -> None:
    missing = unique_name("missing")
    with pytest.raises(ResourceNotFoundException) as info:
        await getattr(api, op)(missing, *args)
    err = info.value
    assert missing in str(err) and missing in err.message
    assert err.table == missing
    assert err.code == "ResourceNotFoundException"
    assert err.status_code == 400
    assert isinstance(err.request_id, str) and err.request_id


async def test_missing_table_in_a_query(mode: str, client: DynamoDBClient) -> None:
    missing = unique_name("missing")
    with pytest.raises(ResourceNotFoundException) as info:
        if mode == "async":
            await client.query(missing, "pk = :p", expression_attribute_values={":p": "a"}).all()
        else:
            await asyncio.to_thread(
                lambda: client.sync_query(missing, "pk = :p", expression_attribute_values={":p": "a"}).all()
            )
    assert info.value.table == missing and missing in info.value.message
