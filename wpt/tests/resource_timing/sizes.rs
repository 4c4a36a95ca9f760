//! Body and transfer sizes: `body-size-cross-origin.https.html`,
//! `sizes-cache.any.js`, `sizes-redirect.any.js`, `encoded-body-size-cached.https.html`.

use crate::harness::*;

/// `body-size-cross-origin.https.html`: body sizes are CORS-protected, not TAO-protected.
pub(crate) fn body_size_cross_origin(
    same_origin: bool,
    cors: bool,
    tao: bool,
    exposed: bool,
) -> Outcome {
    let page = Page::new(HTTPS_ORIGIN);
    let origin = if same_origin {
        HTTPS_ORIGIN
    } else {
        HTTPS_REMOTE_ORIGIN
    };
    let mut hop = step(format!(
        "{origin}/images/red.png?uid={same_origin}{cors}{tao}"
    ))
    .body(65);
    if cors {
        hop = hop.acao("*");
    }
    if tao {
        hop = hop.tao("*");
    }
    let loader = if cors { Loader::Fetch } else { Loader::Image };
    let entry = entry(&page, loader, &[hop])?;
    if exposed {
        ensure!(
            entry.encoded_body_size() > 0,
            "encodedBodySize should be exposed"
        );
        ensure!(
            entry.decoded_body_size() > 0,
            "decodedBodySize should be exposed"
        );
    } else {
        ensure!(
            entry.encoded_body_size() == 0,
            "encodedBodySize should be 0"
        );
        ensure!(
            entry.decoded_body_size() == 0,
            "decodedBodySize should be 0"
        );
    }
    Ok(())
}

/// sizes-helper.js `checkSizeFields`.
pub(crate) fn check_size_fields(
    entry: &PerformanceResourceTiming,
    body_size: u64,
    transfer_size: u64,
) -> Outcome {
    ensure!(
        entry.decoded_body_size() == body_size,
        "decodedBodySize {} != {body_size}",
        entry.decoded_body_size()
    );
    ensure!(
        entry.encoded_body_size() == body_size,
        "encodedBodySize {} != {body_size}",
        entry.encoded_body_size()
    );
    ensure!(
        entry.transfer_size() == transfer_size,
        "transferSize {} != {transfer_size}",
        entry.transfer_size()
    );
    Ok(())
}

/// `sizes-cache.any.js`: fetched from the network, then from the cache, then revalidated with a 304.
pub(crate) fn sizes_cache() -> Outcome {
    let page = Page::new(ORIGIN);
    let url = format!(
        "{ORIGIN}/resource-timing/resources/cacheable-and-validated.py?content=loremipsumblablabla"
    );
    let body = "loremipsumblablabla".len() as u64;
    for cache_state in [None, Some(CacheState::Local), Some(CacheState::Validated)] {
        let options = Load {
            cache_state,
            ..Load::default()
        };
        load(&page, Loader::Fetch, &[step(&url).body(body)], &options).ok_or("no entry")?;
    }
    let entries = page.performance.get_entries_by_name(&url, None);
    ensure!(
        entries.len() == 3,
        "there should be 3 entries, not {}",
        entries.len()
    );
    let typed = |i: usize| {
        entries[i]
            .as_any()
            .downcast_ref::<PerformanceResourceTiming>()
            .expect("a resource entry")
    };
    check_size_fields(typed(0), body, body + 300)?;
    check_size_fields(typed(1), body, 0)?;
    check_size_fields(typed(2), body, 300)
}

/// `sizes-redirect.any.js`: every hop has ACAO * and TAO *; the body is 35 bytes.
pub(crate) fn sizes_redirect(chain_kind: SizesRedirect) -> Outcome {
    let page = Page::new(ORIGIN);
    let target = format!(
        "{ORIGIN}/common/CustomCorsResponse.py?x={}",
        chain_kind.label()
    );
    let redirect = |origin: &str, n: u8| {
        step(format!("{origin}/common/redirect.py?n={n}"))
            .acao("*")
            .tao("*")
    };
    let mut chain = match chain_kind {
        SizesRedirect::Direct => vec![],
        SizesRedirect::SameOrigin => vec![redirect(ORIGIN, 1)],
        SizesRedirect::CrossOrigin => vec![redirect(REMOTE_ORIGIN, 1)],
        SizesRedirect::Mixed => vec![redirect(REMOTE_ORIGIN, 1), redirect(ORIGIN, 2)],
        SizesRedirect::Complex => vec![
            redirect(ORIGIN, 1),
            redirect(REMOTE_ORIGIN, 2),
            redirect(ORIGIN, 3),
            redirect(REMOTE_ORIGIN, 4),
        ],
    };
    chain.push(step(&target).acao("*").tao("*").body(35));
    let entry = entry(&page, Loader::Fetch, &chain)?;
    check_size_fields(&entry, 35, 35 + 300)
}

/// `encoded-body-size-cached.https.html`: a dictionary-compressed response
/// (`Content-Encoding: dcb` or `dcz`; 348 bytes decoded from 93 or 117) is
/// fetched from the network, then served from the HTTP cache. Both entries
/// keep the coding and the sizes; only the cached one has transferSize 0.
/// The registration of the dictionary and the `Available-Dictionary`
/// request header are the embedder's business; only the two fetches are
/// modelled. Every assertion is checked, and all failures are reported.
pub(crate) fn encoded_body_size_cached(encoding: &str, encoded: u64, decoded: u64) -> Outcome {
    let page = Page::new(&format!(
        "{HTTPS_ORIGIN}/resource-timing/encoded-body-size-cached.https.html"
    ));
    let url = format!(
        "{HTTPS_ORIGIN}/fetch/compression-dictionary/resources/compressed-data.py?content_encoding={encoding}&cacheable&large&unique=1"
    );
    let hop = step(&url)
        .header("content-type", "text/plain")
        .header("content-encoding", encoding)
        .body(encoded)
        .decoded(decoded);
    let mut failures = Vec::new();
    for (label, cache_state) in [
        ("First fetch", None),
        ("Cached fetch", Some(CacheState::Local)),
    ] {
        page.performance.clear_resource_timings();
        let options = Load {
            cache_state,
            ..Load::default()
        };
        let entry = load(&page, Loader::Fetch, std::slice::from_ref(&hop), &options)
            .ok_or_else(|| format!("{label}: no entry"))?;
        if entry.content_encoding() != encoding {
            failures.push(format!(
                "{label}: contentEncoding should be {encoding:?}, is {:?}",
                entry.content_encoding()
            ));
        }
        if entry.decoded_body_size() != decoded {
            failures.push(format!(
                "{label}: decodedBodySize should be {decoded}, is {}",
                entry.decoded_body_size()
            ));
        }
        if entry.encoded_body_size() != encoded {
            failures.push(format!(
                "{label}: encodedBodySize should be {encoded}, is {}",
                entry.encoded_body_size()
            ));
        }
        let transfer_ok = match cache_state {
            None => entry.transfer_size() > 0,
            Some(_) => entry.transfer_size() == 0,
        };
        if !transfer_ok {
            failures.push(format!(
                "{label}: unexpected transferSize {}",
                entry.transfer_size()
            ));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}

/// The chains of `sizes-redirect.any.js`.
#[derive(Clone, Copy)]
pub(crate) enum SizesRedirect {
    Direct,
    SameOrigin,
    CrossOrigin,
    Mixed,
    Complex,
}

impl SizesRedirect {
    fn label(self) -> &'static str {
        match self {
            SizesRedirect::Direct => "direct",
            SizesRedirect::SameOrigin => "same-origin redirect",
            SizesRedirect::CrossOrigin => "cross-origin redirect",
            SizesRedirect::Mixed => "mixed redirect",
            SizesRedirect::Complex => "complex redirect",
        }
    }
}

/// The trials of this group.
enum Case {
    /// `body-size-cross-origin.https.html`, one load.
    BodySizeCrossOrigin {
        label: &'static str,
        same_origin: bool,
        cors: bool,
        tao: bool,
        exposed: bool,
    },
    SizesCache,
    SizesRedirect(SizesRedirect),
    /// `encoded-body-size-cached.https.html` for one dictionary coding.
    EncodedBodySizeCached {
        encoding: &'static str,
        encoded: u64,
    },
}

impl Case {
    fn all() -> Vec<Case> {
        let mut all: Vec<Case> = [
            (true, false, false, true, "same-origin without TAO"),
            (true, false, true, true, "same-origin with TAO"),
            (false, false, false, false, "no-cors without TAO"),
            (false, false, true, false, "no-cors with TAO"),
            (false, true, false, true, "cors without TAO"),
            (false, true, true, true, "cors with TAO"),
        ]
        .into_iter()
        .map(
            |(same_origin, cors, tao, exposed, label)| Case::BodySizeCrossOrigin {
                label,
                same_origin,
                cors,
                tao,
                exposed,
            },
        )
        .collect();
        all.push(Case::SizesCache);
        all.extend(
            [
                SizesRedirect::Direct,
                SizesRedirect::SameOrigin,
                SizesRedirect::CrossOrigin,
                SizesRedirect::Mixed,
                SizesRedirect::Complex,
            ]
            .map(Case::SizesRedirect),
        );
        all.extend(
            [("dcb", 93), ("dcz", 117)]
                .map(|(encoding, encoded)| Case::EncodedBodySizeCached { encoding, encoded }),
        );
        all
    }

    fn name(&self) -> String {
        match self {
            Case::BodySizeCrossOrigin { label, .. } => {
                format!("resource-timing/body-size-cross-origin.https.html : {label}")
            }
            Case::SizesCache => "resource-timing/sizes-cache.any.js".into(),
            Case::SizesRedirect(kind) => {
                format!("resource-timing/sizes-redirect.any.js : {}", kind.label())
            }
            Case::EncodedBodySizeCached { encoding, .. } => format!(
                "resource-timing/encoded-body-size-cached.https.html : encodedBodySize and transferSize for dictionary-compressed ({encoding}) resource served from cache"
            ),
        }
    }

    fn run(&self) -> Outcome {
        match *self {
            Case::BodySizeCrossOrigin {
                same_origin,
                cors,
                tao,
                exposed,
                ..
            } => body_size_cross_origin(same_origin, cors, tao, exposed),
            Case::SizesCache => sizes_cache(),
            Case::SizesRedirect(kind) => sizes_redirect(kind),
            Case::EncodedBodySizeCached { encoding, encoded } => {
                encoded_body_size_cached(encoding, encoded, 348)
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
