"""Dependencies: the request's client (``ClientDep``) and a unit of work (``UnitOfWork``).

.. code-block:: python

    @app.get("/tables")
    async def tables(client: ClientDep) -> list[str]:
        return await client.list_tables()

    @app.post("/transfers")
    async def transfer(body: Transfer, tx: UnitOfWork) -> dict[str, str]:
        amount = body.amount
        tx.update(source, atomic=[Account.balance.add(-amount)], condition=Account.balance >= amount)
        tx.update(target, atomic=[Account.balance.add(amount)])
        return {"status": "done"}  # committed before this is sent

Both are ``async`` dependencies, so FastAPI resolves them on the event loop without a thread hop,
for ``def`` and ``async def`` endpoints alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from pydynox import DynamoDBClient, Transaction
from starlette.requests import HTTPConnection

from pydynox_fastapi.lifespan import STATE_KEY

__all__ = ["ClientDep", "LifespanNotRunningError", "UnitOfWork", "get_client", "unit_of_work"]


class LifespanNotRunningError(RuntimeError):
    """A request asked for the client, but no pydynox lifespan put one in the lifespan state."""


async def get_client(connection: HTTPConnection) -> DynamoDBClient:
    """The client :func:`~pydynox_fastapi.pydynox_lifespan` put in the lifespan state; for
    ``Depends(get_client)`` (or :data:`ClientDep`) in HTTP and WebSocket endpoints."""
    state = connection.scope.get("state") or {}
    client = state.get(STATE_KEY)
    if not isinstance(client, DynamoDBClient):
        raise LifespanNotRunningError(
            "no pydynox client in this request's lifespan state: create the app with "
            "FastAPI(lifespan=pydynox_lifespan(...)) (or include pydynox_router(...)) and run it with "
            "its lifespan; tests use pydynox_fastapi.testing.lifespan_client(app) or "
            "override_client(app, client)"
        )
    return client


#: The request's client: ``async def endpoint(client: ClientDep)``.
ClientDep = Annotated[DynamoDBClient, Depends(get_client)]


async def unit_of_work(client: ClientDep) -> AsyncIterator[Transaction]:
    """A :class:`~pydynox.Transaction` on the request's client, committed when the endpoint returns
    normally and discarded (nothing sent) when it raises. Use it through :data:`UnitOfWork`, whose
    ``scope="function"`` commits before the response is sent, so a refused transaction becomes the
    answer (409 with :func:`~pydynox_fastapi.install_exception_handlers`) instead of a log line."""
    tx = Transaction(client)
    yield tx
    await tx.commit()


#: A transaction committed before the response is sent: ``async def endpoint(tx: UnitOfWork)``.
UnitOfWork = Annotated[Transaction, Depends(unit_of_work, scope="function")]
