//! DynamoDB JSON written directly: `{"name": {"S": "..."}, ...}`, the form request bodies carry.
//!
//! A batch write's body is most of its client cost. Written here, straight from the Python values
//! (through the same walk and checks as the SDK's values, see [`super::Sink`]) or from SDK values
//! where those already exist, it skips building a map of `AttributeValue`s per item only for the
//! SDK's serializer to walk them again.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::swar::{self, HIGHS, ONES};
use super::{Item, SetValues, Sink};

/// Writes DynamoDB JSON into `out`.
#[derive(Default)]
pub struct JsonSink {
    pub out: Vec<u8>,
}

impl JsonSink {
    fn tagged_str(&mut self, tag: &[u8], s: &str) {
        self.out.extend_from_slice(tag);
        write_str(&mut self.out, s);
        self.out.push(b'}');
    }

    fn number_text(&mut self, n: &str) {
        // Canonical numbers are digits, '.', '-' and 'E': nothing to escape.
        self.out.extend_from_slice(br#"{"N":""#);
        self.out.extend_from_slice(n.as_bytes());
        self.out.extend_from_slice(br#""}"#);
    }

    fn binary_text(&mut self, b: &[u8]) {
        self.out.extend_from_slice(br#"{"B":""#);
        self.out
            .extend_from_slice(aws_smithy_types::base64::encode(b).as_bytes());
        self.out.extend_from_slice(br#""}"#);
    }

    /// `{"SS":[...]}`, `{"NS":[...]}` or `{"BS":[...]}`; binary members are given base64-encoded.
    fn set_of<'a>(&mut self, tag: &[u8], members: impl Iterator<Item = &'a str>) {
        self.out.extend_from_slice(tag);
        for (i, m) in members.enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            write_str(&mut self.out, m);
        }
        self.out.extend_from_slice(b"]}");
    }

    fn binary_set<'a>(&mut self, members: impl Iterator<Item = &'a [u8]>) {
        let encoded: Vec<String> = members.map(aws_smithy_types::base64::encode).collect();
        self.set_of(br#"{"BS":["#, encoded.iter().map(String::as_str));
    }

    fn separator(&mut self, first: &mut bool) {
        if !std::mem::take(first) {
            self.out.push(b',');
        }
    }

    /// One member of an object being written: `"name":` after a comma when it is not the first.
    pub fn member(&mut self, first: &mut bool, name: &str) {
        self.separator(first);
        write_str(&mut self.out, name);
        self.out.push(b':');
    }

    /// An SDK value. A value kind added to the SDK after pydynox was written (it can only come
    /// back from DynamoDB, never from Python) is refused rather than written as something else.
    pub fn value(&mut self, av: &AttributeValue) -> Result<(), String> {
        match av {
            AttributeValue::S(s) => self.string(s),
            AttributeValue::N(n) => self.number_text(n),
            AttributeValue::Bool(b) => self.boolean(*b),
            AttributeValue::Null(_) => self.null(),
            AttributeValue::B(b) => self.binary_text(b.as_ref()),
            AttributeValue::M(m) => {
                self.out.extend_from_slice(br#"{"M":"#);
                self.item(m)?;
                self.out.push(b'}');
            }
            AttributeValue::L(l) => {
                let mut first = self.list_open(l.len());
                for v in l {
                    self.list_next(&mut first);
                    self.value(v)?;
                }
                self.list_close(first);
            }
            AttributeValue::Ss(ss) => self.set_of(br#"{"SS":["#, ss.iter().map(String::as_str)),
            AttributeValue::Ns(ns) => self.set_of(br#"{"NS":["#, ns.iter().map(String::as_str)),
            AttributeValue::Bs(bs) => self.binary_set(bs.iter().map(Blob::as_ref)),
            other => {
                return Err(format!(
                    "an attribute value of a type this version cannot write: {other:?}"
                ))
            }
        }
        Ok(())
    }

    /// An SDK item (or key) as a JSON object.
    pub fn item(&mut self, item: &Item) -> Result<(), String> {
        self.out.push(b'{');
        let mut first = true;
        for (name, v) in item {
            self.member(&mut first, name);
            self.value(v)?;
        }
        self.out.push(b'}');
        Ok(())
    }
}

impl Sink for JsonSink {
    type Value = ();
    type Map = bool;
    type List = bool;

    fn string(&mut self, s: &str) {
        self.tagged_str(br#"{"S":"#, s);
    }
    fn number(&mut self, canonical: String) {
        self.number_text(&canonical);
    }
    fn boolean(&mut self, b: bool) {
        self.out.extend_from_slice(if b {
            br#"{"BOOL":true}"#
        } else {
            br#"{"BOOL":false}"#
        });
    }
    fn null(&mut self) {
        self.out.extend_from_slice(br#"{"NULL":true}"#);
    }
    fn binary(&mut self, b: &[u8]) {
        self.binary_text(b);
    }
    fn set(&mut self, set: SetValues) {
        match set {
            SetValues::Strings(s) => self.set_of(br#"{"SS":["#, s.iter().map(String::as_str)),
            SetValues::Numbers(n) => self.set_of(br#"{"NS":["#, n.iter().map(String::as_str)),
            SetValues::Binary(b) => self.binary_set(b.iter().map(Vec::as_slice)),
        }
    }
    fn map_open(&mut self, _len: usize) -> bool {
        self.out.extend_from_slice(br#"{"M":{"#);
        true
    }
    fn map_key(&mut self, first: &mut bool, key: &str) {
        self.member(first, key);
    }
    fn map_value(&mut self, _first: &mut bool, _key: &str, _value: ()) {}
    fn map_close(&mut self, _first: bool) {
        self.out.extend_from_slice(b"}}");
    }
    fn list_open(&mut self, _len: usize) -> bool {
        self.out.extend_from_slice(br#"{"L":["#);
        true
    }
    fn list_next(&mut self, first: &mut bool) {
        self.separator(first);
    }
    fn list_value(&mut self, _first: &mut bool, _value: ()) {}
    fn list_close(&mut self, _first: bool) {
        self.out.extend_from_slice(b"]}");
    }
}

/// Whether any of the eight bytes is a control character, '"' or '\\' (exact, not a heuristic: the
/// classic "has a byte less than n" and "has a zero byte" word tricks).
fn word_needs_escape(w: u64) -> bool {
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    control | swar::eq(w, b'"') | swar::eq(w, b'\\') != 0
}

/// What a byte becomes inside a JSON string.
enum Escape {
    None,
    Short(&'static [u8]),
    /// `\u00XX`: the control characters without a short form.
    Unicode,
}

fn escape_of(b: u8) -> Escape {
    match b {
        b'"' => Escape::Short(br#"\""#),
        b'\\' => Escape::Short(br"\\"),
        b'\n' => Escape::Short(br"\n"),
        b'\r' => Escape::Short(br"\r"),
        b'\t' => Escape::Short(br"\t"),
        0x08 => Escape::Short(br"\b"),
        0x0c => Escape::Short(br"\f"),
        0x00..=0x1f => Escape::Unicode,
        _ => Escape::None,
    }
}

/// A JSON string: quoted, with '"', '\\' and control characters escaped. Everything else, UTF-8
/// included, is copied as is.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Nearly every string has nothing to escape: checked sixteen or eight bytes at a time, then
    // copied whole.
    if needs_escape(bytes) {
        write_escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

fn needs_escape(bytes: &[u8]) -> bool {
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
            _mm_set1_epi8,
        };
        while let Some(chunk) = bytes.get(i..i + 16) {
            // SAFETY: SSE2 is part of the x86_64 baseline, so every x86_64 CPU runs these; `chunk`
            // is 16 readable bytes and `loadu` accepts any alignment.
            let flagged = unsafe {
                let v = _mm_loadu_si128(chunk.as_ptr().cast());
                // A byte is a control character when min(byte, 0x1f) is the byte itself.
                let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
                let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
                let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
                _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash)))
            };
            if flagged != 0 {
                return true;
            }
            i += 16;
        }
    }
    while let Some(word) = swar::word_at(bytes, i) {
        if word_needs_escape(word) {
            return true;
        }
        i += 8;
    }
    // The last few bytes, as one word padded with a letter (which needs no escape).
    let mut tail = [b'a'; 8];
    for (slot, &b) in tail.iter_mut().zip(&bytes[i..]) {
        *slot = b;
    }
    word_needs_escape(u64::from_le_bytes(tail))
}

/// The text of a string that has something to escape; runs with nothing to escape are skipped
/// eight bytes at a time.
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(word) = swar::word_at(bytes, i) {
            if !word_needs_escape(word) {
                i += 8;
                continue;
            }
        }
        let end = (i + 8).min(bytes.len());
        for (at, &b) in bytes.iter().enumerate().take(end).skip(i) {
            let escape = escape_of(b);
            if matches!(escape, Escape::None) {
                continue;
            }
            out.extend_from_slice(&bytes[copied..at]);
            match escape {
                Escape::Short(text) => out.extend_from_slice(text),
                _ => {
                    out.extend_from_slice(br"\u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 0xf)]);
                }
            }
            copied = at + 1;
        }
        i = end;
    }
    out.extend_from_slice(&bytes[copied..]);
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::convert::wire::parse_item;

    fn json_str(s: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s);
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn strings_escape_like_serde() {
        let cases = [
            "",
            "plain ascii text that is longer than eight bytes",
            "quote \" and backslash \\ inside",
            "\"\\\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}",
            "unicode: ação, 日本語, emoji 🙂, and a tail",
            "12345678\"12345678\\",
            "ends with control\u{1}",
        ];
        for s in cases {
            let written = json_str(s);
            let back: String = serde_json::from_str(&written).expect("valid JSON string");
            assert_eq!(back, s, "{written}");
        }
        // Every single byte value in every position of strings shorter than a word, and of
        // strings made of vectors, words and a tail.
        for b in 0u8..0x80 {
            for (len, at) in (1..=33).flat_map(|len| (0..len).map(move |at| (len, at))) {
                let mut s = "abcdefghijklmnopqrstuvwxyz0123456"[..len]
                    .to_owned()
                    .into_bytes();
                s[at] = b;
                let s = String::from_utf8(s).expect("ASCII");
                let back: String = serde_json::from_str(&json_str(&s)).expect("valid");
                assert_eq!(back, s);
            }
        }
    }

    #[test]
    fn sdk_items_round_trip_through_the_wire_reader() {
        let mut inner: Item = HashMap::new();
        inner.insert("n".into(), AttributeValue::N("-12.5E+3".into()));
        inner.insert("quote\"key".into(), AttributeValue::S("line\nbreak".into()));
        let mut item: Item = HashMap::new();
        item.insert("s".into(), AttributeValue::S("text \u{1} ü".into()));
        item.insert(
            "n".into(),
            AttributeValue::N("123456789012345678901234567890.12345678".into()),
        );
        item.insert("t".into(), AttributeValue::Bool(true));
        item.insert("f".into(), AttributeValue::Bool(false));
        item.insert("z".into(), AttributeValue::Null(true));
        item.insert("b".into(), AttributeValue::B(Blob::new(vec![0, 1, 2, 255])));
        item.insert("m".into(), AttributeValue::M(inner.clone()));
        item.insert("empty_m".into(), AttributeValue::M(HashMap::new()));
        item.insert(
            "l".into(),
            AttributeValue::L(vec![
                AttributeValue::S("a".into()),
                AttributeValue::M(inner),
                AttributeValue::L(vec![]),
            ]),
        );
        item.insert(
            "ss".into(),
            AttributeValue::Ss(vec!["x".into(), "y\"".into()]),
        );
        item.insert(
            "ns".into(),
            AttributeValue::Ns(vec!["1".into(), "2.5".into()]),
        );
        item.insert(
            "bs".into(),
            AttributeValue::Bs(vec![Blob::new(vec![1]), Blob::new(vec![2, 3])]),
        );
        let mut sink = JsonSink::default();
        sink.item(&item).expect("known value kinds");
        let back = parse_item(&sink.out)
            .map_err(|_| "parse")
            .expect("readable");
        assert_eq!(back, item);
    }

    #[test]
    fn the_python_walk_writes_the_same_json_as_for_sdk_values() {
        // Sink calls as the walk over {"a": [1, {"b": None}], "c": {"d", "e"}} makes them.
        let mut sink = JsonSink::default();
        let mut top = true;
        sink.out.push(b'{');
        sink.member(&mut top, "a");
        let mut list = sink.list_open(2);
        sink.list_next(&mut list);
        sink.number("1".into());
        sink.list_next(&mut list);
        let mut map = sink.map_open(1);
        sink.map_key(&mut map, "b");
        sink.null();
        sink.map_close(map);
        sink.list_close(list);
        sink.member(&mut top, "c");
        sink.set(SetValues::Strings(vec!["d".into(), "e".into()]));
        sink.out.push(b'}');
        let back = parse_item(&sink.out)
            .map_err(|_| "parse")
            .expect("readable");
        let mut b: Item = HashMap::new();
        b.insert("b".into(), AttributeValue::Null(true));
        let mut want: Item = HashMap::new();
        want.insert(
            "a".into(),
            AttributeValue::L(vec![AttributeValue::N("1".into()), AttributeValue::M(b)]),
        );
        want.insert("c".into(), AttributeValue::Ss(vec!["d".into(), "e".into()]));
        assert_eq!(back, want);
    }
}
