//! Number text. cty sends a number that fits neither i64 nor f64 exactly as a decimal string,
//! and JSON state writes numbers as decimal text; both come through here.

use super::Number;

/// Decimal text split into its parts, e.g. `-12.50e+3` → `-`, `12`, `50`, `+3`.
struct Decimal<'a> {
    neg: bool,
    int: &'a str,
    frac: &'a str,
    has_dot: bool,
    exp: Option<&'a str>,
}

impl<'a> Decimal<'a> {
    /// Accepts `[+-] digits [. digits] [(e|E) [+-] digits]` with at least one mantissa digit.
    fn split(text: &'a str) -> Option<Decimal<'a>> {
        let (neg, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int, frac, has_dot) = match mantissa.split_once('.') {
            Some((i, f)) => (i, f, true),
            None => (mantissa, "", false),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || !digits(frac) || int.len() + frac.len() == 0 {
            return None;
        }
        if let Some(e) = exp {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            if e.is_empty() || !digits(e) {
                return None;
            }
        }
        Some(Decimal {
            neg,
            int,
            frac,
            has_dot,
            exp,
        })
    }

    /// The same number in JSON's number grammar (no `+`, no leading zeros, no bare `.`).
    fn canonical(&self) -> String {
        let mut s = String::with_capacity(self.int.len() + self.frac.len() + 8);
        if self.neg {
            s.push('-');
        }
        let int = self.int.trim_start_matches('0');
        s.push_str(if int.is_empty() { "0" } else { int });
        if !self.frac.is_empty() {
            s.push('.');
            s.push_str(self.frac);
        }
        if let Some(e) = self.exp {
            s.push('e');
            s.push_str(e);
        }
        s
    }

    /// True when the text denotes exactly the (finite) value `f`.
    fn is_exactly(&self, f: f64) -> bool {
        let Some((digits, exp10)) = significant(self.int, self.frac, self.exp) else {
            return false;
        };
        if digits.is_empty() {
            return f == 0.0;
        }
        if f == 0.0 || digits.len() > F64_EXACT_DIGITS {
            return false;
        }
        // Rust formats floats exactly when given a precision; an f64's exact decimal expansion
        // has at most 767 significant digits, so this is the whole expansion.
        let text = format!("{:.*e}", F64_EXACT_DIGITS, f.abs());
        let Some((mantissa, e)) = text.split_once('e') else {
            return false;
        };
        let Ok(e) = e.parse::<i64>() else {
            return false;
        };
        let fdigits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let fdigits = fdigits.trim_end_matches('0');
        let fexp10 = e - (fdigits.len() as i64 - 1);
        fdigits == digits && fexp10 == exp10
    }
}

/// More significant digits than any f64's exact decimal expansion has.
const F64_EXACT_DIGITS: usize = 800;

/// Significant digits (no leading or trailing zeros) and the power of ten they are scaled by.
/// `None` when the exponent does not fit an i64 (such a number is never an exact f64).
fn significant(int: &str, frac: &str, exp: Option<&str>) -> Option<(String, i64)> {
    let exp: i64 = match exp {
        Some(e) => e.parse().ok()?,
        None => 0,
    };
    let mut exp10 = exp.checked_sub(i64::try_from(frac.len()).ok()?)?;
    let all = format!("{int}{frac}");
    let trimmed = all.trim_start_matches('0');
    let without_tail = trimmed.trim_end_matches('0');
    exp10 = exp10.checked_add(i64::try_from(trimmed.len() - without_tail.len()).ok()?)?;
    Some((without_tail.to_string(), exp10))
}

/// Parses decimal text into the narrowest exact [`Number`]: an integer literal that fits i64 is
/// `Int`; text that is exactly an f64 is `Float`; anything else is `Big` in canonical form.
pub(crate) fn parse(text: &str) -> Option<Number> {
    let d = Decimal::split(text)?;
    let canonical = d.canonical();
    if !d.has_dot && d.exp.is_none() {
        return Some(
            canonical
                .parse::<i64>()
                .map(Number::Int)
                .unwrap_or(Number::Big(canonical)),
        );
    }
    match canonical.parse::<f64>() {
        Ok(f) if f.is_finite() && d.is_exactly(f) => Some(Number::Float(f)),
        _ => Some(Number::Big(canonical)),
    }
}

/// The canonical text of a `Big` number, or `None` when it is not decimal text.
pub(crate) fn big_text(text: &str) -> Option<String> {
    Decimal::split(text).map(|d| d.canonical())
}

/// A number as JSON text; `None` for NaN and infinities, which JSON cannot hold.
pub(crate) fn json_text(n: &Number) -> Option<String> {
    match n {
        Number::Int(i) => Some(i.to_string()),
        Number::Float(f) => serde_json::Number::from_f64(*f).map(|n| n.to_string()),
        Number::Big(s) => big_text(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_fit_i64_or_go_big() {
        assert_eq!(parse("42"), Some(Number::Int(42)));
        assert_eq!(parse("+007"), Some(Number::Int(7)));
        assert_eq!(parse("-9223372036854775808"), Some(Number::Int(i64::MIN)));
        assert_eq!(
            parse("9223372036854775808"),
            Some(Number::Big("9223372036854775808".into()))
        );
    }

    #[test]
    fn decimals_are_float_only_when_exact() {
        assert_eq!(parse("0.5"), Some(Number::Float(0.5)));
        assert_eq!(parse("1.50"), Some(Number::Float(1.5)));
        assert_eq!(parse("1.5e3"), Some(Number::Float(1500.0)));
        assert_eq!(parse("-2.5E-1"), Some(Number::Float(-0.25)));
        assert_eq!(parse("0.0"), Some(Number::Float(0.0)));
        assert_eq!(parse("0.1"), Some(Number::Big("0.1".into())));
        assert_eq!(parse("1e400"), Some(Number::Big("1e400".into())));
        assert_eq!(parse("1e-400"), Some(Number::Big("1e-400".into())));
        assert_eq!(parse(".5"), Some(Number::Float(0.5)));
        assert_eq!(parse("+.1"), Some(Number::Big("0.1".into())));
        assert_eq!(
            parse("1e99999999999999999999999"),
            Some(Number::Big("1e99999999999999999999999".into()))
        );
        // 2^-1074, the smallest subnormal, written out exactly.
        let tiny = format!("{:.1074}", f64::from_bits(1));
        assert_eq!(parse(&tiny), Some(Number::Float(f64::from_bits(1))));
    }

    #[test]
    fn rejects_what_is_not_decimal() {
        for bad in [
            "", "-", ".", "e5", "1e", "1e+", "inf", "NaN", "0x10", "1_000", " 1", "1 ", "١",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn json_text_is_json() {
        assert_eq!(json_text(&Number::Float(3.0)).as_deref(), Some("3.0"));
        assert_eq!(json_text(&Number::Big("+00.5".into())).as_deref(), Some("0.5"));
        assert_eq!(json_text(&Number::Float(f64::NAN)), None);
        assert_eq!(json_text(&Number::Big("x".into())), None);
    }
}
