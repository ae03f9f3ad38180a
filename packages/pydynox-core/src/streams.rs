//! DynamoDB Streams images (the `NewImage`, `OldImage` and `Keys` of a Lambda stream record) into
//! Python values or model instances.
//!
//! Lambda hands the record over as JSON already parsed into Python: every attribute is a one-entry
//! dict such as `{"N": "1.50"}` or `{"B": "<base64>"}`. This module reads that wire form into the
//! core's `Item` (numbers checked and made canonical, binary decoded), then hands it to the same code
//! that turns DynamoDB responses into Python: `item_to_py` for plain values, the model schema's
//! hydration for instances (entity dispatch by discriminator included). Nothing is parsed twice and
//! no digit is lost.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyList, PyString};

use crate::convert::{item_to_py, number, type_name, Item};
use crate::model::ModelSchema;

/// DynamoDB nests at most 32 levels; a deeper image is malformed.
const MAX_DEPTH: usize = 32;

/// A malformed image; the attribute path is collected while unwinding, outermost segment last.
struct WireError {
    message: String,
    path: Vec<String>,
}

impl WireError {
    fn new(message: impl Into<String>) -> Self {
        WireError {
            message: message.into(),
            path: Vec::new(),
        }
    }

    fn at_key(mut self, key: &str) -> Self {
        self.path.push(format!(".{key}"));
        self
    }

    fn at_index(mut self, index: usize) -> Self {
        self.path.push(format!("[{index}]"));
        self
    }

    fn into_pyerr(self, what: &str) -> PyErr {
        let path: String = self.path.iter().rev().map(String::as_str).collect();
        let path = path.strip_prefix('.').unwrap_or(&path);
        if path.is_empty() {
            PyValueError::new_err(format!("{what}: {}", self.message))
        } else {
            PyValueError::new_err(format!("{what} attribute '{path}': {}", self.message))
        }
    }
}

/// `image` (a stream record's `NewImage`, `OldImage` or `Keys`) as a plain dict, or, with `model`,
/// as an instance of the model (or of the subclass its discriminator names). `what` names the image
/// in error messages, e.g. "NewImage".
#[pyfunction]
#[pyo3(signature = (image, model=None, what="image"))]
pub fn decode_stream_image<'py>(
    py: Python<'py>,
    image: &Bound<'py, PyAny>,
    model: Option<Py<ModelSchema>>,
    what: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let dict = image.cast::<PyDict>().map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be a dict of DynamoDB attribute values, not {}",
            type_name(image)
        ))
    })?;
    let item = wire_map(dict, 0).map_err(|e| e.into_pyerr(what))?;
    match model {
        Some(schema) => schema.get().hydrate_stored(py, item),
        None => Ok(item_to_py(py, &item)?.into_any()),
    }
}

fn wire_map(dict: &Bound<'_, PyDict>, depth: usize) -> Result<Item, WireError> {
    let mut item = HashMap::with_capacity(dict.len());
    for (name, value) in dict.iter() {
        let name = name
            .cast::<PyString>()
            .map_err(|_| {
                WireError::new(format!(
                    "attribute names must be str, not {}",
                    type_name(&name)
                ))
            })?
            .to_str()
            .map_err(|e| WireError::new(e.to_string()))?;
        let av = wire_value(&value, depth + 1).map_err(|e| e.at_key(name))?;
        item.insert(name.to_owned(), av);
    }
    Ok(item)
}

/// One `{"<type>": payload}` attribute value.
fn wire_value(value: &Bound<'_, PyAny>, depth: usize) -> Result<AttributeValue, WireError> {
    if depth > MAX_DEPTH {
        return Err(WireError::new(format!(
            "nested more than {MAX_DEPTH} levels deep (DynamoDB's limit)"
        )));
    }
    let tagged = value.cast::<PyDict>().map_err(|_| {
        WireError::new(format!(
            "expected an attribute value such as {{\"S\": \"text\"}}, got {}",
            type_name(value)
        ))
    })?;
    let mut entries = tagged.iter();
    let (tag, payload) = match (entries.next(), entries.next()) {
        (Some(entry), None) => entry,
        _ => {
            return Err(WireError::new(format!(
                "an attribute value has exactly one type key (S, N, B, BOOL, NULL, SS, NS, BS, L, M), got {} keys",
                tagged.len()
            )))
        }
    };
    let tag = tag
        .cast::<PyString>()
        .map_err(|_| WireError::new("the type key of an attribute value must be a str"))?
        .to_str()
        .map_err(|e| WireError::new(e.to_string()))?;
    Ok(match tag {
        "S" => AttributeValue::S(text(&payload, "S")?.to_owned()),
        "N" => AttributeValue::N(wire_number(&payload)?),
        "B" => AttributeValue::B(wire_binary(&payload)?),
        "BOOL" => {
            let b = payload.cast::<PyBool>().map_err(|_| {
                WireError::new(format!(
                    "BOOL holds true or false, not {}",
                    type_name(&payload)
                ))
            })?;
            AttributeValue::Bool(b.is_true())
        }
        "NULL" => match payload.cast::<PyBool>() {
            Ok(b) if b.is_true() => AttributeValue::Null(true),
            _ => return Err(WireError::new("NULL must be true")),
        },
        "SS" => {
            let mut out = Vec::new();
            for (i, member) in members(&payload, "SS")?.iter().enumerate() {
                out.push(text(&member, "SS").map_err(|e| e.at_index(i))?.to_owned());
            }
            AttributeValue::Ss(out)
        }
        "NS" => {
            let mut out = Vec::new();
            for (i, member) in members(&payload, "NS")?.iter().enumerate() {
                out.push(wire_number(&member).map_err(|e| e.at_index(i))?);
            }
            AttributeValue::Ns(out)
        }
        "BS" => {
            let mut out = Vec::new();
            for (i, member) in members(&payload, "BS")?.iter().enumerate() {
                out.push(wire_binary(&member).map_err(|e| e.at_index(i))?);
            }
            AttributeValue::Bs(out)
        }
        "L" => {
            let mut out = Vec::new();
            for (i, member) in members(&payload, "L")?.iter().enumerate() {
                out.push(wire_value(&member, depth + 1).map_err(|e| e.at_index(i))?);
            }
            AttributeValue::L(out)
        }
        "M" => {
            let map = payload.cast::<PyDict>().map_err(|_| {
                WireError::new(format!("M holds a dict, not {}", type_name(&payload)))
            })?;
            AttributeValue::M(wire_map(map, depth)?)
        }
        other => {
            return Err(WireError::new(format!(
                "unknown DynamoDB type {other:?} (expected S, N, B, BOOL, NULL, SS, NS, BS, L or M)"
            )))
        }
    })
}

fn text<'a>(payload: &'a Bound<'_, PyAny>, tag: &str) -> Result<&'a str, WireError> {
    payload
        .cast::<PyString>()
        .map_err(|_| WireError::new(format!("{tag} holds a str, not {}", type_name(payload))))?
        .to_str()
        .map_err(|e| WireError::new(e.to_string()))
}

fn members<'py>(payload: &Bound<'py, PyAny>, tag: &str) -> Result<Bound<'py, PyList>, WireError> {
    payload
        .cast::<PyList>()
        .cloned()
        .map_err(|_| WireError::new(format!("{tag} holds a list, not {}", type_name(payload))))
}

/// Numbers travel as text; they are checked against DynamoDB's limits and kept in the canonical
/// form the core writes, so a loaded instance compares equal to what a save would send.
fn wire_number(payload: &Bound<'_, PyAny>) -> Result<String, WireError> {
    let raw = text(payload, "N")?;
    number::canonical(raw).map_err(|e| WireError::new(format!("N value {raw:?}: {e}")))
}

/// Binary travels as base64 text in Lambda's JSON; bytes given directly (a record read with an SDK
/// that already decoded it) are taken as they are.
fn wire_binary(payload: &Bound<'_, PyAny>) -> Result<Blob, WireError> {
    if let Ok(b) = payload.cast::<PyBytes>() {
        return Ok(Blob::new(b.as_bytes().to_vec()));
    }
    if let Ok(b) = payload.cast::<PyByteArray>() {
        return Ok(Blob::new(b.to_vec()));
    }
    let encoded = payload
        .cast::<PyString>()
        .map_err(|_| WireError::new(format!("B holds base64 text, not {}", type_name(payload))))?
        .to_str()
        .map_err(|e| WireError::new(e.to_string()))?;
    aws_smithy_types::base64::decode(encoded)
        .map(Blob::new)
        .map_err(|_| WireError::new("B holds text that is not valid base64"))
}
