"""FastAPI integration for pydynox: lifespan-managed client, dependencies, error mapping, signed cursor
pagination, per-request usage. Test helpers live in :mod:`pydynox_fastapi.testing`.

.. code-block:: python

    from pydynox_fastapi import ClientDep, install_exception_handlers, pydynox_lifespan

    app = FastAPI(lifespan=pydynox_lifespan(region="eu-west-1"))
    install_exception_handlers(app)
"""

from __future__ import annotations

from importlib.metadata import version as _version

from pydynox_fastapi.dependencies import (
    ClientDep,
    LifespanNotRunningError,
    UnitOfWork,
    get_client,
    unit_of_work,
)
from pydynox_fastapi.errors import ApiError, ItemNotFoundError, PaginationError, install_exception_handlers
from pydynox_fastapi.items import get_or_404, item_or_404, response_schema, sync_get_or_404
from pydynox_fastapi.lifespan import STATE_KEY, PydynoxLifespan, pydynox_lifespan, pydynox_router
from pydynox_fastapi.pagination import (
    CursorPage,
    Pagination,
    configure_pagination,
    paginate,
    sync_paginate,
)
from pydynox_fastapi.usage import RequestUsage, UsageHeaderMiddleware, request_usage

__version__: str = _version("pydynox-fastapi")

__all__ = [
    "STATE_KEY",
    "ApiError",
    "ClientDep",
    "CursorPage",
    "ItemNotFoundError",
    "LifespanNotRunningError",
    "Pagination",
    "PaginationError",
    "PydynoxLifespan",
    "RequestUsage",
    "UnitOfWork",
    "UsageHeaderMiddleware",
    "__version__",
    "configure_pagination",
    "get_client",
    "get_or_404",
    "install_exception_handlers",
    "item_or_404",
    "paginate",
    "pydynox_lifespan",
    "pydynox_router",
    "request_usage",
    "response_schema",
    "sync_get_or_404",
    "sync_paginate",
    "unit_of_work",
]
