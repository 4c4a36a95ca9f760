//! `server-timing fetch`: a real fetch through `measured-fetch`, timed and
//! fed to the resource-timing pipeline as a page would make it.

use std::process::ExitCode;
use std::time::Duration;

use std::rc::Rc;

use clap::{Args, ValueEnum};
use measured_fetch::client::{fetch, ConnectionPool, FetchOptions, MeasuredFetch};
use measured_fetch::destination::Destination;
use measured_fetch::tls::certificates_from_pem;
use measured_fetch::{Clock, Page};
use performance_timeline::PerformanceEntry;
use resource_timing::policy::Engine;
use resource_timing::{
    CredentialsMode, ExposurePolicy, FetchClient, PerformanceResourceTiming, RequestMode,
};
use url::Url;

use std::fmt::Write as _;

use crate::render::engines::{console_lines, engine_names, groups_if_any_differs, same_seen, Seen};
use crate::render::html::{HtmlEngines, HtmlMetric, HtmlPhase, HtmlReport, HtmlResource};
use crate::render::waterfall::{waterfall, PageFacts};
use crate::{print_stdout, CliError};

/// Fetch a URL as a page would, and show its resource timing entry.
#[derive(Args)]
#[command(after_help = "\
The fetch is real (DNS, TCP, TLS, HTTP/1.1 or HTTP/2), and every event is
timed and fed to the resource-timing pipeline, which decides what the page
may see: Timing-Allow-Origin, CORS, secure-context gating.

A network error still makes an entry (the zeroed one a page would see); it is
printed, the error goes to stderr, and the exit status is 1.

EXAMPLE:
    server-timing serve &
    server-timing fetch http://127.0.0.1:3000/
    server-timing fetch --client-origin http://127.0.0.1:3001 'http://127.0.0.1:3000/?acao=*&tao=*'")]
pub struct FetchArgs {
    /// The http(s) URL to fetch
    #[arg(value_parser = super::http_url)]
    url: Url,
    /// The fetching page's origin (default: the URL's own, so the fetch is same-origin)
    #[arg(long, value_name = "ORIGIN", value_parser = super::http_url)]
    client_origin: Option<Url>,
    /// The page is not a secure context (by default it is one when its
    /// origin is https, loopback or localhost)
    #[arg(long)]
    insecure_client: bool,
    /// The page has cross-origin isolated capability (5 µs clock)
    #[arg(long)]
    cross_origin_isolated: bool,
    /// The request's mode
    #[arg(long, value_enum, default_value_t = Mode::Cors)]
    mode: Mode,
    /// The request's credentials mode
    #[arg(long, value_enum, default_value_t = Credentials::SameOrigin)]
    credentials: Credentials,
    /// Expose what ENGINE alone would: spec, chromium, firefox or webkit
    /// (docs/policies.md); by default the spec, then each engine where it
    /// differs (a fetch each)
    #[arg(long, value_name = "ENGINE", value_parser = super::engine)]
    engine: Option<Engine>,
    /// Trust the PEM certificates in FILE for https, besides the system's
    /// roots (a self-signed server certificate in FILE is trusted as itself,
    /// as with curl --cacert)
    #[arg(long, value_name = "FILE")]
    ca: Option<std::path::PathBuf>,
    /// Do not verify the server's certificate (issuer, name, dates), as
    /// curl's --insecure; a warning says so on stderr
    #[arg(long)]
    insecure: bool,
    /// Give up on any one step after MS milliseconds
    #[arg(long, value_name = "MS", default_value = "10000", value_parser = positive_ms)]
    timeout: Duration,
    /// Give up on the whole fetch, redirects included, after MS milliseconds (as curl's --max-time)
    #[arg(long, value_name = "MS", default_value = "60000", value_parser = positive_ms)]
    max_time: Duration,
    /// The request's destination (document, image, style, json, script, …;
    /// default "" as fetch() has), which picks its Accept header as Fetch does
    #[arg(long, value_name = "DEST", default_value = "", value_parser = destination)]
    destination: Destination,
    /// Print the entry's toJSON() on one line
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report (waterfall, metrics, engines) to FILE
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
}

/// `--mode`.
#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    Cors,
    NoCors,
    SameOrigin,
}

/// `--credentials`.
#[derive(Clone, Copy, ValueEnum)]
enum Credentials {
    Omit,
    SameOrigin,
    Include,
}

fn destination(text: &str) -> Result<Destination, String> {
    text.parse()
        .map_err(|e: measured_fetch::destination::UnknownDestination| e.to_string())
}

fn positive_ms(text: &str) -> Result<Duration, String> {
    match text.parse::<u64>() {
        Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
        _ => Err("not a positive number of ms".into()),
    }
}

pub fn run(args: FetchArgs) -> Result<ExitCode, CliError> {
    let roots = match &args.ca {
        None => Vec::new(),
        Some(path) => {
            let pem = std::fs::read(path)
                .map_err(|e| CliError::Failed(format!("cannot read {}: {e}", path.display())))?;
            certificates_from_pem(&pem)
                .map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?
        }
    };
    let page_url = args
        .client_origin
        .clone()
        .unwrap_or_else(|| args.url.clone());
    let mut options = FetchOptions::new(FetchClient::for_page(&page_url));
    options.mode = match args.mode {
        Mode::Cors => RequestMode::Cors,
        Mode::NoCors => RequestMode::NoCors,
        Mode::SameOrigin => RequestMode::SameOrigin,
    };
    options.credentials = match args.credentials {
        Credentials::Omit => CredentialsMode::Omit,
        Credentials::SameOrigin => CredentialsMode::SameOrigin,
        Credentials::Include => CredentialsMode::Include,
    };
    options.roots = roots;
    options.destination = args.destination;
    options.insecure = args.insecure;
    if args.insecure && args.url.scheme() == "https" {
        eprintln!(
            "server-timing: WARNING: --insecure: the server's certificate is NOT verified \
             (not its issuer, not its name, not its dates): anyone on the path can answer for {}",
            args.url.host_str().unwrap_or("the server")
        );
    }
    options.timeout = args.timeout;
    options.max_time = args.max_time;
    let clock = Clock::new();
    let fetch_as = |engine: Engine| fetch_as(engine, &args, &page_url, &options, &clock);
    let runtime = super::runtime()?;
    // With --engine, that engine alone; by default the spec, and each
    // browser engine's own fetch (its exposure policy decides hop by hop),
    // all at once.
    let (main, engines) = match args.engine {
        Some(engine) => (runtime.block_on(fetch_as(engine))?, Vec::new()),
        None => {
            let (spec, chromium, firefox, webkit) = runtime.block_on(async {
                tokio::join!(
                    fetch_as(Engine::Spec),
                    fetch_as(Engine::Chromium),
                    fetch_as(Engine::Firefox),
                    fetch_as(Engine::WebKit),
                )
            });
            // An engine whose own fetch fails to run is left out; the
            // spec's is the one whose failure is the command's.
            let engines = [chromium, firefox, webkit]
                .into_iter()
                .filter_map(Result::ok)
                .collect();
            (spec?, engines)
        }
    };
    let page_facts = PageFacts {
        origin: page_url.origin().ascii_serialization(),
        secure: main.page.client().is_secure_context,
    };
    match (&main.entry, args.json) {
        (Some(entry), true) => print_stdout(&format!("{}\n", entry.to_json()))?,
        (Some(entry), false) => {
            let mut out = waterfall(&main.measured, entry, &page_facts);
            out.push_str(&engine_section(&main, &engines));
            out.push_str(&crate::render::trailers::trailer_lines(&main.measured));
            print_stdout(&out)?;
        }
        (None, _) => {
            let error = main
                .measured
                .network_error()
                .map(ToString::to_string)
                .unwrap_or_else(|| "the fetch did not finish".into());
            eprintln!(
                "server-timing: {} reports no entry for this fetch ({error})",
                main.engine
            );
        }
    }
    if let (Some(path), Some(_)) = (&args.html, &main.entry) {
        let report = html_report(&args.url, &page_facts, &main, &engines);
        std::fs::write(path, report.to_html())
            .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))?;
    }
    if let Some(error) = main.measured.network_error() {
        match crate::render::waterfall::failed_check(&main.measured) {
            Some(detail) => eprintln!("server-timing: network error: {error} ({detail})"),
            None => eprintln!("server-timing: network error: {error}"),
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// One engine's fetch: the page, what was measured, and the entry.
pub struct EngineFetch {
    /// The engine whose exposure policy and header reading were used.
    pub engine: Engine,
    /// The fetching page.
    pub page: Page,
    /// The hops, as measured.
    pub measured: MeasuredFetch,
    /// The page's entry (an engine may add none for a failed fetch).
    pub entry: Option<Rc<PerformanceResourceTiming>>,
}

impl EngineFetch {
    /// What the page sees of `serverTiming`, reading `lines` as this
    /// engine does (so every engine's reading is of the same bytes, even
    /// when the server sends other durations each time).
    /// `None` when there is no entry at all.
    pub fn seen(&self, lines: Option<&[Vec<u8>]>) -> Option<Seen> {
        let entry = self.entry.as_ref()?;
        if !entry.has_server_timing_attribute() {
            return Some(None);
        }
        let exposed = entry.server_timing();
        Some(Some(match lines {
            Some(lines) if !exposed.is_empty() => self.engine.parse(lines),
            _ => exposed.to_vec(),
        }))
    }
}

/// The final response's Server-Timing lines, as received.
pub fn server_timing_lines(measured: &MeasuredFetch) -> Option<Vec<Vec<u8>>> {
    let last = measured.hops.last()?;
    let lines: Vec<Vec<u8>> = last
        .headers
        .get_all("server-timing")
        .iter()
        .map(|v| v.as_bytes().to_vec())
        .collect();
    (!lines.is_empty()).then_some(lines)
}

/// Each engine's `serverTiming` where one differs from the spec's page.
fn engine_section(main: &EngineFetch, engines: &[EngineFetch]) -> String {
    let lines = server_timing_lines(&main.measured);
    let spec = main.seen(lines.as_deref());
    let seen: Vec<(Engine, Option<Seen>)> = engines
        .iter()
        .map(|e| (e.engine, e.seen(lines.as_deref())))
        .collect();
    let mut out = String::new();
    let same = same_outcome;
    for (members, seen) in groups_if_any_differs(&spec, &seen, same) {
        let names = engine_names(&members);
        match seen {
            _ if same(seen, &spec) => {
                let _ = writeln!(out, "  {names}: the same as the spec");
            }
            None => {
                let _ = writeln!(out, "  {names}: no resource timing entry for this fetch");
            }
            Some(None) => {
                let _ = writeln!(out, "  {names}: no serverTiming attribute (undefined)");
            }
            Some(Some(metrics)) => {
                let verb = if members.len() == 1 { "shows" } else { "show" };
                let _ = writeln!(out, "  {names} {verb}:");
                console_lines(&mut out, "    ", metrics);
            }
        }
    }
    if out.is_empty() {
        out
    } else {
        format!("\nserverTiming as each engine's page sees it (one fetch each, the same header bytes read):\n{out}")
    }
}

/// The HTML report of one fetch: its phases, the metrics the server sent
/// (grey, with the reason, where the page does not see them), and the
/// engines' readings where they differ.
fn html_report(
    url: &Url,
    page: &PageFacts,
    main: &EngineFetch,
    engines: &[EngineFetch],
) -> HtmlReport {
    let entry = main.entry.as_ref().expect("an entry");
    let zero = entry.start_time();
    let at = |t: f64| t - zero;
    let mut phases = Vec::new();
    let mut phase = |name: &'static str, from: f64, to: f64| {
        if from > 0.0 && to > 0.0 && to >= from {
            phases.push(HtmlPhase {
                name,
                start: at(from),
                end: at(to),
            });
        }
    };
    if entry.redirect_start() > 0.0 {
        phase("Redirect", entry.redirect_start(), entry.redirect_end());
    }
    phase(
        "Queueing and stalled",
        entry.fetch_start(),
        entry.domain_lookup_start(),
    );
    phase(
        "DNS lookup",
        entry.domain_lookup_start(),
        entry.domain_lookup_end(),
    );
    let tls = entry.secure_connection_start();
    let connected = if tls > 0.0 { tls } else { entry.connect_end() };
    phase("Initial connection", entry.connect_start(), connected);
    if tls > 0.0 {
        phase("SSL", tls, entry.connect_end());
    }
    // The entry has no moment for the request's last byte: request sent is
    // inside waiting.
    phase(
        "Waiting (TTFB)",
        entry.request_start(),
        entry.response_start(),
    );
    phase(
        "Content download",
        entry.response_start(),
        entry.response_end(),
    );
    if phases.is_empty() {
        phases.push(HtmlPhase {
            name: "Total (phases hidden)",
            start: 0.0,
            end: entry.duration(),
        });
    }
    let lines = server_timing_lines(&main.measured);
    let sent = lines
        .as_deref()
        .map(|l| Engine::Spec.parse(l))
        .unwrap_or_default();
    let shown = entry.server_timing();
    let visible = !shown.is_empty() || sent.is_empty();
    let reason = if visible {
        "visible".to_owned()
    } else {
        crate::render::waterfall::hidden_metrics(&main.measured, shown.len(), page)
            .unwrap_or_else(|| "hidden".into())
    };
    let spec = main.seen(lines.as_deref());
    let seen: Vec<(Engine, Option<Seen>)> = engines
        .iter()
        .map(|e| (e.engine, e.seen(lines.as_deref())))
        .collect();
    let engine_groups = groups_if_any_differs(&spec, &seen, same_outcome)
        .into_iter()
        .map(|(members, outcome)| {
            let (says, metrics) = match outcome {
                _ if same_outcome(outcome, &spec) => ("the same as the spec".to_owned(), vec![]),
                None => ("no resource timing entry for this fetch".to_owned(), vec![]),
                Some(None) => ("no serverTiming attribute (undefined)".to_owned(), vec![]),
                Some(Some(list)) if list.is_empty() => ("serverTiming is []".to_owned(), vec![]),
                Some(Some(list)) => (
                    "show:".to_owned(),
                    list.iter().map(HtmlMetric::from).collect(),
                ),
            };
            HtmlEngines {
                engines: engine_names(&members),
                says,
                metrics,
            }
        })
        .collect();
    HtmlReport {
        title: format!("fetch {url}"),
        page: format!(
            "page {} ({})",
            page.origin,
            if page.secure {
                "secure context"
            } else {
                "not a secure context"
            }
        ),
        omitted: 0,
        resources: vec![HtmlResource {
            url: entry.name().to_owned(),
            status: i64::from(entry.response_status()),
            phases,
            server_start: if entry.request_start() > 0.0 {
                at(entry.request_start())
            } else {
                0.0
            },
            metrics: sent.iter().map(HtmlMetric::from).collect(),
            visible,
            reason,
            engines: engine_groups,
        }],
    }
}

/// Equal as a page sees them: both no entry, or both the same [`Seen`].
fn same_outcome(a: &Option<Seen>, b: &Option<Seen>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same_seen(a, b),
        (None, None) => true,
        _ => false,
    }
}

async fn fetch_as(
    engine: Engine,
    args: &FetchArgs,
    page_url: &Url,
    options: &FetchOptions,
    clock: &Clock,
) -> Result<EngineFetch, CliError> {
    let mut client =
        FetchClient::for_page(page_url).with_policy(ExposurePolicy::for_engine(engine));
    if args.insecure_client {
        client.is_secure_context = false;
    }
    client.cross_origin_isolated_capability = args.cross_origin_isolated;
    let page = Page::with_client(page_url, client.clone(), clock);
    let mut options = options.clone();
    options.client = client;
    // As in a browser, a redirect to the same origin goes over the same connection.
    options.pool = Some(ConnectionPool::new());
    let measured = fetch(args.url.clone(), &options, clock)
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;
    let entry = measured.report_timing(page.performance());
    Ok(EngineFetch {
        engine,
        page,
        measured,
        entry,
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        fetch: FetchArgs,
    }

    #[test]
    fn fetch_arguments() {
        let parsed = Wrapper::try_parse_from([
            "fetch",
            "http://127.0.0.1:1/x",
            "--mode",
            "no-cors",
            "--credentials",
            "include",
            "--client-origin",
            "https://a.example",
            "--engine=firefox",
            "--timeout",
            "250",
            "--json",
        ])
        .unwrap()
        .fetch;
        assert!(matches!(parsed.mode, Mode::NoCors));
        assert!(matches!(parsed.credentials, Credentials::Include));
        assert_eq!(parsed.engine, Some(Engine::Firefox));
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
            let args = std::iter::once("fetch").chain(bad.iter().copied());
            assert!(Wrapper::try_parse_from(args).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn destination_argument() {
        let parse = |args: &[&str]| {
            Wrapper::try_parse_from(["fetch", "http://a/"].iter().chain(args).copied())
                .map(|w| w.fetch.destination)
        };
        assert_eq!(parse(&[]).unwrap(), Destination::Empty);
        assert_eq!(
            parse(&["--destination", "image"]).unwrap(),
            Destination::Image
        );
        assert_eq!(
            parse(&["--destination=document"]).unwrap(),
            Destination::Document
        );
        assert!(parse(&["--destination", "picture"]).is_err());
    }
}
