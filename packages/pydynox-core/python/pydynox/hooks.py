"""Lifecycle hooks: decorate model methods to run them around saves, deletes, updates and loads.

.. code-block:: python

    class User(Model):
        ...

        @before_save
        def normalise(self) -> None:
            self.email = self.email.lower()

        @after_save
        async def publish(self) -> None:
            await bus.send("user-saved", self.pk)

A hook may be a plain method or an ``async def``. The async methods (``save``, ``delete``...) await
async hooks on the caller's event loop. The ``sync_`` methods run an async hook to completion on a
private event loop before going on (in a helper thread when the calling thread already runs a loop),
so a hook is never skipped and never left as an un-awaited coroutine. Hooks of a base class run
before those of a subclass, in definition order. ``skip_hooks=True`` (per call, or in
``ModelConfig``) skips them.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "HookType",
    "after_delete",
    "after_load",
    "after_save",
    "after_update",
    "before_delete",
    "before_save",
    "before_update",
]

F = TypeVar("F", bound=Callable[..., Any])


class HookType(enum.StrEnum):
    BEFORE_SAVE = "before_save"
    AFTER_SAVE = "after_save"
    BEFORE_DELETE = "before_delete"
    AFTER_DELETE = "after_delete"
    BEFORE_UPDATE = "before_update"
    AFTER_UPDATE = "after_update"
    AFTER_LOAD = "after_load"


HOOK_ATTRIBUTE = "_pydynox_hook"


def _marker(kind: HookType) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        if not callable(func):
            raise TypeError(f"@{kind.value} decorates a method, got {func!r}")
        kinds = getattr(func, HOOK_ATTRIBUTE, ())
        setattr(func, HOOK_ATTRIBUTE, (*kinds, kind))
        return func

    decorate.__name__ = kind.value
    decorate.__doc__ = f"Runs the decorated method {kind.value.replace('_', ' ')}."
    return decorate


before_save = _marker(HookType.BEFORE_SAVE)
after_save = _marker(HookType.AFTER_SAVE)
before_delete = _marker(HookType.BEFORE_DELETE)
after_delete = _marker(HookType.AFTER_DELETE)
before_update = _marker(HookType.BEFORE_UPDATE)
after_update = _marker(HookType.AFTER_UPDATE)
after_load = _marker(HookType.AFTER_LOAD)


def collect_hooks(cls: type) -> dict[HookType, list[Callable[..., Any]]]:
    """The hooks of ``cls`` by type, base classes first. A subclass that overrides a hook method
    (decorated or not) keeps it a hook, with the subclass's implementation."""
    kinds: dict[str, tuple[HookType, ...]] = {}
    impl: dict[str, Callable[..., Any]] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            marked = getattr(value, HOOK_ATTRIBUTE, ())
            if marked or name in kinds:
                kinds[name] = tuple(dict.fromkeys((*kinds.get(name, ()), *marked)))
                impl[name] = value
    hooks: dict[HookType, list[Callable[..., Any]]] = {}
    for name, hook_kinds in kinds.items():
        if not callable(impl[name]):
            raise TypeError(f"{cls.__qualname__}.{name} overrides a hook with a non-callable")
        for kind in hook_kinds:
            hooks.setdefault(kind, []).append(impl[name])
    return hooks


async def run_hooks_async(hooks: list[Callable[..., Any]], instance: Any) -> None:
    for hook in hooks:
        result = hook(instance)
        if inspect.isawaitable(result):
            await result


def run_hooks_sync(hooks: list[Callable[..., Any]], instance: Any) -> None:
    for hook in hooks:
        result = hook(instance)
        if inspect.isawaitable(result):
            run_to_completion(result)


def run_to_completion(awaitable: Any) -> Any:
    """Runs an awaitable from synchronous code: on a fresh event loop, or in a helper thread when
    this thread is already running one (a loop cannot be re-entered)."""

    async def wrap() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wrap())
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(wrap())
        except BaseException as e:  # re-raised in the calling thread
            box["error"] = e

    thread = threading.Thread(target=target, name="pydynox-sync-hook")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")
