//! How `lint` and `har` show a [`LintReport`]: the text `server-timing lint`
//! prints, and its JSON form. The report itself is the library's data
//! ([`server_timing::engines::lint`]).

use std::fmt::Write as _;
use std::ops::Range;

use fetch_headers::json::write_console_number;
use serde::{Serialize, Serializer};
use server_timing::engines::lint::{LintReport, ProfileReading};
use server_timing::engines::EngineMetric;

use super::json::JsNumber;

/// The report as text, the way `server-timing lint` prints it.
pub fn to_text(report: &LintReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Server-Timing: {}", show_bytes(&report.value));
    for p in &report.profiles {
        let _ = write!(out, "  {:<9}", p.engine.name());
        if p.metrics.is_empty() {
            out.push_str("(no metrics)");
        }
        for (i, m) in p.metrics.iter().enumerate() {
            if i > 0 {
                out.push_str(" | ");
            }
            out.push_str(&metric_text(m));
        }
        out.push('\n');
    }
    if !report.disagreements.is_empty() {
        out.push_str("disagreements:\n");
        for d in &report.disagreements {
            let _ = writeln!(out, "  {}: {}", d.engine, d.summary);
            for n in &d.notes {
                let _ = writeln!(
                    out,
                    "      bytes {}..{} `{}`: {}",
                    n.range.start,
                    n.range.end,
                    excerpt(&report.value, &n.range),
                    n.kind.message()
                );
            }
        }
    }
    if !report.recoveries.is_empty() {
        out.push_str("recoveries (spec parser):\n");
        for d in &report.recoveries {
            let _ = writeln!(
                out,
                "  bytes {}..{} `{}`: {}",
                d.range.start,
                d.range.end,
                excerpt(&report.value, &d.range),
                d.kind.message()
            );
        }
    }
    if !report.fixes.is_empty() {
        out.push_str("fixes:\n");
        for f in &report.fixes {
            let _ = writeln!(
                out,
                "  bytes {}..{}: {}",
                f.range.start, f.range.end, f.message
            );
        }
    }
    out.push_str(if report.passes() {
        "ok: every profile reads the same metrics\n"
    } else if report.disagreements.is_empty() {
        "fail: the header loses or changes a metric\n"
    } else {
        "fail: profiles disagree\n"
    });
    out
}

/// The report as one line of JSON.
pub fn to_json(report: &LintReport) -> String {
    serde_json::to_string(&LintJson::from(report)).expect("a report serializes")
}

/// The JSON form of a [`LintReport`].
#[derive(Serialize)]
pub struct LintJson<'a> {
    value: String,
    passes: bool,
    profiles: Profiles<'a>,
    disagreements: Vec<DisagreementJson<'a>>,
    recoveries: Vec<ItemJson>,
    fixes: Vec<FixJson<'a>>,
}

impl<'a> From<&'a LintReport> for LintJson<'a> {
    fn from(report: &'a LintReport) -> Self {
        LintJson {
            value: show_bytes(&report.value),
            passes: report.passes(),
            profiles: Profiles(&report.profiles),
            disagreements: report
                .disagreements
                .iter()
                .map(|d| DisagreementJson {
                    engine: d.engine.name(),
                    summary: &d.summary,
                    notes: d
                        .notes
                        .iter()
                        .map(|n| ItemJson::new(format!("{:?}", n.kind), &n.range, n.kind.message()))
                        .collect(),
                })
                .collect(),
            recoveries: report
                .recoveries
                .iter()
                .map(|d| ItemJson::new(format!("{:?}", d.kind), &d.range, d.kind.message()))
                .collect(),
            fixes: report
                .fixes
                .iter()
                .map(|f| FixJson {
                    start: f.range.start,
                    end: f.range.end,
                    message: &f.message,
                })
                .collect(),
        }
    }
}

/// Each profile's metrics, keyed by the profile's name, spec first.
struct Profiles<'a>(&'a [ProfileReading]);

impl Serialize for Profiles<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|p| {
            let metrics: Vec<ProfileMetricJson<'_>> = p
                .metrics
                .iter()
                .map(|m| ProfileMetricJson {
                    name: &m.name,
                    duration: JsNumber(m.duration),
                    description: &m.description,
                    start: m.span.start,
                    end: m.span.end,
                })
                .collect();
            (p.engine.name(), metrics)
        }))
    }
}

#[derive(Serialize)]
struct ProfileMetricJson<'a> {
    name: &'a str,
    duration: JsNumber,
    description: &'a str,
    start: usize,
    end: usize,
}

#[derive(Serialize)]
struct DisagreementJson<'a> {
    engine: &'static str,
    summary: &'a str,
    notes: Vec<ItemJson>,
}

#[derive(Serialize)]
struct ItemJson {
    kind: String,
    start: usize,
    end: usize,
    message: &'static str,
}

impl ItemJson {
    fn new(kind: String, range: &Range<usize>, message: &'static str) -> Self {
        ItemJson {
            kind,
            start: range.start,
            end: range.end,
            message,
        }
    }
}

#[derive(Serialize)]
struct FixJson<'a> {
    start: usize,
    end: usize,
    message: &'a str,
}

fn excerpt(value: &[u8], range: &Range<usize>) -> String {
    let end = range.end.min(value.len());
    let start = range.start.min(end);
    let bytes = &value[start..end];
    if bytes.len() > 40 {
        format!("{}...", show_bytes(&bytes[..37]))
    } else {
        show_bytes(bytes)
    }
}

/// Printable ASCII as it is, every other byte as `\xNN`.
fn show_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if (0x20..0x7F).contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

fn metric_text(m: &EngineMetric) -> String {
    let mut s = format!("{} dur=", m.name);
    write_console_number(&mut s, m.duration);
    if !m.description.is_empty() {
        let _ = write!(s, " desc={:?}", m.description);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use server_timing::engines::lint::lint_value;

    #[test]
    fn clean_header_says_ok() {
        let text = to_text(&lint_value(
            b"cache;desc=\"Cache Read\";dur=23.2, db;dur=53",
        ));
        assert!(
            text.ends_with("ok: every profile reads the same metrics\n"),
            "{text}"
        );
    }

    #[test]
    fn json_writes_infinity_as_json_stringify_does() {
        let json = to_json(&lint_value(b"m;dur=1e400"));
        assert!(json.contains("\"duration\":null"), "{json}");
        assert!(json.contains("\"passes\":false"));
    }
}
