//! *Report timing*: what a finished [`Fetch`] hands to *mark resource
//! timing* (or to Navigation Timing), as one named value,
//! [`ResourceTimingReport`].
//!
//! The report is computed from the fetch's facts alone (its request, client,
//! timing info, body info and [`CapturedResponse`]), so an engine can build
//! it wherever those facts are, and send it across a process boundary.
//!
//! <https://fetch.spec.whatwg.org/#finalize-and-report-timing>

use std::borrow::Cow;

use fetch_headers::{extract_a_mime_type_essence, filtered_content_encoding};
use server_timing::engines::Engine;
use url::Url;

use crate::fetch::{same_origin_request_chain, Fetch, FetchClient, NetworkError};
use crate::json_layout::JsonLayout;
use crate::origin::same_origin;
use crate::policy::{
    BodySizeGate, ContentTypeReading, CorsFailureEntry, CrossOriginExposure, FailedScriptBody,
    NestedNavigationStatus, SecureContextGating, UnreadOpaqueFetchBody,
};
use crate::request::{redirect_taint, RedirectTaint, RequestMode, ResponseTainting};
use crate::timing_info::{
    create_an_opaque_timing_info, CacheState, ConnectionTimingInfo, FetchTimingInfo,
    ResponseBodyInfo,
};

/// What the driver keeps of a fetch's final response for *report timing*:
/// the facts of the internal response that the filtered response may or may
/// not show.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapturedResponse {
    /// The (unfiltered) status; 0 before the final response.
    pub status: u16,
    /// The combined `Content-Type` value (*get*), kept for step 7.
    pub content_type: Option<Vec<u8>>,
    /// The combined `Content-Encoding` value (*get*).
    pub content_encoding: Option<Vec<u8>>,
    /// Whether the last hop passed the TAO check on its own (policy
    /// [`CrossOriginExposure::TimingAllowOriginFinalResponse`]).
    pub last_hop_passed_tao: bool,
    /// Policy [`CorsFailureEntry::TimingOfTheResponse`]: the response that
    /// failed the CORS check passed the TAO check.
    pub cors_failure_passed_tao: bool,
}

/// The inputs of *mark resource timing* (and of Navigation Timing's entry
/// creation): the result of *report timing*'s steps 1–7, with what the
/// client's policy says about `serverTiming`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone)]
pub struct ResourceTimingReport {
    /// The fetch timing info (opaque when the TAO check failed).
    pub timing_info: FetchTimingInfo,
    /// The requested URL: the request's first URL, before redirects.
    pub requested_url: Url,
    /// The initiator type.
    pub initiator_type: Cow<'static, str>,
    /// The cache mode.
    pub cache_mode: CacheState,
    /// The response body info.
    pub body_info: ResponseBodyInfo,
    /// The response status.
    pub response_status: u16,
    /// The delivery type ("" unless the caller knows better).
    pub delivery_type: Cow<'static, str>,
    /// Whether the timing allow passed flag was set. Spec deviation:
    /// `transferSize` is 0 when it was not (WPT and engines).
    pub timing_allow_passed: bool,
    /// Whether the `serverTiming` attribute exists (a `[SecureContext]`
    /// engine hides it from non-secure clients).
    pub server_timing_exposed: bool,
    /// How `serverTiming` reads the captured header values.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_impls::engine"))]
    pub header_reading: Engine,
    /// The members and order of the entry's `toJSON()`.
    pub json_layout: JsonLayout,
}

impl ResourceTimingReport {
    /// Steps 1–7 of *report timing* for a finished fetch: the timing info
    /// (opaque where the TAO check failed), cache state, body info and
    /// response status that *mark resource timing* receives. `None` where
    /// the spec reports nothing: a fetch that has not finished, a request
    /// URL that is not http(s), or a null initiator type.
    ///
    /// <https://fetch.spec.whatwg.org/#finalize-and-report-timing>
    pub fn for_resource(fetch: &Fetch) -> Option<ResourceTimingReport> {
        if !fetch.is_finished() {
            return None;
        }
        let request = fetch.request();
        let client = fetch.client();
        let response = fetch.captured_response();
        // Step 1. Only http(s) request URLs are reported.
        if !matches!(request.url().scheme(), "http" | "https") {
            return None;
        }
        let initiator_type = request.initiator_type.clone()?;
        let policy = client.policy;
        let cors_failure = fetch.network_error_reason() == Some(&NetworkError::CorsCheckFailed);
        // Policy: engines that make no entry for these fetches.
        if cors_failure && policy.cors_failure == CorsFailureEntry::NoEntry {
            return None;
        }
        if policy.unread_opaque_fetch_body == UnreadOpaqueFetchBody::NoEntry
            && fetch.network_error_reason().is_none()
            && request.mode == RequestMode::NoCors
            && request.response_tainting == ResponseTainting::Opaque
            && initiator_type == "fetch"
            && fetch.body_info().encoded_size > 0
        {
            return None;
        }
        let mut timing_info = fetch.timing_info().clone();
        // Step 2. The end time (kept as a coarsened moment; fetch#1812).
        timing_info.end_time = client.coarsen(fetch.unsafe_end_time());
        // Step 3.
        let mut cache_state = fetch.cache_state();
        let network_error = fetch.network_error_reason().is_some();
        let opaque = request.response_tainting == ResponseTainting::Opaque;
        // Step 4. The filtered response's body info: fresh for opaque responses and network errors.
        let mut body_info = if network_error || opaque {
            ResponseBodyInfo::default()
        } else {
            let mut info = fetch.body_info().clone();
            info.content_encoding =
                filtered_content_encoding(response.content_encoding.as_deref()).into();
            info
        };
        // Step 5. The timing allow passed flag. Spec deviation: every network
        // error counts as failing it (see docs/pipeline.md).
        let mut tao_passed = !network_error && !request.timing_allow_failed;
        // Policy: a CORS failure that shows the response's timing.
        if cors_failure && response.cors_failure_passed_tao {
            tao_passed = true;
        }
        let same_origin_only = policy.body_sizes == BodySizeGate::SameOriginOnly
            && !network_error
            && same_origin_request_chain(request);
        if !tao_passed {
            let captured = std::mem::take(&mut timing_info.server_timing_headers);
            let connection = timing_info.final_connection_timing_info.take();
            timing_info = create_an_opaque_timing_info(&timing_info);
            cache_state = CacheState::None;
            // Policy: an engine that looks at the final response's TAO alone,
            // for serverTiming and nextHopProtocol (not the other timestamps).
            if !network_error
                && policy.cross_origin_exposure
                    == CrossOriginExposure::TimingAllowOriginFinalResponse
                && response.last_hop_passed_tao
            {
                timing_info.server_timing_headers = captured;
                timing_info.final_connection_timing_info =
                    connection.map(|c| ConnectionTimingInfo {
                        alpn_negotiated_protocol: c.alpn_negotiated_protocol,
                        ..ConnectionTimingInfo::default()
                    });
            } else if same_origin_only {
                // Policy: a same-origin chain shows its metrics whatever TAO says.
                timing_info.server_timing_headers = captured;
            }
        }
        // Policy: which responses show their body sizes.
        let mut transfer_size_passed = tao_passed;
        let real_sizes = (
            fetch.body_info().encoded_size,
            fetch.body_info().decoded_size,
        );
        let shown = match policy.body_sizes {
            BodySizeGate::Cors => None,
            BodySizeGate::TimingAllowOrigin => Some(tao_passed && !network_error),
            BodySizeGate::SameOriginOnly => {
                transfer_size_passed = same_origin_only;
                Some(same_origin_only)
            }
        };
        if let Some(shown) = shown {
            (body_info.encoded_size, body_info.decoded_size) =
                if shown { real_sizes } else { (0, 0) };
        }
        // Policy: the body of a classic script that failed is not counted.
        if policy.failed_script_body != FailedScriptBody::Counted
            && initiator_type == "script"
            && request.mode == RequestMode::NoCors
            && !network_error
            && response.status >= 400
        {
            body_info.encoded_size = 0;
            body_info.decoded_size = 0;
            if policy.failed_script_body == FailedScriptBody::SizesAndTransferSizeZero {
                transfer_size_passed = false;
            }
        }
        // Step 6.
        let mut response_status = 0;
        // Step 7. Status and content type unless a navigation was redirected cross-origin.
        // (An opaque filtered response has status 0 and an empty header list.)
        if !network_error
            && !opaque
            && (request.mode != RequestMode::Navigate || navigation_exposes_status(fetch))
        {
            response_status =
                status_and_content_type(response, policy.content_type, &mut body_info);
        }
        Some(ResourceTimingReport::new(
            client,
            request.url().clone(),
            initiator_type,
            timing_info,
            cache_state,
            body_info,
            response_status,
            transfer_size_passed,
        ))
    }

    /// The report for a navigation's entry, as soon as the final response's
    /// headers are in: its full timing info (*extract full timing info*,
    /// never made opaque), with the end time once the body has ended and the
    /// status only without a cross-origin redirect. `None` before the final
    /// response or after a network error.
    ///
    /// <https://w3c.github.io/navigation-timing/#create-the-navigation-timing-entry>
    pub fn for_navigation(fetch: &Fetch) -> Option<ResourceTimingReport> {
        if !fetch.has_final_response() || fetch.network_error_reason().is_some() {
            return None;
        }
        let client = fetch.client();
        let response = fetch.captured_response();
        let mut timing_info = fetch.timing_info().clone();
        timing_info.end_time = if fetch.is_finished() {
            client.coarsen(fetch.unsafe_end_time())
        } else {
            0.0
        };
        let mut body_info = fetch.body_info().clone();
        body_info.content_encoding =
            filtered_content_encoding(response.content_encoding.as_deref()).into();
        let mut response_status = 0;
        if redirect_taint(fetch.request()) == RedirectTaint::SameOrigin {
            response_status =
                status_and_content_type(response, client.policy.content_type, &mut body_info);
        }
        Some(ResourceTimingReport::new(
            client,
            fetch.request().current_url().clone(),
            Cow::Borrowed("navigation"),
            timing_info,
            fetch.cache_state(),
            body_info,
            response_status,
            true,
        ))
    }

    /// A report with `client`'s policy for the `serverTiming` attribute.
    #[allow(clippy::too_many_arguments)]
    fn new(
        client: &FetchClient,
        requested_url: Url,
        initiator_type: Cow<'static, str>,
        timing_info: FetchTimingInfo,
        cache_mode: CacheState,
        body_info: ResponseBodyInfo,
        response_status: u16,
        timing_allow_passed: bool,
    ) -> ResourceTimingReport {
        ResourceTimingReport {
            timing_info,
            requested_url,
            initiator_type,
            cache_mode,
            body_info,
            response_status,
            delivery_type: Cow::Borrowed(""),
            timing_allow_passed,
            server_timing_exposed: client.is_secure_context
                || client.policy.secure_context_gating
                    != SecureContextGating::AttributeHiddenWhenNotSecure,
            header_reading: client.policy.header_reading,
            json_layout: client.policy.json_layout,
        }
    }
}

/// The navigation part of step 7 of *report timing*: whether the entry of
/// this (nested) navigation may show the response's status and content type.
fn navigation_exposes_status(fetch: &Fetch) -> bool {
    let request = fetch.request();
    if redirect_taint(request) != RedirectTaint::SameOrigin {
        return false;
    }
    match fetch.client().policy.nested_navigation_status {
        NestedNavigationStatus::HiddenAfterCrossOriginRedirects => true,
        // Policy: engines also hide them for a document from another origin.
        NestedNavigationStatus::HiddenWhenCrossOrigin => {
            same_origin(&request.current_url().origin(), &request.origin_or_opaque())
        }
    }
}

/// Step 7.1-7.3 of *report timing*: the final response's status, with
/// `body_info`'s content type set from its minimized MIME type (or as the
/// policy's `reading` says).
fn status_and_content_type(
    response: &CapturedResponse,
    reading: ContentTypeReading,
    body_info: &mut ResponseBodyInfo,
) -> u16 {
    let header = response.content_type.as_deref();
    // Only the essence decides what `contentType` shows.
    let essence = header.and_then(extract_a_mime_type_essence);
    body_info.content_type = match (reading, essence) {
        (ContentTypeReading::Minimized, Some(essence)) => essence.minimized(),
        // Policy: only the types the engine knows.
        (ContentTypeReading::MinimizedKnownTypes, Some(essence)) => {
            let minimized = essence.minimized();
            let known = minimized != "application/octet-stream"
                && (minimized.starts_with("text/")
                    || minimized.starts_with("image/")
                    || minimized == "application/json"
                    || minimized == "application/xml");
            if known {
                minimized
            } else {
                Cow::Borrowed("")
            }
        }
        // Policy: the essence as it is.
        (ContentTypeReading::Essence, Some(essence)) => essence.into_text(),
        (ContentTypeReading::Essence, None) if header.is_some() => {
            Cow::Borrowed("application/x-unknown-content-type")
        }
        (_, None) => Cow::Borrowed(""),
    };
    response.status
}
