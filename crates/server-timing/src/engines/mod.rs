//! Engine profiles: how Chromium, Firefox (Gecko) and WebKit read a
//! `Server-Timing` header, beside the spec reading this crate implements.
//!
//! Browsers agree on the 85 WPT parsing cases but not on headers with any
//! irregularity: Chromium and WebKit stop reading the whole header at the
//! first list member or param they cannot read, Firefox recovers and
//! decodes bytes as UTF-8, and the engines' number syntax for `dur` is not
//! HTML's. Each profile here is a *behavior model*: written from recordings
//! of the real browsers (`wpt/compat/`, checked case by case in
//! `tests/engine_profiles.rs`) and from each engine's documented behavior, not
//! a port of its code. `docs/compat.md` tabulates every difference with a
//! minimal header.
//!
//! ```
//! use server_timing::engines::Engine;
//!
//! let lines = [&b"a;dur=1, , b;dur=1e400"[..]];
//! let names = |e: Engine| e.parse(lines).iter().map(|m| m.name().to_owned()).collect::<Vec<_>>();
//! assert_eq!(names(Engine::Spec), ["a", "b"]);
//! assert_eq!(names(Engine::Firefox), ["a", "b"]);
//! // Chromium stops at the empty list member.
//! assert_eq!(names(Engine::Chromium), ["a"]);
//! // HTML's float rules give 0 for 1e400; Chromium's number parser gives Infinity.
//! assert_eq!(Engine::Chromium.parse([&b"m;dur=1e400"[..]])[0].duration(), f64::INFINITY);
//! assert_eq!(Engine::Spec.parse([&b"m;dur=1e400"[..]])[0].duration(), 0.0);
//! ```

mod chromium;
mod firefox;
pub mod lint;
mod tokenizer;
mod webkit;

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::{parse_server_timing, PerformanceServerTiming};
use fetch_headers::get_a_header;

/// A way of reading `Server-Timing`: the spec's, or one engine's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Engine {
    /// The spec reading ([`crate::parse_server_timing`]); the default.
    Spec,
    /// Chromium (Blink), as recorded from Chromium 156.
    Chromium,
    /// Firefox (Gecko), as recorded from Firefox 153 ESR.
    Firefox,
    /// WebKit, as recorded from WebKitGTK 2.50 (with the GTK port's
    /// replacement of invalid UTF-8 bytes, see `docs/compat.md`).
    WebKit,
}

/// How header bytes become the characters of names and descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeaderDecoding {
    /// Isomorphic decoding: each byte is the code point with its number.
    Latin1,
    /// UTF-8, each invalid sequence replaced by U+FFFD.
    Utf8Lossy,
}

/// The name given to [`Engine::from_str`] is not an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownEngine(pub String);

impl fmt::Display for UnknownEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown engine {:?} (expected spec, chromium, firefox or webkit)",
            self.0
        )
    }
}

impl std::error::Error for UnknownEngine {}

impl FromStr for Engine {
    type Err = UnknownEngine;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "spec" => Ok(Engine::Spec),
            "chromium" | "chrome" | "blink" => Ok(Engine::Chromium),
            "firefox" | "gecko" => Ok(Engine::Firefox),
            "webkit" | "safari" => Ok(Engine::WebKit),
            _ => Err(UnknownEngine(s.to_owned())),
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One metric as an engine model reads it, with the byte range of the
/// combined field value it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineMetric {
    /// The `name` attribute.
    pub name: String,
    /// The `duration` attribute (may be −0 or infinite in some engines).
    pub duration: f64,
    /// The `description` attribute.
    pub description: String,
    /// Byte offsets into the combined field value.
    pub span: Range<usize>,
}

impl From<&EngineMetric> for PerformanceServerTiming {
    fn from(m: &EngineMetric) -> Self {
        PerformanceServerTiming::new(&m.name, m.duration, &m.description)
    }
}

/// Something an engine model did that another reading does not: the reason
/// behind a difference, for [`lint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EngineNoteKind {
    /// A list member does not start with a name this engine accepts, so the
    /// engine ignores it and everything after it.
    StoppedAtMissingName,
    /// After a metric's params comes something other than `,` (an empty
    /// param name, a param name followed by junk, junk after the name), so
    /// the engine ignores the rest of the header.
    StoppedAfterMetric,
    /// A quoted string is never closed; the engine's tokenizer consumed the
    /// rest of the header with it.
    StoppedAtUnterminatedQuote,
    /// Junk this engine skipped up to the next `,` or `;` contains a `"`:
    /// the engine does not treat it as a quote, the spec does.
    QuoteInSkippedJunk,
    /// The name contains `{` or `}`, which this engine's token accepts
    /// (MIME's token) and RFC 9110's `tchar` does not.
    NonTcharNameAccepted,
    /// The list member has no name, so the engine took the first param's
    /// name as the metric name.
    NameTakenFromParam,
    /// `dur` is not a number by this engine's syntax (whole value, optional
    /// leading whitespace): duration 0.
    DurationRejected,
    /// `dur` overflows a double and this engine keeps ±Infinity.
    DurationInfinite,
    /// `dur` overflows a double and this engine gives 0.
    DurationOverflowToZero,
    /// `dur` is −0 and this engine keeps the sign.
    DurationNegativeZero,
    /// `dur` is a number in this engine's syntax but not by HTML's rules
    /// (a leading vertical tab), so the spec gives 0.
    DurationAcceptedNotHtml,
    /// Non-ASCII bytes were decoded as UTF-8.
    DecodedAsUtf8,
    /// Bytes that are not valid UTF-8 became U+FFFD.
    InvalidUtf8Replaced,
}

impl EngineNoteKind {
    /// A short English description.
    pub fn message(self) -> &'static str {
        match self {
            EngineNoteKind::StoppedAtMissingName => {
                "list member without a name: the rest of the header is ignored"
            }
            EngineNoteKind::StoppedAfterMetric => {
                "something other than `,` after a metric's params: the rest of the header is ignored"
            }
            EngineNoteKind::StoppedAtUnterminatedQuote => {
                "unterminated quoted string: the rest of the header is consumed"
            }
            EngineNoteKind::QuoteInSkippedJunk => {
                "a `\"` inside skipped junk is not treated as a quote"
            }
            EngineNoteKind::NonTcharNameAccepted => {
                "a name with `{` or `}` is accepted as a token"
            }
            EngineNoteKind::NameTakenFromParam => {
                "member without a name: the first param's name becomes the metric name"
            }
            EngineNoteKind::DurationRejected => {
                "dur is not a whole number in the engine's syntax: duration 0"
            }
            EngineNoteKind::DurationInfinite => "dur overflows a double: duration Infinity",
            EngineNoteKind::DurationOverflowToZero => "dur overflows a double: duration 0",
            EngineNoteKind::DurationNegativeZero => "dur is -0: duration -0",
            EngineNoteKind::DurationAcceptedNotHtml => {
                "dur is a number here but not by HTML's rules (leading vertical tab)"
            }
            EngineNoteKind::DecodedAsUtf8 => "non-ASCII bytes decoded as UTF-8",
            EngineNoteKind::InvalidUtf8Replaced => "bytes that are not UTF-8 became U+FFFD",
        }
    }
}

/// An [`EngineNoteKind`] at a byte range of the combined field value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EngineNote {
    /// What the engine did.
    pub kind: EngineNoteKind,
    /// Where, as byte offsets into the combined field value.
    pub range: Range<usize>,
}

impl Engine {
    /// Every profile, the spec first.
    pub const ALL: [Engine; 4] = [
        Engine::Spec,
        Engine::Chromium,
        Engine::Firefox,
        Engine::WebKit,
    ];

    /// The lowercase name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Spec => "spec",
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// The `serverTiming` list this engine gives for a response with these
    /// `Server-Timing` lines (in order; none gives an empty list). Every
    /// engine combines lines as Fetch's *get* does, joined by `", "`.
    pub fn parse<'a, I, V>(self, lines: I) -> Vec<PerformanceServerTiming>
    where
        I: IntoIterator<Item = &'a V>,
        V: AsRef<[u8]> + ?Sized + 'a,
    {
        match get_a_header(lines) {
            Some(value) => self.parse_value(&value),
            None => Vec::new(),
        }
    }

    /// [`Engine::parse`] for a field value already combined from its lines.
    pub fn parse_value(self, value: &[u8]) -> Vec<PerformanceServerTiming> {
        match self {
            Engine::Spec => crate::list::objects_of_field_value(value),
            _ => self
                .parse_value_with_notes(value, &mut Vec::new())
                .iter()
                .map(PerformanceServerTiming::from)
                .collect(),
        }
    }

    /// The metrics with their byte ranges, and the notes explaining where
    /// this engine reads the value differently from the others (none for
    /// [`Engine::Spec`]: its recoveries are the parser's diagnostics).
    pub fn parse_value_with_notes(
        self,
        value: &[u8],
        notes: &mut Vec<EngineNote>,
    ) -> Vec<EngineMetric> {
        match self {
            Engine::Spec => parse_server_timing(value)
                .map(|m| EngineMetric {
                    name: m.name().to_owned(),
                    duration: m.duration(),
                    description: m.description().to_owned(),
                    span: m.span(),
                })
                .collect(),
            Engine::Chromium => chromium::parse(value, notes),
            Engine::Firefox => firefox::parse(value, notes),
            Engine::WebKit => webkit::parse(value, notes),
        }
    }

    /// The browser release this profile was recorded from, as a person
    /// would name it (`Chromium 156`); `None` for [`Engine::Spec`]. The
    /// exact versions are in `wpt/compat/fixtures/` and `docs/compat.md`.
    pub fn recorded_browser(self) -> Option<&'static str> {
        match self {
            Engine::Spec => None,
            Engine::Chromium => Some("Chromium 156"),
            Engine::Firefox => Some("Firefox 153 ESR"),
            Engine::WebKit => Some("WebKitGTK 2.50"),
        }
    }

    /// How header bytes are decoded into names and descriptions.
    pub fn header_decoding(self) -> HeaderDecoding {
        match self {
            Engine::Firefox => HeaderDecoding::Utf8Lossy,
            _ => HeaderDecoding::Latin1,
        }
    }
}

/// The number syntax Chromium, Firefox and WebKit share for `dur`: optional
/// leading whitespace (ASCII whitespace and the vertical tab), then the whole rest must be
/// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`. Returns the
/// correctly rounded double, which is ±Infinity on overflow and keeps −0.
pub(crate) fn engine_number(value: &[u8]) -> Option<f64> {
    // C's isspace(): ASCII whitespace plus the vertical tab, which both
    // engines skip (recorded: `dur="\x0b1"` gives 1) and HTML's rules do not.
    let start = value
        .iter()
        .position(|b| !matches!(b, b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r' | b' '))?;
    let s = &value[start..];
    let mut i = 0;
    if matches!(s.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp_digits == 0 {
            return None;
        }
        i += exp_digits;
    }
    if i != s.len() {
        return None;
    }
    // The text is ASCII and matches the grammar above, which Rust's float
    // parser accepts as it is (`5.`, `.5` and `5.e3` included); it rounds
    // correctly and gives ±Infinity on overflow.
    std::str::from_utf8(s).ok()?.parse::<f64>().ok()
}

/// Notes what an engine's number syntax made of a `dur` value.
pub(crate) fn engine_duration(
    raw: &[u8],
    range: Range<usize>,
    keep_infinity: bool,
    notes: &mut Vec<EngineNote>,
) -> f64 {
    let mut note = |kind| {
        notes.push(EngineNote {
            kind,
            range: range.clone(),
        })
    };
    match engine_number(raw) {
        None => {
            if crate::float::parse_floating_point_number(raw).is_ok() {
                note(EngineNoteKind::DurationRejected);
            }
            0.0
        }
        Some(d) if d.is_infinite() => {
            if keep_infinity {
                note(EngineNoteKind::DurationInfinite);
                d
            } else {
                note(EngineNoteKind::DurationOverflowToZero);
                0.0
            }
        }
        Some(d) => {
            if d == 0.0 && d.is_sign_negative() {
                note(EngineNoteKind::DurationNegativeZero);
            } else if crate::float::parse_floating_point_number(raw).is_err() {
                note(EngineNoteKind::DurationAcceptedNotHtml);
            }
            d
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_number_syntax() {
        assert_eq!(engine_number(b"123.4"), Some(123.4));
        assert_eq!(engine_number(b" 12"), Some(12.0));
        assert_eq!(engine_number(b"\x0b1"), Some(1.0));
        assert_eq!(engine_number(b"12 "), None);
        assert_eq!(engine_number(b"1.e5"), Some(100000.0));
        assert_eq!(engine_number(b".5"), Some(0.5));
        assert_eq!(engine_number(b"5."), Some(5.0));
        assert_eq!(engine_number(b"1e"), None);
        assert_eq!(engine_number(b"0x10"), None);
        assert_eq!(engine_number(b"Infinity"), None);
        assert_eq!(engine_number(b"1e400"), Some(f64::INFINITY));
        assert!(engine_number(b"-0").unwrap().is_sign_negative());
        assert_eq!(engine_number(b""), None);
        assert_eq!(engine_number(b"."), None);
    }

    #[test]
    fn engine_names_round_trip() {
        for engine in Engine::ALL {
            assert_eq!(engine.name().parse::<Engine>(), Ok(engine));
        }
        assert!("opera".parse::<Engine>().is_err());
    }
}
