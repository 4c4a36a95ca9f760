//! The Performance Timeline at scale: adding resource entries with one
//! observer, `getEntriesByType`/`getEntriesByName` on large buffers, and
//! observer delivery, at 10^3, 10^5 and 10^6 entries.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::rc::Rc;

use criterion::{
    black_box, criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput,
};
use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::{
    BasicEntry, EntryRef, Performance, PerformanceObserver, PerformanceObserverInit,
};

const SIZES: [usize; 3] = [1_000, 100_000, 1_000_000];

/// Resource-like entries: unique URLs, start times mostly increasing.
fn entries(n: usize) -> Vec<EntryRef> {
    (0..n)
        .map(|i| {
            BasicEntry::shared(
                format!("https://cdn.example.com/assets/chunk-{i:07}.js?v=3"),
                "resource",
                i as f64 * 0.1,
                12.5,
            )
        })
        .collect()
}

fn global() -> (ReferenceEventLoop, Rc<Performance<ReferenceEmbedder>>) {
    let event_loop = ReferenceEventLoop::new();
    let url = performance_timeline::url::Url::parse("https://example.com/").expect("static URL");
    let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &url));
    performance.set_resource_timing_buffer_size(u32::MAX);
    (event_loop, performance)
}

fn observed(
    performance: &Rc<Performance<ReferenceEmbedder>>,
) -> PerformanceObserver<ReferenceEmbedder> {
    let observer = PerformanceObserver::new(performance, |list, _, _| {
        black_box(list.len());
    });
    observer
        .observe(PerformanceObserverInit::with_type("resource"))
        .expect("supported type");
    observer
}

/// Adding an entry the way "mark resource timing" does (queue + add), with one observer.
fn add_entries(c: &mut Criterion) {
    let mut group = c.benchmark_group("timeline/add-entry");
    group.sample_size(10);
    for n in SIZES {
        let input = entries(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &input, |b, input| {
            b.iter_batched(
                || {
                    let (event_loop, performance) = global();
                    let observer = observed(&performance);
                    (event_loop, performance, observer, input.clone())
                },
                |(event_loop, performance, observer, input)| {
                    for entry in input {
                        performance.queue_a_performance_entry(entry.clone());
                        performance.add_a_performance_resource_timing_entry(entry);
                    }
                    (event_loop, performance, observer)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn filled(n: usize) -> (ReferenceEventLoop, Rc<Performance<ReferenceEmbedder>>) {
    let (event_loop, performance) = global();
    for entry in entries(n) {
        performance.queue_a_performance_entry(entry.clone());
        performance.add_a_performance_resource_timing_entry(entry);
    }
    event_loop.run_until_idle();
    (event_loop, performance)
}

fn queries(c: &mut Criterion) {
    let mut group = c.benchmark_group("timeline/query");
    group.sample_size(10);
    for n in SIZES {
        let (_event_loop, performance) = filled(n);
        let name = format!("https://cdn.example.com/assets/chunk-{:07}.js?v=3", n / 2);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("getEntriesByType", n), |b| {
            b.iter(|| performance.get_entries_by_type(black_box("resource")).len())
        });
        group.throughput(Throughput::Elements(1));
        group.bench_function(BenchmarkId::new("getEntriesByName", n), |b| {
            b.iter(|| {
                performance
                    .get_entries_by_name(black_box(&name), None)
                    .len()
            })
        });
        group.bench_function(BenchmarkId::new("getEntriesByName+type", n), |b| {
            b.iter(|| {
                performance
                    .get_entries_by_name(black_box(&name), Some("resource"))
                    .len()
            })
        });
        // Memory: what the timeline holds per buffered entry (buffer slot,
        // name index), and the entry object itself.
        let per_entry = performance.buffer_heap_bytes() as f64 / n as f64;
        eprintln!(
            "timeline/memory/{n}: {per_entry:.1} bytes of buffer + index per entry; \
             BasicEntry object {} bytes + 16 (Arc counts) + name",
            std::mem::size_of::<BasicEntry>()
        );
    }
    group.finish();
}

/// Observer delivery: N entries queued in one turn, then the one observer task.
fn delivery(c: &mut Criterion) {
    let mut group = c.benchmark_group("timeline/observer-delivery");
    group.sample_size(10);
    for n in SIZES {
        let input = entries(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &input, |b, input| {
            b.iter_batched(
                || {
                    let (event_loop, performance) = global();
                    let observer = observed(&performance);
                    for entry in input {
                        performance.queue_a_performance_entry(entry.clone());
                    }
                    (event_loop, performance, observer)
                },
                |(event_loop, performance, observer)| {
                    let tasks = event_loop.run_until_idle();
                    (tasks, event_loop, performance, observer)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, add_entries, queries, delivery);
criterion_main!(benches);
