"""Cursor pagination with signed, opaque cursors bound to their query.

.. code-block:: python

    configure_pagination(secret=os.environ["CURSOR_SECRET"])

    @app.get("/users/{uid}/orders", response_model=CursorPage[Order])
    async def orders(uid: str, limit: int | None = None, cursor: str | None = None) -> CursorPage[Order]:
        return await paginate(Order.query(partition_key=uid), limit=limit, cursor=cursor)

A cursor carries the position to resume from (the read's item-exact ``last_evaluated_key``, each value
with its exact type: ``int``, ``Decimal``, ``float``, ``str`` or ``bytes``), a digest of the query it
came from (operation, table, index, expressions with their values, direction, consistency; see
``result.request``) and the time it was issued, encoded as URL-safe base64 and signed with
HMAC-SHA256. A cursor that was altered, signed with another secret, issued for another query or
older than ``max_age`` is refused with :class:`~pydynox_fastapi.PaginationError` (400) before
anything is sent: no position a client made up ever reaches DynamoDB as an ``ExclusiveStartKey``.

The signature makes cursors tamper-proof, not secret: they contain key values the client has
already seen in the items.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import hmac
import json
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar, overload

from pydantic import BaseModel
from pydynox.query import AsyncQueryResult, AsyncScanResult, QueryResult, ScanResult

from pydynox_fastapi.errors import PaginationError

__all__ = [
    "CURSOR_SECRET_ENV",
    "CursorPage",
    "Pagination",
    "configure_pagination",
    "paginate",
    "sync_paginate",
]

T = TypeVar("T")

#: The environment variable read for the secret when :func:`configure_pagination` was not called.
CURSOR_SECRET_ENV = "PYDYNOX_FASTAPI_CURSOR_SECRET"

_VERSION = 1
#: Domain separation: a MAC made for something else with the same secret never opens as a cursor.
_MAC_CONTEXT = b"pydynox-fastapi/cursor/v1\x00"
_MAX_CURSOR_CHARS = 4096
_CURSOR_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_BINDING_BYTES = 16
#: How far in the future an issue time may be (clocks of several servers drift apart).
_CLOCK_SKEW = 300.0
_MIN_SECRET_BYTES = 16


class CursorPage(BaseModel, Generic[T]):
    """One page: ``items`` and ``next_cursor`` (None on the last page). As a response model,
    parametrize it with the items' schema: ``response_model=CursorPage[UserSchema]``.

    A page may end with a ``next_cursor`` whose page turns out empty: DynamoDB reports more to read
    whenever a request stops at its limit, and finding out would cost another request.
    """

    items: list[T]
    next_cursor: str | None = None


def _secret_bytes(secret: str | bytes, what: str) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode()
    if not isinstance(secret, bytes):
        raise TypeError(f"{what} must be str or bytes, got {type(secret).__name__}")
    if len(secret) < _MIN_SECRET_BYTES:
        raise ValueError(
            f"{what} must be at least {_MIN_SECRET_BYTES} bytes (use e.g. secrets.token_urlsafe(32))"
        )
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    # The last character of unpadded base64 can carry bits the decoder drops: only the canonical
    # spelling is accepted, so a cursor has exactly one valid text.
    if _b64(data) != text:
        raise ValueError("not canonical base64")
    return data


class Pagination:
    """Pagination settings and the secret that signs cursors.

    Args:
        secret: signs new cursors; at least 16 bytes (a str is UTF-8 encoded). Keep it out of the code.
        previous_secrets: still accepted when opening cursors, so a rotated secret does not break
            the cursors clients hold.
        max_age: seconds (or a ``timedelta``) a cursor stays valid.
        default_limit: items per page when the request gives no limit (20, or ``max_limit`` if lower).
        max_limit: larger limits are lowered to this.
        clock: the current time in seconds since the epoch (for tests).
    """

    def __init__(
        self,
        secret: str | bytes,
        *,
        previous_secrets: Sequence[str | bytes] = (),
        max_age: float | _dt.timedelta = 3600.0,
        default_limit: int | None = None,
        max_limit: int = 100,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secrets = [_secret_bytes(secret, "secret")] + [
            _secret_bytes(s, "previous_secrets[]") for s in previous_secrets
        ]
        if isinstance(max_age, _dt.timedelta):
            max_age = max_age.total_seconds()
        if isinstance(max_age, bool) or not isinstance(max_age, int | float) or not max_age > 0:
            raise ValueError(f"max_age must be a positive number of seconds, got {max_age!r}")
        if default_limit is None:
            default_limit = min(20, max_limit) if isinstance(max_limit, int) else 20
        for name, value in (("default_limit", default_limit), ("max_limit", max_limit)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
        if default_limit > max_limit:
            raise ValueError(f"default_limit ({default_limit}) is larger than max_limit ({max_limit})")
        self.max_age = float(max_age)
        self.default_limit = default_limit
        self.max_limit = max_limit
        self._clock = clock

    # -- pages -------------------------------------------------------------------------------------

    @overload
    async def paginate(
        self,
        query: AsyncQueryResult[T],
        *,
        limit: int | None = None,
        cursor: str | None = None,
        bind: Any = None,
    ) -> CursorPage[T]: ...
    @overload
    async def paginate(
        self,
        query: AsyncScanResult[T],
        *,
        limit: int | None = None,
        cursor: str | None = None,
        bind: Any = None,
    ) -> CursorPage[T]: ...
    async def paginate(
        self,
        query: AsyncQueryResult[T] | AsyncScanResult[T],
        *,
        limit: int | None = None,
        cursor: str | None = None,
        bind: Any = None,
    ) -> CursorPage[T]:
        """One page of ``query`` (a model's, an index's, a collection's or the client's ``query()`` /
        ``scan()``, not started): up to ``limit`` items from where ``cursor`` points (the start when
        None), and the cursor of the next page. ``bind`` adds data the cursor must be used with
        (e.g. the caller's tenant): a cursor issued with another ``bind`` is refused."""
        if not isinstance(query, AsyncQueryResult | AsyncScanResult):
            hint = "; use sync_paginate() for sync_query()/sync_scan()" if _is_sync(query) else ""
            raise TypeError(f"paginate() needs a query() or scan() result, got {type(query).__name__}{hint}")
        page, binding = self._page(query, limit, cursor, bind)
        items = await page.all()
        return CursorPage(items=items, next_cursor=self.issue(page.last_evaluated_key, binding))

    @overload
    def sync_paginate(
        self, query: QueryResult[T], *, limit: int | None = None, cursor: str | None = None, bind: Any = None
    ) -> CursorPage[T]: ...
    @overload
    def sync_paginate(
        self, query: ScanResult[T], *, limit: int | None = None, cursor: str | None = None, bind: Any = None
    ) -> CursorPage[T]: ...
    def sync_paginate(
        self,
        query: QueryResult[T] | ScanResult[T],
        *,
        limit: int | None = None,
        cursor: str | None = None,
        bind: Any = None,
    ) -> CursorPage[T]:
        """The blocking twin of :meth:`paginate`, for ``sync_query()`` / ``sync_scan()`` results."""
        if not _is_sync(query):
            raise TypeError(
                f"sync_paginate() needs a sync_query() or sync_scan() result, got {type(query).__name__}"
            )
        page, binding = self._page(query, limit, cursor, bind)
        items = page.all()
        return CursorPage(items=items, next_cursor=self.issue(page.last_evaluated_key, binding))

    def _page(self, query: Any, limit: int | None, cursor: str | None, bind: Any) -> tuple[Any, bytes]:
        request = query.request
        if request is None:
            raise TypeError("paginate() needs a read that describes itself (result.request is None)")
        binding = query_binding(request, bind)
        wanted = self.limit(limit)
        start = self.open(cursor, binding) if cursor else None
        return query.restart(start, limit=wanted), binding

    def limit(self, limit: int | None) -> int:
        """The page size for a requested ``limit``: the default when None, at most ``max_limit``."""
        if limit is None:
            return self.default_limit
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise TypeError(f"limit must be an int, got {type(limit).__name__}")
        if limit < 1:
            raise PaginationError("invalid_limit", "limit must be at least 1.")
        return min(limit, self.max_limit)

    # -- cursors -----------------------------------------------------------------------------------

    def _mac(self, secret: bytes, body: bytes) -> bytes:
        return hmac.new(secret, _MAC_CONTEXT + body, hashlib.sha256).digest()

    def issue(self, key: Mapping[str, Any] | None, binding: bytes) -> str | None:
        """The cursor of position ``key`` in the query with this ``binding`` (None when ``key`` is)."""
        if key is None:
            return None
        payload = {"v": _VERSION, "k": _pack_key(key), "q": _b64(binding), "t": int(self._clock())}
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(body)}.{_b64(self._mac(self._secrets[0], body))}"

    def open(self, cursor: str, binding: bytes) -> dict[str, Any]:
        """The position a cursor points to, once it is proven ours, fresh and issued for this query.

        Raises :class:`~pydynox_fastapi.PaginationError`: ``invalid_cursor``, ``cursor_expired`` or
        ``cursor_mismatch``.
        """
        if not isinstance(cursor, str):
            raise TypeError(f"cursor must be a str, got {type(cursor).__name__}")
        if len(cursor) > _MAX_CURSOR_CHARS or not _CURSOR_SHAPE.fullmatch(cursor):
            raise _invalid()
        body_text, mac_text = cursor.split(".")
        try:
            body, mac = _unb64(body_text), _unb64(mac_text)
        except (binascii.Error, ValueError):
            raise _invalid() from None
        # Every secret is tried (no early exit), so the time taken says nothing about which matched.
        matched = False
        for secret in self._secrets:
            matched |= hmac.compare_digest(mac, self._mac(secret, body))
        if not matched:
            raise _invalid()
        try:
            payload = json.loads(body)
            version, packed, bound, issued = payload["v"], payload["k"], payload["q"], payload["t"]
        except (ValueError, KeyError, TypeError):
            raise _invalid() from None
        if version != _VERSION or not isinstance(issued, int) or not isinstance(bound, str):
            raise _invalid()
        now = self._clock()
        if issued > now + _CLOCK_SKEW:
            raise _invalid()
        if now - issued > self.max_age:
            raise PaginationError("cursor_expired", "The cursor has expired; start from the first page.")
        if not hmac.compare_digest(bound.encode(), _b64(binding).encode()):
            raise PaginationError("cursor_mismatch", "The cursor belongs to another query.")
        try:
            return _unpack_key(packed)
        except (ValueError, TypeError, KeyError, InvalidOperation, binascii.Error):
            raise _invalid() from None


def _invalid() -> PaginationError:
    return PaginationError("invalid_cursor", "The cursor is not valid.")


def _is_sync(query: Any) -> bool:
    return isinstance(query, QueryResult | ScanResult)


# -- the default settings ----------------------------------------------------------------------------

_default: Pagination | None = None


def configure_pagination(secret: str | bytes, **options: Any) -> Pagination:
    """Sets the :class:`Pagination` that :func:`paginate` uses (same arguments) and returns it."""
    global _default
    _default = Pagination(secret, **options)
    return _default


def default_pagination() -> Pagination:
    """The configured :class:`Pagination`, else one with the secret in ``PYDYNOX_FASTAPI_CURSOR_SECRET``."""
    if _default is not None:
        return _default
    secret = os.environ.get(CURSOR_SECRET_ENV)
    if not secret:
        raise RuntimeError(
            "paginate() needs a secret to sign cursors: call pydynox_fastapi.configure_pagination("
            f"secret=...) at startup, set {CURSOR_SECRET_ENV}, or pass pagination=Pagination(...)"
        )
    return Pagination(secret)


async def paginate(
    query: AsyncQueryResult[T] | AsyncScanResult[T],
    *,
    limit: int | None = None,
    cursor: str | None = None,
    bind: Any = None,
    pagination: Pagination | None = None,
) -> CursorPage[T]:
    """:meth:`Pagination.paginate` with ``pagination`` or the configured default."""
    settings = pagination if pagination is not None else default_pagination()
    return await settings.paginate(query, limit=limit, cursor=cursor, bind=bind)


def sync_paginate(
    query: QueryResult[T] | ScanResult[T],
    *,
    limit: int | None = None,
    cursor: str | None = None,
    bind: Any = None,
    pagination: Pagination | None = None,
) -> CursorPage[T]:
    """:meth:`Pagination.sync_paginate` with ``pagination`` or the configured default."""
    settings = pagination if pagination is not None else default_pagination()
    return settings.sync_paginate(query, limit=limit, cursor=cursor, bind=bind)


# -- encodings ---------------------------------------------------------------------------------------


def query_binding(request: Mapping[str, Any], bind: Any = None) -> bytes:
    """A digest of a read (``result.request``) and the caller's ``bind`` data: equal for the same
    query, different when anything DynamoDB would be asked changes."""
    canonical = json.dumps(
        [_canonical(dict(request)), _canonical(bind)], separators=(",", ":"), sort_keys=True
    )
    return hashlib.sha256(canonical.encode()).digest()[:_BINDING_BYTES]


def _canonical(value: Any) -> Any:
    """``value`` as JSON that tells every type apart (``1``, ``1.0``, ``Decimal("1.0")`` and ``"1"``
    differ), with dict keys and set members in a fixed order."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, Decimal):
        return ["dec", str(value)]
    if isinstance(value, str):
        return ["str", value]
    if isinstance(value, bytes | bytearray | memoryview):
        return ["bytes", _b64(bytes(value))]
    if isinstance(value, Mapping):
        return ["map", sorted(([str(k), _canonical(v)] for k, v in value.items()), key=lambda kv: kv[0])]
    if isinstance(value, list | tuple):
        return ["list", [_canonical(v) for v in value]]
    if isinstance(value, set | frozenset):
        return ["set", sorted(json.dumps(_canonical(v), sort_keys=True) for v in value)]
    raise TypeError(f"cannot bind a cursor to a {type(value).__name__} value")


def _pack_key(key: Mapping[str, Any]) -> dict[str, list[str]]:
    """A key (string, number or binary values) as JSON that keeps each value's exact type."""
    packed: dict[str, list[str]] = {}
    for name, value in key.items():
        if isinstance(value, bool):
            raise TypeError(f"key attribute {name!r}: a bool cannot be a key value")
        if isinstance(value, str):
            packed[name] = ["S", value]
        elif isinstance(value, int):
            packed[name] = ["I", str(value)]
        elif isinstance(value, Decimal):
            packed[name] = ["D", str(value)]
        elif isinstance(value, float):
            packed[name] = ["F", repr(value)]
        elif isinstance(value, bytes):
            packed[name] = ["B", _b64(value)]
        else:
            raise TypeError(f"key attribute {name!r}: cannot put a {type(value).__name__} in a cursor")
    return packed


def _unpack_key(packed: Any) -> dict[str, Any]:
    if not isinstance(packed, dict) or not packed:
        raise ValueError("empty key")
    key: dict[str, Any] = {}
    for name, (kind, text) in packed.items():
        if not isinstance(text, str):
            raise TypeError(name)
        if kind == "S":
            key[name] = text
        elif kind == "I":
            key[name] = int(text)
        elif kind == "D":
            key[name] = Decimal(text)
        elif kind == "F":
            key[name] = float(text)
        elif kind == "B":
            key[name] = _unb64(text)
        else:
            raise ValueError(kind)
    return key
