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
                .filter(|a| !a.is_empty())
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
    let metrics = entry.server_timing();
    let metric_origin = if entry.request_start() > 0.0 {
        entry.request_start()
    } else {
        start
    };
    let axis = Axis::new(entry, metric_origin, &metrics);
    let bar = |from: f64, to: f64| axis.bar(from, to);
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
        "\n  {:<22} {:>9} {:>9}  time axis: startTime .. {} ({} a column)",
        "phase",
        "from",
        "to",
        ms(axis.end),
        ms(axis.span / AXIS_WIDTH)
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
        for (i, metric) in metrics.iter().enumerate() {
            let d = metric.duration();
            let drawn = if d > 0.0 {
                bar(metric_origin, metric_origin + d)
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

/// Columns of the time axis.
const AXIS_WIDTH: f64 = 40.0;

/// The axis grows to the longest bar, but not past this many times the
/// entry's own duration (a metric of an hour would flatten every phase to
/// one column); a bar past the end is clipped and marked.
const AXIS_MAX_FACTOR: f64 = 100.0;

/// The waterfall's time axis: `startTime` to the end of the longest bar.
struct Axis {
    start: f64,
    end: f64,
    span: f64,
}

impl Axis {
    fn new(
        entry: &PerformanceResourceTiming,
        metric_origin: f64,
        metrics: &[server_timing::PerformanceServerTiming],
    ) -> Axis {
        let start = entry.start_time();
        let own = (entry.response_end() - start)
            .max(entry.duration())
            .max(1.0);
        let longest_metric = metrics
            .iter()
            .map(|m| m.duration())
            .filter(|d| d.is_finite() && *d > 0.0)
            .map(|d| metric_origin + d - start)
            .fold(0.0, f64::max);
        let span = own.max(longest_metric).min(own * AXIS_MAX_FACTOR);
        Axis {
            start,
            end: start + span,
            span,
        }
    }

    /// `   ####`, or `   ###>` when the bar goes past the axis (clipped).
    fn bar(&self, from: f64, to: f64) -> String {
        let column = |t: f64| ((t - self.start) / self.span) * AXIS_WIDTH;
        let a = column(from).round().clamp(0.0, AXIS_WIDTH) as usize;
        // NaN never reaches here (a metric is drawn only when > 0).
        let clipped = to > self.end + self.span * 1e-9;
        let b = column(to.min(self.end)).round().clamp(a as f64, AXIS_WIDTH) as usize;
        let length = (b - a).max(1);
        if clipped {
            format!(
                "{}{}> clipped (ends at {})",
                " ".repeat(a),
                "#".repeat(length.saturating_sub(1)),
                if to.is_finite() {
                    ms(to)
                } else {
                    "Infinity".to_owned()
                }
            )
        } else {
            format!("{}{}", " ".repeat(a), "#".repeat(length))
        }
    }
}

fn ms(value: f64) -> String {
    format!(
        "{}ms",
        fetch_headers::json::js_number_to_string((value * 1000.0).round() / 1000.0)
    )
}

/// When the server sent metrics the page does not see: how many, and why
/// (`2 metrics sent; hidden: no Timing-Allow-Origin for http://127.0.0.1:3001 on hop 1`).
pub fn hidden_metrics(measured: &MeasuredFetch, shown: usize, page: &PageFacts) -> Option<String> {
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
        match failed_check(measured) {
            Some(detail) => format!("hidden: the fetch failed: {detail}"),
            None => "hidden: the fetch failed".to_owned(),
        }
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

/// The hop and the header whose check made the fetch a network error
/// (`hop 2 http://…: Access-Control-Allow-Origin: x does not allow
/// http://…`), for a CORS or redirect failure.
pub fn failed_check(measured: &MeasuredFetch) -> Option<String> {
    use resource_timing::NetworkError;
    let error = measured.network_error()?;
    let hop = measured.hops.last()?;
    let at = format!("hop {} {}", measured.hops.len(), hop.url);
    let header = |name: &str| -> Option<String> {
        let values: Vec<String> = hop
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    };
    let location = || header("location").unwrap_or_default();
    let request = measured.fetch.request();
    let include = request.credentials_mode == resource_timing::CredentialsMode::Include;
    Some(match error {
        NetworkError::CorsCheckFailed => {
            let origin = resource_timing::request::serializing_a_request_origin(request);
            match header("access-control-allow-origin") {
                None => format!("{at}: no Access-Control-Allow-Origin (the request's origin is {origin})"),
                Some(value) if value == "*" && include => format!(
                    "{at}: Access-Control-Allow-Origin: * does not allow a request with credentials (include)"
                ),
                Some(value) if value != origin => {
                    format!("{at}: Access-Control-Allow-Origin: {value} does not allow {origin}")
                }
                Some(_) => format!(
                    "{at}: Access-Control-Allow-Credentials: {} is not `true` (credentials include)",
                    header("access-control-allow-credentials").unwrap_or_else(|| "(none)".into())
                ),
            }
        }
        NetworkError::InvalidRedirectLocation => {
            format!("{at}: Location: {} is not a valid URL", location())
        }
        NetworkError::RedirectToNonHttpScheme => {
            format!("{at}: Location: {} is not an http(s) URL", location())
        }
        NetworkError::RedirectWithCredentials => format!(
            "{at}: Location: {} has a username or password, which a CORS redirect may not",
            location()
        ),
        NetworkError::TooManyRedirects => format!("{at}: more than 20 redirects"),
        NetworkError::SameOriginModeViolation => {
            format!("{at}: a cross-origin URL in mode same-origin")
        }
        _ => return None,
    })
}
