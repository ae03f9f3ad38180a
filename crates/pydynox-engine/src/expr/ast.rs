//! The parsed form of every expression: document paths, condition trees, update actions. The
//! expression parser, the legacy-parameter builders and PartiQL all produce these types, so one
//! evaluator gives every API the same semantics. Placeholders are already resolved: names are the
//! real attribute names and operands carry their values.

use std::fmt;

use crate::value::{Item, Value};

/// One step of a document path: a map key / attribute name, or a list index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathElem {
    Name(String),
    Index(usize),
}

/// A document path (`a.b[2].c`); always starts with a name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Path(pub Vec<PathElem>);

impl Path {
    /// The path of one top-level attribute.
    pub fn attr(name: impl Into<String>) -> Path {
        Path(vec![PathElem::Name(name.into())])
    }

    /// The value at this path, if the item has one.
    pub fn get<'a>(&self, item: &'a Item) -> Option<&'a Value> {
        let mut elems = self.0.iter();
        let mut current = match elems.next()? {
            PathElem::Name(n) => item.get(n)?,
            PathElem::Index(_) => return None,
        };
        for elem in elems {
            current = step(current, elem)?;
        }
        Some(current)
    }

    /// The top-level attribute this path starts at.
    pub fn top(&self) -> &str {
        match self.0.first() {
            Some(PathElem::Name(n)) => n,
            _ => "",
        }
    }

    /// Whether the path names a top-level attribute (no `.x` or `[i]` after it).
    pub fn is_top_level(&self) -> bool {
        self.0.len() == 1
    }

    /// The path as DynamoDB lists it in error messages: `[a, b, [0]]`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| match e {
                PathElem::Name(n) => n.clone(),
                PathElem::Index(i) => format!("[{i}]"),
            })
            .collect();
        format!("[{}]", parts.join(", "))
    }
}

/// One step down a value: a map key or a list index.
pub(crate) fn step<'a>(value: &'a Value, elem: &PathElem) -> Option<&'a Value> {
    match (value, elem) {
        (Value::M(m), PathElem::Name(n)) => m.get(n),
        (Value::L(l), PathElem::Index(i)) => l.get(*i),
        _ => None,
    }
}

impl fmt::Display for Path {
    /// Document-path text: `a.b[0].c`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            match e {
                PathElem::Name(n) if i == 0 => f.write_str(n)?,
                PathElem::Name(n) => write!(f, ".{n}")?,
                PathElem::Index(idx) => write!(f, "[{idx}]")?,
            }
        }
        Ok(())
    }
}

/// A value in a condition: an attribute of the item, a constant, or `size(path)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(Path),
    Value(Value),
    Size(Path),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparator {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Eq => "=",
            Comparator::Ne => "<>",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        }
    }

    /// The comparator with its operands swapped (`:v < a` is `a > :v`).
    pub fn flipped(self) -> Comparator {
        match self {
            Comparator::Lt => Comparator::Gt,
            Comparator::Le => Comparator::Ge,
            Comparator::Gt => Comparator::Lt,
            Comparator::Ge => Comparator::Le,
            other => other,
        }
    }
}

/// The type names `attribute_type` accepts.
pub const TYPE_NAMES: [&str; 10] = ["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"];

/// A condition tree. `And`/`Or` hold flat lists (never nested in themselves by the parser), so long
/// conjunctions do not deepen the tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Compare(Operand, Comparator, Operand),
    /// `value BETWEEN low AND high`.
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    Exists(Path),
    NotExists(Path),
    /// `attribute_type(path, :t)`; the type is one of `TYPE_NAMES`.
    AttributeType(Path, &'static str),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

impl Cond {
    /// `a AND b`, flattening conjunctions.
    pub fn and(parts: Vec<Cond>) -> Cond {
        Cond::join(parts, true)
    }

    /// `a OR b`, flattening disjunctions.
    pub fn or(parts: Vec<Cond>) -> Cond {
        Cond::join(parts, false)
    }

    fn join(parts: Vec<Cond>, and: bool) -> Cond {
        let mut flat = Vec::with_capacity(parts.len());
        for p in parts {
            match (p, and) {
                (Cond::And(inner), true) | (Cond::Or(inner), false) => flat.extend(inner),
                (other, _) => flat.push(other),
            }
        }
        if flat.len() == 1 {
            return flat.pop().unwrap_or(Cond::And(Vec::new()));
        }
        if and {
            Cond::And(flat)
        } else {
            Cond::Or(flat)
        }
    }

    pub fn negate(self) -> Cond {
        Cond::Not(Box::new(self))
    }
}

/// A parsed condition or filter: evaluate it with `eval`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub root: Cond,
}

/// The right-hand side of `SET path = ...`.
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    Path(Path),
    Value(Value),
    Plus(Box<SetValue>, Box<SetValue>),
    Minus(Box<SetValue>, Box<SetValue>),
    IfNotExists(Path, Box<SetValue>),
    ListAppend(Box<SetValue>, Box<SetValue>),
    /// PartiQL `set_add(set, set)`: the union of two sets of one type.
    SetAdd(Box<SetValue>, Box<SetValue>),
    /// PartiQL `set_delete(set, set)`: the difference; an empty result removes the attribute.
    SetDelete(Box<SetValue>, Box<SetValue>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    Set(Path, SetValue),
    Remove(Path),
    /// Adds a number, or adds the members of a set.
    Add(Path, Value),
    /// Removes the members of a set.
    Delete(Path, Value),
}

impl UpdateAction {
    pub fn path(&self) -> &Path {
        match self {
            UpdateAction::Set(p, _)
            | UpdateAction::Remove(p)
            | UpdateAction::Add(p, _)
            | UpdateAction::Delete(p, _) => p,
        }
    }
}

/// A parsed update: apply it with `apply`.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub actions: Vec<UpdateAction>,
}

/// One sort-key condition of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKeyCondition {
    Eq(Value),
    Lt(Value),
    Le(Value),
    Gt(Value),
    Ge(Value),
    Between(Value, Value),
    BeginsWith(Value),
}

/// A query's key condition: an equality on every partition key attribute, and conditions on a
/// leading run of the sort key attributes (equalities, except perhaps the last), both in key schema
/// order. A single-attribute sort key has at most one condition.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCondition {
    pub partition: Vec<(String, Value)>,
    pub sort: Vec<(String, SortKeyCondition)>,
}

/// How DynamoDB shows a constant in messages: `AttributeValue: {N:5}`.
pub(crate) fn describe_value(v: &Value) -> String {
    fn inner(v: &Value) -> String {
        match v {
            Value::S(s) => s.clone(),
            Value::N(n) => n.to_string(),
            Value::B(b) => format!("{b:?}"),
            Value::Ss(s) => format!("[{}]", s.join(", ")),
            Value::Ns(n) => {
                let t: Vec<String> = n.iter().map(|x| x.to_string()).collect();
                format!("[{}]", t.join(", "))
            }
            Value::Bs(b) => format!("{b:?}"),
            Value::M(m) => {
                let t: Vec<String> = m
                    .iter()
                    .map(|(k, v)| format!("{k}={{{}:{}}}", v.type_name(), inner(v)))
                    .collect();
                format!("{{{}}}", t.join(", "))
            }
            Value::L(l) => {
                let t: Vec<String> = l
                    .iter()
                    .map(|v| format!("{{{}:{}}}", v.type_name(), inner(v)))
                    .collect();
                format!("[{}]", t.join(", "))
            }
            Value::Null => "true".into(),
            Value::Bool(b) => b.to_string(),
        }
    }
    format!("AttributeValue: {{{}:{}}}", v.type_name(), inner(v))
}
