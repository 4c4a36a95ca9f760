//! Per-hop provenance: a service worker's response skips the TAO check, a
//! response from the network never does (issue 14, item 1).

use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::{Performance, PerformanceEntry};
use resource_timing::{ConnectionTimingInfo, Fetch, FetchClient, Next, Request, RequestMode};
use url::Url;

fn headers(lines: &[(&'static str, &'static str)]) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (name, value) in lines {
        map.append(*name, value.parse().unwrap());
    }
    map
}

/// A service worker answers hop 1 of a CORS fetch with a redirect to another
/// origin; hop 2 comes from the network with `Access-Control-Allow-Origin: *`
/// and no `Timing-Allow-Origin`. The network's response fails the TAO check,
/// so the entry is opaque: no timings, no `serverTiming`, no `nextHopProtocol`.
#[test]
fn a_network_hop_after_a_service_worker_redirect_runs_the_tao_check() {
    let page = Url::parse("https://page.example/").unwrap();
    let event_loop = ReferenceEventLoop::new();
    let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &page));
    let request = Request::new(
        Url::parse("https://page.example/sw-redirect").unwrap(),
        RequestMode::Cors,
    )
    .initiator_type("fetch");
    let mut fetch = Fetch::start(request, FetchClient::for_page(&page), 10.0);
    // Hop 1: the service worker's own redirect.
    fetch.service_worker_started(11.0);
    let redirect = headers(&[("location", "https://other.example/data")]);
    assert!(matches!(
        fetch.service_worker_response_headers(302, &redirect, 12.0),
        Ok(Next::Redirect(_))
    ));
    fetch.follow_redirect(12.0).unwrap();
    // Hop 2: from the network.
    fetch.connection_obtained(&ConnectionTimingInfo {
        domain_lookup_start_time: 13.0,
        domain_lookup_end_time: 14.0,
        connection_start_time: 14.0,
        connection_end_time: 16.0,
        secure_connection_start_time: 15.0,
        alpn_negotiated_protocol: b"h2".as_slice().into(),
    });
    fetch.request_started(16.0);
    fetch.response_started(20.0);
    let response = headers(&[
        ("access-control-allow-origin", "*"),
        ("server-timing", "db;dur=53"),
    ]);
    assert_eq!(
        fetch.response_headers(200, &response, 20.0),
        Ok(Next::Final)
    );
    fetch.body_received(100, 100);
    fetch.end_of_body(21.0);
    let entry = fetch.report_timing(&performance).unwrap();
    assert!(entry.server_timing().is_empty(), "serverTiming leaked");
    assert_eq!(entry.request_start(), 0.0, "requestStart leaked");
    assert_eq!(entry.domain_lookup_start(), 0.0, "domainLookupStart leaked");
    assert_eq!(entry.next_hop_protocol(), "", "nextHopProtocol leaked");
    assert_eq!(entry.transfer_size(), 0, "transferSize leaked");
    assert_eq!(entry.fetch_start(), entry.start_time());
}

/// A service worker's own response skips the TAO check (Fetch's HTTP fetch
/// step 5), so a cross-origin response it gives without TAO keeps its timing.
#[test]
fn a_service_worker_response_skips_the_tao_check() {
    let page = Url::parse("https://page.example/").unwrap();
    let event_loop = ReferenceEventLoop::new();
    let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &page));
    let request = Request::new(
        Url::parse("https://other.example/cached").unwrap(),
        RequestMode::Cors,
    )
    .initiator_type("fetch");
    let mut fetch = Fetch::start(request, FetchClient::for_page(&page), 10.0);
    fetch.service_worker_started(11.0);
    let response = headers(&[
        ("access-control-allow-origin", "*"),
        ("server-timing", "sw;dur=1"),
    ]);
    assert_eq!(
        fetch.service_worker_response_headers(200, &response, 12.0),
        Ok(Next::Final)
    );
    fetch.end_of_body(13.0);
    let entry = fetch.report_timing(&performance).unwrap();
    assert_eq!(entry.worker_start(), 11.0);
    assert_eq!(entry.server_timing().len(), 1);
}

/// A service worker that was asked but did not answer (the fetch fell back
/// to the network) does not exempt the network's response.
#[test]
fn a_service_worker_fallback_to_the_network_runs_the_tao_check() {
    let page = Url::parse("https://page.example/").unwrap();
    let event_loop = ReferenceEventLoop::new();
    let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &page));
    let request = Request::new(
        Url::parse("https://other.example/x").unwrap(),
        RequestMode::Cors,
    )
    .initiator_type("fetch");
    let mut fetch = Fetch::start(request, FetchClient::for_page(&page), 10.0);
    fetch.service_worker_started(11.0);
    fetch.request_started(12.0);
    fetch.response_started(13.0);
    let response = headers(&[
        ("access-control-allow-origin", "*"),
        ("server-timing", "db;dur=53"),
    ]);
    assert_eq!(
        fetch.response_headers(200, &response, 13.0),
        Ok(Next::Final)
    );
    fetch.end_of_body(14.0);
    let entry = fetch.report_timing(&performance).unwrap();
    assert!(entry.server_timing().is_empty());
    assert_eq!(entry.request_start(), 0.0);
}
