//! The client against hostile HTTP/1.1 servers: a raw TCP server on
//! 127.0.0.1, scripted per case, sends malformed, ambiguous or endless
//! responses. Each case must end (in seconds, bounded by the fetch's own
//! deadline) with the outcome RFC 9112 and Fetch give, without unbounded
//! memory. `docs/http1-framing.md` tabulates the decisions.

use std::time::{Duration, Instant};

use measured_fetch::client::{fetch, ConnectionPool, FetchOptions, MeasuredFetch};
use measured_fetch::{Clock, Page};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

/// What the server does after reading a request head.
#[derive(Debug, Clone)]
enum Act {
    /// Write these bytes.
    Send(Vec<u8>),
    /// Write these bytes one at a time, `ms` apart, until the client leaves.
    Drip(&'static [u8], u64),
    /// Write this piece again and again until the client leaves.
    Endless(&'static [u8]),
    /// Close the connection now.
    Close,
}

fn send(bytes: &[u8]) -> Act {
    Act::Send(bytes.to_vec())
}

/// The outcome a case must have.
#[derive(Debug)]
enum Expect {
    /// A network error whose message contains this.
    Error(&'static str),
    /// A final response with this status and this many body bytes.
    Ok(u16, u64),
}

/// The longest any one case may take, deadline included.
const CASE_BOUND: Duration = Duration::from_secs(6);
/// The bound on each of the server's loops.
const SERVER_BOUND: Duration = Duration::from_secs(8);

/// The answer at `/final`, where the redirect cases point.
const FINAL: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal";

async fn read_request_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 || stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).ok()
}

/// Plays `acts` to each connection's requests for `/`; `/final` gets [`FINAL`].
async fn serve(listener: TcpListener, acts: Vec<Act>) {
    let start = Instant::now();
    while start.elapsed() < SERVER_BOUND {
        let Ok(Ok((mut stream, _))) = tokio::time::timeout(SERVER_BOUND, listener.accept()).await
        else {
            return;
        };
        let acts = acts.clone();
        tokio::spawn(async move {
            while let Some(head) = read_request_head(&mut stream).await {
                if head.starts_with("GET /final ") {
                    let _ = stream.write_all(FINAL).await;
                } else if !play(&mut stream, &acts).await {
                    // Dropped: closed.
                    return;
                }
            }
        });
    }
}

/// Plays `acts`; false when the connection is to be closed now.
async fn play(stream: &mut TcpStream, acts: &[Act]) -> bool {
    let start = Instant::now();
    for act in acts {
        match act {
            Act::Send(bytes) => {
                if stream.write_all(bytes).await.is_err() {
                    return false;
                }
            }
            Act::Drip(bytes, ms) => {
                for byte in bytes.iter().cycle() {
                    if start.elapsed() > SERVER_BOUND || stream.write_all(&[*byte]).await.is_err() {
                        return false;
                    }
                    tokio::time::sleep(Duration::from_millis(*ms)).await;
                }
            }
            Act::Endless(piece) => {
                while start.elapsed() < SERVER_BOUND {
                    if stream.write_all(piece).await.is_err() {
                        return false;
                    }
                    tokio::task::yield_now().await;
                }
                return false;
            }
            Act::Close => return false,
        }
    }
    true
}

/// Runs one case: a server playing `acts`, one fetch of `/`, the outcome
/// checked against `expect`. Returns the measured fetch for further checks.
fn run(acts: Vec<Act>, pool: bool, expect: Expect) -> MeasuredFetch {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let origin = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let server = tokio::spawn(serve(listener, acts));
        let clock = Clock::new();
        let page = Page::new(&origin, &clock);
        let mut options = FetchOptions::new(page.client().clone());
        options.timeout = Duration::from_millis(1500);
        options.max_time = Duration::from_secs(3);
        if pool {
            options = options.with_pool(ConnectionPool::new());
        }
        let started = Instant::now();
        let measured = fetch(origin, &options, &clock).await.expect("an http URL");
        let took = started.elapsed();
        server.abort();
        assert!(took < CASE_BOUND, "took {took:?}");
        match expect {
            Expect::Error(part) => {
                let error = measured
                    .network_error()
                    .unwrap_or_else(|| panic!("no network error; hops {:?}", measured.hops))
                    .to_string();
                assert!(error.contains(part), "{error:?} does not say {part:?}");
            }
            Expect::Ok(status, body) => {
                assert_eq!(measured.network_error(), None);
                assert_eq!(measured.fetch.response_status(), status);
                assert_eq!(measured.fetch.body_info().encoded_size, body);
            }
        }
        measured
    })
}

fn interim_heads(count: usize) -> Act {
    Act::Send(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n".repeat(count))
}

// Head syntax.

#[test]
fn crlf_lf_ends_the_head_and_smuggles_nothing() {
    let measured = run(
        vec![send(
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\nX-Smuggled: 1\r\n\r\n",
        )],
        false,
        Expect::Ok(200, 2),
    );
    assert!(measured.hops[0].headers.get("x-smuggled").is_none());
}

#[test]
fn lf_only_heads_complete() {
    run(
        vec![send(b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok")],
        false,
        Expect::Ok(200, 2),
    );
}

#[test]
fn a_bare_cr_is_malformed() {
    run(
        vec![send(
            b"HTTP/1.1 200 OK\r\nA: 1\rB: 2\r\nContent-Length: 2\r\n\r\nok",
        )],
        false,
        Expect::Error("malformed message head"),
    );
}

#[test]
fn a_four_digit_status_is_malformed() {
    run(
        vec![send(b"HTTP/1.1 0200 OK\r\nContent-Length: 0\r\n\r\n")],
        false,
        Expect::Error("malformed message head"),
    );
}

#[test]
fn an_unknown_minor_version_is_malformed() {
    run(
        vec![send(b"HTTP/1.7 200 OK\r\nContent-Length: 0\r\n\r\n")],
        false,
        Expect::Error("malformed message head"),
    );
}

#[test]
fn a_space_before_the_colon_is_malformed() {
    run(
        vec![send(b"HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n")],
        false,
        Expect::Error("malformed message head"),
    );
}

#[test]
fn a_status_line_without_a_reason_is_fine() {
    run(
        vec![send(b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok")],
        false,
        Expect::Ok(200, 2),
    );
}

#[test]
fn a_head_over_the_limit_fails() {
    let mut head = b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', 70 * 1024));
    head.extend_from_slice(b"\r\n\r\n");
    run(
        vec![Act::Send(head)],
        false,
        Expect::Error("message head over the limit"),
    );
}

#[test]
fn a_dripped_head_meets_the_deadline() {
    run(
        vec![
            send(b"HTTP/1.1 200 OK\r\n"),
            Act::Drip(b"X-Drip: y\r\n", 50),
        ],
        false,
        Expect::Error("deadline"),
    );
}

#[test]
fn silence_times_out() {
    run(
        vec![],
        false,
        Expect::Error("response head: no answer within 1500 ms"),
    );
}

#[test]
fn a_close_before_the_response_fails() {
    run(
        vec![Act::Close],
        false,
        Expect::Error("closed before a response"),
    );
}

#[test]
fn a_close_inside_the_head_fails() {
    run(
        vec![send(b"HTTP/1.1 200 OK\r\nContent-"), Act::Close],
        false,
        Expect::Error("inside a message head"),
    );
}

// Content-Length.

#[test]
fn a_signed_content_length_is_invalid() {
    run(
        vec![send(b"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok")],
        false,
        Expect::Error("invalid Content-Length"),
    );
}

#[test]
fn a_non_ascii_content_length_is_invalid() {
    run(
        vec![send(
            b"HTTP/1.1 200 OK\r\nContent-Length: \xef\xbc\x92\r\n\r\nok",
        )],
        false,
        Expect::Error("invalid Content-Length"),
    );
}

#[test]
fn conflicting_content_lengths_fail() {
    run(
        vec![send(
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
        )],
        false,
        Expect::Error("conflicting Content-Length"),
    );
}

#[test]
fn a_close_inside_the_body_fails() {
    run(
        vec![
            send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
            Act::Close,
        ],
        false,
        Expect::Error("inside the body"),
    );
}

#[test]
fn an_endless_body_meets_the_deadline() {
    run(
        vec![
            send(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\n"),
            Act::Endless(&[b'x'; 4096]),
        ],
        false,
        Expect::Error("deadline"),
    );
}

// Transfer-Encoding.

#[test]
fn a_signed_chunk_size_is_malformed() {
    run(
        vec![send(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+2\r\nok\r\n0\r\n\r\n",
        )],
        false,
        Expect::Error("malformed chunk size"),
    );
}

#[test]
fn a_padded_chunk_size_is_malformed() {
    run(
        vec![send(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 2 \r\nok\r\n0\r\n\r\n",
        )],
        false,
        Expect::Error("malformed chunk size"),
    );
}

#[test]
fn an_overlong_chunk_size_is_malformed() {
    run(
        vec![send(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
        )],
        false,
        Expect::Error("malformed chunk size"),
    );
}

#[test]
fn chunk_data_must_end_in_crlf() {
    run(
        vec![send(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n",
        )],
        false,
        Expect::Error("malformed chunk size"),
    );
}

#[test]
fn an_endless_chunk_extension_is_bounded() {
    let mut bytes = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=".to_vec();
    bytes.extend(std::iter::repeat_n(b'y', 8 * 1024));
    run(
        vec![Act::Send(bytes)],
        false,
        Expect::Error("chunk-size line over the limit"),
    );
}

#[test]
fn endless_chunks_meet_the_deadline() {
    run(
        vec![
            send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Act::Endless(b"4\r\nabcd\r\n"),
        ],
        false,
        Expect::Error("deadline"),
    );
}

#[test]
fn endless_trailers_are_bounded() {
    run(
        vec![
            send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"),
            Act::Endless(b"X-Trailer: yes\r\n"),
        ],
        false,
        Expect::Error("over the limit"),
    );
}

#[test]
fn server_timing_trailers_are_captured() {
    let measured = run(
        vec![send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Server-Timing\r\n\r\n2;ext=1\r\nok\r\n0\r\nServer-Timing: total;dur=12\r\n\r\n")],
        false,
        Expect::Ok(200, 2),
    );
    assert_eq!(measured.hops[0].trailers["server-timing"], "total;dur=12");
}

#[test]
fn chunked_overrides_content_length() {
    run(
        vec![send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")],
        false,
        Expect::Ok(200, 2),
    );
}

#[test]
fn identity_transfer_coding_reads_to_the_close() {
    run(
        vec![
            send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\nokEXTRA"),
            Act::Close,
        ],
        false,
        Expect::Ok(200, 7),
    );
}

#[test]
fn chunked_in_http_1_0_is_faulty() {
    run(
        vec![send(
            b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        )],
        false,
        Expect::Error("Transfer-Encoding in an HTTP/1.0 message"),
    );
}

#[test]
fn no_content_has_no_body() {
    run(
        vec![send(
            b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
        )],
        false,
        Expect::Ok(204, 0),
    );
}

// Interim responses.

#[test]
fn switching_protocols_is_not_an_interim_response() {
    run(
        vec![send(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
        )],
        false,
        Expect::Error("101 Switching Protocols"),
    );
}

#[test]
fn interim_responses_are_counted_not_kept() {
    let mut bytes = b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n".repeat(50);
    bytes.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let measured = run(vec![Act::Send(bytes)], false, Expect::Ok(200, 2));
    let interim = measured.hops[0].interim;
    assert_eq!(interim.count, 50);
    assert_eq!(interim.first_status, Some(103));
    assert!(interim.first_response_start > 0.0);
}

#[test]
fn too_many_interim_responses_fail() {
    run(
        vec![interim_heads(1000)],
        false,
        Expect::Error("more than 100 interim responses"),
    );
}

#[test]
fn endless_interim_responses_fail() {
    run(
        vec![Act::Endless(b"HTTP/1.1 100 Continue\r\n\r\n")],
        false,
        Expect::Error("interim responses"),
    );
}

#[test]
fn large_interim_heads_are_bounded() {
    let mut head = b"HTTP/1.1 103 Early Hints\r\nLink: <".to_vec();
    head.extend(std::iter::repeat_n(b'a', 40 * 1024));
    head.extend_from_slice(b">\r\n\r\n");
    run(
        vec![Act::Send(head.repeat(2))],
        false,
        Expect::Error("interim response heads over"),
    );
}

// Redirects.

#[test]
fn two_different_locations_are_a_network_error() {
    run(
        vec![send(b"HTTP/1.1 302 Found\r\nLocation: /final\r\nLocation: /other\r\nContent-Length: 0\r\n\r\n")],
        false,
        Expect::Error("redirect Location"),
    );
}

#[test]
fn an_unframed_redirect_is_followed_at_once() {
    let started = Instant::now();
    run(
        vec![send(b"HTTP/1.1 302 Found\r\nLocation: /final\r\n\r\n")],
        true,
        Expect::Ok(200, 5),
    );
    // The 1500 ms read timeout was not waited for.
    assert!(started.elapsed() < Duration::from_millis(1400));
}

#[test]
fn a_redirect_with_an_endless_body_is_followed() {
    run(
        vec![
            send(b"HTTP/1.1 302 Found\r\nLocation: /final\r\nContent-Length: 999999999\r\n\r\n"),
            Act::Endless(&[b'x'; 4096]),
        ],
        true,
        Expect::Ok(200, 5),
    );
}

#[test]
fn a_redirect_with_endless_chunks_is_followed() {
    run(
        vec![
            send(b"HTTP/1.1 302 Found\r\nLocation: /final\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Act::Endless(b"4\r\nabcd\r\n"),
        ],
        true,
        Expect::Ok(200, 5),
    );
}

#[test]
fn a_short_redirect_body_keeps_the_connection() {
    let measured = run(
        vec![send(
            b"HTTP/1.1 302 Found\r\nLocation: /final\r\nContent-Length: 4\r\n\r\nmove",
        )],
        true,
        Expect::Ok(200, 5),
    );
    assert!(
        measured.hops[1].reused,
        "the drained connection carried the next hop"
    );
}

// Keep-alive.

/// A server whose first connection answers once, then reads the next
/// request and resets: the client must send it again on a new connection.
#[test]
fn a_reused_connection_closed_under_a_request_is_retried_once() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let server = tokio::spawn(async move {
            let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
            let (mut first, _) = listener.accept().await.unwrap();
            read_request_head(&mut first).await.unwrap();
            first.write_all(ok).await.unwrap();
            // The next request on this connection: read, then reset.
            read_request_head(&mut first).await.unwrap();
            // A zero linger makes the close a reset; it does not block.
            #[allow(deprecated)]
            first.set_linger(Some(Duration::ZERO)).unwrap();
            drop(first);
            let (mut second, _) = listener.accept().await.unwrap();
            read_request_head(&mut second).await.unwrap();
            second.write_all(ok).await.unwrap();
            let mut sink = [0u8; 64];
            let _ = tokio::time::timeout(SERVER_BOUND, second.read(&mut sink)).await;
        });
        let clock = Clock::new();
        let page = Page::new(&origin, &clock);
        let mut options = FetchOptions::new(page.client().clone()).with_pool(ConnectionPool::new());
        options.timeout = Duration::from_millis(1500);
        let first = fetch(origin.clone(), &options, &clock).await.unwrap();
        assert_eq!(first.network_error(), None);
        assert_eq!(options.pool.as_ref().unwrap().idle_connections(), 1);
        let second = fetch(origin, &options, &clock).await.unwrap();
        assert_eq!(second.network_error(), None, "{:?}", second.hops);
        assert_eq!(second.fetch.response_status(), 200);
        assert!(second.hops[0].retried);
        assert!(!second.hops[0].reused, "the retry went on a new connection");
        server.await.unwrap();
    });
}
