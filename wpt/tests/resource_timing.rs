//! WPT resource-timing and server-timing scenarios, run through the
//! `resource-timing` crate's `Fetch` driver on `performance-timeline`'s
//! reference embedder.
//!
//! Each trial is named after its WPT file, plus ` : <case>` where the file
//! runs several. A "page" is a reference global on a manual event loop. A
//! "server" is a chain of [`Step`]s: each is one hop with its status,
//! headers and body size, and each redirect's `Location` is the next step's
//! URL. The simulated network gives every event its own moment, 1 ms apart,
//! on the page's clock: DNS, connect, TLS, request, response, body. So the
//! entry's order invariants come out of the driver, not out of the test.
//!
//! A TLS connection reports its secure connection start equal to its
//! connection start, as over QUIC. `assert_tao_pass_no_redirect_https` puts
//! `secureConnectionStart` before `connectStart`, and
//! `assert_tao_enabled_cross_origin_redirected_resource` puts it after, so
//! only equal values satisfy both invariants.
//!
//! The invariants are those of `resource-timing/resources/entry-invariants.js`,
//! written as Rust functions with the same names. Sources and the list of
//! unported cases: `docs/conformance.md`.

use std::rc::Rc;
use std::sync::Arc;

use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::{Performance, PerformanceEntry};
use resource_timing::policy::Engine;
use resource_timing::{
    CacheState, ConnectionTimingInfo, CredentialsMode, ExposurePolicy, Fetch, FetchClient,
    NavigationTimingType, NetworkError, Next, PerformanceResourceTiming, Request, RequestMode,
};
use url::Url;

type Perf = Performance<ReferenceEmbedder>;
type Entry = std::rc::Rc<PerformanceResourceTiming>;
type Outcome = Result<(), String>;
type Case = Box<dyn Fn() -> Outcome + Send + Sync>;

/// `get_host_info()`: the origins WPT's server listens on.
const ORIGIN: &str = "http://web-platform.test:8000";
const REMOTE_ORIGIN: &str = "http://www1.web-platform.test:8000";
const HTTPS_ORIGIN: &str = "https://web-platform.test:8443";
const HTTPS_REMOTE_ORIGIN: &str = "https://www1.web-platform.test:8443";
const PORT2: u16 = 8001;

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        let holds: bool = $cond;
        if !holds {
            return Err(format!($($msg)+));
        }
    };
}

// ----- The simulated page and network ----------------------------------------

struct Page {
    event_loop: ReferenceEventLoop,
    performance: Rc<Perf>,
    client: FetchClient,
}

impl Page {
    fn new(url: &str) -> Page {
        let url = Url::parse(url).expect("static URL");
        let event_loop = ReferenceEventLoop::new();
        let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &url));
        // The document has been running for a while when the test starts.
        event_loop.advance(25.0);
        Page {
            event_loop,
            performance,
            client: FetchClient::for_page(&url),
        }
    }

    /// A page whose document has an opaque origin (a `data:` iframe).
    fn opaque() -> Page {
        let mut page = Page::new(ORIGIN);
        page.client.origin = Url::parse("data:text/html,x").expect("static URL").origin();
        page.client.is_secure_context = false;
        page
    }

    /// The next moment on the page's clock, 1 ms on.
    fn tick(&self) -> f64 {
        self.event_loop.advance(1.0);
        self.event_loop.now()
    }

    fn now(&self) -> f64 {
        self.performance.now()
    }
}

/// One hop of a server's answer.
#[derive(Clone)]
struct Step {
    url: String,
    status: u16,
    headers: Vec<(String, String)>,
    /// Body bytes as transmitted (the encoded size).
    body: u64,
    /// Body bytes after content decoding, when they differ from `body`.
    decoded: Option<u64>,
    /// How long the server waits before it answers (ms).
    delay: f64,
    dns_failure: bool,
}

fn step(url: impl Into<String>) -> Step {
    Step {
        url: url.into(),
        status: 200,
        headers: Vec::new(),
        body: 4,
        decoded: None,
        delay: 0.0,
        dns_failure: false,
    }
}

impl Step {
    fn header(mut self, name: &str, value: impl Into<String>) -> Step {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
    fn tao(self, value: impl Into<String>) -> Step {
        self.header("timing-allow-origin", value)
    }
    fn acao(self, value: impl Into<String>) -> Step {
        self.header("access-control-allow-origin", value)
    }
    fn status(mut self, status: u16) -> Step {
        self.status = status;
        self
    }
    fn body(mut self, body: u64) -> Step {
        self.body = body;
        self
    }
    fn decoded(mut self, decoded: u64) -> Step {
        self.decoded = Some(decoded);
        self
    }
    fn delay(mut self, ms: f64) -> Step {
        self.delay = ms;
        self
    }
    fn dns_failure(mut self) -> Step {
        self.dns_failure = true;
        self
    }
}

/// How a WPT loader fetches: its request mode, credentials and initiator type.
#[derive(Clone, Copy, Debug)]
enum Loader {
    Font,
    Iframe,
    Image,
    Script,
    Stylesheet,
    Xhr,
    Fetch,
    FetchNoCors,
    Object,
    /// `<img crossorigin="anonymous">` (`load.image_with_attrs` with `crossOrigin`).
    ImageCors,
    /// `<script crossorigin="anonymous">`.
    ScriptCors,
    /// `<link rel=stylesheet crossorigin="anonymous">`.
    StylesheetCors,
}

impl Loader {
    const TAO_MATCH: [Loader; 6] = [
        Loader::Font,
        Loader::Iframe,
        Loader::Image,
        Loader::Script,
        Loader::Stylesheet,
        Loader::Xhr,
    ];

    fn name(self) -> &'static str {
        match self {
            Loader::Font => "font",
            Loader::Iframe => "iframe",
            Loader::Image => "image",
            Loader::Script => "script",
            Loader::Stylesheet => "stylesheet",
            Loader::Xhr => "xhr",
            Loader::Fetch => "fetch",
            Loader::FetchNoCors => "fetch (no-cors)",
            Loader::Object => "object",
            Loader::ImageCors => "image, crossOrigin anonymous",
            Loader::ScriptCors => "script, crossOrigin anonymous",
            Loader::StylesheetCors => "stylesheet, crossOrigin anonymous",
        }
    }

    fn request(self, url: &str) -> Request {
        let url = Url::parse(url).expect("test URL");
        let (mode, initiator) = match self {
            // @font-face fonts are CORS requests reported as "css".
            Loader::Font => (RequestMode::Cors, "css"),
            Loader::Iframe => (RequestMode::Navigate, "iframe"),
            Loader::Image => (RequestMode::NoCors, "img"),
            Loader::Script => (RequestMode::NoCors, "script"),
            Loader::Stylesheet => (RequestMode::NoCors, "link"),
            Loader::Xhr => (RequestMode::Cors, "xmlhttprequest"),
            Loader::Fetch => (RequestMode::Cors, "fetch"),
            Loader::FetchNoCors => (RequestMode::NoCors, "fetch"),
            // HTML fetches an <object>'s data as a navigation request: mode
            // "navigate", destination "object" (one of Fetch's navigation
            // request destinations). Its `type` only decides what is done
            // with the response, so image_object, frame_object and
            // null_object fetch alike.
            Loader::Object => (RequestMode::Navigate, "object"),
            // A crossorigin attribute makes the element's fetch a CORS request.
            Loader::ImageCors => (RequestMode::Cors, "img"),
            Loader::ScriptCors => (RequestMode::Cors, "script"),
            Loader::StylesheetCors => (RequestMode::Cors, "link"),
        };
        Request::new(url, mode).initiator_type(initiator)
    }
}

/// Options of one load.
#[derive(Default, Clone)]
struct Load {
    credentials: Option<CredentialsMode>,
    cache_state: Option<CacheState>,
    /// The page's origin serves a `mode: "same-origin"` fetch.
    same_origin_mode: bool,
    /// A network error reported by the embedder before any response (mixed
    /// content or ORB blocking).
    blocked: Option<&'static str>,
    /// The connection was opened before this fetch (a keep-alive connection).
    reused_connection: bool,
}

/// Runs the fetch of `chain` for `page` through the driver and reports it.
fn load(page: &Page, loader: Loader, chain: &[Step], options: &Load) -> Option<Entry> {
    let mut request = loader.request(&chain[0].url);
    if let Some(credentials) = options.credentials {
        request = request.credentials(credentials);
    }
    if options.same_origin_mode {
        request.mode = RequestMode::SameOrigin;
    }
    let mut fetch = Fetch::start(request, page.client.clone(), page.tick());
    if let Some(cache_state) = options.cache_state {
        fetch.set_cache_state(cache_state);
    }
    if let Some(why) = options.blocked {
        fetch.network_error(NetworkError::Blocked(why.to_owned()), page.tick());
        return fetch.report_timing(&page.performance);
    }
    for (index, hop) in chain.iter().enumerate() {
        if fetch.is_finished() {
            break;
        }
        if hop.dns_failure {
            page.tick();
            fetch.network_error(
                NetworkError::Transport("DNS failure".to_owned()),
                page.tick(),
            );
            break;
        }
        let https = hop.url.starts_with("https:");
        let connection = if options.reused_connection {
            ConnectionTimingInfo {
                domain_lookup_start_time: 1.0,
                domain_lookup_end_time: 1.0,
                connection_start_time: 1.0,
                connection_end_time: 2.0,
                secure_connection_start_time: if https { 1.0 } else { 0.0 },
                alpn_negotiated_protocol: b"http/1.1".to_vec(),
            }
        } else {
            let lookup_start = page.tick();
            let lookup_end = page.tick();
            let connect_start = page.tick();
            ConnectionTimingInfo {
                domain_lookup_start_time: lookup_start,
                domain_lookup_end_time: lookup_end,
                connection_start_time: connect_start,
                connection_end_time: page.tick(),
                secure_connection_start_time: if https { connect_start } else { 0.0 },
                alpn_negotiated_protocol: if https {
                    b"h2".to_vec()
                } else {
                    b"http/1.1".to_vec()
                },
            }
        };
        fetch.connection_obtained(&connection);
        fetch.request_started(page.tick());
        page.event_loop.advance(hop.delay);
        let response_start = page.tick();
        fetch.response_started(response_start);
        let mut headers = http::HeaderMap::new();
        for (name, value) in &hop.headers {
            headers.append(
                http::HeaderName::from_bytes(name.as_bytes()).expect("test header name"),
                http::HeaderValue::from_str(value).expect("test header value"),
            );
        }
        // Every hop but the last redirects (302 unless the step says otherwise).
        let mut status = hop.status;
        if let Some(next) = chain.get(index + 1) {
            headers.insert(http::header::LOCATION, next.url.parse().expect("test URL"));
            if status == 200 {
                status = 302;
            }
        }
        match fetch.response_headers(status, &headers, response_start) {
            Ok(Next::Redirect(_)) => {
                if fetch.follow_redirect(page.tick()).is_err() {
                    break;
                }
            }
            Ok(Next::Final) => {
                fetch.body_received(hop.body, hop.decoded.unwrap_or(hop.body));
                fetch.end_of_body(page.tick());
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    if !fetch.is_finished() {
        fetch.network_error(
            NetworkError::Transport("no final response".to_owned()),
            page.tick(),
        );
    }
    fetch.report_timing(&page.performance)
}

/// `load` with default options, requiring an entry.
fn entry(page: &Page, loader: Loader, chain: &[Step]) -> Result<Entry, String> {
    load(page, loader, chain, &Load::default()).ok_or_else(|| "no entry was reported".to_owned())
}

// ----- entry-invariants.js ------------------------------------------------------

fn attribute(entry: &PerformanceResourceTiming, name: &str) -> f64 {
    match name {
        "startTime" => entry.start_time(),
        "duration" => entry.duration(),
        "workerStart" => entry.worker_start(),
        "redirectStart" => entry.redirect_start(),
        "redirectEnd" => entry.redirect_end(),
        "fetchStart" => entry.fetch_start(),
        "domainLookupStart" => entry.domain_lookup_start(),
        "domainLookupEnd" => entry.domain_lookup_end(),
        "connectStart" => entry.connect_start(),
        "connectEnd" => entry.connect_end(),
        "secureConnectionStart" => entry.secure_connection_start(),
        "requestStart" => entry.request_start(),
        "responseStart" => entry.response_start(),
        "responseEnd" => entry.response_end(),
        "transferSize" => entry.transfer_size() as f64,
        "encodedBodySize" => entry.encoded_body_size() as f64,
        "decodedBodySize" => entry.decoded_body_size() as f64,
        other => panic!("no attribute {other} in the invariants"),
    }
}

fn assert_all_equal_(entry: &PerformanceResourceTiming, attributes: &[&str]) -> Outcome {
    let first = attribute(entry, attributes[0]);
    for other in &attributes[1..] {
        ensure!(
            attribute(entry, other) == first,
            "{} should be equal to {other}",
            attributes[0]
        );
    }
    Ok(())
}

fn assert_ordered_(entry: &PerformanceResourceTiming, attributes: &[&str]) -> Outcome {
    for pair in attributes.windows(2) {
        let (before, after) = (attribute(entry, pair[0]), attribute(entry, pair[1]));
        ensure!(
            after >= before,
            "{} ({after}) should be greater than {} ({before})",
            pair[1],
            pair[0]
        );
    }
    Ok(())
}

fn assert_zeroed_(entry: &PerformanceResourceTiming, attributes: &[&str]) -> Outcome {
    for name in attributes {
        let value = attribute(entry, name);
        ensure!(value == 0.0, "{name} should be 0, is {value}");
    }
    Ok(())
}

fn assert_not_negative_(entry: &PerformanceResourceTiming, attributes: &[&str]) -> Outcome {
    for name in attributes {
        ensure!(
            attribute(entry, name) >= 0.0,
            "{name} should be greater than or equal to 0"
        );
    }
    Ok(())
}

fn assert_positive_(entry: &PerformanceResourceTiming, attributes: &[&str]) -> Outcome {
    for name in attributes {
        let value = attribute(entry, name);
        ensure!(value > 0.0, "{name} should be greater than 0, is {value}");
    }
    Ok(())
}

fn assert_tao_pass_no_redirect_http(entry: &PerformanceResourceTiming) -> Outcome {
    assert_ordered_(
        entry,
        &[
            "fetchStart",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "connectEnd",
            "requestStart",
            "responseStart",
            "responseEnd",
        ],
    )?;
    assert_zeroed_(
        entry,
        &[
            "workerStart",
            "secureConnectionStart",
            "redirectStart",
            "redirectEnd",
        ],
    )?;
    assert_not_negative_(entry, &["duration"])?;
    assert_positive_(entry, &["fetchStart", "transferSize"])
}

fn assert_tao_pass_no_redirect_https(entry: &PerformanceResourceTiming) -> Outcome {
    assert_ordered_(
        entry,
        &[
            "fetchStart",
            "domainLookupStart",
            "domainLookupEnd",
            "secureConnectionStart",
            "connectStart",
            "connectEnd",
            "requestStart",
            "responseStart",
            "responseEnd",
        ],
    )?;
    assert_zeroed_(entry, &["workerStart", "redirectStart", "redirectEnd"])?;
    assert_not_negative_(entry, &["duration"])?;
    assert_positive_(entry, &["fetchStart", "transferSize"])
}

fn assert_connection_reused(entry: &PerformanceResourceTiming) -> Outcome {
    assert_all_equal_(
        entry,
        &[
            "fetchStart",
            "connectStart",
            "connectEnd",
            "domainLookupStart",
            "domainLookupEnd",
        ],
    )
}

fn assert_same_origin_redirected_resource(entry: &PerformanceResourceTiming) -> Outcome {
    assert_positive_(entry, &["redirectStart"])?;
    ensure!(
        entry.redirect_start() == entry.start_time(),
        "redirectStart should be equal to startTime"
    );
    assert_ordered_(
        entry,
        &[
            "redirectStart",
            "redirectEnd",
            "fetchStart",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
        ],
    )
}

fn assert_cross_origin_redirected_resource(entry: &PerformanceResourceTiming) -> Outcome {
    assert_zeroed_(
        entry,
        &[
            "redirectStart",
            "redirectEnd",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "connectEnd",
            "secureConnectionStart",
            "requestStart",
            "responseStart",
        ],
    )?;
    assert_positive_(entry, &["fetchStart", "responseEnd"])?;
    assert_ordered_(entry, &["fetchStart", "responseEnd"])
}

fn assert_http_to_cross_origin_redirected_resource(entry: &PerformanceResourceTiming) -> Outcome {
    assert_cross_origin_redirected_resource(entry)
}

fn assert_tao_enabled_cross_origin_redirected_resource(
    entry: &PerformanceResourceTiming,
) -> Outcome {
    assert_positive_(entry, &["redirectStart"])?;
    assert_ordered_(
        entry,
        &[
            "redirectStart",
            "redirectEnd",
            "fetchStart",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "secureConnectionStart",
            "connectEnd",
            "requestStart",
            "responseStart",
            "responseEnd",
        ],
    )
}

fn assert_http_to_tao_enabled_cross_origin_https_redirected_resource(
    entry: &PerformanceResourceTiming,
) -> Outcome {
    assert_zeroed_(entry, &["secureConnectionStart"])?;
    assert_positive_(entry, &["redirectStart"])?;
    assert_ordered_(
        entry,
        &[
            "redirectStart",
            "redirectEnd",
            "fetchStart",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "connectEnd",
            "requestStart",
            "responseStart",
            "responseEnd",
        ],
    )
}

fn assert_same_origin_redirected_from_cross_origin_resource(
    entry: &PerformanceResourceTiming,
) -> Outcome {
    assert_zeroed_(
        entry,
        &[
            "workerStart",
            "redirectStart",
            "redirectEnd",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "connectEnd",
            "secureConnectionStart",
            "requestStart",
            "responseStart",
            "transferSize",
        ],
    )?;
    assert_ordered_(entry, &["fetchStart", "responseEnd"])?;
    ensure!(
        entry.fetch_start() == entry.start_time(),
        "fetchStart must equal startTime"
    );
    Ok(())
}

fn assert_tao_failure_resource(entry: &PerformanceResourceTiming) -> Outcome {
    ensure!(
        entry.entry_type() == "resource",
        "entryType must always be 'resource'"
    );
    assert_positive_(entry, &["startTime"])?;
    assert_not_negative_(entry, &["duration"])?;
    assert_zeroed_(
        entry,
        &[
            "redirectStart",
            "redirectEnd",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "connectEnd",
            "secureConnectionStart",
            "requestStart",
            "responseStart",
            "transferSize",
        ],
    )
}

/// `network_error_entry_test` of entry-invariants.js, given the load.
fn network_error_entry_test(
    page: &Page,
    url: &str,
    loader: Loader,
    chain: &[Step],
    options: &Load,
) -> Outcome {
    let time_before = page.now();
    let reported = load(page, loader, chain, options);
    let time_after = page.now();
    let entries = page.performance.get_entries_by_name(url, None);
    ensure!(
        entries.len() == 1,
        "resource timing entry for network error: {} entries",
        entries.len()
    );
    let entry = reported.ok_or("the fetch reported no entry")?;
    ensure!(
        entry.name() == entries[0].name(),
        "the reported entry is the buffered one"
    );
    ensure!(
        entry.start_time() == entry.fetch_start(),
        "startTime and fetchStart should be equal"
    );
    ensure!(
        entry.start_time() >= time_before,
        "startTime should be after the time before fetching"
    );
    ensure!(
        time_after >= entry.response_end(),
        "responseEnd should be before the time after the fetch"
    );
    ensure!(entry.response_status() == 0, "responseStatus should be 0");
    ensure!(
        entry.encoded_body_size() == 0,
        "encodedBodySize should be 0"
    );
    ensure!(
        entry.decoded_body_size() == 0,
        "decodedBodySize should be 0"
    );
    ensure!(
        entry.server_timing().is_empty(),
        "serverTiming should be empty"
    );
    ensure!(
        entry.content_type().is_empty(),
        "contentType should be empty"
    );
    ensure!(
        entry.content_encoding().is_empty(),
        "contentEncoding should be empty"
    );
    ensure!(
        entry.next_hop_protocol().is_empty(),
        "nextHopProtocol should be empty"
    );
    assert_tao_failure_resource(&entry)
}

// ----- resource-timing/TAO-*.html ---------------------------------------------

/// `TAO-match.html`: one row of the table for one loader.
fn tao_match(loader: Loader, tao: Option<String>, pass: bool) -> Outcome {
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

fn tao_match_rows() -> Vec<(String, Option<String>, bool)> {
    let upper = ORIGIN.to_uppercase();
    vec![
        ("The serialized origin".into(), Some(ORIGIN.into()), true),
        ("A wildcard".into(), Some("*".into()), true),
        (
            "A list with a case-sensitive match".into(),
            Some(format!("{ORIGIN},fake")),
            true,
        ),
        (
            "A list with the origin and a wildcard".into(),
            Some(format!("{ORIGIN},*")),
            true,
        ),
        ("A list with a wildcard".into(), Some("fake,*".into()), true),
        ("null".into(), Some("null".into()), false),
        ("Two wildcards".into(), Some("*,*".into()), true),
        (
            "The serialized origin in upper case".into(),
            Some(upper),
            false,
        ),
        (
            "A space-separated list".into(),
            Some(format!("{ORIGIN} *")),
            false,
        ),
        ("No TAO header".into(), None, false),
    ]
}

/// `TAO-port-mismatch-means-crossorigin.html`: TAOResponse.py echoes ACAO
/// and sends `origin_port_<P>`, the page's scheme and host with port P.
fn tao_port(port: u16, pass: bool) -> Outcome {
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
/// Returns the sum the tests compare with 0.
fn opaque_origin_sum(tao: &str, with_sizes: bool) -> Result<f64, String> {
    let page = Page::opaque();
    let hop = step("http://www1.web-platform.test:8001/resource-timing/resources/TAOResponse.py")
        .acao("null")
        .tao(tao);
    let entry = entry(&page, Loader::Xhr, &[hop])?;
    let mut names = vec![
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
    if with_sizes {
        names.extend(["transferSize", "encodedBodySize", "decodedBodySize"]);
    }
    Ok(names.iter().map(|name| attribute(&entry, name)).sum())
}

// ----- redirect chains ------------------------------------------------------------

/// `SO-XO-SO-redirect-chain-tao.https.html`, through multi_redirect.py:
/// step 1 on the first origin redirects to the cross origin (step 2), then
/// to the page's origin (step 3), then to the final resource on the page's
/// origin. The first `tao_steps` responses send `Timing-Allow-Origin: tao`.
fn so_xo_so(case: u8) -> Outcome {
    let page = Page::new(HTTPS_ORIGIN);
    let path = "/resource-timing/resources/multi_redirect.py";
    let (first, loader, final_resource, tao, tao_steps) = match case {
        1 => (HTTPS_ORIGIN, Loader::Iframe, "blank_page_green.htm", "*", 0),
        2 => (HTTPS_ORIGIN, Loader::Iframe, "blank_page_green.htm", "*", 2),
        3 => (
            HTTPS_REMOTE_ORIGIN,
            Loader::Image,
            "blue-with-tao.png",
            "*",
            3,
        ),
        _ => (
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
        3 => assert_tao_enabled_cross_origin_redirected_resource(&entry),
        _ => assert_cross_origin_redirected_resource(&entry),
    }
}

/// `cross-origin-redirects.html`: an http page loads iframes through
/// redirect-cors.py; `HTTP_XO_redirect` hops send ACAO `*` and the given TAO.
fn cross_origin_redirects(case: u8) -> Outcome {
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
        0 => assert_http_to_cross_origin_redirected_resource(&*entry(
            &page,
            Loader::Iframe,
            &[so_redirect, xo_resource()],
        )?),
        1 => assert_cross_origin_redirected_resource(&*entry(
            &page,
            Loader::Iframe,
            &[so_redirect, xo_resource().tao("no-match")],
        )?),
        2 => assert_http_to_tao_enabled_cross_origin_https_redirected_resource(&*entry(
            &page,
            Loader::Iframe,
            &[so_redirect, xo_resource().tao("*")],
        )?),
        3 => assert_http_to_tao_enabled_cross_origin_https_redirected_resource(&*entry(
            &page,
            Loader::Iframe,
            &[xo_redirect(1, "*"), xo_redirect(2, "*"), so_resource],
        )?),
        // The failure permutations: the file calls `test_case.apply(permutation)`,
        // so every argument is undefined and both XO hops send
        // `Timing-Allow-Origin: undefined`, whatever the permutation says.
        _ => assert_tao_failure_resource(&*entry(
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
fn object_not_found_after_tao_cross_origin_redirect() -> Outcome {
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
fn same_origin_from_cross_origin_redirect() -> Outcome {
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
fn fetch_cross_origin_redirect(origin: &str, cross: bool) -> Outcome {
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
fn cross_origin_start_end_time_with_redirects() -> Outcome {
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

// ----- sizes, status, nextHopProtocol -------------------------------------------------

/// `body-size-cross-origin.https.html`: body sizes are CORS-protected, not TAO-protected.
fn body_size_cross_origin(same_origin: bool, cors: bool, tao: bool, exposed: bool) -> Outcome {
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
fn check_size_fields(
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
fn sizes_cache() -> Outcome {
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
fn sizes_redirect(chain_kind: &str) -> Outcome {
    let page = Page::new(ORIGIN);
    let target = format!("{ORIGIN}/common/CustomCorsResponse.py?x={chain_kind}");
    let redirect = |origin: &str, n: u8| {
        step(format!("{origin}/common/redirect.py?n={n}"))
            .acao("*")
            .tao("*")
    };
    let mut chain = match chain_kind {
        "direct" => vec![],
        "same-origin redirect" => vec![redirect(ORIGIN, 1)],
        "cross-origin redirect" => vec![redirect(REMOTE_ORIGIN, 1)],
        "mixed redirect" => vec![redirect(REMOTE_ORIGIN, 1), redirect(ORIGIN, 2)],
        _ => vec![
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

/// `nextHopProtocol-is-tao-protected.https.html`.
fn next_hop_protocol_is_tao_protected(tao: bool) -> Outcome {
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

/// `cross-origin-status-codes.html`: 8 cross-origin loads without TAO look alike.
fn cross_origin_status_codes() -> Outcome {
    let page = Page::new(ORIGIN);
    let mut seen = Vec::new();
    for loader in [Loader::Image, Loader::Script] {
        for status in [200, 307, 404, 502] {
            let url = format!(
                "{REMOTE_ORIGIN}/resource-timing/resources/status-code.py?status={status}&{}",
                loader.name()
            );
            // A 307 without Location is a final response, as status-code.py sends it.
            let entry = entry(
                &page,
                loader,
                &[step(url).status(status).body(u64::from(status))],
            )?;
            seen.push((
                entry.entry_type().to_owned(),
                entry.next_hop_protocol().to_owned(),
                entry.transfer_size(),
                entry.encoded_body_size(),
                entry.decoded_body_size(),
            ));
        }
    }
    ensure!(seen.len() == 8, "8 entries");
    ensure!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "cross-origin entries should look alike: {seen:?}"
    );
    Ok(())
}

/// `entries-for-network-errors.sub.https.html`.
fn entries_for_network_errors(case: &str) -> Outcome {
    let page = Page::new(HTTPS_ORIGIN);
    let xml = "/common/dummy.xml";
    let (url, loader, chain, options): (String, Loader, Vec<Step>, Load) = match case {
        "failed cross-origin requests" => {
            // No ACAO: the CORS check fails.
            let url = format!("{HTTPS_REMOTE_ORIGIN}{xml}");
            (url.clone(), Loader::Fetch, vec![step(url)], Load::default())
        }
        "non-HTTP redirect" => {
            let url =
                format!("{HTTPS_ORIGIN}/common/redirect.py?location=data:,Hello%2C%20World%21");
            (
                url.clone(),
                Loader::Fetch,
                vec![step(url), step("data:,Hello%2C%20World%21")],
                Load::default(),
            )
        }
        "DNS failure" => {
            let url = format!("https://nonexistent.web-platform.test{xml}");
            (
                url.clone(),
                Loader::Fetch,
                vec![step(url).dns_failure()],
                Load::default(),
            )
        }
        "Mixed content" => {
            let url = "http://web-platform.test:8000/commo/dummy.xml".to_owned();
            let options = Load {
                blocked: Some("mixed content"),
                ..Load::default()
            };
            (url.clone(), Loader::Fetch, vec![step(url)], options)
        }
        "only-if-cached resource that was not cached" => {
            let url = format!("{HTTPS_ORIGIN}{xml}");
            let options = Load {
                same_origin_mode: true,
                blocked: Some("only-if-cached and not in the cache"),
                ..Load::default()
            };
            (url.clone(), Loader::Fetch, vec![step(url)], options)
        }
        "too many redirects" | "too many redirects with TAO" => {
            let url = format!(
                "{HTTPS_ORIGIN}/element-timing/resources/multiple-redirects.py?redirect_count=22"
            );
            let mut chain: Vec<Step> = (0..22)
                .map(|i| {
                    let hop = step(format!("{url}&hop={i}"));
                    if case.ends_with("TAO") {
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
        "same-origin redirect to DNS failure" => {
            let url = format!("{HTTPS_ORIGIN}/common/redirect.py?location=https://nonexistent.web-platform.test{xml}");
            let chain = vec![
                step(url.clone()),
                step(format!("https://nonexistent.web-platform.test{xml}")).dns_failure(),
            ];
            (url, Loader::Fetch, chain, Load::default())
        }
        _ => {
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

// ----- responseStatus, <object> entries, data: URLs, cached sizes ---------------

/// The status codes every `response-status-code.*.html` file loops over.
const STATUS_CODES: [u16; 10] = [200, 203, 400, 401, 403, 404, 500, 501, 502, 503];

/// The resource-loaders.js loaders of `response-status-code.same-origin.html`,
/// by their name there. The three `<object>` loaders differ only in the
/// `type` attribute, which does not change the request.
const SAME_ORIGIN_STATUS_LOADERS: [(&str, Loader); 10] = [
    ("font", Loader::Font),
    ("image", Loader::Image),
    ("script", Loader::Script),
    ("stylesheet", Loader::Stylesheet),
    ("xhr_sync", Loader::Xhr),
    ("xhr_async", Loader::Xhr),
    ("iframe", Loader::Iframe),
    ("image_object", Loader::Object),
    ("frame_object", Loader::Object),
    ("null_object", Loader::Object),
];

/// The loaders of `response-status-code.no-cors.html`.
const NO_CORS_STATUS_LOADERS: [(&str, Loader); 8] = [
    ("font", Loader::Font),
    ("image", Loader::Image),
    ("script", Loader::Script),
    ("stylesheet", Loader::Stylesheet),
    ("iframe", Loader::Iframe),
    ("image_object", Loader::Object),
    ("frame_object", Loader::Object),
    ("null_object", Loader::Object),
];

/// The loaders of `response-status-code.cors.html`: the `*_with_attrs`
/// loaders given `crossOrigin: "anonymous"`.
const CORS_STATUS_LOADERS: [(&str, Loader); 3] = [
    ("image_with_attrs, crossOrigin anonymous", Loader::ImageCors),
    (
        "script_with_attrs, crossOrigin anonymous",
        Loader::ScriptCors,
    ),
    (
        "stylesheet_with_attrs, crossOrigin anonymous",
        Loader::StylesheetCors,
    ),
];

/// The loaders of the two redirect files.
const REDIRECT_STATUS_LOADERS: [(&str, Loader); 3] = [
    ("iframe", Loader::Iframe),
    ("frame_object", Loader::Object),
    ("null_object", Loader::Object),
];

/// The resource the response-status-code files request: the font loader
/// gets `/fonts/pass.woff`, every other loader the empty script, both with
/// wptserve's `status()` pipe.
fn status_resource(origin: &str, loader: Loader, status: u16) -> Step {
    let path = match loader {
        Loader::Font => "/fonts/pass.woff",
        _ => "/resource-timing/resources/empty.js",
    };
    let hop = step(format!("{origin}{path}?pipe=status({status})")).status(status);
    match loader {
        Loader::Font => hop,
        _ => hop.body(0),
    }
}

/// One `attribute_test` of the response-status-code files: `page` loads
/// `chain` with `loader`, and the entry's `responseStatus` must be `expected`.
fn response_status_is(page: &Page, loader: Loader, chain: &[Step], expected: u16) -> Outcome {
    let entry = entry(page, loader, chain)?;
    let requested = Url::parse(&chain[0].url).map_err(|e| e.to_string())?;
    ensure!(
        entry.name() == requested.as_str(),
        "the entry is for {}, not {requested}",
        entry.name()
    );
    ensure!(
        entry.response_status() == expected,
        "response status for {} should be {expected}, is {}",
        entry.name(),
        entry.response_status()
    );
    Ok(())
}

/// `response-status-code.cors.html`: cross-origin CORS requests whose
/// responses send `Access-Control-Allow-Origin: <page origin>` expose the status.
fn response_status_code_cors(loader: Loader, status: u16) -> Outcome {
    let page = Page::new(ORIGIN);
    let hop = step(format!(
        "{REMOTE_ORIGIN}/resource-timing/resources/empty.js?pipe=status({status})|header(access-control-allow-origin, {ORIGIN})"
    ))
    .status(status)
    .acao(ORIGIN)
    .body(0);
    response_status_is(&page, loader, &[hop], status)
}

/// `response-status-code.no-cors.html`: cross-origin loads without CORS,
/// with or without `Timing-Allow-Origin: *`, must report status 0.
fn response_status_code_no_cors(loader: Loader, tao: bool, status: u16) -> Outcome {
    let page = Page::new(ORIGIN);
    let mut hop = status_resource(REMOTE_ORIGIN, loader, status);
    if tao {
        hop.url.push_str("|header(timing-allow-origin, *)");
        hop = hop.tao("*");
    }
    response_status_is(&page, loader, &[hop], 0)
}

/// `response-status-code.same-origin.html`: same-origin loads expose the status.
fn response_status_code_same_origin(loader: Loader, status: u16) -> Outcome {
    let page = Page::new(ORIGIN);
    let hop = status_resource(ORIGIN, loader, status);
    response_status_is(&page, loader, &[hop], status)
}

/// `response-status-code.same-origin-redirect.html`: a navigation through
/// redirect-cors.py (a 302 to its `location`) on the page's origin exposes
/// the final status.
fn response_status_code_same_origin_redirect(loader: Loader, status: u16) -> Outcome {
    let page = Page::new(ORIGIN);
    let target = status_resource(ORIGIN, loader, status);
    let redirect = step(format!(
        "{ORIGIN}/resource-timing/resources/redirect-cors.py?location={}",
        target.url
    ));
    response_status_is(&page, loader, &[redirect, target], status)
}

/// multi_redirect.py's chain without `tao_steps` (so no TAO header): step 1
/// on `page_origin` redirects to step 2 on `cross_origin`, which redirects
/// to step 3 on `page_origin`, which redirects to `final_resource` there.
fn multi_redirect_chain(page_origin: &str, cross_origin: &str, final_resource: Step) -> Vec<Step> {
    let path = "/resource-timing/resources/multi_redirect.py";
    let query = format!(
        "page_origin={page_origin}&cross_origin={cross_origin}&final_resource={}",
        final_resource
            .url
            .strip_prefix(page_origin)
            .unwrap_or(&final_resource.url)
    );
    vec![
        step(format!("{page_origin}{path}?{query}")),
        step(format!("{cross_origin}{path}?{query}&step=2")),
        step(format!("{page_origin}{path}?{query}&step=3")),
        final_resource,
    ]
}

/// `response-status-code.cross-origin-redirect.html`: a navigation
/// SO → XO → SO → SO (no TAO anywhere) reports status 0.
fn response_status_code_cross_origin_redirect(loader: Loader, status: u16) -> Outcome {
    let page = Page::new(ORIGIN);
    let target = status_resource(ORIGIN, loader, status);
    let chain = multi_redirect_chain(ORIGIN, REMOTE_ORIGIN, target);
    response_status_is(&page, loader, &chain, 0)
}

/// `status-codes-create-entry.html`: four `<img>` and four `<script>`
/// elements on the page's origin get 200, 307 (without `Location`, so a
/// final response), 404 and 502. Each must have an entry with a positive
/// duration. (The file's last assertion, that three `<script>` elements
/// have no `src` or are testharness's, is about its own markup.)
fn status_codes_create_entry() -> Outcome {
    let page = Page::new(&format!(
        "{ORIGIN}/resource-timing/status-codes-create-entry.html"
    ));
    let base = format!("{ORIGIN}/resource-timing/resources/status-code.py");
    let mut urls = Vec::new();
    for (loader, suffix) in [(Loader::Image, ""), (Loader::Script, "&script=1")] {
        for status in [200, 307, 404, 502] {
            let url = format!("{base}?status={status}{suffix}");
            load(
                &page,
                loader,
                &[step(&url).status(status).body(0)],
                &Load::default(),
            );
            urls.push(url);
        }
    }
    for url in &urls {
        let entries = page.performance.get_entries_by_name(url, None);
        ensure!(!entries.is_empty(), "no entry for {url}");
        ensure!(
            entries[0].duration() > 0.0,
            "the duration of {url} should be greater than 0, is {}",
            entries[0].duration()
        );
    }
    Ok(())
}

/// `object-not-found-adds-entry.html`: an `<object>` of status-code.py on
/// the page's origin gets an entry that passes `assert_tao_pass_no_redirect_http`.
fn object_not_found_adds_entry(status: u16, type_: &str) -> Outcome {
    let page = Page::new(&format!(
        "{ORIGIN}/resource-timing/object-not-found-adds-entry.html"
    ));
    let hop = step(format!(
        "{ORIGIN}/resource-timing/resources/status-code.py?status={status}&type={type_}"
    ))
    .status(status)
    .body(0);
    assert_tao_pass_no_redirect_http(&*entry(&page, Loader::Object, &[hop])?)
}

/// `object-not-found-after-cross-origin-redirect.html`: an `<object>`
/// through slow-redirect.py on the page's origin (1 s before its 302) to a
/// 404 on REMOTE_ORIGIN without TAO. startTime must not hide the redirect delay.
fn object_not_found_after_cross_origin_redirect() -> Outcome {
    let page = Page::new(&format!(
        "{ORIGIN}/resource-timing/object-not-found-after-cross-origin-redirect.html"
    ));
    let delay = 1.0;
    let not_found = "/resource-timing/resources/status-code.py?status=404";
    let time_before = page.now();
    // The test waits 10 ms before it adds the <object>.
    page.event_loop.advance(10.0);
    let chain = [
        step(format!(
            "{ORIGIN}/common/slow-redirect.py?delay={delay}&location={REMOTE_ORIGIN}{}",
            not_found
                .replace('/', "%2F")
                .replace('?', "%3F")
                .replace('=', "%3D")
        ))
        .delay(delay * 1000.0),
        step(format!("{REMOTE_ORIGIN}{not_found}"))
            .status(404)
            .body(0),
    ];
    let entry = entry(&page, Loader::Object, &chain)?;
    ensure!(
        entry.start_time() == entry.fetch_start(),
        "startTime and fetchStart should be equal"
    );
    ensure!(
        entry.start_time() > time_before,
        "startTime and fetchStart should be greater than the time before fetching"
    );
    ensure!(
        (entry.start_time() - time_before).round() < delay * 1000.0,
        "startTime should not expose redirect delays ({} ms after the time before)",
        entry.start_time() - time_before
    );
    Ok(())
}

/// `resource-ignore-data-url.html`: an `<img>` of a `data:` GIF gets no
/// entry; a later `<img>` of `blue.png` does. An observer of "resource"
/// entries must never see a `data:` name, and must see `blue.png`.
fn resource_ignore_data_url() -> Outcome {
    use std::sync::Mutex;
    let page = Page::new(&format!(
        "{ORIGIN}/resource-timing/resource-ignore-data-url.html"
    ));
    let seen: Arc<Mutex<Vec<performance_timeline::EntryRef>>> = Arc::default();
    let sink = seen.clone();
    let observer =
        performance_timeline::PerformanceObserver::new(&page.performance, move |list, _, _| {
            sink.lock()
                .expect("not poisoned")
                .extend(list.get_entries());
        });
    observer
        .observe(performance_timeline::PerformanceObserverInit::with_entry_types(["resource"]))
        .map_err(|e| format!("{e:?}"))?;
    // The data: URL is fetched by a scheme fetch: no connection, a 200
    // with the decoded bytes (a 1×1 GIF, 43 bytes).
    let data_url =
        "data:image/gif;base64,R0lGODlhAQABAIAAAOTm7AAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==";
    let request = Loader::Image.request(data_url);
    let mut fetch = Fetch::start(request, page.client.clone(), page.tick());
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("image/gif"),
    );
    let at = page.tick();
    fetch.response_started(at);
    fetch
        .response_headers(200, &headers, at)
        .map_err(|e| e.to_string())?;
    fetch.body_received(43, 43);
    fetch.end_of_body(page.tick());
    ensure!(fetch.is_finished(), "the data: fetch finished");
    ensure!(
        fetch.report_timing(&page.performance).is_none(),
        "a data: URL must not be reported"
    );
    page.event_loop.run_until_idle();
    // After the load event: load.image("blue.png"), relative to the test.
    entry(
        &page,
        Loader::Image,
        &[step(format!("{ORIGIN}/resource-timing/blue.png")).body(1010)],
    )?;
    page.event_loop.run_until_idle();
    let seen = seen.lock().expect("not poisoned");
    let data_entries = seen.iter().filter(|e| e.name().contains("data:")).count();
    ensure!(
        data_entries == 0,
        "There must be no entry for `data: URL`, the observer saw {data_entries}"
    );
    ensure!(
        seen.iter().any(|e| e.name().contains("blue.png")),
        "the observer did not see blue.png"
    );
    let buffered = page.performance.get_entries_by_type("resource");
    ensure!(
        buffered.iter().all(|e| !e.name().contains("data:")),
        "the buffer holds an entry for the data: URL"
    );
    Ok(())
}

/// `encoded-body-size-cached.https.html`: a dictionary-compressed response
/// (`Content-Encoding: dcb` or `dcz`; 348 bytes decoded from 93 or 117) is
/// fetched from the network, then served from the HTTP cache. Both entries
/// keep the coding and the sizes; only the cached one has transferSize 0.
/// The registration of the dictionary and the `Available-Dictionary`
/// request header are the embedder's business; only the two fetches are
/// modelled. Every assertion is checked, and all failures are reported.
fn encoded_body_size_cached(encoding: &str, encoded: u64, decoded: u64) -> Outcome {
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

// ----- server-timing/ --------------------------------------------------------------

/// `server-timing/cross_origin.https.html`: the number of metrics of three image loads.
fn server_timing_cross_origin(origin: &str, image: &str, tao: bool, expected: usize) -> Outcome {
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
/// same count, and each expected metric found with exactly its toJSON.
fn test_server_timing_entries(
    metrics: &[server_timing::PerformanceServerTiming],
    expected: &[(&str, f64, &str)],
) -> Outcome {
    ensure!(
        metrics.len() == expected.len(),
        "{} metrics, expected {}",
        metrics.len(),
        expected.len()
    );
    for (name, duration, description) in expected {
        let json = format!(
            "{{\"name\":\"{name}\",\"duration\":{},\"description\":\"{description}\"}}",
            fetch_headers::json::js_number_to_string(*duration)
        );
        ensure!(
            metrics.iter().any(|m| m.to_json() == json),
            "no metric with toJSON {json}"
        );
    }
    Ok(())
}

/// A navigation of `page` to `document` whose final response headers,
/// with this `Server-Timing` value, have just arrived.
fn navigation_at_headers(
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
fn test_server_timing(part: u8) -> Outcome {
    let document = format!("{HTTPS_ORIGIN}/server-timing/test_server_timing.https.html");
    let page = Page::new(&document);
    match part {
        0 => {
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
                &[("metric1", 1.1, "document"), ("metric1", 1.2, "document")],
            )
        }
        1 => {
            let hop = step(format!("{HTTPS_ORIGIN}/server-timing/resources/blue.png"))
                .header("server-timing", "metric2; dur=2.1; desc=blue.png");
            let entry = entry(&page, Loader::Image, &[hop])?;
            test_server_timing_entries(&entry.server_timing(), &[("metric2", 2.1, "blue.png")])
        }
        _ => {
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
            test_server_timing_entries(&green.server_timing(), &[("metric3", 3.1, "green.png")])
        }
    }
}

/// `server-timing/server_timing_headers_not_visible_in_fetch.https.html`:
/// `Server-Timing` is not a CORS-safelisted response header, so a CORS
/// response without `Access-Control-Expose-Headers` hides it from
/// `fetch()`'s Headers. Resource timing reads the internal response
/// instead, where TAO gates it: without TAO the entry has no metrics either,
/// with TAO it has them.
fn server_timing_headers_not_visible_in_fetch() -> Outcome {
    const SAFELISTED: [&str; 7] = [
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    ];
    ensure!(
        !SAFELISTED.contains(&"server-timing"),
        "Server-Timing is not safelisted"
    );
    let page = Page::new(HTTPS_ORIGIN);
    let url = format!("{HTTPS_REMOTE_ORIGIN}/server-timing/resources/blue_cors.png");
    let hop = step(&url)
        .acao("*")
        .header("server-timing", "metric; dur=1");
    let no_tao = entry(&page, Loader::Fetch, std::slice::from_ref(&hop))?;
    ensure!(no_tao.response_status() == 200, "the CORS fetch succeeded");
    ensure!(
        no_tao.server_timing().is_empty(),
        "CORS alone exposes no metrics"
    );
    let with_tao = entry(&page, Loader::Fetch, &[hop.tao("*")])?;
    ensure!(
        with_tao.server_timing().len() == 1,
        "TAO exposes the metric"
    );
    Ok(())
}

/// `server-timing/navigation-timing-trickle.https.html`: the navigation
/// entry has its metrics while the body is still arriving.
fn navigation_timing_trickle() -> Outcome {
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
fn navigation_timing_idl() -> Outcome {
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

// ----- extra invariants used by the files above ------------------------------------

/// A keep-alive connection reused by a second fetch (`assert_connection_reused`
/// is defined by entry-invariants.js; here it checks the driver's clamping).
fn connection_reused() -> Outcome {
    let page = Page::new(HTTPS_ORIGIN);
    let options = Load {
        reused_connection: true,
        ..Load::default()
    };
    let entry = load(
        &page,
        Loader::Fetch,
        &[step(format!("{HTTPS_ORIGIN}/a"))],
        &options,
    )
    .ok_or("no entry")?;
    assert_connection_reused(&entry)?;
    assert_tao_pass_no_redirect_https(&entry)
}

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let expected = wpt::read_expected_failures(&wpt::data_root().join("expected-failures.txt"));
    let mut cases: Vec<(String, Case)> = Vec::new();
    let mut add = |name: String, case: Case| cases.push((name, case));

    for loader in Loader::TAO_MATCH {
        for (label, tao, pass) in tao_match_rows() {
            add(
                format!(
                    "resource-timing/TAO-match.html : {} ({})",
                    label,
                    loader.name()
                ),
                Box::new(move || tao_match(loader, tao.clone(), pass)),
            );
        }
    }
    add(
        "resource-timing/TAO-port-mismatch-means-crossorigin.html : TAO with another port fails"
            .into(),
        Box::new(|| tao_port(PORT2, false)),
    );
    add(
        "resource-timing/TAO-port-mismatch-means-crossorigin.html : TAO with the page's port passes".into(),
        Box::new(|| tao_port(8000, true)),
    );
    add(
        "resource-timing/TAO-null-opaque-origin.sub.html".into(),
        Box::new(|| {
            let sum = opaque_origin_sum("null", false)?;
            ensure!(sum != 0.0, "TAO null should match an opaque origin");
            Ok(())
        }),
    );
    add(
        "resource-timing/TAO-case-insensitive-null-opaque-origin.sub.html".into(),
        Box::new(|| {
            let sum = opaque_origin_sum("Null", true)?;
            ensure!(
                sum == 0.0,
                "TAO Null should not match an opaque origin (sum {sum})"
            );
            Ok(())
        }),
    );
    for (case, label) in [
        (1, "Verify that cross origin resources' timings are not exposed when same-origin=>cross-origin=>same-origin redirects have no `Timing-Allow-Origin:` headers."),
        (2, "Verify that cross origin resources' timings are not exposed when same-origin=>cross-origin=>same-origin redirects have `Timing-Allow-Origin:` headers only on some of the responses."),
        (3, "Verify that cross origin resources' timings are exposed when cross-origin redirects have `Timing-Allow-Origin: *` headers"),
        (4, "Verify that cross origin resources' timings are not exposed when same-origin=>cross-origin=>same-origin redirects have `Timing-Allow-Origin:` headers with a specific origin."),
    ] {
        add(
            format!("resource-timing/SO-XO-SO-redirect-chain-tao.https.html : {label}"),
            Box::new(move || so_xo_so(case)),
        );
    }
    let permutation = "Verify that a redirect chain through cross-origin resources do not have their timings exposed when any of the TAO checks fail.";
    for (case, label) in [
        (0, "Verify that cross-origin resources' timings aren't exposed through HTTP redirects.".to_owned()),
        (1, "Verify that a redirected cross-origin resources' timings aren't exposed when the TAO check fails.".to_owned()),
        (2, "Verify that cross-origin resources' timings are exposed when the TAO check succeeds. Also verify that secureConnectionStart is 0 since the original request was over HTTP.".to_owned()),
        (3, "Verify that a redirect chain through cross-origin resources have their timings exposed when all TAO checks succeed. Also verify that secureConnectionStart is 0 since the original request was over HTTP.".to_owned()),
        (4, format!("{permutation} (FAIL -> FAIL -> FAIL)")),
        (5, format!("{permutation} (FAIL -> FAIL -> PASS)")),
        (6, format!("{permutation} (FAIL -> PASS -> FAIL)")),
        (7, format!("{permutation} (FAIL -> PASS -> PASS)")),
        (8, format!("{permutation} (PASS -> FAIL -> FAIL)")),
        (9, format!("{permutation} (PASS -> FAIL -> PASS)")),
        (10, format!("{permutation} (PASS -> PASS -> FAIL)")),
    ] {
        add(
            format!("resource-timing/cross-origin-redirects.html : {label}"),
            Box::new(move || cross_origin_redirects(case)),
        );
    }
    add(
        "resource-timing/object-not-found-after-TAO-cross-origin-redirect.html".into(),
        Box::new(object_not_found_after_tao_cross_origin_redirect),
    );
    add(
        "resource-timing/same-origin-from-cross-origin-redirect.html".into(),
        Box::new(same_origin_from_cross_origin_redirect),
    );
    add(
        "resource-timing/fetch-cross-origin-redirect.https.html : cross-origin".into(),
        Box::new(|| fetch_cross_origin_redirect(HTTPS_REMOTE_ORIGIN, true)),
    );
    add(
        "resource-timing/fetch-cross-origin-redirect.https.html : same-origin".into(),
        Box::new(|| fetch_cross_origin_redirect(HTTPS_ORIGIN, false)),
    );
    add(
        "resource-timing/cross-origin-start-end-time-with-redirects.html".into(),
        Box::new(cross_origin_start_end_time_with_redirects),
    );
    for (same, cors, tao, exposed, label) in [
        (true, false, false, true, "same-origin without TAO"),
        (true, false, true, true, "same-origin with TAO"),
        (false, false, false, false, "no-cors without TAO"),
        (false, false, true, false, "no-cors with TAO"),
        (false, true, false, true, "cors without TAO"),
        (false, true, true, true, "cors with TAO"),
    ] {
        add(
            format!("resource-timing/body-size-cross-origin.https.html : {label}"),
            Box::new(move || body_size_cross_origin(same, cors, tao, exposed)),
        );
    }
    add(
        "resource-timing/sizes-cache.any.js".into(),
        Box::new(sizes_cache),
    );
    for kind in [
        "direct",
        "same-origin redirect",
        "cross-origin redirect",
        "mixed redirect",
        "complex redirect",
    ] {
        add(
            format!("resource-timing/sizes-redirect.any.js : {kind}"),
            Box::new(move || sizes_redirect(kind)),
        );
    }
    add(
        "resource-timing/nextHopProtocol-is-tao-protected.https.html : without TAO".into(),
        Box::new(|| next_hop_protocol_is_tao_protected(false)),
    );
    add(
        "resource-timing/nextHopProtocol-is-tao-protected.https.html : with TAO".into(),
        Box::new(|| next_hop_protocol_is_tao_protected(true)),
    );
    add(
        "resource-timing/cross-origin-status-codes.html".into(),
        Box::new(cross_origin_status_codes),
    );
    for label in [
        "failed cross-origin requests",
        "non-HTTP redirect",
        "DNS failure",
        "Mixed content",
        "only-if-cached resource that was not cached",
        "too many redirects",
        "too many redirects with TAO",
        "same-origin redirect to DNS failure",
        "network error for ORB-blocked response",
    ] {
        add(
            format!(
                "resource-timing/entries-for-network-errors.sub.https.html : A ResourceTiming entry should be created for network error of type {label}"
            ),
            Box::new(move || entries_for_network_errors(label)),
        );
    }
    add(
        "resource-timing/resources/entry-invariants.js : assert_connection_reused".into(),
        Box::new(connection_reused),
    );
    // The response-status-code files name no subtest (testharness calls them
    // "Untitled", "Untitled 1", …), so each trial is named after its status
    // and loader, as the file's loops build them.
    /// A response-status-code file: its name, its loaders, and the trial.
    type StatusFile = (
        &'static str,
        &'static [(&'static str, Loader)],
        fn(Loader, u16) -> Outcome,
    );
    let status_files: [StatusFile; 4] = [
        (
            "response-status-code.cors.html",
            &CORS_STATUS_LOADERS,
            response_status_code_cors,
        ),
        (
            "response-status-code.same-origin.html",
            &SAME_ORIGIN_STATUS_LOADERS,
            response_status_code_same_origin,
        ),
        (
            "response-status-code.same-origin-redirect.html",
            &REDIRECT_STATUS_LOADERS,
            response_status_code_same_origin_redirect,
        ),
        (
            "response-status-code.cross-origin-redirect.html",
            &REDIRECT_STATUS_LOADERS,
            response_status_code_cross_origin_redirect,
        ),
    ];
    for (file, loaders, case) in status_files {
        for &(name, loader) in loaders {
            for status in STATUS_CODES {
                add(
                    format!("resource-timing/{file} : status {status} ({name})"),
                    Box::new(move || case(loader, status)),
                );
            }
        }
    }
    for (name, loader) in NO_CORS_STATUS_LOADERS {
        for tao in [false, true] {
            for status in STATUS_CODES {
                let with_tao = if tao { " with TAO *" } else { "" };
                add(
                    format!(
                        "resource-timing/response-status-code.no-cors.html : status {status}{with_tao} ({name})"
                    ),
                    Box::new(move || response_status_code_no_cors(loader, tao, status)),
                );
            }
        }
    }
    add(
        "resource-timing/status-codes-create-entry.html".into(),
        Box::new(status_codes_create_entry),
    );
    for (status, type_, label) in [
        (
            200,
            "none",
            "Verify that a 200 null-typed object emits an entry.",
        ),
        (
            404,
            "none",
            "Verify that a 404 null-typed object emits an entry.",
        ),
        (
            404,
            "img",
            "Verify that a 404 img-typed object emits an entry.",
        ),
    ] {
        add(
            format!("resource-timing/object-not-found-adds-entry.html : {label}"),
            Box::new(move || object_not_found_adds_entry(status, type_)),
        );
    }
    add(
        "resource-timing/object-not-found-after-cross-origin-redirect.html".into(),
        Box::new(object_not_found_after_cross_origin_redirect),
    );
    add(
        "resource-timing/resource-ignore-data-url.html".into(),
        Box::new(resource_ignore_data_url),
    );
    for (encoding, encoded) in [("dcb", 93), ("dcz", 117)] {
        add(
            format!(
                "resource-timing/encoded-body-size-cached.https.html : encodedBodySize and transferSize for dictionary-compressed ({encoding}) resource served from cache"
            ),
            Box::new(move || encoded_body_size_cached(encoding, encoded, 348)),
        );
    }
    add(
        "server-timing/cross_origin.https.html : same-origin".into(),
        Box::new(|| server_timing_cross_origin(HTTPS_ORIGIN, "blue.png", false, 1)),
    );
    add(
        "server-timing/cross_origin.https.html : cross-origin without TAO".into(),
        Box::new(|| server_timing_cross_origin(HTTPS_REMOTE_ORIGIN, "blue.png", false, 0)),
    );
    add(
        "server-timing/cross_origin.https.html : cross-origin with TAO".into(),
        Box::new(|| server_timing_cross_origin(HTTPS_REMOTE_ORIGIN, "blue_tao.png", true, 1)),
    );
    add(
        "server-timing/test_server_timing.https.html : navigation".into(),
        Box::new(|| test_server_timing(0)),
    );
    add(
        "server-timing/test_server_timing.https.html : img".into(),
        Box::new(|| test_server_timing(1)),
    );
    add(
        "server-timing/test_server_timing.https.html : observed img".into(),
        Box::new(|| test_server_timing(2)),
    );
    add(
        "server-timing/server_timing_headers_not_visible_in_fetch.https.html".into(),
        Box::new(server_timing_headers_not_visible_in_fetch),
    );
    add(
        "server-timing/navigation-timing-trickle.https.html".into(),
        Box::new(navigation_timing_trickle),
    );
    add(
        "server-timing/navigation_timing_idl.https.html".into(),
        Box::new(navigation_timing_idl),
    );

    let trials = cases
        .into_iter()
        .map(|(name, case)| {
            let expected = expected.clone();
            libtest_mimic::Trial::test(name.clone(), move || {
                wpt::check_expectation(&name, &expected, case())
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
