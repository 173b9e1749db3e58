//! Numbers as a student reads them: rounded where they are stored, compact where
//! they are shown.
//!
//! Two jobs, kept apart:
//!
//! * **Rounding a value before it is stored** in a row ([`round`], [`significant`]).
//!   A model value such as Amdahl's `4.705882352941177` goes into the results file
//!   as `4.7059`: the table, the JSON and the snapshot tests all hold the same
//!   short number, and it compares equal on every platform, because the scale is
//!   an exact power of ten and the arithmetic is one multiply, one `round`, one
//!   divide (IEEE 754 gives the same bits everywhere). Lessons round here, with
//!   the number of digits the science warrants, instead of each writing its own
//!   `(x * 1e4).round() / 1e4`.
//! * **Formatting a value for the terminal** ([`format_number`], [`format_value`]):
//!   five significant digits for everyday magnitudes, scientific notation for the
//!   very small and very large. This changes only the text, never the stored value.
//!   Tables, plot axes and lesson notes use it, so a number reads the same wherever
//!   it appears.
//!
//! Cost: a few floating-point operations and, for formatting, one small `String`.
//! Nothing here allocates per digit or depends on the locale.
//!
//! ```
//! assert_eq!(lab::round(4.705882352941177, 4), 4.7059);
//! assert_eq!(lab::round(1234.5, -2), 1200.0);
//! assert_eq!(lab::significant(0.000_044_81, 2), 0.000_045);
//! assert_eq!(lab::format_number(1234.5678), "1234.6");
//! assert_eq!(lab::format_number(3.9e-6), "3.900e-6");
//! ```

use serde_json::Value;

/// `x` rounded to `decimals` decimal places; negative `decimals` round to tens,
/// hundreds, … (`round(1234.5, -2)` is `1200`).
///
/// The scale is a power of ten built by multiplication, exact in `f64` up to
/// `10^22`, so `round(x, 4)` is bit for bit `(x * 1e4).round() / 1e4`: the same
/// result on every platform. Halves round away from zero ([`f64::round`]).
pub fn round(x: f64, decimals: i32) -> f64 {
    let scale = (0..decimals.unsigned_abs().min(22)).fold(1.0, |p, _| p * 10.0);
    if decimals >= 0 {
        (x * scale).round() / scale
    } else {
        (x / scale).round() * scale
    }
}

/// `x` rounded to `digits` significant digits (`significant(123_456.0, 3)` is
/// `123_000`): for values whose magnitude varies over decades, such as errors,
/// rates and sample counts. Zero, infinities and NaN come back unchanged.
pub fn significant(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let magnitude = x.abs().log10().floor() as i32;
    round(x, digits - 1 - magnitude)
}

/// A number as a table cell or an axis label: five significant digits in fixed
/// notation for everyday magnitudes (trailing zeros dropped), scientific notation
/// below `0.001` and from `10⁹`.
pub fn format_number(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e9).contains(&a) {
        format!("{x:.3e}")
    } else {
        let digits = (4 - a.log10().floor() as i32).clamp(0, 6) as usize;
        let s = format!("{x:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

/// A JSON value as a table cell: strings bare, floats as [`format_number`],
/// `null` as `-`, integers and booleans as written.
pub fn format_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => format_number(n.as_f64().unwrap_or(f64::NAN)),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_compactly() {
        assert_eq!(format_number(4.705882352941177), "4.7059");
        assert_eq!(format_number(20.0), "20");
        assert_eq!(format_number(1234.5678), "1234.6");
        assert_eq!(format_number(3.9e-6), "3.900e-6");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn values_print_as_cells() {
        assert_eq!(format_value(&Value::from("threads")), "threads");
        assert_eq!(format_value(&Value::from(1.0 / 3.0)), "0.33333");
        assert_eq!(format_value(&Value::from(42)), "42");
        assert_eq!(format_value(&Value::Null), "-");
    }

    /// Snapshots hold rounded values: `round` must give exactly what the lessons'
    /// `(x * 10^d).round() / 10^d` gave, or every deterministic metric would move.
    #[test]
    fn rounding_is_bit_for_bit_the_scale_round_divide_pattern() {
        let xs = [
            4.705882352941177,
            1.0 / 3.0,
            2.0 / 3.0,
            0.123_449_999_999,
            -7.777_777,
            12_345.678_9,
            0.000_049_999,
            1.005,
        ];
        for x in xs {
            assert_eq!(round(x, 1), (x * 10.0).round() / 10.0, "{x}");
            assert_eq!(round(x, 2), (x * 100.0).round() / 100.0, "{x}");
            assert_eq!(round(x, 3), (x * 1e3).round() / 1e3, "{x}");
            assert_eq!(round(x, 4), (x * 1e4).round() / 1e4, "{x}");
            assert_eq!(round(x, 6), (x * 1e6).round() / 1e6, "{x}");
            assert_eq!(round(x, 0), x.round(), "{x}");
        }
        assert_eq!(round(4.705882352941177, 4), 4.7059);
        assert_eq!(round(1234.5, -2), 1200.0);
        assert_eq!(round(-0.05, 1), -0.1, "halves round away from zero");
    }

    #[test]
    fn significant_keeps_the_leading_digits() {
        assert_eq!(significant(123_456.0, 3), 123_000.0);
        assert_eq!(significant(0.000_044_81, 2), 0.000_045);
        assert_eq!(significant(-987.6, 2), -990.0);
        assert_eq!(significant(0.0, 3), 0.0);
        assert!(significant(f64::NAN, 3).is_nan());
    }
}
