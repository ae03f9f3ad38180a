"""Runtime guarantees: one tokio runtime with named workers, the GIL released by blocking calls, an
event loop that keeps running during async calls, cancellation that really stops the request, clients
usable across event loops and across fork(), and Ctrl-C that interrupts a blocking call."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import pydynox
import pytest
from pydynox import DynamoDBClient, configure_runtime, runtime_info
from support.clients import REGION, make_client
from support.fault_proxy import FaultProxy

TESTS_DIR = str(Path(__file__).resolve().parent)
WORKER_NAME = "pydynox-worker"  # 14 characters: fits the 15 of /proc/<pid>/task/<tid>/comm
TOKIO_DEFAULT_NAME = "tokio-runtime-w"  # "tokio-runtime-worker" as comm shows it


# ---------------------------------------------------------------------------------------------------
# helpers


def thread_names() -> list[str]:
    """The name (comm) of every OS thread of this process."""
    names = []
    for tid in os.listdir("/proc/self/task"):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            names.append(Path(f"/proc/self/task/{tid}/comm").read_text().strip())
    return names


def os_thread_count() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads: line in /proc/self/status")


def native_thread_ids() -> set[int]:
    """OS threads that are not Python threads (the runtime's, in this process)."""
    python_ids = {t.native_id for t in threading.enumerate()}
    return {int(tid) for tid in os.listdir("/proc/self/task")} - python_ids


def wait_for(predicate: Any, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def python_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYDYNOX_WORKER_THREADS"}
    env.update(extra)
    return env


def run_python(code: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env=python_env(**env), capture_output=True, text=True, timeout=timeout
    )


def last_json_line(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON object a subprocess printed last (it prints it before exiting)."""
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no output (exit status {proc.returncode}):\n{proc.stderr}"
    return json.loads(lines[-1])


KEY = {"pk": "k", "sk": "1"}
ITEM = {**KEY, "v": "hello"}


# ---------------------------------------------------------------------------------------------------
# one runtime, named workers


def test_one_runtime_with_named_workers(client: DynamoDBClient, table: str) -> None:
    client.sync_put_item(table, ITEM)
    assert client.sync_get_item(table, KEY) == ITEM

    async def async_calls() -> None:
        await client.put_item(table, {**ITEM, "v": "async"})
        assert await client.get_item(table, KEY) == {**ITEM, "v": "async"}

    asyncio.run(async_calls())
    info = runtime_info()
    assert info["started"] is True
    names = thread_names()
    assert names.count(WORKER_NAME) == info["worker_threads"], names
    assert not [n for n in names if n.startswith("tokio")], names
    assert TOKIO_DEFAULT_NAME not in names


THREAD_COUNT_CODE = r"""
import asyncio, json, os, sys
from pathlib import Path

def threads():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])

def names():
    out = []
    for tid in os.listdir("/proc/self/task"):
        try:
            out.append(Path(f"/proc/self/task/{tid}/comm").read_text().strip())
        except FileNotFoundError:
            pass
    return out

import pydynox
info_before = pydynox.runtime_info()
before = threads()
client = pydynox.DynamoDBClient(
    region="us-east-1", endpoint_url=os.environ["MOTO_ENDPOINT"], access_key="testing", secret_key="testing"
)
tables = asyncio.run(client.list_tables())
after = threads()
info_after = pydynox.runtime_info()
# A thread names itself once it first runs; on a busy machine a worker the call did not need may not
# have run yet when the call returns.
import time
deadline = time.monotonic() + 5
while names().count("pydynox-worker") < info_after["worker_threads"] and time.monotonic() < deadline:
    time.sleep(0.01)
print(json.dumps({
    "before": before, "after": after, "tables_ok": isinstance(tables, list),
    "info_before": info_before, "info_after": info_after,
    "workers_named": names().count("pydynox-worker"),
}))
"""


# These two check the thread counts the subprocess printed; whether the interpreter then exits cleanly
# after an async call is checked on its own by test_interpreter_exits_cleanly_after_an_async_call.


def test_first_async_call_adds_exactly_the_worker_threads(http_endpoint: str) -> None:
    proc = run_python(THREAD_COUNT_CODE, {"MOTO_ENDPOINT": http_endpoint, "PYDYNOX_WORKER_THREADS": "2"})
    out = last_json_line(proc)
    assert out["tables_ok"]
    assert out["info_before"]["started"] is False
    assert out["info_before"]["worker_threads"] == 2
    assert out["info_after"]["started"] is True
    assert out["info_after"]["worker_threads"] == 2
    assert out["after"] - out["before"] == 2, out
    assert out["workers_named"] == 2, out


def test_worker_threads_from_environment(http_endpoint: str) -> None:
    proc = run_python(THREAD_COUNT_CODE, {"MOTO_ENDPOINT": http_endpoint, "PYDYNOX_WORKER_THREADS": "3"})
    out = last_json_line(proc)
    assert out["info_before"]["worker_threads"] == 3
    assert out["info_after"]["worker_threads"] == 3
    assert out["after"] - out["before"] == 3, out
    assert out["workers_named"] == 3, out


CONFIGURE_CODE = r"""
import asyncio, json, os
import pydynox

errors = {}
try:
    pydynox.configure_runtime(0)
except ValueError as e:
    errors["zero"] = "ValueError"
pydynox.configure_runtime(3)  # wins over the environment variable
client = pydynox.DynamoDBClient(
    region="us-east-1", endpoint_url=os.environ["MOTO_ENDPOINT"], access_key="testing", secret_key="testing"
)
client.sync_list_tables()
info = pydynox.runtime_info()
pydynox.configure_runtime(3)  # the same count is fine
try:
    pydynox.configure_runtime(2)
except RuntimeError as e:
    errors["late"] = "RuntimeError"
print(json.dumps({"errors": errors, "info": info, "after": pydynox.runtime_info()}))
"""


def test_configure_runtime_before_start_in_fresh_process(http_endpoint: str) -> None:
    proc = run_python(CONFIGURE_CODE, {"MOTO_ENDPOINT": http_endpoint, "PYDYNOX_WORKER_THREADS": "2"})
    assert proc.returncode == 0, f"exit status {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    out = last_json_line(proc)
    assert out["errors"] == {"zero": "ValueError", "late": "RuntimeError"}
    assert out["info"]["worker_threads"] == 3
    assert out["after"]["worker_threads"] == 3


def test_configure_runtime_validation_and_after_start(client: DynamoDBClient) -> None:
    with pytest.raises(ValueError):
        configure_runtime(0)
    with pytest.raises(ValueError):
        configure_runtime(257)
    client.sync_list_tables()  # the runtime is running from here on
    started = runtime_info()["worker_threads"]
    configure_runtime(started)  # asking for what is running is not an error
    with pytest.raises(RuntimeError, match="already running"):
        configure_runtime(started + 1)
    assert runtime_info()["worker_threads"] == started


EXIT_CODE = r"""
import asyncio, os
import pydynox

client = pydynox.DynamoDBClient(
    region="us-east-1", endpoint_url=os.environ["MOTO_ENDPOINT"], access_key="testing", secret_key="testing"
)


async def main():
    return await asyncio.gather(*(client.list_tables() for _ in range(5)))


asyncio.run(main())
"""


def test_interpreter_exits_cleanly_after_an_async_call(http_endpoint: str) -> None:
    """A script whose last action is awaiting calls must exit with status 0. Repeated because the
    interpreter's shutdown races with the runtime threads that delivered the results."""
    statuses = []
    first_failure = ""
    for _ in range(30):
        proc = run_python(
            EXIT_CODE, {"MOTO_ENDPOINT": http_endpoint, "PYDYNOX_WORKER_THREADS": "3"}, timeout=30
        )
        statuses.append(proc.returncode)
        if proc.returncode != 0 and not first_failure:
            first_failure = f"status {proc.returncode}, stderr: {proc.stderr[-2000:]!r}"
    assert statuses == [0] * 30, f"exit statuses {statuses}; first failure: {first_failure}"


# ---------------------------------------------------------------------------------------------------
# GIL and event loop


def test_sync_call_releases_the_gil(proxy: FaultProxy, table: str) -> None:
    client = make_client(proxy.endpoint_url)
    client.sync_put_item(table, ITEM)  # warm up: runtime, SDK client, connection

    counter = [0]
    running = [True]

    def spin() -> None:
        while running[0]:
            counter[0] += 1

    spinner = threading.Thread(target=spin, name="gil-spinner", daemon=True)
    spinner.start()
    try:
        # Reference rate: while the main thread sleeps (GIL released) the spinner runs freely.
        ref_start, t0 = counter[0], time.monotonic()
        time.sleep(0.2)
        ref_rate = (counter[0] - ref_start) / (time.monotonic() - t0)

        proxy.delay("GetItem", 0.5)
        start_count, t0 = counter[0], time.monotonic()
        got = client.sync_get_item(table, KEY)
        elapsed = time.monotonic() - t0
        progress = counter[0] - start_count
    finally:
        running[0] = False
        spinner.join(timeout=5)
    assert got == ITEM
    assert elapsed >= 0.45, f"the proxy delay did not apply ({elapsed:.3f}s)"
    assert progress >= 100_000, f"spinner advanced only {progress} in {elapsed:.3f}s (ref {ref_rate:.0f}/s)"
    assert progress >= 0.1 * ref_rate * elapsed, (progress, ref_rate, elapsed)


async def test_async_call_does_not_block_the_event_loop(proxy: FaultProxy, table: str) -> None:
    client = make_client(proxy.endpoint_url)
    await client.put_item(table, ITEM)  # warm up
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    proxy.delay("GetItem", 0.5)
    before, t0 = ticks, time.monotonic()
    got = await client.get_item(table, KEY)
    elapsed = time.monotonic() - t0
    during = ticks - before
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert got == ITEM
    assert elapsed >= 0.45, f"the proxy delay did not apply ({elapsed:.3f}s)"
    assert during >= 30, f"only {during} ticks of 10 ms during a {elapsed:.3f}s call"


async def test_500_concurrent_async_calls(client: DynamoDBClient, table: str) -> None:
    items = [{"pk": f"p{i:03d}", "sk": "s", "n": i, "text": f"item {i}"} for i in range(500)]
    results = await asyncio.wait_for(asyncio.gather(*(client.put_item(table, it) for it in items)), 90)
    assert len(results) == 500
    got = await asyncio.wait_for(
        asyncio.gather(*(client.get_item(table, {"pk": it["pk"], "sk": "s"}) for it in items)), 90
    )
    assert got == items


# ---------------------------------------------------------------------------------------------------
# cancellation


def test_cancelled_calls_stop_and_leave_nothing_behind(proxy: FaultProxy, table: str) -> None:
    client = make_client(proxy.endpoint_url)
    client.sync_put_item(table, ITEM)  # warm up: the runtime and the SDK client exist
    workers = runtime_info()["worker_threads"]
    alive_before = runtime_info()["alive_tasks"]
    native_before = native_thread_ids()
    assert thread_names().count(WORKER_NAME) == workers

    unraisable: list[Any] = []
    thread_errors: list[Any] = []
    old_unraisable, old_excepthook = sys.unraisablehook, threading.excepthook
    sys.unraisablehook = unraisable.append
    threading.excepthook = thread_errors.append
    loop_seen: list[asyncio.AbstractEventLoop] = []
    report: dict[str, Any] = {}

    async def scenario() -> None:
        loop_seen.append(asyncio.get_running_loop())
        proxy.delay("GetItem", 2.0, times=100)
        tasks = [asyncio.create_task(client.get_item(table, {"pk": f"c{i}", "sk": "1"})) for i in range(100)]
        await asyncio.sleep(0.2)
        assert not any(t.done() for t in tasks), "the delayed calls finished early"
        for t in tasks:
            t.cancel()
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)
        assert all(isinstance(r, asyncio.CancelledError) for r in results)
        assert all(t.cancelled() for t in tasks)

        deadline = time.monotonic() + 5
        while runtime_info()["alive_tasks"] > alive_before and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        report["dropped_at"] = time.monotonic()
        report["alive_after_cancel"] = runtime_info()["alive_tasks"]
        report["pending"] = asyncio.all_tasks() - {asyncio.current_task()}
        report["workers"] = thread_names().count(WORKER_NAME)
        # Python threads of the proxy may be starting or ending right now: poll past that moment.
        deadline = time.monotonic() + 2
        while native_thread_ids() != native_before and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        report["native"] = native_thread_ids()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            asyncio.run(scenario())
            assert loop_seen[0].is_closed()
            # The proxy's delayed answers arrive now, after the loop closed.
            time.sleep(2.5)
            alive_late = runtime_info()["alive_tasks"]
        finally:
            sys.unraisablehook, threading.excepthook = old_unraisable, old_excepthook

    assert report["alive_after_cancel"] <= alive_before, report
    delayed = [r.at for r in proxy.requests if r.operation == "GetItem" and r.fault == "delay"]
    assert delayed, "no delayed request reached the proxy"
    # The tokio tasks ended before any delayed answer could come back: they were aborted.
    assert report["dropped_at"] - min(delayed) < 2.0, (report["dropped_at"] - min(delayed), report)
    assert report["pending"] == set()
    assert report["workers"] == workers
    assert report["native"] == native_before
    assert caught == [], [str(w.message) for w in caught]
    assert unraisable == [], unraisable
    assert thread_errors == [], thread_errors
    assert alive_late <= alive_before
    assert wait_for(lambda: native_thread_ids() == native_before, 3), (native_thread_ids(), native_before)

    # The client is still healthy afterwards.
    proxy.clear()
    t0 = time.monotonic()
    assert client.sync_get_item(table, KEY) == ITEM
    assert time.monotonic() - t0 < 2.0


# ---------------------------------------------------------------------------------------------------
# event loops, blocking calls inside a loop, fork


def test_client_works_on_successive_event_loops(client: DynamoDBClient, table: str) -> None:
    async def call(value: str) -> Any:
        await client.put_item(table, {**KEY, "v": value})
        return await client.get_item(table, KEY)

    assert asyncio.run(call("first")) == {**KEY, "v": "first"}
    assert asyncio.run(call("second")) == {**KEY, "v": "second"}
    assert client.sync_get_item(table, KEY) == {**KEY, "v": "second"}


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_finished_loops_release_their_wakeup_sockets(client: DynamoDBClient, table: str) -> None:
    """Each loop gets one wake-up socket pair for finished operations; it goes with the loop."""
    import gc

    async def burst(n: int) -> list[Any]:
        return await asyncio.gather(*(client.get_item(table, KEY) for _ in range(n)))

    asyncio.run(burst(5))
    gc.collect()
    before = open_fds()
    loops = 20
    for _ in range(loops):
        assert asyncio.run(burst(20)) == [client.sync_get_item(table, KEY)] * 20
    gc.collect()
    # A socket pair kept per loop would be 40 more descriptors. A couple more or fewer can come from
    # elsewhere in a full run (another test's server thread or child process winding down meanwhile).
    assert open_fds() - before < loops, fd_targets()


def fd_targets() -> list[str]:
    """What each open descriptor points at (for the failure message)."""
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            targets.append(f"{fd}: {os.readlink(f'/proc/self/fd/{fd}')}")
        except OSError:
            pass
    return targets


def test_loops_in_several_threads_each_get_their_own_results(client: DynamoDBClient, table: str) -> None:
    items = {t: [{"pk": f"thread{t}", "sk": f"{i:03d}", "n": i} for i in range(40)] for t in range(4)}
    for batch in items.values():
        client.sync_batch_write(table, put_items=batch)
    results: dict[int, list[Any]] = {}
    errors: list[BaseException] = []

    def run(t: int) -> None:
        async def gets() -> list[Any]:
            keys = [{"pk": it["pk"], "sk": it["sk"]} for it in items[t]]
            return await asyncio.gather(*(client.get_item(table, k) for k in keys))

        try:
            results[t] = asyncio.run(gets())
        except BaseException as exc:  # reported below, with the thread's number
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in items]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert errors == []
    assert results == items


class NoReaderLoop(asyncio.SelectorEventLoop):
    """A loop that cannot watch file descriptors, as Windows' proactor loop cannot."""

    def add_reader(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


def test_loop_without_add_reader_still_gets_results(client: DynamoDBClient, table: str) -> None:
    async def burst() -> list[Any]:
        assert isinstance(asyncio.get_running_loop(), NoReaderLoop)
        await client.put_item(table, {**KEY, "v": "no reader"})
        return await asyncio.gather(*(client.get_item(table, KEY) for _ in range(50)))

    loop = NoReaderLoop()
    try:
        assert loop.run_until_complete(asyncio.wait_for(burst(), 30)) == [{**KEY, "v": "no reader"}] * 50
    finally:
        loop.close()


def test_uvloop_gets_results_and_cancels(proxy: FaultProxy, table: str) -> None:
    """uvicorn[standard] serves FastAPI on uvloop: the same bridge, on its loop."""
    uvloop = pytest.importorskip("uvloop")
    client = make_client(proxy.endpoint_url)
    client.sync_put_item(table, {**KEY, "v": "uvloop"})

    async def scenario() -> list[Any]:
        assert type(asyncio.get_running_loop()).__module__.startswith("uvloop")
        proxy.delay("GetItem", 5.0, times=1)
        slow = asyncio.ensure_future(client.get_item(table, KEY))
        await asyncio.sleep(0.3)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        return await asyncio.wait_for(asyncio.gather(*(client.get_item(table, KEY) for _ in range(50))), 30)

    for _ in range(2):  # a second loop gets its own wake-up socket
        assert uvloop.run(scenario()) == [{**KEY, "v": "uvloop"}] * 50


def test_results_wait_while_the_loop_thread_is_busy(client: DynamoDBClient, table: str) -> None:
    """Operations finish while the loop thread runs Python without yielding; the results are
    delivered once it yields, all of them, in one drain or several."""

    async def scenario() -> list[Any]:
        tasks = [asyncio.ensure_future(client.get_item(table, KEY)) for _ in range(30)]
        time.sleep(0.5)  # holds the loop thread (and the GIL, in slices) while the gets complete
        return await asyncio.wait_for(asyncio.gather(*tasks), 30)

    client.sync_put_item(table, {**KEY, "v": "busy"})
    assert asyncio.run(scenario()) == [{**KEY, "v": "busy"}] * 30


async def test_sync_call_inside_running_loop_warns(client: DynamoDBClient, table: str) -> None:
    await client.put_item(table, ITEM)
    with pytest.warns(RuntimeWarning, match="sync_") as record:
        got = client.sync_get_item(table, KEY)
    assert got == ITEM
    assert len(record) == 1
    assert Path(record[0].filename).resolve() == Path(__file__).resolve(), record[0].filename
    package_dir = Path(pydynox.__file__).resolve().parent
    assert package_dir not in Path(record[0].filename).resolve().parents


def test_sync_call_outside_loop_does_not_warn(client: DynamoDBClient, table: str) -> None:
    client.sync_put_item(table, ITEM)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert client.sync_get_item(table, KEY) == ITEM
    assert caught == []


def test_fork_child_uses_the_parent_client(http_endpoint: str, table: str, boto: Any) -> None:
    # Over HTTP: a forked child's memory:// engine would be its own copy, invisible to the parent.
    client = make_client(http_endpoint)
    client.sync_put_item(table, {"pk": "parent", "sk": "1"})
    assert runtime_info()["started"] is True
    generation = runtime_info()["generation"]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # child: never return into pytest
        ok = False
        try:
            client.sync_put_item(table, {"pk": "child", "sk": "1", "v": "from child"})

            async def read() -> Any:
                return await client.get_item(table, {"pk": "child", "sk": "1"})

            got = asyncio.run(read())
            info = runtime_info()
            ok = (
                got == {"pk": "child", "sk": "1", "v": "from child"}
                and info["generation"] == generation + 1
                and thread_names().count(WORKER_NAME) == info["worker_threads"]
            )
        except BaseException:
            ok = False
        finally:
            os._exit(0 if ok else 1)

    status = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child did not finish within 20 s")
    assert os.waitstatus_to_exitcode(status) == 0
    stored = boto.get_item(TableName=table, Key={"pk": {"S": "child"}, "sk": {"S": "1"}}).get("Item")
    assert stored == {"pk": {"S": "child"}, "sk": {"S": "1"}, "v": {"S": "from child"}}
    # The parent's runtime and client are untouched.
    assert runtime_info()["generation"] == generation
    assert client.sync_get_item(table, {"pk": "parent", "sk": "1"}) == {"pk": "parent", "sk": "1"}


# ---------------------------------------------------------------------------------------------------
# Ctrl-C

CTRL_C_CODE = r"""
import json, os, signal, sys, time
sys.path.insert(0, os.environ["TESTS_DIR"])
# Python installs its Ctrl-C handler only when SIGINT is not ignored at start, and a test run launched
# in the background of a non-interactive shell starts with it ignored: install it in any case.
signal.signal(signal.SIGINT, signal.default_int_handler)
from support.fault_proxy import FaultProxy
import pydynox

table = os.environ["TABLE"]
key = {"pk": "k", "sk": "1"}
with FaultProxy(os.environ["MOTO_ENDPOINT"]) as proxy:
    client = pydynox.DynamoDBClient(
        region=os.environ["REGION"], endpoint_url=proxy.endpoint_url,
        access_key="testing", secret_key="testing",
    )
    client.sync_get_item(table, key)  # warm up
    proxy.delay("GetItem", 5.0)
    print("CALLING", flush=True)
    t0 = time.monotonic()
    try:
        client.sync_get_item(table, key)
        outcome = "returned"
    except KeyboardInterrupt:
        outcome = "interrupted"
    elapsed = time.monotonic() - t0
    print(json.dumps({"outcome": outcome, "elapsed": elapsed}), flush=True)
"""


def _read_line(proc: subprocess.Popen[str], selector: selectors.BaseSelector, timeout: float) -> str:
    assert proc.stdout is not None
    if not selector.select(timeout):
        raise AssertionError(f"no output from the subprocess within {timeout} s")
    return proc.stdout.readline()


def test_ctrl_c_interrupts_a_blocking_call(http_endpoint: str, table: str) -> None:
    env = python_env(TESTS_DIR=TESTS_DIR, TABLE=table, MOTO_ENDPOINT=http_endpoint, REGION=REGION)
    proc = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_CODE],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with proc, selectors.DefaultSelector() as selector:
        try:
            assert proc.stdout is not None and proc.stderr is not None
            selector.register(proc.stdout, selectors.EVENT_READ)
            assert _read_line(proc, selector, 30).strip() == "CALLING"
            time.sleep(0.5)
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            line = _read_line(proc, selector, 10)
            reacted = time.monotonic() - sent
            proc.wait(timeout=15)
            stderr = proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    result = json.loads(line)
    assert result["outcome"] == "interrupted", (result, stderr)
    assert reacted < 1.5, f"KeyboardInterrupt came {reacted:.3f}s after SIGINT"
    assert 0.4 <= result["elapsed"] < 2.5, result
    assert proc.returncode == 0, stderr
