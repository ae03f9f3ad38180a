"""From an :class:`~pydynox.events.OperationEvent` to OpenTelemetry attributes.

Attribute names follow the database semantic conventions (``db.*``, ``server.*``, ``error.type``) and
their DynamoDB page (``aws.dynamodb.*``). Where the conventions have no name for a fact pydynox
reports (retries, expressions, consumed capacity as numbers), the name lives under ``pydynox.`` so it
never collides with a future convention.

Nothing here reads item or key values: an event does not carry them.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from typing import Final

from opentelemetry.util.types import AttributeValue
from pydynox.events import OperationEvent

from pydynox_otel.partiql import sanitize_statement

Attributes = dict[str, AttributeValue]

# Stable database conventions.
DB_SYSTEM_NAME: Final = "db.system.name"
DB_OPERATION_NAME: Final = "db.operation.name"
DB_COLLECTION_NAME: Final = "db.collection.name"
DB_NAMESPACE: Final = "db.namespace"
DB_QUERY_TEXT: Final = "db.query.text"
DB_RESPONSE_STATUS_CODE: Final = "db.response.status_code"
DB_OPERATION_BATCH_SIZE: Final = "db.operation.batch.size"
SERVER_ADDRESS: Final = "server.address"
SERVER_PORT: Final = "server.port"
ERROR_TYPE: Final = "error.type"
CLOUD_REGION: Final = "cloud.region"
AWS_REQUEST_ID: Final = "aws.request_id"
DYNAMODB: Final = "aws.dynamodb"

# The conventions' DynamoDB attributes.
TABLE_NAMES: Final = "aws.dynamodb.table_names"
CONSISTENT_READ: Final = "aws.dynamodb.consistent_read"
PROJECTION: Final = "aws.dynamodb.projection"
LIMIT: Final = "aws.dynamodb.limit"
INDEX_NAME: Final = "aws.dynamodb.index_name"
SELECT: Final = "aws.dynamodb.select"
SCAN_FORWARD: Final = "aws.dynamodb.scan_forward"
SEGMENT: Final = "aws.dynamodb.segment"
TOTAL_SEGMENTS: Final = "aws.dynamodb.total_segments"
COUNT: Final = "aws.dynamodb.count"
SCANNED_COUNT: Final = "aws.dynamodb.scanned_count"
CONSUMED_CAPACITY: Final = "aws.dynamodb.consumed_capacity"

# pydynox's own names, for facts the conventions do not cover.
KEY_CONDITION_EXPRESSION: Final = "pydynox.expression.key_condition"
FILTER_EXPRESSION: Final = "pydynox.expression.filter"
CONDITION_EXPRESSION: Final = "pydynox.expression.condition"
UPDATE_EXPRESSION: Final = "pydynox.expression.update"
ATTEMPTS: Final = "pydynox.attempts"
RETRIED: Final = "pydynox.retried"
UNPROCESSED_ROUND: Final = "pydynox.unprocessed.round"
RETRY_REASON: Final = "pydynox.retry.reason"

# The names the botocore instrumentation used before the database conventions were stable.
LEGACY_DB_SYSTEM: Final = "db.system"
LEGACY_DB_OPERATION: Final = "db.operation"
LEGACY_NET_PEER_NAME: Final = "net.peer.name"
LEGACY_NET_PEER_PORT: Final = "net.peer.port"
LEGACY_RPC_SYSTEM: Final = "rpc.system"
LEGACY_RPC_SERVICE: Final = "rpc.service"
LEGACY_RPC_METHOD: Final = "rpc.method"
LEGACY_AWS_REGION: Final = "aws.region"

# Params of an event that map one to one onto a convention attribute.
_PARAM_ATTRIBUTES: Final = {
    "consistent_read": CONSISTENT_READ,
    "projection": PROJECTION,
    "limit": LIMIT,
    "select": SELECT,
    "scan_forward": SCAN_FORWARD,
    "segment": SEGMENT,
    "total_segments": TOTAL_SEGMENTS,
}
# Expression params, captured only when asked: they hold attribute names and ``:placeholders``, never
# values (DynamoDB's expression grammar has no literals), but names alone can say more than an
# operator wants in a trace backend.
_EXPRESSION_ATTRIBUTES: Final = {
    "key_condition_expression": KEY_CONDITION_EXPRESSION,
    "filter_expression": FILTER_EXPRESSION,
    "condition_expression": CONDITION_EXPRESSION,
    "update_expression": UPDATE_EXPRESSION,
}
# The operations that can read through an index, and whose response carries Count/ScannedCount as the
# conventions define them.
_QUERY_OPERATIONS: Final = frozenset({"Query", "Scan"})
# The operations whose response can leave items or keys unprocessed, which pydynox sends again.
_UNPROCESSED_OPERATIONS: Final = frozenset({"BatchGetItem", "BatchWriteItem"})
_BATCH_OPERATIONS: Final = frozenset(
    {"BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems"}
)
# The codes pydynox raises as ProvisionedThroughputExceededException (every throttling code).
THROTTLING_CODES: Final = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "LimitExceededException",
        "Throttling",
    }
)

STABILITY_OPT_IN_ENV: Final = "OTEL_SEMCONV_STABILITY_OPT_IN"
_PLAIN_NAME: Final = re.compile(r"[A-Za-z0-9_.-]+")


def legacy_names_requested() -> bool:
    """True when ``OTEL_SEMCONV_STABILITY_OPT_IN`` lists ``database/dup`` (read at instrument time)."""
    opt_in = os.environ.get(STABILITY_OPT_IN_ENV, "")
    return "database/dup" in (part.strip() for part in opt_in.split(","))


class Shape:
    """What every event of one client, operation, table and outcome has in common: the span name,
    the operation's attributes (shared by the span and the duration, rows, throttle and retry points),
    the span's attributes that do not depend on the call, the attributes of the capacity points, and
    the event's own facts that decide the rest. Built once per shape, so that a call only adds what is
    its own and the metric points of every call of a shape share one attribute dict."""

    __slots__ = (
        "_capacity",
        "attributes",
        "batch",
        "counted",
        "error_code",
        "error_type",
        "indexed",
        "name",
        "operation",
        "resends_unprocessed",
        "retried_attributes",
        "span_attributes",
        "table",
        "throttled",
        "unprocessed_attributes",
    )

    _CAPACITY_LIMIT: Final = 256

    def __init__(self, event: OperationEvent, legacy: bool) -> None:
        self.operation = event.operation
        self.table = event.table
        self.error_type = event.error_type
        self.error_code = event.error_code
        self.throttled = self.error_code in THROTTLING_CODES
        self.batch = self.operation in _BATCH_OPERATIONS
        self.counted = self.indexed = self.operation in _QUERY_OPERATIONS
        self.resends_unprocessed = self.operation in _UNPROCESSED_OPERATIONS
        self.name = span_name(event, legacy)
        self.attributes = operation_attributes(event)
        self.retried_attributes: Attributes = {**self.attributes, RETRY_REASON: "error"}
        self.unprocessed_attributes: Attributes = {**self.attributes, RETRY_REASON: "unprocessed"}
        span = dict(self.attributes)
        if event.region is not None:
            span[CLOUD_REGION] = event.region
        if self.table is not None:
            span[TABLE_NAMES] = (self.table,)
        if legacy:
            span.update(legacy_attributes(event))
        self.span_attributes = span
        self._capacity: dict[str, Attributes] = {}

    def capacity_attributes(self, table: str) -> Attributes:
        """The attributes of this operation's capacity points for ``table`` (one dict per table)."""
        found = self._capacity.get(table)
        if found is None:
            # A transaction's shape meets every table it is ever given; bounded like the shapes.
            if len(self._capacity) >= self._CAPACITY_LIMIT:
                self._capacity.clear()
            found = self._capacity[table] = {
                DB_SYSTEM_NAME: DYNAMODB,
                DB_OPERATION_NAME: self.operation,
                DB_COLLECTION_NAME: table,
            }
        return found


class Shapes:
    """The shapes seen so far, keyed by what determines them. Clients, tables and error codes are few
    in an application; the bound only protects against one that creates clients without end."""

    _LIMIT: Final = 1024

    def __init__(self, legacy: bool) -> None:
        self._legacy = legacy
        self._shapes: dict[tuple[object, ...], Shape] = {}

    def of(self, event: OperationEvent) -> Shape:
        # Region and server are facts of the client, so its id stands for them.
        error_type = event.error_type
        if error_type is None:
            key: tuple[object, ...] = (event.client_id, event.operation, event.table)
        else:
            key = (event.client_id, event.operation, event.table, error_type, event.error_code)
        shape = self._shapes.get(key)
        if shape is None:
            if len(self._shapes) >= self._LIMIT:
                self._shapes.clear()
            shape = self._shapes[key] = Shape(event, self._legacy)
        return shape


def span_name(event: OperationEvent, legacy: bool) -> str:
    """``GetItem users`` by the conventions, or ``DynamoDB.GetItem`` as botocore named it."""
    if legacy:
        return f"DynamoDB.{event.operation}"
    return f"{event.operation} {event.table}" if event.table is not None else event.operation


def operation_attributes(event: OperationEvent) -> Attributes:
    """The low-cardinality attributes shared by the span and every metric of one operation.

    These are the ones the conventions list for ``db.client.operation.duration``. Since the operation
    is already over, they include its outcome (``error.type``): a head sampler, which sees the span's
    attributes when it starts, can keep every failed call.
    """
    attributes: Attributes = {DB_SYSTEM_NAME: DYNAMODB, DB_OPERATION_NAME: event.operation}
    if event.table is not None:
        attributes[DB_COLLECTION_NAME] = event.table
    if event.region is not None:
        attributes[DB_NAMESPACE] = event.region
    if event.server_address is not None:
        attributes[SERVER_ADDRESS] = event.server_address
    if event.server_port is not None:
        attributes[SERVER_PORT] = event.server_port
    if event.error_type is not None:
        attributes[ERROR_TYPE] = event.error_type
        if event.error_code is not None:
            attributes[DB_RESPONSE_STATUS_CODE] = event.error_code
    return attributes


def request_attributes(event: OperationEvent, shape: Shape, capture_expressions: bool) -> Attributes:
    """The span's attributes up to the request: the shape's, then what this call asked for (index,
    read options, a batch's tables and size, expressions). A new dict: the caller adds to it."""
    attributes = shape.span_attributes.copy()
    if shape.indexed:
        index = event.index
        if index is not None:
            attributes[INDEX_NAME] = index
    # Only what the call set is there: usually one or two params, so walk them, not every name.
    for param, value in event.params.items():
        name = _PARAM_ATTRIBUTES.get(param)
        if name is not None:
            attributes[name] = value
        elif param == "table_names":
            # A batch's or a transaction's tables (one table is already in the shape).
            if shape.table is None and value:
                attributes[TABLE_NAMES] = tuple(value)
        elif capture_expressions:
            name = _EXPRESSION_ATTRIBUTES.get(param)
            if name is not None:
                attributes[name] = value
            elif param == "statement":
                attributes[DB_QUERY_TEXT] = sanitize_statement(value)
    if shape.batch:
        # The conventions count a batch only from two operations up ("SHOULD never be 1").
        size = event.batch_size
        if size is not None and size > 1:
            attributes[DB_OPERATION_BATCH_SIZE] = size
    return attributes


def add_response_attributes(
    attributes: Attributes,
    event: OperationEvent,
    shape: Shape,
    consumed: dict[str, tuple[float, float]],
    attempts: int,
) -> Attributes:
    """Adds what DynamoDB answered: request id, counts, consumed capacity (``consumed``, the event's
    ``consumed_by_table``), how many attempts it took. Returns ``attributes``."""
    request_id = event.request_id
    if request_id is not None:
        attributes[AWS_REQUEST_ID] = request_id
    if shape.counted:
        if event.item_count is not None:
            attributes[COUNT] = event.item_count
        if event.scanned_count is not None:
            attributes[SCANNED_COUNT] = event.scanned_count
    if consumed:
        attributes[CONSUMED_CAPACITY] = consumed_capacity(consumed)
    if attempts > 1:
        attributes[ATTEMPTS] = attempts
    return attributes


def consumed_capacity(consumed: dict[str, tuple[float, float]]) -> tuple[str, ...]:
    """One JSON document per table, shaped like DynamoDB's ``ConsumedCapacity`` (the conventions'
    format for ``aws.dynamodb.consumed_capacity``), from an event's ``consumed_by_table``."""
    if len(consumed) == 1:
        for table, (rcu, wcu) in consumed.items():
            return _one_table_capacity(table, rcu, wcu)
    return tuple(_capacity_document(table, rcu, wcu) for table, (rcu, wcu) in consumed.items())


@lru_cache(maxsize=256)
def _one_table_capacity(table: str, rcu: float, wcu: float) -> tuple[str]:
    # The common case, a single table, cached as the attribute value itself.
    return (_capacity_document(table, rcu, wcu),)


@lru_cache(maxsize=256)
def _capacity_document(table: str, rcu: float, wcu: float) -> str:
    # Nearly every call reports one of a few (table, units) pairs, hence the cache; and formatting by
    # hand costs a fraction of json.dumps. DynamoDB table names need no JSON escaping
    # ([A-Za-z0-9_.-]); anything else goes through json.
    name = f'"{table}"' if _PLAIN_NAME.fullmatch(table) else json.dumps(table)
    return (
        f'{{"TableName":{name},"CapacityUnits":{rcu + wcu!r},'
        f'"ReadCapacityUnits":{rcu!r},"WriteCapacityUnits":{wcu!r}}}'
    )


def legacy_attributes(event: OperationEvent) -> Attributes:
    """The names dashboards built on the botocore instrumentation filter on."""
    attributes: Attributes = {
        LEGACY_DB_SYSTEM: "dynamodb",
        LEGACY_DB_OPERATION: event.operation,
        LEGACY_RPC_SYSTEM: "aws-api",
        LEGACY_RPC_SERVICE: "DynamoDB",
        LEGACY_RPC_METHOD: event.operation,
    }
    if event.server_address is not None:
        attributes[LEGACY_NET_PEER_NAME] = event.server_address
    if event.server_port is not None:
        attributes[LEGACY_NET_PEER_PORT] = event.server_port
    if event.region is not None:
        attributes[LEGACY_AWS_REGION] = event.region
    return attributes
