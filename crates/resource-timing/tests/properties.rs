//! Properties over random fetches: no panic whatever the hops say, and the
//! entry is fully exposed and ordered or opaque exactly as a small model of
//! Fetch's checks, computed from the inputs alone, says.

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
            alpn_negotiated_protocol: b"http/1.1".as_slice().into(),
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

/// An independent model of what decides exposure, from the inputs alone:
/// origins, mode, each hop's status, ACAO and TAO values, the redirect chain
/// and injected errors. It returns whether the entry must pass the timing
/// allow check (`Some(true)`), fail it (`Some(false)`), or whether the fetch
/// ends in a network error (`None`, which also fails it).
mod model {
    use super::{HopSpec, ORIGINS};
    use resource_timing::RequestMode;

    /// (scheme, registrable domain) of one of [`ORIGINS`].
    fn site(origin: usize) -> (&'static str, &'static str) {
        let (scheme, host) = ORIGINS[origin].split_once("://").unwrap();
        let labels: Vec<&str> = host.split('.').collect();
        let n = labels.len();
        let domain = if n >= 2 {
            &host[host.len() - labels[n - 2].len() - labels[n - 1].len() - 1..]
        } else {
            host
        };
        (scheme, domain)
    }

    /// Fetch's redirect taint over a URL list of origins: only
    /// same-origin or not matters for the serialization.
    fn tainted(page: usize, list: &[usize]) -> bool {
        list.windows(2).any(|w| {
            w[1] != w[0] && page != w[0] || (site(w[1]) != site(w[0]) && site(page) != site(w[0]))
        })
    }

    pub fn timing_allow_passed(page: usize, mode: RequestMode, specs: &[HopSpec]) -> Option<bool> {
        let mut list = vec![specs[0].target];
        let mut tainting_basic = true;
        let mut cors = false;
        let mut passed = true;
        for (i, spec) in specs.iter().enumerate() {
            let current = *list.last().unwrap();
            // Main fetch: the response tainting for the current URL.
            if !(current == page && tainting_basic) && mode != RequestMode::Navigate {
                match mode {
                    RequestMode::SameOrigin => return None,
                    RequestMode::NoCors => tainting_basic = false,
                    _ => {
                        tainting_basic = false;
                        cors = true;
                    }
                }
            }
            let redirect = matches!(spec.status, 301 | 302) && i + 1 < specs.len();
            // The CORS check of a CORS request (credentials "same-origin": `*` passes).
            if cors && !spec.acao {
                return None;
            }
            // The TAO check of this hop.
            let serialized = if tainted(page, &list) {
                "null"
            } else {
                ORIGINS[page]
            };
            let values: Vec<&str> = spec
                .tao
                .map(|t| t.split(',').map(str::trim).collect())
                .unwrap_or_default();
            let hop_passes = values.contains(&"*")
                || values.contains(&serialized)
                || (!(mode == RequestMode::Navigate && current != page) && tainting_basic);
            passed &= hop_passes;
            if redirect {
                list.push(specs[i + 1].target);
                continue;
            }
            // The final response; an injected error ends its body.
            return if spec.error { None } else { Some(passed) };
        }
        None
    }
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
        let expected = model::timing_allow_passed(page, mode, &specs);
        prop_assert_eq!(fetch.network_error_reason().is_none(), expected.is_some());
        let opaque = expected != Some(true);
        if opaque {
            prop_assert_eq!(entry.request_start(), 0.0);
            prop_assert_eq!(entry.connect_start(), 0.0);
            prop_assert_eq!(entry.response_start(), 0.0);
            prop_assert_eq!(entry.fetch_start(), entry.start_time());
            prop_assert_eq!(entry.transfer_size(), 0);
            prop_assert!(entry.server_timing().is_empty());
            prop_assert_eq!(entry.next_hop_protocol(), "");
        } else {
            prop_assert!(entry.request_start() > 0.0);
            prop_assert!(entry.transfer_size() >= 300);
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
    /// Status, a Location, the TAO value (`None`: absent), and whether a
    /// service worker gave the response.
    Headers(u16, bool, Option<&'static str>, bool),
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
            any::<bool>(),
            prop::option::of(prop_oneof![
                Just("*"),
                Just("https://evil.example"),
                Just("bogus"),
                Just("")
            ]),
            prop::bool::weighted(0.3),
        )
            .prop_map(|(s, l, t, sw)| Event::Headers(s, l, t, sw)),
        Just(Event::FollowRedirect),
        any::<u16>().prop_map(Event::Body),
        Just(Event::EndOfBody),
        Just(Event::NetworkError),
        any::<u8>().prop_map(Event::CacheState),
        Just(Event::ServiceWorker),
    ]
}

/// A well-formed fetch as driver calls: hops (some answered by a service
/// worker, some asked first and falling back to the network), redirects,
/// a body, with random calls mixed in.
fn fetch_events() -> impl Strategy<Value = Vec<Event>> {
    let hop = (
        any::<bool>(),
        prop::option::of(prop_oneof![
            Just("*"),
            Just("https://evil.example"),
            Just("")
        ]),
        any::<bool>(),
        any::<u8>(),
    );
    (
        prop::collection::vec(hop, 1..4),
        prop::collection::vec(event(), 0..3),
        any::<usize>(),
    )
        .prop_map(|(hops, noise, at)| {
            let mut events = Vec::new();
            let last = hops.len() - 1;
            for (i, (asked_worker, tao, worker_answers, k)) in hops.into_iter().enumerate() {
                if asked_worker {
                    events.push(Event::ServiceWorker);
                }
                events.extend([
                    Event::Connection(k),
                    Event::RequestStarted,
                    Event::ResponseStarted,
                ]);
                let status = if i == last { 200 } else { 302 };
                events.push(Event::Headers(
                    status,
                    i != last,
                    tao,
                    asked_worker && worker_answers,
                ));
                if i != last {
                    events.push(Event::FollowRedirect);
                }
            }
            events.extend([Event::Body(100), Event::EndOfBody]);
            let at = at % (events.len() + 1);
            for (n, e) in noise.into_iter().enumerate() {
                events.insert((at + n).min(events.len()), e);
            }
            events
        })
}

proptest! {
    /// Any sequence of driver calls, in any order, never panics, and a
    /// finished fetch always reports an entry whose zeroing is consistent.
    /// Every response goes to a cross-origin CORS request, so the TAO values
    /// used here pass (`*`) or fail (the others) whatever the redirect
    /// taint; a response from the network that fails it (issue 14) leaves
    /// no timing, no `transferSize`, no `serverTiming` and no
    /// `nextHopProtocol` in the entry, whatever came before or after.
    #[test]
    fn driver_calls_in_any_order_never_panic(
        events in prop_oneof![prop::collection::vec(event(), 0..30), fetch_events()],
    ) {
        // The model: did any non-interim response from the network fail TAO?
        let mut network_response_failed_tao = false;
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
                    alpn_negotiated_protocol: vec![k].into(),
                }),
                Event::RequestStarted => fetch.request_started(now),
                Event::ResponseStarted => fetch.response_started(now),
                Event::Headers(status, location, tao, service_worker) => {
                    let mut headers = http::HeaderMap::new();
                    if location {
                        headers.insert("location", "/next".parse().unwrap());
                    }
                    headers.insert("access-control-allow-origin", "*".parse().unwrap());
                    if let Some(tao) = tao {
                        headers.insert("timing-allow-origin", tao.parse().unwrap());
                    }
                    headers.insert("server-timing", "a;dur=1".parse().unwrap());
                    if service_worker {
                        let _ = fetch.service_worker_response_headers(status, &headers, now);
                    } else {
                        if !(100..=199).contains(&status) && tao != Some("*") {
                            network_response_failed_tao = true;
                        }
                        let _ = fetch.response_headers(status, &headers, now);
                    }
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
                if network_response_failed_tao {
                    let timings = [
                        entry.worker_start(),
                        entry.redirect_start(),
                        entry.redirect_end(),
                        entry.domain_lookup_start(),
                        entry.domain_lookup_end(),
                        entry.connect_start(),
                        entry.connect_end(),
                        entry.secure_connection_start(),
                        entry.request_start(),
                        entry.first_interim_response_start(),
                        entry.final_response_headers_start(),
                        entry.response_start(),
                    ];
                    prop_assert!(timings.iter().all(|&t| t == 0.0), "{:?}", timings);
                    prop_assert_eq!(entry.fetch_start(), entry.start_time());
                    prop_assert_eq!(entry.transfer_size(), 0);
                    prop_assert!(entry.server_timing().is_empty());
                    prop_assert!(entry.server_timing_headers().is_empty());
                    prop_assert_eq!(entry.next_hop_protocol(), "");
                    // encodedBodySize and decodedBodySize are CORS-gated, not
                    // TAO-gated (Resource Timing): ACAO `*` shows them.
                }
            }
        }
    }
}
