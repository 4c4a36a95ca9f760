//! The system's trusted roots are read as OpenSSL and curl read them: here
//! `SSL_CERT_FILE` names the loopback server's CA, so a fetch trusts its
//! certificate with no `--ca`. (Alone in its test binary: the roots are
//! read once per process, and the variable must be set before.)

use std::time::Duration;

use loopback_server::{Server, ServerOptions};
use measured_fetch::client::{fetch, FetchOptions};
use measured_fetch::tls::system_roots;
use measured_fetch::{Clock, Page};

#[test]
fn ssl_cert_file_adds_to_the_trusted_roots() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Server::start(ServerOptions {
            tls: true,
            ..ServerOptions::default()
        })
        .await
        .unwrap();
        let file = std::env::temp_dir().join(format!("system-roots-{}.pem", std::process::id()));
        std::fs::write(&file, server.ca_pem().unwrap()).unwrap();
        std::env::set_var("SSL_CERT_FILE", &file);
        std::env::remove_var("SSL_CERT_DIR");
        assert_eq!(system_roots().len(), 1);
        assert_eq!(system_roots()[0], server.certificates().unwrap().ca_der());
        let url = server.origin().join("/echo").unwrap();
        let clock = Clock::new();
        let page = Page::new(&url, &clock);
        let mut options = FetchOptions::new(page.client().clone());
        options.timeout = Duration::from_secs(5);
        let measured = fetch(url.clone(), &options, &clock).await.unwrap();
        assert_eq!(measured.network_error(), None);
        assert_eq!(measured.fetch.response_status(), 200);
        // Without the system's roots, the same fetch is not trusted.
        options.system_roots = false;
        let measured = fetch(url, &options, &clock).await.unwrap();
        assert!(measured
            .hop_error()
            .unwrap()
            .to_string()
            .contains("certificate not trusted"));
        let _ = std::fs::remove_file(&file);
        server.shutdown().await;
    });
}
