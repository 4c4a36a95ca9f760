//! The connection pool: idle connections kept for the next fetch to the
//! same origin, as a browser's *connection pool* keeps them.
//!
//! <https://fetch.spec.whatwg.org/#concept-connection-pool>

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Empty;
use resource_timing::ConnectionTimingInfo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use url::Origin;

/// A byte stream a connection runs over (TCP, or TLS over TCP).
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

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
    idle: Arc<Mutex<HashMap<Origin, Vec<Connection>>>>,
}

/// A connection: its protocol's handle, when it was made, what ALPN chose.
pub(crate) struct Connection {
    pub(crate) protocol: Protocol,
    /// The connection's timing info from when it was made.
    pub(crate) timing: ConnectionTimingInfo,
    /// The ALPN protocol, as a hop records it.
    pub(crate) alpn: Option<String>,
    /// Whether it came out of the pool.
    pub(crate) reused: bool,
}

/// A connection by its protocol.
pub(crate) enum Protocol {
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

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Origin, Vec<Connection>>> {
        self.idle
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Keeps `connection` for the next fetch to `origin`.
    pub(crate) fn put(&self, origin: Origin, connection: Connection) {
        self.lock().entry(origin).or_default().push(connection);
    }

    /// The most recently used connection to `origin` that is still open,
    /// taken out of the pool.
    pub(crate) fn take_open(&self, origin: &Origin) -> Option<Connection> {
        loop {
            let mut connection = self.lock().get_mut(origin)?.pop()?;
            let open = match &mut connection.protocol {
                Protocol::Http1(stream) => still_open(stream),
                Protocol::Http2(sender) => !sender.is_closed(),
            };
            if open {
                connection.reused = true;
                return Some(connection);
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
pub(crate) struct GiveBack<'a> {
    pub(crate) pool: &'a ConnectionPool,
    pub(crate) origin: Origin,
    pub(crate) timing: ConnectionTimingInfo,
    pub(crate) alpn: Option<String>,
}

impl GiveBack<'_> {
    pub(crate) fn give_back(self, protocol: Protocol) {
        self.pool.put(
            self.origin,
            Connection {
                protocol,
                timing: self.timing,
                alpn: self.alpn,
                reused: false,
            },
        );
    }
}
