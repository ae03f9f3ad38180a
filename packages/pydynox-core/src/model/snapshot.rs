//! `Snapshot`: an item as DynamoDB holds it (attribute values, not Python objects).
//!
//! A model instance keeps the snapshot of what was last loaded or saved. Saving compares the
//! instance's current values with it, by value, so an in-place `tags.append(...)` is a change like
//! any other; attributes the model does not declare stay in the snapshot and are never dropped.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::size::item_size;
use crate::convert::{av_to_py, item_to_py, Item};

#[pyclass(module = "pydynox._core", frozen)]
pub struct Snapshot {
    pub item: Item,
}

#[pymethods]
impl Snapshot {
    /// The item's size in bytes by DynamoDB's rules (the 400 KB limit applies to this number).
    fn size(&self) -> usize {
        item_size(&self.item)
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
