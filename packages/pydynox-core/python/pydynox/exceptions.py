"""The exceptions pydynox raises, one hierarchy under :class:`PydynoxException`.

Service errors are named after DynamoDB's own error codes, so boto3 users recognise them. Every
exception carries ``code`` (DynamoDB's error code, or pydynox's for client-side failures), ``message``,
``request_id`` and ``status_code`` (both ``None`` when no request reached DynamoDB) and ``table`` when
the failure concerns one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "AccessDeniedException",
    "CancellationReason",
    "CompressionException",
    "ConditionalCheckFailedException",
    "ConnectionException",
    "CredentialsException",
    "DuplicateItemException",
    "EncryptionException",
    "IdempotentParameterMismatchException",
    "InternalServerError",
    "ItemCollectionSizeLimitExceededException",
    "ItemTooLargeException",
    "ItemsNotFoundException",
    "ProvisionedThroughputExceededException",
    "PydynoxException",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "S3AttributeException",
    "SerializationException",
    "TransactionCanceledException",
    "TransactionConflictException",
    "TransactionInProgressException",
    "UnprocessedItemsException",
    "UnprocessedKeysException",
    "ValidationException",
    "WaiterTimeoutException",
]


class PydynoxException(Exception):
    """Base class of every pydynox error."""

    code: str
    message: str
    request_id: str | None
    status_code: int | None
    table: str | None

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        request_id: str | None = None,
        status_code: int | None = None,
        table: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or type(self).__name__
        self.request_id = request_id
        self.status_code = status_code
        self.table = table

    def __str__(self) -> str:
        return self.message or self.code

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.__dict__))


def _rebuild(cls: type[PydynoxException], message: str, state: dict[str, Any]) -> PydynoxException:
    exc = cls.__new__(cls)
    Exception.__init__(exc, message)
    exc.__dict__.update(state)
    return exc


class ResourceNotFoundException(PydynoxException):
    """The table or index does not exist (or is not ACTIVE yet)."""


class ResourceInUseException(PydynoxException):
    """The table already exists, or is being created, updated or deleted."""


class ValidationException(PydynoxException):
    """DynamoDB rejected the request as malformed (bad expression, wrong key type, ...)."""


class ItemCollectionSizeLimitExceededException(ValidationException):
    """An item collection of a table with local secondary indexes would exceed 10 GB."""


class ConditionalCheckFailedException(PydynoxException):
    """A condition expression evaluated to false.

    ``item`` holds the item as it is in the table when the call asked for it with
    ``return_values_on_condition_check_failure=True``; otherwise ``None``.
    """

    item: dict[str, Any] | None

    def __init__(self, message: str = "", *, item: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.item = item


@dataclass(frozen=True)
class CancellationReason:
    """Why one item of a cancelled transaction failed. ``code`` is None for items that did not fail."""

    index: int
    code: str | None
    message: str | None
    item: dict[str, Any] | None = None


class TransactionCanceledException(PydynoxException):
    """A transaction was cancelled; ``cancellation_reasons`` has one entry per request item, in order."""

    cancellation_reasons: list[CancellationReason]

    def __init__(
        self,
        message: str = "",
        *,
        cancellation_reasons: list[CancellationReason] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.cancellation_reasons = list(cancellation_reasons or [])

    @property
    def failed(self) -> list[CancellationReason]:
        """The reasons of the items that made the transaction fail."""
        return [r for r in self.cancellation_reasons if r.code is not None]


class TransactionConflictException(PydynoxException):
    """Another transaction is working on the same item."""


class TransactionInProgressException(PydynoxException):
    """A transaction with the same client request token is still running."""


class IdempotentParameterMismatchException(PydynoxException):
    """A client request token was reused with different parameters."""


class ProvisionedThroughputExceededException(PydynoxException):
    """Throttled: ProvisionedThroughputExceeded, ThrottlingException, RequestLimitExceeded, LimitExceeded."""


class AccessDeniedException(PydynoxException):
    """The credentials are valid but not allowed to do this."""


class CredentialsException(PydynoxException):
    """No usable AWS credentials, or DynamoDB did not accept them."""


class SerializationException(PydynoxException):
    """DynamoDB could not read the request body."""


class DuplicateItemException(PydynoxException):
    """A PartiQL INSERT found an item with the same key."""


class InternalServerError(PydynoxException):
    """DynamoDB failed (HTTP 5xx) and retries did not help."""


class ConnectionException(PydynoxException):
    """DynamoDB could not be reached, or the call timed out (``code == "Timeout"``)."""


class WaiterTimeoutException(PydynoxException, TimeoutError):
    """A table did not reach the awaited state in time."""


class UnprocessedItemsException(PydynoxException):
    """A batch write left items unwritten after every retry.

    ``unprocessed`` holds exactly the requests that were not written (everything else was), as
    ``(table, "put" | "delete", item or key)`` tuples in request order; ``put_items`` and
    ``delete_keys`` are the same requests split by kind. ``models`` holds the model instances behind
    them when the batch was written through a model-aware writer. ``cause`` is the last error that
    stopped the retries, if one did.
    """

    unprocessed: list[tuple[str, str, dict[str, Any]]]
    models: list[Any]
    cause: PydynoxException | None

    def __init__(
        self,
        message: str = "",
        *,
        unprocessed: list[tuple[str, str, dict[str, Any]]] | None = None,
        cause: PydynoxException | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.unprocessed = list(unprocessed or [])
        self.models = []
        self.cause = cause
        self.__cause__ = cause

    @property
    def put_items(self) -> list[dict[str, Any]]:
        return [item for _, kind, item in self.unprocessed if kind == "put"]

    @property
    def delete_keys(self) -> list[dict[str, Any]]:
        return [key for _, kind, key in self.unprocessed if kind == "delete"]


class UnprocessedKeysException(PydynoxException):
    """A batch get left keys unread after every retry: ``items`` were read, ``unprocessed_keys`` not."""

    items: list[dict[str, Any]]
    unprocessed_keys: list[dict[str, Any]]
    cause: PydynoxException | None

    def __init__(
        self,
        message: str = "",
        *,
        items: list[dict[str, Any]] | None = None,
        unprocessed_keys: list[dict[str, Any]] | None = None,
        cause: PydynoxException | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.items = list(items or [])
        self.unprocessed_keys = list(unprocessed_keys or [])
        self.cause = cause
        self.__cause__ = cause


class ItemsNotFoundException(PydynoxException):
    """``batch_get(..., missing="raise")`` found no item for some keys: ``keys`` names them, as given."""

    keys: list[dict[str, Any]]

    def __init__(self, message: str = "", *, keys: list[dict[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.keys = list(keys or [])


class ItemTooLargeException(PydynoxException):
    """An item is over DynamoDB's 400 KB limit; raised before anything is sent."""

    size: int
    max_size: int
    item_key: dict[str, Any] | None

    def __init__(
        self, size: int = 0, max_size: int = 400 * 1024, item_key: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        message = kwargs.pop("message", None) or f"item is {size} bytes; the limit is {max_size} bytes"
        super().__init__(message, **kwargs)
        self.size = size
        self.max_size = max_size
        self.item_key = item_key


class EncryptionException(PydynoxException):
    """Field encryption or decryption failed: KMS refused (``code`` is KMS's error code), or a stored
    ciphertext does not authenticate (``code="InvalidCiphertext"``: it was altered, or copied from
    another item, attribute or table)."""


class CompressionException(PydynoxException):
    """A compressed attribute's stored value cannot be read (damaged, or not written by pydynox)."""


class S3AttributeException(PydynoxException):
    """An S3 attribute upload, download or delete failed."""
