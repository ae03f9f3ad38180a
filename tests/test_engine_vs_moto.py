"""Differential tests: the same random sequences of DynamoDB requests sent to the embedded engine
(``pydynox local`` over HTTP) and to moto's server, through boto3's low-level client, and what they
answer compared: items, errors by code, pages.

Every step applies one operation to both servers; after every step both tables are scanned and must
hold the same items. Hypothesis runs a bounded number of derandomized examples (the same sequences
on every run), so the test stops by itself in well under a minute. To explore further:
``PYDYNOX_DIFF_EXAMPLES=300 PYDYNOX_DIFF_RANDOM=1`` (new sequences each run), and
``PYDYNOX_DIFF_SHRINK=1`` to shrink a failing sequence.

Where DynamoDB and moto differ and the engine follows DynamoDB, the comparison normalises or the
generator stays away from it, each with a comment:

- a page that reaches ``Limit`` at the very end carries a ``LastEvaluatedKey`` on DynamoDB (and the
  engine); moto leaves it out. Pages are compared after dropping the final empty page this causes.
- ``TransactGetItems`` reading one item twice is refused by DynamoDB; the generator reads distinct keys.
- PartiQL ``INSERT`` with ``?`` parameters fails on moto; PartiQL is not generated here (it has its own
  tests on both backends in test_partiql.py).
- Scan order is not specified by DynamoDB (it follows a hash of the partition key): scans are compared
  as multisets of items, not page by page.
- Items with equal index sort key values come back in an unspecified order: index queries are
  compared with ties ordered by the table key, after checking each server's own order.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from support.clients import boto3_client, unique_name
from support.moto_server import MotoServer

# -- the two servers -------------------------------------------------------------------------------


def _boto(url: str) -> Any:
    # One attempt: a retried request would hide what the server answered first.
    return boto3_client(url, config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))


@pytest.fixture(scope="module")
def servers(moto_server: MotoServer) -> Iterator[tuple[Any, Any]]:
    from pydynox.local import LocalEngine

    engine = LocalEngine(None)
    with engine.serve() as http:
        yield _boto(http.endpoint_url), _boto(moto_server.endpoint_url)
    engine.discard()


# -- values and expressions ------------------------------------------------------------------------

PKS = ["a", "b"]
SKS = [0, 1, 2, 3, 4]
GROUPS = ["g1", "g2"]

# Numbers as a client may write them ("0.10", "-0"). Not in exponent notation: moto stores "1E+1"
# as given and then fails to compute with it ("invalid literal for int()").
numbers = st.one_of(st.integers(-3, 6), st.sampled_from(["1.5", "-0.25", "100", "0.10", "-0"])).map(
    lambda n: {"N": str(n)}
)
strings = st.sampled_from(["", "x", "xy", "y", "yz"]).map(lambda s: {"S": s})
string_sets = st.sets(st.sampled_from("pqr"), min_size=1).map(lambda s: {"SS": sorted(s)})
number_sets = st.sets(st.integers(0, 4), min_size=1).map(lambda s: {"NS": [str(n) for n in sorted(s)]})
scalars = st.one_of(numbers, strings, st.booleans().map(lambda b: {"BOOL": b}), st.just({"NULL": True}))
lists = st.lists(scalars, max_size=3).map(lambda v: {"L": v})
maps = st.dictionaries(st.sampled_from(["k", "j"]), scalars, max_size=2).map(lambda m: {"M": m})
# The attributes items may have, each with its own kind of value. `g` and `n` are the key of the
# global index `by-g`; `g`, `s` and `n` the multi-attribute key of `by-gsn` (HASH g, RANGE s, n).
ATTRIBUTES: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "n": numbers,
    "s": strings,
    "g": st.sampled_from(GROUPS).map(lambda g: {"S": g}),
    "ss": string_sets,
    "ns": number_sets,
    "l": lists,
    "m": maps,
    "f": st.booleans().map(lambda b: {"BOOL": b}),
}


def keys() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda p, s: {"pk": {"S": p}, "sk": {"N": str(s)}}, st.sampled_from(PKS), st.sampled_from(SKS)
    )


def key_text(key: dict[str, Any]) -> tuple[str, str]:
    return key["pk"]["S"], key["sk"]["N"]


@st.composite
def items(draw: st.DrawFn, valid: bool = False) -> dict[str, Any]:
    """An item; ``valid`` leaves out the empty string, refused as a value of an index key (`s`)."""
    item = draw(keys())
    for name in draw(st.sets(st.sampled_from(sorted(ATTRIBUTES)), max_size=5)):
        item[name] = draw(ATTRIBUTES[name])
    if valid and item.get("s") == {"S": ""}:
        del item["s"]
    return item


class Expr:
    """Builds one request's expressions with their placeholders."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self._ids = itertools.count()

    def value(self, v: dict[str, Any]) -> str:
        name = f":v{next(self._ids)}"
        self.values[name] = v
        return name

    def params(self) -> dict[str, Any]:
        return {"ExpressionAttributeValues": self.values} if self.values else {}


@st.composite
def conditions(draw: st.DrawFn, e: Expr, depth: int = 0) -> str:
    kind = draw(st.integers(0, 9 if depth < 1 else 7))
    if kind == 0:
        return "attribute_exists(pk)"
    if kind == 1:
        return "attribute_not_exists(pk)"
    if kind == 2:
        op = draw(st.sampled_from(["=", "<>", "<", "<=", ">", ">="]))
        return f"n {op} {e.value(draw(numbers))}"
    if kind == 3:
        lo, hi = sorted([draw(st.integers(-3, 6)), draw(st.integers(-3, 6))])
        return f"n BETWEEN {e.value({'N': str(lo)})} AND {e.value({'N': str(hi)})}"
    if kind == 4:
        return f"begins_with(s, {e.value(draw(strings))})"
    if kind == 5:
        return f"contains(ss, {e.value({'S': draw(st.sampled_from('pqr'))})})"
    if kind == 6:
        # On DynamoDB (and the engine) size() of a missing attribute makes the comparison false;
        # moto answers ValidationException. The guard keeps the two comparable.
        return f"attribute_exists(l) AND size(l) > {e.value({'N': str(draw(st.integers(0, 2)))})}"
    if kind == 7:
        return f"attribute_type(n, {e.value({'S': draw(st.sampled_from(['N', 'S']))})})"
    if kind == 8:
        return f"NOT ({draw(conditions(e, depth + 1))})"
    op = draw(st.sampled_from(["AND", "OR"]))
    return f"({draw(conditions(e, depth + 1))}) {op} ({draw(conditions(e, depth + 1))})"


@st.composite
def updates(draw: st.DrawFn, e: Expr) -> str:
    """An UpdateExpression of one to three actions, on distinct attributes."""
    v = e.value
    choices: dict[str, list[Any]] = {
        "n": [
            lambda: ("SET", f"n = {v(draw(numbers))}"),
            lambda: ("SET", f"n = n + {v(draw(numbers))}"),
            lambda: ("SET", f"n = if_not_exists(n, {v(draw(numbers))}) - {v(draw(numbers))}"),
            lambda: ("ADD", f"n {v(draw(numbers))}"),
        ],
        "s": [
            lambda: ("SET", f"s = {v(draw(strings))}"),
            lambda: ("SET", f"s = if_not_exists(s, {v(draw(strings))})"),
            lambda: ("REMOVE", "s"),
        ],
        "g": [lambda: ("SET", f"g = {v(draw(ATTRIBUTES['g']))}"), lambda: ("REMOVE", "g")],
        "l": [
            lambda: ("SET", f"l = list_append(if_not_exists(l, {v({'L': []})}), {v(draw(lists))})"),
            lambda: ("REMOVE", "l[0]"),
            lambda: ("SET", f"l[1] = {v(draw(scalars))}"),
            lambda: ("SET", f"l = {v(draw(lists))}"),
        ],
        "m": [
            lambda: ("SET", f"m.k = {v(draw(scalars))}"),
            lambda: ("REMOVE", "m.j"),
            lambda: ("SET", f"m = {v(draw(maps))}"),
            lambda: ("REMOVE", "m"),
        ],
    }
    for name in ("ss", "ns"):
        choices[name] = [
            lambda name=name: ("ADD", f"{name} {v(draw(ATTRIBUTES[name]))}"),
            lambda name=name: ("DELETE", f"{name} {v(draw(ATTRIBUTES[name]))}"),
            lambda name=name: ("SET", f"{name} = {v(draw(ATTRIBUTES[name]))}"),
            lambda name=name: ("REMOVE", name),
        ]
    actions: dict[str, list[str]] = {"SET": [], "REMOVE": [], "ADD": [], "DELETE": []}
    for name in draw(st.lists(st.sampled_from(sorted(choices)), min_size=1, max_size=3, unique=True)):
        verb, text = draw(st.sampled_from(choices[name]))()
        actions[verb].append(text)
    return " ".join(f"{verb} {', '.join(parts)}" for verb, parts in actions.items() if parts)


# -- comparing answers -----------------------------------------------------------------------------

_deserialize = TypeDeserializer().deserialize


def plain(value: Any) -> Any:
    """An attribute map (or list of them) as Python values: numbers compare as Decimals (``1.50`` is
    ``1.5``), sets as sets."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    return {k: _deserialize(v) for k, v in value.items()}


def key_of(item: dict[str, Any]) -> tuple[str, Decimal]:
    return item["pk"], item["sk"]


def outcome(client: Any, operation: str, request: dict[str, Any]) -> tuple[str, Any]:
    """("ok", the answer without metadata) or ("error", the error code)."""
    try:
        answer = getattr(client, operation)(**request)
    except ClientError as e:
        code = e.response["Error"]["Code"]
        if "Item" in e.response:  # ReturnValuesOnConditionCheckFailure=ALL_OLD
            return "error", (code, plain(e.response["Item"]))
        return "error", code
    answer.pop("ResponseMetadata", None)
    answer.pop("ConsumedCapacity", None)
    return "ok", answer


def canonical(operation: str, request: dict[str, Any], answer: dict[str, Any]) -> Any:
    if operation in ("put_item", "update_item", "delete_item"):
        attributes = plain(answer.get("Attributes", {}))
        if request.get("ReturnValues", "").startswith("UPDATED_"):
            # Key attributes cannot be updated, so DynamoDB never returns them as UPDATED_*; moto
            # does when the update created the item.
            attributes = {k: v for k, v in attributes.items() if k not in ("pk", "sk")}
        return attributes
    if operation == "get_item":
        return plain(answer["Item"]) if "Item" in answer else None
    if operation == "batch_get_item":
        return {t: sorted((plain(i) for i in got), key=key_of) for t, got in answer["Responses"].items()}
    if operation == "transact_write_items":
        # moto adds an empty ItemCollectionMetrics that nobody asked for.
        return {k: v for k, v in answer.items() if v != {} or k != "ItemCollectionMetrics"}
    if operation == "batch_write_item":
        return answer.get("UnprocessedItems", {})
    if operation == "transact_get_items":
        return [plain(r["Item"]) if "Item" in r else None for r in answer["Responses"]]
    return answer


def cancellation_codes(client: Any, request: dict[str, Any]) -> list[str] | None:
    try:
        client.transact_write_items(**request)
    except ClientError as e:
        if e.response["Error"]["Code"] == "TransactionCanceledException":
            return [r["Code"] for r in e.response.get("CancellationReasons", [])]
    return None


def pages(client: Any, operation: str, request: dict[str, Any]) -> tuple[str, Any]:
    """Every page of a Query or Scan, following LastEvaluatedKey: ("ok", [(items, count, scanned,
    last key)]) or ("error", code)."""
    out = []
    start = None
    for _ in range(50):
        page_request = dict(request, **({"ExclusiveStartKey": start} if start else {}))
        kind, answer = outcome(client, operation, page_request)
        if kind == "error":
            return kind, answer
        start = answer.get("LastEvaluatedKey")
        out.append(
            (plain(answer.get("Items", [])), answer["Count"], answer["ScannedCount"], start and plain(start))
        )
        if not start:
            break
    # DynamoDB (and the engine) end a page that reaches Limit with a LastEvaluatedKey even when no
    # item follows; moto does not. Drop the empty page that follows, and the key that led to it.
    while len(out) > 1 and out[-1][:3] == ([], 0, 0):
        out.pop()
    out[-1] = (*out[-1][:3], None)
    return "ok", out


# -- the state machine -----------------------------------------------------------------------------


class EngineVsMoto(RuleBasedStateMachine):
    engine: Any
    moto: Any

    @initialize(data=st.data(), n=st.integers(5, 10))
    def create_table(self, data: st.DataObject, n: int) -> None:
        """The table on both servers, and items to start from, so that reads have pages to turn."""
        self.table = unique_name("diff")
        request = {
            "TableName": self.table,
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": [
                {"AttributeName": n, "AttributeType": t}
                for n, t in [("pk", "S"), ("sk", "N"), ("g", "S"), ("n", "N"), ("s", "S")]
            ],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "by-g",
                    "KeySchema": [
                        {"AttributeName": "g", "KeyType": "HASH"},
                        {"AttributeName": "n", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                },
                {
                    "IndexName": "by-gsn",
                    "KeySchema": [
                        {"AttributeName": "g", "KeyType": "HASH"},
                        {"AttributeName": "s", "KeyType": "RANGE"},
                        {"AttributeName": "n", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                },
            ],
        }
        for client in (self.engine, self.moto):
            client.create_table(**request)
        seeded = [
            {**data.draw(items(valid=True)), **key}
            for key in data.draw(st.lists(keys(), min_size=n, max_size=n, unique_by=key_text))
        ]
        for start in range(0, n, 6):
            batch = [{"PutRequest": {"Item": item}} for item in seeded[start : start + 6]]
            self.same("batch_write_item", {"RequestItems": {self.table: batch}})

    def teardown(self) -> None:
        if hasattr(self, "table"):
            for client in (self.engine, self.moto):
                client.delete_table(TableName=self.table)

    def same(self, operation: str, request: dict[str, Any]) -> tuple[str, Any]:
        engine = outcome(self.engine, operation, request)
        moto = outcome(self.moto, operation, request)
        if engine[0] == moto[0] == "ok":
            engine = ("ok", canonical(operation, request, engine[1]))
            moto = ("ok", canonical(operation, request, moto[1]))
            if request.get("ReturnValues", "").startswith("UPDATED_"):
                # UPDATED_* are the attributes the update expression names; moto leaves out those
                # whose value did not change (an ADD of set members already there, say).
                named = request["UpdateExpression"]
                engine = ("ok", {k: v for k, v in engine[1].items() if k in moto[1] or k not in named})
                if any(c in named for c in ".["):
                    # An updated nested path comes back as that path (``m.k`` as ``{"m": {"k": x}}``),
                    # and not at all when it held nothing (UPDATED_OLD of a new ``m.k``), on
                    # DynamoDB; moto returns the whole top-level attribute. The engine's attributes
                    # must be among moto's.
                    assert set(engine[1]) <= set(moto[1]), f"{request}\n engine: {engine}\n moto:   {moto}"
                    return engine
        assert engine == moto, f"{operation} {request}\n engine: {engine}\n moto:   {moto}"
        return engine

    # -- writes --

    @rule(
        data=st.data(), item=items(), conditional=st.integers(0, 2).map(lambda n: n == 0), old=st.booleans()
    )
    def put_item(self, data: st.DataObject, item: dict[str, Any], conditional: bool, old: bool) -> None:
        e = Expr()
        request: dict[str, Any] = {"TableName": self.table, "Item": item}
        if conditional:
            request["ConditionExpression"] = data.draw(conditions(e))
            if data.draw(st.booleans()):
                request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        if old:
            request["ReturnValues"] = "ALL_OLD"
        self.same("put_item", {**request, **e.params()})

    @rule(data=st.data(), key=keys(), conditional=st.booleans())
    def update_item(self, data: st.DataObject, key: dict[str, Any], conditional: bool) -> None:
        e = Expr()
        request: dict[str, Any] = {
            "TableName": self.table,
            "Key": key,
            "UpdateExpression": data.draw(updates(e)),
            "ReturnValues": data.draw(
                st.sampled_from(["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"])
            ),
        }
        if conditional:
            request["ConditionExpression"] = data.draw(conditions(e))
        self.same("update_item", {**request, **e.params()})

    @rule(data=st.data(), key=keys(), conditional=st.booleans())
    def delete_item(self, data: st.DataObject, key: dict[str, Any], conditional: bool) -> None:
        e = Expr()
        request: dict[str, Any] = {"TableName": self.table, "Key": key, "ReturnValues": "ALL_OLD"}
        if conditional:
            request["ConditionExpression"] = data.draw(conditions(e))
            if data.draw(st.booleans()):
                request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        self.same("delete_item", {**request, **e.params()})

    @rule(data=st.data(), n=st.integers(1, 6))
    def batch_write(self, data: st.DataObject, n: int) -> None:
        # DynamoDB refuses two writes to one key in a batch (the engine too); moto applies them.
        # Distinct keys only.
        writes = []
        for key in data.draw(st.lists(keys(), min_size=n, max_size=n, unique_by=key_text)):
            if data.draw(st.booleans()):
                writes.append({"PutRequest": {"Item": {**data.draw(items()), **key}}})
            else:
                writes.append({"DeleteRequest": {"Key": key}})
        self.same("batch_write_item", {"RequestItems": {self.table: writes}})

    @rule(data=st.data(), n=st.integers(1, 3))
    def transact_write(self, data: st.DataObject, n: int) -> None:
        actions = []
        distinct = st.lists(keys(), min_size=n, max_size=n, unique_by=key_text)
        for key in data.draw(distinct):
            e = Expr()  # each action carries only its own placeholders
            kind = data.draw(st.sampled_from(["Put", "Update", "Delete", "ConditionCheck"]))
            action: dict[str, Any] = {"TableName": self.table}
            if kind == "Put":
                action["Item"] = {**data.draw(items()), **key}
            else:
                action["Key"] = key
            if kind == "Update":
                action["UpdateExpression"] = data.draw(updates(e))
            if kind == "ConditionCheck" or data.draw(st.booleans()):
                action["ConditionExpression"] = data.draw(conditions(e))
            actions.append({kind: {**action, **e.params()}})
        request = {"TransactItems": actions}
        engine = outcome(self.engine, "transact_write_items", request)
        moto = outcome(self.moto, "transact_write_items", request)
        # A cancelled transaction changed nothing: sending it again shows the reasons.
        reasons = (
            cancellation_codes(self.engine, request) if engine[0] == "error" else None,
            cancellation_codes(self.moto, request) if moto[0] == "error" else None,
        )
        if moto == ("error", "ValidationException") and "ValidationError" in (reasons[0] or []):
            # An action that fails validation against the current item (an update of a missing
            # attribute, say) cancels the transaction with a ValidationError reason on DynamoDB;
            # moto answers a plain ValidationException. Either way nothing was written.
            return
        if engine[0] == moto[0] == "ok":
            engine = ("ok", canonical("transact_write_items", request, engine[1]))
            moto = ("ok", canonical("transact_write_items", request, moto[1]))
        assert engine == moto, f"transact_write_items {request}\n engine: {engine}\n moto:   {moto}"
        # Which actions failed, and why, must agree too (the state is unchanged on both).
        assert reasons[0] == reasons[1], f"cancellation reasons of {request}"

    # -- reads --

    @rule(key=keys(), projected=st.booleans())
    def get_item(self, key: dict[str, Any], projected: bool) -> None:
        request: dict[str, Any] = {"TableName": self.table, "Key": key, "ConsistentRead": True}
        if projected:
            request["ProjectionExpression"] = "pk, n, l[0], m.k"
        self.same("get_item", request)

    @rule(wanted=st.lists(keys(), min_size=1, max_size=4, unique_by=key_text))
    def batch_get(self, wanted: list[dict[str, Any]]) -> None:
        self.same("batch_get_item", {"RequestItems": {self.table: {"Keys": wanted, "ConsistentRead": True}}})
        # DynamoDB refuses reading one item twice in a transaction; moto does not: distinct keys only.
        self.same(
            "transact_get_items",
            {"TransactItems": [{"Get": {"TableName": self.table, "Key": k}} for k in wanted]},
        )

    @rule(
        data=st.data(),
        pk=st.sampled_from(PKS),
        limit=st.none() | st.integers(1, 3),
        forward=st.booleans(),
        filtered=st.integers(0, 2).map(lambda n: n == 0),
    )
    def query(self, data: st.DataObject, pk: str, limit: int | None, forward: bool, filtered: bool) -> None:
        e = Expr()
        condition = f"pk = {e.value({'S': pk})}"
        sort = data.draw(st.sampled_from([None, None, None, "=", "<", "<=", ">", ">=", "BETWEEN"]))
        if sort == "BETWEEN":
            lo, hi = sorted([data.draw(st.sampled_from(SKS)), data.draw(st.sampled_from(SKS))])
            condition += f" AND sk BETWEEN {e.value({'N': str(lo)})} AND {e.value({'N': str(hi)})}"
        elif sort is not None:
            condition += f" AND sk {sort} {e.value({'N': str(data.draw(st.sampled_from(SKS)))})}"
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": condition,
            "ScanIndexForward": forward,
            "ConsistentRead": True,
        }
        if filtered:
            request["FilterExpression"] = data.draw(conditions(e))
        if limit is not None:
            request["Limit"] = limit
        shape = data.draw(st.sampled_from([None, "projection", "count"]))
        if shape == "projection":
            request["ProjectionExpression"] = "sk, n, ss, m.k, l[1]"
        elif shape == "count":
            request["Select"] = "COUNT"
        request.update(e.params())
        engine, moto = pages(self.engine, "query", request), pages(self.moto, "query", request)
        assert engine == moto, f"query {request}\n engine: {engine}\n moto:   {moto}"

    @rule(data=st.data(), group=st.sampled_from(GROUPS), multi=st.booleans(), forward=st.booleans())
    def query_index(self, data: st.DataObject, group: str, multi: bool, forward: bool) -> None:
        e = Expr()
        condition = f"g = {e.value({'S': group})}"
        if multi:
            # by-gsn: RANGE s, then n. An equality on s may be followed by a condition on n.
            if data.draw(st.booleans()):
                condition += f" AND s = {e.value(data.draw(strings.filter(lambda v: v['S'] != '')))}"
                if data.draw(st.booleans()):
                    condition += f" AND n > {e.value(data.draw(numbers))}"
        elif data.draw(st.booleans()):
            condition += f" AND n >= {e.value(data.draw(numbers))}"
        index = "by-gsn" if multi else "by-g"
        request = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ScanIndexForward": forward,
            **e.params(),
        }
        results = []
        for client in (self.engine, self.moto):
            kind, answer = pages(client, "query", request)
            if kind == "error":
                results.append((kind, answer))
                continue
            found = [i for page in answer for i in page[0]]
            sort_key = (lambda i: (i["s"], i["n"])) if multi else (lambda i: i["n"])
            # Each server's own order follows the index sort key...
            assert [sort_key(i) for i in found] == sorted((sort_key(i) for i in found), reverse=not forward)
            # ...and items with equal sort values may come in any order: compare them by table key.
            results.append((kind, sorted(found, key=lambda i: (sort_key(i), key_of(i)))))
        assert results[0] == results[1], f"query {request}\n engine: {results[0]}\n moto:   {results[1]}"

    @rule(data=st.data(), limit=st.none() | st.integers(1, 4), filtered=st.booleans(), index=st.booleans())
    def scan(self, data: st.DataObject, limit: int | None, filtered: bool, index: bool) -> None:
        e = Expr()
        request: dict[str, Any] = {"TableName": self.table}
        if index:
            request["IndexName"] = "by-g"
        if filtered:
            request["FilterExpression"] = data.draw(conditions(e))
        if limit is not None:
            request["Limit"] = limit
        request.update(e.params())
        results = []
        for client in (self.engine, self.moto):
            kind, answer = pages(client, "scan", request)
            if kind == "ok":
                # Scan order is the server's own: compare what was read, and how much was scanned.
                answer = (
                    sorted((i for page in answer for i in page[0]), key=key_of),
                    sum(p[2] for p in answer),
                )
            results.append((kind, answer))
        assert results[0] == results[1], f"scan {request}\n engine: {results[0]}\n moto:   {results[1]}"

    @invariant()
    def same_items(self) -> None:
        if not hasattr(self, "table"):
            return
        found = []
        for client in (self.engine, self.moto):
            answer = client.scan(TableName=self.table, ConsistentRead=True)
            assert "LastEvaluatedKey" not in answer
            found.append(sorted(plain(answer["Items"]), key=key_of))
        assert found[0] == found[1], f"the tables differ\n engine: {found[0]}\n moto:   {found[1]}"


def test_engine_and_moto_agree(servers: tuple[Any, Any]) -> None:
    EngineVsMoto.engine, EngineVsMoto.moto = servers
    run = EngineVsMoto.TestCase()
    run.settings = settings(
        max_examples=int(os.environ.get("PYDYNOX_DIFF_EXAMPLES", "50")),
        stateful_step_count=30,
        deadline=None,
        derandomize=not os.environ.get("PYDYNOX_DIFF_RANDOM"),
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        # Shrinking a long sequence of requests to two servers can take many minutes; the failure
        # message already names the request and both answers. PYDYNOX_DIFF_SHRINK=1 shrinks.
        phases=list(Phase) if os.environ.get("PYDYNOX_DIFF_SHRINK") else [Phase.explicit, Phase.generate],
    )
    run.runTest()
