//! The cases of the new WPT tests in `wpt/upstream/` (tests that none of
//! the engines' own suites has; see `wpt/upstream/README.md`), replayed
//! through the pipeline with [`ExposurePolicy::SPEC`]: every subtest's
//! hops, as `resources/exposure-hop.py` serves them, and its assertions,
//! which are the specs' outcome. `wpt/upstream/results.json` records which
//! of them the real browsers pass; every subtest recorded there is here.

mod replay;

use std::collections::BTreeSet;
use std::path::PathBuf;

use replay::{Initiator, Page, ReplayHop, Side};
use resource_timing::{ExposurePolicy, PerformanceResourceTiming};

/// What `exposure-hop.py` sends for one hop.
#[derive(Debug, Clone, Copy)]
struct HopSpec {
    side: Side,
    /// `Timing-Allow-Origin`; "ORIGIN" stands for the page's origin.
    tao: Option<&'static str>,
    /// Whether `Access-Control-Allow-Origin: *` is sent.
    acao: bool,
    status: u16,
    body: Body,
}

#[derive(Debug, Clone, Copy)]
enum Body {
    Text,
    Js,
    Gif,
}

fn hop(side: Side, tao: Option<&'static str>) -> HopSpec {
    HopSpec {
        side,
        tao,
        acao: true,
        status: 200,
        body: Body::Text,
    }
}

impl HopSpec {
    fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }
    fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
    fn without_acao(mut self) -> Self {
        self.acao = false;
        self
    }
}

/// The body `exposure-hop.py` sends for `body` (and for a status >= 400).
fn body_length(spec: &HopSpec) -> u64 {
    if spec.status >= 400 {
        return b"not found\n".len() as u64;
    }
    match spec.body {
        Body::Text => b"exposure test body of 32 bytes.\n".len() as u64,
        Body::Js => b"/* exposure test script */\n".len() as u64,
        Body::Gif => 43,
    }
}

/// One assertion of a subtest.
#[derive(Debug, Clone, Copy)]
enum Check {
    /// `assert_timing_hidden`: the detailed timestamps 0, nextHopProtocol
    /// "", transferSize 0.
    TimingHidden,
    /// `assert_timing_exposed`: the connection and response timestamps
    /// non-zero, a nextHopProtocol.
    TimingExposed,
    ServerTimingLength(usize),
    TransferSize(u64),
    EncodedBodySize(u64),
    DecodedBodySize(u64),
    ResponseStatus(u16),
}

struct Subtest {
    path: &'static str,
    name: String,
    initiator: Initiator,
    hops: Vec<HopSpec>,
    checks: Vec<Check>,
}

fn kind_name(initiator: Initiator) -> &'static str {
    match initiator {
        Initiator::FetchCors => "fetch-cors",
        Initiator::Img => "img",
        Initiator::Script => "script",
        _ => unreachable!(),
    }
}

/// The element's body type, as the tests choose it.
fn final_body(initiator: Initiator) -> Body {
    if initiator == Initiator::Img {
        Body::Gif
    } else {
        Body::Text
    }
}

/// Every subtest of `wpt/upstream/`, in the order of its file.
fn subtests() -> Vec<Subtest> {
    use Side::{A, B};
    let mut all = Vec::new();
    let mut add = |path, name: String, initiator, hops, checks| {
        all.push(Subtest {
            path,
            name,
            initiator,
            hops,
            checks,
        })
    };

    let path = "/resource-timing/tao-failed-hop-stays-failed.html";
    for initiator in [Initiator::FetchCors, Initiator::Img] {
        let (kind, body) = (kind_name(initiator), final_body(initiator));
        for (name, last) in [
            ("a same-origin hop with TAO *", hop(A, Some("*"))),
            ("a same-origin hop with TAO null", hop(A, Some("null"))),
            ("a remote hop with TAO *", hop(B, Some("*"))),
        ] {
            add(
                path,
                format!("{kind}: remote hop without TAO, then {name}"),
                initiator,
                vec![hop(B, None), last.body(body)],
                vec![Check::TimingHidden],
            );
        }
    }

    let path = "/server-timing/tao-failed-hop.https.html";
    for initiator in [Initiator::FetchCors, Initiator::Img] {
        let (kind, body) = (kind_name(initiator), final_body(initiator));
        for (name, last) in [
            ("a same-origin hop with TAO *", hop(A, Some("*"))),
            ("a remote hop with TAO *", hop(B, Some("*"))),
        ] {
            add(
                path,
                format!("{kind}: remote hop without TAO, then {name}"),
                initiator,
                vec![hop(B, None), last.body(body)],
                vec![Check::ServerTimingLength(0)],
            );
        }
    }

    let path = "/resource-timing/tao-redirect-tainted-origin.html";
    for initiator in [Initiator::Img, Initiator::FetchCors] {
        let (kind, body) = (kind_name(initiator), final_body(initiator));
        add(
            path,
            format!("{kind}: remote (TAO *) to same-origin (TAO: the page's origin) fails"),
            initiator,
            vec![hop(B, Some("*")), hop(A, Some("ORIGIN")).body(body)],
            vec![Check::TimingHidden],
        );
        add(
            path,
            format!("{kind}: remote (TAO *) to same-origin (TAO null) passes"),
            initiator,
            vec![hop(B, Some("*")), hop(A, Some("null")).body(body)],
            vec![Check::TimingExposed],
        );
        add(
            path,
            format!(
                "{kind}: same-origin to remote (TAO: the page's origin) to same-origin \
                 (TAO: the page's origin) fails"
            ),
            initiator,
            vec![
                hop(A, None),
                hop(B, Some("ORIGIN")),
                hop(A, Some("ORIGIN")).body(body),
            ],
            vec![Check::TimingHidden],
        );
        add(
            path,
            format!("{kind}: same-origin to remote (TAO *) to same-origin (TAO null) passes"),
            initiator,
            vec![
                hop(A, None),
                hop(B, Some("*")),
                hop(A, Some("null")).body(body),
            ],
            vec![Check::TimingExposed],
        );
    }

    let path = "/server-timing/cross-origin-tao-redirects.https.html";
    add(
        path,
        "fetch-cors: remote with TAO * shows its metrics".into(),
        Initiator::FetchCors,
        vec![hop(B, Some("*"))],
        vec![Check::ServerTimingLength(2)],
    );
    add(
        path,
        "img: same-origin to remote (TAO *) to same-origin (TAO *) shows the metrics".into(),
        Initiator::Img,
        vec![
            hop(A, None),
            hop(B, Some("*")),
            hop(A, Some("*")).body(Body::Gif),
        ],
        vec![Check::ServerTimingLength(2)],
    );
    add(
        path,
        "img: remote (TAO *) to remote (TAO *) shows the metrics".into(),
        Initiator::Img,
        vec![hop(B, Some("*")), hop(B, Some("*")).body(Body::Gif)],
        vec![Check::ServerTimingLength(2)],
    );
    add(
        path,
        "fetch-cors: same-origin to remote without TAO shows no metrics".into(),
        Initiator::FetchCors,
        vec![hop(A, None), hop(B, None)],
        vec![Check::ServerTimingLength(0)],
    );

    let path = "/resource-timing/transfer-size-tao.html";
    add(
        path,
        "fetch-cors: remote with TAO * has transferSize = encodedBodySize + 300".into(),
        Initiator::FetchCors,
        vec![hop(B, Some("*"))],
        vec![Check::EncodedBodySize(32), Check::TransferSize(332)],
    );
    add(
        path,
        "img: opaque remote with TAO * has body sizes 0 and transferSize 300".into(),
        Initiator::Img,
        vec![hop(B, Some("*")).body(Body::Gif)],
        vec![
            Check::EncodedBodySize(0),
            Check::DecodedBodySize(0),
            Check::TransferSize(300),
        ],
    );
    add(
        path,
        "fetch-cors: same-origin to remote without TAO has transferSize 0 and the body sizes"
            .into(),
        Initiator::FetchCors,
        vec![hop(A, None), hop(B, None)],
        vec![
            Check::TransferSize(0),
            Check::EncodedBodySize(32),
            Check::DecodedBodySize(32),
        ],
    );

    add(
        "/resource-timing/cors-failure-tao.html",
        "fetch-cors: remote with TAO * but no Access-Control-Allow-Origin".into(),
        Initiator::FetchCors,
        vec![hop(B, Some("*")).without_acao()],
        vec![
            Check::TimingHidden,
            Check::EncodedBodySize(0),
            Check::ResponseStatus(0),
        ],
    );

    let path = "/resource-timing/script-404-body-size.html";
    for initiator in [Initiator::Script, Initiator::FetchCors] {
        add(
            path,
            format!(
                "{}: same-origin 404 with a 10-byte body",
                kind_name(initiator)
            ),
            initiator,
            vec![hop(A, None).status(404).body(Body::Js)],
            vec![
                Check::ResponseStatus(404),
                Check::EncodedBodySize(10),
                Check::DecodedBodySize(10),
                Check::TransferSize(310),
            ],
        );
    }
    all
}

/// The hops as `exposure-hop.py` answers them on `page`.
fn served(page: &Page, hops: &[HopSpec]) -> Vec<ReplayHop> {
    hops.iter()
        .enumerate()
        .map(|(index, spec)| {
            let last = index + 1 == hops.len();
            let mut headers = vec![("Cache-Control".to_owned(), "no-store".to_owned())];
            if spec.acao {
                headers.push(("Access-Control-Allow-Origin".into(), "*".into()));
            }
            if let Some(tao) = spec.tao {
                let value = if tao == "ORIGIN" {
                    page.origin(Side::A)
                } else {
                    tao.to_owned()
                };
                headers.push(("Timing-Allow-Origin".into(), value));
            }
            let (status, sizes) = if last {
                headers.push(("Server-Timing".into(), "a;dur=1, b;dur=2".into()));
                let n = body_length(spec);
                (spec.status, (n, n))
            } else {
                headers.push(("Server-Timing".into(), "hop;dur=1".into()));
                (302, (0, 0))
            };
            ReplayHop {
                side: spec.side,
                status,
                headers,
                sizes,
                blocked: false,
            }
        })
        .collect()
}

fn check(entry: &PerformanceResourceTiming, check: Check) -> Result<(), String> {
    let expect = |what: &str, got: String, want: String| {
        if got == want {
            Ok(())
        } else {
            Err(format!("{what}: expected {want} but got {got}"))
        }
    };
    match check {
        Check::TimingHidden => {
            for (name, value) in [
                ("redirectStart", entry.redirect_start()),
                ("redirectEnd", entry.redirect_end()),
                ("domainLookupStart", entry.domain_lookup_start()),
                ("domainLookupEnd", entry.domain_lookup_end()),
                ("connectStart", entry.connect_start()),
                ("connectEnd", entry.connect_end()),
                ("requestStart", entry.request_start()),
                ("responseStart", entry.response_start()),
            ] {
                expect(name, value.to_string(), "0".into())?;
            }
            expect(
                "nextHopProtocol",
                entry.next_hop_protocol().into(),
                String::new(),
            )?;
            expect(
                "transferSize",
                entry.transfer_size().to_string(),
                "0".into(),
            )
        }
        Check::TimingExposed => {
            for (name, value) in [
                ("domainLookupStart", entry.domain_lookup_start()),
                ("connectStart", entry.connect_start()),
                ("requestStart", entry.request_start()),
                ("responseStart", entry.response_start()),
            ] {
                if value <= 0.0 {
                    return Err(format!("{name}: expected > 0 but got {value}"));
                }
            }
            if entry.next_hop_protocol().is_empty() {
                return Err("nextHopProtocol: expected a protocol".into());
            }
            Ok(())
        }
        Check::ServerTimingLength(n) => expect(
            "serverTiming.length",
            entry.server_timing().len().to_string(),
            n.to_string(),
        ),
        Check::TransferSize(n) => expect(
            "transferSize",
            entry.transfer_size().to_string(),
            n.to_string(),
        ),
        Check::EncodedBodySize(n) => expect(
            "encodedBodySize",
            entry.encoded_body_size().to_string(),
            n.to_string(),
        ),
        Check::DecodedBodySize(n) => expect(
            "decodedBodySize",
            entry.decoded_body_size().to_string(),
            n.to_string(),
        ),
        Check::ResponseStatus(n) => expect(
            "responseStatus",
            entry.response_status().to_string(),
            n.to_string(),
        ),
    }
}

#[test]
fn the_spec_policy_passes_every_upstream_subtest() {
    let mut failures = Vec::new();
    for subtest in subtests() {
        let page = Page::new(true, ExposurePolicy::SPEC);
        let Some(entry) = page.replay(subtest.initiator, &served(&page, &subtest.hops)) else {
            failures.push(format!("{} {}: no entry", subtest.path, subtest.name));
            continue;
        };
        for c in &subtest.checks {
            if let Err(e) = check(&entry, *c) {
                failures.push(format!("{} {}: {e}", subtest.path, subtest.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The checks are not vacuous: a hop that fails the TAO check, or a body
/// of another size, makes a subtest fail.
#[test]
fn the_checks_can_fail() {
    let page = Page::new(true, ExposurePolicy::SPEC);
    let exposed = page
        .replay(
            Initiator::FetchCors,
            &served(&page, &[hop(Side::B, Some("*"))]),
        )
        .unwrap();
    assert!(check(&exposed, Check::TimingHidden).is_err());
    assert!(check(&exposed, Check::TimingExposed).is_ok());
    assert!(check(&exposed, Check::TransferSize(300)).is_err());
    let hidden = page
        .replay(Initiator::FetchCors, &served(&page, &[hop(Side::B, None)]))
        .unwrap();
    assert!(check(&hidden, Check::TimingExposed).is_err());
    assert!(check(&hidden, Check::ServerTimingLength(2)).is_err());
}

/// Every subtest that a browser ran is one of ours, and every one of ours
/// ran in every recorded browser.
#[test]
fn every_recorded_subtest_is_replayed() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../wpt/upstream/results.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let ours: BTreeSet<(String, String)> = subtests()
        .into_iter()
        .map(|s| (s.path.to_owned(), s.name))
        .collect();
    let browsers = doc["browsers"].as_object().unwrap();
    assert_eq!(browsers.len(), 3, "chromium, firefox and webkit");
    for (browser, run) in browsers {
        let mut recorded = BTreeSet::new();
        for (file, result) in run["results"].as_object().unwrap() {
            assert_eq!(result["harness"], "OK", "{browser} {file}");
            for name in result["subtests"].as_object().unwrap().keys() {
                recorded.insert((file.clone(), name.clone()));
            }
        }
        assert_eq!(recorded, ours, "{browser}");
    }
}
