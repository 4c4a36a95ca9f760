//! JSON text as ECMAScript's `JSON.stringify` writes it, for `toJSON()`
//! results and console-style output.

use std::fmt::Write as _;

/// Writes `value` as ECMAScript's [Number::toString] does (the form
/// `JSON.stringify` uses for finite numbers): shortest round-trip digits,
/// exponent notation below 10<sup>−6</sup> and from 10<sup>21</sup> on, and
/// `-0` as `0`. NaN and infinities, which JSON cannot hold, are written as
/// `null`, as `JSON.stringify` does.
///
/// ```
/// use server_timing::json::js_number_to_string;
/// assert_eq!(js_number_to_string(23.2), "23.2");
/// assert_eq!(js_number_to_string(1e21), "1e+21");
/// assert_eq!(js_number_to_string(1.5e-7), "1.5e-7");
/// assert_eq!(js_number_to_string(-0.0), "0");
/// assert_eq!(js_number_to_string(f64::NAN), "null");
/// ```
///
/// [Number::toString]: <https://tc39.es/ecma262/#sec-numeric-types-number-tostring>
pub fn js_number_to_string(value: f64) -> String {
    let mut out = String::new();
    write_js_number(&mut out, value);
    out
}

/// Appends [`js_number_to_string`]'s text to `out`.
pub fn write_js_number(out: &mut String, value: f64) {
    if !value.is_finite() {
        out.push_str("null");
        return;
    }
    if value == 0.0 {
        out.push('0');
        return;
    }
    // Between 1e-6 and 1e21, ECMAScript writes plain decimal digits, and
    // Rust's `Display` writes the same shortest round-trip digits the same way.
    if (1e-6..1e21).contains(&value.abs()) {
        let _ = write!(out, "{value}");
        return;
    }
    write_js_number_from_digits(out, value);
}

/// ECMAScript `Number::toString` for a finite non-zero `value`, from the
/// shortest round-trip digits and the exponent.
fn write_js_number_from_digits(out: &mut String, value: f64) {
    if value < 0.0 {
        out.push('-');
    }
    // Rust's `{:e}` gives the shortest round-trip digits `d[.ddd]e<exp>`.
    let sci = format!("{:e}", value.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i64;
    // n such that value = 0.digits × 10^n.
    let n = exp.parse::<i64>().unwrap_or(0) + 1;
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = n - 1;
        let _ = write!(out, "e{}{}", if e < 0 { '-' } else { '+' }, e.abs());
    }
}

/// Appends `s` as a JSON string literal, escaped as `JSON.stringify` does
/// ([QuoteJSONString]).
///
/// ```
/// let mut out = String::new();
/// server_timing::json::write_json_string(&mut out, "a\"b\\c\n\u{1}");
/// assert_eq!(out, r#""a\"b\\c\n\u0001""#);
/// ```
///
/// [QuoteJSONString]: <https://tc39.es/ecma262/#sec-quotejsonstring>
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn display_fast_path_matches_the_digit_algorithm(
            value in prop_oneof![any::<u64>().prop_map(f64::from_bits), 1e-6f64..1e21]
        ) {
            prop_assume!(value.is_finite() && value != 0.0);
            let mut fast = String::new();
            write_js_number(&mut fast, value);
            let mut general = String::new();
            write_js_number_from_digits(&mut general, value);
            prop_assert_eq!(fast, general);
        }
    }
}
