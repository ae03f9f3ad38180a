//! DynamoDB attribute values: parsed from and written to the JSON wire form (`{"S": "x"}`), with
//! DynamoDB's validation (one type per value, no empty or duplicate sets, numbers in range), key
//! ordering (numbers numerically, strings and binaries bytewise) and item size accounting.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{Map, Value as Json};

use crate::error::Error;
use crate::number::Number;

pub type Item = BTreeMap<String, Value>;

/// DynamoDB allows 32 levels of nesting in a document.
const MAX_DEPTH: usize = 32;

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

    /// Parses one wire value; `path` names it in error messages.
    pub fn from_json(json: &Json) -> Result<Value, Error> {
        parse(json, 0)
    }

    pub fn to_json(&self) -> Json {
        let mut map = Map::with_capacity(1);
        let inner = match self {
            Value::S(s) => Json::String(s.clone()),
            Value::N(n) => Json::String(n.to_string()),
            Value::B(b) => Json::String(BASE64.encode(b)),
            Value::Ss(v) => Json::Array(v.iter().cloned().map(Json::String).collect()),
            Value::Ns(v) => Json::Array(v.iter().map(|n| Json::String(n.to_string())).collect()),
            Value::Bs(v) => Json::Array(v.iter().map(|b| Json::String(BASE64.encode(b))).collect()),
            Value::M(m) => Json::Object(item_to_json(m)),
            Value::L(l) => Json::Array(l.iter().map(Value::to_json).collect()),
            Value::Null => Json::Bool(true),
            Value::Bool(b) => Json::Bool(*b),
        };
        map.insert(self.type_name().to_owned(), inner);
        Json::Object(map)
    }
}

pub fn item_to_json(item: &Item) -> Map<String, Json> {
    item.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()
}

/// Parses an attribute map (`{"name": {"S": "x"}, ...}`).
pub fn item_from_json(json: &Json) -> Result<Item, Error> {
    let Json::Object(map) = json else {
        return Err(Error::serialization("expected an attribute map"));
    };
    let mut item = Item::new();
    for (name, value) in map {
        item.insert(name.clone(), parse(value, 0)?);
    }
    Ok(item)
}

/// Item size as DynamoDB counts it: attribute names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + v.size()).sum()
}

fn invalid(message: impl Into<String>) -> Error {
    Error::validation(format!(
        "One or more parameter values were invalid: {}",
        message.into()
    ))
}

fn number(text: &Json) -> Result<Number, Error> {
    let Json::String(text) = text else {
        return Err(Error::serialization(
            "NUMBER_VALUE cannot be converted to String",
        ));
    };
    Number::parse(text).map_err(|e| Error::validation(e.message()))
}

fn string(text: &Json, what: &str) -> Result<String, Error> {
    match text {
        Json::String(s) => Ok(s.clone()),
        _ => Err(Error::serialization(format!("{what} must be a string"))),
    }
}

fn binary(text: &Json) -> Result<Vec<u8>, Error> {
    let Json::String(s) = text else {
        return Err(Error::serialization("Binary values must be base64 strings"));
    };
    BASE64.decode(s.as_bytes()).map_err(|_| {
        Error::serialization(
            "Base64 encoded length is expected a multiple of 4 bytes but found invalid data",
        )
    })
}

fn array<'a>(json: &'a Json, type_name: &str) -> Result<&'a Vec<Json>, Error> {
    match json {
        Json::Array(a) => Ok(a),
        _ => Err(Error::serialization(format!("{type_name} must be a list"))),
    }
}

fn no_duplicates<T: PartialEq + std::fmt::Debug>(values: &[T]) -> Result<(), Error> {
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err(Error::validation(
                "One or more parameter values were invalid: Input collection contains duplicates",
            ));
        }
    }
    Ok(())
}

fn parse(json: &Json, depth: usize) -> Result<Value, Error> {
    if depth > MAX_DEPTH {
        return Err(invalid("Nesting Levels have exceeded supported limits"));
    }
    let Json::Object(map) = json else {
        return Err(Error::serialization(
            "Unexpected value type in payload: expected an AttributeValue object",
        ));
    };
    let mut entries = map.iter().filter(|(_, v)| !v.is_null());
    let Some((type_name, inner)) = entries.next() else {
        return Err(Error::validation(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        ));
    };
    if entries.next().is_some() {
        return Err(Error::validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
        ));
    }
    Ok(match type_name.as_str() {
        "S" => Value::S(string(inner, "S")?),
        "N" => Value::N(number(inner)?),
        "B" => Value::B(binary(inner)?),
        "BOOL" => match inner {
            Json::Bool(b) => Value::Bool(*b),
            _ => return Err(Error::serialization("BOOL must be true or false")),
        },
        "NULL" => match inner {
            Json::Bool(true) => Value::Null,
            _ => {
                return Err(invalid(
                    "Null attribute value types must have the value of true",
                ))
            }
        },
        "SS" => {
            let v = array(inner, "SS")?
                .iter()
                .map(|s| string(s, "SS members"))
                .collect::<Result<Vec<_>, _>>()?;
            if v.is_empty() {
                return Err(invalid("An string set  may not be empty"));
            }
            no_duplicates(&v)?;
            Value::Ss(v)
        }
        "NS" => {
            let v = array(inner, "NS")?
                .iter()
                .map(number)
                .collect::<Result<Vec<_>, _>>()?;
            if v.is_empty() {
                return Err(invalid("An number set  may not be empty"));
            }
            no_duplicates(&v)?;
            Value::Ns(v)
        }
        "BS" => {
            let v = array(inner, "BS")?
                .iter()
                .map(binary)
                .collect::<Result<Vec<_>, _>>()?;
            if v.is_empty() {
                return Err(invalid("Binary sets should not be empty"));
            }
            no_duplicates(&v)?;
            Value::Bs(v)
        }
        "L" => Value::L(
            array(inner, "L")?
                .iter()
                .map(|v| parse(v, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        "M" => {
            let Json::Object(m) = inner else {
                return Err(Error::serialization("M must be a map"));
            };
            let mut item = Item::new();
            for (k, v) in m {
                item.insert(k.clone(), parse(v, depth + 1)?);
            }
            Value::M(item)
        }
        other => {
            return Err(Error::serialization(format!(
                "Unknown AttributeValue type {other:?}"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip() {
        let wire = json!({
            "s": {"S": "x"}, "n": {"N": "1.50"}, "b": {"B": "AAE="}, "ss": {"SS": ["a", "b"]},
            "ns": {"NS": ["1", "2"]}, "m": {"M": {"l": {"L": [{"NULL": true}, {"BOOL": false}]}}}
        });
        let item = item_from_json(&wire).unwrap();
        assert_eq!(item["n"], Value::N(Number::parse("1.5").unwrap()));
        assert_eq!(item["b"], Value::B(vec![0, 1]));
        let back = Json::Object(item_to_json(&item));
        assert_eq!(back["n"], json!({"N": "1.5"}));
        assert_eq!(back["m"], wire["m"]);
    }

    #[test]
    fn refuses_bad_values() {
        for bad in [
            json!({}),
            json!({"S": "a", "N": "1"}),
            json!({"SS": []}),
            json!({"SS": ["a", "a"]}),
            json!({"N": "x"}),
            json!({"NULL": false}),
            json!({"Q": "x"}),
        ] {
            assert!(Value::from_json(&bad).is_err(), "{bad}");
        }
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
