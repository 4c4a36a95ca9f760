//! A loopback test server with two origins, for tests, demos and `server-timing
//! serve`: kept apart from `measured-fetch` so the fetch library does not ship
//! it. It serves the MDN example, echo,
//! redirect, Early Hints, slow-body and fault routes, over HTTP/1.1 and
//! (with TLS) HTTP/2.
//!
//! Routes (every route also honours the `tao=`, `acao=` and `st=` query
//! parameters, each repeatable, one header line each; `acao=origin` echoes
//! the request's `Origin`):
//!
//! | path | answer |
//! |---|---|
//! | `/` | the MDN example: `Server-Timing: cache;desc="Cache Read";dur=23.2, db;dur=53, app;dur=47.2`, then the body after the configured delay (1 s by default) |
//! | `/echo?st=…&tao=…&status=…` | the given `Server-Timing`, `Timing-Allow-Origin` and status |
//! | `/redirect?to=URL&status=302` | a redirect to `URL` |
//! | `/early-hints` | `103 Early Hints` with a `Link`, then `200` (HTTP/1.1 only) |
//! | `/slow?ms=N` | the body in four pieces, `N` ms apart |
//! | `/reset` | headers announcing 1000 bytes, 10 of them, then the connection is dropped |
//! | `/bad-header` | a header value with a control byte (HTTP/1.1 only) |
//! | `/hang` | never answers |

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use url::Url;

mod certificates;

pub use certificates::TestCertificates;
use measured_fetch::tls::{TlsError, ALPN_H2, ALPN_HTTP1};

/// The MDN example's `Server-Timing` value.
pub const MDN_SERVER_TIMING: &str = "cache;desc=\"Cache Read\";dur=23.2, db;dur=53, app;dur=47.2";

/// How to start a [`Server`].
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The first origin's address (port 0: pick a free one).
    pub addr: SocketAddr,
    /// The second origin's address.
    pub other_addr: SocketAddr,
    /// Serve https (HTTP/2 and HTTP/1.1 by ALPN) with run-time certificates.
    pub tls: bool,
    /// The MDN route's delay before its body.
    pub mdn_delay: Duration,
    /// How long an HTTP/1.1 connection may wait idle for its next request
    /// (keep-alive) before the server closes it.
    pub keep_alive: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            other_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: false,
            mdn_delay: Duration::from_secs(1),
            keep_alive: Duration::from_secs(5),
        }
    }
}

/// Why the server could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerError {
    /// Binding a listener failed.
    Bind(SocketAddr, std::io::Error),
    /// The addresses are not loopback addresses.
    NotLoopback(SocketAddr),
    /// TLS setup failed.
    Tls(TlsError),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Bind(addr, error) => write!(f, "cannot listen on {addr}: {error}"),
            ServerError::NotLoopback(addr) => {
                write!(
                    f,
                    "{addr} is not a loopback address (the server listens on loopback only)"
                )
            }
            ServerError::Tls(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ServerError {}

/// A running server: two listeners (two origins) and their connections.
#[derive(Debug)]
pub struct Server {
    origin: Url,
    other_origin: Url,
    certificates: Option<TestCertificates>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

struct Shared {
    mdn_delay: Duration,
    keep_alive: Duration,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: watch::Receiver<bool>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("mdn_delay", &self.mdn_delay)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Server {
    /// Binds both listeners and starts serving on the current tokio runtime.
    pub async fn start(options: ServerOptions) -> Result<Server, ServerError> {
        for addr in [options.addr, options.other_addr] {
            if !addr.ip().is_loopback() {
                return Err(ServerError::NotLoopback(addr));
            }
        }
        let certificates = if options.tls {
            Some(TestCertificates::generate().map_err(ServerError::Tls)?)
        } else {
            None
        };
        let tls = match &certificates {
            Some(certificates) => Some(tokio_rustls::TlsAcceptor::from(
                certificates
                    .server_config(&[ALPN_H2, ALPN_HTTP1])
                    .map_err(ServerError::Tls)?,
            )),
            None => None,
        };
        let (shutdown, receiver) = watch::channel(false);
        let shared = Arc::new(Shared {
            mdn_delay: options.mdn_delay,
            keep_alive: options.keep_alive,
            tls,
            shutdown: receiver,
        });
        let mut origins = Vec::new();
        let mut tasks = Vec::new();
        for addr in [options.addr, options.other_addr] {
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|e| ServerError::Bind(addr, e))?;
            let local = listener
                .local_addr()
                .map_err(|e| ServerError::Bind(addr, e))?;
            let scheme = if options.tls { "https" } else { "http" };
            let host = match local.ip() {
                std::net::IpAddr::V4(ip) => ip.to_string(),
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            };
            let origin = Url::parse(&format!("{scheme}://{host}:{}/", local.port()))
                .expect("a valid loopback URL");
            origins.push(origin);
            tasks.push(tokio::spawn(accept_loop(listener, shared.clone())));
        }
        Ok(Server {
            other_origin: origins.pop().expect("two origins"),
            origin: origins.pop().expect("two origins"),
            certificates,
            shutdown,
            tasks,
        })
    }

    /// The first origin, e.g. `http://127.0.0.1:3000/`.
    pub fn origin(&self) -> &Url {
        &self.origin
    }

    /// The second origin (another port, so cross-origin to the first).
    pub fn other_origin(&self) -> &Url {
        &self.other_origin
    }

    /// The test CA's PEM when serving TLS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.certificates.as_ref().map(TestCertificates::ca_pem)
    }

    /// The test certificates when serving TLS.
    pub fn certificates(&self) -> Option<&TestCertificates> {
        self.certificates.as_ref()
    }

    /// Stops accepting, ends hanging routes, and waits for the listeners.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.clone();
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                tokio::spawn(serve_connection(stream, shared.clone()));
            }
        }
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let Some(acceptor) = shared.tls.clone() else {
        serve_http1(stream, &shared).await;
        return;
    };
    let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await
    else {
        return;
    };
    let h2 = tls.get_ref().1.alpn_protocol() == Some(ALPN_H2);
    if h2 {
        serve_http2(tls, shared).await;
    } else {
        serve_http1(tls, &shared).await;
    }
}

/// What a route answers.
#[derive(Debug, Default)]
struct Reply {
    interim: Option<(u16, Vec<(String, String)>)>,
    status: u16,
    headers: Vec<(String, String)>,
    /// Body pieces, each sent after its delay.
    body: Vec<(Duration, Vec<u8>)>,
    fault: Option<Fault>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    ResetMidBody,
    BadHeader,
    Hang,
}

/// Answers `target` (path and query) for a request with `origin` (its `Origin` header).
fn route(target: &str, origin: Option<&str>, shared: &Shared) -> Reply {
    let url = Url::parse("http://server.invalid")
        .and_then(|base| base.join(target))
        .unwrap_or_else(|_| Url::parse("http://server.invalid/").expect("static URL"));
    let params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut reply = Reply {
        status: 200,
        ..Reply::default()
    };
    for (name, value) in &params {
        let header = match name.as_str() {
            "st" => "server-timing",
            "tao" => "timing-allow-origin",
            "acao" => "access-control-allow-origin",
            _ => continue,
        };
        let value = if name == "acao" && value == "origin" {
            origin.unwrap_or("null").to_owned()
        } else {
            value.clone()
        };
        reply.headers.push((header.to_owned(), value));
    }
    let body = |text: &str| vec![(Duration::ZERO, text.as_bytes().to_vec())];
    match url.path() {
        "/" => {
            reply
                .headers
                .push(("server-timing".to_owned(), MDN_SERVER_TIMING.to_owned()));
            reply
                .headers
                .push(("content-type".to_owned(), "text/plain".to_owned()));
            reply.body = vec![(shared.mdn_delay, b"Hello from the MDN example.\n".to_vec())];
        }
        "/echo" => {
            if let Some(status) = param("status").and_then(|s| s.parse::<u16>().ok()) {
                if (200..=599).contains(&status) {
                    reply.status = status;
                }
            }
            reply
                .headers
                .push(("content-type".to_owned(), "text/plain".to_owned()));
            reply.body = body("echo\n");
        }
        "/redirect" => {
            reply.status = param("status")
                .and_then(|s| s.parse::<u16>().ok())
                .filter(|s| matches!(s, 301 | 302 | 303 | 307 | 308))
                .unwrap_or(302);
            reply.headers.push((
                "location".to_owned(),
                param("to").unwrap_or("/echo").to_owned(),
            ));
        }
        "/early-hints" => {
            reply.interim = Some((
                103,
                vec![("link".to_owned(), "</echo>; rel=preload".to_owned())],
            ));
            reply
                .headers
                .push(("server-timing".to_owned(), "hints;dur=1".to_owned()));
            reply.body = vec![(Duration::from_millis(20), b"after hints\n".to_vec())];
        }
        "/slow" => {
            let ms = param("ms")
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(100)
                .min(60_000);
            reply.body = (0..4)
                .map(|i| {
                    (
                        Duration::from_millis(ms),
                        format!("piece {i}\n").into_bytes(),
                    )
                })
                .collect();
        }
        "/reset" => reply.fault = Some(Fault::ResetMidBody),
        "/bad-header" => reply.fault = Some(Fault::BadHeader),
        "/hang" => reply.fault = Some(Fault::Hang),
        _ => {
            reply.status = 404;
            reply.body = body("not found\n");
        }
    }
    reply
}

/// A request head as the routes need it.
struct RequestHead {
    /// Path and query.
    target: String,
    /// The `Origin` header.
    origin: Option<String>,
    /// Whether the client asked to close the connection after this exchange.
    close: bool,
}

/// Reads the next request head from `stream`, starting with what `carry`
/// already holds and leaving there whatever follows the head. `None` when
/// the connection closes, stays idle for `idle`, the server shuts down, or
/// the head is malformed.
async fn read_request_head<S: AsyncRead + Unpin>(
    stream: &mut S,
    carry: &mut Vec<u8>,
    idle: Duration,
    shared: &Shared,
) -> Option<RequestHead> {
    let mut chunk = [0u8; 4096];
    let mut shutdown = shared.shutdown.clone();
    let head_end = loop {
        if let Some(end) = carry.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if carry.len() > 64 * 1024 || *shutdown.borrow() {
            return None;
        }
        let read = tokio::select! {
            _ = shutdown.changed() => return None,
            read = tokio::time::timeout(idle, stream.read(&mut chunk)) => read.ok()?.ok()?,
        };
        if read == 0 {
            return None;
        }
        carry.extend_from_slice(&chunk[..read]);
    };
    let head: Vec<u8> = carry.drain(..head_end + 4).collect();
    let text = String::from_utf8_lossy(&head[..head_end]);
    let mut lines = text.split("\r\n");
    let request_line = lines.next()?;
    let target = request_line.split(' ').nth(1)?.to_owned();
    let http10 = request_line.ends_with("HTTP/1.0");
    let mut origin = None;
    let mut connection = Vec::new();
    for (name, value) in lines.filter_map(|line| line.split_once(':')) {
        let name = name.trim();
        if name.eq_ignore_ascii_case("origin") {
            origin.get_or_insert_with(|| value.trim().to_owned());
        } else if name.eq_ignore_ascii_case("connection") {
            connection.extend(value.split(',').map(|t| t.trim().to_ascii_lowercase()));
        }
    }
    let has = |token: &str| connection.iter().any(|t| t == token);
    Some(RequestHead {
        target,
        origin,
        close: has("close") || (http10 && !has("keep-alive")),
    })
}

fn head_text(status: u16, headers: &[(String, String)]) -> String {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Status");
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head
}

/// Serves HTTP/1.1 requests on one connection, one after another, for as
/// long as the client keeps it open (persistent connections, RFC 9112 §9.3).
async fn serve_http1<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, shared: &Shared) {
    let mut carry = Vec::new();
    // The first request may take up to 10 s to arrive; later ones, the keep-alive time.
    let mut idle = Duration::from_secs(10);
    while let Some(request) = read_request_head(&mut stream, &mut carry, idle, shared).await {
        let reply = route(&request.target, request.origin.as_deref(), shared);
        let keep_open = reply.fault.is_none() && !request.close;
        if write_reply(&mut stream, reply, keep_open, shared)
            .await
            .is_err()
            || !keep_open
        {
            break;
        }
        idle = shared.keep_alive;
    }
    let _ = stream.shutdown().await;
}

/// Writes `reply`; with `keep_open` false the head says `Connection: close`.
async fn write_reply<S: AsyncWrite + Unpin>(
    stream: &mut S,
    reply: Reply,
    keep_open: bool,
    shared: &Shared,
) -> std::io::Result<()> {
    match reply.fault {
        Some(Fault::Hang) => {
            let mut shutdown = shared.shutdown.clone();
            let _ = shutdown.wait_for(|stop| *stop).await;
            return Ok(());
        }
        Some(Fault::BadHeader) => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\nok")
                .await?;
            return stream.flush().await;
        }
        Some(Fault::ResetMidBody) => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nServer-Timing: partial;dur=1\r\n\r\n0123456789")
                .await?;
            stream.flush().await?;
            // Dropping the stream without sending the rest ends the exchange early.
            return Err(std::io::Error::other("reset mid-body"));
        }
        None => {}
    }
    if let Some((status, headers)) = &reply.interim {
        let mut head = head_text(*status, headers);
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await?;
        stream.flush().await?;
    }
    let length: usize = reply.body.iter().map(|(_, piece)| piece.len()).sum();
    let mut headers = reply.headers;
    headers.push(("content-length".to_owned(), length.to_string()));
    if !keep_open {
        headers.push(("connection".to_owned(), "close".to_owned()));
    }
    let mut head = head_text(reply.status, &headers);
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.flush().await?;
    for (delay, piece) in reply.body {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        stream.write_all(&piece).await?;
        stream.flush().await?;
    }
    Ok(())
}

async fn serve_http2<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    stream: S,
    shared: Arc<Shared>,
) {
    let service =
        hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
            let shared = shared.clone();
            async move {
                let target = request
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_else(|| "/".to_owned());
                let origin = request
                    .headers()
                    .get("origin")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let reply = route(&target, origin.as_deref(), &shared);
                Ok::<_, Infallible>(http2_response(reply, &shared).await)
            }
        });
    let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
        .await;
}

/// The reply over HTTP/2: the body is sent whole after its delays (no
/// interim responses, and faults other than hanging become a 500).
async fn http2_response(reply: Reply, shared: &Shared) -> http::Response<Full<Bytes>> {
    if reply.fault == Some(Fault::Hang) {
        let mut shutdown = shared.shutdown.clone();
        let _ = shutdown.wait_for(|stop| *stop).await;
    }
    let mut builder = http::Response::builder().status(if reply.fault.is_some() {
        500
    } else {
        reply.status
    });
    for (name, value) in &reply.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let mut body = Vec::new();
    for (delay, piece) in reply.body {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        body.extend_from_slice(&piece);
    }
    builder
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| http::Response::new(Full::new(Bytes::new())))
}
