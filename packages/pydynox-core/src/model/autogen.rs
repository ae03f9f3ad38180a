//! Auto-generated attribute values: UUID4, ULID, KSUID, epoch seconds and milliseconds, ISO 8601.
//! Generated here so a batch of new items does not pay a Python call per identifier.

use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rand::RngCore;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// KSUID timestamps count seconds from 2014-05-13T16:53:20Z.
const KSUID_EPOCH: u64 = 1_400_000_000;

fn now() -> std::time::Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

pub fn uuid4() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// 48 bits of milliseconds then 80 random bits, in Crockford base32: sorts by creation time.
pub fn ulid_at(millis: u64, random: [u8; 10]) -> String {
    let mut value: u128 = u128::from(millis & 0xFFFF_FFFF_FFFF) << 80;
    for (i, byte) in random.iter().enumerate() {
        value |= u128::from(*byte) << (8 * (9 - i));
    }
    let mut out = [0u8; 26];
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 5 * (25 - i);
        *slot = CROCKFORD[((value >> shift) & 0x1f) as usize];
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn ulid() -> String {
    let mut random = [0u8; 10];
    rand::rng().fill_bytes(&mut random);
    ulid_at(now().as_millis() as u64, random)
}

/// 4 bytes of seconds since the KSUID epoch then 16 random bytes, as 27 base62 characters.
pub fn ksuid_at(seconds: u64, random: [u8; 16]) -> String {
    let mut bytes = [0u8; 20];
    let ts = seconds.saturating_sub(KSUID_EPOCH).min(u64::from(u32::MAX)) as u32;
    bytes[..4].copy_from_slice(&ts.to_be_bytes());
    bytes[4..].copy_from_slice(&random);
    // Base62 by repeated division of the 160-bit big-endian number.
    let mut number: Vec<u32> = bytes
        .chunks(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let mut out = [b'0'; 27];
    let mut pos = out.len();
    while number.iter().any(|&d| d != 0) && pos > 0 {
        let mut remainder: u64 = 0;
        for digit in number.iter_mut() {
            let acc = (remainder << 32) | u64::from(*digit);
            *digit = (acc / 62) as u32;
            remainder = acc % 62;
        }
        pos -= 1;
        out[pos] = BASE62[remainder as usize];
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn ksuid() -> String {
    let mut random = [0u8; 16];
    rand::rng().fill_bytes(&mut random);
    ksuid_at(now().as_secs(), random)
}

/// Days since 1970-01-01 to a (year, month, day) civil date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// UTC in whole seconds with a `Z`: `2026-11-21T09:30:00Z` (the form pydynox 1.x wrote; it sorts
/// as text in time order).
pub fn iso8601_at(secs: u64) -> String {
    let secs = secs as i64;
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// One value for `AutoGenerate.<kind>`.
#[pyfunction]
pub fn generate_value(py: Python<'_>, kind: &str) -> PyResult<Py<PyAny>> {
    let now = now();
    Ok(match kind {
        "UUID4" => uuid4().into_pyobject(py)?.into_any().unbind(),
        "ULID" => ulid().into_pyobject(py)?.into_any().unbind(),
        "KSUID" => ksuid().into_pyobject(py)?.into_any().unbind(),
        "EPOCH" => now.as_secs().into_pyobject(py)?.into_any().unbind(),
        "EPOCH_MS" => (now.as_millis() as u64)
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        "ISO8601" => iso8601_at(now.as_secs())
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown AutoGenerate kind {other:?}"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid4_has_version_and_variant() {
        let u = uuid4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn ulid_known_value() {
        // 0x0000_0000_0001 ms and all-zero randomness.
        assert_eq!(ulid_at(1, [0; 10]), "00000000010000000000000000");
        assert_eq!(
            ulid_at(0xFFFF_FFFF_FFFF, [0xff; 10]),
            "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"
        );
        assert!(ulid_at(1000, [0; 10]) < ulid_at(1001, [0; 10]));
    }

    #[test]
    fn ksuid_bounds() {
        assert_eq!(
            ksuid_at(KSUID_EPOCH, [0; 16]),
            "000000000000000000000000000"
        );
        assert_eq!(
            ksuid_at(KSUID_EPOCH + u64::from(u32::MAX), [0xff; 16]),
            "aWgEPTl1tmebfsQzFP4bxwgy80V"
        );
    }

    #[test]
    fn iso8601_formats() {
        assert_eq!(iso8601_at(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601_at(1_795_253_400), "2026-11-21T09:30:00Z");
        assert_eq!(iso8601_at(951_782_400), "2000-02-29T00:00:00Z");
    }
}
