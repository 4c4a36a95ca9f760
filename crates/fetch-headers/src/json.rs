//! JSON text as ECMAScript's `JSON.stringify` writes it: the one writer of
//! numbers and strings behind every `toJSON()` result and console-style line.
//!
//! <https://tc39.es/ecma262/#sec-serializejsonproperty>

use std::fmt::Write as _;

/// Writes `value` as ECMAScript's [Number::toString] does (the form
/// `JSON.stringify` uses for finite numbers): shortest round-trip digits,
/// exponent notation below 10<sup>−6</sup> and from 10<sup>21</sup> on, and
/// `-0` as `0`. NaN and infinities, which JSON cannot hold, are written as
/// `null`, as `JSON.stringify` does.
///
/// ```
/// use fetch_headers::json::js_number_to_string;
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

/// Appends `value` as a browser console shows a number: as
/// [`write_js_number`], except that NaN, the infinities and −0 are spelled
/// out (`NaN`, `Infinity`, `-Infinity`, `-0`) where JSON would write `null`
/// or `0`.
///
/// ```
/// let mut out = String::new();
/// fetch_headers::json::write_console_number(&mut out, -0.0);
/// fetch_headers::json::write_console_number(&mut out, f64::INFINITY);
/// assert_eq!(out, "-0Infinity");
/// ```
pub fn write_console_number(out: &mut String, value: f64) {
    match value {
        v if v.is_nan() => out.push_str("NaN"),
        v if v == f64::INFINITY => out.push_str("Infinity"),
        v if v == f64::NEG_INFINITY => out.push_str("-Infinity"),
        v if v == 0.0 && v.is_sign_negative() => out.push_str("-0"),
        v => write_js_number(out, v),
    }
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
/// fetch_headers::json::write_json_string(&mut out, "a\"b\\c\n\u{1}");
/// assert_eq!(out, r#""a\"b\\c\n\u0001""#);
/// ```
///
/// [QuoteJSONString]: <https://tc39.es/ecma262/#sec-quotejsonstring>
pub fn write_json_string(out: &mut String, value: &str) {
    out.push('"');
    // Runs of characters that need no escape are copied in one go; every
    // escaped character is ASCII, so slicing at one never splits a character.
    let mut run_start = 0;
    for (i, &byte) in value.as_bytes().iter().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0C => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1F => "",
            _ => continue,
        };
        out.push_str(&value[run_start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04x}", byte);
        } else {
            out.push_str(escape);
        }
        run_start = i + 1;
    }
    out.push_str(&value[run_start..]);
    out.push('"');
}

/// A writer for the flat objects a WebIDL `[Default] toJSON()` produces:
/// members in the order they are added, numbers and strings as
/// `JSON.stringify` writes them.
///
/// ```
/// use fetch_headers::json::JsonObject;
/// let text = JsonObject::new().string("name", "x").number("startTime", 1.25).raw("list", "[]").finish();
/// assert_eq!(text, r#"{"name":"x","startTime":1.25,"list":[]}"#);
/// ```
#[derive(Debug)]
pub struct JsonObject {
    out: String,
    first: bool,
}

impl Default for JsonObject {
    fn default() -> Self {
        Self::new()
    }
}

impl JsonObject {
    /// Starts an object.
    pub fn new() -> Self {
        let mut out = String::with_capacity(256);
        out.push('{');
        JsonObject { out, first: true }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_json_string(&mut self.out, key);
        self.out.push(':');
    }

    /// Adds a string member.
    pub fn string(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        write_json_string(&mut self.out, value);
        self
    }

    /// Adds a number member.
    pub fn number(&mut self, key: &str, value: f64) -> &mut Self {
        self.key(key);
        write_js_number(&mut self.out, value);
        self
    }

    /// Adds a member whose value is already JSON text (an array or object).
    pub fn raw(&mut self, key: &str, json_text: &str) -> &mut Self {
        self.key(key);
        self.out.push_str(json_text);
        self
    }

    /// Closes the object and returns its text.
    pub fn finish(&mut self) -> String {
        let mut out = std::mem::take(&mut self.out);
        out.push('}');
        out
    }
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

    fn num(v: f64) -> String {
        js_number_to_string(v)
    }

    #[test]
    fn numbers_match_ecmascript_number_to_string() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(-1.5), "-1.5");
        assert_eq!(num(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(num(1e21), "1e+21");
        assert_eq!(num(1e20), "100000000000000000000");
        assert_eq!(num(123e20), "1.23e+22");
        assert_eq!(num(0.000001), "0.000001");
        assert_eq!(num(0.0000001), "1e-7");
        assert_eq!(num(f64::INFINITY), "null");
        assert_eq!(num(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(num(5e-324), "5e-324");
        assert_eq!(num(-2.5e-8), "-2.5e-8");
    }

    #[test]
    fn strings_are_escaped_like_json_stringify() {
        let mut s = String::new();
        write_json_string(&mut s, "a\"b\\c\n\u{1}\u{7f}é");
        assert_eq!(s, "\"a\\\"b\\\\c\\n\\u0001\u{7f}é\"");
        let mut s = String::new();
        write_json_string(&mut s, "\u{1f}\u{8}\u{c}\r\t€𝄞\u{0}end");
        assert_eq!(s, "\"\\u001f\\b\\f\\r\\t€𝄞\\u0000end\"");
    }
}
