//! Each rule of the pipeline, from reported hops to the entry.

use std::rc::Rc;

use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::{Coarsening, Performance, PerformanceEntry};
use resource_timing::policy::{CrossOriginExposure, Engine, SecureContextGating};
use resource_timing::transcript::{FetchTranscript, Hop};
use resource_timing::{
    CacheState, ConnectionTimingInfo, CredentialsMode, ExposurePolicy, Fetch, FetchClient,
    NetworkError, Next, PerformanceResourceTiming, Request, RequestMode, REDIRECT_LIMIT,
};
use url::Url;

const PAGE: &str = "https://page.example/";
const SAME: &str = "https://page.example/r.js";
const CROSS: &str = "https://cdn.other/r.js";
const THIRD: &str = "https://third.example.net/r.js";
const METRICS: &str = "db;dur=53, app;dur=47.2;desc=\"App Time\"";

struct Page {
    _event_loop: ReferenceEventLoop,
    performance: Rc<Performance<ReferenceEmbedder>>,
    client: FetchClient,
}

fn page(url: &str) -> Page {
    let url = Url::parse(url).unwrap();
    let event_loop = ReferenceEventLoop::new();
    let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &url));
    Page {
        _event_loop: event_loop,
        performance,
        client: FetchClient::for_page(&url),
    }
}

fn request(url: &str, mode: RequestMode) -> Request {
    Request::new(Url::parse(url).unwrap(), mode).initiator_type("script")
}

fn run(page: &Page, request: Request, hops: Vec<Hop>) -> std::rc::Rc<PerformanceResourceTiming> {
    let mut transcript = FetchTranscript::new(page.client.clone(), request, 100.0);
    transcript.hops = hops;
    transcript.report(&page.performance).expect("an entry")
}

fn names(entry: &PerformanceResourceTiming) -> Vec<String> {
    entry
        .server_timing()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

fn ok(headers: &[(&str, &str)]) -> Hop {
    Hop::new(200, headers).body(1000, 4000)
}

fn assert_opaque(entry: &PerformanceResourceTiming) {
    assert_eq!(
        entry.fetch_start(),
        entry.start_time(),
        "fetchStart is startTime"
    );
    for (name, value) in [
        ("redirectStart", entry.redirect_start()),
        ("redirectEnd", entry.redirect_end()),
        ("workerStart", entry.worker_start()),
        ("domainLookupStart", entry.domain_lookup_start()),
        ("domainLookupEnd", entry.domain_lookup_end()),
        ("connectStart", entry.connect_start()),
        ("connectEnd", entry.connect_end()),
        ("secureConnectionStart", entry.secure_connection_start()),
        ("requestStart", entry.request_start()),
        (
            "firstInterimResponseStart",
            entry.first_interim_response_start(),
        ),
        (
            "finalResponseHeadersStart",
            entry.final_response_headers_start(),
        ),
        ("responseStart", entry.response_start()),
    ] {
        assert_eq!(value, 0.0, "{name}");
    }
    assert_eq!(entry.next_hop_protocol(), "");
    assert_eq!(entry.transfer_size(), 0);
    assert!(entry.server_timing().is_empty());
    assert!(
        entry.response_end() > 0.0,
        "responseEnd survives (fetch#1953)"
    );
}

#[test]
fn same_origin_exposes_everything() {
    let page = page(PAGE);
    let entry = run(
        &page,
        request(SAME, RequestMode::NoCors),
        vec![ok(&[
            ("server-timing", METRICS),
            ("content-type", "application/javascript"),
        ])],
    );
    assert_eq!(names(&entry), ["db", "app"]);
    assert_eq!(entry.server_timing()[1].description(), "App Time");
    assert_eq!(entry.response_status(), 200);
    assert_eq!(
        (entry.encoded_body_size(), entry.decoded_body_size()),
        (1000, 4000)
    );
    assert_eq!(entry.transfer_size(), 1300);
    assert_eq!(entry.content_type(), "text/javascript");
    assert!(entry.request_start() > 0.0 && entry.response_start() >= entry.request_start());
    assert!(entry.response_end() >= entry.response_start());
}

#[test]
fn cross_origin_without_tao_is_opaque() {
    let page = page(PAGE);
    let entry = run(
        &page,
        request(CROSS, RequestMode::NoCors),
        vec![ok(&[("server-timing", METRICS)])],
    );
    assert_opaque(&entry);
    assert_eq!(entry.response_status(), 0);
}

#[test]
fn cors_alone_does_not_expose_timing() {
    let page = page(PAGE);
    let entry = run(
        &page,
        request(CROSS, RequestMode::Cors),
        vec![ok(&[
            ("access-control-allow-origin", "*"),
            ("server-timing", METRICS),
        ])],
    );
    assert_opaque(&entry);
    // CORS exposes status and sizes, TAO does not gate them (spec; Firefox).
    assert_eq!(entry.response_status(), 200);
    assert_eq!(entry.encoded_body_size(), 1000);
}

#[test]
fn cors_failure_is_a_network_error_entry() {
    let page = page(PAGE);
    let entry = run(
        &page,
        request(CROSS, RequestMode::Cors),
        vec![ok(&[
            ("timing-allow-origin", "*"),
            ("server-timing", METRICS),
        ])],
    );
    assert_opaque(&entry);
    assert_eq!((entry.response_status(), entry.encoded_body_size()), (0, 0));
    assert_eq!(entry.content_type(), "");
}

#[test]
fn tao_forms_expose_cross_origin_metrics() {
    for tao in [
        vec!["*"],
        vec!["https://page.example"],
        vec!["https://x.example, https://page.example"],
        vec!["https://x.example", "https://page.example"],
    ] {
        let page = page(PAGE);
        let mut headers: Vec<(&str, &str)> =
            tao.iter().map(|v| ("timing-allow-origin", *v)).collect();
        headers.push(("server-timing", METRICS));
        let entry = run(
            &page,
            request(CROSS, RequestMode::NoCors),
            vec![ok(&headers)],
        );
        assert_eq!(names(&entry), ["db", "app"], "{tao:?}");
        assert!(entry.request_start() > 0.0);
        // no-cors: CORS still hides sizes and status.
        assert_eq!(
            (
                entry.response_status(),
                entry.encoded_body_size(),
                entry.transfer_size()
            ),
            (0, 0, 300)
        );
    }
}

#[test]
fn tao_near_misses_fail() {
    for tao in [
        "https://page.example/",
        "HTTPS://PAGE.EXAMPLE",
        "https://page.example:443",
        "\"*\"",
        "null",
    ] {
        let page = page(PAGE);
        let entry = run(
            &page,
            request(CROSS, RequestMode::NoCors),
            vec![ok(&[
                ("timing-allow-origin", tao),
                ("server-timing", METRICS),
            ])],
        );
        assert_opaque(&entry);
    }
}

#[test]
fn one_failing_hop_fails_the_chain() {
    let page = page(PAGE);
    let entry = run(
        &page,
        request(CROSS, RequestMode::NoCors),
        vec![
            Hop::redirect(302, SAME, &[]),
            ok(&[("timing-allow-origin", "*"), ("server-timing", METRICS)]),
        ],
    );
    assert_opaque(&entry);
}

#[test]
fn tainted_chain_needs_null_or_star() {
    // page → cdn.other (cross-site) → third.example.net: the last hop sees origin "null".
    let page_ = page(PAGE);
    let hops = |tao: &'static str| {
        vec![
            Hop::redirect(
                302,
                THIRD,
                &[("timing-allow-origin", "https://page.example")],
            ),
            ok(&[("timing-allow-origin", tao), ("server-timing", METRICS)]),
        ]
    };
    let entry = run(
        &page_,
        request(CROSS, RequestMode::NoCors),
        hops("https://page.example"),
    );
    assert_opaque(&entry);
    let entry = run(&page_, request(CROSS, RequestMode::NoCors), hops("null"));
    assert_eq!(names(&entry), ["db", "app"]);
    assert_eq!(entry.redirect_start(), entry.start_time());
    assert!(entry.redirect_end() > entry.redirect_start());
    assert_eq!(entry.fetch_start(), entry.redirect_end());
    assert_eq!(entry.name(), CROSS, "the name is the URL before redirects");
}

#[test]
fn redirects_only_final_server_timing_counts() {
    let page = page(PAGE);
    let entry = run(
        &page,
        request(SAME, RequestMode::NoCors),
        vec![
            Hop::redirect(301, "/final.js", &[("server-timing", "redirect-hop;dur=1")]),
            ok(&[("server-timing", "final;dur=2")]),
        ],
    );
    assert_eq!(names(&entry), ["final"]);
}

#[test]
fn non_secure_client_gets_an_empty_list_by_the_spec() {
    let page = page("http://page.test/");
    let entry = run(
        &page,
        request("http://page.test/a", RequestMode::NoCors),
        vec![ok(&[("server-timing", METRICS)])],
    );
    assert!(entry.server_timing().is_empty());
    assert!(entry.has_server_timing_attribute());
    assert!(entry.to_json().ends_with(",\"serverTiming\":[]}"));
    // The rest of the entry is unaffected.
    assert!(entry.request_start() > 0.0);
}

#[test]
fn loopback_http_is_a_secure_context() {
    for url in [
        "http://127.0.0.1:8080/",
        "http://localhost:3000/",
        "http://[::1]/",
    ] {
        let page = page(url);
        assert!(page.client.is_secure_context, "{url}");
        let entry = run(
            &page,
            request(&format!("{url}x"), RequestMode::NoCors),
            vec![ok(&[("server-timing", "a")])],
        );
        assert_eq!(names(&entry), ["a"]);
    }
}

#[test]
fn gating_policies() {
    let url = Url::parse("http://page.test/").unwrap();
    let event_loop = ReferenceEventLoop::new();
    let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &url));
    let mut seen = Vec::new();
    for gating in [
        SecureContextGating::EmptyListWhenNotSecure,
        SecureContextGating::AttributeHiddenWhenNotSecure,
        SecureContextGating::NotGated,
    ] {
        let policy = ExposurePolicy {
            secure_context_gating: gating,
            ..ExposurePolicy::SPEC
        };
        let client = FetchClient::for_page(&url).with_policy(policy);
        let transcript = FetchTranscript::new(
            client,
            request("http://page.test/a", RequestMode::NoCors),
            1.0,
        )
        .hop(ok(&[("server-timing", "a")]));
        let entry = transcript.report(&performance).unwrap();
        seen.push((
            entry.has_server_timing_attribute(),
            entry.server_timing().len(),
            entry.to_json().contains("serverTiming"),
        ));
    }
    assert_eq!(seen, [(true, 0, true), (false, 0, false), (true, 1, true)]);
}

#[test]
fn engine_presets() {
    assert_eq!(
        ExposurePolicy::for_engine(Engine::Spec),
        ExposurePolicy::SPEC
    );
    assert_eq!(
        ExposurePolicy::for_engine(Engine::Firefox).secure_context_gating,
        SecureContextGating::AttributeHiddenWhenNotSecure
    );
    assert_eq!(
        ExposurePolicy::for_engine(Engine::WebKit).cross_origin_exposure,
        CrossOriginExposure::SameOriginOnly
    );
}

#[test]
fn firefox_final_response_policy_keeps_metrics_after_a_failed_hop() {
    let page_ = page(PAGE);
    let client = page_
        .client
        .clone()
        .with_policy(ExposurePolicy::for_engine(Engine::Firefox));
    let transcript = FetchTranscript::new(client, request(CROSS, RequestMode::NoCors), 1.0)
        .hop(Hop::redirect(302, THIRD, &[]))
        .hop(ok(&[
            ("timing-allow-origin", "*"),
            ("server-timing", METRICS),
        ]));
    let entry = transcript.report(&page_.performance).unwrap();
    assert_eq!(names(&entry), ["db", "app"]);
    assert_eq!(entry.request_start(), 0.0, "other timings stay zeroed");
    // The spec policy does not.
    let entry = run(
        &page_,
        request(CROSS, RequestMode::NoCors),
        vec![
            Hop::redirect(302, THIRD, &[]),
            ok(&[("timing-allow-origin", "*"), ("server-timing", METRICS)]),
        ],
    );
    assert!(entry.server_timing().is_empty());
}

#[test]
fn same_origin_only_policy_ignores_tao() {
    let page_ = page(PAGE);
    let client = page_
        .client
        .clone()
        .with_policy(ExposurePolicy::for_engine(Engine::WebKit));
    let cross = FetchTranscript::new(client.clone(), request(CROSS, RequestMode::NoCors), 1.0)
        .hop(ok(&[
            ("timing-allow-origin", "*"),
            ("server-timing", METRICS),
        ]))
        .report(&page_.performance)
        .unwrap();
    assert!(cross.server_timing().is_empty());
    assert!(cross.request_start() > 0.0, "TAO still exposes the timings");
    let same = FetchTranscript::new(client, request(SAME, RequestMode::NoCors), 1.0)
        .hop(ok(&[("server-timing", METRICS)]))
        .report(&page_.performance)
        .unwrap();
    assert_eq!(names(&same), ["db", "app"]);
}

#[test]
fn header_reading_follows_the_policy() {
    let page_ = page(PAGE);
    let client = page_
        .client
        .clone()
        .with_policy(ExposurePolicy::for_engine(Engine::Chromium));
    let entry = FetchTranscript::new(client, request(SAME, RequestMode::NoCors), 1.0)
        .hop(ok(&[("server-timing", "a;dur=12abc")]))
        .report(&page_.performance)
        .unwrap();
    assert_eq!(
        entry.server_timing()[0].duration(),
        0.0,
        "Chromium needs the whole value to be a number"
    );
    let spec = run(
        &page_,
        request(SAME, RequestMode::NoCors),
        vec![ok(&[("server-timing", "a;dur=12abc")])],
    );
    assert_eq!(
        spec.server_timing()[0].duration(),
        12.0,
        "HTML's float rules stop at the junk"
    );
}

#[test]
fn network_errors_give_opaque_entries() {
    let page = page(PAGE);
    let entry = run(
        &page,
        request(SAME, RequestMode::NoCors),
        vec![Hop::failed(NetworkError::Transport(
            "connection refused".into(),
        ))],
    );
    assert_opaque(&entry);
    assert_eq!(
        (
            entry.response_status(),
            entry.encoded_body_size(),
            entry.decoded_body_size()
        ),
        (0, 0, 0)
    );
    // A same-origin reset mid-body: still a network error, still opaque.
    let mut hop = ok(&[("server-timing", METRICS)]);
    hop.error = Some(NetworkError::Transport("reset".into()));
    let entry = run(&page, request(SAME, RequestMode::NoCors), vec![hop]);
    assert_opaque(&entry);
}

#[test]
fn same_origin_mode_cross_origin_is_a_network_error() {
    let page = page(PAGE);
    let fetch = Fetch::start(
        request(CROSS, RequestMode::SameOrigin),
        page.client.clone(),
        5.0,
    );
    assert_eq!(
        fetch.network_error_reason(),
        Some(&NetworkError::SameOriginModeViolation)
    );
    let entry = fetch.report_timing(&page.performance).unwrap();
    assert_opaque(&entry);
}

#[test]
fn redirect_limit_and_schemes() {
    let page = page(PAGE);
    let mut fetch = Fetch::start(request(SAME, RequestMode::NoCors), page.client.clone(), 1.0);
    let mut redirects = 0;
    let mut headers = http::HeaderMap::new();
    headers.insert("location", "/again".parse().unwrap());
    let error = loop {
        fetch.response_started(2.0);
        assert!(matches!(
            fetch.response_headers(302, &headers, 2.0),
            Ok(Next::Redirect(_))
        ));
        match fetch.follow_redirect(3.0) {
            Ok(_) => redirects += 1,
            Err(error) => break error,
        }
    };
    assert_eq!(redirects, REDIRECT_LIMIT);
    assert_eq!(error, NetworkError::TooManyRedirects);

    let mut fetch = Fetch::start(request(SAME, RequestMode::NoCors), page.client.clone(), 1.0);
    let mut headers = http::HeaderMap::new();
    headers.insert("location", "data:,x".parse().unwrap());
    fetch.response_headers(302, &headers, 2.0).unwrap();
    assert_eq!(
        fetch.follow_redirect(3.0),
        Err(NetworkError::RedirectToNonHttpScheme)
    );
    assert!(
        fetch.report_timing(&page.performance).is_some(),
        "the http(s) request URL is still reported"
    );
}

/// Fetch's *location URL* extracts one value: two `Location` lines that
/// differ are a failure, hence a network error; a repeated value is one.
#[test]
fn differing_location_lines_are_a_network_error() {
    let page = page(PAGE);
    let mut fetch = Fetch::start(request(SAME, RequestMode::NoCors), page.client.clone(), 1.0);
    let mut headers = http::HeaderMap::new();
    headers.append("location", "/a".parse().unwrap());
    headers.append("location", "/b".parse().unwrap());
    fetch.response_started(2.0);
    assert_eq!(
        fetch.response_headers(302, &headers, 2.0),
        Err(NetworkError::InvalidRedirectLocation)
    );
    assert!(fetch.is_finished());

    let mut fetch = Fetch::start(request(SAME, RequestMode::NoCors), page.client.clone(), 1.0);
    let mut headers = http::HeaderMap::new();
    headers.append("location", "/a".parse().unwrap());
    headers.append("location", "/a".parse().unwrap());
    fetch.response_started(2.0);
    assert!(matches!(
        fetch.response_headers(302, &headers, 2.0),
        Ok(Next::Redirect(url)) if url.path() == "/a"
    ));
}

/// A transport failure keeps its source error.
#[test]
fn transport_errors_keep_their_source() {
    use std::error::Error as _;
    let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
    let error = NetworkError::Transport(resource_timing::TransportError::new(io));
    assert_eq!(error.to_string(), "transport error: reset by peer");
    let source = error.source().expect("a source");
    let io = source
        .downcast_ref::<std::io::Error>()
        .expect("the io::Error");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionReset);
}

#[test]
fn non_http_requests_and_null_initiators_report_nothing() {
    let page = page(PAGE);
    let data = FetchTranscript::new(
        page.client.clone(),
        request("data:,hello", RequestMode::NoCors),
        1.0,
    )
    .hop(ok(&[]));
    assert!(data.report(&page.performance).is_none());
    let silent = FetchTranscript::new(
        page.client.clone(),
        request(SAME, RequestMode::NoCors).without_initiator_type(),
        1.0,
    )
    .hop(ok(&[]));
    assert!(silent.report(&page.performance).is_none());
    assert!(page.performance.get_entries_by_type("resource").is_empty());
}

#[test]
fn cache_states_and_transfer_size() {
    let page = page(PAGE);
    let local = FetchTranscript::new(page.client.clone(), request(SAME, RequestMode::NoCors), 1.0)
        .cache_state(CacheState::Local)
        .hop(ok(&[]))
        .report(&page.performance)
        .unwrap();
    assert_eq!((local.transfer_size(), local.delivery_type()), (0, "cache"));
    let validated =
        FetchTranscript::new(page.client.clone(), request(SAME, RequestMode::NoCors), 1.0)
            .cache_state(CacheState::Validated)
            .hop(ok(&[]))
            .report(&page.performance)
            .unwrap();
    assert_eq!(
        (validated.transfer_size(), validated.delivery_type()),
        (300, "cache")
    );
    assert_eq!(validated.encoded_body_size(), 1000);
    // A cross-origin cached response without TAO: the cache mode is cleared.
    let opaque = FetchTranscript::new(
        page.client.clone(),
        request(CROSS, RequestMode::NoCors),
        1.0,
    )
    .cache_state(CacheState::Local)
    .hop(ok(&[]))
    .report(&page.performance)
    .unwrap();
    assert_eq!((opaque.transfer_size(), opaque.delivery_type()), (0, ""));
}

#[test]
fn interim_responses_feed_first_interim_response_start() {
    let page = page(PAGE);
    let hop = ok(&[]).interim(150.0, 103);
    let mut hop = hop;
    hop.request_start = 120.0;
    hop.response_start = 180.0;
    hop.end = 200.0;
    let entry = run(&page, request(SAME, RequestMode::NoCors), vec![hop]);
    assert_eq!(entry.first_interim_response_start(), 150.0);
    assert_eq!(entry.final_response_headers_start(), 180.0);
    assert_eq!(
        entry.response_start(),
        150.0,
        "responseStart is the first interim response"
    );
    assert_eq!(entry.response_end(), 200.0);
}

#[test]
fn reused_connections_are_clamped_to_fetch_start() {
    let page = page(PAGE);
    let old = ConnectionTimingInfo {
        domain_lookup_start_time: 1.0,
        domain_lookup_end_time: 2.0,
        connection_start_time: 3.0,
        connection_end_time: 4.0,
        secure_connection_start_time: 3.5,
        alpn_negotiated_protocol: b"http/1.1".as_slice().into(),
    };
    let entry = run(
        &page,
        request(SAME, RequestMode::NoCors),
        vec![ok(&[]).connection(old)],
    );
    assert_eq!(entry.domain_lookup_start(), entry.fetch_start());
    assert_eq!(entry.connect_end(), entry.fetch_start());
    assert_eq!(entry.secure_connection_start(), entry.fetch_start());
    assert_eq!(entry.next_hop_protocol(), "http/1.1");
}

#[test]
fn timestamps_are_coarsened_and_relative_to_the_time_origin() {
    let url = Url::parse(PAGE).unwrap();
    let event_loop = ReferenceEventLoop::new();
    let performance =
        Performance::new(ReferenceEmbedder::new(&event_loop, &url).with_time_origin(1000.0));
    let mut hop = ok(&[]);
    hop.request_start = 1_010.123_456;
    hop.response_start = 1_020.987_654;
    hop.end = 1030.55555;
    let transcript = FetchTranscript::new(
        FetchClient::for_page(&url),
        request(SAME, RequestMode::NoCors),
        1005.0,
    )
    .hop(hop.clone());
    let entry = transcript.report(&performance).unwrap();
    assert_eq!(entry.start_time(), 5.0);
    assert_eq!(entry.request_start(), 10.1);
    assert_eq!(entry.response_start(), 20.9);
    assert_eq!(entry.response_end(), 30.5);
    assert_eq!(entry.duration(), 25.5);
    let mut isolated = FetchClient::for_page(&url);
    isolated.cross_origin_isolated_capability = true;
    let entry = FetchTranscript::new(isolated, request(SAME, RequestMode::NoCors), 1005.0)
        .hop(hop.clone())
        .report(&performance)
        .unwrap();
    assert_eq!(entry.request_start(), 10.12);
    // A client made for a global coarsens as the global's clock does.
    let webkit_global = ReferenceEmbedder::new(&ReferenceEventLoop::new(), &url)
        .with_coarsening(Coarsening::webkit_like());
    let coarse = FetchClient::for_global(&webkit_global);
    assert_eq!(coarse.coarsening, Coarsening::webkit_like());
    let entry = FetchTranscript::new(coarse, request(SAME, RequestMode::NoCors), 1005.0)
        .hop(hop)
        .report(&performance)
        .unwrap();
    assert_eq!(entry.request_start(), 10.0);
}

#[test]
fn credentialed_cors_needs_exact_origin_and_credentials() {
    let page = page(PAGE);
    let req = || request(CROSS, RequestMode::Cors).credentials(CredentialsMode::Include);
    let star = run(
        &page,
        req(),
        vec![ok(&[
            ("access-control-allow-origin", "*"),
            ("timing-allow-origin", "*"),
        ])],
    );
    assert_eq!(
        star.response_status(),
        0,
        "ACAO * with credentials is a CORS failure"
    );
    let good = run(
        &page,
        req(),
        vec![ok(&[
            ("access-control-allow-origin", "https://page.example"),
            ("access-control-allow-credentials", "true"),
            ("timing-allow-origin", "*"),
            ("server-timing", "a"),
        ])],
    );
    assert_eq!(good.response_status(), 200);
    assert_eq!(names(&good), ["a"], "TAO * works for credentialed requests");
}

#[test]
fn navigation_entry_has_server_timing_before_the_body_ends() {
    let url = Url::parse(PAGE).unwrap();
    let event_loop = ReferenceEventLoop::new();
    let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &url));
    let request = Request::new(url.clone(), RequestMode::Navigate).initiator_type("navigation");
    let mut fetch = Fetch::start(request, FetchClient::for_page(&url), 1.0);
    fetch.request_started(2.0);
    fetch.response_started(3.0);
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "server-timing",
        "metric1; dur=1.1; desc=document".parse().unwrap(),
    );
    fetch.response_headers(200, &headers, 3.0).unwrap();
    let entry = fetch
        .create_the_navigation_timing_entry(
            &performance,
            resource_timing::NavigationTimingType::Navigate,
        )
        .unwrap();
    assert_eq!(entry.resource().server_timing().len(), 1);
    assert_eq!(entry.resource().response_end(), 0.0);
    assert_eq!(performance.get_entries_by_type("navigation").len(), 1);
    // No body yet: the sizes are those of the body so far.
    assert_eq!(
        (
            entry.resource().encoded_body_size(),
            entry.resource().transfer_size()
        ),
        (0, 300)
    );
    fetch.body_received(10, 25);
    fetch.body_received(4, 5);
    fetch.end_of_body(9.0);
    fetch.update_navigation_entry(&entry);
    assert_eq!(entry.resource().response_end(), 9.0);
    // The body's end brings the sizes up to date, and transferSize with them.
    let resource = entry.resource();
    assert_eq!(
        (
            resource.encoded_body_size(),
            resource.decoded_body_size(),
            resource.transfer_size()
        ),
        (14, 30, 314)
    );
    let json = entry.to_json();
    assert!(json.contains("\"entryType\":\"navigation\""), "{json}");
    assert!(json.contains("\"type\":\"navigate\""), "{json}");
    assert!(json.ends_with("\"serverTiming\":[{\"name\":\"metric1\",\"duration\":1.1,\"description\":\"document\"}]}"), "{json}");
}

#[test]
fn navigation_after_cross_origin_redirect_hides_status_and_redirect_count() {
    let url = Url::parse(PAGE).unwrap();
    let event_loop = ReferenceEventLoop::new();
    let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &url));
    let request = Request::new(Url::parse(CROSS).unwrap(), RequestMode::Navigate);
    for (tao, count) in [(None, 0), (Some("*"), 1)] {
        let mut fetch = Fetch::start(request.clone(), FetchClient::for_page(&url), 1.0);
        let mut headers = http::HeaderMap::new();
        headers.insert("location", PAGE.parse().unwrap());
        if let Some(tao) = tao {
            headers.insert("timing-allow-origin", tao.parse().unwrap());
        }
        fetch.response_headers(302, &headers, 2.0).unwrap();
        fetch.follow_redirect(3.0).unwrap();
        fetch
            .response_headers(200, &http::HeaderMap::new(), 4.0)
            .unwrap();
        let entry = fetch
            .create_the_navigation_timing_entry(
                &performance,
                resource_timing::NavigationTimingType::Navigate,
            )
            .unwrap();
        assert_eq!(entry.redirect_count(), count, "{tao:?}");
        assert_eq!(entry.resource().response_status(), 0);
    }
}

#[test]
fn to_json_has_every_attribute_in_idl_order() {
    let page = page(PAGE);
    let entry = run(
        &page,
        request(SAME, RequestMode::NoCors),
        vec![ok(&[("server-timing", "a;dur=1;desc=x")])],
    );
    let json = entry.to_json();
    let keys = [
        "id",
        "name",
        "entryType",
        "startTime",
        "duration",
        "navigationId",
        "initiatorType",
        "deliveryType",
        "nextHopProtocol",
        "workerStart",
        "redirectStart",
        "redirectEnd",
        "fetchStart",
        "domainLookupStart",
        "domainLookupEnd",
        "connectStart",
        "connectEnd",
        "secureConnectionStart",
        "requestStart",
        "finalResponseHeadersStart",
        "firstInterimResponseStart",
        "responseStart",
        "responseEnd",
        "workerRouterEvaluationStart",
        "workerCacheLookupStart",
        "workerMatchedRouterSource",
        "workerFinalRouterSource",
        "transferSize",
        "encodedBodySize",
        "decodedBodySize",
        "responseStatus",
        "renderBlockingStatus",
        "contentType",
        "contentEncoding",
        "serverTiming",
    ];
    let mut at = 0;
    for key in keys {
        let needle = format!("\"{key}\":");
        let found = json[at..]
            .find(&needle)
            .unwrap_or_else(|| panic!("{key} missing or out of order in {json}"));
        at += found + needle.len();
    }
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value.as_object().unwrap().len(), keys.len());
    assert_eq!(value["serverTiming"][0]["description"], "x");
    assert_eq!(value["initiatorType"], "script");
    assert_eq!(value["renderBlockingStatus"], "non-blocking");
}

#[test]
fn entries_reach_observers_and_the_buffer() {
    let page = page(PAGE);
    for i in 0..3 {
        run(
            &page,
            request(&format!("{SAME}?{i}"), RequestMode::NoCors),
            vec![ok(&[])],
        );
    }
    let entries = page.performance.get_entries_by_type("resource");
    assert_eq!(entries.len(), 3);
    assert!(entries[0]
        .as_any()
        .downcast_ref::<PerformanceResourceTiming>()
        .is_some());
}
