//! DynamoDB operations, one file per family. Each one prepares its request with the GIL, runs it on
//! the runtime without the GIL, and converts the output with the GIL (see `client::CoreClient::run`).
//!
//! This file holds the argument handling they share: expression names and values, projections built
//! from attribute paths, ReturnValues, and the metrics-or-item return convention.

pub mod batch;
pub mod item;
pub mod partiql;
pub mod query;
pub mod stored;
pub mod table;
pub mod transact;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::codec::SealedSlot;
use crate::convert::{py_to_item, py_to_value, Item};

pub type Names = HashMap<String, String>;

/// `expression_attribute_names` and `expression_attribute_values`, converted and checked. Values of
/// compressed or encrypted attributes (`Sealed`) wait in `sealed` until the operation encodes them.
#[derive(Default)]
pub struct ExprArgs {
    pub names: Option<Names>,
    pub values: Option<Item>,
    pub sealed: Option<Vec<SealedSlot>>,
}

impl ExprArgs {
    pub fn from_py(
        names: Option<&Bound<'_, PyAny>>,
        values: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let (values, sealed) = values_from_py(values)?;
        Ok(ExprArgs {
            names: names_from_py(names)?,
            values,
            sealed,
        })
    }

    /// For requests that only compare values (conditions, filters): a compressed or encrypted
    /// value can never be compared with what is stored.
    pub fn refuse_sealed(&self) -> PyResult<()> {
        match &self.sealed {
            Some(slots) => Err(PyTypeError::new_err(format!(
                "{}: compressed and encrypted values can only be set, never compared",
                slots[0].codecs.fields[slots[0].field].label
            ))),
            None => Ok(()),
        }
    }

    pub fn names_mut(&mut self) -> &mut Names {
        self.names.get_or_insert_with(HashMap::new)
    }

    pub fn values_mut(&mut self) -> &mut Item {
        self.values.get_or_insert_with(HashMap::new)
    }

    /// DynamoDB rejects empty maps: send None instead.
    pub fn finish(self) -> (Option<Names>, Option<Item>) {
        (
            self.names.filter(|n| !n.is_empty()),
            self.values.filter(|v| !v.is_empty()),
        )
    }
}

pub fn names_from_py(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Names>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let dict = obj.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err("expression_attribute_names must be a dict like {'#n': 'name'}")
    })?;
    let mut names = HashMap::with_capacity(dict.len());
    for (k, v) in dict.iter() {
        let k: String = k
            .extract()
            .map_err(|_| PyTypeError::new_err("expression_attribute_names keys must be str"))?;
        let v: String = v.extract().map_err(|_| {
            PyTypeError::new_err(format!("expression_attribute_names[{k:?}] must be a str"))
        })?;
        if !k.starts_with('#') {
            return Err(PyValueError::new_err(format!(
                "expression_attribute_names key {k:?} must start with '#'"
            )));
        }
        names.insert(k, v);
    }
    Ok(Some(names))
}

/// The values, and the sealed ones among them (their placeholders hold NULL meanwhile).
pub fn values_from_py(
    obj: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Option<Item>, Option<Vec<SealedSlot>>)> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok((None, None));
    };
    let sealed = match obj.cast::<PyDict>() {
        Ok(dict) => crate::codec::split_sealed(dict)?,
        Err(_) => None,
    };
    let values = match &sealed {
        None => py_to_item(obj, "expression_attribute_values")?,
        Some(slots) => {
            let dict = obj.cast::<PyDict>()?;
            let mut values = Item::with_capacity(dict.len());
            for (k, v) in dict.iter() {
                let k: String = k.extract().map_err(|_| {
                    PyTypeError::new_err("expression_attribute_values keys must be str")
                })?;
                let av = if slots.iter().any(|s| s.placeholder == k) {
                    aws_sdk_dynamodb::types::AttributeValue::Null(true)
                } else {
                    py_to_value(&v, &format!("expression_attribute_values[{k:?}]"))?
                };
                values.insert(k, av);
            }
            values
        }
    };
    if let Some(bad) = values.keys().find(|k| !k.starts_with(':')) {
        return Err(PyValueError::new_err(format!(
            "expression_attribute_values key {bad:?} must start with ':'"
        )));
    }
    Ok((Some(values), sealed))
}

/// Builds a ProjectionExpression from attribute paths (`"name"`, `"address.city"`, `"tags[0]"`), with a
/// placeholder for every name so reserved words and odd characters are safe.
pub fn projection_from_paths(paths: &[String], names: &mut Names) -> PyResult<String> {
    if paths.is_empty() {
        return Err(PyValueError::new_err(
            "projection must name at least one attribute",
        ));
    }
    let mut by_name: HashMap<String, String> = names
        .iter()
        .map(|(placeholder, name)| (name.clone(), placeholder.clone()))
        .collect();
    let mut parts = Vec::with_capacity(paths.len());
    for path in paths {
        let mut rendered = String::new();
        for (i, segment) in path.split('.').enumerate() {
            let (name, indexes) = match segment.find('[') {
                Some(pos) => segment.split_at(pos),
                None => (segment, ""),
            };
            if name.is_empty() || !valid_indexes(indexes) {
                return Err(PyValueError::new_err(format!(
                    "projection path {path:?} is malformed"
                )));
            }
            let placeholder = match by_name.get(name) {
                Some(p) => p.clone(),
                None => {
                    let p = format!("#pj{}", by_name.len());
                    by_name.insert(name.to_owned(), p.clone());
                    names.insert(p.clone(), name.to_owned());
                    p
                }
            };
            if i > 0 {
                rendered.push('.');
            }
            rendered.push_str(&placeholder);
            rendered.push_str(indexes);
        }
        parts.push(rendered);
    }
    Ok(parts.join(", "))
}

fn valid_indexes(s: &str) -> bool {
    let mut rest = s;
    while !rest.is_empty() {
        let Some(inner) = rest.strip_prefix('[') else {
            return false;
        };
        let Some(end) = inner.find(']') else {
            return false;
        };
        if end == 0 || !inner[..end].bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        rest = &inner[end + 1..];
    }
    true
}

/// `projection` given as a list of attribute paths.
pub fn paths_from_py(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<String>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    if obj.cast::<PyString>().is_ok() {
        return Err(PyTypeError::new_err(
            "projection must be a list of attribute names, e.g. ['name', 'address.city']",
        ));
    }
    if obj.cast::<PyList>().is_err() && obj.cast::<PyTuple>().is_err() {
        return Err(PyTypeError::new_err(
            "projection must be a list of attribute names",
        ));
    }
    let paths: Vec<String> = obj
        .extract()
        .map_err(|_| PyTypeError::new_err("projection must be a list of str attribute names"))?;
    Ok(Some(paths))
}

pub fn return_value(value: Option<&str>, allowed: &[&str]) -> PyResult<Option<ReturnValue>> {
    match value {
        None | Some("NONE") => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(ReturnValue::from(v))),
        Some(v) => Err(PyValueError::new_err(format!(
            "return_values must be one of NONE, {}; got {v:?}",
            allowed.join(", ")
        ))),
    }
}

pub fn on_condition_failure(flag: bool) -> Option<ReturnValuesOnConditionCheckFailure> {
    flag.then_some(ReturnValuesOnConditionCheckFailure::AllOld)
}

pub fn require_table(table: &str) -> PyResult<()> {
    if table.len() < 3 || table.len() > 255 {
        return Err(PyValueError::new_err(format!(
            "table name {table:?} must be 3 to 255 characters long"
        )));
    }
    Ok(())
}

/// `what` names the key in errors: "key", "delete_keys[3]", "operations[0].key".
pub fn key_from_py(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Item> {
    let key = py_to_item(obj, what)?;
    if key.is_empty() {
        return Err(PyValueError::new_err(format!(
            "{what} must name the partition key (and sort key) with their values"
        )));
    }
    Ok(key)
}
