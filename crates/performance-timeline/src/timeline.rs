//! The per-global `Performance` state and the Performance Timeline's own
//! algorithms: *queue a PerformanceEntry*, the performance entry buffer map
//! and *filter buffer map by name and type*.
//!
//! The other algorithms on [`Performance`] sit beside their types: HR time in
//! `hr_time.rs`, `observe()` and the observer task in `observer.rs`, the
//! resource timing buffer in `resource_buffer.rs`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::{Rc, Weak};

use indexmap::IndexMap;

use crate::buffer::{name_hash, random_seed, sort_chronologically, EntryBuffer};
use crate::embedder::{Embedder, EntryTypeInfo, ShouldAddEntry};
use crate::entry::EntryRef;
use crate::observer::RegisteredObserver;
use crate::resource_buffer::{ResourceTimingState, RESOURCE};

/// One value of the performance entry buffer map.
///
/// <https://w3c.github.io/performance-timeline/#dfn-performance-entry-buffer-map>
pub(crate) struct EntryTuple {
    pub(crate) buffer: EntryBuffer,
    pub(crate) max_buffer_size: Option<usize>,
    pub(crate) available_from_timeline: bool,
    pub(crate) dropped_entries_count: u64,
    pub(crate) should_add_entry: Option<ShouldAddEntry>,
}

/// The timeline's state of one global, behind [`Performance`]'s `RefCell`.
pub(crate) struct TimelineState {
    /// The performance entry buffer map.
    pub(crate) buffer_map: IndexMap<String, EntryTuple>,
    /// The position of the "resource" tuple, whose buffer is the resource timing buffer.
    pub(crate) resource_tuple: Option<usize>,
    pub(crate) resource: ResourceTimingState,
    last_performance_entry_id: u64,
    most_recent_navigation_id: Option<u64>,
    name_hash_seed: u64,
}

impl TimelineState {
    /// The per-global keyed hash of an entry name, as the buffers' name
    /// indexes compute it (they share this global's seed).
    pub(crate) fn name_hash(&self, name: &str) -> u64 {
        name_hash(self.name_hash_seed, name.as_bytes())
    }

    /// The position of `entry_type`'s tuple in the buffer map. The map holds
    /// a handful of types, so a scan beats hashing the key.
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
        self.last_performance_entry_id = increased_id(self.last_performance_entry_id, increment);
        // Step 2.
        self.last_performance_entry_id
    }
}

/// Step 1 of *generate an id*: `last` increased by `increment` (at least 1),
/// wrapping, and never `u64::MAX`, which marks an unset id in
/// [`EntryIdentifiers`](crate::EntryIdentifiers).
fn increased_id(last: u64, increment: u64) -> u64 {
    let id = last.wrapping_add(increment.max(1));
    if id == u64::MAX {
        id.wrapping_add(increment.max(1))
    } else {
        id
    }
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
    embedder: Global<E>,
    /// Set by [`Performance::retire`]: the document went away.
    pub(crate) retired: Cell<bool>,
    pub(crate) this: Weak<Performance<E>>,
    pub(crate) state: RefCell<TimelineState>,
    pub(crate) observers: RefCell<Vec<RegisteredObserver<E>>>,
    /// The performance observer task queued flag.
    pub(crate) observer_task_queued: Cell<bool>,
    pub(crate) supported_entry_types: Rc<[String]>,
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

/// Where a [`Performance`] finds its embedder.
enum Global<E> {
    /// [`Performance::new`]: it owns the embedder.
    Owned(E),
    /// [`Performance::for_global`]: the global owns the `Performance`.
    Shared(Weak<E>),
}

/// A borrowed embedder: a plain reference, or the global upgraded from its
/// `Weak` for the length of a call.
pub struct EmbedderRef<'a, E>(EmbedderRefInner<'a, E>);

enum EmbedderRefInner<'a, E> {
    Borrowed(&'a E),
    Upgraded(Rc<E>),
}

impl<E> std::ops::Deref for EmbedderRef<'_, E> {
    type Target = E;
    fn deref(&self) -> &E {
        match &self.0 {
            EmbedderRefInner::Borrowed(e) => e,
            EmbedderRefInner::Upgraded(e) => e,
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for EmbedderRef<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<E: Embedder> Performance<E> {
    /// The performance state of a new global, owning its embedder.
    pub fn new(embedder: E) -> Rc<Self> {
        Self::build(&embedder).finish(Global::Owned(embedder))
    }

    /// The performance state of `global`, which is its own embedder and
    /// owns the returned `Performance` (a Window with a `performance`
    /// field). Call it once `global` is in its `Rc`, for example when the
    /// global first reads `self.performance` (a `OnceCell`): the supported
    /// entry types and the initial id are read from it now. If `global` is
    /// gone already, the `Performance` supports no entry type.
    ///
    /// When the global is dropped, the `Performance` goes inert: `now()`
    /// reads 0, entries are ignored, no task is queued.
    pub fn for_global(global: &Weak<E>) -> Rc<Self> {
        match global.upgrade() {
            Some(embedder) => Self::build(&embedder),
            None => Builder::empty(),
        }
        .finish(Global::Shared(global.clone()))
    }

    /// The buffer map and the other facts read from the embedder once.
    fn build(embedder: &E) -> Builder {
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
        Builder {
            buffer_map,
            resource_tuple,
            supported,
            last_id: embedder.initial_last_performance_entry_id(),
            seed,
        }
    }

    /// The embedder, if the global still exists (always, for [`Performance::new`]).
    pub fn try_embedder(&self) -> Option<EmbedderRef<'_, E>> {
        match &self.embedder {
            Global::Owned(e) => Some(EmbedderRef(EmbedderRefInner::Borrowed(e))),
            Global::Shared(weak) => weak
                .upgrade()
                .map(|e| EmbedderRef(EmbedderRefInner::Upgraded(e))),
        }
    }

    /// The embedder.
    ///
    /// # Panics
    ///
    /// When the global of a [`Performance::for_global`] was dropped; use
    /// [`Performance::try_embedder`] where that can happen.
    pub fn embedder(&self) -> EmbedderRef<'_, E> {
        self.try_embedder()
            .expect("the global that owned this Performance was dropped")
    }

    /// The global's facts (origin, secure context, cross-origin isolated
    /// capability): [`Performance::embedder`].
    ///
    /// # Panics
    ///
    /// As [`Performance::embedder`].
    pub fn global(&self) -> EmbedderRef<'_, E> {
        self.embedder()
    }

    /// The document went away: empties every buffer (the resource timing
    /// secondary buffer too), unregisters every observer and drops what
    /// they had buffered, and ignores every entry queued or added from now
    /// on; tasks already queued do nothing. Queries answer with nothing.
    /// Call it when the global's document is unloaded and discarded.
    pub fn retire(&self) {
        self.retired.set(true);
        let observers = std::mem::take(&mut *self.observers.borrow_mut());
        for registered in &observers {
            registered.observer.inner.buffer.borrow_mut().clear();
        }
        let mut state = self.state.borrow_mut();
        for tuple in state.buffer_map.values_mut() {
            tuple.buffer.clear();
        }
        state.resource.secondary_buffer.clear();
        state.resource.buffer_full_event_pending_flag = false;
        drop(state);
        drop(observers);
    }

    /// Whether [`Performance::retire`] was called.
    pub fn is_retired(&self) -> bool {
        self.retired.get()
    }

    /// Heap bytes held by the buffers and by the entries they hold (each
    /// entry's own size and [`PerformanceEntry::heap_size`]), for an
    /// engine's memory reporter. An entry held by several buffers or
    /// observers is counted once per buffer.
    ///
    /// [`PerformanceEntry::heap_size`]: crate::PerformanceEntry::heap_size
    pub fn heap_size(&self) -> usize {
        let state = self.state.borrow();
        let entries: usize = state
            .buffer_map
            .values()
            .flat_map(|t| t.buffer.entries())
            .chain(state.resource.secondary_buffer.iter())
            .map(|e| std::mem::size_of_val(&**e) + e.heap_size())
            .sum();
        drop(state);
        entries + self.buffer_heap_bytes()
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
        if self.retired.get() {
            return;
        }
        let Some(embedder) = self.try_embedder() else {
            return;
        };
        let has_document = embedder.has_associated_document();
        let increment = embedder.performance_entry_id_increment();
        drop(embedder);
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
        if self.retired.get() {
            return;
        }
        let Some(increment) = self
            .try_embedder()
            .map(|e| e.performance_entry_id_increment())
        else {
            return;
        };
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

/// What a new [`Performance`] is made of, read from its embedder.
struct Builder {
    buffer_map: IndexMap<String, EntryTuple>,
    resource_tuple: Option<usize>,
    supported: Rc<[String]>,
    last_id: u64,
    seed: u64,
}

impl Builder {
    /// A global that supports no entry type.
    fn empty() -> Builder {
        Builder {
            buffer_map: IndexMap::new(),
            resource_tuple: None,
            supported: Rc::from([]),
            last_id: 0,
            seed: random_seed(),
        }
    }

    fn finish<E: Embedder>(self, embedder: Global<E>) -> Rc<Performance<E>> {
        Rc::new_cyclic(|this| Performance {
            embedder,
            retired: Cell::new(false),
            this: this.clone(),
            state: RefCell::new(TimelineState {
                buffer_map: self.buffer_map,
                resource_tuple: self.resource_tuple,
                resource: ResourceTimingState::new(),
                last_performance_entry_id: self.last_id,
                most_recent_navigation_id: None,
                name_hash_seed: self.seed,
            }),
            observers: RefCell::new(Vec::new()),
            observer_task_queued: Cell::new(false),
            supported_entry_types: self.supported,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_step_over_the_unset_marker() {
        assert_eq!(increased_id(100, 1), 101);
        assert_eq!(increased_id(100, 0), 101);
        assert_eq!(increased_id(u64::MAX - 2, 1), u64::MAX - 1);
        // u64::MAX means "unset" to EntryIdentifiers.
        assert_eq!(increased_id(u64::MAX - 1, 1), 0);
        assert_eq!(increased_id(u64::MAX - 2, 2), 1);
    }
}
