//! Evaluation of conditions against an item, with DynamoDB's semantics: comparing values of
//! different types is false (never an error), `<`/`>` order only numbers, strings and binaries,
//! a missing attribute makes every comparison false except `<>`.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::ast::{Comparator, Cond, Condition, Operand};
use crate::error::Result;
use crate::number::Number;
use crate::value::{Item, Value};

impl Condition {
    pub fn new(root: Cond) -> Condition {
        Condition { root }
    }

    /// Whether `item` satisfies the condition. A missing item is an empty item (conditions on
    /// PutItem / UpdateItem / DeleteItem of an absent key).
    pub fn eval(&self, item: &Item) -> Result<bool> {
        Ok(eval(&self.root, item))
    }

    /// For a conjunction containing exactly one `name = constant` for each of `keys`, the constants
    /// in the order of `keys` (PartiQL UPDATE / DELETE / SELECT find their primary key this way);
    /// `None` otherwise. Other conjuncts are left to `eval`.
    pub fn key_equalities(&self, keys: &[&str]) -> Option<Vec<Value>> {
        let conjuncts: &[Cond] = match &self.root {
            Cond::And(parts) => parts,
            other => std::slice::from_ref(other),
        };
        let mut found: Vec<Option<&Value>> = vec![None; keys.len()];
        for c in conjuncts {
            let (path, value) = match c {
                Cond::Compare(Operand::Path(p), Comparator::Eq, Operand::Value(v))
                | Cond::Compare(Operand::Value(v), Comparator::Eq, Operand::Path(p)) => (p, v),
                _ => continue,
            };
            if !path.is_top_level() {
                continue;
            }
            if let Some(i) = keys.iter().position(|k| *k == path.top()) {
                if found[i].is_some() {
                    return None;
                }
                found[i] = Some(value);
            }
        }
        found.into_iter().map(|v| v.cloned()).collect()
    }
}

fn operand<'a>(op: &'a Operand, item: &'a Item) -> Option<Cow<'a, Value>> {
    match op {
        Operand::Path(p) => p.get(item).map(Cow::Borrowed),
        Operand::Value(v) => Some(Cow::Borrowed(v)),
        Operand::Size(p) => size_of(p.get(item)?).map(|n| Cow::Owned(Value::N(n))),
    }
}

/// `size()`: bytes of a string (UTF-8) or binary, members of a set, list or map.
pub fn size_of(v: &Value) -> Option<Number> {
    let n = match v {
        Value::S(s) => s.len(),
        Value::B(b) => b.len(),
        Value::Ss(s) => s.len(),
        Value::Ns(s) => s.len(),
        Value::Bs(s) => s.len(),
        Value::L(l) => l.len(),
        Value::M(m) => m.len(),
        Value::N(_) | Value::Null | Value::Bool(_) => return None,
    };
    Some(Number::from_i64(n as i64))
}

/// DynamoDB equality: same type and same value; sets compare as sets, lists element-wise, maps by
/// key.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::S(x), Value::S(y)) => x == y,
        (Value::N(x), Value::N(y)) => x == y,
        (Value::B(x), Value::B(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) => true,
        (Value::Ss(x), Value::Ss(y)) => same_members(x, y),
        (Value::Ns(x), Value::Ns(y)) => same_members(x, y),
        (Value::Bs(x), Value::Bs(y)) => same_members(x, y),
        (Value::L(x), Value::L(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| values_equal(a, b))
        }
        (Value::M(x), Value::M(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => false,
    }
}

fn same_members<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// Order of two scalars of one type (N numerically, S and B bytewise); `None` for anything else.
pub fn compare_scalars(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::N(x), Value::N(y)) => Some(x.cmp(y)),
        (Value::S(x), Value::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Value::B(x), Value::B(y)) => Some(x.as_slice().cmp(y.as_slice())),
        _ => None,
    }
}

pub fn begins_with(a: &Value, prefix: &Value) -> bool {
    match (a, prefix) {
        (Value::S(x), Value::S(p)) => x.starts_with(p.as_str()),
        (Value::B(x), Value::B(p)) => x.starts_with(p),
        _ => false,
    }
}

/// `contains(a, b)`: substring of a string, subsequence of a binary, member of a set (of b's type),
/// element of a list.
pub fn contains(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::S(x), Value::S(y)) => x.contains(y.as_str()),
        (Value::B(x), Value::B(y)) => {
            y.is_empty() || (y.len() <= x.len() && x.windows(y.len()).any(|w| w == y.as_slice()))
        }
        (Value::Ss(x), Value::S(y)) => x.contains(y),
        (Value::Ns(x), Value::N(y)) => x.contains(y),
        (Value::Bs(x), Value::B(y)) => x.contains(y),
        (Value::L(x), y) => x.iter().any(|e| values_equal(e, y)),
        _ => false,
    }
}

fn compare(a: Option<&Value>, op: Comparator, b: Option<&Value>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return op == Comparator::Ne;
    };
    match op {
        Comparator::Eq => values_equal(a, b),
        Comparator::Ne => !values_equal(a, b),
        _ => match compare_scalars(a, b) {
            None => false,
            Some(ord) => match op {
                Comparator::Lt => ord == Ordering::Less,
                Comparator::Le => ord != Ordering::Greater,
                Comparator::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            },
        },
    }
}

pub(crate) fn eval(cond: &Cond, item: &Item) -> bool {
    match cond {
        Cond::Compare(a, op, b) => {
            let (a, b) = (operand(a, item), operand(b, item));
            compare(a.as_deref(), *op, b.as_deref())
        }
        Cond::Between(x, lo, hi) => {
            let (Some(x), Some(lo), Some(hi)) =
                (operand(x, item), operand(lo, item), operand(hi, item))
            else {
                return false;
            };
            matches!(
                (compare_scalars(&x, &lo), compare_scalars(&x, &hi)),
                (
                    Some(Ordering::Greater | Ordering::Equal),
                    Some(Ordering::Less | Ordering::Equal)
                )
            )
        }
        Cond::In(x, list) => {
            let Some(x) = operand(x, item) else {
                return false;
            };
            list.iter()
                .any(|o| operand(o, item).is_some_and(|v| values_equal(&x, &v)))
        }
        Cond::Exists(p) => p.get(item).is_some(),
        Cond::NotExists(p) => p.get(item).is_none(),
        Cond::AttributeType(p, t) => p.get(item).is_some_and(|v| v.type_name() == *t),
        Cond::BeginsWith(a, b) => match (operand(a, item), operand(b, item)) {
            (Some(a), Some(b)) => begins_with(&a, &b),
            _ => false,
        },
        Cond::Contains(a, b) => match (operand(a, item), operand(b, item)) {
            (Some(a), Some(b)) => contains(&a, &b),
            _ => false,
        },
        Cond::Not(c) => !eval(c, item),
        Cond::And(parts) => parts.iter().all(|c| eval(c, item)),
        Cond::Or(parts) => parts.iter().any(|c| eval(c, item)),
    }
}

/// Paths a condition reads (for ProjectionExpression-free uses such as index projections).
pub fn condition_paths(cond: &Cond) -> Vec<&super::ast::Path> {
    fn op<'a>(o: &'a Operand, out: &mut Vec<&'a super::ast::Path>) {
        if let Operand::Path(p) | Operand::Size(p) = o {
            out.push(p);
        }
    }
    fn walk<'a>(c: &'a Cond, out: &mut Vec<&'a super::ast::Path>) {
        match c {
            Cond::Compare(a, _, b) | Cond::BeginsWith(a, b) | Cond::Contains(a, b) => {
                op(a, out);
                op(b, out);
            }
            Cond::Between(a, b, c) => {
                op(a, out);
                op(b, out);
                op(c, out);
            }
            Cond::In(a, list) => {
                op(a, out);
                list.iter().for_each(|o| op(o, out));
            }
            Cond::Exists(p) | Cond::NotExists(p) | Cond::AttributeType(p, _) => out.push(p),
            Cond::Not(c) => walk(c, out),
            Cond::And(v) | Cond::Or(v) => v.iter().for_each(|c| walk(c, out)),
        }
    }
    let mut out = Vec::new();
    walk(cond, &mut out);
    out
}
