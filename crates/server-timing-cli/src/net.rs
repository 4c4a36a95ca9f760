//! `server-timing fetch`, `serve` and `demo`: real HTTP on loopback
//! through the `measured-fetch` crate.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use loopback_server::{Server, ServerOptions};
use measured_fetch::client::{fetch, ConnectionPool, FetchOptions, MeasuredFetch};
use measured_fetch::tls::certificates_from_pem;
use measured_fetch::{Clock, Page};
use performance_timeline::PerformanceEntry;
use resource_timing::policy::Engine;
use resource_timing::{
    CredentialsMode, ExposurePolicy, FetchClient, PerformanceResourceTiming, RequestMode,
};
use url::Url;

use crate::{print_stdout, CliError};

pub const FETCH_USAGE: &str = "\
server-timing fetch: fetch a URL as a page would, and show its resource timing entry

USAGE:
    server-timing fetch URL [OPTIONS]

The fetch is real (DNS, TCP, TLS, HTTP/1.1 or HTTP/2), and every event is
timed and fed to the resource-timing pipeline, which decides what the page
may see: Timing-Allow-Origin, CORS, secure-context gating.

OPTIONS:
    --client-origin ORIGIN   The fetching page's origin (default: the URL's own,
                             so the fetch is same-origin)
    --insecure-client        The page is not a secure context (by default it is one
                             when its origin is https, loopback or localhost)
    --cross-origin-isolated  The page has cross-origin isolated capability (5 µs clock)
    --mode MODE              cors (default), no-cors or same-origin
    --credentials MODE       omit, same-origin (default) or include
    --engine ENGINE          Expose what ENGINE would: spec (default), chromium,
                             firefox or webkit (docs/policies.md)
    --ca FILE                Trust the PEM certificates in FILE for https (there are
                             no system roots: this tool is for your own servers)
    --timeout MS             Give up on any one step after MS milliseconds (10000)
    --json                   Print the entry's toJSON() on one line
    -h, --help               Print this help

A network error still makes an entry (the zeroed one a page would see); it is
printed, the error goes to stderr, and the exit status is 1.

EXAMPLE:
    server-timing serve &
    server-timing fetch http://127.0.0.1:3000/
    server-timing fetch --client-origin http://127.0.0.1:3001 'http://127.0.0.1:3000/?acao=*&tao=*'
";

pub const SERVE_USAGE: &str = "\
server-timing serve: serve the MDN example and test routes on loopback

USAGE:
    server-timing serve [--addr 127.0.0.1:3000] [--tls] [--delay MS]

Two origins listen: ADDR and the next port (so a page on one is cross-origin
to the other). Every route honours the repeatable query parameters st=
(Server-Timing), tao= (Timing-Allow-Origin) and acao= (Access-Control-Allow-
Origin; acao=origin echoes the request's Origin).

ROUTES:
    /                    the MDN example: Server-Timing: cache;desc=\"Cache Read\";dur=23.2,
                         db;dur=53, app;dur=47.2, then the body after --delay (1000 ms)
    /echo?status=N       the query's headers and status
    /redirect?to=URL     a 302 to URL (status=301|303|307|308 for others)
    /early-hints         103 Early Hints, then 200 (HTTP/1.1)
    /slow?ms=N           the body in four pieces N ms apart
    /reset               drops the connection in the middle of the body
    /bad-header          sends a header value with a control byte
    /hang                never answers

OPTIONS:
    --addr ADDR     The first origin's address (loopback only; default 127.0.0.1:3000)
    --tls           Serve https with a certificate made now; the CA is written to
                    a file whose path is printed, for `fetch --ca`
    --delay MS      The MDN route's delay before its body (default 1000)
    -h, --help      Print this help

Stops cleanly on Ctrl-C.
";

pub const DEMO_USAGE: &str = "\
server-timing demo: what four pages would see of the MDN example

USAGE:
    server-timing demo [--json]

Starts the test server in-process on free loopback ports, fetches its MDN
example route as four pages would (same-origin; cross-origin without
Timing-Allow-Origin; cross-origin with it; a page that is not a secure
context), and prints what each page's
performance.getEntriesByType('resource')[0].serverTiming shows. No setup,
no network beyond loopback; it takes about a second.

OPTIONS:
    --json      One JSON object per page on one line
    -h, --help  Print this help
";

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))
}

fn utf8(arg: &OsString) -> Result<&str, CliError> {
    arg.to_str()
        .ok_or_else(|| CliError::Usage(format!("argument {arg:?} is not valid UTF-8")))
}

fn value<'a>(args: &'a [OsString], i: &mut usize, flag: &str) -> Result<&'a str, CliError> {
    *i += 1;
    let arg = args
        .get(*i)
        .ok_or_else(|| CliError::Usage(format!("{flag} needs a value")))?;
    utf8(arg)
}

// ----- fetch -----------------------------------------------------------------

struct FetchArgs {
    url: Url,
    client_origin: Option<Url>,
    insecure: bool,
    isolated: bool,
    mode: RequestMode,
    credentials: CredentialsMode,
    engine: Engine,
    ca: Option<String>,
    timeout: Duration,
    json: bool,
}

fn parse_fetch_args(args: &[OsString]) -> Result<Option<FetchArgs>, CliError> {
    let mut url = None;
    let mut parsed = FetchArgs {
        url: Url::parse("http://unset.invalid/").expect("static URL"),
        client_origin: None,
        insecure: false,
        isolated: false,
        mode: RequestMode::Cors,
        credentials: CredentialsMode::SameOrigin,
        engine: Engine::Spec,
        ca: None,
        timeout: Duration::from_secs(10),
        json: false,
    };
    let mut i = 0;
    while i < args.len() {
        let arg = utf8(&args[i])?;
        match arg {
            "-h" | "--help" => return Ok(None),
            "--json" => parsed.json = true,
            "--insecure-client" => parsed.insecure = true,
            "--cross-origin-isolated" => parsed.isolated = true,
            "--client-origin" => {
                let text = value(args, &mut i, arg)?;
                let origin = Url::parse(text)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .ok_or_else(|| {
                        CliError::Usage(format!(
                            "--client-origin {text:?} is not an http(s) origin"
                        ))
                    })?;
                parsed.client_origin = Some(origin);
            }
            "--mode" => {
                parsed.mode = match value(args, &mut i, arg)? {
                    "cors" => RequestMode::Cors,
                    "no-cors" => RequestMode::NoCors,
                    "same-origin" => RequestMode::SameOrigin,
                    other => {
                        return Err(CliError::Usage(format!(
                            "--mode {other:?}: expected cors, no-cors or same-origin"
                        )))
                    }
                }
            }
            "--credentials" => {
                parsed.credentials = match value(args, &mut i, arg)? {
                    "omit" => CredentialsMode::Omit,
                    "same-origin" => CredentialsMode::SameOrigin,
                    "include" => CredentialsMode::Include,
                    other => {
                        return Err(CliError::Usage(format!(
                            "--credentials {other:?}: expected omit, same-origin or include"
                        )))
                    }
                }
            }
            "--engine" => {
                parsed.engine = value(args, &mut i, arg)?.parse().map_err(
                    |e: server_timing::engines::UnknownEngine| CliError::Usage(e.to_string()),
                )?
            }
            "--ca" => parsed.ca = Some(value(args, &mut i, arg)?.to_owned()),
            "--timeout" => {
                let text = value(args, &mut i, arg)?;
                let ms: u64 = text.parse().ok().filter(|ms| *ms > 0).ok_or_else(|| {
                    CliError::Usage(format!("--timeout {text:?} is not a positive number of ms"))
                })?;
                parsed.timeout = Duration::from_millis(ms);
            }
            flag if flag.starts_with('-') && flag.len() > 1 => {
                return Err(CliError::Usage(format!(
                    "unknown option {flag:?} for fetch"
                )))
            }
            text => {
                if url.is_some() {
                    return Err(CliError::Usage("fetch takes one URL".into()));
                }
                url = Some(
                    Url::parse(text)
                        .map_err(|e| CliError::Usage(format!("{text:?} is not a URL: {e}")))?,
                );
            }
        }
        i += 1;
    }
    parsed.url = url.ok_or_else(|| CliError::Usage("fetch needs a URL".into()))?;
    if !matches!(parsed.url.scheme(), "http" | "https") {
        return Err(CliError::Usage(format!(
            "cannot fetch a {}: URL (only http and https)",
            parsed.url.scheme()
        )));
    }
    Ok(Some(parsed))
}

pub fn run_fetch(args: Vec<OsString>) -> Result<ExitCode, CliError> {
    let Some(args) = parse_fetch_args(&args)? else {
        print_stdout(FETCH_USAGE)?;
        return Ok(ExitCode::SUCCESS);
    };
    let roots = match &args.ca {
        None => Vec::new(),
        Some(path) => {
            let pem = std::fs::read(path)
                .map_err(|e| CliError::Failed(format!("cannot read {path}: {e}")))?;
            certificates_from_pem(&pem).map_err(|e| CliError::Failed(format!("{path}: {e}")))?
        }
    };
    let page_url = args
        .client_origin
        .clone()
        .unwrap_or_else(|| args.url.clone());
    let mut client =
        FetchClient::for_page(&page_url).with_policy(ExposurePolicy::for_engine(args.engine));
    if args.insecure {
        client.is_secure_context = false;
    }
    client.cross_origin_isolated_capability = args.isolated;
    let clock = Clock::new();
    let page = Page::with_client(&page_url, client.clone(), &clock);
    let mut options = FetchOptions::new(client);
    options.mode = args.mode;
    options.credentials = args.credentials;
    options.roots = roots;
    options.timeout = args.timeout;
    // As in a browser, a redirect to the same origin goes over the same connection.
    options.pool = Some(ConnectionPool::new());
    let measured = runtime()?
        .block_on(fetch(args.url.clone(), &options, &clock))
        .map_err(|e| CliError::Failed(e.to_string()))?;
    let entry = measured
        .report_timing(page.performance())
        .ok_or_else(|| CliError::Failed("the fetch reported no entry".into()))?;
    if args.json {
        print_stdout(&format!("{}\n", entry.to_json()))?;
    } else {
        let page_facts = PageFacts {
            origin: page_url.origin().ascii_serialization(),
            secure: page.client().is_secure_context,
        };
        print_stdout(&waterfall(&measured, &entry, &page_facts))?;
    }
    if let Some(error) = measured.network_error() {
        eprintln!("server-timing: network error: {error}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

struct PageFacts {
    origin: String,
    secure: bool,
}

/// The readable form: hops, then the phases and the server's metrics on one time axis.
fn waterfall(
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

// ----- serve -----------------------------------------------------------------

pub fn run_serve(args: Vec<OsString>) -> Result<ExitCode, CliError> {
    let mut addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 3000));
    let mut tls = false;
    let mut delay = Duration::from_secs(1);
    let mut i = 0;
    while i < args.len() {
        let arg = utf8(&args[i])?;
        match arg {
            "-h" | "--help" => {
                print_stdout(SERVE_USAGE)?;
                return Ok(ExitCode::SUCCESS);
            }
            "--tls" => tls = true,
            "--addr" => {
                let text = value(&args, &mut i, arg)?;
                addr = text.parse().map_err(|_| {
                    CliError::Usage(format!(
                        "--addr {text:?} is not an address like 127.0.0.1:3000"
                    ))
                })?;
                if !addr.ip().is_loopback() {
                    return Err(CliError::Usage(format!(
                        "--addr {text}: the server listens on loopback only (127.0.0.0/8 or ::1)"
                    )));
                }
            }
            "--delay" => {
                let text = value(&args, &mut i, arg)?;
                let ms: u64 = text.parse().map_err(|_| {
                    CliError::Usage(format!("--delay {text:?} is not a number of ms"))
                })?;
                delay = Duration::from_millis(ms);
            }
            other => {
                return Err(CliError::Usage(format!(
                    "unknown argument {other:?} for serve"
                )))
            }
        }
        i += 1;
    }
    let other_addr = SocketAddr::new(
        addr.ip(),
        if addr.port() == 0 {
            0
        } else {
            addr.port().wrapping_add(1)
        },
    );
    let runtime = runtime()?;
    runtime.block_on(async move {
        let server = Server::start(ServerOptions {
            addr,
            other_addr,
            tls,
            mdn_delay: delay,
            ..ServerOptions::default()
        })
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;
        let mut text = String::new();
        let _ = writeln!(text, "serving two origins (Ctrl-C stops):");
        let _ = writeln!(text, "  {}", server.origin());
        let _ = writeln!(text, "  {}", server.other_origin());
        if let Some(pem) = server.ca_pem() {
            let path =
                std::env::temp_dir().join(format!("server-timing-ca-{}.pem", std::process::id()));
            std::fs::write(&path, pem)
                .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))?;
            let _ = writeln!(text, "test CA (for fetch --ca): {}", path.display());
        }
        let base = server.origin();
        for route in [
            "",
            "echo?st=db;dur=53&tao=*",
            "redirect?to=/echo",
            "early-hints",
            "slow?ms=200",
        ] {
            let _ = writeln!(text, "  {base}{route}");
        }
        print_stdout(&text)?;
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        print_stdout("stopped\n")?;
        Ok::<_, CliError>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

// ----- demo ------------------------------------------------------------------

pub fn run_demo(args: Vec<OsString>) -> Result<ExitCode, CliError> {
    let mut json = false;
    for arg in &args {
        match utf8(arg)? {
            "-h" | "--help" => {
                print_stdout(DEMO_USAGE)?;
                return Ok(ExitCode::SUCCESS);
            }
            "--json" => json = true,
            other => {
                return Err(CliError::Usage(format!(
                    "unknown argument {other:?} for demo"
                )))
            }
        }
    }
    let runtime = runtime()?;
    let output = runtime.block_on(async move {
        let server = Server::start(ServerOptions {
            mdn_delay: Duration::from_millis(50),
            ..ServerOptions::default()
        })
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;
        let clock = Clock::new();
        let resource_origin = server.origin().clone();
        let other = server.other_origin().clone();
        let other_serialized = other.origin().ascii_serialization();
        let insecure_page = Url::parse("http://shop.example/").expect("static URL");
        let pages: [(&str, Url, String); 4] = [
            ("a same-origin page", resource_origin.clone(), "/".to_owned()),
            ("a cross-origin page, no Timing-Allow-Origin", other.clone(), "/?acao=*".to_owned()),
            (
                "a cross-origin page, Timing-Allow-Origin names it",
                other.clone(),
                format!("/?acao=*&tao={other_serialized}"),
            ),
            ("a page that is not a secure context", insecure_page, "/?acao=*&tao=*".to_owned()),
        ];
        let mut out = String::new();
        for (label, page_url, target) in pages {
            let page = Page::new(&page_url, &clock);
            let options = FetchOptions::new(page.client().clone());
            let resource = resource_origin.join(&target).expect("a route URL");
            let measured = fetch(resource.clone(), &options, &clock)
                .await
                .map_err(|e| CliError::Failed(e.to_string()))?;
            let entry = measured
                .report_timing(page.performance())
                .ok_or_else(|| CliError::Failed("no entry was reported".into()))?;
            if let Some(error) = measured.network_error() {
                return Err(CliError::Failed(format!("the demo fetch of {resource} failed: {error}")));
            }
            let metrics = entry.server_timing();
            if json {
                let list: Vec<String> = metrics.iter().map(|m| m.to_json()).collect();
                let mut label_json = String::new();
                fetch_headers::json::write_json_string(&mut label_json, label);
                let mut page_json = String::new();
                fetch_headers::json::write_json_string(&mut page_json, &page.client().origin.ascii_serialization());
                let mut url_json = String::new();
                fetch_headers::json::write_json_string(&mut url_json, resource.as_str());
                let _ = writeln!(
                    out,
                    "{{\"page\":{label_json},\"origin\":{page_json},\"secureContext\":{},\"resource\":{url_json},\"serverTiming\":[{}]}}",
                    page.client().is_secure_context,
                    list.join(",")
                );
            } else {
                let _ = writeln!(
                    out,
                    "// {label}: {} ({})",
                    page.client().origin.ascii_serialization(),
                    if page.client().is_secure_context { "secure context" } else { "not a secure context" }
                );
                let _ = writeln!(out, "// fetch(\"{resource}\")");
                let _ = writeln!(out, "console.log(performance.getEntriesByType('resource')[0].serverTiming);");
                if metrics.is_empty() {
                    let _ = writeln!(out, "// []");
                }
                for (i, metric) in metrics.iter().enumerate() {
                    let _ = writeln!(out, "// {i}: {metric}");
                }
                out.push('\n');
            }
        }
        server.shutdown().await;
        Ok::<_, CliError>(out)
    })?;
    print_stdout(&output)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn fetch_arguments() {
        let parsed = parse_fetch_args(&args(&[
            "http://127.0.0.1:1/x",
            "--mode",
            "no-cors",
            "--credentials",
            "include",
            "--client-origin",
            "https://a.example",
            "--engine",
            "firefox",
            "--timeout",
            "250",
            "--json",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(parsed.mode, RequestMode::NoCors);
        assert_eq!(parsed.credentials, CredentialsMode::Include);
        assert_eq!(parsed.engine, Engine::Firefox);
        assert_eq!(parsed.timeout, Duration::from_millis(250));
        assert!(parsed.json);
        for bad in [
            &["--mode", "cors"][..],
            &["http://a/", "--mode", "weird"],
            &["http://a/", "http://b/"],
            &["ftp://a/"],
            &["http://a/", "--timeout", "0"],
            &["http://a/", "--client-origin", "data:,x"],
            &["http://a/", "--bogus"],
        ] {
            assert!(
                matches!(parse_fetch_args(&args(bad)), Err(CliError::Usage(_))),
                "{bad:?}"
            );
        }
        assert!(parse_fetch_args(&args(&["--help"])).unwrap().is_none());
    }
}
