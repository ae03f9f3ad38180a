"""Auto-paginating Query and Scan results.

``limit`` caps the items returned across pages; ``page_size`` is DynamoDB's ``Limit`` per request.
When ``limit`` is set, no request asks for more than the items still wanted, so a result never stops in
the middle of a page and ``last_evaluated_key`` is always a position from which a later call resumes
without skipping or repeating an item.

While the caller works through one page, the next one is already being fetched (one page ahead, so
memory stays bounded to two pages); ``first()`` fetches only what it needs. ``last_evaluated_key`` is
exact to the item: after breaking out of a loop in the middle of a page it is the key of the last
item handed out, so a later read resumes right after it.

The async and sync results share one cursor (:class:`_Cursor`); only the waiting differs.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from types import MappingProxyType
from typing import Any, Generic, Self, TypeVar

from pydynox._core import OperationMetrics, Page

__all__ = ["AsyncQueryResult", "AsyncScanResult", "Count", "QueryResult", "ScanResult"]

Item = dict[str, Any]
T = TypeVar("T")


class Count(int):
    """The number of matching items: an ``int`` that also carries the metrics of the reads
    (``count.metrics``). It unpacks as ``count, metrics = ...`` like pydynox 1.x's tuple."""

    metrics: OperationMetrics | None

    def __new__(cls, value: int, metrics: OperationMetrics | None = None) -> Count:
        self = super().__new__(cls, value)
        self.metrics = metrics
        return self

    def __iter__(self) -> Iterator[Any]:
        return iter((int(self), self.metrics))

    def __getitem__(self, index: int) -> Any:
        return (int(self), self.metrics)[index]

    def __repr__(self) -> str:
        return f"Count({int(self)})"

    def __str__(self) -> str:
        return str(int(self))


def _check_positive(name: str, value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")


class _Cursor:
    """Where a paginated read stands: what the next request asks for, and when it is done."""

    def __init__(self, limit: int | None, page_size: int | None, start_key: Item | None) -> None:
        _check_positive("limit", limit)
        _check_positive("page_size", page_size)
        self.limit = limit
        self.page_size = page_size
        self.last_evaluated_key = start_key
        self.returned = 0
        self.pages = 0
        self.scanned_count = 0
        self.done = False
        self.last_metrics: OperationMetrics | None = None

    def next_request(self) -> dict[str, Any] | None:
        if self.done:
            return None
        wanted = self.page_size
        if self.limit is not None:
            remaining = self.limit - self.returned
            if remaining <= 0:
                self.done = True
                return None
            wanted = remaining if wanted is None else min(wanted, remaining)
        return {"limit": wanted, "exclusive_start_key": self.last_evaluated_key}

    def accept(self, page: Page) -> list[Any]:
        self.pages += 1
        self.scanned_count += page.scanned_count
        self.last_metrics = page.metrics
        self.last_evaluated_key = page.last_evaluated_key
        items = page.items
        self.returned += len(items)
        if page.last_evaluated_key is None or (self.limit is not None and self.returned >= self.limit):
            self.done = True
        return items


class _Pager(Generic[T]):
    """The state both faces share: the cursor, the page being handed out, the page fetched ahead, and
    where a later read would resume."""

    def __init__(
        self,
        limit: int | None,
        page_size: int | None,
        last_evaluated_key: Item | None,
        key_of: Callable[[T], Item | None] | None,
        request: Mapping[str, Any] | None,
    ) -> None:
        self._cursor = _Cursor(limit, page_size, last_evaluated_key)
        self._request = MappingProxyType(dict(request)) if request is not None else None
        self._items: list[T] = []
        self._pos = 0
        self._page_start = last_evaluated_key
        self._page_end = last_evaluated_key
        self._key_of = key_of
        self._key_names: list[str] | None = list(last_evaluated_key) if last_evaluated_key else None
        self._prefetch = True

    @property
    def last_evaluated_key(self) -> Item | None:
        """Where a new read with ``last_evaluated_key=`` would resume: right after the last item handed
        out (so breaking out of a loop mid-page skips nothing), None once everything was read."""
        if self._pos >= len(self._items):
            return self._page_end
        if self._pos == 0:
            return self._page_start
        return self._key_at(self._pos - 1)

    def _key_at(self, index: int) -> Item | None:
        item = self._items[index]
        if self._key_of is not None:
            key = self._key_of(item)
            if key is not None:
                return key
        elif self._key_names is not None and isinstance(item, dict):
            if all(n in item for n in self._key_names):
                return {n: item[n] for n in self._key_names}
        # The key schema is unknown: resume at the start of this page (repeats items, never skips).
        return self._page_start

    @property
    def request(self) -> Mapping[str, Any] | None:
        """What every page request of this read asks DynamoDB for: ``operation`` (``"Query"`` or
        ``"Scan"``), ``table``, ``index_name``, the expressions with their names and values, the
        direction, consistency and segment. Callers that must tell two reads apart use it (a signed
        pagination cursor is bound to the read it came from). None for a read built without it."""
        return self._request

    @property
    def scanned_count(self) -> int:
        return self._cursor.scanned_count

    @property
    def metrics(self) -> OperationMetrics | None:
        """Metrics of the last page fetched."""
        return self._cursor.last_metrics

    def _take(self, request: dict[str, Any], page: Page) -> list[T]:
        items: list[T] = self._cursor.accept(page)
        if page.last_evaluated_key is not None:
            self._key_names = list(page.last_evaluated_key)
        self._page_start = request["exclusive_start_key"]
        self._page_end = page.last_evaluated_key
        return items

    def _show(self, items: list[T]) -> None:
        self._items = items
        self._pos = 0


def _retrieve(future: Any) -> None:
    # A prefetched page nobody awaits (the caller stopped early) must not log "exception never
    # retrieved"; a caller who does await it still gets the exception.
    if not future.cancelled():
        future.exception()


class _AsyncResult(_Pager[T]):
    def __init__(
        self,
        fetch: Callable[..., Awaitable[Page]],
        limit: int | None,
        page_size: int | None,
        last_evaluated_key: Item | None,
        *,
        key_of: Callable[[T], Item | None] | None = None,
        prepare: Callable[[list[T]], Awaitable[None]] | None = None,
        request: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(limit, page_size, last_evaluated_key, key_of, request)
        self._fetch = fetch
        self._prepare = prepare
        self._pending: tuple[dict[str, Any], asyncio.Future[Page]] | None = None

    def restart(
        self,
        last_evaluated_key: Item | None = None,
        *,
        limit: int | None = None,
        page_size: int | None = None,
    ) -> Self:
        """The same read as a new, unstarted result: from the beginning, or resuming right after
        ``last_evaluated_key``, with its own ``limit`` and ``page_size``."""
        return type(self)(
            self._fetch, limit, page_size, last_evaluated_key, key_of=self._key_of,
            prepare=self._prepare, request=self._request,
        )  # fmt: skip

    def _start(self) -> tuple[dict[str, Any], asyncio.Future[Page]] | None:
        request = self._cursor.next_request()
        if request is None:
            return None
        future = asyncio.ensure_future(self._fetch(**request))
        future.add_done_callback(_retrieve)
        return request, future

    async def _next_page(self) -> list[T] | None:
        started, self._pending = self._pending or self._start(), None
        if started is None:
            return None
        request, future = started
        items = self._take(request, await future)
        if self._prefetch:
            # One page ahead: the next request is in flight while the caller works on this page.
            self._pending = self._start()
        if self._prepare is not None and items:
            await self._prepare(items)
        return items

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        while self._pos >= len(self._items):
            page = await self._next_page()
            if page is None:
                raise StopAsyncIteration
            self._show(page)
        item = self._items[self._pos]
        self._pos += 1
        return item

    async def pages(self) -> AsyncIterator[list[T]]:
        """Yields the items page by page."""
        if self._pos < len(self._items):
            rest = self._items[self._pos :]
            self._pos = len(self._items)
            yield rest
        while (page := await self._next_page()) is not None:
            self._show(page)
            self._pos = len(page)
            yield page

    async def all(self) -> list[T]:
        """Every remaining item, as one list."""
        out: list[T] = []
        async for page in self.pages():
            out.extend(page)
        return out

    to_list = all

    async def first(self) -> T | None:
        """The first item, or None; fetches no more than it needs."""
        self._prefetch = False
        try:
            async for item in self:
                return item
            return None
        finally:
            self._prefetch = True


_prefetch_pool: ThreadPoolExecutor | None = None
_prefetch_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """Threads that fetch the next page of blocking reads; a thread waits with the GIL released."""
    global _prefetch_pool
    with _prefetch_lock:
        if _prefetch_pool is None:
            _prefetch_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="pydynox-prefetch")
        return _prefetch_pool


class _SyncResult(_Pager[T]):
    def __init__(
        self,
        fetch: Callable[..., Page],
        limit: int | None,
        page_size: int | None,
        last_evaluated_key: Item | None,
        *,
        key_of: Callable[[T], Item | None] | None = None,
        prepare: Callable[[list[T]], None] | None = None,
        request: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(limit, page_size, last_evaluated_key, key_of, request)
        self._fetch = fetch
        self._prepare = prepare
        self._pending: tuple[dict[str, Any], Future[Page]] | None = None

    def restart(
        self,
        last_evaluated_key: Item | None = None,
        *,
        limit: int | None = None,
        page_size: int | None = None,
    ) -> Self:
        """The same read as a new, unstarted result (see :meth:`_AsyncResult.restart`)."""
        return type(self)(
            self._fetch, limit, page_size, last_evaluated_key, key_of=self._key_of,
            prepare=self._prepare, request=self._request,
        )  # fmt: skip

    def _next_page(self) -> list[T] | None:
        pending, self._pending = self._pending, None
        if pending is not None:
            request, future = pending
            page = future.result()
        else:
            wanted = self._cursor.next_request()
            if wanted is None:
                return None
            request, page = wanted, self._fetch(**wanted)
        items = self._take(request, page)
        if self._prefetch:
            ahead = self._cursor.next_request()
            if ahead is not None:
                # The caller's context (operation listeners, tracing) goes along to the thread.
                context = contextvars.copy_context()
                fetch: Callable[..., Page] = self._fetch
                ahead_page: Future[Page] = _pool().submit(context.run, fetch, **ahead)  # type: ignore[arg-type]
                ahead_page.add_done_callback(_retrieve)
                self._pending = (ahead, ahead_page)
        if self._prepare is not None and items:
            self._prepare(items)
        return items

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        while self._pos >= len(self._items):
            page = self._next_page()
            if page is None:
                raise StopIteration
            self._show(page)
        item = self._items[self._pos]
        self._pos += 1
        return item

    def pages(self) -> Iterator[list[T]]:
        """Yields the items page by page."""
        if self._pos < len(self._items):
            rest = self._items[self._pos :]
            self._pos = len(self._items)
            yield rest
        while (page := self._next_page()) is not None:
            self._show(page)
            self._pos = len(page)
            yield page

    def all(self) -> list[T]:
        """Every remaining item, as one list."""
        return [item for page in self.pages() for item in page]

    to_list = all

    def first(self) -> T | None:
        """The first item, or None; fetches no more than it needs."""
        self._prefetch = False
        try:
            return next(self, None)
        finally:
            self._prefetch = True


class AsyncQueryResult(_AsyncResult[T]):
    """``async for item in client.query(...)``."""


class AsyncScanResult(_AsyncResult[T]):
    """``async for item in client.scan(...)``."""


class QueryResult(_SyncResult[T]):
    """``for item in client.sync_query(...)``."""


class ScanResult(_SyncResult[T]):
    """``for item in client.sync_scan(...)``."""
