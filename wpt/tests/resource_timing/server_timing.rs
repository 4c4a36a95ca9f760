//! The `server-timing/` files beyond parsing: which entries carry
//! `serverTiming`, and what it holds.

use crate::harness::*;
use resource_timing::policy::Engine;

/// `server-timing/cross_origin.https.html`: the number of metrics of three image loads.
pub(crate) fn server_timing_cross_origin(
    origin: &str,
    image: &str,
    tao: bool,
    expected: usize,
) -> Outcome {
    let page = Page::new(HTTPS_ORIGIN);
    let mut hop =
        step(format!("{origin}/server-timing/resources/{image}")).header("server-timing", "metric");
    if tao {
        hop = hop.tao("*");
    }
    let entry = entry(&page, Loader::Image, &[hop])?;
    ensure!(
        entry.has_server_timing_attribute(),
        "the attribute is present even when TAO fails"
    );
    ensure!(
        entry.server_timing().len() == expected,
        "{} metrics, expected {expected}",
        entry.server_timing().len()
    );
    Ok(())
}

/// `test_entries` of common/performance-timeline-utils.js for serverTiming:
/// same count, and each expected metric found with exactly its toJSON,
/// written out as the JS `JSON.stringify` of the file's expected object.
pub(crate) fn test_server_timing_entries(
    metrics: &[server_timing::PerformanceServerTiming],
    expected: &[&str],
) -> Outcome {
    ensure!(
        metrics.len() == expected.len(),
        "{} metrics, expected {}",
        metrics.len(),
        expected.len()
    );
    for json in expected {
        ensure!(
            metrics.iter().any(|m| m.to_json() == *json),
            "no metric with toJSON {json}"
        );
    }
    Ok(())
}

/// A navigation of `page` to `document` whose final response headers,
/// with this `Server-Timing` value, have just arrived.
pub(crate) fn navigation_at_headers(
    page: &Page,
    document: &str,
    server_timing: &str,
) -> Result<Fetch, String> {
    let mut request = Loader::Iframe.request(document);
    request.initiator_type = Some("navigation".into());
    let mut fetch = Fetch::start(request, page.client.clone(), page.tick());
    fetch.request_started(page.tick());
    let at = page.tick();
    fetch.response_started(at);
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "server-timing",
        server_timing.parse().map_err(|_| "a valid header")?,
    );
    fetch
        .response_headers(200, &headers, at)
        .map_err(|e| e.to_string())?;
    Ok(fetch)
}

/// `server-timing/test_server_timing.https.html`: the document's navigation
/// entry, an `<img>`, and a dynamically added `<img>` seen by an observer.
pub(crate) fn test_server_timing(part: TestServerTiming) -> Outcome {
    let document = format!("{HTTPS_ORIGIN}/server-timing/test_server_timing.https.html");
    let page = Page::new(&document);
    match part {
        TestServerTiming::Navigation => {
            let mut fetch = navigation_at_headers(
                &page,
                &document,
                "metric1; dur=1.1; desc=document, metric1; dur=1.2; desc=document",
            )?;
            fetch
                .create_the_navigation_timing_entry(
                    &page.performance,
                    NavigationTimingType::Navigate,
                )
                .ok_or("no navigation entry")?;
            fetch.end_of_body(page.tick());
            let entries = page.performance.get_entries_by_type("navigation");
            let navigation = entries
                .first()
                .and_then(|e| {
                    e.as_any()
                        .downcast_ref::<resource_timing::PerformanceNavigationTiming>()
                })
                .ok_or("no navigation entry in the timeline")?;
            test_server_timing_entries(
                &navigation.resource().server_timing(),
                &[
                    r#"{"name":"metric1","duration":1.1,"description":"document"}"#,
                    r#"{"name":"metric1","duration":1.2,"description":"document"}"#,
                ],
            )
        }
        TestServerTiming::Img => {
            let hop = step(format!("{HTTPS_ORIGIN}/server-timing/resources/blue.png"))
                .header("server-timing", "metric2; dur=2.1; desc=blue.png");
            let entry = entry(&page, Loader::Image, &[hop])?;
            test_server_timing_entries(
                &entry.server_timing(),
                &[r#"{"name":"metric2","duration":2.1,"description":"blue.png"}"#],
            )
        }
        TestServerTiming::ObservedImg => {
            use std::sync::Mutex;
            let seen: Arc<Mutex<Vec<performance_timeline::EntryRef>>> = Arc::default();
            let sink = seen.clone();
            let observer = performance_timeline::PerformanceObserver::new(
                &page.performance,
                move |list, _, _| {
                    sink.lock()
                        .expect("not poisoned")
                        .extend(list.get_entries());
                },
            );
            observer
                .observe(
                    performance_timeline::PerformanceObserverInit::with_entry_types(["resource"]),
                )
                .map_err(|e| format!("{e:?}"))?;
            let hop = step(format!("{HTTPS_ORIGIN}/server-timing/resources/green.png"))
                .header("server-timing", "metric3; dur=3.1; desc=green.png");
            entry(&page, Loader::Image, &[hop])?;
            page.event_loop.run_until_idle();
            let seen = seen.lock().expect("not poisoned");
            let green = seen
                .iter()
                .find(|e| e.name().ends_with("green.png"))
                .and_then(|e| e.as_any().downcast_ref::<PerformanceResourceTiming>())
                .ok_or("the observer did not see green.png")?;
            test_server_timing_entries(
                &green.server_timing(),
                &[r#"{"name":"metric3","duration":3.1,"description":"green.png"}"#],
            )
        }
    }
}

/// `server-timing/server_timing_headers_not_visible_in_fetch.https.html`:
/// a CORS `fetch()` of `blue_cors.png`, served with the header lines of
/// its checked-in `.headers` file (`Access-Control-Allow-Origin: *` and a
/// `Server-Timing`, no `Access-Control-Expose-Headers`), must not show
/// `Server-Timing` in `response.headers`: the header list of Fetch's CORS
/// filtered response. The same lines through the driver give an entry
/// without metrics too, since TAO, not CORS, gates them.
pub(crate) fn server_timing_headers_not_visible_in_fetch() -> Outcome {
    let file = wpt::data_root().join("server-timing/resources/blue_cors.png.headers");
    let lines = wpt::parse_headers_file(&std::fs::read(&file).map_err(|e| e.to_string())?);
    let mut internal = http::HeaderMap::new();
    let mut hop = step(format!(
        "{HTTPS_REMOTE_ORIGIN}/server-timing/resources/blue_cors.png"
    ));
    for line in &lines {
        let name = String::from_utf8(line.name.clone()).map_err(|e| e.to_string())?;
        let value = String::from_utf8(line.sent_value.clone()).map_err(|e| e.to_string())?;
        internal.append(
            http::HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?,
            http::HeaderValue::from_str(&value).map_err(|e| e.to_string())?,
        );
        hop = hop.header(&name.to_ascii_lowercase(), value);
    }
    ensure!(
        internal.contains_key("server-timing"),
        "the file sends Server-Timing"
    );
    // fetch()'s default credentials mode is "same-origin", not "include".
    let filtered = fetch_headers::cors_filtered_header_list(&internal, false);
    ensure!(
        !filtered.contains_key("server-timing"),
        "response.headers.has(\"server-timing\") should be false"
    );
    let page = Page::new(HTTPS_ORIGIN);
    let entry = entry(&page, Loader::Fetch, &[hop])?;
    ensure!(entry.response_status() == 200, "the CORS fetch succeeded");
    ensure!(
        entry.server_timing().is_empty(),
        "CORS alone exposes no metrics"
    );
    Ok(())
}

/// `server-timing/navigation-timing-trickle.https.html`: the navigation
/// entry has its metrics while the body is still arriving.
pub(crate) fn navigation_timing_trickle() -> Outcome {
    let document = format!(
        "{HTTPS_ORIGIN}/server-timing/resources/navigation-timing.html?pipe=trickle(800:d1)"
    );
    let page = Page::new(&document);
    let mut fetch = navigation_at_headers(
        &page,
        &document,
        "metric1; dur=1.1; desc=document, metric1; dur=1.2; desc=document",
    )?;
    fetch.body_received(800, 800);
    // The document is created and its inline script runs before the rest arrives.
    let entry = fetch
        .create_the_navigation_timing_entry(&page.performance, NavigationTimingType::Navigate)
        .ok_or("no navigation entry at header time")?;
    let metrics = entry.resource().server_timing();
    ensure!(metrics.len() == 2, "both metrics before the body ends");
    ensure!(
        metrics[0].duration() == 1.1
            && metrics[0].name() == "metric1"
            && metrics[0].description() == "document",
        "first metric"
    );
    ensure!(metrics[1].duration() == 1.2, "second metric");
    ensure!(
        entry.resource().response_end() == 0.0,
        "the body has not ended yet"
    );
    page.event_loop.advance(1000.0);
    fetch.body_received(200, 200);
    fetch.end_of_body(page.tick());
    fetch.update_navigation_entry(&entry);
    ensure!(
        entry.resource().response_end() > 1000.0,
        "responseEnd after the trickle"
    );
    Ok(())
}

/// `server-timing/navigation_timing_idl.https.html`: a document's
/// `PerformanceNavigationTiming` has a `serverTiming` attribute (here the
/// document sends no `Server-Timing`, so the list is empty), under the spec
/// and under every engine's policy, since the page is a secure context.
pub(crate) fn navigation_timing_idl() -> Outcome {
    let document = format!("{HTTPS_ORIGIN}/server-timing/navigation_timing_idl.https.html");
    for engine in [
        Engine::Spec,
        Engine::Chromium,
        Engine::Firefox,
        Engine::WebKit,
    ] {
        let page = Page::new(&document);
        let client = page
            .client
            .clone()
            .with_policy(ExposurePolicy::for_engine(engine));
        let mut request = Loader::Iframe.request(&document);
        request.initiator_type = Some("navigation".into());
        let mut fetch = Fetch::start(request, client, page.tick());
        fetch.request_started(page.tick());
        let at = page.tick();
        fetch.response_started(at);
        fetch
            .response_headers(200, &http::HeaderMap::new(), at)
            .map_err(|e| e.to_string())?;
        fetch.body_received(100, 100);
        fetch.end_of_body(page.tick());
        let entry = fetch
            .create_the_navigation_timing_entry(&page.performance, NavigationTimingType::Navigate)
            .ok_or("no navigation entry")?;
        let listed = page.performance.get_entries_by_type("navigation");
        ensure!(
            listed.len() == 1,
            "{engine:?}: one navigation entry, got {}",
            listed.len()
        );
        ensure!(
            entry.resource().has_server_timing_attribute(),
            "{engine:?}: An instance of `PerformanceNavigationTiming` should have a `serverTiming` attribute."
        );
        ensure!(
            entry.resource().server_timing().is_empty(),
            "{engine:?}: no Server-Timing was sent"
        );
        let json = entry.to_json();
        ensure!(
            json.ends_with("\"serverTiming\":[]}"),
            "{engine:?}: toJSON without serverTiming: {json}"
        );
    }
    Ok(())
}

/// `resource_timing_idl.https.html` (a secure page's first resource entry
/// has a `serverTiming` attribute) and `non_secure.html` (an http page's
/// `<img>` of `resources/blue.png` has none: the attribute is
/// `[SecureContext]`).
fn secure_context_gating(page_origin: &str, secure: bool) -> Outcome {
    let page = Page::new(&format!("{page_origin}/server-timing/page.html"));
    let hop = step(format!("{page_origin}/server-timing/resources/blue.png"));
    entry(&page, Loader::Image, &[hop])?;
    let entries = page.performance.get_entries_by_type("resource");
    let first = entries
        .first()
        .and_then(|e| e.as_any().downcast_ref::<PerformanceResourceTiming>())
        .ok_or("no resource entry")?;
    ensure!(
        first.has_server_timing_attribute() == secure,
        "Reflect.has(entry, 'serverTiming') is {}, expected {secure}",
        first.has_server_timing_attribute()
    );
    let json = first.to_json();
    ensure!(
        json.contains("\"serverTiming\":") == secure,
        "toJSON has serverTiming: {}, expected {secure}: {json}",
        json.contains("\"serverTiming\":")
    );
    Ok(())
}

/// The three parts of `test_server_timing.https.html`.
#[derive(Clone, Copy)]
pub(crate) enum TestServerTiming {
    /// The document's navigation entry.
    Navigation,
    /// An `<img>` in the markup.
    Img,
    /// A dynamically added `<img>`, seen by an observer.
    ObservedImg,
}

/// The trials of this group.
enum Case {
    /// `cross_origin.https.html`, one image.
    CrossOrigin {
        label: &'static str,
        origin: &'static str,
        image: &'static str,
        tao: bool,
        expected: usize,
    },
    TestServerTiming(TestServerTiming),
    HeadersNotVisibleInFetch,
    NavigationTimingTrickle,
    NavigationTimingIdl,
    /// `resource_timing_idl.https.html`.
    ResourceTimingIdl,
    /// `non_secure.html`.
    NonSecure,
}

impl Case {
    fn all() -> Vec<Case> {
        vec![
            Case::CrossOrigin {
                label: "same-origin",
                origin: HTTPS_ORIGIN,
                image: "blue.png",
                tao: false,
                expected: 1,
            },
            Case::CrossOrigin {
                label: "cross-origin without TAO",
                origin: HTTPS_REMOTE_ORIGIN,
                image: "blue.png",
                tao: false,
                expected: 0,
            },
            Case::CrossOrigin {
                label: "cross-origin with TAO",
                origin: HTTPS_REMOTE_ORIGIN,
                image: "blue_tao.png",
                tao: true,
                expected: 1,
            },
            Case::TestServerTiming(TestServerTiming::Navigation),
            Case::TestServerTiming(TestServerTiming::Img),
            Case::TestServerTiming(TestServerTiming::ObservedImg),
            Case::HeadersNotVisibleInFetch,
            Case::NavigationTimingTrickle,
            Case::NavigationTimingIdl,
            Case::ResourceTimingIdl,
            Case::NonSecure,
        ]
    }

    fn name(&self) -> String {
        match self {
            Case::CrossOrigin { label, .. } => {
                format!("server-timing/cross_origin.https.html : {label}")
            }
            Case::TestServerTiming(part) => format!(
                "server-timing/test_server_timing.https.html : {}",
                match part {
                    TestServerTiming::Navigation => "navigation",
                    TestServerTiming::Img => "img",
                    TestServerTiming::ObservedImg => "observed img",
                }
            ),
            Case::HeadersNotVisibleInFetch => {
                "server-timing/server_timing_headers_not_visible_in_fetch.https.html : Server-Timing headers should be explicitly allowed by CORS".into()
            }
            Case::NavigationTimingTrickle => {
                "server-timing/navigation-timing-trickle.https.html".into()
            }
            Case::NavigationTimingIdl => "server-timing/navigation_timing_idl.https.html".into(),
            Case::ResourceTimingIdl => "server-timing/resource_timing_idl.https.html".into(),
            Case::NonSecure => {
                "server-timing/non_secure.html : Server-Timing should be limited to secure contexts"
                    .into()
            }
        }
    }

    fn run(&self) -> Outcome {
        match *self {
            Case::CrossOrigin {
                origin,
                image,
                tao,
                expected,
                ..
            } => server_timing_cross_origin(origin, image, tao, expected),
            Case::TestServerTiming(part) => test_server_timing(part),
            Case::HeadersNotVisibleInFetch => server_timing_headers_not_visible_in_fetch(),
            Case::NavigationTimingTrickle => navigation_timing_trickle(),
            Case::NavigationTimingIdl => navigation_timing_idl(),
            Case::ResourceTimingIdl => secure_context_gating(HTTPS_ORIGIN, true),
            Case::NonSecure => secure_context_gating(ORIGIN, false),
        }
    }
}

/// This group's trials.
pub(crate) fn cases() -> Vec<wpt::Case> {
    Case::all()
        .into_iter()
        .map(|case| wpt::Case::new(case.name(), move || case.run()))
        .collect()
}
