"""``@handler``: a Lambda handler whose event loop, runtime and client survive from one invocation to
the next.

Lambda calls a handler synchronously, once per event, in the same process for as long as the
execution environment stays warm. Running an ``async def`` handler with ``asyncio.run`` would create
and close a loop per invocation; pydynox keeps one loop for the whole process instead (recreated only
if user code closed it), and the client, its connection pool and pydynox's tokio runtime are built
once and reused.

Per invocation the decorator opens a fresh :class:`~pydynox.usage.Usage` tracker, makes the
:class:`~pydynox_lambda.invocation.Invocation` available through ``current_invocation()`` (and so to
operation-event listeners), tells observers (metrics, logging) that it started and finished, and, with
``deadline_margin``, stops the handler before Lambda's own timeout would kill it mid-retry.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import logging
import sys
import threading
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar, overload

from pydynox import DynamoDBClient, events, get_default_client, set_default_client
from pydynox.usage import track_usage

from pydynox_lambda.invocation import DeadlineExceeded, Invocation, InvocationObserver, _current

if TYPE_CHECKING:
    import asyncio
    from types import FrameType

__all__ = ["event_loop", "handler"]

P = ParamSpec("P")
R = TypeVar("R")

_logger = logging.getLogger("pydynox_lambda")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_served = itertools.count()
_forwarding: events.Subscription | None = None


def event_loop() -> asyncio.AbstractEventLoop:
    """The event loop every invocation of this process runs on, made the thread's current loop (so
    code that calls ``asyncio.get_event_loop()``, such as Mangum, uses it too). A new loop replaces
    it if user code closed it."""
    import asyncio

    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            _loop = _current_loop() or asyncio.new_event_loop()
        loop = _loop
    asyncio.set_event_loop(loop)
    return loop


def _current_loop() -> asyncio.AbstractEventLoop | None:
    """The thread's current loop when it is open and idle. A module-level ``Mangum(app)`` sets one up
    at import; adopting it (rather than replacing it) leaves no loop behind unclosed."""
    import asyncio

    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns when get_event_loop() has to create the loop; creating it is fine.
            warnings.simplefilter("ignore", DeprecationWarning)
            loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:  # no current loop in this thread
        return None
    return None if loop.is_closed() or loop.is_running() else loop


class _HandlerDecorator(Protocol):
    @overload
    def __call__(self, fn: Callable[P, Coroutine[Any, Any, R]], /) -> Callable[P, R]: ...
    @overload
    def __call__(self, fn: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def handler(fn: Callable[P, Coroutine[Any, Any, R]], /) -> Callable[P, R]: ...
@overload
def handler(fn: Callable[P, R], /) -> Callable[P, R]: ...
@overload
def handler(
    *,
    client: DynamoDBClient | None = None,
    eager: bool = False,
    deadline_margin: float | None = None,
    observers: Sequence[InvocationObserver] = (),
    set_default: bool = True,
    **client_config: Any,
) -> _HandlerDecorator: ...
def handler(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    client: DynamoDBClient | None = None,
    eager: bool = False,
    deadline_margin: float | None = None,
    observers: Sequence[InvocationObserver] = (),
    set_default: bool = True,
    **client_config: Any,
) -> Any:
    """Makes ``fn(event, context)``, a ``def`` or an ``async def``, a Lambda handler.

    Args:
        client: the client every invocation uses. Without it, ``client_config`` (the keyword arguments
            of :class:`~pydynox.DynamoDBClient`) builds one; with neither, the process's default
            client is used, and one is built from the environment if there is none.
        eager: build the client and the event loop when the decorator runs (during Lambda's init
            phase, at import) rather than at the first invocation. No network I/O happens either way:
            credentials and connections are set up by the first DynamoDB call.
        deadline_margin: seconds. When given, the handler is stopped that long before Lambda's timeout
            (``context.get_remaining_time_in_millis()``): the DynamoDB call in flight is cancelled, so
            no retry runs into the timeout, and :class:`DeadlineExceeded` is raised.
        observers: objects told about each invocation and each of its operations (see
            :class:`~pydynox_lambda.invocation.InvocationObserver`).
        set_default: make the configured client the default client, used by models that name none.
    """
    if client is not None and client_config:
        raise TypeError(
            f"@handler takes client=... or client settings, not both (got {sorted(client_config)})"
        )
    if client is not None and not isinstance(client, DynamoDBClient):
        raise TypeError(f"@handler(client=...) needs a DynamoDBClient, got {type(client).__name__}")
    if client_config:
        try:
            inspect.signature(DynamoDBClient).bind(**client_config)
        except TypeError as exc:
            raise TypeError(f"@handler: {exc} (settings are DynamoDBClient's keyword arguments)") from None
    if deadline_margin is not None and (
        isinstance(deadline_margin, bool)
        or not isinstance(deadline_margin, (int, float))
        or deadline_margin < 0
    ):
        raise ValueError(f"deadline_margin must be a number of seconds >= 0, got {deadline_margin!r}")
    setup = _Setup(client, client_config, deadline_margin, tuple(observers), set_default)
    if eager:
        setup.ensure_client()
        event_loop()

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise TypeError(f"@handler decorates a function (event, context), got {type(fn).__name__}")
        return setup.wrap(fn)

    return decorate if fn is None else decorate(fn)


class _Setup:
    """What one ``@handler(...)`` was configured with, and the client it resolved."""

    def __init__(
        self,
        client: DynamoDBClient | None,
        client_config: dict[str, Any],
        deadline_margin: float | None,
        observers: tuple[InvocationObserver, ...],
        set_default: bool,
    ) -> None:
        self.client = client
        self.client_config = client_config
        self.deadline_margin = deadline_margin
        self.observers = observers
        self.set_default = set_default
        self.warned_no_deadline = False
        self.fallback: DynamoDBClient | None = None

    def ensure_client(self) -> DynamoDBClient | None:
        """The handler's own client (built on first use), or None when it relies on the default."""
        if self.client is None and self.client_config:
            with _lock:
                if self.client is None:
                    self.client = DynamoDBClient(**self.client_config)
        if self.client is not None:
            if self.set_default and get_default_client() is not self.client:
                set_default_client(self.client)
            return self.client
        if self.set_default and get_default_client() is None:
            # Nothing configured and no default yet: models need a client. It is built once and put
            # back whenever the default is gone (an app may set its own during an invocation and
            # take it back at the end, as a FastAPI lifespan does under Mangum).
            with _lock:
                if get_default_client() is None:
                    if self.fallback is None:
                        self.fallback = DynamoDBClient()
                    set_default_client(self.fallback)
        return None

    def deadline(self, context: Any) -> float | None:
        if self.deadline_margin is None:
            return None
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        if remaining is None:
            return None
        return time.monotonic() + float(remaining()) / 1000 - self.deadline_margin

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        inner = inspect.unwrap(fn)
        mode = "async" if inspect.iscoroutinefunction(fn) else "sync"
        if mode == "sync" and inner is not fn and inspect.iscoroutinefunction(inner):
            # fn is an async def under sync decorators (Powertools' Logger, Tracer and Metrics
            # decorators are sync): run the coroutine inside them, so they see the handler finish.
            # The coroutine then runs under the deadline of the event loop, not the alarm's.
            if _run_inside_wrappers(fn, inner):
                mode = "wrapped async"

        @functools.wraps(fn)
        def lambda_handler(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            return self.invoke(fn, mode, event, context, args, kwargs)

        return lambda_handler

    def invoke(
        self,
        fn: Callable[..., Any],
        mode: str,
        event: Any,
        context: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        client = self.ensure_client()
        if mode != "sync" or "asyncio" in sys.modules:
            # Every invocation, sync ones too, runs with the process loop as the thread's current
            # loop: sync code that runs coroutines on the current loop (Mangum, Powertools' async
            # batch processor) must not find a loop that an earlier invocation's code closed. A sync
            # handler in a process that has not imported asyncio has no loop to find, and skips
            # importing it (tens of milliseconds at cold start).
            event_loop()
        deadline = self.deadline(context)
        if deadline is not None and deadline <= time.monotonic():
            raise DeadlineExceeded(
                f"the invocation starts with less time left than deadline_margin={self.deadline_margin} s"
            )
        _forward_operations(self.observers)
        with track_usage() as usage:
            invocation = Invocation(
                request_id=getattr(context, "aws_request_id", None),
                function_name=getattr(context, "function_name", None),
                cold_start=next(_served) == 0,
                usage=usage,
                deadline=deadline,
                context=context,
                _client=client,
                _observers=self.observers,
            )
            token = _current.set(invocation)
            try:
                _notify(self.observers, "invocation_started", invocation)
                error: BaseException | None = None
                try:
                    if mode == "async":
                        return run_awaitable(fn(event, context, *args, **kwargs))
                    if mode == "wrapped async":
                        return fn(event, context, *args, **kwargs)
                    result = self.call_sync(fn, deadline, event, context, args, kwargs)
                    if inspect.isawaitable(result):
                        result = run_awaitable(result)
                    return result
                except BaseException as exc:
                    error = exc
                    raise
                finally:
                    _notify(self.observers, "invocation_finished", invocation, error)
            finally:
                _current.reset(token)

    def call_sync(
        self,
        fn: Callable[..., Any],
        deadline: float | None,
        event: Any,
        context: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        if deadline is None:
            return fn(event, context, *args, **kwargs)
        import signal

        if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
            if not self.warned_no_deadline:
                self.warned_no_deadline = True
                warnings.warn(
                    "@handler(deadline_margin=...) is enforced for sync handlers on the main thread only "
                    "(Lambda's); this call runs without a deadline",
                    RuntimeWarning,
                    stacklevel=3,
                )
            return fn(event, context, *args, **kwargs)
        # A sync pydynox call waits with the GIL released but checks for signals every 100 ms, so
        # an exception raised by the alarm handler ends it (and the request) within that time.
        armed = True

        def alarm(signum: int, frame: FrameType | None) -> None:
            if armed:
                raise DeadlineExceeded(
                    f"the handler reached its deadline (Lambda's timeout minus "
                    f"deadline_margin={self.deadline_margin} s); the call in flight was cancelled"
                )

        previous = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 1e-6))
        try:
            return fn(event, context, *args, **kwargs)
        except DeadlineExceeded:
            # The alarm may have interrupted a loop run by the handler itself (Mangum does that):
            # its tasks must not resume in the next invocation.
            if "asyncio" in sys.modules:
                _cancel_pending(event_loop())
            raise
        finally:
            armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def run_awaitable(awaitable: Awaitable[R]) -> R:
    """Runs ``awaitable`` to completion on the process's event loop, under the current invocation's
    deadline."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        if inspect.iscoroutine(awaitable):
            awaitable.close()
        raise RuntimeError(
            "a @handler function was called from inside a running event loop; Lambda calls handlers "
            "from plain (non-async) code, and so must tests"
        )
    invocation = _current.get()
    deadline = invocation.deadline if invocation is not None else None
    return event_loop().run_until_complete(_await_until(awaitable, deadline))


async def _await_until(awaitable: Awaitable[R], deadline: float | None) -> R:
    if deadline is None:
        return await awaitable
    import asyncio

    loop = asyncio.get_running_loop()
    timeout = asyncio.timeout_at(loop.time() + (deadline - time.monotonic()))
    try:
        async with timeout:
            return await awaitable
    except TimeoutError:
        if timeout.expired():
            raise DeadlineExceeded(
                "the handler reached its deadline (Lambda's timeout minus deadline_margin); "
                "the call in flight was cancelled"
            ) from None
        raise


def _cancel_pending(loop: asyncio.AbstractEventLoop) -> None:
    import asyncio

    if loop.is_running():
        return
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def _run_inside_wrappers(outer: Callable[..., Any], inner: Callable[..., Any]) -> bool:
    """Points the decorator closest to ``inner`` (an ``async def``) at a sync function that runs it on
    the process loop. Decorators made with ``functools.wraps`` keep the function they call in a closure
    cell; that cell is the only one changed. Returns False (nothing changed) when the wrapper does not
    have exactly one such cell; the handler then runs the coroutine after the decorators returned."""
    wrapper = outer
    while getattr(wrapper, "__wrapped__", None) is not inner:
        wrapper = wrapper.__wrapped__  # type: ignore[attr-defined]
    cells = [cell for cell in (getattr(wrapper, "__closure__", None) or ()) if _holds(cell, inner)]
    if len(cells) != 1:
        return False

    @functools.wraps(inner)
    def run_inner(*args: Any, **kwargs: Any) -> Any:
        return run_awaitable(inner(*args, **kwargs))

    cells[0].cell_contents = run_inner
    return True


def _holds(cell: Any, value: object) -> bool:
    try:
        return cell.cell_contents is value
    except ValueError:  # an empty cell
        return False


def _notify(observers: tuple[InvocationObserver, ...], method: str, *args: Any) -> None:
    for observer in observers:
        try:
            getattr(observer, method)(*args)
        except Exception:
            # Observers report on the invocation; a broken one must not fail it.
            _logger.exception("pydynox_lambda observer %r failed in %s", observer, method)


def _forward_operations(observers: tuple[InvocationObserver, ...]) -> None:
    """Subscribes, once per process, the listener that hands operation events to the observers of
    the invocation that made the call."""
    global _forwarding
    if not observers or _forwarding is not None:
        return
    with _lock:
        if _forwarding is None:
            _forwarding = events.subscribe(_forward)


def _forward(event: events.OperationEvent) -> None:
    invocation = _current.get()
    if invocation is not None and invocation._observers:
        _notify(invocation._observers, "operation", event, invocation)
