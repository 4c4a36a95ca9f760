//! `server-timing har`: the Server-Timing metrics of every entry of a HAR
//! file, whether the page would see them, and the lint of each header.
//!
//! The file is read as a stream: `log.pages` is kept (it is small), and
//! `log.entries` is visited one entry at a time, so memory stays bounded by
//! one entry whatever the file's size.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt::{self, Write as _};
use std::io::{BufReader, Write as _};
use std::process::ExitCode;

use resource_timing::policy::Engine;
use resource_timing::transcript::{FetchTranscript, Hop};
use resource_timing::{ExposurePolicy, FetchClient, Request, RequestMode};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use server_timing::engines::lint::lint_lines;
use url::Url;

use crate::CliError;

pub const USAGE: &str = "\
server-timing har: the Server-Timing metrics of every entry of a HAR file

USAGE:
    server-timing har [--origin ORIGIN] [--engine ENGINE] [--json] [--strict] FILE.har

Reads a HAR 1.2 file as browsers' DevTools export it, one entry at a time (a
large file is streamed), and for each entry with a Server-Timing header
prints its metrics, whether a page of the HAR's origin would see them
(same-origin, or Timing-Allow-Origin on every hop of the redirect chain, and
a secure context), and what the lint finds in the header.

The page is the entry's page (log.pages[].title, which DevTools sets to the
page URL), else the first entry of that page, else --origin.

OPTIONS:
    --origin ORIGIN   The page's origin, for entries whose page is unknown
                      (or to ask what another page would see: it wins)
    --engine ENGINE   Read headers and expose metrics as ENGINE does: spec
                      (default), chromium, firefox or webkit
    --json            One JSON object per entry on one line
    --all             Also list entries without a Server-Timing header
    --strict          Exit 1 if any header fails the lint (as `lint` does)
    -h, --help        Print this help

EXIT STATUS:
    0    the file was read (with --strict: and every header passes the lint)
    1    the file cannot be read or is not a HAR (one line on stderr), or
         --strict and a header fails the lint
    2    usage error
";

#[derive(Debug, Deserialize)]
struct HarPage {
    id: String,
    #[serde(default)]
    title: String,
}

#[derive(Debug, Deserialize)]
struct HarHeader {
    name: String,
    value: String,
}

#[derive(Debug, Deserialize)]
struct HarRequest {
    url: String,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    headers: Vec<HarHeader>,
}

#[derive(Debug, Deserialize)]
struct HarResponse {
    status: i64,
    #[serde(default)]
    headers: Vec<HarHeader>,
    #[serde(rename = "redirectURL", default)]
    redirect_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct HarEntry {
    #[serde(default)]
    pageref: Option<String>,
    request: HarRequest,
    response: HarResponse,
}

struct Options {
    origin: Option<Url>,
    engine: Engine,
    json: bool,
    all: bool,
    strict: bool,
    path: String,
}

fn parse_args(args: Vec<OsString>) -> Result<Option<Options>, CliError> {
    let mut options = Options {
        origin: None,
        engine: Engine::Spec,
        json: false,
        all: false,
        strict: false,
        path: String::new(),
    };
    let mut path = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|a| CliError::Usage(format!("argument {a:?} is not valid UTF-8")))?;
        let mut value = |flag: &str| {
            args.next()
                .and_then(|v| v.into_string().ok())
                .ok_or_else(|| CliError::Usage(format!("{flag} needs a value")))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--json" => options.json = true,
            "--all" => options.all = true,
            "--strict" => options.strict = true,
            "--origin" => {
                let text = value("--origin")?;
                options.origin = Some(
                    Url::parse(&text)
                        .ok()
                        .filter(|u| matches!(u.scheme(), "http" | "https"))
                        .ok_or_else(|| {
                            CliError::Usage(format!("--origin {text:?} is not an http(s) origin"))
                        })?,
                );
            }
            "--engine" => {
                options.engine = value("--engine")?.parse().map_err(
                    |e: server_timing::engines::UnknownEngine| CliError::Usage(e.to_string()),
                )?;
            }
            flag if flag.starts_with('-') && flag.len() > 1 => {
                return Err(CliError::Usage(format!("unknown option {flag:?} for har")))
            }
            _ => {
                if path.replace(arg).is_some() {
                    return Err(CliError::Usage("har takes one FILE".into()));
                }
            }
        }
    }
    options.path = path.ok_or_else(|| CliError::Usage("har needs a FILE".into()))?;
    Ok(Some(options))
}

/// What one entry's report says.
struct EntryReport {
    index: usize,
    method: String,
    url: String,
    status: i64,
    redirects: usize,
    page: Option<Url>,
    metrics: Vec<server_timing::PerformanceServerTiming>,
    visible: Visibility,
    lint: Option<server_timing::engines::lint::LintReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Visibility {
    Visible,
    NoHeader,
    NotSecure,
    TimingAllowOrigin,
    SameOriginOnly,
    NetworkError,
    UnknownPage,
}

impl Visibility {
    fn reason(self) -> &'static str {
        match self {
            Visibility::Visible => "visible",
            Visibility::NoHeader => "no Server-Timing header",
            Visibility::NotSecure => "hidden: the page is not a secure context",
            Visibility::TimingAllowOrigin => {
                "hidden: cross-origin without a matching Timing-Allow-Origin on every hop"
            }
            Visibility::SameOriginOnly => {
                "hidden: this engine shows cross-origin metrics to no page"
            }
            Visibility::NetworkError => "hidden: the fetch failed",
            Visibility::UnknownPage => "unknown: no page origin (give --origin)",
        }
    }
}

/// The streaming state: pages seen so far, chains being followed, output.
struct State<'o> {
    options: &'o Options,
    pages: HashMap<String, Url>,
    /// An entry's page, when the page list is missing: its first entry's URL.
    first_urls: HashMap<String, Url>,
    /// Redirect chains in progress, keyed by the URL they wait for.
    pending: HashMap<String, (usize, Vec<HarEntry>)>,
    index: usize,
    failed_lint: bool,
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    write_error: Option<std::io::Error>,
}

impl State<'_> {
    fn on_entry(&mut self, entry: HarEntry) {
        let index = self.index;
        self.index += 1;
        if let Some(pageref) = &entry.pageref {
            if let Ok(url) = Url::parse(&entry.request.url) {
                self.first_urls.entry(pageref.clone()).or_insert(url);
            }
        }
        let (start, mut chain) = self
            .pending
            .remove(&entry.request.url)
            .unwrap_or((index, Vec::new()));
        let is_redirect = (300..400).contains(&entry.response.status)
            && entry
                .response
                .redirect_url
                .as_deref()
                .is_some_and(|u| !u.is_empty());
        if is_redirect {
            let base = Url::parse(&entry.request.url).ok();
            let target = entry.response.redirect_url.clone().unwrap_or_default();
            let target = base
                .and_then(|b| b.join(&target).ok())
                .map(|u| u.to_string())
                .unwrap_or(target);
            chain.push(entry);
            // Cap the chains kept in memory; a chain that never ends is dropped.
            if self.pending.len() < 10_000 {
                self.pending.insert(target, (start, chain));
            }
            return;
        }
        chain.push(entry);
        let report = self.report(start, chain);
        if report.lint.as_ref().is_some_and(|l| !l.passes()) {
            self.failed_lint = true;
        }
        if report.metrics.is_empty() && report.lint.is_none() && !self.options.all {
            return;
        }
        let text = if self.options.json {
            report_json(&report)
        } else {
            report_text(&report)
        };
        if self.write_error.is_none() {
            if let Err(error) = self.out.write_all(text.as_bytes()) {
                self.write_error = Some(error);
            }
        }
    }

    fn page_of(&self, entry: &HarEntry) -> Option<Url> {
        if let Some(origin) = &self.options.origin {
            return Some(origin.clone());
        }
        let pageref = entry.pageref.as_ref()?;
        self.pages
            .get(pageref)
            .or_else(|| self.first_urls.get(pageref))
            .cloned()
    }

    fn report(&self, index: usize, chain: Vec<HarEntry>) -> EntryReport {
        let first = &chain[0];
        let last = chain.last().expect("a chain has an entry");
        let page = self.page_of(first);
        let lines: Vec<&[u8]> = last
            .response
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("server-timing"))
            .map(|h| h.value.as_bytes())
            .collect();
        let metrics = if lines.is_empty() {
            Vec::new()
        } else {
            self.options.engine.parse(lines.iter().copied())
        };
        let lint = if lines.is_empty() {
            None
        } else {
            let report = lint_lines(lines.iter().copied());
            (!report.is_clean()).then_some(report)
        };
        let visible = if lines.is_empty() {
            Visibility::NoHeader
        } else {
            match &page {
                None => Visibility::UnknownPage,
                Some(page) => self.visibility(page, &chain),
            }
        };
        EntryReport {
            index,
            method: first
                .request
                .method
                .clone()
                .unwrap_or_else(|| "GET".to_owned()),
            url: first.request.url.clone(),
            status: last.response.status,
            redirects: chain.len() - 1,
            page,
            metrics,
            visible,
            lint,
        }
    }

    /// Replays the chain through the resource-timing pipeline as `page` would fetch it.
    fn visibility(&self, page: &Url, chain: &[HarEntry]) -> Visibility {
        let Ok(url) = Url::parse(&chain[0].request.url) else {
            return Visibility::NetworkError;
        };
        let policy = ExposurePolicy::for_engine(self.options.engine);
        let client = FetchClient::for_page(page).with_policy(policy);
        // DevTools records no request mode: a request that sent Origin was a CORS one.
        let cors = chain[0]
            .request
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("origin"));
        let mode = if cors {
            RequestMode::Cors
        } else {
            RequestMode::NoCors
        };
        let mut transcript = FetchTranscript::new(client.clone(), Request::new(url, mode), 1.0);
        for (i, entry) in chain.iter().enumerate() {
            let mut headers: Vec<(&str, &str)> = entry
                .response
                .headers
                .iter()
                .filter(|h| !h.name.starts_with(':'))
                .map(|h| (h.name.as_str(), h.value.as_str()))
                .collect();
            if i + 1 < chain.len() {
                if let Some(location) = entry.response.redirect_url.as_deref() {
                    headers.retain(|(name, _)| !name.eq_ignore_ascii_case("location"));
                    headers.push(("location", location));
                }
            }
            let status = u16::try_from(entry.response.status).unwrap_or(0);
            transcript.hops.push(Hop::new(status, &headers));
        }
        let fetch = transcript.replay();
        if fetch.network_error_reason().is_some() {
            return Visibility::NetworkError;
        }
        let Some(report) = resource_timing::ResourceTimingReport::for_resource(&fetch) else {
            return Visibility::NetworkError;
        };
        if !report.timing_info.server_timing_headers.is_empty() {
            return Visibility::Visible;
        }
        if !client.is_secure_context
            && policy.secure_context_gating
                != resource_timing::policy::SecureContextGating::NotGated
        {
            Visibility::NotSecure
        } else if policy.cross_origin_exposure
            == resource_timing::policy::CrossOriginExposure::SameOriginOnly
        {
            Visibility::SameOriginOnly
        } else {
            Visibility::TimingAllowOrigin
        }
    }
}

fn report_text(report: &EntryReport) -> String {
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
            "    page {}: {}",
            page.origin().ascii_serialization(),
            report.visible.reason()
        );
    } else {
        let _ = writeln!(out, "    {}", report.visible.reason());
    }
    for (i, metric) in report.metrics.iter().enumerate() {
        let _ = writeln!(out, "    {i}: {metric}");
    }
    if let Some(lint) = &report.lint {
        for line in crate::lint_report::to_text(lint).lines() {
            let _ = writeln!(out, "    | {line}");
        }
    }
    out
}

fn report_json(report: &EntryReport) -> String {
    let mut out = String::new();
    let _ = write!(out, "{{\"index\":{},\"url\":", report.index);
    fetch_headers::json::write_json_string(&mut out, &report.url);
    let _ = write!(
        out,
        ",\"status\":{},\"redirects\":{},\"page\":",
        report.status, report.redirects
    );
    match &report.page {
        Some(page) => {
            fetch_headers::json::write_json_string(&mut out, &page.origin().ascii_serialization())
        }
        None => out.push_str("null"),
    }
    let _ = write!(
        out,
        ",\"visible\":{},\"reason\":",
        report.visible == Visibility::Visible
    );
    fetch_headers::json::write_json_string(&mut out, report.visible.reason());
    out.push_str(",\"serverTiming\":[");
    for (i, metric) in report.metrics.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        metric.write_json(&mut out);
    }
    out.push_str("],\"lint\":");
    match &report.lint {
        Some(lint) => out.push_str(&crate::lint_report::to_json(lint)),
        None => out.push_str("null"),
    }
    out.push_str("}\n");
    out
}

// ----- The streaming reader --------------------------------------------------

struct Root<'s, 'o>(&'s mut State<'o>);

impl<'de> DeserializeSeed<'de> for Root<'_, '_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a HAR object with a \"log\" member")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut saw_entries = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" {
                saw_entries |= map.next_value_seed(Log(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(saw_entries)
    }
}

struct Log<'s, 'o>(&'s mut State<'o>);

impl<'de> DeserializeSeed<'de> for Log<'_, '_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Log<'_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a \"log\" object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut saw_entries = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "pages" => {
                    let pages: Vec<HarPage> = map.next_value()?;
                    for page in pages {
                        if let Ok(url) = Url::parse(&page.title) {
                            if matches!(url.scheme(), "http" | "https") {
                                self.0.pages.insert(page.id, url);
                            }
                        }
                    }
                }
                "entries" => {
                    map.next_value_seed(Entries(&mut *self.0))?;
                    saw_entries = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(saw_entries)
    }
}

struct Entries<'s, 'o>(&'s mut State<'o>);

impl<'de> DeserializeSeed<'de> for Entries<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(entry) = seq.next_element::<HarEntry>()? {
            self.0.on_entry(entry);
        }
        Ok(())
    }
}

pub fn run(args: Vec<OsString>) -> Result<ExitCode, CliError> {
    let Some(options) = parse_args(args)? else {
        crate::print_stdout(USAGE)?;
        return Ok(ExitCode::SUCCESS);
    };
    let file = std::fs::File::open(&options.path)
        .map_err(|e| CliError::Failed(format!("cannot read {}: {e}", options.path)))?;
    let mut state = State {
        options: &options,
        pages: HashMap::new(),
        first_urls: HashMap::new(),
        pending: HashMap::new(),
        index: 0,
        failed_lint: false,
        out: std::io::BufWriter::new(std::io::stdout().lock()),
        write_error: None,
    };
    let mut deserializer = serde_json::Deserializer::from_reader(BufReader::new(file));
    let saw_entries = Root(&mut state)
        .deserialize(&mut deserializer)
        .and_then(|saw| deserializer.end().map(|()| saw))
        .map_err(|e| CliError::Failed(format!("{} is not a valid HAR file: {e}", options.path)))?;
    if !saw_entries {
        return Err(CliError::Failed(format!(
            "{} is not a HAR file: no log.entries",
            options.path
        )));
    }
    let _ = state.out.flush();
    if let Some(error) = state.write_error {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(CliError::Failed(format!(
                "cannot write to standard output: {error}"
            )));
        }
    }
    Ok(if options.strict && state.failed_lint {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
