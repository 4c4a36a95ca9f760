//! Fetch's timing structs: fetch timing info, connection timing info,
//! response body info, and the algorithms that make or clamp them.

use std::borrow::Cow;
use std::sync::Arc;

use performance_timeline::{Coarsening, Moment};

/// *Connection timing info*: when the connection behind a response was
/// looked up, connected and secured, and which protocol ALPN chose.
///
/// An embedder reports these as unsafe moments; Fetch clamps and coarsens
/// them ([`clamp_and_coarsen_connection_timing_info`]).
///
/// <https://fetch.spec.whatwg.org/#connection-timing-info>
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionTimingInfo {
    /// *domain lookup start time*.
    pub domain_lookup_start_time: Moment,
    /// *domain lookup end time*.
    pub domain_lookup_end_time: Moment,
    /// *connection start time*.
    pub connection_start_time: Moment,
    /// *connection end time*.
    pub connection_end_time: Moment,
    /// *secure connection start time*; 0 for a connection without TLS.
    pub secure_connection_start_time: Moment,
    /// *ALPN negotiated protocol*, e.g. `b"h2"` or `b"http/1.1"`. Shared,
    /// so that copying the timing info (into a report, an entry, a
    /// redirect's clamped copy) does not copy the bytes.
    pub alpn_negotiated_protocol: Arc<[u8]>,
}

/// A service worker's part of a fetch (Service Workers' static routing);
/// `None` on [`FetchTimingInfo`] when no service worker was involved.
///
/// <https://w3c.github.io/ServiceWorker/#service-worker-timing-info>
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceWorkerTimingInfo {
    /// When the router rules started to be evaluated (a coarsened moment).
    pub worker_router_evaluation_start: Moment,
    /// When the cache lookup for a `cache` source started (a coarsened moment).
    pub worker_cache_lookup_start: Moment,
    /// The source of the matched router rule (`network`, `cache`, `fetch-event`, …), or "".
    pub worker_matched_router_source: String,
    /// The source that finally answered, or "".
    pub worker_final_router_source: String,
}

/// The list of `Server-Timing` field values captured at handover.
///
/// Fetch stores the result of *get, decode, and split*: a list of strings.
/// This type keeps the combined field value instead (the lines joined by
/// `, `, as *get* gives it), which parses to exactly the same metrics (the
/// parser splits outside quoted strings just as the split does, a property
/// the `server-timing` crate tests), without one allocation per element.
/// [`ServerTimingHeaders::fields`] gives the spec's list.
///
/// <https://fetch.spec.whatwg.org/#fetch-timing-info-server-timing-headers>
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerTimingHeaders {
    /// Shared, so that copying timing info (into a report, an opaque
    /// copy, another process's message) does not copy the bytes.
    combined: Option<Arc<[u8]>>,
}

impl ServerTimingHeaders {
    /// The empty list (the default, and what opaque timing info has).
    pub const EMPTY: ServerTimingHeaders = ServerTimingHeaders { combined: None };

    /// Captures `Server-Timing` from a header map (*get, decode, and split*).
    pub fn from_header_map(headers: &http::HeaderMap) -> Self {
        Self::from_lines(headers.get_all(server_timing::SERVER_TIMING).iter())
    }

    /// Captures `Server-Timing` from its field lines, in order.
    pub fn from_lines<'a, I, V>(lines: I) -> Self
    where
        I: IntoIterator<Item = &'a V>,
        V: AsRef<[u8]> + ?Sized + 'a,
    {
        ServerTimingHeaders {
            combined: fetch_headers::get_a_header(lines).map(|value| Arc::from(value.as_ref())),
        }
    }

    /// Whether the list is empty (no `Server-Timing` field was captured).
    pub fn is_empty(&self) -> bool {
        self.combined.is_none()
    }

    /// The combined field value, if any.
    pub fn combined_value(&self) -> Option<&[u8]> {
        self.combined.as_deref()
    }

    /// The spec's list of strings: the combined value, isomorphic decoded
    /// and split on commas outside quoted strings.
    ///
    /// <https://fetch.spec.whatwg.org/#header-value-get-decode-and-split>
    pub fn fields(&self) -> Vec<String> {
        match &self.combined {
            None => Vec::new(),
            Some(value) => fetch_headers::get_decode_and_split_a_header_value(value),
        }
    }
}

/// *Fetch timing info*. Every time is a coarsened moment (0 when unset).
///
/// <https://fetch.spec.whatwg.org/#fetch-timing-info>
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchTimingInfo {
    /// *start time*.
    pub start_time: Moment,
    /// *redirect start time*.
    pub redirect_start_time: Moment,
    /// *redirect end time*.
    pub redirect_end_time: Moment,
    /// *post-redirect start time*.
    pub post_redirect_start_time: Moment,
    /// *final service worker start time*.
    pub final_service_worker_start_time: Moment,
    /// *final network-request start time*.
    pub final_network_request_start_time: Moment,
    /// *first interim network-response start time*.
    pub first_interim_network_response_start_time: Moment,
    /// *final network-response start time*.
    pub final_network_response_start_time: Moment,
    /// *end time*. Stored as a coarsened moment like the others (Fetch's
    /// text stores a relative time here and Resource Timing converts it
    /// again; fetch#1812).
    pub end_time: Moment,
    /// *final connection timing info*.
    pub final_connection_timing_info: Option<ConnectionTimingInfo>,
    /// *service worker timing info*.
    pub service_worker_timing_info: Option<ServiceWorkerTimingInfo>,
    /// *server-timing headers*.
    pub server_timing_headers: ServerTimingHeaders,
    /// *render-blocking*.
    pub render_blocking: bool,
}

/// *Create an opaque timing info*: only the start time (as start and
/// post-redirect start), the end time and render-blocking survive.
///
/// Fetch added the end time and render-blocking in whatwg/fetch#1953;
/// before that an opaque entry's `responseEnd` read 0.
///
/// <https://fetch.spec.whatwg.org/#create-an-opaque-timing-info>
pub fn create_an_opaque_timing_info(timing_info: &FetchTimingInfo) -> FetchTimingInfo {
    FetchTimingInfo {
        start_time: timing_info.start_time,
        post_redirect_start_time: timing_info.start_time,
        end_time: timing_info.end_time,
        render_blocking: timing_info.render_blocking,
        ..FetchTimingInfo::default()
    }
}

/// *Clamp and coarsen connection timing info*. A connection that started
/// before `default_start_time` was reused: all its times become
/// `default_start_time`. Otherwise each time is coarsened.
///
/// <https://fetch.spec.whatwg.org/#clamp-and-coarsen-connection-timing-info>
pub fn clamp_and_coarsen_connection_timing_info(
    timing_info: &ConnectionTimingInfo,
    default_start_time: Moment,
    cross_origin_isolated_capability: bool,
    coarsening: &Coarsening,
) -> ConnectionTimingInfo {
    // Step 1. A reused connection.
    if timing_info.connection_start_time < default_start_time {
        return ConnectionTimingInfo {
            domain_lookup_start_time: default_start_time,
            domain_lookup_end_time: default_start_time,
            connection_start_time: default_start_time,
            connection_end_time: default_start_time,
            secure_connection_start_time: default_start_time,
            alpn_negotiated_protocol: timing_info.alpn_negotiated_protocol.clone(),
        };
    }
    let coarsen = |moment: Moment| {
        if moment == 0.0 {
            0.0
        } else {
            coarsening.coarsen_time(moment, cross_origin_isolated_capability)
        }
    };
    // Step 2.
    ConnectionTimingInfo {
        domain_lookup_start_time: coarsen(timing_info.domain_lookup_start_time),
        domain_lookup_end_time: coarsen(timing_info.domain_lookup_end_time),
        connection_start_time: coarsen(timing_info.connection_start_time),
        connection_end_time: coarsen(timing_info.connection_end_time),
        // Spec deviation: the text coarsens the *connection end time* here, an
        // evident typo; the secure connection start time is meant.
        secure_connection_start_time: coarsen(timing_info.secure_connection_start_time),
        alpn_negotiated_protocol: timing_info.alpn_negotiated_protocol.clone(),
    }
}

/// A response's *cache state*.
///
/// <https://fetch.spec.whatwg.org/#concept-response-cache-state>
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum CacheState {
    /// "": the response came from the network.
    #[default]
    None,
    /// "local": served from the HTTP cache without validation.
    Local,
    /// "validated": served from the cache after a 304 revalidation.
    Validated,
}

impl CacheState {
    /// The spec's string for this state ("", "local" or "validated").
    pub fn as_str(self) -> &'static str {
        match self {
            CacheState::None => "",
            CacheState::Local => "local",
            CacheState::Validated => "validated",
        }
    }
}

/// *Response body info*: body sizes, content type and content encoding.
///
/// <https://fetch.spec.whatwg.org/#response-body-info>
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseBodyInfo {
    /// *encoded size*: bytes as transmitted (after transfer decoding, before content decoding).
    pub encoded_size: u64,
    /// *decoded size*: bytes after content decoding.
    pub decoded_size: u64,
    /// *content type*: the minimized MIME type, or "" (a static string for
    /// the common types, see [`fetch_headers::MimeEssence`]).
    pub content_type: Cow<'static, str>,
    /// *content encoding*: the filtered coding, "multiple", "@unknown" or "".
    pub content_encoding: Cow<'static, str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opaque_timing_info_keeps_only_start_end_and_render_blocking() {
        let full = FetchTimingInfo {
            start_time: 10.0,
            redirect_start_time: 10.0,
            redirect_end_time: 20.0,
            post_redirect_start_time: 20.0,
            final_network_request_start_time: 25.0,
            final_network_response_start_time: 30.0,
            end_time: 40.0,
            final_connection_timing_info: Some(ConnectionTimingInfo::default()),
            server_timing_headers: ServerTimingHeaders::from_lines([b"a;dur=1"]),
            render_blocking: true,
            ..FetchTimingInfo::default()
        };
        let opaque = create_an_opaque_timing_info(&full);
        assert_eq!(opaque.start_time, 10.0);
        assert_eq!(opaque.post_redirect_start_time, 10.0);
        assert_eq!(opaque.end_time, 40.0);
        assert!(opaque.render_blocking);
        assert_eq!(opaque.redirect_start_time, 0.0);
        assert_eq!(opaque.final_network_response_start_time, 0.0);
        assert!(opaque.final_connection_timing_info.is_none());
        assert!(opaque.server_timing_headers.is_empty());
    }

    #[test]
    fn clamp_reused_connection_and_coarsen_new_one() {
        let info = ConnectionTimingInfo {
            domain_lookup_start_time: 1.01234,
            domain_lookup_end_time: 2.01234,
            connection_start_time: 3.01234,
            connection_end_time: 5.09999,
            secure_connection_start_time: 4.05555,
            alpn_negotiated_protocol: b"h2".as_slice().into(),
        };
        let reused = clamp_and_coarsen_connection_timing_info(&info, 7.5, false, &Coarsening::SPEC);
        assert_eq!(reused.domain_lookup_start_time, 7.5);
        assert_eq!(reused.secure_connection_start_time, 7.5);
        assert_eq!(&*reused.alpn_negotiated_protocol, b"h2");
        let fresh = clamp_and_coarsen_connection_timing_info(&info, 1.0, false, &Coarsening::SPEC);
        assert_eq!(fresh.domain_lookup_start_time, 1.0);
        assert_eq!(fresh.connection_end_time, 5.0);
        // Coarsened from its own value, not from the connection end time.
        assert_eq!(fresh.secure_connection_start_time, 4.0);
        let isolated =
            clamp_and_coarsen_connection_timing_info(&info, 1.0, true, &Coarsening::SPEC);
        assert_eq!(isolated.secure_connection_start_time, 4.055);
    }

    #[test]
    fn server_timing_headers_list() {
        let headers = ServerTimingHeaders::from_lines([&b"a, \"x,y\""[..], b"b"]);
        assert_eq!(headers.fields(), ["a", "\"x,y\"", "b"]);
        assert_eq!(headers.combined_value(), Some(&b"a, \"x,y\", b"[..]));
        assert!(ServerTimingHeaders::EMPTY.fields().is_empty());
    }
}
