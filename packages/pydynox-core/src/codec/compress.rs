//! `CompressedAttribute`'s stored form: one marker byte (the algorithm, or "stored as is"), the
//! length of the value's bytes as a varint, their CRC-32, then the payload. A value smaller than `min_size`, or one
//! that does not shrink enough, is stored as is with its own marker, so reads always know what to do.
//!
//! Decompression is bounded by the recorded length (and by `MAX_VALUE`), so a forged value cannot
//! make the reader allocate without limit; the checksum turns a damaged value into an error rather
//! than a different value (not every algorithm's own format would notice).

use std::io::{Read, Write};

/// Values larger than this are refused when reading (DynamoDB items are at most 400 KB, so a value
/// that expands past 64 MiB is not one pydynox wrote).
const MAX_VALUE: usize = 64 * 1024 * 1024;

const STORED: u8 = 0x10;
const ZSTD: u8 = 0x11;
const LZ4: u8 = 0x12;
const GZIP: u8 = 0x13;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Zstd,
    Lz4,
    Gzip,
}

#[derive(Clone, Debug)]
pub struct CompressSpec {
    pub algorithm: Algorithm,
    pub level: i32,
    pub min_size: usize,
    /// Keep the compressed form only when it is at most this fraction of the original size.
    pub threshold: f64,
}

impl CompressSpec {
    /// Checks the settings; `level` is validated against what the algorithm supports.
    pub fn new(
        algorithm: &str,
        level: Option<i32>,
        min_size: usize,
        threshold: f64,
    ) -> Result<Self, String> {
        let (algorithm, level) = match algorithm {
            "zstd" => match level {
                None => (Algorithm::Zstd, 3),
                Some(l) if (1..=22).contains(&l) => (Algorithm::Zstd, l),
                Some(l) => return Err(format!("zstd levels are 1 to 22, got {l}")),
            },
            "gzip" => match level {
                None => (Algorithm::Gzip, 6),
                Some(l) if (0..=9).contains(&l) => (Algorithm::Gzip, l),
                Some(l) => return Err(format!("gzip levels are 0 to 9, got {l}")),
            },
            "lz4" => match level {
                None => (Algorithm::Lz4, 0),
                Some(l) => {
                    return Err(format!(
                        "lz4 has no compression levels (got level={l}); leave level unset"
                    ))
                }
            },
            other => {
                return Err(format!(
                    "algorithm must be 'zstd', 'lz4' or 'gzip', got {other:?}"
                ))
            }
        };
        if !(threshold > 0.0 && threshold <= 1.0) {
            return Err(format!(
                "threshold must be greater than 0 and at most 1, got {threshold}"
            ));
        }
        Ok(CompressSpec {
            algorithm,
            level,
            min_size,
            threshold,
        })
    }

    pub fn compress(&self, raw: &[u8]) -> Result<Vec<u8>, String> {
        if raw.len() >= self.min_size {
            let packed = match self.algorithm {
                Algorithm::Zstd => zstd::bulk::compress(raw, self.level)
                    .map_err(|e| format!("zstd compression failed: {e}"))?,
                Algorithm::Lz4 => lz4_flex::block::compress(raw),
                Algorithm::Gzip => {
                    let mut enc = flate2::write::GzEncoder::new(
                        Vec::with_capacity(raw.len() / 2),
                        flate2::Compression::new(self.level as u32),
                    );
                    enc.write_all(raw)
                        .and_then(|_| enc.finish())
                        .map_err(|e| format!("gzip compression failed: {e}"))?
                }
            };
            if (packed.len() as f64) <= self.threshold * raw.len() as f64 {
                let marker = match self.algorithm {
                    Algorithm::Zstd => ZSTD,
                    Algorithm::Lz4 => LZ4,
                    Algorithm::Gzip => GZIP,
                };
                return Ok(frame(marker, raw, &packed));
            }
        }
        Ok(frame(STORED, raw, raw))
    }
}

fn frame(marker: u8, raw: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 10);
    out.push(marker);
    let mut n = raw.len();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(&crc32fast::hash(raw).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// The original bytes of a stored value, whatever algorithm wrote it.
pub fn decompress(stored: &[u8]) -> Result<Vec<u8>, String> {
    let (&marker, rest) = stored
        .split_first()
        .ok_or_else(|| "the stored value is empty".to_owned())?;
    let mut len: usize = 0;
    let mut used = 0;
    for (i, b) in rest.iter().enumerate().take(5) {
        len |= ((b & 0x7f) as usize) << (7 * i);
        used = i + 1;
        if b & 0x80 == 0 {
            break;
        }
    }
    if used == 0 || rest[used - 1] & 0x80 != 0 {
        return Err("the stored value has no valid length".to_owned());
    }
    if len > MAX_VALUE {
        return Err(format!(
            "the stored value claims {len} bytes, more than the {MAX_VALUE} allowed"
        ));
    }
    let (crc, payload) = rest[used..]
        .split_first_chunk::<4>()
        .ok_or_else(|| "the stored value has no checksum".to_owned())?;
    let out = match marker {
        STORED => payload.to_vec(),
        ZSTD => zstd::bulk::decompress(payload, len)
            .map_err(|e| format!("zstd data is corrupt: {e}"))?,
        LZ4 => lz4_flex::block::decompress(payload, len)
            .map_err(|e| format!("lz4 data is corrupt: {e}"))?,
        GZIP => {
            let mut out = Vec::with_capacity(len);
            flate2::read::GzDecoder::new(payload)
                .take(len as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| format!("gzip data is corrupt: {e}"))?;
            out
        }
        other => {
            return Err(format!(
                "the stored value is not a compressed value (marker byte {other:#04x})"
            ))
        }
    };
    if out.len() != len {
        return Err(format!(
            "the stored value decompressed to {} bytes, {len} expected",
            out.len()
        ));
    }
    if crc32fast::hash(&out) != u32::from_be_bytes(*crc) {
        return Err("the stored value is damaged (checksum mismatch)".to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> Vec<u8> {
        "the quick brown fox jumps over the lazy dog. "
            .repeat(200)
            .into_bytes()
    }

    #[test]
    fn each_algorithm_round_trips_and_shrinks() {
        for algo in ["zstd", "lz4", "gzip"] {
            let spec = CompressSpec::new(algo, None, 100, 0.9).unwrap();
            let raw = text();
            let stored = spec.compress(&raw).unwrap();
            assert!(stored.len() < raw.len() / 4, "{algo}: {}", stored.len());
            assert_eq!(decompress(&stored).unwrap(), raw);
        }
    }

    #[test]
    fn small_or_incompressible_values_are_stored_as_is() {
        let spec = CompressSpec::new("zstd", Some(19), 100, 0.9).unwrap();
        let small = b"short".to_vec();
        let stored = spec.compress(&small).unwrap();
        assert_eq!(stored[0], STORED);
        assert_eq!(decompress(&stored).unwrap(), small);
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let noise: Vec<u8> = (0..4000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        let stored = spec.compress(&noise).unwrap();
        assert_eq!(stored[0], STORED);
        assert_eq!(decompress(&stored).unwrap(), noise);
    }

    #[test]
    fn levels_are_checked_per_algorithm() {
        assert!(CompressSpec::new("zstd", Some(0), 0, 0.9).is_err());
        assert!(CompressSpec::new("zstd", Some(23), 0, 0.9).is_err());
        assert!(CompressSpec::new("gzip", Some(10), 0, 0.9).is_err());
        assert!(CompressSpec::new("lz4", Some(1), 0, 0.9).is_err());
        assert!(CompressSpec::new("brotli", None, 0, 0.9).is_err());
        assert!(CompressSpec::new("zstd", None, 0, 0.0).is_err());
        assert!(CompressSpec::new("zstd", None, 0, 1.5).is_err());
    }

    #[test]
    fn corrupt_or_foreign_values_are_refused() {
        let spec = CompressSpec::new("zstd", None, 0, 1.0).unwrap();
        let mut stored = spec.compress(&text()).unwrap();
        let last = stored.len() - 3;
        stored[last] ^= 0xff;
        assert!(decompress(&stored).is_err());
        assert!(decompress(&[]).is_err());
        assert!(decompress(&[0x42, 1, 0]).is_err());
        assert!(decompress(&[ZSTD, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_err());
        assert!(decompress(&[STORED, 5, 1, 2]).is_err());
        let mut stored = spec.compress(b"abcdef").unwrap();
        let last = stored.len() - 1;
        stored[last] ^= 1;
        assert!(decompress(&stored).is_err());
    }
}
