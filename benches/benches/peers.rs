//! Our parser and its Rust peers side by side, in one process, on the same
//! corpus (`benches::peer_corpus`, nine field values): crates.io's
//! `server-timing` 0.1, `http-types` 2.12, a bare byte scan (counting `,`
//! and `;`), and ours: zero-copy (from bytes and from `str`), owned (the
//! `ServerTimingList` an engine stores) and as objects (the
//! `PerformanceServerTiming` objects a page gets). Every parser reads the
//! name, the duration and the description of every metric.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "../shared/peers.rs"]
mod peers;

fn side_by_side(c: &mut Criterion) {
    let input = peers::Prepared::new(benches::peer_corpus());
    // The parsers agree on the corpus (the sum of the durations), so they
    // do the same work.
    let ours = peers::ours_zero_copy(&input);
    for (name, sum) in [
        ("zero-copy from str", peers::ours_zero_copy_str(&input)),
        ("owned", peers::ours_owned(&input)),
        ("objects", peers::ours_objects(&input)),
        ("http-types", peers::http_types(&input)),
        ("server-timing 0.1", peers::server_timing_0_1(&input)),
    ] {
        assert!((sum - ours).abs() < 1e-9 * ours, "{name}: {sum} != {ours}");
    }
    let mut group = c.benchmark_group("peers");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.bench_function("byte-scan", |b| b.iter(|| peers::byte_scan(&input)));
    group.bench_function("ours-zero-copy", |b| {
        b.iter(|| peers::ours_zero_copy(&input))
    });
    group.bench_function("ours-zero-copy-str", |b| {
        b.iter(|| peers::ours_zero_copy_str(&input))
    });
    group.bench_function("ours-owned", |b| b.iter(|| peers::ours_owned(&input)));
    group.bench_function("ours-objects", |b| b.iter(|| peers::ours_objects(&input)));
    group.bench_function("http-types-2.12", |b| b.iter(|| peers::http_types(&input)));
    group.bench_function("server-timing-0.1", |b| {
        b.iter(|| peers::server_timing_0_1(&input))
    });
    group.finish();
}

criterion_group!(benches, side_by_side);
criterion_main!(benches);
