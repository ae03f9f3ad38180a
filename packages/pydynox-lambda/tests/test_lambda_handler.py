"""``@handler``: warm invocations reuse one loop, one client and the runtime's threads; each invocation
gets its own usage counters, request-id correlation and deadline."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from typing import Any

import pytest
from lambda_support import LambdaContext, make_client
from pydynox import DynamoDBClient, Model, ModelConfig, events, get_default_client
from pydynox.attributes import NumberAttribute, StringAttribute
from pydynox.usage import current_usage
from pydynox_lambda import DeadlineExceeded, Invocation, current_invocation, event_loop, handler
from support.fault_proxy import FaultProxy

INVOCATIONS = 20


def os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


class Seen:
    """What one invocation saw from inside."""

    def __init__(self, invocation: Invocation, loop: asyncio.AbstractEventLoop | None) -> None:
        self.invocation = invocation
        self.client = invocation.client
        self.loop = loop
        self.calls = invocation.usage.calls
        self.usage_is_current = current_usage() is invocation.usage


def test_async_handler_reuses_loop_client_and_threads_across_warm_invocations(
    endpoint: str, table: str
) -> None:
    seen: list[Seen] = []

    @handler(region="us-east-1", endpoint_url=endpoint, access_key="testing", secret_key="testing")
    async def main(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        client = current_invocation().client  # type: ignore[union-attr]
        await client.put_item(table, {"pk": event["id"], "n": event["n"]})
        item = await client.get_item(table, {"pk": event["id"]}, consistent_read=True)
        seen.append(Seen(current_invocation(), asyncio.get_running_loop()))  # type: ignore[arg-type]
        return {"n": item["n"]} if item else {}

    results = []
    threads_after_first = 0
    for i in range(INVOCATIONS):
        results.append(main({"id": f"k{i}", "n": i}, LambdaContext()))
        if i == 0:
            threads_after_first = os_threads()
    assert results == [{"n": i} for i in range(INVOCATIONS)]
    first = seen[0]
    assert all(s.client is first.client for s in seen)
    assert get_default_client() is first.client  # models without a client use it
    assert all(s.loop is first.loop for s in seen)
    assert first.loop is event_loop() and not first.loop.is_closed() and not first.loop.is_running()
    assert os_threads() <= threads_after_first
    # Usage is per invocation: each one saw its own two calls, never the previous invocations'.
    assert [s.calls for s in seen] == [2] * INVOCATIONS
    assert all(s.usage_is_current for s in seen)
    assert current_invocation() is None and current_usage() is None


def test_sync_handler_reuses_client_and_threads(endpoint: str, table: str) -> None:
    client = make_client(endpoint)
    seen: list[Seen] = []

    @handler(client=client)
    def main(event: dict[str, Any], context: LambdaContext) -> int:
        client.sync_put_item(table, {"pk": "counter", "n": event["n"]})
        item = client.sync_get_item(table, {"pk": "counter"}, consistent_read=True)
        seen.append(Seen(current_invocation(), None))  # type: ignore[arg-type]
        return int(item["n"])  # type: ignore[index]

    assert main({"n": 0}, LambdaContext()) == 0
    threads = os_threads()
    python_threads = threading.active_count()
    assert [main({"n": i}, LambdaContext()) for i in range(1, INVOCATIONS)] == list(range(1, INVOCATIONS))
    assert os_threads() <= threads and threading.active_count() == python_threads
    assert all(s.client is client for s in seen) and get_default_client() is client
    assert [s.calls for s in seen] == [2] * INVOCATIONS


class Order(Model):
    model_config = ModelConfig(table="lambda-orders")
    pk = StringAttribute(partition_key=True)
    total = NumberAttribute()


def test_models_use_the_handler_client_and_events_carry_the_request_id(endpoint: str) -> None:
    client = make_client(endpoint)
    client.sync_create_table("lambda-orders", partition_key=("pk", "S"), wait=True)
    tagged: list[tuple[str, str | None]] = []

    def tag(event: events.OperationEvent) -> None:
        invocation = current_invocation()
        tagged.append((event.operation, invocation.request_id if invocation else None))

    @handler(client=client)
    async def main(event: dict[str, Any], context: LambdaContext) -> str:
        await Order(pk=event["id"], total=event["total"]).save()
        order = await Order.get(pk=event["id"])
        return f"{order.pk}:{order.total}" if order else "missing"

    try:
        with events.subscribe(tag):
            assert main({"id": "o1", "total": 5}, LambdaContext("req-1")) == "o1:5"
            assert main({"id": "o2", "total": 7}, LambdaContext("req-2")) == "o2:7"
            client.sync_get_item("lambda-orders", {"pk": "o1"})  # outside any invocation
        assert tagged == [
            ("PutItem", "req-1"),
            ("GetItem", "req-1"),
            ("PutItem", "req-2"),
            ("GetItem", "req-2"),
            ("GetItem", None),
        ]
    finally:
        client.sync_delete_table("lambda-orders")


def test_client_settings_build_one_client_at_first_use_or_eagerly_without_io() -> None:
    # Port 9 (discard) on loopback: nothing answers, so any network I/O would fail or hang.
    settings = {
        "region": "us-east-1",
        "endpoint_url": "http://127.0.0.1:9",
        **{"access_key": "a", "secret_key": "b"},
    }

    @handler(**settings)
    def lazy(event: Any, context: Any) -> DynamoDBClient:
        return current_invocation().client  # type: ignore[union-attr]

    assert get_default_client() is None  # nothing built at decoration
    built = lazy({}, LambdaContext())
    assert lazy({}, LambdaContext()) is built and get_default_client() is built
    assert built.endpoint_url == "http://127.0.0.1:9"

    started = time.monotonic()

    @handler(eager=True, **settings)
    def eager(event: Any, context: Any) -> DynamoDBClient:
        return current_invocation().client  # type: ignore[union-attr]

    assert time.monotonic() - started < 0.5
    made_at_import = get_default_client()
    assert made_at_import is not None and made_at_import is not built
    assert eager({}, LambdaContext()) is made_at_import


def test_without_configuration_the_default_client_is_used_or_built(endpoint: str) -> None:
    @handler
    def main(event: Any, context: Any) -> DynamoDBClient:
        return current_invocation().client  # type: ignore[union-attr]

    built = main({}, LambdaContext())  # no default yet: one is built from the environment
    assert isinstance(built, DynamoDBClient) and get_default_client() is built
    assert main({}, LambdaContext()) is built

    from pydynox import clear_default_client

    clear_default_client()  # e.g. an app that took its own default back at the end of an invocation
    assert main({}, LambdaContext()) is built  # the same client again, not a new one

    app_client = make_client(endpoint)  # e.g. set by an app's startup code during an invocation
    from pydynox import set_default_client

    set_default_client(app_client)
    assert main({}, LambdaContext()) is app_client

    clear_default_client()

    @handler(set_default=False)
    def hands_off(event: Any, context: Any) -> None:
        return None

    hands_off({}, LambdaContext())
    assert get_default_client() is None


def test_a_loop_closed_by_user_code_is_replaced(endpoint: str, table: str) -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    @handler(client=make_client(endpoint))
    async def main(event: Any, context: Any) -> bool:
        loops.append(asyncio.get_running_loop())
        return await current_invocation().client.table_exists(table)  # type: ignore[union-attr]

    assert main({}, LambdaContext())
    loops[0].close()  # e.g. a library that called asyncio.run-style cleanup on the current loop
    assert main({}, LambdaContext())
    assert loops[1] is not loops[0] and not loops[1].is_closed()
    assert main({}, LambdaContext()) and loops[2] is loops[1]


def test_cold_start_is_reported_once_per_process() -> None:
    import subprocess
    import sys

    code = (
        "from pydynox_lambda import handler, current_invocation\n"
        "@handler(region='us-east-1', endpoint_url='http://127.0.0.1:9')\n"
        "def main(event, context):\n"
        "    return current_invocation().cold_start\n"
        "print(main({}, None), main({}, None), main({}, None))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["True", "False", "False"], out.stderr


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_deadline_cancels_a_slow_call_before_the_lambda_timeout(http_url: str, table: str, kind: str) -> None:
    with FaultProxy(http_url) as proxy:
        client = make_client(proxy.endpoint_url)

        if kind == "async":

            @handler(client=client, deadline_margin=0.5)
            async def main(event: Any, context: Any) -> Any:
                return await client.get_item(table, {"pk": "a"})

        else:

            @handler(client=client, deadline_margin=0.5)
            def main(event: Any, context: Any) -> Any:
                return client.sync_get_item(table, {"pk": "a"})

        assert main({}, LambdaContext(timeout=10)) is None  # warm: connections made
        proxy.delay("GetItem", seconds=8)
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            main({}, LambdaContext(timeout=1.5))
        elapsed = time.monotonic() - started
        assert 0.9 < elapsed < 1.5  # stopped at timeout - margin, before Lambda's timeout
        proxy.clear()
        assert main({}, LambdaContext(timeout=10)) is None  # the next invocation is unaffected


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_deadline_stops_retries_in_time(http_url: str, table: str, kind: str) -> None:
    with FaultProxy(http_url) as proxy:
        # A generous retry budget: without the deadline, backoff would keep retrying for seconds.
        client = make_client(proxy.endpoint_url, max_attempts=30)

        if kind == "async":

            @handler(client=client, deadline_margin=0.3)
            async def main(event: Any, context: Any) -> Any:
                return await client.get_item(table, {"pk": "a"})

        else:

            @handler(client=client, deadline_margin=0.3)
            def main(event: Any, context: Any) -> Any:
                return client.sync_get_item(table, {"pk": "a"})

        main({}, LambdaContext())
        proxy.clear()
        proxy.throttle("GetItem", times=1000)
        # Two seconds of budget: the SDK's first retry after a throttle comes within one second
        # (random jitter), so at least one retry always fits before the deadline.
        with pytest.raises(DeadlineExceeded):
            main({}, LambdaContext(timeout=2.3))
        attempts = len(proxy.requests)
        assert attempts >= 2  # it did retry while there was time
        time.sleep(1.5)
        assert len(proxy.requests) == attempts  # and nothing retried after the deadline


def test_an_invocation_that_starts_past_its_deadline_does_not_run() -> None:
    ran = []

    @handler(region="us-east-1", endpoint_url="http://127.0.0.1:9", deadline_margin=2.0)
    async def main(event: Any, context: Any) -> None:
        ran.append(event)

    with pytest.raises(DeadlineExceeded, match=r"deadline_margin=2\.0"):
        main({}, LambdaContext(timeout=1.0))
    assert ran == []


class Recorder:
    def __init__(self) -> None:
        self.log: list[tuple[str, Any]] = []

    def invocation_started(self, invocation: Invocation) -> None:
        self.log.append(("started", invocation.request_id))

    def operation(self, event: events.OperationEvent, invocation: Invocation) -> None:
        self.log.append((event.operation, invocation.request_id))

    def invocation_finished(self, invocation: Invocation, error: BaseException | None) -> None:
        self.log.append(("finished", type(error).__name__ if error else None))


class Broken:
    def invocation_started(self, invocation: Invocation) -> None:
        raise RuntimeError("observer bug")

    def operation(self, event: events.OperationEvent, invocation: Invocation) -> None:
        raise RuntimeError("observer bug")

    def invocation_finished(self, invocation: Invocation, error: BaseException | None) -> None:
        raise RuntimeError("observer bug")


def test_observers_follow_each_invocation_and_a_broken_one_breaks_nothing(
    endpoint: str, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()

    @handler(client=make_client(endpoint), observers=[Broken(), recorder])
    async def main(event: dict[str, Any], context: Any) -> None:
        await current_invocation().client.get_item(table, {"pk": "x"})  # type: ignore[union-attr]
        if event.get("fail"):
            raise KeyError("boom")

    main({}, LambdaContext("r1"))
    with pytest.raises(KeyError):
        main({"fail": True}, LambdaContext("r2"))
    assert recorder.log == [
        ("started", "r1"),
        ("GetItem", "r1"),
        ("finished", None),
        ("started", "r2"),
        ("GetItem", "r2"),
        ("finished", "KeyError"),
    ]
    assert sum("observer bug" in r.getMessage() or "observer" in r.getMessage() for r in caplog.records) >= 6


def test_bad_configuration_is_refused_at_decoration(endpoint: str) -> None:
    with pytest.raises(TypeError, match="not both"):
        handler(client=make_client(endpoint), region="us-east-1")
    with pytest.raises(TypeError, match="regoin"):
        handler(regoin="us-east-1")
    with pytest.raises(TypeError, match="DynamoDBClient"):
        handler(client="us-east-1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="deadline_margin"):
        handler(deadline_margin=-1)
    with pytest.raises(TypeError, match="decorates a function"):
        handler()(42)  # type: ignore[call-overload]


async def test_calling_a_handler_inside_a_running_loop_is_refused(endpoint: str) -> None:
    @handler(client=make_client(endpoint))
    async def main(event: Any, context: Any) -> None:
        return None

    with pytest.raises(RuntimeError, match="running event loop"):
        main({}, LambdaContext())
