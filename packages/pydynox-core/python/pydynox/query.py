"""Auto-paginating Query and Scan results.

``limit`` caps the items returned across pages; ``page_size`` is DynamoDB's ``Limit`` per request.
When ``limit`` is set, no request asks for more than the items still wanted, so a result never stops in
the middle of a page and ``last_evaluated_key`` is always a position from which a later call resumes
without skipping or repeating an item.

The async and sync results share one cursor (:class:`_Cursor`); only the waiting differs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar

from pydynox._core import OperationMetrics, Page

__all__ = ["AsyncQueryResult", "AsyncScanResult", "QueryResult", "ScanResult"]

Item = dict[str, Any]
T = TypeVar("T")


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


class _AsyncResult(Generic[T]):
    def __init__(
        self,
        fetch: Callable[..., Awaitable[Page]],
        limit: int | None,
        page_size: int | None,
        last_evaluated_key: Item | None,
    ) -> None:
        self._fetch = fetch
        self._cursor = _Cursor(limit, page_size, last_evaluated_key)
        self._buffer: list[T] = []

    @property
    def last_evaluated_key(self) -> Item | None:
        """Resume position after the pages fetched so far (None once the read is complete)."""
        return self._cursor.last_evaluated_key

    @property
    def scanned_count(self) -> int:
        return self._cursor.scanned_count

    @property
    def metrics(self) -> OperationMetrics | None:
        """Metrics of the last page fetched."""
        return self._cursor.last_metrics

    async def _next_page(self) -> list[T] | None:
        request = self._cursor.next_request()
        if request is None:
            return None
        return self._cursor.accept(await self._fetch(**request))

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        while not self._buffer:
            page = await self._next_page()
            if page is None:
                raise StopAsyncIteration
            self._buffer = page[::-1]
        return self._buffer.pop()

    async def pages(self) -> AsyncIterator[list[T]]:
        """Yields the items page by page."""
        if self._buffer:
            buffered, self._buffer = self._buffer[::-1], []
            yield buffered
        while (page := await self._next_page()) is not None:
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
        async for item in self:
            return item
        return None


class _SyncResult(Generic[T]):
    def __init__(
        self,
        fetch: Callable[..., Page],
        limit: int | None,
        page_size: int | None,
        last_evaluated_key: Item | None,
    ) -> None:
        self._fetch = fetch
        self._cursor = _Cursor(limit, page_size, last_evaluated_key)
        self._buffer: list[T] = []

    @property
    def last_evaluated_key(self) -> Item | None:
        """Resume position after the pages fetched so far (None once the read is complete)."""
        return self._cursor.last_evaluated_key

    @property
    def scanned_count(self) -> int:
        return self._cursor.scanned_count

    @property
    def metrics(self) -> OperationMetrics | None:
        """Metrics of the last page fetched."""
        return self._cursor.last_metrics

    def _next_page(self) -> list[T] | None:
        request = self._cursor.next_request()
        if request is None:
            return None
        return self._cursor.accept(self._fetch(**request))

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        while not self._buffer:
            page = self._next_page()
            if page is None:
                raise StopIteration
            self._buffer = page[::-1]
        return self._buffer.pop()

    def pages(self) -> Iterator[list[T]]:
        """Yields the items page by page."""
        if self._buffer:
            buffered, self._buffer = self._buffer[::-1], []
            yield buffered
        while (page := self._next_page()) is not None:
            yield page

    def all(self) -> list[T]:
        """Every remaining item, as one list."""
        return [item for page in self.pages() for item in page]

    to_list = all

    def first(self) -> T | None:
        """The first item, or None; fetches no more than it needs."""
        return next(self, None)


class AsyncQueryResult(_AsyncResult[T]):
    """``async for item in client.query(...)``."""


class AsyncScanResult(_AsyncResult[T]):
    """``async for item in client.scan(...)``."""


class QueryResult(_SyncResult[T]):
    """``for item in client.sync_query(...)``."""


class ScanResult(_SyncResult[T]):
    """``for item in client.sync_scan(...)``."""
