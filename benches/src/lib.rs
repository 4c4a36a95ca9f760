//! Benchmark inputs shared by the criterion benches in `benches/`.
//!
//! The realistic corpus imitates what CDNs, frameworks and APM agents send
//! (1 to 50 metrics); the adversarial inputs are built to find super-linear
//! behavior.

/// Realistic `Server-Timing` field values.
pub fn realistic_corpus() -> Vec<Vec<u8>> {
    let mut corpus: Vec<Vec<u8>> = [
        // The spec/MDN example.
        &b"cache;desc=\"Cache Read\";dur=23.2, db;dur=53, app;dur=47.2"[..],
        // CDN edge headers.
        b"cdn-cache;desc=HIT, edge;dur=1",
        b"cdn-cache;desc=MISS, edge;dur=12, origin;dur=187",
        b"cfL4;desc=\"?proto=TCP&rtt=12345&min_rtt=11234&rtt_var=3456&sent=6&recv=9&lost=0&retrans=0&sent_bytes=3512&recv_bytes=812&delivery_rate=296543&cwnd=252&unsent_bytes=0&cid=0123456789abcdef&ts=389&x=0\"",
        b"cdn-rid;desc=\"1a2b3c4d5e6f7a8b\", cdn-cache;desc=HIT, cdn-downstream-fbl;dur=35",
        b"fastly-edge;dur=0.3;desc=\"SJC\", shield;dur=22.4;desc=\"IAD\", origin;dur=104.9",
        // Framework timings.
        b"total;dur=123.4, db;dur=45.6;desc=\"Postgres query\", view;dur=12.1;desc=render",
        b"middleware;dur=0.8, routing;dur=0.2, controller;dur=31.7, serialize;dur=2.3",
        b"sql-1;desc=\"SELECT * FROM users WHERE id = ?\";dur=3.2, sql-2;desc=\"SELECT * FROM orders WHERE user_id = ? ORDER BY created_at DESC LIMIT 20\";dur=14.9",
        // APM agents.
        b"traceparent;desc=\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"",
        b"dd;desc=\"trace-id=1234567890123456789\", apm;dur=0.05",
        b"miss, db;dur=53, app;dur=47.2, cache;desc=\"Cache Read\";dur=23.2",
    ]
    .iter()
    .map(|v| v.to_vec())
    .collect();
    // Larger framework dumps: 10, 25 and 50 metrics.
    for count in [10, 25, 50] {
        let mut v = Vec::new();
        for i in 0..count {
            if i > 0 {
                v.extend_from_slice(b", ");
            }
            let entry = match i % 4 {
                0 => format!("step-{i};dur={}.{}", i * 7 % 97, i % 10),
                1 => format!("q{i};dur={};desc=\"query #{i} (users)\"", i * 3),
                2 => format!("cache-{i};desc=HIT"),
                _ => format!("phase_{i};desc=render;dur=0.{}", i * 13 % 1000),
            };
            v.extend_from_slice(entry.as_bytes());
        }
        corpus.push(v);
    }
    corpus
}

/// The corpus the peers are compared on (issue 16): nine field values that
/// every peer parses without error, so each does its whole work. The MDN
/// example, CDN shapes, framework shapes, and a 40-metric APM header.
///
/// http-types splits on every `,`, `;` and `=`, even inside quotes, so no
/// quoted description here holds those bytes; `server-timing` 0.1 fails
/// the whole value on anything outside the grammar (an empty member, a
/// trailing `;`), so there is none of that either.
pub fn peer_corpus() -> Vec<Vec<u8>> {
    let mut corpus: Vec<Vec<u8>> = [
        // The spec/MDN example.
        &b"cache;desc=\"Cache Read\";dur=23.2, db;dur=53, app;dur=47.2"[..],
        // CDN edge headers.
        b"cdn-cache;desc=HIT, edge;dur=1",
        b"cdn-cache;desc=MISS, edge;dur=12, origin;dur=187",
        b"cdn-rid;desc=\"1a2b3c4d5e6f7a8b\", cdn-cache;desc=HIT, cdn-downstream-fbl;dur=35",
        b"fastly-edge;dur=0.3;desc=\"SJC\", shield;dur=22.4;desc=\"IAD\", origin;dur=104.9",
        // Framework timings.
        b"total;dur=123.4, db;dur=45.6;desc=\"Postgres query\", view;dur=12.1;desc=render",
        b"middleware;dur=0.8, routing;dur=0.2, controller;dur=31.7, serialize;dur=2.3",
        b"sql-1;desc=\"SELECT * FROM users WHERE id IN (?)\";dur=3.2, sql-2;desc=\"SELECT * FROM orders ORDER BY created_at DESC LIMIT 20\";dur=14.9",
    ]
    .iter()
    .map(|v| v.to_vec())
    .collect();
    // An APM agent's span dump: 40 metrics.
    let mut apm = Vec::new();
    for i in 0..40 {
        if i > 0 {
            apm.extend_from_slice(b", ");
        }
        let entry = match i % 3 {
            0 => format!(
                "span-{i};dur={}.{};desc=\"GET /api/items/{i}\"",
                i * 7 % 97,
                i % 10
            ),
            1 => format!("db-{i};dur={}", i * 3 + 1),
            _ => format!("cache-{i};desc=HIT;dur=0.{}", i * 13 % 1000),
        };
        apm.extend_from_slice(entry.as_bytes());
    }
    corpus.push(apm);
    corpus
}

/// Adversarial inputs of about `size` bytes each, by name.
pub fn adversarial_corpus(size: usize) -> Vec<(&'static str, Vec<u8>)> {
    let repeat = |unit: &[u8]| -> Vec<u8> { unit.iter().copied().cycle().take(size).collect() };
    let mut long_quoted = b"m;desc=\"".to_vec();
    long_quoted.extend(std::iter::repeat_n(b'x', size));
    long_quoted.push(b'"');
    let mut escapes = b"m;desc=\"".to_vec();
    escapes.extend(repeat(b"\\\""));
    escapes.push(b'"');
    let mut unterminated = b"m;desc=\"".to_vec();
    unterminated.extend(repeat(b"a,b;"));
    vec![
        ("long-quoted-string", long_quoted),
        ("many-escapes", escapes),
        ("unterminated-quote", unterminated),
        ("empty-members", repeat(b", ")),
        ("many-params", repeat(b";dur=1")),
        ("junk", repeat(b"m==  \"\"foo ")),
        ("long-name", repeat(b"a")),
        ("long-dur", {
            let mut v = b"m;dur=1".to_vec();
            v.extend(std::iter::repeat_n(b'0', size));
            v
        }),
    ]
}

/// One cross-origin CORS `<img>` fetch of `url` from `client`, driven
/// through every event (connection, request, a 200 with `headers`, a 5 KiB
/// body) and not yet reported: the input of the *mark resource timing*
/// benches and of the callgrind gate.
pub fn finished_cors_fetch(
    url: &resource_timing::url::Url,
    client: &resource_timing::FetchClient,
    headers: &resource_timing::http::HeaderMap,
) -> resource_timing::Fetch {
    use resource_timing::{ConnectionTimingInfo, Fetch, Request, RequestMode};
    let request = Request::new(url.clone(), RequestMode::Cors).initiator_type("img");
    let mut fetch = Fetch::start(request, client.clone(), 10.0);
    fetch.connection_obtained(&ConnectionTimingInfo {
        domain_lookup_start_time: 10.1,
        domain_lookup_end_time: 11.2,
        connection_start_time: 11.2,
        connection_end_time: 14.3,
        secure_connection_start_time: 12.4,
        alpn_negotiated_protocol: b"h2".as_slice().into(),
    });
    fetch.request_started(14.5);
    fetch.response_started(30.6);
    let _ = fetch.response_headers(200, headers, 30.6);
    fetch.body_received(5120, 5120);
    fetch.end_of_body(32.7);
    fetch
}
