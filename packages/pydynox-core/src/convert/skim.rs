//! Where a JSON array or object ends, found 64 bytes at a time.
//!
//! A page's item list is stepped over once before it is read, so that the rest of the response can
//! go to the SDK (see `wire::split_member`). That step only has to match brackets outside strings,
//! and a byte loop spent six instructions a byte on it. Here each 64-byte block becomes four bit
//! masks (quotes, backslashes, opening and closing brackets; one bit per byte), the bytes inside
//! strings are masked off with a prefix XOR of the quote bits, and only the brackets left are
//! visited one by one.
//!
//! On x86_64 the masks come from SSE2, which every x86_64 CPU has; elsewhere from a plain loop.

const BLOCK: usize = 64;

/// Why the bytes do not hold one complete array or object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkimError {
    /// A closing bracket with no opening one before it.
    Unbalanced,
    /// The input ended inside a string.
    UnterminatedString,
    /// The input ended before the outermost bracket closed.
    Unterminated,
}

impl SkimError {
    pub fn message(self) -> &'static str {
        match self {
            SkimError::Unbalanced => "unbalanced brackets",
            SkimError::UnterminatedString => "unterminated string",
            SkimError::Unterminated => "unterminated array or object",
        }
    }
}

/// One bit per byte of a block, byte `k` at bit `k`.
#[derive(Default)]
struct Masks {
    quote: u64,
    backslash: u64,
    open: u64,
    close: u64,
}

#[cfg(target_arch = "x86_64")]
fn masks(block: &[u8; BLOCK]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut m = Masks::default();
    for (lane, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of the x86_64 baseline, so every x86_64 CPU runs these; `chunk` is
        // 16 readable bytes (chunks_exact) and `loadu` accepts any alignment.
        unsafe {
            let bits = |m: __m128i| u64::from(_mm_movemask_epi8(m) as u16) << (lane * 16);
            let v = _mm_loadu_si128(chunk.as_ptr().cast());
            // `[` and `{` differ only in bit 0x20, as do `]` and `}`: setting it matches both.
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            m.quote |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)));
            m.backslash |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8)));
            m.open |= bits(_mm_cmpeq_epi8(folded, _mm_set1_epi8(b'{' as i8)));
            m.close |= bits(_mm_cmpeq_epi8(folded, _mm_set1_epi8(b'}' as i8)));
        }
    }
    m
}

#[cfg(not(target_arch = "x86_64"))]
fn masks(block: &[u8; BLOCK]) -> Masks {
    let mut m = Masks::default();
    for (k, &c) in block.iter().enumerate() {
        let bit = 1u64 << k;
        match c {
            b'"' => m.quote |= bit,
            b'\\' => m.backslash |= bit,
            b'[' | b'{' => m.open |= bit,
            b']' | b'}' => m.close |= bit,
            _ => {}
        }
    }
    m
}

/// Bit `k` of the result is the XOR of bits `0..=k` of `x`: set from an opening quote up to the
/// byte before its closing quote.
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// The bytes escaped by a backslash. `carry` says the block's first byte is escaped by a
/// backslash that ended the previous block, and is set when this block ends with such a backslash.
fn escaped(mut backslash: u64, carry: &mut bool) -> u64 {
    let mut escaped = u64::from(std::mem::take(carry));
    // An escaped backslash escapes nothing.
    backslash &= !escaped;
    while backslash != 0 {
        let k = backslash.trailing_zeros();
        if k == 63 {
            *carry = true;
        } else {
            escaped |= 1 << (k + 1);
        }
        // This backslash, and the byte it escapes (itself perhaps a backslash), are done.
        backslash &= !(3u64 << k);
    }
    escaped
}

/// The position just past the bracket that closes the array or object opening at `b[from]`.
pub fn container_end(b: &[u8], from: usize) -> Result<usize, SkimError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escape_carry = false;
    let mut at = from;
    let mut padded = [b' '; BLOCK];
    while at < b.len() {
        let block: &[u8; BLOCK] = match b.get(at..).and_then(|rest| rest.first_chunk()) {
            Some(full) => full,
            None => {
                // The last, short block, padded with spaces: they are neither quotes nor brackets.
                padded[..b.len() - at].copy_from_slice(&b[at..]);
                &padded
            }
        };
        let m = masks(block);
        let quotes = if m.backslash == 0 && !escape_carry {
            m.quote
        } else {
            m.quote & !escaped(m.backslash, &mut escape_carry)
        };
        let mut inside = prefix_xor(quotes);
        if in_string {
            inside = !inside;
        }
        in_string = inside >> 63 == 1;
        let mut brackets = (m.open | m.close) & !inside;
        while brackets != 0 {
            let k = brackets.trailing_zeros();
            if m.open >> k & 1 == 1 {
                depth += 1;
            } else {
                depth = depth.checked_sub(1).ok_or(SkimError::Unbalanced)?;
                if depth == 0 {
                    return Ok(at + k as usize + 1);
                }
            }
            brackets &= brackets - 1;
        }
        at += BLOCK;
    }
    Err(if in_string {
        SkimError::UnterminatedString
    } else {
        SkimError::Unterminated
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-by-byte definition `container_end` must agree with.
    fn reference(b: &[u8], from: usize) -> Result<usize, SkimError> {
        let (mut depth, mut i) = (0usize, from);
        while let Some(&c) = b.get(i) {
            i += 1;
            match c {
                b'"' => loop {
                    match b.get(i) {
                        None => return Err(SkimError::UnterminatedString),
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => i += 2,
                        Some(_) => i += 1,
                    }
                },
                b'[' | b'{' => depth += 1,
                b']' | b'}' => {
                    depth = depth.checked_sub(1).ok_or(SkimError::Unbalanced)?;
                    if depth == 0 {
                        return Ok(i);
                    }
                }
                _ => {}
            }
        }
        Err(SkimError::Unterminated)
    }

    #[test]
    fn finds_the_end_of_nested_containers() {
        let body = br#"[{"a":{"S":"x]"}},{"b":{"L":[{"S":"\"}"}]}}] ,"Count":2}"#;
        let end = container_end(body, 0).unwrap();
        assert_eq!(
            &body[..end],
            br#"[{"a":{"S":"x]"}},{"b":{"L":[{"S":"\"}"}]}}]"#
        );
        assert_eq!(container_end(b"{}", 0), Ok(2));
        assert_eq!(container_end(b"x[1]", 1), Ok(4));
    }

    #[test]
    fn reports_bad_input() {
        assert_eq!(container_end(b"[1,2", 0), Err(SkimError::Unterminated));
        assert_eq!(
            container_end(b"[\"ab]", 0),
            Err(SkimError::UnterminatedString)
        );
        assert_eq!(container_end(b"]", 0), Err(SkimError::Unbalanced));
        assert_eq!(container_end(b"", 0), Err(SkimError::Unterminated));
    }

    #[test]
    fn agrees_with_the_byte_loop_across_block_edges() {
        // Tokens chosen to land quotes, backslash runs and brackets on every side of a 64-byte
        // edge: escaped quotes, escaped backslashes before a closing quote, brackets in strings.
        // Backslashes appear inside strings only, as in JSON.
        let outside: [&[u8]; 7] = [b"{", b"}", b"[", b"]", b",", b"1", b"abcdefghijklmnopqrstu"];
        let inside: [&[u8]; 7] = [
            b"\\\\",
            b"\\\"",
            b"\\n",
            b"x",
            b"[",
            b"}",
            b"abcdefghijklmnopqrstuvwxyz0123456789",
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut agreed_on_an_end = 0;
        for _ in 0..20_000 {
            let mut b = vec![b'['];
            for _ in 0..next(40) {
                if next(3) == 0 {
                    b.push(b'"');
                    for _ in 0..next(6) {
                        b.extend_from_slice(inside[next(inside.len())]);
                    }
                    b.push(b'"');
                } else {
                    b.extend_from_slice(outside[next(outside.len())]);
                }
            }
            // Now and then a string left open at the end.
            if next(10) == 0 {
                b.push(b'"');
                b.extend_from_slice(inside[next(inside.len())]);
            }
            let expect = reference(&b, 0);
            assert_eq!(
                container_end(&b, 0),
                expect,
                "{}",
                String::from_utf8_lossy(&b)
            );
            // And the same bytes starting elsewhere than a block's first byte.
            let mut shifted = vec![b' '; 1 + next(70)];
            let from = shifted.len();
            shifted.extend_from_slice(&b);
            let moved = expect.map(|end| end + from);
            assert_eq!(container_end(&shifted, from), moved);
            agreed_on_an_end += usize::from(expect.is_ok());
        }
        // The generator must also make inputs that close, or the test says little about ends.
        assert!(
            agreed_on_an_end > 1000,
            "only {agreed_on_an_end} closed inputs"
        );
    }
}
