//! Reading a HAR file: its entries (`model`), the streaming reader
//! (`stream`), and what a page would see of each entry's Server-Timing.
//!
//! Memory stays bounded whatever the file: an entry is kept only while its
//! redirect chain waits for the next hop, slimmed to the headers that
//! matter, at most [`MAX_PENDING`] chains of at most [`REDIRECT_LIMIT`] hops.
//! A chain that cannot be followed is counted, with its reason, in the
//! summary.

pub mod model;
pub mod stream;
pub mod surrogates;

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;

use resource_timing::transcript::{FetchTranscript, Hop};
use resource_timing::{ExposurePolicy, FetchClient, Request, RequestMode};
use server_timing::engines::lint::lint_lines;
use url::Url;

use crate::cmd::har::HarArgs;
use crate::render::har::{report_json, report_text};
use model::HarEntry;

/// Redirect chains followed at once; more are counted as unresolved.
pub const MAX_PENDING: usize = 10_000;

/// Fetch's redirect limit: a chain longer than this is a network error.
pub const REDIRECT_LIMIT: usize = 20;

/// What one entry's report says.
pub struct EntryReport {
    pub index: usize,
    pub method: String,
    pub url: String,
    pub status: i64,
    pub redirects: usize,
    pub page: Option<Url>,
    /// Where the page's origin came from.
    pub page_source: String,
    pub metrics: Vec<server_timing::PerformanceServerTiming>,
    pub visible: Visibility,
    pub lint: Option<server_timing::engines::lint::LintReport>,
}

/// Whether the page sees an entry's metrics, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    Visible,
    NoHeader,
    NotSecure,
    TimingAllowOrigin,
    SameOriginOnly,
    /// The fetch, replayed as the page makes it, is a network error.
    NetworkError(String),
    UnknownPage,
}

impl Visibility {
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
            Visibility::NetworkError(why) => format!("hidden: the fetch fails ({why})"),
            Visibility::UnknownPage => "unknown: no page origin (give --origin)".into(),
        }
    }
}

/// A page's URL as far as the HAR tells: its title, then its document's redirects.
pub struct PageUrl {
    pub url: Url,
    /// `log.pages title`, `the page's first entry`, ...
    pub source: &'static str,
    pub redirects: usize,
}

/// What the summary line counts.
#[derive(Default)]
pub struct Summary {
    pub entries: usize,
    pub with_server_timing: usize,
    pub visible: usize,
    pub hidden: usize,
    /// Entries with Server-Timing whose chain could not be followed, by reason.
    pub unresolved: BTreeMap<&'static str, usize>,
}

/// The streaming state: pages seen so far, chains being followed, output.
pub struct State<'o> {
    pub options: &'o HarArgs,
    pub pages: HashMap<String, PageUrl>,
    /// Redirect chains in progress, keyed by the URL they wait for.
    pub pending: HashMap<String, (usize, Vec<HarEntry>)>,
    pub index: usize,
    pub failed_lint: bool,
    pub summary: Summary,
    pub out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    pub write_error: Option<std::io::Error>,
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

impl State<'_> {
    pub fn new<'o>(options: &'o HarArgs) -> State<'o> {
        State {
            options,
            pages: HashMap::new(),
            pending: HashMap::new(),
            index: 0,
            failed_lint: false,
            summary: Summary::default(),
            out: std::io::BufWriter::new(std::io::stdout().lock()),
            write_error: None,
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

    pub fn on_entry(&mut self, mut entry: HarEntry) {
        let index = self.index;
        self.index += 1;
        self.summary.entries += 1;
        if has_server_timing(&entry) {
            self.summary.with_server_timing += 1;
        }
        let key = url_key(&entry.request.url);
        let (start, mut chain) = self.pending.remove(&key).unwrap_or((index, Vec::new()));
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
            } else if self.pending.len() >= MAX_PENDING {
                self.count_unresolved(&chain, "more than 10,000 redirect chains open at once");
            } else if let Some((_, old)) = self.pending.insert(target, (start, chain)) {
                // Two chains wait for one URL: the older one is given up.
                self.count_unresolved(&old, "two redirect chains lead to the same URL");
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
        let text = if self.options.json {
            report_json(&report)
        } else {
            report_text(&report)
        };
        self.write(&text);
    }

    pub fn write(&mut self, text: &str) {
        if self.write_error.is_none() {
            if let Err(error) = self.out.write_all(text.as_bytes()) {
                self.write_error = Some(error);
            }
        }
    }

    /// Chains still waiting at the end of the file never reached a final response.
    pub fn finish(&mut self) {
        let pending: Vec<_> = self.pending.drain().collect();
        for (_, (_, chain)) in pending {
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
                // The page's own document is its navigation entry: what the
                // page sees of it is the final response's (redirects before
                // it hide only their own timing).
                Some((page, _)) if self.is_document(first, last) => {
                    self.visibility(page, &chain[chain.len() - 1..])
                }
                Some((page, _)) => self.visibility(page, &chain),
            }
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
        }
    }

    /// Replays the chain through the resource-timing pipeline as `page` would fetch it.
    fn visibility(&self, page: &Url, chain: &[HarEntry]) -> Visibility {
        let Ok(url) = Url::parse(&chain[0].request.url) else {
            return Visibility::NetworkError(format!("{:?} is not a URL", chain[0].request.url));
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
        if let Some(error) = fetch.network_error_reason() {
            return Visibility::NetworkError(error.to_string());
        }
        let Some(report) = resource_timing::ResourceTimingReport::for_resource(&fetch) else {
            return Visibility::NetworkError("the fetch did not finish".into());
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
