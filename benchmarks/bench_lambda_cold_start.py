"""Lambda cold start: a fresh process imports the library, builds its handler and serves one invocation.

Run from the repository root::

    uv run --no-sync python benchmarks/bench_lambda_cold_start.py                  # 20 samples per contender
    uv run --no-sync python benchmarks/bench_lambda_cold_start.py --quick          # 5 samples
    uv run --no-sync python benchmarks/bench_lambda_cold_start.py --backend moto   # one endpoint only

Each sample is a new interpreter running a small function module, as Lambda's init phase plus first
invocation would: imports, client construction, handler definition, then one call that reads one item
from a local endpoint over HTTP (a child process on a loopback port, seeded with the item) and returns
it. Two endpoints, every contender against each: ``moto`` (moto's server: a Python server that takes a
few milliseconds to answer and closes the connection) and ``local`` (``pydynox local``, the embedded
engine served over HTTP, which answers in well under a millisecond, so the figure is the client's own
start-up rather than the server's latency). Timed from
just before the process is spawned to the moment the first invocation returns (``time.time_ns()`` on
both sides), and, separately, to the moment its imports are done (interpreter start-up included).
``python -c pass``-style start-up is measured too, as the floor, and so is a module that only imports
asyncio and creates an event loop: the floor of any ``async def`` handler.

Contenders, each in its own interpreter:

* **pydynox-lambda**: this repository's environment; ``@handler`` on an ``async def`` and on a ``def``
  handler, with the client configured in the decorator (``GetItem`` through the invocation's client);
* **pydynox 1.8.0**: ``--pydynox18-python`` (the venv with ``pydynox==1.8.0`` from PyPI), a module-level
  client and ``sync_get_item`` in a plain handler;
* **boto3**: ``--peers-python``, a module-level ``boto3.client("dynamodb")`` and ``get_item``.

Bytecode: every contender runs once before the samples with bytecode writing on, so each sample
loads cached ``.pyc`` files (a deployment package built with ``python -m compileall`` behaves so;
without cached bytecode every import also compiles). Samples of the contenders are interleaved so that
machine noise spreads over all of them.

The module imports only the standard library at the top: it also runs the orchestration only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_PYDYNOX18_PYTHON = ROOT.parent / "bench-venvs" / "pydynox18" / "bin" / "python"
DEFAULT_PEERS_PYTHON = ROOT.parent / "bench-venvs" / "peers" / "bin" / "python"
RESULTS = HERE / "results" / "lambda-cold-start-latest.json"

REGION = "us-east-1"
KEY = "order-1"
TARGET_MS = 60.0
BACKENDS = ("moto", "local")

# Every function prints three wall-clock stamps (ns): script start, imports done, first response.
# ENDPOINT and TABLE are filled in with repr().
FUNCTIONS = {
    "pydynox-lambda, async def": """
        import time
        started = time.time_ns()
        from pydynox_lambda import current_invocation, handler
        imported = time.time_ns()

        @handler(region=REGION, endpoint_url=ENDPOINT, access_key="testing", secret_key="testing")
        async def main(event, context):
            return await current_invocation().client.get_item(TABLE, {"pk": event["id"]})

        item = main({"id": KEY}, None)
        done = time.time_ns()
        assert item["pk"] == KEY, item
        print(started, imported, done)
    """,
    "pydynox-lambda, def": """
        import time
        started = time.time_ns()
        from pydynox_lambda import current_invocation, handler
        imported = time.time_ns()

        @handler(region=REGION, endpoint_url=ENDPOINT, access_key="testing", secret_key="testing")
        def main(event, context):
            return current_invocation().client.sync_get_item(TABLE, {"pk": event["id"]})

        item = main({"id": KEY}, None)
        done = time.time_ns()
        assert item["pk"] == KEY, item
        print(started, imported, done)
    """,
    "pydynox 1.8.0": """
        import time
        started = time.time_ns()
        from pydynox import DynamoDBClient
        imported = time.time_ns()
        client = DynamoDBClient(
            region=REGION, endpoint_url=ENDPOINT, access_key="testing", secret_key="testing"
        )

        def main(event, context):
            return client.sync_get_item(TABLE, {"pk": event["id"]})

        item = main({"id": KEY}, None)
        done = time.time_ns()
        assert item["pk"] == KEY, item
        print(started, imported, done)
    """,
    "boto3": """
        import time
        started = time.time_ns()
        import boto3
        imported = time.time_ns()
        client = boto3.client(
            "dynamodb", region_name=REGION, endpoint_url=ENDPOINT,
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )

        def main(event, context):
            return client.get_item(TableName=TABLE, Key={"pk": {"S": event["id"]}})["Item"]

        item = main({"id": KEY}, None)
        done = time.time_ns()
        assert item["pk"] == {"S": KEY}, item
        print(started, imported, done)
    """,
    "python start-up (floor)": """
        import time
        started = time.time_ns()
        print(started, started, started)
    """,
    # What any async handler pays before its own code runs, whatever its libraries.
    "python + asyncio and a loop (async floor)": """
        import time
        started = time.time_ns()
        import asyncio
        loop = asyncio.new_event_loop()
        done = time.time_ns()
        print(started, done, done)
    """,
}


def function_source(name: str, endpoint: str, table: str) -> str:
    header = f"REGION = {REGION!r}\nENDPOINT = {endpoint!r}\nTABLE = {table!r}\nKEY = {KEY!r}\n"
    return header + textwrap.dedent(FUNCTIONS[name])


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYDYNOX_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # cached bytecode: see the module docstring
    return env


def sample(python: str, source: str) -> dict[str, float]:
    """One fresh process: ms from spawn to imports done, to first response, and to exit."""
    spawned = time.time_ns()
    out = subprocess.run(
        [python, "-c", source], capture_output=True, text=True, env=child_env(), timeout=60, check=False
    )
    exited = time.time_ns()
    if out.returncode != 0:
        raise RuntimeError(f"{python} failed:\n{out.stderr}")
    started, imported, done = (int(v) for v in out.stdout.split()[-3:])
    return {
        "start_ms": (started - spawned) / 1e6,
        "import_ms": (imported - spawned) / 1e6,
        "first_response_ms": (done - spawned) / 1e6,
        "exit_ms": (exited - spawned) / 1e6,
    }


def seed(endpoint: str) -> str:
    from pydynox import DynamoDBClient

    table = f"cold-start-{uuid.uuid4().hex[:8]}"
    client = DynamoDBClient(region=REGION, endpoint_url=endpoint, access_key="testing", secret_key="testing")
    client.sync_create_table(table, partition_key=("pk", "S"), wait=True)
    client.sync_put_item(
        table, {"pk": KEY, "customer": "ana", "total": 12, "lines": [{"sku": "A", "qty": 2}]}
    )
    return table


def summarise(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": statistics.median(ordered),
        "min": ordered[0],
        "p90": ordered[max(int(len(ordered) * 0.9) - 1, 0)],
    }


@contextmanager
def backend(name: str) -> Iterator[str]:
    """A fresh server of that kind (a child process on a loopback port); yields its URL."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.local_server import local_process
    from support.moto_server import MotoServer

    if name == "moto":
        with MotoServer() as server:
            yield server.endpoint_url
    else:
        with local_process() as (_, url):
            yield url


def measure(
    name: str, pythons: dict[str, str], contenders: list[str], samples: int
) -> dict[str, list[dict[str, float]]]:
    results: dict[str, list[dict[str, float]]] = {contender: [] for contender in contenders}
    with backend(name) as endpoint:
        print(f"{name} at {endpoint}; {samples} samples per contender")
        table = seed(endpoint)
        sources = {c: function_source(c, endpoint, table) for c in contenders}
        for c in contenders:  # writes the bytecode caches, warms the OS page cache
            sample(pythons[c], sources[c])
        rng = random.Random(7)
        for _ in range(samples):
            order = contenders[:]
            rng.shuffle(order)
            for c in order:
                results[c].append(sample(pythons[c], sources[c]))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="5 samples per contender")
    parser.add_argument("--samples", type=int, default=20, help="samples per contender (%(default)s)")
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    parser.add_argument("--pydynox18-python", default=str(DEFAULT_PYDYNOX18_PYTHON))
    parser.add_argument("--peers-python", default=str(DEFAULT_PEERS_PYTHON))
    parser.add_argument("--json", default=str(RESULTS), help="where to write every sample (%(default)s)")
    args = parser.parse_args(argv)
    samples = 5 if args.quick else args.samples

    pythons = {
        "pydynox-lambda, async def": sys.executable,
        "pydynox-lambda, def": sys.executable,
        "pydynox 1.8.0": args.pydynox18_python,
        "boto3": args.peers_python,
        "python start-up (floor)": sys.executable,
        "python + asyncio and a loop (async floor)": sys.executable,
    }
    contenders = [name for name, python in pythons.items() if Path(python).exists()]
    for name in pythons.keys() - set(contenders):
        print(f"!! {name}: {pythons[name]} not found, skipped")

    names = BACKENDS if args.backend == "both" else (args.backend,)
    raw = {name: measure(name, pythons, contenders, samples) for name in names}
    summary = {
        name: {
            contender: {
                metric: summarise([s[metric] for s in runs])
                for metric in ("start_ms", "import_ms", "first_response_ms", "exit_ms")
            }
            for contender, runs in results.items()
        }
        for name, results in raw.items()
    }
    for name, rows in summary.items():
        print()
        print(f"### {name}")
        print()
        print(f"| fresh process, ms (median of {samples}; min / p90) | imports done | first response |")
        print("|---|---|---|")
        for contender, row in rows.items():
            imp, first = row["import_ms"], row["first_response_ms"]
            print(
                f"| {contender} | {imp['median']:.1f} ({imp['min']:.1f} / {imp['p90']:.1f}) "
                f"| {first['median']:.1f} ({first['min']:.1f} / {first['p90']:.1f}) |"
            )
        print()
        for contender in ("pydynox-lambda, async def", "pydynox-lambda, def"):
            ours = rows.get(contender)
            if ours is not None:
                verdict = "met" if ours["first_response_ms"]["median"] <= TARGET_MS else "NOT met"
                print(
                    f"target on {name}: {contender}, first response within {TARGET_MS:.0f} ms "
                    f"(median): {verdict}"
                )
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")

    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(
        json.dumps(
            {
                "machine": {
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                },
                "samples": samples,
                "pythons": {name: pythons[name] for name in contenders},
                "summary": summary,
                "raw": raw,
            },
            indent=2,
        )
    )
    print(f"samples written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
