"""pytest fixtures on the embedded engine (registered automatically through the ``pytest11`` entry
point when pydynox is installed).

- ``pydynox_memory_backend``: a fresh, isolated engine for one test, with a client set as the
  default client (restored afterwards). It has the engine's fault-injection and stream API.
- ``pydynox_memory_backend_factory``: makes any number of such backends, each optionally seeded
  with model tables and items; all are discarded after the test.
- ``pydynox_memory_backend_seeded``: a backend seeded from the ``pydynox_seed`` fixture, which a
  test module overrides to return models and items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from pydynox._warnings import in_process_setup
from pydynox.client import DynamoDBClient
from pydynox.config import clear_default_client, get_default_client, set_default_client
from pydynox.local import LocalEngine

__all__ = ["MemoryBackend"]


class MemoryBackend(LocalEngine):
    """A test's private engine and its client (also the default client while the test runs)."""

    def __init__(self, **client_config: Any) -> None:
        super().__init__(None)
        self.client: DynamoDBClient = self.make_client(**client_config)
        """The test's client (the default client while the test runs); ``make_client(...)`` makes
        others, e.g. with different retry settings."""

    def seed(self, models: Iterable[type[Any]] = (), items: Iterable[Any] = ()) -> MemoryBackend:
        """Creates each model's table, then saves ``items`` (model instances, or ``(table, dict)``).

        Models that name no client of their own are written through this backend's client. It may be
        called inside an async test: the engine is in this process, so the seeding calls block the
        loop for microseconds and do not warn.
        """
        restore = _install(self)
        quiet = in_process_setup.set(True)
        try:
            for model in models:
                model.sync_create_table(wait=True)
            for item in items:
                if isinstance(item, tuple):
                    table, attributes = item
                    self.client.sync_put_item(table, attributes)
                else:
                    item.sync_save()
        finally:
            in_process_setup.reset(quiet)
            restore()
        return self


Factory = Callable[..., MemoryBackend]


def _install(backend: MemoryBackend) -> Callable[[], None]:
    previous = get_default_client()
    set_default_client(backend.client)

    def restore() -> None:
        if previous is None:
            clear_default_client()
        else:
            set_default_client(previous)

    return restore


@pytest.fixture
def pydynox_memory_backend_factory() -> Iterator[Factory]:
    """``factory(models=(...), items=(...), **client_config)`` → a new seeded :class:`MemoryBackend`.

    The first backend made becomes the default client until the test ends.
    """
    made: list[MemoryBackend] = []
    restore: Callable[[], None] | None = None

    def factory(
        models: Iterable[type[Any]] = (), items: Iterable[Any] = (), **client_config: Any
    ) -> MemoryBackend:
        nonlocal restore
        backend = MemoryBackend(**client_config)
        made.append(backend)
        if restore is None:
            restore = _install(backend)
        return backend.seed(models, items)

    try:
        yield factory
    finally:
        if restore is not None:
            restore()
        for backend in made:
            backend.discard()


@pytest.fixture
def pydynox_memory_backend(pydynox_memory_backend_factory: Factory) -> MemoryBackend:
    """A fresh, empty engine for this test; its ``.client`` is the default client meanwhile."""
    return pydynox_memory_backend_factory()


@pytest.fixture
def pydynox_seed() -> dict[str, Any]:
    """What ``pydynox_memory_backend_seeded`` loads: override it to return
    ``{"models": [User, ...], "items": [User(...), ("table", {...}), ...]}``."""
    return {}


@pytest.fixture
def pydynox_memory_backend_seeded(
    pydynox_memory_backend_factory: Factory, pydynox_seed: dict[str, Any]
) -> MemoryBackend:
    unknown = set(pydynox_seed) - {"models", "items"}
    if unknown:
        raise ValueError(f"pydynox_seed may hold 'models' and 'items', not {sorted(unknown)}")
    # Items are built by the seed fixture before the backend exists; they save through the default
    # client, which the factory has just pointed at the new engine.
    return pydynox_memory_backend_factory(
        models=pydynox_seed.get("models", ()), items=pydynox_seed.get("items", ())
    )
