//! DynamoDB attribute values (their JSON wire form is read and written by `wire`), key ordering
//! (numbers numerically, strings and binaries bytewise) and item size accounting.

use serde_json::Value as Json;

use crate::error::Error;
use crate::number::Number;

pub use crate::item::Item;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    S(String),
    N(Number),
    B(Vec<u8>),
    Ss(Vec<String>),
    Ns(Vec<Number>),
    Bs(Vec<Vec<u8>>),
    M(Item),
    L(Vec<Value>),
    Null,
    Bool(bool),
}

/// A value usable in a key attribute: ordered the way DynamoDB orders sort keys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyValue {
    N(Number),
    S(String),
    B(Vec<u8>),
}

impl KeyValue {
    pub fn from_value(value: &Value) -> Option<KeyValue> {
        match value {
            Value::S(s) => Some(KeyValue::S(s.clone())),
            Value::N(n) => Some(KeyValue::N(*n)),
            Value::B(b) => Some(KeyValue::B(b.clone())),
            _ => None,
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            KeyValue::S(s) => Value::S(s.clone()),
            KeyValue::N(n) => Value::N(*n),
            KeyValue::B(b) => Value::B(b.clone()),
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            KeyValue::S(_) => "S",
            KeyValue::N(_) => "N",
            KeyValue::B(_) => "B",
        }
    }

    /// An empty string or binary, which no key attribute may hold.
    pub fn is_empty(&self) -> bool {
        matches!(self, KeyValue::S(s) if s.is_empty())
            || matches!(self, KeyValue::B(b) if b.is_empty())
    }

    /// Bytes counted against DynamoDB's key size limits (2048 partition, 1024 sort).
    pub fn size(&self) -> usize {
        match self {
            KeyValue::S(s) => s.len(),
            KeyValue::N(n) => number_size(n),
            KeyValue::B(b) => b.len(),
        }
    }
}

fn number_size(n: &Number) -> usize {
    // DynamoDB stores the significant digits, about two per byte, plus one byte (sign and
    // exponent); 1E+100 is as small as 1. The exact figure is not documented.
    (n.significant_digits() as usize).div_ceil(2) + 1
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::S(_) => "S",
            Value::N(_) => "N",
            Value::B(_) => "B",
            Value::Ss(_) => "SS",
            Value::Ns(_) => "NS",
            Value::Bs(_) => "BS",
            Value::M(_) => "M",
            Value::L(_) => "L",
            Value::Null => "NULL",
            Value::Bool(_) => "BOOL",
        }
    }

    /// Bytes this value counts for in DynamoDB's item size (400 KB limit, capacity units).
    pub fn size(&self) -> usize {
        match self {
            Value::S(s) => s.len(),
            Value::N(n) => number_size(n),
            Value::B(b) => b.len(),
            Value::Ss(v) => v.iter().map(String::len).sum(),
            Value::Ns(v) => v.iter().map(number_size).sum(),
            Value::Bs(v) => v.iter().map(Vec::len).sum(),
            Value::M(m) => 3 + m.iter().map(|(k, v)| k.len() + v.size() + 1).sum::<usize>(),
            Value::L(l) => 3 + l.iter().map(|v| v.size() + 1).sum::<usize>(),
            Value::Null | Value::Bool(_) => 1,
        }
    }

    /// Parses one wire value from a JSON tree (see `wire` for the format).
    pub fn from_json(json: &Json) -> Result<Value, Error> {
        crate::wire::value_from_json(json)
    }
}

/// Item size as DynamoDB counts it: attribute names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + v.size()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_small() {
        // Every stored attribute is one `Value`: a size change is a memory change for every item.
        assert_eq!(std::mem::size_of::<Number>(), 24);
        assert_eq!(std::mem::size_of::<Value>(), 32);
        assert_eq!(std::mem::size_of::<KeyValue>(), 32);
    }

    #[test]
    fn key_order() {
        let a = KeyValue::N(Number::parse("9").unwrap());
        let b = KeyValue::N(Number::parse("10").unwrap());
        assert!(a < b);
        assert!(KeyValue::S("B".into()) < KeyValue::S("a".into()));
        assert!(KeyValue::B(vec![0x7f]) < KeyValue::B(vec![0x80]));
    }
}
