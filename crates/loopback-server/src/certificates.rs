//! Certificates generated at run time (never stored) for the server's https
//! origins: a throwaway CA and a server certificate for loopback.

use std::fmt;
use std::sync::Arc;

use measured_fetch::tls::TlsError;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A throwaway certificate authority and a server certificate it signed for
/// `localhost`, `127.0.0.1` and `::1`.
#[derive(Clone)]
pub struct TestCertificates {
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Arc<PrivatePkcs8KeyDer<'static>>,
}

impl fmt::Debug for TestCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCertificates").finish_non_exhaustive()
    }
}

impl TestCertificates {
    /// Generates a fresh CA and server certificate.
    pub fn generate() -> Result<Self, TlsError> {
        let error = |e: rcgen::Error| TlsError::Certificate(Box::new(e));
        let ca_key = rcgen::KeyPair::generate().map_err(error)?;
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(error)?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "server-timing loopback test CA");
        let ca = ca_params.self_signed(&ca_key).map_err(error)?;
        let server_key = rcgen::KeyPair::generate().map_err(error)?;
        let server_params = rcgen::CertificateParams::new(vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ])
        .map_err(error)?;
        let server = server_params
            .signed_by(&server_key, &ca, &ca_key)
            .map_err(error)?;
        Ok(TestCertificates {
            ca_pem: ca.pem(),
            ca_der: ca.der().clone(),
            server_chain: vec![server.der().clone(), ca.der().clone()],
            server_key: Arc::new(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        })
    }

    /// The CA certificate in PEM, for a client's `--ca` file.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The CA certificate.
    pub fn ca_der(&self) -> CertificateDer<'static> {
        self.ca_der.clone()
    }

    /// A server configuration offering `alpn` (in order of preference).
    pub fn server_config(&self, alpn: &[&[u8]]) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let key = PrivateKeyDer::Pkcs8(self.server_key.clone_key());
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Config)?
        .with_no_client_auth()
        .with_single_cert(self.server_chain.clone(), key)
        .map_err(TlsError::Config)?;
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(Arc::new(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use measured_fetch::tls::{certificates_from_pem, client_config, ALPN_H2, ALPN_HTTP1};

    #[test]
    fn generated_ca_round_trips_through_pem() {
        let certificates = TestCertificates::generate().unwrap();
        let parsed = certificates_from_pem(certificates.ca_pem().as_bytes()).unwrap();
        assert_eq!(parsed, vec![certificates.ca_der()]);
        assert!(certificates.server_config(&[ALPN_H2, ALPN_HTTP1]).is_ok());
        assert!(client_config(&parsed, &[ALPN_HTTP1]).is_ok());
        assert!(matches!(
            certificates_from_pem(b"not pem"),
            Err(TlsError::NoCertificate)
        ));
    }
}
