//! "Mark resource timing" for a typical cross-origin response with TAO and
//! five server-timing metrics: from the reported timing info to an entry
//! in the resource timing buffer (the bar: under 1 µs). Also the
//! whole driver (every event of one fetch, then report timing), and the
//! first read of `serverTiming` (parsing is lazy).
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::rc::Rc;
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::{Performance, PerformanceEntry};
use resource_timing::{Fetch, FetchClient, PerformanceResourceTiming};

const SERVER_TIMING: &str =
    "cdn-cache;desc=HIT, edge;dur=1.5, origin;dur=23.2;desc=\"Origin fetch\", db;dur=53, app;dur=47.2";

fn global() -> (ReferenceEventLoop, Rc<Performance<ReferenceEmbedder>>) {
    let event_loop = ReferenceEventLoop::new();
    let url = url::Url::parse("https://shop.example/").expect("static URL");
    let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &url));
    (event_loop, performance)
}

fn headers() -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "timing-allow-origin",
        "https://shop.example".parse().expect("valid"),
    );
    headers.insert("server-timing", SERVER_TIMING.parse().expect("valid"));
    headers.insert("content-type", "image/png".parse().expect("valid"));
    headers.insert("access-control-allow-origin", "*".parse().expect("valid"));
    headers
}

use benches::finished_cors_fetch as finished_fetch;

fn bench(c: &mut Criterion) {
    let (_event_loop, performance) = global();
    let url = url::Url::parse("https://cdn.example/img/logo.png?v=3").expect("static URL");
    let client =
        FetchClient::for_page(&url::Url::parse("https://shop.example/").expect("static URL"));
    let headers = headers();
    let fetch = finished_fetch(&url, &client, &headers);
    let keep_room = |performance: &Performance<ReferenceEmbedder>| {
        if !performance.can_add_resource_timing_entry() {
            performance.clear_resource_timings();
        }
    };

    let mut group = c.benchmark_group("resource-timing");
    // A fetch reports its timing once, and the measure is an entry that
    // lands in the resource timing buffer: each iteration reports a fresh
    // copy of the finished fetch, the copies made and the buffer emptied
    // outside the timed part, in rounds that fit in the buffer. (With
    // `iter_batched`, a whole batch of setups runs before the routine, so the
    // buffer would fill and every later entry would go to the secondary
    // buffer, which grows without bound while no event loop runs.)
    group.bench_function("report-timing/cross-origin-tao-5-metrics", |b| {
        b.iter_custom(|iters| {
            let round = performance.resource_timing_buffer_size_limit() as u64;
            let mut elapsed = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(round);
                performance.clear_resource_timings();
                let fetches: Vec<Fetch> = (0..n).map(|_| fetch.clone()).collect();
                let start = Instant::now();
                for fetch in &fetches {
                    black_box(fetch.report_timing(&performance));
                }
                elapsed += start.elapsed();
                left -= n;
            }
            elapsed
        })
    });
    assert_eq!(
        performance.resource_timing_secondary_buffer_current_size(),
        0,
        "every reported entry went to the resource timing buffer"
    );
    group.bench_function("fetch-events+report-timing", |b| {
        b.iter(|| {
            keep_room(&performance);
            let fetch = finished_fetch(black_box(&url), &client, &headers);
            black_box(fetch.report_timing(&performance))
        })
    });
    let entry = fetch.clone().report_timing(&performance).expect("an entry");
    group.bench_function("server-timing/first-read-5-metrics", |b| {
        b.iter_batched(
            || {
                keep_room(&performance);
                fetch.clone().report_timing(&performance).expect("an entry")
            },
            |entry| black_box(entry.server_timing()),
            criterion::BatchSize::SmallInput,
        )
    });
    group.bench_function("to-json", |b| b.iter(|| black_box(entry.to_json())));
    let typed: &PerformanceResourceTiming = &entry;
    assert_eq!(typed.server_timing().len(), 5);
    // Memory of one buffered resource entry: the object, and the payload of
    // its heap strings and captured header bytes (allocator rounding aside).
    let heap = typed.name().len()
        + typed.next_hop_protocol().len()
        + typed.content_type().len()
        + typed.content_encoding().len()
        + typed
            .server_timing_headers()
            .combined_value()
            .map_or(0, <[u8]>::len);
    eprintln!(
        "resource-timing/memory: PerformanceResourceTiming {} bytes + 16 (Arc counts) + {heap} bytes \
         of strings and captured Server-Timing on the heap, before serverTiming is read",
        std::mem::size_of::<PerformanceResourceTiming>()
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
