//! The `navigation-timing/` files: a document's own
//! `PerformanceNavigationTiming` after its navigation, simulated on
//! [`harness`](crate::harness)'s network (redirect chains and the
//! navigation TAO check) or over real loopback sockets
//! ([`crate::wire`]: content coding, TLS).
//!
//! A navigated document is a [`Page`] of its own, its time origin taken
//! before its navigation's fetch starts (as HTML takes it in *navigate*),
//! whose client has the origin of the page that made the iframe: the
//! request's origin. The entry is created as the document is, once the
//! final response's headers are in, and brought up to date at the end of
//! the body. The legacy `performance.timing` and `performance.navigation`
//! (Navigation Timing Level 1) are not modelled: files on them are read
//! through the Level 2 entry where the attribute is the same, and their
//! other subtests are listed as not ported in docs/conformance.md.

use resource_timing::{PerformanceNavigationTiming, Referrer};

use crate::harness::*;

/// `make_absolute_url({subdomain: "www", ...})` on the page's origin.
const WWW_ORIGIN: &str = "http://www.web-platform.test:8000";
/// `resources/blank-page-green.html` (redirect-tao-helper.js's `FINAL_URL`).
const GREEN: &str = "/navigation-timing/resources/blank-page-green.html";
/// `resources/blank_page_green.html` (the nav2 files' final document).
const GREEN_NAV2: &str = "/navigation-timing/resources/blank_page_green.html";

/// Navigates a document through `chain` (each hop a redirect to the next,
/// the last the document) from a page at `parent`, and returns the
/// document's navigation entry with its page.
pub(crate) fn navigate(
    parent: &str,
    chain: &[Step],
    referrer: Referrer,
) -> Result<(Page, Rc<PerformanceNavigationTiming>), String> {
    let document = &chain.last().ok_or("an empty chain")?.url;
    let mut page = Page::new(document);
    page.client = FetchClient::for_page(&Url::parse(parent).map_err(|e| e.to_string())?);
    let request = Loader::Iframe
        .request(&chain[0].url)
        .initiator_type("navigation")
        .referrer(referrer);
    let fetch = Fetch::start(request, page.client.clone(), page.tick());
    let fetch = drive(&page, fetch, chain, &Load::default());
    let entry = fetch
        .create_the_navigation_timing_entry(&page.performance, NavigationTimingType::Navigate)
        .ok_or_else(|| {
            format!(
                "no navigation entry: {:?}",
                fetch.network_error_reason().map(|e| e.to_string())
            )
        })?;
    fetch.update_navigation_entry(&entry);
    Ok((page, entry))
}

/// `redirect_chain_url(hops)`: one `redirect-tao.py` hop on the www origin
/// per value (`None`: no `Timing-Allow-Origin`), then `FINAL_URL`.
fn redirect_tao_chain(hops: &[Option<&str>]) -> Vec<Step> {
    let mut chain: Vec<Step> = hops
        .iter()
        .map(|tao| {
            let hop = step(format!(
                "{WWW_ORIGIN}/navigation-timing/resources/redirect-tao.py"
            ));
            match tao {
                Some(value) => hop.tao(*value),
                None => hop,
            }
        })
        .collect();
    chain.push(step(format!("{ORIGIN}{GREEN}")));
    chain
}

/// `assert_redirect_timing_exposed(entry, expectedCount)`.
fn assert_redirect_timing_exposed(entry: &PerformanceNavigationTiming, count: u16) -> Outcome {
    ensure!(
        entry.navigation_type().as_str() == "navigate",
        "navigation type: {}",
        entry.navigation_type().as_str()
    );
    ensure!(
        entry.redirect_count() == count,
        "redirectCount: {}, expected {count}",
        entry.redirect_count()
    );
    ensure!(
        entry.redirect_start() > 0.0,
        "redirectStart is exposed: {}",
        entry.redirect_start()
    );
    ensure!(
        entry.redirect_end() >= entry.redirect_start(),
        "redirectEnd is greater than or equal to redirectStart"
    );
    Ok(())
}

/// `assert_redirect_timing_hidden(entry)`, also the nav2 files' three
/// assertions.
fn assert_redirect_timing_hidden(entry: &PerformanceNavigationTiming) -> Outcome {
    ensure!(
        entry.navigation_type().as_str() == "navigate",
        "navigation type: {}",
        entry.navigation_type().as_str()
    );
    ensure!(
        entry.redirect_count() == 0,
        "redirectCount is hidden: {}",
        entry.redirect_count()
    );
    ensure!(
        entry.redirect_start() == 0.0,
        "redirectStart is hidden: {}",
        entry.redirect_start()
    );
    ensure!(
        entry.redirect_end() == 0.0,
        "redirectEnd is hidden: {}",
        entry.redirect_end()
    );
    Ok(())
}

/// `redirect-tao.html`'s six subtests.
#[derive(Clone, Copy)]
pub(crate) enum RedirectTao {
    Destination,
    Wildcard,
    EveryHop,
    OtherOrigin,
    PartOfTheChain,
    NoReferrer,
}

impl RedirectTao {
    const ALL: [RedirectTao; 6] = [
        RedirectTao::Destination,
        RedirectTao::Wildcard,
        RedirectTao::EveryHop,
        RedirectTao::OtherOrigin,
        RedirectTao::PartOfTheChain,
        RedirectTao::NoReferrer,
    ];

    fn title(self) -> &'static str {
        match self {
            RedirectTao::Destination => {
                "Exposed when a cross-origin redirect opts in to the destination origin"
            }
            RedirectTao::Wildcard => "Exposed when a cross-origin redirect opts in with a wildcard",
            RedirectTao::EveryHop => {
                "Exposed when every redirect in the chain opts in to the destination origin"
            }
            RedirectTao::OtherOrigin => {
                "Hidden when the redirect opts in to a non-destination origin"
            }
            RedirectTao::PartOfTheChain => {
                "Hidden when only part of the chain opts in to the destination origin"
            }
            RedirectTao::NoReferrer => {
                "Hidden for a no-referrer navigation even when the redirect opts in"
            }
        }
    }

    fn run(self) -> Outcome {
        // DESTINATION_ORIGIN: the test page's own origin, where the chain lands.
        let dest = ORIGIN;
        let (hops, referrer): (Vec<Option<&str>>, Referrer) = match self {
            RedirectTao::Destination => (vec![Some(dest)], Referrer::Client),
            RedirectTao::Wildcard => (vec![Some("*")], Referrer::Client),
            RedirectTao::EveryHop => (vec![Some(dest), Some(dest)], Referrer::Client),
            RedirectTao::OtherOrigin => (
                vec![Some("https://not-the-destination.example")],
                Referrer::Client,
            ),
            RedirectTao::PartOfTheChain => (vec![None, Some(dest)], Referrer::Client),
            // The iframe's referrerPolicy "no-referrer" makes the request's
            // referrer "no-referrer" (main fetch, determine request's referrer).
            RedirectTao::NoReferrer => (vec![Some(dest)], Referrer::NoReferrer),
        };
        let (_, entry) = navigate(ORIGIN, &redirect_tao_chain(&hops), referrer)?;
        match self {
            RedirectTao::Destination | RedirectTao::Wildcard => {
                assert_redirect_timing_exposed(&entry, 1)
            }
            RedirectTao::EveryHop => assert_redirect_timing_exposed(&entry, 2),
            _ => assert_redirect_timing_hidden(&entry),
        }
    }
}

/// The two nav2 cross-origin chain files: `common/redirect.py` (no TAO)
/// then `common/redirect-opt-in.py` (`Timing-Allow-Origin: *`), ending on
/// the page's origin.
fn xserver_chain(first_on_www: bool) -> Vec<Step> {
    let first = if first_on_www { WWW_ORIGIN } else { ORIGIN };
    vec![
        step(format!("{first}/common/redirect.py")),
        step(format!("{WWW_ORIGIN}/common/redirect-opt-in.py")).tao("*"),
        step(format!("{ORIGIN}{GREEN_NAV2}")),
    ]
}

/// `nav2-test-redirect-server.html`: a same-origin redirect is counted
/// and timed, and the entry is named after the final URL.
fn nav2_redirect_server() -> Outcome {
    let chain = [
        step(format!("{ORIGIN}/common/redirect.py")),
        step(format!("{ORIGIN}{GREEN_NAV2}")),
    ];
    let (_, entry) = navigate(ORIGIN, &chain, Referrer::Client)?;
    ensure!(
        entry.navigation_type().as_str() == "navigate",
        "Expected navigation type  to be navigate."
    );
    ensure!(
        entry.redirect_count() == 1,
        "Expected redirectCount to be 1."
    );
    let expected = format!("{ORIGIN}{GREEN_NAV2}");
    ensure!(
        entry.name() == expected,
        "name: {}, expected {expected}",
        entry.name()
    );
    let order = [
        ("startTime", entry.start_time()),
        ("redirectStart", entry.redirect_start()),
        ("redirectEnd", entry.redirect_end()),
    ];
    for pair in order.windows(2) {
        ensure!(
            pair[0].1 < pair[1].1,
            "Expected {} to be no greater than {}. ({} and {})",
            pair[0].0,
            pair[1].0,
            pair[0].1,
            pair[1].1
        );
    }
    Ok(())
}

/// `nav2-test-redirect-none.html`: the document's own entry, seen by an
/// observer of "navigation" entries registered by its inline script. The
/// entry is queued after the script ran (HTML queues it at the end of
/// loading), so the observer is registered first.
fn nav2_redirect_none() -> Outcome {
    use std::sync::Mutex;
    let document = format!("{ORIGIN}/navigation-timing/nav2-test-redirect-none.html");
    let page = Page::new(&document);
    let seen: Arc<Mutex<usize>> = Arc::default();
    let sink = seen.clone();
    let observer =
        performance_timeline::PerformanceObserver::new(&page.performance, move |list, _, _| {
            *sink.lock().expect("not poisoned") += list.get_entries().len();
        });
    observer
        .observe(performance_timeline::PerformanceObserverInit::with_entry_types(["navigation"]))
        .map_err(|e| format!("{e:?}"))?;
    let request = Loader::Iframe
        .request(&document)
        .initiator_type("navigation");
    let fetch = Fetch::start(request, page.client.clone(), page.tick());
    let fetch = drive(&page, fetch, &[step(document.clone())], &Load::default());
    fetch
        .create_the_navigation_timing_entry(&page.performance, NavigationTimingType::Navigate)
        .ok_or("no navigation entry")?;
    page.event_loop.run_until_idle();
    ensure!(
        *seen.lock().expect("not poisoned") == 1,
        "the observer saw no navigation entry"
    );
    let entries = page.performance.get_entries_by_type("navigation");
    let nav = entries
        .first()
        .and_then(|e| e.as_any().downcast_ref::<PerformanceNavigationTiming>())
        .ok_or("no navigation entry in the timeline")?;
    ensure!(nav.redirect_count() == 0, "Expected redirectCount to be 0.");
    ensure!(
        nav.redirect_start() == 0.0,
        "Expected redirectStart to be 0."
    );
    ensure!(nav.redirect_end() == 0.0, "Expected redirectEnd to be 0.");
    Ok(())
}

/// `test-timing-server-redirect.html`'s subtests that have a Level 2
/// reading: `navigation.type`, `navigation.redirectCount` and three orders
/// of `performance.timing` attributes, read on the frame's entry.
#[derive(Clone, Copy)]
pub(crate) enum ServerRedirect {
    Type,
    RedirectCount,
    RedirectEndAfterStart,
    FetchStartAfterRedirectEnd,
    RequestStartAfterFetchStart,
}

impl ServerRedirect {
    const ALL: [ServerRedirect; 5] = [
        ServerRedirect::Type,
        ServerRedirect::RedirectCount,
        ServerRedirect::RedirectEndAfterStart,
        ServerRedirect::FetchStartAfterRedirectEnd,
        ServerRedirect::RequestStartAfterFetchStart,
    ];

    fn title(self) -> &'static str {
        match self {
            ServerRedirect::Type => "timing.navigation.type is TYPE_NAVIGATE",
            ServerRedirect::RedirectCount => {
                "navigation.redirectCount == 1 on an server redirected navigation"
            }
            ServerRedirect::RedirectEndAfterStart => {
                "window.performance.timing.redirectEnd >= window.performance.timing.redirectStart"
            }
            ServerRedirect::FetchStartAfterRedirectEnd => {
                "window.performance.timing.fetchStart >= window.performance.timing.redirectEnd"
            }
            ServerRedirect::RequestStartAfterFetchStart => {
                "window.performance.timing.requestStart >= window.performance.timing.fetchStart"
            }
        }
    }

    fn run(self) -> Outcome {
        let chain = [
            step(format!("{ORIGIN}/common/redirect.py")),
            step(format!("{ORIGIN}{GREEN_NAV2}")),
        ];
        let (_, entry) = navigate(ORIGIN, &chain, Referrer::Client)?;
        let r = entry.resource();
        let (later, earlier) = match self {
            ServerRedirect::Type => {
                ensure!(
                    entry.navigation_type().as_str() == "navigate",
                    "type: {}",
                    entry.navigation_type().as_str()
                );
                return Ok(());
            }
            ServerRedirect::RedirectCount => {
                ensure!(
                    entry.redirect_count() == 1,
                    "redirectCount: {}",
                    entry.redirect_count()
                );
                return Ok(());
            }
            ServerRedirect::RedirectEndAfterStart => (entry.redirect_end(), entry.redirect_start()),
            ServerRedirect::FetchStartAfterRedirectEnd => (r.fetch_start(), entry.redirect_end()),
            ServerRedirect::RequestStartAfterFetchStart => (r.request_start(), r.fetch_start()),
        };
        ensure!(
            later >= earlier && later > 0.0,
            "{}: {later} and {earlier}",
            self.title()
        );
        Ok(())
    }
}

/// `test-navigation-redirectCount-none.html`'s three subtests, read on the
/// document's Level 2 entry.
#[derive(Clone, Copy)]
pub(crate) enum RedirectCountNone {
    Start,
    End,
    Count,
}

impl RedirectCountNone {
    const ALL: [RedirectCountNone; 3] = [
        RedirectCountNone::Start,
        RedirectCountNone::End,
        RedirectCountNone::Count,
    ];

    fn title(self) -> &'static str {
        match self {
            RedirectCountNone::Start => "timing.redirectStart on an non-redirected navigation",
            RedirectCountNone::End => "timing.redirectEnd on an non-redirected navigation",
            RedirectCountNone::Count => "navigation.redirectCount on an non-redirected navigation",
        }
    }

    fn run(self) -> Outcome {
        let document =
            format!("{ORIGIN}/navigation-timing/test-navigation-redirectCount-none.html");
        let (_, entry) = navigate(ORIGIN, &[step(document)], Referrer::Client)?;
        let value = match self {
            RedirectCountNone::Start => entry.redirect_start(),
            RedirectCountNone::End => entry.redirect_end(),
            RedirectCountNone::Count => f64::from(entry.redirect_count()),
        };
        ensure!(value == 0.0, "{}: {value}", self.title());
        Ok(())
    }
}

/// This group's simulated trials.
pub(crate) fn cases() -> Vec<wpt::Case> {
    let mut cases = Vec::new();
    for case in RedirectTao::ALL {
        cases.push(wpt::Case::new(
            format!("navigation-timing/redirect-tao.html : {}", case.title()),
            move || case.run(),
        ));
    }
    cases.push(wpt::Case::new(
        "navigation-timing/nav2-test-redirect-chain-xserver-partial-opt-in.html",
        || {
            let (_, entry) = navigate(ORIGIN, &xserver_chain(true), Referrer::Client)?;
            assert_redirect_timing_hidden(&entry)
        },
    ));
    cases.push(wpt::Case::new(
        "navigation-timing/nav2-test-redirect-chain-xserver-final-original-origin.html",
        || {
            let (_, entry) = navigate(ORIGIN, &xserver_chain(false), Referrer::Client)?;
            assert_redirect_timing_hidden(&entry)
        },
    ));
    cases.push(wpt::Case::new(
        "navigation-timing/nav2-test-redirect-server.html",
        nav2_redirect_server,
    ));
    cases.push(wpt::Case::new(
        "navigation-timing/nav2-test-redirect-none.html : Naivation without redirects.",
        nav2_redirect_none,
    ));
    for case in ServerRedirect::ALL {
        cases.push(wpt::Case::new(
            format!(
                "navigation-timing/test-timing-server-redirect.html : {}",
                case.title()
            ),
            move || case.run(),
        ));
    }
    for case in RedirectCountNone::ALL {
        cases.push(wpt::Case::new(
            format!(
                "navigation-timing/test-navigation-redirectCount-none.html : {}",
                case.title()
            ),
            move || case.run(),
        ));
    }
    cases
}
