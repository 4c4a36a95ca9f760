//! A small reference embedder: a single-threaded event loop with a manual
//! clock. The tests, the example and `docs/embedding.md` use it; an engine
//! author can read it as the whole integration on one page.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use crate::embedder::{
    Embedder, EntryTypeInfo, EntryTypesWithBuffered, GlobalFacts, MonotonicClock,
    PerformanceTimelineTaskSource, Task,
};
use crate::entry::Moment;
use crate::hr_time::Coarsening;
use crate::observer::ObserveWarning;
use crate::resource_buffer::{BufferFullEvent, RESOURCE_TIMING_BUFFER_FULL_EVENT};
use crate::timeline::Performance;

struct LoopState {
    now: Cell<Moment>,
    tasks: RefCell<VecDeque<Task>>,
    tasks_run: Cell<u64>,
}

/// A single-threaded event loop with a manual monotonic clock. Cloning gives
/// another handle on the same loop; several globals may share one loop.
#[derive(Clone)]
pub struct ReferenceEventLoop {
    inner: Rc<LoopState>,
}

impl std::fmt::Debug for ReferenceEventLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferenceEventLoop")
            .field("now", &self.now())
            .field("pending_tasks", &self.pending_tasks())
            .finish()
    }
}

impl Default for ReferenceEventLoop {
    fn default() -> Self {
        Self::new()
    }
}

impl ReferenceEventLoop {
    /// A loop whose clock reads 0 ms.
    pub fn new() -> Self {
        ReferenceEventLoop {
            inner: Rc::new(LoopState {
                now: Cell::new(0.0),
                tasks: RefCell::new(VecDeque::new()),
                tasks_run: Cell::new(0),
            }),
        }
    }
    /// The clock's current moment.
    pub fn now(&self) -> Moment {
        self.inner.now.get()
    }
    /// Moves the clock forward by `ms` (negative or NaN values are ignored:
    /// the clock is monotonic).
    pub fn advance(&self, ms: f64) {
        if ms > 0.0 {
            self.inner.now.set(self.inner.now.get() + ms);
        }
    }
    /// Sets the clock to `moment` if that is not earlier than now.
    pub fn set_now(&self, moment: Moment) {
        if moment > self.inner.now.get() {
            self.inner.now.set(moment);
        }
    }
    /// Queues a task.
    pub fn queue_task(&self, task: Task) {
        self.inner.tasks.borrow_mut().push_back(task);
    }
    /// The number of queued tasks.
    pub fn pending_tasks(&self) -> usize {
        self.inner.tasks.borrow().len()
    }
    /// The number of tasks run so far.
    pub fn tasks_run(&self) -> u64 {
        self.inner.tasks_run.get()
    }
    /// Runs the oldest task; returns false when there was none.
    pub fn run_one_task(&self) -> bool {
        let task = self.inner.tasks.borrow_mut().pop_front();
        match task {
            Some(task) => {
                task(&mut ());
                self.inner.tasks_run.set(self.inner.tasks_run.get() + 1);
                true
            }
            None => false,
        }
    }
    /// Runs tasks (including ones they queue) until none is left or
    /// `max_tasks` have run; returns how many ran.
    pub fn run_until_idle_bounded(&self, max_tasks: usize) -> usize {
        let mut ran = 0;
        while ran < max_tasks && self.run_one_task() {
            ran += 1;
        }
        ran
    }
    /// Runs tasks until none is left (at most 1 000 000); returns how many ran.
    pub fn run_until_idle(&self) -> usize {
        self.run_until_idle_bounded(1_000_000)
    }
}

/// A `resourcetimingbufferfull` handler of the reference embedder.
pub type BufferFullHandler = Rc<dyn Fn(&Performance<ReferenceEmbedder>, &BufferFullEvent)>;

/// The reference embedder of one global: its facts, its event loop, and its
/// `resourcetimingbufferfull` listeners.
pub struct ReferenceEmbedder {
    event_loop: ReferenceEventLoop,
    origin: url::Origin,
    secure_context: bool,
    cross_origin_isolated_capability: bool,
    has_document: bool,
    time_origin: Moment,
    coarsening: Coarsening,
    entry_types: Vec<EntryTypeInfo>,
    entry_types_with_buffered: EntryTypesWithBuffered,
    onresourcetimingbufferfull: RefCell<Option<BufferFullHandler>>,
    listeners: RefCell<Vec<BufferFullHandler>>,
    events_fired: Cell<u64>,
    warnings: RefCell<Vec<ObserveWarning>>,
}

impl std::fmt::Debug for ReferenceEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferenceEmbedder")
            .field("origin", &self.origin)
            .field("secure_context", &self.secure_context)
            .field(
                "cross_origin_isolated_capability",
                &self.cross_origin_isolated_capability,
            )
            .field("time_origin", &self.time_origin)
            .finish()
    }
}

impl ReferenceEmbedder {
    /// A Window global for `origin_url` on `event_loop`, whose time origin is
    /// the loop's current moment. Secure context follows the URL's scheme
    /// (https, wss, file, or a loopback host); no cross-origin isolation;
    /// spec coarsening; entry types "mark", "measure", "navigation", "paint",
    /// "resource" from the registry.
    pub fn new(event_loop: &ReferenceEventLoop, origin_url: &url::Url) -> Self {
        let secure = matches!(origin_url.scheme(), "https" | "wss" | "file")
            || matches!(
                origin_url.host_str(),
                Some("localhost" | "127.0.0.1" | "[::1]")
            );
        ReferenceEmbedder {
            event_loop: event_loop.clone(),
            origin: origin_url.origin(),
            secure_context: secure,
            cross_origin_isolated_capability: false,
            has_document: true,
            time_origin: event_loop.now(),
            coarsening: Coarsening::SPEC,
            entry_types: ["mark", "measure", "navigation", "paint", "resource"]
                .iter()
                .filter_map(|t| EntryTypeInfo::from_registry(t))
                .collect(),
            entry_types_with_buffered: EntryTypesWithBuffered::Throw,
            onresourcetimingbufferfull: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            events_fired: Cell::new(0),
            warnings: RefCell::new(Vec::new()),
        }
    }
    /// Sets the cross-origin isolated capability.
    pub fn with_cross_origin_isolated_capability(mut self, value: bool) -> Self {
        self.cross_origin_isolated_capability = value;
        self
    }
    /// Overrides the secure-context fact.
    pub fn with_secure_context(mut self, value: bool) -> Self {
        self.secure_context = value;
        self
    }
    /// Makes this a worker global (no associated Document).
    pub fn as_worker(mut self) -> Self {
        self.has_document = false;
        self
    }
    /// Sets the time origin.
    pub fn with_time_origin(mut self, time_origin: Moment) -> Self {
        self.time_origin = time_origin;
        self
    }
    /// Sets the coarsening.
    pub fn with_coarsening(mut self, coarsening: Coarsening) -> Self {
        self.coarsening = coarsening;
        self
    }
    /// Sets the supported entry types.
    pub fn with_entry_types(mut self, entry_types: Vec<EntryTypeInfo>) -> Self {
        self.entry_types = entry_types;
        self
    }
    /// Sets the `observe({entryTypes, buffered})` policy.
    pub fn with_entry_types_with_buffered(mut self, policy: EntryTypesWithBuffered) -> Self {
        self.entry_types_with_buffered = policy;
        self
    }
    /// The event loop.
    pub fn event_loop(&self) -> &ReferenceEventLoop {
        &self.event_loop
    }
    /// Sets (or clears) `performance.onresourcetimingbufferfull`.
    pub fn set_onresourcetimingbufferfull(&self, handler: Option<BufferFullHandler>) {
        *self.onresourcetimingbufferfull.borrow_mut() = handler;
    }
    /// `performance.addEventListener("resourcetimingbufferfull", handler)`.
    pub fn add_resource_timing_buffer_full_listener(&self, handler: BufferFullHandler) {
        self.listeners.borrow_mut().push(handler);
    }
    /// How many `resourcetimingbufferfull` events have fired.
    pub fn buffer_full_events_fired(&self) -> u64 {
        self.events_fired.get()
    }
    /// The console warnings `observe()` printed.
    pub fn observe_warnings(&self) -> Vec<ObserveWarning> {
        self.warnings.borrow().clone()
    }
}

impl GlobalFacts for ReferenceEmbedder {
    fn origin(&self) -> url::Origin {
        self.origin.clone()
    }
    fn is_secure_context(&self) -> bool {
        self.secure_context
    }
    fn cross_origin_isolated_capability(&self) -> bool {
        self.cross_origin_isolated_capability
    }
    fn has_associated_document(&self) -> bool {
        self.has_document
    }
}

impl MonotonicClock for ReferenceEmbedder {
    fn unsafe_shared_current_time(&self) -> Moment {
        self.event_loop.now()
    }
    fn time_origin(&self) -> Moment {
        self.time_origin
    }
    fn coarsening(&self) -> Coarsening {
        self.coarsening
    }
}

impl PerformanceTimelineTaskSource for ReferenceEmbedder {
    type Context = ();
    fn queue_a_performance_timeline_task(&self, task: Task) {
        self.event_loop.queue_task(task);
    }
}

impl Embedder for ReferenceEmbedder {
    fn fire_resource_timing_buffer_full_event(&self, performance: &Performance<Self>, _: &mut ()) {
        self.events_fired.set(self.events_fired.get() + 1);
        // The event handler attribute's listener, then the others, in order.
        // Clone the handler list so that handlers may add or remove handlers.
        let mut handlers: Vec<BufferFullHandler> = self
            .onresourcetimingbufferfull
            .borrow()
            .iter()
            .cloned()
            .collect();
        handlers.extend(self.listeners.borrow().iter().cloned());
        for handler in handlers {
            handler(performance, &RESOURCE_TIMING_BUFFER_FULL_EVENT);
        }
    }
    fn supported_entry_types(&self) -> Vec<EntryTypeInfo> {
        self.entry_types.clone()
    }
    fn entry_types_with_buffered(&self) -> EntryTypesWithBuffered {
        self.entry_types_with_buffered
    }
    fn report_observe_warning(&self, warning: &ObserveWarning) {
        self.warnings.borrow_mut().push(warning.clone());
    }
}
