//! Redirect chains: `SO-XO-SO-redirect-chain-tao.https.html`,
//! `cross-origin-redirects.html` and the other redirect files.

use crate::entry_invariants::*;
use crate::harness::*;

/// `SO-XO-SO-redirect-chain-tao.https.html`, through multi_redirect.py:
/// step 1 on the first origin redirects to the cross origin (step 2), then
/// to the page's origin (step 3), then to the final resource on the page's
/// origin. The first `tao_steps` responses send `Timing-Allow-Origin: tao`.
pub(crate) fn so_xo_so(case: SoXoSo) -> Outcome {
    let page = Page::new(HTTPS_ORIGIN);
    let path = "/resource-timing/resources/multi_redirect.py";
    let (first, loader, final_resource, tao, tao_steps) = match case {
        SoXoSo::NoTao => (HTTPS_ORIGIN, Loader::Iframe, "blank_page_green.htm", "*", 0),
        SoXoSo::TaoOnSome => (HTTPS_ORIGIN, Loader::Iframe, "blank_page_green.htm", "*", 2),
        SoXoSo::TaoStar => (
            HTTPS_REMOTE_ORIGIN,
            Loader::Image,
            "blue-with-tao.png",
            "*",
            3,
        ),
        SoXoSo::TaoSpecificOrigin => (
            HTTPS_REMOTE_ORIGIN,
            Loader::Image,
            "blue-with-tao.png",
            HTTPS_ORIGIN,
            3,
        ),
    };
    let mut chain = vec![
        step(format!("{first}{path}?step=1")),
        step(format!("{HTTPS_REMOTE_ORIGIN}{path}?step=2")),
        step(format!("{HTTPS_ORIGIN}{path}?step=3")),
        step(format!(
            "{HTTPS_ORIGIN}/resource-timing/resources/{final_resource}"
        )),
    ];
    for hop in chain.iter_mut().take(tao_steps) {
        *hop = hop.clone().tao(tao);
    }
    if final_resource.contains("with-tao") {
        let last = chain.len() - 1;
        chain[last] = chain[last].clone().tao("*");
    }
    let entry = entry(&page, loader, &chain)?;
    match case {
        SoXoSo::TaoStar => assert_tao_enabled_cross_origin_redirected_resource(&entry),
        _ => assert_cross_origin_redirected_resource(&entry),
    }
}

/// `cross-origin-redirects.html`: an http page loads iframes through
/// redirect-cors.py; `HTTP_XO_redirect` hops send ACAO `*` and the given TAO.
pub(crate) fn cross_origin_redirects(case: CrossOriginRedirects) -> Outcome {
    let page = Page::new(ORIGIN);
    let so_redirect = step(format!(
        "{ORIGIN}/resource-timing/resources/redirect-cors.py"
    ));
    let xo_resource = || step(format!("{REMOTE_ORIGIN}/common/CustomCorsResponse.py")).acao("*");
    let xo_redirect = |n: u8, tao: &str| {
        step(format!(
            "{REMOTE_ORIGIN}/resource-timing/resources/redirect-cors.py?n={n}"
        ))
        .acao("*")
        .tao(tao)
    };
    // tao_response("*", ORIGIN).
    let so_resource = step(format!("{ORIGIN}/common/CustomCorsResponse.py"))
        .acao("*")
        .tao("*");
    match case {
        CrossOriginRedirects::HttpRedirect => assert_http_to_cross_origin_redirected_resource(
            &*entry(&page, Loader::Iframe, &[so_redirect, xo_resource()])?,
        ),
        CrossOriginRedirects::TaoFails => assert_cross_origin_redirected_resource(&*entry(
            &page,
            Loader::Iframe,
            &[so_redirect, xo_resource().tao("no-match")],
        )?),
        CrossOriginRedirects::TaoPasses => {
            assert_http_to_tao_enabled_cross_origin_https_redirected_resource(&*entry(
                &page,
                Loader::Iframe,
                &[so_redirect, xo_resource().tao("*")],
            )?)
        }
        CrossOriginRedirects::ChainPasses => {
            assert_http_to_tao_enabled_cross_origin_https_redirected_resource(&*entry(
                &page,
                Loader::Iframe,
                &[xo_redirect(1, "*"), xo_redirect(2, "*"), so_resource],
            )?)
        }
        // The failure permutations: the file calls `test_case.apply(permutation)`,
        // so every argument is undefined and both XO hops send
        // `Timing-Allow-Origin: undefined`, whatever the permutation says.
        CrossOriginRedirects::Permutation(_) => assert_tao_failure_resource(&*entry(
            &page,
            Loader::Iframe,
            &[
                xo_redirect(1, "undefined"),
                xo_redirect(2, "undefined"),
                so_resource,
            ],
        )?),
    }
}

/// `object-not-found-after-TAO-cross-origin-redirect.html`: an `<object>`
/// through a multi_redirect chain with TAO on every hop to a 404 with TAO.
pub(crate) fn object_not_found_after_tao_cross_origin_redirect() -> Outcome {
    let page = Page::new(ORIGIN);
    let path = "/resource-timing/resources/multi_redirect.py";
    let chain = [
        step(format!("{REMOTE_ORIGIN}{path}?step=1")).tao("*"),
        step(format!("{REMOTE_ORIGIN}{path}?step=2")).tao("*"),
        step(format!("{ORIGIN}{path}?step=3")).tao("*"),
        step(format!(
            "{ORIGIN}/resource-timing/resources/status-code.py?status=404&tao_value=*"
        ))
        .status(404)
        .tao("*"),
    ];
    let entry = entry(&page, Loader::Object, &chain)?;
    ensure!(
        entry.redirect_start() > 0.0,
        "redirectStart should be greater than 0"
    );
    ensure!(
        entry.redirect_start() == entry.start_time(),
        "redirectStart should equal startTime"
    );
    ensure!(
        entry.redirect_end() > entry.redirect_start(),
        "redirectEnd should be after redirectStart"
    );
    ensure!(
        entry.fetch_start() >= entry.redirect_end(),
        "fetchStart should not be before redirectEnd"
    );
    Ok(())
}

/// `same-origin-from-cross-origin-redirect.html`: XO http → final same-origin with TAO.
pub(crate) fn same_origin_from_cross_origin_redirect() -> Outcome {
    let page = Page::new(ORIGIN);
    let chain = [
        step(format!("{REMOTE_ORIGIN}/common/redirect.py")),
        step(format!(
            "{ORIGIN}/resource-timing/resources/blank-with-tao.html"
        ))
        .tao("*"),
    ];
    assert_same_origin_redirected_from_cross_origin_resource(&*entry(
        &page,
        Loader::Iframe,
        &chain,
    )?)
}

/// `fetch-cross-origin-redirect.https.html`: a no-cors credentialed fetch
/// through `origin`'s redirect.py to a same-origin green.html.
pub(crate) fn fetch_cross_origin_redirect(origin: &str, cross: bool) -> Outcome {
    let page = Page::new(HTTPS_ORIGIN);
    let chain = [
        step(format!(
            "{origin}/common/redirect.py?location=/resource-timing/resources/green.html"
        )),
        step(format!("{origin}/resource-timing/resources/green.html")),
    ];
    let options = Load {
        credentials: Some(CredentialsMode::Include),
        ..Load::default()
    };
    let entry = load(&page, Loader::FetchNoCors, &chain, &options).ok_or("no entry")?;
    if cross {
        assert_cross_origin_redirected_resource(&entry)
    } else {
        assert_same_origin_redirected_resource(&entry)
    }
}

/// `cross-origin-start-end-time-with-redirects.html`: a 2 s same-origin
/// redirect to REMOTE_ORIGIN; startTime must not hide the redirect delay.
pub(crate) fn cross_origin_start_end_time_with_redirects() -> Outcome {
    let page = Page::new(ORIGIN);
    let time_before = page.now();
    let request = Loader::Iframe.request(&format!("{ORIGIN}/common/slow-redirect.py?delay=2"));
    let mut fetch = Fetch::start(request, page.client.clone(), page.tick());
    fetch.request_started(page.tick());
    page.event_loop.advance(2000.0);
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::LOCATION,
        format!("{REMOTE_ORIGIN}/resource-timing/resources/green.html")
            .parse()
            .expect("URL"),
    );
    let at = page.tick();
    fetch.response_started(at);
    ensure!(
        matches!(
            fetch.response_headers(302, &headers, at),
            Ok(Next::Redirect(_))
        ),
        "a redirect"
    );
    fetch
        .follow_redirect(page.tick())
        .map_err(|e| e.to_string())?;
    fetch.request_started(page.tick());
    let at = page.tick();
    fetch.response_started(at);
    fetch
        .response_headers(200, &http::HeaderMap::new(), at)
        .map_err(|e| e.to_string())?;
    fetch.end_of_body(page.tick());
    let entry = fetch.report_timing(&page.performance).ok_or("no entry")?;
    ensure!(
        entry.start_time() == entry.fetch_start(),
        "startTime should equal fetchStart"
    );
    ensure!(
        entry.start_time() > time_before,
        "startTime should be after the time before"
    );
    ensure!(
        (entry.start_time() - time_before).round() < 2000.0,
        "startTime must not include the redirect delay"
    );
    Ok(())
}

/// The four subtests of `SO-XO-SO-redirect-chain-tao.https.html`.
#[derive(Clone, Copy)]
pub(crate) enum SoXoSo {
    /// No hop sends `Timing-Allow-Origin`.
    NoTao,
    /// Only the first two hops send `Timing-Allow-Origin: *`.
    TaoOnSome,
    /// Every hop sends `Timing-Allow-Origin: *`.
    TaoStar,
    /// Every hop sends `Timing-Allow-Origin: <page origin>`.
    TaoSpecificOrigin,
}

/// The subtests of `cross-origin-redirects.html`.
#[derive(Clone, Copy)]
pub(crate) enum CrossOriginRedirects {
    /// A same-origin redirect to a cross-origin resource without TAO.
    HttpRedirect,
    /// The cross-origin resource's TAO does not match.
    TaoFails,
    /// The cross-origin resource sends `Timing-Allow-Origin: *`.
    TaoPasses,
    /// Two cross-origin redirects with TAO to a same-origin resource with TAO.
    ChainPasses,
    /// One of the FAIL/PASS permutations, by its label.
    Permutation(&'static str),
}

/// The trials of this group.
enum Case {
    SoXoSo(SoXoSo),
    CrossOriginRedirects(CrossOriginRedirects),
    ObjectNotFoundAfterTaoCrossOriginRedirect,
    SameOriginFromCrossOriginRedirect,
    FetchCrossOriginRedirect { cross: bool },
    CrossOriginStartEndTimeWithRedirects,
}

impl Case {
    fn all() -> Vec<Case> {
        let mut all: Vec<Case> = [
            SoXoSo::NoTao,
            SoXoSo::TaoOnSome,
            SoXoSo::TaoStar,
            SoXoSo::TaoSpecificOrigin,
        ]
        .into_iter()
        .map(Case::SoXoSo)
        .collect();
        all.extend(
            [
                CrossOriginRedirects::HttpRedirect,
                CrossOriginRedirects::TaoFails,
                CrossOriginRedirects::TaoPasses,
                CrossOriginRedirects::ChainPasses,
            ]
            .into_iter()
            .chain(
                [
                    "FAIL -> FAIL -> FAIL",
                    "FAIL -> FAIL -> PASS",
                    "FAIL -> PASS -> FAIL",
                    "FAIL -> PASS -> PASS",
                    "PASS -> FAIL -> FAIL",
                    "PASS -> FAIL -> PASS",
                    "PASS -> PASS -> FAIL",
                ]
                .map(CrossOriginRedirects::Permutation),
            )
            .map(Case::CrossOriginRedirects),
        );
        all.extend([
            Case::ObjectNotFoundAfterTaoCrossOriginRedirect,
            Case::SameOriginFromCrossOriginRedirect,
            Case::FetchCrossOriginRedirect { cross: true },
            Case::FetchCrossOriginRedirect { cross: false },
            Case::CrossOriginStartEndTimeWithRedirects,
        ]);
        all
    }

    fn name(&self) -> String {
        match self {
            Case::SoXoSo(case) => format!(
                "resource-timing/SO-XO-SO-redirect-chain-tao.https.html : {}",
                match case {
                    SoXoSo::NoTao => "Verify that cross origin resources' timings are not exposed when same-origin=>cross-origin=>same-origin redirects have no `Timing-Allow-Origin:` headers.",
                    SoXoSo::TaoOnSome => "Verify that cross origin resources' timings are not exposed when same-origin=>cross-origin=>same-origin redirects have `Timing-Allow-Origin:` headers only on some of the responses.",
                    SoXoSo::TaoStar => "Verify that cross origin resources' timings are exposed when cross-origin redirects have `Timing-Allow-Origin: *` headers",
                    SoXoSo::TaoSpecificOrigin => "Verify that cross origin resources' timings are not exposed when same-origin=>cross-origin=>same-origin redirects have `Timing-Allow-Origin:` headers with a specific origin.",
                }
            ),
            Case::CrossOriginRedirects(case) => format!(
                "resource-timing/cross-origin-redirects.html : {}",
                match case {
                    CrossOriginRedirects::HttpRedirect => "Verify that cross-origin resources' timings aren't exposed through HTTP redirects.".to_owned(),
                    CrossOriginRedirects::TaoFails => "Verify that a redirected cross-origin resources' timings aren't exposed when the TAO check fails.".to_owned(),
                    CrossOriginRedirects::TaoPasses => "Verify that cross-origin resources' timings are exposed when the TAO check succeeds. Also verify that secureConnectionStart is 0 since the original request was over HTTP.".to_owned(),
                    CrossOriginRedirects::ChainPasses => "Verify that a redirect chain through cross-origin resources have their timings exposed when all TAO checks succeed. Also verify that secureConnectionStart is 0 since the original request was over HTTP.".to_owned(),
                    CrossOriginRedirects::Permutation(label) => format!("Verify that a redirect chain through cross-origin resources do not have their timings exposed when any of the TAO checks fail. ({label})"),
                }
            ),
            Case::ObjectNotFoundAfterTaoCrossOriginRedirect => {
                "resource-timing/object-not-found-after-TAO-cross-origin-redirect.html".into()
            }
            Case::SameOriginFromCrossOriginRedirect => {
                "resource-timing/same-origin-from-cross-origin-redirect.html".into()
            }
            Case::FetchCrossOriginRedirect { cross: true } => {
                "resource-timing/fetch-cross-origin-redirect.https.html : cross-origin".into()
            }
            Case::FetchCrossOriginRedirect { cross: false } => {
                "resource-timing/fetch-cross-origin-redirect.https.html : same-origin".into()
            }
            Case::CrossOriginStartEndTimeWithRedirects => {
                "resource-timing/cross-origin-start-end-time-with-redirects.html".into()
            }
        }
    }

    fn run(&self) -> Outcome {
        match self {
            Case::SoXoSo(case) => so_xo_so(*case),
            Case::CrossOriginRedirects(case) => cross_origin_redirects(*case),
            Case::ObjectNotFoundAfterTaoCrossOriginRedirect => {
                object_not_found_after_tao_cross_origin_redirect()
            }
            Case::SameOriginFromCrossOriginRedirect => same_origin_from_cross_origin_redirect(),
            Case::FetchCrossOriginRedirect { cross: true } => {
                fetch_cross_origin_redirect(HTTPS_REMOTE_ORIGIN, true)
            }
            Case::FetchCrossOriginRedirect { cross: false } => {
                fetch_cross_origin_redirect(HTTPS_ORIGIN, false)
            }
            Case::CrossOriginStartEndTimeWithRedirects => {
                cross_origin_start_end_time_with_redirects()
            }
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
