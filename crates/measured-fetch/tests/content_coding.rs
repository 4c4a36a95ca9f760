//! Content codings end to end: the loopback server's `/encoded` route sends
//! gzip, deflate, br and zstd bodies (and broken ones) over HTTP/1.1 and
//! HTTP/2, and the entry's `encodedBodySize`, `decodedBodySize`,
//! `transferSize` and `contentEncoding` must be what Fetch defines; a body
//! that does not decode must end in a network error entry.

use std::time::Duration;

use loopback_server::coding::{encode, plain_body};
use loopback_server::{Server, ServerOptions};
use measured_fetch::client::{fetch, FetchOptions, MeasuredFetch};
use measured_fetch::content_coding::DecodeError;
use measured_fetch::tls::{certificates_from_pem, ALPN_H2, ALPN_HTTP1};
use measured_fetch::{Clock, HopError, Page, Step};
use resource_timing::PerformanceResourceTiming;
use url::Url;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

async fn server(tls: bool) -> Server {
    Server::start(ServerOptions {
        tls,
        ..ServerOptions::default()
    })
    .await
    .expect("loopback server")
}

async fn load(
    server: &Server,
    target: &str,
    tune: impl FnOnce(&mut FetchOptions),
) -> (MeasuredFetch, std::rc::Rc<PerformanceResourceTiming>) {
    let clock = Clock::new();
    let page = Page::new(server.origin(), &clock);
    let mut options = FetchOptions::new(page.client().clone());
    options.timeout = Duration::from_secs(5);
    if let Some(pem) = server.ca_pem() {
        options.roots = certificates_from_pem(pem.as_bytes()).unwrap();
    }
    tune(&mut options);
    let url: Url = server.origin().join(target).unwrap();
    let measured = fetch(url, &options, &clock).await.expect("fetch starts");
    let entry = measured
        .report_timing(page.performance())
        .expect("an entry");
    (measured, entry)
}

/// The body `/encoded` sends for these codings (applied in order).
fn coded(codings: &[&str], length: usize) -> Vec<u8> {
    let mut body = plain_body(length);
    for coding in codings {
        body = encode(coding, &body).unwrap();
    }
    body
}

const LENGTH: usize = 20_000;

#[test]
fn every_coding_is_decoded_and_both_sizes_reported_over_http1_and_h2() {
    runtime().block_on(async {
        for tls in [false, true] {
            let server = server(tls).await;
            let protocols: &[&[u8]] = if tls {
                &[ALPN_H2, ALPN_HTTP1]
            } else {
                &[ALPN_HTTP1]
            };
            for alpn in protocols {
                for (codings, reported) in [
                    (&["gzip"][..], "gzip"),
                    (&["x-gzip"], "x-gzip"),
                    (&["deflate"], "deflate"),
                    (&["deflate-raw"], "deflate"),
                    (&["br"], "br"),
                    (&["zstd"], "zstd"),
                    (&["gzip", "br"], "multiple"),
                    (&["deflate", "zstd", "gzip"], "multiple"),
                ] {
                    let query: Vec<String> =
                        codings.iter().map(|c| format!("coding={c}")).collect();
                    let target = format!("/encoded?bytes={LENGTH}&{}", query.join("&"));
                    let (measured, entry) =
                        load(&server, &target, |o| o.alpn = vec![alpn.to_vec()]).await;
                    let what = format!("{target} over {}", String::from_utf8_lossy(alpn));
                    assert_eq!(measured.network_error(), None, "{what}");
                    assert_eq!(entry.response_status(), 200, "{what}");
                    let expected = if *alpn == ALPN_H2 {
                        "HTTP/2"
                    } else {
                        "HTTP/1.1"
                    };
                    assert_eq!(measured.hops[0].protocol_name(), expected, "{what}");
                    let wire = coded(codings, LENGTH).len() as u64;
                    assert!(wire < LENGTH as u64 / 4, "{what}: {wire}");
                    assert_eq!(entry.encoded_body_size(), wire, "{what}");
                    assert_eq!(entry.decoded_body_size(), LENGTH as u64, "{what}");
                    assert_eq!(entry.transfer_size(), wire + 300, "{what}");
                    assert_eq!(entry.content_encoding(), reported, "{what}");
                }
            }
            server.shutdown().await;
        }
    });
}

#[test]
fn an_unsupported_coding_is_counted_as_it_is() {
    runtime().block_on(async {
        let server = server(false).await;
        for (coding, reported) in [
            ("snappy", "@unknown"),
            ("identity", "identity"),
            ("compress", "compress"),
        ] {
            let (measured, entry) = load(
                &server,
                &format!("/encoded?bytes=1000&coding={coding}"),
                |_| {},
            )
            .await;
            assert_eq!(measured.network_error(), None, "{coding}");
            assert_eq!(entry.encoded_body_size(), 1000, "{coding}");
            assert_eq!(entry.decoded_body_size(), 1000, "{coding}");
            assert_eq!(entry.content_encoding(), reported, "{coding}");
        }
        let (_, entry) = load(&server, "/encoded?bytes=1000", |_| {}).await;
        assert_eq!(
            (entry.encoded_body_size(), entry.decoded_body_size()),
            (1000, 1000)
        );
        assert_eq!(entry.content_encoding(), "");
        server.shutdown().await;
    });
}

fn decode_failure(measured: &MeasuredFetch) -> &DecodeError {
    let hop = measured.hop_error().expect("a transport failure");
    assert_eq!(hop.step(), Some(Step::ContentDecoding), "{hop}");
    let HopError::Failed { source, .. } = hop else {
        panic!("{hop:?}")
    };
    source.downcast_ref::<DecodeError>().expect("a DecodeError")
}

#[test]
fn a_body_that_does_not_decode_is_a_network_error_entry() {
    runtime().block_on(async {
        for tls in [false, true] {
            let server = server(tls).await;
            for coding in ["gzip", "deflate", "br", "zstd"] {
                for broken in ["corrupt=1", "truncate=5"] {
                    let target = format!("/encoded?bytes={LENGTH}&coding={coding}&{broken}");
                    let (measured, entry) = load(&server, &target, |_| {}).await;
                    let error = decode_failure(&measured);
                    assert!(
                        error.to_string().starts_with(&format!("the {coding} body")),
                        "{target}: {error}"
                    );
                    assert_eq!(entry.response_status(), 0, "{target}");
                    assert_eq!(entry.encoded_body_size(), 0, "{target}");
                    assert_eq!(entry.decoded_body_size(), 0, "{target}");
                    assert_eq!(entry.content_encoding(), "", "{target}");
                    assert!(
                        measured
                            .network_error()
                            .unwrap()
                            .to_string()
                            .contains("content decoding: "),
                        "{target}"
                    );
                }
            }
            server.shutdown().await;
        }
    });
}

#[test]
fn a_decompression_bomb_stops_at_the_decoded_limit() {
    runtime().block_on(async {
        let server = server(false).await;
        let target = "/encoded?bytes=16777216&coding=gzip&coding=br";
        let (measured, entry) = load(&server, target, |o| o.max_decoded_body = 1 << 20).await;
        assert!(
            matches!(decode_failure(&measured), DecodeError::TooLarge { limit } if *limit == 1 << 20)
        );
        assert_eq!(entry.response_status(), 0);
        // Within the default limit the same body decodes whole.
        let (measured, entry) = load(&server, target, |_| {}).await;
        assert_eq!(measured.network_error(), None);
        assert_eq!(entry.decoded_body_size(), 16 << 20);
        assert!(entry.encoded_body_size() < 1 << 20);
        server.shutdown().await;
    });
}
