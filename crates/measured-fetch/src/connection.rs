//! Obtaining a connection: from the pool, or new (DNS, TCP, TLS with ALPN,
//! and the HTTP/2 handshake when ALPN chose h2), with its timing info.

use std::sync::Arc;

use resource_timing::ConnectionTimingInfo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use url::{Origin, Url};

use crate::client::{FetchOptions, HopRecord};
use crate::clock::Clock;
use crate::error::{within, HopError, Step};
use crate::pool::{Connection, Io, Protocol};
use crate::tls::{HandshakeError, ALPN_H2, ALPN_HTTP1};

/// *Obtain a connection* to `url`'s origin: with `new` false, an idle one
/// from the pool if there is one; else a new one.
///
/// <https://fetch.spec.whatwg.org/#concept-connection-obtain>
pub(crate) async fn obtain_a_connection(
    origin: &Origin,
    url: &Url,
    new: bool,
    options: &FetchOptions,
    tls: &Arc<rustls::ClientConfig>,
    clock: &Clock,
    record: &mut HopRecord,
) -> Result<Connection, HopError> {
    // Step 2: if new is "no", return a connection from the pool whose key
    // is the origin (network partition keys and credentials are not
    // modelled: one page, one partition).
    if !new {
        if let Some(connection) = options.pool.as_ref().and_then(|p| p.take_open(origin)) {
            return Ok(connection);
        }
    }
    // Steps 3–6: create a connection, recording its timing info.
    create_a_connection(url, options, tls, clock, record).await
}

/// *Create a connection*: resolve, connect, secure, and set up HTTP/2 if ALPN chose it.
///
/// <https://fetch.spec.whatwg.org/#create-a-connection>
async fn create_a_connection(
    url: &Url,
    options: &FetchOptions,
    tls: &Arc<rustls::ClientConfig>,
    clock: &Clock,
    record: &mut HopRecord,
) -> Result<Connection, HopError> {
    let limit = options.timeout;
    let host = url
        .host_str()
        .ok_or(HopError::InvalidUrl("URL without a host"))?;
    let port = url
        .port_or_known_default()
        .ok_or(HopError::InvalidUrl("URL without a port"))?;
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    let domain_lookup_start_time = clock.now();
    let address = within(
        limit,
        Step::DnsLookup,
        tokio::net::lookup_host((bare_host, port)),
    )
    .await?
    .next()
    .ok_or(HopError::NoAddress)?;
    let domain_lookup_end_time = clock.now();
    let connection_start_time = clock.now();
    let tcp = within(limit, Step::Connect, TcpStream::connect(address)).await?;
    let _ = tcp.set_nodelay(true);
    let mut secure_connection_start_time = 0.0;
    let mut alpn = Vec::new();
    let mut alpn_text = None;
    let stream: Box<dyn Io> = if url.scheme() == "https" {
        secure_connection_start_time = clock.now();
        let name = ServerName::try_from(bare_host.to_owned()).map_err(|e| HopError::Failed {
            step: Step::TlsHandshake,
            source: Box::new(e),
        })?;
        let connector = tokio_rustls::TlsConnector::from(tls.clone());
        let stream = match tokio::time::timeout(limit, connector.connect(name, tcp)).await {
            Err(_) => {
                return Err(HopError::Timeout {
                    step: Step::TlsHandshake,
                    limit,
                })
            }
            Ok(Err(error)) => {
                return Err(HopError::Failed {
                    step: Step::TlsHandshake,
                    source: Box::new(HandshakeError::explain(error)),
                })
            }
            Ok(Ok(stream)) => stream,
        };
        alpn = stream
            .get_ref()
            .1
            .alpn_protocol()
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        alpn_text = Some(String::from_utf8_lossy(&alpn).into_owned());
        Box::new(stream)
    } else {
        Box::new(tcp)
    };
    let connection_end_time = clock.now();
    record.alpn = alpn_text.clone();
    let timing = ConnectionTimingInfo {
        domain_lookup_start_time,
        domain_lookup_end_time,
        connection_start_time,
        connection_end_time,
        secure_connection_start_time,
        alpn_negotiated_protocol: if alpn.is_empty() {
            ALPN_HTTP1.into()
        } else {
            alpn.as_slice().into()
        },
    };
    let protocol = if alpn == ALPN_H2 {
        // Before the handshake, so that a hop whose handshake fails says so.
        record.protocol = http::Version::HTTP_2;
        let (sender, connection) = within(
            limit,
            Step::Http2Handshake,
            hyper::client::conn::http2::handshake(
                hyper_util::rt::TokioExecutor::new(),
                hyper_util::rt::TokioIo::new(stream),
            ),
        )
        .await?;
        tokio::spawn(connection);
        Protocol::Http2(sender)
    } else {
        Protocol::Http1(stream)
    };
    Ok(Connection {
        protocol,
        timing,
        alpn: alpn_text,
        reused: false,
    })
}
