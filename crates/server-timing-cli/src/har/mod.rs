//! Reading a HAR file: its entries (`model`), the streaming reader
//! (`stream`), and what a page would see of each entry's Server-Timing.

pub mod model;
pub mod stream;

use std::collections::HashMap;
use std::io::Write as _;

use resource_timing::transcript::{FetchTranscript, Hop};
use resource_timing::{ExposurePolicy, FetchClient, Request, RequestMode};
use server_timing::engines::lint::lint_lines;
use url::Url;

use crate::cmd::har::HarArgs;
use crate::render::har::{report_json, report_text};
use model::HarEntry;

/// What one entry's report says.
pub struct EntryReport {
    pub index: usize,
    pub method: String,
    pub url: String,
    pub status: i64,
    pub redirects: usize,
    pub page: Option<Url>,
    pub metrics: Vec<server_timing::PerformanceServerTiming>,
    pub visible: Visibility,
    pub lint: Option<server_timing::engines::lint::LintReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Visible,
    NoHeader,
    NotSecure,
    TimingAllowOrigin,
    SameOriginOnly,
    NetworkError,
    UnknownPage,
}

impl Visibility {
    pub fn reason(self) -> &'static str {
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
pub struct State<'o> {
    pub options: &'o HarArgs,
    pub pages: HashMap<String, Url>,
    /// An entry's page, when the page list is missing: its first entry's URL.
    pub first_urls: HashMap<String, Url>,
    /// Redirect chains in progress, keyed by the URL they wait for.
    pub pending: HashMap<String, (usize, Vec<HarEntry>)>,
    pub index: usize,
    pub failed_lint: bool,
    pub out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    pub write_error: Option<std::io::Error>,
}

impl State<'_> {
    pub fn on_entry(&mut self, entry: HarEntry) {
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
