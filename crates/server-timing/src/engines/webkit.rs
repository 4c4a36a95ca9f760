//! The WebKit profile.
//!
//! Recorded from WebKitGTK 2.50.6 (`wpt/compat/fixtures/webkit.json`,
//! MiniBrowser driven by `wpt/compat/record.py webkit`). It is the shared
//! tokenizer model ([`super::tokenizer`]) with:
//! - tokens that are RFC 9110 `tchar` runs (`{b}` is not a name);
//! - no skipping of junk after the metric name: the metric keeps its name,
//!   gets none of its params, and the rest of the header is ignored
//!   (`m x;dur=1` is `m` with duration 0, `m x, n` is only `m`). So WebKit
//!   fails WPT parsing cases 67 and 68 (`metric==   ""foo;dur=123.4`).
//!   Junk after a param value is skipped, as in Chromium;
//! - `dur` read as the longest number prefix (see [`webkit_number_prefix`]):
//!   `123abc` is 123 and `1e` is 1, as HTML's rules read them; one leading
//!   `+` is accepted; the words `Infinity`, `inf` and `NaN` are not numbers
//!   (0); an overflow gives ±Infinity and −0 stays −0;
//! - bytes read as Latin-1, after the port's network layer has replaced
//!   each byte that is not part of valid UTF-8 with the three bytes of
//!   U+FFFD ([`Profile::replace_invalid_utf8`]).
//!
//! The last point is not WebKit's parser: the GTK port's network stack
//! hands WebKit header values in which every invalid UTF-8 byte has become
//! U+FFFD, which WebKit then reads byte by byte as Latin-1. So `desc="é"`
//! sent as the byte E9 reads `ï¿½`, while valid UTF-8 (`C3 A9`) still reads
//! `Ã©`. It is a knob of the profile so that a port without that network
//! layer can be modelled with it off.

use std::borrow::Cow;
use std::ops::Range;

use super::tokenizer::{self, Dialect};
use super::{EngineMetric, EngineNote, EngineNoteKind};
use crate::float::parse_floating_point_number;
use crate::is_token;

/// The WebKit profile's knobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Profile {
    /// Before parsing, replace each byte that is not part of valid UTF-8
    /// with `EF BF BD` (U+FFFD in UTF-8), one replacement per byte, as
    /// WebKitGTK's network layer does. On for [`Profile::GTK`].
    pub replace_invalid_utf8: bool,
}

impl Profile {
    /// WebKitGTK, as recorded.
    pub(crate) const GTK: Profile = Profile {
        replace_invalid_utf8: true,
    };
}

impl Default for Profile {
    fn default() -> Self {
        Profile::GTK
    }
}

fn is_tchar(b: u8) -> bool {
    is_token(&[b])
}

/// Whitespace WebKit skips before a `dur` number: ASCII whitespace and the
/// vertical tab (recorded: `dur="\x0b1"` gives 1).
fn is_number_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r' | b' ')
}

/// The longest number prefix of `s` as WebKit reads `dur`, or `None`: one
/// optional `+` or `-`, digits with an optional `.` (at least one digit in
/// all), and an exponent only if it has digits. No words (`Infinity`,
/// `NaN`). Correctly rounded; ±Infinity on overflow; −0 kept.
fn webkit_number_prefix(s: &[u8]) -> Option<f64> {
    let signed = matches!(s.first(), Some(b'+' | b'-'));
    let body = &s[usize::from(signed)..];
    let int_digits = body.iter().take_while(|b| b.is_ascii_digit()).count();
    let mut end = int_digits;
    let mut frac_digits = 0;
    if body.get(end) == Some(&b'.') {
        frac_digits = body[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if int_digits + frac_digits > 0 {
            end += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if matches!(body.get(end), Some(b'e' | b'E')) {
        let mut j = end + 1;
        if matches!(body.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_digits = body
            .get(j..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if exp_digits > 0 {
            end = j + exp_digits;
        }
    }
    // ASCII digits, `.`, `e` and signs only; Rust's parser reads `5.`, `.5`
    // and `5.e3` and is correctly rounded.
    let magnitude: f64 = std::str::from_utf8(&body[..end]).ok()?.parse().ok()?;
    Some(if s.first() == Some(&b'-') {
        -magnitude
    } else {
        magnitude
    })
}

/// `dur` as WebKit reads it (see the module docs), with a note where that
/// is not what HTML's rules give.
fn webkit_duration(raw: &[u8], range: Range<usize>, notes: &mut Vec<EngineNote>) -> f64 {
    let start = raw
        .iter()
        .position(|&b| !is_number_space(b))
        .unwrap_or(raw.len());
    let html = parse_floating_point_number(raw);
    let mut note = |kind| {
        notes.push(EngineNote {
            kind,
            range: range.clone(),
        })
    };
    match webkit_number_prefix(&raw[start..]) {
        None => {
            if html.is_ok() {
                note(EngineNoteKind::DurationRejected);
            }
            0.0
        }
        Some(d) if d.is_infinite() => {
            note(EngineNoteKind::DurationInfinite);
            d
        }
        Some(d) if d == 0.0 && d.is_sign_negative() => {
            note(EngineNoteKind::DurationNegativeZero);
            d
        }
        Some(d) => {
            if html.map_or(true, |h| h.value.to_bits() != d.to_bits()) {
                note(EngineNoteKind::DurationAcceptedNotHtml);
            }
            d
        }
    }
}

const WEBKIT: Dialect = Dialect {
    is_token_byte: is_tchar,
    skip_junk_after_name: false,
    duration: webkit_duration,
};

/// U+FFFD in UTF-8.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// `value` with each byte that is not part of valid UTF-8 replaced by
/// [`REPLACEMENT`], and the offset map back: for each offset of the result
/// (and its end), the offset of `value` it came from (a replacement's inner
/// offsets map to the end of its byte). Notes the replaced bytes.
fn replace_invalid_utf8<'a>(
    value: &'a [u8],
    notes: &mut Vec<EngineNote>,
) -> (Cow<'a, [u8]>, Option<Vec<usize>>) {
    if std::str::from_utf8(value).is_ok() {
        return (Cow::Borrowed(value), None);
    }
    let base = notes.len();
    let mut out = Vec::with_capacity(value.len() + 8);
    let mut origin = Vec::with_capacity(value.len() + 9);
    let mut i = 0;
    while i < value.len() {
        let (valid, invalid) = match std::str::from_utf8(&value[i..]) {
            Ok(_) => (value.len() - i, false),
            Err(e) => (e.valid_up_to(), true),
        };
        out.extend_from_slice(&value[i..i + valid]);
        origin.extend(i..i + valid);
        i += valid;
        if invalid {
            // One replacement per byte, whatever sequence it began.
            out.extend_from_slice(REPLACEMENT);
            origin.extend([i, i + 1, i + 1]);
            match notes[base..].last_mut() {
                Some(n) if n.range.end == i => {
                    n.range.end = i + 1;
                }
                _ => notes.push(EngineNote {
                    kind: EngineNoteKind::InvalidUtf8Replaced,
                    range: i..i + 1,
                }),
            }
            i += 1;
        }
    }
    origin.push(value.len());
    (Cow::Owned(out), Some(origin))
}

/// WebKit's reading of a combined field value, with the profile's knobs.
pub(crate) fn parse_with(
    profile: Profile,
    value: &[u8],
    notes: &mut Vec<EngineNote>,
) -> Vec<EngineMetric> {
    if !profile.replace_invalid_utf8 {
        return tokenizer::parse(value, &WEBKIT, notes);
    }
    let (bytes, origin) = replace_invalid_utf8(value, notes);
    let Some(origin) = origin else {
        return tokenizer::parse(value, &WEBKIT, notes);
    };
    let first = notes.len();
    let mut metrics = tokenizer::parse(&bytes, &WEBKIT, notes);
    // Ranges back into `value`.
    let back = |r: &Range<usize>| origin[r.start]..origin[r.end];
    for m in &mut metrics {
        m.span = back(&m.span);
    }
    for n in &mut notes[first..] {
        n.range = back(&n.range);
    }
    metrics
}

/// WebKit's reading of a combined field value (WebKitGTK).
pub(crate) fn parse(value: &[u8], notes: &mut Vec<EngineNote>) -> Vec<EngineMetric> {
    parse_with(Profile::GTK, value, notes)
}

#[cfg(test)]
mod tests {
    use super::webkit_number_prefix as p;
    use super::*;

    #[test]
    fn number_prefix() {
        assert_eq!(p(b"123abc"), Some(123.0));
        assert_eq!(p(b"1e"), Some(1.0));
        assert_eq!(p(b"1e+"), Some(1.0));
        assert_eq!(p(b"1.e5"), Some(100000.0));
        assert_eq!(p(b"5.e3"), Some(5000.0));
        assert_eq!(p(b"5."), Some(5.0));
        assert_eq!(p(b".5"), Some(0.5));
        assert_eq!(p(b"-.5"), Some(-0.5));
        assert_eq!(p(b"1.2.3"), Some(1.2));
        assert_eq!(p(b"+2"), Some(2.0));
        assert_eq!(p(b"+.5"), Some(0.5));
        assert_eq!(p(b"++1"), None);
        assert_eq!(p(b"+-1"), None);
        assert_eq!(p(b"-+1"), None);
        assert_eq!(p(b"."), None);
        assert_eq!(p(b"+"), None);
        assert_eq!(p(b"Infinity"), None);
        assert_eq!(p(b"-inf"), None);
        assert_eq!(p(b"NaN"), None);
        assert_eq!(p(b"1e400"), Some(f64::INFINITY));
        assert_eq!(p(b"-1e400"), Some(f64::NEG_INFINITY));
        assert!(p(b"-0").unwrap().is_sign_negative());
        assert_eq!(p(b"0x10"), Some(0.0));
    }

    fn names_and_descs(profile: Profile, value: &[u8]) -> Vec<(String, String)> {
        parse_with(profile, value, &mut Vec::new())
            .into_iter()
            .map(|m| (m.name, m.description))
            .collect()
    }

    #[test]
    fn invalid_utf8_knob() {
        let off = Profile {
            replace_invalid_utf8: false,
        };
        // A lone Latin-1 byte: three Latin-1 characters of U+FFFD with the
        // knob on, the byte itself with it off.
        let v = b"m;desc=\"\xe9\"";
        assert_eq!(names_and_descs(Profile::GTK, v)[0].1, "\u{ef}\u{bf}\u{bd}");
        assert_eq!(names_and_descs(off, v)[0].1, "\u{e9}");
        // Valid UTF-8 is untouched either way.
        let v = b"m;desc=\"\xc3\xa9\"";
        assert_eq!(names_and_descs(Profile::GTK, v)[0].1, "\u{c3}\u{a9}");
        // One replacement per byte of a truncated sequence.
        let v = b"m;desc=\"\xe2\x82\"";
        assert_eq!(
            names_and_descs(Profile::GTK, v)[0].1,
            "\u{ef}\u{bf}\u{bd}".repeat(2)
        );
        assert_eq!(names_and_descs(off, v)[0].1, "\u{e2}\u{82}");
    }

    #[test]
    fn ranges_point_into_the_original_value() {
        let v = b"caf\xe9;dur=1, b;desc=\"\xff\xfe\"";
        let mut notes = Vec::new();
        let metrics = parse_with(Profile::GTK, v, &mut notes);
        // The name stops before the replaced byte, and junk after the name
        // ends the header.
        assert_eq!(metrics.len(), 1);
        assert_eq!(metrics[0].name, "caf");
        assert_eq!(metrics[0].duration, 0.0);
        assert_eq!(metrics[0].span, 0..3);
        let replaced: Vec<_> = notes
            .iter()
            .filter(|n| n.kind == EngineNoteKind::InvalidUtf8Replaced)
            .map(|n| n.range.clone())
            .collect();
        assert_eq!(replaced, [3..4, 20..22]);
        let stopped = notes
            .iter()
            .find(|n| n.kind == EngineNoteKind::StoppedAfterMetric)
            .expect("stopped");
        assert_eq!(stopped.range, 3..v.len());
        for n in &notes {
            assert!(n.range.end <= v.len());
        }
    }
}
