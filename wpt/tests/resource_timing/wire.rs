//! Files that need real bytes on the wire, run through `measured-fetch`
//! against `loopback-server` on loopback sockets: `connection-reuse.html`
//! and `connection-reuse.https.html`.
//!
//! The WPT files' `fake_responses.py` is stood in for by the server's
//! `/echo` route: `tao=*` and `acao=origin` give its CORS and TAO headers, and
//! `status=304` the answer the test's `If-None-Match` gets (the client sends
//! no extra request headers). The XHR is a CORS request with initiator type
//! `xmlhttprequest`; one `ConnectionPool` stands for the XHR object's
//! persistent connection.

use std::time::Duration;

use loopback_server::{Server, ServerOptions};
use measured_fetch::client::{fetch, ConnectionPool, FetchOptions};
use measured_fetch::tls::certificates_from_pem;
use measured_fetch::{Clock, Page as WirePage};

use crate::entry_invariants::*;
use crate::harness::*;

/// `connection_reuse_test`'s variants, one per call in the two files.
#[derive(Clone, Copy)]
pub(crate) enum Reuse {
    /// `connection-reuse.html`: "Reuse HTTP connection".
    Http,
    /// `connection-reuse.html`: "Reuse HTTPS connection from HTTP page".
    HttpsFromHttp,
    /// `connection-reuse.html`: "Reuse HTTPS connection with redirects from an HTTP page".
    HttpsRedirectFromHttp,
    /// `connection-reuse.https.html`: "Reuse an HTTPS connection".
    Https,
}

/// The second request of the test: a distinct resource (200) or the same
/// one revalidated (304).
#[derive(Clone, Copy)]
pub(crate) enum Second {
    Distinct,
    Revalidated,
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

async fn server(tls: bool) -> Result<Server, String> {
    Server::start(ServerOptions {
        tls,
        mdn_delay: Duration::from_millis(5),
        ..ServerOptions::default()
    })
    .await
    .map_err(|e| format!("loopback server: {e}"))
}

/// `connection_reuse_test(path, {on_200, on_304}, label)`: a first XHR opens
/// the connection, then the checked one goes over it.
fn connection_reuse(reuse: Reuse, second: Second) -> Outcome {
    runtime().map_err(|e| e.to_string())?.block_on(async {
        let http = server(false).await?;
        let https = server(true).await?;
        let roots = certificates_from_pem(https.ca_pem().unwrap_or_default().as_bytes())
            .map_err(|e| e.to_string())?;
        let page_origin = match reuse {
            Reuse::Https => https.origin().clone(),
            _ => http.origin().clone(),
        };
        let clock = Clock::new();
        let page = WirePage::new(&page_origin, &clock);
        let pool = ConnectionPool::new();
        let mut options = FetchOptions::new(page.client().clone()).with_pool(pool.clone());
        options.initiator_type = "xmlhttprequest".into();
        options.roots = roots;
        options.timeout = Duration::from_secs(5);
        let resource = match reuse {
            Reuse::Http => http.origin().clone(),
            _ => https.origin().clone(),
        };
        let echo = |extra: &str| {
            resource
                .join(&format!("/echo?tao=*&acao=origin&tag=0.5{extra}"))
                .map_err(|e| e.to_string())
        };
        let target = match second {
            Second::Distinct => echo("&same_resource=false")?,
            Second::Revalidated => echo("&status=304")?,
        };
        let checked = match reuse {
            Reuse::HttpsRedirectFromHttp => {
                let to: String =
                    url::form_urlencoded::byte_serialize(target.as_str().as_bytes()).collect();
                resource
                    .join(&format!("/redirect?to={to}&tao=*&acao=origin"))
                    .map_err(|e| e.to_string())?
            }
            _ => target,
        };
        // The first request: its entry is not checked.
        fetch(echo("")?, &options, &clock)
            .await
            .map_err(|e| e.to_string())?;
        // Let the pooled connection's times fall before the next fetch's start.
        tokio::time::sleep(Duration::from_millis(2)).await;
        let measured = fetch(checked, &options, &clock)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(error) = measured.network_error() {
            return Err(format!("the checked request failed: {error:?}"));
        }
        let expected = match second {
            Second::Distinct => 200,
            Second::Revalidated => 304,
        };
        let status = measured.hops.last().map_or(0, |hop| hop.status);
        ensure!(
            status == expected,
            "Got something other than a {expected} response: {status}"
        );
        ensure!(
            measured.hops.iter().all(|hop| hop.reused),
            "the checked request did not reuse the connection"
        );
        let entry = measured
            .report_timing(page.performance())
            .ok_or("No entry was received")?;
        assert_connection_reused(&entry)?;
        http.shutdown().await;
        https.shutdown().await;
        match (reuse, second) {
            (Reuse::Http, Second::Distinct) => assert_tao_pass_no_redirect_http(&entry),
            (Reuse::Http, Second::Revalidated) => assert_tao_pass_304_not_modified_http(&entry),
            (Reuse::HttpsFromHttp | Reuse::Https, Second::Distinct) => {
                assert_tao_pass_no_redirect_https(&entry)
            }
            (Reuse::HttpsFromHttp | Reuse::Https, Second::Revalidated) => {
                assert_tao_pass_304_not_modified_https(&entry)
            }
            (Reuse::HttpsRedirectFromHttp, _) => {
                assert_tao_enabled_cross_origin_redirected_resource(&entry)
            }
        }
    })
}

fn name(reuse: Reuse, second: Second) -> String {
    let (file, label) = match reuse {
        Reuse::Http => ("connection-reuse.html", "Reuse HTTP connection"),
        Reuse::HttpsFromHttp => (
            "connection-reuse.html",
            "Reuse HTTPS connection from HTTP page",
        ),
        Reuse::HttpsRedirectFromHttp => (
            "connection-reuse.html",
            "Reuse HTTPS connection with redirects from an HTTP page",
        ),
        Reuse::Https => ("connection-reuse.https.html", "Reuse an HTTPS connection"),
    };
    let what = match second {
        Second::Distinct => "a distinct resource is fetched",
        Second::Revalidated => "the resource is cache-revalidated",
    };
    format!(
        "resource-timing/{file} : PerformanceResourceTiming entries need to conform to the spec when {what} over a persistent connection ({label})"
    )
}

/// This group's trials.
pub(crate) fn cases() -> Vec<wpt::Case> {
    let mut cases = Vec::new();
    for reuse in [
        Reuse::Http,
        Reuse::HttpsFromHttp,
        Reuse::HttpsRedirectFromHttp,
        Reuse::Https,
    ] {
        for second in [Second::Distinct, Second::Revalidated] {
            cases.push(wpt::Case::new(name(reuse, second), move || {
                connection_reuse(reuse, second)
            }));
        }
    }
    cases
}
