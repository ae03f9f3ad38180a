//! Failures of an operation, in Rust, and their Python exceptions (`pydynox.exceptions`).
//!
//! An `OpError` crosses threads without the GIL; it becomes a Python exception only on the way out.
//! Every exception carries `code`, `message`, `request_id` and `status_code`; conditional-check
//! failures carry the current item when asked, cancelled transactions their per-item reasons.

use std::error::Error as StdError;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::RequestId;
use aws_sdk_dynamodb::types::CancellationReason;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyModule};

use crate::convert::{item_to_py, Item};

/// What went wrong beyond code and message, for the exceptions that carry more.
#[derive(Debug, Default)]
pub enum Extra {
    #[default]
    None,
    /// ConditionalCheckFailedException: the item as it is, when ReturnValuesOnConditionCheckFailure asked.
    Item(Option<Item>),
    /// TransactionCanceledException: one reason per request item, in request order.
    Reasons(Vec<CancellationReason>),
    /// UnprocessedItemsException: what was not written (puts, deletes), after every retry.
    Unwritten {
        /// (table, is_put, item or key) in request order.
        writes: Vec<(String, bool, Item)>,
        cause: Option<Box<OpError>>,
    },
    /// ItemTooLargeException found once compressed and encrypted attributes were encoded.
    TooLarge {
        size: usize,
        max_size: usize,
        key: Item,
    },
    /// UnprocessedKeysException: what was read, and the keys that were not, after every retry.
    Unread {
        items: Vec<Item>,
        keys: Vec<Item>,
        cause: Option<Box<OpError>>,
    },
}

#[derive(Debug)]
pub struct OpError {
    /// The class name in `pydynox.exceptions`.
    pub class: &'static str,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    pub status_code: Option<u16>,
    pub table: Option<String>,
    pub extra: Extra,
}

impl OpError {
    pub fn new(class: &'static str, code: impl Into<String>, message: impl Into<String>) -> Self {
        OpError {
            class,
            code: code.into(),
            message: message.into(),
            request_id: None,
            status_code: None,
            table: None,
            extra: Extra::None,
        }
    }

    pub fn connection(message: impl Into<String>) -> Self {
        OpError::new("ConnectionException", "ConnectionError", message)
    }

    pub fn timeout(message: impl Into<String>) -> Self {
        OpError::new("ConnectionException", "Timeout", message)
    }

    pub fn config(message: impl Into<String>) -> Self {
        OpError::new("PydynoxException", "ConfigurationError", message)
    }

    pub fn is_throttle(&self) -> bool {
        self.class == "ProvisionedThroughputExceededException"
    }

    /// Whether retrying the same request later may succeed (used by batch retries).
    pub fn is_retryable(&self) -> bool {
        self.is_throttle()
            || self.class == "ConnectionException"
            || matches!(self.status_code, Some(s) if s >= 500)
    }

    pub fn to_pyerr(&self, py: Python<'_>) -> PyErr {
        match self.build(py) {
            Ok(err) => err,
            Err(err) => err,
        }
    }

    fn build(&self, py: Python<'_>) -> PyResult<PyErr> {
        let module = exceptions_module(py)?;
        let cls = module
            .getattr(self.class)
            .or_else(|_| module.getattr("PydynoxException"))?;
        let kwargs = PyDict::new(py);
        if let Extra::TooLarge {
            size,
            max_size,
            key,
        } = &self.extra
        {
            // ItemTooLargeException takes its numbers first and the message by name.
            kwargs.set_item("message", &self.message)?;
            kwargs.set_item("table", &self.table)?;
            let exc = cls.call((*size, *max_size, item_to_py(py, key)?), Some(&kwargs))?;
            return Ok(PyErr::from_value(exc));
        }
        kwargs.set_item("code", &self.code)?;
        kwargs.set_item("request_id", &self.request_id)?;
        kwargs.set_item("status_code", self.status_code)?;
        kwargs.set_item("table", &self.table)?;
        match &self.extra {
            Extra::None | Extra::TooLarge { .. } => {}
            Extra::Item(item) => {
                let item = item.as_ref().map(|i| item_to_py(py, i)).transpose()?;
                kwargs.set_item("item", item)?;
            }
            Extra::Reasons(reasons) => {
                let reason_cls = module.getattr("CancellationReason")?;
                let list = PyList::empty(py);
                for (index, r) in reasons.iter().enumerate() {
                    let item = r.item().map(|i| item_to_py(py, i)).transpose()?;
                    let code = r.code().filter(|c| *c != "None");
                    list.append(reason_cls.call1((index, code, r.message(), item))?)?;
                }
                kwargs.set_item("cancellation_reasons", list)?;
            }
            Extra::Unwritten { writes, cause } => {
                let unprocessed = pyo3::types::PyList::empty(py);
                for (table, is_put, item) in writes {
                    let kind = if *is_put { "put" } else { "delete" };
                    unprocessed.append((table, kind, crate::convert::item_to_py(py, item)?))?;
                }
                kwargs.set_item("unprocessed", unprocessed)?;
                kwargs.set_item(
                    "cause",
                    cause.as_ref().map(|c| c.to_pyerr(py).into_value(py)),
                )?;
            }
            Extra::Unread { items, keys, cause } => {
                kwargs.set_item("items", crate::convert::items_to_py(py, items)?)?;
                kwargs.set_item("unprocessed_keys", crate::convert::items_to_py(py, keys)?)?;
                kwargs.set_item(
                    "cause",
                    cause.as_ref().map(|c| c.to_pyerr(py).into_value(py)),
                )?;
            }
        }
        let exc = cls.call((&self.message,), Some(&kwargs))?;
        Ok(PyErr::from_value(exc))
    }
}

static EXCEPTIONS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn exceptions_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    EXCEPTIONS
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(py.import("pydynox.exceptions")?.unbind())
        })
        .map(|m| m.bind(py))
}

/// DynamoDB error codes → exception classes. Several codes share a class: every throttling code is a
/// ProvisionedThroughputExceededException, every authentication failure a CredentialsException.
pub fn class_for_code(code: &str) -> &'static str {
    match code {
        "ConditionalCheckFailedException" => "ConditionalCheckFailedException",
        "TransactionCanceledException" => "TransactionCanceledException",
        "TransactionConflictException" => "TransactionConflictException",
        "TransactionInProgressException" => "TransactionInProgressException",
        "IdempotentParameterMismatchException" => "IdempotentParameterMismatchException",
        "ProvisionedThroughputExceededException"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "LimitExceededException"
        | "Throttling" => "ProvisionedThroughputExceededException",
        "ResourceNotFoundException" => "ResourceNotFoundException",
        "ResourceInUseException" => "ResourceInUseException",
        "ValidationException" => "ValidationException",
        "ItemCollectionSizeLimitExceededException" => "ItemCollectionSizeLimitExceededException",
        "DuplicateItemException" => "DuplicateItemException",
        "AccessDeniedException" => "AccessDeniedException",
        "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "ExpiredTokenException"
        | "MissingAuthenticationTokenException"
        | "MissingAuthenticationToken"
        | "IncompleteSignatureException"
        | "InvalidClientTokenId" => "CredentialsException",
        "SerializationException" => "SerializationException",
        "InternalServerError" | "InternalFailure" | "ServiceUnavailable" => "InternalServerError",
        _ => "PydynoxException",
    }
}

pub fn is_throttling_code(code: &str) -> bool {
    class_for_code(code) == "ProvisionedThroughputExceededException"
}

fn find_in_chain<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

fn chain_text(err: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut current = err.source();
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// Maps an SDK failure. `extra` pulls what a specific operation error carries (item, reasons).
pub fn from_sdk<E>(err: SdkError<E, HttpResponse>, extra: impl FnOnce(&E) -> Extra) -> OpError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    if let Some(cred) = find_in_chain::<CredentialsError>(&err) {
        return OpError::new(
            "CredentialsException",
            "CredentialsError",
            format!("could not load AWS credentials: {}", chain_text(cred)),
        );
    }
    match err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let inner = service.err();
            let code = inner.code().unwrap_or("UnknownError").to_owned();
            let message = inner.message().unwrap_or("").to_owned();
            let request_id = inner.meta().request_id().map(str::to_owned).or_else(|| {
                service
                    .raw()
                    .headers()
                    .get("x-amzn-requestid")
                    .map(str::to_owned)
            });
            let class = if status >= 500 && class_for_code(&code) == "PydynoxException" {
                "InternalServerError"
            } else {
                class_for_code(&code)
            };
            let message = if message.is_empty() {
                code.clone()
            } else {
                message
            };
            OpError {
                class,
                code,
                message,
                request_id,
                status_code: Some(status),
                table: None,
                extra: extra(inner),
            }
        }
        SdkError::TimeoutError(_) => OpError::timeout("the DynamoDB operation timed out"),
        SdkError::DispatchFailure(ref failure) => {
            let text = chain_text(&err);
            if failure.is_timeout() {
                OpError::timeout(format!("timed out connecting to DynamoDB: {text}"))
            } else {
                OpError::connection(format!("could not reach DynamoDB: {text}"))
            }
        }
        SdkError::ResponseError(_) => {
            let text = chain_text(&err);
            OpError::connection(format!(
                "DynamoDB sent a response that could not be read: {text}"
            ))
        }
        other => {
            let text = chain_text(&other);
            OpError::new(
                "PydynoxException",
                "RequestError",
                format!("could not send the request: {text}"),
            )
        }
    }
}

/// For operations whose errors carry nothing beyond code and message.
pub fn no_extra<E>(_: &E) -> Extra {
    Extra::None
}

pub fn request_id_of(output: &impl RequestId) -> Option<String> {
    output.request_id().map(str::to_owned)
}
