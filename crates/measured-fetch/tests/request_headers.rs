//! The request's headers as a browser sends them, seen by the loopback
//! server's `/request-headers` route (which echoes each as `x-request-*`)
//! over HTTP/1.1 and HTTP/2: `Accept` by destination and initiator,
//! `Accept-Encoding`, `User-Agent`, and `Origin` only for CORS requests.

use std::time::Duration;

use loopback_server::{Server, ServerOptions};
use measured_fetch::client::{fetch, FetchOptions, MeasuredFetch, USER_AGENT_VALUE};
use measured_fetch::content_coding::ACCEPT_ENCODING_VALUE;
use measured_fetch::destination::{
    Destination, Initiator, DOCUMENT_ACCEPT_HEADER_VALUE, IMAGE_ACCEPT_HEADER_VALUE,
    JSON_ACCEPT_HEADER_VALUE, STYLE_ACCEPT_HEADER_VALUE,
};
use measured_fetch::tls::{certificates_from_pem, ALPN_H2, ALPN_HTTP1};
use measured_fetch::{Clock, Page};
use resource_timing::RequestMode;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Fetches `/request-headers` from a page on `page_origin`.
async fn echo(
    server: &Server,
    page_origin: &url::Url,
    tune: impl FnOnce(&mut FetchOptions),
) -> MeasuredFetch {
    let clock = Clock::new();
    let page = Page::new(page_origin, &clock);
    let mut options = FetchOptions::new(page.client().clone());
    options.timeout = Duration::from_secs(5);
    if let Some(pem) = server.ca_pem() {
        options.roots = certificates_from_pem(pem.as_bytes()).unwrap();
    }
    tune(&mut options);
    let url = server.origin().join("/request-headers?acao=*").unwrap();
    let measured = fetch(url, &options, &clock).await.expect("fetch starts");
    assert_eq!(measured.network_error(), None);
    measured
}

fn echoed<'a>(measured: &'a MeasuredFetch, name: &str) -> Option<&'a str> {
    measured.hops[0]
        .headers
        .get(format!("x-request-{name}"))
        .map(|value| value.to_str().unwrap())
}

#[test]
fn accept_follows_the_destination_over_http1_and_h2() {
    runtime().block_on(async {
        for tls in [false, true] {
            let server = Server::start(ServerOptions {
                tls,
                ..ServerOptions::default()
            })
            .await
            .unwrap();
            let protocols: &[&[u8]] = if tls {
                &[ALPN_H2, ALPN_HTTP1]
            } else {
                &[ALPN_HTTP1]
            };
            for alpn in protocols {
                let cases = [
                    (
                        Destination::Empty,
                        Initiator::Empty,
                        RequestMode::Cors,
                        "*/*",
                    ),
                    (
                        Destination::Script,
                        Initiator::Empty,
                        RequestMode::NoCors,
                        "*/*",
                    ),
                    (
                        Destination::Document,
                        Initiator::Empty,
                        RequestMode::Navigate,
                        DOCUMENT_ACCEPT_HEADER_VALUE,
                    ),
                    // A navigation is for a document even with no destination given.
                    (
                        Destination::Empty,
                        Initiator::Empty,
                        RequestMode::Navigate,
                        DOCUMENT_ACCEPT_HEADER_VALUE,
                    ),
                    (
                        Destination::IFrame,
                        Initiator::Empty,
                        RequestMode::Navigate,
                        DOCUMENT_ACCEPT_HEADER_VALUE,
                    ),
                    (
                        Destination::Image,
                        Initiator::Empty,
                        RequestMode::NoCors,
                        IMAGE_ACCEPT_HEADER_VALUE,
                    ),
                    (
                        Destination::Style,
                        Initiator::Empty,
                        RequestMode::NoCors,
                        STYLE_ACCEPT_HEADER_VALUE,
                    ),
                    (
                        Destination::Json,
                        Initiator::Empty,
                        RequestMode::Cors,
                        JSON_ACCEPT_HEADER_VALUE,
                    ),
                    (
                        Destination::Script,
                        Initiator::Prefetch,
                        RequestMode::NoCors,
                        DOCUMENT_ACCEPT_HEADER_VALUE,
                    ),
                ];
                for (destination, initiator, mode, accept) in cases {
                    let measured = echo(&server, server.origin(), |o| {
                        o.alpn = vec![alpn.to_vec()];
                        o.destination = destination;
                        o.initiator = initiator;
                        o.mode = mode;
                    })
                    .await;
                    let what = format!(
                        "{destination:?} {initiator:?} {mode:?} over {}",
                        measured.hops[0].protocol_name()
                    );
                    assert_eq!(echoed(&measured, "accept"), Some(accept), "{what}");
                    assert_eq!(
                        echoed(&measured, "accept-encoding"),
                        Some(ACCEPT_ENCODING_VALUE),
                        "{what}"
                    );
                    assert_eq!(
                        echoed(&measured, "user-agent"),
                        Some(USER_AGENT_VALUE),
                        "{what}"
                    );
                }
            }
            server.shutdown().await;
        }
    });
}

#[test]
fn origin_is_sent_for_cors_requests_only() {
    runtime().block_on(async {
        let server = Server::start(ServerOptions::default()).await.unwrap();
        // Same-origin: tainting "basic", no Origin.
        let measured = echo(&server, server.origin(), |_| {}).await;
        assert_eq!(echoed(&measured, "origin"), None);
        // Cross-origin CORS: tainting "cors", the page's origin.
        let measured = echo(&server, server.other_origin(), |_| {}).await;
        let page = server.other_origin().origin().ascii_serialization();
        assert_eq!(echoed(&measured, "origin"), Some(page.as_str()));
        // Cross-origin no-cors: tainting "opaque", no Origin.
        let measured = echo(&server, server.other_origin(), |o| {
            o.mode = RequestMode::NoCors
        })
        .await;
        assert_eq!(echoed(&measured, "origin"), None);
        server.shutdown().await;
    });
}
