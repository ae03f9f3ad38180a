"""Hydration benchmark: a 1000-item query into model instances, this pydynox vs pydynox 1.8.0 (PyPI).

Run from the repository root::

    uv run --no-sync python benchmarks/bench_hydration.py            # full run (a few minutes on 2 cores)
    uv run --no-sync python benchmarks/bench_hydration.py --quick    # short run (about a minute)

One moto server (a child process) holds one partition of 1000 items of ~1 KB. Each contender runs in
its own interpreter, started by this script:

* **this pydynox**: the interpreter running this script (the repository's environment);
* **pydynox 1.8.0**: a separate virtual environment with ``pydynox==1.8.0`` from PyPI (see
  benchmarks/README.md; ``--pydynox18-python`` points at its interpreter);
* **reference**: boto3 (client and resource) and the floor, ``orjson.loads`` of the very response bytes
  moto sent (``--reference-python``; by default the first of this interpreter / the 1.8 venv that has
  both boto3 and orjson).

Both pydynox versions load the same model class (``MODEL_SOURCE``, executed as is in each interpreter).
``time.process_time_ns()`` of a worker counts that worker's CPU only (its Python code and its Rust
threads); moto's CPU is in another process. See benchmarks/README.md.

The module imports only the standard library at the top: the workers run it in interpreters that do not
have this repository's packages.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

REGION = "us-east-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
PK = "BENCH"
ITEMS = 1000

DEFAULT_PYDYNOX18_PYTHON = ROOT.parent / "bench-venvs" / "pydynox18" / "bin" / "python"

# The model, as source text: executed unchanged by both pydynox versions (they share this API). The
# namespace provides CLIENT and TABLE.
MODEL_SOURCE = """
from pydynox import Model, ModelConfig
from pydynox.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    StringAttribute,
    StringSetAttribute,
)


class BenchItem(Model):
    model_config = ModelConfig(table=TABLE, client=CLIENT)

    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    name = StringAttribute()
    email = StringAttribute()
    status = StringAttribute()
    created_at = StringAttribute()
    order_count = NumberAttribute()
    balance = NumberAttribute()
    verified = BooleanAttribute()
    address = MapAttribute()
    recent_orders = ListAttribute()
    tags = StringSetAttribute()
    description = StringAttribute()
"""

MODEL_FIELDS = (
    "pk", "sk", "name", "email", "status", "created_at", "order_count", "balance", "verified",
    "address", "recent_orders", "tags", "description",
)  # fmt: skip


# ----------------------------------------------------------------------------------------------------
# Worker side (stdlib only at import time)


def _measure(fn: Callable[[], Any]) -> tuple[int, int, Any]:
    gc.collect()
    w0 = time.perf_counter_ns()
    c0 = time.process_time_ns()
    out = fn()
    c1 = time.process_time_ns()
    w1 = time.perf_counter_ns()
    return c1 - c0, w1 - w0, out


def _run(
    contenders: dict[str, Callable[[], Any]], check: Callable[[str, Any], None], reps: int, warmup: int
) -> dict[str, list[list[int]]]:
    """Warm every contender up, then ``reps`` rounds, each running every contender once in an order
    rotated per round. Returns ``{name: [[cpu_ns, wall_ns], ...]}``."""
    names = list(contenders)
    for name in names:
        for _ in range(warmup):
            check(name, contenders[name]())
    samples: dict[str, list[list[int]]] = {name: [] for name in names}
    for r in range(reps):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            cpu, wall, out = _measure(contenders[name])
            check(name, out)
            del out  # freed outside the timed region, alike for every contender
            samples[name].append([cpu, wall])
    return samples


def describe(value: Any) -> str:
    """The Python types of a value, recursively: ``dict{a:int,b:list[Decimal]}``, ``set[str]``..."""
    if isinstance(value, dict):
        inner = ",".join(f"{k}:{describe(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0])))
        return f"{type(value).__name__}{{{inner}}}"
    if isinstance(value, (list, tuple, set, frozenset)):
        return f"{type(value).__name__}[{'|'.join(sorted({describe(v) for v in value}))}]"
    return type(value).__name__


def field_types(items: list[Any], get: Callable[[Any, str], Any]) -> dict[str, str]:
    """For each model field, the union of the types it was loaded as, over all ``items``."""
    return {f: " | ".join(sorted({describe(get(it, f)) for it in items})) for f in MODEL_FIELDS}


def plain(value: Any) -> Any:
    """A JSON-able, type-blind form of a value, to compare what two libraries loaded."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v) for v in value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)):
        d = Decimal(str(value))
        return str(d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize())
    return repr(value)


def _versions(*dists: str) -> dict[str, str | None]:
    import importlib.metadata

    out: dict[str, str | None] = {}
    for dist in dists:
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def worker_pydynox(args: argparse.Namespace) -> dict[str, Any]:
    import pydynox
    from pydynox import DynamoDBClient

    client = DynamoDBClient(
        region=REGION, endpoint_url=args.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY
    )
    namespace: dict[str, Any] = {"CLIENT": client, "TABLE": args.table, "__name__": "bench_model"}
    exec(compile(MODEL_SOURCE, "<MODEL_SOURCE>", "exec"), namespace)
    model = namespace["BenchItem"]
    loop = asyncio.new_event_loop()

    def sync_models() -> list[Any]:
        return list(model.sync_query(partition_key=PK))

    async def _async_models() -> list[Any]:
        return [m async for m in model.query(partition_key=PK)]

    def async_models() -> list[Any]:
        return loop.run_until_complete(_async_models())

    def sync_dicts() -> list[Any]:
        return list(model.sync_query(partition_key=PK, as_dict=True))

    stored = sync_dicts()

    def from_dict() -> list[Any]:
        return [model.from_dict(d) for d in stored]

    contenders = {
        "sync_query -> models": sync_models,
        "query (async) -> models": async_models,
        "sync_query(as_dict=True) -> dicts": sync_dicts,
        "from_dict x1000 (no I/O)": from_dict,
    }

    def check(name: str, out: list[Any]) -> None:
        if len(out) != args.items:
            raise RuntimeError(f"{name}: {len(out)} items, expected {args.items}")
        want = dict if "dicts" in name else model
        if not isinstance(out[0], want) or not isinstance(out[-1], want):
            raise RuntimeError(f"{name}: got {type(out[0]).__name__}, expected {want.__name__}")

    try:
        samples = _run(contenders, check, args.reps, args.warmup)
        models = sync_models()
        async_loaded = async_models()
    finally:
        loop.close()
    return {
        "kind": "pydynox",
        "pydynox_version": pydynox.__version__,
        "pydynox_file": pydynox.__file__,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "samples": samples,
        "model_types": field_types(models, getattr),
        "model_values": [plain({f: getattr(m, f) for f in MODEL_FIELDS}) for m in models],
        "async_model_types": field_types(async_loaded, getattr),
        "dict_types": field_types(stored, dict.get),
        "from_dict_types": field_types(from_dict(), getattr),
    }


def worker_reference(args: argparse.Namespace) -> dict[str, Any]:
    import http.client
    import json as stdlib_json
    import urllib.parse

    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    try:
        import orjson
    except ImportError:
        orjson = None

    session = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    )
    client = session.client("dynamodb", endpoint_url=args.endpoint)
    table = session.resource("dynamodb", endpoint_url=args.endpoint).Table(args.table)
    query_args = {
        "TableName": args.table,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": PK}},
    }

    # The raw response bodies of one full query, exactly as moto sent them.
    raw_pages: list[bytes] = []

    def capture(http_response: Any, **_: Any) -> None:
        raw_pages.append(http_response.content)

    client.meta.events.register("after-call.dynamodb.Query", capture)
    for _ in client.get_paginator("query").paginate(**query_args):
        pass
    client.meta.events.unregister("after-call.dynamodb.Query", capture)

    def boto_client() -> list[Any]:
        items: list[Any] = []
        for page in client.get_paginator("query").paginate(**query_args):
            items.extend(page["Items"])
        return items

    def boto_resource() -> list[Any]:
        from boto3.dynamodb.conditions import Key

        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(PK)}
        items: list[Any] = []
        while True:
            page = table.query(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    loads = stdlib_json.loads if orjson is None else orjson.loads
    url = urllib.parse.urlsplit(args.endpoint)
    credentials = Credentials(ACCESS_KEY, SECRET_KEY)
    signer = SigV4Auth(credentials, "dynamodb", REGION)

    def raw_http() -> list[Any]:
        """The least a Python client can do: sign, POST with http.client, parse with orjson."""
        body: dict[str, Any] = dict(query_args)
        items: list[Any] = []
        conn = http.client.HTTPConnection(url.hostname, url.port)
        try:
            while True:
                data = stdlib_json.dumps(body).encode()
                request = AWSRequest(
                    method="POST",
                    url=args.endpoint + "/",
                    data=data,
                    headers={
                        "Content-Type": "application/x-amz-json-1.0",
                        "X-Amz-Target": "DynamoDB_20120810.Query",
                    },
                )
                signer.add_auth(request)
                conn.request("POST", "/", body=data, headers=dict(request.headers.items()))
                response = conn.getresponse()
                raw = response.read()
                if response.status != 200:
                    raise RuntimeError(f"raw query: HTTP {response.status} {raw[:200]!r}")
                page = loads(raw)
                items.extend(page["Items"])
                if "LastEvaluatedKey" not in page:
                    return items
                body["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        finally:
            conn.close()

    def parse_only() -> list[Any]:
        return [it for body in raw_pages for it in loads(body)["Items"]]

    def stdlib_loads() -> list[Any]:
        return [it for body in raw_pages for it in stdlib_json.loads(body)["Items"]]

    parser_name = "json" if orjson is None else "orjson"
    contenders: dict[str, Callable[[], Any]] = {
        "boto3::client query, paginator (typed JSON dicts)": boto_client,
        "boto3::resource Table.query (plain dicts)": boto_resource,
        f"raw HTTP floor::SigV4 + http.client + {parser_name}.loads (typed JSON dicts)": raw_http,
        "json.loads::of the response bytes (no I/O)": stdlib_loads,
    }
    if orjson is not None:
        contenders["orjson.loads (floor)::of the response bytes (no I/O)"] = parse_only

    def check(name: str, out: list[Any]) -> None:
        if len(out) != args.items:
            raise RuntimeError(f"{name}: {len(out)} items, expected {args.items}")

    samples = _run(contenders, check, args.reps, args.warmup)
    resource_items = boto_resource()
    return {
        "kind": "reference",
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "versions": _versions("boto3", "botocore", "orjson"),
        "samples": samples,
        "raw_pages": len(raw_pages),
        "raw_bytes": sum(len(b) for b in raw_pages),
        "resource_types": field_types(resource_items, dict.get),
        "resource_values": [plain({f: it[f] for f in MODEL_FIELDS}) for it in resource_items],
    }


def worker_main(args: argparse.Namespace) -> int:
    result = worker_pydynox(args) if args.worker == "pydynox" else worker_reference(args)
    Path(args.out).write_text(json.dumps(result))
    return 0


# ----------------------------------------------------------------------------------------------------
# Orchestrator side (runs in the repository's environment)


def seed(endpoint: str, table_name: str) -> dict[str, Any]:
    """Creates the table and writes the 1000 items with boto3 (independently of either pydynox)."""
    sys.path.insert(0, str(HERE))
    import boto3
    from bench_client import item_size, make_item, typed

    session = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    )
    client = session.client("dynamodb", endpoint_url=endpoint)
    client.create_table(
        TableName=table_name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=table_name)
    items = [make_item(PK, i) for i in range(ITEMS)]
    with session.resource("dynamodb", endpoint_url=endpoint).Table(table_name).batch_writer() as writer:
        for item in items:
            writer.put_item(Item=item)
    count = 0
    pages = 0
    for page in client.get_paginator("query").paginate(
        TableName=table_name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": PK}},
    ):
        count += page["Count"]
        pages += 1
    if count != ITEMS:
        raise RuntimeError(f"seeded {count} items, expected {ITEMS}")
    sizes = [item_size(it) for it in items]
    return {
        "table": table_name,
        "items": count,
        "query_pages": pages,
        "item_size_bytes_min": min(sizes),
        "item_size_bytes_max": max(sizes),
        "item_typed_json_bytes": len(json.dumps(typed(items[0]), default=str)),
        "item_attributes": sorted(items[0]),
    }


def _has_modules(python: str, *modules: str) -> bool:
    code = "import " + ", ".join(modules)
    return subprocess.run([python, "-c", code], capture_output=True, env=_clean_env()).returncode == 0


def _clean_env() -> dict[str, str]:
    """The environment for worker interpreters: nothing that could make one import another's packages."""
    env = dict(os.environ)
    for var in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"):
        env.pop(var, None)
    return env


def run_worker(python: str, kind: str, endpoint: str, table: str, reps: int, warmup: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-hydration-") as tmp:
        out = Path(tmp) / "out.json"
        cmd = [
            python, str(Path(__file__).resolve()), "--worker", kind, "--endpoint", endpoint,
            "--table", table, "--reps", str(reps), "--warmup", str(warmup), "--items", str(ITEMS),
            "--out", str(out),
        ]  # fmt: skip
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=_clean_env(), cwd=tempfile.gettempdir()
        )
        if proc.returncode != 0:
            raise RuntimeError(f"worker {kind} ({python}) failed:\n{proc.stdout}\n{proc.stderr}")
        result: dict[str, Any] = json.loads(out.read_text())
        result["stderr"] = proc.stderr[-2000:]
        return result


def _fmt_us(us: float) -> str:
    return f"{us:,.0f}" if us >= 100 else f"{us:,.1f}" if us >= 1 else f"{us:,.2f}"


def _fmt_ms(ms: float) -> str:
    return f"{ms:,.1f} ms" if ms >= 10 else f"{ms:,.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one round of 3 repetitions (about a minute)")
    parser.add_argument(
        "--pydynox18-python",
        default=os.environ.get("PYDYNOX18_PYTHON", str(DEFAULT_PYDYNOX18_PYTHON)),
        help="interpreter of the venv with pydynox==1.8.0 (default: $PYDYNOX18_PYTHON or %(default)s)",
    )
    parser.add_argument(
        "--reference-python",
        default=None,
        help="interpreter for boto3 and the orjson floor (needs boto3, orjson optional)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=HERE / "results" / "hydration-latest.json",
        help="where to write the results",
    )
    # Worker mode (internal).
    parser.add_argument("--worker", choices=("pydynox", "reference"), help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    parser.add_argument("--table", help=argparse.SUPPRESS)
    parser.add_argument("--reps", type=int, default=7, help=argparse.SUPPRESS)
    parser.add_argument("--warmup", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--items", type=int, default=ITEMS, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args)

    rounds, reps, warmup = (1, 3, 1) if args.quick else (3, 3, 1)
    started = time.perf_counter()

    # Interpreters.
    workers: list[tuple[str, str, str]] = [("pydynox (this repo)", sys.executable, "pydynox")]
    p18 = args.pydynox18_python
    if Path(p18).exists() and _has_modules(p18, "pydynox"):
        workers.append(("pydynox 1.8.0", p18, "pydynox"))
    else:
        print(f"!! no pydynox 1.8 interpreter at {p18}: the 1.8 rows are skipped (see benchmarks/README.md)")
    ref = args.reference_python
    if ref is None:
        for candidate in (sys.executable, p18):
            if Path(candidate).exists() and _has_modules(candidate, "boto3", "orjson"):
                ref = candidate
                break
        else:
            ref = sys.executable
            print("!! no interpreter with orjson found: the orjson floor row is skipped")
    workers.append(("reference", ref, "reference"))

    sys.path.insert(0, str(ROOT / "tests"))
    from support.moto_server import MotoServer

    print(f"pydynox hydration benchmark ({'quick' if args.quick else 'full'} run)")
    server = MotoServer().start()
    raw: list[dict[str, Any]] = []
    try:
        print(f"  moto server at {server.endpoint_url} (pid {server.pid})")
        t0 = time.perf_counter()
        dataset = seed(server.endpoint_url, f"hydration-{uuid.uuid4().hex[:10]}")
        print(
            f"  seeded {dataset['items']} items of {dataset['item_size_bytes_min']}-"
            f"{dataset['item_size_bytes_max']} B ({dataset['query_pages']} query page(s)) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        for r in range(rounds):
            k = r % len(workers)
            for label, python, kind in workers[k:] + workers[:k]:
                t1 = time.perf_counter()
                print(f"  round {r + 1}/{rounds}: {label} ({python}) ... ", end="", flush=True)
                result = run_worker(python, kind, server.endpoint_url, dataset["table"], reps, warmup)
                result["label"] = label
                result["round"] = r
                raw.append(result)
                print(f"{time.perf_counter() - t1:.1f} s")
    finally:
        server.stop()
    elapsed = time.perf_counter() - started

    # Merge the rounds: {(label, contender): [[cpu_ns, wall_ns], ...]}.
    merged: dict[tuple[str, str], list[list[int]]] = {}
    info: dict[str, dict[str, Any]] = {}
    for result in raw:
        info.setdefault(result["label"], result)
        for name, samples in result["samples"].items():
            merged.setdefault((result["label"], name), []).extend(samples)

    def median_cpu_us(key: tuple[str, str]) -> float | None:
        s = merged.get(key)
        return None if not s else statistics.median(c for c, _ in s) / 1e3 / ITEMS

    floor = median_cpu_us(("reference", "orjson.loads (floor)::of the response bytes (no I/O)"))
    http_floor = next((median_cpu_us(k) for k in merged if k[1].startswith("raw HTTP floor::")), None)
    rows: list[dict[str, Any]] = []
    for (label, name), samples in merged.items():
        cpu = [c for c, _ in samples]
        wall = [w for _, w in samples]
        per_item = statistics.median(cpu) / 1e3 / ITEMS
        old = median_cpu_us(("pydynox 1.8.0", name)) if label == "pydynox (this repo)" else None
        rows.append({
            "library": label if label != "reference" else name.split("::", 1)[0],
            "path": name if label != "reference" else name.split("::", 1)[1],
            "contender": name,
            "worker": label,
            "samples": len(samples),
            "cpu_us_per_item_median": per_item,
            "cpu_us_per_item_min": min(cpu) / 1e3 / ITEMS,
            "cpu_us_per_item_max": max(cpu) / 1e3 / ITEMS,
            "cpu_ms_per_query_median": statistics.median(cpu) / 1e6,
            "wall_ms_per_query_median": statistics.median(wall) / 1e6,
            "vs_pydynox_18": None if old is None else per_item / old,
            "vs_orjson_floor": None if floor is None else per_item / floor,
            "vs_raw_http_floor": None if http_floor is None or "no I/O" in name else per_item / http_floor,
            "cpu_ms_all": [c / 1e6 for c in cpu],
            "wall_ms_all": [w / 1e6 for w in wall],
        })  # fmt: skip

    header = (
        "| Library | Path | Client CPU µs/item (median) | min / max | Wall per query | vs 1.8.0 "
        "| vs orjson.loads floor | vs raw HTTP floor |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|"
    )
    lines = [header]
    for row in rows:
        vs18 = "—" if row["vs_pydynox_18"] is None else f"{row['vs_pydynox_18']:.2f}x"
        vsf = "—" if row["vs_orjson_floor"] is None else f"{row['vs_orjson_floor']:.1f}x"
        vsh = "—" if row["vs_raw_http_floor"] is None else f"{row['vs_raw_http_floor']:.1f}x"
        no_io = "no I/O" in row["path"]
        lines.append(
            f"| {row['library']} | {row['path']} | {_fmt_us(row['cpu_us_per_item_median'])} | "
            f"{_fmt_us(row['cpu_us_per_item_min'])} / {_fmt_us(row['cpu_us_per_item_max'])} | "
            f"{'—' if no_io else _fmt_ms(row['wall_ms_per_query_median'])} | {vs18} | {vsf} | {vsh} |"
        )
    table = "\n".join(lines)

    # What each library hands back: the types of every field over all items, and the values.
    notes: list[str] = []
    ours = info.get("pydynox (this repo)")
    old18 = info.get("pydynox 1.8.0")
    reference = info.get("reference")
    if ours and old18:
        for field_name in MODEL_FIELDS:
            a, b = ours["model_types"][field_name], old18["model_types"][field_name]
            if a != b:
                notes.append(f"{field_name}: this repo {a}; 1.8.0 {b}")
        if ours["model_values"] != old18["model_values"]:
            notes.append("the loaded values differ between this repo and 1.8.0 (beyond their types)")
    for who in (ours, old18):
        if who is None:
            continue
        for key in ("async_model_types", "from_dict_types", "dict_types"):
            if who[key] != who["model_types"]:
                notes.append(f"{who['label']}: {key} differ from the sync_query model types")
    if ours and reference and ours["model_values"] != reference["resource_values"]:
        notes.append("the loaded values differ between this repo and boto3's resource API")

    print()
    print(
        f"Machine: {os.cpu_count()} CPUs, {platform.platform()}; Python {sys.version.split()[0]}; "
        + "; ".join(
            f"{lbl}: pydynox {r.get('pydynox_version')} ({r['executable']})"
            for lbl, r in info.items()
            if r["kind"] == "pydynox"
        )
        + (f"; reference: {reference['versions']}" if reference else "")
    )
    print(
        f"Run: {'quick' if args.quick else 'full'}; {rounds} round(s) x {reps} reps per worker "
        f"(median of {rounds * reps}); {ITEMS} items of ~{dataset['item_size_bytes_max']} B "
        f"({dataset['item_typed_json_bytes']} B typed JSON each), {dataset['query_pages']} page(s), "
        + (f"{reference['raw_bytes']:,} response bytes; " if reference else "")
        + f"total {elapsed:.0f} s"
    )
    print()
    print(table)
    print()
    print("Client CPU = time.process_time() of the worker process (all its threads, incl. the Rust")
    print("runtime's); moto runs in another process. Wall per query is mostly moto's own latency.")
    print("'no I/O' rows work on data already in memory (the floor parses the captured response bytes).")
    if notes:
        print()
        print("Differences in what the libraries return (types over all 1000 items):")
        for note in notes:
            print(f"  * {note}")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "rounds": rounds,
        "reps_per_round": reps,
        "warmup": warmup,
        "dataset": dataset,
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform()},
        "workers": {
            lbl: {k: v for k, v in r.items() if k not in ("samples", "round")} for lbl, r in info.items()
        },
        "elapsed_s": elapsed,
        "results": rows,
        "notes": notes,
        "markdown": table,
    }
    args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"\nJSON written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
