//! `PerformanceObserver` and `PerformanceObserverEntryList`, and the
//! algorithms on [`Performance`] that serve them: `observe()`, *queue the
//! PerformanceObserver task* and the task itself.
//!
//! <https://w3c.github.io/performance-timeline/#the-performanceobserver-interface>

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::{Rc, Weak};

use crate::buffer::sort_chronologically;
use crate::embedder::{Embedder, EntryTypesWithBuffered};
use crate::entry::EntryRef;
use crate::timeline::Performance;

/// The `PerformanceObserverInit` dictionary. A member that is `None` is
/// "not present"; `buffered: Some(false)` *is* present.
///
/// <https://w3c.github.io/performance-timeline/#performanceobserverinit-dictionary>
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PerformanceObserverInit {
    /// `entryTypes`.
    pub entry_types: Option<Vec<String>>,
    /// `type`.
    pub type_: Option<String>,
    /// `buffered`.
    pub buffered: Option<bool>,
}

impl PerformanceObserverInit {
    /// `{type}`.
    pub fn with_type(type_: impl Into<String>) -> Self {
        PerformanceObserverInit {
            type_: Some(type_.into()),
            ..Self::default()
        }
    }
    /// `{type, buffered: true}`.
    pub fn buffered_type(type_: impl Into<String>) -> Self {
        PerformanceObserverInit {
            type_: Some(type_.into()),
            buffered: Some(true),
            ..Self::default()
        }
    }
    /// `{entryTypes}`.
    pub fn with_entry_types<I, S>(entry_types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        PerformanceObserverInit {
            entry_types: Some(entry_types.into_iter().map(Into::into).collect()),
            ..Self::default()
        }
    }
    /// The same dictionary with `buffered` present and set to `buffered`.
    pub fn and_buffered(mut self, buffered: bool) -> Self {
        self.buffered = Some(buffered);
        self
    }
    /// Whether this options item selects `entry_type` (by `entryTypes` or `type`).
    pub(crate) fn selects(&self, entry_type: &str) -> bool {
        if let Some(types) = &self.entry_types {
            if types.iter().any(|t| t == entry_type) {
                return true;
            }
        }
        self.type_.as_deref() == Some(entry_type)
    }
    /// The entry types this item names, for dropped-entry counting.
    pub(crate) fn named_types(&self) -> impl Iterator<Item = &str> {
        self.entry_types
            .iter()
            .flatten()
            .map(String::as_str)
            .chain(self.type_.as_deref())
    }
}

/// The `PerformanceObserverCallbackOptions` dictionary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PerformanceObserverCallbackOptions {
    /// `droppedEntriesCount`: present only in the first callback after each `observe()`.
    pub dropped_entries_count: Option<u64>,
}

/// Why `observe()` throws.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObserveError {
    /// `TypeError`: neither `entryTypes` nor `type` is present.
    MissingEntryTypesAndType,
    /// `TypeError`: `entryTypes` is present together with `type` or `buffered`.
    EntryTypesWithOtherMembers,
    /// `InvalidModificationError`: `entryTypes` on an observer that used `type`, or the reverse.
    InvalidModification,
}

impl ObserveError {
    /// The DOMException or ECMAScript error name a binding throws.
    pub fn error_name(&self) -> &'static str {
        match self {
            ObserveError::MissingEntryTypesAndType | ObserveError::EntryTypesWithOtherMembers => {
                "TypeError"
            }
            ObserveError::InvalidModification => "InvalidModificationError",
        }
    }
}

impl fmt::Display for ObserveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObserveError::MissingEntryTypesAndType => {
                f.write_str("observe() needs either `entryTypes` or `type`")
            }
            ObserveError::EntryTypesWithOtherMembers => {
                f.write_str("observe() cannot combine `entryTypes` with `type` or `buffered`")
            }
            ObserveError::InvalidModification => {
                f.write_str("observe() cannot switch an observer between `entryTypes` and `type`")
            }
        }
    }
}

impl std::error::Error for ObserveError {}

/// What `observe()` would print on the console instead of throwing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObserveWarning {
    /// An entry type that this global does not support was ignored.
    UnsupportedEntryType(String),
    /// `entryTypes` named no supported type, so nothing was registered.
    NoSupportedEntryTypes,
    /// `buffered` was ignored beside `entryTypes` (engine-compatible mode).
    BufferedIgnoredWithEntryTypes,
}

impl fmt::Display for ObserveWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObserveWarning::UnsupportedEntryType(t) => {
                write!(f, "unsupported entry type {t:?} ignored")
            }
            ObserveWarning::NoSupportedEntryTypes => {
                f.write_str("no supported entry types; observe() did nothing")
            }
            ObserveWarning::BufferedIgnoredWithEntryTypes => {
                f.write_str("`buffered` is ignored with `entryTypes`")
            }
        }
    }
}

/// The result of an `observe()` call that did not throw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObserveOutcome {
    /// Whether the observer is now registered with these options.
    pub registered: bool,
    /// Console warnings.
    pub warnings: Vec<ObserveWarning>,
}

/// The observer type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObserverType {
    Undefined,
    Single,
    Multiple,
}

/// The `PerformanceObserverCallback`: (entries, observer, options), and the
/// context the performance timeline task runs with.
pub type PerformanceObserverCallback<E> = dyn Fn(
    &PerformanceObserverEntryList,
    &PerformanceObserver<E>,
    &PerformanceObserverCallbackOptions,
    &mut <E as crate::PerformanceTimelineTaskSource>::Context,
);

pub(crate) struct ObserverInner<E: Embedder> {
    callback: Box<PerformanceObserverCallback<E>>,
    pub(crate) buffer: RefCell<Vec<EntryRef>>,
    pub(crate) observer_type: Cell<ObserverType>,
    pub(crate) requires_dropped_entries: Cell<bool>,
    pub(crate) performance: Weak<Performance<E>>,
}

/// A `PerformanceObserver`, bound to the global whose [`Performance`] created it.
///
/// Cloning gives another handle on the same observer.
pub struct PerformanceObserver<E: Embedder> {
    pub(crate) inner: Rc<ObserverInner<E>>,
}

impl<E: Embedder> Clone for PerformanceObserver<E> {
    fn clone(&self) -> Self {
        PerformanceObserver {
            inner: self.inner.clone(),
        }
    }
}

impl<E: Embedder> fmt::Debug for PerformanceObserver<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerformanceObserver")
            .field("buffered_records", &self.inner.buffer.borrow().len())
            .field("observer_type", &self.inner.observer_type.get())
            .finish()
    }
}

impl<E: Embedder> PartialEq for PerformanceObserver<E> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl<E: Embedder> PerformanceObserver<E> {
    /// `new PerformanceObserver(callback)` in the global of `performance`.
    ///
    /// The callback runs from the *performance observer task*, with no
    /// borrow held: it may call any method of the observer or of the
    /// [`Performance`].
    pub fn new<F>(performance: &Rc<Performance<E>>, callback: F) -> Self
    where
        F: Fn(
                &PerformanceObserverEntryList,
                &PerformanceObserver<E>,
                &PerformanceObserverCallbackOptions,
            ) + 'static,
    {
        Self::with_context(performance, move |list, observer, options, _cx| {
            callback(list, observer, options)
        })
    }

    /// `new PerformanceObserver(callback)` with a callback that also gets
    /// the context the embedder's event loop runs the task with (a JS
    /// context to call into script, a GC token).
    pub fn with_context<F>(performance: &Rc<Performance<E>>, callback: F) -> Self
    where
        F: Fn(
                &PerformanceObserverEntryList,
                &PerformanceObserver<E>,
                &PerformanceObserverCallbackOptions,
                &mut E::Context,
            ) + 'static,
    {
        PerformanceObserver {
            inner: Rc::new(ObserverInner {
                callback: Box::new(callback),
                buffer: RefCell::new(Vec::new()),
                observer_type: Cell::new(ObserverType::Undefined),
                requires_dropped_entries: Cell::new(false),
                performance: Rc::downgrade(performance),
            }),
        }
    }

    /// `observe(options)`. See [`Performance::observe`] for the steps.
    ///
    /// <https://w3c.github.io/performance-timeline/#observe-method>
    pub fn observe(
        &self,
        options: PerformanceObserverInit,
    ) -> Result<ObserveOutcome, ObserveError> {
        match self.inner.performance.upgrade() {
            Some(performance) => performance.observe(self, options),
            // The global is gone: nothing can ever be observed.
            None => Ok(ObserveOutcome::default()),
        }
    }

    /// `takeRecords()`: the observer buffer's entries, leaving it empty.
    ///
    /// <https://w3c.github.io/performance-timeline/#takerecords-method>
    pub fn take_records(&self) -> Vec<EntryRef> {
        std::mem::take(&mut *self.inner.buffer.borrow_mut())
    }

    /// `disconnect()`.
    ///
    /// <https://w3c.github.io/performance-timeline/#disconnect-method>
    pub fn disconnect(&self) {
        // Step 1. Remove this from the registered observers.
        if let Some(performance) = self.inner.performance.upgrade() {
            performance.unregister_observer(self);
        }
        // Step 2. Empty the observer buffer. Step 3 (the options list) went with the registration.
        self.inner.buffer.borrow_mut().clear();
    }

    pub(crate) fn invoke(
        &self,
        list: &PerformanceObserverEntryList,
        options: &PerformanceObserverCallbackOptions,
        cx: &mut E::Context,
    ) {
        (self.inner.callback)(list, self, options, cx);
    }
}

/// A registered performance observer: the observer and its options list.
///
/// <https://w3c.github.io/performance-timeline/#dfn-registered-performance-observer>
pub(crate) struct RegisteredObserver<E: Embedder> {
    pub(crate) observer: PerformanceObserver<E>,
    pub(crate) options_list: Vec<PerformanceObserverInit>,
}

impl<E: Embedder> Performance<E> {
    /// *Queue the PerformanceObserver task*: at most one pending task per
    /// global, so many entries queued in one turn give one callback per observer.
    ///
    /// <https://w3c.github.io/performance-timeline/#dfn-queue-the-performanceobserver-task>
    pub(crate) fn queue_the_performance_observer_task(&self) {
        // Step 1-2.
        if self.observer_task_queued.replace(true) {
            return;
        }
        // Step 3.
        let this = self.this.clone();
        let Some(embedder) = self.try_embedder() else {
            return;
        };
        embedder.queue_a_performance_timeline_task(Box::new(move |cx| {
            if let Some(performance) = this.upgrade() {
                performance.run_the_performance_observer_task(cx);
            }
        }));
    }

    /// The task queued by *queue the PerformanceObserver task*.
    fn run_the_performance_observer_task(&self, cx: &mut E::Context) {
        // Step 3.1. Unset the flag.
        self.observer_task_queued.set(false);
        if self.retired.get() {
            return;
        }
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
            po.invoke(&list, &options, cx);
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
                && self.try_embedder().is_some_and(|e| {
                    e.entry_types_with_buffered() == EntryTypesWithBuffered::IgnoreBuffered
                })
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
        if let Some(embedder) = self.try_embedder() {
            embedder.report_observe_warning(&warning);
        }
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
}

/// The `PerformanceObserverEntryList` a callback receives.
///
/// <https://w3c.github.io/performance-timeline/#performanceobserverentrylist-interface>
#[derive(Debug, Clone, Default)]
pub struct PerformanceObserverEntryList {
    entries: Vec<EntryRef>,
}

impl PerformanceObserverEntryList {
    /// A list over `entries` (in the order they were queued).
    pub fn new(entries: Vec<EntryRef>) -> Self {
        PerformanceObserverEntryList { entries }
    }
    /// `getEntries()`.
    pub fn get_entries(&self) -> Vec<EntryRef> {
        filter_buffer_by_name_and_type(&self.entries, None, None)
    }
    /// `getEntriesByType(type)`.
    pub fn get_entries_by_type(&self, type_: &str) -> Vec<EntryRef> {
        filter_buffer_by_name_and_type(&self.entries, None, Some(type_))
    }
    /// `getEntriesByName(name, type)`.
    pub fn get_entries_by_name(&self, name: &str, type_: Option<&str>) -> Vec<EntryRef> {
        filter_buffer_by_name_and_type(&self.entries, Some(name), type_)
    }
    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// *Filter buffer by name and type*: exact, case-sensitive matches, sorted
/// chronologically (stable).
///
/// <https://w3c.github.io/performance-timeline/#dfn-filter-buffer-by-name-and-type>
pub fn filter_buffer_by_name_and_type(
    buffer: &[EntryRef],
    name: Option<&str>,
    type_: Option<&str>,
) -> Vec<EntryRef> {
    // Step 1-2. Keep the entries whose type and name are identical to those given.
    let mut result: Vec<EntryRef> = buffer
        .iter()
        .filter(|e| type_.is_none_or(|t| e.entry_type() == t) && name.is_none_or(|n| e.name() == n))
        .cloned()
        .collect();
    // Step 3. Sort chronologically by startTime.
    sort_chronologically(&mut result);
    result
}
