//! `fetch --html FILE` and `har --html FILE`: one self-contained page (no
//! network, no external script or style). The data is embedded as JSON in a
//! `<script type="application/json" id="report-data">` block; the waterfall
//! is pre-rendered SVG (so what is drawn can be checked without running
//! script), and a small inline script builds the metrics table from the
//! JSON and counts what the SVG shows.
//!
//! Each resource is one row of phases, as DevTools' Timing tab names them
//! (queueing and stalled, redirect, DNS lookup, initial connection, SSL,
//! request sent, waiting (TTFB), content download), then one row per
//! Server-Timing metric drawn from where the server's time starts
//! (`requestStart`), visible metrics in colour, hidden ones grey with the
//! reason, then each engine's reading where it differs. The axis runs to
//! the end of the longest bar, at most 100 times the longest resource; a
//! bar past the end is clipped and marked.

use std::fmt::Write as _;

use serde::Serialize;
use server_timing::PerformanceServerTiming;

use super::json::JsNumber;

/// The whole report, as embedded in the page.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HtmlReport {
    /// The page's title: what was fetched or read.
    pub title: String,
    /// The page whose view this is (its origin), and whether it is secure.
    pub page: String,
    /// The resources, in order.
    pub resources: Vec<HtmlResource>,
    /// Resources left out of the picture (a HAR with very many entries).
    pub omitted: usize,
}

/// One resource's row.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HtmlResource {
    /// The URL.
    pub url: String,
    /// The final status.
    pub status: i64,
    /// The phases, in ms from the report's zero.
    pub phases: Vec<HtmlPhase>,
    /// Where the server's time starts (`requestStart`), in ms from the
    /// report's zero: the metrics are drawn from here.
    pub server_start: f64,
    /// The metrics the server sent, as the spec reads them.
    pub metrics: Vec<HtmlMetric>,
    /// Whether the page sees them.
    pub visible: bool,
    /// `visible`, or why not.
    pub reason: String,
    /// Each engine's reading, grouped, where one differs from the spec's.
    pub engines: Vec<HtmlEngines>,
}

/// One phase bar.
#[derive(Debug, Serialize)]
pub struct HtmlPhase {
    /// DevTools' name for it.
    pub name: &'static str,
    /// Start, in ms from the report's zero.
    pub start: f64,
    /// End, in ms from the report's zero.
    pub end: f64,
}

/// One metric.
#[derive(Debug, Serialize)]
pub struct HtmlMetric {
    /// `name`.
    pub name: String,
    /// `duration` (as `JSON.stringify` writes it).
    pub duration: JsNumber,
    /// `description`.
    pub description: String,
}

impl From<&PerformanceServerTiming> for HtmlMetric {
    fn from(m: &PerformanceServerTiming) -> Self {
        HtmlMetric {
            name: m.name().to_owned(),
            duration: JsNumber(m.duration()),
            description: m.description().to_owned(),
        }
    }
}

/// Engines that read or expose a resource alike, where that differs from
/// the spec (or, listed with them, the ones that agree with it).
#[derive(Debug, Serialize)]
pub struct HtmlEngines {
    /// `chromium (Chromium 156), webkit (WebKitGTK 2.50)`.
    pub engines: String,
    /// What their pages see, in words.
    pub says: String,
    /// The metrics they show, when that is a list other than the spec's.
    pub metrics: Vec<HtmlMetric>,
}

fn phase_colour(name: &str) -> &'static str {
    match name {
        "Queueing and stalled" => "#b0b7c3",
        "Redirect" => "#9e7cc1",
        "DNS lookup" => "#1f9c8f",
        "Initial connection" => "#e8892b",
        "SSL" => "#b857c2",
        "Request sent" => "#5a8f29",
        "Waiting (TTFB)" => "#2aa35a",
        _ => "#2d7be0",
    }
}

/// Layout, in CSS pixels.
const LABEL_WIDTH: f64 = 360.0;
const PLOT_WIDTH: f64 = 760.0;
const ROW: f64 = 22.0;
const METRIC_ROW: f64 = 18.0;
const AXIS_HEIGHT: f64 = 28.0;
/// The axis grows to the longest bar, at most this many times the longest resource.
const AXIS_MAX_FACTOR: f64 = 100.0;

/// `&`, `<`, `>`, `"` and `'` escaped, for text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A number of ms as the labels show it.
fn ms(value: f64) -> String {
    if value.is_finite() {
        format!(
            "{} ms",
            fetch_headers::json::js_number_to_string((value * 100.0).round() / 100.0)
        )
    } else {
        fetch_headers::json::js_number_to_string(value)
    }
}

impl HtmlReport {
    /// Where the axis ends, in ms: the end of the longest bar, phases and
    /// metrics, at most [`AXIS_MAX_FACTOR`] times the longest resource.
    pub fn axis_end(&self) -> f64 {
        let phases = self
            .resources
            .iter()
            .flat_map(|r| &r.phases)
            .map(|p| p.end)
            .fold(1.0, f64::max);
        let metrics = self
            .resources
            .iter()
            .flat_map(|r| {
                r.metrics
                    .iter()
                    .chain(r.engines.iter().flat_map(|e| &e.metrics))
                    .map(move |m| r.server_start + m.duration.0)
            })
            .filter(|end| end.is_finite())
            .fold(0.0, f64::max);
        phases.max(metrics).min(phases * AXIS_MAX_FACTOR)
    }

    /// The page.
    pub fn to_html(&self) -> String {
        let json = serde_json::to_string(self)
            .expect("a report serializes")
            // Nothing in the data can close the script element.
            .replace('<', "\\u003c");
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"generator\" content=\"server-timing {}\">\n\
             <title>Server-Timing: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
             <h1>Server-Timing: {}</h1>\n<p class=\"page\">{}</p>\n",
            env!("CARGO_PKG_VERSION"),
            escape(&self.title),
            escape(&self.title),
            escape(&self.page)
        );
        out.push_str("<p class=\"legend\">");
        for name in [
            "Queueing and stalled",
            "Redirect",
            "DNS lookup",
            "Initial connection",
            "SSL",
            "Request sent",
            "Waiting (TTFB)",
            "Content download",
        ] {
            let _ = write!(
                out,
                "<span><i style=\"background:{}\"></i>{name}</span>",
                phase_colour(name)
            );
        }
        out.push_str(
            "<span><i class=\"visible\"></i>Server-Timing, visible</span>\
             <span><i class=\"hidden\"></i>Server-Timing, hidden from the page</span>\
             <span><i class=\"engine\"></i>an engine's reading</span></p>\n",
        );
        out.push_str(&self.svg());
        if self.omitted > 0 {
            let _ = writeln!(
                out,
                "<p class=\"omitted\">{} more resources are not drawn.</p>",
                self.omitted
            );
        }
        let _ = write!(
            out,
            "<h2>Metrics</h2>\n<table id=\"metrics\"><thead><tr><th>resource</th><th>metric</th>\
             <th>duration</th><th>description</th><th>the page sees it</th></tr></thead>\
             <tbody></tbody></table>\n<p id=\"drawn\"></p>\n\
             <script type=\"application/json\" id=\"report-data\">{json}</script>\n\
             <script>{SCRIPT}</script>\n</body>\n</html>\n"
        );
        out
    }

    /// The waterfall, pre-rendered.
    fn svg(&self) -> String {
        let axis_end = self.axis_end();
        let x = |t: f64| LABEL_WIDTH + (t.clamp(0.0, axis_end) / axis_end) * PLOT_WIDTH;
        let mut body = String::new();
        let mut y = AXIS_HEIGHT;
        // The axis: five ticks.
        for i in 0..=4 {
            let t = axis_end * f64::from(i) / 4.0;
            let _ = write!(
                body,
                "<line class=\"tick\" x1=\"{0:.2}\" x2=\"{0:.2}\" y1=\"{1}\" y2=\"100%\"/>\
                 <text class=\"tick-label\" x=\"{0:.2}\" y=\"{2}\">{3}</text>",
                x(t),
                AXIS_HEIGHT - 6.0,
                AXIS_HEIGHT - 10.0,
                escape(&ms(t))
            );
        }
        for (index, resource) in self.resources.iter().enumerate() {
            let _ = write!(
                body,
                "<g class=\"resource\" data-index=\"{index}\"><text class=\"url\" x=\"4\" y=\"{:.1}\">\
                 <title>{}</title>{} {}</text>",
                y + 15.0,
                escape(&resource.url),
                resource.status,
                escape(&shorten(&resource.url, 52))
            );
            for phase in &resource.phases {
                let width = (x(phase.end) - x(phase.start)).max(1.0);
                let _ = write!(
                    body,
                    "<rect class=\"bar phase\" data-phase=\"{}\" data-start=\"{}\" data-end=\"{}\" \
                     x=\"{:.2}\" y=\"{:.1}\" width=\"{width:.2}\" height=\"{}\" fill=\"{}\">\
                     <title>{}: {} ({} to {})</title></rect>",
                    escape(phase.name),
                    phase.start,
                    phase.end,
                    x(phase.start),
                    y + 4.0,
                    ROW - 8.0,
                    phase_colour(phase.name),
                    escape(phase.name),
                    ms(phase.end - phase.start),
                    ms(phase.start),
                    ms(phase.end)
                );
            }
            y += ROW;
            let state = if resource.visible {
                "visible"
            } else {
                "hidden"
            };
            for metric in &resource.metrics {
                y = self.metric_row(
                    &mut body,
                    y,
                    resource,
                    metric,
                    state,
                    axis_end,
                    &format!("{} {}", metric.name, ms(metric.duration.0)),
                );
            }
            if !resource.visible && !resource.metrics.is_empty() {
                let _ = write!(
                    body,
                    "<text class=\"reason\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                    LABEL_WIDTH,
                    y + 13.0,
                    escape(&resource.reason)
                );
                y += METRIC_ROW;
            }
            for group in &resource.engines {
                let _ = write!(
                    body,
                    "<text class=\"engines\" x=\"24\" y=\"{:.1}\">{}: {}</text>",
                    y + 13.0,
                    escape(&group.engines),
                    escape(&group.says)
                );
                y += METRIC_ROW;
                for metric in &group.metrics {
                    y = self.metric_row(
                        &mut body,
                        y,
                        resource,
                        metric,
                        "engine",
                        axis_end,
                        &format!("{} {}", metric.name, ms(metric.duration.0)),
                    );
                }
            }
            body.push_str("</g>");
            y += 6.0;
        }
        // Room on the right for the last tick's label and a clip mark.
        let width = LABEL_WIDTH + PLOT_WIDTH + 60.0;
        format!(
            "<svg id=\"waterfall\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{:.0}\" \
             data-axis-end=\"{axis_end}\" data-plot-x=\"{LABEL_WIDTH}\" data-plot-width=\"{PLOT_WIDTH}\">{body}</svg>\n",
            y + 4.0
        )
    }

    /// One metric's bar, from the resource's server start; returns the next row's y.
    #[allow(clippy::too_many_arguments)]
    fn metric_row(
        &self,
        body: &mut String,
        y: f64,
        resource: &HtmlResource,
        metric: &HtmlMetric,
        state: &str,
        axis_end: f64,
        label: &str,
    ) -> f64 {
        let x = |t: f64| LABEL_WIDTH + (t.clamp(0.0, axis_end) / axis_end) * PLOT_WIDTH;
        let d = metric.duration.0;
        let start = resource.server_start;
        let end = start + if d > 0.0 { d } else { 0.0 };
        let clipped = end > axis_end;
        let width = if d > 0.0 {
            (x(end) - x(start)).max(1.0)
        } else {
            0.0
        };
        let _ = write!(
            body,
            "<text class=\"metric-name {state}\" x=\"{:.1}\" y=\"{:.1}\">{}</text>\
             <rect class=\"bar metric {state}{}\" data-name=\"{}\" data-duration=\"{}\" \
             x=\"{:.2}\" y=\"{:.1}\" width=\"{width:.2}\" height=\"{}\">\
             <title>{}{}</title></rect>",
            LABEL_WIDTH - 8.0,
            y + 13.0,
            escape(label),
            if clipped { " clipped" } else { "" },
            escape(&metric.name),
            fetch_headers::json::js_number_to_string(d),
            x(start),
            y + 3.0,
            METRIC_ROW - 6.0,
            escape(&metric.name),
            if metric.description.is_empty() {
                String::new()
            } else {
                format!(" ({})", escape(&metric.description))
            }
        );
        if clipped {
            let tip = x(end);
            let _ = write!(
                body,
                "<path class=\"clip-mark\" d=\"M{:.2} {:.1} l8 {:.1} l-8 {:.1} z\"><title>clipped: ends at {}</title></path>",
                tip,
                y + 1.0,
                (METRIC_ROW - 2.0) / 2.0,
                (METRIC_ROW - 2.0) / 2.0,
                escape(&ms(end))
            );
        }
        y + METRIC_ROW
    }
}

/// The URL cut to `max` characters with `…` in the middle.
fn shorten(url: &str, max: usize) -> String {
    let chars: Vec<char> = url.chars().collect();
    if chars.len() <= max {
        return url.to_owned();
    }
    let head: String = chars[..max / 2].iter().collect();
    let tail: String = chars[chars.len() - (max - max / 2 - 1)..].iter().collect();
    format!("{head}…{tail}")
}

const STYLE: &str = "\
body{font:14px system-ui,sans-serif;margin:16px;color:#1d2430;background:#fff}\
h1{font-size:18px;margin:0 0 4px}h2{font-size:16px}.page{color:#555;margin:0 0 12px}\
svg text{font:12px ui-monospace,monospace;fill:#1d2430}\
.tick{stroke:#e3e6ea}.tick-label{fill:#777;text-anchor:middle}\
.metric-name{text-anchor:end}.metric-name.hidden{fill:#888}\
.bar.metric.visible{fill:#e0457b}.bar.metric.hidden{fill:#c7c9cc}\
.bar.metric.engine{fill:#f0a35e}.reason{fill:#8a5a00}.engines{fill:#6b4fa0}\
.clip-mark{fill:#d00}\
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}\
tr.hidden td{color:#888}\
.legend span{margin-right:12px;white-space:nowrap;font-size:12px}\
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}\
.legend i.visible{background:#e0457b}.legend i.hidden{background:#c7c9cc}.legend i.engine{background:#f0a35e}";

const SCRIPT: &str = "\
(function(){\
var data=JSON.parse(document.getElementById('report-data').textContent);\
var body=document.querySelector('#metrics tbody');\
data.resources.forEach(function(r){r.metrics.forEach(function(m){\
var tr=document.createElement('tr');tr.className=r.visible?'visible':'hidden';\
[r.url,m.name,m.duration===null?'Infinity':m.duration+' ms',m.description,r.reason]\
.forEach(function(v){var td=document.createElement('td');td.textContent=v;tr.appendChild(td);});\
body.appendChild(tr);});});\
var bars=document.querySelectorAll('#waterfall rect.bar');\
var metrics=document.querySelectorAll('#waterfall rect.bar.metric:not(.engine)');\
document.getElementById('drawn').textContent=bars.length+' bars drawn, '+metrics.length+' of them Server-Timing metrics';\
document.body.setAttribute('data-metric-bars',String(metrics.length));\
})();";

#[cfg(test)]
mod tests {
    use super::*;

    fn report(duration: f64) -> HtmlReport {
        HtmlReport {
            title: "t".into(),
            page: "p".into(),
            omitted: 0,
            resources: vec![HtmlResource {
                url: "https://a.example/<x>".into(),
                status: 200,
                phases: vec![HtmlPhase {
                    name: "Waiting (TTFB)",
                    start: 1.0,
                    end: 10.0,
                }],
                server_start: 1.0,
                metrics: vec![HtmlMetric {
                    name: "db".into(),
                    duration: JsNumber(duration),
                    description: "</script>".into(),
                }],
                visible: true,
                reason: "visible".into(),
                engines: Vec::new(),
            }],
        }
    }

    #[test]
    fn the_axis_runs_to_the_longest_bar_and_clips_past_the_cap() {
        assert_eq!(report(5.0).axis_end(), 10.0);
        assert_eq!(report(50.0).axis_end(), 51.0);
        let far = report(1e9);
        assert_eq!(far.axis_end(), 1000.0);
        assert!(far.to_html().contains("bar metric visible clipped"));
        assert!(!report(50.0).to_html().contains("clipped"));
    }

    #[test]
    fn nothing_in_the_data_escapes_its_element() {
        let html = report(5.0).to_html();
        assert_eq!(html.matches("</script>").count(), 2, "{html}");
        assert!(html.contains("https://a.example/&lt;x&gt;"));
    }
}
