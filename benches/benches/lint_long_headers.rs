//! `lint` on long headers (issue 10): time must be linear in the header's
//! length (equal throughput at both sizes) and memory small. Each shape is
//! what once went quadratic or grew: 40,000 empty members took 2 s, and
//! 10 MB of `;` took 900 MB. Before timing, each case prints the size of
//! the report it keeps (at most `MAX_LISTED` recoveries and fixes).
#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use server_timing::engines::lint::{lint_value, LintReport};

fn shapes(size: usize) -> Vec<(&'static str, Vec<u8>)> {
    let repeat = |unit: &[u8]| -> Vec<u8> {
        let mut v = b"a".to_vec();
        while v.len() + unit.len() <= size {
            v.extend_from_slice(unit);
        }
        v
    };
    vec![
        ("empty-members", repeat(b", ")),
        ("semicolons", repeat(b";")),
        ("params-without-value", repeat(b";a")),
        ("unknown-params", repeat(b";x=1")),
        ("unescaped-quotes", repeat(b", m;desc=\"a \"b\"\"")),
    ]
}

/// The bytes a report keeps on the heap, roughly: the value, the metrics,
/// the lists.
fn retained(report: &LintReport) -> usize {
    let metrics: usize = report
        .profiles
        .iter()
        .flat_map(|p| &p.metrics)
        .map(|m| std::mem::size_of_val(m) + m.name.capacity() + m.description.capacity())
        .sum();
    report.value.capacity()
        + metrics
        + report.recoveries.capacity() * 40
        + report
            .fixes
            .iter()
            .map(|f| 64 + f.message.capacity())
            .sum::<usize>()
}

fn long_headers(c: &mut Criterion) {
    let mut group = c.benchmark_group("lint-long-headers");
    group.sample_size(10);
    for size in [1 << 16, 1 << 20] {
        for (name, input) in shapes(size) {
            let report = lint_value(&input);
            eprintln!(
                "lint-long-headers/{name}/{size}: report keeps {} bytes ({} recoveries, {} listed)",
                retained(&report),
                report.recoveries_total,
                report.recoveries.len()
            );
            group.throughput(Throughput::Bytes(input.len() as u64));
            group.bench_with_input(BenchmarkId::new(name, size), &input, |b, input| {
                b.iter(|| lint_value(black_box(input)).errors)
            });
        }
    }
    group.finish();
}

criterion_group!(benches, long_headers);
criterion_main!(benches);
