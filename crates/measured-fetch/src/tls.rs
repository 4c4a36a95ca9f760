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

/// What a client trusts for https.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// Certificates given by the user (`--ca FILE`): trust anchors, and a
    /// self-signed server certificate among them is trusted as itself.
    pub roots: Vec<CertificateDer<'static>>,
    /// Whether the system's roots are trusted too (as curl and browsers do).
    pub system_roots: bool,
    /// Skip certificate verification altogether (curl's `--insecure`):
    /// issuer, name and dates go unchecked. The handshake's own signature
    /// is still checked against the certificate's key.
    pub insecure: bool,
}

/// The system's trusted roots, read once per process: `SSL_CERT_FILE` and
/// `SSL_CERT_DIR` as OpenSSL reads them, else the platform's store
/// (`rustls-native-certs`). Certificates that do not parse are skipped.
pub fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: std::sync::OnceLock<Vec<CertificateDer<'static>>> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// A client configuration trusting `roots` only, offering `alpn`.
pub fn client_config(
    roots: &[CertificateDer<'static>],
    alpn: &[&[u8]],
) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let trust = Trust {
        roots: roots.to_vec(),
        ..Trust::default()
    };
    client_config_for(&trust, alpn)
}

/// A client configuration trusting what `trust` says, offering `alpn`.
pub fn client_config_for(
    trust: &Trust,
    alpn: &[&[u8]],
) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let provider = provider();
    let mut store = rustls::RootCertStore::empty();
    for root in &trust.roots {
        store.add(root.clone()).map_err(TlsError::Root)?;
    }
    if trust.system_roots {
        store.add_parsable_certificates(system_roots().iter().cloned());
    }
    let webpki = if store.is_empty() {
        None
    } else {
        Some(
            rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(store),
                provider.clone(),
            )
            .build()
            .map_err(|error| TlsError::Config(rustls::Error::General(error.to_string())))?,
        )
    };
    let verifier = Verifier {
        webpki,
        pinned: trust.roots.clone(),
        algorithms: provider.signature_verification_algorithms,
        insecure: trust.insecure,
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Config)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// rustls' WebPKI verifier, plus what `curl --cacert` also accepts: a
/// server certificate that is byte for byte one the user gave with `--ca`,
/// even when it is marked as a CA (the usual `openssl req -x509`
/// self-signed certificate is `CA:TRUE`, which WebPKI refuses as an end
/// entity with `CaUsedAsEndEntity`).
///
/// Such a certificate is its own trust anchor, so no chain is built: the
/// user pinned it. Its dates were checked by WebPKI before it refused the
/// CA flag (WebPKI checks validity first; `tests/tls.rs` proves an expired
/// pinned certificate is still refused), its name is checked here with
/// rustls' `verify_server_name`, and the handshake signature is checked
/// against its key as for any certificate.
#[derive(Debug)]
struct Verifier {
    /// `None` when nothing at all is trusted: every certificate is then
    /// of an unknown issuer.
    webpki: Option<Arc<rustls::client::WebPkiServerVerifier>>,
    pinned: Vec<CertificateDer<'static>>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
    insecure: bool,
}

/// Whether rustls refused a certificate because it is a CA's.
fn is_ca_used_as_end_entity(error: &rustls::Error) -> bool {
    match error {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) => matches!(
            other.0.downcast_ref::<webpki::Error>(),
            Some(webpki::Error::CaUsedAsEndEntity)
        ),
        _ => false,
    }
}

impl rustls::client::danger::ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &rustls::pki_types::ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if self.insecure {
            return Ok(rustls::client::danger::ServerCertVerified::assertion());
        }
        let verified = match &self.webpki {
            Some(webpki) => webpki.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            None => Err(rustls::CertificateError::UnknownIssuer.into()),
        };
        match verified {
            Err(error)
                if is_ca_used_as_end_entity(&error)
                    && self.pinned.iter().any(|pinned| pinned == end_entity) =>
            {
                let certificate = rustls::server::ParsedCertificate::try_from(end_entity)?;
                rustls::client::verify_server_name(&certificate, server_name)?;
                Ok(rustls::client::danger::ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A TLS handshake that failed, told in one plain sentence with the fix
/// where there is one; the rustls error stays as the source.
#[derive(Debug)]
pub struct HandshakeError {
    sentence: String,
    source: std::io::Error,
}

impl HandshakeError {
    /// Explains the handshake failure `error` (as tokio-rustls returns it).
    pub fn explain(error: std::io::Error) -> HandshakeError {
        let sentence = match error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            Some(rustls_error) => sentence_for(rustls_error),
            None if error.kind() == std::io::ErrorKind::UnexpectedEof => {
                "the server closed the connection during the TLS handshake (does it speak TLS?)"
                    .to_owned()
            }
            None => format!("TLS handshake failed: {error}"),
        };
        HandshakeError {
            sentence,
            source: error,
        }
    }
}

/// One sentence for a rustls handshake error.
fn sentence_for(error: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(certificate) => match certificate {
            C::UnknownIssuer => {
                "certificate not trusted: pass it (or the CA that issued it) with --ca FILE".to_owned()
            }
            C::NotValidForName => "certificate is for another name".to_owned(),
            C::NotValidForNameContext { expected, presented } => {
                // rustls writes each name as `DnsName("a.example")` or
                // `IpAddress(127.0.0.1)`: keep the name.
                let names: Vec<&str> = presented
                    .iter()
                    .map(|name| match (name.find('"'), name.rfind('"'), name.find('(')) {
                        (Some(first), Some(last), _) if first < last => &name[first + 1..last],
                        (_, _, Some(open)) if name.ends_with(')') => &name[open + 1..name.len() - 1],
                        _ => name.as_str(),
                    })
                    .collect();
                format!(
                    "certificate is for another name: it names {}, not {}",
                    if names.is_empty() { "nothing".to_owned() } else { names.join(", ") },
                    expected.to_str()
                )
            }
            C::Expired | C::ExpiredContext { .. } => "certificate expired".to_owned(),
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "certificate not valid yet (is the clock right?)".to_owned()
            }
            C::BadSignature => "certificate signature is invalid".to_owned(),
            C::Revoked => "certificate revoked".to_owned(),
            C::BadEncoding => "certificate does not parse".to_owned(),
            C::Other(_) if is_ca_used_as_end_entity(error) => {
                "certificate not trusted: it is a self-signed CA certificate; pass this very certificate with --ca FILE".to_owned()
            }
            other => format!("certificate refused: {other}"),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            "server does not speak TLS (is the URL http:// ?)".to_owned()
        }
        rustls::Error::AlertReceived(alert) => {
            format!("the server refused the TLS handshake ({alert:?})")
        }
        rustls::Error::NoApplicationProtocol => {
            "the server speaks none of the offered ALPN protocols".to_owned()
        }
        other => format!("TLS handshake failed: {other}"),
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence)
    }
}

impl std::error::Error for HandshakeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
