//! `resource-timing/TAO-*.html` and `nextHopProtocol-is-tao-protected.https.html`:
//! what a Timing-Allow-Origin value lets the page see.

use crate::entry_invariants::*;
use crate::harness::*;

/// `TAO-match.html`: one row of the table for one loader.
pub(crate) fn tao_match(loader: Loader, tao: Option<String>, pass: bool) -> Outcome {
    let page = Page::new(ORIGIN);
    // custom_cors_response: ACAO * and the given headers.
    let mut hop = step(format!(
        "{REMOTE_ORIGIN}/resource-timing/resources/custom-cors-response.py"
    ))
    .acao("*");
    if let Some(tao) = tao {
        hop = hop.tao(tao);
    }
    let entry = entry(&page, loader, &[hop])?;
    if pass {
        assert_tao_pass_no_redirect_http(&entry)
    } else {
        assert_tao_failure_resource(&entry)
    }
}

/// One row of `TAO-match.html`'s table (divmain/wpt @5942d002): the
/// subtest title without its ` (resource type)` suffix, the header value
/// (none: no header), and whether the TAO check passes.
pub(crate) fn tao_match_rows() -> Vec<(&'static str, Option<String>, bool)> {
    let upper = ORIGIN.to_uppercase();
    vec![
        (
            "The timing allow check algorithm will pass when the Timing-Allow-Origin header value contains only the origin.",
            Some(ORIGIN.into()),
            true,
        ),
        (
            "The timing allow check algorithm will pass when the Timing-Allow-Origin header value contains only a wildcard.",
            Some("*".into()),
            true,
        ),
        (
            "The timing allow check algorithm will pass when the Timing-Allow-Origin header value list contains a case-sensitive match.",
            Some(format!("{ORIGIN},fake")),
            true,
        ),
        (
            "The timing allow check algorithm will pass when the Timing-Allow-Origin header value list contains the origin and a wildcard.",
            Some(format!("{ORIGIN},*")),
            true,
        ),
        (
            "The timing allow check algorithm will pass when the Timing-Allow-Origin header value list contains a wildcard.",
            Some("fake,*".into()),
            true,
        ),
        (
            "The timing allow check algorithm will fail when the Timing-Allow-Origin header value list contains a null origin.",
            Some("null".into()),
            false,
        ),
        (
            "The timing allow check algorithm will pass when the Timing-Allow-Origin header value list contains multiple wildcards.",
            Some("*,*".into()),
            true,
        ),
        (
            "The timing allow check algorithm will fail when the Timing-Allow-Origin header value contains only the uppercased origin.",
            Some(upper),
            false,
        ),
        (
            "The timing allow check algorithm will fail when the Timing-Allow-Origin header value contains the origin, a space, then a wildcard.",
            Some(format!("{ORIGIN} *")),
            false,
        ),
        (
            "The timing allow check algorithm will fail when the Timing-Allow-Origin header is not present.",
            None,
            false,
        ),
    ]
}

/// The `resource_type` label `TAO-match.html` gives each loader.
fn tao_match_resource_type(loader: Loader) -> &'static str {
    match loader {
        Loader::Xhr => "XMLHttpRequest",
        other => other.name(),
    }
}

/// `TAO-port-mismatch-means-crossorigin.html`: TAOResponse.py echoes ACAO
/// and sends `origin_port_<P>`, the page's scheme and host with port P.
pub(crate) fn tao_port(port: u16, pass: bool) -> Outcome {
    let page = Page::new(ORIGIN);
    let hop = step(format!(
        "http://web-platform.test:{PORT2}/resource-timing/resources/TAOResponse.py"
    ))
    .acao(ORIGIN)
    .tao(format!("http://web-platform.test:{port}"));
    let entry = entry(&page, Loader::Fetch, &[hop])?;
    if pass {
        assert_tao_pass_no_redirect_http(&entry)
    } else {
        assert_tao_failure_resource(&entry)
    }
}

/// `TAO-null-opaque-origin.sub.html` and `TAO-case-insensitive-null-opaque-origin.sub.html`:
/// a `data:` iframe (opaque origin, serialized "null") XHRs TAOResponse.py.
/// Returns the sum the tests compare with 0: the nine timing attributes
/// from `redirectStart` to `responseStart`, as upstream sums them (no sizes).
pub(crate) fn opaque_origin_sum(tao: &str) -> Result<f64, String> {
    let page = Page::opaque();
    let hop = step("http://www1.web-platform.test:8001/resource-timing/resources/TAOResponse.py")
        .acao("null")
        .tao(tao);
    let entry = entry(&page, Loader::Xhr, &[hop])?;
    let names = [
        "redirectStart",
        "redirectEnd",
        "domainLookupStart",
        "domainLookupEnd",
        "connectStart",
        "connectEnd",
        "secureConnectionStart",
        "requestStart",
        "responseStart",
    ];
    Ok(names.iter().map(|name| attribute(&entry, name)).sum())
}

/// `nextHopProtocol-is-tao-protected.https.html`.
pub(crate) fn next_hop_protocol_is_tao_protected(tao: bool) -> Outcome {
    let page = Page::new(HTTPS_ORIGIN);
    let hop = if tao {
        step(format!(
            "{HTTPS_REMOTE_ORIGIN}/resource-timing/resources/blank-with-tao.html"
        ))
        .tao("*")
    } else {
        step(format!(
            "{HTTPS_REMOTE_ORIGIN}/resource-timing/resources/green.htm"
        ))
    };
    let entry = entry(&page, Loader::Iframe, &[hop])?;
    if tao {
        ensure!(
            !entry.next_hop_protocol().is_empty(),
            "nextHopProtocol should be exposed with TAO"
        );
    } else {
        ensure!(
            entry.next_hop_protocol().is_empty(),
            "nextHopProtocol should be empty without TAO"
        );
    }
    Ok(())
}

/// The trials of this group, one variant per kind of subtest.
enum Case {
    /// One `TAO-match.html` row for one loader.
    Match {
        loader: Loader,
        label: &'static str,
        tao: Option<String>,
        pass: bool,
    },
    /// `TAO-port-mismatch-means-crossorigin.html`, TAO naming `port`.
    PortMismatch { port: u16, pass: bool },
    /// `TAO-null-opaque-origin.sub.html`.
    NullOpaqueOrigin,
    /// `TAO-case-insensitive-null-opaque-origin.sub.html`.
    NullOpaqueOriginCaseInsensitive,
    /// `nextHopProtocol-is-tao-protected.https.html`.
    NextHopProtocol { tao: bool },
    /// `opaque-origin.html` (wpt @6feb7ac7): a `data:` iframe fetches
    /// `/common/CustomCorsResponse.py` with TAO `null` (pass) or `Null` (fail).
    OpaqueOrigin { tao: &'static str },
}

impl Case {
    fn all() -> Vec<Case> {
        let mut all = Vec::new();
        for loader in Loader::TAO_MATCH {
            for (label, tao, pass) in tao_match_rows() {
                all.push(Case::Match {
                    loader,
                    label,
                    tao,
                    pass,
                });
            }
        }
        all.extend([
            Case::PortMismatch {
                port: PORT2,
                pass: false,
            },
            Case::PortMismatch {
                port: 8000,
                pass: true,
            },
            Case::NullOpaqueOrigin,
            Case::NullOpaqueOriginCaseInsensitive,
            Case::NextHopProtocol { tao: false },
            Case::NextHopProtocol { tao: true },
            Case::OpaqueOrigin { tao: "null" },
            Case::OpaqueOrigin { tao: "Null" },
        ]);
        all
    }

    fn name(&self) -> String {
        match self {
            Case::Match { loader, label, .. } => {
                format!(
                    "resource-timing/TAO-match.html : {label} ({})",
                    tao_match_resource_type(*loader)
                )
            }
            Case::PortMismatch { pass: false, .. } => {
                "resource-timing/TAO-port-mismatch-means-crossorigin.html : TAO with another port fails".into()
            }
            Case::PortMismatch { pass: true, .. } => {
                "resource-timing/TAO-port-mismatch-means-crossorigin.html : TAO with the page's port passes".into()
            }
            Case::NullOpaqueOrigin => {
                "resource-timing/TAO-null-opaque-origin.sub.html : Test null TAO value with opaque origins".into()
            }
            Case::NullOpaqueOriginCaseInsensitive => {
                "resource-timing/TAO-case-insensitive-null-opaque-origin.sub.html".into()
            }
            Case::NextHopProtocol { tao: false } => {
                "resource-timing/nextHopProtocol-is-tao-protected.https.html : without TAO".into()
            }
            Case::NextHopProtocol { tao: true } => {
                "resource-timing/nextHopProtocol-is-tao-protected.https.html : with TAO".into()
            }
            // The first title lacks a space between "the" and "TAO", as upstream's does.
            Case::OpaqueOrigin { tao: "null" } => {
                "resource-timing/opaque-origin.html : An opaque origin should be authorized to see resource timings when theTAO header is the string 'null'".into()
            }
            Case::OpaqueOrigin { .. } => {
                "resource-timing/opaque-origin.html : An opaque origin must not be authorized to see resource timings when the TAO header is the string 'Null'. (The check for 'null' must be case-sensitive)".into()
            }
        }
    }

    fn run(&self) -> Outcome {
        match self {
            Case::Match {
                loader, tao, pass, ..
            } => tao_match(*loader, tao.clone(), *pass),
            Case::PortMismatch { port, pass } => tao_port(*port, *pass),
            Case::NullOpaqueOrigin => {
                let sum = opaque_origin_sum("null")?;
                ensure!(sum != 0.0, "TAO null should match an opaque origin");
                Ok(())
            }
            Case::NullOpaqueOriginCaseInsensitive => {
                let sum = opaque_origin_sum("Null")?;
                ensure!(
                    sum == 0.0,
                    "TAO Null should not match an opaque origin (sum {sum})"
                );
                Ok(())
            }
            Case::NextHopProtocol { tao } => next_hop_protocol_is_tao_protected(*tao),
            Case::OpaqueOrigin { tao } => {
                let page = Page::opaque();
                // CustomCorsResponse.py answers with `Access-Control-Allow-Origin: *`.
                let hop = step(format!("{ORIGIN}/common/CustomCorsResponse.py"))
                    .acao("*")
                    .tao(*tao);
                let entry = entry(&page, Loader::Fetch, &[hop])?;
                if *tao == "null" {
                    assert_tao_pass_no_redirect_http(&entry)
                } else {
                    assert_tao_failure_resource(&entry)
                }
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
