//! `Snapshot`: an item as DynamoDB holds it (attribute values, not Python objects).
//!
//! A model instance keeps the snapshot of what was last loaded or saved. Saving compares the
//! instance's current values with it, by value, so an in-place `tags.append(...)` is a change like
//! any other; attributes the model does not declare stay in the snapshot and are never dropped.
//!
//! An instance loaded from a query page keeps its item's response bytes and reads them into
//! attribute values only when something asks (a save, a size check): most loaded instances are
//! only read, and reading the bytes eagerly would cost as much as loading them.

use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::size::item_size;
use crate::convert::wire::parse_item;
use crate::convert::{av_to_py, item_to_py, Item};

#[pyclass(module = "pydynox._core", frozen)]
pub struct Snapshot {
    item: OnceLock<Item>,
    /// The item's wire JSON, when it came from a response and has not been read yet.
    wire: Option<Box<[u8]>>,
}

impl Snapshot {
    pub fn from_item(item: Item) -> Self {
        Snapshot {
            item: OnceLock::from(item),
            wire: None,
        }
    }

    pub fn from_wire(bytes: &[u8]) -> Self {
        Snapshot {
            item: OnceLock::new(),
            wire: Some(bytes.into()),
        }
    }

    pub fn item(&self) -> PyResult<&Item> {
        if let Some(item) = self.item.get() {
            return Ok(item);
        }
        let wire = self.wire.as_deref().unwrap_or(b"{}");
        let item = parse_item(wire)?;
        Ok(self.item.get_or_init(|| item))
    }
}

#[pymethods]
impl Snapshot {
    /// The item's size in bytes by DynamoDB's rules (the 400 KB limit applies to this number).
    fn size(&self) -> PyResult<usize> {
        Ok(item_size(self.item()?))
    }

    /// The named attributes as a plain dict (e.g. the key of the item).
    fn pick<'py>(&self, py: Python<'py>, names: Vec<String>) -> PyResult<Bound<'py, PyDict>> {
        let item = self.item()?;
        let out = PyDict::new(py);
        for name in names {
            if let Some(v) = item.get(&name) {
                out.set_item(&name, av_to_py(py, v)?)?;
            }
        }
        Ok(out)
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        item_to_py(py, self.item()?)
    }

    fn __repr__(&self) -> PyResult<String> {
        let mut names: Vec<&String> = self.item()?.keys().collect();
        names.sort();
        Ok(format!("Snapshot({names:?})"))
    }
}

/// An item to write: the Snapshot a model dumped, or a plain dict.
pub fn item_to_write(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Item> {
    match obj.cast::<Snapshot>() {
        Ok(snapshot) => Ok(snapshot.get().item()?.clone()),
        Err(_) => crate::convert::py_to_item(obj, what),
    }
}
