//! Key conditions of a query, joined by AND: `pk = :v` on every partition key attribute, and on the
//! sort key one condition (=, <, <=, >, >=, BETWEEN, begins_with). On a multi-attribute sort key
//! the conditions name its attributes left to right without a gap, all equalities but the last.

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
    /// Checks the constants against the key schema's attribute types (`"S"`, `"N"`, `"B"`), given
    /// in key schema order.
    pub fn check_types(&self, partition_types: &[&str], sort_types: &[&str]) -> Result<()> {
        let mismatch = || {
            Error::validation(
                "One or more parameter values were invalid: Condition parameter type does not match schema type",
            )
        };
        if self.partition.len() != partition_types.len() || self.sort.len() > sort_types.len() {
            return Err(mismatch());
        }
        for ((_, v), ty) in self.partition.iter().zip(partition_types) {
            if v.type_name() != *ty {
                return Err(mismatch());
            }
        }
        for ((_, cond), ty) in self.sort.iter().zip(sort_types) {
            if cond.values().iter().any(|v| v.type_name() != *ty) {
                return Err(mismatch());
            }
        }
        Ok(())
    }

    /// The partition values, in key schema order, as an index or table stores them.
    pub fn partition_key(&self) -> Option<Vec<KeyValue>> {
        self.partition
            .iter()
            .map(|(_, v)| KeyValue::from_value(v))
            .collect()
    }

    /// Whether an item's sort key values (in key schema order) satisfy the sort conditions.
    pub fn matches_sort(&self, sort: &[KeyValue]) -> bool {
        self.sort.len() <= sort.len()
            && self
                .sort
                .iter()
                .zip(sort)
                .all(|((_, cond), value)| cond.matches(value))
    }

    /// Whether an item's key values satisfy the condition.
    pub fn matches(&self, partition: &[KeyValue], sort: &[KeyValue]) -> bool {
        self.partition_key().as_deref() == Some(partition) && self.matches_sort(sort)
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

/// Turns a parsed condition into a key condition for a key schema: the names of its partition
/// and sort key attributes, in key schema order.
pub(crate) fn key_condition(
    cond: Cond,
    partition_keys: &[&str],
    sort_keys: &[&str],
) -> Result<KeyCondition> {
    let mut conds = Vec::new();
    flatten(cond, &mut conds);
    let mut parts = Vec::with_capacity(conds.len());
    for c in conds {
        parts.push(part(c)?);
    }
    let simple = partition_keys.len() == 1 && sort_keys.len() <= 1;
    if simple && parts.len() > 2 {
        return Err(Error::validation("Conditions can be of length 1 or 2 only"));
    }
    let mut partition: Vec<Option<Value>> = vec![None; partition_keys.len()];
    let mut sort: Vec<Option<SortKeyCondition>> = vec![None; sort_keys.len()];
    let mut unknown = false;
    for (name, p) in parts {
        let slot = if let Some(i) = partition_keys.iter().position(|k| *k == name) {
            partition[i].is_some()
        } else if let Some(i) = sort_keys.iter().position(|k| *k == name) {
            sort[i].is_some()
        } else {
            unknown = true;
            continue;
        };
        if slot {
            return Err(Error::validation(
                "KeyConditionExpressions must only contain one condition per key",
            ));
        }
        if let Some(i) = partition_keys.iter().position(|k| *k == name) {
            match p {
                Part::Eq(v) => partition[i] = Some(v),
                Part::Sort(_) => {
                    return Err(Error::validation("Query key condition not supported"))
                }
            }
        } else if let Some(i) = sort_keys.iter().position(|k| *k == name) {
            sort[i] = Some(match p {
                Part::Eq(v) => SortKeyCondition::Eq(v),
                Part::Sort(c) => c,
            });
        }
    }
    if let Some(i) = partition.iter().position(Option::is_none) {
        return Err(Error::validation(format!(
            "Query condition missed key schema element: {}",
            partition_keys[i]
        )));
    }
    if unknown {
        return Err(match sort.iter().position(Option::is_none) {
            Some(i) => Error::validation(format!(
                "Query condition missed key schema element: {}",
                sort_keys[i]
            )),
            None => Error::validation("Query key condition not supported"),
        });
    }
    // A condition on a sort key attribute needs an equality on every attribute before it.
    for (later, cond) in sort.iter().enumerate() {
        if cond.is_none() {
            continue;
        }
        if let Some(prior) = (0..later).find(|&i| !matches!(sort[i], Some(SortKeyCondition::Eq(_))))
        {
            return Err(Error::validation(format!(
                "RANGE key attributes {} must have equality conditions specified in the query because a condition is present on key attribute {}",
                sort_keys[prior], sort_keys[later]
            )));
        }
    }
    let named = sort.iter().take_while(|c| c.is_some()).count();
    let sort: Vec<(String, SortKeyCondition)> = sort_keys
        .iter()
        .zip(sort)
        .take(named)
        .filter_map(|(name, c)| Some(((*name).to_owned(), c?)))
        .collect();
    if let Some((_, SortKeyCondition::BeginsWith(v))) = sort.last() {
        if !matches!(v, Value::S(_) | Value::B(_)) {
            return Err(Error::validation(format!(
                "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: {}",
                v.type_name()
            )));
        }
    }
    Ok(KeyCondition {
        partition: partition_keys
            .iter()
            .zip(partition)
            .filter_map(|(name, v)| Some(((*name).to_owned(), v?)))
            .collect(),
        sort,
    })
}
