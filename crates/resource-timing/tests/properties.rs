//! Properties over random fetches: no panic whatever the hops say, and
//! the entry is either fully exposed and ordered, or opaque.

use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::{Performance, PerformanceEntry};
use proptest::prelude::*;
use resource_timing::transcript::{FetchTranscript, Hop};
use resource_timing::{ConnectionTimingInfo, FetchClient, NetworkError, Request, RequestMode};
use url::Url;

const ORIGINS: [&str; 4] = [
    "https://page.example",
    "https://cdn.other",
    "http://insecure.test",
    "https://x.page.example",
];

fn mode() -> impl Strategy<Value = RequestMode> {
    prop_oneof![
        Just(RequestMode::NoCors),
        Just(RequestMode::Cors),
        Just(RequestMode::SameOrigin),
        Just(RequestMode::Navigate),
    ]
}

#[derive(Debug, Clone)]
struct HopSpec {
    target: usize,
    status: u16,
    tao: Option<&'static str>,
    acao: bool,
    server_timing: Vec<u8>,
    error: bool,
    steps: [u8; 6],
}

fn hop_spec() -> impl Strategy<Value = HopSpec> {
    (
        0..ORIGINS.len(),
        prop_oneof![
            Just(200u16),
            Just(302),
            Just(404),
            Just(103),
            Just(301),
            Just(204)
        ],
        prop::option::of(prop_oneof![
            Just("*"),
            Just("null"),
            Just("https://page.example"),
            Just("https://cdn.other, https://page.example"),
            Just("bogus")
        ]),
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..40),
        prop::bool::weighted(0.1),
        any::<[u8; 6]>(),
    )
        .prop_map(
            |(target, status, tao, acao, server_timing, error, steps)| HopSpec {
                target,
                status,
                tao,
                acao,
                server_timing,
                error,
                steps,
            },
        )
}

fn build(page: usize, mode: RequestMode, specs: &[HopSpec]) -> FetchTranscript {
    let page_url = Url::parse(ORIGINS[page]).unwrap();
    let first = Url::parse(&format!("{}/r0", ORIGINS[specs[0].target])).unwrap();
    let mut transcript = FetchTranscript::new(
        FetchClient::for_page(&page_url),
        Request::new(first, mode).initiator_type("fetch"),
        10.0,
    );
    let mut now = 10.0;
    for (i, spec) in specs.iter().enumerate() {
        let mut step = |k: usize| {
            now += f64::from(spec.steps[k]) / 7.0;
            now
        };
        // A 103 in the spec list is an Early Hints response before a 200.
        let mut hop = Hop::new(if spec.status == 103 { 200 } else { spec.status }, &[]);
        if let Some(next) = specs.get(i + 1) {
            hop.headers.insert(
                "location",
                format!("{}/r{}", ORIGINS[next.target], i + 1)
                    .parse()
                    .unwrap(),
            );
        }
        if let Some(tao) = spec.tao {
            hop.headers
                .insert("timing-allow-origin", tao.parse().unwrap());
        }
        if spec.acao {
            hop.headers
                .insert("access-control-allow-origin", "*".parse().unwrap());
        }
        if let Ok(value) = http::HeaderValue::from_bytes(&spec.server_timing) {
            hop.headers.insert("server-timing", value);
        }
        let connection_start = step(0);
        hop.connection = Some(ConnectionTimingInfo {
            domain_lookup_start_time: connection_start,
            domain_lookup_end_time: step(1),
            connection_start_time: step(2),
            connection_end_time: step(3),
            secure_connection_start_time: 0.0,
            alpn_negotiated_protocol: b"http/1.1".to_vec(),
        });
        hop.request_start = step(4);
        if spec.status == 103 {
            hop.interim_responses.push((step(5), 103));
        }
        hop.response_start = step(5);
        hop.end = step(5) + 1.0;
        // The next hop starts after this one was processed.
        now = hop.end;
        hop.body_sizes = (u64::from(spec.steps[0]), u64::from(spec.steps[1]));
        if spec.error {
            hop.error = Some(NetworkError::Transport("injected".into()));
        }
        transcript.hops.push(hop);
    }
    transcript
}

proptest! {
    #[test]
    fn any_fetch_gives_a_consistent_entry(
        page in 0..ORIGINS.len(),
        mode in mode(),
        specs in prop::collection::vec(hop_spec(), 1..5),
    ) {
        let page_url = Url::parse(ORIGINS[page]).unwrap();
        let event_loop = ReferenceEventLoop::new();
        let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &page_url));
        let transcript = build(page, mode, &specs);
        let fetch = transcript.replay();
        prop_assert!(fetch.is_finished());
        let entry = fetch.report_timing(&performance).expect("http(s) request with an initiator");
        prop_assert!(entry.start_time() > 0.0);
        prop_assert!(entry.response_end() >= entry.start_time());
        prop_assert!(entry.duration() >= 0.0);
        serde_json_check(&entry.to_json())?;
        let opaque = entry.request_start() == 0.0;
        if opaque {
            prop_assert_eq!(entry.fetch_start(), entry.start_time());
            prop_assert_eq!(entry.transfer_size(), 0);
            prop_assert!(entry.server_timing().is_empty());
            prop_assert_eq!(entry.next_hop_protocol(), "");
        } else {
            // Exposed timings are in the order Resource Timing draws them.
            let order = [
                entry.start_time(),
                entry.fetch_start(),
                entry.domain_lookup_start(),
                entry.domain_lookup_end(),
                entry.connect_start(),
                entry.connect_end(),
                entry.request_start(),
                entry.response_start(),
                entry.response_end(),
            ];
            for pair in order.windows(2) {
                prop_assert!(pair[0] <= pair[1], "{:?}", order);
            }
            if entry.redirect_start() != 0.0 {
                prop_assert_eq!(entry.redirect_start(), entry.start_time());
                prop_assert_eq!(entry.redirect_end(), entry.fetch_start());
            }
        }
        // Metrics only for a secure client.
        if !entry.server_timing().is_empty() {
            prop_assert!(page != 2);
        }
    }
}

fn serde_json_check(json: &str) -> Result<(), TestCaseError> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
    prop_assert!(value.get("serverTiming").is_some_and(|v| v.is_array()));
    Ok(())
}

/// One call on the driver, with its arguments.
#[derive(Debug, Clone)]
enum Event {
    Connection(u8),
    RequestStarted,
    ResponseStarted,
    Headers(u16, bool),
    FollowRedirect,
    Body(u16),
    EndOfBody,
    NetworkError,
    CacheState(u8),
    ServiceWorker,
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        any::<u8>().prop_map(Event::Connection),
        Just(Event::RequestStarted),
        Just(Event::ResponseStarted),
        (
            prop_oneof![Just(103u16), Just(200), Just(302), Just(404), 0u16..1000],
            any::<bool>()
        )
            .prop_map(|(s, l)| Event::Headers(s, l)),
        Just(Event::FollowRedirect),
        any::<u16>().prop_map(Event::Body),
        Just(Event::EndOfBody),
        Just(Event::NetworkError),
        any::<u8>().prop_map(Event::CacheState),
        Just(Event::ServiceWorker),
    ]
}

proptest! {
    /// Any sequence of driver calls, in any order, never panics, and a
    /// finished fetch always reports an entry whose zeroing is consistent.
    #[test]
    fn driver_calls_in_any_order_never_panic(events in prop::collection::vec(event(), 0..30)) {
        let page = Url::parse("https://page.example/").unwrap();
        let event_loop = ReferenceEventLoop::new();
        let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &page));
        let request = Request::new(Url::parse("https://cdn.other/x").unwrap(), RequestMode::Cors)
            .initiator_type("fetch");
        let mut fetch = resource_timing::Fetch::start(request, FetchClient::for_page(&page), 1.0);
        let mut now = 1.0;
        for event in events {
            now += 0.7;
            match event {
                Event::Connection(k) => fetch.connection_obtained(&ConnectionTimingInfo {
                    domain_lookup_start_time: now - f64::from(k),
                    domain_lookup_end_time: now,
                    connection_start_time: now - f64::from(k) / 2.0,
                    connection_end_time: now,
                    secure_connection_start_time: now,
                    alpn_negotiated_protocol: vec![k],
                }),
                Event::RequestStarted => fetch.request_started(now),
                Event::ResponseStarted => fetch.response_started(now),
                Event::Headers(status, location) => {
                    let mut headers = http::HeaderMap::new();
                    if location {
                        headers.insert("location", "/next".parse().unwrap());
                    }
                    headers.insert("access-control-allow-origin", "*".parse().unwrap());
                    headers.insert("timing-allow-origin", "*".parse().unwrap());
                    headers.insert("server-timing", "a;dur=1".parse().unwrap());
                    let _ = fetch.response_headers(status, &headers, now);
                }
                Event::FollowRedirect => {
                    let _ = fetch.follow_redirect(now);
                }
                Event::Body(n) => fetch.body_received(u64::from(n), u64::from(n) * 2),
                Event::EndOfBody => fetch.end_of_body(now),
                Event::NetworkError => fetch.network_error(NetworkError::Transport("x".into()), now),
                Event::CacheState(k) => fetch.set_cache_state(match k % 3 {
                    0 => resource_timing::CacheState::None,
                    1 => resource_timing::CacheState::Local,
                    _ => resource_timing::CacheState::Validated,
                }),
                Event::ServiceWorker => fetch.service_worker_started(now),
            }
        }
        match fetch.report_timing(&performance) {
            None => prop_assert!(!fetch.is_finished()),
            Some(entry) => {
                prop_assert!(fetch.is_finished());
                serde_json_check(&entry.to_json())?;
                if fetch.network_error_reason().is_some() {
                    prop_assert_eq!(entry.response_status(), 0);
                    prop_assert_eq!(entry.transfer_size(), 0);
                    prop_assert!(entry.server_timing().is_empty());
                }
            }
        }
    }
}
