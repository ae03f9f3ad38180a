"""The embedded local DynamoDB engine: in-process instances, the HTTP server, fault injection.

``DynamoDBClient(endpoint_url="memory://")`` talks to an engine inside this process through the AWS
SDK's own request pipeline (no sockets); ``memory://name`` reaches a separate, named instance.
:class:`LocalEngine` is the handle on one instance, for tests and tools::

    engine = LocalEngine("orders-test")
    client = engine.make_client()
    engine.throttle(2, operations=["PutItem"])   # the next two PutItems are throttled (and retried)

:func:`serve` (and the ``pydynox local`` command) serves an instance over HTTP for boto3, the AWS
CLI or any other SDK; with ``data_dir`` every acknowledged write is kept on disk.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from pydynox._core import LocalEngine as _CoreEngine
from pydynox._core import LocalServer
from pydynox.client import DynamoDBClient

__all__ = ["LocalEngine", "LocalServer", "serve"]


class LocalEngine:
    """One named in-process engine (created empty on first use); ``memory://<name>`` reaches it.

    Args:
        name: the instance name; ``None`` makes a fresh, uniquely named instance.
    """

    def __init__(self, name: str | None = "default") -> None:
        self._core = _CoreEngine(f"local-{uuid.uuid4().hex}" if name is None else name)

    @property
    def name(self) -> str:
        return self._core.name

    @property
    def endpoint_url(self) -> str:
        """``memory://<name>``: give it to ``DynamoDBClient(endpoint_url=...)``."""
        return self._core.endpoint_url

    def make_client(self, **config: Any) -> DynamoDBClient:
        """A new client of this engine (no credentials needed; region defaults to us-east-1)."""
        config.setdefault("region", "us-east-1")
        return DynamoDBClient(endpoint_url=self.endpoint_url, **config)

    def table_names(self) -> list[str]:
        return self._core.table_names()

    def reset(self) -> None:
        """Drops every table and armed fault; forgets the calls seen."""
        self._core.reset()

    def discard(self) -> None:
        """Forgets this instance: ``memory://<name>`` then reaches a new, empty engine."""
        self._core.discard()

    # Stream records and TTL -------------------------------------------------------------------

    def stream_records(self, table: str, *, drain: bool = False) -> list[dict[str, Any]]:
        """The table's stream records, oldest first, shaped as a Lambda event's ``Records``.

        The table needs a stream (``StreamSpecification``); ``drain=True`` clears them after reading.
        """
        records: list[dict[str, Any]] = json.loads(self._core.stream_records_json(table, drain))
        return records

    def stream_event(self, table: str, *, drain: bool = True) -> dict[str, Any]:
        """The pending stream records as one Lambda event (``{"Records": [...]}``)."""
        return {"Records": self.stream_records(table, drain=drain)}

    def expire_ttl(self, now: float | None = None) -> int:
        """Runs the TTL sweeper as of ``now`` (epoch seconds; default: the clock); returns the count."""
        return self._core.expire_ttl(now)

    # Fault injection --------------------------------------------------------------------------

    def throttle(
        self, count: int = 1, *, operations: Sequence[str] | None = None, code: str | None = None
    ) -> None:
        """The next ``count`` calls answer with a throttling error (default ProvisionedThroughputExceeded)."""
        self._core.inject("throttle", count, _ops(operations), None, code)

    def unprocessed(self, count: int = 1, *, operations: Sequence[str] | None = None) -> None:
        """The next ``count`` batch calls hand every item or key back unprocessed, applying nothing."""
        self._core.inject("unprocessed", count, _ops(operations), None, None)

    def latency(self, seconds: float, count: int = 1, *, operations: Sequence[str] | None = None) -> None:
        """The next ``count`` calls are answered ``seconds`` late."""
        self._core.inject("latency", count, _ops(operations), seconds, None)

    def server_error(self, count: int = 1, *, operations: Sequence[str] | None = None) -> None:
        """The next ``count`` calls answer HTTP 500 InternalServerError."""
        self._core.inject("server_error", count, _ops(operations), None, None)

    def connection_reset(self, count: int = 1, *, operations: Sequence[str] | None = None) -> None:
        """The next ``count`` calls fail as a dropped connection."""
        self._core.inject("connection_reset", count, _ops(operations), None, None)

    def clear_faults(self) -> None:
        self._core.clear_faults()

    @property
    def pending_faults(self) -> int:
        """Faulted calls still armed."""
        return self._core.pending_faults

    def calls(self) -> list[str]:
        """Operation names of the calls that reached the engine, retries included, oldest first (the
        most recent 10,000: a long-running server does not keep them all)."""
        return self._core.calls()

    def reset_calls(self) -> None:
        self._core.reset_calls()

    # Persistence and raw access ---------------------------------------------------------------

    def persist_to(self, directory: str | Path) -> int:
        """Keeps this engine in ``directory`` (replaying what is there); returns the writes replayed."""
        return self._core.persist_to(Path(directory))

    def compact(self) -> None:
        """Rewrites the data directory's log as one write per stored item."""
        self._core.compact()

    def request(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Sends one raw JSON API request (``"PutItem"``, ``{...}``); returns (status, answer)."""
        status, raw = self._core.request(operation, json.dumps(body).encode())
        answer: dict[str, Any] = json.loads(raw)
        return status, answer

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Server:
        """Serves this engine over HTTP; ``port=0`` picks a free port. Use as a context manager."""
        return Server(LocalServer(host, port, self.name), self)

    def __repr__(self) -> str:
        return f"LocalEngine({self.name!r})"


def _ops(operations: Sequence[str] | None) -> list[str] | None:
    if operations is None:
        return None
    if isinstance(operations, str):
        raise TypeError("operations must be a list of operation names, e.g. ['PutItem'], not a string")
    return list(operations)


class Server:
    """A running ``pydynox local`` server; stops when the ``with`` block ends."""

    def __init__(self, server: LocalServer, engine: LocalEngine) -> None:
        self._server = server
        self.engine = engine

    @property
    def host(self) -> str:
        return self._server.host

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self, timeout: float = 10.0) -> bool:
        """Stops accepting connections, lets in-flight requests finish; True once fully stopped."""
        self._server.stop()
        return self._server.wait(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        return self._server.wait(timeout)

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    data_dir: str | Path | None = None,
    engine: str | None = None,
) -> Server:
    """Serves a local engine over HTTP; with ``data_dir``, every acknowledged write is kept on disk."""
    if data_dir is None:
        local = LocalEngine("default" if engine is None else engine)
    else:
        # The log replays into an empty engine: a fresh one unless a name is given.
        local = LocalEngine(engine)
        local.persist_to(data_dir)
    return local.serve(host, port)
