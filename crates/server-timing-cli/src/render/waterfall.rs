//! `fetch`'s readable form: the hops, then the phases and the server's
//! metrics on one time axis.

use std::fmt::Write as _;

use measured_fetch::client::MeasuredFetch;
use performance_timeline::PerformanceEntry;
use resource_timing::PerformanceResourceTiming;
use url::Url;

/// What the waterfall says of the page.
pub struct PageFacts {
    /// The page's origin, serialized.
    pub origin: String,
    /// Whether it is a secure context.
    pub secure: bool,
}

/// The readable form: hops, then the phases and the server's metrics on one time axis.
pub fn waterfall(
    measured: &MeasuredFetch,
    entry: &PerformanceResourceTiming,
    page: &PageFacts,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "page {} ({}){}",
        page.origin,
        if page.secure {
            "secure context"
        } else {
            "not a secure context"
        },
        match &entry.name() {
            name if Url::parse(name).map(|u| u.origin().ascii_serialization())
                == Ok(page.origin.clone()) =>
            {
                ", same-origin"
            }
            _ => ", cross-origin",
        }
    );
    for (i, hop) in measured.hops.iter().enumerate() {
        let interim = match (hop.interim.first_status, hop.interim.count) {
            (Some(status), 1) => format!("{status} then "),
            (Some(status), count) => format!("{status} (+{} interim) then ", count - 1),
            (None, _) => String::new(),
        };
        let status = if hop.status == 0 {
            "no response".to_owned()
        } else {
            hop.status.to_string()
        };
        let _ = writeln!(
            out,
            "hop {}: GET {} -> {}{} {}{}{}",
            i + 1,
            hop.url,
            interim,
            status,
            hop.protocol_name(),
            hop.alpn
                .as_deref()
                .map(|a| format!(" (ALPN {a})"))
                .unwrap_or_default(),
            if hop.reused {
                ", reused connection"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(
        out,
        "\nPerformanceResourceTiming {}\n  startTime {}  duration {}  transferSize {}  responseStatus {}  nextHopProtocol {:?}",
        entry.name(),
        ms(entry.start_time()),
        ms(entry.duration()),
        entry.transfer_size(),
        entry.response_status(),
        entry.next_hop_protocol()
    );
    let start = entry.start_time();
    let span = entry.duration().max(1.0);
    let width = 40.0;
    let bar = |from: f64, to: f64| -> String {
        let a = (((from - start) / span) * width).round().clamp(0.0, width) as usize;
        let b = (((to - start) / span) * width)
            .round()
            .clamp(a as f64, width) as usize;
        format!("{}{}", " ".repeat(a), "#".repeat((b - a).max(1)))
    };
    let phase = |out: &mut String, name: &str, from: f64, to: f64| {
        if from == 0.0 || to == 0.0 {
            let _ = writeln!(out, "  {name:<22} {:>9} {:>9}  (hidden or none)", "-", "-");
        } else {
            let _ = writeln!(
                out,
                "  {name:<22} {:>9} {:>9}  |{}",
                ms(from),
                ms(to),
                bar(from, to)
            );
        }
    };
    let _ = writeln!(
        out,
        "\n  {:<22} {:>9} {:>9}  time axis: startTime .. responseEnd",
        "phase", "from", "to"
    );
    phase(
        &mut out,
        "redirect",
        entry.redirect_start(),
        entry.redirect_end(),
    );
    phase(
        &mut out,
        "dns",
        entry.domain_lookup_start(),
        entry.domain_lookup_end(),
    );
    phase(
        &mut out,
        "connect",
        entry.connect_start(),
        entry.connect_end(),
    );
    if entry.secure_connection_start() > 0.0 {
        phase(
            &mut out,
            "tls",
            entry.secure_connection_start(),
            entry.connect_end(),
        );
    }
    phase(
        &mut out,
        "request -> response",
        entry.request_start(),
        entry.response_start(),
    );
    if entry.first_interim_response_start() > 0.0 {
        phase(
            &mut out,
            "interim -> final",
            entry.first_interim_response_start(),
            entry.final_response_headers_start(),
        );
    }
    phase(
        &mut out,
        "response",
        entry.response_start(),
        entry.response_end(),
    );
    let metrics = entry.server_timing();
    if let Some(line) = hidden_metrics(measured, metrics.len(), page) {
        let _ = writeln!(out, "\n{line}");
    }
    if !entry.has_server_timing_attribute() {
        let _ = writeln!(out, "\nserverTiming: (no such attribute for this page)");
    } else if metrics.is_empty() {
        let _ = writeln!(
            out,
            "\nserverTiming: [] (nothing exposed, or no Server-Timing header)"
        );
    } else {
        let _ = writeln!(
            out,
            "\nserverTiming, each drawn from requestStart (a metric has no start time of its own):"
        );
        let origin = if entry.request_start() > 0.0 {
            entry.request_start()
        } else {
            start
        };
        for (i, metric) in metrics.iter().enumerate() {
            let d = metric.duration();
            let drawn = if d.is_finite() && d > 0.0 {
                bar(origin, origin + d)
            } else {
                String::new()
            };
            let _ = writeln!(out, "  {i}: {metric}");
            if !drawn.is_empty() {
                let _ = writeln!(out, "  {:<22} {:>9} {:>9}  |{}", "", "", "", drawn);
            }
        }
    }
    out
}

fn ms(value: f64) -> String {
    format!(
        "{}ms",
        fetch_headers::json::js_number_to_string((value * 1000.0).round() / 1000.0)
    )
}

/// When the server sent metrics the page does not see: how many, and why
/// (`2 metrics sent; hidden: no Timing-Allow-Origin for http://127.0.0.1:3001 on hop 1`).
fn hidden_metrics(measured: &MeasuredFetch, shown: usize, page: &PageFacts) -> Option<String> {
    let last = measured.hops.last()?;
    let lines: Vec<&[u8]> = last
        .headers
        .get_all("server-timing")
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    let sent = server_timing::engines::Engine::Spec.parse(lines).len();
    if sent <= shown {
        return None;
    }
    let count = if sent == 1 {
        "1 metric sent".to_owned()
    } else {
        format!("{sent} metrics sent")
    };
    let why = if measured.network_error().is_some() {
        "hidden: the fetch failed".to_owned()
    } else if !page.secure {
        "hidden: not a secure context".to_owned()
    } else {
        let mut why = None;
        for (i, hop) in measured.hops.iter().enumerate() {
            if hop.url.origin().ascii_serialization() == page.origin {
                continue;
            }
            let tao: Vec<String> = hop
                .headers
                .get_all("timing-allow-origin")
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            let allowed = tao
                .iter()
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .any(|v| v == "*" || v == page.origin);
            if !allowed {
                why = Some(if tao.is_empty() {
                    format!(
                        "hidden: no Timing-Allow-Origin for {} on hop {} ({})",
                        page.origin,
                        i + 1,
                        hop.url
                    )
                } else {
                    format!(
                        "hidden: hop {} ({}) sent Timing-Allow-Origin: {}, which does not name {}",
                        i + 1,
                        hop.url,
                        tao.join(", "),
                        page.origin
                    )
                });
                break;
            }
        }
        why.unwrap_or_else(|| "hidden by the engine's exposure policy (docs/policies.md)".into())
    };
    Some(format!("{count}; {why}"))
}
