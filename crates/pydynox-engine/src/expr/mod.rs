//! DynamoDB's expression language: one lexer and one grammar for condition, filter, key-condition,
//! projection and update expressions, one evaluator, and builders that give the legacy parameters
//! (`Expected`, `KeyConditions`, `QueryFilter`, `AttributesToGet`, `AttributeUpdates`) and PartiQL
//! the same trees, so every API shares DynamoDB's semantics.
//!
//! A request's expressions share one `Context` (its ExpressionAttributeNames / Values); after parsing
//! them all, `Context::finish` reports placeholders that were given but never used.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::value::Value;

mod ast;
mod eval;
mod key;
pub mod legacy;
mod lexer;
mod parser;
mod projection;
mod reserved;
mod update;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use ast::{
    Comparator, Cond, Condition, KeyCondition, Operand, Path, PathElem, SetValue, SortKeyCondition,
    Update, UpdateAction, TYPE_NAMES,
};
pub use eval::{begins_with, compare_scalars, condition_paths, contains, size_of, values_equal};
pub use projection::Projection;
pub use reserved::is_reserved;

use parser::Parser;

/// A request's ExpressionAttributeNames and ExpressionAttributeValues, and which of them its
/// expressions used.
#[derive(Debug, Default)]
pub struct Context {
    names: Option<BTreeMap<String, String>>,
    values: Option<BTreeMap<String, Value>>,
    used_names: RefCell<BTreeSet<String>>,
    used_values: RefCell<BTreeSet<String>>,
    parsed: Cell<bool>,
}

fn placeholder_key_ok(key: &str, sigil: char) -> bool {
    let mut chars = key.chars();
    chars.next() == Some(sigil)
        && key.len() > 1
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Context {
    /// Validates and stores the two maps (either may be absent or JSON null).
    pub fn new(names: Option<&Json>, values: Option<&Json>) -> Result<Context> {
        let names = match names {
            None | Some(Json::Null) => None,
            Some(Json::Object(map)) => {
                if map.is_empty() {
                    return Err(Error::validation(
                        "ExpressionAttributeNames must not be empty",
                    ));
                }
                let mut out = BTreeMap::new();
                for (k, v) in map {
                    if !placeholder_key_ok(k, '#') {
                        return Err(Error::validation(format!(
                            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{k}\""
                        )));
                    }
                    let Json::String(name) = v else {
                        return Err(Error::serialization(
                            "ExpressionAttributeNames values must be strings",
                        ));
                    };
                    if name.is_empty() {
                        return Err(Error::validation(format!(
                            "ExpressionAttributeNames contains invalid value: Empty attribute name; key: \"{k}\""
                        )));
                    }
                    out.insert(k.clone(), name.clone());
                }
                Some(out)
            }
            Some(_) => {
                return Err(Error::serialization(
                    "ExpressionAttributeNames must be a map",
                ))
            }
        };
        let values = match values {
            None | Some(Json::Null) => None,
            Some(Json::Object(map)) => {
                if map.is_empty() {
                    return Err(Error::validation(
                        "ExpressionAttributeValues must not be empty",
                    ));
                }
                let mut out = BTreeMap::new();
                for (k, v) in map {
                    if !placeholder_key_ok(k, ':') {
                        return Err(Error::validation(format!(
                            "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{k}\""
                        )));
                    }
                    let value = crate::wire::value_from_json(v).map_err(|e| {
                        if e.code == "ValidationException" {
                            Error::validation(format!(
                                "ExpressionAttributeValues contains invalid value: {} for key {k}",
                                e.message
                            ))
                        } else {
                            e
                        }
                    })?;
                    out.insert(k.clone(), value);
                }
                Some(out)
            }
            Some(_) => {
                return Err(Error::serialization(
                    "ExpressionAttributeValues must be a map",
                ))
            }
        };
        Ok(Context {
            names,
            values,
            ..Context::default()
        })
    }

    /// A context with no placeholders.
    pub fn empty() -> Context {
        Context::default()
    }

    /// Builds a context from already-parsed maps (tests, internal callers).
    pub fn from_maps(
        names: impl IntoIterator<Item = (String, String)>,
        values: impl IntoIterator<Item = (String, Value)>,
    ) -> Context {
        let names: BTreeMap<_, _> = names.into_iter().collect();
        let values: BTreeMap<_, _> = values.into_iter().collect();
        Context {
            names: (!names.is_empty()).then_some(names),
            values: (!values.is_empty()).then_some(values),
            ..Context::default()
        }
    }

    /// Resolves `#name`, marking it used.
    pub(crate) fn name(&self, placeholder: &str) -> Option<String> {
        let found = self.names.as_ref()?.get(placeholder)?.clone();
        self.used_names.borrow_mut().insert(placeholder.to_owned());
        Some(found)
    }

    /// Resolves `:value`, marking it used.
    pub(crate) fn value(&self, placeholder: &str) -> Option<Value> {
        let found = self.values.as_ref()?.get(placeholder)?.clone();
        self.used_values.borrow_mut().insert(placeholder.to_owned());
        Some(found)
    }

    pub(crate) fn note_parsed(&self) {
        self.parsed.set(true);
    }

    /// Whether any ExpressionAttributeNames or ExpressionAttributeValues were given.
    pub fn has_placeholders(&self) -> bool {
        self.names.is_some() || self.values.is_some()
    }

    /// After every expression of the request has been parsed: placeholders given without any
    /// expression, or never used, are errors.
    pub fn finish(&self) -> Result<()> {
        if !self.parsed.get() {
            if self.names.is_some() {
                return Err(Error::validation(
                    "ExpressionAttributeNames can only be specified when using expressions",
                ));
            }
            if self.values.is_some() {
                return Err(Error::validation(
                    "ExpressionAttributeValues can only be specified when using expressions",
                ));
            }
        }
        fn unused<V>(
            given: &Option<BTreeMap<String, V>>,
            used: &RefCell<BTreeSet<String>>,
        ) -> Vec<String> {
            let used = used.borrow();
            given
                .iter()
                .flat_map(|m| m.keys())
                .filter(|k| !used.contains(*k))
                .cloned()
                .collect()
        }
        let names = unused(&self.names, &self.used_names);
        if !names.is_empty() {
            return Err(Error::validation(format!(
                "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                names.join(", ")
            )));
        }
        let values = unused(&self.values, &self.used_values);
        if !values.is_empty() {
            return Err(Error::validation(format!(
                "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                values.join(", ")
            )));
        }
        Ok(())
    }
}

/// Parses a ConditionExpression or FilterExpression; `kind` is the parameter name used in error
/// messages.
pub fn parse_condition(text: &str, ctx: &Context, kind: &str) -> Result<Condition> {
    let mut p = Parser::new(text, ctx, kind)?;
    let root = p.condition()?;
    p.finish()?;
    Ok(Condition { root })
}

pub fn parse_update(text: &str, ctx: &Context) -> Result<Update> {
    const KIND: &str = "UpdateExpression";
    let mut p = Parser::new(text, ctx, KIND)?;
    let actions = p.update()?;
    p.finish()?;
    Update::new(actions, KIND)
}

pub fn parse_projection(text: &str, ctx: &Context) -> Result<Projection> {
    const KIND: &str = "ProjectionExpression";
    let mut p = Parser::new(text, ctx, KIND)?;
    let paths = p.projection()?;
    p.finish()?;
    Projection::new(paths, KIND)
}

/// Parses a KeyConditionExpression for a key schema (the table's or the index's): the names of
/// its partition and sort key attributes, in key schema order.
pub fn parse_key_condition(
    text: &str,
    ctx: &Context,
    partition_keys: &[&str],
    sort_keys: &[&str],
) -> Result<KeyCondition> {
    let mut p = Parser::new(text, ctx, "KeyConditionExpression")?;
    let root = p.condition()?;
    p.finish()?;
    key::key_condition(root, partition_keys, sort_keys)
}
