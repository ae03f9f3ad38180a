//! A canonical byte form of a request, equal for two requests exactly when they ask for the same
//! thing: JSON objects in any member order, attribute maps in any order, set members in any order,
//! numbers compared as DynamoDB numbers (`1.0`, `1` and `1E0` are one number); lists keep their
//! order. TransactWriteItems compares a retry with the request its ClientRequestToken first came
//! with this way: an SDK is free to serialize the same request's maps in any order (Go's SDK does,
//! from randomly ordered maps), and such a retry must not be refused.
//!
//! Attribute values are recognised where the request reader parses attribute maps (`Item`, `Key`,
//! ...; see `wire::Lazy`), in `ExpressionAttributeValues` and in PartiQL's `Parameters` (a list,
//! which keeps its order); the rest is compared as JSON.
//!
//! Every part is written with a tag and a length, so distinct requests cannot share an encoding
//! (a string `"1"` and a number `1`, two members and one member holding both).

use serde_json::Value as Json;

use crate::value::{Item, Value};
use crate::wire::{self, Lazy};

/// Members whose values are attribute values keyed by placeholders.
const VALUE_MAPS: &[&str] = &["ExpressionAttributeValues"];

/// Members whose values are lists of attribute values (ExecuteTransaction's statement parameters).
const VALUE_LISTS: &[&str] = &["Parameters"];

fn len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u64).to_le_bytes());
}

fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    len(out, b.len());
    out.extend_from_slice(b);
}

/// Parts encoded on their own, then written in sorted order (map members, set members).
fn sorted(out: &mut Vec<u8>, mut parts: Vec<Vec<u8>>) {
    parts.sort_unstable();
    len(out, parts.len());
    for part in parts {
        out.extend_from_slice(&part);
    }
}

fn encoded(write: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out);
    out
}

/// An attribute value.
pub fn value(out: &mut Vec<u8>, v: &Value) {
    out.push(b'V');
    bytes(out, v.type_name().as_bytes());
    match v {
        Value::S(s) => bytes(out, s.as_bytes()),
        // Numbers are kept normalised, so their text is canonical.
        Value::N(n) => bytes(out, n.to_string().as_bytes()),
        Value::B(b) => bytes(out, b),
        Value::Ss(set) => sorted(
            out,
            set.iter()
                .map(|s| encoded(|o| bytes(o, s.as_bytes())))
                .collect(),
        ),
        Value::Ns(set) => sorted(
            out,
            set.iter()
                .map(|n| encoded(|o| bytes(o, n.to_string().as_bytes())))
                .collect(),
        ),
        Value::Bs(set) => sorted(out, set.iter().map(|b| encoded(|o| bytes(o, b))).collect()),
        Value::M(m) => item(out, m),
        Value::L(list) => {
            len(out, list.len());
            for v in list {
                value(out, v);
            }
        }
        Value::Null => {}
        Value::Bool(b) => out.push(u8::from(*b)),
    }
}

/// An attribute map (kept sorted by name).
pub fn item(out: &mut Vec<u8>, item: &Item) {
    out.push(b'I');
    len(out, item.len());
    for (name, v) in item {
        bytes(out, name.as_bytes());
        value(out, v);
    }
}

/// A JSON value, objects order-independent.
fn json(out: &mut Vec<u8>, j: &Json) {
    match j {
        Json::Null => out.push(b'z'),
        Json::Bool(b) => out.extend_from_slice(if *b { b"t" } else { b"f" }),
        Json::Number(n) => {
            out.push(b'n');
            bytes(out, n.to_string().as_bytes());
        }
        Json::String(s) => {
            out.push(b's');
            bytes(out, s.as_bytes());
        }
        Json::Array(values) => {
            out.push(b'a');
            len(out, values.len());
            for v in values {
                json(out, v);
            }
        }
        Json::Object(members) => {
            sorted_members(out, members.iter().map(|(k, v)| (k.as_str(), v)), json);
        }
    }
}

/// An object: each member written as its name and then its value (by `value`), in sorted order,
/// so that two objects with the same members in another order are written alike.
fn sorted_members<'n, V>(
    out: &mut Vec<u8>,
    members: impl Iterator<Item = (&'n str, V)>,
    mut value: impl FnMut(&mut Vec<u8>, V),
) {
    out.push(b'o');
    sorted(
        out,
        members
            .map(|(k, v)| {
                encoded(|o| {
                    bytes(o, k.as_bytes());
                    value(o, v);
                })
            })
            .collect(),
    );
}

/// A map of placeholders to attribute values; anything that is not one is compared as JSON (the
/// request is then refused by its validation, and never remembered).
fn value_map(out: &mut Vec<u8>, node: &Lazy<'_>) {
    let Lazy::Object(members) = node else {
        return lazy(out, node);
    };
    sorted_members(
        out,
        members.iter().map(|(k, v)| (k.as_ref(), v)),
        attribute_value,
    );
}

/// A list of attribute values, in its order; a list that is not one is compared as JSON.
fn value_list(out: &mut Vec<u8>, node: &Lazy<'_>) {
    let Lazy::Array(values) = node else {
        return lazy(out, node);
    };
    out.push(b'a');
    len(out, values.len());
    for v in values {
        attribute_value(out, v);
    }
}

/// One attribute value; anything that is not one is compared as JSON (the request is then
/// refused by its validation, and never remembered).
fn attribute_value(out: &mut Vec<u8>, node: &Lazy<'_>) {
    match wire::value_from_json(&node.to_json()) {
        Ok(parsed) => value(out, &parsed),
        Err(_) => lazy(out, node),
    }
}

/// A JSON value as the request reader read it.
pub fn lazy(out: &mut Vec<u8>, node: &Lazy<'_>) {
    match node {
        Lazy::Scalar(j) => json(out, j),
        Lazy::Array(values) => {
            out.push(b'a');
            len(out, values.len());
            for v in values {
                lazy(out, v);
            }
        }
        Lazy::Object(members) => object(out, members.iter().map(|(k, v)| (k.as_ref(), v))),
        Lazy::Item(cell) => match &*cell.borrow() {
            Some(Ok(parsed)) => item(out, parsed),
            // An attribute map DynamoDB refuses (the request fails, and is never remembered),
            // or one an operation already took (fingerprints are made before that).
            Some(Err(e)) => {
                out.push(b'E');
                bytes(out, e.message.as_bytes());
            }
            None => out.push(b'T'),
        },
    }
}

/// An object as the request reader read it, from its members.
pub fn object<'n, 'a: 'n>(
    out: &mut Vec<u8>,
    members: impl Iterator<Item = (&'n str, &'n Lazy<'a>)>,
) {
    sorted_members(out, members.map(|(k, v)| (k, (k, v))), |o, (k, v)| {
        member_value(o, k, v)
    });
}

/// One member's value, read as attribute values where the member holds them.
fn member_value(out: &mut Vec<u8>, name: &str, node: &Lazy<'_>) {
    if VALUE_MAPS.contains(&name) {
        value_map(out, node);
    } else if VALUE_LISTS.contains(&name) {
        value_list(out, node);
    } else {
        lazy(out, node);
    }
}

/// The canonical form of a whole JSON object given as a tree (requests built from parsed JSON):
/// read again as request bytes, so that it is recognised exactly as an HTTP request would be.
pub fn tree(out: &mut Vec<u8>, j: &Json) {
    let text = wire::json_bytes(j);
    match wire::read_request(&text) {
        Ok(read) => lazy(out, &read),
        Err(_) => json(out, j),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(text: &str) -> Vec<u8> {
        let read = wire::read_request(text.as_bytes()).unwrap();
        encoded(|o| lazy(o, &read))
    }

    #[test]
    fn maps_sets_and_numbers_compare_by_meaning() {
        let same = [
            (
                r#"{"a": 1, "b": {"x": [1, 2]}}"#,
                r#"{"b": {"x": [1, 2]}, "a": 1}"#,
            ),
            (
                r#"{"Item": {"p": {"S": "x"}, "n": {"N": "1.50"}}}"#,
                r#"{"Item": {"n": {"N": "15E-1"}, "p": {"S": "x"}}}"#,
            ),
            (
                r#"{"Item": {"s": {"SS": ["a", "b"]}, "n": {"NS": ["1", "2.0"]}, "b": {"BS": ["AA==", "AQ=="]}}}"#,
                r#"{"Item": {"b": {"BS": ["AQ==", "AA=="]}, "n": {"NS": ["2", "1.0"]}, "s": {"SS": ["b", "a"]}}}"#,
            ),
            (
                r#"{"ExpressionAttributeValues": {":a": {"N": "10"}, ":b": {"M": {"y": {"NULL": true}, "x": {"BOOL": true}}}}}"#,
                r#"{"ExpressionAttributeValues": {":b": {"M": {"x": {"BOOL": true}, "y": {"NULL": true}}}, ":a": {"N": "1E1"}}}"#,
            ),
        ];
        for (a, b) in same {
            assert_eq!(canonical(a), canonical(b), "{a} / {b}");
        }
        let different = [
            (r#"{"a": [1, 2]}"#, r#"{"a": [2, 1]}"#),
            (r#"{"a": "1"}"#, r#"{"a": 1}"#),
            (r#"{"a": 1}"#, r#"{"a": 1, "b": null}"#),
            (r#"{"ab": "c"}"#, r#"{"a": "bc"}"#),
            (
                r#"{"Item": {"n": {"N": "1"}}}"#,
                r#"{"Item": {"n": {"S": "1"}}}"#,
            ),
            (
                r#"{"Item": {"l": {"L": [{"N": "1"}, {"N": "2"}]}}}"#,
                r#"{"Item": {"l": {"L": [{"N": "2"}, {"N": "1"}]}}}"#,
            ),
            (
                r#"{"ExpressionAttributeValues": {":a": {"SS": ["a"]}}}"#,
                r#"{"ExpressionAttributeValues": {":a": {"SS": ["a", "b"]}}}"#,
            ),
            // Attribute values only where they are expected: elsewhere `{"N": "1.0"}` is JSON.
            (r#"{"Other": {"N": "1"}}"#, r#"{"Other": {"N": "1.0"}}"#),
        ];
        for (a, b) in different {
            assert_ne!(canonical(a), canonical(b), "{a} / {b}");
        }
    }

    #[test]
    fn a_tree_is_read_as_request_bytes_are() {
        let text = r#"{"Item": {"n": {"N": "1.0"}}, "ExpressionAttributeValues": {":v": {"SS": ["b", "a"]}}}"#;
        let parsed: Json = serde_json::from_str(text).unwrap();
        let from_tree = encoded(|o| tree(o, &parsed));
        assert_eq!(
            from_tree,
            canonical(
                r#"{"ExpressionAttributeValues": {":v": {"SS": ["a", "b"]}}, "Item": {"n": {"N": "1"}}}"#
            )
        );
    }
}
