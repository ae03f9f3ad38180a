"""``pydynox_lifespan``: one DynamoDB client per process, handed to requests through lifespan state.

.. code-block:: python

    app = FastAPI(lifespan=pydynox_lifespan(region="eu-west-1"))

At startup the lifespan builds the client (construction does no network I/O: credentials and
connections come on first use), puts it in the lifespan state under :data:`STATE_KEY`, where
:func:`~pydynox_fastapi.get_client` finds it, and makes it pydynox's default client so models without
``ModelConfig(client=...)`` use it. At shutdown it takes the default back.

The client belongs to the lifespan object, not to one run of it: a second startup in the same process
(Mangum runs the lifespan on every Lambda invocation) reuses it, keeping warm connections and
resolved credentials.

Two ways to combine it with an app's own lifespan:

- wrapping: ``pydynox_lifespan(region=..., wrap=app_lifespan)`` runs ``app_lifespan`` inside, with
  the client already in place (it may create tables or warm caches with it);
- router: ``app.include_router(pydynox_router(region=...))`` adds it next to the app's lifespan,
  which FastAPI runs first (so the app's own startup code cannot use the client yet).
"""

from __future__ import annotations

import inspect
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, cast

from fastapi import APIRouter
from pydynox import DynamoDBClient, clear_default_client, get_default_client, set_default_client

__all__ = ["STATE_KEY", "PydynoxLifespan", "pydynox_lifespan", "pydynox_router"]

#: The key of the client in the lifespan state (``request.state.pydynox_client``).
STATE_KEY = "pydynox_client"

#: An app's own lifespan: a function of the app returning an async context manager that may yield
#: state (what ``asynccontextmanager`` makes of an ``async def lifespan(app)`` generator).
AppLifespan = Callable[[Any], AbstractAsyncContextManager[Mapping[str, Any] | None]]
#: ``async def lifespan(app): ... yield ...`` as written, before ``asynccontextmanager``.
AppLifespanGenerator = Callable[[Any], AsyncIterator[Mapping[str, Any] | None]]

_CLIENT_OPTIONS = frozenset(inspect.signature(DynamoDBClient).parameters)


class PydynoxLifespan:
    """The lifespan built by :func:`pydynox_lifespan`; call it with the app (FastAPI does)."""

    def __init__(
        self,
        client: DynamoDBClient | None,
        set_default: bool,
        wrap: AppLifespan | None,
        client_config: dict[str, Any],
    ) -> None:
        self._client = client
        self._config = client_config
        self._set_default = set_default
        self._wrap = wrap
        self._lock = threading.Lock()

    @property
    def client(self) -> DynamoDBClient | None:
        """The process's client: the one given, or the one built at the first startup (None before)."""
        return self._client

    def _process_client(self) -> DynamoDBClient:
        with self._lock:
            if self._client is None:
                self._client = DynamoDBClient(**self._config)
            return self._client

    def __call__(self, app: Any) -> AbstractAsyncContextManager[Mapping[str, Any]]:
        return self._run(app)

    @asynccontextmanager
    async def _run(self, app: Any) -> AsyncIterator[Mapping[str, Any]]:
        # A test that overrides the client (testing.override_client) wins over the process client,
        # so models and Depends(get_client) agree on one client whichever started first.
        client = overriding_client(app) or self._process_client()
        claim = claim_default(client) if self._set_default else None
        try:
            state: dict[str, Any] = {STATE_KEY: client}
            if self._wrap is None:
                yield state
            else:
                async with _enter(self._wrap, app) as inner:
                    yield {**(inner or {}), **state}
        finally:
            if claim is not None:
                release_default(claim)


def pydynox_lifespan(
    client: DynamoDBClient | None = None,
    *,
    set_default: bool = True,
    wrap: AppLifespan | AppLifespanGenerator | None = None,
    **client_config: Any,
) -> PydynoxLifespan:
    """A lifespan for ``FastAPI(lifespan=...)`` that provides one :class:`~pydynox.DynamoDBClient`.

    Args:
        client: use this client instead of building one.
        set_default: make the client pydynox's default client while the app runs (models without
            ``ModelConfig(client=...)`` use it). Turn it off when one process runs several apps with
            different clients.
        wrap: the app's own lifespan (an ``async def lifespan(app)`` generator or anything returning an
            async context manager), run inside this one once the client is in place; the state it
            yields is merged into the lifespan state.
        **client_config: arguments of :class:`~pydynox.DynamoDBClient` (``region=``,
            ``endpoint_url=``, ``max_connections=``...), checked now.
    """
    if client is not None and not isinstance(client, DynamoDBClient):
        raise TypeError(f"pydynox_lifespan(client=...) needs a DynamoDBClient, got {type(client).__name__}")
    if client is not None and client_config:
        raise TypeError(
            f"pydynox_lifespan() takes a client or client options, not both (got {sorted(client_config)})"
        )
    unknown = sorted(set(client_config) - _CLIENT_OPTIONS)
    if unknown:
        raise TypeError(f"pydynox_lifespan() got options DynamoDBClient does not take: {unknown}")
    if wrap is not None and not callable(wrap):
        raise TypeError(f"pydynox_lifespan(wrap=...) needs the app's lifespan, got {type(wrap).__name__}")
    manager: AppLifespan | None
    if wrap is not None and inspect.isasyncgenfunction(wrap):
        manager = asynccontextmanager(wrap)
    else:
        manager = cast("AppLifespan | None", wrap)
    return PydynoxLifespan(client, set_default, manager, client_config)


def pydynox_router(
    client: DynamoDBClient | None = None, *, set_default: bool = True, **client_config: Any
) -> APIRouter:
    """An empty router carrying :func:`pydynox_lifespan`, for apps that keep their own lifespan:
    ``app.include_router(pydynox_router(region=...))``. FastAPI runs the app's lifespan first, then
    this one, and merges their states."""
    return APIRouter(lifespan=pydynox_lifespan(client, set_default=set_default, **client_config))


def _enter(wrap: AppLifespan, app: Any) -> AbstractAsyncContextManager[Mapping[str, Any] | None]:
    manager = wrap(app)
    if not hasattr(manager, "__aenter__"):
        raise TypeError(
            "pydynox_lifespan(wrap=...) must be an async generator function or return an async "
            f"context manager; it returned {type(manager).__name__}"
        )
    return manager


# -- overrides (set by testing.override_client) ------------------------------------------------------

_overrides: weakref.WeakKeyDictionary[Any, list[DynamoDBClient]] = weakref.WeakKeyDictionary()


def overriding_client(app: Any) -> DynamoDBClient | None:
    """The client a test put in place of the app's, if any (the innermost override)."""
    stack = _overrides.get(app)
    return stack[-1] if stack else None


def push_override(app: Any, client: DynamoDBClient) -> None:
    _overrides.setdefault(app, []).append(client)


def pop_override(app: Any, client: DynamoDBClient) -> None:
    stack = _overrides.get(app, [])
    if client in stack:
        stack.reverse()
        stack.remove(client)
        stack.reverse()


# -- the default client -------------------------------------------------------------------------------


class Claim:
    """One holder of the default client (see :class:`_DefaultClients`)."""

    __slots__ = ("client",)

    def __init__(self, client: DynamoDBClient) -> None:
        self.client = client


class _DefaultClients:
    """Who made which client pydynox's default, so a release restores what was there before.

    Claims nest (a lifespan started twice, a test override inside a running app): the latest claim
    holds the default; when it ends the one before takes over, and when the last one ends the default
    goes back to what it was before the first. A default someone else set in between is left alone.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._claims: list[Claim] = []
        self._before: DynamoDBClient | None = None

    def claim(self, client: DynamoDBClient) -> Claim:
        with self._lock:
            if not self._claims:
                self._before = get_default_client()
            claim = Claim(client)
            self._claims.append(claim)
            set_default_client(client)
            return claim

    def release(self, claim: Claim) -> None:
        with self._lock:
            if claim not in self._claims:
                return
            held = self._claims[-1].client
            self._claims.remove(claim)
            if get_default_client() is held:
                after = self._claims[-1].client if self._claims else self._before
                if after is None:
                    clear_default_client()
                else:
                    set_default_client(after)
            if not self._claims:
                self._before = None


_defaults = _DefaultClients()


def claim_default(client: DynamoDBClient) -> Claim:
    return _defaults.claim(client)


def release_default(claim: Claim) -> None:
    _defaults.release(claim)
