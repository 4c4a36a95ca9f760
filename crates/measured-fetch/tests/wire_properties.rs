//! Whatever bytes a server sends, the HTTP/1.1 reader gives a defined
//! result (a head, a body, or a typed error) and never panics.

use std::time::Duration;

use measured_fetch::wire::{parse_response_head, response_body_framing, ResponseReader};
use measured_fetch::Clock;
use proptest::prelude::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Bytes that look like HTTP often enough to reach the deeper paths.
fn response_bytes() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop_oneof![
        Just(b"HTTP/1.1 200 OK\r\n".to_vec()),
        Just(b"HTTP/1.1 103 Early Hints\r\n".to_vec()),
        Just(b"Content-Length: 5\r\n".to_vec()),
        Just(b"Content-Length: x\r\n".to_vec()),
        Just(b"Transfer-Encoding: chunked\r\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"5\r\nhello\r\n".to_vec()),
        Just(b"0\r\n\r\n".to_vec()),
        Just(b"ffffffffffffffffff\r\n".to_vec()),
        prop::collection::vec(any::<u8>(), 0..20),
    ];
    prop::collection::vec(pieces, 0..12).prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn any_response_bytes_give_a_defined_result(bytes in response_bytes()) {
        let outcome = runtime().block_on(async {
            let mut reader = ResponseReader::new(bytes.as_slice(), Clock::new(), Duration::from_secs(1));
            let mut heads = 0;
            let mut body = 0u64;
            loop {
                let head = match reader.read_head().await {
                    Ok(head) => head,
                    Err(error) => return (heads, body, Some(error)),
                };
                heads += 1;
                if (100..200).contains(&head.status) {
                    continue;
                }
                let framing = match response_body_framing(&head, false) {
                    Ok(framing) => framing,
                    Err(error) => return (heads, body, Some(error.into())),
                };
                let result = reader.read_body(framing.body, |piece| body += piece.len() as u64).await;
                return (heads, body, result.err());
            }
        });
        let (_, body, _) = outcome;
        prop_assert!(body <= bytes.len() as u64, "never more body than bytes");
    }

    #[test]
    fn any_head_bytes_parse_or_fail(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(Some(head)) = parse_response_head(&bytes) {
            prop_assert!((100..=999).contains(&head.status));
            prop_assert!(head.size <= bytes.len());
        }
    }
}
