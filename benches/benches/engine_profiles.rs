//! Engine profiles and lint: each profile on the realistic corpus, and on the
//! adversarial inputs at two sizes (linear time shows as equal throughput).
#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use server_timing::engines::lint::lint_value;
use server_timing::engines::Engine;

fn realistic(c: &mut Criterion) {
    let corpus = benches::realistic_corpus();
    let bytes: usize = corpus.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("engines-realistic");
    group.throughput(Throughput::Bytes(bytes as u64));
    for engine in Engine::ALL {
        group.bench_function(engine.name(), |b| {
            b.iter(|| {
                let mut n = 0;
                for value in &corpus {
                    n += engine.parse_value(black_box(value)).len();
                }
                n
            })
        });
    }
    group.bench_function("lint", |b| {
        b.iter(|| {
            let mut passing = 0;
            for value in &corpus {
                passing += usize::from(lint_value(black_box(value)).passes());
            }
            passing
        })
    });
    group.finish();
}

fn adversarial(c: &mut Criterion) {
    let mut group = c.benchmark_group("engines-adversarial");
    for size in [1 << 12, 1 << 16] {
        for (name, input) in benches::adversarial_corpus(size) {
            group.throughput(Throughput::Bytes(input.len() as u64));
            for engine in [Engine::Chromium, Engine::Firefox] {
                group.bench_with_input(
                    BenchmarkId::new(format!("{}/{name}", engine.name()), size),
                    &input,
                    |b, input| b.iter(|| engine.parse_value(black_box(input)).len()),
                );
            }
        }
    }
    group.finish();
}

criterion_group!(benches, realistic, adversarial);
criterion_main!(benches);
