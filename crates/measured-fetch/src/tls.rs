//! TLS for the client: rustls configurations with ALPN, and PEM input for
//! `--ca`.

use std::fmt;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// ALPN protocol ids.
pub const ALPN_H2: &[u8] = b"h2";
/// ALPN protocol id of HTTP/1.1.
pub const ALPN_HTTP1: &[u8] = b"http/1.1";

/// A TLS setup problem.
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsError {
    /// Generating certificates failed (the loopback test server's).
    Certificate(Box<dyn std::error::Error + Send + Sync + 'static>),
    /// The PEM input does not parse.
    Pem(rustls::pki_types::pem::Error),
    /// The PEM input has no `CERTIFICATE` block.
    NoCertificate,
    /// A certificate cannot be a trust anchor.
    Root(rustls::Error),
    /// rustls refused the configuration.
    Config(rustls::Error),
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::Certificate(why) => write!(f, "cannot generate test certificates: {why}"),
            TlsError::Pem(why) => write!(f, "cannot read PEM certificates: {why}"),
            TlsError::NoCertificate => f.write_str("no CERTIFICATE block in the PEM input"),
            TlsError::Root(why) => write!(f, "cannot trust the certificate: {why}"),
            TlsError::Config(why) => write!(f, "TLS configuration refused: {why}"),
        }
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TlsError::Certificate(error) => Some(&**error),
            TlsError::Pem(error) => Some(error),
            TlsError::Root(error) | TlsError::Config(error) => Some(error),
            TlsError::NoCertificate => None,
        }
    }
}

pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads every certificate of a PEM text.
pub fn certificates_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(TlsError::Pem)?;
    if certificates.is_empty() {
        return Err(TlsError::NoCertificate);
    }
    Ok(certificates)
}

/// A client configuration trusting `roots` only, offering `alpn`.
pub fn client_config(
    roots: &[CertificateDer<'static>],
    alpn: &[&[u8]],
) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add(root.clone()).map_err(TlsError::Root)?;
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Config)?
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}
