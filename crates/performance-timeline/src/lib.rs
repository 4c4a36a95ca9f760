//! High Resolution Time, the Performance Timeline, the resource timing
//! buffer and `PerformanceObserver`, behind an embedder API.
//!
//! This crate is the part of a browser engine's performance APIs that does
//! not depend on networking:
//!
//! - [HR time](https://w3c.github.io/hr-time/): moments, the time origin,
//!   [`coarsen_time`] and [`Coarsening`], `performance.now()`;
//! - the [Performance Timeline](https://w3c.github.io/performance-timeline/):
//!   the [`PerformanceEntry`] trait, the per-type entry buffers,
//!   `getEntries*`, [`PerformanceObserver`];
//! - the [resource timing buffer](https://w3c.github.io/resource-timing/#sec-extensions-performance-interface):
//!   its size limit, secondary buffer and `resourcetimingbufferfull` loop.
//!
//! An engine plugs in through the [`Embedder`] trait (clock, task source,
//! event dispatch, the global's facts). [`reference`](mod@reference) holds a complete
//! single-threaded embedder with a manual clock; `docs/embedding.md` walks
//! through it.
//!
//! # Example
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
//! use performance_timeline::{BasicEntry, Performance, PerformanceEntry, PerformanceObserver, PerformanceObserverInit};
//!
//! let event_loop = ReferenceEventLoop::new();
//! let url = url::Url::parse("https://example.com/").unwrap();
//! let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &url));
//!
//! event_loop.advance(12.34567);
//! assert_eq!(performance.now(), 12.3); // coarsened to 100 µs
//!
//! // An observer sees every resource entry; the buffer keeps them too.
//! let seen = Rc::new(RefCell::new(Vec::new()));
//! let sink = seen.clone();
//! let observer = PerformanceObserver::new(&performance, move |list, _observer, _options| {
//!     sink.borrow_mut().extend(list.get_entries().iter().map(|e| e.name().to_owned()));
//! });
//! observer.observe(PerformanceObserverInit::with_type("resource")).unwrap();
//!
//! for name in ["https://example.com/a.css", "https://example.com/b.js"] {
//!     let entry = BasicEntry::shared(name, "resource", performance.now(), 1.0);
//!     // What the resource-timing crate's "mark resource timing" does:
//!     performance.queue_a_performance_entry(entry.clone());
//!     performance.add_a_performance_resource_timing_entry(entry);
//! }
//! assert_eq!(performance.get_entries_by_type("resource").len(), 2);
//! assert!(seen.borrow().is_empty()); // delivery happens in a task
//! assert_eq!(event_loop.run_until_idle(), 1); // one task, one callback
//! assert_eq!(seen.borrow().len(), 2);
//! ```

/// The `url` crate, re-exported: [`GlobalFacts::origin`] returns a `url::Origin`.
pub use url;

mod buffer;
mod embedder;
mod entry;
mod hr_time;
mod observer;
pub mod reference;
mod resource_buffer;
mod timeline;

pub use embedder::{
    Embedder, EntryTypeInfo, EntryTypesWithBuffered, GlobalFacts, MonotonicClock,
    PerformanceTimelineTaskSource, ShouldAddEntry, Task,
};
pub use entry::{
    BasicEntry, DOMHighResTimeStamp, EntryIdentifiers, EntryKey, EntryRef, Moment, PerformanceEntry,
};
pub use hr_time::{
    coarsen_time, duration_between, Coarsening, DurationsFrom, CROSS_ORIGIN_ISOLATED_RESOLUTION_MS,
    DEFAULT_RESOLUTION_MS,
};
pub use observer::{
    filter_buffer_by_name_and_type, ObserveError, ObserveOutcome, ObserveWarning,
    PerformanceObserver, PerformanceObserverCallback, PerformanceObserverCallbackOptions,
    PerformanceObserverEntryList, PerformanceObserverInit,
};
pub use resource_buffer::{
    BufferFullEvent, DEFAULT_RESOURCE_TIMING_BUFFER_SIZE, NAVIGATION, RESOURCE,
    RESOURCE_TIMING_BUFFER_FULL_EVENT,
};
pub use timeline::{EmbedderRef, Performance};
