//! `Server-Timing` lint: what each profile makes of a header a server sends,
//! where they disagree and why, every recovery the spec parser made, and how
//! to fix the header.
//!
//! Every finding has a [`Severity`]. An **error** is where a browser loses or
//! changes a metric the header writes, or where engines disagree; what every
//! engine reads alike and loses nothing (an unknown param, an empty value, a
//! stray `;`) is a **warning**. [`LintReport::passes`] is true when there is
//! no error.
//!
//! Time is linear in the header's length, and memory is the header plus its
//! metrics: at most [`MAX_LISTED`] recoveries, fixes and notes are kept, the
//! rest are counted.
//!
//! ```
//! use server_timing::engines::lint::{lint_lines, Severity};
//!
//! let report = lint_lines([&b"db;dur=53, cache;desc=Cache Read"[..]]);
//! assert!(!report.passes());
//! assert!(report.fixes.iter().any(|f| f.message.contains("quote desc's value")));
//!
//! // Akamai's unknown param is read alike everywhere: a warning, not an error.
//! let akamai = lint_lines([&b"akam;dur=243;start=1700000000.123;desc=hit"[..]]);
//! assert!(akamai.passes());
//! assert_eq!(akamai.recoveries[0].severity, Severity::Warning);
//! ```

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::{Engine, EngineMetric, EngineNote, EngineNoteKind};
use crate::{parse_server_timing_with_diagnostics, Diagnostic, DiagnosticKind};
use fetch_headers::json::write_console_number;
use fetch_headers::COMBINE_SEPARATOR;

/// How many recoveries, fixes, notes and line-join findings a report keeps;
/// the rest are counted (`*_total`).
pub const MAX_LISTED: usize = 50;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Every engine reads it alike and nothing the header writes is lost.
    Warning,
    /// A browser loses or changes a metric the header writes, or engines disagree.
    Error,
}

impl Severity {
    /// `"warning"` or `"error"`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One profile's reading.
#[derive(Debug, Clone)]
pub struct ProfileReading {
    /// The profile.
    pub engine: Engine,
    /// Its `serverTiming` list, with byte ranges.
    pub metrics: Vec<EngineMetric>,
    /// Where and why it reads the value its own way (the first [`MAX_LISTED`]).
    pub notes: Vec<EngineNote>,
}

/// A profile whose list differs from the spec reading (always an error).
#[derive(Debug, Clone)]
pub struct Disagreement {
    /// The engine.
    pub engine: Engine,
    /// What differs, in words (`chromium: 1 metric instead of 2: b is lost`).
    pub summary: String,
    /// The engine's notes that explain it, with byte ranges.
    pub notes: Vec<EngineNote>,
}

/// A recovery the spec parser made, with its severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// What the parser did.
    pub kind: DiagnosticKind,
    /// Where, as byte offsets into the combined field value.
    pub range: Range<usize>,
    /// Whether it loses or changes something.
    pub severity: Severity,
}

/// A quoted string opened in one header line and closed in a later one: in
/// every browser it swallows the metrics of the lines between (an error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineJoin {
    /// The metric whose quoted value spans the join, in the combined value.
    pub range: Range<usize>,
    /// The header line (0-based) the quoted string opens in.
    pub line: usize,
    /// How many later lines it runs into.
    pub lines_swallowed: usize,
}

/// A suggested change to the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// The bytes of the combined field value it concerns.
    pub range: Range<usize>,
    /// The param it is about (`desc`, `dur`, ...), when it is about one.
    pub param: Option<String>,
    /// What to do.
    pub message: String,
    /// What to put in place of `range`, when the fix is mechanical.
    pub replacement: Option<String>,
}

/// Everything [`lint_lines`] found.
#[derive(Debug, Clone)]
pub struct LintReport {
    /// The combined field value (lines joined by `", "`).
    pub value: Vec<u8>,
    /// Each profile's reading, spec first.
    pub profiles: Vec<ProfileReading>,
    /// Profiles whose list differs from the spec reading.
    pub disagreements: Vec<Disagreement>,
    /// The spec parser's recoveries, in byte order (the first [`MAX_LISTED`]).
    pub recoveries: Vec<Recovery>,
    /// How many recoveries there were in all.
    pub recoveries_total: usize,
    /// Quoted strings that run from one header line into the next.
    pub line_joins: Vec<LineJoin>,
    /// Suggested fixes, in byte order (the first [`MAX_LISTED`]).
    pub fixes: Vec<Fix>,
    /// How many fixes there were in all.
    pub fixes_total: usize,
    /// Errors in all: disagreements, error recoveries, line joins.
    pub errors: usize,
    /// Warnings in all.
    pub warnings: usize,
}

impl LintReport {
    /// True when there is no error (warnings are fine).
    /// `server-timing lint` exits 0 exactly then.
    pub fn passes(&self) -> bool {
        self.errors == 0
    }

    /// True when there is nothing at all to report.
    pub fn is_clean(&self) -> bool {
        self.errors == 0 && self.warnings == 0
    }
}

/// The severity of a spec-parser recovery that every engine reads alike (a
/// disagreement is an error of its own).
fn severity_of(value: &[u8], kind: DiagnosticKind, range: &Range<usize>) -> Severity {
    match kind {
        // Nothing the header writes is lost: the spec ignores these by design,
        // or the value was empty anyway.
        DiagnosticKind::UnknownParam
        | DiagnosticKind::EmptyMember
        | DiagnosticKind::MissingParamName
        | DiagnosticKind::MissingParamValue
        | DiagnosticKind::NonStrictDuration => Severity::Warning,
        // `dur=` with nothing after it (Bing's `origin; dur=`): 0 everywhere.
        DiagnosticKind::InvalidDuration if range.is_empty() => Severity::Warning,
        DiagnosticKind::EmptyParamValue
            if range.end > 0 && value.get(range.end - 1) == Some(&b'=') =>
        {
            Severity::Warning
        }
        _ => Severity::Error,
    }
}

fn console_number(d: f64) -> String {
    let mut out = String::new();
    write_console_number(&mut out, d);
    out
}

fn same_metric(a: &EngineMetric, b: &EngineMetric) -> bool {
    a.name == b.name
        && a.description == b.description
        && a.duration.to_bits() == b.duration.to_bits()
}

/// How many differences a summary names one by one.
const SUMMARY_ITEMS: usize = 10;

/// Names, at most [`SUMMARY_ITEMS`] of them, then how many more.
fn name_list(names: &[&str]) -> String {
    let mut text = names[..names.len().min(SUMMARY_ITEMS)].join(", ");
    if names.len() > SUMMARY_ITEMS {
        text.push_str(&format!(" and {} more", names.len() - SUMMARY_ITEMS));
    }
    text
}

/// What differs between `spec` and `other`, in words (linear time).
fn summarize(spec: &[EngineMetric], other: &[EngineMetric]) -> Option<String> {
    if spec.len() == other.len() && spec.iter().zip(other).all(|(a, b)| same_metric(a, b)) {
        return None;
    }
    let mut parts = Vec::new();
    if spec.len() != other.len() {
        parts.push(format!(
            "{} metric{} instead of {}",
            other.len(),
            if other.len() == 1 { "" } else { "s" },
            spec.len()
        ));
    }
    let spec_names: HashSet<&str> = spec.iter().map(|m| m.name.as_str()).collect();
    let other_names: HashSet<&str> = other.iter().map(|m| m.name.as_str()).collect();
    let lost: Vec<&str> = spec
        .iter()
        .map(|m| m.name.as_str())
        .filter(|n| !other_names.contains(n))
        .collect();
    if !lost.is_empty() {
        parts.push(format!("lost {}", name_list(&lost)));
    }
    let extra: Vec<&str> = other
        .iter()
        .map(|m| m.name.as_str())
        .filter(|n| !spec_names.contains(n))
        .collect();
    if !extra.is_empty() {
        parts.push(format!("extra {}", name_list(&extra)));
    }
    let mut changed = 0;
    for (a, b) in spec.iter().zip(other) {
        if a.name != b.name {
            continue;
        }
        if a.duration.to_bits() != b.duration.to_bits() {
            changed += 1;
            if changed <= SUMMARY_ITEMS {
                parts.push(format!(
                    "{} duration {} instead of {}",
                    b.name,
                    console_number(b.duration),
                    console_number(a.duration)
                ));
            }
        }
        if a.description != b.description {
            changed += 1;
            if changed <= SUMMARY_ITEMS {
                parts.push(format!(
                    "{} description {:?} instead of {:?}",
                    b.name, b.description, a.description
                ));
            }
        }
    }
    if changed > SUMMARY_ITEMS {
        parts.push(format!("{} more changes", changed - SUMMARY_ITEMS));
    }
    if parts.is_empty() {
        parts.push("metrics in a different order".to_owned());
    }
    Some(parts.join("; "))
}

/// How far back [`param_before`] looks for the param a range is in.
const PARAM_LOOKBACK: usize = 256;

/// The param whose name or value holds byte `at`: the token after the last
/// `;` before it, within the member (`,` ends the search).
fn param_before(value: &[u8], at: usize) -> Option<(String, usize)> {
    let at = at.min(value.len());
    let floor = at.saturating_sub(PARAM_LOOKBACK);
    let semicolon = (floor..at)
        .rev()
        .find(|&i| value[i] == b';' || value[i] == b',')?;
    if value[semicolon] != b';' {
        return None;
    }
    let mut start = semicolon + 1;
    while start < value.len() && matches!(value[start], b' ' | b'\t') {
        start += 1;
    }
    let end = (start..value.len())
        .find(|&i| !fetch_headers::is_tchar(value[i]))
        .unwrap_or(value.len());
    (end > start).then(|| {
        (
            String::from_utf8_lossy(&value[start..end]).to_ascii_lowercase(),
            start,
        )
    })
}

/// `"..."` with every `"` and `\` escaped.
fn quoted(text: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in text {
        if b == b'"' || b == b'\\' {
            out.push('\\');
        }
        out.push(char::from(b));
    }
    out.push('"');
    out
}

/// `desc="has "quotes""`: a quoted value with an unescaped `"` inside, as npm
/// `server-timing` 3.3.3 and `django-server-timing` 0.2.0 send it. The fix is
/// the whole value with the inner quotes escaped.
fn unescaped_quote_fix(
    value: &[u8],
    junk: &Range<usize>,
    param: &str,
    param_start: usize,
) -> Option<Fix> {
    // The quoted string ended just before the junk, and the junk holds a `"`.
    if junk.start == 0 || value.get(junk.start - 1) != Some(&b'"') {
        return None;
    }
    let junk_bytes = value.get(junk.clone())?;
    let last_quote = junk.start + junk_bytes.iter().rposition(|&b| b == b'"')?;
    let equals = (param_start..junk.start).find(|&i| value[i] == b'=')?;
    let mut open = equals + 1;
    while open < junk.start && matches!(value[open], b' ' | b'\t') {
        open += 1;
    }
    if value.get(open) != Some(&b'"') || open + 1 > last_quote {
        return None;
    }
    // The text as the sender meant it: the first quoted string's escapes
    // resolved, then everything up to the last quote as it is.
    let mut text = Vec::new();
    let mut i = open + 1;
    let first_close = junk.start - 1;
    while i < first_close {
        if value[i] == b'\\' && i + 1 < first_close {
            i += 1;
        }
        text.push(value[i]);
        i += 1;
    }
    text.extend_from_slice(&value[first_close..last_quote]);
    if !text.is_ascii() {
        return None;
    }
    let replacement = format!("{param}={}", quoted(&text));
    Some(Fix {
        range: param_start..last_quote + 1,
        param: Some(param.to_owned()),
        message: format!("escape the quotes inside {param}'s value: {replacement}"),
        replacement: Some(replacement),
    })
}

/// The fix for a spec-parser recovery, naming its param where it has one.
fn fix_for_recovery(value: &[u8], kind: DiagnosticKind, range: &Range<usize>) -> Option<Fix> {
    let param = param_before(value, range.start);
    let name = param
        .as_ref()
        .map(|(n, _)| n.as_str())
        .unwrap_or("the param");
    let message = match kind {
        DiagnosticKind::EmptyMember => {
            "remove the empty list member (a stray comma): Chromium and WebKit stop reading there"
                .to_owned()
        }
        DiagnosticKind::MissingMetricName => {
            "start every metric with a name that is a token (letters, digits, !#$%&'*+-.^_`|~)"
                .to_owned()
        }
        DiagnosticKind::JunkAfterMetricName => {
            "remove what follows the metric name, or move it into desc=\"...\"".to_owned()
        }
        DiagnosticKind::MissingParamName => "remove the stray `;`".to_owned(),
        DiagnosticKind::MissingParamValue => format!("give {name} a value or remove it"),
        DiagnosticKind::EmptyParamValue if name == "dur" => {
            "give dur a value (dur=12.5) or remove it".to_owned()
        }
        DiagnosticKind::EmptyParamValue => {
            format!("put {name}'s value in quotes: {name}=\"...\" (a bare value must be a token)")
        }
        DiagnosticKind::UnterminatedQuotedString => {
            format!("close {name}'s quoted string with `\"`")
        }
        DiagnosticKind::JunkAfterParamValue => {
            if let Some((param_name, start)) = &param {
                if let Some(fix) = unescaped_quote_fix(value, range, param_name, *start) {
                    return Some(fix);
                }
            }
            format!("quote {name}'s value if it has spaces or separators: {name}=\"Cache Read\"")
        }
        DiagnosticKind::DuplicateParam => {
            format!("send {name} once per metric (only the first counts)")
        }
        // An empty dur has its own fix (EmptyParamValue).
        DiagnosticKind::InvalidDuration if range.is_empty() => return None,
        DiagnosticKind::InvalidDuration | DiagnosticKind::NonStrictDuration => {
            PLAIN_DECIMAL_DUR.to_owned()
        }
        DiagnosticKind::NonAsciiByte => {
            "send ASCII only: browsers decode other bytes differently (Latin-1 or UTF-8)".to_owned()
        }
        _ => return None,
    };
    let param = match kind {
        DiagnosticKind::InvalidDuration | DiagnosticKind::NonStrictDuration => {
            Some("dur".to_owned())
        }
        DiagnosticKind::EmptyMember
        | DiagnosticKind::MissingMetricName
        | DiagnosticKind::JunkAfterMetricName
        | DiagnosticKind::MissingParamName
        | DiagnosticKind::NonAsciiByte => None,
        _ => param.map(|(n, _)| n),
    };
    Some(Fix {
        range: range.clone(),
        param,
        message,
        replacement: None,
    })
}

const PLAIN_DECIMAL_DUR: &str =
    "send dur as a plain decimal number of milliseconds, unquoted (dur=12.5)";

fn fix_for_note(kind: EngineNoteKind) -> Option<(&'static str, Option<&'static str>)> {
    Some(match kind {
        EngineNoteKind::NonTcharNameAccepted => {
            ("use only token characters in names ({ and } are not)", None)
        }
        EngineNoteKind::DurationNegativeZero => ("send dur=0 instead of -0", Some("dur")),
        EngineNoteKind::DurationInfinite
        | EngineNoteKind::DurationOverflowToZero
        | EngineNoteKind::DurationRejected
        | EngineNoteKind::DurationAcceptedNotHtml => (PLAIN_DECIMAL_DUR, Some("dur")),
        EngineNoteKind::QuoteInSkippedJunk => (
            "remove the quoted text outside a param value: engines split it differently",
            None,
        ),
        _ => return None,
    })
}

/// Merges fixes with the same message whose ranges touch, in one pass over
/// fixes sorted by start; a mechanical fix (with a replacement) swallows the
/// fixes inside its range. Linear after the sort.
fn merge_fixes(mut fixes: Vec<Fix>) -> Vec<Fix> {
    fixes.sort_by_key(|f| (f.range.start, std::cmp::Reverse(f.range.end)));
    let mut merged: Vec<Fix> = Vec::with_capacity(fixes.len().min(MAX_LISTED));
    // The last fix of each message, by index into `merged`.
    let mut last_of: HashMap<String, usize> = HashMap::new();
    let mut replaced_until = 0;
    for fix in fixes {
        if fix.replacement.is_none() && fix.range.end <= replaced_until && !merged.is_empty() {
            continue;
        }
        if let Some(&i) = last_of.get(&fix.message) {
            let last = &mut merged[i];
            if fix.range.start <= last.range.end && fix.replacement.is_none() {
                last.range.end = last.range.end.max(fix.range.end);
                continue;
            }
        }
        if fix.replacement.is_some() {
            replaced_until = replaced_until.max(fix.range.end);
        }
        last_of.insert(fix.message.clone(), merged.len());
        merged.push(fix);
    }
    merged
}

/// Where the header lines meet in the combined value: the offsets of each
/// `", "` separator.
fn joins(lines: &[&[u8]]) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut at = 0;
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            offsets.push(at);
            at += COMBINE_SEPARATOR.len();
        }
        at += line.len();
    }
    offsets
}

/// Lints the `Server-Timing` lines of one response (combined as Fetch does).
pub fn lint_lines<'a, I, V>(lines: I) -> LintReport
where
    I: IntoIterator<Item = &'a V>,
    V: AsRef<[u8]> + ?Sized + 'a,
{
    let lines: Vec<&[u8]> = lines.into_iter().map(AsRef::as_ref).collect();
    let value = fetch_headers::get_a_header(&lines)
        .map(|v| v.into_owned())
        .unwrap_or_default();
    lint(value, &joins(&lines))
}

/// Lints a combined field value (one header line).
pub fn lint_value(value: &[u8]) -> LintReport {
    lint(value.to_vec(), &[])
}

fn lint(value: Vec<u8>, joins: &[usize]) -> LintReport {
    let mut errors = 0;
    let mut warnings = 0;
    let mut recoveries = Vec::new();
    let mut recoveries_total = 0;
    let mut fixes: Vec<Fix> = Vec::new();
    let mut fixes_total = 0;
    // Fixes with the same message that touch are merged as they come (the
    // parser reports in byte order), so the list stays short.
    let push_fix = |fixes: &mut Vec<Fix>, fixes_total: &mut usize, fix: Fix| {
        if let Some(last) = fixes
            .iter_mut()
            .rev()
            .take(4)
            .find(|f| f.message == fix.message)
        {
            if fix.replacement.is_none() && fix.range.start <= last.range.end + 2 {
                last.range.end = last.range.end.max(fix.range.end);
                return;
            }
        }
        *fixes_total += 1;
        if fixes.len() < MAX_LISTED * 2 {
            fixes.push(fix);
        }
    };
    parse_server_timing_with_diagnostics(&value, |d: Diagnostic| {
        let severity = severity_of(&value, d.kind, &d.range);
        match severity {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
        }
        // A trailing comma costs nothing anywhere; say so only when it matters.
        let trailing = d.kind == DiagnosticKind::EmptyMember && d.range.end >= value.len();
        if !trailing {
            if let Some(fix) = fix_for_recovery(&value, d.kind, &d.range) {
                push_fix(&mut fixes, &mut fixes_total, fix);
            }
        }
        recoveries_total += 1;
        if recoveries.len() < MAX_LISTED {
            recoveries.push(Recovery {
                kind: d.kind,
                range: d.range,
                severity,
            });
        }
    })
    .for_each(drop);
    let mut profiles: Vec<ProfileReading> = Engine::ALL
        .iter()
        .map(|&engine| {
            let mut notes = Vec::new();
            let metrics = engine.parse_value_with_notes(&value, &mut notes);
            ProfileReading {
                engine,
                metrics,
                notes,
            }
        })
        .collect();
    for p in &mut profiles {
        for n in &p.notes {
            if let Some((message, param)) = fix_for_note(n.kind) {
                push_fix(
                    &mut fixes,
                    &mut fixes_total,
                    Fix {
                        range: n.range.clone(),
                        param: param.map(str::to_owned),
                        message: message.to_owned(),
                        replacement: None,
                    },
                );
            }
        }
        p.notes.truncate(MAX_LISTED);
        p.notes.shrink_to_fit();
    }
    let spec = &profiles[0].metrics;
    let disagreements: Vec<Disagreement> = profiles[1..]
        .iter()
        .filter_map(|p| {
            summarize(spec, &p.metrics).map(|summary| Disagreement {
                engine: p.engine,
                summary,
                notes: p.notes.clone(),
            })
        })
        .collect();
    errors += disagreements.len();
    // A metric of the spec reading that spans a line join got there inside a
    // quoted string: the lines it runs into are swallowed in every browser.
    let mut line_joins = Vec::new();
    let mut next_join = 0;
    for metric in spec {
        while next_join < joins.len() && joins[next_join] < metric.span.start {
            next_join += 1;
        }
        let first = next_join;
        let mut last = first;
        while last < joins.len() && joins[last] < metric.span.end {
            last += 1;
        }
        if last > first {
            errors += 1;
            if line_joins.len() < MAX_LISTED {
                line_joins.push(LineJoin {
                    range: metric.span.clone(),
                    line: first,
                    lines_swallowed: last - first,
                });
            }
            next_join = last;
        }
    }
    let pushed = fixes.len();
    let mut fixes = merge_fixes(fixes);
    // What the merge folded together was never a fix of its own.
    let fixes_total = fixes_total - (pushed - fixes.len());
    fixes.truncate(MAX_LISTED);
    LintReport {
        value,
        profiles,
        disagreements,
        recoveries,
        recoveries_total,
        line_joins,
        fixes,
        fixes_total,
        errors,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_header_passes() {
        let r = lint_value(b"cache;desc=\"Cache Read\";dur=23.2, db;dur=53");
        assert!(r.passes() && r.is_clean());
        assert!(r.fixes.is_empty());
    }

    #[test]
    fn empty_member_makes_chromium_lose_a_metric() {
        let r = lint_value(b"a;dur=1, , b;dur=2");
        assert!(!r.passes());
        let engines: Vec<_> = r.disagreements.iter().map(|d| d.engine).collect();
        assert_eq!(engines, [Engine::Chromium, Engine::WebKit]);
        assert!(r.disagreements[0].summary.contains("lost b"));
        assert_eq!(
            r.disagreements[0].notes[0].kind,
            EngineNoteKind::StoppedAtMissingName
        );
        assert_eq!(r.disagreements[0].notes[0].range, 9..18);
        assert!(r.fixes[0].message.contains("stray comma"));
    }

    #[test]
    fn fixes_for_common_mistakes() {
        let has = |v: &[u8], needle: &str| {
            lint_value(v)
                .fixes
                .iter()
                .any(|f| f.message.contains(needle))
        };
        assert!(has(b"m;desc=Cache Read", "quote desc's value"));
        assert!(has(b"m;dur=1;dur=2", "send dur once per metric"));
        assert!(has(b"m;desc=\"\xc3\xa9\"", "ASCII only"));
        assert!(has(b"m;dur=12ms", "plain decimal"));
        assert!(has(b"m;dur=-0", "instead of -0"));
        assert!(has(b"{m};dur=1", "token characters"));
        assert!(has(b"@m;dur=1", "name that is a token"));
    }

    #[test]
    fn unknown_param_and_trailing_comma_are_warnings() {
        let r = lint_value(b"m;dur=1;region=eu,");
        assert!(r.passes());
        assert!(!r.is_clean());
        assert_eq!(r.warnings, 2);
        assert!(r.fixes.is_empty());
    }

    #[test]
    fn what_real_servers_send() {
        // Akamai: an unknown param. Bing: an empty dur.
        for header in [
            &b"akam;dur=243;start=1700000000.123;desc=hit"[..],
            b"origin; dur=",
        ] {
            let r = lint_value(header);
            assert!(r.passes(), "{:?}", r.recoveries);
            assert!(r.warnings > 0);
        }
        let bing = lint_value(b"origin; dur=");
        assert_eq!(bing.fixes.len(), 1, "{:?}", bing.fixes);
        assert_eq!(bing.fixes[0].param.as_deref(), Some("dur"));
        assert!(bing.fixes[0].message.contains("give dur a value"));
    }

    #[test]
    fn an_unescaped_quote_is_fixed_by_escaping_it() {
        let r = lint_value(b"m;desc=\"has \"quotes\"\";dur=1");
        assert!(!r.passes());
        assert_eq!(r.fixes.len(), 1, "{:?}", r.fixes);
        let fix = &r.fixes[0];
        assert_eq!(fix.param.as_deref(), Some("desc"));
        assert_eq!(fix.range, 2..21);
        assert_eq!(fix.replacement.as_deref(), Some(r#"desc="has \"quotes\"""#));
        // The replacement reads as the sender meant.
        let mut fixed = r.value.clone();
        fixed.splice(
            fix.range.clone(),
            fix.replacement.clone().unwrap().into_bytes(),
        );
        let again = lint_value(&fixed);
        assert!(again.is_clean(), "{:?}", again.recoveries);
        assert_eq!(again.profiles[0].metrics[0].description, "has \"quotes\"");
    }

    #[test]
    fn a_quote_left_open_across_lines_is_an_error() {
        let r = lint_lines([&b"a;desc=\"x"[..], b"b;dur=1", b"y\", c;dur=2"]);
        assert!(!r.passes());
        assert!(r.disagreements.is_empty());
        assert_eq!(r.line_joins.len(), 1);
        assert_eq!(r.line_joins[0].line, 0);
        assert_eq!(r.line_joins[0].lines_swallowed, 2);
        // The same bytes in one line are a single (odd but meant) description.
        assert!(lint_value(&r.value).passes());
    }

    #[test]
    fn fixes_are_in_byte_order_and_merged() {
        let mut header = b"a".to_vec();
        for _ in 0..10_000 {
            header.extend_from_slice(b", ");
        }
        header.extend_from_slice(b"b");
        let r = lint_value(&header);
        assert!(r
            .fixes
            .windows(2)
            .all(|w| w[0].range.start <= w[1].range.start));
        assert!(r.fixes.len() <= MAX_LISTED);
        assert_eq!(r.recoveries.len(), MAX_LISTED);
        assert_eq!(r.recoveries_total, 9_999);
    }
}
