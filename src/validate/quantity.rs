//! Kubernetes resource quantities (`250m`, `0.5`, `128Mi`, `1e3`), parsed exactly.
//!
//! A quantity is `mantissa × 10^exp10 × 2^exp2`, with an integer mantissa, so two quantities
//! compare without floating-point rounding: `1Gi` > `1G`, `0.1` = `100m`.

use std::cmp::Ordering;

/// A parsed quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity {
    negative: bool,
    mantissa: u128,
    exp10: i32,
    exp2: u32,
}

/// Longest quantity text accepted: the API server's own parser stops far earlier.
const MAX_LEN: usize = 64;

/// Parses a quantity as the Kubernetes API server does (`resource.ParseQuantity`).
///
/// Returns `None` for anything the API server would reject.
pub fn parse(text: &str) -> Option<Quantity> {
    if text.is_empty() || text.len() > MAX_LEN {
        return None;
    }
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, text.get(1..)?),
        b'+' => (false, text.get(1..)?),
        _ => (false, text),
    };
    let number_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_end);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return None;
    }
    let mut mantissa: u128 = 0;
    for digit in whole.bytes().chain(fraction.bytes()) {
        mantissa = mantissa
            .checked_mul(10)?
            .checked_add(u128::from(digit - b'0'))?;
    }
    let mut exp10 = -i32::try_from(fraction.len()).ok()?;
    let mut exp2 = 0;
    match suffix {
        "" => {}
        "Ki" => exp2 = 10,
        "Mi" => exp2 = 20,
        "Gi" => exp2 = 30,
        "Ti" => exp2 = 40,
        "Pi" => exp2 = 50,
        "Ei" => exp2 = 60,
        "n" => exp10 -= 9,
        "u" => exp10 -= 6,
        "m" => exp10 -= 3,
        "k" => exp10 += 3,
        "M" => exp10 += 6,
        "G" => exp10 += 9,
        "T" => exp10 += 12,
        "P" => exp10 += 15,
        "E" => exp10 += 18,
        _ => {
            let exponent = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))?;
            let digits = exponent.trim_start_matches(['+', '-']);
            if digits.is_empty()
                || exponent.len() - digits.len() > 1
                || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            let value: i32 = exponent.parse().ok()?;
            if value.unsigned_abs() > 1000 {
                return None;
            }
            exp10 += value;
        }
    }
    Some(Quantity {
        negative: negative && mantissa != 0,
        mantissa,
        exp10,
        exp2,
    })
}

impl Quantity {
    /// Whether the quantity is below zero.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// The value as a float, for when exact arithmetic overflows.
    fn approximate(&self) -> f64 {
        #[expect(
            clippy::cast_precision_loss,
            reason = "a fallback for huge values only"
        )]
        let m = self.mantissa as f64;
        let v = m * 10f64.powi(self.exp10) * 2f64.powi(i32::try_from(self.exp2).unwrap_or(0));
        if self.negative { -v } else { v }
    }

    /// Magnitude comparison, exact when the numbers fit in 128 bits.
    fn cmp_magnitude(&self, other: &Quantity) -> Ordering {
        let exact = || -> Option<Ordering> {
            let (mut a, mut b) = (self.mantissa, other.mantissa);
            let shift10 = self.exp10 - other.exp10;
            let scale = 10u128.checked_pow(shift10.unsigned_abs())?;
            if shift10 > 0 {
                a = a.checked_mul(scale)?;
            } else {
                b = b.checked_mul(scale)?;
            }
            if self.exp2 > other.exp2 {
                a = a.checked_mul(1u128.checked_shl(self.exp2 - other.exp2)?)?;
            } else {
                b = b.checked_mul(1u128.checked_shl(other.exp2 - self.exp2)?)?;
            }
            Some(a.cmp(&b))
        };
        exact().unwrap_or_else(|| {
            self.approximate()
                .abs()
                .total_cmp(&other.approximate().abs())
        })
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantity {
        parse(text).unwrap_or_else(|| panic!("`{text}` should parse"))
    }

    #[test]
    fn equal_quantities_written_differently_compare_equal() {
        for (a, b) in [
            ("250m", "0.25"),
            ("1", "1000m"),
            ("0.5", "500m"),
            ("1e3", "1k"),
            ("1E3", "1000"),
            ("1Ki", "1024"),
            ("1Gi", "1024Mi"),
            ("1.5Gi", "1536Mi"),
            ("100n", "0.1u"),
            ("+2", "2"),
            ("1e-3", "1m"),
            (".5", "0.5"),
        ] {
            assert_eq!(q(a).cmp(&q(b)), Ordering::Equal, "{a} = {b}");
        }
    }

    #[test]
    fn binary_and_decimal_suffixes_order_exactly() {
        assert!(q("1Gi") > q("1G"));
        assert!(q("128Mi") < q("1Gi"));
        assert!(q("1001m") > q("1"));
        assert!(q("999999999n") < q("1"));
        assert!(q("-1") < q("0"));
        assert!(q("1Ei") > q("1E"));
    }

    #[test]
    fn malformed_quantities_are_refused() {
        for text in [
            "", "1Gb", "1.2.3", "m", "1 Gi", "--1", "1e", "1e+-2", "abc", "1mi", "0x10",
        ] {
            assert!(parse(text).is_none(), "`{text}` should not parse");
        }
    }
}
