//! The legacy (pre-expression) parameters, built into the same trees as the expressions so they
//! share one evaluator: `Expected` + `ConditionalOperator` (conditions), `KeyConditions`,
//! `QueryFilter` / `ScanFilter` (filters), `AttributesToGet` (projection) and `AttributeUpdates`.
//! The caller refuses requests that mix legacy and expression parameters.

use crate::request::lower_first;
use serde_json::{Map, Value as Json};

use super::ast::{Comparator, Cond, Condition, KeyCondition, Operand, Path, Update, UpdateAction};
use super::key::key_condition;
use super::projection::Projection;
use crate::error::{Error, Result};
use crate::value::Value;

const OPERATORS: [&str; 13] = [
    "EQ",
    "NE",
    "LE",
    "LT",
    "GE",
    "GT",
    "NOT_NULL",
    "NULL",
    "CONTAINS",
    "NOT_CONTAINS",
    "BEGINS_WITH",
    "IN",
    "BETWEEN",
];

fn invalid(message: impl AsRef<str>) -> Error {
    Error::validation(format!(
        "One or more parameter values were invalid: {}",
        message.as_ref()
    ))
}

fn object<'a>(json: &'a Json, what: &str) -> Result<&'a Map<String, Json>> {
    match json {
        Json::Object(m) => Ok(m),
        _ => Err(Error::serialization(format!("{what} must be a map"))),
    }
}

fn string<'a>(json: &'a Json, what: &str) -> Result<&'a str> {
    match json {
        Json::String(s) => Ok(s),
        _ => Err(Error::serialization(format!("{what} must be a string"))),
    }
}

fn values(json: Option<&Json>) -> Result<Vec<Value>> {
    match json {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(a)) => a.iter().map(crate::wire::value_from_json).collect(),
        Some(_) => Err(Error::serialization("AttributeValueList must be a list")),
    }
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::S(_) | Value::N(_) | Value::B(_))
}

/// `ComparisonOperator` + `AttributeValueList` on one attribute, as a condition.
pub fn comparison(name: &str, operator: &str, args: Vec<Value>, param: &str) -> Result<Cond> {
    if !OPERATORS.contains(&operator) {
        return Err(Error::validation(format!(
            "1 validation error detected: Value '{operator}' at '{param}.{name}.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"
        )));
    }
    let arity_ok = match operator {
        "NULL" | "NOT_NULL" => args.is_empty(),
        "BETWEEN" => args.len() == 2,
        "IN" => !args.is_empty(),
        _ => args.len() == 1,
    };
    if !arity_ok {
        return Err(invalid(format!(
            "Invalid number of argument(s) for the {operator} ComparisonOperator"
        )));
    }
    let type_ok = |v: &Value| match operator {
        "EQ" | "NE" => true,
        "BEGINS_WITH" => matches!(v, Value::S(_) | Value::B(_)),
        _ => is_scalar(v),
    };
    if let Some(bad) = args.iter().find(|v| !type_ok(v)) {
        return Err(invalid(format!(
            "ComparisonOperator {operator} is not valid for {} AttributeValue type",
            bad.type_name()
        )));
    }
    if operator == "BETWEEN" && args[0].type_name() != args[1].type_name() {
        return Err(invalid(
            "AttributeValues inside AttributeValueList must be of same type",
        ));
    }
    let path = Path::attr(name);
    let mut args = args.into_iter().map(Operand::Value);
    let mut next = || args.next().unwrap_or(Operand::Value(Value::Null));
    let target = Operand::Path(path.clone());
    Ok(match operator {
        "NULL" => Cond::NotExists(path),
        "NOT_NULL" => Cond::Exists(path),
        "BETWEEN" => {
            let lo = next();
            Cond::Between(target, lo, next())
        }
        "IN" => {
            let mut list = vec![next()];
            list.extend(args);
            Cond::In(target, list)
        }
        "CONTAINS" => Cond::Contains(target, next()),
        "NOT_CONTAINS" => Cond::Contains(target, next()).negate(),
        "BEGINS_WITH" => Cond::BeginsWith(target, next()),
        op => {
            let c = match op {
                "EQ" => Comparator::Eq,
                "NE" => Comparator::Ne,
                "LE" => Comparator::Le,
                "LT" => Comparator::Lt,
                "GE" => Comparator::Ge,
                _ => Comparator::Gt,
            };
            Cond::Compare(target, c, next())
        }
    })
}

fn join(parts: Vec<Cond>, conditional_operator: Option<&Json>) -> Result<Option<Condition>> {
    let or = match conditional_operator {
        None | Some(Json::Null) => false,
        Some(Json::String(s)) if s == "AND" => false,
        Some(Json::String(s)) if s == "OR" => true,
        Some(other) => {
            let shown = other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_owned);
            return Err(Error::validation(format!(
                "1 validation error detected: Value '{shown}' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [AND, OR]"
            )));
        }
    };
    if parts.is_empty() {
        return Ok(None);
    }
    let root = if or {
        Cond::or(parts)
    } else {
        Cond::and(parts)
    };
    Ok(Some(Condition { root }))
}

/// `Expected` (PutItem, UpdateItem, DeleteItem) with `ConditionalOperator`; `None` for an empty map.
pub fn expected(expected: &Json, conditional_operator: Option<&Json>) -> Result<Option<Condition>> {
    let mut parts = Vec::new();
    for (name, spec) in object(expected, "Expected")? {
        let spec = object(spec, "ExpectedAttributeValue")?;
        let get = |k: &str| spec.get(k).filter(|v| !v.is_null());
        let value = get("Value").map(crate::wire::value_from_json).transpose()?;
        let exists = match get("Exists") {
            None => None,
            Some(Json::Bool(b)) => Some(*b),
            Some(_) => return Err(Error::serialization("Exists must be a boolean")),
        };
        if let Some(op) = get("ComparisonOperator") {
            if value.is_some() || exists.is_some() {
                return Err(invalid(format!(
                    "Value or Exists cannot be used with ComparisonOperator for Attribute: {name}"
                )));
            }
            let op = string(op, "ComparisonOperator")?;
            let args = values(get("AttributeValueList"))?;
            parts.push(comparison(name, op, args, "expected")?);
            continue;
        }
        if get("AttributeValueList").is_some() {
            return Err(invalid(format!(
                "AttributeValueList can only be used with a ComparisonOperator for Attribute: {name}"
            )));
        }
        let path = Path::attr(name.as_str());
        parts.push(match (exists, value) {
            (Some(true) | None, Some(v)) => {
                Cond::Compare(Operand::Path(path), Comparator::Eq, Operand::Value(v))
            }
            (Some(false), None) => Cond::NotExists(path),
            (Some(false), Some(_)) => {
                return Err(invalid(
                    "Cannot expect an attribute to have a specified value while expecting it to not exist",
                ))
            }
            (Some(true), None) => {
                return Err(invalid(format!(
                    "Value must be provided when Exists is true for Attribute: {name}"
                )))
            }
            (None, None) => {
                return Err(invalid(format!(
                    "Value must be provided when Exists is null for Attribute: {name}"
                )))
            }
        });
    }
    join(parts, conditional_operator)
}

/// `QueryFilter` / `ScanFilter` (`param` names which) with `ConditionalOperator`.
pub fn filter(
    filter: &Json,
    conditional_operator: Option<&Json>,
    param: &str,
) -> Result<Option<Condition>> {
    let mut parts = Vec::new();
    for (name, spec) in object(filter, param)? {
        let spec = object(spec, "Condition")?;
        let Some(op) = spec.get("ComparisonOperator").filter(|v| !v.is_null()) else {
            return Err(Error::validation(format!(
                "1 validation error detected: Value null at '{}.{name}.member.comparisonOperator' failed to satisfy constraint: Member must not be null",
                lower_first(param)
            )));
        };
        let op = string(op, "ComparisonOperator")?;
        let args = values(spec.get("AttributeValueList"))?;
        parts.push(comparison(name, op, args, &lower_first(param))?);
    }
    join(parts, conditional_operator)
}

/// `KeyConditions` of a Query, for a key schema (its attribute names, in key schema order).
pub fn key_conditions(
    conditions: &Json,
    partition_keys: &[&str],
    sort_keys: &[&str],
) -> Result<KeyCondition> {
    let mut parts = Vec::new();
    for (name, spec) in object(conditions, "KeyConditions")? {
        let spec = object(spec, "Condition")?;
        let Some(op) = spec.get("ComparisonOperator").filter(|v| !v.is_null()) else {
            return Err(Error::validation(format!(
                "1 validation error detected: Value null at 'keyConditions.{name}.member.comparisonOperator' failed to satisfy constraint: Member must not be null"
            )));
        };
        let op = string(op, "ComparisonOperator")?;
        let args = values(spec.get("AttributeValueList"))?;
        let cond = comparison(name, op, args, "keyConditions")?;
        if !matches!(
            op,
            "EQ" | "LE" | "LT" | "GE" | "GT" | "BEGINS_WITH" | "BETWEEN"
        ) {
            return Err(Error::validation(
                "Attempted conditional constraint is not an indexable operation",
            ));
        }
        parts.push(cond);
    }
    if parts.is_empty() {
        return Err(Error::validation(format!(
            "Query condition missed key schema element: {}",
            partition_keys.first().copied().unwrap_or_default()
        )));
    }
    key_condition(Cond::and(parts), partition_keys, sort_keys)
}

/// `AttributesToGet`: top-level attribute names.
pub fn attributes_to_get(names: &Json) -> Result<Projection> {
    let Json::Array(list) = names else {
        return Err(Error::serialization("AttributesToGet must be a list"));
    };
    if list.is_empty() {
        return Err(Error::validation(
            "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    let mut paths: Vec<Path> = Vec::with_capacity(list.len());
    for n in list {
        let n = string(n, "AttributesToGet members")?;
        if paths.iter().any(|p| p.top() == n) {
            return Err(invalid(format!("Duplicate value in attribute name: {n}")));
        }
        paths.push(Path::attr(n));
    }
    Ok(Projection::unchecked(paths))
}

/// `AttributeUpdates` of UpdateItem: PUT (default), ADD and DELETE on top-level attributes.
pub fn attribute_updates(updates: &Json) -> Result<Update> {
    let mut actions = Vec::new();
    for (name, spec) in object(updates, "AttributeUpdates")? {
        let spec = object(spec, "AttributeValueUpdate")?;
        let value = spec
            .get("Value")
            .filter(|v| !v.is_null())
            .map(crate::wire::value_from_json)
            .transpose()?;
        let action = match spec.get("Action").filter(|v| !v.is_null()) {
            None => "PUT",
            Some(a) => string(a, "Action")?,
        };
        let path = Path::attr(name.as_str());
        let no_value =
            || invalid("Only DELETE action is allowed when no attribute value is specified");
        actions.push(match action {
            "PUT" => UpdateAction::Set(path, super::ast::SetValue::Value(value.ok_or_else(no_value)?)),
            "DELETE" => match value {
                None => UpdateAction::Remove(path),
                Some(v @ (Value::Ss(_) | Value::Ns(_) | Value::Bs(_))) => UpdateAction::Delete(path, v),
                Some(v) => {
                    return Err(invalid(format!(
                        "DELETE action with value is not supported for the type {}",
                        v.type_name()
                    )))
                }
            },
            "ADD" => match value {
                None => return Err(no_value()),
                Some(v @ (Value::N(_) | Value::Ss(_) | Value::Ns(_) | Value::Bs(_))) => {
                    UpdateAction::Add(path, v)
                }
                Some(v) => {
                    return Err(invalid(format!(
                        "ADD action is not supported for the type {}",
                        v.type_name()
                    )))
                }
            },
            other => {
                return Err(Error::validation(format!(
                    "1 validation error detected: Value '{other}' at 'attributeUpdates.{name}.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"
                )))
            }
        });
    }
    Update::new(actions, "AttributeUpdates")
}
