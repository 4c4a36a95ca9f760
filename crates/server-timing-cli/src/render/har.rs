//! How `har` shows each entry: text, or one JSON object per line.

use std::fmt::Write as _;

use std::collections::BTreeMap;

use serde::Serialize;
use server_timing::engines::Engine;
use server_timing::PerformanceServerTiming;

use super::engines::{console_lines, engine_names, groups_if_any_differs, same_list};
use super::html::{HtmlEngines, HtmlMetric, HtmlPhase, HtmlResource};

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
    engine_lines(&mut out, report);
    if let Some(lint) = &report.lint {
        for line in super::lint::to_text(lint).lines() {
            let _ = writeln!(out, "    | {line}");
        }
    }
    out
}

/// Equal for a page: both see the same list, or both see none (with or
/// without the attribute alike, whatever the reason).
pub fn same_view(a: &View<'_>, b: &View<'_>) -> bool {
    match (a.0, b.0) {
        (Visibility::Visible, Visibility::Visible) => same_list(a.1, b.1),
        (Visibility::Visible, _) | (_, Visibility::Visible) => false,
        (x, y) => (x == &Visibility::NoAttribute) == (y == &Visibility::NoAttribute),
    }
}

/// What a page sees: whether, and the metrics.
pub type View<'a> = (&'a Visibility, &'a [PerformanceServerTiming]);

/// The spec's view of an entry, and each engine's.
fn views(report: &EntryReport) -> (View<'_>, Vec<(Engine, View<'_>)>) {
    let spec: View<'_> = (&report.visible, &report.metrics);
    let engines = report
        .engines
        .iter()
        .map(|v| (v.engine, (&v.visible, &v.metrics[..])))
        .collect();
    (spec, engines)
}

/// Each engine's view, grouped, where one differs from the spec's.
fn engine_lines(out: &mut String, report: &EntryReport) {
    let (spec, engines) = views(report);
    for (members, view) in groups_if_any_differs(&spec, &engines, same_view) {
        let names = engine_names(&members);
        if same_view(view, &spec) {
            let _ = writeln!(out, "    {names}: the same as the spec");
        } else if view.0 == &Visibility::Visible {
            let verb = if members.len() == 1 { "shows" } else { "show" };
            let _ = writeln!(out, "    {names}: visible; {verb}:");
            console_lines(out, "      ", view.1);
        } else {
            let _ = writeln!(out, "    {names}: {}", view.0.reason());
        }
    }
}

/// One engine in `har --json`'s `engines`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EngineJson<'a> {
    visible: bool,
    reason: String,
    server_timing: Vec<MetricJson<'a>>,
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
    /// Each engine's view, without `--engine`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    engines: BTreeMap<&'static str, EngineJson<'a>>,
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
        engines: report
            .engines
            .iter()
            .map(|view| {
                (
                    view.engine.name(),
                    EngineJson {
                        visible: view.visible == Visibility::Visible,
                        reason: view.visible.reason(),
                        server_timing: view.metrics.iter().map(MetricJson::from).collect(),
                    },
                )
            })
            .collect(),
    };
    let mut out = serde_json::to_string(&line).expect("a report serializes");
    out.push('\n');
    out
}

/// One entry as a resource of the HTML report; `zero` is the report's
/// start, in ms since the Unix epoch.
pub fn html_resource(report: &EntryReport, zero: f64) -> HtmlResource {
    let mut phases = Vec::new();
    let mut server_start = 0.0;
    if let Some(timing) = &report.timing {
        let mut t = timing.started - zero;
        if timing.redirect > 0.0 {
            phases.push(HtmlPhase {
                name: "Redirect",
                start: t,
                end: t + timing.redirect,
            });
            t += timing.redirect;
        }
        let names = [
            "Queueing and stalled",
            "DNS lookup",
            "Initial connection",
            "SSL",
            "Request sent",
            "Waiting (TTFB)",
            "Content download",
        ];
        for (i, (name, length)) in names.iter().zip(timing.phases).enumerate() {
            if i == 4 {
                server_start = t;
            }
            if length > 0.0 {
                phases.push(HtmlPhase {
                    name,
                    start: t,
                    end: t + length,
                });
                t += length;
            }
        }
    }
    let (spec, engines) = views(report);
    let groups = groups_if_any_differs(&spec, &engines, same_view)
        .into_iter()
        .map(|(members, view)| {
            let (says, metrics) = if same_view(view, &spec) {
                ("the same as the spec".to_owned(), Vec::new())
            } else if view.0 == &Visibility::Visible {
                (
                    "visible; show:".to_owned(),
                    view.1.iter().map(HtmlMetric::from).collect(),
                )
            } else {
                (view.0.reason(), Vec::new())
            };
            HtmlEngines {
                engines: engine_names(&members),
                says,
                metrics,
            }
        })
        .collect();
    HtmlResource {
        url: report.url.clone(),
        status: report.status,
        phases,
        server_start,
        metrics: report.metrics.iter().map(HtmlMetric::from).collect(),
        visible: report.visible == Visibility::Visible,
        reason: report.visible.reason(),
        engines: groups,
    }
}
