"""Encryption benchmark: a 1000-item query of items with an encrypted attribute, this pydynox vs
pydynox 1.8.0 (PyPI): KMS calls and client CPU.

Run from the repository root::

    uv run --no-sync python benchmarks/bench_crypto.py            # full run (a few minutes)
    uv run --no-sync python benchmarks/bench_crypto.py --quick    # short run

One moto server (a child process) serves DynamoDB and KMS. KMS requests go through a counting proxy
run by this script (``AWS_ENDPOINT_URL_KMS`` points both libraries at it), so the KMS calls are
counted the same way for both, outside either library. Each library runs in its own interpreter:

* **pydynox (this repo)**: the interpreter running this script;
* **pydynox 1.8.0**: the venv with ``pydynox==1.8.0`` (``--pydynox18-python``).

Each worker writes its own 1000 items (same shape: keys, a name, a number, one encrypted string of
the same length) with its own library, then queries them back into model instances, several times.
``time.process_time_ns()`` of a worker counts its CPU only (Python, Rust threads, HTTP clients);
moto and the proxy run in other processes/threads of their own. pydynox is measured twice: with a
cold data-key cache (a new client per query) and with a warm one (the same client again).

The module imports only the standard library at the top: the workers run it in interpreters that do not
have this repository's packages.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import http.server
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

REGION = "us-east-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
PK = "BENCH"
ITEMS = 1000
COUNT_PATH = "/__bench_kms_count"

DEFAULT_PYDYNOX18_PYTHON = ROOT.parent / "bench-venvs" / "pydynox18" / "bin" / "python"

# The model, as source text: executed unchanged by both pydynox versions (the subset of the API they
# share). The namespace provides CLIENT, TABLE and KEY_ID.
MODEL_SOURCE = """
from pydynox import Model, ModelConfig
from pydynox.attributes import EncryptedAttribute, NumberAttribute, StringAttribute


class Patient(Model):
    model_config = ModelConfig(table=TABLE, client=CLIENT)

    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    name = StringAttribute()
    visits = NumberAttribute()
    ssn = EncryptedAttribute(KEY_ID)
"""


# ----------------------------------------------------------------------------------------------------
# Worker side (stdlib only at import time)


def _kms_count(proxy: str) -> Counter[str]:
    with urllib.request.urlopen(proxy + COUNT_PATH, timeout=10) as response:
        return Counter(json.loads(response.read()))


def worker(args: argparse.Namespace) -> dict[str, Any]:
    import pydynox
    from pydynox import DynamoDBClient

    def new_client() -> Any:
        return DynamoDBClient(
            region=REGION, endpoint_url=args.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY
        )

    def model_for(client: Any) -> Any:
        namespace: dict[str, Any] = {
            "CLIENT": client, "TABLE": args.table, "KEY_ID": args.key_id, "__name__": "bench_model",
        }  # fmt: skip
        exec(compile(MODEL_SOURCE, "<MODEL_SOURCE>", "exec"), namespace)
        return namespace["Patient"]

    writer = model_for(new_client())
    writer.sync_create_table(wait=True)

    # Writes (once): 1000 saves, each with one encrypted value.
    before = _kms_count(args.proxy)
    gc.collect()
    c0 = time.process_time_ns()
    w0 = time.perf_counter_ns()
    for i in range(ITEMS):
        writer(pk=PK, sk=f"{i:04}", name=f"patient {i}", visits=i, ssn=f"{i:03}-00-{i:04}").sync_save()
    write = {
        "cpu_ns": time.process_time_ns() - c0,
        "wall_ns": time.perf_counter_ns() - w0,
        "kms": dict(_kms_count(args.proxy) - before),
    }

    def query(model: Any) -> dict[str, Any]:
        before = _kms_count(args.proxy)
        gc.collect()
        c0 = time.process_time_ns()
        w0 = time.perf_counter_ns()
        items = list(model.sync_query(partition_key=PK))
        sample = {
            "cpu_ns": time.process_time_ns() - c0,
            "wall_ns": time.perf_counter_ns() - w0,
            "kms": dict(_kms_count(args.proxy) - before),
        }
        if len(items) != ITEMS or items[7].ssn != "007-00-0007" or items[999].ssn != "999-00-0999":
            raise RuntimeError(f"query returned {len(items)} items, ssn[7]={items[7].ssn!r}")
        return sample

    cold: list[dict[str, Any]] = []
    warm: list[dict[str, Any]] = []
    for _ in range(args.reps):
        client = new_client()
        model = model_for(client)
        client.sync_table_exists(args.table)  # builds the DynamoDB connection outside the timed query
        cold.append(query(model))
        warm.append(query(model))
    return {
        "pydynox_version": pydynox.__version__,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "write": write,
        "cold": cold,
        "warm": warm,
    }


# ----------------------------------------------------------------------------------------------------
# Orchestrator side (runs in the repository's environment)


class _CountingProxy(http.server.ThreadingHTTPServer):
    """Forwards every request to moto and counts KMS requests by their X-Amz-Target."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _ProxyHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _CountingProxy

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle and delayed ACKs add ~40 ms to
        # every request, which would swamp the wall times.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args: Any) -> None:
        pass

    def _forward(self) -> None:
        if self.path == COUNT_PATH:
            with self.server.lock:
                body = json.dumps(dict(self.server.counts)).encode()
            self._answer(200, [("Content-Type", "application/json")], body)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = self.headers.get("X-Amz-Target", "")
        if target.startswith("TrentService."):
            with self.server.lock:
                self.server.counts[target.removeprefix("TrentService.")] += 1
        upstream = http.client.HTTPConnection(self.server.upstream, timeout=60)
        try:
            upstream.connect()
            upstream.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            keep = [
                (k, v)
                for k, v in response.getheaders()
                if k.lower() not in ("connection", "transfer-encoding", "content-length")
            ]
            self._answer(response.status, keep, data)
        finally:
            upstream.close()

    def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _forward
    do_POST = _forward
    do_PUT = _forward


def _clean_env(proxy: str) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"):
        env.pop(var, None)
    env.update(
        AWS_ENDPOINT_URL_KMS=proxy,
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
    )
    return env


def run_worker(python: str, endpoint: str, proxy: str, key_id: str, reps: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-crypto-") as tmp:
        out = Path(tmp) / "out.json"
        cmd = [
            python, str(Path(__file__).resolve()), "--worker", "--endpoint", endpoint, "--proxy", proxy,
            "--key-id", key_id, "--table", f"crypto-{uuid.uuid4().hex[:10]}", "--reps", str(reps),
            "--out", str(out),
        ]  # fmt: skip
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=_clean_env(proxy), cwd=tempfile.gettempdir()
        )
        if proc.returncode != 0:
            raise RuntimeError(f"worker ({python}) failed:\n{proc.stdout}\n{proc.stderr}")
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def _median(samples: list[dict[str, Any]], field: str) -> float:
    return statistics.median(s[field] for s in samples)


def _calls(sample: dict[str, Any]) -> int:
    return sum(sample["kms"].values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one round of 2 queries per library")
    parser.add_argument(
        "--pydynox18-python",
        default=os.environ.get("PYDYNOX18_PYTHON", str(DEFAULT_PYDYNOX18_PYTHON)),
        help="interpreter of the venv with pydynox==1.8.0 (default: $PYDYNOX18_PYTHON or %(default)s)",
    )
    parser.add_argument("--json", type=Path, default=HERE / "results" / "crypto-latest.json")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    parser.add_argument("--proxy", help=argparse.SUPPRESS)
    parser.add_argument("--key-id", help=argparse.SUPPRESS)
    parser.add_argument("--table", help=argparse.SUPPRESS)
    parser.add_argument("--reps", type=int, default=3, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        Path(args.out).write_text(json.dumps(worker(args)))
        return 0

    rounds, reps = (1, 2) if args.quick else (3, 3)
    workers = [("pydynox (this repo)", sys.executable)]
    if Path(args.pydynox18_python).exists():
        workers.append(("pydynox 1.8.0", args.pydynox18_python))
    else:
        print(f"!! no pydynox 1.8 interpreter at {args.pydynox18_python}: its rows are skipped")

    sys.path.insert(0, str(ROOT / "tests"))
    import boto3
    from support.moto_server import MotoServer

    started = time.perf_counter()
    server = MotoServer().start()
    proxy = _CountingProxy(server.endpoint_url)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    results: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in workers}
    try:
        kms = boto3.client(
            "kms", region_name=REGION, endpoint_url=server.endpoint_url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        )  # fmt: skip
        key_id = kms.create_key(Description="bench_crypto")["KeyMetadata"]["KeyId"]
        run = "quick" if args.quick else "full"
        print(f"encryption benchmark ({run}): moto at {server.endpoint_url}, KMS via {proxy.url}")
        for r in range(rounds):
            k = r % len(workers)
            for label, python in workers[k:] + workers[:k]:
                t = time.perf_counter()
                print(f"  round {r + 1}/{rounds}: {label} ... ", end="", flush=True)
                results[label].append(run_worker(python, server.endpoint_url, proxy.url, key_id, reps))
                print(f"{time.perf_counter() - t:.1f} s")
    finally:
        proxy.shutdown()
        server.stop()

    rows: list[dict[str, Any]] = []
    for label, runs in results.items():
        cold = [s for run in runs for s in run["cold"]]
        warm = [s for run in runs for s in run["warm"]]
        writes = [run["write"] for run in runs]
        cache = "pydynox (this repo)" == label
        for name, samples in (("cold cache" if cache else "query", cold), ("warm cache", warm)):
            if name == "warm cache" and not cache:
                continue  # 1.8 has no data-key cache: every query is alike
            rows.append({
                "library": label, "workload": f"1000-item query ({name})",
                "kms_calls": statistics.median(_calls(s) for s in samples),
                "kms_calls_by_op": samples[0]["kms"],
                "cpu_ms": _median(samples, "cpu_ns") / 1e6, "wall_ms": _median(samples, "wall_ns") / 1e6,
                "samples": len(samples),
            })  # fmt: skip
        rows.append({
            "library": label, "workload": "1000 saves",
            "kms_calls": statistics.median(_calls(s) for s in writes), "kms_calls_by_op": writes[0]["kms"],
            "cpu_ms": _median(writes, "cpu_ns") / 1e6, "wall_ms": _median(writes, "wall_ns") / 1e6,
            "samples": len(writes),
        })  # fmt: skip

    print()
    print("| library | workload | KMS calls | client CPU (median) | wall (median) | samples |")
    print("|---|---|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['library']} | {row['workload']} | {row['kms_calls']:.0f} | {row['cpu_ms']:,.1f} ms | "
            f"{row['wall_ms']:,.1f} ms | {row['samples']} |"
        )
    took = time.perf_counter() - started
    print(f"\n{took:.0f} s in all; CPU is the worker's process time, KMS calls counted at the proxy")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                },
                "versions": {label: runs[0]["pydynox_version"] for label, runs in results.items() if runs},
                "rows": rows,
                "raw": results,
            },
            indent=2,
        )
    )
    print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
