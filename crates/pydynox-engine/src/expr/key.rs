//! Key conditions of a query: `pk = :v` and at most one condition on the sort key (=, <, <=, >, >=,
//! BETWEEN, begins_with), joined by AND.

use std::cmp::Ordering;

use super::ast::{Comparator, Cond, KeyCondition, Operand, SortKeyCondition};
use super::eval::begins_with;
use crate::error::{Error, Result};
use crate::value::{KeyValue, Value};

impl SortKeyCondition {
    /// Whether a sort-key value satisfies the condition (values of another type never do).
    pub fn matches(&self, key: &KeyValue) -> bool {
        let cmp = |v: &Value| -> Option<Ordering> {
            let other = KeyValue::from_value(v)?;
            (std::mem::discriminant(key) == std::mem::discriminant(&other)).then(|| key.cmp(&other))
        };
        match self {
            SortKeyCondition::Eq(v) => cmp(v) == Some(Ordering::Equal),
            SortKeyCondition::Lt(v) => cmp(v) == Some(Ordering::Less),
            SortKeyCondition::Le(v) => matches!(cmp(v), Some(Ordering::Less | Ordering::Equal)),
            SortKeyCondition::Gt(v) => cmp(v) == Some(Ordering::Greater),
            SortKeyCondition::Ge(v) => {
                matches!(cmp(v), Some(Ordering::Greater | Ordering::Equal))
            }
            SortKeyCondition::Between(lo, hi) => {
                matches!(cmp(lo), Some(Ordering::Greater | Ordering::Equal))
                    && matches!(cmp(hi), Some(Ordering::Less | Ordering::Equal))
            }
            SortKeyCondition::BeginsWith(p) => begins_with(&key.to_value(), p),
        }
    }

    /// The constants of the condition.
    pub fn values(&self) -> Vec<&Value> {
        match self {
            SortKeyCondition::Eq(v)
            | SortKeyCondition::Lt(v)
            | SortKeyCondition::Le(v)
            | SortKeyCondition::Gt(v)
            | SortKeyCondition::Ge(v)
            | SortKeyCondition::BeginsWith(v) => vec![v],
            SortKeyCondition::Between(a, b) => vec![a, b],
        }
    }
}

impl KeyCondition {
    /// Checks the constants against the key schema's attribute types (`"S"`, `"N"`, `"B"`).
    pub fn check_types(&self, partition_type: &str, sort_type: Option<&str>) -> Result<()> {
        let mismatch = || {
            Error::validation(
                "One or more parameter values were invalid: Condition parameter type does not match schema type",
            )
        };
        if self.partition.1.type_name() != partition_type {
            return Err(mismatch());
        }
        if let Some((_, cond)) = &self.sort {
            let Some(sort_type) = sort_type else {
                return Err(mismatch());
            };
            if cond.values().iter().any(|v| v.type_name() != sort_type) {
                return Err(mismatch());
            }
        }
        Ok(())
    }

    /// Whether an item's key values satisfy the condition.
    pub fn matches(&self, partition: &KeyValue, sort: Option<&KeyValue>) -> bool {
        if KeyValue::from_value(&self.partition.1).as_ref() != Some(partition) {
            return false;
        }
        match (&self.sort, sort) {
            (None, _) => true,
            (Some((_, c)), Some(s)) => c.matches(s),
            (Some(_), None) => false,
        }
    }
}

fn operator_error(op: &str) -> Error {
    Error::validation(format!(
        "Invalid operator used in KeyConditionExpression: {op}"
    ))
}

fn flatten(cond: Cond, out: &mut Vec<Cond>) {
    match cond {
        Cond::And(parts) => parts.into_iter().for_each(|c| flatten(c, out)),
        other => out.push(other),
    }
}

/// One key condition: the attribute it is on and what it says.
enum Part {
    Eq(Value),
    Sort(SortKeyCondition),
}

fn key_name(o: &Operand) -> Result<Option<&str>> {
    match o {
        Operand::Path(p) if p.is_top_level() => Ok(Some(p.top())),
        Operand::Path(_) => Err(Error::validation(
            "Invalid KeyConditionExpression: Key condition expressions cannot contain nested attributes",
        )),
        Operand::Size(_) => Err(operator_error("size")),
        Operand::Value(_) => Ok(None),
    }
}

fn constant(o: Operand) -> Result<Value> {
    match o {
        Operand::Value(v) => Ok(v),
        Operand::Path(_) => Err(Error::validation(
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
        )),
        Operand::Size(_) => Err(operator_error("size")),
    }
}

fn part(cond: Cond) -> Result<(String, Part)> {
    match cond {
        Cond::Compare(a, op, b) => {
            let (name, value, op) = match (key_name(&a)?, key_name(&b)?) {
                (Some(_), Some(_)) => {
                    return Err(Error::validation(
                        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
                    ))
                }
                (Some(n), None) => (n.to_owned(), constant(b)?, op),
                (None, Some(n)) => (n.to_owned(), constant(a)?, op.flipped()),
                (None, None) => {
                    return Err(Error::validation(
                        "Invalid condition in KeyConditionExpression: No key attribute specified",
                    ))
                }
            };
            let part = match op {
                Comparator::Eq => Part::Eq(value),
                Comparator::Ne => return Err(operator_error("<>")),
                Comparator::Lt => Part::Sort(SortKeyCondition::Lt(value)),
                Comparator::Le => Part::Sort(SortKeyCondition::Le(value)),
                Comparator::Gt => Part::Sort(SortKeyCondition::Gt(value)),
                Comparator::Ge => Part::Sort(SortKeyCondition::Ge(value)),
            };
            Ok((name, part))
        }
        Cond::Between(x, lo, hi) => {
            let Some(name) = key_name(&x)?.map(str::to_owned) else {
                return Err(Error::validation(
                    "Invalid condition in KeyConditionExpression: No key attribute specified",
                ));
            };
            let (lo, hi) = (constant(lo)?, constant(hi)?);
            Ok((name, Part::Sort(SortKeyCondition::Between(lo, hi))))
        }
        Cond::BeginsWith(x, prefix) => {
            let Some(name) = key_name(&x)?.map(str::to_owned) else {
                return Err(Error::validation(
                    "Invalid condition in KeyConditionExpression: No key attribute specified",
                ));
            };
            Ok((
                name,
                Part::Sort(SortKeyCondition::BeginsWith(constant(prefix)?)),
            ))
        }
        Cond::Or(_) => Err(operator_error("OR")),
        Cond::Not(_) => Err(operator_error("NOT")),
        Cond::In(..) => Err(operator_error("IN")),
        Cond::Exists(_) => Err(operator_error("attribute_exists")),
        Cond::NotExists(_) => Err(operator_error("attribute_not_exists")),
        Cond::AttributeType(..) => Err(operator_error("attribute_type")),
        Cond::Contains(..) => Err(operator_error("contains")),
        Cond::And(_) => Err(operator_error("AND")),
    }
}

/// Turns a parsed condition into a key condition for a key schema.
pub(crate) fn key_condition(
    cond: Cond,
    partition_key: &str,
    sort_key: Option<&str>,
) -> Result<KeyCondition> {
    let mut conds = Vec::new();
    flatten(cond, &mut conds);
    let mut parts = Vec::with_capacity(conds.len());
    for c in conds {
        parts.push(part(c)?);
    }
    if parts.len() > 2 {
        return Err(Error::validation("Conditions can be of length 1 or 2 only"));
    }
    let mut partition: Option<Value> = None;
    let mut sort: Option<(String, SortKeyCondition)> = None;
    let mut unknown = false;
    for (name, p) in parts {
        let seen = if name == partition_key {
            partition.is_some()
        } else if Some(name.as_str()) == sort_key {
            sort.is_some()
        } else {
            unknown = true;
            continue;
        };
        if seen {
            return Err(Error::validation(
                "KeyConditionExpressions must only contain one condition per key",
            ));
        }
        if name == partition_key {
            match p {
                Part::Eq(v) => partition = Some(v),
                Part::Sort(_) => {
                    return Err(Error::validation("Query key condition not supported"))
                }
            }
        } else {
            let c = match p {
                Part::Eq(v) => SortKeyCondition::Eq(v),
                Part::Sort(c) => c,
            };
            sort = Some((name, c));
        }
    }
    let Some(partition) = partition else {
        return Err(Error::validation(format!(
            "Query condition missed key schema element: {partition_key}"
        )));
    };
    if unknown {
        return Err(match sort_key {
            Some(sk) if sort.is_none() => {
                Error::validation(format!("Query condition missed key schema element: {sk}"))
            }
            _ => Error::validation("Query key condition not supported"),
        });
    }
    if let Some((_, SortKeyCondition::BeginsWith(v))) = &sort {
        if !matches!(v, Value::S(_) | Value::B(_)) {
            return Err(Error::validation(format!(
                "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: {}",
                v.type_name()
            )));
        }
    }
    Ok(KeyCondition {
        partition: (partition_key.to_owned(), partition),
        sort,
    })
}
