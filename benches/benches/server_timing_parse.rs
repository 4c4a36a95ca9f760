//! Parsing throughput: the zero-copy iterator and the owned object model, on
//! the realistic corpus and on adversarial inputs at two sizes (linear time
//! shows as equal throughput).
#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use server_timing::{parse_server_timing, parse_server_timing_header_lines};

fn realistic(c: &mut Criterion) {
    let corpus = benches::realistic_corpus();
    let bytes: usize = corpus.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("realistic");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("zero-copy", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for value in &corpus {
                for metric in parse_server_timing(black_box(value)) {
                    acc += metric.duration();
                    black_box((metric.name(), metric.description()));
                }
            }
            acc
        })
    });
    group.bench_function("owned", |b| {
        b.iter(|| {
            let mut n = 0;
            for value in &corpus {
                n += parse_server_timing_header_lines([black_box(value)]).len();
            }
            n
        })
    });
    group.finish();
}

fn adversarial(c: &mut Criterion) {
    let mut group = c.benchmark_group("adversarial");
    for size in [1 << 12, 1 << 16] {
        for (name, input) in benches::adversarial_corpus(size) {
            group.throughput(Throughput::Bytes(input.len() as u64));
            group.bench_with_input(BenchmarkId::new(name, size), &input, |b, input| {
                b.iter(|| {
                    let mut acc = 0.0;
                    for metric in parse_server_timing(black_box(input)) {
                        acc += metric.duration();
                        black_box(metric.description());
                    }
                    acc
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, realistic, adversarial);
criterion_main!(benches);
