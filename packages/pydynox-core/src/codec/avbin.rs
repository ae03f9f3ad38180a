//! A compact, deterministic byte form of one `AttributeValue`: what a compressed or encrypted
//! attribute stores inside its envelope, so those attributes hold values of any DynamoDB type (a
//! string, a number with every digit, a map of sets...) and load them back as the same type.
//!
//! Each value is a tag byte and its payload; lengths and counts are LEB128 varints. Map keys are
//! written in sorted order, so equal values always give equal bytes. Decoding checks every length
//! against what is left and refuses nesting deeper than DynamoDB's own 32 levels.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

const S: u8 = 0;
const N: u8 = 1;
const B: u8 = 2;
const FALSE: u8 = 3;
const TRUE: u8 = 4;
const NULL: u8 = 5;
const SS: u8 = 6;
const NS: u8 = 7;
const BS: u8 = 8;
const L: u8 = 9;
const M: u8 = 10;

const MAX_DEPTH: usize = 32;

pub fn encode(av: &AttributeValue) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(64);
    write(av, &mut out)?;
    Ok(out)
}

fn varint(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn bytes(b: &[u8], out: &mut Vec<u8>) {
    varint(b.len(), out);
    out.extend_from_slice(b);
}

fn write(av: &AttributeValue, out: &mut Vec<u8>) -> Result<(), String> {
    match av {
        AttributeValue::S(s) => {
            out.push(S);
            bytes(s.as_bytes(), out);
        }
        AttributeValue::N(n) => {
            out.push(N);
            bytes(n.as_bytes(), out);
        }
        AttributeValue::B(b) => {
            out.push(B);
            bytes(b.as_ref(), out);
        }
        AttributeValue::Bool(v) => out.push(if *v { TRUE } else { FALSE }),
        AttributeValue::Null(_) => out.push(NULL),
        AttributeValue::Ss(members) => {
            out.push(SS);
            varint(members.len(), out);
            for m in members {
                bytes(m.as_bytes(), out);
            }
        }
        AttributeValue::Ns(members) => {
            out.push(NS);
            varint(members.len(), out);
            for m in members {
                bytes(m.as_bytes(), out);
            }
        }
        AttributeValue::Bs(members) => {
            out.push(BS);
            varint(members.len(), out);
            for m in members {
                bytes(m.as_ref(), out);
            }
        }
        AttributeValue::L(values) => {
            out.push(L);
            varint(values.len(), out);
            for v in values {
                write(v, out)?;
            }
        }
        AttributeValue::M(map) => {
            out.push(M);
            varint(map.len(), out);
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for k in keys {
                bytes(k.as_bytes(), out);
                write(&map[k], out)?;
            }
        }
        other => return Err(format!("cannot store a value of unknown type {other:?}")),
    }
    Ok(())
}

pub fn decode(data: &[u8]) -> Result<AttributeValue, String> {
    let mut reader = Reader { data, pos: 0 };
    let av = reader.value(0)?;
    if reader.pos != data.len() {
        return Err(format!(
            "{} unexpected bytes after the value",
            data.len() - reader.pos
        ));
    }
    Ok(av)
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or_else(|| "the value ends early".to_owned())?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<usize, String> {
        let mut n: usize = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= ((b & 0x7f) as usize)
                .checked_shl(shift)
                .ok_or_else(|| "a length is out of range".to_owned())?;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err("a length is out of range".to_owned())
    }

    fn slice(&mut self) -> Result<&'a [u8], String> {
        let len = self.varint()?;
        let end = self
            .pos
            .checked_add(len)
            .filter(|end| *end <= self.data.len())
            .ok_or_else(|| "a length runs past the end of the value".to_owned())?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn text(&mut self) -> Result<String, String> {
        std::str::from_utf8(self.slice()?)
            .map(str::to_owned)
            .map_err(|_| "a string is not valid UTF-8".to_owned())
    }

    /// A count of elements, each taking at least one byte: a count larger than what is left is
    /// refused before anything is allocated for it.
    fn count(&mut self) -> Result<usize, String> {
        let n = self.varint()?;
        if n > self.data.len() - self.pos {
            return Err("an element count runs past the end of the value".to_owned());
        }
        Ok(n)
    }

    fn value(&mut self, depth: usize) -> Result<AttributeValue, String> {
        if depth > MAX_DEPTH {
            return Err("the value is nested too deeply".to_owned());
        }
        Ok(match self.byte()? {
            S => AttributeValue::S(self.text()?),
            N => AttributeValue::N(self.text()?),
            B => AttributeValue::B(Blob::new(self.slice()?.to_vec())),
            FALSE => AttributeValue::Bool(false),
            TRUE => AttributeValue::Bool(true),
            NULL => AttributeValue::Null(true),
            SS => {
                let n = self.count()?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.text()?);
                }
                AttributeValue::Ss(v)
            }
            NS => {
                let n = self.count()?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.text()?);
                }
                AttributeValue::Ns(v)
            }
            BS => {
                let n = self.count()?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(Blob::new(self.slice()?.to_vec()));
                }
                AttributeValue::Bs(v)
            }
            L => {
                let n = self.count()?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.value(depth + 1)?);
                }
                AttributeValue::L(v)
            }
            M => {
                let n = self.count()?;
                let mut map = HashMap::with_capacity(n);
                for _ in 0..n {
                    let k = self.text()?;
                    let v = self.value(depth + 1)?;
                    map.insert(k, v);
                }
                AttributeValue::M(map)
            }
            other => return Err(format!("unknown value tag {other}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(av: AttributeValue) {
        let bytes = encode(&av).unwrap();
        assert_eq!(decode(&bytes).unwrap(), av);
    }

    #[test]
    fn every_type_round_trips() {
        round_trip(AttributeValue::S("héllo".into()));
        round_trip(AttributeValue::S(String::new()));
        round_trip(AttributeValue::N("-12345678901234567890.123456789".into()));
        round_trip(AttributeValue::B(Blob::new(vec![0, 255, 7])));
        round_trip(AttributeValue::Bool(true));
        round_trip(AttributeValue::Bool(false));
        round_trip(AttributeValue::Null(true));
        round_trip(AttributeValue::Ss(vec!["a".into(), "b".into()]));
        round_trip(AttributeValue::Ns(vec!["1".into(), "2.5".into()]));
        round_trip(AttributeValue::Bs(vec![
            Blob::new(vec![1]),
            Blob::new(vec![]),
        ]));
        let nested = AttributeValue::M(
            [
                (
                    "list".to_owned(),
                    AttributeValue::L(vec![AttributeValue::N("3".into())]),
                ),
                ("s".to_owned(), AttributeValue::S("x".repeat(300))),
            ]
            .into_iter()
            .collect(),
        );
        round_trip(nested);
    }

    #[test]
    fn maps_encode_the_same_whatever_their_order() {
        let a: HashMap<_, _> = (0..50)
            .map(|i| (format!("k{i}"), AttributeValue::N(i.to_string())))
            .collect();
        let b: HashMap<_, _> = (0..50)
            .rev()
            .map(|i| (format!("k{i}"), AttributeValue::N(i.to_string())))
            .collect();
        assert_eq!(
            encode(&AttributeValue::M(a)).unwrap(),
            encode(&AttributeValue::M(b)).unwrap()
        );
    }

    #[test]
    fn malformed_input_is_refused() {
        assert!(decode(&[]).is_err());
        assert!(decode(&[S, 5, b'a']).is_err());
        assert!(decode(&[99]).is_err());
        assert!(decode(&[S, 1, b'a', 0]).is_err());
        assert!(decode(&[S, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(decode(&[L, 0x80, 0x80, 0x80, 0x01]).is_err());
        let mut deep = [L, 1].repeat(40);
        deep.push(NULL);
        assert!(decode(&deep).is_err());
        assert!(decode(&[S, 2, 0xff, 0xfe]).is_err());
    }
}
