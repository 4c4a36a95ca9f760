//! Entry attributes through redirects, failures and frames:
//! `entry-attributes.html`, `redirects.html`, `redirects.sub.html`,
//! `sizes-redirect-img.html`, `resource-timing-failed-fetch.html`,
//! `iframe-redirect-without-location.html`,
//! `secure-iframe-in-insecure-context.html`, `cors-preflight.any.js`,
//! `TAO-crossorigin-port.sub.html` and `nested-nav-fallback-timing.html`.

use crate::entry_invariants::*;
use crate::harness::*;
use crate::sizes::check_size_fields;

/// The subtests, one per `attribute_test` or `promise_test`.
#[derive(Clone, Copy)]
pub(crate) enum Case {
    /// `entry-attributes.html`.
    EntryAttributes(EntryAttributes),
    /// `redirects.html`: a loader through `/common/redirect.py`.
    Redirects(Redirects),
    /// `redirects.sub.html`: the iframe's six redirected loads keep their names.
    RedirectNames,
    /// `sizes-redirect-img.html`: an image with TAO `*` through a chain.
    SizesRedirectImg(SizesRedirectImg),
    /// `resource-timing-failed-fetch.html`.
    FailedFetch,
    /// `iframe-redirect-without-location.html`.
    IframeRedirectWithoutLocation,
    /// `secure-iframe-in-insecure-context.html`: an iframe or object over https.
    SecureIframe(Loader),
    /// `cors-preflight.any.js`.
    CorsPreflight,
    /// `TAO-crossorigin-port.sub.html` with its iframe's script.
    TaoCrossoriginPort,
    /// `nested-nav-fallback-timing.html`: an iframe or object from another origin, without TAO.
    NestedNavFallback(Loader),
}

#[derive(Clone, Copy)]
pub(crate) enum EntryAttributes {
    Image,
    Font,
    SameOriginRedirect,
}

#[derive(Clone, Copy)]
pub(crate) enum Redirects {
    Stylesheet,
    Image,
    Iframe,
    Script,
    XhrSync,
    XhrSyncToCrossOriginHttps,
}

#[derive(Clone, Copy)]
pub(crate) enum SizesRedirectImg {
    Direct,
    SameOrigin,
    CrossOrigin,
    CrossToSameOrigin,
    SameRemoteSame,
}

/// `entry-attributes.html` (nodejs/node @24850473).
fn entry_attributes(case: EntryAttributes) -> Outcome {
    let page = Page::new(&format!("{ORIGIN}/resource-timing/entry-attributes.html"));
    let fake = format!("{ORIGIN}/resource-timing/resources/fake_responses.py");
    match case {
        EntryAttributes::Image => {
            let entry = entry(&page, Loader::Image, &[step(format!("{fake}#hash=1"))])?;
            ensure!(
                entry.name().contains("#hash=1"),
                "There should be a hash in the resource name: {}",
                entry.name()
            );
            assert_tao_pass_no_redirect_http(&entry)
        }
        EntryAttributes::Font => {
            let entry = entry(
                &page,
                Loader::Font,
                &[step(format!("{ORIGIN}/fonts/Ahem.ttf"))],
            )?;
            assert_tao_pass_no_redirect_http(&entry)
        }
        EntryAttributes::SameOriginRedirect => {
            // `location` is relative to redirect.py's own URL.
            let chain = [
                step(format!(
                    "{ORIGIN}/common/redirect.py?location=resources/fake_responses.py"
                )),
                step(format!("{ORIGIN}/common/resources/fake_responses.py")),
            ];
            assert_same_origin_redirected_resource(&*entry(&page, Loader::Image, &chain)?)
        }
    }
}

/// `redirects.html` (nodejs/node @bdcde330): loads through
/// `/common/redirect.py?location=/resource-timing/resources/…` on the page's
/// origin; the last to HTTPS_NOTSAMESITE_ORIGIN, without CORS headers.
fn redirects(case: Redirects) -> Outcome {
    let page = Page::new(&format!("{ORIGIN}/resource-timing/redirects.html"));
    let (loader, target) = match case {
        Redirects::Stylesheet => (
            Loader::Stylesheet,
            format!("{ORIGIN}/resource-timing/resources/resource_timing_test0.css"),
        ),
        Redirects::Image => (
            Loader::Image,
            format!("{ORIGIN}/resource-timing/resources/blue.png"),
        ),
        Redirects::Iframe => (
            Loader::Iframe,
            format!("{ORIGIN}/resource-timing/resources/green.html"),
        ),
        Redirects::Script => (
            Loader::Script,
            format!("{ORIGIN}/resource-timing/resources/empty_script.js"),
        ),
        Redirects::XhrSync => (
            Loader::Xhr,
            format!("{ORIGIN}/resource-timing/resources/green.html?id=xhr"),
        ),
        Redirects::XhrSyncToCrossOriginHttps => (
            Loader::Xhr,
            format!("{HTTPS_NOTSAMESITE_ORIGIN}/resource-timing/resources/green.html?id=xhr"),
        ),
    };
    let location = target.strip_prefix(ORIGIN).unwrap_or(&target);
    let chain = [
        step(format!("{ORIGIN}/common/redirect.py?location={location}")),
        step(&target),
    ];
    let entry = entry(&page, loader, &chain)?;
    match case {
        Redirects::XhrSyncToCrossOriginHttps => assert_cross_origin_redirected_resource(&entry),
        _ => assert_same_origin_redirected_resource(&entry),
    }
}

/// `redirects.sub.html` (wpt @0568f441) with `test_resource_entries` from
/// `resources/webperftestharnessextension.js`: the iframe's document loads six
/// resources through `common/redirect.py`; its buffer must hold one entry
/// per redirect URL, with the element's initiator type, and nothing else.
fn redirect_names() -> Outcome {
    let page = Page::new(&format!(
        "{ORIGIN}/resource-timing/resources/inject_resource_test.html"
    ));
    let prefix = "/common/redirect.py?location=/resource-timing/resources/";
    let https_prefix =
        format!("/common/redirect.py?location={HTTPS_REMOTE_ORIGIN}/resource-timing/resources/");
    let loads = [
        (
            Loader::Stylesheet,
            format!("{prefix}resource_timing_test0.css"),
            "link",
        ),
        (Loader::Image, format!("{prefix}blue.png"), "img"),
        (
            Loader::Iframe,
            format!("{prefix}blank_page_green.htm"),
            "iframe",
        ),
        (Loader::Script, format!("{prefix}empty_script.js"), "script"),
        (
            Loader::Xhr,
            format!("{prefix}blank_page_green.htm?id=xhr"),
            "xmlhttprequest",
        ),
        (
            Loader::Xhr,
            format!("{https_prefix}blank_page_green.htm?id=xhr"),
            "xmlhttprequest",
        ),
    ];
    for (loader, path, _) in &loads {
        let location = path.split_once("location=").map_or("", |(_, l)| l);
        let target = if location.starts_with("http") {
            location.to_owned()
        } else {
            format!("{ORIGIN}{location}")
        };
        load(
            &page,
            *loader,
            &[step(format!("{ORIGIN}{path}")), step(target)],
            &Load::default(),
        );
    }
    let entries = page.performance.get_entries_by_type("resource");
    let mut seen = std::collections::BTreeMap::new();
    for entry in &entries {
        let Some((_, path, initiator)) = loads
            .iter()
            .find(|(_, path, _)| entry.name() == format!("{ORIGIN}{path}"))
        else {
            return Err(format!(
                "{} was unexpectedly in the Resource Timing buffer",
                entry.name()
            ));
        };
        ensure!(
            seen.insert(path.clone(), *initiator).is_none(),
            "{path} is not expected to have duplicate entries"
        );
        let typed = entry
            .as_any()
            .downcast_ref::<PerformanceResourceTiming>()
            .ok_or("not a resource entry")?;
        ensure!(
            typed.initiator_type() == *initiator,
            "{ORIGIN}{path} is expected to have initiatorType {initiator}, has {}",
            typed.initiator_type()
        );
    }
    for (_, path, _) in &loads {
        ensure!(
            seen.contains_key(path),
            "{ORIGIN}{path} is expected to be in the Resource Timing buffer"
        );
    }
    Ok(())
}

/// `sizes-redirect-img.html` (divmain/wpt @5942d002): `<img>` of
/// `TAOResponse.py?tao=wildcard&img=true` (blue.png, 1010 bytes, TAO `*`)
/// through redirect-cors.py hops with `timing_allow_origin=*`; sizes 1010,
/// `transferSize` 1010 + 300.
fn sizes_redirect_img(case: SizesRedirectImg) -> Outcome {
    let page = Page::new(&format!("{ORIGIN}/resource-timing/sizes-redirect-img.html"));
    let base = step(format!(
        "{ORIGIN}/resource-timing/resources/TAOResponse.py?tao=wildcard&img=true"
    ))
    .tao("*")
    .header("content-type", "image/png")
    .body(1010);
    let redirect = |origin: &str, n: u8| {
        step(format!(
            "{origin}/resource-timing/resources/redirect-cors.py?timing_allow_origin=*&n={n}"
        ))
        .tao("*")
    };
    let mut chain = match case {
        SizesRedirectImg::Direct => vec![],
        SizesRedirectImg::SameOrigin => vec![redirect(ORIGIN, 1)],
        SizesRedirectImg::CrossOrigin => vec![redirect(REMOTE_ORIGIN, 1)],
        SizesRedirectImg::CrossToSameOrigin => {
            vec![redirect(REMOTE_ORIGIN, 1), redirect(ORIGIN, 2)]
        }
        SizesRedirectImg::SameRemoteSame => vec![
            redirect(ORIGIN, 1),
            redirect(REMOTE_ORIGIN, 2),
            redirect(ORIGIN, 3),
        ],
    };
    chain.push(base);
    let entry = entry(&page, Loader::Image, &chain)?;
    check_size_fields(&entry, 1010, 1010 + 300)
}

/// `resource-timing-failed-fetch.html` (nodejs/node @675bc449): two
/// stylesheets, one of them a 404; both get an entry.
fn failed_fetch() -> Outcome {
    let page = Page::new(&format!(
        "{ORIGIN}/resource-timing/resource-timing-failed-fetch.html"
    ));
    let dir = format!("{ORIGIN}/resource-timing/resources");
    load(
        &page,
        Loader::Stylesheet,
        &[step(format!("{dir}/empty_style.css")).body(0)],
        &Load::default(),
    );
    load(
        &page,
        Loader::Stylesheet,
        &[step(format!("{dir}/non_exist.css")).status(404)],
        &Load::default(),
    );
    let css: Vec<_> = page
        .performance
        .get_entries_by_type("resource")
        .into_iter()
        .filter(|e| e.name().contains("css"))
        .collect();
    ensure!(
        css.len() == 2,
        "There should be two resource timing entries for css resources, not {}",
        css.len()
    );
    for (name, what) in [
        ("empty_style.css", "successfully fetched resource"),
        ("non_exist.css", "fetching failed resource"),
    ] {
        let n = css.iter().filter(|e| e.name().contains(name)).count();
        ensure!(
            n == 1,
            "There should be one resource timing entry for {what}, not {n}"
        );
    }
    Ok(())
}

/// `iframe-redirect-without-location.html` (nodejs/node @f18d762d):
/// redirect-without-location.py answers 302 without `Location`, which
/// Fetch treats as a final response; the iframe gets one entry.
fn iframe_redirect_without_location() -> Outcome {
    let page = Page::new(&format!(
        "{ORIGIN}/resource-timing/iframe-redirect-without-location.html"
    ));
    let href = format!("{ORIGIN}/resource-timing/resources/redirect-without-location.py");
    load(
        &page,
        Loader::Iframe,
        &[step(&href).status(302).body(0)],
        &Load::default(),
    );
    let entries: Vec<_> = page
        .performance
        .get_entries_by_type("resource")
        .into_iter()
        .filter(|e| e.name().starts_with(&href))
        .collect();
    ensure!(entries.len() == 1, "{} entries, expected 1", entries.len());
    let typed = entries[0]
        .as_any()
        .downcast_ref::<PerformanceResourceTiming>()
        .ok_or("not a resource entry")?;
    ensure!(
        typed.initiator_type() == "iframe",
        "initiatorType {}, expected iframe",
        typed.initiator_type()
    );
    Ok(())
}

/// `secure-iframe-in-insecure-context.html` (nodejs/node @5aa4d1a6): an
/// http page loads `200.https.asis` (`Timing-Allow-Origin: *`) from
/// HTTPS_ORIGIN in an iframe or object; `secureConnectionStart` is not 0.
fn secure_iframe(loader: Loader) -> Outcome {
    let page = Page::new(&format!(
        "{ORIGIN}/resource-timing/secure-iframe-in-insecure-context.html"
    ));
    let n = if matches!(loader, Loader::Iframe) {
        1
    } else {
        2
    };
    let hop = step(format!(
        "{HTTPS_ORIGIN}/resource-timing/resources/200.https.asis?{n}"
    ))
    .tao("*")
    .body(0);
    let entry = entry(&page, loader, &[hop])?;
    ensure!(
        entry.secure_connection_start() != 0.0,
        "secureConnectionStart should not be 0"
    );
    Ok(())
}

/// `cors-preflight.any.js` (wpt @8cc44e82): two `fetch()`es of
/// REMOTE_ORIGIN's preflight.py, the second with `X-Require-Preflight`, so
/// a CORS preflight (an OPTIONS request of its own, which gets no entry)
/// goes first. preflight.py (check-spelling-sandbox/wpt @f3ef3460) sends
/// ACAO `*` and TAO `*`. Both entries are for the same URL; the second's
/// `transferSize` is within 3 bytes of the first's.
fn cors_preflight() -> Outcome {
    let page = Page::new(&format!("{ORIGIN}/resource-timing/cors-preflight.any.html"));
    let url = format!("{REMOTE_ORIGIN}/resource-timing/resources/preflight.py");
    let hop = step(&url).acao("*").tao("*").body(0);
    entry(&page, Loader::Fetch, std::slice::from_ref(&hop))?;
    // The preflight is its own fetch on the connection, before the request;
    // the entry's request starts after it.
    page.event_loop.advance(2.0);
    entry(&page, Loader::Fetch, &[hop])?;
    let entries = page.performance.get_entries_by_name(&url, None);
    ensure!(
        entries.len() == 2,
        "Wrong number of entries: {}",
        entries.len()
    );
    let size = |i: usize| {
        entries[i]
            .as_any()
            .downcast_ref::<PerformanceResourceTiming>()
            .map_or(0, |e| e.transfer_size())
    };
    ensure!(size(0) > 0, "No-preflight transferSize is 0");
    let (lower, upper) = (size(0).saturating_sub(3), size(0) + 3);
    ensure!(
        lower < size(1) && size(1) < upper,
        "Preflighted transferSize {} is not in ({lower}, {upper})",
        size(1)
    );
    Ok(())
}

/// `TAO-crossorigin-port.sub.html` (wpt @3927d0f5) with
/// `resources/iframe-TAO-crossorigin-port.sub.html` (wpt @d4e300e8): the
/// iframe, on the page's origin (port 8000), `fetch()`es
/// CustomCorsResponse.py on port 8001 with `Timing-Allow-Origin` naming its
/// own origin and no `Access-Control-Allow-Origin`. The CORS check fails:
/// a network error, so the twelve attributes the iframe sums are all 0 and
/// it posts "PASS".
fn tao_crossorigin_port() -> Outcome {
    let frame = Page::new(&format!(
        "{ORIGIN}/resource-timing/resources/iframe-TAO-crossorigin-port.sub.html"
    ));
    let url = format!(
        "http://web-platform.test:{PORT2}/common/CustomCorsResponse.py?headers=%7B%22Timing-Allow-Origin%22%3A%20%22http%3A%2F%2Fweb-platform.test%3A8000%22%7D"
    );
    let hop = step(url).tao(ORIGIN);
    let entry = entry(&frame, Loader::Fetch, &[hop])?;
    let sum = entry.redirect_start()
        + entry.redirect_end()
        + entry.domain_lookup_start()
        + entry.domain_lookup_end()
        + entry.connect_start()
        + entry.connect_end()
        + entry.secure_connection_start()
        + entry.request_start()
        + entry.response_start()
        + entry.transfer_size() as f64
        + entry.encoded_body_size() as f64
        + entry.decoded_body_size() as f64;
    ensure!(sum == 0.0, "the iframe posted FAIL: the sum is {sum}");
    Ok(())
}

/// `nested-nav-fallback-timing.html` (nodejs/node @675bc449): an iframe or
/// `<object type=text/html>` of REMOTE_ORIGIN's `delay-load.html` (no TAO),
/// whose `<img>` trickles for 1 s. HTML reports the element's entry at its
/// load event, with the fallback timing info, so `duration` > 1000.
fn nested_nav_fallback(loader: Loader) -> Outcome {
    let page = Page::new(&format!(
        "{ORIGIN}/resource-timing/nested-nav-fallback-timing.html"
    ));
    let url = format!("{REMOTE_ORIGIN}/resource-timing/resources/delay-load.html");
    let mut fetch = Fetch::start(loader.request(&url), page.client.clone(), page.tick());
    let connect = page.tick();
    fetch.connection_obtained(&ConnectionTimingInfo {
        domain_lookup_start_time: connect,
        domain_lookup_end_time: connect,
        connection_start_time: connect,
        connection_end_time: page.tick(),
        secure_connection_start_time: 0.0,
        alpn_negotiated_protocol: b"http/1.1".as_slice().into(),
    });
    fetch.request_started(page.tick());
    let response_start = page.tick();
    fetch.response_started(response_start);
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        "text/html".parse().expect("static"),
    );
    match fetch.response_headers(200, &headers, response_start) {
        Ok(Next::Final) => {}
        other => {
            return Err(format!(
                "the navigation's response was not final: {other:?}"
            ))
        }
    }
    fetch.body_received(77, 77);
    fetch.end_of_body(page.tick());
    if !resource_timing::reports_fallback_timing(&fetch) {
        // The entry at the response's end, as for any other navigation.
        fetch.report_timing(&page.performance);
    } else {
        // The child document loads its image (1 s, trickled), then fires load.
        page.event_loop.advance(1000.0);
        page.tick();
        resource_timing::mark_fallback_resource_timing(&fetch, &page.performance, page.tick());
    }
    let entries = page.performance.get_entries_by_name(&url, None);
    ensure!(
        entries.len() == 1,
        "{} entries for {url}, expected 1",
        entries.len()
    );
    ensure!(
        entries[0].duration() > 1000.0,
        "duration {} should be greater than 1000",
        entries[0].duration()
    );
    Ok(())
}

impl Case {
    fn all() -> Vec<Case> {
        let mut all: Vec<Case> = [
            EntryAttributes::Image,
            EntryAttributes::Font,
            EntryAttributes::SameOriginRedirect,
        ]
        .map(Case::EntryAttributes)
        .into();
        all.extend(
            [
                Redirects::Stylesheet,
                Redirects::Image,
                Redirects::Iframe,
                Redirects::Script,
                Redirects::XhrSync,
                Redirects::XhrSyncToCrossOriginHttps,
            ]
            .map(Case::Redirects),
        );
        all.push(Case::RedirectNames);
        all.extend(
            [
                SizesRedirectImg::Direct,
                SizesRedirectImg::SameOrigin,
                SizesRedirectImg::CrossOrigin,
                SizesRedirectImg::CrossToSameOrigin,
                SizesRedirectImg::SameRemoteSame,
            ]
            .map(Case::SizesRedirectImg),
        );
        all.extend([
            Case::FailedFetch,
            Case::IframeRedirectWithoutLocation,
            Case::SecureIframe(Loader::Iframe),
            Case::SecureIframe(Loader::Object),
            Case::CorsPreflight,
            Case::TaoCrossoriginPort,
            Case::NestedNavFallback(Loader::Iframe),
            Case::NestedNavFallback(Loader::Object),
        ]);
        all
    }

    fn name(&self) -> String {
        let (file, title) = match self {
            Case::EntryAttributes(case) => (
                "entry-attributes.html",
                match case {
                    EntryAttributes::Image => "Image resources should generate conformant entries",
                    EntryAttributes::Font => "Font resources should generate conformant entries",
                    EntryAttributes::SameOriginRedirect => {
                        "Same-origin redirects should populate redirectStart/redirectEnd"
                    }
                },
            ),
            Case::Redirects(case) => (
                "redirects.html",
                match case {
                    Redirects::Stylesheet => "Verify attributes of a redirected stylesheet's PerformanceResourceTiming",
                    Redirects::Image => "Verify attributes of a redirected image's PerformanceResourceTiming",
                    Redirects::Iframe => "Verify attributes of a redirected iframe's PerformanceResourceTiming",
                    Redirects::Script => "Verify attributes of a redirected script's PerformanceResourceTiming",
                    Redirects::XhrSync => "Verify attributes of a redirected synchronous XMLHttpRequest's PerformanceResourceTiming",
                    Redirects::XhrSyncToCrossOriginHttps => "Verify attributes of a synchronous XMLHttpRequest's PerformanceResourceTiming where the initial HTTP request is redirected to a cross-origin HTTPS resource.",
                },
            ),
            Case::RedirectNames => ("redirects.sub.html", "Testing resource entries"),
            Case::SizesRedirectImg(case) => (
                "sizes-redirect-img.html",
                match case {
                    SizesRedirectImg::Direct => "PerformanceResourceTiming sizes redirect image - direct URL",
                    SizesRedirectImg::SameOrigin => "PerformanceResourceTiming sizes redirect image - same origin redirect",
                    SizesRedirectImg::CrossOrigin => "PerformanceResourceTiming sizes redirect image - cross origin redirect",
                    SizesRedirectImg::CrossToSameOrigin => "PerformanceResourceTiming sizes redirect image - cross origin to same origin redirect",
                    SizesRedirectImg::SameRemoteSame => "PerformanceResourceTiming sizes redirect image - same origin to remote origin to same origin redirect",
                },
            ),
            // The title's backslash continues the string literal onto the next
            // line, whose two leading spaces stay in it.
            Case::FailedFetch => (
                "resource-timing-failed-fetch.html",
                "Resource fetched by HTTP protocol should have resource timing entry emitted,   even when the fetch failed.",
            ),
            Case::IframeRedirectWithoutLocation => (
                "iframe-redirect-without-location.html",
                "Iframes should report resource timing for redirect responses without a location",
            ),
            Case::SecureIframe(Loader::Iframe) => (
                "secure-iframe-in-insecure-context.html",
                "secureConnectionStart is reported for iframes loaded over https in http context",
            ),
            Case::SecureIframe(_) => (
                "secure-iframe-in-insecure-context.html",
                "secureConnectionStart is reported for object documents loaded over https in http context",
            ),
            Case::CorsPreflight => (
                "cors-preflight.any.js",
                "PerformanceResourceTiming sizes fetch with preflight test",
            ),
            Case::TaoCrossoriginPort => (
                "TAO-crossorigin-port.sub.html",
                "Makes sure that the iframe passed the test and had an entry which passed the timing allow check",
            ),
            Case::NestedNavFallback(Loader::Iframe) => (
                "nested-nav-fallback-timing.html",
                "Cross-origin TAO-fail IFrame entries should report window load time",
            ),
            Case::NestedNavFallback(_) => (
                "nested-nav-fallback-timing.html",
                "Cross-origin TAO-fail object entries should report window load time",
            ),
        };
        format!("resource-timing/{file} : {title}")
    }

    fn run(self) -> Outcome {
        match self {
            Case::EntryAttributes(case) => entry_attributes(case),
            Case::Redirects(case) => redirects(case),
            Case::RedirectNames => redirect_names(),
            Case::SizesRedirectImg(case) => sizes_redirect_img(case),
            Case::FailedFetch => failed_fetch(),
            Case::IframeRedirectWithoutLocation => iframe_redirect_without_location(),
            Case::SecureIframe(loader) => secure_iframe(loader),
            Case::CorsPreflight => cors_preflight(),
            Case::TaoCrossoriginPort => tao_crossorigin_port(),
            Case::NestedNavFallback(loader) => nested_nav_fallback(loader),
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
