"""An HTTP/1.1 reverse proxy in front of moto that injects DynamoDB faults on demand.

moto always succeeds, so retry, backoff and "unprocessed items" handling in the client can only be
exercised by putting something between the client and moto that misbehaves in a controlled way.
Faults are queued per operation with a count; each request consumes at most one fault (the oldest
matching one) and every request is logged with a monotonic timestamp so tests can check that retries
happened and how far apart they were.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import ipaddress
import json
import math
import socket
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from types import TracebackType
from typing import Any, Literal, NamedTuple, Self
from urllib.parse import urlsplit

FaultKind = Literal["unprocessed", "throttle", "fail", "delay"]

_ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"
_JSON_CONTENT_TYPE = "application/x-amz-json-1.0"
_UPSTREAM_TIMEOUT = 30.0
_IDLE_CONNECTION_TIMEOUT = 60.0
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
# BatchGetItem per-table fields that must travel with withheld keys so a retry reads the same thing.
_BATCH_GET_TABLE_FIELDS = (
    "ProjectionExpression",
    "ExpressionAttributeNames",
    "ConsistentRead",
    "AttributesToGet",
)


class RequestRecord(NamedTuple):
    """One proxied request: when it arrived, its DynamoDB operation, and the fault applied (if any)."""

    at: float
    operation: str | None
    fault: FaultKind | None


@dataclass
class _Fault:
    kind: FaultKind
    operation: str | None
    remaining: int
    fraction: float = 0.5
    code: str = ""
    status: int = 400
    seconds: float = 0.0

    def matches(self, operation: str | None) -> bool:
        return self.operation is None or self.operation == operation


@dataclass
class _Response:
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _json_response(status: int, reason: str, payload: dict[str, Any]) -> _Response:
    """A DynamoDB-shaped JSON response, with the CRC32 header the real service sends."""
    body = json.dumps(payload).encode()
    headers = [
        ("Content-Type", _JSON_CONTENT_TYPE),
        ("x-amzn-RequestId", uuid.uuid4().hex),
        ("x-amz-crc32", str(zlib.crc32(body))),
        ("Date", formatdate(usegmt=True)),
    ]
    return _Response(status, reason, headers, body)


def _error_response(status: int, code: str, message: str) -> _Response:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return _json_response(status, reason, {"__type": _ERROR_PREFIX + code, "message": message})


def _split_batch(
    operation: str, request: dict[str, Any], fraction: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a batch request's ``RequestItems`` into (forwarded, withheld) in wire shape.

    Per table the first ``ceil(n * (1 - fraction))`` entries are kept (at least one when n > 1); the
    rest are withheld. Tables with nothing kept are dropped from the forwarded request.
    """
    forwarded: dict[str, Any] = {}
    withheld: dict[str, Any] = {}
    for table, spec in request.get("RequestItems", {}).items():
        entries: list[Any] = spec if operation == "BatchWriteItem" else spec.get("Keys", [])
        n = len(entries)
        keep = min(n, math.ceil(n * (1.0 - fraction)))
        if n > 1:
            keep = max(1, keep)
        kept, rest = entries[:keep], entries[keep:]
        if operation == "BatchWriteItem":
            if kept:
                forwarded[table] = kept
            if rest:
                withheld[table] = rest
        else:
            extras = {k: spec[k] for k in _BATCH_GET_TABLE_FIELDS if k in spec}
            if kept:
                forwarded[table] = {**spec, "Keys": kept}
            if rest:
                withheld[table] = {"Keys": rest, **extras}
    return forwarded, withheld


def _merge_unprocessed(operation: str, response: dict[str, Any], withheld: dict[str, Any]) -> dict[str, Any]:
    """Add withheld entries to whatever the upstream itself reported as unprocessed."""
    if operation == "BatchWriteItem":
        unprocessed: dict[str, Any] = dict(response.get("UnprocessedItems") or {})
        for table, writes in withheld.items():
            unprocessed[table] = [*unprocessed.get(table, []), *writes]
        return {**response, "UnprocessedItems": unprocessed}
    unprocessed = dict(response.get("UnprocessedKeys") or {})
    for table, spec in withheld.items():
        if table in unprocessed:
            unprocessed[table] = {**unprocessed[table], "Keys": [*unprocessed[table]["Keys"], *spec["Keys"]]}
        else:
            unprocessed[table] = spec
    responses: dict[str, Any] = dict(response.get("Responses") or {})
    for table in withheld:
        responses.setdefault(table, [])  # a table whose keys were all withheld still gets an entry
    return {**response, "Responses": responses, "UnprocessedKeys": unprocessed}


class _ProxyServer(http.server.ThreadingHTTPServer):
    """Threading server that remembers open client connections so ``stop`` can close idle keep-alives."""

    daemon_threads = True
    proxy: FaultProxy

    def __init__(self, proxy: FaultProxy) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.proxy = proxy
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    """Reads one request at a time off a keep-alive connection and hands it to the FaultProxy."""

    protocol_version = "HTTP/1.1"
    timeout = _IDLE_CONNECTION_TIMEOUT
    server: _ProxyServer

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request stderr logging; the proxy keeps its own structured log."""

    def do_GET(self) -> None:
        self._proxy()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET

    def _proxy(self) -> None:
        body = self._read_body()
        response = self.server.proxy._handle(self.command, self.path, list(self.headers.items()), body)
        self._write(response)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # discard trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _write(self, response: _Response) -> None:
        self.send_response_only(response.status, response.reason)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        self.wfile.flush()


class FaultProxy:
    """Reverse proxy to ``upstream_url`` (moto) with programmable, thread-safe fault injection.

    Each ``unprocessed``/``throttle``/``fail``/``delay`` call queues a fault for the next ``times``
    requests whose operation matches (``operation=None`` matches all). When several queued faults
    match, the oldest is used; a request gets at most one fault.
    """

    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        if parts.scheme != "http" or not parts.hostname or not _is_loopback(parts.hostname):
            raise ValueError(f"upstream must be an http:// loopback URL, got {upstream_url!r}")
        self._upstream_host = parts.hostname
        self._upstream_port = parts.port or 80
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._log: list[RequestRecord] = []
        self._stopping = threading.Event()
        self._server: _ProxyServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    @property
    def endpoint_url(self) -> str:
        """Base URL clients should use instead of the upstream's."""
        if self._server is None:
            raise RuntimeError("FaultProxy is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        """Bind 127.0.0.1 on a free port and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("FaultProxy already started")
        self._stopping.clear()
        self._server = _ProxyServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fault-proxy", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open keep-alive connections and join the server thread. Idempotent."""
        server, self._server = self._server, None
        thread, self._thread = self._thread, None
        if server is None:
            return
        self._stopping.set()  # wakes handlers sleeping in a delay fault
        server.shutdown()
        with server.connections_lock:
            open_connections = list(server.connections)
        for conn in open_connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if thread is not None:
            thread.join(timeout=5.0)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ----------------------------------------------------------------- fault programming

    def unprocessed(self, operation: str = "BatchWriteItem", times: int = 1, fraction: float = 0.5) -> None:
        """Make the next ``times`` batch calls process only part of their items.

        Only the kept entries reach moto; the withheld ones come back as ``UnprocessedItems``
        (BatchWriteItem) or ``UnprocessedKeys`` (BatchGetItem), exactly as DynamoDB reports them.
        """
        if operation not in ("BatchWriteItem", "BatchGetItem"):
            raise ValueError("unprocessed() applies to BatchWriteItem or BatchGetItem only")
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be within [0, 1]")
        self._add(_Fault("unprocessed", operation, times, fraction=fraction))

    def throttle(
        self,
        operation: str | None,
        times: int = 1,
        code: str = "ProvisionedThroughputExceededException",
    ) -> None:
        """Answer the next ``times`` matching requests with HTTP 400 and error ``code``, unforwarded."""
        self._add(_Fault("throttle", operation, times, code=code, status=400))

    def fail(
        self, operation: str | None, times: int = 1, status: int = 500, code: str = "InternalServerError"
    ) -> None:
        """Answer the next ``times`` matching requests with a server error, unforwarded."""
        self._add(_Fault("fail", operation, times, code=code, status=status))

    def delay(self, operation: str | None, seconds: float, times: int = 1) -> None:
        """Sleep ``seconds`` before forwarding the next ``times`` matching requests (e.g. for timeouts)."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self._add(_Fault("delay", operation, times, seconds=seconds))

    def clear(self) -> None:
        """Forget all pending faults and the request log."""
        with self._lock:
            self._faults.clear()
            self._log.clear()

    @property
    def requests(self) -> list[RequestRecord]:
        """Snapshot of every request seen so far, oldest first."""
        with self._lock:
            return list(self._log)

    def _add(self, fault: _Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, operation: str | None) -> _Fault | None:
        """Consume one use of the oldest matching fault and log the request, atomically."""
        with self._lock:
            fault = next((f for f in self._faults if f.matches(operation)), None)
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
            self._log.append(RequestRecord(time.monotonic(), operation, fault.kind if fault else None))
            return fault

    # ----------------------------------------------------------------- request handling

    def _handle(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> _Response:
        operation = self._operation(headers)
        fault = self._take_fault(operation)
        if fault is None:
            return self._forward(method, path, headers, body)
        if fault.kind == "throttle" or fault.kind == "fail":
            return _error_response(fault.status, fault.code, f"Injected by FaultProxy ({fault.kind})")
        if fault.kind == "delay":
            self._stopping.wait(fault.seconds)
            return self._forward(method, path, headers, body)
        assert operation is not None  # unprocessed faults always name their operation
        return self._partial_batch(operation, fault.fraction, method, path, headers, body)

    @staticmethod
    def _operation(headers: list[tuple[str, str]]) -> str | None:
        for name, value in headers:
            if name.lower() == "x-amz-target":
                return value.rpartition(".")[2] or None
        return None

    def _partial_batch(
        self,
        operation: str,
        fraction: float,
        method: str,
        path: str,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> _Response:
        """Forward part of a batch request and report the rest as unprocessed."""
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        if not isinstance(request, dict) or not isinstance(request.get("RequestItems"), dict):
            return self._forward(method, path, headers, body)  # let moto report the malformed request
        forwarded, withheld = _split_batch(operation, request, fraction)
        if not withheld:
            return self._forward(method, path, headers, body)
        if not forwarded:
            # Nothing left to send (moto would reject an empty batch): answer as DynamoDB would.
            return _json_response(200, "OK", _merge_unprocessed(operation, {}, withheld))
        new_body = json.dumps({**request, "RequestItems": forwarded}).encode()
        upstream = self._forward(method, path, headers, new_body)
        if upstream.status != 200:
            return upstream
        payload = _merge_unprocessed(operation, json.loads(upstream.body), withheld)
        rewritten = json.dumps(payload).encode()
        upstream.body = rewritten
        upstream.headers = [
            (name, str(zlib.crc32(rewritten)) if name.lower() == "x-amz-crc32" else value)
            for name, value in upstream.headers
        ]
        return upstream

    def _forward(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> _Response:
        """Send the request to moto on a fresh connection and return its response minus hop-by-hop headers."""
        dropped = _HOP_BY_HOP | {"content-length", "accept-encoding"} | self._connection_tokens(headers)
        conn = http.client.HTTPConnection(self._upstream_host, self._upstream_port, timeout=_UPSTREAM_TIMEOUT)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                if name.lower() not in dropped:
                    conn.putheader(name, value)
            if not any(name.lower() == "host" for name, _ in headers):
                conn.putheader("Host", f"{self._upstream_host}:{self._upstream_port}")
            # Identity encoding so a rewritten response body never has to be decompressed.
            conn.putheader("Accept-Encoding", "identity")
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            upstream = conn.getresponse()
            data = upstream.read()
            upstream_drop = _HOP_BY_HOP | {"content-length"} | self._connection_tokens(upstream.getheaders())
            kept = [(n, v) for n, v in upstream.getheaders() if n.lower() not in upstream_drop]
            return _Response(upstream.status, upstream.reason, kept, data)
        except (OSError, http.client.HTTPException) as exc:
            return _error_response(502, "ServiceUnavailable", f"FaultProxy upstream error: {exc}")
        finally:
            conn.close()

    @staticmethod
    def _connection_tokens(headers: list[tuple[str, str]]) -> set[str]:
        """Header names listed in ``Connection`` are hop-by-hop too (RFC 9110 section 7.6.1)."""
        tokens: set[str] = set()
        for name, value in headers:
            if name.lower() == "connection":
                tokens.update(t.strip().lower() for t in value.split(",") if t.strip())
        return tokens
