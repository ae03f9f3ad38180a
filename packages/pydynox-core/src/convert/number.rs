//! DynamoDB numbers as text: validation against DynamoDB's limits and a canonical plain-decimal form.
//!
//! DynamoDB keeps 38 significant digits and magnitudes from 1E-130 to 9.99..E+125. Numbers go on the
//! wire without an exponent (`0.00001`, not `1E-5`) because some DynamoDB-compatible servers mishandle
//! exponents; boto3 sends plain text too.

use std::fmt;

pub const MAX_SIGNIFICANT_DIGITS: usize = 38;
const MAX_ADJUSTED_EXPONENT: i64 = 125;
const MIN_ADJUSTED_EXPONENT: i64 = -130;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    NotANumber(String),
    NotFinite,
    TooPrecise(usize),
    OutOfRange,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumberError::NotANumber(text) => write!(f, "{text:?} is not a number"),
            NumberError::NotFinite => f.write_str("DynamoDB numbers cannot be NaN or infinite"),
            NumberError::TooPrecise(digits) => write!(
                f,
                "the number has {digits} significant digits; DynamoDB keeps at most {MAX_SIGNIFICANT_DIGITS}"
            ),
            NumberError::OutOfRange => f.write_str(
                "the number is outside DynamoDB's range (magnitude 1E-130 to 9.9999999999999999999999999999999999999E+125)",
            ),
        }
    }
}

/// A number split into sign, significant digits (no leading or trailing zeros) and a power of ten:
/// value = (-1)^negative * digits * 10^exponent. Zero has empty digits.
#[derive(Debug, PartialEq, Eq)]
pub struct Decomposed {
    pub negative: bool,
    pub digits: String,
    pub exponent: i64,
}

impl Decomposed {
    /// True when the value has no fractional part.
    pub fn is_integral(&self) -> bool {
        self.digits.is_empty() || self.exponent >= 0
    }
}

/// Parses decimal text as written by Python's `str(Decimal)`, `repr(float)`, `str(int)` or a server.
pub fn decompose(text: &str) -> Result<Decomposed, NumberError> {
    let bad = || NumberError::NotANumber(text.to_owned());
    let s = text.trim();
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lowered = rest.to_ascii_lowercase();
    if matches!(lowered.as_str(), "nan" | "snan" | "inf" | "infinity") {
        return Err(NumberError::NotFinite);
    }
    let (mantissa, exp_text) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let mut exponent: i64 = match exp_text {
        Some(e) if !e.is_empty() => {
            let (sign, body) = match e.as_bytes()[0] {
                b'-' => (-1, &e[1..]),
                b'+' => (1, &e[1..]),
                _ => (1, e),
            };
            if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) || body.len() > 12 {
                return Err(bad());
            }
            sign * body.parse::<i64>().map_err(|_| bad())?
        }
        Some(_) => return Err(bad()),
        None => 0,
    };
    let mut digits = String::with_capacity(mantissa.len());
    let mut seen_dot = false;
    let mut seen_digit = false;
    for b in mantissa.bytes() {
        match b {
            b'0'..=b'9' => {
                seen_digit = true;
                digits.push(b as char);
                if seen_dot {
                    exponent -= 1;
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            b'_' => {}
            _ => return Err(bad()),
        }
    }
    if !seen_digit {
        return Err(bad());
    }
    let trimmed_start = digits.trim_start_matches('0');
    let mut digits = trimmed_start.to_owned();
    let trailing = digits.len() - digits.trim_end_matches('0').len();
    digits.truncate(digits.len() - trailing);
    exponent += trailing as i64;
    if digits.is_empty() {
        return Ok(Decomposed {
            negative: false,
            digits,
            exponent: 0,
        });
    }
    Ok(Decomposed {
        negative,
        digits,
        exponent,
    })
}

/// Checks DynamoDB's precision and range limits and renders plain decimal text without an exponent.
pub fn canonical(text: &str) -> Result<String, NumberError> {
    // At most 38 digits in all (with the point, 39 bytes): within every limit, and already plain.
    if text.len() <= MAX_SIGNIFICANT_DIGITS + 1 && is_plain_fraction(text) {
        return Ok(text.to_owned());
    }
    let d = decompose(text)?;
    check_limits(&d)?;
    Ok(render_plain(&d))
}

pub fn check_limits(d: &Decomposed) -> Result<(), NumberError> {
    if d.digits.is_empty() {
        return Ok(());
    }
    if d.digits.len() > MAX_SIGNIFICANT_DIGITS {
        return Err(NumberError::TooPrecise(d.digits.len()));
    }
    let adjusted = d.exponent + d.digits.len() as i64 - 1;
    if !(MIN_ADJUSTED_EXPONENT..=MAX_ADJUSTED_EXPONENT).contains(&adjusted) {
        return Err(NumberError::OutOfRange);
    }
    Ok(())
}

pub fn render_plain(d: &Decomposed) -> String {
    if d.digits.is_empty() {
        return "0".to_owned();
    }
    let mut out = String::with_capacity(d.digits.len() + d.exponent.unsigned_abs() as usize + 3);
    if d.negative {
        out.push('-');
    }
    if d.exponent >= 0 {
        out.push_str(&d.digits);
        out.extend(std::iter::repeat_n('0', d.exponent as usize));
    } else {
        let frac = (-d.exponent) as usize;
        if frac < d.digits.len() {
            let (int_part, frac_part) = d.digits.split_at(d.digits.len() - frac);
            out.push_str(int_part);
            out.push('.');
            out.push_str(frac_part);
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', frac - d.digits.len()));
            out.push_str(&d.digits);
        }
    }
    out
}

/// A fast check for the common wire form of small integers (`-?[0-9]{1,18}`), which fit an i64.
pub fn small_int(text: &str) -> Option<i64> {
    let (negative, digits) = split_sign(text.as_bytes());
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    // Eighteen digits stay below i64::MAX, so the sum cannot overflow.
    let mut value = 0i64;
    for &c in digits {
        let digit = c.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + i64::from(digit);
    }
    Some(if negative { -value } else { value })
}

/// Whether `text` already is the plain form [`render_plain`] gives a number that is not integral:
/// an optional minus, an integer part without leading zeros (or "0"), a point, and fraction digits
/// that do not end in zero. DynamoDB sends most decimals this way; they need no rewriting.
pub fn is_plain_fraction(text: &str) -> bool {
    let (_, body) = split_sign(text.as_bytes());
    let Some(point) = body.iter().position(|&b| b == b'.') else {
        return false;
    };
    let (int, frac) = (&body[..point], &body[point + 1..]);
    let int_ok = int == b"0"
        || (int.first().is_some_and(|b| (b'1'..=b'9').contains(b))
            && int.iter().all(u8::is_ascii_digit));
    int_ok && frac.iter().all(u8::is_ascii_digit) && frac.last().is_some_and(|&b| b != b'0')
}

/// Whether a number's text starts with a minus, and the rest. (A slice pattern: `strip_prefix('-')`
/// compiles to a `memcmp` call, on the path of every decimal a page reads or a write sends.)
fn split_sign(text: &[u8]) -> (bool, &[u8]) {
    match text {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_fraction_is_what_render_plain_gives() {
        let plain = [
            "0.5",
            "-0.5",
            "1.25",
            "1000.42",
            "0.001",
            "-12.3400001",
            "38.7223",
        ];
        let not = [
            "0.50", "1.0", "01.5", "00.5", "-0.0", "1.", ".5", "1e-2", "1.5E1", "+1.5", "12", "-",
            "1.2.3", "1._5", "",
        ];
        for text in plain {
            assert!(is_plain_fraction(text), "{text}");
            let d = decompose(text).unwrap();
            assert!(!d.is_integral());
            assert_eq!(render_plain(&d), text);
        }
        for text in not {
            assert!(!is_plain_fraction(text), "{text}");
        }
        // The shortcut in `canonical` agrees with the long way, up to its 39 bytes and past them.
        for text in plain.iter().copied().chain([
            "0.00000000000000000000000000000000000001",
            "1234567890123456789012345678901234567.8",
            "-123456789012345678901234567890123456.78",
            "12345678901234567890123456789012345678.9",
        ]) {
            let long_way =
                decompose(text).and_then(|d| check_limits(&d).map(|()| render_plain(&d)));
            assert_eq!(canonical(text), long_way, "{text}");
        }
        // Every plain fraction up to two digits on each side renders as itself.
        for int in ["0", "1", "9", "10", "99"] {
            for frac in 0..100 {
                for text in [format!("{int}.{frac}"), format!("-{int}.{frac:02}")] {
                    if is_plain_fraction(&text) {
                        assert_eq!(render_plain(&decompose(&text).unwrap()), text);
                    }
                }
            }
        }
    }

    #[test]
    fn plain_forms() {
        assert_eq!(canonical("1E-5").unwrap(), "0.00001");
        assert_eq!(canonical("1e+2").unwrap(), "100");
        assert_eq!(canonical("0.1").unwrap(), "0.1");
        assert_eq!(canonical("-0").unwrap(), "0");
        assert_eq!(canonical("0E-10").unwrap(), "0");
        assert_eq!(canonical("1.50").unwrap(), "1.5");
        assert_eq!(canonical("-12.340e1").unwrap(), "-123.4");
        assert_eq!(canonical("007").unwrap(), "7");
        assert_eq!(
            canonical("3.1415926535897932384626433832795028841").unwrap(),
            "3.1415926535897932384626433832795028841"
        );
        assert_eq!(canonical(&"9".repeat(38)).unwrap(), "9".repeat(38));
        assert_eq!(canonical("1E+125").unwrap().len(), 126);
        assert_eq!(canonical("1E-130").unwrap().len(), 132);
    }

    #[test]
    fn limits() {
        assert_eq!(canonical(&"1".repeat(39)), Err(NumberError::TooPrecise(39)));
        assert_eq!(canonical("1E+126"), Err(NumberError::OutOfRange));
        assert_eq!(canonical("1E-131"), Err(NumberError::OutOfRange));
        assert_eq!(canonical("NaN"), Err(NumberError::NotFinite));
        assert_eq!(canonical("-Infinity"), Err(NumberError::NotFinite));
        assert!(matches!(
            canonical("1.2.3"),
            Err(NumberError::NotANumber(_))
        ));
        assert!(matches!(canonical(""), Err(NumberError::NotANumber(_))));
        assert!(matches!(canonical("1e"), Err(NumberError::NotANumber(_))));
        assert!(matches!(canonical("e5"), Err(NumberError::NotANumber(_))));
    }

    #[test]
    fn integral() {
        assert!(decompose("100").unwrap().is_integral());
        assert!(decompose("1.0").unwrap().is_integral());
        assert!(!decompose("1.5").unwrap().is_integral());
        assert_eq!(small_int("-123"), Some(-123));
        assert_eq!(small_int("1234567890123456789"), None);
        assert_eq!(small_int("1.5"), None);
    }

    #[test]
    fn small_int_agrees_with_parse_where_it_answers() {
        for text in [
            "0",
            "-0",
            "7",
            "-7",
            "42",
            "007",
            "999999999999999999",
            "-999999999999999999",
            "123456789012345678",
        ] {
            assert_eq!(small_int(text), text.parse::<i64>().ok(), "{text}");
        }
        // Left to the exact path: not plain digits, or too long to be sure of fitting an i64.
        for text in [
            "",
            "-",
            "+1",
            "1e3",
            "12a",
            "1 ",
            "--1",
            "9999999999999999999",
            "1.0",
        ] {
            assert_eq!(small_int(text), None, "{text}");
        }
    }
}
