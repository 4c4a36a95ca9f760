//! Reading a HAR file: its entries (`model`), read one at a time by
//! `har_stream`'s streaming reader, and what a page would see of each
//! entry's Server-Timing.
//!
//! Memory stays bounded whatever the file: an entry is kept only while its
//! redirect chain waits for the next hop, slimmed to the headers that
//! matter, at most [`MAX_PENDING`] chains of at most [`REDIRECT_LIMIT`] hops.
//! A chain that cannot be followed is counted, with its reason, in the
//! summary.
//!
//! [`read_har`] reads one HAR from any reader and hands each entry's
//! [`EntryReport`] to a callback as it is decided:
//!
//! ```
//! use server_timing_cli::har::{read_har, HarOptions};
//!
//! let har = br#"{"log":{"pages":[{"id":"p","title":"https://a.example/"}],"entries":[
//!   {"pageref":"p","request":{"url":"https://a.example/"},
//!    "response":{"status":200,"headers":[{"name":"Server-Timing","value":"db;dur=53"}]}}]}}"#;
//! let mut seen = Vec::new();
//! let outcome = read_har(&har[..], &HarOptions::default(), |report| {
//!     seen.push(report.to_text());
//!     Ok(())
//! })
//! .unwrap();
//! assert_eq!(outcome.summary.visible, 1);
//! assert!(seen[0].contains("name: \"db\", duration: 53"));
//! ```

mod model;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::io::Read;
use std::ops::ControlFlow;

use har_stream::{read_entries, HarSink, ReadError};
use resource_timing::transcript::{FetchTranscript, Hop};
use resource_timing::{Engine, ExposurePolicy, FetchClient, Request, RequestMode};
use server_timing::engines::lint::lint_lines;
use url::Url;

use crate::render::har::{report_json, report_text};
use model::{HarEntry, HarPage};

/// The lone-surrogate repair, now in `har-stream` (kept here by its old path).
pub use har_stream::surrogates;

/// How a HAR is read: whose page, which engine, what is reported.
#[derive(Debug, Clone, Default)]
pub struct HarOptions {
    /// The page origin to judge every entry by (it wins over the HAR's pages).
    pub origin: Option<Url>,
    /// Read headers and expose metrics as this engine does (the spec's when
    /// `None`).
    pub engine: Option<Engine>,
    /// Also report entries without a Server-Timing header.
    pub all: bool,
}

/// Why a HAR could not be read to the end (entries reported before it stay
/// reported).
#[derive(Debug)]
#[non_exhaustive]
pub enum HarError {
    /// The input is not a HAR, or cannot be read (`har_stream`'s reasons:
    /// a read error, a JSONP wrapper, not JSON of a HAR's shape, no
    /// `log.entries`).
    Input(ReadError),
    /// The callback failed (writing the output, say).
    Output(std::io::Error),
}

impl fmt::Display for HarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HarError::Input(e) => e.fmt(f),
            HarError::Output(e) => write!(f, "cannot write the report: {e}"),
        }
    }
}

impl std::error::Error for HarError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The input's error shows through: its text is this error's.
            HarError::Input(e) => e.source(),
            HarError::Output(e) => Some(e),
        }
    }
}

/// What a whole file gave.
#[derive(Debug, Default)]
pub struct HarOutcome {
    /// The counts of the summary line.
    pub summary: Summary,
    /// Lone surrogate escapes read as U+FFFD.
    pub repaired_surrogates: usize,
    /// Whether some header failed the lint.
    pub failed_lint: bool,
}

/// Reads one HAR from `input`, streaming: each entry with Server-Timing
/// (every entry with [`HarOptions::all`]) is given to `on_entry` as soon as
/// its redirect chain ends. A UTF-8 byte order mark is skipped, lone
/// surrogate escapes are read as U+FFFD, a JSONP wrapper is refused.
pub fn read_har<R: Read>(
    mut input: R,
    options: &HarOptions,
    mut on_entry: impl FnMut(&EntryReport) -> std::io::Result<()>,
) -> Result<HarOutcome, HarError> {
    read_har_dyn(&mut input, options, &mut on_entry)
}

/// [`read_har`] through trait objects: the reader (JSON, entry models,
/// the whole report) is compiled once, here, whatever the caller's reader
/// and callback types, so its code does not move with the caller's crate
/// (the instruction-count gate's `har/read` row showed it did). A call
/// through the objects costs a buffered read or one entry, not a byte.
fn read_har_dyn(
    input: &mut dyn Read,
    options: &HarOptions,
    on_entry: &mut dyn FnMut(&EntryReport) -> std::io::Result<()>,
) -> Result<HarOutcome, HarError> {
    let mut state = State::new(options, on_entry);
    let result = read_entries(input, &mut state);
    if let Some(error) = state.output_error.take() {
        return Err(HarError::Output(error));
    }
    let read = result.map_err(HarError::Input)?;
    state.finish();
    Ok(HarOutcome {
        summary: state.summary,
        repaired_surrogates: read.repaired_surrogates,
        failed_lint: state.failed_lint,
    })
}

/// The chain's timing, when both ends have `startedDateTime`.
fn entry_timing(first: &HarEntry, last: &HarEntry) -> Option<EntryTiming> {
    let started = model::epoch_ms(first.started_date_time.as_deref()?)?;
    let last_started = model::epoch_ms(last.started_date_time.as_deref()?)?;
    let t = last.timings.unwrap_or_default();
    let phase = |v: Option<f64>| v.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(0.0);
    let ssl = phase(t.ssl);
    // HAR 1.2: `connect` includes `ssl`.
    let connect = (phase(t.connect) - ssl).max(0.0);
    Some(EntryTiming {
        started,
        redirect: (last_started - started).max(0.0),
        phases: [
            phase(t.blocked),
            phase(t.dns),
            connect,
            ssl,
            phase(t.send),
            phase(t.wait),
            phase(t.receive),
        ],
    })
}

/// Redirect chains followed at once; more are counted as unresolved.
pub const MAX_PENDING: usize = 10_000;

/// Fetch's redirect limit: a chain longer than this is a network error.
pub const REDIRECT_LIMIT: usize = 20;

/// What one entry's report says.
#[derive(Debug)]
pub struct EntryReport {
    /// The index of the chain's first entry in `log.entries`.
    pub index: usize,
    /// The request method (`GET` when the HAR omits it).
    pub method: String,
    /// The URL the chain started at.
    pub url: String,
    /// The final response's status.
    pub status: i64,
    /// How many redirects led to the final response.
    pub redirects: usize,
    /// The page the entry is judged by, when known.
    pub page: Option<Url>,
    /// Where the page's origin came from.
    pub page_source: String,
    /// The final response's metrics, as the engine reads them.
    pub metrics: Vec<server_timing::PerformanceServerTiming>,
    /// Whether the page sees them.
    pub visible: Visibility,
    /// The lint of the header, when it is not clean.
    pub lint: Option<server_timing::engines::lint::LintReport>,
    /// When the chain started (ms since the Unix epoch) and the final
    /// entry's DevTools phases, when the HAR has them.
    pub timing: Option<EntryTiming>,
    /// Without [`HarOptions::engine`]: what a page of each browser engine
    /// sees (Chromium, Firefox, WebKit), each replayed with its own
    /// exposure policy and header reading. Empty with an engine.
    pub engines: Vec<EngineView>,
}

/// When an entry ran, as the HAR records it.
#[derive(Debug, Clone, Copy)]
pub struct EntryTiming {
    /// `startedDateTime` of the chain's first entry, in ms since the Unix epoch.
    pub started: f64,
    /// From the first entry's start to the final entry's (the redirects).
    pub redirect: f64,
    /// The final entry's phases in DevTools' order: blocked (queueing and
    /// stalled), dns, connect (without ssl), ssl, send, wait, receive; 0
    /// where the HAR says -1 or nothing.
    pub phases: [f64; 7],
}

/// What a page of one engine sees of an entry.
#[derive(Debug, Clone)]
pub struct EngineView {
    /// The engine.
    pub engine: Engine,
    /// The final response's metrics, as the engine reads them.
    pub metrics: Vec<server_timing::PerformanceServerTiming>,
    /// Whether the engine's page sees them.
    pub visible: Visibility,
}

impl EntryReport {
    /// The entry as `server-timing har` prints it.
    pub fn to_text(&self) -> String {
        report_text(self)
    }

    /// The entry as one line of `server-timing har --json`.
    pub fn to_json_line(&self) -> String {
        report_json(self)
    }
}

/// Whether the page sees an entry's metrics, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Visibility {
    /// The page sees the metrics.
    Visible,
    /// There is no Server-Timing header.
    NoHeader,
    /// The page is not a secure context.
    NotSecure,
    /// A hop is cross-origin without a matching Timing-Allow-Origin.
    TimingAllowOrigin,
    /// The engine shows cross-origin metrics to no page.
    SameOriginOnly,
    /// The page is not a secure context, and the engine has no
    /// `serverTiming` attribute there (`[SecureContext]`).
    NoAttribute,
    /// The fetch, replayed as the page makes it, is a network error.
    NetworkError(String),
    /// The entry's page is not known.
    UnknownPage,
}

impl Visibility {
    /// `visible`, or `hidden: ...` with the reason.
    pub fn reason(&self) -> String {
        match self {
            Visibility::Visible => "visible".into(),
            Visibility::NoHeader => "no Server-Timing header".into(),
            Visibility::NotSecure => "hidden: the page is not a secure context".into(),
            Visibility::TimingAllowOrigin => {
                "hidden: cross-origin without a matching Timing-Allow-Origin on every hop".into()
            }
            Visibility::SameOriginOnly => {
                "hidden: this engine shows cross-origin metrics to no page".into()
            }
            Visibility::NoAttribute => {
                "hidden: no serverTiming attribute on a page that is not a secure context".into()
            }
            Visibility::NetworkError(why) => format!("hidden: the fetch fails ({why})"),
            Visibility::UnknownPage => "unknown: no page origin (give --origin)".into(),
        }
    }
}

/// A page's URL as far as the HAR tells: its title, then its document's redirects.
pub(crate) struct PageUrl {
    pub url: Url,
    /// `log.pages title`, `the page's first entry`, ...
    pub source: &'static str,
    pub redirects: usize,
}

/// What the summary line counts.
#[derive(Debug, Default)]
pub struct Summary {
    /// Entries in the file.
    pub entries: usize,
    /// Entries with a Server-Timing header.
    pub with_server_timing: usize,
    /// Of those, reported visible.
    pub visible: usize,
    /// Of those, reported hidden.
    pub hidden: usize,
    /// Entries with Server-Timing whose chain could not be followed, by reason.
    pub unresolved: BTreeMap<&'static str, usize>,
}

/// The streaming state: pages seen so far, chains being followed, output.
struct State<'o, F> {
    options: &'o HarOptions,
    pages: HashMap<String, PageUrl>,
    /// Redirect chains in progress, keyed by the URL they wait for.
    /// Several chains may wait for one URL (a script loaded through two
    /// redirects): the first entry for it continues the oldest.
    pending: HashMap<String, VecDeque<(usize, Vec<HarEntry>)>>,
    /// Chains in `pending`, all URLs together.
    pending_chains: usize,
    index: usize,
    failed_lint: bool,
    summary: Summary,
    on_entry: F,
    output_error: Option<std::io::Error>,
}

/// The HAR's parts as the streaming reader hands them over: pages whose
/// title is an http(s) URL name their page, and each entry is decided as
/// its redirect chain allows; a failed callback stops the read.
impl<F: FnMut(&EntryReport) -> std::io::Result<()>> HarSink for State<'_, F> {
    type Page = HarPage;
    type Entry = HarEntry;

    fn pages(&mut self, pages: Vec<HarPage>) {
        for page in pages {
            if let Ok(url) = Url::parse(&page.title) {
                if matches!(url.scheme(), "http" | "https") {
                    self.pages.insert(
                        page.id,
                        PageUrl {
                            url,
                            source: "log.pages title",
                            redirects: 0,
                        },
                    );
                }
            }
        }
    }

    fn entry(&mut self, entry: HarEntry) -> ControlFlow<()> {
        self.on_entry(entry);
        if self.output_failed() {
            // Stop reading: `read_har` returns the callback's error.
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

fn has_server_timing(entry: &HarEntry) -> bool {
    entry
        .response
        .headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("server-timing"))
}

/// A URL as the pending map keys it (parsed and serialized, so spellings meet).
fn url_key(text: &str) -> String {
    Url::parse(text)
        .map(String::from)
        .unwrap_or_else(|_| text.to_owned())
}

impl<'o, F: FnMut(&EntryReport) -> std::io::Result<()>> State<'o, F> {
    fn new(options: &'o HarOptions, on_entry: F) -> Self {
        State {
            options,
            pages: HashMap::new(),
            pending: HashMap::new(),
            pending_chains: 0,
            index: 0,
            failed_lint: false,
            summary: Summary::default(),
            on_entry,
            output_error: None,
        }
    }

    fn count_unresolved(&mut self, chain: &[HarEntry], reason: &'static str) {
        let n = chain.iter().filter(|e| has_server_timing(e)).count();
        if n > 0 {
            *self.summary.unresolved.entry(reason).or_default() += n;
        }
    }

    /// The page's URL follows its document: an entry of the page that asks
    /// for the page URL and is redirected moves the page to the target.
    fn follow_document(&mut self, entry: &HarEntry, redirect_target: Option<&str>) {
        let Some(pageref) = &entry.pageref else {
            return;
        };
        let Ok(url) = Url::parse(&entry.request.url) else {
            return;
        };
        let page = self.pages.entry(pageref.clone()).or_insert(PageUrl {
            url: url.clone(),
            source: "the page's first entry",
            redirects: 0,
        });
        if let Some(target) = redirect_target.and_then(|t| Url::parse(t).ok()) {
            if page.url == url && matches!(target.scheme(), "http" | "https") {
                page.url = target;
                page.redirects += 1;
            }
        }
    }

    fn on_entry(&mut self, mut entry: HarEntry) {
        let index = self.index;
        self.index += 1;
        self.summary.entries += 1;
        if has_server_timing(&entry) {
            self.summary.with_server_timing += 1;
        }
        let key = url_key(&entry.request.url);
        let (start, mut chain) = self.take_pending(&key).unwrap_or((index, Vec::new()));
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
                .map(String::from)
                .unwrap_or(target);
            self.follow_document(&entry, Some(&target));
            entry.slim(chain.is_empty());
            chain.push(entry);
            if chain.len() > REDIRECT_LIMIT {
                self.count_unresolved(
                    &chain,
                    "more than 20 redirects (a network error in browsers)",
                );
            } else if self.pending_chains >= MAX_PENDING {
                self.count_unresolved(&chain, "more than 10,000 redirect chains open at once");
            } else {
                self.pending
                    .entry(target)
                    .or_default()
                    .push_back((start, chain));
                self.pending_chains += 1;
            }
            return;
        }
        self.follow_document(&entry, None);
        chain.push(entry);
        let report = self.report(start, chain);
        if report.lint.as_ref().is_some_and(|l| !l.passes()) {
            self.failed_lint = true;
        }
        match report.visible {
            Visibility::Visible => self.summary.visible += 1,
            Visibility::NoHeader => {}
            _ => self.summary.hidden += 1,
        }
        if report.metrics.is_empty() && report.lint.is_none() && !self.options.all {
            return;
        }
        if self.output_error.is_none() {
            if let Err(error) = (self.on_entry)(&report) {
                self.output_error = Some(error);
            }
        }
    }

    /// The oldest chain waiting for `url`.
    fn take_pending(&mut self, url: &str) -> Option<(usize, Vec<HarEntry>)> {
        let queue = self.pending.get_mut(url)?;
        let chain = queue.pop_front();
        if queue.is_empty() {
            self.pending.remove(url);
        }
        if chain.is_some() {
            self.pending_chains -= 1;
        }
        chain
    }

    /// Whether the callback failed: reading stops there.
    fn output_failed(&self) -> bool {
        self.output_error.is_some()
    }

    /// Chains still waiting at the end of the file never reached a final response.
    fn finish(&mut self) {
        let pending: Vec<_> = self.pending.drain().flat_map(|(_, q)| q).collect();
        self.pending_chains = 0;
        for (_, chain) in pending {
            self.count_unresolved(&chain, "the redirect's target is not in the file");
        }
    }

    /// Whether `last` is the document its page ended on.
    fn is_document(&self, first: &HarEntry, last: &HarEntry) -> bool {
        let Some(page) = first.pageref.as_ref().and_then(|p| self.pages.get(p)) else {
            return false;
        };
        Url::parse(&last.request.url).is_ok_and(|u| u == page.url)
    }

    /// The page origin to judge `entry` by, and where it came from.
    fn page_of(&self, entry: &HarEntry) -> Option<(Url, String)> {
        if let Some(origin) = &self.options.origin {
            return Some((origin.clone(), "--origin".into()));
        }
        // A CORS request says who asked.
        if let Some(origin) = entry
            .request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("origin"))
            .and_then(|h| Url::parse(&h.value).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
        {
            return Some((origin, "the request's Origin header".into()));
        }
        let page = self.pages.get(entry.pageref.as_ref()?)?;
        let source = match page.redirects {
            0 => page.source.to_owned(),
            1 => format!("{}, after the document's redirect", page.source),
            n => format!("{}, after the document's {n} redirects", page.source),
        };
        Some((page.url.clone(), source))
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
        let engine = self.options.engine.unwrap_or(Engine::Spec);
        let metrics = if lines.is_empty() {
            Vec::new()
        } else {
            engine.parse(lines.iter().copied())
        };
        let lint = if lines.is_empty() {
            None
        } else {
            let report = lint_lines(lines.iter().copied());
            (!report.is_clean()).then_some(report)
        };
        let visible_as = |engine: Engine| {
            if lines.is_empty() {
                Visibility::NoHeader
            } else {
                match &page {
                    None => Visibility::UnknownPage,
                    // The page's own document is its navigation entry: what the
                    // page sees of it is the final response's (redirects before
                    // it hide only their own timing).
                    Some((page, _)) if self.is_document(first, last) => {
                        self.visibility(engine, page, &chain[chain.len() - 1..])
                    }
                    Some((page, _)) => self.visibility(engine, page, &chain),
                }
            }
        };
        let visible = visible_as(engine);
        let engines = if self.options.engine.is_some() || lines.is_empty() {
            Vec::new()
        } else {
            crate::render::engines::BROWSERS
                .iter()
                .map(|&engine| EngineView {
                    engine,
                    metrics: engine.parse(lines.iter().copied()),
                    visible: visible_as(engine),
                })
                .collect()
        };
        let (page, page_source) = match page {
            Some((url, source)) => (Some(url), source),
            None => (None, String::new()),
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
            page_source,
            metrics,
            visible,
            lint,
            engines,
            timing: entry_timing(first, last),
        }
    }

    /// Replays the chain through the resource-timing pipeline as `page` would fetch it.
    fn visibility(&self, engine: Engine, page: &Url, chain: &[HarEntry]) -> Visibility {
        let Ok(url) = Url::parse(&chain[0].request.url) else {
            return Visibility::NetworkError(format!("{:?} is not a URL", chain[0].request.url));
        };
        let policy = ExposurePolicy::for_engine(engine);
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
        if let Some(error) = fetch.network_error_reason() {
            return Visibility::NetworkError(error.to_string());
        }
        let Some(report) = resource_timing::ResourceTimingReport::for_resource(&fetch) else {
            return Visibility::NetworkError("the fetch did not finish".into());
        };
        if !report.timing_info.server_timing_headers.is_empty() {
            return Visibility::Visible;
        }
        use resource_timing::policy::SecureContextGating;
        if !client.is_secure_context
            && policy.secure_context_gating == SecureContextGating::AttributeHiddenWhenNotSecure
        {
            Visibility::NoAttribute
        } else if !client.is_secure_context
            && policy.secure_context_gating != SecureContextGating::NotGated
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
