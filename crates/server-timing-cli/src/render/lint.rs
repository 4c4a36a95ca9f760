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

/// How many bytes of the header and metrics per profile the text shows.
const SHOWN_BYTES: usize = 200;
const SHOWN_METRICS: usize = 20;

/// "N more" when a list was cut.
fn more(total: usize, shown: usize, what: &str) -> Option<String> {
    (total > shown).then(|| format!("  ... and {} more {what}\n", total - shown))
}

/// The report as text, the way `server-timing lint` prints it.
pub fn to_text(report: &LintReport) -> String {
    let mut out = String::new();
    let value = &report.value;
    if value.len() > SHOWN_BYTES {
        let _ = writeln!(
            out,
            "Server-Timing: {}... ({} bytes)",
            show_bytes(&value[..SHOWN_BYTES]),
            value.len()
        );
    } else {
        let _ = writeln!(out, "Server-Timing: {}", show_bytes(value));
    }
    for p in &report.profiles {
        let _ = write!(out, "  {:<9}", p.engine.name());
        if p.metrics.is_empty() {
            out.push_str("(no metrics)");
        }
        for (i, m) in p.metrics.iter().take(SHOWN_METRICS).enumerate() {
            if i > 0 {
                out.push_str(" | ");
            }
            out.push_str(&metric_text(m));
        }
        if p.metrics.len() > SHOWN_METRICS {
            let _ = write!(out, " | ... ({} metrics)", p.metrics.len());
        }
        out.push('\n');
    }
    if !report.disagreements.is_empty() {
        out.push_str("disagreements (errors):\n");
        for d in &report.disagreements {
            let _ = writeln!(out, "  error: {}: {}", d.engine, d.summary);
            for n in &d.notes {
                let _ = writeln!(
                    out,
                    "      bytes {}..{} `{}`: {}",
                    n.range.start,
                    n.range.end,
                    excerpt(value, &n.range),
                    n.kind.message()
                );
            }
        }
    }
    if !report.line_joins.is_empty() {
        out.push_str("header lines run together:\n");
        for j in &report.line_joins {
            let _ = writeln!(
                out,
                "  error: bytes {}..{} `{}`: a quoted string opened in line {} runs into the next {}; \
                 every browser reads {} as part of this value (close the quote in the line it opens)",
                j.range.start,
                j.range.end,
                excerpt(value, &j.range),
                j.line + 1,
                if j.lines_swallowed == 1 { "line".to_owned() } else { format!("{} lines", j.lines_swallowed) },
                if j.lines_swallowed == 1 { "its metrics" } else { "their metrics" },
            );
        }
    }
    if !report.recoveries.is_empty() {
        out.push_str("recoveries (spec parser):\n");
        for d in &report.recoveries {
            let _ = writeln!(
                out,
                "  {}: bytes {}..{} `{}`: {}",
                d.severity.name(),
                d.range.start,
                d.range.end,
                excerpt(value, &d.range),
                d.kind.message()
            );
        }
        if let Some(line) = more(
            report.recoveries_total,
            report.recoveries.len(),
            "recoveries",
        ) {
            out.push_str(&line);
        }
    }
    if !report.fixes.is_empty() {
        out.push_str("fixes:\n");
        for f in &report.fixes {
            let _ = write!(out, "  bytes {}..{}", f.range.start, f.range.end);
            if let Some(param) = &f.param {
                let _ = write!(out, " ({param})");
            }
            let _ = writeln!(out, ": {}", f.message);
        }
        if let Some(line) = more(report.fixes_total, report.fixes.len(), "fixes") {
            out.push_str(&line);
        }
    }
    let warnings = match report.warnings {
        0 => String::new(),
        1 => " (1 warning)".to_owned(),
        n => format!(" ({n} warnings)"),
    };
    if report.passes() {
        let _ = writeln!(out, "ok: every profile reads the same metrics{warnings}");
    } else {
        let errors = if report.errors == 1 {
            "1 error".to_owned()
        } else {
            format!("{} errors", report.errors)
        };
        let what = if report.disagreements.is_empty() {
            "the header loses or changes a metric"
        } else {
            "profiles disagree"
        };
        let _ = writeln!(
            out,
            "fail: {what}: {errors}{}",
            warnings.replace(" (", ", ").replace(')', "")
        );
    }
    out
}

/// The report as one line of JSON.
pub fn to_json(report: &LintReport) -> String {
    serde_json::to_string(&LintJson::from(report)).expect("a report serializes")
}

/// The JSON form of a [`LintReport`].
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LintJson<'a> {
    value: String,
    passes: bool,
    errors: usize,
    warnings: usize,
    profiles: Profiles<'a>,
    disagreements: Vec<DisagreementJson<'a>>,
    line_joins: Vec<LineJoinJson>,
    recoveries: Vec<ItemJson>,
    recoveries_total: usize,
    fixes: Vec<FixJson<'a>>,
    fixes_total: usize,
}

impl<'a> From<&'a LintReport> for LintJson<'a> {
    fn from(report: &'a LintReport) -> Self {
        LintJson {
            value: show_bytes(&report.value),
            passes: report.passes(),
            errors: report.errors,
            warnings: report.warnings,
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
                        .map(|n| {
                            ItemJson::new(format!("{:?}", n.kind), &n.range, n.kind.message(), None)
                        })
                        .collect(),
                })
                .collect(),
            line_joins: report
                .line_joins
                .iter()
                .map(|j| LineJoinJson {
                    start: j.range.start,
                    end: j.range.end,
                    line: j.line,
                    lines_swallowed: j.lines_swallowed,
                })
                .collect(),
            recoveries: report
                .recoveries
                .iter()
                .map(|d| {
                    ItemJson::new(
                        format!("{:?}", d.kind),
                        &d.range,
                        d.kind.message(),
                        Some(d.severity.name()),
                    )
                })
                .collect(),
            recoveries_total: report.recoveries_total,
            fixes_total: report.fixes_total,
            fixes: report
                .fixes
                .iter()
                .map(|f| FixJson {
                    start: f.range.start,
                    end: f.range.end,
                    param: f.param.as_deref(),
                    message: &f.message,
                    replacement: f.replacement.as_deref(),
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
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<&'static str>,
    start: usize,
    end: usize,
    message: &'static str,
}

impl ItemJson {
    fn new(
        kind: String,
        range: &Range<usize>,
        message: &'static str,
        severity: Option<&'static str>,
    ) -> Self {
        ItemJson {
            kind,
            severity,
            start: range.start,
            end: range.end,
            message,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LineJoinJson {
    start: usize,
    end: usize,
    line: usize,
    lines_swallowed: usize,
}

#[derive(Serialize)]
struct FixJson<'a> {
    start: usize,
    end: usize,
    param: Option<&'a str>,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    replacement: Option<&'a str>,
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
