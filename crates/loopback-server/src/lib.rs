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
//! | `/encoded?coding=C&bytes=N` | `N` bytes of text (default 4096, at most 16 MiB; [`coding::plain_body`]) coded with `C`: `gzip`, `x-gzip`, `deflate` (zlib), `deflate-raw` (raw deflate, labelled `deflate`), `br`, `zstd`, or any other token, sent in `Content-Encoding` over an uncoded body. `coding=` repeats, applied in order (`coding=gzip&coding=br` is `Content-Encoding: gzip, br`); none sends the text uncoded. `corrupt=1` breaks the coded bytes ([`coding::corrupt`]); `truncate=N` drops the last `N` bytes. The decoded size is in `X-Decoded-Length` |
//! | `/header-delay?delay=MS&with100=true&with103=true` | WPT's `header-delay.py`: waits `MS` (at most 10 s), sends `100 Continue` if `with100`, waits again and sends `103 Early Hints` with a `Link` if `with103`, waits again, then `200` with `Access-Control-Allow-Origin: *` and `Hello World`. Over HTTP/2 only the waits happen: hyper's server sends no 1xx |
//! | `/content-length?content=TEXT&length=N` | WPT's `resource-timing-content-length.py`: the body `TEXT` with `Content-Length: N` (`length=auto` or absent: the body's length; `length=none`: no `Content-Length`, the body ends with the connection). A length other than the body's closes the connection after the body (HTTP/1.1 only; over HTTP/2 the body is sent with its own length) |
//! | `/request-headers` | the request's header fields echoed, each as a response header `x-request-NAME` and as a body line `name: value` (HTTP/2 pseudo-headers excepted) |
//! | `/reset` | headers announcing 1000 bytes, 10 of them, then the connection is dropped |
//! | `/bad-header` | a header value with a control byte (HTTP/1.1 only) |
//! | `/trailers?trailer=…` | `ok`, then a `Server-Timing` trailer field (`total;dur=12.5` unless `trailer=` gives another value): chunked over HTTP/1.1 (`Trailer: Server-Timing` announced), a trailers frame over HTTP/2 |
//! | `/hang` | never answers |
//!
//! Query values and the echoed `Origin` must be valid header values (no
//! CR, LF or other control byte), else the answer is `400`. Requests are
//! framed by RFC 9112 (a body is read by its length or chunks, and one that
//! cannot be framed is refused with `400` and the connection closed), the
//! number of open connections is capped, request heads must arrive within a
//! time limit, and accept errors (out of file descriptors) back off: see
//! `docs/limits.md`.

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use url::Url;

mod certificates;
pub mod coding;

pub use certificates::TestCertificates;
use measured_fetch::tls::{TlsError, ALPN_H2, ALPN_HTTP1};
use measured_fetch::wire::{
    request_body_framing, write_field_section, BodyFraming, Reader, WireError,
};
use measured_fetch::Clock;

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
    /// The longest a request head (or a TLS handshake) may take to arrive
    /// whole, from when the server starts waiting for it.
    pub head_timeout: Duration,
    /// The most connections open at once on each origin; more wait in the
    /// listen backlog until one closes.
    pub max_connections: usize,
    /// The longest request body read (and discarded); a longer one is
    /// answered `413` and the connection closed.
    pub max_request_body: u64,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            other_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: false,
            mdn_delay: Duration::from_secs(1),
            keep_alive: Duration::from_secs(5),
            head_timeout: Duration::from_secs(10),
            max_connections: 256,
            max_request_body: 1024 * 1024,
        }
    }
}

impl ServerOptions {
    /// Options with the first origin on `addr` and the second on the next
    /// port (both picked freely with port 0). Refuses a port that leaves no
    /// room for the second origin (65535).
    pub fn at(addr: SocketAddr) -> Result<ServerOptions, ServerError> {
        let other_port = match addr.port() {
            0 => 0,
            port => port
                .checked_add(1)
                .ok_or(ServerError::NoRoomForSecondOrigin(addr))?,
        };
        Ok(ServerOptions {
            addr,
            other_addr: SocketAddr::new(addr.ip(), other_port),
            ..ServerOptions::default()
        })
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
    /// A fixed first port with no fixed port after it for the second origin.
    NoRoomForSecondOrigin(SocketAddr),
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
            ServerError::NoRoomForSecondOrigin(addr) => write!(
                f,
                "port {} leaves no room for the second origin, which listens on the next port: pick a port below 65535",
                addr.port()
            ),
            ServerError::Tls(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServerError::Bind(_, error) => Some(error),
            ServerError::Tls(error) => Some(error),
            _ => None,
        }
    }
}

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
    head_timeout: Duration,
    max_request_body: u64,
    max_connections: usize,
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
        if options.addr.port() != 0 && options.other_addr.port() == 0 {
            return Err(ServerError::NoRoomForSecondOrigin(options.addr));
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
            head_timeout: options.head_timeout,
            max_request_body: options.max_request_body,
            max_connections: options.max_connections.max(1),
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
            let shared = shared.clone();
            tasks.push(tokio::spawn(accept_loop(
                listener,
                shared.clone(),
                move |stream| serve_connection(stream, shared.clone()),
            )));
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

/// Something connections are accepted from (a [`TcpListener`]; a stand-in in tests).
trait Accept {
    /// The connection type.
    type Stream: Send + 'static;
    /// The next connection.
    fn accept(&self) -> impl std::future::Future<Output = std::io::Result<Self::Stream>> + Send;
}

impl Accept for TcpListener {
    type Stream = TcpStream;
    async fn accept(&self) -> std::io::Result<TcpStream> {
        TcpListener::accept(self).await.map(|(stream, _)| stream)
    }
}

/// The first wait after a failed accept; it doubles up to [`ACCEPT_BACKOFF_MAX`].
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
/// The longest wait after failed accepts.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Accepts connections while fewer than the cap are open, and backs off
/// after an accept error (out of file descriptors, say) instead of retrying
/// at once.
async fn accept_loop<L, F, Fut>(listener: L, shared: Arc<Shared>, serve: F)
where
    L: Accept + Send + Sync,
    F: Fn(L::Stream) -> Fut + Send,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut shutdown = shared.shutdown.clone();
    let mut backoff = ACCEPT_BACKOFF_MIN;
    // The cap counts this listener's connections.
    let connections = Arc::new(Semaphore::new(shared.max_connections));
    loop {
        let permit = tokio::select! {
            _ = shutdown.changed() => return,
            permit = connections.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
        };
        tokio::select! {
            _ = shutdown.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok(stream) => {
                    backoff = ACCEPT_BACKOFF_MIN;
                    let serving = serve(stream);
                    tokio::spawn(async move {
                        serving.await;
                        drop(permit);
                    });
                }
                Err(_) => {
                    drop(permit);
                    tokio::select! {
                        _ = shutdown.changed() => return,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                }
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
    let Ok(Ok(tls)) = tokio::time::timeout(shared.head_timeout, acceptor.accept(stream)).await
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

/// Header lines of a response head.
type HeaderLines = Vec<(HeaderName, HeaderValue)>;

/// What a route answers.
#[derive(Debug, Default)]
struct Reply {
    interim: Option<(u16, Vec<(HeaderName, HeaderValue)>)>,
    /// Interim responses sent one after another, each after its delay
    /// (`/header-delay`), before `head_delay` and the final head.
    delayed_interims: Vec<(Duration, u16, HeaderLines)>,
    /// The wait before the final response head.
    head_delay: Duration,
    /// The `Content-Length` to send instead of the body's length, or
    /// `Some(None)` to send none (`/content-length`).
    content_length: Option<Option<u64>>,
    status: u16,
    headers: Vec<(HeaderName, HeaderValue)>,
    /// Body pieces, each sent after its delay.
    body: Vec<(Duration, Vec<u8>)>,
    fault: Option<Fault>,
    /// Close the connection after this reply whatever the request asked.
    close: bool,
    /// Trailer fields after the body (the body is then chunked over HTTP/1.1).
    trailers: Vec<(HeaderName, HeaderValue)>,
}

impl Reply {
    /// A `4xx` with a one-line text body, closing the connection.
    fn refuse(status: u16, why: &str) -> Reply {
        Reply {
            status,
            headers: vec![(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain"),
            )],
            body: vec![(Duration::ZERO, format!("{why}\n").into_bytes())],
            close: true,
            ..Reply::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    ResetMidBody,
    BadHeader,
    Hang,
}

/// Answers `target` (path and query) for a request with `request_headers`.
fn route(target: &str, request_headers: &http::HeaderMap, shared: &Shared) -> Reply {
    let origin = request_headers.get(http::header::ORIGIN);
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
    // Percent-decoded query values go into the head only as valid header
    // values: a CR or LF would split the response.
    let header_value = |value: &str| HeaderValue::from_bytes(value.as_bytes());
    let mut reply = Reply {
        status: 200,
        ..Reply::default()
    };
    for (name, value) in &params {
        let header = match name.as_str() {
            "st" => http::HeaderName::from_static("server-timing"),
            "tao" => http::HeaderName::from_static("timing-allow-origin"),
            "acao" => http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
            _ => continue,
        };
        let value = if name == "acao" && value == "origin" {
            origin
                .cloned()
                .unwrap_or_else(|| HeaderValue::from_static("null"))
        } else {
            match header_value(value) {
                Ok(value) => value,
                Err(_) => {
                    return Reply::refuse(400, &format!("the {name} value is not a header value"))
                }
            }
        };
        reply.headers.push((header, value));
    }
    let text_plain = || {
        (
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain"),
        )
    };
    let body = |text: &str| vec![(Duration::ZERO, text.as_bytes().to_vec())];
    match url.path() {
        "/" => {
            reply.headers.push((
                HeaderName::from_static("server-timing"),
                HeaderValue::from_static(MDN_SERVER_TIMING),
            ));
            reply.headers.push(text_plain());
            reply.body = vec![(shared.mdn_delay, b"Hello from the MDN example.\n".to_vec())];
        }
        "/echo" => {
            if let Some(status) = param("status").and_then(|s| s.parse::<u16>().ok()) {
                if (200..=599).contains(&status) {
                    reply.status = status;
                }
            }
            reply.headers.push(text_plain());
            reply.body = body("echo\n");
        }
        "/redirect" => {
            reply.status = param("status")
                .and_then(|s| s.parse::<u16>().ok())
                .filter(|s| matches!(s, 301 | 302 | 303 | 307 | 308))
                .unwrap_or(302);
            let Ok(location) = header_value(param("to").unwrap_or("/echo")) else {
                return Reply::refuse(400, "the to value is not a header value");
            };
            reply.headers.push((http::header::LOCATION, location));
        }
        "/early-hints" => {
            reply.interim = Some((
                103,
                vec![(
                    http::header::LINK,
                    HeaderValue::from_static("</echo>; rel=preload"),
                )],
            ));
            reply.headers.push((
                HeaderName::from_static("server-timing"),
                HeaderValue::from_static("hints;dur=1"),
            ));
            reply.body = vec![(Duration::from_millis(20), b"after hints\n".to_vec())];
        }
        "/trailers" => {
            let Ok(value) = header_value(param("trailer").unwrap_or("total;dur=12.5")) else {
                return Reply::refuse(400, "the trailer value is not a header value");
            };
            reply.headers.push(text_plain());
            reply.headers.push((
                http::header::TRAILER,
                HeaderValue::from_static("Server-Timing"),
            ));
            reply.body = body("ok\n");
            reply
                .trailers
                .push((HeaderName::from_static("server-timing"), value));
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
        "/encoded" => {
            let length = param("bytes")
                .and_then(|s| s.parse::<usize>().ok())
                .unwrap_or(coding::DEFAULT_ENCODED_ROUTE_BYTES)
                .min(coding::MAX_ENCODED_ROUTE_BYTES);
            let plain = coding::plain_body(length);
            let mut body = plain.clone();
            let mut names = Vec::new();
            for (name, value) in &params {
                if name == "coding" {
                    if let Some(coded) = coding::encode(value, &body) {
                        body = coded;
                    }
                    names.push(coding::header_name(value));
                }
            }
            if param("corrupt") == Some("1") {
                coding::corrupt(&mut body);
            }
            if let Some(cut) = param("truncate").and_then(|s| s.parse::<usize>().ok()) {
                body.truncate(body.len().saturating_sub(cut));
            }
            if !names.is_empty() {
                let Ok(value) = header_value(&names.join(", ")) else {
                    return Reply::refuse(400, "the coding value is not a header value");
                };
                reply.headers.push((http::header::CONTENT_ENCODING, value));
            }
            reply.headers.push(text_plain());
            reply.headers.push((
                HeaderName::from_static("x-decoded-length"),
                HeaderValue::from(plain.len()),
            ));
            reply.body = vec![(Duration::ZERO, body)];
        }
        "/header-delay" => {
            let delay = Duration::from_millis(
                param("delay")
                    .and_then(|s| s.parse::<u64>().ok())
                    .unwrap_or(0)
                    .min(10_000),
            );
            if param("with100").is_some() {
                reply.delayed_interims.push((delay, 100, Vec::new()));
            }
            if param("with103").is_some() {
                reply.delayed_interims.push((
                    delay,
                    103,
                    vec![(
                        http::header::LINK,
                        HeaderValue::from_static("<resources/empty.js>;rel=preload;as=script"),
                    )],
                ));
            }
            reply.head_delay = delay;
            reply.headers.push(text_plain());
            reply.headers.push((
                http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ));
            reply.body = body("Hello World");
        }
        "/content-length" => {
            let content = param("content").unwrap_or("").as_bytes().to_vec();
            let declared = match param("length") {
                None | Some("auto") => Some(content.len() as u64),
                Some("none") => None,
                Some(n) => match n.parse::<u64>() {
                    Ok(n) => Some(n),
                    Err(_) => return Reply::refuse(400, "length is auto, none or a number"),
                },
            };
            reply.close = declared != Some(content.len() as u64);
            reply.content_length = Some(declared);
            reply.headers.push(text_plain());
            reply.body = vec![(Duration::ZERO, content)];
        }
        "/request-headers" => {
            let mut text = Vec::new();
            for (name, value) in request_headers {
                if let Ok(echo) = HeaderName::from_bytes(format!("x-request-{name}").as_bytes()) {
                    reply.headers.push((echo, value.clone()));
                }
                text.extend_from_slice(name.as_str().as_bytes());
                text.extend_from_slice(b": ");
                text.extend_from_slice(value.as_bytes());
                text.push(b'\n');
            }
            reply.headers.push(text_plain());
            reply.body = vec![(Duration::ZERO, text)];
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

fn head_bytes(status: u16, headers: &[(HeaderName, HeaderValue)]) -> Vec<u8> {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Status");
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n").into_bytes();
    write_field_section(&mut head, headers.iter().map(|(n, v)| (n, v)));
    head
}

/// What the next request on a connection brought.
enum Incoming {
    /// A request, its body read: answer `target`.
    Request {
        target: String,
        headers: http::HeaderMap,
        persistent: bool,
    },
    /// A request to refuse (then close).
    Refuse(u16, &'static str),
    /// Nothing more: the connection closed, idled out, or the server stops.
    Done,
}

/// Reads the next request: its head (which must arrive whole within the
/// head timeout), then its body, framed by RFC 9112 §6.3 and discarded, so
/// that no byte of it is taken for the next request.
async fn read_request<S: AsyncRead + Unpin>(
    reader: &mut Reader<S>,
    idle: Duration,
    shared: &Shared,
) -> Incoming {
    let mut shutdown = shared.shutdown.clone();
    if *shutdown.borrow() {
        return Incoming::Done;
    }
    reader.set_timeout(idle.min(shared.head_timeout));
    reader.set_deadline(Some(tokio::time::Instant::now() + shared.head_timeout));
    let head = tokio::select! {
        _ = shutdown.changed() => return Incoming::Done,
        head = reader.read_request_head() => head,
    };
    let head = match head {
        Ok(Some(head)) => head,
        Ok(None) | Err(WireError::Timeout(_) | WireError::Closed(_) | WireError::Io(_)) => {
            return Incoming::Done
        }
        Err(WireError::TooLarge { .. }) => return Incoming::Refuse(431, "request head too large"),
        Err(_) => return Incoming::Refuse(400, "malformed request head"),
    };
    let framing = match request_body_framing(&head) {
        Ok(framing) => framing,
        Err(_) => return Incoming::Refuse(400, "request body cannot be framed"),
    };
    if matches!(framing.body, BodyFraming::Length(n) if n > shared.max_request_body) {
        return Incoming::Refuse(413, "request body too large");
    }
    reader.limits_mut().body_bytes = Some(shared.max_request_body);
    reader.set_timeout(shared.head_timeout);
    reader.set_deadline(None);
    match reader.read_body(framing.body, |_| {}).await {
        Ok(_) => {}
        Err(WireError::TooLarge { .. }) => return Incoming::Refuse(413, "request body too large"),
        Err(WireError::ChunkSize | WireError::Head(_)) => {
            return Incoming::Refuse(400, "malformed chunked request body")
        }
        Err(_) => return Incoming::Done,
    }
    Incoming::Request {
        headers: head.headers,
        target: head.target,
        persistent: head.persistent,
    }
}

/// Serves HTTP/1.1 requests on one connection, one after another, for as
/// long as the client keeps it open (persistent connections, RFC 9112 §9.3).
async fn serve_http1<S: AsyncRead + AsyncWrite + Unpin>(stream: S, shared: &Shared) {
    let mut reader = Reader::new(stream, Clock::new(), shared.head_timeout);
    // The first request may take up to the head timeout to arrive; later
    // ones, the keep-alive time.
    let mut idle = shared.head_timeout;
    loop {
        let (reply, keep_open) = match read_request(&mut reader, idle, shared).await {
            Incoming::Done => break,
            Incoming::Refuse(status, why) => (Reply::refuse(status, why), false),
            Incoming::Request {
                target,
                headers,
                persistent,
            } => {
                let reply = route(&target, &headers, shared);
                let keep_open = reply.fault.is_none() && !reply.close && persistent;
                (reply, keep_open)
            }
        };
        if write_reply(reader.get_mut(), reply, keep_open, shared)
            .await
            .is_err()
            || !keep_open
        {
            break;
        }
        idle = shared.keep_alive;
    }
    let _ = reader.get_mut().shutdown().await;
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
        stream.write_all(&head_bytes(*status, headers)).await?;
        stream.flush().await?;
    }
    for (delay, status, headers) in &reply.delayed_interims {
        tokio::time::sleep(*delay).await;
        stream.write_all(&head_bytes(*status, headers)).await?;
        stream.flush().await?;
    }
    if !reply.head_delay.is_zero() {
        tokio::time::sleep(reply.head_delay).await;
    }
    let chunked = !reply.trailers.is_empty();
    let length: usize = reply.body.iter().map(|(_, piece)| piece.len()).sum();
    let mut headers = reply.headers;
    if chunked {
        headers.push((
            http::header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        ));
    } else {
        match reply.content_length {
            None => headers.push((http::header::CONTENT_LENGTH, HeaderValue::from(length))),
            Some(Some(declared)) => {
                headers.push((http::header::CONTENT_LENGTH, HeaderValue::from(declared)))
            }
            Some(None) => {}
        }
    }
    if !keep_open {
        headers.push((http::header::CONNECTION, HeaderValue::from_static("close")));
    }
    stream
        .write_all(&head_bytes(reply.status, &headers))
        .await?;
    stream.flush().await?;
    for (delay, piece) in reply.body {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if chunked {
            if piece.is_empty() {
                continue;
            }
            stream
                .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                .await?;
            stream.write_all(&piece).await?;
            stream.write_all(b"\r\n").await?;
        } else {
            stream.write_all(&piece).await?;
        }
        stream.flush().await?;
    }
    if chunked {
        // The last chunk, the trailer section, and the CRLF that ends it.
        let mut end = b"0\r\n".to_vec();
        write_field_section(&mut end, reply.trailers.iter().map(|(n, v)| (n, v)));
        stream.write_all(&end).await?;
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
                let reply = route(&target, request.headers(), &shared);
                Ok::<_, Infallible>(http2_response(reply, &shared).await)
            }
        });
    let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
        .await;
}

/// The reply over HTTP/2: the body is sent whole after its delays (no
/// interim responses, and faults other than hanging become a 500).
async fn http2_response(
    reply: Reply,
    shared: &Shared,
) -> http::Response<BoxBody<Bytes, Infallible>> {
    if reply.fault == Some(Fault::Hang) {
        let mut shutdown = shared.shutdown.clone();
        let _ = shutdown.wait_for(|stop| *stop).await;
    }
    // hyper's HTTP/2 server sends no 1xx: only the waits of the interim
    // responses are kept.
    for (delay, _, _) in &reply.delayed_interims {
        tokio::time::sleep(*delay).await;
    }
    if !reply.head_delay.is_zero() {
        tokio::time::sleep(reply.head_delay).await;
    }
    let mut builder = http::Response::builder().status(if reply.fault.is_some() {
        500
    } else {
        reply.status
    });
    for (name, value) in reply.headers {
        builder = builder.header(name, value);
    }
    let mut body = Vec::new();
    for (delay, piece) in reply.body {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        body.extend_from_slice(&piece);
    }
    let body = Full::new(Bytes::from(body));
    let body = if reply.trailers.is_empty() {
        body.boxed()
    } else {
        let trailers: http::HeaderMap = reply.trailers.into_iter().collect();
        body.with_trailers(std::future::ready(Some(Ok(trailers))))
            .boxed()
    };
    builder
        .body(body)
        .unwrap_or_else(|_| http::Response::new(Full::new(Bytes::new()).boxed()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A listener whose every accept fails, as one out of file descriptors does.
    struct Exhausted(Arc<AtomicUsize>);

    impl Accept for Exhausted {
        type Stream = ();
        async fn accept(&self) -> std::io::Result<()> {
            self.0.fetch_add(1, Ordering::Relaxed);
            Err(std::io::Error::from_raw_os_error(24)) // EMFILE
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn accept_errors_back_off() {
        let (stop, receiver) = watch::channel(false);
        let shared = Arc::new(Shared {
            mdn_delay: Duration::ZERO,
            keep_alive: Duration::from_secs(1),
            head_timeout: Duration::from_secs(1),
            max_request_body: 0,
            max_connections: 4,
            tls: None,
            shutdown: receiver,
        });
        let attempts = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(accept_loop(
            Exhausted(attempts.clone()),
            shared,
            |()| async {},
        ));
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = stop.send(true);
        task.await.unwrap();
        let attempts = attempts.load(Ordering::Relaxed);
        // 10 + 20 + 40 + 80 + 160 ms: about five tries, not millions.
        assert!((2..=10).contains(&attempts), "{attempts} accept attempts");
    }

    #[test]
    fn a_port_with_no_room_after_it_is_refused() {
        let addr = SocketAddr::from(([127, 0, 0, 1], 65535));
        let error = ServerOptions::at(addr).unwrap_err();
        assert!(matches!(error, ServerError::NoRoomForSecondOrigin(_)));
        assert_eq!(
            error.to_string(),
            "port 65535 leaves no room for the second origin, which listens on the next port: pick a port below 65535"
        );
        let options = ServerOptions::at(SocketAddr::from(([127, 0, 0, 1], 3000))).unwrap();
        assert_eq!(options.other_addr.port(), 3001);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn start_refuses_a_random_second_port_after_a_fixed_first() {
        let options = ServerOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 65535)),
            other_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..ServerOptions::default()
        };
        assert!(matches!(
            Server::start(options).await,
            Err(ServerError::NoRoomForSecondOrigin(_))
        ));
    }
}
