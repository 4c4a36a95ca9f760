//! The per-global `Performance` state: HR time, the performance entry buffer
//! map, the resource timing buffer, and the registered observers.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::rc::{Rc, Weak};

use indexmap::IndexMap;

use crate::buffer::{name_hash, random_seed, sort_chronologically, EntryBuffer};
use crate::embedder::{Embedder, EntryTypeInfo, EntryTypesWithBuffered, ShouldAddEntry};
use crate::entry::{DOMHighResTimeStamp, EntryRef, Moment};
use crate::hr_time::duration_between;
use crate::observer::{
    ObserveError, ObserveOutcome, ObserveWarning, ObserverType, PerformanceObserver,
    PerformanceObserverCallbackOptions, PerformanceObserverEntryList, PerformanceObserverInit,
};
use fetch_headers::json::JsonObject;

/// The entry type whose buffer is the resource timing buffer.
pub const RESOURCE: &str = "resource";
/// The entry type of navigation entries.
pub const NAVIGATION: &str = "navigation";

/// The resource timing buffer size limit a global starts with.
///
/// <https://w3c.github.io/resource-timing/#sec-extensions-performance-interface>
pub const DEFAULT_RESOURCE_TIMING_BUFFER_SIZE: usize = 250;

/// The facts of the `resourcetimingbufferfull` event an embedder fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferFullEvent {
    /// The event type.
    pub type_: &'static str,
    /// `bubbles`.
    pub bubbles: bool,
    /// `cancelable`.
    pub cancelable: bool,
}

/// The `resourcetimingbufferfull` event: it does not bubble and is not cancelable.
///
/// <https://w3c.github.io/resource-timing/#dfn-fire-a-buffer-full-event>
pub const RESOURCE_TIMING_BUFFER_FULL_EVENT: BufferFullEvent = BufferFullEvent {
    type_: "resourcetimingbufferfull",
    bubbles: false,
    cancelable: false,
};

/// One value of the performance entry buffer map.
///
/// <https://w3c.github.io/performance-timeline/#dfn-performance-entry-buffer-map>
struct EntryTuple {
    buffer: EntryBuffer,
    max_buffer_size: Option<usize>,
    available_from_timeline: bool,
    dropped_entries_count: u64,
    should_add_entry: Option<ShouldAddEntry>,
}

/// The resource timing state of a global.
///
/// <https://w3c.github.io/resource-timing/#sec-extensions-performance-interface>
#[derive(Debug)]
struct ResourceTimingState {
    buffer_size_limit: usize,
    buffer_full_event_pending_flag: bool,
    secondary_buffer: VecDeque<EntryRef>,
    /// Entries discarded by *fire a buffer full event* step 1.5.
    discarded_entries: u64,
}

struct TimelineState {
    buffer_map: IndexMap<String, EntryTuple>,
    resource_tuple: Option<usize>,
    resource: ResourceTimingState,
    last_performance_entry_id: u64,
    most_recent_navigation_id: Option<u64>,
    name_hash_seed: u64,
}

impl TimelineState {
    /// The position of `entry_type`'s tuple in the buffer map. The map holds
    /// a handful of types, so a scan beats hashing the key.
    fn name_hash(&self, name: &str) -> u64 {
        name_hash(self.name_hash_seed, name.as_bytes())
    }

    fn tuple_index(&self, entry_type: &str) -> Option<usize> {
        if entry_type == RESOURCE {
            return self.resource_tuple;
        }
        self.buffer_map.keys().position(|k| k == entry_type)
    }

    /// *Generate an id*.
    ///
    /// <https://w3c.github.io/performance-timeline/#generate-an-id>
    fn generate_an_id(&mut self, increment: u64) -> u64 {
        // Step 1. Increase the last performance entry id by a small number.
        self.last_performance_entry_id = self
            .last_performance_entry_id
            .wrapping_add(increment.max(1));
        // Step 2.
        self.last_performance_entry_id
    }
}

struct RegisteredObserver<E: Embedder> {
    observer: PerformanceObserver<E>,
    options_list: Vec<PerformanceObserverInit>,
}

/// The performance state of one global (a Window or a worker): what
/// `self.performance` reaches, minus the bindings.
///
/// All methods take `&self`; state sits behind `RefCell`s that are never
/// borrowed while embedder code runs (observer callbacks, buffer-full event
/// handlers, task queueing). So a callback or handler may call any method
/// here, including `clear_resource_timings`, `set_resource_timing_buffer_size`,
/// `add_a_performance_resource_timing_entry` and an observer's `take_records`.
/// A `Performance` is single-threaded (`!Send`), like the spec's per-global state.
pub struct Performance<E: Embedder> {
    embedder: E,
    this: Weak<Performance<E>>,
    state: RefCell<TimelineState>,
    observers: RefCell<Vec<RegisteredObserver<E>>>,
    /// The performance observer task queued flag.
    observer_task_queued: Cell<bool>,
    supported_entry_types: Rc<[String]>,
}

impl<E: Embedder> fmt::Debug for Performance<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Performance")
            .field("supported_entry_types", &self.supported_entry_types)
            .field("resource", &state.resource)
            .field("registered_observers", &self.observers.borrow().len())
            .finish()
    }
}

impl<E: Embedder> Performance<E> {
    /// The performance state of a new global.
    pub fn new(embedder: E) -> Rc<Self> {
        let mut types = embedder.supported_entry_types();
        types.sort_by(|a, b| a.name.cmp(&b.name));
        types.dedup_by(|a, b| a.name == b.name);
        let seed = random_seed();
        let mut buffer_map = IndexMap::with_capacity(types.len());
        for info in &types {
            buffer_map.insert(
                info.name.clone(),
                EntryTuple {
                    buffer: EntryBuffer::new(seed),
                    max_buffer_size: info.max_buffer_size,
                    available_from_timeline: info.available_from_timeline,
                    dropped_entries_count: 0,
                    should_add_entry: info.should_add_entry.clone(),
                },
            );
        }
        let resource_tuple = buffer_map.get_index_of(RESOURCE);
        let supported: Rc<[String]> = types
            .iter()
            .map(|t: &EntryTypeInfo| t.name.clone())
            .collect();
        let last_id = embedder.initial_last_performance_entry_id();
        Rc::new_cyclic(|this| Performance {
            embedder,
            this: this.clone(),
            state: RefCell::new(TimelineState {
                buffer_map,
                resource_tuple,
                resource: ResourceTimingState {
                    buffer_size_limit: DEFAULT_RESOURCE_TIMING_BUFFER_SIZE,
                    buffer_full_event_pending_flag: false,
                    secondary_buffer: VecDeque::new(),
                    discarded_entries: 0,
                },
                last_performance_entry_id: last_id,
                most_recent_navigation_id: None,
                name_hash_seed: seed,
            }),
            observers: RefCell::new(Vec::new()),
            observer_task_queued: Cell::new(false),
            supported_entry_types: supported,
        })
    }

    /// The embedder.
    pub fn embedder(&self) -> &E {
        &self.embedder
    }

    /// The global's facts (origin, secure context, cross-origin isolated capability).
    pub fn global(&self) -> &E {
        &self.embedder
    }

    // ----- High Resolution Time -------------------------------------------------

    /// The global's time origin (a moment).
    ///
    /// <https://w3c.github.io/hr-time/#dfn-time-origin>
    pub fn time_origin(&self) -> Moment {
        self.embedder.time_origin()
    }

    /// *Get time origin timestamp*: the `timeOrigin` attribute, the time
    /// origin measured from the estimated monotonic time of the Unix epoch.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-get-time-origin-timestamp>
    pub fn time_origin_timestamp(&self) -> DOMHighResTimeStamp {
        duration_between(
            self.embedder.estimated_monotonic_time_of_the_unix_epoch(),
            self.time_origin(),
        )
    }

    /// The *unsafe shared current time*.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-unsafe-shared-current-time>
    pub fn unsafe_shared_current_time(&self) -> Moment {
        self.embedder.unsafe_shared_current_time()
    }

    /// The *coarsened shared current time*, with the global's cross-origin
    /// isolated capability.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-coarsened-shared-current-time>
    pub fn coarsened_shared_current_time(&self) -> Moment {
        self.coarsen_time(self.unsafe_shared_current_time())
    }

    /// *Coarsen time* with the global's cross-origin isolated capability and
    /// the embedder's resolution.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-coarsen-time>
    pub fn coarsen_time(&self, unsafe_moment: Moment) -> Moment {
        self.embedder.coarsen_time(
            unsafe_moment,
            self.embedder.cross_origin_isolated_capability(),
        )
    }

    /// *Relative high resolution time*: coarsen, then measure from the time origin.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-relative-high-resolution-time>
    pub fn relative_high_resolution_time(&self, unsafe_moment: Moment) -> DOMHighResTimeStamp {
        // Step 1. Coarsen with the relevant settings object's capability.
        let coarse = self.coarsen_time(unsafe_moment);
        // Step 2. Return the relative high resolution coarse time.
        self.relative_high_resolution_coarse_time(coarse)
    }

    /// *Relative high resolution coarse time*: the duration from the time
    /// origin to `coarse_moment`.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-relative-high-resolution-coarse-time>
    pub fn relative_high_resolution_coarse_time(
        &self,
        coarse_moment: Moment,
    ) -> DOMHighResTimeStamp {
        duration_between(self.time_origin(), coarse_moment)
    }

    /// *Current high resolution time*.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-current-high-resolution-time>
    pub fn current_high_resolution_time(&self) -> DOMHighResTimeStamp {
        self.relative_high_resolution_time(self.unsafe_shared_current_time())
    }

    /// `performance.now()`.
    ///
    /// <https://w3c.github.io/hr-time/#dom-performance-now>
    pub fn now(&self) -> DOMHighResTimeStamp {
        self.current_high_resolution_time()
    }

    /// `performance.toJSON()` text: `{"timeOrigin":…}` (the bindings add
    /// the `timing`/`navigation` members where they exist).
    ///
    /// <https://w3c.github.io/hr-time/#dom-performance-tojson>
    pub fn to_json(&self) -> String {
        JsonObject::new()
            .number("timeOrigin", self.time_origin_timestamp())
            .finish()
    }

    // ----- Queueing entries --------------------------------------------------

    /// *Queue a PerformanceEntry*.
    ///
    /// "resource" entries are delivered to observers and counted as dropped
    /// when the resource timing buffer is full, but not appended here: *add a
    /// PerformanceResourceTiming entry* does that (see `docs/timeline.md`).
    /// An entry whose type the global does not support reaches no observer
    /// and no buffer.
    ///
    /// <https://w3c.github.io/performance-timeline/#dfn-queue-a-performanceentry>
    pub fn queue_a_performance_entry(&self, new_entry: EntryRef) {
        let entry_type = new_entry.entry_type();
        // Ask the embedder before borrowing: no borrow is held while embedder code runs.
        let has_document = self.embedder.has_associated_document();
        let increment = self.embedder.performance_entry_id_increment();
        let (tuple_index, should_add_entry) = {
            let mut state = self.state.borrow_mut();
            let Some(index) = state.tuple_index(entry_type) else {
                // Not a supported type: no observer can select it and it has no buffer.
                return;
            };
            if let Some(ids) = new_entry.identifiers() {
                // Step 1. Give the entry an id.
                if ids.id().is_none() {
                    ids.set_id_if_unset(state.generate_an_id(increment));
                }
                // Step 5-6. The navigation id: the Document's most recent navigation, or 0 without a Document.
                // Spec deviation: 0 instead of null for workers, since the IDL type is not nullable.
                let navigation_id = if has_document {
                    state.most_recent_navigation_id.unwrap_or(0)
                } else {
                    0
                };
                ids.set_navigation_id_if_unset(navigation_id);
            }
            let should_add_entry = state
                .buffer_map
                .get_index(index)
                .and_then(|(_, tuple)| tuple.should_add_entry.clone());
            (index, should_add_entry)
        };
        // Step 2-8. Append to the buffer of every interested observer.
        for registered in self.observers.borrow().iter() {
            let interested = registered.options_list.iter().any(|options| {
                options.selects(entry_type)
                    && should_add_entry
                        .as_ref()
                        .is_none_or(|rule| rule(&*new_entry, Some(options)))
            });
            if interested {
                registered
                    .observer
                    .inner
                    .buffer
                    .borrow_mut()
                    .push(new_entry.clone());
            }
        }
        {
            let mut state = self.state.borrow_mut();
            let state = &mut *state;
            let is_resource = state.resource_tuple == Some(tuple_index);
            let limit = state.resource.buffer_size_limit;
            if let Some((_, tuple)) = state.buffer_map.get_index_mut(tuple_index) {
                // Step 9-10. Determine if the buffer is full (this counts a drop).
                // For "resource" the buffer is the resource timing buffer and its limit.
                let max = if is_resource {
                    Some(limit)
                } else {
                    tuple.max_buffer_size
                };
                let is_buffer_full = determine_if_a_performance_entry_buffer_is_full(tuple, max);
                // Step 11. Should add entry.
                let should_add = should_add_entry
                    .as_ref()
                    .is_none_or(|rule| rule(&*new_entry, None));
                // Step 12. Append, except for "resource" (added by *add a PerformanceResourceTiming entry*).
                if !is_buffer_full && should_add && !is_resource {
                    tuple.buffer.push(new_entry);
                }
            }
        }
        // Step 13.
        self.queue_the_performance_observer_task();
    }

    /// *Queue a navigation PerformanceEntry*: the entry's id becomes the
    /// Document's most recent navigation id, then it is queued.
    ///
    /// <https://w3c.github.io/performance-timeline/#dfn-queue-a-navigation-performanceentry>
    pub fn queue_a_navigation_performance_entry(&self, new_entry: EntryRef) {
        // Step 1-2. Generate the id; it is also the navigation id.
        let increment = self.embedder.performance_entry_id_increment();
        let id = self.state.borrow_mut().generate_an_id(increment);
        if let Some(ids) = new_entry.identifiers() {
            let id = ids.set_id_if_unset(id);
            ids.set_navigation_id_if_unset(id);
        }
        // Step 3. Set the most recent navigation.
        self.state.borrow_mut().most_recent_navigation_id = Some(id);
        // Step 4.
        self.queue_a_performance_entry(new_entry);
    }

    /// *Queue the PerformanceObserver task*: at most one pending task per
    /// global, so many entries queued in one turn give one callback per observer.
    ///
    /// <https://w3c.github.io/performance-timeline/#dfn-queue-the-performanceobserver-task>
    fn queue_the_performance_observer_task(&self) {
        // Step 1-2.
        if self.observer_task_queued.replace(true) {
            return;
        }
        // Step 3.
        let this = self.this.clone();
        self.embedder
            .queue_a_performance_timeline_task(Box::new(move || {
                if let Some(performance) = this.upgrade() {
                    performance.run_the_performance_observer_task();
                }
            }));
    }

    /// The task queued by *queue the PerformanceObserver task*.
    fn run_the_performance_observer_task(&self) {
        // Step 3.1. Unset the flag.
        self.observer_task_queued.set(false);
        // Step 3.2. A copy of the registered observers.
        let notify_list: Vec<PerformanceObserver<E>> = self
            .observers
            .borrow()
            .iter()
            .map(|r| r.observer.clone())
            .collect();
        // Step 3.3.
        for po in notify_list {
            // Step 3.3.2-3.3.4. Take the entries.
            let entries = std::mem::take(&mut *po.inner.buffer.borrow_mut());
            if entries.is_empty() {
                // Spec deviation: the spec says "return", which would starve
                // the remaining observers; we continue (docs/timeline.md).
                continue;
            }
            // Step 3.3.5.
            let list = PerformanceObserverEntryList::new(entries);
            // Step 3.3.6-3.3.7. droppedEntriesCount for the first callback after observe().
            let mut options = PerformanceObserverCallbackOptions::default();
            if po.inner.requires_dropped_entries.get() {
                options.dropped_entries_count = Some(self.dropped_entries_for(&po));
                po.inner.requires_dropped_entries.set(false);
            }
            // Step 3.3.8-3.3.9. Invoke the callback with no borrow held.
            po.invoke(&list, &options);
        }
    }

    fn dropped_entries_for(&self, po: &PerformanceObserver<E>) -> u64 {
        let observers = self.observers.borrow();
        let state = self.state.borrow();
        let Some(registered) = observers.iter().find(|r| r.observer == *po) else {
            return 0;
        };
        let mut count = 0u64;
        for options in &registered.options_list {
            for entry_type in options.named_types() {
                if let Some(tuple) = state.buffer_map.get(entry_type) {
                    count = count.saturating_add(tuple.dropped_entries_count);
                }
            }
        }
        count
    }

    // ----- Observers ---------------------------------------------------------

    /// `observe(options)` for `observer`.
    ///
    /// <https://w3c.github.io/performance-timeline/#observe-method>
    pub fn observe(
        &self,
        observer: &PerformanceObserver<E>,
        mut options: PerformanceObserverInit,
    ) -> Result<ObserveOutcome, ObserveError> {
        let mut outcome = ObserveOutcome::default();
        // Step 2. Neither entryTypes nor type.
        if options.entry_types.is_none() && options.type_.is_none() {
            return Err(ObserveError::MissingEntryTypesAndType);
        }
        // Step 3. entryTypes with any other member.
        if options.entry_types.is_some() && (options.type_.is_some() || options.buffered.is_some())
        {
            let only_buffered = options.type_.is_none();
            if only_buffered
                && self.embedder.entry_types_with_buffered()
                    == EntryTypesWithBuffered::IgnoreBuffered
            {
                // Spec deviation (opt-in): engines ignore `buffered` here.
                options.buffered = None;
                self.warn(&mut outcome, ObserveWarning::BufferedIgnoredWithEntryTypes);
            } else {
                return Err(ObserveError::EntryTypesWithOtherMembers);
            }
        }
        // Step 4. Observer type.
        let inner = &observer.inner;
        if inner.observer_type.get() == ObserverType::Undefined {
            inner.observer_type.set(if options.entry_types.is_some() {
                ObserverType::Multiple
            } else {
                ObserverType::Single
            });
        }
        match (inner.observer_type.get(), options.entry_types.is_some()) {
            (ObserverType::Single, true) | (ObserverType::Multiple, false) => {
                return Err(ObserveError::InvalidModification)
            }
            _ => {}
        }
        // Step 5.
        inner.requires_dropped_entries.set(true);
        if let Some(entry_types) = options.entry_types.take() {
            // Step 6.1. Drop unsupported types, with a warning.
            let mut kept = Vec::with_capacity(entry_types.len());
            for t in entry_types {
                if self.supported_entry_types.contains(&t) {
                    kept.push(t);
                } else {
                    self.warn(&mut outcome, ObserveWarning::UnsupportedEntryType(t));
                }
            }
            // Step 6.2. None left: abort.
            if kept.is_empty() {
                self.warn(&mut outcome, ObserveWarning::NoSupportedEntryTypes);
                return Ok(outcome);
            }
            options.entry_types = Some(kept);
            // Step 6.3. Register or replace the options list.
            self.register(observer, options, true);
            outcome.registered = true;
            return Ok(outcome);
        }
        // Step 7.2. Unsupported type: abort with a warning.
        let type_ = options.type_.clone().unwrap_or_default();
        if !self.supported_entry_types.contains(&type_) {
            self.warn(&mut outcome, ObserveWarning::UnsupportedEntryType(type_));
            return Ok(outcome);
        }
        // Step 7.3-7.4. Register, or replace the options with the same type.
        let buffered = options.buffered == Some(true);
        self.register(observer, options.clone(), false);
        outcome.registered = true;
        // Step 7.5. Buffered: copy the tuple's entries into the observer buffer.
        if buffered {
            let matching: Vec<EntryRef> = {
                let state = self.state.borrow();
                match state.buffer_map.get(&type_) {
                    Some(tuple) => tuple
                        .buffer
                        .entries()
                        .iter()
                        .filter(|e| {
                            tuple
                                .should_add_entry
                                .as_ref()
                                .is_none_or(|rule| rule(&***e, Some(&options)))
                        })
                        .cloned()
                        .collect(),
                    None => Vec::new(),
                }
            };
            inner.buffer.borrow_mut().extend(matching);
            self.queue_the_performance_observer_task();
        }
        Ok(outcome)
    }

    fn warn(&self, outcome: &mut ObserveOutcome, warning: ObserveWarning) {
        self.embedder.report_observe_warning(&warning);
        outcome.warnings.push(warning);
    }

    fn register(
        &self,
        observer: &PerformanceObserver<E>,
        options: PerformanceObserverInit,
        multiple: bool,
    ) {
        let mut observers = self.observers.borrow_mut();
        match observers.iter_mut().find(|r| r.observer == *observer) {
            Some(registered) if multiple => registered.options_list = vec![options],
            Some(registered) => {
                match registered
                    .options_list
                    .iter_mut()
                    .find(|o| o.type_ == options.type_)
                {
                    Some(existing) => *existing = options,
                    None => registered.options_list.push(options),
                }
            }
            None => observers.push(RegisteredObserver {
                observer: observer.clone(),
                options_list: vec![options],
            }),
        }
    }

    pub(crate) fn unregister_observer(&self, observer: &PerformanceObserver<E>) {
        self.observers
            .borrow_mut()
            .retain(|r| r.observer != *observer);
    }

    /// The number of registered observers.
    pub fn registered_observer_count(&self) -> usize {
        self.observers.borrow().len()
    }

    /// `PerformanceObserver.supportedEntryTypes`: the frozen array, in
    /// alphabetical order; the same object on every call.
    ///
    /// <https://w3c.github.io/performance-timeline/#supportedentrytypes-attribute>
    pub fn supported_entry_types(&self) -> Rc<[String]> {
        self.supported_entry_types.clone()
    }

    // ----- Queries -----------------------------------------------------------

    /// *Filter buffer map by name and type*.
    ///
    /// <https://w3c.github.io/performance-timeline/#dfn-filter-buffer-map-by-name-and-type>
    fn filter_buffer_map_by_name_and_type(
        &self,
        name: Option<&str>,
        type_: Option<&str>,
    ) -> Vec<EntryRef> {
        let state = self.state.borrow();
        // Step 1.
        let mut result = Vec::new();
        let mut needs_sort = false;
        let mut non_empty_tuples = 0;
        // Step 3. The tuples to look at (an unknown type has none).
        let tuples: Vec<&EntryTuple> = match type_ {
            Some(t) => state.buffer_map.get(t).into_iter().collect(),
            None => state.buffer_map.values().collect(),
        };
        for tuple in tuples {
            // Step 4.1. Skip types not available from the timeline.
            if !tuple.available_from_timeline {
                continue;
            }
            // Step 4.2-4.3. Filter this buffer by name (the per-name index).
            let before = result.len();
            tuple
                .buffer
                .filter_into_hashed(name.map(|n| (n, state.name_hash(n))), &mut result);
            if result.len() > before {
                non_empty_tuples += 1;
                needs_sort |= !tuple.buffer.is_chronological();
            }
        }
        // Step 5. Sort chronologically (stable; skipped when already in order).
        if needs_sort || non_empty_tuples > 1 {
            sort_chronologically(&mut result);
        }
        result
    }

    /// `getEntries()`.
    ///
    /// <https://w3c.github.io/performance-timeline/#getentries-method>
    pub fn get_entries(&self) -> Vec<EntryRef> {
        self.filter_buffer_map_by_name_and_type(None, None)
    }

    /// `getEntriesByType(type)`.
    ///
    /// <https://w3c.github.io/performance-timeline/#getentriesbytype-method>
    pub fn get_entries_by_type(&self, type_: &str) -> Vec<EntryRef> {
        self.filter_buffer_map_by_name_and_type(None, Some(type_))
    }

    /// `getEntriesByName(name, type)`.
    ///
    /// <https://w3c.github.io/performance-timeline/#getentriesbyname-method>
    pub fn get_entries_by_name(&self, name: &str, type_: Option<&str>) -> Vec<EntryRef> {
        self.filter_buffer_map_by_name_and_type(Some(name), type_)
    }

    /// Removes buffered entries of `entry_type` (all, or those named `name`):
    /// what `clearMarks`/`clearMeasures` need. Returns how many were removed.
    pub fn clear_entries(&self, entry_type: &str, name: Option<&str>) -> usize {
        let mut state = self.state.borrow_mut();
        let Some(tuple) = state.buffer_map.get_mut(entry_type) else {
            return 0;
        };
        let before = tuple.buffer.len();
        match name {
            None => tuple.buffer.clear(),
            Some(name) => tuple.buffer.retain(|e| e.name() != name),
        }
        before - tuple.buffer.len()
    }

    /// The tuple's *dropped entries count* for `entry_type` (0 for unknown types).
    pub fn dropped_entries_count(&self, entry_type: &str) -> u64 {
        self.state
            .borrow()
            .buffer_map
            .get(entry_type)
            .map_or(0, |t| t.dropped_entries_count)
    }

    /// Heap bytes the buffers and their name indexes hold (entries themselves excluded).
    pub fn buffer_heap_bytes(&self) -> usize {
        let state = self.state.borrow();
        state
            .buffer_map
            .values()
            .map(|t| t.buffer.heap_bytes())
            .sum::<usize>()
            + state.resource.secondary_buffer.capacity() * std::mem::size_of::<EntryRef>()
    }

    // ----- Resource timing buffer ---------------------------------------------

    fn with_resource_tuple<R>(&self, f: impl FnOnce(&mut TimelineState, Option<usize>) -> R) -> R {
        let mut state = self.state.borrow_mut();
        let index = state.resource_tuple;
        f(&mut state, index)
    }

    /// `clearResourceTimings()`: empties the resource timing buffer (the
    /// secondary buffer is untouched).
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performance-clearresourcetimings>
    pub fn clear_resource_timings(&self) {
        self.with_resource_tuple(|state, index| {
            // Step 1-2. Remove the entries; the current size becomes 0.
            if let Some((_, tuple)) = index.and_then(|i| state.buffer_map.get_index_mut(i)) {
                tuple.buffer.clear();
            }
        });
    }

    /// `setResourceTimingBufferSize(maxSize)`: sets the limit; nothing is
    /// removed and no event fires.
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performance-setresourcetimingbuffersize>
    pub fn set_resource_timing_buffer_size(&self, max_size: u32) {
        self.state.borrow_mut().resource.buffer_size_limit = max_size as usize;
    }

    /// The *resource timing buffer size limit*.
    pub fn resource_timing_buffer_size_limit(&self) -> usize {
        self.state.borrow().resource.buffer_size_limit
    }

    /// The *resource timing buffer current size*.
    pub fn resource_timing_buffer_current_size(&self) -> usize {
        self.with_resource_tuple(|state, index| {
            index
                .and_then(|i| state.buffer_map.get_index(i))
                .map_or(0, |(_, t)| t.buffer.len())
        })
    }

    /// The *resource timing secondary buffer current size*.
    pub fn resource_timing_secondary_buffer_current_size(&self) -> usize {
        self.state.borrow().resource.secondary_buffer.len()
    }

    /// The *resource timing buffer full event pending flag*.
    pub fn resource_timing_buffer_full_event_pending_flag(&self) -> bool {
        self.state.borrow().resource.buffer_full_event_pending_flag
    }

    /// Entries discarded by *fire a buffer full event* because the handlers
    /// made no room.
    pub fn resource_timing_discarded_entries(&self) -> u64 {
        self.state.borrow().resource.discarded_entries
    }

    /// *Can add resource timing entry*: current size < limit.
    ///
    /// <https://w3c.github.io/resource-timing/#dfn-can-add-resource-timing-entry>
    pub fn can_add_resource_timing_entry(&self) -> bool {
        can_add_resource_timing_entry(&self.state.borrow())
    }

    /// *Add a PerformanceResourceTiming entry*.
    ///
    /// <https://w3c.github.io/resource-timing/#dfn-add-a-PerformanceResourceTiming-entry>
    pub fn add_a_performance_resource_timing_entry(&self, new_entry: EntryRef) {
        let queue_event_task = {
            let mut state = self.state.borrow_mut();
            let state = &mut *state;
            // Step 1. Room and no event pending: add to the buffer.
            if can_add_resource_timing_entry(state)
                && !state.resource.buffer_full_event_pending_flag
            {
                if let Some((_, tuple)) = state
                    .resource_tuple
                    .and_then(|i| state.buffer_map.get_index_mut(i))
                {
                    tuple.buffer.push(new_entry);
                }
                return;
            }
            // Step 2. Set the pending flag (the task is queued below, with no borrow held).
            let queue_event_task = !state.resource.buffer_full_event_pending_flag;
            state.resource.buffer_full_event_pending_flag = true;
            // Step 3. Add to the secondary buffer.
            state.resource.secondary_buffer.push_back(new_entry);
            queue_event_task
        };
        if queue_event_task {
            let this = self.this.clone();
            self.embedder
                .queue_a_performance_timeline_task(Box::new(move || {
                    if let Some(performance) = this.upgrade() {
                        performance.fire_a_buffer_full_event();
                    }
                }));
        }
    }

    /// *Copy secondary buffer*: move the oldest secondary entries into the
    /// buffer while there is room.
    ///
    /// <https://w3c.github.io/resource-timing/#dfn-copy-secondary-buffer>
    fn copy_secondary_buffer(&self) {
        let mut state = self.state.borrow_mut();
        let state = &mut *state;
        let Some((_, tuple)) = state
            .resource_tuple
            .and_then(|i| state.buffer_map.get_index_mut(i))
        else {
            return;
        };
        while tuple.buffer.len() < state.resource.buffer_size_limit {
            // Step 1. The oldest entry.
            let Some(entry) = state.resource.secondary_buffer.pop_front() else {
                break;
            };
            // Step 2-5. Append it; the sizes follow the containers.
            tuple.buffer.push(entry);
        }
    }

    /// *Fire a buffer full event*: the task that lets the
    /// `resourcetimingbufferfull` handlers make room, copying from the
    /// secondary buffer until it is empty or a round makes no progress.
    ///
    /// <https://w3c.github.io/resource-timing/#dfn-fire-a-buffer-full-event>
    fn fire_a_buffer_full_event(&self) {
        // Step 1. While the secondary buffer is not empty.
        loop {
            // Step 1.1.
            let before = self.resource_timing_secondary_buffer_current_size();
            if before == 0 {
                break;
            }
            // Step 1.2. Fire the event when there is no room (no borrow held).
            if !self.can_add_resource_timing_entry() {
                self.embedder.fire_resource_timing_buffer_full_event(self);
            }
            // Step 1.3.
            self.copy_secondary_buffer();
            // Step 1.4.
            let after = self.resource_timing_secondary_buffer_current_size();
            // Step 1.5. No progress: drop what is left.
            if before <= after {
                let mut state = self.state.borrow_mut();
                let dropped = state.resource.secondary_buffer.len() as u64;
                state.resource.secondary_buffer.clear();
                state.resource.discarded_entries += dropped;
                // Spec deviation: the spec aborts here, leaving the pending
                // flag set forever; engines reset it, and so do we (step 2).
                break;
            }
        }
        // Step 2.
        self.state
            .borrow_mut()
            .resource
            .buffer_full_event_pending_flag = false;
    }
}

/// *Can add resource timing entry*.
fn can_add_resource_timing_entry(state: &TimelineState) -> bool {
    let current = state
        .resource_tuple
        .and_then(|i| state.buffer_map.get_index(i))
        .map_or(0, |(_, t)| t.buffer.len());
    current < state.resource.buffer_size_limit
}

/// *Determine if a performance entry buffer is full*; counts a drop when it is.
///
/// <https://w3c.github.io/performance-timeline/#dfn-determine-if-a-performance-entry-buffer-is-full>
fn determine_if_a_performance_entry_buffer_is_full(
    tuple: &mut EntryTuple,
    max_buffer_size: Option<usize>,
) -> bool {
    // Step 1-2.
    match max_buffer_size {
        Some(max) if tuple.buffer.len() >= max => {
            // Step 3.
            tuple.dropped_entries_count += 1;
            true
        }
        _ => false,
    }
}

impl<E: Embedder> Drop for Performance<E> {
    fn drop(&mut self) {
        // Break observer → performance cycles: observers hold only a Weak.
        self.observers.get_mut().clear();
    }
}
