//! The model fast path: a schema compiled once per model class turns response items straight into
//! instances (no per-attribute Python call for plain types), turns instances back into items with
//! type checks that name the model and attribute, and keeps what was loaded as a snapshot so a save
//! sends only what changed — in-place mutations included, since the comparison is by value.

pub mod autogen;
pub mod schema;
pub mod size;
pub mod snapshot;

pub use schema::ModelSchema;
pub use snapshot::{item_to_write, Snapshot};
