//! `Snapshot`: an item as DynamoDB holds it (attribute values, not Python objects).
//!
//! A model instance keeps the snapshot of what was last loaded or saved. Saving compares the
//! instance's current values with it, by value, so an in-place `tags.append(...)` is a change like
//! any other; attributes the model does not declare stay in the snapshot and are never dropped.
//!
//! An instance loaded from a query page keeps its item's response bytes and reads them into
//! attribute values only when something asks (a save, a size check): most loaded instances are
//! only read, and reading the bytes eagerly would cost as much as loading them.

use std::sync::{Arc, OnceLock};

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::size::item_size;
use crate::codec::{Encode, ItemCodecs};
use crate::convert::wire::parse_item;
use crate::convert::{av_to_py, item_to_py, Item};

/// The *logical* item: compressed and encrypted attributes hold their values, not their stored form
/// (the operation that writes the snapshot encodes them).
#[pyclass(module = "pydynox._core", frozen)]
pub struct Snapshot {
    item: OnceLock<Item>,
    /// The item's wire JSON, when it came from a response and has not been read yet.
    wire: Option<Box<[u8]>>,
    /// Attributes already decoded from their stored form in `wire` (compressed, encrypted): they
    /// replace what the bytes hold when the bytes are read.
    decoded: Option<Item>,
    codecs: Option<Arc<ItemCodecs>>,
    /// Encrypted attributes that hold a ciphertext as loaded (`EncryptedValue`): written as they are.
    passthrough: Vec<String>,
}

impl Snapshot {
    pub fn from_item(item: Item) -> Self {
        Snapshot {
            item: OnceLock::from(item),
            wire: None,
            decoded: None,
            codecs: None,
            passthrough: Vec::new(),
        }
    }

    /// `decoded`: the item's compressed and encrypted attributes, decoded (see the field).
    pub fn from_wire(bytes: &[u8], decoded: Option<&Item>) -> Self {
        Snapshot {
            item: OnceLock::new(),
            wire: Some(bytes.into()),
            decoded: decoded.filter(|d| !d.is_empty()).cloned(),
            codecs: None,
            passthrough: Vec::new(),
        }
    }

    /// The model's codecs, which encode the item when it is written, and the encrypted attributes
    /// that already hold their stored form.
    pub fn coded(mut self, codecs: Option<Arc<ItemCodecs>>, passthrough: Vec<String>) -> Self {
        self.codecs = codecs;
        self.passthrough = passthrough;
        self
    }

    pub fn item(&self) -> PyResult<&Item> {
        if let Some(item) = self.item.get() {
            return Ok(item);
        }
        let wire = self.wire.as_deref().unwrap_or(b"{}");
        let mut item = parse_item(wire)?;
        if let Some(decoded) = &self.decoded {
            item.extend(decoded.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Ok(self.item.get_or_init(|| item))
    }

    /// The snapshot as a Python object that the cyclic garbage collector does not track. A loaded
    /// page makes one per item, and the collection that follows the page would walk each of them;
    /// a snapshot holds no Python references, so it can never be part of a cycle.
    pub fn into_untracked_py(self, py: Python<'_>) -> PyResult<Bound<'_, Snapshot>> {
        let obj = Bound::new(py, self)?;
        // SAFETY: `obj` is a live object created just above, and the GIL is held. Untracking an
        // object that references no other Python object cannot hide a cycle from the collector, and
        // the object's deallocation untracks it only if it is still tracked.
        unsafe { pyo3::ffi::PyObject_GC_UnTrack(obj.as_ptr().cast()) };
        Ok(obj)
    }

    /// Whether compressed or encrypted attributes are encoded when the item is written.
    pub fn needs_encoding(&self) -> bool {
        self.codecs.is_some()
    }

    /// What the item still needs encoded when it is written (None for a model without compressed
    /// or encrypted attributes).
    pub fn encode(&self) -> Option<Encode> {
        self.codecs
            .clone()
            .map(|codecs| (codecs, self.passthrough.clone()))
    }
}

#[pymethods]
impl Snapshot {
    /// The item's size in bytes by DynamoDB's rules (the 400 KB limit applies to this number).
    fn size(&self) -> PyResult<usize> {
        Ok(item_size(self.item()?))
    }

    /// Whether compressed or encrypted attributes are encoded when the item is sent (the operation
    /// then checks the size of the encoded item).
    #[getter]
    fn encoded_later(&self) -> bool {
        self.needs_encoding()
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

/// An item to write: the Snapshot a model dumped (with what it needs encoded), or a plain dict.
pub fn item_to_write(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<(Item, Option<Encode>)> {
    match obj.cast::<Snapshot>() {
        Ok(snapshot) => {
            let s = snapshot.get();
            Ok((s.item()?.clone(), s.encode()))
        }
        Err(_) => Ok((crate::convert::py_to_item(obj, what)?, None)),
    }
}
