//! The WebKit profile.
//!
//! No recording backs it: the WPE WebKit build available to the recorder
//! does not expose `PerformanceServerTiming`. It follows WebKit's documented
//! parser, which has the shape of Chromium's (one tokenizer over the whole
//! value that stops at the first thing it cannot read), with these
//! differences from the Chromium profile:
//! - tokens are RFC 9110 `tchar` runs (`{b}` is not a name);
//! - bytes are read as Latin-1 (WebKit keeps header values as 8-bit
//!   strings).
//!
//! Junk after the metric name is skipped up to `,` or `;` as in Chromium:
//! WebKit passes WPT cases 67 and 68 (`metric==   ""foo;dur=123.4`), which
//! require it, although an older revision of its parser had no such skip.
//!
//! `dur` is read the way WebKit's string-to-double conversion reads it when
//! the caller does not ask whether the whole string was a number (WebKit's
//! `ServerTiming::setParameter` does not): skip leading ASCII whitespace,
//! then take the longest prefix that is a number: an optional `-` (no `+`),
//! digits with an optional `.` (at least one digit), and an exponent only
//! if it is complete; or the words `inf`, `infinity` or `nan` in any case.
//! Overflow gives ±Infinity, −0 stays −0, and no number at all gives 0.
//! So unlike Chromium and Firefox, `dur=123abc` gives 123, as the spec
//! does. WebKit passes the 85 WPT parsing cases, which
//! `tests/engine_profiles.rs` checks this profile against.

use std::ops::Range;

use super::tokenizer::{self, Dialect};
use super::{EngineMetric, EngineNote, EngineNoteKind};
use crate::is_token;

fn is_tchar(b: u8) -> bool {
    is_token(&[b])
}

/// The longest number prefix of `s` as WebKit's parser reads it, or `None`.
fn webkit_number_prefix(s: &[u8]) -> Option<f64> {
    let negative = s.first() == Some(&b'-');
    let body = &s[usize::from(negative)..];
    let sign = if negative { -1.0 } else { 1.0 };
    let starts_with =
        |word: &[u8]| body.len() >= word.len() && body[..word.len()].eq_ignore_ascii_case(word);
    if starts_with(b"inf") {
        return Some(sign * f64::INFINITY);
    }
    if starts_with(b"nan") {
        return Some(f64::NAN);
    }
    let mut i = 0;
    let int_digits = body.iter().take_while(|b| b.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if body.get(i) == Some(&b'.') {
        frac_digits = body[i + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if int_digits + frac_digits > 0 {
            i += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    let mantissa_end = i;
    if matches!(body.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(body.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_digits = body[j.min(body.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if exp_digits > 0 {
            i = j + exp_digits;
        }
    }
    let mut text = String::from_utf8_lossy(&body[..i]).into_owned();
    if body[..mantissa_end].ends_with(b".") {
        // Rust's parser wants a digit after the point before an exponent.
        text.insert(mantissa_end, '0');
    }
    text.parse::<f64>().ok().map(|v| sign * v)
}

/// `dur` as WebKit reads it (see the module docs).
fn webkit_duration(raw: &[u8], range: Range<usize>, notes: &mut Vec<EngineNote>) -> f64 {
    let start = raw
        .iter()
        .position(|b| !matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' '))
        .unwrap_or(raw.len());
    let rest = &raw[start..];
    let mut note = |kind| {
        notes.push(EngineNote {
            kind,
            range: range.clone(),
        })
    };
    match webkit_number_prefix(rest) {
        None => {
            if rest.first() == Some(&b'+') && crate::float::parse_floating_point_number(raw).is_ok()
            {
                note(EngineNoteKind::DurationPlusRejected);
            }
            0.0
        }
        Some(d)
            if d.is_nan()
                || (d.is_infinite()
                    && rest.iter().any(u8::is_ascii_alphabetic)
                    && !rest.iter().any(u8::is_ascii_digit)) =>
        {
            note(EngineNoteKind::DurationWordAccepted);
            d
        }
        Some(d) if d.is_infinite() => {
            note(EngineNoteKind::DurationInfinite);
            d
        }
        Some(d) => {
            if d == 0.0 && d.is_sign_negative() {
                note(EngineNoteKind::DurationNegativeZero);
            }
            d
        }
    }
}

const WEBKIT: Dialect = Dialect {
    is_token_byte: is_tchar,
    skip_junk_after_name: true,
    duration: webkit_duration,
};

/// WebKit's reading of a combined field value.
pub(crate) fn parse(value: &[u8], notes: &mut Vec<EngineNote>) -> Vec<EngineMetric> {
    tokenizer::parse(value, &WEBKIT, notes)
}

#[cfg(test)]
mod tests {
    use super::webkit_number_prefix as p;

    #[test]
    fn number_prefix() {
        assert_eq!(p(b"123abc"), Some(123.0));
        assert_eq!(p(b"1e"), Some(1.0));
        assert_eq!(p(b"1e+"), Some(1.0));
        assert_eq!(p(b"1.e5"), Some(100000.0));
        assert_eq!(p(b"5."), Some(5.0));
        assert_eq!(p(b".5"), Some(0.5));
        assert_eq!(p(b"-.5"), Some(-0.5));
        assert_eq!(p(b"1.2.3"), Some(1.2));
        assert_eq!(p(b"+1"), None);
        assert_eq!(p(b"."), None);
        assert_eq!(p(b"Infinity"), Some(f64::INFINITY));
        assert_eq!(p(b"-inf"), Some(f64::NEG_INFINITY));
        assert!(p(b"NaN").unwrap().is_nan());
        assert_eq!(p(b"1e400"), Some(f64::INFINITY));
        assert!(p(b"-0").unwrap().is_sign_negative());
        assert_eq!(p(b"0x10"), Some(0.0));
    }
}
