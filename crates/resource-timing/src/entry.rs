//! `PerformanceResourceTiming` and `PerformanceNavigationTiming`, and the
//! algorithms that create them: *mark resource timing*, *setup the resource
//! timing entry*, *convert fetch timestamp*, and Navigation Timing's
//! *create the navigation timing entry*.

use std::any::Any;
use std::borrow::Cow;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use fetch_headers::json::JsonObject;
use performance_timeline::{
    DOMHighResTimeStamp, DurationsFrom, Embedder, EntryIdentifiers, Moment, Performance,
    PerformanceEntry,
};
use server_timing::engines::Engine;
use server_timing::PerformanceServerTiming;

use crate::json_layout::JsonLayout;
use crate::report::ResourceTimingReport;
use crate::timing_info::{CacheState, ServerTimingHeaders};

pub use performance_timeline::{NAVIGATION, RESOURCE};
/// What `transferSize` adds for the response's header bytes.
///
/// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-transfersize>
pub const TRANSFER_SIZE_HEADER_BYTES: u64 = 300;

/// *Convert fetch timestamp*: 0 stays 0; any other moment becomes the
/// duration from the global's time origin (already coarse, so not coarsened again).
///
/// <https://w3c.github.io/resource-timing/#dfn-convert-fetch-timestamp>
pub fn convert_fetch_timestamp<E: Embedder>(
    ts: Moment,
    performance: &Performance<E>,
) -> DOMHighResTimeStamp {
    convert_fetch_timestamp_from(ts, &performance.durations_from_time_origin())
}

/// [`convert_fetch_timestamp`] with the global's time origin read once.
fn convert_fetch_timestamp_from(ts: Moment, time_origin: &DurationsFrom) -> DOMHighResTimeStamp {
    // Step 1.
    if ts == 0.0 {
        return 0.0;
    }
    // Step 2. The relative high resolution coarse time.
    time_origin.to(ts)
}

/// *Mark resource timing*: creates the entry, queues it to observers and
/// adds it to the resource timing buffer.
///
/// <https://w3c.github.io/resource-timing/#mark-resource-timing>
pub fn mark_resource_timing<E: Embedder>(
    performance: &Performance<E>,
    report: ResourceTimingReport,
) -> Rc<PerformanceResourceTiming> {
    // Step 1-2. Create and set up the entry.
    let entry = Rc::new(setup_the_resource_timing_entry(
        RESOURCE,
        report,
        performance,
    ));
    // Step 3.
    performance.queue_a_performance_entry(entry.clone());
    // Step 4.
    performance.add_a_performance_resource_timing_entry(entry.clone());
    entry
}

/// The `nextHopProtocol` getter's value: the ALPN protocol ID, isomorphic
/// decoded, with the IDs that IANA registers for HTTP kept as static strings.
///
/// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-nexthopprotocol>
fn next_hop_protocol(alpn: &[u8]) -> Cow<'static, str> {
    match alpn {
        b"" => Cow::Borrowed(""),
        b"h2" => Cow::Borrowed("h2"),
        b"h3" => Cow::Borrowed("h3"),
        b"http/1.1" => Cow::Borrowed("http/1.1"),
        b"http/1.0" => Cow::Borrowed("http/1.0"),
        other => fetch_headers::isomorphic_decode(other).into_owned().into(),
    }
}

/// The `transferSize` getter's rules: 0 when TAO failed or the response came
/// from the cache without revalidation, the header constant alone after a
/// revalidation, and otherwise the encoded body size plus the header constant.
///
/// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-transfersize>
fn transfer_size(timing_allow_passed: bool, cache_mode: CacheState, encoded_size: u64) -> u64 {
    if !timing_allow_passed {
        return 0;
    }
    match cache_mode {
        CacheState::Local => 0,
        CacheState::Validated => TRANSFER_SIZE_HEADER_BYTES,
        CacheState::None => encoded_size.saturating_add(TRANSFER_SIZE_HEADER_BYTES),
    }
}

/// *Setup the resource timing entry*, with every timestamp converted
/// once against `performance`'s time origin.
///
/// <https://w3c.github.io/resource-timing/#setup-the-resource-timing-entry>
pub fn setup_the_resource_timing_entry<E: Embedder>(
    entry_type: &'static str,
    report: ResourceTimingReport,
    performance: &Performance<E>,
) -> PerformanceResourceTiming {
    let time_origin = performance.durations_from_time_origin();
    let conv = |ts: Moment| convert_fetch_timestamp_from(ts, &time_origin);
    // Step 1. The cache mode is one of "", "local" and "validated" by its type.
    // Step 2. The global is `performance`'s.
    let info = &report.timing_info;
    // Step 3. Initialize the PerformanceEntry: the start time, the entry
    // type, the requested URL as its name, and the end time.
    let start_time = conv(info.start_time);
    let response_end = conv(info.end_time);
    // Step 4-9. Store the initiator type, requested URL, timing info,
    // resource info, cache mode and response status. The getters' values
    // are derived here, once (the time origin never changes).
    let connection = info.final_connection_timing_info.as_ref();
    let worker = info.service_worker_timing_info.as_ref();
    let first_interim = conv(info.first_interim_network_response_start_time);
    let final_headers = conv(info.final_network_response_start_time);
    let transfer_size = transfer_size(
        report.timing_allow_passed,
        report.cache_mode,
        report.body_info.encoded_size,
    );
    // Step 10. A cached response is delivered from the cache.
    let delivery_type = if report.delivery_type.is_empty() && report.cache_mode != CacheState::None
    {
        Cow::Borrowed("cache")
    } else {
        report.delivery_type
    };
    // Step 11. Store the delivery type (below).
    PerformanceResourceTiming {
        identifiers: EntryIdentifiers::new(),
        entry_type,
        name: report.requested_url,
        start_time,
        response_end: AtomicU64::new(response_end.to_bits()),
        time_origin_offset: performance.time_origin(),
        initiator_type: report.initiator_type,
        delivery_type,
        next_hop_protocol: connection.map_or(Cow::Borrowed(""), |c| {
            next_hop_protocol(&c.alpn_negotiated_protocol)
        }),
        worker_start: conv(info.final_service_worker_start_time),
        redirect_start: conv(info.redirect_start_time),
        redirect_end: conv(info.redirect_end_time),
        fetch_start: conv(info.post_redirect_start_time),
        domain_lookup_start: connection.map_or(0.0, |c| conv(c.domain_lookup_start_time)),
        domain_lookup_end: connection.map_or(0.0, |c| conv(c.domain_lookup_end_time)),
        connect_start: connection.map_or(0.0, |c| conv(c.connection_start_time)),
        connect_end: connection.map_or(0.0, |c| conv(c.connection_end_time)),
        secure_connection_start: connection.map_or(0.0, |c| conv(c.secure_connection_start_time)),
        request_start: conv(info.final_network_request_start_time),
        final_response_headers_start: final_headers,
        first_interim_response_start: first_interim,
        response_start: if first_interim != 0.0 {
            first_interim
        } else {
            final_headers
        },
        worker_router_evaluation_start: worker
            .map_or(0.0, |w| conv(w.worker_router_evaluation_start)),
        worker_cache_lookup_start: worker.map_or(0.0, |w| conv(w.worker_cache_lookup_start)),
        worker_matched_router_source: worker
            .map(|w| w.worker_matched_router_source.clone())
            .unwrap_or_default(),
        worker_final_router_source: worker
            .map(|w| w.worker_final_router_source.clone())
            .unwrap_or_default(),
        transfer_size: AtomicU64::new(transfer_size),
        encoded_body_size: AtomicU64::new(report.body_info.encoded_size),
        decoded_body_size: AtomicU64::new(report.body_info.decoded_size),
        timing_allow_passed: report.timing_allow_passed,
        response_status: report.response_status,
        render_blocking: info.render_blocking,
        content_type: report.body_info.content_type,
        content_encoding: report.body_info.content_encoding,
        cache_mode: report.cache_mode,
        json_layout: report.json_layout,
        server_timing: ServerTimingSource {
            headers: report.timing_info.server_timing_headers,
            reading: report.header_reading,
            exposed: report.server_timing_exposed,
            parsed: OnceLock::new(),
        },
    }
}

/// The `serverTiming` attribute's source: the captured header values,
/// parsed on first read (the result is the same on every read).
#[derive(Debug)]
struct ServerTimingSource {
    headers: ServerTimingHeaders,
    reading: Engine,
    exposed: bool,
    parsed: OnceLock<Arc<[PerformanceServerTiming]>>,
}

impl ServerTimingSource {
    fn heap_size(&self) -> usize {
        let parsed = self.parsed.get().map_or(0, |metrics| {
            metrics.len() * std::mem::size_of::<PerformanceServerTiming>()
                + metrics
                    .iter()
                    .map(|m| m.name().len() + m.description().len())
                    .sum::<usize>()
        });
        self.headers.combined_value().map_or(0, <[u8]>::len) + parsed
    }

    /// The `serverTiming` getter: each captured field parsed, the
    /// non-null results in order.
    ///
    /// <https://w3c.github.io/server-timing/#servertiming-attribute>
    fn get(&self) -> &Arc<[PerformanceServerTiming]> {
        self.parsed
            .get_or_init(|| match self.headers.combined_value() {
                None => Arc::from([]),
                // The value is already combined from the captured lines.
                Some(value) => self.reading.parse_value(value).into(),
            })
    }
}

/// A `PerformanceResourceTiming` entry.
///
/// Every getter returns what the IDL attribute of the same name (in
/// snake_case) returns. Timestamps are converted once, when the entry is
/// set up; the time origin never changes, so this equals converting on
/// each read.
///
/// <https://w3c.github.io/resource-timing/#sec-performanceresourcetiming>
#[derive(Debug)]
pub struct PerformanceResourceTiming {
    identifiers: EntryIdentifiers,
    entry_type: &'static str,
    /// The requested URL; `name` is its serialization.
    name: url::Url,
    start_time: DOMHighResTimeStamp,
    /// `responseEnd` as f64 bits: a navigation entry's end arrives after it is created.
    response_end: AtomicU64,
    time_origin_offset: Moment,
    initiator_type: Cow<'static, str>,
    delivery_type: Cow<'static, str>,
    next_hop_protocol: Cow<'static, str>,
    worker_start: DOMHighResTimeStamp,
    redirect_start: DOMHighResTimeStamp,
    redirect_end: DOMHighResTimeStamp,
    fetch_start: DOMHighResTimeStamp,
    domain_lookup_start: DOMHighResTimeStamp,
    domain_lookup_end: DOMHighResTimeStamp,
    connect_start: DOMHighResTimeStamp,
    connect_end: DOMHighResTimeStamp,
    secure_connection_start: DOMHighResTimeStamp,
    request_start: DOMHighResTimeStamp,
    final_response_headers_start: DOMHighResTimeStamp,
    first_interim_response_start: DOMHighResTimeStamp,
    response_start: DOMHighResTimeStamp,
    worker_router_evaluation_start: DOMHighResTimeStamp,
    worker_cache_lookup_start: DOMHighResTimeStamp,
    worker_matched_router_source: String,
    worker_final_router_source: String,
    /// The three sizes change once more for a navigation whose body was
    /// still arriving when its entry was made.
    transfer_size: AtomicU64,
    encoded_body_size: AtomicU64,
    decoded_body_size: AtomicU64,
    timing_allow_passed: bool,
    response_status: u16,
    render_blocking: bool,
    content_type: Cow<'static, str>,
    content_encoding: Cow<'static, str>,
    cache_mode: CacheState,
    json_layout: JsonLayout,
    server_timing: ServerTimingSource,
}

macro_rules! getters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(&self) -> $ty {
                self.$name
            }
        )*
    };
}

impl PerformanceResourceTiming {
    getters! {
        /// `workerStart`.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-workerstart>
        worker_start: DOMHighResTimeStamp;
        /// `redirectStart`.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-redirectstart>
        redirect_start: DOMHighResTimeStamp;
        /// `redirectEnd`.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-redirectend>
        redirect_end: DOMHighResTimeStamp;
        /// `fetchStart`: the post-redirect start time.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-fetchstart>
        fetch_start: DOMHighResTimeStamp;
        /// `domainLookupStart`.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-domainlookupstart>
        domain_lookup_start: DOMHighResTimeStamp;
        /// `domainLookupEnd`.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-domainlookupend>
        domain_lookup_end: DOMHighResTimeStamp;
        /// `connectStart`.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-connectstart>
        connect_start: DOMHighResTimeStamp;
        /// `connectEnd`.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-connectend>
        connect_end: DOMHighResTimeStamp;
        /// `secureConnectionStart`.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-secureconnectionstart>
        secure_connection_start: DOMHighResTimeStamp;
        /// `requestStart`.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-requeststart>
        request_start: DOMHighResTimeStamp;
        /// `finalResponseHeadersStart`.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-finalresponseheadersstart>
        final_response_headers_start: DOMHighResTimeStamp;
        /// `firstInterimResponseStart`.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-firstinterimresponsestart>
        first_interim_response_start: DOMHighResTimeStamp;
        /// `responseStart`: the first interim response's start if there was one, else the final headers' start.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-responsestart>
        response_start: DOMHighResTimeStamp;
        /// `workerRouterEvaluationStart`.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-workerrouterevaluationstart>
        worker_router_evaluation_start: DOMHighResTimeStamp;
        /// `workerCacheLookupStart`.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-workercachelookupstart>
        worker_cache_lookup_start: DOMHighResTimeStamp;
        /// `responseStatus`.
        ///
        /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-responsestatus>
        response_status: u16;
        /// The entry's *cache mode* ("", "local" or "validated").
        ///
        /// <https://w3c.github.io/resource-timing/#sec-performanceresourcetiming>
        cache_mode: CacheState;
    }

    /// `transferSize`.
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-transfersize>
    pub fn transfer_size(&self) -> u64 {
        self.transfer_size.load(Ordering::Relaxed)
    }
    /// `encodedBodySize`.
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-encodedbodysize>
    pub fn encoded_body_size(&self) -> u64 {
        self.encoded_body_size.load(Ordering::Relaxed)
    }
    /// `decodedBodySize`.
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-decodedbodysize>
    pub fn decoded_body_size(&self) -> u64 {
        self.decoded_body_size.load(Ordering::Relaxed)
    }
    /// `initiatorType`.
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-initiatortype>
    pub fn initiator_type(&self) -> &str {
        &self.initiator_type
    }
    /// `deliveryType`.
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-deliverytype>
    pub fn delivery_type(&self) -> &str {
        &self.delivery_type
    }
    /// `nextHopProtocol`: the ALPN protocol, isomorphic decoded.
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-nexthopprotocol>
    pub fn next_hop_protocol(&self) -> &str {
        &self.next_hop_protocol
    }
    /// `workerMatchedRouterSource`.
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-workermatchedroutersource>
    pub fn worker_matched_router_source(&self) -> &str {
        &self.worker_matched_router_source
    }
    /// `workerFinalRouterSource`.
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-workerfinalroutersource>
    pub fn worker_final_router_source(&self) -> &str {
        &self.worker_final_router_source
    }
    /// `contentType`.
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-contenttype>
    pub fn content_type(&self) -> &str {
        &self.content_type
    }
    /// `contentEncoding`.
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-contentencoding>
    pub fn content_encoding(&self) -> &str {
        &self.content_encoding
    }
    /// `renderBlockingStatus`: "blocking" or "non-blocking".
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-renderblockingstatus>
    pub fn render_blocking_status(&self) -> &'static str {
        if self.render_blocking {
            "blocking"
        } else {
            "non-blocking"
        }
    }
    /// `responseEnd`.
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performanceresourcetiming-responseend>
    pub fn response_end(&self) -> DOMHighResTimeStamp {
        f64::from_bits(self.response_end.load(Ordering::Relaxed))
    }
    /// `serverTiming`: the metrics (an empty list where the specs say so).
    /// The same `Arc` on every read, so it stands for a `FrozenArray`.
    ///
    /// <https://w3c.github.io/server-timing/#servertiming-attribute>
    pub fn server_timing(&self) -> Arc<[PerformanceServerTiming]> {
        self.server_timing.get().clone()
    }
    /// Whether the entry has a `serverTiming` attribute at all: false only
    /// under a policy that marks it `[SecureContext]`, for a non-secure client.
    pub fn has_server_timing_attribute(&self) -> bool {
        self.server_timing.exposed
    }
    /// The captured `Server-Timing` values behind [`Self::server_timing`].
    pub fn server_timing_headers(&self) -> &ServerTimingHeaders {
        &self.server_timing.headers
    }

    /// Heap bytes the entry owns: its strings, the captured `Server-Timing`
    /// value and, once read, the parsed metrics.
    pub fn heap_size_of_children(&self) -> usize {
        let owned = |c: &Cow<'static, str>| match c {
            Cow::Borrowed(_) => 0,
            Cow::Owned(s) => s.capacity(),
        };
        self.name.as_str().len()
            + owned(&self.initiator_type)
            + owned(&self.delivery_type)
            + owned(&self.next_hop_protocol)
            + self.worker_matched_router_source.capacity()
            + self.worker_final_router_source.capacity()
            + owned(&self.content_type)
            + owned(&self.content_encoding)
            + self.server_timing.heap_size()
    }

    /// The entry's end time changed (a navigation's body ended): sets
    /// `responseEnd` from a coarsened moment, relative to the same time origin.
    pub(crate) fn set_end_time(&self, end_time: Moment) {
        let value = if end_time == 0.0 {
            0.0
        } else {
            performance_timeline::duration_between(self.time_origin_offset, end_time)
        };
        self.response_end.store(value.to_bits(), Ordering::Relaxed);
    }

    /// The body ended with these sizes (a navigation whose entry was made at
    /// its response headers): the body sizes and `transferSize` follow, by
    /// the same rules as when the entry was made.
    pub(crate) fn set_body_sizes(&self, encoded_size: u64, decoded_size: u64) {
        self.encoded_body_size
            .store(encoded_size, Ordering::Relaxed);
        self.decoded_body_size
            .store(decoded_size, Ordering::Relaxed);
        self.transfer_size.store(
            transfer_size(self.timing_allow_passed, self.cache_mode, encoded_size),
            Ordering::Relaxed,
        );
    }

    /// The members of the `[Default] toJSON()` of `PerformanceEntry` and
    /// `PerformanceResourceTiming`, in IDL order, with `serverTiming` last
    /// (where engines put the partial interface's member).
    pub(crate) fn write_json_members(&self, out: &mut JsonObject, duration: DOMHighResTimeStamp) {
        if let Some(id) = self.identifiers.id() {
            out.number("id", id as f64);
        }
        out.string("name", self.name.as_str())
            .string("entryType", self.entry_type)
            .number("startTime", self.start_time)
            .number("duration", duration);
        if let Some(navigation_id) = self.identifiers.navigation_id() {
            out.number("navigationId", navigation_id as f64);
        }
        out.string("initiatorType", &self.initiator_type)
            .string("deliveryType", &self.delivery_type)
            .string("nextHopProtocol", &self.next_hop_protocol)
            .number("workerStart", self.worker_start)
            .number("redirectStart", self.redirect_start)
            .number("redirectEnd", self.redirect_end)
            .number("fetchStart", self.fetch_start)
            .number("domainLookupStart", self.domain_lookup_start)
            .number("domainLookupEnd", self.domain_lookup_end)
            .number("connectStart", self.connect_start)
            .number("connectEnd", self.connect_end)
            .number("secureConnectionStart", self.secure_connection_start)
            .number("requestStart", self.request_start)
            .number(
                "finalResponseHeadersStart",
                self.final_response_headers_start,
            )
            .number(
                "firstInterimResponseStart",
                self.first_interim_response_start,
            )
            .number("responseStart", self.response_start)
            .number("responseEnd", self.response_end())
            .number(
                "workerRouterEvaluationStart",
                self.worker_router_evaluation_start,
            )
            .number("workerCacheLookupStart", self.worker_cache_lookup_start)
            .string(
                "workerMatchedRouterSource",
                &self.worker_matched_router_source,
            )
            .string("workerFinalRouterSource", &self.worker_final_router_source)
            .number("transferSize", self.transfer_size() as f64)
            .number("encodedBodySize", self.encoded_body_size() as f64)
            .number("decodedBodySize", self.decoded_body_size() as f64)
            .number("responseStatus", f64::from(self.response_status))
            .string("renderBlockingStatus", self.render_blocking_status())
            .string("contentType", &self.content_type)
            .string("contentEncoding", &self.content_encoding);
    }

    /// Appends the member named `member` of the entry's `toJSON()` (a name
    /// of a [`JsonLayout`]); `serverTiming` only where the attribute exists.
    fn write_json_member(&self, out: &mut JsonObject, member: &str, duration: DOMHighResTimeStamp) {
        match member {
            "id" => {
                if let Some(id) = self.identifiers.id() {
                    out.number("id", id as f64);
                }
            }
            "navigationId" => {
                if let Some(id) = self.identifiers.navigation_id() {
                    out.number("navigationId", id as f64);
                }
            }
            "name" => {
                out.string(member, self.name.as_str());
            }
            "entryType" => {
                out.string(member, self.entry_type);
            }
            "startTime" => {
                out.number(member, self.start_time);
            }
            "duration" => {
                out.number(member, duration);
            }
            "initiatorType" => {
                out.string(member, &self.initiator_type);
            }
            "deliveryType" => {
                out.string(member, &self.delivery_type);
            }
            "nextHopProtocol" => {
                out.string(member, &self.next_hop_protocol);
            }
            "workerStart" => {
                out.number(member, self.worker_start);
            }
            "redirectStart" => {
                out.number(member, self.redirect_start);
            }
            "redirectEnd" => {
                out.number(member, self.redirect_end);
            }
            "fetchStart" => {
                out.number(member, self.fetch_start);
            }
            "domainLookupStart" => {
                out.number(member, self.domain_lookup_start);
            }
            "domainLookupEnd" => {
                out.number(member, self.domain_lookup_end);
            }
            "connectStart" => {
                out.number(member, self.connect_start);
            }
            "connectEnd" => {
                out.number(member, self.connect_end);
            }
            "secureConnectionStart" => {
                out.number(member, self.secure_connection_start);
            }
            "requestStart" => {
                out.number(member, self.request_start);
            }
            "finalResponseHeadersStart" => {
                out.number(member, self.final_response_headers_start);
            }
            "firstInterimResponseStart" => {
                out.number(member, self.first_interim_response_start);
            }
            "responseStart" => {
                out.number(member, self.response_start);
            }
            "responseEnd" => {
                out.number(member, self.response_end());
            }
            "workerRouterEvaluationStart" => {
                out.number(member, self.worker_router_evaluation_start);
            }
            "workerCacheLookupStart" => {
                out.number(member, self.worker_cache_lookup_start);
            }
            // Chromium 156 names these two workerMatchedSourceType and workerFinalSourceType.
            "workerMatchedRouterSource" | "workerMatchedSourceType" => {
                out.string(member, &self.worker_matched_router_source);
            }
            "workerFinalRouterSource" | "workerFinalSourceType" => {
                out.string(member, &self.worker_final_router_source);
            }
            "transferSize" => {
                out.number(member, self.transfer_size() as f64);
            }
            "encodedBodySize" => {
                out.number(member, self.encoded_body_size() as f64);
            }
            "decodedBodySize" => {
                out.number(member, self.decoded_body_size() as f64);
            }
            "responseStatus" => {
                out.number(member, f64::from(self.response_status));
            }
            "renderBlockingStatus" => {
                out.string(member, self.render_blocking_status());
            }
            "contentType" => {
                out.string(member, &self.content_type);
            }
            "contentEncoding" => {
                out.string(member, &self.content_encoding);
            }
            "serverTiming" => self.write_json_server_timing(out),
            _ => {}
        }
    }

    /// Appends `"serverTiming":[…]` when the attribute exists.
    pub(crate) fn write_json_server_timing(&self, out: &mut JsonObject) {
        if !self.server_timing.exposed {
            return;
        }
        let mut list = String::from("[");
        for (i, metric) in self.server_timing.get().iter().enumerate() {
            if i > 0 {
                list.push(',');
            }
            metric.write_json(&mut list);
        }
        list.push(']');
        out.raw("serverTiming", &list);
    }
}

impl PerformanceEntry for PerformanceResourceTiming {
    fn name(&self) -> &str {
        self.name.as_str()
    }
    fn entry_type(&self) -> &str {
        self.entry_type
    }
    fn start_time(&self) -> DOMHighResTimeStamp {
        self.start_time
    }
    /// `responseEnd − startTime`, or 0 while the end time is unset.
    fn duration(&self) -> DOMHighResTimeStamp {
        let end = self.response_end();
        if end == 0.0 {
            0.0
        } else {
            end - self.start_time
        }
    }
    /// The `[Default] toJSON()` text, `serverTiming` included (as Chromium
    /// and Firefox do; the default toJSON includes it because a FrozenArray
    /// of an interface with toJSON is a JSON type).
    fn to_json(&self) -> String {
        let mut out = JsonObject::new();
        let duration = self.duration();
        let members = self.json_layout.members(
            self.identifiers.id().is_some(),
            self.identifiers.navigation_id().is_some(),
        );
        for member in members {
            self.write_json_member(&mut out, member, duration);
        }
        out.finish()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn identifiers(&self) -> Option<&EntryIdentifiers> {
        Some(&self.identifiers)
    }
    fn heap_size(&self) -> usize {
        self.heap_size_of_children()
    }
}

/// `PerformanceNavigationTiming.type`.
///
/// <https://w3c.github.io/navigation-timing/#dom-navigationtimingtype>
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum NavigationTimingType {
    /// "navigate".
    #[default]
    Navigate,
    /// "reload".
    Reload,
    /// "back_forward".
    BackForward,
    /// "prerender".
    Prerender,
}

impl NavigationTimingType {
    /// The IDL enum string.
    pub fn as_str(self) -> &'static str {
        match self {
            NavigationTimingType::Navigate => "navigate",
            NavigationTimingType::Reload => "reload",
            NavigationTimingType::BackForward => "back_forward",
            NavigationTimingType::Prerender => "prerender",
        }
    }
}

/// The document's load timing: the Navigation Timing attributes that a
/// Document fills in as it loads (durations relative to the time origin;
/// 0 until they happen).
///
/// <https://html.spec.whatwg.org/multipage/dom.html#document-load-timing-info>
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DocumentLoadTiming {
    /// `unloadEventStart` (of the previous document, when same-origin).
    pub unload_event_start: DOMHighResTimeStamp,
    /// `unloadEventEnd`.
    pub unload_event_end: DOMHighResTimeStamp,
    /// `domInteractive`.
    pub dom_interactive: DOMHighResTimeStamp,
    /// `domContentLoadedEventStart`.
    pub dom_content_loaded_event_start: DOMHighResTimeStamp,
    /// `domContentLoadedEventEnd`.
    pub dom_content_loaded_event_end: DOMHighResTimeStamp,
    /// `domComplete`.
    pub dom_complete: DOMHighResTimeStamp,
    /// `loadEventStart`.
    pub load_event_start: DOMHighResTimeStamp,
    /// `loadEventEnd`.
    pub load_event_end: DOMHighResTimeStamp,
}

/// A `PerformanceNavigationTiming` entry: a resource entry of type
/// "navigation" with the document's load timing. It is live: the document
/// fills in its load timing and the fetch its end time after creation.
///
/// <https://w3c.github.io/navigation-timing/#sec-PerformanceNavigationTiming>
#[derive(Debug)]
pub struct PerformanceNavigationTiming {
    resource: PerformanceResourceTiming,
    navigation_type: NavigationTimingType,
    redirect_count: u16,
    load_timing: Mutex<DocumentLoadTiming>,
}

impl PerformanceNavigationTiming {
    /// The inherited `PerformanceResourceTiming` attributes (`serverTiming` among them).
    pub fn resource(&self) -> &PerformanceResourceTiming {
        &self.resource
    }
    /// `type`.
    pub fn navigation_type(&self) -> NavigationTimingType {
        self.navigation_type
    }
    /// `redirectCount`.
    pub fn redirect_count(&self) -> u16 {
        self.redirect_count
    }
    /// `redirectStart`, as Navigation Timing overrides it: 0 when the
    /// redirect count is 0, else the resource entry's.
    ///
    /// <https://w3c.github.io/navigation-timing/#PerformanceResourceTiming>
    pub fn redirect_start(&self) -> DOMHighResTimeStamp {
        if self.redirect_count == 0 {
            0.0
        } else {
            self.resource.redirect_start()
        }
    }
    /// `redirectEnd`, as Navigation Timing overrides it: 0 when the
    /// redirect count is 0, else the resource entry's.
    ///
    /// <https://w3c.github.io/navigation-timing/#PerformanceResourceTiming>
    pub fn redirect_end(&self) -> DOMHighResTimeStamp {
        if self.redirect_count == 0 {
            0.0
        } else {
            self.resource.redirect_end()
        }
    }
    /// The document's load timing so far.
    pub fn load_timing(&self) -> DocumentLoadTiming {
        *self
            .load_timing
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
    /// Updates the document's load timing (the Document does this as it loads).
    pub fn update_load_timing(&self, update: impl FnOnce(&mut DocumentLoadTiming)) {
        update(
            &mut self
                .load_timing
                .lock()
                .unwrap_or_else(|poison| poison.into_inner()),
        );
    }
    /// The navigation's body ended at `end_time` (a coarsened moment): `responseEnd` and `duration` follow.
    pub fn set_end_time(&self, end_time: Moment) {
        self.resource.set_end_time(end_time);
    }
    /// The navigation's body ended with these sizes: `encodedBodySize`,
    /// `decodedBodySize` and `transferSize` follow.
    pub fn set_body_sizes(&self, encoded_size: u64, decoded_size: u64) {
        self.resource.set_body_sizes(encoded_size, decoded_size);
    }
}

impl PerformanceEntry for PerformanceNavigationTiming {
    fn name(&self) -> &str {
        self.resource.name()
    }
    fn entry_type(&self) -> &str {
        NAVIGATION
    }
    fn start_time(&self) -> DOMHighResTimeStamp {
        self.resource.start_time()
    }
    /// Navigation Timing: `loadEventEnd − startTime` (0 until the load event ends).
    fn duration(&self) -> DOMHighResTimeStamp {
        let end = self.load_timing().load_event_end;
        if end == 0.0 {
            0.0
        } else {
            end - self.resource.start_time()
        }
    }
    fn to_json(&self) -> String {
        let mut out = JsonObject::new();
        self.resource.write_json_members(&mut out, self.duration());
        let timing = self.load_timing();
        out.number("unloadEventStart", timing.unload_event_start)
            .number("unloadEventEnd", timing.unload_event_end)
            .number("domInteractive", timing.dom_interactive)
            .number(
                "domContentLoadedEventStart",
                timing.dom_content_loaded_event_start,
            )
            .number(
                "domContentLoadedEventEnd",
                timing.dom_content_loaded_event_end,
            )
            .number("domComplete", timing.dom_complete)
            .number("loadEventStart", timing.load_event_start)
            .number("loadEventEnd", timing.load_event_end)
            .string("type", self.navigation_type.as_str())
            .number("redirectCount", f64::from(self.redirect_count));
        self.resource.write_json_server_timing(&mut out);
        out.finish()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn identifiers(&self) -> Option<&EntryIdentifiers> {
        Some(&self.resource.identifiers)
    }
    fn heap_size(&self) -> usize {
        self.resource.heap_size_of_children()
    }
}

/// *Create the navigation timing entry* for a document whose navigation
/// fetch is `report` (its timing info is the full one, never opaque), then
/// *queue the navigation timing entry* and add it to the buffer. Call it
/// when the document is created, that is once the response headers are
/// in: `serverTiming` is available from then on, and the end time follows
/// with [`PerformanceNavigationTiming::set_end_time`].
///
/// <https://w3c.github.io/navigation-timing/#create-the-navigation-timing-entry>
pub fn create_the_navigation_timing_entry<E: Embedder>(
    performance: &Performance<E>,
    mut report: ResourceTimingReport,
    redirect_count: u16,
    navigation_type: NavigationTimingType,
) -> Rc<PerformanceNavigationTiming> {
    report.initiator_type = Cow::Borrowed("navigation");
    let mut resource = setup_the_resource_timing_entry(NAVIGATION, report, performance);
    // Navigation Timing's `redirectStart` and `redirectEnd` getters: 0 when
    // the redirect count is 0 (HTML sets it to 0 for hidden cross-origin
    // redirects). The count never changes, so the values are set here once.
    if redirect_count == 0 {
        resource.redirect_start = 0.0;
        resource.redirect_end = 0.0;
    }
    // Navigation Timing's `startTime` getter: 0, the document's time origin,
    // whenever the navigation's fetch started.
    resource.start_time = 0.0;
    let entry = Rc::new(PerformanceNavigationTiming {
        resource,
        navigation_type,
        redirect_count,
        load_timing: Mutex::new(DocumentLoadTiming::default()),
    });
    // Queue the navigation timing entry; the timeline keeps navigation entries in their own buffer.
    performance.queue_a_navigation_performance_entry(entry.clone());
    entry
}
