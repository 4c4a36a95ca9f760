//! How `lint` and `har` show a [`LintReport`]: the text `server-timing lint`
//! prints, and its JSON form. The report itself is the library's data
//! ([`server_timing::engines::lint`]).

use std::fmt::Write as _;
use std::ops::Range;

use fetch_headers::json::{write_console_number, write_js_number, write_json_string};
use server_timing::engines::lint::LintReport;
use server_timing::engines::EngineMetric;

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
    let mut out = String::from("{\"value\":");
    write_json_string(&mut out, &show_bytes(&report.value));
    let _ = write!(out, ",\"passes\":{},\"profiles\":{{", report.passes());
    for (i, p) in report.profiles.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json_string(&mut out, p.engine.name());
        out.push_str(":[");
        for (j, m) in p.metrics.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            write_json_string(&mut out, &m.name);
            out.push_str(",\"duration\":");
            write_duration_json(&mut out, m.duration);
            out.push_str(",\"description\":");
            write_json_string(&mut out, &m.description);
            let _ = write!(out, ",\"start\":{},\"end\":{}}}", m.span.start, m.span.end);
        }
        out.push(']');
    }
    out.push_str("},\"disagreements\":[");
    for (i, d) in report.disagreements.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"engine\":");
        write_json_string(&mut out, d.engine.name());
        out.push_str(",\"summary\":");
        write_json_string(&mut out, &d.summary);
        out.push_str(",\"notes\":[");
        for (j, n) in d.notes.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            write_item(
                &mut out,
                &format!("{:?}", n.kind),
                &n.range,
                n.kind.message(),
            );
        }
        out.push_str("]}");
    }
    out.push_str("],\"recoveries\":[");
    for (i, d) in report.recoveries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_item(
            &mut out,
            &format!("{:?}", d.kind),
            &d.range,
            d.kind.message(),
        );
    }
    out.push_str("],\"fixes\":[");
    for (i, f) in report.fixes.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"start\":{},\"end\":{},\"message\":",
            f.range.start, f.range.end
        );
        write_json_string(&mut out, &f.message);
        out.push('}');
    }
    out.push_str("]}");
    out
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

fn write_item(out: &mut String, kind: &str, range: &Range<usize>, message: &str) {
    out.push_str("{\"kind\":");
    write_json_string(out, kind);
    let _ = write!(
        out,
        ",\"start\":{},\"end\":{},\"message\":",
        range.start, range.end
    );
    write_json_string(out, message);
    out.push('}');
}

/// JSON has no −0 or Infinity: those become strings, as in the fixtures.
fn write_duration_json(out: &mut String, d: f64) {
    if d.is_nan() {
        out.push_str("\"NaN\"");
    } else if d.is_infinite() {
        out.push_str(if d > 0.0 {
            "\"Infinity\""
        } else {
            "\"-Infinity\""
        });
    } else if d == 0.0 && d.is_sign_negative() {
        out.push_str("\"-0\"");
    } else {
        write_js_number(out, d);
    }
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
    fn json_encodes_infinity_as_a_string() {
        let json = to_json(&lint_value(b"m;dur=1e400"));
        assert!(json.contains("\"duration\":\"Infinity\""), "{json}");
        assert!(json.contains("\"passes\":false"));
    }
}
