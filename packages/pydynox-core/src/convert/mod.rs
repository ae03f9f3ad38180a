//! Python values ⇄ DynamoDB `AttributeValue`s (DESIGN §5). Nothing is lost on either side:
//! ints and Decimals keep every digit, Python sets become SS/NS/BS, and anything DynamoDB cannot hold is
//! refused with an error that names the attribute path, never coerced.

pub mod json;
pub mod number;
mod skim;
pub(crate) mod swar;
pub mod wire;

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PyMemoryView, PySet,
    PyString, PyTuple, PyType,
};

pub use json::JsonSink;
use number::NumberError;

pub type Item = HashMap<String, AttributeValue>;

/// DynamoDB allows 32 levels of nesting; deeper input (or a list that contains itself) is refused
/// before it can exhaust the stack.
const MAX_DEPTH: usize = 32;

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

pub fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

enum Segment {
    Key(String),
    Index(usize),
}

/// A conversion failure; the path is collected while unwinding, so success costs nothing.
pub struct ConvertError {
    is_type_error: bool,
    message: String,
    path: Vec<Segment>,
}

impl ConvertError {
    fn type_error(message: String) -> Self {
        ConvertError {
            is_type_error: true,
            message,
            path: Vec::new(),
        }
    }

    fn value_error(message: String) -> Self {
        ConvertError {
            is_type_error: false,
            message,
            path: Vec::new(),
        }
    }

    fn at_key(mut self, key: &str) -> Self {
        self.path.push(Segment::Key(key.to_owned()));
        self
    }

    fn at_index(mut self, index: usize) -> Self {
        self.path.push(Segment::Index(index));
        self
    }

    pub fn path(&self) -> String {
        let mut out = String::new();
        for seg in self.path.iter().rev() {
            match seg {
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// `what` names the container being converted, e.g. "item", "key", "expression_attribute_values".
    pub fn into_pyerr(self, what: &str) -> PyErr {
        let path = self.path();
        let msg = if path.is_empty() {
            format!("{what}: {}", self.message)
        } else {
            format!("{what} attribute '{path}': {}", self.message)
        };
        if self.is_type_error {
            PyTypeError::new_err(msg)
        } else {
            PyValueError::new_err(msg)
        }
    }
}

pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .qualname()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

fn number_error(err: NumberError) -> ConvertError {
    ConvertError::value_error(err.to_string())
}

/// Converts a `dict[str, Any]` into an item. `what` names it in error messages.
pub fn py_to_item(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Item> {
    let dict = as_item_dict(obj, what)?;
    let mut sink = AvSink;
    let mut map = HashMap::with_capacity(dict.len());
    dict_entries(dict, 0, &mut sink, &mut map).map_err(|e| e.into_pyerr(what))?;
    Ok(map)
}

/// Converts a `dict[str, Any]` straight into its DynamoDB JSON (`{"name": {"S": "..."}, ...}`),
/// with the same checks and errors as [`py_to_item`] and without building the SDK's values first.
pub fn py_to_item_json(obj: &Bound<'_, PyAny>, what: &str, capacity: usize) -> PyResult<Vec<u8>> {
    let dict = as_item_dict(obj, what)?;
    let mut sink = JsonSink {
        out: Vec::with_capacity(capacity),
    };
    sink.out.push(b'{');
    let mut first = true;
    dict_entries(dict, 0, &mut sink, &mut first).map_err(|e| e.into_pyerr(what))?;
    sink.out.push(b'}');
    Ok(sink.out)
}

/// Converts one value (used for expression attribute values and keys given one by one).
pub fn py_to_value(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<AttributeValue> {
    to_av(obj, 0).map_err(|e| e.into_pyerr(what))
}

pub(crate) fn to_av(obj: &Bound<'_, PyAny>, depth: usize) -> Result<AttributeValue, ConvertError> {
    convert(obj, depth, &mut AvSink)
}

fn as_item_dict<'a, 'py>(
    obj: &'a Bound<'py, PyAny>,
    what: &str,
) -> PyResult<&'a Bound<'py, PyDict>> {
    obj.cast::<PyDict>()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be a dict, not {}", type_name(obj))))
}

/// Where converted values go. One walk of the Python values (and so one set of checks and error
/// messages) feeds both outputs: the SDK's `AttributeValue`s, and DynamoDB JSON written directly,
/// for requests whose body pydynox writes itself.
pub(crate) trait Sink {
    type Value;
    /// A map being filled (the JSON writer's is whether no member was written yet).
    type Map;
    type List;
    fn string(&mut self, s: &str) -> Self::Value;
    fn number(&mut self, canonical: String) -> Self::Value;
    fn boolean(&mut self, b: bool) -> Self::Value;
    fn null(&mut self) -> Self::Value;
    fn binary(&mut self, b: &[u8]) -> Self::Value;
    fn set(&mut self, set: SetValues) -> Self::Value;
    fn map_open(&mut self, len: usize) -> Self::Map;
    /// Called before the member's value is converted (a writer has to put the name first).
    fn map_key(&mut self, map: &mut Self::Map, key: &str);
    fn map_value(&mut self, map: &mut Self::Map, key: &str, value: Self::Value);
    fn map_close(&mut self, map: Self::Map) -> Self::Value;
    fn list_open(&mut self, len: usize) -> Self::List;
    /// Called before each element is converted.
    fn list_next(&mut self, list: &mut Self::List);
    fn list_value(&mut self, list: &mut Self::List, value: Self::Value);
    fn list_close(&mut self, list: Self::List) -> Self::Value;
}

/// The members of a set, after its checks (one type, not empty, no number twice).
pub(crate) enum SetValues {
    Strings(Vec<String>),
    Numbers(Vec<String>),
    Binary(Vec<Vec<u8>>),
}

/// Builds the SDK's values.
struct AvSink;

impl Sink for AvSink {
    type Value = AttributeValue;
    type Map = Item;
    type List = Vec<AttributeValue>;

    fn string(&mut self, s: &str) -> AttributeValue {
        AttributeValue::S(s.to_owned())
    }
    fn number(&mut self, canonical: String) -> AttributeValue {
        AttributeValue::N(canonical)
    }
    fn boolean(&mut self, b: bool) -> AttributeValue {
        AttributeValue::Bool(b)
    }
    fn null(&mut self) -> AttributeValue {
        AttributeValue::Null(true)
    }
    fn binary(&mut self, b: &[u8]) -> AttributeValue {
        AttributeValue::B(Blob::new(b.to_vec()))
    }
    fn set(&mut self, set: SetValues) -> AttributeValue {
        match set {
            SetValues::Strings(s) => AttributeValue::Ss(s),
            SetValues::Numbers(n) => AttributeValue::Ns(n),
            SetValues::Binary(b) => AttributeValue::Bs(b.into_iter().map(Blob::new).collect()),
        }
    }
    fn map_open(&mut self, len: usize) -> Item {
        HashMap::with_capacity(len)
    }
    fn map_key(&mut self, _map: &mut Item, _key: &str) {}
    fn map_value(&mut self, map: &mut Item, key: &str, value: AttributeValue) {
        map.insert(key.to_owned(), value);
    }
    fn map_close(&mut self, map: Item) -> AttributeValue {
        AttributeValue::M(map)
    }
    fn list_open(&mut self, len: usize) -> Vec<AttributeValue> {
        Vec::with_capacity(len)
    }
    fn list_next(&mut self, _list: &mut Vec<AttributeValue>) {}
    fn list_value(&mut self, list: &mut Vec<AttributeValue>, value: AttributeValue) {
        list.push(value);
    }
    fn list_close(&mut self, list: Vec<AttributeValue>) -> AttributeValue {
        AttributeValue::L(list)
    }
}

fn dict_entries<S: Sink>(
    dict: &Bound<'_, PyDict>,
    depth: usize,
    sink: &mut S,
    map: &mut S::Map,
) -> Result<(), ConvertError> {
    for (k, v) in dict.iter() {
        let key = k.cast::<PyString>().map_err(|_| {
            ConvertError::type_error(format!(
                "attribute names must be str, not {} ({})",
                type_name(&k),
                k.repr().map(|r| r.to_string()).unwrap_or_default()
            ))
        })?;
        let key = key
            .to_str()
            .map_err(|e| ConvertError::value_error(e.to_string()))?;
        sink.map_key(map, key);
        let value = convert(&v, depth + 1, sink).map_err(|e| e.at_key(key))?;
        sink.map_value(map, key, value);
    }
    Ok(())
}

fn sequence<'py, S: Sink>(
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    len: usize,
    depth: usize,
    sink: &mut S,
) -> Result<S::Value, ConvertError> {
    let mut list = sink.list_open(len);
    for (i, v) in items.enumerate() {
        sink.list_next(&mut list);
        let value = convert(&v, depth + 1, sink).map_err(|e| e.at_index(i))?;
        sink.list_value(&mut list, value);
    }
    Ok(sink.list_close(list))
}

fn string<S: Sink>(s: &Bound<'_, PyString>, sink: &mut S) -> Result<S::Value, ConvertError> {
    let s = s
        .to_str()
        .map_err(|e| ConvertError::value_error(e.to_string()))?;
    Ok(sink.string(s))
}

fn map<S: Sink>(
    d: &Bound<'_, PyDict>,
    depth: usize,
    sink: &mut S,
) -> Result<S::Value, ConvertError> {
    let mut map = sink.map_open(d.len());
    dict_entries(d, depth, sink, &mut map)?;
    Ok(sink.map_close(map))
}

fn convert<S: Sink>(
    obj: &Bound<'_, PyAny>,
    depth: usize,
    sink: &mut S,
) -> Result<S::Value, ConvertError> {
    if depth > MAX_DEPTH {
        return Err(ConvertError::value_error(format!(
            "nested more than {MAX_DEPTH} levels deep (DynamoDB's limit), or a container contains itself"
        )));
    }
    // The exact built-in types first, one type-pointer comparison each: nearly every value is one.
    // Subclasses (a str Enum, an OrderedDict...) and the rarer types take the checks after.
    if let Ok(s) = obj.cast_exact::<PyString>() {
        return string(s, sink);
    }
    if let Ok(d) = obj.cast_exact::<PyDict>() {
        return map(d, depth, sink);
    }
    if let Ok(i) = obj.cast_exact::<PyInt>() {
        return Ok(sink.number(int_to_n(i)?));
    }
    if let Ok(l) = obj.cast_exact::<PyList>() {
        return sequence(l.iter(), l.len(), depth, sink);
    }
    if is_exact_decimal(obj)? {
        return Ok(sink.number(decimal_to_n(obj)?));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return string(s, sink);
    }
    // bool before int: bool is an int subclass in Python.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(sink.boolean(b.is_true()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        return Ok(sink.number(int_to_n(i)?));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return map(d, depth, sink);
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return sequence(l.iter(), l.len(), depth, sink);
    }
    if obj.is_none() {
        return Ok(sink.null());
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(sink.number(float_to_n(f.value())?));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(sink.binary(b.as_bytes()));
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return sequence(t.iter(), t.len(), depth, sink);
    }
    if obj.cast::<PySet>().is_ok() || obj.cast::<PyFrozenSet>().is_ok() {
        return Ok(sink.set(set_values(obj)?));
    }
    let py = obj.py();
    if is_decimal(obj)? {
        return Ok(sink.number(decimal_to_n(obj)?));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(sink.binary(&b.to_vec()));
    }
    if obj.cast::<PyMemoryView>().is_ok() {
        let bytes: Vec<u8> = obj
            .call_method0(pyo3::intern!(py, "tobytes"))
            .and_then(|b| b.extract())
            .map_err(|e| ConvertError::value_error(e.to_string()))?;
        return Ok(sink.binary(&bytes));
    }
    Err(ConvertError::type_error(format!(
        "cannot store a value of type '{}' in DynamoDB (supported: str, int, float, Decimal, bool, None, \
         bytes, list, tuple, dict, set)",
        type_name(obj)
    )))
}

fn decimal_for<'py>(obj: &Bound<'py, PyAny>) -> Result<&'py Bound<'py, PyType>, ConvertError> {
    decimal_type(obj.py()).map_err(|e| ConvertError::value_error(e.to_string()))
}

fn is_exact_decimal(obj: &Bound<'_, PyAny>) -> Result<bool, ConvertError> {
    Ok(obj.get_type_ptr() == decimal_for(obj)?.as_type_ptr())
}

pub(crate) fn is_decimal(obj: &Bound<'_, PyAny>) -> Result<bool, ConvertError> {
    let dec = decimal_for(obj)?;
    obj.is_instance(dec)
        .map_err(|e| ConvertError::value_error(e.to_string()))
}

/// DynamoDB's range tops out near 10^126, i.e. about 419 bits; anything wider cannot be stored and
/// is refused before `str()` (which Python limits to 4300 digits) is asked to print it.
const MAX_INT_BITS: u64 = 420;

fn int_to_n(i: &Bound<'_, PyInt>) -> Result<String, ConvertError> {
    if let Ok(v) = i.extract::<i64>() {
        return Ok(itoa::Buffer::new().format(v).to_owned());
    }
    let bits: u64 = i
        .call_method0(pyo3::intern!(i.py(), "bit_length"))
        .and_then(|b| b.extract())
        .map_err(|e| ConvertError::value_error(e.to_string()))?;
    if bits > MAX_INT_BITS {
        return Err(number_error(NumberError::OutOfRange));
    }
    let text = i
        .str()
        .map_err(|e| ConvertError::value_error(e.to_string()))?;
    let text = text
        .to_str()
        .map_err(|e| ConvertError::value_error(e.to_string()))?;
    number::canonical(text).map_err(number_error)
}

fn float_to_n(f: f64) -> Result<String, ConvertError> {
    if !f.is_finite() {
        return Err(number_error(NumberError::NotFinite));
    }
    // Rust's float Display is the shortest text that round-trips, and never uses an exponent.
    number::canonical(&f.to_string()).map_err(number_error)
}

fn decimal_to_n(obj: &Bound<'_, PyAny>) -> Result<String, ConvertError> {
    let text = obj
        .str()
        .map_err(|e| ConvertError::value_error(e.to_string()))?;
    let text = text
        .to_str()
        .map_err(|e| ConvertError::value_error(e.to_string()))?;
    number::canonical(text).map_err(number_error)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetKind {
    String,
    Number,
    Binary,
}

impl SetKind {
    fn name(self) -> &'static str {
        match self {
            SetKind::String => "str",
            SetKind::Number => "number",
            SetKind::Binary => "bytes",
        }
    }
}

fn set_values(obj: &Bound<'_, PyAny>) -> Result<SetValues, ConvertError> {
    let mut kind: Option<SetKind> = None;
    let mut strings = Vec::new();
    let mut blobs = Vec::new();
    let iter = obj
        .try_iter()
        .map_err(|e| ConvertError::value_error(e.to_string()))?;
    for elem in iter {
        let elem = elem.map_err(|e| ConvertError::value_error(e.to_string()))?;
        let (this_kind, text_or_bytes) = if let Ok(s) = elem.cast::<PyString>() {
            let s = s
                .to_str()
                .map_err(|e| ConvertError::value_error(e.to_string()))?;
            (SetKind::String, Ok(s.to_owned()))
        } else if elem.cast::<PyBool>().is_ok() {
            return Err(ConvertError::type_error(
                "sets of bool cannot be stored in DynamoDB (only sets of str, numbers or bytes)"
                    .to_owned(),
            ));
        } else if let Ok(i) = elem.cast::<PyInt>() {
            (SetKind::Number, Ok(int_to_n(i)?))
        } else if let Ok(f) = elem.cast::<PyFloat>() {
            (SetKind::Number, Ok(float_to_n(f.value())?))
        } else if let Ok(b) = elem.cast::<PyBytes>() {
            (SetKind::Binary, Err(b.as_bytes().to_vec()))
        } else if is_decimal(&elem)? {
            (SetKind::Number, Ok(decimal_to_n(&elem)?))
        } else {
            return Err(ConvertError::type_error(format!(
                "sets may hold str, numbers or bytes, not '{}'",
                type_name(&elem)
            )));
        };
        match kind {
            None => kind = Some(this_kind),
            Some(k) if k != this_kind => {
                return Err(ConvertError::type_error(format!(
                    "a set mixes {} and {} elements; DynamoDB sets hold one type",
                    k.name(),
                    this_kind.name()
                )))
            }
            _ => {}
        }
        match text_or_bytes {
            Ok(text) => strings.push(text),
            Err(bytes) => blobs.push(bytes),
        }
    }
    match kind {
        None => Err(ConvertError::value_error(
            "empty sets cannot be stored in DynamoDB; remove the attribute instead".to_owned(),
        )),
        Some(SetKind::String) => Ok(SetValues::Strings(strings)),
        Some(SetKind::Number) => {
            // Distinct Python numbers can print the same (e.g. 0.1 and Decimal("0.1")); DynamoDB
            // rejects duplicate set members, so refuse them here with a clearer message.
            let mut seen = std::collections::HashSet::with_capacity(strings.len());
            for s in &strings {
                if !seen.insert(s.as_str()) {
                    return Err(ConvertError::value_error(format!(
                        "the number set holds {s} twice (equal values of different Python types)"
                    )));
                }
            }
            Ok(SetValues::Numbers(strings))
        }
        Some(SetKind::Binary) => Ok(SetValues::Binary(blobs)),
    }
}

// ---------------------------------------------------------------------------------------------------
// DynamoDB → Python

pub fn item_to_py<'py>(py: Python<'py>, item: &Item) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in item {
        dict.set_item(PyString::new(py, k), av_to_py(py, v)?)?;
    }
    Ok(dict)
}

pub fn items_to_py<'py>(py: Python<'py>, items: &[Item]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for item in items {
        list.append(item_to_py(py, item)?)?;
    }
    Ok(list)
}

pub fn av_to_py<'py>(py: Python<'py>, av: &AttributeValue) -> PyResult<Bound<'py, PyAny>> {
    Ok(match av {
        AttributeValue::S(s) => PyString::new(py, s).into_any(),
        AttributeValue::N(n) => n_to_py(py, n)?,
        AttributeValue::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        AttributeValue::Null(_) => py.None().into_bound(py),
        AttributeValue::M(m) => item_to_py(py, m)?.into_any(),
        AttributeValue::L(l) => {
            let list = PyList::empty(py);
            for v in l {
                list.append(av_to_py(py, v)?)?;
            }
            list.into_any()
        }
        AttributeValue::B(b) => PyBytes::new(py, b.as_ref()).into_any(),
        AttributeValue::Ss(ss) => {
            PySet::new(py, ss.iter().map(|s| PyString::new(py, s)))?.into_any()
        }
        AttributeValue::Ns(ns) => {
            let set = PySet::empty(py)?;
            for n in ns {
                set.add(n_to_py(py, n)?)?;
            }
            set.into_any()
        }
        AttributeValue::Bs(bs) => {
            PySet::new(py, bs.iter().map(|b| PyBytes::new(py, b.as_ref())))?.into_any()
        }
        other => {
            return Err(PyValueError::new_err(format!(
            "DynamoDB returned an attribute value of a type this version does not know: {other:?}"
        )))
        }
    })
}

static INT: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Integral numbers come back as `int`, others as `Decimal`: never a float, never a lost digit.
pub fn n_to_py<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    if let Some(v) = number::small_int(text) {
        return Ok(v.into_pyobject(py)?.into_any());
    }
    if number::is_plain_fraction(text) {
        return decimal_type(py)?.call1((text,));
    }
    let d = number::decompose(text)
        .map_err(|e| PyValueError::new_err(format!("DynamoDB returned {e}")))?;
    let plain = number::render_plain(&d);
    if d.is_integral() {
        let int_type = INT.import(py, "builtins", "int")?;
        int_type.call1((plain,))
    } else {
        decimal_type(py)?.call1((plain,))
    }
}
