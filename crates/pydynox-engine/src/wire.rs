//! DynamoDB's JSON wire form (`{"S": "x"}`, `{"M": {...}}`) ⇄ the engine's values, in one place:
//!
//! - one parser: serde visitors that build `Value`s and `Item`s while the JSON is read, with
//!   DynamoDB's validation (one type per value, no empty or duplicate sets, numbers in range, 32
//!   levels of nesting). They run while a request's bytes are read (no intermediate JSON tree;
//!   see `Lazy`) and, through the same code, over an already parsed `serde_json::Value` (legacy
//!   parameters, PartiQL).
//! - one writer: `Out` writes answers straight into the output buffer, items included, with a
//!   string escaper that skips eight bytes at a time; `item_json` derives a JSON tree from it for
//!   the few places that keep one (stream records, error details).

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};
use crate::number::Number;
use crate::value::{Item, Value};

mod reader;

use reader::Reader;

/// DynamoDB allows 32 levels of nesting in a document.
const MAX_DEPTH: usize = 32;

/// Visitor methods answering `$result` for JSON booleans, numbers and lists (consumed unread).
macro_rules! refuse_scalars_and_lists {
    ($result:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<Self::Value, E> {
            Ok($result)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<Self::Value, E> {
            Ok($result)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<Self::Value, E> {
            Ok($result)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<Self::Value, E> {
            Ok($result)
        }
        fn visit_seq<A: SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($result)
        }
    };
}

/// Visitor methods answering `$result` for JSON strings.
macro_rules! refuse_strings {
    ($result:expr) => {
        fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<Self::Value, E> {
            Ok($result)
        }
    };
}

/// Visitor methods answering `$result` for JSON objects (consumed unread).
macro_rules! refuse_maps {
    ($result:expr) => {
        fn visit_map<A: MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($result)
        }
    };
}

/// A string, borrowed from the input when it has no escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(
                self,
                s: &'de str,
            ) -> std::result::Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Self::Value, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> std::result::Result<Self::Value, E> {
                Ok(Text(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

fn invalid(message: impl Into<String>) -> Box<Error> {
    Box::new(Error::validation(format!(
        "One or more parameter values were invalid: {}",
        message.into()
    )))
}

/// A parse result: the value, or the DynamoDB error it earns (boxed: parse results sit in every
/// read request, and errors are rare). Kept apart from serde's own errors, which mean the bytes
/// are not JSON at all (a SerializationException).
type Parsed<T> = std::result::Result<T, Box<Error>>;

fn malformed() -> Error {
    Error::serialization("Start of structure or map found where not expected")
}

/// JSON bytes as text (request strings are then taken as they are, without a check of their own).
fn utf8(bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes).map_err(|_| malformed())
}

/// Deserializes `seed` from JSON bytes with serde's visitors: the reference `Reader` is held to.
#[cfg(test)]
fn from_slice<'de, S>(bytes: &'de [u8], seed: S) -> Result<S::Value>
where
    S: DeserializeSeed<'de>,
{
    let mut de = serde_json::Deserializer::from_slice(bytes);
    seed.deserialize(&mut de)
        .and_then(|v| de.end().map(|_| v))
        .map_err(|_| Error::serialization("Start of structure or map found where not expected"))
}

fn from_tree<'de, S>(json: &'de Json, seed: S) -> Result<S::Value>
where
    S: DeserializeSeed<'de>,
{
    seed.deserialize(json)
        .map_err(|_| Error::serialization("Start of structure or map found where not expected"))
}

/// One attribute value (`{"S": "x"}`) from JSON bytes.
pub fn value_from_slice(bytes: &[u8]) -> Result<Value> {
    let mut reader = Reader::new(utf8(bytes)?);
    let value = reader.value(0).and_then(|v| reader.end().map(|_| v));
    value.map_err(|_| malformed())?.map_err(|e| *e)
}

/// One attribute value from a parsed JSON tree.
pub fn value_from_json(json: &Json) -> Result<Value> {
    from_tree(json, ValueSeed { depth: 0 })?.map_err(|e| *e)
}

/// An attribute map (`{"name": {"S": "x"}, ...}`) from JSON bytes.
pub fn item_from_slice(bytes: &[u8]) -> Result<Item> {
    let mut reader = Reader::new(utf8(bytes)?);
    let item = reader.top_item().and_then(|i| reader.end().map(|_| i));
    item.map_err(|_| malformed())?.map_err(|e| *e)
}

/// An attribute map from a parsed JSON tree.
pub fn item_from_json(json: &Json) -> Result<Item> {
    from_tree(json, ItemSeed)?.map_err(|e| *e)
}

// -- the parser ---------------------------------------------------------------------------------

struct ItemSeed;

impl<'de> DeserializeSeed<'de> for ItemSeed {
    type Value = Parsed<Item>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(ItemVisitor { depth: 0 })
    }
}

/// An attribute map; `depth` is its nesting level (0 for an item, more inside `M`).
struct ItemVisitor {
    depth: usize,
}

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = Parsed<Item>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an attribute map")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(4));
        let mut failed = None;
        while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
            let value = map.next_value_seed(ValueSeed { depth: self.depth })?;
            match value {
                Ok(v) if failed.is_none() => entries.push((name.into_owned(), v)),
                Ok(_) => {}
                Err(e) => {
                    failed.get_or_insert(e);
                }
            }
        }
        Ok(failed.map_or_else(|| Ok(Item::from_entries(entries)), Err))
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(Err(Box::new(Error::serialization(
            "expected an attribute map",
        ))))
    }

    refuse_scalars_and_lists!(Err(Box::new(Error::serialization(
        "expected an attribute map"
    ))));
    refuse_strings!(Err(Box::new(Error::serialization(
        "expected an attribute map"
    ))));
}

struct ValueSeed {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Parsed<Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(ValueVisitor { depth: self.depth })
    }
}

/// `{"TYPE": payload}`: exactly one non-null member.
struct ValueVisitor {
    depth: usize,
}

fn not_an_attribute_value() -> Box<Error> {
    Box::new(Error::serialization(
        "Unexpected value type in payload: expected an AttributeValue object",
    ))
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Parsed<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an AttributeValue object")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        if self.depth > MAX_DEPTH {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(Err(invalid(
                "Nesting Levels have exceeded supported limits",
            )));
        }
        let mut found: Option<Parsed<Value>> = None;
        let mut members = 0;
        while let Some(Text(tag)) = map.next_key::<Text<'de>>()? {
            let payload = map.next_value_seed(PayloadSeed {
                tag: &tag,
                depth: self.depth,
            })?;
            if let Some(payload) = payload {
                members += 1;
                found.get_or_insert(payload);
            }
        }
        Ok(match (members, found) {
            (0, _) | (_, None) => Err(Box::new(Error::validation(
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
            ))),
            (1, Some(value)) => value,
            _ => Err(Box::new(Error::validation(
                "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
            ))),
        })
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(Err(not_an_attribute_value()))
    }

    refuse_scalars_and_lists!(Err(not_an_attribute_value()));
    refuse_strings!(Err(not_an_attribute_value()));
}

/// The payload of one type member; `None` when it is JSON null (a member left unset).
struct PayloadSeed<'t> {
    tag: &'t str,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for PayloadSeed<'_> {
    type Value = Option<Parsed<Value>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(PayloadVisitor {
            kind: Kind::of(self.tag),
            depth: self.depth,
        })
    }
}

#[derive(Clone, Copy)]
enum Kind<'t> {
    S,
    N,
    B,
    Bool,
    Null,
    Ss,
    Ns,
    Bs,
    L,
    M,
    Unknown(&'t str),
}

impl<'t> Kind<'t> {
    fn of(tag: &'t str) -> Kind<'t> {
        match tag {
            "S" => Kind::S,
            "N" => Kind::N,
            "B" => Kind::B,
            "BOOL" => Kind::Bool,
            "NULL" => Kind::Null,
            "SS" => Kind::Ss,
            "NS" => Kind::Ns,
            "BS" => Kind::Bs,
            "L" => Kind::L,
            "M" => Kind::M,
            _ => Kind::Unknown(tag),
        }
    }
}

struct PayloadVisitor<'t> {
    kind: Kind<'t>,
    depth: usize,
}

fn number(text: &str) -> Parsed<Number> {
    Number::parse(text).map_err(|e| Box::new(Error::validation(e.message())))
}

fn binary(text: &str) -> Parsed<Vec<u8>> {
    BASE64.decode(text.as_bytes()).map_err(|_| {
        Box::new(Error::serialization(
            "Base64 encoded length is expected a multiple of 4 bytes but found invalid data",
        ))
    })
}

fn no_duplicates<T: PartialEq>(values: &[T]) -> Parsed<()> {
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err(invalid("Input collection contains duplicates"));
        }
    }
    Ok(())
}

impl PayloadVisitor<'_> {
    /// The error for a payload of the wrong JSON type.
    fn wrong(&self) -> Box<Error> {
        Box::new(match self.kind {
            Kind::S => Error::serialization("S must be a string"),
            Kind::N => Error::serialization("NUMBER_VALUE cannot be converted to String"),
            Kind::B => Error::serialization("Binary values must be base64 strings"),
            Kind::Bool => Error::serialization("BOOL must be true or false"),
            Kind::Null => *invalid("Null attribute value types must have the value of true"),
            Kind::Ss => Error::serialization("SS must be a list"),
            Kind::Ns => Error::serialization("NS must be a list"),
            Kind::Bs => Error::serialization("BS must be a list"),
            Kind::L => Error::serialization("L must be a list"),
            Kind::M => Error::serialization("M must be a map"),
            Kind::Unknown(tag) => {
                Error::serialization(format!("Unknown AttributeValue type {tag:?}"))
            }
        })
    }

    fn text(&self, s: &str) -> Parsed<Value> {
        match self.kind {
            Kind::S => Ok(Value::S(s.to_owned())),
            Kind::N => number(s).map(Value::N),
            Kind::B => binary(s).map(Value::B),
            _ => Err(self.wrong()),
        }
    }
}

impl<'de> Visitor<'de> for PayloadVisitor<'_> {
    type Value = Option<Parsed<Value>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an attribute value payload")
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Self::Value, E> {
        Ok(Some(self.text(s)))
    }

    fn visit_string<E: de::Error>(self, s: String) -> std::result::Result<Self::Value, E> {
        Ok(Some(match self.kind {
            // An owned string (it had escapes) is moved in, not copied.
            Kind::S => Ok(Value::S(s)),
            _ => self.text(&s),
        }))
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> std::result::Result<Self::Value, E> {
        Ok(Some(match (self.kind, b) {
            (Kind::Bool, b) => Ok(Value::Bool(b)),
            (Kind::Null, true) => Ok(Value::Null),
            _ => Err(self.wrong()),
        }))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<Self::Value, E> {
        Ok(Some(Err(self.wrong())))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<Self::Value, E> {
        Ok(Some(Err(self.wrong())))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<Self::Value, E> {
        Ok(Some(Err(self.wrong())))
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        if !matches!(self.kind, Kind::Ss | Kind::Ns | Kind::Bs | Kind::L) {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Some(Err(self.wrong())));
        }
        if let Kind::L = self.kind {
            let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            let mut failed = None;
            while let Some(v) = seq.next_element_seed(ValueSeed {
                depth: self.depth + 1,
            })? {
                match v {
                    Ok(v) => values.push(v),
                    Err(e) => {
                        failed.get_or_insert(e);
                    }
                }
            }
            return Ok(Some(failed.map_or(Ok(Value::L(values)), Err)));
        }
        // A set: a list of strings.
        let mut texts: Vec<Cow<'de, str>> = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let mut failed = None;
        while let Some(member) = seq.next_element::<SetMember<'de>>()? {
            match member {
                SetMember::Text(t) => texts.push(t),
                SetMember::Other => {
                    failed.get_or_insert_with(|| self.not_a_set_member());
                }
            }
        }
        if let Some(e) = failed {
            return Ok(Some(Err(e)));
        }
        Ok(Some(self.set(texts)))
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        if let Kind::M = self.kind {
            let inner = ItemVisitor {
                depth: self.depth + 1,
            }
            .visit_map(&mut map)?;
            return Ok(Some(inner.map(Value::M)));
        }
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Some(Err(self.wrong())))
    }
}

impl PayloadVisitor<'_> {
    /// The error for a set member that is not a string.
    fn not_a_set_member(&self) -> Box<Error> {
        Box::new(match self.kind {
            Kind::Ss => Error::serialization("SS members must be a string"),
            Kind::Ns => Error::serialization("NUMBER_VALUE cannot be converted to String"),
            _ => Error::serialization("Binary values must be base64 strings"),
        })
    }

    fn set(&self, texts: Vec<Cow<'_, str>>) -> Parsed<Value> {
        let value = match self.kind {
            Kind::Ss => {
                if texts.is_empty() {
                    return Err(invalid("An string set  may not be empty"));
                }
                let v: Vec<String> = texts.into_iter().map(Cow::into_owned).collect();
                no_duplicates(&v)?;
                Value::Ss(v)
            }
            Kind::Ns => {
                let v = texts
                    .iter()
                    .map(|t| number(t))
                    .collect::<Parsed<Vec<_>>>()?;
                if v.is_empty() {
                    return Err(invalid("An number set  may not be empty"));
                }
                no_duplicates(&v)?;
                Value::Ns(v)
            }
            _ => {
                let v = texts
                    .iter()
                    .map(|t| binary(t))
                    .collect::<Parsed<Vec<_>>>()?;
                if v.is_empty() {
                    return Err(invalid("Binary sets should not be empty"));
                }
                no_duplicates(&v)?;
                Value::Bs(v)
            }
        };
        Ok(value)
    }
}

/// A member of a set: a string, or anything else (an error, reported after the list is read).
enum SetMember<'de> {
    Text(Cow<'de, str>),
    Other,
}

impl<'de> de::Deserialize<'de> for SetMember<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SetMember<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(
                self,
                s: &'de str,
            ) -> std::result::Result<Self::Value, E> {
                Ok(SetMember::Text(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Self::Value, E> {
                Ok(SetMember::Text(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> std::result::Result<Self::Value, E> {
                Ok(SetMember::Text(Cow::Owned(s)))
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
                Ok(SetMember::Other)
            }
            refuse_scalars_and_lists!(SetMember::Other);
            refuse_maps!(SetMember::Other);
        }
        d.deserialize_any(V)
    }
}

// -- a request, read once ---------------------------------------------------------------------

/// A request as read in one pass over its bytes: objects and lists as structure, scalars as JSON,
/// and attribute maps (the members and lists `member_seed` names) parsed straight
/// into `Item`s, their DynamoDB errors kept until the item is asked for.
#[derive(Debug)]
pub enum Lazy<'a> {
    Object(Vec<(Cow<'a, str>, Lazy<'a>)>),
    Array(Vec<Lazy<'a>>),
    Scalar(Json),
    /// An attribute map, parsed as it was read; `take_item` hands it over (once).
    Item(RefCell<Option<Parsed<Item>>>),
}

/// How the value of the member `name` of a request object is read (a `match` on the name: it runs
/// for every member of every object of every request).
fn member_seed(name: &str) -> LazySeed {
    match name {
        // Members whose objects are keyed by the caller's own names (attribute names,
        // placeholders, PartiQL parameter values): read as plain structure all the way down, so
        // that an attribute called `Key` or `Item` there is not taken for an attribute map.
        "Expected"
        | "KeyConditions"
        | "QueryFilter"
        | "ScanFilter"
        | "AttributeUpdates"
        | "ExpressionAttributeNames"
        | "ExpressionAttributeValues"
        | "Parameters" => LazySeed::Plain,
        // Keyed by table names, whatever they are ("Item" and "Keys" are valid table names).
        "RequestItems" => LazySeed::Tables,
        // One attribute map, wherever it appears (a put's item, a key, a start key).
        "Item" | "Key" | "ExclusiveStartKey" => LazySeed::Item,
        // A list of attribute maps (BatchGetItem's keys).
        "Keys" => LazySeed::Items,
        _ => LazySeed::Structure,
    }
}

impl Lazy<'_> {
    /// The same value as a JSON tree.
    pub fn to_json(&self) -> Json {
        match self {
            Lazy::Object(members) => Json::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone().into_owned(), v.to_json()))
                    .collect(),
            ),
            Lazy::Array(values) => Json::Array(values.iter().map(Lazy::to_json).collect()),
            Lazy::Scalar(json) => json.clone(),
            Lazy::Item(item) => match &*item.borrow() {
                Some(Ok(item)) => item_json(item),
                _ => Json::Null,
            },
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Lazy::Scalar(Json::Null))
    }

    /// The attribute map read here, moved out to its one user (an operation reads each item of
    /// its request once; a second read is a bug, answered as an internal error).
    pub fn take_item(&self) -> Result<Item> {
        match self {
            Lazy::Item(cell) => match cell.borrow_mut().take() {
                Some(parsed) => parsed.map_err(|e| *e),
                None => Err(Error::new(
                    "InternalServerError",
                    "An attribute map of the request was read twice",
                )
                .with_status(500)),
            },
            other => item_from_json(&other.to_json()),
        }
    }
}

/// Reads a request body (an empty body is an empty object).
pub fn read_request(body: &[u8]) -> Result<Lazy<'_>> {
    if body.is_empty() {
        return Ok(Lazy::Object(Vec::new()));
    }
    // Checked once here (ASCII runs go fast), so strings need no check of their own below.
    let mut reader = Reader::new(utf8(body)?);
    let lazy = reader
        .lazy(LazySeed::Structure)
        .and_then(|lazy| reader.end().map(|_| lazy))
        .map_err(|_| malformed())?;
    object_only(lazy)
}

/// A request body is a JSON object; any other document is refused.
fn object_only(lazy: Lazy<'_>) -> Result<Lazy<'_>> {
    match lazy {
        Lazy::Object(_) => Ok(lazy),
        _ => Err(Error::serialization(
            "The request body must be a JSON object",
        )),
    }
}

/// `read_request` with serde's visitors: the reference `Reader` is held to.
#[cfg(test)]
fn read_request_with_serde(body: &[u8]) -> Result<Lazy<'_>> {
    if body.is_empty() {
        return Ok(Lazy::Object(Vec::new()));
    }
    let mut de = serde_json::Deserializer::from_str(utf8(body)?);
    let lazy = LazySeed::Structure
        .deserialize(&mut de)
        .and_then(|lazy| de.end().map(|_| lazy))
        .map_err(|_| malformed())?;
    object_only(lazy)
}

#[derive(Clone, Copy)]
enum LazySeed {
    Structure,
    /// Structure in which no member is an attribute map.
    Plain,
    /// An object keyed by table names (RequestItems), each value read as structure.
    Tables,
    /// An attribute map: parsed into an `Item` (anything else where one is expected, such as a
    /// tag's `"Key": "name"`, is read as structure).
    Item,
    /// A list of attribute maps.
    Items,
}

#[cfg(test)]
impl<'de> DeserializeSeed<'de> for LazySeed {
    type Value = Lazy<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(LazyVisitor(self))
    }
}

#[cfg(test)]
struct LazyVisitor(LazySeed);

#[cfg(test)]
impl<'de> Visitor<'de> for LazyVisitor {
    type Value = Lazy<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        if let LazySeed::Item = self.0 {
            let item = ItemVisitor { depth: 0 }.visit_map(map)?;
            return Ok(Lazy::Item(RefCell::new(Some(item))));
        }
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(4));
        while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
            let seed = match self.0 {
                LazySeed::Plain => LazySeed::Plain,
                // A table name, whatever it is.
                LazySeed::Tables => LazySeed::Structure,
                _ => member_seed(&name),
            };
            members.push((name, map.next_value_seed(seed)?));
        }
        Ok(Lazy::Object(members))
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let element = match self.0 {
            LazySeed::Items => LazySeed::Item,
            LazySeed::Plain => LazySeed::Plain,
            _ => LazySeed::Structure,
        };
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(v) = seq.next_element_seed(element)? {
            values.push(v);
        }
        Ok(Lazy::Array(values))
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(Lazy::Scalar(Json::Null))
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> std::result::Result<Self::Value, E> {
        Ok(Lazy::Scalar(Json::Bool(b)))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> std::result::Result<Self::Value, E> {
        Ok(Lazy::Scalar(Json::from(n)))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> std::result::Result<Self::Value, E> {
        Ok(Lazy::Scalar(Json::from(n)))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> std::result::Result<Self::Value, E> {
        Ok(Lazy::Scalar(Json::from(n)))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Self::Value, E> {
        Ok(Lazy::Scalar(Json::String(s.to_owned())))
    }

    fn visit_string<E: de::Error>(self, s: String) -> std::result::Result<Self::Value, E> {
        Ok(Lazy::Scalar(Json::String(s)))
    }
}

// -- the writer ---------------------------------------------------------------------------------

/// Whether any of the eight bytes of `w` must be escaped in a JSON string: a control character,
/// `"` or `\`. (SWAR: a byte below 0x20, or equal to 0x22 or 0x5C, sets its high bit.)
#[inline]
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    let quote = (w ^ (ONES * b'"' as u64)).wrapping_sub(ONES) & !(w ^ (ONES * b'"' as u64)) & HIGH;
    let backslash =
        (w ^ (ONES * b'\\' as u64)).wrapping_sub(ONES) & !(w ^ (ONES * b'\\' as u64)) & HIGH;
    (below_space | quote | backslash) != 0
}

fn escape_byte(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        _ => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[(b >> 4) as usize],
            HEX[(b & 0xf) as usize],
        ]),
    }
}

/// A JSON string, escaped as serde_json escapes it. Eight bytes are checked at a time; runs that
/// need no escape are copied in one go.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // bytes[..done] are in `out`.
    let mut done = 0;
    let escape_from = |out: &mut Vec<u8>, done: &mut usize, at: usize, part: &[u8]| {
        for (j, &b) in part.iter().enumerate() {
            if b < 0x20 || b == b'"' || b == b'\\' {
                out.extend_from_slice(&bytes[*done..at + j]);
                escape_byte(out, b);
                *done = at + j + 1;
            }
        }
    };
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let word = <[u8; 8]>::try_from(chunk).map_or(u64::MAX, u64::from_le_bytes);
        if needs_escape(word) {
            escape_from(out, &mut done, at, chunk);
        }
        at += 8;
    }
    escape_from(out, &mut done, at, chunks.remainder());
    out.extend_from_slice(&bytes[done..]);
    out.push(b'"');
}

fn write_number(out: &mut Vec<u8>, n: &Number) {
    use std::io::Write as _;
    out.push(b'"');
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{n}");
    out.push(b'"');
}

fn write_binary(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'"');
    let start = out.len();
    out.resize(start + b.len().div_ceil(3) * 4, 0);
    let written = BASE64.encode_slice(b, &mut out[start..]).unwrap_or(0);
    out.truncate(start + written);
    out.push(b'"');
}

fn write_list<T>(out: &mut Vec<u8>, values: &[T], mut write: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, v);
    }
    out.push(b']');
}

/// One attribute value in wire form.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    out.extend_from_slice(b"{\"");
    out.extend_from_slice(value.type_name().as_bytes());
    out.extend_from_slice(b"\":");
    match value {
        Value::S(s) => write_str(out, s),
        Value::N(n) => write_number(out, n),
        Value::B(b) => write_binary(out, b),
        Value::Ss(v) => write_list(out, v, |o, s| write_str(o, s)),
        Value::Ns(v) => write_list(out, v, write_number),
        Value::Bs(v) => write_list(out, v, |o, b| write_binary(o, b)),
        Value::M(m) => write_item(out, m),
        Value::L(l) => write_list(out, l, write_value),
        Value::Null => out.extend_from_slice(b"true"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
    }
    out.push(b'}');
}

/// An attribute map in wire form.
pub fn write_item(out: &mut Vec<u8>, item: &Item) {
    out.push(b'{');
    for (i, (name, value)) in item.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, name);
        out.push(b':');
        write_value(out, value);
    }
    out.push(b'}');
}

/// An item as a JSON tree, for the places that keep one (stream records, error details). Built
/// from the writer's text, so there is one encoding.
pub fn item_json(item: &Item) -> Json {
    let mut out = Vec::new();
    write_item(&mut out, item);
    serde_json::from_slice(&out).unwrap_or_else(|_| Json::Object(Map::new()))
}

/// An answer (a JSON object) written member by member into one buffer.
pub struct Out {
    buf: Vec<u8>,
    /// Per open object: whether it has no member yet (no comma before the next one).
    empty: Vec<bool>,
}

impl Default for Out {
    fn default() -> Out {
        Out::new()
    }
}

/// About how many bytes an item's wire form takes (its size plus the quotes, type tags and braces
/// around each attribute), for sizing an answer's buffer before writing items into it.
pub fn estimated_len(item: &Item) -> usize {
    2 + item
        .iter()
        .map(|(name, value)| name.len() + value.size() + 16)
        .sum::<usize>()
}

impl Out {
    pub fn new() -> Out {
        Out::with_capacity(64)
    }

    /// An answer expected to take about `capacity` bytes: a page of items grown by doubling would
    /// be copied several times over (the allocator cannot always grow a large block in place).
    pub fn with_capacity(capacity: usize) -> Out {
        let mut buf = Vec::with_capacity(capacity.max(1));
        buf.push(b'{');
        Out {
            buf,
            empty: vec![true],
        }
    }

    /// Room for `additional` more bytes (see `with_capacity`).
    pub fn reserve(&mut self, additional: usize) -> &mut Out {
        self.buf.reserve(additional);
        self
    }

    /// The name of the next member of the current object.
    fn key(&mut self, name: &str) {
        if let Some(empty) = self.empty.last_mut() {
            if !*empty {
                self.buf.push(b',');
            }
            *empty = false;
        }
        write_str(&mut self.buf, name);
        self.buf.push(b':');
    }

    /// A member holding a JSON value (small parts of an answer: counts, capacity).
    pub fn json(&mut self, name: &str, value: &Json) -> &mut Out {
        self.key(name);
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.buf, value);
        self
    }

    /// A member holding an item.
    pub fn item(&mut self, name: &str, item: &Item) -> &mut Out {
        self.key(name);
        write_item(&mut self.buf, item);
        self
    }

    /// A member holding a list of items.
    pub fn items<'i>(&mut self, name: &str, items: impl IntoIterator<Item = &'i Item>) -> &mut Out {
        self.key(name);
        self.buf.push(b'[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            write_item(&mut self.buf, item);
        }
        self.buf.push(b']');
        self
    }

    /// Opens an object as the value of member `name`; `end_object` closes it.
    pub fn begin_object(&mut self, name: &str) -> &mut Out {
        self.key(name);
        self.buf.push(b'{');
        self.empty.push(true);
        self
    }

    pub fn end_object(&mut self) -> &mut Out {
        if self.empty.len() > 1 {
            self.empty.pop();
            self.buf.push(b'}');
        }
        self
    }

    /// The finished object's text.
    pub fn finish(mut self) -> Vec<u8> {
        while self.empty.len() > 1 {
            self.end_object();
        }
        self.buf.push(b'}');
        self.buf
    }
}

/// The text of a JSON value, as a writer's answer.
pub fn json_bytes(value: &Json) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(j: &Json) -> Vec<u8> {
        j.to_string().into_bytes()
    }

    #[test]
    fn round_trip() {
        let wire = json!({
            "s": {"S": "x"}, "n": {"N": "1.50"}, "b": {"B": "AAE="}, "ss": {"SS": ["a", "b"]},
            "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AAE=", "AQ=="]},
            "m": {"M": {"l": {"L": [{"NULL": true}, {"BOOL": false}, {"S": "q\"\\\n\u{1}é"}]}}}
        });
        let item = item_from_slice(&raw(&wire)).unwrap();
        assert_eq!(item, item_from_json(&wire).unwrap());
        assert_eq!(item["n"], Value::N(Number::parse("1.5").unwrap()));
        assert_eq!(item["b"], Value::B(vec![0, 1]));
        let back = item_json(&item);
        assert_eq!(back["n"], json!({"N": "1.5"}));
        assert_eq!(back["m"], wire["m"]);
        assert_eq!(back["bs"], wire["bs"]);
    }

    #[test]
    fn refuses_bad_values() {
        let cases = [
            (json!({}), "Supplied AttributeValue is empty"),
            (json!({"S": null}), "Supplied AttributeValue is empty"),
            (json!({"S": "a", "N": "1"}), "more than one datatypes"),
            (json!({"S": 1, "N": "1"}), "more than one datatypes"),
            (json!({"SS": []}), "may not be empty"),
            (json!({"SS": ["a", "a"]}), "contains duplicates"),
            (json!({"NS": ["1", "1.0"]}), "contains duplicates"),
            (json!({"N": "x"}), "cannot be converted into a number"),
            (
                json!({"N": 1}),
                "NUMBER_VALUE cannot be converted to String",
            ),
            (json!({"NULL": false}), "must have the value of true"),
            (json!({"Q": "x"}), "Unknown AttributeValue type"),
            (json!({"S": 1}), "S must be a string"),
            (json!({"B": "!!"}), "Base64"),
            (json!({"M": []}), "M must be a map"),
            (json!("x"), "expected an AttributeValue object"),
        ];
        for (bad, message) in cases {
            let from_bytes = value_from_slice(&raw(&bad)).unwrap_err();
            let from_tree = value_from_json(&bad).unwrap_err();
            assert!(
                from_bytes.message.contains(message),
                "{bad}: {from_bytes:?}"
            );
            assert_eq!(from_bytes, from_tree, "{bad}");
        }
        let mut deep = json!({"S": "x"});
        for _ in 0..40 {
            deep = json!({"L": [deep]});
        }
        assert!(value_from_slice(&raw(&deep))
            .unwrap_err()
            .message
            .contains("Nesting Levels"));
        let e = item_from_slice(&raw(&json!({"a": {"S": "x"}, "b": {"N": "z"}}))).unwrap_err();
        assert!(e.message.contains("number"));
    }

    #[test]
    fn strings_escape_like_serde_json() {
        let samples = [
            "",
            "plain ascii text that is longer than eight bytes",
            "quote\" backslash\\ newline\n tab\t cr\r bell\u{7} nul\0 del\u{7f}",
            "ünïcödé ✓ and \u{1f600} emoji",
            "12345678\"",
            "\u{1f}\u{8}\u{c}",
        ];
        let mut shifted = Vec::new();
        for pad in 0..17 {
            shifted.push(format!(
                "{}\"{}\n{}\\",
                "a".repeat(pad),
                "b".repeat(pad / 2),
                "c".repeat(9)
            ));
        }
        for s in samples
            .iter()
            .copied()
            .chain(shifted.iter().map(String::as_str))
        {
            let mut out = Vec::new();
            write_str(&mut out, s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }

    #[test]
    fn reads_requests_in_one_pass() {
        let body = br#"{"TableName": "t1x", "Item": {"pk": {"S": "a"}}, "Key": {"pk": {"N": "x"}},
            "Tags": [{"Key": "team", "Value": "core"}], "Keys": [{"k": {"S": "1"}}, "oops"],
            "Expected": {"Key": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "v"}]}},
            "Parameters": [{"M": {"Item": {"S": "x"}}}],
            "RequestItems": {"Item": {"Keys": [{"k": {"S": "2"}}]}, "Keys": [{"PutRequest": {}}]}}"#;
        let read = read_request(body).unwrap();
        let Lazy::Object(members) = &read else {
            panic!("{read:?}")
        };
        let get = |name: &str| &members.iter().find(|(n, _)| n == name).unwrap().1;
        assert_eq!(get("Item").take_item().unwrap()["pk"], Value::S("a".into()));
        assert!(get("Item")
            .take_item()
            .unwrap_err()
            .message
            .contains("read twice"));
        assert!(get("Key")
            .take_item()
            .unwrap_err()
            .message
            .contains("number"));
        assert_eq!(
            get("Tags").to_json(),
            json!([{"Key": "team", "Value": "core"}])
        );
        let Lazy::Array(keys) = get("Keys") else {
            panic!()
        };
        assert!(keys[0].take_item().is_ok());
        assert!(keys[1].take_item().is_err());
        assert_eq!(get("TableName").to_json(), json!("t1x"));
        // Attributes called Key or Item in legacy parameters and PartiQL values stay as they came.
        assert_eq!(
            get("Expected").to_json(),
            json!({"Key": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "v"}]}})
        );
        assert_eq!(
            get("Parameters").to_json(),
            json!([{"M": {"Item": {"S": "x"}}}])
        );
        for bad in [&b"[1]"[..], b"{", b"{\"a\": 1} x", b"\xff"] {
            assert!(read_request(bad).is_err());
        }
    }

    #[test]
    fn writes_nested_answers() {
        let item = item_from_json(&json!({"k": {"S": "v"}})).unwrap();
        let mut out = Out::new();
        out.items("Items", [&item, &item]);
        out.json("Count", &json!(2));
        out.begin_object("Responses");
        out.items("t1", []);
        out.item("one", &item);
        out.end_object();
        out.begin_object("Empty").end_object();
        let text = String::from_utf8(out.finish()).unwrap();
        let parsed: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed,
            json!({"Items": [{"k": {"S": "v"}}, {"k": {"S": "v"}}], "Count": 2,
                   "Responses": {"t1": [], "one": {"k": {"S": "v"}}}, "Empty": {}})
        );
    }
}
