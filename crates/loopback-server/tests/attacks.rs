//! The loopback server under attack: response splitting, request
//! smuggling, idle and slow connections. Raw TCP on 127.0.0.1, every case
//! bounded in time.

use std::time::Duration;

use loopback_server::{Server, ServerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

async fn server(options: ServerOptions) -> Server {
    Server::start(ServerOptions {
        mdn_delay: Duration::ZERO,
        ..options
    })
    .await
    .expect("a loopback server")
}

async fn connect(server: &Server) -> TcpStream {
    let addr = format!(
        "{}:{}",
        server.origin().host_str().unwrap(),
        server.origin().port().unwrap()
    );
    TcpStream::connect(addr).await.expect("a connection")
}

/// Sends `request` and reads everything until the server closes (or 3 s pass).
async fn exchange(server: &Server, request: &[u8]) -> String {
    let mut stream = connect(server).await;
    stream.write_all(request).await.unwrap();
    read_to_close(&mut stream, Duration::from_secs(3)).await
}

async fn read_to_close(stream: &mut TcpStream, limit: Duration) -> String {
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(limit, stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn response_count(answer: &str) -> usize {
    answer.matches("HTTP/1.1 ").count()
}

#[test]
fn query_values_cannot_split_the_response() {
    runtime().block_on(async {
        let server = server(ServerOptions::default()).await;
        for target in [
            "/echo?st=a%0d%0aX-Injected:%20yes",
            "/echo?tao=a%0aX-Injected:%20yes",
            "/redirect?to=/x%0d%0aSet-Cookie:%20a=b",
        ] {
            let request = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let answer = exchange(&server, request.as_bytes()).await;
            assert!(answer.starts_with("HTTP/1.1 400 "), "{target}: {answer}");
            assert!(!answer.contains("\r\nX-Injected"), "{target}: {answer}");
            assert!(!answer.contains("\r\nSet-Cookie"), "{target}: {answer}");
        }
        server.shutdown().await;
    });
}

#[test]
fn the_echoed_origin_cannot_split_the_response() {
    runtime().block_on(async {
        let server = server(ServerOptions::default()).await;
        let answer = exchange(
            &server,
            b"GET /echo?acao=origin HTTP/1.1\r\nHost: x\r\nOrigin: http://a\nX-Injected: yes\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
        assert!(answer.contains("access-control-allow-origin: http://a\r\n"), "{answer}");
        assert!(!answer.to_ascii_lowercase().contains("\r\nx-injected"), "{answer}");
        server.shutdown().await;
    });
}

#[test]
fn a_request_body_is_never_read_as_a_request() {
    runtime().block_on(async {
        let server = server(ServerOptions::default()).await;
        let smuggled = "GET /echo?st=smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
        let request = format!(
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{smuggled}GET /echo?st=next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            smuggled.len()
        );
        let answer = exchange(&server, request.as_bytes()).await;
        assert_eq!(response_count(&answer), 2, "{answer}");
        assert!(!answer.contains("smuggled"), "{answer}");
        assert!(answer.contains("server-timing: next"), "{answer}");

        let chunked = format!(
            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{smuggled}\r\n0\r\n\r\nGET /echo?st=next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            smuggled.len()
        );
        let answer = exchange(&server, chunked.as_bytes()).await;
        assert_eq!(response_count(&answer), 2, "{answer}");
        assert!(!answer.contains("smuggled"), "{answer}");
        server.shutdown().await;
    });
}

#[test]
fn requests_that_cannot_be_framed_are_refused() {
    runtime().block_on(async {
        let server = server(ServerOptions::default()).await;
        for framing in [
            "Content-Length: 5\r\nTransfer-Encoding: chunked",
            "Transfer-Encoding: gzip",
            "Content-Length: +5",
            "Content-Length: 5\r\nContent-Length: 6",
        ] {
            let request = format!(
                "POST /echo HTTP/1.1\r\nHost: x\r\n{framing}\r\n\r\nhelloGET /echo?st=smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
            );
            let answer = exchange(&server, request.as_bytes()).await;
            assert!(answer.starts_with("HTTP/1.1 400 "), "{framing}: {answer}");
            assert_eq!(response_count(&answer), 1, "{framing}: {answer}");
        }
        let answer = exchange(
            &server,
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
        server.shutdown().await;
    });
}

#[test]
fn a_slow_request_head_is_cut_off() {
    runtime().block_on(async {
        let server = server(ServerOptions {
            head_timeout: Duration::from_millis(300),
            ..ServerOptions::default()
        })
        .await;
        let mut stream = connect(&server).await;
        let started = std::time::Instant::now();
        // One byte every 50 ms: each read is quick, the whole head is not.
        let mut closed = false;
        for byte in
            b"GET /echo HTTP/1.1\r\nX-Drip: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                .iter()
        {
            if stream.write_all(&[*byte]).await.is_err() {
                closed = true;
                break;
            }
            let mut probe = [0u8; 1];
            if let Ok(Ok(0)) =
                tokio::time::timeout(Duration::from_millis(50), stream.read(&mut probe)).await
            {
                closed = true;
                break;
            }
        }
        assert!(
            closed,
            "the server still waits after {:?}",
            started.elapsed()
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        server.shutdown().await;
    });
}

#[test]
fn connections_over_the_cap_wait() {
    runtime().block_on(async {
        let server = server(ServerOptions {
            max_connections: 2,
            ..ServerOptions::default()
        })
        .await;
        let first = connect(&server).await;
        let second = connect(&server).await;
        // Let the server accept both.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut third = connect(&server).await;
        third
            .write_all(b"GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut byte = [0u8; 1];
        let waiting = tokio::time::timeout(Duration::from_millis(300), third.read(&mut byte)).await;
        assert!(
            waiting.is_err(),
            "the third connection was served over the cap"
        );
        drop(first);
        let answer = read_to_close(&mut third, Duration::from_secs(3)).await;
        assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
        drop(second);
        server.shutdown().await;
    });
}
