//! DynamoDB numbers: 38 significant decimal digits, magnitudes 1E-130 to 9.99..E+125, exact
//! arithmetic, numeric ordering and the canonical text DynamoDB answers with (`1.50` → `1.5`).

use std::cmp::Ordering;
use std::fmt;

pub const MAX_DIGITS: u32 = 38;
const MAX_ADJUSTED: i32 = 125;
const MIN_ADJUSTED: i32 = -130;
/// 10^38: every mantissa is strictly below it.
const LIMIT: i128 = 100_000_000_000_000_000_000_000_000_000_000_000_000;

/// value = mantissa × 10^exponent, with the mantissa free of trailing zeros (zero is 0 × 10^0), so
/// equal numbers have equal representations.
///
/// Packed to an 8-byte alignment (24 bytes instead of an i128's 16-byte alignment and 32 bytes):
/// every attribute value is as large as its largest kind, a number, and the engine keeps every
/// stored one. Fields are only ever read by value, never borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C, packed(8))]
pub struct Number {
    mantissa: i128,
    exponent: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    Invalid,
    TooPrecise,
    Overflow,
    Underflow,
}

impl NumberError {
    pub fn message(&self) -> &'static str {
        match self {
            NumberError::Invalid => "A value provided cannot be converted into a number",
            NumberError::TooPrecise => "Attempting to store more than 38 significant digits in a Number",
            NumberError::Overflow => {
                "Number overflow. Attempting to store a number with magnitude larger than supported range"
            }
            NumberError::Underflow => {
                "Number underflow. Attempting to store a number with magnitude smaller than supported range"
            }
        }
    }
}

fn digit_count(mut m: i128) -> i32 {
    m = m.abs();
    let mut n = 1;
    while m >= 10 {
        m /= 10;
        n += 1;
    }
    n
}

impl Number {
    pub const ZERO: Number = Number {
        mantissa: 0,
        exponent: 0,
    };

    /// Builds a number from mantissa × 10^exponent, normalising and checking DynamoDB's limits.
    pub fn new(mantissa: i128, exponent: i32) -> Result<Number, NumberError> {
        let (mut m, mut e) = (mantissa, exponent);
        if m == 0 {
            return Ok(Number::ZERO);
        }
        while m % 10 == 0 {
            m /= 10;
            e += 1;
        }
        if m.abs() >= LIMIT {
            return Err(NumberError::TooPrecise);
        }
        let adjusted = e + digit_count(m) - 1;
        if adjusted > MAX_ADJUSTED {
            return Err(NumberError::Overflow);
        }
        if adjusted < MIN_ADJUSTED {
            return Err(NumberError::Underflow);
        }
        Ok(Number {
            mantissa: m,
            exponent: e,
        })
    }

    pub fn from_i64(v: i64) -> Number {
        // An i64 has at most 19 digits and is always in range.
        Number::new(v as i128, 0).unwrap_or(Number::ZERO)
    }

    /// Parses DynamoDB's number text (`-12.50`, `1e3`, `.5`); leading/trailing spaces are refused.
    pub fn parse(text: &str) -> Result<Number, NumberError> {
        let bytes = text.as_bytes();
        let mut i = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                i = 1;
                true
            }
            Some(b'+') => {
                i = 1;
                false
            }
            _ => false,
        };
        let mut digits: Vec<u8> = Vec::with_capacity(bytes.len());
        let mut exponent: i64 = 0;
        let mut seen_digit = false;
        let mut seen_point = false;
        while i < bytes.len() {
            match bytes[i] {
                b @ b'0'..=b'9' => {
                    seen_digit = true;
                    if !(digits.is_empty() && b == b'0') {
                        digits.push(b - b'0');
                    }
                    if seen_point {
                        exponent -= 1;
                    }
                }
                b'.' if !seen_point => seen_point = true,
                b'e' | b'E' => break,
                _ => return Err(NumberError::Invalid),
            }
            i += 1;
        }
        if !seen_digit {
            return Err(NumberError::Invalid);
        }
        if i < bytes.len() {
            let rest = &text[i + 1..];
            let body = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if body.is_empty() || body.len() > 9 || !body.bytes().all(|b| b.is_ascii_digit()) {
                return Err(NumberError::Invalid);
            }
            let value: i64 = body.parse().map_err(|_| NumberError::Invalid)?;
            exponent += if rest.starts_with('-') { -value } else { value };
        }
        while digits.last() == Some(&0) {
            digits.pop();
            exponent += 1;
        }
        if digits.is_empty() {
            return Ok(Number::ZERO);
        }
        if digits.len() > MAX_DIGITS as usize {
            return Err(NumberError::TooPrecise);
        }
        let adjusted = exponent + digits.len() as i64 - 1;
        if adjusted > MAX_ADJUSTED as i64 {
            return Err(NumberError::Overflow);
        }
        if adjusted < MIN_ADJUSTED as i64 {
            return Err(NumberError::Underflow);
        }
        let mut m: i128 = 0;
        for d in digits {
            m = m * 10 + d as i128;
        }
        Ok(Number {
            mantissa: if negative { -m } else { m },
            exponent: exponent as i32,
        })
    }

    /// Significant digits (0 for zero): what a number's storage size depends on.
    pub fn significant_digits(&self) -> u32 {
        if self.mantissa == 0 {
            0
        } else {
            digit_count(self.mantissa) as u32
        }
    }

    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// Exact sum; a result that needs more than 38 digits is an error, as in DynamoDB.
    pub fn add(&self, other: &Number) -> Result<Number, NumberError> {
        if self.is_zero() {
            return Ok(*other);
        }
        if other.is_zero() {
            return Ok(*self);
        }
        let (hi, lo) = if self.exponent >= other.exponent {
            (self, other)
        } else {
            (other, self)
        };
        let shift = (hi.exponent - lo.exponent) as u32;
        let scaled = 10i128
            .checked_pow(shift)
            .and_then(|p| hi.mantissa.checked_mul(p))
            .ok_or(NumberError::TooPrecise)?;
        let sum = scaled
            .checked_add(lo.mantissa)
            .ok_or(NumberError::TooPrecise)?;
        Number::new(sum, lo.exponent)
    }

    pub fn negate(&self) -> Number {
        Number {
            mantissa: -self.mantissa,
            exponent: self.exponent,
        }
    }

    pub fn sub(&self, other: &Number) -> Result<Number, NumberError> {
        self.add(&other.negate())
    }

    /// The exponent of the leading digit (scientific notation), used to order magnitudes.
    fn adjusted(&self) -> i32 {
        self.exponent + digit_count(self.mantissa) - 1
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        let sign = |n: &Number| n.mantissa.signum();
        match sign(self).cmp(&sign(other)) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        if self.mantissa == 0 {
            return Ordering::Equal;
        }
        let magnitude = match self.adjusted().cmp(&other.adjusted()) {
            Ordering::Equal => {
                // Same leading position: compare the digit strings left-aligned.
                let (a, b) = (self.mantissa.abs(), other.mantissa.abs());
                let (da, db) = (digit_count(a), digit_count(b));
                let width = da.max(db) as u32;
                let a = a * 10i128.pow(width - da as u32);
                let b = b * 10i128.pow(width - db as u32);
                a.cmp(&b)
            }
            unequal => unequal,
        };
        if self.mantissa < 0 {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    /// Plain decimal text, no exponent: `100`, `0.005`, `-1.5` (what DynamoDB returns).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mantissa == 0 {
            return f.write_str("0");
        }
        if self.mantissa < 0 {
            f.write_str("-")?;
        }
        let digits = self.mantissa.unsigned_abs().to_string();
        if self.exponent >= 0 {
            f.write_str(&digits)?;
            for _ in 0..self.exponent {
                f.write_str("0")?;
            }
            return Ok(());
        }
        let point = digits.len() as i32 + self.exponent;
        if point > 0 {
            let (int, frac) = digits.split_at(point as usize);
            write!(f, "{int}.{frac}")
        } else {
            f.write_str("0.")?;
            for _ in 0..(-point) {
                f.write_str("0")?;
            }
            f.write_str(&digits)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn canonical_text() {
        assert_eq!(n("1.50").to_string(), "1.5");
        assert_eq!(n("1E+2").to_string(), "100");
        assert_eq!(n("-0.00100").to_string(), "-0.001");
        assert_eq!(n("-0").to_string(), "0");
        assert_eq!(n(".5").to_string(), "0.5");
        assert_eq!(n("0012").to_string(), "12");
    }

    #[test]
    fn limits() {
        assert_eq!(Number::parse("abc"), Err(NumberError::Invalid));
        assert_eq!(Number::parse(""), Err(NumberError::Invalid));
        assert_eq!(Number::parse(" 1"), Err(NumberError::Invalid));
        assert_eq!(Number::parse("1e"), Err(NumberError::Invalid));
        assert!(Number::parse(&"9".repeat(38)).is_ok());
        assert_eq!(Number::parse(&"9".repeat(39)), Err(NumberError::TooPrecise));
        assert_eq!(Number::parse("1E126"), Err(NumberError::Overflow));
        assert!(Number::parse("9.9E125").is_ok());
        assert_eq!(Number::parse("1E-131"), Err(NumberError::Underflow));
        assert!(Number::parse("1E-130").is_ok());
        assert_eq!(Number::parse("NaN"), Err(NumberError::Invalid));
    }

    #[test]
    fn ordering_is_numeric() {
        let mut v = [
            n("10"),
            n("-2.5"),
            n("9.99"),
            n("0"),
            n("-10"),
            n("1E-5"),
            n("100"),
        ];
        v.sort();
        let text: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        assert_eq!(text, ["-10", "-2.5", "0", "0.00001", "9.99", "10", "100"]);
        assert_eq!(n("1.0").cmp(&n("1")), Ordering::Equal);
    }

    #[test]
    fn exact_arithmetic() {
        assert_eq!(n("0.1").add(&n("0.2")).unwrap().to_string(), "0.3");
        assert_eq!(n("5").sub(&n("7.25")).unwrap().to_string(), "-2.25");
        let big = n(&"9".repeat(38));
        assert_eq!(
            big.add(&n("1")).unwrap().to_string(),
            format!("1{}", "0".repeat(38))
        );
        assert_eq!(big.add(&n("0.1")), Err(NumberError::TooPrecise));
        assert_eq!(n("1E100").add(&n("1E-100")), Err(NumberError::TooPrecise));
    }
}
