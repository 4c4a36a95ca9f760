//! The fetch, as a driver that an embedder's network stack feeds with what
//! happened, and that applies Fetch's timing and exposure steps.
//!
//! Nothing here does I/O or reads a clock: every event carries its *unsafe
//! moment* (f64 ms on the clock of the global's
//! [`MonotonicClock`](performance_timeline::MonotonicClock)), and the
//! driver coarsens it with the client's [`Coarsening`].

use std::fmt;
use std::sync::Arc;

use fetch_headers::{
    extract_a_mime_type, filtered_content_encoding, minimize_a_supported_mime_type,
};
use performance_timeline::{Coarsening, Embedder, GlobalFacts, Moment, Performance};
use url::{Origin, Url};

use crate::entry::{
    create_the_navigation_timing_entry, mark_resource_timing, report_for, NavigationTimingType,
    PerformanceNavigationTiming, PerformanceResourceTiming, ResourceTimingReport,
};
use crate::origin::same_origin;
use crate::policy::{
    CrossOriginExposure, ExposurePolicy, NestedNavigationStatus, SecureContextGating,
};
use crate::request::{
    cors_check, redirect_taint, tao_check_ignoring_the_flag, RedirectTaint, Request, RequestMode,
    ResponseTainting,
};
use crate::timing_info::{
    clamp_and_coarsen_connection_timing_info, create_an_opaque_timing_info, CacheState,
    ConnectionTimingInfo, FetchTimingInfo, ResponseBodyInfo, ServerTimingHeaders,
};

/// The most redirects Fetch follows; the 21st is a network error.
///
/// <https://fetch.spec.whatwg.org/#concept-http-redirect-fetch>
pub const REDIRECT_LIMIT: u32 = 20;

/// The fetch's *client*: the environment settings object of the page or
/// worker that fetches.
#[derive(Debug, Clone)]
pub struct FetchClient {
    /// The client's origin (the request's origin).
    pub origin: Origin,
    /// Whether the client is a secure context.
    pub is_secure_context: bool,
    /// The client's cross-origin isolated capability.
    pub cross_origin_isolated_capability: bool,
    /// The coarsening the client's global applies (must match its
    /// `MonotonicClock::coarsen_time`).
    pub coarsening: Coarsening,
    /// What the engine exposes where engines differ.
    pub policy: ExposurePolicy,
}

impl FetchClient {
    /// A client with the spec's coarsening and policy.
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

    /// The client that `global`'s facts describe.
    pub fn for_global<G: GlobalFacts + ?Sized>(global: &G) -> Self {
        FetchClient::new(
            global.origin(),
            global.is_secure_context(),
            global.cross_origin_isolated_capability(),
        )
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

    /// Sets the coarsening.
    pub fn with_coarsening(mut self, coarsening: Coarsening) -> Self {
        self.coarsening = coarsening;
        self
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
    /// The transport failed: DNS, connect, TLS, reset, timeout, a malformed response.
    Transport(String),
    /// An event arrived that does not fit where the fetch is (for example
    /// body bytes before any response). The fetch ends as a network error.
    OutOfOrder(&'static str),
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
        }
    }
}

impl std::error::Error for NetworkError {}

/// What the response whose headers just arrived means for the fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Next {
    /// An interim (1xx) response; the final one is still to come on this hop.
    Interim,
    /// A redirect to this URL: call [`Fetch::follow_redirect`] before the next hop.
    Redirect(Url),
    /// The final response; its body follows.
    Final,
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

/// The fetch's final response, as far as reporting needs it.
#[derive(Debug, Clone, Default)]
struct FinalResponse {
    /// The (unfiltered) status.
    status: u16,
    /// `Content-Type` and `Content-Encoding`, kept for *report timing*.
    content_type: Option<Vec<u8>>,
    content_encoding: Option<Vec<u8>>,
    /// Whether the last hop passed the TAO check on its own (policy
    /// [`CrossOriginExposure::TimingAllowOriginFinalResponse`]).
    last_hop_passed_tao: bool,
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
    response: FinalResponse,
    error: Option<NetworkError>,
    unsafe_end_time: Moment,
    served_by_service_worker: bool,
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
            response: FinalResponse::default(),
            error: None,
            unsafe_end_time: 0.0,
            served_by_service_worker: false,
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

    fn fail(&mut self, error: NetworkError, now: Moment) -> NetworkError {
        if self.error.is_none() {
            self.error = Some(error.clone());
            self.phase = Phase::Failed;
            self.unsafe_end_time = now;
        }
        error
    }

    /// The part of *main fetch* that decides the response tainting for the
    /// current URL (steps 12.x), run at the start and after each redirect.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-main-fetch>
    fn main_fetch_response_tainting(&mut self, now: Moment) {
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

    /// A service worker answered: *final service worker start time* is when
    /// it was asked. Its response skips the TAO check, as Fetch says.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-http-fetch>
    pub fn service_worker_started(&mut self, now: Moment) {
        self.timing_info.final_service_worker_start_time = self.client.coarsen(now);
        self.served_by_service_worker = true;
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

    /// A response's status and headers arrived on this hop. Runs the steps
    /// of *HTTP-network fetch* (interim responses), *HTTP fetch* (CORS and
    /// TAO checks, redirects) and, for the final response, *fetch response
    /// handover* (capturing `Server-Timing`).
    ///
    /// <https://fetch.spec.whatwg.org/#concept-http-fetch>
    pub fn response_headers(
        &mut self,
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
            return Err(self.fail(NetworkError::CorsCheckFailed, now));
        }
        // HTTP fetch step 4.4: a failing TAO check sets the sticky flag.
        // Only on the network path: a service worker's response skips it.
        let hop_passed = tao_check_ignoring_the_flag(&self.request, headers);
        if !self.served_by_service_worker && !hop_passed {
            self.request.timing_allow_failed = true;
        }
        // HTTP fetch step 8: a redirect status with a Location.
        if matches!(status, 301 | 302 | 303 | 307 | 308) {
            if let Some(location) = headers.get(http::header::LOCATION) {
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
        self.response = FinalResponse {
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
        let values = fetch_headers::get_a_header(headers.get_all("timing-allow-origin").iter())
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
    /// the navigation TAO check passes for the final URL's origin.
    ///
    /// <https://html.spec.whatwg.org/multipage/document-lifecycle.html#initialise-the-document-object>
    pub fn navigation_redirect_count(&self) -> u16 {
        let count = u16::try_from(self.request.redirect_count).unwrap_or(u16::MAX);
        if redirect_taint(&self.request) == RedirectTaint::SameOrigin
            || self.navigation_tao_check(&self.request.current_url().origin())
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
    ) -> Option<Arc<PerformanceNavigationTiming>> {
        if !self.has_final_response() || self.error.is_some() {
            return None;
        }
        let mut timing_info = self.timing_info.clone();
        timing_info.end_time = if self.phase == Phase::Done {
            self.client.coarsen(self.unsafe_end_time)
        } else {
            0.0
        };
        let mut body_info = self.body_info.clone();
        body_info.content_encoding =
            filtered_content_encoding(self.response.content_encoding.as_deref());
        let mut response_status = 0;
        if redirect_taint(&self.request) == RedirectTaint::SameOrigin {
            response_status = self.status_and_content_type(&mut body_info);
        }
        let parts = (
            timing_info,
            self.cache_state,
            body_info,
            response_status,
            true,
        );
        let report = report_for(
            &self.client,
            parts,
            self.request.current_url(),
            "navigation".into(),
        );
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
        let same_origin_only_blocks =
            policy.cross_origin_exposure == CrossOriginExposure::SameOriginOnly && {
                let origin = self.request.origin_or_opaque();
                !self
                    .request
                    .url_list
                    .iter()
                    .all(|url| same_origin(&url.origin(), &origin))
            };
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
    /// null initiator type, or a fetch that has not finished.
    ///
    /// <https://fetch.spec.whatwg.org/#finalize-and-report-timing>
    pub fn report_timing<E: Embedder>(
        &self,
        performance: &Performance<E>,
    ) -> Option<Arc<PerformanceResourceTiming>> {
        Some(mark_resource_timing(
            performance,
            self.resource_timing_report()?,
        ))
    }

    /// The report [`Fetch::report_timing`] hands to *mark resource timing*,
    /// without creating an entry: what a page would be told of this fetch
    /// (for tools that count what pages see). `None` where the spec reports
    /// nothing.
    pub fn resource_timing_report(&self) -> Option<ResourceTimingReport> {
        let parts = self.report_timing_values()?;
        let initiator_type = self.request.initiator_type.clone()?;
        Some(report_for(
            &self.client,
            parts,
            self.request.url(),
            initiator_type,
        ))
    }

    /// Steps 1-7 of *report timing*: the timing info (opaque where the TAO
    /// check failed), cache state, body info and response status that
    /// *mark resource timing* receives, and whether the timing allow passed
    /// flag was set. `None` when there is nothing to report.
    pub fn report_timing_values(
        &self,
    ) -> Option<(FetchTimingInfo, CacheState, ResponseBodyInfo, u16, bool)> {
        if !self.is_finished() {
            return None;
        }
        // Step 1. Only http(s) request URLs are reported.
        if !matches!(self.request.url().scheme(), "http" | "https") {
            return None;
        }
        let mut timing_info = self.timing_info.clone();
        // Step 2. The end time (kept as a coarsened moment; fetch#1812).
        timing_info.end_time = self.client.coarsen(self.unsafe_end_time);
        // Step 3.
        let mut cache_state = self.cache_state;
        let network_error = self.error.is_some();
        let opaque = self.request.response_tainting == ResponseTainting::Opaque;
        // Step 4. The filtered response's body info: fresh for opaque responses and network errors.
        let mut body_info = if network_error || opaque {
            ResponseBodyInfo::default()
        } else {
            let mut info = self.body_info.clone();
            info.content_encoding =
                filtered_content_encoding(self.response.content_encoding.as_deref());
            info
        };
        // Step 5. The timing allow passed flag. Spec deviation: every network
        // error counts as failing it (see docs/pipeline.md).
        let tao_passed = !network_error && !self.request.timing_allow_failed;
        if !tao_passed {
            let captured = std::mem::take(&mut timing_info.server_timing_headers);
            timing_info = create_an_opaque_timing_info(&timing_info);
            cache_state = CacheState::None;
            // Policy: an engine that looks at the final response's TAO alone.
            if !network_error
                && self.client.policy.cross_origin_exposure
                    == CrossOriginExposure::TimingAllowOriginFinalResponse
                && self.response.last_hop_passed_tao
            {
                timing_info.server_timing_headers = captured;
            }
        }
        // Step 6.
        let mut response_status = 0;
        // Step 7. Status and content type unless a navigation was redirected cross-origin.
        // (An opaque filtered response has status 0 and an empty header list.)
        if !network_error
            && !opaque
            && (self.request.mode != RequestMode::Navigate || self.navigation_exposes_status())
        {
            response_status = self.status_and_content_type(&mut body_info);
        }
        Some((
            timing_info,
            cache_state,
            body_info,
            response_status,
            tao_passed,
        ))
    }
}

impl Fetch {
    /// The navigation part of step 7 of *report timing*: whether the entry
    /// of this (nested) navigation may show the response's status and
    /// content type.
    fn navigation_exposes_status(&self) -> bool {
        if redirect_taint(&self.request) != RedirectTaint::SameOrigin {
            return false;
        }
        match self.client.policy.nested_navigation_status {
            NestedNavigationStatus::HiddenAfterCrossOriginRedirects => true,
            // Policy: engines also hide them for a document from another origin.
            NestedNavigationStatus::HiddenWhenCrossOrigin => same_origin(
                &self.request.current_url().origin(),
                &self.request.origin_or_opaque(),
            ),
        }
    }

    /// Step 7.1-7.3 of *report timing*: the final response's status, with
    /// `body_info`'s content type set from its minimized MIME type.
    fn status_and_content_type(&self, body_info: &mut ResponseBodyInfo) -> u16 {
        if let Some(mime) = self
            .response
            .content_type
            .as_deref()
            .and_then(extract_a_mime_type)
        {
            body_info.content_type = minimize_a_supported_mime_type(&mime);
        }
        self.response.status
    }
}
