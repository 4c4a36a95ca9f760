//! The fetch, as a driver that an embedder's network stack feeds with what
//! happened, and that applies Fetch's timing and exposure steps.
//!
//! Nothing here does I/O or reads a clock: every event carries its *unsafe
//! moment* (f64 ms on the clock of the global's
//! [`MonotonicClock`]), and the
//! driver coarsens it with the client's [`Coarsening`].

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use performance_timeline::{
    Coarsening, Embedder, GlobalFacts, Moment, MonotonicClock, Performance,
};
use url::{Origin, Url};

use crate::entry::{
    create_the_navigation_timing_entry, mark_resource_timing, NavigationTimingType,
    PerformanceNavigationTiming, PerformanceResourceTiming,
};
use crate::origin::same_origin;
use crate::policy::{
    CorsFailureEntry, CrossOriginExposure, ExposurePolicy, SecureContextGating, TaoRedirectOrigin,
};
use crate::port_blocking::{block_bad_port, PortBlocking};
use crate::report::{CapturedResponse, ResourceTimingReport};
use crate::request::{
    cors_check, redirect_taint, tao_check_ignoring_the_flag, RedirectTaint, Referrer, Request,
    RequestMode, ResponseTainting,
};
use crate::timing_info::{
    clamp_and_coarsen_connection_timing_info, CacheState, ConnectionTimingInfo, FetchTimingInfo,
    ResponseBodyInfo, ServerTimingHeaders,
};

/// The most redirects Fetch follows; the 21st is a network error.
///
/// <https://fetch.spec.whatwg.org/#concept-http-redirect-fetch>
pub const REDIRECT_LIMIT: u32 = 20;

/// The fetch's *client*: the environment settings object of the page or
/// worker that fetches.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone)]
pub struct FetchClient {
    /// The client's origin (the request's origin). Serialized as its ASCII
    /// serialization; an opaque origin comes back as a new opaque origin.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_impls::origin"))]
    pub origin: Origin,
    /// Whether the client is a secure context.
    pub is_secure_context: bool,
    /// The client's cross-origin isolated capability.
    pub cross_origin_isolated_capability: bool,
    /// The coarsening the client's global applies: its
    /// [`MonotonicClock::coarsening`], copied by [`FetchClient::for_global`].
    pub coarsening: Coarsening,
    /// What the engine exposes where engines differ.
    pub policy: ExposurePolicy,
}

impl FetchClient {
    /// A client with the spec's coarsening and policy, for a global whose
    /// clock coarsens as the spec does. Prefer [`FetchClient::for_global`].
    pub fn new(
        origin: Origin,
        is_secure_context: bool,
        cross_origin_isolated_capability: bool,
    ) -> Self {
        FetchClient {
            origin,
            is_secure_context,
            cross_origin_isolated_capability,
            coarsening: Coarsening::SPEC,
            policy: ExposurePolicy::SPEC,
        }
    }

    /// The client that `global`'s facts describe, coarsening as its clock
    /// does ([`MonotonicClock::coarsening`]): entries and `performance.now()`
    /// sit on one grid.
    pub fn for_global<G: GlobalFacts + MonotonicClock + ?Sized>(global: &G) -> Self {
        FetchClient {
            coarsening: global.coarsening(),
            ..FetchClient::new(
                global.origin(),
                global.is_secure_context(),
                global.cross_origin_isolated_capability(),
            )
        }
    }

    /// A client for a page whose document URL is `page`: its origin, and a
    /// secure context when `page` is potentially trustworthy.
    pub fn for_page(page: &Url) -> Self {
        FetchClient::new(
            page.origin(),
            crate::origin::is_secure_context_for(page),
            false,
        )
    }

    /// Sets the exposure policy.
    pub fn with_policy(mut self, policy: ExposurePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// *Coarsened shared current time* of an unsafe moment, with this client's capability.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-coarsened-shared-current-time>
    pub fn coarsen(&self, unsafe_moment: Moment) -> Moment {
        self.coarsening
            .coarsen_time(unsafe_moment, self.cross_origin_isolated_capability)
    }
}

/// Why a fetch ended in a network error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetworkError {
    /// Mode "same-origin" and a cross-origin URL.
    SameOriginModeViolation,
    /// A CORS response failed the CORS check.
    CorsCheckFailed,
    /// A `Location` that does not parse.
    InvalidRedirectLocation,
    /// A redirect to a scheme other than http(s).
    RedirectToNonHttpScheme,
    /// More than [`REDIRECT_LIMIT`] redirects.
    TooManyRedirects,
    /// A CORS request redirected to a URL with credentials.
    RedirectWithCredentials,
    /// The embedder blocked the response (mixed content, CSP, CORP, ORB, …).
    Blocked(String),
    /// The transport failed: DNS, connect, TLS, reset, timeout, a malformed
    /// response. The underlying error is its [`std::error::Error::source`].
    Transport(TransportError),
    /// An event arrived that does not fit where the fetch is (for example
    /// body bytes before any response). The fetch ends as a network error.
    OutOfOrder(&'static str),
    /// The URL's port is one of Fetch's bad ports ([`crate::port_blocking`]):
    /// main fetch blocks it before anything is sent.
    BadPort(u16),
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetworkError::SameOriginModeViolation => {
                f.write_str("mode \"same-origin\" request to a cross-origin URL")
            }
            NetworkError::CorsCheckFailed => f.write_str("CORS check failed"),
            NetworkError::InvalidRedirectLocation => {
                f.write_str("redirect Location is not a valid URL")
            }
            NetworkError::RedirectToNonHttpScheme => {
                f.write_str("redirect to a URL whose scheme is not http(s)")
            }
            NetworkError::TooManyRedirects => write!(f, "more than {REDIRECT_LIMIT} redirects"),
            NetworkError::RedirectWithCredentials => {
                f.write_str("CORS redirect to a URL with credentials")
            }
            NetworkError::Blocked(why) => write!(f, "blocked: {why}"),
            NetworkError::Transport(why) => write!(f, "transport error: {why}"),
            NetworkError::OutOfOrder(what) => write!(f, "fetch event out of order: {what}"),
            NetworkError::BadPort(port) => write!(f, "blocked: {port} is a bad port"),
        }
    }
}

impl std::error::Error for NetworkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NetworkError::Transport(error) => Some(error.get_ref()),
            _ => None,
        }
    }
}

/// What failed under a [`NetworkError::Transport`]: any error, kept whole
/// (shared, so that the network error stays cheap to clone). Built from a
/// message (`"reset".into()`) or from an error with [`TransportError::new`].
/// Two are equal when their messages are.
#[derive(Debug, Clone)]
pub struct TransportError(std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>);

impl TransportError {
    /// Wraps `error`.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        TransportError(std::sync::Arc::from(error.into()))
    }

    /// The wrapped error (downcast it to the transport's own error type).
    pub fn get_ref(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq for TransportError {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

impl Eq for TransportError {}

impl From<&str> for TransportError {
    fn from(message: &str) -> Self {
        TransportError::new(message)
    }
}

impl From<String> for TransportError {
    fn from(message: String) -> Self {
        TransportError::new(message)
    }
}

/// What the response whose headers just arrived means for the fetch:
/// exactly these three cases, which is what Fetch's HTTP fetch can make of
/// a response that is not a network error (the enum is exhaustive on
/// purpose, so that a driver's `match` needs no catch-all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// An interim (1xx) response; the final one is still to come on this hop.
    Interim,
    /// A redirect to this URL: call [`Fetch::follow_redirect`] before the next hop.
    Redirect(Url),
    /// The final response; its body follows.
    Final,
}

/// Where a response came from: what decides whether Fetch runs the TAO check
/// on it. Each response carries its own; nothing carries over to later hops.
///
/// <https://fetch.spec.whatwg.org/#concept-http-fetch>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ResponseSource {
    /// *HTTP-network-or-cache fetch*: the network or the HTTP cache. The TAO
    /// check runs (HTTP fetch step 4.4 of the response's hop).
    Network,
    /// A service worker's `respondWith()` answered this hop (HTTP fetch step
    /// 5): the TAO check is skipped for this response only.
    ServiceWorker,
}

/// Where the fetch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the response headers of the current hop.
    AwaitingResponse,
    /// A redirect response arrived; [`Fetch::follow_redirect`] is next.
    Redirected,
    /// The final response's headers arrived; the body is streaming.
    Body,
    /// The body ended.
    Done,
    /// A network error.
    Failed,
}

/// One fetch, from *fetch* to *report timing*.
///
/// Drive it with the events of each hop, in order:
/// [`connection_obtained`](Fetch::connection_obtained),
/// [`request_started`](Fetch::request_started),
/// [`response_started`](Fetch::response_started) and
/// [`response_headers`](Fetch::response_headers) for each response (interim
/// ones included), [`follow_redirect`](Fetch::follow_redirect) after a
/// redirect, then [`body_received`](Fetch::body_received) and
/// [`end_of_body`](Fetch::end_of_body), or
/// [`network_error`](Fetch::network_error) at any point. Then
/// [`report_timing`](Fetch::report_timing) makes the entry.
///
/// A method called out of order turns the fetch into a network error
/// ([`NetworkError::OutOfOrder`]) rather than panicking.
#[derive(Debug, Clone)]
pub struct Fetch {
    request: Request,
    client: FetchClient,
    timing_info: FetchTimingInfo,
    phase: Phase,
    pending_location: Option<Url>,
    cache_state: CacheState,
    body_info: ResponseBodyInfo,
    response: CapturedResponse,
    error: Option<NetworkError>,
    unsafe_end_time: Moment,
    /// Set once *report timing* ran: a second call reports nothing.
    reported: Cell<bool>,
    navigation_timing_allow_values: Vec<Vec<Vec<u8>>>,
}

impl Fetch {
    /// *Fetch*: the request starts now.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-fetch>
    pub fn start(mut request: Request, client: FetchClient, now: Moment) -> Fetch {
        // Step 4. The request's origin "client" becomes the client's origin.
        if request.origin.is_none() {
            request.origin = Some(client.origin.clone());
        }
        // Step 2. Start time and post-redirect start time.
        let start = client.coarsen(now);
        let timing_info = FetchTimingInfo {
            start_time: start,
            post_redirect_start_time: start,
            render_blocking: request.render_blocking,
            ..FetchTimingInfo::default()
        };
        let mut fetch = Fetch {
            request,
            client,
            timing_info,
            phase: Phase::AwaitingResponse,
            pending_location: None,
            cache_state: CacheState::None,
            body_info: ResponseBodyInfo::default(),
            response: CapturedResponse::default(),
            error: None,
            unsafe_end_time: 0.0,
            reported: Cell::new(false),
            navigation_timing_allow_values: Vec::new(),
        };
        fetch.main_fetch_response_tainting(now);
        fetch
    }

    /// The request, with its URL list, tainting and flags so far.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The client.
    pub fn client(&self) -> &FetchClient {
        &self.client
    }

    /// The fetch timing info so far (for a navigation, *extract full timing
    /// info*; it is never made opaque).
    ///
    /// <https://fetch.spec.whatwg.org/#extract-full-timing-info>
    pub fn timing_info(&self) -> &FetchTimingInfo {
        &self.timing_info
    }

    /// The network error the fetch ended with, if any.
    pub fn network_error_reason(&self) -> Option<&NetworkError> {
        self.error.as_ref()
    }

    /// Whether the final response's headers have arrived (the point of
    /// *fetch response handover*).
    pub fn has_final_response(&self) -> bool {
        matches!(self.phase, Phase::Body | Phase::Done)
    }

    /// Whether the fetch finished (end of body or network error).
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Done | Phase::Failed)
    }

    /// The response's body info so far (encoded and decoded sizes).
    pub fn body_info(&self) -> &ResponseBodyInfo {
        &self.body_info
    }

    /// The final response's status (0 before it arrives or after a network error).
    pub fn response_status(&self) -> u16 {
        if self.error.is_some() {
            0
        } else {
            self.response.status
        }
    }

    /// The cache state reported with [`Fetch::set_cache_state`].
    pub fn cache_state(&self) -> CacheState {
        self.cache_state
    }

    /// What the driver kept of the final response for *report timing*.
    pub fn captured_response(&self) -> &CapturedResponse {
        &self.response
    }

    /// The unsafe moment the fetch ended (end of body or network error); 0 before.
    pub fn unsafe_end_time(&self) -> Moment {
        self.unsafe_end_time
    }

    fn fail(&mut self, error: NetworkError, now: Moment) -> NetworkError {
        if self.error.is_none() {
            self.error = Some(error.clone());
            self.phase = Phase::Failed;
            self.unsafe_end_time = now;
        }
        error
    }

    /// The parts of *main fetch* that block a bad port (step 7) and decide
    /// the response tainting for the current URL (steps 12.x), run at the
    /// start and after each redirect.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-main-fetch>
    fn main_fetch_response_tainting(&mut self, now: Moment) {
        // Main fetch step 7: a bad port is a network error before anything
        // else (mixed content and CSP are the embedder's, reported with
        // `NetworkError::Blocked`).
        if block_bad_port(self.request.current_url()) == PortBlocking::Blocked {
            let port = self.request.current_url().port().unwrap_or(0);
            self.fail(NetworkError::BadPort(port), now);
            return;
        }
        let current = self.request.current_url();
        let same = match &self.request.origin {
            Some(origin) => same_origin(&current.origin(), origin),
            None => false,
        };
        // Same origin and not yet tainted, data:, or a navigation: "basic".
        if (same && self.request.response_tainting == ResponseTainting::Basic)
            || current.scheme() == "data"
            || matches!(
                self.request.mode,
                RequestMode::Navigate | RequestMode::WebSocket
            )
        {
            return;
        }
        match self.request.mode {
            RequestMode::SameOrigin => {
                self.fail(NetworkError::SameOriginModeViolation, now);
            }
            RequestMode::NoCors => self.request.response_tainting = ResponseTainting::Opaque,
            _ => self.request.response_tainting = ResponseTainting::Cors,
        }
    }

    /// The response came from the HTTP cache (`Local`) or was revalidated
    /// with a 304 (`Validated`); report it before the final headers.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-http-network-or-cache-fetch>
    pub fn set_cache_state(&mut self, cache_state: CacheState) {
        self.cache_state = cache_state;
    }

    /// A service worker was asked to handle the request: *final service
    /// worker start time*. This says nothing about who answers: report the
    /// worker's own response with [`Fetch::service_worker_response_headers`],
    /// and a response that came from the network after all (the worker did
    /// not respond, or a later hop) with [`Fetch::response_headers`].
    ///
    /// <https://fetch.spec.whatwg.org/#concept-http-fetch>
    pub fn service_worker_started(&mut self, now: Moment) {
        self.timing_info.final_service_worker_start_time = self.client.coarsen(now);
    }

    /// A connection was obtained for this hop. Pass its original times even
    /// when it is reused: a connection that started before this hop's
    /// post-redirect start time is clamped to it.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-http-network-fetch>
    pub fn connection_obtained(&mut self, connection: &ConnectionTimingInfo) {
        if self.phase != Phase::AwaitingResponse {
            return;
        }
        self.timing_info.final_connection_timing_info =
            Some(clamp_and_coarsen_connection_timing_info(
                connection,
                self.timing_info.post_redirect_start_time,
                self.client.cross_origin_isolated_capability,
                &self.client.coarsening,
            ));
    }

    /// The request is about to be sent on this hop (*final network-request start time*).
    pub fn request_started(&mut self, now: Moment) {
        if self.phase == Phase::AwaitingResponse {
            self.timing_info.final_network_request_start_time = self.client.coarsen(now);
        }
    }

    /// The first byte of a response (interim or final) arrived (*final
    /// network-response start time*).
    pub fn response_started(&mut self, now: Moment) {
        if self.phase == Phase::AwaitingResponse {
            self.timing_info.final_network_response_start_time = self.client.coarsen(now);
        }
    }

    /// A response's status and headers arrived on this hop from the network
    /// (or the HTTP cache): [`Fetch::response_headers_from`] with
    /// [`ResponseSource::Network`]. The TAO check runs on it.
    ///
    /// `Err` means the fetch has ended in that network error (now or
    /// before): no further event changes it, and [`Fetch::report_timing`]
    /// reports the network error.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-http-fetch>
    pub fn response_headers(
        &mut self,
        status: u16,
        headers: &http::HeaderMap,
        now: Moment,
    ) -> Result<Next, NetworkError> {
        self.response_headers_from(ResponseSource::Network, status, headers, now)
    }

    /// A service worker answered this hop with this response:
    /// [`Fetch::response_headers_from`] with [`ResponseSource::ServiceWorker`].
    /// The TAO check is skipped for this response only.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-http-fetch>
    pub fn service_worker_response_headers(
        &mut self,
        status: u16,
        headers: &http::HeaderMap,
        now: Moment,
    ) -> Result<Next, NetworkError> {
        self.response_headers_from(ResponseSource::ServiceWorker, status, headers, now)
    }

    /// A response's status and headers arrived on this hop from `source`.
    /// Runs the steps of *HTTP-network fetch* (interim responses), *HTTP
    /// fetch* (CORS and TAO checks, redirects) and, for the final response,
    /// *fetch response handover* (capturing `Server-Timing`).
    ///
    /// `Err` means the fetch has ended in that network error (now or
    /// before): no further event changes it.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-http-fetch>
    pub fn response_headers_from(
        &mut self,
        source: ResponseSource,
        status: u16,
        headers: &http::HeaderMap,
        now: Moment,
    ) -> Result<Next, NetworkError> {
        if self.phase != Phase::AwaitingResponse {
            if let Some(error) = &self.error {
                return Err(error.clone());
            }
            return Err(self.fail(
                NetworkError::OutOfOrder("response headers outside a hop"),
                now,
            ));
        }
        // HTTP-network fetch: interim responses.
        if (100..=199).contains(&status) {
            if self.timing_info.first_interim_network_response_start_time == 0.0 {
                self.timing_info.first_interim_network_response_start_time =
                    self.timing_info.final_network_response_start_time;
            }
            return Ok(Next::Interim);
        }
        // HTTP fetch step 4.3: a CORS response must pass the CORS check.
        if self.request.response_tainting == ResponseTainting::Cors
            && !cors_check(&self.request, headers)
        {
            // Policy: an engine that shows such a response's timing when it passed TAO.
            if self.client.policy.cors_failure == CorsFailureEntry::TimingOfTheResponse
                && !self.request.timing_allow_failed
                && self.hop_tao_check(headers)
            {
                self.response.cors_failure_passed_tao = true;
                self.fetch_response_handover(headers);
            }
            return Err(self.fail(NetworkError::CorsCheckFailed, now));
        }
        // HTTP fetch step 4.4: a failing TAO check sets the sticky flag.
        // Every response from the network is checked; only a service
        // worker's own response (step 5) skips it.
        let hop_passed = self.hop_tao_check(headers);
        if source == ResponseSource::Network && !hop_passed {
            self.request.timing_allow_failed = true;
        }
        // HTTP fetch step 8: a redirect status with a Location.
        if matches!(status, 301 | 302 | 303 | 307 | 308) {
            if let Some(location) = headers.get(http::header::LOCATION) {
                // Location URL step 2: *extract header list values*; the
                // ABNF of `Location` allows one value, so lines that differ
                // are a failure, and a failed location URL is a network
                // error (HTTP-redirect fetch step 3). Repeats of one value
                // are taken as one, as browsers do.
                if headers
                    .get_all(http::header::LOCATION)
                    .iter()
                    .any(|other| other != location)
                {
                    return Err(self.fail(NetworkError::InvalidRedirectLocation, now));
                }
                if self.request.mode == RequestMode::Navigate {
                    self.append_to_a_requests_navigation_timing_allow_values_list(headers);
                }
                let location = String::from_utf8_lossy(location.as_bytes()).into_owned();
                return match self.request.current_url().join(&location) {
                    Ok(url) => {
                        self.pending_location = Some(url.clone());
                        self.phase = Phase::Redirected;
                        Ok(Next::Redirect(url))
                    }
                    Err(_) => Err(self.fail(NetworkError::InvalidRedirectLocation, now)),
                };
            }
        }
        // The final response.
        self.response = CapturedResponse {
            status,
            content_type: fetch_headers::get_a_header(
                headers.get_all(http::header::CONTENT_TYPE).iter(),
            )
            .map(|v| v.into_owned()),
            content_encoding: fetch_headers::get_a_header(
                headers.get_all(http::header::CONTENT_ENCODING).iter(),
            )
            .map(|v| v.into_owned()),
            last_hop_passed_tao: hop_passed,
            cors_failure_passed_tao: false,
        };
        self.phase = Phase::Body;
        self.fetch_response_handover(headers);
        Ok(Next::Final)
    }

    /// *Append to a request's navigation timing allow values list* the
    /// `Timing-Allow-Origin` values of a navigation's redirect response.
    ///
    /// <https://fetch.spec.whatwg.org/#append-to-a-requests-navigation-timing-allow-values-list>
    fn append_to_a_requests_navigation_timing_allow_values_list(
        &mut self,
        headers: &http::HeaderMap,
    ) {
        let values =
            fetch_headers::get_a_header(headers.get_all(fetch_headers::TIMING_ALLOW_ORIGIN).iter())
                .map(|combined| {
                    fetch_headers::split_a_header_value(&combined)
                        .into_iter()
                        .map(<[u8]>::to_vec)
                        .collect()
                })
                .unwrap_or_default();
        self.navigation_timing_allow_values.push(values);
    }

    /// *Navigation TAO check*: whether every redirect of this navigation
    /// allowed `destination_origin` (or everyone) to see its timing.
    ///
    /// <https://fetch.spec.whatwg.org/#navigation-tao-check>
    pub fn navigation_tao_check(&self, destination_origin: &Origin) -> bool {
        let serialized = crate::origin::serialize_origin(destination_origin);
        self.navigation_timing_allow_values.iter().all(|values| {
            values
                .iter()
                .any(|value| value == b"*" || value.as_slice() == serialized.as_bytes())
        })
    }

    /// The `redirectCount` of the navigation entry, as HTML computes it: the
    /// request's redirect count, but 0 after a cross-origin redirect unless
    /// the request's referrer is not "no-referrer" and the navigation TAO
    /// check passes for the final URL's origin (the document's). The
    /// request's client is never null here: a [`FetchClient`] is always
    /// given.
    ///
    /// <https://html.spec.whatwg.org/multipage/document-lifecycle.html#initialise-the-document-object>
    pub fn navigation_redirect_count(&self) -> u16 {
        let count = u16::try_from(self.request.redirect_count).unwrap_or(u16::MAX);
        if redirect_taint(&self.request) == RedirectTaint::SameOrigin
            || (self.request.referrer != Referrer::NoReferrer
                && self.navigation_tao_check(&self.request.current_url().origin()))
        {
            count
        } else {
            0
        }
    }

    /// Navigation Timing's *create the navigation timing entry* for this
    /// navigation fetch, as soon as the final response's headers are in
    /// (the document is created then): its full timing info, never made
    /// opaque, so `serverTiming` is there before the body ends. Call
    /// [`Fetch::update_navigation_entry`] when the body ends. `None` before
    /// the final response or after a network error.
    ///
    /// <https://w3c.github.io/navigation-timing/#create-the-navigation-timing-entry>
    pub fn create_the_navigation_timing_entry<E: Embedder>(
        &self,
        performance: &Performance<E>,
        navigation_type: NavigationTimingType,
    ) -> Option<Rc<PerformanceNavigationTiming>> {
        let report = ResourceTimingReport::for_navigation(self)?;
        Some(create_the_navigation_timing_entry(
            performance,
            report,
            self.navigation_redirect_count(),
            navigation_type,
        ))
    }

    /// Brings a navigation entry up to date once the body has ended: its
    /// `responseEnd` (and with it `duration`'s inputs) and its body sizes
    /// (and with them `transferSize`), as the response's body info holds
    /// them at the end of the body.
    pub fn update_navigation_entry(&self, entry: &PerformanceNavigationTiming) {
        if self.phase == Phase::Done {
            entry.set_end_time(self.client.coarsen(self.unsafe_end_time));
            entry.set_body_sizes(self.body_info.encoded_size, self.body_info.decoded_size);
        }
    }

    /// The part of *fetch response handover* that captures `Server-Timing`
    /// from the internal response when the client is a secure context.
    ///
    /// <https://fetch.spec.whatwg.org/#fetch-finale>
    fn fetch_response_handover(&mut self, headers: &http::HeaderMap) {
        let policy = self.client.policy;
        // Step 3. Only for a secure client (a UA may also do it for others).
        let capture = self.client.is_secure_context
            || policy.secure_context_gating == SecureContextGating::NotGated;
        // Policy: some engines expose nothing for a response that left the
        // request's origin, whatever Timing-Allow-Origin says.
        let same_origin_only_blocks = policy.cross_origin_exposure
            == CrossOriginExposure::SameOriginOnly
            && !same_origin_request_chain(&self.request);
        if capture && !same_origin_only_blocks {
            self.timing_info.server_timing_headers = ServerTimingHeaders::from_header_map(headers);
        }
    }

    /// *HTTP-redirect fetch* for the redirect whose headers just arrived:
    /// checks the target, counts the redirect, and sets the redirect times.
    /// The next hop then starts with [`Fetch::connection_obtained`].
    ///
    /// <https://fetch.spec.whatwg.org/#concept-http-redirect-fetch>
    pub fn follow_redirect(&mut self, now: Moment) -> Result<Url, NetworkError> {
        let Some(location) = self
            .pending_location
            .take()
            .filter(|_| self.phase == Phase::Redirected)
        else {
            if let Some(error) = &self.error {
                return Err(error.clone());
            }
            return Err(self.fail(
                NetworkError::OutOfOrder("follow_redirect without a redirect"),
                now,
            ));
        };
        // Step 6.
        if !matches!(location.scheme(), "http" | "https") {
            return Err(self.fail(NetworkError::RedirectToNonHttpScheme, now));
        }
        // Step 7-8.
        if self.request.redirect_count == REDIRECT_LIMIT {
            return Err(self.fail(NetworkError::TooManyRedirects, now));
        }
        self.request.redirect_count += 1;
        // Step 9.
        if self.request.response_tainting == ResponseTainting::Cors
            && (!location.username().is_empty() || location.password().is_some())
        {
            return Err(self.fail(NetworkError::RedirectWithCredentials, now));
        }
        // Step 15. Redirect end time and post-redirect start time.
        let moment = self.client.coarsen(now);
        self.timing_info.redirect_end_time = moment;
        self.timing_info.post_redirect_start_time = moment;
        // Step 16.
        if self.timing_info.redirect_start_time == 0.0 {
            self.timing_info.redirect_start_time = self.timing_info.start_time;
        }
        // Step 17. Append the location URL.
        self.request.url_list.push(location.clone());
        // Policy: an engine that does not follow a cors redirect back to
        // the request's origin once a chain that started there has left it
        // (A→B→A; B→A is followed).
        if self.client.policy.cors_redirect_back_fails
            && self.request.response_tainting == ResponseTainting::Cors
            && same_origin(&location.origin(), &self.request.origin_or_opaque())
            && same_origin(
                &self.request.url().origin(),
                &self.request.origin_or_opaque(),
            )
        {
            return Err(self.fail(NetworkError::CorsCheckFailed, now));
        }
        // Step 20. Main fetch again for the new URL.
        self.phase = Phase::AwaitingResponse;
        self.main_fetch_response_tainting(now);
        match &self.error {
            Some(error) => Err(error.clone()),
            None => Ok(location),
        }
    }

    /// Body bytes arrived: `encoded` as transmitted, `decoded` after content decoding.
    pub fn body_received(&mut self, encoded: u64, decoded: u64) {
        if self.phase == Phase::Body {
            self.body_info.encoded_size = self.body_info.encoded_size.saturating_add(encoded);
            self.body_info.decoded_size = self.body_info.decoded_size.saturating_add(decoded);
        }
    }

    /// The body ended (*process response end-of-body*): the unsafe end time.
    pub fn end_of_body(&mut self, now: Moment) {
        match self.phase {
            Phase::Body => {
                self.phase = Phase::Done;
                self.unsafe_end_time = now;
            }
            Phase::Done | Phase::Failed => {}
            _ => {
                self.fail(
                    NetworkError::OutOfOrder("end of body before the final response"),
                    now,
                );
            }
        }
    }

    /// The fetch failed now. A network error that comes after the end of
    /// the body is ignored.
    pub fn network_error(&mut self, error: NetworkError, now: Moment) {
        if self.phase != Phase::Done {
            self.fail(error, now);
        }
    }

    /// *Report timing*: turns the finished fetch into a
    /// `PerformanceResourceTiming` entry in `performance` (queued to
    /// observers and added to the resource timing buffer). Returns `None`
    /// where the spec reports nothing: a request URL that is not http(s), a
    /// null initiator type, a fetch that has not finished, or a fetch whose
    /// timing was reported already (a fetch reports once: the second call
    /// is a no-op).
    ///
    /// <https://fetch.spec.whatwg.org/#finalize-and-report-timing>
    pub fn report_timing<E: Embedder>(
        &self,
        performance: &Performance<E>,
    ) -> Option<Rc<PerformanceResourceTiming>> {
        if self.reported.get() {
            return None;
        }
        let report = ResourceTimingReport::for_resource(self)?;
        self.reported.set(true);
        Some(mark_resource_timing(performance, report))
    }
}

impl Fetch {
    /// The TAO check of the hop whose headers just arrived, on its own.
    fn hop_tao_check(&self, headers: &http::HeaderMap) -> bool {
        // Policy: an engine whose no-cors chains compare with the page's
        // origin, never with "null".
        if self.client.policy.tao_redirect_origin == TaoRedirectOrigin::PageOriginForNoCors
            && self.request.mode == RequestMode::NoCors
        {
            let mut untainted = self.request.clone();
            untainted.url_list = vec![self.request.current_url().clone()];
            return tao_check_ignoring_the_flag(&untainted, headers);
        }
        tao_check_ignoring_the_flag(&self.request, headers)
    }
}

/// Policy [`CrossOriginExposure::SameOriginOnly`]: whether the request
/// stayed on its origin. For `fetch()` the last URL may be on another
/// origin after a redirect (recorded in WebKitGTK 2.50: A→B shows, B and
/// A→B→A do not); for elements every URL counts.
pub(crate) fn same_origin_request_chain(request: &Request) -> bool {
    let origin = request.origin_or_opaque();
    let urls = &request.url_list;
    let checked = if request.initiator_type.as_deref() == Some("fetch") && urls.len() > 1 {
        &urls[..urls.len() - 1]
    } else {
        &urls[..]
    };
    checked
        .iter()
        .all(|url| same_origin(&url.origin(), &origin))
}
