//! A measured fetch: real DNS, TCP, TLS and HTTP, each event reported to a
//! [`resource_timing::Fetch`] as it happens, redirects followed hop by hop.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, ACCEPT, ACCEPT_ENCODING, CONNECTION, ORIGIN, USER_AGENT};
use http_body_util::{BodyExt, Empty};
use resource_timing::{
    serializing_a_request_origin, CredentialsMode, Fetch, FetchClient, NetworkError, Next,
    PerformanceResourceTiming, Request, RequestMode, ResponseTainting, TransportError,
};
use rustls::pki_types::CertificateDer;
use url::Url;

use crate::clock::Clock;
use crate::connection::obtain_a_connection;
use crate::content_coding::{
    BodyDecoder, DecodeError, ACCEPT_ENCODING_VALUE, DEFAULT_MAX_DECODED_BODY,
};
use crate::destination::{default_accept_value, Destination, Initiator};
use crate::error::{within, HopError, Step};
pub use crate::pool::ConnectionPool;
use crate::pool::{GiveBack, Io, Protocol};
use crate::tls::{client_config, TlsError, ALPN_H2, ALPN_HTTP1};
use crate::wire::{response_body_framing, write_request, BodyFraming, Reader, WireError};

/// The most interim (1xx) responses one hop accepts before its final one.
pub const MAX_INTERIM_RESPONSES: usize = 100;

/// The most bytes the interim response heads of one hop may take in all.
pub const MAX_INTERIM_HEAD_BYTES: usize = 64 * 1024;

/// The most body bytes read from a redirect to keep its connection; a
/// longer (or unframed) redirect body drops the connection instead.
pub const REDIRECT_DRAIN_BYTES: u64 = 64 * 1024;

/// The longest wait for a redirect's body to keep its connection.
pub const REDIRECT_DRAIN_TIME: Duration = Duration::from_millis(100);

/// The `User-Agent` sent: a browser-like product token naming this tool.
pub const USER_AGENT_VALUE: &str = concat!(
    "Mozilla/5.0 (compatible; server-timing-rs/",
    env!("CARGO_PKG_VERSION"),
    ")"
);

/// How to fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The page that fetches: origin, secure context, isolation, policy.
    pub client: FetchClient,
    /// The request mode.
    pub mode: RequestMode,
    /// The credentials mode.
    pub credentials: CredentialsMode,
    /// The initiator type of the entry.
    pub initiator_type: Cow<'static, str>,
    /// The request's destination, which picks its `Accept` header. A
    /// navigation ([`RequestMode::Navigate`]) with the empty destination is
    /// taken as one for a document.
    pub destination: Destination,
    /// The request's initiator (a prefetch asks for a document).
    pub initiator: Initiator,
    /// Certificates trusted for https (no system roots: loopback tests bring their CA).
    pub roots: Vec<CertificateDer<'static>>,
    /// ALPN protocols offered over TLS, in order of preference.
    pub alpn: Vec<Vec<u8>>,
    /// The longest wait for any one step (DNS, connect, TLS, each read).
    pub timeout: Duration,
    /// The longest the whole fetch may take, redirects included (curl's
    /// `--max-time`); past it the fetch ends in a network error.
    pub max_time: Duration,
    /// Where idle connections wait for the next fetch to the same origin.
    /// `None` (the default): every hop opens its own connection and asks the
    /// server to close it.
    pub pool: Option<ConnectionPool>,
    /// The most bytes a body may decode to (its content codings undone);
    /// past it the fetch ends in a network error. The body is counted, not
    /// kept: this bounds the work a decompression bomb makes.
    pub max_decoded_body: u64,
}

impl FetchOptions {
    /// The default per-step timeout.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    /// The default whole-fetch deadline.
    pub const DEFAULT_MAX_TIME: Duration = Duration::from_secs(60);

    /// A `fetch()` from `client` in CORS mode, offering h2 and http/1.1, with
    /// a 10 s timeout per step and 60 s for the whole fetch.
    pub fn new(client: FetchClient) -> Self {
        FetchOptions {
            client,
            mode: RequestMode::Cors,
            credentials: CredentialsMode::SameOrigin,
            initiator_type: Cow::Borrowed("fetch"),
            destination: Destination::Empty,
            initiator: Initiator::Empty,
            roots: Vec::new(),
            alpn: vec![ALPN_H2.to_vec(), ALPN_HTTP1.to_vec()],
            timeout: FetchOptions::DEFAULT_TIMEOUT,
            max_time: FetchOptions::DEFAULT_MAX_TIME,
            pool: None,
            max_decoded_body: DEFAULT_MAX_DECODED_BODY,
        }
    }

    /// The same options, reusing connections from `pool`.
    pub fn with_pool(mut self, pool: ConnectionPool) -> Self {
        self.pool = Some(pool);
        self
    }
}

/// A request the client cannot even start.
#[derive(Debug)]
#[non_exhaustive]
pub enum FetchError {
    /// Only http and https URLs are fetched.
    UnsupportedScheme(String),
    /// TLS configuration failed.
    Tls(TlsError),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::UnsupportedScheme(scheme) => {
                write!(f, "cannot fetch a {scheme}: URL (only http and https)")
            }
            FetchError::Tls(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FetchError::Tls(error) => Some(error),
            FetchError::UnsupportedScheme(_) => None,
        }
    }
}

/// The interim (1xx) responses of a hop: how many, and the first one (what
/// Fetch's timing info needs). Their heads are not kept.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct InterimResponses {
    /// How many arrived.
    pub count: usize,
    /// The first one's status, if any arrived.
    pub first_status: Option<u16>,
    /// When the first one's first byte arrived (0 if none).
    pub first_response_start: f64,
}

/// One hop as it happened on the wire.
#[derive(Debug, Clone)]
pub struct HopRecord {
    /// The URL requested.
    pub url: Url,
    /// The final status of this hop (0 if none arrived).
    pub status: u16,
    /// Interim responses received before it.
    pub interim: InterimResponses,
    /// `HTTP/1.1` or `HTTP/2`.
    pub protocol: http::Version,
    /// The ALPN protocol negotiated, if TLS.
    pub alpn: Option<String>,
    /// The response headers.
    pub headers: http::HeaderMap,
    /// The trailer fields after the body (HTTP/1.1 chunked or HTTP/2), if any.
    pub trailers: http::HeaderMap,
    /// Whether the hop went over a connection from the pool.
    pub reused: bool,
    /// Whether the request was sent again on a new connection after a
    /// reused one closed under it (RFC 9112 §9.3.1).
    pub retried: bool,
}

impl HopRecord {
    /// The protocol as people write it: `HTTP/1.1` or `HTTP/2` (the
    /// `Debug` form of [`http::Version`] says `HTTP/2.0`).
    pub fn protocol_name(&self) -> &'static str {
        match self.protocol {
            http::Version::HTTP_09 => "HTTP/0.9",
            http::Version::HTTP_10 => "HTTP/1.0",
            http::Version::HTTP_2 => "HTTP/2",
            http::Version::HTTP_3 => "HTTP/3",
            _ => "HTTP/1.1",
        }
    }

    fn new(url: Url) -> Self {
        HopRecord {
            url,
            status: 0,
            interim: InterimResponses::default(),
            protocol: http::Version::HTTP_11,
            alpn: None,
            headers: http::HeaderMap::new(),
            trailers: http::HeaderMap::new(),
            reused: false,
            retried: false,
        }
    }
}

/// A finished fetch: the driver (with its timing info, ready to report)
/// and what each hop looked like.
#[derive(Debug, Clone)]
pub struct MeasuredFetch {
    /// The driver, finished.
    pub fetch: Fetch,
    /// The hops, in order.
    pub hops: Vec<HopRecord>,
}

impl MeasuredFetch {
    /// *Report timing* into `performance`.
    pub fn report_timing<E: resource_timing::performance_timeline::Embedder>(
        &self,
        performance: &resource_timing::performance_timeline::Performance<E>,
    ) -> Option<std::rc::Rc<PerformanceResourceTiming>> {
        self.fetch.report_timing(performance)
    }

    /// The network error the fetch ended with, if any.
    pub fn network_error(&self) -> Option<&NetworkError> {
        self.fetch.network_error_reason()
    }

    /// The transport failure under the network error, if that is how the
    /// fetch ended.
    pub fn hop_error(&self) -> Option<&HopError> {
        match self.network_error()? {
            NetworkError::Transport(error) => error.get_ref().downcast_ref(),
            _ => None,
        }
    }
}

/// Why a hop ended early.
enum HopFailure {
    /// On the network: the fetch becomes a network error holding it.
    Transport(HopError),
    /// The driver refused a response (CORS, a bad redirect): it has ended
    /// the fetch already.
    Driver(NetworkError),
}

impl From<HopError> for HopFailure {
    fn from(error: HopError) -> Self {
        HopFailure::Transport(error)
    }
}

/// Why an exchange on a connection failed.
enum ExchangeError {
    /// A reused connection closed before any response byte arrived: the
    /// request can go again on a new connection.
    Stale(HopError),
    /// Anything else.
    Failed(HopFailure),
}

impl From<HopError> for ExchangeError {
    fn from(error: HopError) -> Self {
        ExchangeError::Failed(HopFailure::Transport(error))
    }
}

/// What an exchange needs besides the driver, its record and the connection.
struct Exchange<'a> {
    url: &'a Url,
    headers: &'a http::HeaderMap,
    limit: Duration,
    max_decoded_body: u64,
    clock: &'a Clock,
    /// With a pool: a connection the exchange leaves reusable goes back.
    give_back: Option<GiveBack<'a>>,
    /// Whether the connection came from the pool.
    reused: bool,
}

/// Fetches `url` as `options.client` would, following redirects, and
/// returns the finished driver. Network failures are not errors here: they
/// end the fetch as a network error, which still makes an entry.
pub async fn fetch(
    url: Url,
    options: &FetchOptions,
    clock: &Clock,
) -> Result<MeasuredFetch, FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::UnsupportedScheme(url.scheme().to_owned()));
    }
    let alpn: Vec<&[u8]> = options.alpn.iter().map(Vec::as_slice).collect();
    let tls = client_config(&options.roots, &alpn).map_err(FetchError::Tls)?;
    let request = Request::new(url.clone(), options.mode)
        .credentials(options.credentials)
        .initiator_type(options.initiator_type.clone());
    let mut fetch = Fetch::start(request, options.client.clone(), clock.now());
    let deadline = tokio::time::Instant::now() + options.max_time;
    let mut hops = Vec::new();
    let mut current = Some(url);
    while let Some(url) = current.take() {
        if fetch.is_finished() {
            break;
        }
        let mut record = HopRecord::new(url.clone());
        let hop = hop(&mut fetch, &mut record, &url, options, &tls, clock);
        let outcome = match tokio::time::timeout_at(deadline, hop).await {
            Ok(outcome) => outcome,
            Err(_) => Err(HopError::MaxTime(options.max_time).into()),
        };
        hops.push(record);
        match outcome {
            Ok(next) => current = next,
            Err(HopFailure::Transport(error)) => fetch.network_error(
                NetworkError::Transport(TransportError::new(error)),
                clock.now(),
            ),
            Err(HopFailure::Driver(error)) => {
                if !fetch.is_finished() {
                    fetch.network_error(error, clock.now());
                }
            }
        }
    }
    if !fetch.is_finished() {
        fetch.network_error(
            NetworkError::Transport("no final response".into()),
            clock.now(),
        );
    }
    Ok(MeasuredFetch { fetch, hops })
}

/// The request's headers: `Accept` (by destination, as *fetch* sets it),
/// `Accept-Encoding` (the codings [`crate::content_coding`] decodes, as
/// browsers send them), `User-Agent`, and `Origin` where Fetch appends it.
fn request_headers(fetch: &Fetch, options: &FetchOptions) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    let destination = match (options.destination, options.mode) {
        (Destination::Empty, RequestMode::Navigate) => Destination::Document,
        (destination, _) => destination,
    };
    headers.insert(
        ACCEPT,
        HeaderValue::from_static(default_accept_value(destination, options.initiator)),
    );
    headers.insert(
        ACCEPT_ENCODING,
        HeaderValue::from_static(ACCEPT_ENCODING_VALUE),
    );
    headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
    append_a_request_origin_header(fetch.request(), &mut headers);
    headers
}

/// *Append a request `Origin` header*: a request whose response tainting is
/// "cors" gets one; a same-origin GET (tainting "basic") does not.
///
/// <https://fetch.spec.whatwg.org/#append-a-request-origin-header>
fn append_a_request_origin_header(request: &Request, headers: &mut http::HeaderMap) {
    // Step 1. Let serializedOrigin be the result of byte-serializing a request origin.
    let serialized_origin = serializing_a_request_origin(request);
    // Step 2. If request's response tainting is "cors", append it. (Step 3,
    // for methods other than GET and HEAD, does not arise: every request
    // here is a GET.)
    if request.response_tainting == ResponseTainting::Cors {
        if let Ok(value) = HeaderValue::from_str(&serialized_origin) {
            headers.insert(ORIGIN, value);
        }
    }
}

/// One hop: obtain a connection, send, read. Returns the next URL after a redirect.
async fn hop(
    fetch: &mut Fetch,
    record: &mut HopRecord,
    url: &Url,
    options: &FetchOptions,
    tls: &Arc<rustls::ClientConfig>,
    clock: &Clock,
) -> Result<Option<Url>, HopFailure> {
    let headers = request_headers(fetch, options);
    let origin = url.origin();
    let mut connection =
        obtain_a_connection(&origin, url, false, options, tls, clock, record).await?;
    loop {
        fetch.connection_obtained(&connection.timing);
        record.reused = connection.reused;
        record.alpn = connection.alpn.clone();
        let give_back = options.pool.as_ref().map(|pool| GiveBack {
            pool,
            origin: origin.clone(),
            timing: connection.timing.clone(),
            alpn: connection.alpn.clone(),
        });
        let reused = connection.reused;
        let on = Exchange {
            url,
            headers: &headers,
            limit: options.timeout,
            max_decoded_body: options.max_decoded_body,
            clock,
            give_back,
            reused,
        };
        match exchange(fetch, record, connection.protocol, on).await {
            Ok(next) => return Ok(next),
            Err(ExchangeError::Failed(failure)) => return Err(failure),
            // RFC 9112 §9.3.1: a request with an idempotent method (every
            // request here is a GET) may be retried once on a new connection
            // when a reused one closed before the response.
            Err(ExchangeError::Stale(_)) if !record.retried => {
                record.retried = true;
                connection =
                    obtain_a_connection(&origin, url, true, options, tls, clock, record).await?;
            }
            Err(ExchangeError::Stale(error)) => return Err(error.into()),
        }
    }
}

/// One request on `connection`, by its protocol.
async fn exchange(
    fetch: &mut Fetch,
    record: &mut HopRecord,
    connection: Protocol,
    exchange: Exchange<'_>,
) -> Result<Option<Url>, ExchangeError> {
    match connection {
        Protocol::Http1(stream) => {
            record.protocol = http::Version::HTTP_11;
            exchange_http1(fetch, record, stream, exchange).await
        }
        Protocol::Http2(sender) => {
            record.protocol = http::Version::HTTP_2;
            exchange_http2(fetch, record, sender, exchange).await
        }
    }
}

/// One request and its responses on an HTTP/1.1 connection.
async fn exchange_http1(
    fetch: &mut Fetch,
    record: &mut HopRecord,
    mut stream: Box<dyn Io>,
    exchange: Exchange<'_>,
) -> Result<Option<Url>, ExchangeError> {
    let Exchange {
        url,
        headers,
        limit,
        max_decoded_body,
        clock,
        give_back,
        reused,
    } = exchange;
    let mut headers = Cow::Borrowed(headers);
    if give_back.is_none() {
        headers
            .to_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    fetch.request_started(clock.now());
    if let Err(error) = write_request(&mut stream, &http::Method::GET, url, &headers).await {
        let error = HopError::wire(Step::Request, error);
        return Err(if reused {
            ExchangeError::Stale(error)
        } else {
            error.into()
        });
    }
    let mut reader = Reader::new(stream, clock.clone(), limit);
    let mut interim_bytes = 0;
    loop {
        let head = match reader.read_head().await {
            Ok(head) => head,
            Err(error @ (WireError::Closed(_) | WireError::Io(_)))
                if reused && !reader.received_any() =>
            {
                return Err(ExchangeError::Stale(HopError::wire(
                    Step::ResponseHead,
                    error,
                )))
            }
            Err(error) => return Err(HopError::wire(Step::ResponseHead, error).into()),
        };
        // RFC 9112 §6.3: a response whose body cannot be framed is
        // discarded with its connection; so is a 101 nobody asked for.
        let framing = response_body_framing(&head, false)
            .map_err(|error| HopError::wire(Step::ResponseHead, error.into()))?;
        if head.status == 101 {
            return Err(HopError::wire(
                Step::ResponseHead,
                crate::wire::FramingError::UnrequestedSwitchingProtocols.into(),
            )
            .into());
        }
        let interim = (100..=199).contains(&head.status);
        if interim {
            note_interim_response(&mut record.interim, &head, &mut interim_bytes)?;
        } else {
            record.headers = head.headers.clone();
        }
        record.status = head.status;
        fetch.response_started(head.first_byte);
        match fetch.response_headers(head.status, &head.headers, head.first_byte) {
            Ok(Next::Interim) => {}
            Ok(Next::Redirect(_)) => {
                if let Some(give_back) = give_back {
                    keep_after_redirect(reader, head.persistent, framing, give_back).await;
                }
                let next = fetch
                    .follow_redirect(clock.now())
                    .map_err(|error| ExchangeError::Failed(HopFailure::Driver(error)))?;
                return Ok(Some(next));
            }
            Ok(Next::Final) => {
                let mut body = ResponseBody::new(&head.headers, max_decoded_body);
                let read = reader
                    .read_body_while(framing.body, |piece| body.bytes_received(fetch, piece))
                    .await;
                body.failure()?;
                record.trailers = read.map_err(|error| HopError::wire(Step::Body, error))?;
                body.end(fetch)?;
                fetch.end_of_body(clock.now());
                if let Some(give_back) = give_back {
                    if reader.can_reuse(head.persistent, &framing) {
                        give_back.give_back(Protocol::Http1(reader.into_stream()));
                    }
                }
                return Ok(None);
            }
            Err(error) => return Err(ExchangeError::Failed(HopFailure::Driver(error))),
        }
    }
}

/// The final response's body as it streams: each piece counted as
/// transmitted and, its content codings undone, as decoded (the body
/// streaming steps of *HTTP-network fetch*).
///
/// <https://fetch.spec.whatwg.org/#concept-http-network-fetch>
struct ResponseBody {
    /// `None`: no coding, or one not supported; the bytes are the body.
    decoder: Option<BodyDecoder>,
    failure: Option<DecodeError>,
}

impl ResponseBody {
    fn new(headers: &http::HeaderMap, max_decoded_body: u64) -> ResponseBody {
        ResponseBody {
            decoder: BodyDecoder::for_response(headers, max_decoded_body),
            failure: None,
        }
    }

    /// Transmitted bytes arrived. Breaks when they fail to decode.
    fn bytes_received(&mut self, fetch: &mut Fetch, bytes: &[u8]) -> std::ops::ControlFlow<()> {
        let encoded = bytes.len() as u64;
        // Set bytes to the result of *handling content codings*.
        let decoded = match &mut self.decoder {
            None => encoded,
            Some(decoder) => match decoder.decode(bytes) {
                Ok(decoded) => decoded,
                // If bytes is failure, terminate the fetch (a network error).
                Err(error) => {
                    self.failure = Some(error);
                    return std::ops::ControlFlow::Break(());
                }
            },
        };
        // Increase the encoded size by the transmitted bytes, the decoded
        // size by the decoded ones.
        fetch.body_received(encoded, decoded);
        std::ops::ControlFlow::Continue(())
    }

    /// The failure that stopped the body, if one did.
    fn failure(&mut self) -> Result<(), HopError> {
        match self.failure.take() {
            Some(error) => Err(HopError::Failed {
                step: Step::ContentDecoding,
                source: Box::new(error),
            }),
            None => Ok(()),
        }
    }

    /// The body ended: the decoders flush what they held, and a coded
    /// stream that did not end is a failure.
    fn end(&mut self, fetch: &mut Fetch) -> Result<(), HopError> {
        if let Some(decoder) = &mut self.decoder {
            match decoder.finish() {
                Ok(decoded) => fetch.body_received(0, decoded),
                Err(error) => self.failure = Some(error),
            }
        }
        self.failure()
    }
}

/// Counts an interim response, keeping only the first one's status and time.
fn note_interim_response(
    interim: &mut InterimResponses,
    head: &crate::wire::ResponseHead,
    bytes: &mut usize,
) -> Result<(), HopError> {
    interim.count += 1;
    if interim.first_status.is_none() {
        interim.first_status = Some(head.status);
        interim.first_response_start = head.first_byte;
    }
    *bytes += head.size;
    if interim.count > MAX_INTERIM_RESPONSES {
        return Err(HopError::TooManyInterimResponses(MAX_INTERIM_RESPONSES));
    }
    if *bytes > MAX_INTERIM_HEAD_BYTES {
        return Err(HopError::InterimHeadsTooLarge(MAX_INTERIM_HEAD_BYTES));
    }
    Ok(())
}

/// After a redirect's head: keep the connection if its body is framed,
/// short, and arrives at once ([`REDIRECT_DRAIN_BYTES`],
/// [`REDIRECT_DRAIN_TIME`]); otherwise drop it. The redirect is followed
/// either way, without waiting for more.
async fn keep_after_redirect(
    mut reader: Reader<Box<dyn Io>>,
    persistent: bool,
    framing: crate::wire::Framing,
    give_back: GiveBack<'_>,
) {
    let short = match framing.body {
        BodyFraming::Empty | BodyFraming::Chunked => true,
        BodyFraming::Length(length) => length <= REDIRECT_DRAIN_BYTES,
        BodyFraming::UntilClose => false,
    };
    if !persistent || !framing.reusable || !short {
        return;
    }
    reader.limits_mut().body_bytes = Some(REDIRECT_DRAIN_BYTES);
    let drained = tokio::time::timeout(REDIRECT_DRAIN_TIME, reader.read_body(framing.body, |_| {}))
        .await
        .is_ok_and(|read| read.is_ok());
    if drained && reader.can_reuse(persistent, &framing) {
        give_back.give_back(Protocol::Http1(reader.into_stream()));
    }
}

/// One request and its response on an HTTP/2 connection.
async fn exchange_http2(
    fetch: &mut Fetch,
    record: &mut HopRecord,
    mut sender: hyper::client::conn::http2::SendRequest<Empty<Bytes>>,
    exchange: Exchange<'_>,
) -> Result<Option<Url>, ExchangeError> {
    let Exchange {
        url,
        headers,
        limit,
        max_decoded_body,
        clock,
        give_back,
        reused,
    } = exchange;
    let mut request = http::Request::builder()
        .method(http::Method::GET)
        .uri(url.as_str())
        .body(Empty::<Bytes>::new())
        .map_err(|error| HopError::Failed {
            step: Step::Request,
            source: Box::new(error),
        })?;
    *request.headers_mut() = headers.clone();
    fetch.request_started(clock.now());
    let response = within(limit, Step::ResponseHead, sender.send_request(request)).await;
    let mut response = match response {
        Ok(response) => response,
        Err(error) if reused => return Err(ExchangeError::Stale(error)),
        Err(error) => return Err(error.into()),
    };
    // The connection can carry other requests now (HTTP/2 multiplexes).
    if let Some(give_back) = give_back {
        give_back.give_back(Protocol::Http2(sender));
    }
    // hyper surfaces an HTTP/2 response once its HEADERS are decoded: that
    // moment stands for the first byte.
    let at = clock.now();
    fetch.response_started(at);
    let status = response.status().as_u16();
    record.status = status;
    record.headers = response.headers().clone();
    match fetch.response_headers(status, response.headers(), at) {
        Ok(Next::Redirect(_)) => {
            let next = fetch
                .follow_redirect(clock.now())
                .map_err(|error| ExchangeError::Failed(HopFailure::Driver(error)))?;
            Ok(Some(next))
        }
        Ok(Next::Final) => {
            let mut body = ResponseBody::new(response.headers(), max_decoded_body);
            loop {
                let frame = within(limit, Step::Body, async {
                    response.body_mut().frame().await.transpose()
                })
                .await?;
                let Some(frame) = frame else { break };
                match frame.into_data() {
                    Ok(data) => {
                        if body.bytes_received(fetch, &data).is_break() {
                            body.failure()?;
                        }
                    }
                    Err(frame) => {
                        if let Ok(trailers) = frame.into_trailers() {
                            record.trailers.extend(trailers);
                        }
                    }
                }
            }
            body.end(fetch)?;
            fetch.end_of_body(clock.now());
            Ok(None)
        }
        Ok(_) => Ok(None),
        Err(error) => Err(ExchangeError::Failed(HopFailure::Driver(error))),
    }
}
