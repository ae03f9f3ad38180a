"""A small task-list API on pydynox and FastAPI: create, read, update, delete and list tasks per owner,
and move a task to another owner in one transaction.

What it shows: the lifespan-managed client (with the app's own startup wrapped inside it), models as
request and response models, 404/409/422 answers from ``install_exception_handlers``, optimistic
locking, signed cursor pagination, a unit of work, and per-request DynamoDB usage in the
``X-DynamoDB-Usage`` header.

Configuration (environment):

- ``TASKS_CURSOR_SECRET`` (required): signs pagination cursors; e.g. ``secrets.token_urlsafe(32)``.
- ``TASKS_TABLE``: the table (default ``tasks``); ``TASKS_CREATE_TABLE=1`` creates it at startup.
- ``TASKS_ENDPOINT_URL``: a DynamoDB endpoint other than AWS's (``http://localhost:8000``); otherwise
  the AWS SDK's own settings apply (``AWS_REGION``, ``AWS_ENDPOINT_URL_DYNAMODB``, profiles...).

Run it::

    TASKS_CURSOR_SECRET=change-me-to-32-random-chars!! TASKS_CREATE_TABLE=1 \\
    TASKS_ENDPOINT_URL=http://localhost:8000 AWS_REGION=us-east-1 \\
        uvicorn examples.fastapi_app.app:app --reload
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Response, status
from pydantic import BaseModel, Field
from pydynox import AutoGenerate
from pydynox.attributes import StringAttribute, VersionAttribute
from pydynox.pydantic import DynamoModel, PartitionKey
from pydynox_fastapi import (
    ApiError,
    CursorPage,
    UnitOfWork,
    UsageHeaderMiddleware,
    configure_pagination,
    install_exception_handlers,
    item_or_404,
    paginate,
    pydynox_lifespan,
)

TABLE = os.environ.get("TASKS_TABLE", "tasks")


class Task(DynamoModel, table=TABLE):
    """A task, stored and returned as it is (a DynamoModel is a pydantic model)."""

    owner: Annotated[str, PartitionKey()]
    # Generated on save; ULIDs sort by creation time (to the millisecond), so a query lists tasks
    # oldest first.
    task_id: Annotated[str | None, StringAttribute(sort_key=True, default=AutoGenerate.ULID)] = None
    title: str = Field(min_length=1, max_length=200)
    done: bool = False
    version: Annotated[int | None, VersionAttribute()] = None


class NewTask(BaseModel):
    title: str = Field(min_length=1, max_length=200)


class TaskChanges(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    done: bool | None = None
    version: int = Field(description="The version the client last saw; a newer one answers 409.")


class Moved(BaseModel):
    owner: str
    task_id: str


async def setup(app: FastAPI) -> AsyncIterator[None]:
    """The app's own startup, run inside pydynox_lifespan: the client is already the default."""
    configure_pagination(os.environ["TASKS_CURSOR_SECRET"], max_limit=50)
    if os.environ.get("TASKS_CREATE_TABLE") == "1" and not await Task.table_exists():
        await Task.create_table(wait=True)
    yield


endpoint_url = os.environ.get("TASKS_ENDPOINT_URL")
app = FastAPI(
    title="Tasks",
    lifespan=pydynox_lifespan(wrap=setup, **({"endpoint_url": endpoint_url} if endpoint_url else {})),
)
install_exception_handlers(app)
app.add_middleware(UsageHeaderMiddleware)

#: The task named by the path's ``{owner}`` and ``{task_id}``, or a 404 answer.
TaskOr404 = Annotated[Task, Depends(item_or_404(Task))]


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/owners/{owner}/tasks", status_code=status.HTTP_201_CREATED)
async def create_task(owner: str, body: NewTask) -> Task:
    task = Task(owner=owner, title=body.title)
    await task.save()
    return task


@app.get("/owners/{owner}/tasks")
async def list_tasks(
    owner: str,
    limit: Annotated[int | None, Query(ge=1)] = None,
    cursor: str | None = None,
    done: bool | None = None,
) -> CursorPage[Task]:
    condition = Task.done == done if done is not None else None
    return await paginate(
        Task.query(partition_key=owner, filter_condition=condition), limit=limit, cursor=cursor
    )


@app.get("/owners/{owner}/tasks/{task_id}")
async def read_task(task: TaskOr404) -> Task:
    return task


@app.patch("/owners/{owner}/tasks/{task_id}")
async def update_task(task: TaskOr404, changes: TaskChanges) -> Task:
    if changes.version != task.version:
        raise ApiError(409, "version_conflict", "The task changed since this version; reload it.")
    values: dict[str, Any] = changes.model_dump(exclude={"version"}, exclude_none=True)
    # Conditioned on the version just loaded: a change in between answers 409 too.
    await task.update(**values)
    return task


@app.delete("/owners/{owner}/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_task(task: TaskOr404) -> Response:
    await task.delete()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@app.post("/owners/{owner}/tasks/{task_id}/move")
async def move_task(task: TaskOr404, to: str, tx: UnitOfWork) -> Moved:
    """Moves the task to another owner: one transaction deletes it here and creates it there, sent
    before the answer (a task with that id already there answers 409, and nothing changes)."""
    assert task.task_id is not None
    tx.delete(task)
    tx.save(
        Task(owner=to, task_id=task.task_id, title=task.title, done=task.done),
        condition=Task.owner.not_exists(),
    )
    # The answer is built before the commit: it carries nothing the commit fills in (a new version).
    return Moved(owner=to, task_id=task.task_id)
