//! The part of a browser's fetch that decides what a page may learn about a
//! response, and turns a finished fetch into a `PerformanceResourceTiming`
//! entry: WHATWG Fetch's timing info, origins and the Timing-Allow-Origin
//! check, Secure Contexts' gating of `Server-Timing`, and W3C Resource
//! Timing's entry with its zeroed and gated attributes.
//!
//! It does no I/O. An embedder's network stack reports what happened to a
//! [`Fetch`] (one call per event, each with its moment on the global's
//! monotonic clock); [`Fetch::report_timing`] then runs *report timing* and
//! *mark resource timing* into a
//! [`performance_timeline::Performance`]. A whole fetch described after the
//! fact by its hops can be replayed with [`transcript::FetchTranscript`].
//!
//! `docs/pipeline.md` draws the stages from response to entry;
//! `docs/policies.md` lists the knobs where engines differ ([`ExposurePolicy`]).
//!
//! # Example
//!
//! A page on `https://shop.example` loads an image from a CDN that sends
//! `Timing-Allow-Origin` and `Server-Timing`:
//!
//! ```
//! use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
//! use performance_timeline::{Performance, PerformanceEntry};
//! use resource_timing::{ConnectionTimingInfo, Fetch, FetchClient, Next, Request, RequestMode};
//! use url::Url;
//!
//! let page = Url::parse("https://shop.example/").unwrap();
//! let event_loop = ReferenceEventLoop::new();
//! let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &page));
//!
//! let image = Url::parse("https://cdn.example/logo.png").unwrap();
//! let request = Request::new(image, RequestMode::NoCors).initiator_type("img");
//! let mut fetch = Fetch::start(request, FetchClient::for_page(&page), 10.0);
//! fetch.connection_obtained(&ConnectionTimingInfo {
//!     domain_lookup_start_time: 10.0,
//!     domain_lookup_end_time: 11.0,
//!     connection_start_time: 11.0,
//!     connection_end_time: 14.0,
//!     secure_connection_start_time: 12.0,
//!     alpn_negotiated_protocol: b"h2".as_slice().into(),
//! });
//! fetch.request_started(14.0);
//! fetch.response_started(30.0);
//! let mut headers = http::HeaderMap::new();
//! headers.insert("timing-allow-origin", "https://shop.example".parse().unwrap());
//! headers.insert("server-timing", "cdn-cache;desc=HIT, edge;dur=2.5".parse().unwrap());
//! assert_eq!(fetch.response_headers(200, &headers, 30.0), Ok(Next::Final));
//! fetch.body_received(1200, 1200);
//! fetch.end_of_body(32.0);
//!
//! let entry = fetch.report_timing(&performance).unwrap();
//! assert_eq!(entry.name(), "https://cdn.example/logo.png");
//! assert_eq!(entry.next_hop_protocol(), "h2");
//! assert_eq!((entry.connect_start(), entry.response_start(), entry.response_end()), (11.0, 30.0, 32.0));
//! // A no-cors response is opaque to CORS: no status and no body sizes, so
//! // transferSize is only the 300 bytes that stand for the headers.
//! assert_eq!((entry.response_status(), entry.encoded_body_size()), (0, 0));
//! assert_eq!(entry.transfer_size(), 300);
//! let metrics: Vec<String> = entry.server_timing().iter().map(|m| m.to_string()).collect();
//! assert_eq!(metrics.len(), 2);
//! assert_eq!(performance.get_entries_by_type("resource").len(), 1);
//! ```

/// The `http` crate, re-exported: the driver takes `http::HeaderMap`s.
pub use http;
/// The `url` crate, re-exported: requests and clients hold `url::Url`s and `url::Origin`s.
pub use url;
/// The crates this one stands on, re-exported so a user of the pipeline
/// needs no other dependency of ours.
pub use {fetch_headers, performance_timeline, server_timing};

pub mod entry;
pub mod fallback;
pub mod fetch;
pub mod json_layout;
pub mod origin;
pub mod policy;
pub mod port_blocking;
pub mod report;
pub mod request;
#[cfg(feature = "serde")]
mod serde_impls;
pub mod timing_info;
pub mod transcript;

pub use entry::{
    convert_fetch_timestamp, create_the_navigation_timing_entry, mark_resource_timing,
    setup_the_resource_timing_entry, DocumentLoadTiming, NavigationTimingType,
    PerformanceNavigationTiming, PerformanceResourceTiming, TRANSFER_SIZE_HEADER_BYTES,
};
pub use fallback::{mark_fallback_resource_timing, reports_fallback_timing};
pub use fetch::{
    Fetch, FetchClient, NetworkError, Next, ResponseSource, TransportError, REDIRECT_LIMIT,
};
pub use json_layout::JsonLayout;
pub use policy::{
    BodySizeGate, ContentTypeReading, CorsFailureEntry, CrossOriginExposure, Engine,
    ExposurePolicy, FailedScriptBody, NestedNavigationStatus, SecureContextGating,
    TaoRedirectOrigin, UnreadOpaqueFetchBody,
};
pub use port_blocking::{block_bad_port, is_bad_port, PortBlocking};
pub use report::{CapturedResponse, ResourceTimingReport};
pub use request::{
    cors_check, redirect_taint, serializing_a_request_origin, tao_check,
    tao_check_ignoring_the_flag, CredentialsMode, RedirectTaint, Referrer, Request, RequestMode,
    ResponseTainting,
};
pub use timing_info::{
    clamp_and_coarsen_connection_timing_info, create_an_opaque_timing_info, CacheState,
    ConnectionTimingInfo, FetchTimingInfo, ResponseBodyInfo, ServerTimingHeaders,
    ServiceWorkerTimingInfo,
};
