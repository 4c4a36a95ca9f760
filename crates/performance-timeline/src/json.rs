//! JSON text exactly as `JSON.stringify` writes it, for `toJSON()` results.
//!
//! <https://tc39.es/ecma262/#sec-serializejsonproperty>

use std::fmt::Write as _;

/// Appends `value` as `JSON.stringify` writes a string (QuoteJSONString).
///
/// <https://tc39.es/ecma262/#sec-quotejsonstring>
pub fn write_json_string(out: &mut String, value: &str) {
    out.push('"');
    // Copy runs of bytes that need no escape in one go; every escape is ASCII,
    // so slicing at an escaped byte never splits a character.
    let bytes = value.as_bytes();
    let mut run_start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
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

/// Appends `value` as `JSON.stringify` writes a number: `null` for NaN and
/// the infinities, otherwise ECMAScript `Number::toString` (shortest
/// round-trip digits; exponent form below 1e-6 and from 1e21 on; `-0` as `0`).
///
/// <https://tc39.es/ecma262/#sec-numeric-types-number-tostring>
pub fn write_json_number(out: &mut String, value: f64) {
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
    // `{:e}` gives the shortest round-trip digits: "d.ddde±x".
    let formatted = format!("{:e}", value.abs());
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    // n such that value = 0.digits × 10^n.
    let n = exponent.parse::<i32>().unwrap_or(0) + 1;
    if value < 0.0 {
        out.push('-');
    }
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
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        let _ = write!(out, "{}", (n - 1).abs());
    }
}

/// A small writer for the flat objects that `[Default] toJSON()` produces.
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
        JsonObject {
            out: {
                let mut out = String::with_capacity(256);
                out.push('{');
                out
            },
            first: true,
        }
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
        write_json_number(&mut self.out, value);
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

    fn num(v: f64) -> String {
        let mut s = String::new();
        write_json_number(&mut s, v);
        s
    }

    #[test]
    fn numbers_match_ecmascript_number_to_string() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-1.5), "-1.5");
        assert_eq!(num(123.456), "123.456");
        assert_eq!(num(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(num(1e21), "1e+21");
        assert_eq!(num(1e20), "100000000000000000000");
        assert_eq!(num(123e20), "1.23e+22");
        assert_eq!(num(0.000001), "0.000001");
        assert_eq!(num(0.0000001), "1e-7");
        assert_eq!(num(1.5e-7), "1.5e-7");
        assert_eq!(num(f64::NAN), "null");
        assert_eq!(num(f64::INFINITY), "null");
        assert_eq!(num(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(num(5e-324), "5e-324");
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

    #[test]
    fn object_members_keep_order() {
        let text = JsonObject::new()
            .string("name", "x")
            .number("startTime", 1.25)
            .raw("list", "[]")
            .finish();
        assert_eq!(text, r#"{"name":"x","startTime":1.25,"list":[]}"#);
    }
}
