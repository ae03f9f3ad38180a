//! `Snapshot`: an item as DynamoDB holds it (attribute values, not Python objects).
//!
//! A model instance keeps the snapshot of what was last loaded or saved. Saving compares the
//! instance's current values with it, by value, so an in-place `tags.append(...)` is a change like
//! any other; attributes the model does not declare stay in the snapshot and are never dropped.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::size::item_size;
use crate::codec::ItemCodecs;
use crate::convert::{av_to_py, item_to_py, Item};

#[pyclass(module = "pydynox._core", frozen)]
pub struct Snapshot {
    /// The logical item: compressed and encrypted attributes hold their values, not their stored
    /// form (the operation that writes the snapshot encodes them).
    pub item: Item,
    pub codecs: Option<Arc<ItemCodecs>>,
    /// Encrypted attributes that hold a ciphertext as loaded (`EncryptedValue`): written as they are.
    pub passthrough: Vec<String>,
}

#[pymethods]
impl Snapshot {
    /// The item's size in bytes by DynamoDB's rules (the 400 KB limit applies to this number).
    fn size(&self) -> usize {
        item_size(&self.item)
    }

    /// Whether compressed or encrypted attributes are encoded when the item is sent (the operation
    /// then checks the size of the encoded item).
    #[getter]
    fn encoded_later(&self) -> bool {
        self.codecs.is_some()
    }

    /// The named attributes as a plain dict (e.g. the key of the item).
    fn pick<'py>(&self, py: Python<'py>, names: Vec<String>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for name in names {
            if let Some(v) = self.item.get(&name) {
                out.set_item(&name, av_to_py(py, v)?)?;
            }
        }
        Ok(out)
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        item_to_py(py, &self.item)
    }

    fn __repr__(&self) -> String {
        let mut names: Vec<&String> = self.item.keys().collect();
        names.sort();
        format!("Snapshot({names:?})")
    }
}
