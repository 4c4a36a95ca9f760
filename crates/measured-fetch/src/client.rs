//! A measured fetch: real DNS, TCP, TLS and HTTP, each event reported to a
//! [`resource_timing::Fetch`] as it happens, redirects followed hop by hop.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use resource_timing::{
    serializing_a_request_origin, ConnectionTimingInfo, CredentialsMode, Fetch, FetchClient,
    NetworkError, Next, PerformanceResourceTiming, Request, RequestMode,
};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use url::Url;

use crate::clock::Clock;
use crate::tls::{client_config, TlsError, ALPN_H2, ALPN_HTTP1};
use crate::wire::{write_request, ResponseReader, WireError};

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
    /// Certificates trusted for https (no system roots: loopback tests bring their CA).
    pub roots: Vec<CertificateDer<'static>>,
    /// ALPN protocols offered over TLS, in order of preference.
    pub alpn: Vec<Vec<u8>>,
    /// The longest wait for any one step (DNS, connect, TLS, each read).
    pub timeout: Duration,
    /// Where idle connections wait for the next fetch to the same origin.
    /// `None` (the default): every hop opens its own connection and asks the
    /// server to close it.
    pub pool: Option<ConnectionPool>,
}

impl FetchOptions {
    /// A `fetch()` from `client` in CORS mode, offering h2 and http/1.1, with a 10 s timeout.
    pub fn new(client: FetchClient) -> Self {
        FetchOptions {
            client,
            mode: RequestMode::Cors,
            credentials: CredentialsMode::SameOrigin,
            initiator_type: Cow::Borrowed("fetch"),
            roots: Vec::new(),
            alpn: vec![ALPN_H2.to_vec(), ALPN_HTTP1.to_vec()],
            timeout: Duration::from_secs(10),
            pool: None,
        }
    }

    /// The same options, reusing connections from `pool`.
    pub fn with_pool(mut self, pool: ConnectionPool) -> Self {
        self.pool = Some(pool);
        self
    }
}

/// Idle connections kept for the next fetch to the same origin (scheme,
/// host and port), as a browser's connection pool keeps them: HTTP/1.1
/// connections whose last response was read whole and that the server keeps
/// open, and HTTP/2 connections. Clones share the same connections.
///
/// A fetch on a reused connection reports the connection's original timing
/// info, which started before the fetch did, so *clamp and coarsen
/// connection timing info* gives `domainLookupStart` through `connectEnd`
/// the value of `fetchStart`, as Fetch says for a reused connection.
#[derive(Clone, Default)]
pub struct ConnectionPool {
    idle: Arc<Mutex<HashMap<PoolKey, Vec<Pooled>>>>,
}

/// Scheme, host, port.
type PoolKey = (String, String, u16);

struct Pooled {
    connection: PooledConnection,
    /// The connection's timing info from when it was made.
    timing: ConnectionTimingInfo,
    /// The ALPN protocol, as a hop records it.
    alpn: Option<String>,
}

enum PooledConnection {
    Http1(Box<dyn Io>),
    Http2(hyper::client::conn::http2::SendRequest<Empty<Bytes>>),
}

impl fmt::Debug for ConnectionPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionPool")
            .field("idle_connections", &self.idle_connections())
            .finish()
    }
}

impl ConnectionPool {
    /// An empty pool.
    pub fn new() -> Self {
        ConnectionPool::default()
    }

    /// How many connections wait in the pool.
    pub fn idle_connections(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PoolKey, Vec<Pooled>>> {
        self.idle
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn put(&self, key: PoolKey, pooled: Pooled) {
        self.lock().entry(key).or_default().push(pooled);
    }

    /// The most recently used connection to `key` that is still open, taken
    /// out of the pool.
    async fn take_open(&self, key: &PoolKey) -> Option<Pooled> {
        loop {
            let mut pooled = self.lock().get_mut(key)?.pop()?;
            let open = match &mut pooled.connection {
                PooledConnection::Http1(stream) => still_open(stream),
                PooledConnection::Http2(sender) => !sender.is_closed(),
            };
            if open {
                return Some(pooled);
            }
        }
    }
}

/// Whether an idle HTTP/1.1 connection is still open: it has nothing to
/// read, so a read that cannot complete at once means it is; end of stream,
/// an error, or unexpected bytes mean it cannot carry another request. The
/// read is polled once, without waiting for a timer tick.
fn still_open(stream: &mut Box<dyn Io>) -> bool {
    let mut byte = [0u8; 1];
    let mut buffer = ReadBuf::new(&mut byte);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    std::pin::Pin::new(&mut **stream)
        .poll_read(&mut context, &mut buffer)
        .is_pending()
}

/// Gives a connection back to its pool once an exchange left it reusable.
struct GiveBack<'a> {
    pool: &'a ConnectionPool,
    key: PoolKey,
    timing: ConnectionTimingInfo,
    alpn: Option<String>,
}

impl GiveBack<'_> {
    fn give_back(self, connection: PooledConnection) {
        self.pool.put(
            self.key,
            Pooled {
                connection,
                timing: self.timing,
                alpn: self.alpn,
            },
        );
    }
}

/// What an exchange needs besides the driver, its record and the connection.
struct Exchange<'a> {
    url: &'a Url,
    headers: &'a [(String, String)],
    limit: Duration,
    clock: &'a Clock,
    /// With a pool: a connection the exchange leaves reusable goes back.
    give_back: Option<GiveBack<'a>>,
    /// Whether the connection came from the pool.
    reused: bool,
}

/// Why an exchange on a connection failed.
enum ExchangeError {
    /// A reused connection turned out to be closed before any response byte
    /// arrived: the request can go again on another connection.
    Stale,
    /// Anything else: the fetch ends in a network error.
    Failed(String),
}

impl From<String> for ExchangeError {
    fn from(error: String) -> Self {
        ExchangeError::Failed(error)
    }
}

/// A request the client cannot even start.
#[derive(Debug, Clone, PartialEq, Eq)]
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

impl std::error::Error for FetchError {}

/// One hop as it happened on the wire.
#[derive(Debug, Clone)]
pub struct HopRecord {
    /// The URL requested.
    pub url: Url,
    /// The final status of this hop (0 if none arrived).
    pub status: u16,
    /// Interim statuses received before it.
    pub interim: Vec<u16>,
    /// `HTTP/1.1` or `HTTP/2`.
    pub protocol: &'static str,
    /// The ALPN protocol negotiated, if TLS.
    pub alpn: Option<String>,
    /// The response headers.
    pub headers: http::HeaderMap,
    /// Whether the hop went over a connection from the pool.
    pub reused: bool,
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
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

async fn within<T, E: fmt::Display>(
    limit: Duration,
    what: &str,
    future: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(limit, future).await {
        Err(_) => Err(format!("{what}: no answer within {} ms", limit.as_millis())),
        Ok(Err(error)) => Err(format!("{what}: {error}")),
        Ok(Ok(value)) => Ok(value),
    }
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
    let mut hops = Vec::new();
    let mut current = Some(url);
    while let Some(url) = current.take() {
        if fetch.is_finished() {
            break;
        }
        let mut record = HopRecord {
            url: url.clone(),
            status: 0,
            interim: Vec::new(),
            protocol: "HTTP/1.1",
            alpn: None,
            headers: http::HeaderMap::new(),
            reused: false,
        };
        let outcome = hop(&mut fetch, &mut record, &url, options, &tls, clock).await;
        hops.push(record);
        match outcome {
            Ok(next) => current = next,
            Err(error) => fetch.network_error(NetworkError::Transport(error), clock.now()),
        }
    }
    if !fetch.is_finished() {
        fetch.network_error(
            NetworkError::Transport("no final response".to_owned()),
            clock.now(),
        );
    }
    Ok(MeasuredFetch { fetch, hops })
}

/// One hop: connect, send, read. Returns the next URL after a redirect.
async fn hop(
    fetch: &mut Fetch,
    record: &mut HopRecord,
    url: &Url,
    options: &FetchOptions,
    tls: &Arc<rustls::ClientConfig>,
    clock: &Clock,
) -> Result<Option<Url>, String> {
    let limit = options.timeout;
    let host = url.host_str().ok_or("URL without a host")?.to_owned();
    let port = url.port_or_known_default().ok_or("URL without a port")?;
    let bare_host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let mut headers = vec![
        ("Accept".to_owned(), "*/*".to_owned()),
        ("User-Agent".to_owned(), "server-timing-cli".to_owned()),
    ];
    if fetch.request().mode == RequestMode::Cors {
        headers.push((
            "Origin".to_owned(),
            serializing_a_request_origin(fetch.request()),
        ));
    }
    let key: PoolKey = (url.scheme().to_owned(), bare_host.clone(), port);
    // Reuse an idle connection to the same origin if there is one.
    if let Some(pool) = &options.pool {
        while let Some(pooled) = pool.take_open(&key).await {
            fetch.connection_obtained(&pooled.timing);
            record.reused = true;
            record.alpn = pooled.alpn.clone();
            let give_back = GiveBack {
                pool,
                key: key.clone(),
                timing: pooled.timing,
                alpn: pooled.alpn,
            };
            let on = Exchange {
                url,
                headers: &headers,
                limit,
                clock,
                give_back: Some(give_back),
                reused: true,
            };
            let outcome = exchange(fetch, record, pooled.connection, on).await;
            match outcome {
                Ok(next) => return Ok(next),
                Err(ExchangeError::Failed(error)) => return Err(error),
                // Closed while idle: try the next connection, or a new one.
                Err(ExchangeError::Stale) => record.reused = false,
            }
        }
    }
    // Obtain a connection: DNS, TCP, TLS.
    let domain_lookup_start_time = clock.now();
    let addresses: Vec<std::net::SocketAddr> = within(
        limit,
        "DNS lookup",
        tokio::net::lookup_host((bare_host.as_str(), port)),
    )
    .await?
    .collect();
    let domain_lookup_end_time = clock.now();
    let address = addresses.first().ok_or("DNS lookup: no address")?;
    let connection_start_time = clock.now();
    let tcp = within(limit, "connect", TcpStream::connect(address)).await?;
    let _ = tcp.set_nodelay(true);
    let mut secure_connection_start_time = 0.0;
    let mut alpn = Vec::new();
    let stream: Box<dyn Io> = if url.scheme() == "https" {
        secure_connection_start_time = clock.now();
        let name =
            ServerName::try_from(bare_host.clone()).map_err(|e| format!("TLS server name: {e}"))?;
        let connector = tokio_rustls::TlsConnector::from(tls.clone());
        let stream = within(limit, "TLS handshake", connector.connect(name, tcp)).await?;
        alpn = stream
            .get_ref()
            .1
            .alpn_protocol()
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        record.alpn = Some(String::from_utf8_lossy(&alpn).into_owned());
        Box::new(stream)
    } else {
        Box::new(tcp)
    };
    let connection_end_time = clock.now();
    let timing = ConnectionTimingInfo {
        domain_lookup_start_time,
        domain_lookup_end_time,
        connection_start_time,
        connection_end_time,
        secure_connection_start_time,
        alpn_negotiated_protocol: if alpn.is_empty() {
            ALPN_HTTP1.to_vec()
        } else {
            alpn.clone()
        },
    };
    fetch.connection_obtained(&timing);
    let give_back = options.pool.as_ref().map(|pool| GiveBack {
        pool,
        key,
        timing,
        alpn: record.alpn.clone(),
    });
    let connection = if alpn == ALPN_H2 {
        // Before the handshake, so that a hop whose handshake fails says so.
        record.protocol = "HTTP/2";
        let (sender, connection) = within(
            limit,
            "HTTP/2 handshake",
            hyper::client::conn::http2::handshake(
                hyper_util::rt::TokioExecutor::new(),
                hyper_util::rt::TokioIo::new(stream),
            ),
        )
        .await?;
        tokio::spawn(connection);
        PooledConnection::Http2(sender)
    } else {
        if give_back.is_none() {
            headers.push(("Connection".to_owned(), "close".to_owned()));
        }
        PooledConnection::Http1(stream)
    };
    let on = Exchange {
        url,
        headers: &headers,
        limit,
        clock,
        give_back,
        reused: false,
    };
    let outcome = exchange(fetch, record, connection, on).await;
    outcome.map_err(|error| match error {
        ExchangeError::Failed(error) => error,
        ExchangeError::Stale => "connection closed before a response".to_owned(),
    })
}

/// One request on `connection`, by its protocol.
async fn exchange(
    fetch: &mut Fetch,
    record: &mut HopRecord,
    connection: PooledConnection,
    exchange: Exchange<'_>,
) -> Result<Option<Url>, ExchangeError> {
    match connection {
        PooledConnection::Http1(stream) => {
            record.protocol = "HTTP/1.1";
            exchange_http1(fetch, record, stream, exchange).await
        }
        PooledConnection::Http2(sender) => {
            record.protocol = "HTTP/2";
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
        clock,
        give_back,
        reused,
    } = exchange;
    fetch.request_started(clock.now());
    if let Err(error) = write_request(&mut stream, "GET", url, headers).await {
        return Err(if reused {
            ExchangeError::Stale
        } else {
            ExchangeError::Failed(error.to_string())
        });
    }
    let mut reader = ResponseReader::new(stream, clock.clone(), limit);
    let mut first = true;
    loop {
        let head = match reader.read_head().await {
            Ok(head) => head,
            Err(WireError::Closed(_)) if reused && first => return Err(ExchangeError::Stale),
            Err(error) => return Err(ExchangeError::Failed(error.to_string())),
        };
        first = false;
        fetch.response_started(head.first_byte);
        record.status = head.status;
        record.headers = head.headers.clone();
        match fetch.response_headers(head.status, &head.headers, head.first_byte) {
            Ok(Next::Interim) => record.interim.push(head.status),
            Ok(Next::Redirect(_)) => {
                // With a pool, read the redirect's body so the connection
                // can carry another request.
                if let Some(give_back) = give_back {
                    if reader.read_body(&head, false, |_, _| {}).await.is_ok()
                        && reader.can_reuse(&head, false)
                    {
                        give_back.give_back(PooledConnection::Http1(reader.into_stream()));
                    }
                }
                let next = fetch
                    .follow_redirect(clock.now())
                    .map_err(|e| e.to_string())?;
                return Ok(Some(next));
            }
            Ok(Next::Final) => {
                let result = reader
                    .read_body(&head, false, |encoded, decoded| {
                        fetch.body_received(encoded, decoded)
                    })
                    .await;
                return match result {
                    Ok(()) => {
                        fetch.end_of_body(clock.now());
                        if let Some(give_back) = give_back {
                            if reader.can_reuse(&head, false) {
                                give_back.give_back(PooledConnection::Http1(reader.into_stream()));
                            }
                        }
                        Ok(None)
                    }
                    Err(WireError::Timeout(limit)) => Err(ExchangeError::Failed(format!(
                        "body: no data within {} ms",
                        limit.as_millis()
                    ))),
                    Err(error) => Err(ExchangeError::Failed(format!("body: {error}"))),
                };
            }
            Err(error) => return Err(ExchangeError::Failed(error.to_string())),
        }
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
        clock,
        give_back,
        reused,
    } = exchange;
    let mut builder = http::Request::builder().method("GET").uri(url.as_str());
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let request = builder
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("request: {e}"))?;
    fetch.request_started(clock.now());
    let response = within(limit, "HTTP/2 response", sender.send_request(request)).await;
    let mut response = match response {
        Ok(response) => response,
        Err(_) if reused => return Err(ExchangeError::Stale),
        Err(error) => return Err(ExchangeError::Failed(error)),
    };
    // The connection can carry other requests now (HTTP/2 multiplexes).
    if let Some(give_back) = give_back {
        give_back.give_back(PooledConnection::Http2(sender));
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
                .map_err(|e| e.to_string())?;
            Ok(Some(next))
        }
        Ok(Next::Final) => {
            loop {
                let frame = within(limit, "HTTP/2 body", async {
                    match response.body_mut().frame().await {
                        None => Ok(None),
                        Some(Ok(frame)) => Ok(Some(frame)),
                        Some(Err(error)) => Err(error),
                    }
                })
                .await?;
                let Some(frame) = frame else { break };
                if let Some(data) = frame.data_ref() {
                    fetch.body_received(data.len() as u64, data.len() as u64);
                }
            }
            fetch.end_of_body(clock.now());
            Ok(None)
        }
        Ok(_) => Ok(None),
        Err(error) => Err(ExchangeError::Failed(error.to_string())),
    }
}
