//! What an engine supplies: a clock and time origin, a task source, event
//! dispatch for `resourcetimingbufferfull`, and the global's facts.
//!
//! Nothing here assumes an engine, a thread or an async runtime: a
//! [`Performance`] lives on its global's event loop, and every callback into
//! the embedder is a plain method call.

use std::fmt;
use std::sync::Arc;

use crate::entry::{Moment, PerformanceEntry};
use crate::hr_time::Coarsening;
use crate::observer::PerformanceObserverInit;
use crate::timeline::Performance;

/// A unit of work for the global's event loop. The loop runs it with its
/// context (see [`PerformanceTimelineTaskSource::Context`]).
pub type Task<C = ()> = Box<dyn FnOnce(&mut C) + 'static>;

/// The global's facts that the timeline (and the fetch-side crates) need.
pub trait GlobalFacts {
    /// The origin of the global's relevant settings object.
    fn origin(&self) -> url::Origin;
    /// Whether the relevant settings object is a secure context.
    ///
    /// <https://html.spec.whatwg.org/multipage/webappapis.html#secure-context>
    fn is_secure_context(&self) -> bool;
    /// The relevant settings object's cross-origin isolated capability.
    ///
    /// <https://html.spec.whatwg.org/multipage/webappapis.html#concept-settings-object-cross-origin-isolated-capability>
    fn cross_origin_isolated_capability(&self) -> bool;
    /// Whether the global has an associated Document (a Window) rather than
    /// being a worker. Decides `navigationId` (0 for workers; see `docs/timeline.md`).
    fn has_associated_document(&self) -> bool {
        true
    }
}

/// The embedder's monotonic clock and the global's time origin.
///
/// <https://w3c.github.io/hr-time/#sec-clocks>
pub trait MonotonicClock {
    /// The *unsafe shared current time*: the monotonic clock's current
    /// moment in ms. It must never decrease.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-unsafe-shared-current-time>
    fn unsafe_shared_current_time(&self) -> Moment;
    /// The global's *time origin*, a moment on the same clock.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-time-origin>
    fn time_origin(&self) -> Moment;
    /// The *estimated monotonic time of the Unix epoch*, a moment on the same
    /// clock; `timeOrigin` is measured from it. The default (0) says that the
    /// clock's zero is the Unix epoch.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-estimated-monotonic-time-of-the-unix-epoch>
    fn estimated_monotonic_time_of_the_unix_epoch(&self) -> Moment {
        0.0
    }
    /// The clock's resolution and jitter: the one source of truth for
    /// *coarsen time*. `Performance` coarsens with it, and
    /// `resource_timing::FetchClient::for_global` copies it into the fetch
    /// client, so entries and `now()` share one grid. The default is the
    /// spec's ([`Coarsening::SPEC`]).
    ///
    /// <https://w3c.github.io/hr-time/#dfn-coarsen-time>
    fn coarsening(&self) -> Coarsening {
        Coarsening::SPEC
    }
    /// *Coarsen time* with [`MonotonicClock::coarsening`]. Provided; set the
    /// resolution in `coarsening` rather than overriding this (the timeline
    /// and the fetch client read `coarsening`, never an override, so an
    /// override could not make the two disagree, only this method lie).
    ///
    /// <https://w3c.github.io/hr-time/#dfn-coarsen-time>
    fn coarsen_time(
        &self,
        unsafe_moment: Moment,
        cross_origin_isolated_capability: bool,
    ) -> Moment {
        self.coarsening()
            .coarsen_time(unsafe_moment, cross_origin_isolated_capability)
    }
}

/// The global's *performance timeline task source*.
///
/// <https://w3c.github.io/performance-timeline/#dfn-performance-timeline-task-source>
pub trait PerformanceTimelineTaskSource {
    /// The engine's context for the code a task runs (a JS context, a GC
    /// token, a realm): the event loop hands it to each task, and the task
    /// to the observer callbacks and the `resourcetimingbufferfull`
    /// dispatch. `()` for an embedder that needs none (no cost).
    type Context: 'static;
    /// Queue `task` on the global's event loop. It must run later, never
    /// inside this call, with the loop's context.
    fn queue_a_performance_timeline_task(&self, task: Task<Self::Context>);
}

/// What `observe({entryTypes, buffered})` does. The spec throws a
/// `TypeError`; engines (and a tentative WPT) ignore `buffered` instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum EntryTypesWithBuffered {
    /// The spec: `TypeError`.
    #[default]
    Throw,
    /// Engines: accept and ignore `buffered` (with a warning).
    IgnoreBuffered,
}

/// Everything an engine supplies to a [`Performance`].
pub trait Embedder: GlobalFacts + MonotonicClock + PerformanceTimelineTaskSource + 'static {
    /// Fire an event named `resourcetimingbufferfull` at the Performance
    /// object (it does not bubble and is not cancelable; see
    /// [`crate::RESOURCE_TIMING_BUFFER_FULL_EVENT`]). Handlers may call back
    /// into `performance` (clear the buffer, raise its size, add entries).
    /// The default has no listeners.
    ///
    /// `cx` is the context the performance timeline task runs with.
    ///
    /// <https://w3c.github.io/resource-timing/#dfn-fire-a-buffer-full-event>
    fn fire_resource_timing_buffer_full_event(
        &self,
        performance: &Performance<Self>,
        cx: &mut Self::Context,
    ) where
        Self: Sized,
    {
        let _ = (performance, cx);
    }
    /// The entry types this global supports, each with its registry facts.
    /// The default is "navigation" and "resource", the types this project
    /// produces; add "mark", "paint", … with [`EntryTypeInfo::from_registry`].
    fn supported_entry_types(&self) -> Vec<EntryTypeInfo> {
        vec![
            EntryTypeInfo::from_registry("navigation")
                .unwrap_or_else(|| EntryTypeInfo::new("navigation")),
            EntryTypeInfo::from_registry("resource")
                .unwrap_or_else(|| EntryTypeInfo::new("resource")),
        ]
    }
    /// The global's initial *last performance entry id*. The spec wants a
    /// random integer in 100..=10000; the default is 100 so that tests are
    /// deterministic. Ids wrap around `u64`, skipping `u64::MAX`, which
    /// marks an entry whose id is not set yet.
    ///
    /// <https://w3c.github.io/performance-timeline/#dfn-last-performance-entry-id>
    fn initial_last_performance_entry_id(&self) -> u64 {
        100
    }
    /// The small increment *generate an id* adds. Default 1.
    ///
    /// <https://w3c.github.io/performance-timeline/#generate-an-id>
    fn performance_entry_id_increment(&self) -> u64 {
        1
    }
    /// Policy for `observe({entryTypes, buffered})`.
    fn entry_types_with_buffered(&self) -> EntryTypesWithBuffered {
        EntryTypesWithBuffered::Throw
    }
    /// Called with each warning `observe()` would print on the console.
    /// The default drops it ([`crate::ObserveOutcome`] also returns them).
    fn report_observe_warning(&self, warning: &crate::ObserveWarning) {
        let _ = warning;
    }
}

/// The *should add entry* hook of a registry entry type: (entry, the
/// observer's options or `None` for the timeline buffer) → add?
///
/// It runs while the timeline's state is borrowed, so it must only look at
/// its arguments and must not call back into the [`Performance`].
pub type ShouldAddEntry =
    Arc<dyn Fn(&dyn PerformanceEntry, Option<&PerformanceObserverInit>) -> bool + Send + Sync>;

/// One row of the timing entry types registry.
///
/// <https://w3c.github.io/timing-entrytypes-registry/#registry>
#[derive(Clone)]
pub struct EntryTypeInfo {
    /// The `entryType` string (case-sensitive).
    pub name: String,
    /// Whether `getEntries*` can see these entries.
    pub available_from_timeline: bool,
    /// The buffer's maximum size; `None` is "Infinite". For "resource" this
    /// is replaced by the resource timing buffer size limit.
    pub max_buffer_size: Option<usize>,
    /// The *should add entry* rule; `None` is "return true".
    pub should_add_entry: Option<ShouldAddEntry>,
}

impl fmt::Debug for EntryTypeInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntryTypeInfo")
            .field("name", &self.name)
            .field("available_from_timeline", &self.available_from_timeline)
            .field("max_buffer_size", &self.max_buffer_size)
            .field("should_add_entry", &self.should_add_entry.is_some())
            .finish()
    }
}

/// The registry's rows: (entryType, availableFromTimeline, maxBufferSize).
const REGISTRY: &[(&str, bool, Option<usize>)] = &[
    ("element", false, Some(150)),
    ("event", false, Some(150)),
    ("first-input", true, Some(1)),
    ("largest-contentful-paint", false, Some(150)),
    ("layout-shift", false, Some(150)),
    ("longtask", false, Some(200)),
    ("mark", true, None),
    ("measure", true, None),
    ("navigation", true, None),
    ("paint", true, Some(2)),
    ("resource", true, Some(250)),
];

impl EntryTypeInfo {
    /// A type available from the timeline with an unbounded buffer and no
    /// *should add entry* rule.
    pub fn new(name: impl Into<String>) -> Self {
        EntryTypeInfo {
            name: name.into(),
            available_from_timeline: true,
            max_buffer_size: None,
            should_add_entry: None,
        }
    }

    /// The registry's row for `name` (the "event" and "first-input"
    /// *should add entry* rules belong to Event Timing and are left to the
    /// embedder).
    pub fn from_registry(name: &str) -> Option<Self> {
        REGISTRY
            .iter()
            .find(|row| row.0 == name)
            .map(|&(name, available, max)| EntryTypeInfo {
                name: name.to_owned(),
                available_from_timeline: available,
                max_buffer_size: max,
                should_add_entry: None,
            })
    }
}
