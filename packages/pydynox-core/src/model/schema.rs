//! `ModelSchema`: one per model class, compiled from its attributes when the class is defined.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use parking_lot::RwLock;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PyMemoryView, PySet,
    PyString, PyTuple, PyType,
};
use pyo3::{ffi, intern};

use super::snapshot::Snapshot;
use crate::codec::{EncryptedValue, ItemCodecs, Sealed};
use crate::convert::swar;
use crate::convert::wire::{items_to_dicts, GcPause, ItemReader, PageCache, PageItems, Tag};
use crate::convert::{av_to_py, decimal_type, py_to_item, py_to_value, type_name, Item};

/// What DynamoDB type an attribute holds; plain kinds load and dump without a Python call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Any,
    Str,
    Number,
    Int,
    Float,
    Bool,
    Binary,
    StringSet,
    NumberSet,
    BinarySet,
    List,
    Map,
}

impl Kind {
    fn parse(s: &str) -> PyResult<Self> {
        Ok(match s {
            "any" => Kind::Any,
            "S" => Kind::Str,
            "N" => Kind::Number,
            "int" => Kind::Int,
            "float" => Kind::Float,
            "BOOL" => Kind::Bool,
            "B" => Kind::Binary,
            "SS" => Kind::StringSet,
            "NS" => Kind::NumberSet,
            "BS" => Kind::BinarySet,
            "L" => Kind::List,
            "M" => Kind::Map,
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown attribute kind {other:?}"
                )))
            }
        })
    }

    /// What a value of this kind must be, for error messages.
    fn expects(self) -> &'static str {
        match self {
            Kind::Any => "any value",
            Kind::Str => "a str",
            Kind::Number | Kind::Float => "a number (int, float or Decimal)",
            Kind::Int => "an int",
            Kind::Bool => "a bool",
            Kind::Binary => "bytes",
            Kind::StringSet => "a set of str",
            Kind::NumberSet => "a set of numbers",
            Kind::BinarySet => "a set of bytes",
            Kind::List => "a list",
            Kind::Map => "a dict",
        }
    }

    fn accepts(self, v: &Bound<'_, PyAny>) -> PyResult<bool> {
        let is_set = || v.cast::<PySet>().is_ok() || v.cast::<PyFrozenSet>().is_ok();
        Ok(match self {
            Kind::Any => true,
            Kind::Str => v.cast::<PyString>().is_ok(),
            Kind::Int => v.cast::<PyInt>().is_ok() && v.cast::<PyBool>().is_err(),
            Kind::Number | Kind::Float => {
                v.cast::<PyBool>().is_err()
                    && (v.cast::<PyInt>().is_ok()
                        || v.cast::<PyFloat>().is_ok()
                        || v.is_instance(decimal_type(v.py())?)?)
            }
            Kind::Bool => v.cast::<PyBool>().is_ok(),
            Kind::Binary => {
                v.cast::<PyBytes>().is_ok()
                    || v.cast::<PyByteArray>().is_ok()
                    || v.cast::<PyMemoryView>().is_ok()
            }
            Kind::StringSet | Kind::NumberSet | Kind::BinarySet => is_set(),
            Kind::List => v.cast::<PyList>().is_ok() || v.cast::<PyTuple>().is_ok(),
            Kind::Map => v.cast::<PyDict>().is_ok(),
        })
    }

    /// Whether a stored value fits this kind (sets must be of the right member type).
    fn holds(self, tag: Tag) -> bool {
        matches!(
            (self, tag),
            (Kind::Any, _)
                | (Kind::Str, Tag::S)
                | (Kind::Number | Kind::Int | Kind::Float, Tag::N)
                | (Kind::Bool, Tag::Bool)
                | (Kind::Binary, Tag::B)
                | (Kind::StringSet, Tag::Ss)
                | (Kind::NumberSet, Tag::Ns)
                | (Kind::BinarySet, Tag::Bs)
                | (Kind::List, Tag::L)
                | (Kind::Map, Tag::M)
        )
    }
}

fn short_repr(v: &Bound<'_, PyAny>) -> String {
    let r = v.repr().map(|r| r.to_string()).unwrap_or_default();
    if r.chars().count() > 60 {
        format!("{}...", r.chars().take(57).collect::<String>())
    } else {
        r
    }
}

struct Field {
    db_name: Py<PyString>,
    db_name_str: String,
    py_name: Py<PyString>,
    /// `User.age`, for messages.
    label: String,
    /// `NumberAttribute`, for messages.
    attr_type: String,
    kind: Kind,
    /// Called with the plain value after loading (Enum, datetime, JSON, typed maps...).
    load: Option<Py<PyAny>>,
    /// Called with the attribute's value before storing it.
    dump: Option<Py<PyAny>>,
    /// Called (no arguments) for a value when the stored item lacks the attribute.
    default: Option<Py<PyAny>>,
    /// Index of the attribute's codec (compressed or encrypted) in the schema's `ItemCodecs`.
    codec: Option<usize>,
    encrypted: bool,
    write_only: bool,
}

impl Field {
    /// Refuses a stored value of the wrong DynamoDB type.
    fn check(&self, tag: Tag) -> PyResult<()> {
        if self.kind.holds(tag) {
            return Ok(());
        }
        Err(PyValueError::new_err(format!(
            "{}: the stored value is of DynamoDB type {}, but {} holds {}",
            self.label,
            tag.letter(),
            self.attr_type,
            self.kind.expects()
        )))
    }

    /// A loaded value of the right type, given to the attribute's `load` callback.
    fn finish<'py>(&self, value: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        if self.kind == Kind::Int && value.cast::<PyInt>().is_err() {
            return Err(PyValueError::new_err(format!(
                "{}: the stored number {} is not a whole number, but {} holds ints",
                self.label,
                value.str()?,
                self.attr_type
            )));
        }
        match &self.load {
            Some(load) => load.bind(value.py()).call1((value,)),
            None => Ok(value),
        }
    }

    fn load<'py>(&self, py: Python<'py>, av: &AttributeValue) -> PyResult<Bound<'py, PyAny>> {
        self.check(Tag::of_av(av))?;
        let value = match (self.kind, av) {
            (Kind::Float, AttributeValue::N(n)) => {
                let f: f64 = n.parse().map_err(|_| {
                    PyValueError::new_err(format!("{}: cannot read number {n:?}", self.label))
                })?;
                PyFloat::new(py, f).into_any()
            }
            _ => av_to_py(py, av)?,
        };
        self.finish(value)
    }

    /// A stored value as the attribute holds it: an encrypted attribute whose value this model does
    /// not decrypt (`WriteOnly`, or any in a stream image) keeps its ciphertext as an
    /// `EncryptedValue`, written back as it is (listed in `passthrough`).
    fn load_coded<'py>(
        &self,
        py: Python<'py>,
        av: &AttributeValue,
        stream: bool,
        passthrough: &mut Vec<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match av {
            AttributeValue::B(stored) if self.encrypted && (self.write_only || stream) => {
                passthrough.push(self.db_name_str.clone());
                let value = EncryptedValue {
                    stored: stored.as_ref().to_vec(),
                };
                Ok(Bound::new(py, value)?.into_any())
            }
            _ => self.load(py, av),
        }
    }

    /// The stored form of a value, checked against the attribute's kind. An encrypted attribute may
    /// hold a ciphertext as loaded (`EncryptedValue`): its stored bytes, kept as they are.
    fn to_av(&self, v: &Bound<'_, PyAny>) -> PyResult<AttributeValue> {
        if let Ok(enc) = v.cast::<EncryptedValue>() {
            if !self.encrypted {
                return Err(PyTypeError::new_err(format!(
                    "{}: an EncryptedValue belongs in an encrypted attribute, not in {}",
                    self.label, self.attr_type
                )));
            }
            return Ok(AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(
                enc.get().stored.clone(),
            )));
        }
        if !self.kind.accepts(v)? {
            return Err(PyTypeError::new_err(format!(
                "{}: {} expects {}, got {} {}",
                self.label,
                self.attr_type,
                self.kind.expects(),
                type_name(v),
                short_repr(v)
            )));
        }
        let av = py_to_value(v, &self.label)?;
        if !self.kind.holds(Tag::of_av(&av)) {
            return Err(PyTypeError::new_err(format!(
                "{}: {} expects {}, got a set of {}",
                self.label,
                self.attr_type,
                self.kind.expects(),
                match av {
                    AttributeValue::Ss(_) => "str",
                    AttributeValue::Ns(_) => "numbers",
                    _ => "bytes",
                }
            )));
        }
        Ok(av)
    }
}

static OBJECT_NEW: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `object.__setattr__`: bypasses a model's own `__setattr__` (pydantic validates there).
fn set_raw(
    obj: &Bound<'_, PyAny>,
    name: &Bound<'_, PyString>,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    // SAFETY: all three are valid, live objects for the duration of the call; the function only
    // borrows them, and a -1 return sets the Python error that PyErr::fetch takes.
    let rc = unsafe { ffi::PyObject_GenericSetAttr(obj.as_ptr(), name.as_ptr(), value.as_ptr()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(PyErr::fetch(obj.py()))
    }
}

#[pyclass(module = "pydynox._core", frozen)]
pub struct ModelSchema {
    cls: Py<PyType>,
    fields: Arc<Vec<Field>>,
    by_db_name: Arc<HashMap<String, usize>>,
    /// False for projected reads: an attribute that was not asked for must stay None, or a later
    /// save would overwrite the stored value with the default.
    apply_defaults: bool,
    /// Pydantic models keep their bookkeeping in slots that must be filled on load.
    pydantic: bool,
    /// Defaults of pydantic private attributes, copied into each loaded instance.
    private_defaults: Option<Py<PyDict>>,
    discriminator: Option<String>,
    /// Models that are not strict expose attributes they do not declare as instance attributes,
    /// except names the class already uses (methods, properties) or private-looking ones.
    keep_undeclared: bool,
    reserved: Arc<HashSet<String>>,
    /// Discriminator value → schema of the subclass it names (every descendant of this class).
    subclasses: Arc<RwLock<HashMap<String, Py<ModelSchema>>>>,
    /// The compressed and encrypted attributes, shared with the snapshots and sealed values that
    /// operations encode.
    pub codecs: Option<Arc<ItemCodecs>>,
    /// Every field's Python name mapped to None, in field order: a loaded instance's `__dict__`
    /// starts as a copy of it, sized once, instead of growing one insertion at a time. Never
    /// handed out or changed.
    dict_template: Py<PyDict>,
}

type FieldSpec = (
    String,
    String,
    String,
    String,
    Option<Py<PyAny>>,
    Option<Py<PyAny>>,
    Option<Py<PyAny>>,
);

#[pymethods]
impl ModelSchema {
    /// `fields`: `(db_name, py_name, kind, attr_type, load, dump, default_factory)` per attribute.
    #[new]
    ///
    /// `codecs`: `(db_name, spec)` for the compressed and encrypted attributes (see
    /// `ItemCodecs::from_py`); `key_names`: the table's key attributes; `max_size`: the item size
    /// limit checked once those attributes are encoded.
    #[pyo3(signature = (
        cls, fields, discriminator=None, pydantic=false, private_defaults=None, keep_undeclared=false,
        reserved=None, codecs=None, key_names=None, max_size=400 * 1024,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        cls: Bound<'_, PyType>,
        fields: Vec<FieldSpec>,
        discriminator: Option<String>,
        pydantic: bool,
        private_defaults: Option<Py<PyDict>>,
        keep_undeclared: bool,
        reserved: Option<HashSet<String>>,
        codecs: Option<Vec<(String, Bound<'_, PyTuple>)>>,
        key_names: Option<Vec<String>>,
        max_size: usize,
    ) -> PyResult<Self> {
        let model = cls.qualname()?.to_string();
        let labels: HashMap<&String, String> = fields
            .iter()
            .map(|(db, name, ..)| (db, format!("{model}.{name}")))
            .collect();
        let codecs = match codecs.filter(|c| !c.is_empty()) {
            Some(specs) => {
                let specs = specs
                    .into_iter()
                    .map(|(db, spec)| {
                        let label = labels.get(&db).cloned().ok_or_else(|| {
                            PyValueError::new_err(format!(
                                "{model}: no attribute is stored as {db:?}"
                            ))
                        })?;
                        Ok((db, label, spec))
                    })
                    .collect::<PyResult<Vec<_>>>()?;
                Some(Arc::new(ItemCodecs::from_py(
                    specs,
                    key_names.unwrap_or_default(),
                    max_size,
                )?))
            }
            None => None,
        };
        let mut by_db_name = HashMap::with_capacity(fields.len());
        let mut compiled = Vec::with_capacity(fields.len());
        for (i, (db, name, kind, attr_type, load, dump, default)) in fields.into_iter().enumerate()
        {
            if by_db_name.insert(db.clone(), i).is_some() {
                return Err(PyValueError::new_err(format!(
                    "{model}: two attributes are stored under the name {db:?}"
                )));
            }
            let codec = codecs.as_ref().and_then(|c| c.index(&db));
            let (encrypted, write_only) = match (&codecs, codec) {
                (Some(c), Some(i)) => (c.fields[i].encrypted(), c.fields[i].write_only()),
                _ => (false, false),
            };
            compiled.push(Field {
                codec,
                encrypted,
                write_only,
                db_name: PyString::intern(py, &db).unbind(),
                py_name: PyString::intern(py, &name).unbind(),
                label: format!("{model}.{name}"),
                attr_type,
                kind: Kind::parse(&kind)?,
                load: load.filter(|f| !f.is_none(py)),
                dump: dump.filter(|f| !f.is_none(py)),
                default: default.filter(|f| !f.is_none(py)),
                db_name_str: db,
            });
        }
        let dict_template = PyDict::new(py);
        for f in &compiled {
            dict_template.set_item(f.py_name.bind(py), py.None())?;
        }
        Ok(ModelSchema {
            cls: cls.unbind(),
            dict_template: dict_template.unbind(),
            fields: Arc::new(compiled),
            by_db_name: Arc::new(by_db_name),
            apply_defaults: true,
            pydantic,
            private_defaults,
            discriminator,
            keep_undeclared,
            reserved: Arc::new(reserved.unwrap_or_default()),
            subclasses: Arc::new(RwLock::new(HashMap::new())),
            codecs,
        })
    }

    /// Whether items of the model (or of its subclasses) hold compressed or encrypted attributes
    /// that reads decode.
    #[getter]
    fn has_codecs(&self) -> bool {
        self.decoder().is_some()
    }

    /// A value for an update of a compressed or encrypted attribute: encoded inside the operation.
    fn seal(&self, db_name: &str, value: &Bound<'_, PyAny>) -> PyResult<Sealed> {
        let (codecs, f) = match (&self.codecs, self.by_db_name.get(db_name)) {
            (Some(c), Some(&i)) if self.fields[i].codec.is_some() => (c, &self.fields[i]),
            _ => {
                return Err(PyValueError::new_err(format!(
                    "{db_name:?} is not a compressed or encrypted attribute"
                )))
            }
        };
        let stored = value.cast::<EncryptedValue>().is_ok();
        let value = match &f.dump {
            Some(dump) if !stored => dump.bind(value.py()).call1((value,))?,
            _ => value.clone(),
        };
        Ok(Sealed {
            codecs: codecs.clone(),
            field: f.codec.unwrap_or(0),
            value: f.to_av(&value)?,
            stored,
        })
    }

    /// The same schema for projected reads: attributes missing from the item stay None.
    fn projected(&self, py: Python<'_>) -> Self {
        ModelSchema {
            cls: self.cls.clone_ref(py),
            fields: Arc::clone(&self.fields),
            by_db_name: Arc::clone(&self.by_db_name),
            apply_defaults: false,
            pydantic: self.pydantic,
            private_defaults: self.private_defaults.as_ref().map(|d| d.clone_ref(py)),
            discriminator: self.discriminator.clone(),
            keep_undeclared: self.keep_undeclared,
            reserved: Arc::clone(&self.reserved),
            subclasses: Arc::clone(&self.subclasses),
            codecs: self.codecs.clone(),
            dict_template: self.dict_template.clone_ref(py),
        }
    }

    /// Items whose discriminator holds `value` load as the class of `schema`.
    fn register(&self, value: String, schema: Py<ModelSchema>) {
        self.subclasses.write().insert(value, schema);
    }

    /// An instance from a plain item (`{"pk": "A", "age": 3}`), as if DynamoDB had returned it.
    fn load<'py>(&self, py: Python<'py>, item: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        self.hydrate(py, py_to_item(item, "item")?)
    }

    /// The instance's item, checked attribute by attribute. With `base` (what was loaded or last
    /// saved), also what changed: `(snapshot, {db_name: value} changed, [db_name] removed)`;
    /// attributes of `base` that the model does not declare are carried over untouched.
    ///
    /// `extra` holds attributes the model does not declare (kept by models that are not strict).
    #[pyo3(signature = (instance, base=None, extra=None))]
    fn dump<'py>(
        &self,
        py: Python<'py>,
        instance: &Bound<'py, PyAny>,
        base: Option<PyRef<'py, Snapshot>>,
        extra: Option<Bound<'py, PyDict>>,
    ) -> PyResult<(Snapshot, Bound<'py, PyDict>, Bound<'py, PyList>)> {
        let values = instance
            .getattr(intern!(py, "__dict__"))?
            .cast_into::<PyDict>()
            .map_err(|_| PyTypeError::new_err("a model instance must have a __dict__"))?;
        let base = match &base {
            Some(b) => Some(b.item()?),
            None => None,
        };
        let mut item: Item = match base {
            Some(b) => b
                .iter()
                .filter(|(k, _)| !self.by_db_name.contains_key(*k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            None => Item::with_capacity(self.fields.len()),
        };
        let changed = PyDict::new(py);
        let removed = PyList::empty(py);
        let mut passthrough = Vec::new();
        for f in self.fields.iter() {
            let mut value = values.get_item(f.py_name.bind(py))?;
            if let (Some(v), Some(dump)) = (&value, &f.dump) {
                if !v.is_none() && v.cast::<EncryptedValue>().is_err() {
                    value = Some(dump.bind(py).call1((v,))?);
                }
            }
            let Some(value) = value.filter(|v| !v.is_none()) else {
                match base.and_then(|b| b.get(&f.db_name_str)) {
                    // A stored NULL loads as None: saving None again keeps it as it is stored.
                    Some(old @ AttributeValue::Null(_)) => {
                        item.insert(f.db_name_str.clone(), old.clone());
                    }
                    Some(_) => removed.append(f.db_name.bind(py))?,
                    None => {}
                }
                continue;
            };
            let av = f.to_av(&value)?;
            let stored = value.cast::<EncryptedValue>().is_ok();
            let unchanged = base.is_some_and(|b| {
                b.get(&f.db_name_str)
                    .is_some_and(|old| same_value(old, &av))
            });
            if !unchanged {
                match (&self.codecs, f.codec) {
                    (Some(codecs), Some(i)) => changed.set_item(
                        f.db_name.bind(py),
                        Sealed {
                            codecs: codecs.clone(),
                            field: i,
                            value: av.clone(),
                            stored,
                        },
                    )?,
                    _ => changed.set_item(f.db_name.bind(py), &value)?,
                }
            }
            if stored {
                passthrough.push(f.db_name_str.clone());
            }
            item.insert(f.db_name_str.clone(), av);
        }
        if let Some(extra) = extra {
            for (name, value) in extra.iter() {
                let name: String = name.extract()?;
                if self.by_db_name.contains_key(&name) {
                    continue;
                }
                if value.is_none() {
                    // None removes the attribute, unless it is stored as NULL (which loads as None).
                    if !matches!(item.get(&name), Some(AttributeValue::Null(_)) | None) {
                        item.remove(&name);
                        removed.append(&name)?;
                    }
                    continue;
                }
                let av = py_to_value(&value, &name)?;
                if !base
                    .and_then(|b| b.get(&name))
                    .is_some_and(|old| same_value(old, &av))
                {
                    changed.set_item(&name, &value)?;
                }
                item.insert(name, av);
            }
        }
        let snapshot = Snapshot::from_item(item).coded(self.codecs.clone(), passthrough);
        Ok((snapshot, changed, removed))
    }

    /// One value in its stored form, checked: used for keys, conditions and updates.
    fn dump_value<'py>(
        &self,
        py: Python<'py>,
        db_name: &str,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Some(&i) = self.by_db_name.get(db_name) else {
            return Ok(value.clone());
        };
        let f = &self.fields[i];
        if f.codec.is_some() {
            return Err(PyTypeError::new_err(format!(
                "{}: a compressed or encrypted attribute's stored value differs from its value, so it \
                 cannot be compared or used in a key; only set(), remove(), exists() and not_exists() apply",
                f.label
            )));
        }
        let value = match &f.dump {
            Some(dump) if !value.is_none() => dump.bind(py).call1((value,))?,
            _ => value.clone(),
        };
        f.to_av(&value)?;
        Ok(value)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let name = self
            .cls
            .bind(py)
            .qualname()
            .map(|n| n.to_string())
            .unwrap_or_default();
        format!("ModelSchema({name}, {} attributes)", self.fields.len())
    }
}

/// An item's values by field, filled by either reader, then made into an instance.
struct Loaded<'py> {
    slots: Vec<Option<Bound<'py, PyAny>>>,
    /// Attributes the model does not declare (kept by models that are not strict).
    extra: Vec<(Bound<'py, PyString>, Bound<'py, PyAny>)>,
}

impl ModelSchema {
    /// The schema that loads an item whose discriminator holds `value`.
    fn for_discriminator(&self, py: Python<'_>, value: Option<&str>) -> Option<Py<ModelSchema>> {
        self.subclasses.read().get(value?).map(|s| s.clone_ref(py))
    }

    fn keeps(&self, name: &str) -> bool {
        self.keep_undeclared && !name.starts_with('_') && !self.reserved.contains(name)
    }

    /// Builds an instance from an item whose compressed and encrypted attributes were decoded (or
    /// that never had any); the item becomes the instance's snapshot.
    pub fn hydrate<'py>(&self, py: Python<'py>, item: Item) -> PyResult<Bound<'py, PyAny>> {
        self.hydrate_item(py, item, false)
    }

    /// Builds an instance from an item as stored, read without any I/O (a stream image): compressed
    /// attributes are decompressed, encrypted ones load as `EncryptedValue`.
    pub fn hydrate_stored<'py>(&self, py: Python<'py>, item: Item) -> PyResult<Bound<'py, PyAny>> {
        self.hydrate_item(py, item, true)
    }

    /// `stream`: the item is as stored; encrypted attributes keep their stored form (not only the
    /// `WriteOnly` ones).
    fn hydrate_item<'py>(
        &self,
        py: Python<'py>,
        mut item: Item,
        stream: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let discriminator = self.discriminator.as_ref().and_then(|d| match item.get(d) {
            Some(AttributeValue::S(v)) => Some(v.as_str()),
            _ => None,
        });
        let sub = self.for_discriminator(py, discriminator);
        let schema = sub.as_ref().map_or(self, |s| s.get());
        if stream {
            if let Some(codecs) = &schema.codecs {
                crate::codec::decode_item_offline(codecs, &mut item).map_err(|e| e.to_pyerr(py))?;
            }
        }
        let mut loaded = Loaded {
            slots: Vec::with_capacity(schema.fields.len()),
            extra: Vec::new(),
        };
        let mut passthrough = Vec::new();
        for f in schema.fields.iter() {
            let slot = match item.get(&f.db_name_str) {
                None | Some(AttributeValue::Null(_)) => None,
                Some(av) => Some(f.load_coded(py, av, stream, &mut passthrough)?),
            };
            loaded.slots.push(slot);
        }
        if schema.keep_undeclared && item.len() > schema.fields.len() {
            for (name, av) in &item {
                if !schema.by_db_name.contains_key(name) && schema.keeps(name) {
                    loaded
                        .extra
                        .push((PyString::new(py, name), av_to_py(py, av)?));
                }
            }
        }
        let obj = schema.assemble(py, loaded, self.apply_defaults)?;
        let snapshot = Snapshot::from_item(item).coded(schema.codecs.clone(), passthrough);
        schema.finish(py, obj, snapshot)
    }

    /// Builds an instance from an item of a response page, read straight from its bytes, which
    /// become the instance's snapshot (read again only if the instance is saved). `decoded`: the
    /// item's compressed and encrypted attributes, decoded; they replace what the bytes hold.
    fn hydrate_wire<'py, 'a>(
        &self,
        py: Python<'py>,
        item: &mut ItemReader<'_, 'a>,
        decoded: Option<&Item>,
        names: &mut PageCache<'a>,
        order: &mut Vec<Option<usize>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let sub = match &self.discriminator {
            Some(d) => self.for_discriminator(py, item.peek_string(d).as_deref()),
            None => None,
        };
        let schema = sub.as_ref().map_or(self, |s| s.get());
        let fields = &schema.fields;
        let mut loaded = Loaded {
            slots: vec![None; fields.len()],
            extra: Vec::new(),
        };
        let mut passthrough = Vec::new();
        // Items of a page list their attributes in the same order: remember which field the k-th
        // attribute was, and check that before hashing the name.
        let mut k = 0;
        item.attributes(|name, value| {
            let guess = order.get(k).copied().flatten();
            let found = match guess {
                // (Subclasses of a discriminator hierarchy have other fields: check the bounds.)
                Some(i)
                    if fields.get(i).is_some_and(|f| {
                        swar::same_bytes(f.db_name_str.as_bytes(), name.as_bytes())
                    }) =>
                {
                    Some(i)
                }
                _ => {
                    let found = schema.by_db_name.get(name.as_ref()).copied();
                    if k < order.len() {
                        order[k] = found;
                    } else {
                        order.push(found);
                    }
                    found
                }
            };
            k += 1;
            match found {
                // A stored form that is not the value: the decoded value stands in for the bytes
                // (the bytes themselves when the page was not decoded, which the load refuses).
                Some(i) if fields[i].codec.is_some() => {
                    let f = &fields[i];
                    let read;
                    let av = match decoded.and_then(|d| d.get(&f.db_name_str)) {
                        Some(av) => av,
                        None => {
                            read = value.av()?;
                            &read
                        }
                    };
                    if !matches!(av, AttributeValue::Null(_)) {
                        loaded.slots[i] = Some(f.load_coded(py, av, false, &mut passthrough)?);
                    }
                }
                Some(i) => {
                    let f = &fields[i];
                    let (tag, v) = value.read(py, names, f.kind == Kind::Float)?;
                    if tag != Tag::Null {
                        f.check(tag)?;
                        loaded.slots[i] = Some(f.finish(v)?);
                    }
                }
                None if schema.keeps(&name) => {
                    let v = value.read(py, names, false)?.1;
                    loaded.extra.push((names.get(py, &name), v));
                }
                None => {}
            }
            Ok(())
        })?;
        let obj = schema.assemble(py, loaded, self.apply_defaults)?;
        let snapshot =
            Snapshot::from_wire(item.bytes(), decoded).coded(schema.codecs.clone(), passthrough);
        schema.finish(py, obj, snapshot)
    }

    /// A new instance (no `__init__`) holding the loaded values; attributes the item lacked get
    /// their default (or None for projected reads).
    fn assemble<'py>(
        &self,
        py: Python<'py>,
        loaded: Loaded<'py>,
        defaults: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let object_new = OBJECT_NEW.get_or_try_init(py, || {
            py.import("builtins")?
                .getattr("object")?
                .getattr("__new__")
                .map(Bound::unbind)
        })?;
        let obj = object_new.bind(py).call1((self.cls.bind(py),))?;
        let values = self.dict_template.bind(py).copy()?;
        let fields_set = if self.pydantic {
            Some(PySet::empty(py)?)
        } else {
            None
        };
        for (f, slot) in self.fields.iter().zip(loaded.slots) {
            let value = match slot {
                Some(v) => {
                    if let Some(set) = &fields_set {
                        set.add(f.py_name.bind(py))?;
                    }
                    v
                }
                None => match &f.default {
                    Some(factory) if defaults => factory.bind(py).call0()?,
                    _ => continue, // the template's None
                },
            };
            values.set_item(f.py_name.bind(py), value)?;
        }
        for (name, value) in loaded.extra {
            values.set_item(name, value)?;
        }
        set_raw(&obj, intern!(py, "__dict__"), values.as_any())?;
        if let Some(fields_set) = fields_set {
            set_raw(
                &obj,
                intern!(py, "__pydantic_fields_set__"),
                fields_set.as_any(),
            )?;
        }
        Ok(obj)
    }

    fn finish<'py>(
        &self,
        py: Python<'py>,
        obj: Bound<'py, PyAny>,
        snapshot: Snapshot,
    ) -> PyResult<Bound<'py, PyAny>> {
        let snapshot = snapshot.into_untracked_py(py)?;
        if !self.pydantic {
            set_raw(&obj, intern!(py, "_pydynox_snapshot"), snapshot.as_any())?;
            return Ok(obj);
        }
        let private = match &self.private_defaults {
            Some(d) => d.bind(py).copy()?,
            None => PyDict::new(py),
        };
        private.set_item(intern!(py, "_pydynox_snapshot"), snapshot)?;
        set_raw(
            &obj,
            intern!(py, "__pydantic_extra__"),
            &py.None().into_bound(py),
        )?;
        set_raw(&obj, intern!(py, "__pydantic_private__"), private.as_any())?;
        Ok(obj)
    }
}

/// What decodes the items a read of a model returns: the model's own codecs, or those of the
/// subclass an item's discriminator names. Holds no Python state that needs the GIL.
pub struct Decoder {
    own: Option<Arc<ItemCodecs>>,
    discriminator: Option<String>,
    subclasses: Arc<RwLock<HashMap<String, Py<ModelSchema>>>>,
}

impl Decoder {
    /// The attribute whose value names an item's class, if the model has one.
    pub fn discriminator(&self) -> Option<&str> {
        self.discriminator.as_deref()
    }

    /// The codecs of an item whose discriminator holds `value`.
    pub fn codecs_for(&self, value: Option<&str>) -> Option<Arc<ItemCodecs>> {
        // A registered subclass decides, even when it has no codecs; an unknown value loads as
        // this model.
        let subclass = value.and_then(|v| {
            self.subclasses
                .read()
                .get(v)
                .map(|s| s.get().codecs.clone())
        });
        subclass.unwrap_or_else(|| self.own.clone())
    }
}

impl crate::codec::CodecsOf for Decoder {
    fn codecs_of(&self, item: &Item) -> Option<Arc<ItemCodecs>> {
        let value = match self.discriminator.as_ref().and_then(|d| item.get(d)) {
            Some(AttributeValue::S(value)) => Some(value.as_str()),
            _ => None,
        };
        self.codecs_for(value)
    }
}

impl ModelSchema {
    /// None when neither this model nor any of its subclasses has compressed or encrypted
    /// attributes: reads then skip decoding altogether.
    pub fn decoder(&self) -> Option<Decoder> {
        let any_sub = self.discriminator.is_some()
            && self
                .subclasses
                .read()
                .values()
                .any(|s| s.get().codecs.is_some());
        (self.codecs.is_some() || any_sub).then(|| Decoder {
            own: self.codecs.clone(),
            discriminator: self.discriminator.clone(),
            subclasses: Arc::clone(&self.subclasses),
        })
    }
}

/// Items out of an operation: model instances when a schema is given, plain dicts otherwise.
pub fn item_out<'py>(
    py: Python<'py>,
    item: Item,
    model: Option<&Py<ModelSchema>>,
) -> PyResult<Bound<'py, PyAny>> {
    match model {
        Some(schema) => schema.get().hydrate(py, item),
        None => Ok(crate::convert::item_to_py(py, &item)?.into_any()),
    }
}

/// The items of one or more pages, in order.
pub fn items_out<'py>(
    py: Python<'py>,
    pages: impl IntoIterator<Item = PageItems>,
    model: Option<&Py<ModelSchema>>,
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    let _paused = GcPause::new(py);
    for page in pages {
        match page {
            PageItems::Sdk(items) => {
                for item in items {
                    list.append(item_out(py, item, model)?)?;
                }
            }
            PageItems::Wire(wire) => match model {
                Some(schema) => {
                    let mut names = PageCache::new();
                    let mut order = Vec::new();
                    let mut index = 0;
                    wire.each_item(|item| {
                        let decoded = wire.decoded(index);
                        index += 1;
                        list.append(
                            schema
                                .get()
                                .hydrate_wire(py, item, decoded, &mut names, &mut order)?,
                        )?;
                        Ok(())
                    })?;
                }
                None => items_to_dicts(py, &wire, &list)?,
            },
        }
    }
    Ok(list)
}

/// Whether two stored values are the same value: sets compare as sets (a Python set iterates in
/// hash order, the loaded item in the server's order), maps and lists element by element.
pub fn same_value(a: &AttributeValue, b: &AttributeValue) -> bool {
    fn same_set<T: PartialEq>(x: &[T], y: &[T]) -> bool {
        // Set members are unique, so equal lengths and inclusion one way make the sets equal.
        x.len() == y.len() && x.iter().all(|v| y.contains(v))
    }
    match (a, b) {
        (AttributeValue::Ss(x), AttributeValue::Ss(y)) => same_set(x, y),
        (AttributeValue::Ns(x), AttributeValue::Ns(y)) => same_set(x, y),
        (AttributeValue::Bs(x), AttributeValue::Bs(y)) => same_set(x, y),
        (AttributeValue::M(x), AttributeValue::M(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        (AttributeValue::L(x), AttributeValue::L(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_value(v, w))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod same_value_tests {
    use super::same_value;
    use aws_sdk_dynamodb::primitives::Blob;
    use aws_sdk_dynamodb::types::AttributeValue as Av;

    #[test]
    fn sets_compare_without_order() {
        let a = Av::Bs(vec![Blob::new(vec![0]), Blob::new(vec![255])]);
        let b = Av::Bs(vec![Blob::new(vec![255]), Blob::new(vec![0])]);
        assert!(same_value(&a, &b));
        let nested = |v: Av| Av::M([("s".to_owned(), Av::L(vec![v]))].into_iter().collect());
        assert!(same_value(&nested(a.clone()), &nested(b)));
        assert!(!same_value(&a, &Av::Bs(vec![Blob::new(vec![0])])));
        assert!(!same_value(
            &Av::Ss(vec!["a".into()]),
            &Av::Ss(vec!["b".into()])
        ));
    }
}
