//! How `har` shows each entry: text, or one JSON object per line.

use std::fmt::Write as _;

use serde::Serialize;

use super::json::MetricJson;
use super::lint::LintJson;
use crate::har::{EntryReport, Visibility};

/// One entry as text.
pub fn report_text(report: &EntryReport) -> String {
    let mut out = String::new();
    let redirects = match report.redirects {
        0 => String::new(),
        1 => " (after 1 redirect)".to_owned(),
        n => format!(" (after {n} redirects)"),
    };
    let _ = writeln!(
        out,
        "[{}] {} {} -> {}{}",
        report.index, report.method, report.url, report.status, redirects
    );
    if let Some(page) = &report.page {
        let _ = writeln!(
            out,
            "    page {} ({}): {}",
            page.origin().ascii_serialization(),
            report.page_source,
            report.visible.reason()
        );
    } else {
        let _ = writeln!(out, "    {}", report.visible.reason());
    }
    for (i, metric) in report.metrics.iter().enumerate() {
        let _ = writeln!(out, "    {i}: {metric}");
    }
    if let Some(lint) = &report.lint {
        for line in super::lint::to_text(lint).lines() {
            let _ = writeln!(out, "    | {line}");
        }
    }
    out
}

/// One entry of `har --json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntryJson<'a> {
    index: usize,
    url: &'a str,
    status: i64,
    redirects: usize,
    page: Option<String>,
    visible: bool,
    reason: String,
    page_source: &'a str,
    server_timing: Vec<MetricJson<'a>>,
    lint: Option<LintJson<'a>>,
}

/// One entry as one line of JSON.
pub fn report_json(report: &EntryReport) -> String {
    let line = EntryJson {
        index: report.index,
        url: &report.url,
        status: report.status,
        redirects: report.redirects,
        page: report
            .page
            .as_ref()
            .map(|p| p.origin().ascii_serialization()),
        visible: report.visible == Visibility::Visible,
        reason: report.visible.reason(),
        page_source: &report.page_source,
        server_timing: report.metrics.iter().map(MetricJson::from).collect(),
        lint: report.lint.as_ref().map(LintJson::from),
    };
    let mut out = serde_json::to_string(&line).expect("a report serializes");
    out.push('\n');
    out
}
