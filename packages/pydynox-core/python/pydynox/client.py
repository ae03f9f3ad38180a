"""``DynamoDBClient``: every DynamoDB operation, async by default with a ``sync_`` twin.

Values are plain Python: ``str``, ``int``, ``float``, ``Decimal``, ``bool``, ``None``, ``bytes``,
``list``/``tuple``, ``dict`` and ``set`` (stored as SS/NS/BS). Numbers come back exact, as ``int`` or
``Decimal``. Expressions use DynamoDB's syntax with ``expression_attribute_names`` (``{"#n": "name"}``)
and ``expression_attribute_values`` (``{":v": 1}``).

Both faces share one implementation in the Rust core; the async methods run on pydynox's tokio runtime
and resolve on the caller's event loop, the ``sync_`` methods block the calling thread with the GIL
released. Construction does no network I/O: credentials and the connection pool are set up on first use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydynox._core import AdaptiveRate, CoreClient, FixedRate, OperationMetrics, Page

if TYPE_CHECKING:
    # Imported where used at run time: pydynox.query needs asyncio, which a client that only reads and
    # writes items (a sync Lambda handler, a script) never has to load.
    from pydynox.query import AsyncQueryResult, AsyncScanResult, QueryResult, ScanResult

__all__ = ["DynamoDBClient", "StatementResult"]

Item = dict[str, Any]
Key = Mapping[str, Any]
Names = Mapping[str, str]
Values = Mapping[str, Any]
KeyAttr = tuple[str, Literal["S", "N", "B"]]
ReturnValues = Literal["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"]


class StatementResult(list[Item]):
    """The items of a PartiQL statement, with ``next_token`` (None on the last page) and ``metrics``."""

    next_token: str | None
    metrics: OperationMetrics

    def __init__(self, items: list[Item], next_token: str | None, metrics: OperationMetrics) -> None:
        super().__init__(items)
        self.next_token = next_token
        self.metrics = metrics


def _attempts(max_retries: int | None, max_attempts: int | None) -> int | None:
    if max_retries is not None and max_attempts is not None:
        raise ValueError("pass max_attempts or max_retries, not both (max_attempts = max_retries + 1)")
    if max_retries is not None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be a whole number >= 0, got {max_retries!r}")
        return max_retries + 1
    return max_attempts


class DynamoDBClient:
    """A DynamoDB client on the official AWS SDK for Rust.

    Args:
        region: AWS region; defaults to ``AWS_REGION`` / ``AWS_DEFAULT_REGION`` / the profile.
        access_key, secret_key, session_token: static credentials (else the standard chain:
            environment, profile, SSO, web identity, container and instance metadata).
        profile: a named profile from the AWS config files.
        endpoint_url: e.g. ``http://127.0.0.1:8000`` for a local DynamoDB-compatible server.
        role_arn, role_session_name, external_id: assume this IAM role with STS.
        connect_timeout, read_timeout, operation_timeout: seconds.
        max_retries / max_attempts: retry budget of the SDK (attempts = retries + 1).
        retry_mode: ``"standard"`` or ``"adaptive"`` (client-side rate limiting on throttles).
        max_connections: at most this many requests in flight at once.
        proxy_url: an HTTP(S) proxy for every request.
        rate_limit: a :class:`~pydynox.rate_limit.FixedRate` or
            :class:`~pydynox.rate_limit.AdaptiveRate` shared by every call of this client.
        kms_endpoint_url, s3_endpoint_url: where the models' encrypted attributes reach KMS and their
            S3 attributes reach S3. By default: ``AWS_ENDPOINT_URL_KMS`` / ``AWS_ENDPOINT_URL_S3``,
            else ``endpoint_url`` when it was given here (a local server that serves several
            services), else ``AWS_ENDPOINT_URL``, else AWS. KMS and S3 use this client's
            credentials, region, retries, timeouts and proxy.
    """

    def __init__(
        self,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        session_token: str | None = None,
        profile: str | None = None,
        endpoint_url: str | None = None,
        role_arn: str | None = None,
        role_session_name: str | None = None,
        external_id: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
        proxy_url: str | None = None,
        *,
        operation_timeout: float | None = None,
        max_attempts: int | None = None,
        retry_mode: Literal["standard", "adaptive"] = "standard",
        max_connections: int | None = None,
        rate_limit: FixedRate | AdaptiveRate | None = None,
        kms_endpoint_url: str | None = None,
        s3_endpoint_url: str | None = None,
    ) -> None:
        self._rate_limit = rate_limit
        self._core = CoreClient(
            region=region,
            endpoint_url=endpoint_url,
            profile=profile,
            access_key=access_key,
            secret_key=secret_key,
            session_token=session_token,
            role_arn=role_arn,
            role_session_name=role_session_name,
            external_id=external_id,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            operation_timeout=operation_timeout,
            max_attempts=_attempts(max_retries, max_attempts),
            retry_mode=retry_mode,
            max_connections=max_connections,
            proxy_url=proxy_url,
            rate_limit=rate_limit,
            kms_endpoint_url=kms_endpoint_url,
            s3_endpoint_url=s3_endpoint_url,
        )

    @property
    def rate_limit(self) -> FixedRate | AdaptiveRate | None:
        return self._rate_limit

    @property
    def client_id(self) -> int:
        """Identifies this client in operation events (``OperationEvent.client_id``)."""
        return self._core.client_id

    @property
    def region(self) -> str | None:
        return self._core.region

    @property
    def endpoint_url(self) -> str | None:
        return self._core.endpoint_url

    def get_region(self) -> str | None:
        return self._core.region

    def __repr__(self) -> str:
        return f"DynamoDBClient(region={self.region!r}, endpoint_url={self.endpoint_url!r})"

    # -- items ---------------------------------------------------------------------------------------

    async def put_item(
        self,
        table: str,
        item: Mapping[str, Any],
        condition_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        return_values_on_condition_check_failure: bool = False,
        return_values: Literal["NONE", "ALL_OLD"] | None = None,
    ) -> Any:
        """Writes ``item``; returns the call's metrics, or the old item with ``return_values="ALL_OLD"``."""
        return await self._core.put_item(
            True, table, item, condition_expression, expression_attribute_names,
            expression_attribute_values, return_values_on_condition_check_failure, return_values,
        )  # fmt: skip

    def sync_put_item(
        self,
        table: str,
        item: Mapping[str, Any],
        condition_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        return_values_on_condition_check_failure: bool = False,
        return_values: Literal["NONE", "ALL_OLD"] | None = None,
    ) -> Any:
        return self._core.put_item(
            False, table, item, condition_expression, expression_attribute_names,
            expression_attribute_values, return_values_on_condition_check_failure, return_values,
        )  # fmt: skip

    async def get_item(
        self,
        table: str,
        key: Key,
        consistent_read: bool = False,
        projection: Sequence[str] | None = None,
    ) -> Item | None:
        """The item with this key, or None. ``projection`` lists attribute paths (``"address.city"``)."""
        return await self._core.get_item(True, table, key, consistent_read, projection)

    def sync_get_item(
        self,
        table: str,
        key: Key,
        consistent_read: bool = False,
        projection: Sequence[str] | None = None,
    ) -> Item | None:
        return self._core.get_item(False, table, key, consistent_read, projection)

    async def delete_item(
        self,
        table: str,
        key: Key,
        condition_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        return_values_on_condition_check_failure: bool = False,
        return_values: Literal["NONE", "ALL_OLD"] | None = None,
    ) -> Any:
        """Deletes the item; returns metrics, or the deleted item with ``return_values="ALL_OLD"``."""
        return await self._core.delete_item(
            True, table, key, condition_expression, expression_attribute_names,
            expression_attribute_values, return_values_on_condition_check_failure, return_values,
        )  # fmt: skip

    def sync_delete_item(
        self,
        table: str,
        key: Key,
        condition_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        return_values_on_condition_check_failure: bool = False,
        return_values: Literal["NONE", "ALL_OLD"] | None = None,
    ) -> Any:
        return self._core.delete_item(
            False, table, key, condition_expression, expression_attribute_names,
            expression_attribute_values, return_values_on_condition_check_failure, return_values,
        )  # fmt: skip

    async def update_item(
        self,
        table: str,
        key: Key,
        updates: Mapping[str, Any] | None = None,
        update_expression: str | None = None,
        condition_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        return_values_on_condition_check_failure: bool = False,
        return_values: ReturnValues | None = None,
    ) -> Any:
        """Updates the item with ``updates={"a": 1, "b": None}`` (None removes ``b``) or an
        ``update_expression``; returns metrics, or the item asked for with ``return_values``."""
        return await self._core.update_item(
            True, table, key, updates, update_expression, condition_expression,
            expression_attribute_names, expression_attribute_values,
            return_values_on_condition_check_failure, return_values,
        )  # fmt: skip

    def sync_update_item(
        self,
        table: str,
        key: Key,
        updates: Mapping[str, Any] | None = None,
        update_expression: str | None = None,
        condition_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        return_values_on_condition_check_failure: bool = False,
        return_values: ReturnValues | None = None,
    ) -> Any:
        return self._core.update_item(
            False, table, key, updates, update_expression, condition_expression,
            expression_attribute_names, expression_attribute_values,
            return_values_on_condition_check_failure, return_values,
        )  # fmt: skip

    # -- query and scan ------------------------------------------------------------------------------

    def query(
        self,
        table: str,
        key_condition_expression: str,
        filter_expression: str | None = None,
        projection_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        scan_index_forward: bool | None = None,
        index_name: str | None = None,
        last_evaluated_key: Key | None = None,
        consistent_read: bool = False,
    ) -> AsyncQueryResult[Item]:
        """An async iterator over the matching items, fetching pages as needed."""

        async def fetch(limit: int | None, exclusive_start_key: Item | None) -> Page:
            return await self._core.query_page(
                True, table, key_condition_expression, filter_expression, projection_expression,
                expression_attribute_names, expression_attribute_values, limit, scan_index_forward,
                index_name, exclusive_start_key, consistent_read,
            )  # fmt: skip

        request = _query_request(
            table, key_condition_expression, filter_expression, projection_expression,
            expression_attribute_names, expression_attribute_values, scan_index_forward, index_name,
            consistent_read,
        )  # fmt: skip
        from pydynox.query import AsyncQueryResult

        return AsyncQueryResult[Item](fetch, limit, page_size, _start(last_evaluated_key), request=request)

    def sync_query(
        self,
        table: str,
        key_condition_expression: str,
        filter_expression: str | None = None,
        projection_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        scan_index_forward: bool | None = None,
        index_name: str | None = None,
        last_evaluated_key: Key | None = None,
        consistent_read: bool = False,
    ) -> QueryResult[Item]:
        def fetch(limit: int | None, exclusive_start_key: Item | None) -> Page:
            return self._core.query_page(
                False, table, key_condition_expression, filter_expression, projection_expression,
                expression_attribute_names, expression_attribute_values, limit, scan_index_forward,
                index_name, exclusive_start_key, consistent_read,
            )  # fmt: skip

        request = _query_request(
            table, key_condition_expression, filter_expression, projection_expression,
            expression_attribute_names, expression_attribute_values, scan_index_forward, index_name,
            consistent_read,
        )  # fmt: skip
        from pydynox.query import QueryResult

        return QueryResult[Item](fetch, limit, page_size, _start(last_evaluated_key), request=request)

    def scan(
        self,
        table: str,
        filter_expression: str | None = None,
        projection_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        index_name: str | None = None,
        last_evaluated_key: Key | None = None,
        consistent_read: bool = False,
        segment: int | None = None,
        total_segments: int | None = None,
    ) -> AsyncScanResult[Item]:
        """An async iterator over the table's (or index's) items, fetching pages as needed."""

        async def fetch(limit: int | None, exclusive_start_key: Item | None) -> Page:
            return await self._core.scan_page(
                True, table, filter_expression, projection_expression, expression_attribute_names,
                expression_attribute_values, limit, index_name, exclusive_start_key, consistent_read,
                segment, total_segments,
            )  # fmt: skip

        request = _scan_request(
            table, filter_expression, projection_expression, expression_attribute_names,
            expression_attribute_values, index_name, consistent_read, segment, total_segments,
        )  # fmt: skip
        from pydynox.query import AsyncScanResult

        return AsyncScanResult[Item](fetch, limit, page_size, _start(last_evaluated_key), request=request)

    def sync_scan(
        self,
        table: str,
        filter_expression: str | None = None,
        projection_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        index_name: str | None = None,
        last_evaluated_key: Key | None = None,
        consistent_read: bool = False,
        segment: int | None = None,
        total_segments: int | None = None,
    ) -> ScanResult[Item]:
        def fetch(limit: int | None, exclusive_start_key: Item | None) -> Page:
            return self._core.scan_page(
                False, table, filter_expression, projection_expression, expression_attribute_names,
                expression_attribute_values, limit, index_name, exclusive_start_key, consistent_read,
                segment, total_segments,
            )  # fmt: skip

        request = _scan_request(
            table, filter_expression, projection_expression, expression_attribute_names,
            expression_attribute_values, index_name, consistent_read, segment, total_segments,
        )  # fmt: skip
        from pydynox.query import ScanResult

        return ScanResult[Item](fetch, limit, page_size, _start(last_evaluated_key), request=request)

    async def query_page(
        self,
        table: str,
        key_condition_expression: str,
        filter_expression: str | None = None,
        projection_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        limit: int | None = None,
        scan_index_forward: bool | None = None,
        index_name: str | None = None,
        exclusive_start_key: Key | None = None,
        consistent_read: bool = False,
        select: str | None = None,
    ) -> Page:
        """One Query request: ``page.items``, ``page.last_evaluated_key``, counts and metrics."""
        return await self._core.query_page(
            True, table, key_condition_expression, filter_expression, projection_expression,
            expression_attribute_names, expression_attribute_values, limit, scan_index_forward,
            index_name, exclusive_start_key, consistent_read, select,
        )  # fmt: skip

    def sync_query_page(
        self,
        table: str,
        key_condition_expression: str,
        filter_expression: str | None = None,
        projection_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        limit: int | None = None,
        scan_index_forward: bool | None = None,
        index_name: str | None = None,
        exclusive_start_key: Key | None = None,
        consistent_read: bool = False,
        select: str | None = None,
    ) -> Page:
        return self._core.query_page(
            False, table, key_condition_expression, filter_expression, projection_expression,
            expression_attribute_names, expression_attribute_values, limit, scan_index_forward,
            index_name, exclusive_start_key, consistent_read, select,
        )  # fmt: skip

    async def scan_page(
        self,
        table: str,
        filter_expression: str | None = None,
        projection_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        limit: int | None = None,
        index_name: str | None = None,
        exclusive_start_key: Key | None = None,
        consistent_read: bool = False,
        segment: int | None = None,
        total_segments: int | None = None,
        select: str | None = None,
    ) -> Page:
        """One Scan request."""
        return await self._core.scan_page(
            True, table, filter_expression, projection_expression, expression_attribute_names,
            expression_attribute_values, limit, index_name, exclusive_start_key, consistent_read,
            segment, total_segments, select,
        )  # fmt: skip

    def sync_scan_page(
        self,
        table: str,
        filter_expression: str | None = None,
        projection_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        limit: int | None = None,
        index_name: str | None = None,
        exclusive_start_key: Key | None = None,
        consistent_read: bool = False,
        segment: int | None = None,
        total_segments: int | None = None,
        select: str | None = None,
    ) -> Page:
        return self._core.scan_page(
            False, table, filter_expression, projection_expression, expression_attribute_names,
            expression_attribute_values, limit, index_name, exclusive_start_key, consistent_read,
            segment, total_segments, select,
        )  # fmt: skip

    async def count(
        self,
        table: str,
        filter_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        index_name: str | None = None,
        consistent_read: bool = False,
        *,
        key_condition_expression: str | None = None,
    ) -> tuple[int, OperationMetrics]:
        """Counts matching items over every page: a Query with ``key_condition_expression``, else a Scan."""
        return await self._core.count(
            True, table, key_condition_expression, filter_expression, expression_attribute_names,
            expression_attribute_values, index_name, consistent_read,
        )  # fmt: skip

    def sync_count(
        self,
        table: str,
        filter_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        index_name: str | None = None,
        consistent_read: bool = False,
        *,
        key_condition_expression: str | None = None,
    ) -> tuple[int, OperationMetrics]:
        return self._core.count(
            False, table, key_condition_expression, filter_expression, expression_attribute_names,
            expression_attribute_values, index_name, consistent_read,
        )  # fmt: skip

    async def parallel_scan(
        self,
        table: str,
        total_segments: int,
        filter_expression: str | None = None,
        projection_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        consistent_read: bool = False,
        index_name: str | None = None,
    ) -> tuple[list[Item], OperationMetrics]:
        """Scans ``total_segments`` segments concurrently; items in segment order."""
        return await self._core.parallel_scan(
            True, table, total_segments, filter_expression, projection_expression,
            expression_attribute_names, expression_attribute_values, consistent_read, index_name,
        )  # fmt: skip

    def sync_parallel_scan(
        self,
        table: str,
        total_segments: int,
        filter_expression: str | None = None,
        projection_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: Values | None = None,
        consistent_read: bool = False,
        index_name: str | None = None,
    ) -> tuple[list[Item], OperationMetrics]:
        return self._core.parallel_scan(
            False, table, total_segments, filter_expression, projection_expression,
            expression_attribute_names, expression_attribute_values, consistent_read, index_name,
        )  # fmt: skip

    # -- batches and transactions --------------------------------------------------------------------

    async def batch_write(
        self,
        table: str,
        put_items: Sequence[Mapping[str, Any]] | None = None,
        delete_keys: Sequence[Key] | None = None,
        *,
        max_retries: int | None = None,
    ) -> None:
        """Writes and deletes in chunks of 25, retrying unprocessed items with backoff and jitter.

        Raises :class:`~pydynox.exceptions.UnprocessedItemsException` carrying exactly the items
        that were still not written after ``max_retries`` rounds (default 10).
        """
        await self._core.batch_write(True, table, put_items, delete_keys, max_retries)

    def sync_batch_write(
        self,
        table: str,
        put_items: Sequence[Mapping[str, Any]] | None = None,
        delete_keys: Sequence[Key] | None = None,
        *,
        max_retries: int | None = None,
    ) -> None:
        self._core.batch_write(False, table, put_items, delete_keys, max_retries)

    async def batch_get(
        self,
        table: str,
        keys: Sequence[Key],
        consistent_read: bool = False,
        projection: Sequence[str] | None = None,
        *,
        max_retries: int | None = None,
    ) -> list[Item]:
        """The items for ``keys`` (in the order of ``keys``; missing items are absent), read in chunks
        of 100 with unprocessed keys retried. Raises
        :class:`~pydynox.exceptions.UnprocessedKeysException` if keys remain unread."""
        return await self._core.batch_get(True, table, keys, consistent_read, projection, max_retries)

    def sync_batch_get(
        self,
        table: str,
        keys: Sequence[Key],
        consistent_read: bool = False,
        projection: Sequence[str] | None = None,
        *,
        max_retries: int | None = None,
    ) -> list[Item]:
        return self._core.batch_get(False, table, keys, consistent_read, projection, max_retries)

    async def transact_write(
        self, operations: Sequence[Mapping[str, Any]], *, client_request_token: str | None = None
    ) -> None:
        """All-or-nothing writes. Each operation is a dict with ``type`` (put/update/delete/
        condition_check), ``table``, ``item`` or ``key``, and the expression fields."""
        await self._core.transact_write(True, _dicts(operations), client_request_token)

    def sync_transact_write(
        self, operations: Sequence[Mapping[str, Any]], *, client_request_token: str | None = None
    ) -> None:
        self._core.transact_write(False, _dicts(operations), client_request_token)

    async def transact_get(self, gets: Sequence[Mapping[str, Any]]) -> list[Item | None]:
        """Consistent reads of up to 100 items: ``[{"table": ..., "key": {...}}, ...]``."""
        return await self._core.transact_get(True, _dicts(gets))

    def sync_transact_get(self, gets: Sequence[Mapping[str, Any]]) -> list[Item | None]:
        return self._core.transact_get(False, _dicts(gets))

    # -- PartiQL ---------------------------------------------------------------------------------------

    async def execute_statement(
        self,
        statement: str,
        parameters: Sequence[Any] | None = None,
        consistent_read: bool = False,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> StatementResult:
        """Runs a PartiQL statement with ``?`` parameters given as plain values."""
        items, token, metrics = await self._core.execute_statement(
            True, statement, parameters, consistent_read, next_token, limit
        )
        return StatementResult(items, token, metrics)

    def sync_execute_statement(
        self,
        statement: str,
        parameters: Sequence[Any] | None = None,
        consistent_read: bool = False,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> StatementResult:
        items, token, metrics = self._core.execute_statement(
            False, statement, parameters, consistent_read, next_token, limit
        )
        return StatementResult(items, token, metrics)

    # -- tables ------------------------------------------------------------------------------------------

    async def create_table(
        self,
        table_name: str,
        partition_key: KeyAttr,
        sort_key: KeyAttr | None = None,
        billing_mode: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST",
        read_capacity: int | None = None,
        write_capacity: int | None = None,
        table_class: str | None = None,
        encryption: str | None = None,
        kms_key_id: str | None = None,
        global_secondary_indexes: Sequence[Mapping[str, Any]] | None = None,
        local_secondary_indexes: Sequence[Mapping[str, Any]] | None = None,
        wait: bool = False,
        timeout_seconds: float | None = None,
        *,
        stream_view_type: str | None = None,
    ) -> None:
        """Creates a table. Keys are ``(name, "S" | "N" | "B")``; an index is a dict with ``index_name``,
        ``partition_key`` (one key or a list of up to 4), ``sort_key``, ``projection`` (ALL, KEYS_ONLY,
        INCLUDE with ``non_key_attributes``). ``wait=True`` returns once the table is ACTIVE."""
        await self._core.create_table(
            True, table_name, partition_key, sort_key, billing_mode, read_capacity, write_capacity,
            table_class, encryption, kms_key_id, _dicts(global_secondary_indexes),
            _dicts(local_secondary_indexes), stream_view_type, wait, timeout_seconds,
        )  # fmt: skip

    def sync_create_table(
        self,
        table_name: str,
        partition_key: KeyAttr,
        sort_key: KeyAttr | None = None,
        billing_mode: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST",
        read_capacity: int | None = None,
        write_capacity: int | None = None,
        table_class: str | None = None,
        encryption: str | None = None,
        kms_key_id: str | None = None,
        global_secondary_indexes: Sequence[Mapping[str, Any]] | None = None,
        local_secondary_indexes: Sequence[Mapping[str, Any]] | None = None,
        wait: bool = False,
        timeout_seconds: float | None = None,
        *,
        stream_view_type: str | None = None,
    ) -> None:
        self._core.create_table(
            False, table_name, partition_key, sort_key, billing_mode, read_capacity, write_capacity,
            table_class, encryption, kms_key_id, _dicts(global_secondary_indexes),
            _dicts(local_secondary_indexes), stream_view_type, wait, timeout_seconds,
        )  # fmt: skip

    async def delete_table(
        self, table_name: str, *, wait: bool = False, timeout_seconds: float | None = None
    ) -> None:
        await self._core.delete_table(True, table_name, wait, timeout_seconds)

    def sync_delete_table(
        self, table_name: str, *, wait: bool = False, timeout_seconds: float | None = None
    ) -> None:
        self._core.delete_table(False, table_name, wait, timeout_seconds)

    async def describe_table(self, table_name: str) -> dict[str, Any]:
        """DescribeTable's description, keyed as DynamoDB names them (``TableStatus``, ``KeySchema``...)."""
        return await self._core.describe_table(True, table_name)

    def sync_describe_table(self, table_name: str) -> dict[str, Any]:
        return self._core.describe_table(False, table_name)

    async def table_exists(self, table_name: str) -> bool:
        return await self._core.table_exists(True, table_name)

    def sync_table_exists(self, table_name: str) -> bool:
        return self._core.table_exists(False, table_name)

    async def wait_for_table_active(self, table_name: str, timeout_seconds: float | None = None) -> None:
        """Returns once the table and its indexes are ACTIVE; raises WaiterTimeoutException (default 60 s)."""
        await self._core.wait_for_table_active(True, table_name, timeout_seconds)

    def sync_wait_for_table_active(self, table_name: str, timeout_seconds: float | None = None) -> None:
        self._core.wait_for_table_active(False, table_name, timeout_seconds)

    async def update_time_to_live(self, table_name: str, attribute_name: str, enabled: bool = True) -> None:
        await self._core.update_time_to_live(True, table_name, attribute_name, enabled)

    def sync_update_time_to_live(self, table_name: str, attribute_name: str, enabled: bool = True) -> None:
        self._core.update_time_to_live(False, table_name, attribute_name, enabled)

    async def list_tables(self) -> list[str]:
        return await self._core.list_tables(True)

    def sync_list_tables(self) -> list[str]:
        return self._core.list_tables(False)

    async def ping(self) -> bool:
        """True when DynamoDB answers, False when it cannot be reached (credential errors raise)."""
        return await self._core.ping(True)

    def sync_ping(self) -> bool:
        return self._core.ping(False)


def _query_request(
    table: str,
    key_condition_expression: str,
    filter_expression: str | None,
    projection_expression: str | None,
    expression_attribute_names: Names | None,
    expression_attribute_values: Values | None,
    scan_index_forward: bool | None,
    index_name: str | None,
    consistent_read: bool,
) -> dict[str, Any]:
    """What a query result reports as its ``request`` (the read, as DynamoDB sees it)."""
    return {
        "operation": "Query", "table": table, "index_name": index_name,
        "key_condition_expression": key_condition_expression, "filter_expression": filter_expression,
        "projection_expression": projection_expression,
        "expression_attribute_names": dict(expression_attribute_names or {}) or None,
        "expression_attribute_values": dict(expression_attribute_values or {}) or None,
        "scan_index_forward": scan_index_forward, "consistent_read": consistent_read,
    }  # fmt: skip


def _scan_request(
    table: str,
    filter_expression: str | None,
    projection_expression: str | None,
    expression_attribute_names: Names | None,
    expression_attribute_values: Values | None,
    index_name: str | None,
    consistent_read: bool,
    segment: int | None,
    total_segments: int | None,
) -> dict[str, Any]:
    return {
        "operation": "Scan", "table": table, "index_name": index_name,
        "filter_expression": filter_expression, "projection_expression": projection_expression,
        "expression_attribute_names": dict(expression_attribute_names or {}) or None,
        "expression_attribute_values": dict(expression_attribute_values or {}) or None,
        "consistent_read": consistent_read, "segment": segment, "total_segments": total_segments,
    }  # fmt: skip


def _start(key: Key | None) -> Item | None:
    return dict(key) if key is not None else None


def _dicts(mappings: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]] | None:
    return [dict(m) for m in mappings] if mappings is not None else None
