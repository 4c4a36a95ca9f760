//! The HTTP/1.1 reader (measured-fetch's `wire`) on arbitrary bytes: heads,
//! framing, bodies and trailers give a result or a typed error, never a
//! panic, and never more body than the bytes given.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use measured_fetch::wire::{
    parse_request_head, request_body_framing, response_body_framing, Reader,
};
use measured_fetch::Clock;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((request, size))) = parse_request_head(data) {
        assert!(size <= data.len());
        let _ = request_body_framing(&request);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mut reader = Reader::new(data, Clock::new(), Duration::from_secs(1));
        let mut body = 0usize;
        for _ in 0..8 {
            let Ok(head) = reader.read_head().await else { return };
            let Ok(framing) = response_body_framing(&head, false) else { return };
            if (100..200).contains(&head.status) {
                continue;
            }
            let _ = reader.read_body(framing.body, |piece| body += piece.len()).await;
            break;
        }
        assert!(body <= data.len());
    });
});
