//! TLS as curl and browsers do it, against scripted TLS servers on
//! 127.0.0.1: a self-signed `CA:TRUE` certificate given with `--ca` is
//! trusted as itself (as `curl --cacert` does), but only for its own names
//! and dates; an untrusted, misnamed or expired certificate and a server
//! that does not speak TLS each fail with one plain sentence; the insecure
//! mode skips verification.

use std::sync::Arc;
use std::time::{Duration, Instant};

use measured_fetch::client::{fetch, FetchOptions, MeasuredFetch};
use measured_fetch::tls::certificates_from_pem;
use measured_fetch::{Clock, Page};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// A certificate and its key, PEM.
struct Identity {
    cert_pem: String,
    key_pem: String,
}

impl Identity {
    fn cert(&self) -> CertificateDer<'static> {
        certificates_from_pem(self.cert_pem.as_bytes())
            .unwrap()
            .remove(0)
    }
}

/// The usual self-signed certificate, made as people make it:
/// `openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -addext
/// subjectAltName=DNS:localhost,IP:127.0.0.1` (which marks it `CA:TRUE`).
/// Where the openssl command is missing, rcgen makes the same kind of
/// certificate (self-signed, `CA:TRUE`, those names).
fn openssl_self_signed() -> Identity {
    let dir = std::env::temp_dir().join(format!("measured-fetch-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .is_ok_and(|output| output.status.success());
    let identity = if made {
        Identity {
            cert_pem: std::fs::read_to_string(&cert).unwrap(),
            key_pem: std::fs::read_to_string(&key).unwrap(),
        }
    } else {
        rcgen_self_signed(&["localhost", "127.0.0.1"], None)
    };
    let _ = std::fs::remove_dir_all(&dir);
    identity
}

/// A self-signed `CA:TRUE` certificate for `names`, valid in `years` if given.
fn rcgen_self_signed(names: &[&str], years: Option<(i32, i32)>) -> Identity {
    let key = rcgen::KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = rcgen::CertificateParams::new(names).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "self-signed");
    if let Some((from, to)) = years {
        params.not_before = rcgen::date_time_ymd(from, 1, 1);
        params.not_after = rcgen::date_time_ymd(to, 1, 1);
    }
    let cert = params.self_signed(&key).unwrap();
    Identity {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// Serves `identity` over TLS on 127.0.0.1 (HTTP/1.1, `200 ok` to each
/// request) for a bounded time; returns the https URL.
async fn tls_server(identity: &Identity) -> Url {
    let key = PrivateKeyDer::from_pem_slice(identity.key_pem.as_bytes()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![identity.cert()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            let Ok(Ok((tcp, _))) =
                tokio::time::timeout(Duration::from_secs(20), listener.accept()).await
            else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
                    if tls.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    Url::parse(&format!("https://127.0.0.1:{port}/")).unwrap()
}

async fn get(url: &Url, tune: impl FnOnce(&mut FetchOptions)) -> MeasuredFetch {
    let clock = Clock::new();
    let page = Page::new(url, &clock);
    let mut options = FetchOptions::new(page.client().clone());
    options.timeout = Duration::from_secs(5);
    tune(&mut options);
    fetch(url.clone(), &options, &clock)
        .await
        .expect("fetch starts")
}

/// The network error's text, which must be there.
fn failure(measured: &MeasuredFetch) -> String {
    measured
        .hop_error()
        .unwrap_or_else(|| panic!("a transport failure: {:?}", measured.network_error()))
        .to_string()
}

#[test]
fn a_self_signed_ca_certificate_given_with_ca_is_trusted_as_itself() {
    runtime().block_on(async {
        let identity = openssl_self_signed();
        let url = tls_server(&identity).await;
        let measured = get(&url, |o| o.roots = vec![identity.cert()]).await;
        assert_eq!(measured.network_error(), None);
        assert_eq!(measured.fetch.response_status(), 200);
        // By its DNS name too.
        let by_name = Url::parse(&format!("https://localhost:{}/", url.port().unwrap())).unwrap();
        let measured = get(&by_name, |o| o.roots = vec![identity.cert()]).await;
        assert_eq!(measured.network_error(), None);
        // Without --ca: not trusted, and the sentence says what to do.
        let measured = get(&url, |_| {}).await;
        assert_eq!(
            failure(&measured),
            "TLS handshake: certificate not trusted: it is a self-signed CA certificate; pass this very certificate with --ca FILE"
        );
        // Another certificate given with --ca does not make this one trusted.
        let other = rcgen_self_signed(&["localhost", "127.0.0.1"], None);
        let measured = get(&url, |o| o.roots = vec![other.cert()]).await;
        assert!(failure(&measured).contains("certificate not trusted"), "{}", failure(&measured));
    });
}

#[test]
fn a_certificate_from_an_unknown_ca_is_not_trusted() {
    runtime().block_on(async {
        let server = loopback_server::Server::start(loopback_server::ServerOptions {
            tls: true,
            ..loopback_server::ServerOptions::default()
        })
        .await
        .unwrap();
        let url = server.origin().join("/echo").unwrap();
        let measured = get(&url, |_| {}).await;
        assert_eq!(
            failure(&measured),
            "TLS handshake: certificate not trusted: pass it (or the CA that issued it) with --ca FILE"
        );
        // With its CA, on top of the system's roots, it is.
        let ca = certificates_from_pem(server.ca_pem().unwrap().as_bytes()).unwrap();
        let measured = get(&url, |o| o.roots = ca).await;
        assert_eq!(measured.network_error(), None);
        server.shutdown().await;
    });
}

#[test]
fn a_pinned_certificate_is_still_checked_for_its_name_and_dates() {
    runtime().block_on(async {
        let misnamed = rcgen_self_signed(&["other.example"], None);
        let url = tls_server(&misnamed).await;
        let measured = get(&url, |o| o.roots = vec![misnamed.cert()]).await;
        assert_eq!(
            failure(&measured),
            "TLS handshake: certificate is for another name: it names other.example, not 127.0.0.1"
        );
        // Expired: refused even though it is given with --ca (WebPKI checks
        // dates before it refuses a CA as an end entity).
        let expired = rcgen_self_signed(&["localhost", "127.0.0.1"], Some((2000, 2001)));
        let url = tls_server(&expired).await;
        let measured = get(&url, |o| o.roots = vec![expired.cert()]).await;
        assert_eq!(failure(&measured), "TLS handshake: certificate expired");
        let future = rcgen_self_signed(&["localhost", "127.0.0.1"], Some((2999, 3000)));
        let url = tls_server(&future).await;
        let measured = get(&url, |o| o.roots = vec![future.cert()]).await;
        assert_eq!(
            failure(&measured),
            "TLS handshake: certificate not valid yet (is the clock right?)"
        );
    });
}

#[test]
fn a_server_that_does_not_speak_tls_is_named() {
    runtime().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            if let Ok(Ok((mut tcp, _))) =
                tokio::time::timeout(Duration::from_secs(10), listener.accept()).await
            {
                let mut buffer = [0u8; 512];
                let _ = tcp.read(&mut buffer).await;
                let _ = tcp
                    .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                    .await;
            }
        });
        let url = Url::parse(&format!("https://127.0.0.1:{port}/")).unwrap();
        let measured = get(&url, |_| {}).await;
        assert_eq!(
            failure(&measured),
            "TLS handshake: server does not speak TLS (is the URL http:// ?)"
        );
        // The rustls error is kept as the source.
        let hop = measured.hop_error().unwrap();
        let sentence = std::error::Error::source(hop).unwrap();
        assert!(std::error::Error::source(sentence).is_some());
    });
}

#[test]
fn insecure_mode_skips_verification() {
    runtime().block_on(async {
        let expired = rcgen_self_signed(&["other.example"], Some((2000, 2001)));
        let url = tls_server(&expired).await;
        assert!(get(&url, |_| {}).await.network_error().is_some());
        let measured = get(&url, |o| o.insecure = true).await;
        assert_eq!(measured.network_error(), None);
        assert_eq!(measured.fetch.response_status(), 200);
    });
}
