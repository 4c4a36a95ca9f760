//! Real fetches over loopback sockets: same-origin and cross-origin pages,
//! each TAO form, redirect chains across the server's two origins, secure
//! and insecure clients, TLS with ALPN h2 and http/1.1, 103 responses, and
//! faults.

use std::time::Duration;

use loopback_server::{Server, ServerOptions};
use measured_fetch::client::{fetch, ConnectionPool, FetchOptions, MeasuredFetch};
use measured_fetch::tls::{certificates_from_pem, ALPN_H2, ALPN_HTTP1};
use measured_fetch::{Clock, Page};
use resource_timing::performance_timeline::PerformanceEntry;
use resource_timing::{FetchClient, NetworkError, PerformanceResourceTiming, RequestMode};
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
        mdn_delay: Duration::from_millis(30),
        ..ServerOptions::default()
    })
    .await
    .expect("loopback server")
}

struct Outcome {
    measured: MeasuredFetch,
    entry: std::rc::Rc<PerformanceResourceTiming>,
}

async fn load(
    page: &Page,
    url: Url,
    tune: impl FnOnce(&mut FetchOptions),
    clock: &Clock,
) -> Outcome {
    let mut options = FetchOptions::new(page.client().clone());
    options.timeout = Duration::from_secs(5);
    tune(&mut options);
    let measured = fetch(url, &options, clock).await.expect("fetch starts");
    let entry = measured
        .report_timing(page.performance())
        .expect("an entry");
    Outcome { measured, entry }
}

fn names(entry: &PerformanceResourceTiming) -> Vec<String> {
    entry
        .server_timing()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

fn assert_monotonic(entry: &PerformanceResourceTiming) {
    let order = [
        ("startTime", entry.start_time()),
        ("fetchStart", entry.fetch_start()),
        ("domainLookupStart", entry.domain_lookup_start()),
        ("domainLookupEnd", entry.domain_lookup_end()),
        ("connectStart", entry.connect_start()),
        ("connectEnd", entry.connect_end()),
        ("requestStart", entry.request_start()),
        ("responseStart", entry.response_start()),
        ("responseEnd", entry.response_end()),
    ];
    for pair in order.windows(2) {
        assert!(
            pair[0].1 <= pair[1].1,
            "{} {} > {} {}",
            pair[0].0,
            pair[0].1,
            pair[1].0,
            pair[1].1
        );
    }
    assert!(entry.start_time() >= 0.0);
}

fn url(base: &Url, target: &str) -> Url {
    base.join(target).expect("a URL")
}

#[test]
fn same_origin_page_sees_the_mdn_example() {
    runtime().block_on(async {
        let server = server(false).await;
        let clock = Clock::new();
        let page = Page::new(server.origin(), &clock);
        let outcome = load(&page, server.origin().clone(), |_| {}, &clock).await;
        let entry = &outcome.entry;
        assert_eq!(names(entry), ["cache", "db", "app"]);
        assert_eq!(entry.server_timing()[0].description(), "Cache Read");
        assert_eq!(entry.server_timing()[0].duration(), 23.2);
        assert_eq!(entry.response_status(), 200);
        assert_eq!(entry.next_hop_protocol(), "http/1.1");
        assert_eq!(
            entry.encoded_body_size(),
            "Hello from the MDN example.\n".len() as u64
        );
        assert_eq!(entry.transfer_size(), entry.encoded_body_size() + 300);
        assert_monotonic(entry);
        // The server sent the body 30 ms after the request arrived (measured
        // from requestStart: a busy client may read the head late).
        assert!(
            entry.response_end() - entry.request_start() >= 29.0,
            "{}",
            entry.to_json()
        );
        assert_eq!(outcome.measured.hops.len(), 1);
        server.shutdown().await;
    });
}

#[test]
fn cross_origin_pages_and_each_tao_form() {
    runtime().block_on(async {
        let server = server(false).await;
        let clock = Clock::new();
        // The page is on the other origin; the resource on the first.
        let page = Page::new(server.other_origin(), &clock);
        let page_origin = server.other_origin().origin().ascii_serialization();
        let cases = [
            ("/?acao=*", true, false),
            ("/?acao=*&tao=*", true, true),
            (&*format!("/?acao=*&tao={page_origin}"), true, true),
            (
                &*format!("/?acao=*&tao=http://example.test,{page_origin}"),
                true,
                true,
            ),
            (
                &*format!("/?acao=*&tao=http://example.test&tao={page_origin}"),
                true,
                true,
            ),
            (&*format!("/?acao=*&tao={page_origin}/"), true, false),
            ("/?acao=*&tao=null", true, false),
            // No ACAO: a CORS fetch is a network error.
            ("/?tao=*", false, false),
        ];
        for (target, cors_ok, exposed) in cases {
            let outcome = load(&page, url(server.origin(), target), |_| {}, &clock).await;
            let entry = &outcome.entry;
            assert_eq!(entry.response_status() == 200, cors_ok, "{target}: status");
            assert_eq!(
                !entry.server_timing().is_empty(),
                exposed,
                "{target}: serverTiming"
            );
            assert_eq!(
                entry.request_start() > 0.0,
                exposed,
                "{target}: requestStart"
            );
            if !exposed {
                assert_eq!(entry.transfer_size(), 0, "{target}");
                assert_eq!(entry.next_hop_protocol(), "", "{target}");
            }
        }
        server.shutdown().await;
    });
}

#[test]
fn no_cors_requests_hide_status_and_sizes() {
    runtime().block_on(async {
        let server = server(false).await;
        let clock = Clock::new();
        let page = Page::new(server.other_origin(), &clock);
        let outcome = load(
            &page,
            url(server.origin(), "/?tao=*"),
            |options| {
                options.mode = RequestMode::NoCors;
                options.initiator_type = "img".into();
            },
            &clock,
        )
        .await;
        assert_eq!(names(&outcome.entry), ["cache", "db", "app"]);
        assert_eq!(outcome.entry.response_status(), 0);
        assert_eq!(outcome.entry.encoded_body_size(), 0);
        assert_eq!(outcome.entry.initiator_type(), "img");
        server.shutdown().await;
    });
}

#[test]
fn redirect_chains_across_the_two_origins() {
    runtime().block_on(async {
        let server = server(false).await;
        let clock = Clock::new();
        let page = Page::new(server.origin(), &clock);
        let other = server.other_origin();
        let final_url = url(other, "/echo?st=final;dur=5&acao=*");
        // Without TAO on the cross-origin hop: opaque.
        let chain = url(
            server.origin(),
            &format!("/redirect?to={}", urlencode(final_url.as_str())),
        );
        let outcome = load(&page, chain, |_| {}, &clock).await;
        assert_eq!(outcome.measured.hops.len(), 2);
        assert_eq!(outcome.measured.hops[0].status, 302);
        assert!(outcome.entry.server_timing().is_empty());
        assert_eq!(outcome.entry.redirect_start(), 0.0);
        assert_eq!(outcome.entry.name(), outcome.measured.hops[0].url.as_str());
        // With TAO * on the final hop: exposed, and redirect times are set.
        let final_url = url(other, "/echo?st=final;dur=5&acao=*&tao=*");
        let chain = url(
            server.origin(),
            &format!("/redirect?to={}", urlencode(final_url.as_str())),
        );
        let outcome = load(&page, chain, |_| {}, &clock).await;
        assert_eq!(names(&outcome.entry), ["final"]);
        assert_eq!(outcome.entry.redirect_start(), outcome.entry.start_time());
        assert!(outcome.entry.redirect_end() >= outcome.entry.redirect_start());
        assert_eq!(outcome.entry.fetch_start(), outcome.entry.redirect_end());
        assert_monotonic(&outcome.entry);
        // Back to the first origin after a cross-origin hop: that hop needs TAO too,
        // and the last hop sees the origin "null" (the request is tainted).
        let back = url(server.origin(), "/echo?st=back&acao=null&tao=*");
        let middle = url(
            other,
            &format!("/redirect?acao=*&tao=*&to={}", urlencode(back.as_str())),
        );
        let chain = url(
            server.origin(),
            &format!("/redirect?to={}", urlencode(middle.as_str())),
        );
        let outcome = load(&page, chain, |_| {}, &clock).await;
        assert_eq!(outcome.measured.hops.len(), 3);
        assert_eq!(names(&outcome.entry), ["back"]);
        server.shutdown().await;
    });
}

#[test]
fn insecure_clients_get_an_empty_list() {
    runtime().block_on(async {
        let server = server(false).await;
        let clock = Clock::new();
        // A page on a non-loopback http origin is not a secure context.
        let insecure = Url::parse("http://shop.example/").unwrap();
        let page = Page::new(&insecure, &clock);
        assert!(!page.client().is_secure_context);
        let outcome = load(
            &page,
            url(server.origin(), "/?acao=*&tao=*"),
            |_| {},
            &clock,
        )
        .await;
        assert!(outcome.entry.server_timing().is_empty());
        assert!(
            outcome.entry.request_start() > 0.0,
            "TAO still exposes the timings"
        );
        server.shutdown().await;
    });
}

#[test]
fn tls_with_h2_and_http1() {
    runtime().block_on(async {
        let server = server(true).await;
        let clock = Clock::new();
        let roots = certificates_from_pem(server.ca_pem().unwrap().as_bytes()).unwrap();
        let page = Page::new(server.origin(), &clock);
        for (alpn, protocol) in [(ALPN_H2, "h2"), (ALPN_HTTP1, "http/1.1")] {
            let outcome = load(
                &page,
                server.origin().clone(),
                |options| {
                    options.roots = roots.clone();
                    options.alpn = vec![alpn.to_vec()];
                },
                &clock,
            )
            .await;
            let entry = &outcome.entry;
            assert_eq!(outcome.measured.network_error(), None, "{protocol}");
            assert_eq!(entry.next_hop_protocol(), protocol);
            assert_eq!(names(entry), ["cache", "db", "app"], "{protocol}");
            assert!(entry.secure_connection_start() >= entry.connect_start(), "{protocol}");
            assert!(entry.secure_connection_start() > 0.0);
            assert!(entry.connect_end() >= entry.secure_connection_start());
            assert_monotonic(entry);
        }
        // Without the test CA the handshake fails: a network error entry.
        let outcome = load(&page, server.origin().clone(), |_| {}, &clock).await;
        assert!(matches!(outcome.measured.network_error(), Some(NetworkError::Transport(e)) if e.to_string().contains("TLS")));
        assert_eq!(outcome.entry.response_status(), 0);
        server.shutdown().await;
    });
}

#[test]
fn early_hints_feed_first_interim_response_start() {
    runtime().block_on(async {
        let server = server(false).await;
        let clock = Clock::new();
        let page = Page::new(server.origin(), &clock);
        let outcome = load(&page, url(server.origin(), "/early-hints"), |_| {}, &clock).await;
        let entry = &outcome.entry;
        assert_eq!(outcome.measured.hops[0].interim.count, 1);
        assert_eq!(outcome.measured.hops[0].interim.first_status, Some(103));
        assert!(entry.first_interim_response_start() > 0.0);
        assert_eq!(entry.response_start(), entry.first_interim_response_start());
        assert!(entry.final_response_headers_start() >= entry.first_interim_response_start());
        assert_eq!(names(entry), ["hints"]);
        assert_monotonic(entry);
        server.shutdown().await;
    });
}

#[test]
fn faults_give_network_error_entries() {
    runtime().block_on(async {
        let server = server(false).await;
        let clock = Clock::new();
        let page = Page::new(server.origin(), &clock);
        for (target, expected) in [
            ("/reset", "body"),
            ("/bad-header", "malformed"),
            ("/hang", "response head: no answer within 300 ms"),
        ] {
            let outcome = load(
                &page,
                url(server.origin(), target),
                |options| options.timeout = Duration::from_millis(300),
                &clock,
            )
            .await;
            let error = outcome
                .measured
                .network_error()
                .expect("a network error")
                .to_string();
            assert!(
                error.contains(expected) || error.contains("no data"),
                "{target}: {error}"
            );
            let entry = &outcome.entry;
            assert_eq!(entry.response_status(), 0, "{target}");
            assert!(entry.server_timing().is_empty(), "{target}");
            assert_eq!(entry.request_start(), 0.0, "{target}");
            assert_eq!(entry.fetch_start(), entry.start_time(), "{target}");
        }
        // Nothing listens: connection refused.
        let closed = Url::parse("http://127.0.0.1:9/").unwrap();
        let outcome = load(&page, closed, |_| {}, &clock).await;
        assert!(outcome.measured.network_error().is_some());
        server.shutdown().await;
    });
}

/// On a reused connection, Fetch's *clamp and coarsen connection timing
/// info* puts every connection time at `fetchStart`.
fn assert_reused_connection(entry: &PerformanceResourceTiming) {
    let fetch_start = entry.fetch_start();
    for (name, value) in [
        ("domainLookupStart", entry.domain_lookup_start()),
        ("domainLookupEnd", entry.domain_lookup_end()),
        ("connectStart", entry.connect_start()),
        ("connectEnd", entry.connect_end()),
    ] {
        assert_eq!(value, fetch_start, "{name} on a reused connection");
    }
}

#[test]
fn a_pool_reuses_http1_connections_and_their_entries_show_it() {
    runtime().block_on(async {
        let server = server(false).await;
        let clock = Clock::new();
        let page = Page::new(server.origin(), &clock);
        let pool = ConnectionPool::new();
        let pooled = |options: &mut FetchOptions| options.pool = Some(pool.clone());
        // The first fetch opens the connection and leaves it in the pool.
        let first = load(&page, url(server.origin(), "/echo?st=a"), pooled, &clock).await;
        assert!(!first.measured.hops[0].reused);
        assert_eq!(pool.idle_connections(), 1);
        // Make the connection old enough that its times fall before the next fetch's start.
        tokio::time::sleep(Duration::from_millis(2)).await;
        let second = load(&page, url(server.origin(), "/echo?st=b"), pooled, &clock).await;
        assert!(second.measured.hops[0].reused);
        assert_eq!(names(&second.entry), ["b"]);
        assert_eq!(second.entry.response_status(), 200);
        assert_reused_connection(&second.entry);
        assert_monotonic(&second.entry);
        assert_eq!(pool.idle_connections(), 1);
        // A redirect's connection is reused for the next hop to the same origin.
        let target = format!("/redirect?to={}", urlencode("/echo?st=c"));
        let third = load(&page, url(server.origin(), &target), pooled, &clock).await;
        assert_eq!(third.measured.hops.len(), 2);
        assert!(third.measured.hops.iter().all(|hop| hop.reused));
        assert_eq!(names(&third.entry), ["c"]);
        // Another origin gets its own connection.
        let other = load(
            &page,
            url(server.other_origin(), "/echo?acao=*&tao=*"),
            pooled,
            &clock,
        )
        .await;
        assert!(!other.measured.hops[0].reused);
        assert!(other.entry.connect_end() >= other.entry.connect_start());
        assert_eq!(pool.idle_connections(), 2);
        // Without a pool every hop opens its own connection.
        let fresh = load(&page, url(server.origin(), "/echo"), |_| {}, &clock).await;
        assert!(!fresh.measured.hops[0].reused);
        server.shutdown().await;
    });
}

#[test]
fn a_pool_reuses_h2_connections() {
    runtime().block_on(async {
        let server = server(true).await;
        let clock = Clock::new();
        let roots = certificates_from_pem(server.ca_pem().unwrap().as_bytes()).unwrap();
        let page = Page::new(server.origin(), &clock);
        let pool = ConnectionPool::new();
        let options = |options: &mut FetchOptions| {
            options.roots = roots.clone();
            options.alpn = vec![ALPN_H2.to_vec()];
            options.pool = Some(pool.clone());
        };
        let first = load(&page, url(server.origin(), "/echo?st=a"), options, &clock).await;
        assert!(!first.measured.hops[0].reused);
        assert!(first.entry.secure_connection_start() > 0.0);
        tokio::time::sleep(Duration::from_millis(2)).await;
        let second = load(&page, url(server.origin(), "/echo?st=b"), options, &clock).await;
        assert!(second.measured.hops[0].reused);
        assert_eq!(second.entry.next_hop_protocol(), "h2");
        assert_eq!(names(&second.entry), ["b"]);
        assert_reused_connection(&second.entry);
        assert_eq!(
            second.entry.secure_connection_start(),
            second.entry.fetch_start()
        );
        server.shutdown().await;
    });
}

#[test]
fn a_connection_the_server_closed_while_idle_is_not_reused() {
    runtime().block_on(async {
        let server = Server::start(ServerOptions {
            keep_alive: Duration::from_millis(20),
            ..ServerOptions::default()
        })
        .await
        .expect("loopback server");
        let clock = Clock::new();
        let page = Page::new(server.origin(), &clock);
        let pool = ConnectionPool::new();
        let pooled = |options: &mut FetchOptions| options.pool = Some(pool.clone());
        load(&page, url(server.origin(), "/echo"), pooled, &clock).await;
        assert_eq!(pool.idle_connections(), 1);
        // The server's keep-alive time runs out.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let second = load(&page, url(server.origin(), "/echo?st=late"), pooled, &clock).await;
        assert_eq!(second.measured.network_error(), None);
        assert!(!second.measured.hops[0].reused);
        assert_eq!(names(&second.entry), ["late"]);
        assert_eq!(pool.idle_connections(), 1);
        server.shutdown().await;
    });
}

#[test]
fn a_request_on_a_connection_that_closes_unanswered_goes_again_on_a_new_one() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    runtime().block_on(async {
        // A server that answers the first request of each connection and
        // closes the connection, unanswered, when a second request comes.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buffer = [0u8; 4096];
                    let mut seen = Vec::new();
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buffer[..n]),
                        }
                    }
                    let reply =
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer-Timing: once\r\n\r\nok";
                    if stream.write_all(reply).await.is_err() {
                        return;
                    }
                    // The next request gets no answer: the connection closes.
                    let _ = stream.read(&mut buffer).await;
                });
            }
        });
        let clock = Clock::new();
        let page = Page::new(&origin, &clock);
        let pool = ConnectionPool::new();
        let pooled = |options: &mut FetchOptions| options.pool = Some(pool.clone());
        let first = load(&page, origin.clone(), pooled, &clock).await;
        assert_eq!(names(&first.entry), ["once"]);
        assert_eq!(pool.idle_connections(), 1);
        let second = load(&page, origin.clone(), pooled, &clock).await;
        assert_eq!(second.measured.network_error(), None);
        assert_eq!(names(&second.entry), ["once"]);
        assert!(
            !second.measured.hops[0].reused,
            "went again on a new connection"
        );
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 2);
    });
}

#[test]
fn unsupported_schemes_are_typed_errors() {
    runtime().block_on(async {
        let clock = Clock::new();
        let options = FetchOptions::new(FetchClient::for_page(
            &Url::parse("https://a.example/").unwrap(),
        ));
        let error = fetch(Url::parse("ftp://a.example/x").unwrap(), &options, &clock)
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot fetch a ftp: URL (only http and https)"
        );
    });
}

#[test]
fn the_server_refuses_non_loopback_addresses() {
    runtime().block_on(async {
        let options = ServerOptions {
            addr: "0.0.0.0:0".parse().unwrap(),
            ..ServerOptions::default()
        };
        assert!(matches!(
            Server::start(options).await,
            Err(loopback_server::ServerError::NotLoopback(_))
        ));
    });
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
