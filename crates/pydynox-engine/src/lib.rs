//! An in-memory engine for the DynamoDB JSON API (protocol `application/x-amz-json-1.0`): the local
//! backend of pydynox, embedded in process (`memory://`) and served over HTTP by `pydynox local`.
//!
//! - `number`, `value`: DynamoDB's data model, validation and ordering; `wire`: its JSON form, read
//!   straight from request bytes and written straight into answers.
//! - `expr`: one parser and evaluator for condition, filter, key-condition, projection and update
//!   expressions.
//! - `canonical`: a request's meaning as bytes (maps and sets in any order), for telling an
//!   idempotent retry from a different request.
//! - `table`: storage of one table (items by key, secondary indexes, stream records).
//! - `ops`: the API operations; `engine`: dispatch by `X-Amz-Target`.

mod canonical;
pub mod engine;
pub mod error;
pub mod expr;
mod hash;
pub mod idempotency;
pub mod item;
pub mod number;
pub mod ops;
pub mod partiql;
pub mod persist;
pub mod request;
pub mod table;
pub mod value;
pub mod wire;

pub use error::{Error, Result};
pub use number::Number;
pub use value::{Item, KeyValue, Value};
