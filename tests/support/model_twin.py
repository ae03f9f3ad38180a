"""Runs one model test body against both faces of a model: ``await user.save()`` or ``user.sync_save()``.

``await twin(user).save()`` calls ``user.save()`` in async mode and, in sync mode, ``user.sync_save()``
in a worker thread (so the test's event loop is never blocked and no blocking-call warning fires).
``query``/``scan`` results are collected into a list either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

_COLLECTED = ("query", "scan")


class ModelTwin:
    def __init__(self, mode: str) -> None:
        self.mode = mode

    def __call__(self, target: Any) -> _Bound:
        return _Bound(target, self.mode)


class _Bound:
    def __init__(self, target: Any, mode: str) -> None:
        self._target = target
        self._mode = mode

    def __getattr__(self, name: str) -> Callable[..., Coroutine[Any, Any, Any]]:
        target, mode = self._target, self._mode

        async def call(*args: Any, **kwargs: Any) -> Any:
            if mode == "async":
                result = getattr(target, name)(*args, **kwargs)
                if name in _COLLECTED:
                    return await result.all()
                return await result

            def blocking() -> Any:
                result = getattr(target, f"sync_{name}")(*args, **kwargs)
                return result.all() if name in _COLLECTED else result

            return await asyncio.to_thread(blocking)

        return call
