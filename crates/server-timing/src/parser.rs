//! The zero-copy Server-Timing parser.
//!
//! One pass over the combined field value does what Fetch's quote-aware
//! comma split followed by the per-member "parse a server-timing header
//! field" does: the member boundaries it finds are exactly the ones the split
//! finds, because both step over quoted strings the same way (an unclosed
//! quote runs to the end of the value in either). See `docs/parsing.md` for
//! the reading of the spec this implements and where engines differ.

use std::borrow::Cow;
use std::ops::Range;

use crate::float::{parse_floating_point_number, plain_decimal_prefix, FloatError};
use fetch_headers::{is_http_tab_or_space, skip_an_http_quoted_string, TCHAR};

const QUOTED_PLAIN: u8 = 0;
const QUOTED_HIGH: u8 = 1;
const QUOTED_QUOTE: u8 = 2;
const QUOTED_BACKSLASH: u8 = 3;

/// How the quoted-string scanner treats each byte.
static QUOTED_CLASS: [u8; 256] = {
    let mut table = [QUOTED_PLAIN; 256];
    let mut b = 0x80;
    while b < 256 {
        table[b] = QUOTED_HIGH;
        b += 1;
    }
    table[b'"' as usize] = QUOTED_QUOTE;
    table[b'\\' as usize] = QUOTED_BACKSLASH;
    table
};

/// The params the spec defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KnownParam {
    Dur,
    Desc,
}

/// Which defined param `name` names, ASCII case-insensitively.
#[inline(always)]
fn known_param(name: &[u8]) -> Option<KnownParam> {
    // Setting 0x20 lowercases ASCII letters; it maps no other tchar onto a letter.
    match *name {
        [a, b, c]
            if u32::from_le_bytes([a, b, c, 0]) | 0x0020_2020 == u32::from_le_bytes(*b"dur\0") =>
        {
            Some(KnownParam::Dur)
        }
        [a, b, c, d]
            if u32::from_le_bytes([a, b, c, d]) | 0x2020_2020 == u32::from_le_bytes(*b"desc") =>
        {
            Some(KnownParam::Desc)
        }
        _ => None,
    }
}

/// The length of the `tchar` run at the start of `bytes`.
#[inline(always)]
fn tchar_run(bytes: &[u8]) -> usize {
    let mut rest = bytes;
    // Eight bytes a round: one length test for eight table lookups.
    while let [a, b, c, d, e, f, g, h, tail @ ..] = rest {
        for (k, &byte) in [a, b, c, d, e, f, g, h].into_iter().enumerate() {
            if !TCHAR[usize::from(byte)] {
                return bytes.len() - rest.len() + k;
            }
        }
        rest = tail;
    }
    while let [a, tail @ ..] = rest {
        if !TCHAR[usize::from(*a)] {
            break;
        }
        rest = tail;
    }
    bytes.len() - rest.len()
}

/// The end of the `tchar` run that starts at `i`.
#[inline(always)]
fn scan_tchar(input: &[u8], i: usize) -> usize {
    match input.get(i..) {
        Some(rest) => i + tchar_run(rest),
        None => i,
    }
}

/// What ends a name or a param value on the fast path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlainEnd {
    /// A `;`: a param follows.
    Param,
    /// A `,` (in list mode): the member ends, another follows.
    Member,
    /// The end of the text.
    Input,
}

/// `s` split at `len` (at most its length) when the byte there is `;`, `,`
/// in list mode, or the end: the two parts and which of these ends the
/// first. The caller's loop goes on from what this returns, so the byte is
/// read and judged once.
#[inline(always)]
fn split_at_plain_end<const LIST: bool>(s: &str, len: usize) -> Option<(&str, &str, PlainEnd)> {
    match s.as_bytes().get(len) {
        None => Some((s, "", PlainEnd::Input)),
        Some(b';') => {
            let (head, rest) = s.split_at(len);
            Some((head, rest, PlainEnd::Param))
        }
        Some(b',') if LIST => {
            let (head, rest) = s.split_at(len);
            Some((head, rest, PlainEnd::Member))
        }
        Some(_) => None,
    }
}

/// A param value of the fast path at the start of `s`: a token, or a quoted
/// string with no escape and no non-ASCII byte, followed by `;`, `,` or the
/// end. Returns the value, the text after it and what ends it; `None` for
/// anything else.
///
/// Each split is made where the byte is known to be ASCII, so the
/// compiler drops the char-boundary checks.
#[inline(always)]
fn plain_param_value<const LIST: bool>(s: &str) -> Option<(&str, &str, PlainEnd)> {
    if let Some(quoted) = s.strip_prefix('"') {
        let len = plain_quoted_len(quoted.as_bytes());
        if quoted.as_bytes().get(len) != Some(&b'"') {
            return None;
        }
        let (value, after) = quoted.split_at(len);
        let (_, after, end) = split_at_plain_end::<LIST>(after, 1)?;
        return Some((value, after, end));
    }
    let len = tchar_run(s.as_bytes());
    if len == 0 {
        return None;
    }
    split_at_plain_end::<LIST>(s, len)
}

/// A `dur` value of the fast path at the start of `s`: its text, the text
/// after it, what ends it and its duration. A plain decimal is converted as
/// it is scanned (`float::plain_decimal_prefix`); any other value goes
/// through the full rules.
#[inline(always)]
fn plain_dur_value<const LIST: bool>(s: &str) -> Option<(&str, &str, PlainEnd, f64)> {
    if let Some((len, duration)) = plain_decimal_prefix(s.as_bytes()) {
        if let Some((value, after, end)) = split_at_plain_end::<LIST>(s, len) {
            return Some((value, after, end, duration));
        }
    }
    let (value, after, end) = plain_param_value::<LIST>(s)?;
    Some((
        value,
        after,
        end,
        parse_duration(value.as_bytes()).unwrap_or(0.0),
    ))
}

/// `s` from byte `k` on, when that byte is ASCII (so the split needs no
/// char-boundary check); `None` otherwise, and at the end.
#[inline(always)]
fn ascii_suffix(s: &str, k: usize) -> Option<&str> {
    match s.as_bytes().get(k) {
        Some(b) if b.is_ascii() => s.get(k..),
        _ => None,
    }
}

/// What the fast path read of one member.
struct PlainMember<'a> {
    name: &'a str,
    dur: Option<&'a str>,
    duration: f64,
    /// The `desc` value, "" when there is none.
    desc: &'a str,
    /// The text after the member: empty, or starting with the `,` that
    /// ends it.
    after: &'a str,
}

/// The fast path of `Parser::take_plain_member` over the text from the
/// member's start: `None` for a member that strays from the plain shape.
/// A plain member has at most one `dur` and one `desc`, in either order, so
/// the params are read in sequence rather than in a loop.
#[inline(always)]
fn plain_member<const LIST: bool>(s: &str) -> Option<PlainMember<'_>> {
    let n = tchar_run(s.as_bytes());
    if n == 0 {
        return None;
    }
    let (name, rest, end) = split_at_plain_end::<LIST>(s, n)?;
    let member = PlainMember {
        name,
        dur: None,
        duration: 0.0,
        desc: "",
        after: rest,
    };
    if end != PlainEnd::Param {
        return Some(member);
    }
    // `rest` starts with the `;`. The param name and its `=` are read as
    // one word, `dur=` or `desc` then `=`, ASCII case-insensitively (as
    // `known_param`). A second param can only be the other one. Each arm
    // names its two params as constants, so that each reader is inlined
    // for its own param (one dispatch on a runtime param cost 1.5 % more).
    match param_word(rest)? {
        KnownParam::Dur => member.read_params::<LIST>(KnownParam::Dur, KnownParam::Desc, rest),
        KnownParam::Desc => member.read_params::<LIST>(KnownParam::Desc, KnownParam::Dur, rest),
    }
}

impl<'a> PlainMember<'a> {
    /// Reads `first`, whose `;` starts `rest`, then `second` if a `;`
    /// follows: the member, or `None` when it is not plain (a third param
    /// included).
    #[inline(always)]
    fn read_params<const LIST: bool>(
        mut self,
        first: KnownParam,
        second: KnownParam,
        rest: &'a str,
    ) -> Option<Self> {
        if self.read_param::<LIST>(first, rest)? != PlainEnd::Param {
            return Some(self);
        }
        if param_word_is(self.after, second) != Some(true) {
            return None;
        }
        (self.read_param::<LIST>(second, self.after)? != PlainEnd::Param).then_some(self)
    }

    /// Reads the value of `param`, whose `;` starts `rest`, into the
    /// member, and says what ends it; `None` when it is not plain.
    #[inline(always)]
    fn read_param<const LIST: bool>(
        &mut self,
        param: KnownParam,
        rest: &'a str,
    ) -> Option<PlainEnd> {
        let end = match param {
            KnownParam::Dur => {
                let (value, after, end, duration) =
                    plain_dur_value::<LIST>(ascii_suffix(rest, 5)?)?;
                self.dur = Some(value);
                self.duration = duration;
                self.after = after;
                end
            }
            KnownParam::Desc => {
                let (value, after, end) = plain_param_value::<LIST>(ascii_suffix(rest, 6)?)?;
                self.desc = value;
                self.after = after;
                end
            }
        };
        Some(end)
    }
}

/// Whether `;dur=` or `;desc=` (as `param`) starts `rest`, ASCII
/// case-insensitively, with at least one byte after it; `None` when `rest`
/// is shorter than that (a param with an empty value is not plain either
/// way).
#[inline(always)]
fn param_word_is(rest: &str, param: KnownParam) -> Option<bool> {
    let [_, a, b, c, d, e, ..] = *rest.as_bytes() else {
        return None;
    };
    let word = u32::from_le_bytes([a, b, c, d]);
    Some(match param {
        KnownParam::Dur => word | 0x0020_2020 == u32::from_le_bytes(*b"dur="),
        KnownParam::Desc => word | 0x2020_2020 == u32::from_le_bytes(*b"desc") && e == b'=',
    })
}

/// Which of `;dur=` and `;desc=` starts `rest` (as [`param_word_is`] reads
/// it); `None` for anything else.
#[inline(always)]
fn param_word(rest: &str) -> Option<KnownParam> {
    if param_word_is(rest, KnownParam::Dur)? {
        Some(KnownParam::Dur)
    } else if param_word_is(rest, KnownParam::Desc)? {
        Some(KnownParam::Desc)
    } else {
        None
    }
}

/// The bytes that end a run of junk: `;`, `,` and `"` (which opens a quoted
/// string).
static JUNK_STOP: [bool; 256] = {
    let mut table = [false; 256];
    table[b';' as usize] = true;
    table[b',' as usize] = true;
    table[b'"' as usize] = true;
    table
};

/// The position of the first `;`, `,` or `"` at or after `i` (or the end).
#[inline(always)]
fn scan_to_junk_stop(input: &[u8], mut i: usize) -> usize {
    // Four bytes a round, as `scan_tchar`.
    while let Some(&[a, b, c, d]) = input.get(i..i + 4) {
        if JUNK_STOP[usize::from(a)] {
            return i;
        }
        if JUNK_STOP[usize::from(b)] {
            return i + 1;
        }
        if JUNK_STOP[usize::from(c)] {
            return i + 2;
        }
        if JUNK_STOP[usize::from(d)] {
            return i + 3;
        }
        i += 4;
    }
    while i < input.len() && !JUNK_STOP[usize::from(input[i])] {
        i += 1;
    }
    i
}

/// The position of the first `"`, `\` or non-ASCII byte at or after `i`
/// (or the end): the run a quoted string can borrow as it is. Never
/// inlined: the fast path calls it too, and its loop's constants would
/// crowd that path's registers (the gate's long quoted string shows it).
#[inline(never)]
fn scan_plain_quoted(input: &[u8], i: usize) -> usize {
    let Some(rest) = input.get(i..) else {
        return i;
    };
    // Eight bytes a round.
    let mut words = rest.chunks_exact(8);
    for (k, word) in (&mut words).enumerate() {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(word);
        if let Some(at) = plain_quoted_in_word(u64::from_le_bytes(bytes)) {
            return i + 8 * k + at;
        }
    }
    let tail = words.remainder();
    let tail_start = input.len() - tail.len();
    match tail
        .iter()
        .position(|&b| QUOTED_CLASS[usize::from(b)] != QUOTED_PLAIN)
    {
        Some(k) => tail_start + k,
        None => input.len(),
    }
}

/// The length of the run at the start of `bytes` that holds no `"`, `\`
/// or non-ASCII byte: the first 24 bytes inline (most descriptions end
/// within them), the rest out of line (the whole loop inlined into the fast
/// path crowds its registers, which the gate's long quoted string shows).
#[inline(always)]
fn plain_quoted_len(bytes: &[u8]) -> usize {
    let Some(head) = bytes.first_chunk::<24>() else {
        return scan_plain_quoted(bytes, 0);
    };
    for (k, word) in head.chunks_exact(8).enumerate() {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        if let Some(len) = plain_quoted_in_word(u64::from_le_bytes(w)) {
            return 8 * k + len;
        }
    }
    scan_plain_quoted(bytes, 24)
}

/// Where the first `"`, `\` or non-ASCII byte of `word` (the first byte
/// lowest) is, if it has one. SWAR: a byte equal to `"` or `\` becomes
/// zero after the XOR, and `(v - ONES) & !v & HIGH` flags zero bytes; the
/// lowest flag is always exact.
#[inline(always)]
fn plain_quoted_in_word(w: u64) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    let found =
        ((quote.wrapping_sub(ONES) & !quote) | (backslash.wrapping_sub(ONES) & !backslash) | w)
            & HIGH;
    (found != 0).then(|| (found.trailing_zeros() / 8) as usize)
}

/// What the parser recovered from. Each kind names a place where the input
/// strays from the `Server-Timing` ABNF; the parse result is the same whether
/// anyone listens or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// An empty list member (`a, , b`, a leading or trailing comma, an empty
    /// value); it is skipped.
    EmptyMember,
    /// A list member that does not start with a token, so it has no metric
    /// name (`=`, `"q";dur=1`, `;dur=1`); the whole member is skipped.
    MissingMetricName,
    /// Characters after the metric name that are not a param
    /// (`metric==   ""foo`); ignored up to the next `;` or `,`.
    JunkAfterMetricName,
    /// A `;` not followed by a param name (`metric;;dur=1`); ignored up to the
    /// next `;` or `,`.
    MissingParamName,
    /// A param name without `=` (`metric;dur`). It still counts as the first
    /// occurrence of that param, with an empty value.
    MissingParamValue,
    /// A param with `=` but neither a token nor a quoted string after it
    /// (`desc=`, `desc=\`): its value is empty.
    EmptyParamValue,
    /// A quoted string with no closing quote; the value is empty and the
    /// string runs to the end of the whole field value.
    UnterminatedQuotedString,
    /// Characters after a param value (` d2` in `desc=d1 d2`); ignored up to
    /// the next `;` or `,`.
    JunkAfterParamValue,
    /// A param name seen before in the same metric; ignored, the first wins.
    DuplicateParam,
    /// A param other than `dur` and `desc`; ignored.
    UnknownParam,
    /// A `dur` value that is not a number by HTML's rules, or is too large for
    /// a double; the duration is 0.
    InvalidDuration,
    /// A `dur` value with whitespace before or characters after the number
    /// (`12abc`, `" 12 "`, `1e`): HTML's rules ignore them, but Chromium and
    /// Firefox give 0 for such a value.
    NonStrictDuration,
    /// A byte outside ASCII inside a metric's text. It is read as the Latin-1
    /// character with that number (isomorphic decoding), so UTF-8 text shows
    /// up as mojibake.
    NonAsciiByte,
}

impl DiagnosticKind {
    /// A short English description of the recovery.
    pub fn message(self) -> &'static str {
        match self {
            DiagnosticKind::EmptyMember => "empty list member skipped",
            DiagnosticKind::MissingMetricName => "list member without a metric name skipped",
            DiagnosticKind::JunkAfterMetricName => "characters after the metric name ignored",
            DiagnosticKind::MissingParamName => "';' without a param name ignored",
            DiagnosticKind::MissingParamValue => "param without '=value' (its value is empty)",
            DiagnosticKind::EmptyParamValue => {
                "param value is neither a token nor a quoted string (empty)"
            }
            DiagnosticKind::UnterminatedQuotedString => {
                "quoted string never closes (value empty; it swallows the rest of the header)"
            }
            DiagnosticKind::JunkAfterParamValue => "characters after the param value ignored",
            DiagnosticKind::DuplicateParam => "duplicate param ignored (the first one counts)",
            DiagnosticKind::UnknownParam => "unknown param ignored",
            DiagnosticKind::InvalidDuration => "dur is not a number (duration 0)",
            DiagnosticKind::NonStrictDuration => {
                "characters around the dur number ignored (browsers give 0)"
            }
            DiagnosticKind::NonAsciiByte => "non-ASCII byte read as Latin-1",
        }
    }
}

/// One recovery the parser made, with the byte range of the field value it
/// concerns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// What happened.
    pub kind: DiagnosticKind,
    /// Where, as byte offsets into the combined field value.
    pub range: Range<usize>,
}

/// Receives [`Diagnostic`]s. Implemented for every `FnMut(Diagnostic)` and
/// for [`IgnoreDiagnostics`], which compiles to nothing.
pub trait DiagnosticSink {
    /// Whether the sink wants diagnostics at all; when false, the parser skips
    /// the work of finding them.
    #[inline]
    fn enabled(&self) -> bool {
        true
    }
    /// Called once per recovery, in input order.
    fn report(&mut self, diagnostic: Diagnostic);
}

impl<F: FnMut(Diagnostic)> DiagnosticSink for F {
    #[inline]
    fn report(&mut self, diagnostic: Diagnostic) {
        self(diagnostic)
    }
}

/// A [`DiagnosticSink`] that drops everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct IgnoreDiagnostics;

impl DiagnosticSink for IgnoreDiagnostics {
    #[inline]
    fn enabled(&self) -> bool {
        false
    }
    #[inline]
    fn report(&mut self, _: Diagnostic) {}
}

/// A metric borrowed from the field value: what the spec calls a
/// `PerformanceServerTiming` before it is exposed, with the two params the
/// spec defines.
///
/// Names are always ASCII and borrowed. A param value borrows unless it needs
/// unescaping or holds non-ASCII bytes (decoded as Latin-1).
#[derive(Debug, Clone, PartialEq)]
pub struct Metric<'a> {
    name: &'a str,
    dur: Option<Cow<'a, str>>,
    /// The first `desc` param's value, "" when there is none.
    desc: Cow<'a, str>,
    /// `dur` read by the duration getter's rules, once, when the metric is
    /// parsed (the fast path converts a plain decimal as it scans it).
    duration: f64,
    span: Range<usize>,
}

impl<'a> Metric<'a> {
    /// A metric from its first `dur` and `desc` params.
    #[inline]
    fn new(
        name: &'a str,
        dur: Option<Cow<'a, str>>,
        desc: Option<Cow<'a, str>>,
        span: Range<usize>,
    ) -> Self {
        let duration = match &dur {
            Some(dur) => parse_duration(dur.as_bytes()).unwrap_or(0.0),
            None => 0.0,
        };
        Metric {
            name,
            dur,
            desc: desc.unwrap_or(Cow::Borrowed("")),
            duration,
            span,
        }
    }

    /// The metric name (a token; case kept).
    #[inline]
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The [duration]: the first `dur` param read by HTML's rules for parsing
    /// floating-point number values; 0 when absent or not a number.
    ///
    /// [duration]: <https://w3c.github.io/server-timing/#the-duration-attribute>
    #[inline]
    pub fn duration(&self) -> f64 {
        self.duration
    }

    /// The [description]: the first `desc` param's value, or "" when absent.
    ///
    /// [description]: <https://w3c.github.io/server-timing/#the-description-attribute>
    #[inline]
    pub fn description(&self) -> &str {
        &self.desc
    }

    /// The raw value of the first `dur` param, if there was one (possibly
    /// empty: `dur` and `dur=` both give `Some("")`).
    pub fn dur_param(&self) -> Option<&str> {
        self.dur.as_deref()
    }

    /// The byte range of this metric's list member in the field value.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The name, where it starts in the field value (where the member's
    /// span starts), the description and the duration, taken out by value.
    #[inline(always)]
    pub(crate) fn into_owned_parts(self) -> (&'a str, usize, Cow<'a, str>, f64) {
        (self.name, self.span.start, self.desc, self.duration)
    }
}

/// The duration getter's reading of a `dur` value, keeping the error.
#[inline]
pub(crate) fn parse_duration(value: &[u8]) -> Result<f64, FloatError> {
    parse_floating_point_number(value).map(|p| p.value)
}

/// Iterator over the metrics of one combined `Server-Timing` field value,
/// in header order. Created by [`parse_server_timing`] or
/// [`parse_server_timing_with_diagnostics`].
///
/// Allocation-free unless a param value needs unescaping or Latin-1
/// decoding. Linear in the input length.
#[derive(Debug, Clone)]
pub struct Metrics<'a, S = IgnoreDiagnostics> {
    parser: Parser<'a, S, true>,
}

impl<'a, S: DiagnosticSink> Iterator for Metrics<'a, S> {
    type Item = Metric<'a>;

    #[inline]
    fn next(&mut self) -> Option<Metric<'a>> {
        self.parser.next_metric()
    }
}

impl<S: DiagnosticSink> std::iter::FusedIterator for Metrics<'_, S> {}

impl<'a> Metrics<'a> {
    /// [`Iterator::next`] for the owned path's loop, which calls
    /// `Parser::next_metric_quiet` directly (`next` goes through
    /// `next_metric`, whose inlining the compiler decides).
    #[inline(always)]
    pub(crate) fn next_inlined(&mut self) -> Option<Metric<'a>> {
        self.parser.next_metric_quiet()
    }
}

impl<'a, S> Metrics<'a, S> {
    /// The field value as text, when it is UTF-8.
    pub(crate) fn text(&self) -> Option<&'a str> {
        self.parser.text
    }

    /// Gives back the diagnostic sink.
    pub fn into_sink(self) -> S {
        self.parser.sink
    }
}

/// Parses a combined `Server-Timing` field value (all header lines joined by
/// `", "`; see [`fetch_headers::get_a_header`]) into
/// borrowed metrics.
///
/// ```
/// let names: Vec<_> = server_timing::parse_server_timing(b"a;dur=1, , b;desc=\"x y\"")
///     .map(|m| (m.name(), m.duration(), m.description().to_owned()))
///     .collect();
/// assert_eq!(names, [("a", 1.0, String::new()), ("b", 0.0, "x y".to_owned())]);
/// ```
#[inline]
pub fn parse_server_timing(value: &[u8]) -> Metrics<'_> {
    parse_server_timing_with_diagnostics(value, IgnoreDiagnostics)
}

/// [`parse_server_timing`] for a field value that is already `str` (a
/// `HeaderValue::to_str`, a HAR or log record): the same metrics, without
/// checking again that the value is UTF-8.
///
/// ```
/// let metrics: Vec<_> = server_timing::parse_server_timing_str("db;dur=53, app;desc=\"ok\"")
///     .map(|m| (m.name(), m.duration(), m.description().to_owned()))
///     .collect();
/// assert_eq!(metrics, [("db", 53.0, String::new()), ("app", 0.0, "ok".to_owned())]);
/// ```
#[inline]
pub fn parse_server_timing_str(value: &str) -> Metrics<'_> {
    Metrics {
        parser: Parser::from_text(value, IgnoreDiagnostics),
    }
}

/// Like [`parse_server_timing`], reporting every recovery to `sink`.
///
/// ```
/// use server_timing::{parse_server_timing_with_diagnostics, DiagnosticKind};
/// let mut seen = Vec::new();
/// let metrics: Vec<_> =
///     parse_server_timing_with_diagnostics(b"m;desc=d1 d2", |d: server_timing::Diagnostic| seen.push(d))
///         .map(|m| m.description().to_owned())
///         .collect();
/// assert_eq!(metrics, ["d1"]);
/// assert_eq!(seen[0].kind, DiagnosticKind::JunkAfterParamValue);
/// assert_eq!(seen[0].range, 9..12);
/// ```
#[inline]
pub fn parse_server_timing_with_diagnostics<S: DiagnosticSink>(
    value: &[u8],
    sink: S,
) -> Metrics<'_, S> {
    Metrics {
        parser: Parser::new(value, sink),
    }
}

/// The parser state. `LIST` is true when parsing a whole field value (a `,`
/// outside quotes ends a member), false when parsing one member that the
/// caller already split off (a `,` is then ordinary junk).
#[derive(Debug, Clone)]
pub(crate) struct Parser<'a, S, const LIST: bool> {
    input: &'a [u8],
    /// The input as `str` when it is valid UTF-8 (checked once), so that
    /// ASCII runs can be borrowed by slicing instead of re-validating.
    text: Option<&'a str>,
    pos: usize,
    /// The input from `pos` on, as text, after at most one space, where
    /// the fast path left it (so that the next member's text needs no
    /// char-boundary check): the whole text at first, `""` once the
    /// general path has moved `pos` (or for input that is not UTF-8). An
    /// empty tail is found again from `pos`, so that the fast path tests
    /// one length instead of an `Option` and a length.
    tail: &'a str,
    /// Set once the final member has been consumed.
    done: bool,
    sink: S,
}

/// The first occurrence of each param the spec defines.
struct Params<'a> {
    dur: Option<Cow<'a, str>>,
    desc: Option<Cow<'a, str>>,
}

impl<'a, S: DiagnosticSink, const LIST: bool> Parser<'a, S, LIST> {
    #[inline]
    pub(crate) fn new(input: &'a [u8], sink: S) -> Self {
        // Checked once for the whole value, with SIMD on long ones.
        Self::with_text(input, simdutf8::basic::from_utf8(input).ok(), sink)
    }

    /// A parser of `text`, which is already known to be UTF-8.
    #[inline]
    pub(crate) fn from_text(text: &'a str, sink: S) -> Self {
        Self::with_text(text.as_bytes(), Some(text), sink)
    }

    /// A parser of `input`, with `text` the same bytes as `str` when they
    /// are UTF-8.
    #[inline(always)]
    fn with_text(input: &'a [u8], text: Option<&'a str>, sink: S) -> Self {
        Parser {
            input,
            text,
            pos: 0,
            tail: text.map_or("", |t| t.strip_prefix(' ').unwrap_or(t)),
            done: false,
            sink,
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    #[inline]
    fn report(&mut self, kind: DiagnosticKind, range: Range<usize>) {
        if self.sink.enabled() {
            self.sink.report(Diagnostic { kind, range });
        }
    }

    #[inline]
    fn skip_ows(&mut self) {
        while self.pos < self.input.len() && is_http_tab_or_space(self.input[self.pos]) {
            self.pos += 1;
        }
    }

    #[inline]
    fn take_token(&mut self) -> &'a [u8] {
        let start = self.pos;
        let end = scan_tchar(self.input, start);
        self.pos = end;
        &self.input[start..end]
    }

    /// True at the end of the current member: the end of input, or a `,`
    /// when parsing a list.
    #[inline]
    fn at_member_end(&self) -> bool {
        match self.peek() {
            None => true,
            Some(b',') => LIST,
            Some(_) => false,
        }
    }

    /// Skips ignored characters up to the next `;`, or `,` in list mode,
    /// outside quoted strings (or the end). A `"` in junk opens a quoted
    /// string, exactly as it does for Fetch's comma split.
    fn skip_junk(&mut self) {
        let input = self.input;
        let mut i = self.pos;
        loop {
            i = scan_to_junk_stop(input, i);
            match input.get(i) {
                None | Some(b';') => break,
                Some(b',') if LIST => break,
                Some(b'"') => i = skip_an_http_quoted_string(input, i),
                // A `,` inside one member.
                Some(_) => i += 1,
            }
        }
        self.pos = i;
    }

    /// Skips OWS, then reports and skips junk if the next character is not
    /// `;` or the end of the member.
    #[inline]
    fn skip_trailing_junk(&mut self, kind: DiagnosticKind) {
        let start = self.pos;
        self.skip_ows();
        if !self.at_member_end() && self.peek() != Some(b';') {
            self.skip_junk();
            // Trailing OWS before `,` belongs to the separator, not the junk.
            let mut end = self.pos;
            while end > start && is_http_tab_or_space(self.input[end - 1]) {
                end -= 1;
            }
            self.report(kind, start..end);
        }
    }

    /// Parses a strict `quoted-string` whose opening quote is at `self.pos`.
    /// Returns `None` when it never closes (the position is then at the end).
    #[inline(never)]
    fn take_quoted_string(&mut self) -> Option<Cow<'a, str>> {
        let input = self.input;
        let start = self.pos + 1;
        // Eight bytes a round up to the first `"`, `\` or non-ASCII byte.
        let mut i = scan_plain_quoted(input, start);
        // Then byte by byte: no escapes, ASCII or Latin-1.
        let mut non_ascii = false;
        while i < input.len() {
            match QUOTED_CLASS[usize::from(input[i])] {
                QUOTED_PLAIN => i += 1,
                QUOTED_HIGH => {
                    non_ascii = true;
                    i += 1;
                }
                QUOTED_QUOTE => {
                    self.pos = i + 1;
                    if non_ascii {
                        self.report(DiagnosticKind::NonAsciiByte, start..i);
                        return Some(Cow::Owned(latin1_to_string(&input[start..i])));
                    }
                    return Some(Cow::Borrowed(self.ascii(start..i)));
                }
                _ => break,
            }
        }
        // Slow path: resolve `quoted-pair`s into a buffer.
        let mut buf: Vec<u8> = input[start..i].to_vec();
        while i < input.len() {
            match input[i] {
                b'"' => {
                    self.pos = i + 1;
                    if self.sink.enabled() && !buf.is_ascii() {
                        self.report(DiagnosticKind::NonAsciiByte, start..i);
                    }
                    return Some(Cow::Owned(latin1_vec_to_string(buf)));
                }
                b'\\' => {
                    // A backslash as the last byte leaves the string open.
                    let &escaped = input.get(i + 1)?;
                    buf.push(escaped);
                    i += 2;
                }
                b => {
                    buf.push(b);
                    i += 1;
                }
            }
        }
        None
    }

    /// Borrows `input[range]`, which the caller knows is ASCII, as `str`.
    #[inline]
    fn ascii(&self, range: Range<usize>) -> &'a str {
        // An ASCII run starts and ends on character boundaries of any valid
        // UTF-8 text it sits in, so slicing the validated text cannot fail.
        match self.text.and_then(|t| t.get(range.clone())) {
            Some(s) => s,
            None => ascii_str_borrowed(&self.input[range]),
        }
    }

    /// Parses one `;`-introduced param (the `;` at `self.pos`) into `params`.
    fn parse_param(&mut self, params: &mut Params<'a>) {
        let param_start = self.pos;
        // Skip the `;` and OWS.
        self.pos += 1;
        self.skip_ows();
        let name_start = self.pos;
        let name = self.take_token();
        if name.is_empty() {
            // Spec deviation (literal text): an empty param name is skipped
            // along with whatever follows it, see docs/parsing.md.
            self.skip_junk();
            self.report(DiagnosticKind::MissingParamName, param_start..self.pos);
            return;
        }
        let name_end = self.pos;
        self.skip_ows();
        let mut value_start = self.pos;
        let value: Cow<'a, str> = if self.peek() == Some(b'=') {
            self.pos += 1;
            self.skip_ows();
            value_start = self.pos;
            if self.peek() == Some(b'"') {
                let quote_start = self.pos;
                match self.take_quoted_string() {
                    Some(v) => v,
                    None => {
                        self.pos = self.input.len();
                        self.report(
                            DiagnosticKind::UnterminatedQuotedString,
                            quote_start..self.pos,
                        );
                        Cow::Borrowed("")
                    }
                }
            } else {
                let token_start = self.pos;
                let token = self.take_token();
                if token.is_empty() {
                    self.report(DiagnosticKind::EmptyParamValue, name_start..self.pos);
                }
                Cow::Borrowed(self.ascii(token_start..self.pos))
            }
        } else {
            self.report(DiagnosticKind::MissingParamValue, name_start..name_end);
            Cow::Borrowed("")
        };
        let value_end = self.pos;
        self.skip_trailing_junk(DiagnosticKind::JunkAfterParamValue);
        // Param names are ASCII case-insensitive; the first occurrence wins.
        let known = known_param(name);
        let slot = if known == Some(KnownParam::Dur) {
            &mut params.dur
        } else if known == Some(KnownParam::Desc) {
            &mut params.desc
        } else {
            self.report(DiagnosticKind::UnknownParam, name_start..value_end);
            return;
        };
        if slot.is_some() {
            self.report(DiagnosticKind::DuplicateParam, name_start..value_end);
            return;
        }
        if self.sink.enabled() && known == Some(KnownParam::Dur) {
            match parse_floating_point_number(value.as_bytes()) {
                Err(_) => self.report(DiagnosticKind::InvalidDuration, value_start..value_end),
                Ok(p) if p.end != value.len() || value_starts_with_whitespace(&value) => {
                    self.report(DiagnosticKind::NonStrictDuration, value_start..value_end)
                }
                Ok(_) => {}
            }
        }
        *slot = Some(value);
    }

    /// Parses the next metric, skipping members that give none.
    ///
    /// The fast path is inlined into the caller's loop (so a metric it
    /// returns need not go through memory); the general path is not.
    #[inline]
    pub(crate) fn next_metric(&mut self) -> Option<Metric<'a>> {
        if !self.sink.enabled() {
            return self.next_metric_quiet();
        }
        self.next_metric_general(false)
    }

    /// [`Self::next_metric`] for a sink that does not listen: the fast path
    /// inline, and the general path on a copy of the state, passed by value,
    /// so that this parser's address is never taken and the caller's loop
    /// can keep it in registers.
    #[inline(always)]
    fn next_metric_quiet(&mut self) -> Option<Metric<'a>> {
        loop {
            if self.done {
                return None;
            }
            if let Some(metric) = self.take_plain_member() {
                return Some(metric);
            }
            let (pos, done, metric) =
                Parser::<'a, IgnoreDiagnostics, LIST>::next_metric_general_quiet(
                    self.input, self.text, self.pos,
                );
            self.pos = pos;
            self.done = done;
            // No metric and not done: the general path stepped over
            // members that give none, and the fast path may take the next.
            if metric.is_some() || done {
                return metric;
            }
        }
    }

    /// [`Self::next_metric`] for any member, recovering as the spec does.
    /// `fast_path_tried` says the fast path already gave up on the first
    /// member, so it is not tried on it again (an unterminated quote would
    /// otherwise be scanned three times).
    #[inline(never)]
    fn next_metric_general(&mut self, fast_path_tried: bool) -> Option<Metric<'a>> {
        let mut try_fast_path = !fast_path_tried;
        while !self.done {
            let member_start = self.pos;
            self.skip_ows();
            if self.at_member_end() {
                // An empty member: `a,,b`, a trailing comma or an empty value.
                self.report(DiagnosticKind::EmptyMember, member_start..self.pos);
                self.finish_member();
                try_fast_path = true;
                continue;
            }
            if try_fast_path && !self.sink.enabled() {
                // A member the fast path has not seen: the caller
                // (`next_metric_quiet`) tries it there (`done` is false).
                return None;
            }
            try_fast_path = true;
            let name_start = self.pos;
            let name = self.take_token();
            if name.is_empty() {
                // No metric name: the member gives no metric.
                while !self.at_member_end() {
                    self.skip_junk();
                    if self.peek() == Some(b';') {
                        self.pos += 1;
                    }
                }
                self.report(DiagnosticKind::MissingMetricName, name_start..self.pos);
                self.finish_member();
                continue;
            }
            let name_end = self.pos;
            // Characters after the name that are not a param are ignored.
            self.skip_trailing_junk(DiagnosticKind::JunkAfterMetricName);
            let mut params = Params {
                dur: None,
                desc: None,
            };
            while self.peek() == Some(b';') {
                self.parse_param(&mut params);
            }
            let member_end = self.pos;
            self.finish_member();
            return Some(Metric::new(
                self.ascii(name_start..name_end),
                params.dur,
                params.desc,
                name_start..member_end,
            ));
        }
        None
    }

    /// The fast path for a member that follows the grammar to the letter:
    /// `name *( ";" ( "dur" / "desc" ) "=" ( token / plain-quoted ) )` after
    /// at most one space, with no other whitespace, no escapes, no
    /// non-ASCII byte and no repeated or unknown param, which is what servers
    /// almost always send. Returns `None` for anything else (and for input
    /// that is not UTF-8), leaving `pos` at the member's start (before its
    /// whitespace) and `tail` empty; the general path then parses the member.
    /// Only used when no one listens for diagnostics (such a member has none
    /// except `NonStrictDuration`, which the general path reports).
    #[inline(always)]
    fn take_plain_member(&mut self) -> Option<Metric<'a>> {
        // The fast path takes one space before a member (a `", "` join);
        // other whitespace leaves the member to the general path. The tail
        // the fast path left is past that space already.
        let s = match std::mem::take(&mut self.tail) {
            "" => {
                let text = self.text?.get(self.pos..)?;
                text.strip_prefix(' ').unwrap_or(text)
            }
            tail => tail,
        };
        // Every text here is a suffix of the input.
        let start = self.input.len() - s.len();
        let member = plain_member::<LIST>(s)?;
        let end = self.input.len() - member.after.len();
        // A `,` and one space, or a `,`, or the end. (`pos` stays before
        // the space, as the general path leaves it.)
        if let Some(next) = member.after.strip_prefix(", ") {
            self.pos = end + 1;
            self.tail = next;
        } else if let Some(next) = member.after.strip_prefix(',') {
            self.pos = end + 1;
            self.tail = next;
        } else {
            self.pos = end;
            self.done = true;
        }
        Some(Metric {
            name: member.name,
            dur: member.dur.map(Cow::Borrowed),
            desc: Cow::Borrowed(member.desc),
            duration: member.duration,
            span: start..end,
        })
    }

    /// Steps over the `,` that ends a member, or notes that the input ended.
    #[inline]
    fn finish_member(&mut self) {
        if LIST && self.peek() == Some(b',') {
            self.pos += 1;
        } else {
            self.done = true;
        }
    }
}

impl<'a, const LIST: bool> Parser<'a, IgnoreDiagnostics, LIST> {
    /// The general path for a member the fast path gave up on, from `pos`,
    /// with no diagnostics: the position and end flag it leaves, and the
    /// metric. (The cached text after a member is not handed back; the next
    /// call finds it again from `pos`.)
    #[inline(never)]
    fn next_metric_general_quiet(
        input: &'a [u8],
        text: Option<&'a str>,
        pos: usize,
    ) -> (usize, bool, Option<Metric<'a>>) {
        let mut parser = Parser::<'a, IgnoreDiagnostics, LIST> {
            input,
            text,
            pos,
            tail: "",
            done: false,
            sink: IgnoreDiagnostics,
        };
        let metric = parser.next_metric_general(true);
        (parser.pos, parser.done, metric)
    }
}

#[inline]
fn value_starts_with_whitespace(value: &str) -> bool {
    value
        .as_bytes()
        .first()
        .is_some_and(|&b| matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' '))
}

/// Latin-1 (isomorphic) decoding of a buffer, reusing it when it is ASCII
/// (where Latin-1 and UTF-8 agree).
fn latin1_vec_to_string(bytes: Vec<u8>) -> String {
    if bytes.is_ascii() {
        // ASCII is UTF-8, so this always takes the buffer as it is.
        String::from_utf8(bytes).unwrap_or_else(|e| latin1_to_string(e.as_bytes()))
    } else {
        latin1_to_string(&bytes)
    }
}

/// Latin-1 (isomorphic) decoding into a new string.
fn latin1_to_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// A token is ASCII, so it is always valid UTF-8.
#[inline]
fn ascii_str_borrowed(bytes: &[u8]) -> &str {
    // Never empty by error: callers pass `tchar` runs only.
    std::str::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The naive reading of what `plain_quoted_len` finds.
    fn first_stop(bytes: &[u8]) -> usize {
        bytes
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || !b.is_ascii())
            .unwrap_or(bytes.len())
    }

    #[test]
    fn plain_quoted_len_finds_the_first_stop_at_every_position() {
        // Around the inline words (8, 16, 24 bytes) and the scan's own
        // words and tail after them, with every kind of stop byte.
        for len in 0..=48 {
            let plain = vec![b'x'; len];
            assert_eq!(plain_quoted_len(&plain), len, "no stop in {len}");
            for at in 0..len {
                for stop in [b'"', b'\\', 0x80, 0xc3, 0xff] {
                    let mut bytes = plain.clone();
                    bytes[at] = stop;
                    // A second stop later must not be the one found.
                    if at + 3 < len {
                        bytes[at + 3] = b'"';
                    }
                    assert_eq!(plain_quoted_len(&bytes), first_stop(&bytes), "{bytes:?}");
                    assert_eq!(plain_quoted_len(&bytes), at);
                }
            }
        }
    }
}
