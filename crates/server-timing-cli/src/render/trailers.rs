//! `Server-Timing` sent as a trailer field (after the body, in a chunked
//! HTTP/1.1 response or an HTTP/2 trailers frame): shown by `fetch`, with the
//! note that no browser exposes trailer metrics to pages today.

use std::fmt::Write as _;

use fetch_headers::{get_a_header, SERVER_TIMING};
use measured_fetch::client::MeasuredFetch;
use server_timing::parse_server_timing_header_lines;

/// The lines `fetch` prints for every hop that sent `Server-Timing`
/// trailers; nothing when none did.
pub fn trailer_lines(measured: &MeasuredFetch) -> String {
    let mut out = String::new();
    for (i, hop) in measured.hops.iter().enumerate() {
        let lines: Vec<&[u8]> = hop
            .trailers
            .get_all(SERVER_TIMING)
            .iter()
            .map(|v| v.as_bytes())
            .collect();
        let Some(combined) = get_a_header(lines.iter().copied()) else {
            continue;
        };
        let _ = writeln!(
            out,
            "Server-Timing trailer, hop {}: {}",
            i + 1,
            String::from_utf8_lossy(&combined)
        );
        for (n, metric) in parse_server_timing_header_lines(lines.iter().copied())
            .iter()
            .enumerate()
        {
            let _ = writeln!(out, "  {n}: {metric}");
        }
        out.push_str(
            "  (no browser exposes trailer metrics to pages today: serverTiming lists the header's only)\n",
        );
    }
    out
}
