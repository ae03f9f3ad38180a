//! Items read straight from DynamoDB's response bytes.
//!
//! The SDK turns every item of a page into a `HashMap<String, AttributeValue>` (a heap string per
//! name and per value, a hash table per map) only for us to turn that into Python objects and drop
//! it. Reading the JSON here instead borrows names and values from the response body, so a page
//! costs one pass over the bytes plus the Python objects themselves. Values keep DynamoDB's typing
//! (`{"N": "1.50"}` stays the text `1.50`), so nothing is lost on the way.
//!
//! The SDK still deserializes everything else of the response (counts, keys, capacity, errors):
//! `split_member` cuts the items out of the body before the SDK sees it.
//!
//! Values go straight from the bytes to their destination (Python objects, or the SDK's values for
//! a snapshot that is about to be saved) without an intermediate tree.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyList, PySet, PyString};

use super::number::small_int;
use super::skim;
use super::swar;
use super::{n_to_py, Item};

/// DynamoDB's own nesting limit is 32; a deeper document is malformed, and refusing it keeps the
/// recursion bounded whatever a server sends.
const MAX_DEPTH: usize = 64;

/// DynamoDB's type of a stored value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
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
    Unknown,
}

impl Tag {
    pub fn letter(self) -> &'static str {
        match self {
            Tag::S => "S",
            Tag::N => "N",
            Tag::B => "B",
            Tag::Bool => "BOOL",
            Tag::Null => "NULL",
            Tag::Ss => "SS",
            Tag::Ns => "NS",
            Tag::Bs => "BS",
            Tag::L => "L",
            Tag::M => "M",
            Tag::Unknown => "unknown",
        }
    }

    pub fn of_av(av: &AttributeValue) -> Tag {
        match av {
            AttributeValue::S(_) => Tag::S,
            AttributeValue::N(_) => Tag::N,
            AttributeValue::B(_) => Tag::B,
            AttributeValue::Bool(_) => Tag::Bool,
            AttributeValue::Null(_) => Tag::Null,
            AttributeValue::Ss(_) => Tag::Ss,
            AttributeValue::Ns(_) => Tag::Ns,
            AttributeValue::Bs(_) => Tag::Bs,
            AttributeValue::L(_) => Tag::L,
            AttributeValue::M(_) => Tag::M,
            _ => Tag::Unknown,
        }
    }
}

/// The response was not the JSON DynamoDB sends.
#[derive(Debug)]
pub struct WireError(String);

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "malformed item in the response: {}", self.0)
    }
}

impl From<WireError> for PyErr {
    fn from(e: WireError) -> PyErr {
        PyValueError::new_err(e.to_string())
    }
}

#[derive(Clone, Copy)]
struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Reader { text, pos: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn error(&self, what: &str) -> WireError {
        WireError(format!("{what} at byte {}", self.pos))
    }

    fn fail<T>(&self, what: &str) -> Result<T, WireError> {
        Err(self.error(what))
    }

    #[inline]
    fn peek(&mut self) -> Option<u8> {
        let b = self.bytes();
        // Servers send compact JSON: the next byte is nearly always the one wanted.
        if let Some(&c) = b.get(self.pos) {
            if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(c);
            }
        }
        while let Some(&c) = b.get(self.pos) {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                return Some(c);
            }
        }
        None
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Result<(), WireError> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.expected(&[c]))
        }
    }

    /// `,` before the next element, or the closing bracket: true when another element follows.
    #[inline]
    fn more(&mut self, close: u8) -> Result<bool, WireError> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.pos += 1;
                Ok(false)
            }
            _ => Err(self.expected(&[b',', close])),
        }
    }

    // Errors are built out of line, so that the hot readers above stay small enough to inline.
    #[cold]
    #[inline(never)]
    fn expected(&self, any_of: &[u8]) -> WireError {
        let quoted: Vec<String> = any_of.iter().map(|&c| format!("'{}'", c as char)).collect();
        self.error(&format!("expected {}", quoted.join(" or ")))
    }

    /// Opens a `{...}` or `[...]`; false when it is empty (and already closed).
    fn open(&mut self, open: u8, close: u8) -> Result<bool, WireError> {
        self.eat(open)?;
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(false);
        }
        Ok(true)
    }

    #[inline]
    fn string(&mut self) -> Result<Cow<'a, str>, WireError> {
        // The common case in a few instructions: a quote right here, no escapes.
        let b = self.bytes();
        if b.get(self.pos) == Some(&b'"') {
            let start = self.pos + 1;
            if let Some(end) = string_end(b, start).filter(|&i| b.get(i) == Some(&b'"')) {
                if let Some(s) = self.text.get(start..end) {
                    self.pos = end + 1;
                    return Ok(Cow::Borrowed(s));
                }
            }
        }
        self.string_the_long_way()
    }

    #[cold]
    #[inline(never)]
    fn string_the_long_way(&mut self) -> Result<Cow<'a, str>, WireError> {
        self.eat(b'"')?;
        let start = self.pos;
        match string_end(self.bytes(), start) {
            Some(i) if self.bytes()[i] == b'"' => {
                self.pos = i + 1;
                self.slice(start, i).map(Cow::Borrowed)
            }
            Some(i) => self.escaped(start, i).map(Cow::Owned),
            None => self.fail("unterminated string"),
        }
    }

    fn slice(&self, from: usize, to: usize) -> Result<&'a str, WireError> {
        match self.text.get(from..to) {
            Some(s) => Ok(s),
            None => self.fail("string cut inside a character"),
        }
    }

    /// The rest of a string that holds escapes, from `start`; `i` is the first backslash.
    fn escaped(&mut self, start: usize, mut i: usize) -> Result<String, WireError> {
        let b = self.bytes();
        let mut out = String::with_capacity(i - start + 16);
        out.push_str(self.slice(start, i)?);
        let mut run = i;
        loop {
            match b.get(i) {
                None => return self.fail("unterminated string"),
                Some(b'"') => {
                    out.push_str(self.slice(run, i)?);
                    self.pos = i + 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(self.slice(run, i)?);
                    let Some(&e) = b.get(i + 1) else {
                        return self.fail("unterminated escape");
                    };
                    i += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let (c, used) = self.unicode_escape(i)?;
                            out.push(c);
                            i += used;
                        }
                        _ => {
                            self.pos = i;
                            return self.fail("unknown escape");
                        }
                    }
                    run = i;
                }
                Some(_) => i += 1,
            }
        }
    }

    /// `XXXX` (and a low surrogate's `\uXXXX` after a high one) starting at `i`.
    fn unicode_escape(&mut self, i: usize) -> Result<(char, usize), WireError> {
        let text = self.text;
        let hex = |at: usize| -> Option<u32> {
            let s = text.get(at..at + 4)?;
            if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            u32::from_str_radix(s, 16).ok()
        };
        let Some(first) = hex(i) else {
            self.pos = i;
            return self.fail("bad \\u escape");
        };
        if (0xD800..0xDC00).contains(&first) {
            let low = match (self.text.get(i + 4..i + 6), hex(i + 6)) {
                (Some("\\u"), Some(low)) if (0xDC00..0xE000).contains(&low) => low,
                _ => {
                    self.pos = i;
                    return self.fail("unpaired surrogate in \\u escape");
                }
            };
            let code = 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00);
            return match char::from_u32(code) {
                Some(c) => Ok((c, 10)),
                None => self.fail("bad \\u escape"),
            };
        }
        match char::from_u32(first) {
            Some(c) => Ok((c, 4)),
            None => {
                self.pos = i;
                self.fail("unpaired surrogate in \\u escape")
            }
        }
    }

    fn literal(&mut self) -> Result<bool, WireError> {
        self.peek();
        let rest = &self.bytes()[self.pos..];
        if rest.starts_with(b"true") {
            self.pos += 4;
            Ok(true)
        } else if rest.starts_with(b"false") {
            self.pos += 5;
            Ok(false)
        } else {
            self.fail("expected true or false")
        }
    }

    /// Steps over one array or object by matching brackets outside strings, without reading what
    /// is inside: the item list of a page is skipped this way before the items are read properly.
    fn skip_container(&mut self) -> Result<(), WireError> {
        match skim::container_end(self.bytes(), self.pos) {
            Ok(end) => {
                self.pos = end;
                Ok(())
            }
            Err(e) => self.fail(e.message()),
        }
    }

    /// Any JSON value, skipped (members of the response the caller does not read).
    fn skip(&mut self, depth: usize) -> Result<(), WireError> {
        if depth > MAX_DEPTH {
            return self.fail("nested too deeply");
        }
        match self.peek() {
            Some(b'"') => self.string().map(drop),
            Some(b'{') => {
                if self.open(b'{', b'}')? {
                    loop {
                        self.string()?;
                        self.eat(b':')?;
                        self.skip(depth + 1)?;
                        if !self.more(b'}')? {
                            break;
                        }
                    }
                }
                Ok(())
            }
            Some(b'[') => {
                if self.open(b'[', b']')? {
                    loop {
                        self.skip(depth + 1)?;
                        if !self.more(b']')? {
                            break;
                        }
                    }
                }
                Ok(())
            }
            Some(_) => {
                let b = self.bytes();
                let start = self.pos;
                while let Some(&c) = b.get(self.pos) {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        break;
                    }
                    self.pos += 1;
                }
                if self.pos == start {
                    self.fail("expected a value")
                } else {
                    Ok(())
                }
            }
            None => self.fail("unexpected end"),
        }
    }

    /// Opens one `{"<type>": ` and returns the type.
    fn tag(&mut self, depth: usize) -> Result<Tag, WireError> {
        if depth > MAX_DEPTH {
            return self.fail("nested too deeply");
        }
        if let Some((tag, len)) = swar::word_at(self.bytes(), self.pos).and_then(compact_tag) {
            self.pos += len;
            return Ok(tag);
        }
        self.tag_the_long_way()
    }

    #[cold]
    #[inline(never)]
    fn tag_the_long_way(&mut self) -> Result<Tag, WireError> {
        self.eat(b'{')?;
        self.eat(b'"')?;
        let b = self.bytes();
        let start = self.pos;
        // Type names are one to four letters, never escaped.
        let Some(len) = b
            .get(start..)
            .and_then(|rest| rest.iter().take(5).position(|&c| c == b'"'))
        else {
            return self.fail("expected an attribute type");
        };
        let tag = match &b[start..start + len] {
            b"S" => Tag::S,
            b"N" => Tag::N,
            b"B" => Tag::B,
            b"M" => Tag::M,
            b"L" => Tag::L,
            b"SS" => Tag::Ss,
            b"NS" => Tag::Ns,
            b"BS" => Tag::Bs,
            b"BOOL" => Tag::Bool,
            b"NULL" => Tag::Null,
            other => {
                return Err(WireError(format!(
                    "unknown attribute type {:?} at byte {start}",
                    String::from_utf8_lossy(other)
                )))
            }
        };
        self.pos = start + len + 1;
        self.eat(b':')?;
        Ok(tag)
    }

    /// Calls `each` for every element of a JSON array.
    fn elements(
        &mut self,
        mut each: impl FnMut(&mut Self) -> Result<(), ReadError>,
    ) -> Result<(), ReadError> {
        if self.open(b'[', b']')? {
            loop {
                each(self)?;
                if !self.more(b']')? {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Calls `each` with the name of every member of a JSON object, positioned at its value.
    fn members(
        &mut self,
        mut each: impl FnMut(&mut Self, Cow<'a, str>) -> Result<(), ReadError>,
    ) -> Result<(), ReadError> {
        if self.open(b'{', b'}')? {
            loop {
                let name = self.string()?;
                self.eat(b':')?;
                each(self, name)?;
                if !self.more(b'}')? {
                    break;
                }
            }
        }
        Ok(())
    }

    /// One `{"<type>": <value>}` as a Python object; `float` reads a number as a float.
    fn py_value<'py>(
        &mut self,
        py: Python<'py>,
        names: &mut PageCache<'a>,
        float: bool,
        depth: usize,
    ) -> Result<(Tag, Bound<'py, PyAny>), ReadError> {
        let tag = self.tag(depth)?;
        let value = match tag {
            Tag::S => PyString::new(py, &self.string()?).into_any(),
            Tag::N => {
                let text = self.string()?;
                if float {
                    let f: f64 = text.parse().map_err(|_| {
                        WireError(format!("cannot read number {text:?} as a float"))
                    })?;
                    PyFloat::new(py, f).into_any()
                } else {
                    names.number(py, &text)?
                }
            }
            Tag::B => PyBytes::new(py, &decode_b64(&self.string()?)?).into_any(),
            Tag::Bool => PyBool::new(py, self.literal()?).to_owned().into_any(),
            Tag::Null => {
                self.literal()?;
                py.None().into_bound(py)
            }
            Tag::M => self.py_map(py, names, depth + 1)?.into_any(),
            Tag::L => {
                let list = PyList::empty(py);
                self.elements(|r| {
                    list.append(r.py_value(py, names, false, depth + 1)?.1)?;
                    Ok(())
                })?;
                list.into_any()
            }
            Tag::Ss | Tag::Ns | Tag::Bs => {
                let set = PySet::empty(py)?;
                self.elements(|r| {
                    let text = r.string()?;
                    match tag {
                        Tag::Ss => set.add(PyString::new(py, &text))?,
                        Tag::Ns => set.add(names.number(py, &text)?)?,
                        _ => set.add(PyBytes::new(py, &decode_b64(&text)?))?,
                    }
                    Ok(())
                })?;
                set.into_any()
            }
            // `tag()` reads only the ten types DynamoDB defines.
            Tag::Unknown => return Err(self.error("unknown attribute type").into()),
        };
        self.eat(b'}')?;
        Ok((tag, value))
    }

    fn py_map<'py>(
        &mut self,
        py: Python<'py>,
        names: &mut PageCache<'a>,
        depth: usize,
    ) -> Result<Bound<'py, PyDict>, ReadError> {
        let dict = PyDict::new(py);
        self.members(|r, name| {
            let value = r.py_value(py, names, false, depth)?.1;
            dict.set_item(names.get(py, &name), value)?;
            Ok(())
        })?;
        Ok(dict)
    }

    /// One `{"<type>": <value>}` in the SDK's form.
    fn av(&mut self, depth: usize) -> Result<AttributeValue, ReadError> {
        let tag = self.tag(depth)?;
        let strings = |r: &mut Self| -> Result<Vec<String>, ReadError> {
            let mut out = Vec::new();
            r.elements(|r| {
                out.push(r.string()?.into_owned());
                Ok(())
            })?;
            Ok(out)
        };
        let blob = |text: &str| -> Result<Blob, ReadError> {
            aws_smithy_types::base64::decode(text)
                .map(Blob::new)
                .map_err(|e| WireError(format!("invalid base64 binary: {e}")).into())
        };
        let value = match tag {
            Tag::S => AttributeValue::S(self.string()?.into_owned()),
            Tag::N => AttributeValue::N(self.string()?.into_owned()),
            Tag::B => AttributeValue::B(blob(&self.string()?)?),
            Tag::Bool => AttributeValue::Bool(self.literal()?),
            Tag::Null => AttributeValue::Null(self.literal()?),
            Tag::M => AttributeValue::M(self.av_map(depth + 1)?),
            Tag::L => {
                let mut list = Vec::new();
                self.elements(|r| {
                    list.push(r.av(depth + 1)?);
                    Ok(())
                })?;
                AttributeValue::L(list)
            }
            Tag::Ss => AttributeValue::Ss(strings(self)?),
            Tag::Ns => AttributeValue::Ns(strings(self)?),
            Tag::Bs => AttributeValue::Bs(
                strings(self)?
                    .iter()
                    .map(|t| blob(t))
                    .collect::<Result<_, _>>()?,
            ),
            // `tag()` reads only the ten types DynamoDB defines.
            Tag::Unknown => return Err(self.error("unknown attribute type").into()),
        };
        self.eat(b'}')?;
        Ok(value)
    }

    fn av_map(&mut self, depth: usize) -> Result<Item, ReadError> {
        let mut item = Item::new();
        self.members(|r, name| {
            let value = r.av(depth)?;
            item.insert(name.into_owned(), value);
            Ok(())
        })?;
        Ok(item)
    }
}

/// A read failed: the bytes were not DynamoDB's JSON, or Python refused an object.
pub enum ReadError {
    Wire(WireError),
    Py(PyErr),
}

impl From<WireError> for ReadError {
    fn from(e: WireError) -> Self {
        ReadError::Wire(e)
    }
}

impl From<PyErr> for ReadError {
    fn from(e: PyErr) -> Self {
        ReadError::Py(e)
    }
}

impl From<ReadError> for PyErr {
    fn from(e: ReadError) -> PyErr {
        match e {
            ReadError::Wire(w) => w.into(),
            ReadError::Py(p) => p,
        }
    }
}

/// The eight bytes of `text` (zero-padded) as a little-endian word, as `swar::word_at` reads them.
const fn word(text: &[u8]) -> u64 {
    let mut w = 0u64;
    let mut i = 0;
    while i < text.len() {
        w |= (text[i] as u64) << (8 * i);
        i += 1;
    }
    w
}

/// A type opening `{"<type>":` written without spaces, as servers send it, at the start of the word
/// `w`: the type and the opening's length. None sends the caller the long way.
#[inline]
fn compact_tag(w: u64) -> Option<(Tag, usize)> {
    const FIVE: u64 = (1 << 40) - 1;
    const SIX: u64 = (1 << 48) - 1;
    const S: u64 = word(b"{\"S\":");
    const N: u64 = word(b"{\"N\":");
    const B: u64 = word(b"{\"B\":");
    const M: u64 = word(b"{\"M\":");
    const L: u64 = word(b"{\"L\":");
    const SS: u64 = word(b"{\"SS\":");
    const NS: u64 = word(b"{\"NS\":");
    const BS: u64 = word(b"{\"BS\":");
    const BOOL: u64 = word(b"{\"BOOL\":");
    const NULL: u64 = word(b"{\"NULL\":");
    let tag = match w & FIVE {
        S => Tag::S,
        N => Tag::N,
        B => Tag::B,
        M => Tag::M,
        L => Tag::L,
        _ => {
            return match (w & SIX, w) {
                (SS, _) => Some((Tag::Ss, 6)),
                (NS, _) => Some((Tag::Ns, 6)),
                (BS, _) => Some((Tag::Bs, 6)),
                (_, BOOL) => Some((Tag::Bool, 8)),
                (_, NULL) => Some((Tag::Null, 8)),
                _ => None,
            }
        }
    };
    Some((tag, 5))
}

/// Where the string whose text starts at `from` ends: its closing quote or its first backslash.
#[inline]
fn string_end(b: &[u8], from: usize) -> Option<usize> {
    // Most strings are short: a few words before paying for a vector search.
    let near = b.len().min(from + 32);
    let quote_or_backslash = |w| swar::eq(w, b'"') | swar::eq(w, b'\\');
    match swar::find(&b[..near], from, quote_or_backslash) {
        Some(i) => Some(i),
        None => memchr::memchr2(b'"', b'\\', b.get(near..)?).map(|i| near + i),
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, WireError> {
    std::str::from_utf8(bytes).map_err(|e| WireError(format!("invalid UTF-8: {e}")))
}

/// The items of a response, as the bytes the server sent. Only [`split_member`] makes them, from a
/// body it checked to be UTF-8: reading them does not check again.
#[derive(Clone, Debug)]
pub struct WireItems {
    body: bytes::Bytes,
    /// The `[...]` of the items member, or the `{...}` of the one item of a single-item answer.
    array: Range<usize>,
    /// `array` is one item (GetItem's `Item`), not a list of them.
    single: bool,
    /// Per item, in order, attributes whose stored form is not their value (compressed, encrypted)
    /// as decoded: they replace what the bytes hold. Empty when the page has none.
    decoded: Vec<Item>,
}

/// A page's items: read from the response bytes when they were captured, else the SDK's.
pub enum PageItems {
    Wire(WireItems),
    Sdk(Vec<Item>),
}

/// One item of a page being read: its attributes one by one, each converted as its reader asks.
pub struct ItemReader<'r, 'a> {
    reader: &'r mut Reader<'a>,
    start: usize,
}

impl<'a> ItemReader<'_, 'a> {
    /// The S value of attribute `name`, looked up without consuming anything.
    pub fn peek_string(&self, name: &str) -> Option<Cow<'a, str>> {
        let mut r = *self.reader;
        r.pos = self.start;
        let mut found = None;
        r.members(|r, member| {
            if found.is_none() && member == name && r.tag(0)? == Tag::S {
                found = Some(r.string()?);
                r.eat(b'}')?;
            } else {
                r.skip(0)?;
            }
            Ok(())
        })
        .ok()?;
        found
    }

    /// Calls `each` for every attribute with its name and an `AttrValue` to convert it with.
    pub fn attributes(
        &mut self,
        mut each: impl FnMut(Cow<'a, str>, AttrValue<'_, 'a>) -> Result<(), ReadError>,
    ) -> Result<(), ReadError> {
        self.reader.pos = self.start;
        self.reader.members(|r, name| {
            each(
                name,
                AttrValue {
                    reader: r,
                    read: false,
                },
            )?;
            Ok(())
        })
    }

    /// The item's bytes (valid once its attributes were read).
    pub fn bytes(&self) -> &'a [u8] {
        self.reader
            .bytes()
            .get(self.start..self.reader.pos)
            .unwrap_or_default()
    }
}

/// One attribute's value, read once by whichever conversion the caller picks; skipped if none.
pub struct AttrValue<'r, 'a> {
    reader: &'r mut Reader<'a>,
    read: bool,
}

impl<'a> AttrValue<'_, 'a> {
    pub fn read<'py>(
        mut self,
        py: Python<'py>,
        names: &mut PageCache<'a>,
        float: bool,
    ) -> Result<(Tag, Bound<'py, PyAny>), ReadError> {
        self.read = true;
        self.reader.py_value(py, names, float, 0)
    }

    /// The value in the SDK's form (no Python involved).
    pub fn av(mut self) -> Result<AttributeValue, ReadError> {
        self.read = true;
        self.reader.av(0)
    }
}

impl Drop for AttrValue<'_, '_> {
    fn drop(&mut self) {
        // An attribute nobody converted is stepped over; a malformed one fails the next read.
        if !self.read {
            let before = self.reader.pos;
            if self.reader.skip(0).is_err() {
                self.reader.pos = before;
            }
        }
    }
}

impl WireItems {
    /// Sets the decoded attributes of each item, in order (see the field).
    pub fn set_decoded(&mut self, decoded: Vec<Item>) {
        self.decoded = decoded;
    }

    /// The decoded attributes of the `index`-th item, if it has any.
    pub fn decoded(&self, index: usize) -> Option<&Item> {
        self.decoded.get(index).filter(|d| !d.is_empty())
    }

    /// Calls `each` for every item of the page, in order.
    pub fn each_item<'a>(
        &'a self,
        mut each: impl FnMut(&mut ItemReader<'_, 'a>) -> Result<(), ReadError>,
    ) -> Result<(), ReadError> {
        let bytes = self.body.get(self.array.clone()).unwrap_or_default();
        // SAFETY: `split_member`, the only maker of `WireItems`, checked that the whole body is
        // UTF-8, and `array` starts and ends at ASCII brackets, so it cuts no character.
        let text = unsafe { std::str::from_utf8_unchecked(bytes) };
        let mut r = Reader::new(text);
        let mut one = |r: &mut Reader<'a>| {
            r.peek();
            let start = r.pos;
            let mut item = ItemReader { reader: r, start };
            each(&mut item)?;
            // Attributes the callback did not read (it stopped early) are stepped over.
            if item.reader.pos == start {
                item.reader.skip(0)?;
            }
            Ok(())
        };
        if self.single {
            one(&mut r)
        } else {
            r.elements(one)
        }
    }
}

/// One item's `{"name": {"S": ...}, ...}` bytes, in the SDK's form.
pub fn parse_item(bytes: &[u8]) -> Result<Item, ReadError> {
    let mut r = Reader::new(utf8(bytes)?);
    let item = r.av_map(0)?;
    if r.peek().is_some() {
        return Err(r.error("trailing bytes after the item").into());
    }
    Ok(item)
}

/// Finds the top-level member `name` of a JSON object, whose value is an array of items (or, when
/// `single`, one item: an object), and returns the object without it, plus the items. None when
/// the body is not UTF-8, or not an object holding that member as such a value: the caller then
/// lets the SDK read the body as it is.
pub fn split_member(body: &bytes::Bytes, name: &str, single: bool) -> Option<(Vec<u8>, WireItems)> {
    let open = if single { b'{' } else { b'[' };
    let text = std::str::from_utf8(body).ok()?;
    let mut r = Reader::new(text);
    if !r.open(b'{', b'}').ok()? {
        return None;
    }
    // Where the comma before the current member is, to cut it together with the member.
    let mut comma_before: Option<usize> = None;
    loop {
        r.peek();
        let member_start = r.pos;
        let key = r.string().ok()?;
        r.eat(b':').ok()?;
        let is_target = key == name && r.peek() == Some(open);
        let value_start = r.pos;
        if is_target {
            r.skip_container().ok()?;
        } else {
            r.skip(0).ok()?;
        }
        let value_end = r.pos;
        let next = r.peek();
        if is_target {
            let cut = match (comma_before, next) {
                (Some(comma), _) => comma..value_end,
                // The first member: take the comma after it, if another member follows.
                (None, Some(b',')) => member_start..r.pos + 1,
                (None, _) => member_start..value_end,
            };
            let mut rest = Vec::with_capacity(body.len() - (cut.end - cut.start));
            rest.extend_from_slice(&body[..cut.start]);
            rest.extend_from_slice(&body[cut.end..]);
            let items = WireItems {
                body: body.clone(),
                array: value_start..value_end,
                single,
                decoded: Vec::new(),
            };
            return Some((rest, items));
        }
        match next {
            Some(b',') => {
                comma_before = Some(r.pos);
                r.pos += 1;
            }
            _ => return None,
        }
    }
}

/// Python's cyclic garbage collector, paused while a page's objects are built.
///
/// Building a page allocates thousands of dicts and lists; each 700 allocations would start a
/// collection that walks every young object, the page's own half-built items included, and every
/// tenth of those walks the older ones again. None of these objects can be garbage while they are
/// being built, so those walks are pure cost (a seventh of a page's CPU when measured). The
/// collector resumes, as it was, when the guard drops.
pub struct GcPause {
    was_enabled: bool,
}

impl GcPause {
    pub fn new(_py: Python<'_>) -> Self {
        // SAFETY: called with the GIL held (the token proves it); returns the previous state.
        let previous = unsafe { pyo3::ffi::PyGC_Disable() };
        GcPause {
            was_enabled: previous == 1,
        }
    }
}

impl Drop for GcPause {
    fn drop(&mut self) {
        if self.was_enabled {
            // SAFETY: the guard lives inside a conversion that holds the GIL.
            unsafe {
                pyo3::ffi::PyGC_Enable();
            }
        }
    }
}

/// Plain dicts of a page's items.
pub fn items_to_dicts<'py>(
    py: Python<'py>,
    items: &WireItems,
    list: &Bound<'py, PyList>,
) -> PyResult<()> {
    let mut names = PageCache::new();
    let mut index = 0;
    items.each_item(|item| {
        let decoded = items.decoded(index);
        index += 1;
        let dict = PyDict::new(py);
        item.attributes(|name, value| {
            let key = names.get(py, &name);
            match decoded.and_then(|d| d.get(name.as_ref())) {
                Some(av) => dict.set_item(key, super::av_to_py(py, av)?)?,
                None => dict.set_item(key, value.read(py, &mut names, false)?.1)?,
            }
            Ok(())
        })?;
        list.append(dict)?;
        Ok(())
    })?;
    Ok(())
}

/// Attribute names repeat on every item of a page: one Python string per distinct name.
#[derive(Default)]
struct NameHasher(u64);

impl Hasher for NameHasher {
    fn finish(&self) -> u64 {
        // The multiplications leave their entropy in the high bits; the table indexes by the low.
        self.0 ^ (self.0 >> 29)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        // A few words that together cover every byte (overlapping where the text is not a multiple
        // of their size), mixed with the length: no byte is left out, so texts that differ hash
        // apart as well as a byte-by-byte hash would make them, at a fraction of its cost.
        let len = bytes.len();
        let mix = |h: u64, w: u64| (h ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut h = mix(self.0, len as u64);
        match len {
            0 => {}
            1..=3 => {
                let w = u64::from(bytes[0])
                    | u64::from(bytes[len / 2]) << 8
                    | u64::from(bytes[len - 1]) << 16;
                h = mix(h, w);
            }
            4..=8 => {
                let four = |at: usize| u64::from(swar::u32_at(bytes, at).unwrap_or_default());
                h = mix(h, four(0) | four(len - 4) << 32);
            }
            _ => {
                let mut at = 0;
                while let Some(w) = swar::word_at(bytes, at) {
                    h = mix(h, w);
                    at += 8;
                }
                if at < len {
                    h = mix(h, swar::word_at(bytes, len - 8).unwrap_or_default());
                }
            }
        }
        self.0 = h;
    }
}

/// Python objects for the texts that repeat across a page's items: attribute names, and numbers
/// that are not small ints (`Decimal("38.7223")` costs a parse per item; shared, it costs one per
/// page). Both are immutable in Python, so sharing them is invisible to callers.
pub struct PageCache<'a> {
    names: HashMap<Text<'a>, Py<PyString>, BuildHasherDefault<NameHasher>>,
    numbers: HashMap<Text<'a>, Py<PyAny>, BuildHasherDefault<NameHasher>>,
}

/// A text of the page as a cache key: compared with [`swar::same_bytes`] (no `memcmp` call for the
/// short texts a page repeats) and hashed as its bytes.
#[derive(Clone, Copy, Eq)]
struct Text<'a>(&'a str);

impl PartialEq for Text<'_> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        swar::same_bytes(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl std::hash::Hash for Text<'_> {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(self.0.as_bytes());
    }
}

/// A page with more distinct texts than this is not made of repeating items; stop remembering.
const MAX_REMEMBERED: usize = 2048;

impl<'a> PageCache<'a> {
    pub fn new() -> Self {
        PageCache {
            names: HashMap::default(),
            numbers: HashMap::default(),
        }
    }

    // By reference to a Cow, not &str: only a name borrowed from the page may be remembered.
    #[allow(clippy::ptr_arg)]
    pub fn get<'py>(&mut self, py: Python<'py>, name: &Cow<'a, str>) -> Bound<'py, PyString> {
        match name {
            Cow::Borrowed(s) if s.len() <= 64 => {
                if let Some(p) = self.names.get(&Text(s)) {
                    return p.bind(py).clone();
                }
                let p = PyString::new(py, s);
                if self.names.len() < MAX_REMEMBERED {
                    self.names.insert(Text(s), p.clone().unbind());
                }
                p
            }
            other => PyString::new(py, other),
        }
    }

    #[allow(clippy::ptr_arg)] // as for `get`: borrowed texts only are remembered
    fn number<'py>(&mut self, py: Python<'py>, text: &Cow<'a, str>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(v) = small_int(text) {
            return Ok(v.into_pyobject(py)?.into_any());
        }
        let Cow::Borrowed(s) = text else {
            return n_to_py(py, text);
        };
        if let Some(p) = self.numbers.get(&Text(s)) {
            return Ok(p.bind(py).clone());
        }
        let p = n_to_py(py, s)?;
        if self.numbers.len() < MAX_REMEMBERED {
            self.numbers.insert(Text(s), p.clone().unbind());
        }
        Ok(p)
    }
}

fn decode_b64(text: &str) -> Result<Vec<u8>, WireError> {
    aws_smithy_types::base64::decode(text)
        .map_err(|e| WireError(format!("invalid base64 binary: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &[u8]) -> Result<Item, String> {
        parse_item(body).map_err(|e| match e {
            ReadError::Wire(w) => w.to_string(),
            ReadError::Py(p) => p.to_string(),
        })
    }

    #[test]
    fn compact_type_openings_are_read_in_one_word() {
        let types = [
            ("S", Tag::S),
            ("N", Tag::N),
            ("B", Tag::B),
            ("M", Tag::M),
            ("L", Tag::L),
            ("SS", Tag::Ss),
            ("NS", Tag::Ns),
            ("BS", Tag::Bs),
            ("BOOL", Tag::Bool),
            ("NULL", Tag::Null),
        ];
        for (name, tag) in types {
            let opening = format!("{{\"{name}\":\"1\"}}");
            let w = swar::word_at(opening.as_bytes(), 0).unwrap();
            assert_eq!(compact_tag(w), Some((tag, name.len() + 4)), "{opening}");
            // The long way agrees, and is still taken when the opening has spaces.
            let spaced = format!("{{ \"{name}\" : \"1\"}}");
            for text in [opening.as_str(), spaced.as_str()] {
                let mut r = Reader::new(text);
                assert_eq!(r.tag(0).ok(), Some(tag), "{text}");
                assert_eq!(text[r.pos..].trim_start(), "\"1\"}");
            }
        }
        for other in [
            r#"{"SX":"1"}"#,
            r#"{"S" :"1"}"#,
            r#"{"BOOLS":"#,
            r#"["S":"1"]"#,
        ] {
            assert_eq!(
                compact_tag(swar::word_at(other.as_bytes(), 0).unwrap()),
                None,
                "{other}"
            );
        }
    }

    #[test]
    fn name_hashes_tell_similar_texts_apart() {
        use std::hash::BuildHasher;
        let hasher = BuildHasherDefault::<NameHasher>::default();
        let mut texts: Vec<String> = (0..20_000)
            .map(|i| format!("{}.{:02}", i / 100, i % 100))
            .collect();
        texts.extend((0..40).map(|n| "a".repeat(n)));
        texts.extend((0..40).map(|n| format!("{}b{}", "a".repeat(n), "a".repeat(39 - n))));
        let hashes: std::collections::HashSet<u64> =
            texts.iter().map(|t| hasher.hash_one(t.as_str())).collect();
        assert_eq!(hashes.len(), texts.len());
    }

    #[test]
    fn reads_every_type_and_escape() {
        let body =
            br#"{"s":{"S":"a\"b\\c\u00e9\ud83d\ude00/"},"n":{"N":"-1.50E+3"},"b":{"B":"AAE="},
            "t":{"BOOL":true},"z":{"NULL":true},"m":{"M":{"x":{"L":[{"N":"1"},{"SS":["p","q"]}]}}},
            "ns":{"NS":["1","2"]},"bs":{"BS":["AA=="]},"e":{"M":{}},"l":{"L":[]}}"#;
        let item = read(body).unwrap();
        assert_eq!(item["s"], AttributeValue::S("a\"b\\cé😀/".into()));
        assert_eq!(item["n"], AttributeValue::N("-1.50E+3".into()));
        assert_eq!(item["b"], AttributeValue::B(Blob::new(vec![0, 1])));
        assert_eq!(item["t"], AttributeValue::Bool(true));
        assert_eq!(item["z"], AttributeValue::Null(true));
        assert_eq!(item["e"], AttributeValue::M(Item::new()));
        assert_eq!(item["l"], AttributeValue::L(vec![]));
        assert_eq!(item["ns"], AttributeValue::Ns(vec!["1".into(), "2".into()]));
        assert_eq!(item["bs"], AttributeValue::Bs(vec![Blob::new(vec![0])]));
        assert_eq!(
            item["m"],
            AttributeValue::M(Item::from([(
                "x".to_owned(),
                AttributeValue::L(vec![
                    AttributeValue::N("1".into()),
                    AttributeValue::Ss(vec!["p".into(), "q".into()])
                ])
            )]))
        );
    }

    #[test]
    fn refuses_malformed_items() {
        for bad in [
            &br#"{"a":{"X":"1"}}"#[..],
            br#"{"a":{"S":"1"}"#,
            br#"{"a":{"S":"1","N":"2"}}"#,
            br#"{"a":{"S":"\ud800"}}"#,
            br#"{"a":{"S":"\q"}}"#,
            br#"{"a":{"S":"\u12"}}"#,
            br#"{"a":{"BOOL":maybe}}"#,
            br#"{"a":{"B":"***"}}"#,
            br#"{"a":{"S":"x"}} extra"#,
            b"{\"a\":{\"S\":\"\xff\"}}",
        ] {
            assert!(read(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let deep = format!(
            "{{\"a\":{}{{\"S\":\"x\"}}{}}}",
            "{\"L\":[".repeat(100),
            "]}".repeat(100)
        );
        assert!(read(deep.as_bytes())
            .unwrap_err()
            .contains("nested too deeply"));
    }

    #[test]
    fn splits_the_member_out_wherever_it_is() {
        let cases: [(&[u8], &[u8]); 4] = [
            (
                br#"{"Items":[{"a":{"S":"x"}}],"Count":1}"#,
                br#"{"Count":1}"#,
            ),
            (
                br#"{"Count":1, "Items" : [{"a":{"S":"x"}}] }"#,
                br#"{"Count":1 }"#,
            ),
            (
                br#"{"A":{"Items":[]},"Items":[{"a":{"S":"x"}}],"C":2}"#,
                br#"{"A":{"Items":[]},"C":2}"#,
            ),
            (br#"{"Items":[{"a":{"S":"x"}}]}"#, br#"{}"#),
        ];
        for (body, rest) in cases {
            let (got, items) =
                split_member(&bytes::Bytes::copy_from_slice(body), "Items", false).unwrap();
            assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(rest));
            let mut seen = Vec::new();
            let ok = items.each_item(|item| {
                assert_eq!(item.peek_string("a").as_deref(), Some("x"));
                item.attributes(|name, _value| {
                    seen.push(name.into_owned());
                    Ok(())
                })?;
                assert_eq!(item.bytes(), br#"{"a":{"S":"x"}}"#);
                Ok(())
            });
            assert!(ok.is_ok());
            assert_eq!(seen, ["a"]);
        }
        // GetItem's one item is an object member.
        let body =
            br#"{"ConsumedCapacity":{"CapacityUnits":0.5},"Item":{"a":{"S":"x"},"n":{"N":"1"}}}"#;
        let (rest, one) = split_member(&bytes::Bytes::copy_from_slice(body), "Item", true).unwrap();
        assert_eq!(rest, br#"{"ConsumedCapacity":{"CapacityUnits":0.5}}"#);
        let mut items = 0;
        let ok = one.each_item(|item| {
            items += 1;
            item.attributes(|_name, _value| Ok(()))?;
            assert_eq!(item.bytes(), br#"{"a":{"S":"x"},"n":{"N":"1"}}"#);
            Ok(())
        });
        assert!(ok.is_ok());
        assert_eq!(items, 1);
        let split = |body: &'static [u8], name: &str, single: bool| {
            split_member(&bytes::Bytes::from_static(body), name, single)
        };
        assert!(split(br#"{"Item":[]}"#, "Item", true).is_none());
        assert!(split(br#"{"Count":0}"#, "Items", false).is_none());
        assert!(split(br#"{"Items":{}}"#, "Items", false).is_none());
        assert!(split(b"not json", "Items", false).is_none());
        assert!(split(b"{\"Items\":[{\"a\":{\"S\":\"\xff\"}}]}", "Items", false).is_none());
    }
}
