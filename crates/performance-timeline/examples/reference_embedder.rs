//! The whole integration on one page: a global on the reference event loop,
//! a resource timing buffer that overflows, a `resourcetimingbufferfull`
//! handler that makes room, and an observer that sees every entry.
//!
//! Run with `cargo run -p performance-timeline --example reference_embedder`.

use std::rc::Rc;

use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::url::Url;
use performance_timeline::{
    BasicEntry, Performance, PerformanceObserver, PerformanceObserverInit,
    RESOURCE_TIMING_BUFFER_FULL_EVENT,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. One event loop (with a manual clock) and one Window global on it.
    let event_loop = ReferenceEventLoop::new();
    let page = Url::parse("https://shop.example/")?;
    let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &page));

    // 2. A small buffer, and a handler that doubles it when it fills up.
    performance.set_resource_timing_buffer_size(2);
    performance
        .embedder()
        .set_onresourcetimingbufferfull(Some(Rc::new(
            |performance: &Performance<ReferenceEmbedder>, event| {
                assert_eq!(event, &RESOURCE_TIMING_BUFFER_FULL_EVENT);
                let doubled = performance.resource_timing_buffer_size_limit() * 2;
                println!("resourcetimingbufferfull: raising the limit to {doubled}");
                performance
                    .set_resource_timing_buffer_size(u32::try_from(doubled).unwrap_or(u32::MAX));
            },
        )));

    // 3. An observer: it gets every entry, whatever the buffer does.
    let observer = PerformanceObserver::new(&performance, |list, _observer, options| {
        println!(
            "observer: {} entries (droppedEntriesCount {:?})",
            list.len(),
            options.dropped_entries_count
        );
    });
    observer.observe(PerformanceObserverInit::with_type("resource"))?;

    // 4. Five fetches finish in one task. "Mark resource timing" = queue, then add.
    for i in 0..5 {
        event_loop.advance(3.3);
        let start = performance.now();
        event_loop.advance(12.0);
        let entry = BasicEntry::shared(
            format!("https://shop.example/img/{i}.png"),
            "resource",
            start,
            performance.now() - start,
        );
        performance.queue_a_performance_entry(entry.clone());
        performance.add_a_performance_resource_timing_entry(entry);
    }
    println!(
        "before the tasks: {} buffered, {} waiting in the secondary buffer",
        performance.resource_timing_buffer_current_size(),
        performance.resource_timing_secondary_buffer_current_size()
    );

    // 5. Let the event loop run: one observer callback, one buffer-full task.
    let tasks = event_loop.run_until_idle();
    println!("ran {tasks} tasks");
    for entry in performance.get_entries_by_type("resource") {
        println!("  {}", entry.to_json());
    }
    Ok(())
}
