//! The Performance Timeline at scale: adding resource entries with one
//! observer, `getEntriesByType`/`getEntriesByName` on large buffers, and
//! observer delivery, at 10^3, 10^5 and 10^6 entries.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::rc::Rc;
use std::time::{Duration, Instant};

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

/// A global that already holds `n` entries, with one observer, and how many
/// entries the hot bench has added to it since.
struct Prefilled {
    event_loop: ReferenceEventLoop,
    performance: Rc<Performance<ReferenceEmbedder>>,
    _observer: PerformanceObserver<ReferenceEmbedder>,
    added: usize,
}

fn prefilled(n: usize) -> Prefilled {
    let (event_loop, performance) = filled(n);
    let observer = observed(&performance);
    Prefilled {
        event_loop,
        performance,
        _observer: observer,
        added: 0,
    }
}

/// Adding entries the way an engine does: each entry is created just before
/// it is added (so it is in cache, unlike in `add_entries`), to a buffer that
/// already holds between N and 2N entries, with one observer whose records
/// are delivered after every 1,024 entries. Only the adds are timed.
fn add_hot_entries(c: &mut Criterion) {
    let mut group = c.benchmark_group("timeline/add-entry-hot");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(1));
    for n in SIZES {
        let mut state: Option<Prefilled> = None;
        let mut serial = 0usize;
        group.throughput(Throughput::Elements(1));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                let mut left = iters as usize;
                while left > 0 {
                    let global = match &mut state {
                        Some(global) if global.added < n => global,
                        _ => state.insert(prefilled(n)),
                    };
                    let chunk = left.min(1024);
                    let batch: Vec<EntryRef> = (0..chunk)
                        .map(|_| {
                            serial += 1;
                            BasicEntry::shared(
                                format!("https://cdn.example.com/assets/hot-{serial:09}.js?v=3"),
                                "resource",
                                (n + global.added) as f64 * 0.1,
                                12.5,
                            )
                        })
                        .collect();
                    let start = Instant::now();
                    for entry in batch {
                        global.performance.queue_a_performance_entry(entry.clone());
                        global
                            .performance
                            .add_a_performance_resource_timing_entry(entry);
                    }
                    timed += start.elapsed();
                    global.event_loop.run_until_idle();
                    global.added += chunk;
                    left -= chunk;
                }
                timed
            })
        });
    }
    group.finish();
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
        // A by-name query first, so that the name index is complete.
        black_box(performance.get_entries_by_name(&name, None));
        let per_entry = performance.buffer_heap_bytes() as f64 / n as f64;
        eprintln!(
            "timeline/memory/{n}: {per_entry:.1} bytes of buffer + index per entry; \
             BasicEntry object {} bytes + 16 (Arc counts) + name",
            std::mem::size_of::<BasicEntry>()
        );
    }
    group.finish();
}

/// The first `getEntriesByName` after N adds: it links the N entries into the
/// name index (adding only records each name's hash), then answers.
fn first_query_by_name(c: &mut Criterion) {
    let mut group = c.benchmark_group("timeline/query");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(1));
    for n in SIZES {
        let input = entries(n);
        let name = format!("https://cdn.example.com/assets/chunk-{:07}.js?v=3", n / 2);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(
            BenchmarkId::new("getEntriesByName-after-adds", n),
            &input,
            |b, input| {
                b.iter_batched(
                    || {
                        let (event_loop, performance) = global();
                        for entry in input {
                            performance.add_a_performance_resource_timing_entry(entry.clone());
                        }
                        (event_loop, performance)
                    },
                    |(event_loop, performance)| {
                        let found = performance.get_entries_by_name(black_box(&name), None);
                        (found, event_loop, performance)
                    },
                    BatchSize::PerIteration,
                )
            },
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

criterion_group!(
    benches,
    add_entries,
    add_hot_entries,
    queries,
    first_query_by_name,
    delivery
);
criterion_main!(benches);
