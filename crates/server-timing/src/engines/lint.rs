//! `Server-Timing` lint: what each profile makes of a header a server sends,
//! where they disagree and why, every recovery the spec parser made, and how
//! to fix the header.
//!
//! ```
//! use server_timing::engines::lint::lint_lines;
//!
//! let report = lint_lines([&b"db;dur=53, cache;desc=Cache Read"[..]]);
//! assert!(!report.passes());
//! assert!(report.fixes.iter().any(|f| f.message.contains("quote a value")));
//! assert!(lint_lines([&b"db;dur=53;desc=\"Cache Read\""[..]]).passes());
//! ```

use std::ops::Range;

use super::{Engine, EngineMetric, EngineNote, EngineNoteKind};
use crate::{parse_server_timing_with_diagnostics, Diagnostic, DiagnosticKind};
use fetch_headers::get_a_header;
use fetch_headers::json::write_console_number;

/// One profile's reading.
#[derive(Debug, Clone)]
pub struct ProfileReading {
    /// The profile.
    pub engine: Engine,
    /// Its `serverTiming` list, with byte ranges.
    pub metrics: Vec<EngineMetric>,
    /// Where and why it reads the value its own way.
    pub notes: Vec<EngineNote>,
}

/// A profile whose list differs from the spec reading.
#[derive(Debug, Clone)]
pub struct Disagreement {
    /// The engine.
    pub engine: Engine,
    /// What differs, in words (`chromium: 1 metric instead of 2: b is lost`).
    pub summary: String,
    /// The engine's notes that explain it, with byte ranges.
    pub notes: Vec<EngineNote>,
}

/// A suggested change to the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// The bytes of the combined field value it concerns.
    pub range: Range<usize>,
    /// What to do.
    pub message: String,
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
    /// Every recovery the spec parser made.
    pub recoveries: Vec<Diagnostic>,
    /// Suggested fixes, in input order.
    pub fixes: Vec<Fix>,
}

/// Recoveries that lose or change nothing a server meant to send.
fn is_harmless(kind: DiagnosticKind) -> bool {
    matches!(
        kind,
        DiagnosticKind::UnknownParam | DiagnosticKind::EmptyMember
    )
}

impl LintReport {
    /// True when every profile gives the same list and no recovery lost or
    /// changed anything (an unknown param and a stray comma that no profile
    /// minds are fine). `server-timing lint` exits 0 exactly then.
    pub fn passes(&self) -> bool {
        self.disagreements.is_empty() && self.recoveries.iter().all(|d| is_harmless(d.kind))
    }

    /// True when there is nothing at all to report.
    pub fn is_clean(&self) -> bool {
        self.disagreements.is_empty() && self.recoveries.is_empty()
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

/// What differs between `spec` and `other`, in words.
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
    let lost: Vec<_> = spec
        .iter()
        .filter(|m| !other.iter().any(|o| o.name == m.name))
        .map(|m| m.name.as_str())
        .collect();
    if !lost.is_empty() {
        parts.push(format!("lost {}", lost.join(", ")));
    }
    let extra: Vec<_> = other
        .iter()
        .filter(|o| !spec.iter().any(|m| m.name == o.name))
        .map(|o| o.name.as_str())
        .collect();
    if !extra.is_empty() {
        parts.push(format!("extra {}", extra.join(", ")));
    }
    for (a, b) in spec.iter().zip(other) {
        if a.name != b.name {
            continue;
        }
        if a.duration.to_bits() != b.duration.to_bits() {
            parts.push(format!(
                "{} duration {} instead of {}",
                b.name,
                console_number(b.duration),
                console_number(a.duration)
            ));
        }
        if a.description != b.description {
            parts.push(format!(
                "{} description {:?} instead of {:?}",
                b.name, b.description, a.description
            ));
        }
    }
    if parts.is_empty() {
        parts.push("metrics in a different order".to_owned());
    }
    Some(parts.join("; "))
}

const PLAIN_DECIMAL_DUR: &str =
    "send dur as a plain decimal number of milliseconds, unquoted (dur=12.5)";

fn fix_for_diagnostic(kind: DiagnosticKind) -> Option<&'static str> {
    Some(match kind {
        DiagnosticKind::EmptyMember => {
            "remove the empty list member (a stray comma): Chromium and WebKit stop reading there"
        }
        DiagnosticKind::MissingMetricName => {
            "start every metric with a name that is a token (letters, digits, !#$%&'*+-.^_`|~)"
        }
        DiagnosticKind::JunkAfterMetricName => {
            "remove what follows the metric name, or move it into desc=\"...\""
        }
        DiagnosticKind::MissingParamName => "remove the stray `;`",
        DiagnosticKind::MissingParamValue => "give the param a value (dur=12.5) or remove it",
        DiagnosticKind::EmptyParamValue => {
            "put the value in quotes: desc=\"...\" (a bare value must be a token)"
        }
        DiagnosticKind::UnterminatedQuotedString => "close the quoted string with `\"`",
        DiagnosticKind::JunkAfterParamValue => {
            "quote a value with spaces or separators: desc=\"Cache Read\""
        }
        DiagnosticKind::DuplicateParam => "send each param once per metric (only the first counts)",
        DiagnosticKind::InvalidDuration | DiagnosticKind::NonStrictDuration => PLAIN_DECIMAL_DUR,
        DiagnosticKind::NonAsciiByte => {
            "send ASCII only: browsers decode other bytes differently (Latin-1 or UTF-8)"
        }
        _ => return None,
    })
}

fn fix_for_note(kind: EngineNoteKind) -> Option<&'static str> {
    Some(match kind {
        EngineNoteKind::NonTcharNameAccepted => {
            "use only token characters in names ({ and } are not)"
        }
        EngineNoteKind::DurationNegativeZero => "send dur=0 instead of -0",
        EngineNoteKind::DurationInfinite
        | EngineNoteKind::DurationOverflowToZero
        | EngineNoteKind::DurationRejected
        | EngineNoteKind::DurationAcceptedNotHtml => PLAIN_DECIMAL_DUR,
        EngineNoteKind::QuoteInSkippedJunk => {
            "remove the quoted text outside a param value: engines split it differently"
        }
        _ => return None,
    })
}

/// Lints the `Server-Timing` lines of one response (combined as Fetch does).
pub fn lint_lines<'a, I, V>(lines: I) -> LintReport
where
    I: IntoIterator<Item = &'a V>,
    V: AsRef<[u8]> + ?Sized + 'a,
{
    let value = get_a_header(lines)
        .map(|v| v.into_owned())
        .unwrap_or_default();
    lint_value(&value)
}

/// Lints a combined field value.
pub fn lint_value(value: &[u8]) -> LintReport {
    let mut recoveries = Vec::new();
    parse_server_timing_with_diagnostics(value, |d: Diagnostic| recoveries.push(d)).for_each(drop);
    let profiles: Vec<ProfileReading> = Engine::ALL
        .iter()
        .map(|&engine| {
            let mut notes = Vec::new();
            let metrics = engine.parse_value_with_notes(value, &mut notes);
            ProfileReading {
                engine,
                metrics,
                notes,
            }
        })
        .collect();
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
    let mut fixes: Vec<Fix> = Vec::new();
    // One fix per message and stretch of bytes: overlapping ranges merge.
    let mut add = |range: Range<usize>, message: &str| {
        let overlapping = fixes.iter_mut().find(|f| {
            f.message == message && f.range.start <= range.end && range.start <= f.range.end
        });
        match overlapping {
            Some(f) => f.range = f.range.start.min(range.start)..f.range.end.max(range.end),
            None => fixes.push(Fix {
                range,
                message: message.to_owned(),
            }),
        }
    };
    for d in &recoveries {
        if let Some(message) = fix_for_diagnostic(d.kind) {
            // A trailing comma costs nothing anywhere; say so only when it matters.
            if d.kind == DiagnosticKind::EmptyMember && d.range.end >= value.len() {
                continue;
            }
            add(d.range.clone(), message);
        }
    }
    for p in &profiles {
        for n in &p.notes {
            if let Some(message) = fix_for_note(n.kind) {
                add(n.range.clone(), message);
            }
        }
    }
    fixes.sort_by_key(|f| (f.range.start, f.range.end));
    LintReport {
        value: value.to_vec(),
        profiles,
        disagreements,
        recoveries,
        fixes,
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
        assert!(has(b"m;desc=Cache Read", "quote a value"));
        assert!(has(b"m;dur=1;dur=2", "once per metric"));
        assert!(has(b"m;desc=\"\xc3\xa9\"", "ASCII only"));
        assert!(has(b"m;dur=12ms", "plain decimal"));
        assert!(has(b"m;dur=-0", "instead of -0"));
        assert!(has(b"{m};dur=1", "token characters"));
        assert!(has(b"@m;dur=1", "name that is a token"));
    }

    #[test]
    fn unknown_param_and_trailing_comma_pass() {
        let r = lint_value(b"m;dur=1;region=eu,");
        assert!(r.passes());
        assert!(!r.is_clean());
        assert!(r.fixes.is_empty());
    }
}
