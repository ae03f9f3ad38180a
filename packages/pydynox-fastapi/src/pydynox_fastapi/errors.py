"""HTTP answers for pydynox's exceptions: ``install_exception_handlers(app)``.

Every mapped error answers ``{"error": code, "message": text}``: ``code`` is stable and meant for
programs, ``message`` for people. Neither ever holds an item's values or key: the texts are fixed per
code (DynamoDB's own messages can quote request values, so they are logged, never sent).

=====  ==========================================  ===============================================
HTTP   code                                        raised by
=====  ==========================================  ===============================================
400    ``invalid_cursor``, ``cursor_expired``,     a pagination cursor or limit that cannot be used
       ``cursor_mismatch``, ``invalid_limit``
404    ``not_found``                               :func:`~pydynox_fastapi.get_or_404` and its
                                                   dependency form
409    ``conditional_check_failed``                ``ConditionalCheckFailedException``, or a
                                                   transaction cancelled by a condition
409    ``transaction_conflict``                    a transaction that collided with another one
409    ``duplicate_item``                          a PartiQL INSERT of an existing key
422    ``validation_error``                        DynamoDB refused the request as invalid
422    ``item_too_large``                          an item over 400 KB, refused before sending
429    ``throttled`` (with ``Retry-After``)        throttling that outlasted the SDK's retries, or
                                                   batch items still unprocessed after retries
503    ``dynamodb_unavailable`` / ``dynamodb_      DynamoDB unreachable, failing (5xx) or timed out
       timeout`` (with ``Retry-After``)
=====  ==========================================  ===============================================

Errors that mean the service itself is misconfigured (missing table, bad credentials, access
denied) are left to the app's 500 handling: no client request can fix them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, HTTPException
from pydynox import exceptions as ex
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

__all__ = ["ApiError", "ItemNotFoundError", "PaginationError", "error_body", "install_exception_handlers"]

_logger = logging.getLogger("pydynox_fastapi")


class ApiError(HTTPException):
    """An error with a machine-readable ``code``. It is an ``HTTPException``, so an app without
    :func:`install_exception_handlers` still answers with the right status (FastAPI's
    ``{"detail": message}`` body)."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code, message)
        self.code = code
        self.message = message


class ItemNotFoundError(ApiError):
    """No item with the requested key (404, ``not_found``). Names the model, never the key."""

    def __init__(self, model: str) -> None:
        super().__init__(404, "not_found", f"{model} not found")
        self.model = model


class PaginationError(ApiError):
    """A pagination cursor or limit that cannot be used (400): ``invalid_cursor`` (malformed or not
    signed by us), ``cursor_expired``, ``cursor_mismatch`` (signed for another query),
    ``invalid_limit``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(400, code, message)


def error_body(code: str, message: str) -> dict[str, str]:
    """The JSON body of every mapped error."""
    return {"error": code, "message": message}


_THROTTLE_REASONS = {"ProvisionedThroughputExceeded", "ThrottlingError", "RequestLimitExceeded"}

_TEXTS = {
    "conditional_check_failed": "The item changed, or a condition on it did not hold.",
    "transaction_conflict": "Another request is changing the same items; try again.",
    "duplicate_item": "An item with this key already exists.",
    "validation_error": "DynamoDB refused the request as invalid.",
    "item_too_large": "The item is larger than DynamoDB allows (400 KB).",
    "throttled": "Too many requests to the database; try again later.",
    "dynamodb_unavailable": "The database cannot be reached right now; try again later.",
    "dynamodb_timeout": "The database did not answer in time; try again later.",
}


def _classify(exc: Exception) -> tuple[int, str]:
    """(HTTP status, code) of a pydynox exception this module maps."""
    if isinstance(exc, ex.TransactionCanceledException):
        failed = {r.code for r in exc.failed}
        if failed & _THROTTLE_REASONS:
            return 429, "throttled"
        if "ValidationError" in failed:
            return 422, "validation_error"
        if failed and failed <= {"ConditionalCheckFailed"}:
            return 409, "conditional_check_failed"
        return 409, "transaction_conflict"
    if isinstance(exc, ex.ConditionalCheckFailedException):
        return 409, "conditional_check_failed"
    if isinstance(exc, ex.TransactionConflictException | ex.TransactionInProgressException):
        return 409, "transaction_conflict"
    if isinstance(exc, ex.DuplicateItemException):
        return 409, "duplicate_item"
    if isinstance(exc, ex.ItemTooLargeException):
        return 422, "item_too_large"
    if isinstance(exc, ex.ValidationException):
        return 422, "validation_error"
    if isinstance(exc, ex.ProvisionedThroughputExceededException):
        return 429, "throttled"
    if isinstance(exc, ex.UnprocessedItemsException | ex.UnprocessedKeysException):
        # Items stay unprocessed when DynamoDB keeps throttling them; a failure that stopped the
        # retries early says what really happened.
        if exc.cause is not None:
            return _classify(exc.cause)
        return 429, "throttled"
    if isinstance(exc, ex.ConnectionException):
        return 503, "dynamodb_timeout" if exc.code == "Timeout" else "dynamodb_unavailable"
    if isinstance(exc, ex.InternalServerError):
        return 503, "dynamodb_unavailable"
    raise LookupError(type(exc).__name__)


#: The exception classes :func:`install_exception_handlers` registers a handler for.
MAPPED: tuple[type[Exception], ...] = (
    ex.ConditionalCheckFailedException,
    ex.TransactionCanceledException,
    ex.TransactionConflictException,
    ex.TransactionInProgressException,
    ex.DuplicateItemException,
    ex.ValidationException,
    ex.ItemTooLargeException,
    ex.ProvisionedThroughputExceededException,
    ex.UnprocessedItemsException,
    ex.UnprocessedKeysException,
    ex.ConnectionException,
    ex.InternalServerError,
)


def install_exception_handlers(app: FastAPI, *, retry_after: int = 1) -> None:
    """Answers pydynox's exceptions and this package's errors with the statuses in the module
    docstring. ``retry_after`` is the ``Retry-After`` header (seconds) of 429 and 503 answers."""
    if isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0:
        raise ValueError(f"retry_after must be a whole number of seconds >= 0, got {retry_after!r}")
    retry = {"Retry-After": str(retry_after)}

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return JSONResponse(
            error_body(exc.code, exc.message), status_code=exc.status_code, headers=exc.headers
        )

    async def dynamodb_error(request: Request, exc: Exception) -> Response:
        status, code = _classify(exc)
        _log(request, exc, status, code)
        headers: Mapping[str, str] | None = retry if status in (429, 503) else None
        return JSONResponse(error_body(code, _TEXTS[code]), status_code=status, headers=headers)

    app.add_exception_handler(ApiError, api_error)
    for cls in MAPPED:
        app.add_exception_handler(cls, dynamodb_error)


def _log(request: Request, exc: Exception, status: int, code: str) -> None:
    # The exception's message stays out of the log as well as the answer (DynamoDB quotes request
    # values in some messages), and so does the URL: the route's template names the endpoint without
    # the keys in its path. Code, table and request id are enough to find the call in AWS's logs.
    route = request.scope.get("route")
    where = getattr(route, "path", None) or "?"
    fields: dict[str, Any] = {
        "pydynox_error": code,
        "pydynox_exception": type(exc).__name__,
        "pydynox_dynamodb_code": getattr(exc, "code", None),
        "pydynox_table": getattr(exc, "table", None),
        "pydynox_request_id": getattr(exc, "request_id", None),
    }
    level = logging.WARNING if status >= 429 else logging.INFO
    _logger.log(level, "%s %s answered %d (%s)", request.method, where, status, code, extra=fields)
