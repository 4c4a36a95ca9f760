//! A measured fetch: real DNS, TCP, TLS and HTTP, each event reported to a
//! [`resource_timing::Fetch`] as it happens, redirects followed hop by hop.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use resource_timing::{
    serializing_a_request_origin, ConnectionTimingInfo, CredentialsMode, Fetch, FetchClient,
    NetworkError, Next, PerformanceResourceTiming, Request, RequestMode,
};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
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
        }
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
    pub fn report_timing<E: performance_timeline::Embedder>(
        &self,
        performance: &performance_timeline::Performance<E>,
    ) -> Option<Arc<PerformanceResourceTiming>> {
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
    fetch.connection_obtained(&ConnectionTimingInfo {
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
    });
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
    if alpn == ALPN_H2 {
        record.protocol = "HTTP/2";
        return exchange_http2(fetch, record, url, stream, &headers, limit, clock).await;
    }
    headers.push(("Connection".to_owned(), "close".to_owned()));
    exchange_http1(fetch, record, url, stream, &headers, limit, clock).await
}

async fn exchange_http1(
    fetch: &mut Fetch,
    record: &mut HopRecord,
    url: &Url,
    mut stream: Box<dyn Io>,
    headers: &[(String, String)],
    limit: Duration,
    clock: &Clock,
) -> Result<Option<Url>, String> {
    fetch.request_started(clock.now());
    write_request(&mut stream, "GET", url, headers)
        .await
        .map_err(|e| e.to_string())?;
    let mut reader = ResponseReader::new(stream, clock.clone(), limit);
    loop {
        let head = reader.read_head().await.map_err(|e| e.to_string())?;
        fetch.response_started(head.first_byte);
        record.status = head.status;
        record.headers = head.headers.clone();
        match fetch.response_headers(head.status, &head.headers, head.first_byte) {
            Ok(Next::Interim) => record.interim.push(head.status),
            Ok(Next::Redirect(_)) => {
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
                        Ok(None)
                    }
                    Err(WireError::Timeout(limit)) => {
                        Err(format!("body: no data within {} ms", limit.as_millis()))
                    }
                    Err(error) => Err(format!("body: {error}")),
                };
            }
            Ok(_) => return Ok(None),
            Err(error) => return Err(error.to_string()),
        }
    }
}

async fn exchange_http2(
    fetch: &mut Fetch,
    record: &mut HopRecord,
    url: &Url,
    stream: Box<dyn Io>,
    headers: &[(String, String)],
    limit: Duration,
    clock: &Clock,
) -> Result<Option<Url>, String> {
    let (mut sender, connection) = within(
        limit,
        "HTTP/2 handshake",
        hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(stream),
        ),
    )
    .await?;
    tokio::spawn(connection);
    let mut builder = http::Request::builder().method("GET").uri(url.as_str());
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let request = builder
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("request: {e}"))?;
    fetch.request_started(clock.now());
    let mut response = within(limit, "HTTP/2 response", sender.send_request(request)).await?;
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
        Err(error) => Err(error.to_string()),
    }
}
