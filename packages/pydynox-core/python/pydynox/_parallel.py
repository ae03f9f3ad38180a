"""Parallel scans that stream: every segment reads its pages concurrently and hands them over as they
arrive, through a queue of at most one page per segment, so memory stays bounded however big the
table is. Stopping early (``break``) stops the segments."""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
import time
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any, Generic, TypeVar

from pydynox._core import OperationMetrics
from pydynox.query import _AsyncResult, _Pager, _SyncResult

__all__ = ["AsyncParallelScan", "SyncParallelScan"]

T = TypeVar("T")
R = TypeVar("R", bound=_Pager[Any])

_DONE = object()


class _Segments(Generic[R]):
    def __init__(self, segments: list[R]) -> None:
        self._segments = segments
        self._started = False
        # Every page's metrics, from all segments, and the scan's wall time once it has finished.
        self._page_metrics: list[OperationMetrics] = []
        self._began = 0.0
        self._ended: float | None = None

    @property
    def scanned_count(self) -> int:
        return sum(s.scanned_count for s in self._segments)

    @property
    def metrics(self) -> OperationMetrics | None:
        """The totals of every page read so far by all segments (capacity, counts, attempts), with
        the scan's wall time; None before any page was read."""
        if not self._page_metrics:
            return None
        end = self._ended if self._ended is not None else time.monotonic()
        return OperationMetrics._total(self._page_metrics, (end - self._began) * 1000.0)

    def _start(self) -> None:
        if self._started:
            raise RuntimeError("a parallel scan can be iterated once")
        self._started = True
        self._began = time.monotonic()

    def _page_read(self, segment: R, counted: list[OperationMetrics | None]) -> None:
        """After a segment yielded a page: counts that page's metrics once (``counted`` holds the
        segment's last counted metrics object)."""
        metrics = segment.metrics
        if metrics is not None and metrics is not counted[0]:
            counted[0] = metrics
            self._page_metrics.append(metrics)

    def _finished(self) -> None:
        self._ended = time.monotonic()


class AsyncParallelScan(_Segments[_AsyncResult[T]]):
    """``async for item in User.parallel_scan(4)`` streams; ``await`` returns ``(items, metrics)``
    (pydynox 1.x's shape); ``.all()`` returns the list. Items arrive in no particular order."""

    def __aiter__(self) -> AsyncIterator[T]:
        return self._stream()

    async def _stream(self) -> AsyncIterator[T]:
        self._start()
        pages: asyncio.Queue[Any] = asyncio.Queue(maxsize=len(self._segments))

        async def run(segment: _AsyncResult[T]) -> None:
            counted: list[OperationMetrics | None] = [None]
            try:
                async for page in segment.pages():
                    self._page_read(segment, counted)
                    await pages.put(page)
            except Exception as e:  # handed to the consumer, who raises it
                await pages.put(e)
                return
            await pages.put(_DONE)

        tasks = [asyncio.ensure_future(run(s)) for s in self._segments]
        running = len(tasks)
        try:
            while running:
                got = await pages.get()
                if got is _DONE:
                    running -= 1
                elif isinstance(got, BaseException):
                    raise got
                else:
                    for item in got:
                        yield item
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._finished()

    async def all(self) -> list[T]:
        return [item async for item in self]

    def __await__(self) -> Generator[Any, None, tuple[list[T], OperationMetrics | None]]:
        return self._as_tuple().__await__()

    async def _as_tuple(self) -> tuple[list[T], OperationMetrics | None]:
        items = await self.all()
        return items, self.metrics


class SyncParallelScan(_Segments[_SyncResult[T]]):
    """``for item in User.sync_parallel_scan(4)``: one thread per segment (each waits with the GIL
    released); ``.all()`` returns the list."""

    def __iter__(self) -> Iterator[T]:
        self._start()
        return self._stream()

    def _stream(self) -> Iterator[T]:
        pages: queue.Queue[Any] = queue.Queue(maxsize=len(self._segments))
        stop = threading.Event()

        def put(value: Any) -> None:
            while not stop.is_set():
                try:
                    pages.put(value, timeout=0.05)
                    return
                except queue.Full:
                    continue

        def run(segment: _SyncResult[T]) -> None:
            counted: list[OperationMetrics | None] = [None]
            try:
                for page in segment.pages():
                    self._page_read(segment, counted)  # list.append: atomic across threads
                    if stop.is_set():
                        return
                    put(page)
            except BaseException as e:
                put(e)
            finally:
                put(_DONE)

        threads = [
            threading.Thread(
                target=contextvars.copy_context().run, args=(run, s), name=f"pydynox-scan-{i}", daemon=True
            )
            for i, s in enumerate(self._segments)
        ]
        for t in threads:
            t.start()
        running = len(threads)
        try:
            while running:
                got = pages.get()
                if got is _DONE:
                    running -= 1
                elif isinstance(got, BaseException):
                    raise got
                else:
                    yield from got
        finally:
            stop.set()
            for t in threads:
                t.join()
            self._finished()

    def all(self) -> list[T]:
        return list(self)
