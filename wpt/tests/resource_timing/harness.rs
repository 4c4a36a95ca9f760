//! The simulated page and network every resource-timing trial runs on.
//!
//! A "page" is a reference global on a manual event loop. A "server" is a
//! chain of [`Step`]s: each is one hop with its status, headers and body
//! size, and each redirect's `Location` is the next step's URL. The
//! simulated network gives every event its own moment, 1 ms apart, on the
//! page's clock: DNS, connect, TLS, request, response, body. So the entry's
//! order invariants come out of the driver, not out of the test.
//!
//! A TLS connection reports its secure connection start equal to its
//! connection start, as over QUIC. `assert_tao_pass_no_redirect_https` puts
//! `secureConnectionStart` before `connectStart`, and
//! `assert_tao_enabled_cross_origin_redirected_resource` puts it after, so
//! only equal values satisfy both invariants.

pub(crate) use std::rc::Rc;
pub(crate) use std::sync::Arc;

pub(crate) use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
pub(crate) use performance_timeline::{Performance, PerformanceEntry};
pub(crate) use resource_timing::{
    CacheState, ConnectionTimingInfo, CredentialsMode, ExposurePolicy, Fetch, FetchClient,
    NavigationTimingType, NetworkError, Next, PerformanceResourceTiming, Request, RequestMode,
};
pub(crate) use url::Url;
pub(crate) use wpt::{ensure, Outcome};

pub(crate) type Perf = Performance<ReferenceEmbedder>;
pub(crate) type Entry = std::rc::Rc<PerformanceResourceTiming>;

/// `get_host_info()`: the origins WPT's server listens on.
pub(crate) const ORIGIN: &str = "http://web-platform.test:8000";
pub(crate) const REMOTE_ORIGIN: &str = "http://www1.web-platform.test:8000";
pub(crate) const HTTPS_ORIGIN: &str = "https://web-platform.test:8443";
pub(crate) const HTTPS_REMOTE_ORIGIN: &str = "https://www1.web-platform.test:8443";
pub(crate) const HTTPS_NOTSAMESITE_ORIGIN: &str = "https://not-web-platform.test:8443";
pub(crate) const PORT2: u16 = 8001;

pub(crate) struct Page {
    pub(crate) event_loop: ReferenceEventLoop,
    pub(crate) performance: Rc<Perf>,
    pub(crate) client: FetchClient,
}

impl Page {
    pub(crate) fn new(url: &str) -> Page {
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
    pub(crate) fn opaque() -> Page {
        let mut page = Page::new(ORIGIN);
        page.client.origin = Url::parse("data:text/html,x").expect("static URL").origin();
        page.client.is_secure_context = false;
        page
    }

    /// The next moment on the page's clock, 1 ms on.
    pub(crate) fn tick(&self) -> f64 {
        self.event_loop.advance(1.0);
        self.event_loop.now()
    }

    pub(crate) fn now(&self) -> f64 {
        self.performance.now()
    }
}

/// One hop of a server's answer.
#[derive(Clone)]
pub(crate) struct Step {
    pub(crate) url: String,
    pub(crate) status: u16,
    /// Header lines as sent: a name and the value's bytes.
    pub(crate) headers: Vec<(String, Vec<u8>)>,
    /// Body bytes as transmitted (the encoded size).
    pub(crate) body: u64,
    /// Body bytes after content decoding, when they differ from `body`.
    pub(crate) decoded: Option<u64>,
    /// How long the server waits before it answers (ms).
    pub(crate) delay: f64,
    pub(crate) dns_failure: bool,
}

pub(crate) fn step(url: impl Into<String>) -> Step {
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
    pub(crate) fn header(self, name: &str, value: impl Into<String>) -> Step {
        self.header_bytes(name, value.into().into_bytes())
    }
    /// A header line whose value is not text (Latin-1 bytes, say).
    pub(crate) fn header_bytes(mut self, name: &str, value: Vec<u8>) -> Step {
        self.headers.push((name.to_owned(), value));
        self
    }
    pub(crate) fn tao(self, value: impl Into<String>) -> Step {
        self.header("timing-allow-origin", value)
    }
    pub(crate) fn acao(self, value: impl Into<String>) -> Step {
        self.header("access-control-allow-origin", value)
    }
    pub(crate) fn status(mut self, status: u16) -> Step {
        self.status = status;
        self
    }
    pub(crate) fn body(mut self, body: u64) -> Step {
        self.body = body;
        self
    }
    pub(crate) fn decoded(mut self, decoded: u64) -> Step {
        self.decoded = Some(decoded);
        self
    }
    pub(crate) fn delay(mut self, ms: f64) -> Step {
        self.delay = ms;
        self
    }
    pub(crate) fn dns_failure(mut self) -> Step {
        self.dns_failure = true;
        self
    }
}

/// How a WPT loader fetches: its request mode, credentials and initiator type.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Loader {
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
    pub(crate) const TAO_MATCH: [Loader; 6] = [
        Loader::Font,
        Loader::Iframe,
        Loader::Image,
        Loader::Script,
        Loader::Stylesheet,
        Loader::Xhr,
    ];

    pub(crate) fn name(self) -> &'static str {
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

    pub(crate) fn request(self, url: &str) -> Request {
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
pub(crate) struct Load {
    pub(crate) credentials: Option<CredentialsMode>,
    pub(crate) cache_state: Option<CacheState>,
    /// The page's origin serves a `mode: "same-origin"` fetch.
    pub(crate) same_origin_mode: bool,
    /// A network error reported by the embedder before any response (mixed
    /// content or ORB blocking).
    pub(crate) blocked: Option<&'static str>,
    /// The connection was opened before this fetch (a keep-alive connection).
    pub(crate) reused_connection: bool,
}

/// Runs the fetch of `chain` for `page` through the driver and reports it.
pub(crate) fn load(page: &Page, loader: Loader, chain: &[Step], options: &Load) -> Option<Entry> {
    let mut request = loader.request(&chain[0].url);
    if let Some(credentials) = options.credentials {
        request = request.credentials(credentials);
    }
    if options.same_origin_mode {
        request.mode = RequestMode::SameOrigin;
    }
    let fetch = Fetch::start(request, page.client.clone(), page.tick());
    drive(page, fetch, chain, options).report_timing(&page.performance)
}

/// Feeds `chain` to `fetch` on the simulated network until it finishes.
pub(crate) fn drive(page: &Page, mut fetch: Fetch, chain: &[Step], options: &Load) -> Fetch {
    if let Some(cache_state) = options.cache_state {
        fetch.set_cache_state(cache_state);
    }
    if let Some(why) = options.blocked {
        fetch.network_error(NetworkError::Blocked(why.to_owned()), page.tick());
        return fetch;
    }
    for (index, hop) in chain.iter().enumerate() {
        if fetch.is_finished() {
            break;
        }
        if hop.dns_failure {
            page.tick();
            fetch.network_error(NetworkError::Transport("DNS failure".into()), page.tick());
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
                alpn_negotiated_protocol: b"http/1.1".as_slice().into(),
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
                    b"h2".as_slice().into()
                } else {
                    b"http/1.1".as_slice().into()
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
                http::HeaderValue::from_bytes(value).expect("test header value"),
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
            NetworkError::Transport("no final response".into()),
            page.tick(),
        );
    }
    fetch
}

/// `load` with default options, requiring an entry.
pub(crate) fn entry(page: &Page, loader: Loader, chain: &[Step]) -> Result<Entry, String> {
    load(page, loader, chain, &Load::default()).ok_or_else(|| "no entry was reported".to_owned())
}
