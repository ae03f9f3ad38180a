//! Byte searches eight bytes at a time in a `u64` ("SIMD within a register"): portable, no `unsafe`,
//! and faster than a byte loop over the short runs DynamoDB JSON is made of (tags, names, values of
//! a few characters) where a vector search does not pay for its set-up.
//!
//! The masks use the classic "has a zero byte" trick: `(x - 0x01..01) & !x & 0x80..80` flags every
//! zero byte of `x`, and may also flag a byte *above* a zero byte (through the borrow), never one
//! below it. So a mask is exact about its lowest flagged byte, and so is an OR of such masks: the
//! only thing they are used for.

pub const ONES: u64 = 0x0101_0101_0101_0101;
pub const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The eight bytes of `b` from `at` as one little-endian word (byte `at` lowest), if there are eight.
/// (Through a fixed-size array: one load. A `copy_from_slice` into one is a call per word.)
#[inline]
pub fn word_at(b: &[u8], at: usize) -> Option<u64> {
    let chunk: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

/// The four bytes of `b` from `at` as one little-endian `u32`, if there are four.
#[inline]
pub fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let chunk: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(chunk))
}

/// Flags (in each byte's high bit) the bytes of `w` equal to `c`; see the module for its one
/// guarantee.
#[inline]
pub fn eq(w: u64, c: u8) -> u64 {
    let x = w ^ (ONES * u64::from(c));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The index of the lowest flagged byte of a non-zero mask.
#[inline]
pub fn first(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// The position of the first byte of `b[from..]` for which `mask` flags something, else None.
/// Words are read while eight bytes remain; the last few go through `mask` one by one, each as the
/// lowest byte of a word (the byte `mask` is exact about).
#[inline]
pub fn find(b: &[u8], mut from: usize, mask: impl Fn(u64) -> u64) -> Option<usize> {
    while let Some(w) = word_at(b, from) {
        let m = mask(w);
        if m != 0 {
            return Some(from + first(m));
        }
        from += 8;
    }
    let tail = b.get(from..)?;
    tail.iter()
        .position(|&c| mask(u64::from(c)) & 0x80 != 0)
        .map(|i| from + i)
}

/// Whether two byte strings are equal, compared in registers for lengths up to 16 (attribute names,
/// short numbers): a `==` on slices calls `memcmp`, whose call and dispatch cost more than the
/// comparison at these lengths.
#[inline]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => u32_at(a, 0) == u32_at(b, 0) && u32_at(a, n - 4) == u32_at(b, n - 4),
        8..=16 => word_at(a, 0) == word_at(b, 0) && word_at(a, n - 8) == word_at(b, n - 8),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_match_in_every_position() {
        let quote_or_backslash = |w| eq(w, b'"') | eq(w, b'\\');
        let is = |c: &u8| *c == b'"' || *c == b'\\';
        for len in 0..40 {
            for at in 0..len {
                for c in [b'"', b'\\'] {
                    // Bytes that sit next to the targets or carry borrows: zeros, 0x01, 0x21, high bytes.
                    for filler in [b'a', 0u8, 1, b'!', b'#', b'[', 0x80, 0xff] {
                        let mut b = vec![filler; len];
                        b[at] = c;
                        if at + 1 < len {
                            b[at + 1] = b'"';
                        }
                        let expect = b.iter().position(is);
                        assert_eq!(find(&b, 0, quote_or_backslash), expect, "{b:?}");
                    }
                }
            }
            assert_eq!(find(&vec![b'x'; len], 0, quote_or_backslash), None);
        }
        assert_eq!(find(b"ab", 5, quote_or_backslash), None);
    }

    #[test]
    fn same_bytes_agrees_with_slice_equality() {
        // Every length to 20, against a copy, against a copy with one byte changed at each position
        // (a comparison that skipped a byte would miss that change), and against longer and shorter
        // texts that share a prefix.
        for n in 0..=20usize {
            let a: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            let mut others = vec![a.clone(), [a.as_slice(), b"x"].concat()];
            others.extend((0..n).map(|at| {
                let mut b = a.clone();
                b[at] ^= 0x20;
                b
            }));
            if n > 0 {
                others.push(a[..n - 1].to_vec());
            }
            for b in &others {
                assert_eq!(same_bytes(&a, b), a == *b, "{a:?} against {b:?}");
            }
        }
    }
}
