//! `server-timing fetch`: a real fetch through `measured-fetch`, timed and
//! fed to the resource-timing pipeline as a page would make it.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};
use measured_fetch::client::{fetch, ConnectionPool, FetchOptions};
use measured_fetch::destination::Destination;
use measured_fetch::tls::certificates_from_pem;
use measured_fetch::{Clock, Page};
use performance_timeline::PerformanceEntry;
use resource_timing::policy::Engine;
use resource_timing::{CredentialsMode, ExposurePolicy, FetchClient, RequestMode};
use url::Url;

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
    /// Expose what ENGINE would: spec, chromium, firefox or webkit (docs/policies.md)
    #[arg(long, value_name = "ENGINE", default_value = "spec", value_parser = super::engine)]
    engine: Engine,
    /// Trust the PEM certificates in FILE for https (there are no system
    /// roots: this tool is for your own servers)
    #[arg(long, value_name = "FILE")]
    ca: Option<std::path::PathBuf>,
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
    let mut client =
        FetchClient::for_page(&page_url).with_policy(ExposurePolicy::for_engine(args.engine));
    if args.insecure_client {
        client.is_secure_context = false;
    }
    client.cross_origin_isolated_capability = args.cross_origin_isolated;
    let clock = Clock::new();
    let page = Page::with_client(&page_url, client.clone(), &clock);
    let mut options = FetchOptions::new(client);
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
    options.timeout = args.timeout;
    options.max_time = args.max_time;
    // As in a browser, a redirect to the same origin goes over the same connection.
    options.pool = Some(ConnectionPool::new());
    let measured = super::runtime()?
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
