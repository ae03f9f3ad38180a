//! A request's bytes read in one pass, by hand: objects and lists into `Lazy` structure, attribute
//! maps straight into `Item`s. It follows the serde visitors of `wire` rule for rule (same values,
//! same DynamoDB errors, same documents refused as malformed, serde_json's nesting limit included;
//! a property test holds it to them), and reuses their checks on values (`Kind`, `PayloadVisitor`).
//! Reading a request is most of the work of a write; driving serde's visitors for every attribute
//! and tag cost more than the text itself.
//!
//! Strings are scanned eight bytes at a time and borrowed from the request unless they hold an
//! escape; scalars other than strings are rare in requests and handed to serde_json.

use std::borrow::Cow;
use std::cell::RefCell;

use serde_json::Value as Json;

use super::{
    invalid, member_seed, needs_escape, not_an_attribute_value, Kind, Lazy, LazySeed, Parsed,
    PayloadVisitor, MAX_DEPTH,
};
use crate::item::Item;
use crate::value::Value;

/// Not JSON: the whole request is refused (a SerializationException).
pub(super) struct Malformed;

type Read<T> = std::result::Result<T, Malformed>;

/// serde_json's limit on nested lists and objects, kept so that both readers refuse the same
/// documents (and so that no document can exhaust the stack).
const NESTING_LIMIT: usize = 128;

pub(super) struct Reader<'a> {
    text: &'a str,
    at: usize,
    /// Lists and objects that may still be opened.
    room: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            at: 0,
            room: NESTING_LIMIT,
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    #[inline]
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    /// The next byte after any whitespace.
    #[inline]
    fn next_token(&mut self) -> Option<u8> {
        self.skip_space();
        self.peek()
    }

    #[inline]
    fn eat(&mut self, byte: u8) -> Read<()> {
        if self.next_token() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(Malformed)
        }
    }

    /// After the whole document: only whitespace may follow.
    pub(super) fn end(&mut self) -> Read<()> {
        match self.next_token() {
            None => Ok(()),
            Some(_) => Err(Malformed),
        }
    }

    #[inline]
    fn open(&mut self) -> Read<()> {
        self.room = self
            .room
            .checked_sub(1)
            .filter(|r| *r > 0)
            .ok_or(Malformed)?;
        self.at += 1;
        Ok(())
    }

    /// Steps over the `}` or `]` that ends the container `open` entered, giving its depth back.
    fn close(&mut self) {
        self.at += 1;
        self.room += 1;
    }

    /// The members of the object that starts here, each handed to `member` with its name.
    fn object(&mut self, mut member: impl FnMut(&mut Self, Cow<'a, str>) -> Read<()>) -> Read<()> {
        self.open()?;
        if self.next_token() == Some(b'}') {
            self.close();
            return Ok(());
        }
        loop {
            if self.next_token() != Some(b'"') {
                return Err(Malformed);
            }
            let name = self.string()?;
            self.eat(b':')?;
            member(self, name)?;
            match self.next_token() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.close();
                    return Ok(());
                }
                _ => return Err(Malformed),
            }
        }
    }

    /// The elements of the list that starts here, each handed to `element`.
    fn list(&mut self, mut element: impl FnMut(&mut Self) -> Read<()>) -> Read<()> {
        self.open()?;
        if self.next_token() == Some(b']') {
            self.close();
            return Ok(());
        }
        loop {
            element(self)?;
            match self.next_token() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.close();
                    return Ok(());
                }
                _ => return Err(Malformed),
            }
        }
    }

    /// The string that starts here (at its quote), borrowed unless it holds an escape.
    fn string(&mut self) -> Read<Cow<'a, str>> {
        let text = self.text;
        let bytes = text.as_bytes();
        let start = self.at + 1;
        let mut i = start + plain_run(bytes.get(start..).unwrap_or_default());
        // Within sixteen bytes of the quote, backslash or control character that ends the run.
        loop {
            match bytes.get(i) {
                Some(b'"') => {
                    self.at = i + 1;
                    return Ok(Cow::Borrowed(&text[start..i]));
                }
                Some(b'\\') => return self.escaped(start, i).map(Cow::Owned),
                Some(b) if *b >= 0x20 => i += 1,
                _ => return Err(Malformed),
            }
        }
    }

    /// The rest of a string with escapes: `text[start..at]` is plain, `at` is a backslash.
    fn escaped(&mut self, start: usize, mut at: usize) -> Read<String> {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(at - start + 16);
        out.push_str(&text[start..at]);
        loop {
            match bytes.get(at) {
                Some(b'"') => {
                    self.at = at + 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let (c, next) = unescape(bytes, at)?;
                    out.push(c);
                    at = next;
                }
                Some(b) if *b >= 0x20 => {
                    let run = at;
                    while bytes
                        .get(at)
                        .is_some_and(|b| *b >= 0x20 && *b != b'"' && *b != b'\\')
                    {
                        at += 1;
                    }
                    // Quotes and backslashes are ASCII: the run ends on a character boundary.
                    out.push_str(&text[run..at]);
                }
                _ => return Err(Malformed),
            }
        }
    }

    fn literal(&mut self, word: &str) -> Read<()> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(())
        } else {
            Err(Malformed)
        }
    }

    /// A string, number, boolean or null (anything else is malformed).
    fn scalar(&mut self) -> Read<Json> {
        match self.next_token() {
            Some(b'"') => Ok(Json::String(self.string()?.into_owned())),
            Some(b't') => self.literal("true").map(|_| Json::Bool(true)),
            Some(b'f') => self.literal("false").map(|_| Json::Bool(false)),
            Some(b'n') => self.literal("null").map(|_| Json::Null),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.at;
                while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.peek() {
                    self.at += 1;
                }
                // The number's own rules (and its value) are serde_json's.
                let number: Json =
                    serde_json::from_str(&self.text[start..self.at]).map_err(|_| Malformed)?;
                number.is_number().then_some(number).ok_or(Malformed)
            }
            _ => Err(Malformed),
        }
    }

    /// A value whose content does not matter (serde's `IgnoredAny`): only its syntax is checked,
    /// as serde_json checks it when it skips a value (no nesting limit, numbers by their grammar
    /// alone, `\u` escapes without pairing surrogates). Iterative: nesting is not bounded here.
    fn ignore(&mut self) -> Read<()> {
        // The lists (`[`) and objects (`{`) open around the current position.
        let mut open: Vec<u8> = Vec::new();
        loop {
            // A value.
            match self.next_token() {
                Some(b'"') => self.ignore_string()?,
                Some(b'-') => {
                    self.at += 1;
                    self.ignore_number()?;
                }
                Some(b'0'..=b'9') => self.ignore_number()?,
                Some(b't') => self.literal("true")?,
                Some(b'f') => self.literal("false")?,
                Some(b'n') => self.literal("null")?,
                Some(frame @ (b'[' | b'{')) => {
                    self.at += 1;
                    let close = if frame == b'[' { b']' } else { b'}' };
                    if self.next_token() == Some(close) {
                        self.at += 1;
                    } else {
                        open.push(frame);
                        if frame == b'{' {
                            self.ignore_key()?;
                        }
                        continue;
                    }
                }
                _ => return Err(Malformed),
            }
            // After a value: a comma and the next one, or the end of the enclosing list or object.
            loop {
                let Some(&frame) = open.last() else {
                    return Ok(());
                };
                let close = if frame == b'[' { b']' } else { b'}' };
                match self.next_token() {
                    Some(b',') => {
                        self.at += 1;
                        if frame == b'{' {
                            self.ignore_key()?;
                        }
                        break;
                    }
                    Some(b) if b == close => {
                        self.at += 1;
                        open.pop();
                    }
                    _ => return Err(Malformed),
                }
            }
        }
    }

    /// An object member's name and colon, in a value being ignored.
    fn ignore_key(&mut self) -> Read<()> {
        if self.next_token() != Some(b'"') {
            return Err(Malformed);
        }
        self.ignore_string()?;
        self.eat(b':')
    }

    /// A string being ignored: control characters refused, escapes checked loosely.
    fn ignore_string(&mut self) -> Read<()> {
        let bytes = self.text.as_bytes();
        let mut i = self.at + 1;
        loop {
            match bytes.get(i) {
                Some(b'"') => {
                    self.at = i + 1;
                    return Ok(());
                }
                Some(b'\\') => match bytes.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u') => {
                        hex4(bytes, i + 2)?;
                        i += 6;
                    }
                    _ => return Err(Malformed),
                },
                Some(b) if *b >= 0x20 => i += 1,
                _ => return Err(Malformed),
            }
        }
    }

    /// A number being ignored, after its sign: checked against JSON's grammar only.
    fn ignore_number(&mut self) -> Read<()> {
        let digits = |r: &mut Self| {
            let start = r.at;
            while let Some(b'0'..=b'9') = r.peek() {
                r.at += 1;
            }
            r.at > start
        };
        match self.peek() {
            Some(b'0') => {
                self.at += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(Malformed);
                }
            }
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(Malformed),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if !digits(self) {
                return Err(Malformed);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if !digits(self) {
                return Err(Malformed);
            }
        }
        Ok(())
    }

    /// A value read and thrown away, as serde's visitors refuse one: read as a value itself
    /// (a number must be in range, a string's escapes valid), its content ignored.
    fn discard(&mut self) -> Read<()> {
        match self.next_token() {
            Some(b'{') => self.object(|r, _| r.ignore()),
            Some(b'[') => self.list(Self::ignore),
            _ => self.scalar().map(drop),
        }
    }

    /// A request's value read as `seed` says (`LazyVisitor`'s rules).
    pub(super) fn lazy(&mut self, seed: LazySeed) -> Read<Lazy<'a>> {
        match self.next_token() {
            Some(b'{') => {
                if let LazySeed::Item = seed {
                    return Ok(Lazy::Item(RefCell::new(Some(self.item(0)?))));
                }
                let mut members = Vec::with_capacity(4);
                self.object(|r, name| {
                    let child = match seed {
                        LazySeed::Plain => LazySeed::Plain,
                        LazySeed::Tables => LazySeed::Structure,
                        _ => member_seed(&name),
                    };
                    members.push((name, r.lazy(child)?));
                    Ok(())
                })?;
                Ok(Lazy::Object(members))
            }
            Some(b'[') => {
                let element = match seed {
                    LazySeed::Items => LazySeed::Item,
                    LazySeed::Plain => LazySeed::Plain,
                    _ => LazySeed::Structure,
                };
                let mut values = Vec::with_capacity(4);
                self.list(|r| {
                    values.push(r.lazy(element)?);
                    Ok(())
                })?;
                Ok(Lazy::Array(values))
            }
            _ => self.scalar().map(Lazy::Scalar),
        }
    }

    /// What `ItemSeed` makes of any value: an attribute map, or the error for something else.
    pub(super) fn top_item(&mut self) -> Read<Parsed<Item>> {
        if self.next_token() == Some(b'{') {
            return self.item(0);
        }
        self.discard()?;
        Ok(Err(Box::new(crate::error::Error::serialization(
            "expected an attribute map",
        ))))
    }

    /// An attribute map starting here, `depth` levels deep (`ItemVisitor`'s rules).
    fn item(&mut self, depth: usize) -> Read<Parsed<Item>> {
        let mut entries = Vec::with_capacity(4);
        let mut failed = None;
        self.object(|r, name| {
            match r.value(depth)? {
                Ok(v) if failed.is_none() => entries.push((name.into_owned(), v)),
                Ok(_) => {}
                Err(e) => {
                    failed.get_or_insert(e);
                }
            }
            Ok(())
        })?;
        Ok(failed.map_or_else(|| Ok(Item::from_entries(entries)), Err))
    }

    /// One attribute value, `{"TYPE": payload}` (`ValueVisitor`'s rules).
    pub(super) fn value(&mut self, depth: usize) -> Read<Parsed<Value>> {
        if self.next_token() != Some(b'{') {
            self.discard()?;
            return Ok(Err(not_an_attribute_value()));
        }
        if depth > MAX_DEPTH {
            self.discard()?;
            return Ok(Err(invalid(
                "Nesting Levels have exceeded supported limits",
            )));
        }
        let mut found: Option<Parsed<Value>> = None;
        let mut members = 0;
        self.object(|r, tag| {
            if let Some(payload) = r.payload(&tag, depth)? {
                members += 1;
                found.get_or_insert(payload);
            }
            Ok(())
        })?;
        Ok(match (members, found) {
            (0, _) | (_, None) => Err(Box::new(crate::error::Error::validation(
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
            ))),
            (1, Some(value)) => value,
            _ => Err(Box::new(crate::error::Error::validation(
                "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
            ))),
        })
    }

    /// The payload of one type member; None when it is null (`PayloadVisitor`'s rules).
    fn payload(&mut self, tag: &str, depth: usize) -> Read<Option<Parsed<Value>>> {
        let visitor = PayloadVisitor {
            kind: Kind::of(tag),
            depth,
        };
        Ok(Some(match self.next_token() {
            Some(b'"') => {
                let text = self.string()?;
                match visitor.kind {
                    Kind::S => Ok(Value::S(text.into_owned())),
                    _ => visitor.text(&text),
                }
            }
            Some(b'[') => match visitor.kind {
                Kind::L => {
                    let mut values = Vec::with_capacity(4);
                    let mut failed = None;
                    self.list(|r| {
                        match r.value(depth + 1)? {
                            Ok(v) => values.push(v),
                            Err(e) => {
                                failed.get_or_insert(e);
                            }
                        }
                        Ok(())
                    })?;
                    failed.map_or(Ok(Value::L(values)), Err)
                }
                Kind::Ss | Kind::Ns | Kind::Bs => {
                    let mut texts = Vec::with_capacity(4);
                    let mut failed = None;
                    self.list(|r| {
                        if r.next_token() == Some(b'"') {
                            texts.push(r.string()?);
                        } else {
                            r.discard()?;
                            failed.get_or_insert_with(|| visitor.not_a_set_member());
                        }
                        Ok(())
                    })?;
                    match failed {
                        Some(e) => Err(e),
                        None => visitor.set(texts),
                    }
                }
                _ => {
                    self.discard()?;
                    Err(visitor.wrong())
                }
            },
            Some(b'{') => match visitor.kind {
                Kind::M => self.item(depth + 1)?.map(Value::M),
                _ => {
                    self.discard()?;
                    Err(visitor.wrong())
                }
            },
            _ => match self.scalar()? {
                Json::Null => return Ok(None),
                Json::Bool(b) => match (visitor.kind, b) {
                    (Kind::Bool, b) => Ok(Value::Bool(b)),
                    (Kind::Null, true) => Ok(Value::Null),
                    _ => Err(visitor.wrong()),
                },
                _ => Err(visitor.wrong()),
            },
        }))
    }
}

/// How many leading bytes of `bytes` are, sixteen at a time, none of a quote, a backslash or a
/// control character (the rest, fewer than sixteen from the first such byte, is left to look at).
#[inline]
fn plain_run(bytes: &[u8]) -> usize {
    let word = |b: &[u8]| <[u8; 8]>::try_from(b).map_or(u64::MAX, u64::from_le_bytes);
    let mut run = 0;
    for block in bytes.chunks_exact(16) {
        if needs_escape(word(&block[..8])) | needs_escape(word(&block[8..])) {
            break;
        }
        run += 16;
    }
    run
}

/// The escape at `bytes[at]` (a backslash): the character, and where the text goes on.
fn unescape(bytes: &[u8], at: usize) -> Read<(char, usize)> {
    let c = match bytes.get(at + 1).ok_or(Malformed)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let unit = hex4(bytes, at + 2)?;
            return match unit {
                0xD800..=0xDBFF => {
                    // A surrogate pair: the low half must follow as another \u escape.
                    if bytes.get(at + 6) != Some(&b'\\') || bytes.get(at + 7) != Some(&b'u') {
                        return Err(Malformed);
                    }
                    let low = hex4(bytes, at + 8)?;
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return Err(Malformed);
                    }
                    let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    char::from_u32(code).map(|c| (c, at + 12)).ok_or(Malformed)
                }
                0xDC00..=0xDFFF => Err(Malformed),
                _ => char::from_u32(unit).map(|c| (c, at + 6)).ok_or(Malformed),
            };
        }
        _ => return Err(Malformed),
    };
    Ok((c, at + 2))
}

/// Four hex digits at `bytes[at..]`.
fn hex4(bytes: &[u8], at: usize) -> Read<u32> {
    let digits = bytes.get(at..at + 4).ok_or(Malformed)?;
    digits.iter().try_fold(0u32, |n, d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return Err(Malformed),
        };
        Ok(n * 16 + u32::from(v))
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{
        from_slice, item_from_slice, read_request, read_request_with_serde, value_from_slice,
        ItemSeed, Lazy, ValueSeed,
    };

    /// The same structure, scalars, items and item errors.
    fn same(a: &Lazy<'_>, b: &Lazy<'_>) -> bool {
        match (a, b) {
            (Lazy::Object(x), Lazy::Object(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|((n, v), (m, w))| n == m && same(v, w))
            }
            (Lazy::Array(x), Lazy::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
            }
            (Lazy::Scalar(x), Lazy::Scalar(y)) => x == y,
            (Lazy::Item(x), Lazy::Item(y)) => *x.borrow() == *y.borrow(),
            _ => false,
        }
    }

    /// Every reading of `text` agrees with serde's visitors.
    fn agree(text: &str) {
        let bytes = text.as_bytes();
        match (read_request(bytes), read_request_with_serde(bytes)) {
            (Ok(a), Ok(b)) => assert!(same(&a, &b), "{text}\n{a:?}\n{b:?}"),
            (Err(a), Err(b)) => assert_eq!(a, b, "{text}"),
            (a, b) => panic!("{text}\nreader: {a:?}\nserde: {b:?}"),
        }
        let serde_item = from_slice(bytes, ItemSeed).and_then(|p| p.map_err(|e| *e));
        assert_eq!(item_from_slice(bytes), serde_item, "{text}");
        let serde_value = from_slice(bytes, ValueSeed { depth: 0 }).and_then(|p| p.map_err(|e| *e));
        assert_eq!(value_from_slice(bytes), serde_value, "{text}");
    }

    /// JSON strings as written (escapes included, some invalid on purpose).
    const STRINGS: &[&str] = &[
        "",
        "raw\u{1f}control",
        "\u{0}",
        "\\n then raw\u{1}",
        "x",
        "1.50",
        "-0",
        "1e3",
        "1E+400",
        "abc",
        "AAE=",
        "AQ==",
        "!!",
        "é",
        " ",
        "99999999999999999999999999999999999999999",
        "\\n",
        "\\\"",
        "\\\\",
        "\\/",
        "\\u00e9",
        "\\u0053",
        "It\\u0065m",
        "\\ud83d\\ude00",
        "\\ud800",
        "\\udc00",
        "\\ud800\\n",
        "\\ud800\\u0041",
        "\\q",
        "\\u12",
        "\\u00G0",
        "tab\\there",
        "\u{7f}",
        "😀",
    ];
    const NAMES: &[&str] = &[
        "S",
        "N",
        "B",
        "BOOL",
        "NULL",
        "SS",
        "NS",
        "BS",
        "L",
        "M",
        "Q",
        "Item",
        "Key",
        "Keys",
        "ExclusiveStartKey",
        "RequestItems",
        "Expected",
        "ExpressionAttributeValues",
        "Parameters",
        "PutRequest",
        "TableName",
        "x",
        "",
        "\\u0053",
        "It\\u0065m",
        "\\ud800",
    ];
    const NUMBERS: &[&str] = &[
        "0",
        "-1",
        "1.5",
        "-0",
        "2E-3",
        "1e400",
        "-1e400",
        "01",
        "-",
        "1e",
        "1.",
        ".5",
        "123456789012345678901234567890",
        "1.0e+2",
        "-0.0",
    ];
    const SPACE: &[&str] = &["", "", "", " ", "\n\t ", "\r"];

    #[derive(Debug, Clone)]
    enum Doc {
        Null,
        Bool(bool),
        Num(&'static str),
        Str(&'static str),
        List(Vec<Doc>),
        Obj(Vec<(&'static str, Doc)>),
    }

    const TAGS: &[&str] = &[
        "S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M", "Q",
    ];

    fn leaf() -> impl Strategy<Value = Doc> {
        prop_oneof![
            Just(Doc::Null),
            any::<bool>().prop_map(Doc::Bool),
            prop::sample::select(NUMBERS).prop_map(Doc::Num),
            prop::sample::select(STRINGS).prop_map(Doc::Str),
        ]
    }

    /// Any JSON, with attribute values (`{"TAG": payload}`) and attribute maps common in it.
    fn doc() -> impl Strategy<Value = Doc> {
        leaf().prop_recursive(7, 96, 5, |inner| {
            let value = prop::collection::vec((prop::sample::select(TAGS), inner.clone()), 0..3)
                .prop_map(Doc::Obj);
            prop_oneof![
                2 => value.clone(),
                1 => prop::collection::vec((prop::sample::select(NAMES), value.clone()), 0..4)
                    .prop_map(Doc::Obj),
                1 => prop::collection::vec(value, 0..4).prop_map(Doc::List),
                1 => prop::collection::vec(inner.clone(), 0..5).prop_map(Doc::List),
                1 => prop::collection::vec((prop::sample::select(NAMES), inner), 0..5)
                    .prop_map(Doc::Obj),
            ]
        })
    }

    fn render(doc: &Doc, space: &mut impl Iterator<Item = &'static str>, out: &mut String) {
        out.push_str(space.next().unwrap_or(""));
        match doc {
            Doc::Null => out.push_str("null"),
            Doc::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Doc::Num(n) => out.push_str(n),
            Doc::Str(s) => {
                out.push('"');
                out.push_str(s);
                out.push('"');
            }
            Doc::List(values) => {
                out.push('[');
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    render(v, space, out);
                }
                out.push_str(space.next().unwrap_or(""));
                out.push(']');
            }
            Doc::Obj(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(space.next().unwrap_or(""));
                    out.push('"');
                    out.push_str(k);
                    out.push_str("\":");
                    render(v, space, out);
                }
                out.push_str(space.next().unwrap_or(""));
                out.push('}');
            }
        }
    }

    fn text(doc: &Doc, spaces: &[&'static str]) -> String {
        let mut out = String::new();
        render(doc, &mut spaces.iter().copied().cycle(), &mut out);
        out
    }

    /// A document whose top level is an object (a request), its members anything.
    fn request() -> impl Strategy<Value = Doc> {
        prop::collection::vec((prop::sample::select(NAMES), doc()), 0..6).prop_map(Doc::Obj)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        #[test]
        fn reads_as_serde_does(
            doc in prop_oneof![request(), doc()],
            spaces in prop::collection::vec(prop::sample::select(SPACE), 1..8),
        ) {
            agree(&text(&doc, &spaces));
        }

        #[test]
        fn reads_broken_text_as_serde_does(
            doc in request(),
            at in any::<prop::sample::Index>(),
            edit in 0..3u8,
            byte in prop::sample::select(&[b'{', b'}', b'[', b']', b',', b':', b'"', b'\\', b' ', b'a', b'1', b'-', b'.', 0u8][..]),
        ) {
            let mut bytes = text(&doc, &[""]).into_bytes();
            let i = at.index(bytes.len() + 1);
            match edit {
                0 if i < bytes.len() => { bytes.remove(i); }
                1 if i < bytes.len() => bytes[i] = byte,
                _ => bytes.insert(i, byte),
            }
            if let Ok(text) = String::from_utf8(bytes) {
                agree(&text);
            }
        }
    }

    #[test]
    fn deep_documents_are_read_as_serde_reads_them() {
        for depth in [30, 31, 32, 33, 34, 126, 127, 128, 129, 400] {
            // Attribute values nested in lists and maps, around DynamoDB's 32 levels.
            let mut value = String::from(r#"{"S": "x"}"#);
            for level in 0..depth {
                value = if level % 2 == 0 {
                    format!(r#"{{"L": [{value}]}}"#)
                } else {
                    format!(r#"{{"M": {{"a": {value}}}}}"#)
                };
            }
            agree(&format!(r#"{{"Item": {{"a": {value}}}}}"#));
            agree(&value);
            // Plain lists around serde_json's 128 levels, read and skipped.
            let list = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            agree(&format!(r#"{{"Other": {list}}}"#));
            agree(&format!(r#"{{"Item": {{"a": {{"S": {list}}}}}}}"#));
            agree(&format!(r#"{{"Item": {{"a": {{"SS": [{list}]}}}}}}"#));
            agree(&format!(r#"{{"Item": {{"a": {list}}}}}"#));
        }
    }

    #[test]
    fn strings_are_read_with_their_escapes() {
        let read = read_request(
            br#"{"Item": {"a\u0062": {"S": "line\nbreak \"quoted\" \u00e9 \ud83d\ude00 \/ tab\tend"}}}"#,
        )
        .unwrap();
        let Lazy::Object(members) = &read else {
            panic!("{read:?}")
        };
        let item = members[0].1.take_item().unwrap();
        assert_eq!(
            item["ab"],
            crate::value::Value::S("line\nbreak \"quoted\" é 😀 / tab\tend".into())
        );
        for bad in [
            &br#"{"a": "\ud800"}"#[..],
            br#"{"a": "\udc00"}"#,
            br#"{"a": "\x"}"#,
            b"{\"a\": \"raw\ncontrol\"}",
            br#"{"a": "open"#,
            br#"{"a": 1e400}"#,
            br#"{"a": [1,]}"#,
            br#"{"a": 1,}"#,
        ] {
            assert!(
                read_request(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
            agree(std::str::from_utf8(bad).unwrap());
        }
    }
}
