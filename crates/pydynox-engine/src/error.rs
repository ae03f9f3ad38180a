//! Errors in DynamoDB's shape: a type (`ValidationException`), a message, an HTTP status, and the
//! extra members some errors carry (cancellation reasons, the item that failed a condition).

use serde_json::{json, Map, Value as Json};

#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub code: &'static str,
    pub message: String,
    pub status: u16,
    /// Extra top-level members of the error body (`CancellationReasons`, `Item`).
    pub extra: Map<String, Json>,
}

impl Error {
    pub fn new(code: &'static str, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            status: 400,
            extra: Map::new(),
        }
    }

    pub fn validation(message: impl Into<String>) -> Error {
        Error::new("ValidationException", message)
    }

    /// A request body that is not valid JSON for the operation's shape.
    pub fn serialization(message: impl Into<String>) -> Error {
        Error::new("SerializationException", message)
    }

    pub fn not_found(message: impl Into<String>) -> Error {
        Error::new("ResourceNotFoundException", message)
    }

    pub fn in_use(message: impl Into<String>) -> Error {
        Error::new("ResourceInUseException", message)
    }

    pub fn condition_failed() -> Error {
        Error::new(
            "ConditionalCheckFailedException",
            "The conditional request failed",
        )
    }

    pub fn with_status(mut self, status: u16) -> Error {
        self.status = status;
        self
    }

    pub fn with_extra(mut self, key: &str, value: Json) -> Error {
        self.extra.insert(key.to_owned(), value);
        self
    }

    /// The JSON error body DynamoDB sends (`__type` with the service prefix, `message`).
    pub fn to_json(&self) -> Json {
        let mut body = Map::new();
        body.insert(
            "__type".into(),
            json!(format!("com.amazonaws.dynamodb.v20120810#{}", self.code)),
        );
        body.insert("message".into(), json!(self.message));
        for (k, v) in &self.extra {
            body.insert(k.clone(), v.clone());
        }
        Json::Object(body)
    }
}

pub type Result<T> = std::result::Result<T, Error>;
