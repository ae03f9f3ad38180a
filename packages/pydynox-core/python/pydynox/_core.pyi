"""Type stubs for the Rust extension ``pydynox._core``. The public API is ``pydynox.DynamoDBClient``."""

from pathlib import Path
from typing import Any, final

__version__: str
HAS_KMS: bool
HAS_S3: bool

def configure_runtime(worker_threads: int) -> None:
    """Sets the tokio worker count; call before the first DynamoDB call (or set PYDYNOX_WORKER_THREADS)."""

def runtime_info() -> dict[str, Any]: ...
def _after_fork_in_child() -> None: ...
def _shutdown() -> None: ...
def _set_listening(on: bool) -> None: ...
def aws_stats() -> dict[str, int]:
    """Process-wide counters: KMS calls (``kms_generate_data_key``, ``kms_decrypt``), data-key cache
    hits and misses, and S3 requests."""

def check_compression(algorithm: str, level: int | None, min_size: int, threshold: float) -> None: ...

@final
class OperationMetrics:
    duration_ms: float
    consumed_rcu: float | None
    consumed_wcu: float | None
    request_id: str | None
    items_count: int | None
    scanned_count: int | None
    attempts: int
    @staticmethod
    def _total(parts: list[OperationMetrics], duration_ms: float) -> OperationMetrics: ...

@final
class OperationEvent:
    operation: str
    table: str | None
    index: str | None
    client_id: int
    region: str | None
    server_address: str | None
    server_port: int | None
    start_time_ns: int
    end_time_ns: int
    duration: float
    attempts: int
    retry_errors: list[str]
    throttles: int
    unprocessed_retries: int
    kms_calls: int
    consumed_rcu: float | None
    consumed_wcu: float | None
    consumed_by_table: dict[str, tuple[float, float]]
    item_count: int | None
    scanned_count: int | None
    batch_size: int | None
    request_id: str | None
    error_code: str | None
    error_type: str | None
    status_code: int | None
    @property
    def params(self) -> dict[str, Any]: ...
    @property
    def ok(self) -> bool: ...

@final
class Page:
    items: list[dict[str, Any]]
    last_evaluated_key: dict[str, Any] | None
    count: int
    scanned_count: int
    metrics: OperationMetrics

@final
class FixedRate:
    rcu: float | None
    wcu: float | None
    consumed_rcu: float
    consumed_wcu: float
    throttle_count: int
    def __init__(
        self, rcu: float | None = None, wcu: float | None = None, burst: float | None = None
    ) -> None: ...
    def reset(self) -> None: ...

@final
class AdaptiveRate:
    current_rcu: float | None
    current_wcu: float | None
    max_rcu: float | None
    max_wcu: float | None
    consumed_rcu: float
    consumed_wcu: float
    throttle_count: int
    def __init__(
        self,
        max_rcu: float | None = None,
        max_wcu: float | None = None,
        min_rcu: float = 1.0,
        min_wcu: float = 1.0,
    ) -> None: ...
    def reset(self) -> None: ...

@final
class CoreClient:
    client_id: int
    region: str | None
    endpoint_url: str | None
    def __init__(
        self,
        region: str | None = None,
        endpoint_url: str | None = None,
        profile: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        session_token: str | None = None,
        role_arn: str | None = None,
        role_session_name: str | None = None,
        external_id: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        operation_timeout: float | None = None,
        max_attempts: int | None = None,
        retry_mode: str | None = None,
        max_connections: int | None = None,
        proxy_url: str | None = None,
        rate_limit: FixedRate | AdaptiveRate | None = None,
        kms_endpoint_url: str | None = None,
        s3_endpoint_url: str | None = None,
    ) -> None: ...
    @property
    def key_cache_size(self) -> tuple[int, int]:
        """(data keys held for encryption, data keys held for decryption)."""
    # Each operation takes `is_async` first: True returns an awaitable, False blocks and returns the value.
    def put_item(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def get_item(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def delete_item(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def update_item(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def query_page(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def scan_page(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def count(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def parallel_scan(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def batch_write(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def batch_write_many(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def batch_get(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def transact_write(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def transact_get(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def execute_statement(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def create_table(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def delete_table(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def describe_table(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def table_exists(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def wait_for_table_active(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def update_time_to_live(self, is_async: bool, *args: Any, **kwargs: Any) -> Any: ...
    def list_tables(self, is_async: bool) -> Any: ...
    def ping(self, is_async: bool) -> Any: ...
    def decode_stored(
        self, is_async: bool, table: str, items: list[dict[str, Any]], model: ModelSchema
    ) -> Any: ...
    def s3_upload(self, is_async: bool, bucket: str, key: str, **kwargs: Any) -> Any: ...
    def s3_download(self, is_async: bool, bucket: str, key: str, **kwargs: Any) -> Any: ...
    def s3_presign(self, is_async: bool, bucket: str, key: str, expires: float, **kwargs: Any) -> Any: ...
    def s3_delete(self, is_async: bool, bucket: str, keys: list[str], **kwargs: Any) -> Any: ...

@final
class EncryptedValue:
    """An encrypted attribute's stored ciphertext, not decrypted (WriteOnly, or a stream image)."""

    def __init__(self, ciphertext: bytes) -> None: ...
    @property
    def ciphertext(self) -> bytes: ...

@final
class Sealed:
    """A compressed or encrypted attribute's value on its way into an update."""

def decode_stream_image(image: dict[str, Any], model: ModelSchema | None = None, what: str = "image") -> Any:
    """A DynamoDB Streams image in Lambda's JSON form (``{"n": {"N": "1.5"}}``) as a plain dict, or as an
    instance of ``model`` (the subclass its discriminator names, if any)."""

def generate_value(kind: str) -> Any:
    """One value for ``AutoGenerate.<kind>`` (UUID4, ULID, KSUID, EPOCH, EPOCH_MS, ISO8601)."""

class Snapshot:
    """An item as DynamoDB holds it; what a model instance was loaded or last saved as."""

    def size(self) -> int: ...
    @property
    def encoded_later(self) -> bool: ...
    def pick(self, names: list[str]) -> dict[str, Any]: ...
    def to_dict(self) -> dict[str, Any]: ...

class ModelSchema:
    """A model class compiled for the Rust core: loads items into instances and dumps them back."""

    def __init__(
        self,
        cls: type,
        fields: list[tuple[str, str, str, str, Any, Any, Any]],
        discriminator: str | None = None,
        pydantic: bool = False,
        private_defaults: dict[str, Any] | None = None,
        keep_undeclared: bool = False,
        reserved: set[str] | None = None,
        codecs: list[tuple[str, tuple[Any, ...]]] | None = None,
        key_names: list[str] | None = None,
        max_size: int = 409600,
    ) -> None: ...
    @property
    def has_codecs(self) -> bool: ...
    def seal(self, db_name: str, value: Any) -> Sealed: ...
    def projected(self) -> ModelSchema: ...
    def register(self, value: str, schema: ModelSchema) -> None: ...
    def load(self, item: Any) -> Any: ...
    def dump(
        self, instance: Any, base: Snapshot | None = None, extra: dict[str, Any] | None = None
    ) -> tuple[Snapshot, dict[str, Any], list[str]]: ...
    def dump_value(self, db_name: str, value: Any) -> Any: ...

@final
class LocalEngine:
    def __init__(self, name: str = "default") -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def endpoint_url(self) -> str: ...
    def reset(self) -> None: ...
    def discard(self) -> bool: ...
    @staticmethod
    def names() -> list[str]: ...
    def table_names(self) -> list[str]: ...
    def stream_records_json(self, table: str, drain: bool = False) -> str: ...
    def expire_ttl(self, now: float | None = None) -> int: ...
    def inject(
        self,
        kind: str,
        count: int = 1,
        operations: list[str] | None = None,
        seconds: float | None = None,
        code: str | None = None,
    ) -> None: ...
    def clear_faults(self) -> None: ...
    @property
    def pending_faults(self) -> int: ...
    def calls(self) -> list[str]: ...
    def reset_calls(self) -> None: ...
    def persist_to(self, directory: Path) -> int: ...
    def compact(self) -> None: ...
    def request(self, target: str, body: bytes) -> tuple[int, bytes]: ...

@final
class LocalServer:
    def __init__(self, host: str, port: int, engine: str) -> None: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    def stop(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...
