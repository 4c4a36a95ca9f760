//! `entries-for-network-errors.sub.https.html`: a network error still gets
//! an entry, with everything but its start and end hidden.

use crate::entry_invariants::*;
use crate::harness::*;

/// `entries-for-network-errors.sub.https.html`.
pub(crate) fn entries_for_network_errors(case: Case) -> Outcome {
    let page = Page::new(HTTPS_ORIGIN);
    let xml = "/common/dummy.xml";
    let (url, loader, chain, options): (String, Loader, Vec<Step>, Load) = match case {
        Case::FailedCrossOrigin => {
            // No ACAO: the CORS check fails.
            let url = format!("{HTTPS_REMOTE_ORIGIN}{xml}");
            (url.clone(), Loader::Fetch, vec![step(url)], Load::default())
        }
        Case::NonHttpRedirect => {
            let url =
                format!("{HTTPS_ORIGIN}/common/redirect.py?location=data:,Hello%2C%20World%21");
            (
                url.clone(),
                Loader::Fetch,
                vec![step(url), step("data:,Hello%2C%20World%21")],
                Load::default(),
            )
        }
        Case::DnsFailure => {
            let url = format!("https://nonexistent.web-platform.test{xml}");
            (
                url.clone(),
                Loader::Fetch,
                vec![step(url).dns_failure()],
                Load::default(),
            )
        }
        Case::MixedContent => {
            let url = "http://web-platform.test:8000/commo/dummy.xml".to_owned();
            let options = Load {
                blocked: Some("mixed content"),
                ..Load::default()
            };
            (url.clone(), Loader::Fetch, vec![step(url)], options)
        }
        Case::OnlyIfCachedNotCached => {
            let url = format!("{HTTPS_ORIGIN}{xml}");
            let options = Load {
                same_origin_mode: true,
                blocked: Some("only-if-cached and not in the cache"),
                ..Load::default()
            };
            (url.clone(), Loader::Fetch, vec![step(url)], options)
        }
        Case::TooManyRedirects { tao } => {
            let url = format!(
                "{HTTPS_ORIGIN}/element-timing/resources/multiple-redirects.py?redirect_count=22"
            );
            let mut chain: Vec<Step> = (0..22)
                .map(|i| {
                    let hop = step(format!("{url}&hop={i}"));
                    if tao {
                        hop.tao("*")
                    } else {
                        hop
                    }
                })
                .collect();
            chain[0].url = url.clone();
            chain.push(step(format!("{HTTPS_ORIGIN}{xml}")));
            (url, Loader::Fetch, chain, Load::default())
        }
        Case::SameOriginRedirectToDnsFailure => {
            let url = format!("{HTTPS_ORIGIN}/common/redirect.py?location=https://nonexistent.web-platform.test{xml}");
            let chain = vec![
                step(url.clone()),
                step(format!("https://nonexistent.web-platform.test{xml}")).dns_failure(),
            ];
            (url, Loader::Fetch, chain, Load::default())
        }
        Case::OrbBlocked => {
            // ORB blocks the cross-origin image: a network error for an <img>.
            let url = "https://not-web-platform.test:8443/service-workers/service-worker/resources/missing.jpg".to_owned();
            let options = Load {
                blocked: Some("ORB"),
                ..Load::default()
            };
            (url.clone(), Loader::Image, vec![step(url)], options)
        }
    };
    network_error_entry_test(&page, &url, loader, &chain, &options)
}

/// The subtests, one per kind of network error.
#[derive(Clone, Copy)]
pub(crate) enum Case {
    FailedCrossOrigin,
    NonHttpRedirect,
    DnsFailure,
    MixedContent,
    OnlyIfCachedNotCached,
    TooManyRedirects { tao: bool },
    SameOriginRedirectToDnsFailure,
    OrbBlocked,
}

impl Case {
    fn all() -> Vec<Case> {
        vec![
            Case::FailedCrossOrigin,
            Case::NonHttpRedirect,
            Case::DnsFailure,
            Case::MixedContent,
            Case::OnlyIfCachedNotCached,
            Case::TooManyRedirects { tao: false },
            Case::TooManyRedirects { tao: true },
            Case::SameOriginRedirectToDnsFailure,
            Case::OrbBlocked,
        ]
    }

    fn name(&self) -> String {
        let label = match self {
            Case::FailedCrossOrigin => "failed cross-origin requests",
            Case::NonHttpRedirect => "non-HTTP redirect",
            Case::DnsFailure => "DNS failure",
            Case::MixedContent => "Mixed content",
            Case::OnlyIfCachedNotCached => "only-if-cached resource that was not cached",
            Case::TooManyRedirects { tao: false } => "too many redirects",
            Case::TooManyRedirects { tao: true } => "too many redirects with TAO",
            Case::SameOriginRedirectToDnsFailure => "same-origin redirect to DNS failure",
            Case::OrbBlocked => "network error for ORB-blocked response",
        };
        format!("resource-timing/entries-for-network-errors.sub.https.html : A ResourceTiming entry should be created for network error of type {label}")
    }

    fn run(&self) -> Outcome {
        entries_for_network_errors(*self)
    }
}

/// This group's trials.
pub(crate) fn cases() -> Vec<wpt::Case> {
    Case::all()
        .into_iter()
        .map(|case| wpt::Case::new(case.name(), move || case.run()))
        .collect()
}
