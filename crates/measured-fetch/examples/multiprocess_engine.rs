//! A multi-process engine in miniature, the way `docs/embedding.md` tells it.
//!
//! - A **network thread** (the network process) runs real fetches with
//!   `measured-fetch` against the loopback server and sends each finished
//!   fetch's [`ResourceTimingReport`], serialized to JSON, over a channel.
//! - A **content thread** (the content process) owns a `Window` that is its
//!   own [`Embedder`]: its own task queue, its own clock at 1 ms resolution,
//!   and a JS-context stand-in ([`JsContext`]) that every task, observer
//!   callback and `resourcetimingbufferfull` dispatch receives. It
//!   deserializes each report and runs *mark resource timing*.
//! - Entries are engine-owned and not `Send`: resource entries are
//!   `Rc<PerformanceResourceTiming>`, and the engine's own "mark" entry holds
//!   an `Rc`. Reflectors are kept by [`EntryKey`].
//!
//! `cargo run -p measured-fetch --example multiprocess_engine`; the test
//! `tests/multiprocess_engine.rs` runs it and checks what the page saw.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use loopback_server::{Server, ServerOptions};
use measured_fetch::client::{fetch, FetchOptions};
use measured_fetch::Clock;
use resource_timing::performance_timeline::{
    Coarsening, Embedder, EntryKey, EntryRef, EntryTypeInfo, GlobalFacts, Moment, MonotonicClock,
    Performance, PerformanceEntry, PerformanceObserver, PerformanceObserverInit,
    PerformanceTimelineTaskSource, Task,
};
use resource_timing::url::{Origin, Url};
use resource_timing::{mark_resource_timing, FetchClient, RequestMode, ResourceTimingReport};

/// The engine's context for script: here a log of what script saw.
#[derive(Debug, Default)]
pub struct JsContext {
    /// Names seen by `PerformanceObserver` callbacks, in order.
    pub observed: Vec<String>,
    /// How many observer callbacks ran.
    pub callbacks: u32,
    /// How many `resourcetimingbufferfull` events script handled.
    pub buffer_full_events: u32,
}

/// An engine clock with its own instants, mapped onto the crates' moments
/// (f64 ms): nanoseconds since the engine's zero, divided by 10^6.
#[derive(Debug, Clone)]
struct EngineClock {
    zero: Instant,
}

impl EngineClock {
    fn moment(&self, instant: Instant) -> Moment {
        instant.saturating_duration_since(self.zero).as_nanos() as f64 / 1e6
    }
}

/// The Window: the global object, its own embedder, owning its Performance.
pub struct Window {
    url: Url,
    clock: EngineClock,
    time_origin: Moment,
    tasks: RefCell<VecDeque<Task<JsContext>>>,
    performance: OnceCell<Rc<Performance<Window>>>,
    /// The reflectors of entries handed to script, by entry identity.
    reflectors: RefCell<HashMap<EntryKey, Rc<String>>>,
    /// `performance.onresourcetimingbufferfull` raises the limit by this much.
    grow_buffer_by: Cell<u32>,
}

impl Window {
    fn new(url: Url, clock: EngineClock) -> Rc<Window> {
        // The time origin on the global's grid (a Window's time origin is
        // when its document was created, coarsened like every timestamp).
        let time_origin = Self::COARSENING.coarsen_time(clock.moment(Instant::now()), false);
        Rc::new(Window {
            url,
            clock,
            time_origin,
            tasks: RefCell::new(VecDeque::new()),
            performance: OnceCell::new(),
            reflectors: RefCell::new(HashMap::new()),
            grow_buffer_by: Cell::new(2),
        })
    }

    /// 1 ms, as WebKit: the one setting `now()` and every entry follow.
    const COARSENING: Coarsening = Coarsening {
        resolution_ms: 1.0,
        cross_origin_isolated_resolution_ms: 0.02,
        jitter_key: None,
    };

    /// `window.performance`, made on first use once the Window is in its `Rc`.
    fn performance(self: &Rc<Self>) -> &Rc<Performance<Window>> {
        self.performance
            .get_or_init(|| Performance::for_global(&Rc::downgrade(self)))
    }

    /// The event loop: runs queued tasks with the JS context.
    fn run_tasks(&self, cx: &mut JsContext) -> usize {
        let mut ran = 0;
        while let Some(task) = self.tasks.borrow_mut().pop_front() {
            task(cx);
            ran += 1;
        }
        ran
    }

    /// The reflector of `entry`: the same object every time script asks.
    fn reflector(&self, entry: &EntryRef) -> Rc<String> {
        self.reflectors
            .borrow_mut()
            .entry(EntryKey::of(entry))
            .or_insert_with(|| Rc::new(format!("[object {}]", entry.entry_type())))
            .clone()
    }
}

impl GlobalFacts for Window {
    fn origin(&self) -> Origin {
        self.url.origin()
    }
    fn is_secure_context(&self) -> bool {
        resource_timing::origin::is_secure_context_for(&self.url)
    }
    fn cross_origin_isolated_capability(&self) -> bool {
        false
    }
}

impl MonotonicClock for Window {
    fn unsafe_shared_current_time(&self) -> Moment {
        self.clock.moment(Instant::now())
    }
    fn time_origin(&self) -> Moment {
        self.time_origin
    }
    fn coarsening(&self) -> Coarsening {
        Window::COARSENING
    }
}

impl PerformanceTimelineTaskSource for Window {
    type Context = JsContext;
    fn queue_a_performance_timeline_task(&self, task: Task<JsContext>) {
        self.tasks.borrow_mut().push_back(task);
    }
}

impl Embedder for Window {
    fn fire_resource_timing_buffer_full_event(
        &self,
        performance: &Performance<Self>,
        cx: &mut JsContext,
    ) {
        // `onresourcetimingbufferfull = () => performance.setResourceTimingBufferSize(n + 2)`.
        cx.buffer_full_events += 1;
        let limit = performance.resource_timing_buffer_size_limit() as u32;
        performance.set_resource_timing_buffer_size(limit + self.grow_buffer_by.get());
    }
    fn supported_entry_types(&self) -> Vec<EntryTypeInfo> {
        ["mark", "navigation", "resource"]
            .iter()
            .filter_map(|t| EntryTypeInfo::from_registry(t))
            .collect()
    }
}

/// An engine-owned entry: a "mark" whose detail is a DOM-side `Rc` (so the
/// entry is neither `Send` nor `Sync`).
#[derive(Debug)]
struct DomMark {
    name: String,
    start_time: f64,
    detail: Rc<RefCell<Vec<String>>>,
}

impl PerformanceEntry for DomMark {
    fn name(&self) -> &str {
        &self.name
    }
    fn entry_type(&self) -> &str {
        "mark"
    }
    fn start_time(&self) -> f64 {
        self.start_time
    }
    fn duration(&self) -> f64 {
        0.0
    }
    fn to_json(&self) -> String {
        format!(
            "{{\"name\":{:?},\"entryType\":\"mark\",\"startTime\":{},\"duration\":0}}",
            self.name, self.start_time
        )
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn heap_size(&self) -> usize {
        self.name.capacity()
            + self
                .detail
                .borrow()
                .iter()
                .map(String::capacity)
                .sum::<usize>()
    }
}

/// What crosses from the content process to the network process.
#[derive(serde::Serialize, serde::Deserialize)]
struct FetchOrder {
    url: Url,
    client: FetchClient,
    mode: RequestMode,
}

/// What the page saw, for the test to check.
#[derive(Debug)]
pub struct PageView {
    /// Every resource entry in the buffer at the end.
    pub resources: Vec<EntryRef>,
    /// The script context after the last task.
    pub cx: JsContext,
    /// `performance.now()` at the end.
    pub now: f64,
    /// A mark's `startTime`.
    pub mark_start: f64,
    /// Whether two reads of the buffer gave the same reflector.
    pub same_reflector: bool,
    /// The URLs fetched: same-origin, cross-origin without TAO, cross-origin with TAO.
    pub same_origin: Url,
    /// The cross-origin resource without `Timing-Allow-Origin`.
    pub cross_origin_no_tao: Url,
    /// The cross-origin resource with `Timing-Allow-Origin: *`.
    pub cross_origin_tao: Url,
    /// The page's heap report for its timeline.
    pub heap_size: usize,
    /// The resource timing buffer size limit at the end.
    pub buffer_limit: usize,
}

/// The network process: a loopback server and real fetches; answers each
/// order with the serialized report of the finished fetch.
fn network_process(
    origins: mpsc::Sender<(Url, Url)>,
    orders: mpsc::Receiver<String>,
    reports: mpsc::Sender<String>,
    clock: Clock,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let server = Server::start(ServerOptions {
            mdn_delay: Duration::from_millis(5),
            ..ServerOptions::default()
        })
        .await
        .expect("loopback server");
        origins
            .send((server.origin().clone(), server.other_origin().clone()))
            .expect("content process alive");
        while let Ok(order) = orders.recv() {
            let order: FetchOrder = serde_json::from_str(&order).expect("an order");
            let mut options = FetchOptions::new(order.client);
            options.mode = order.mode;
            options.timeout = Duration::from_secs(5);
            let measured = fetch(order.url, &options, &clock)
                .await
                .expect("fetch starts");
            let report = ResourceTimingReport::for_resource(&measured.fetch).expect("a report");
            reports
                .send(serde_json::to_string(&report).expect("serializable"))
                .expect("content process alive");
        }
        server.shutdown().await;
    });
}

/// Runs both processes and returns what the page saw.
pub fn run() -> PageView {
    // One monotonic clock for the machine: both processes read it.
    let clock = Clock::new();
    let zero = Instant::now() - Duration::from_secs_f64(clock.now() / 1000.0);
    let (origins_tx, origins_rx) = mpsc::channel();
    let (orders_tx, orders_rx) = mpsc::channel::<String>();
    let (reports_tx, reports_rx) = mpsc::channel::<String>();
    let network = {
        let clock = clock.clone();
        std::thread::spawn(move || network_process(origins_tx, orders_rx, reports_tx, clock))
    };
    let (origin, other) = origins_rx.recv().expect("the server's origins");

    // The content process.
    let window = Window::new(origin.clone(), EngineClock { zero });
    let performance = window.performance().clone();
    performance.set_resource_timing_buffer_size(3);
    let mut cx = JsContext::default();
    let observer =
        PerformanceObserver::with_context(&performance, |list, _, _, cx: &mut JsContext| {
            cx.callbacks += 1;
            cx.observed
                .extend(list.get_entries().iter().map(|e| e.name().to_owned()));
        });
    observer
        .observe(PerformanceObserverInit::with_entry_types([
            "resource", "mark",
        ]))
        .expect("observe");

    let same_origin = origin.join("/echo?st=db%3Bdur%3D53&n=1").unwrap();
    let cross_origin_no_tao = other.join("/echo?st=cdn%3Bdur%3D7&acao=*").unwrap();
    let cross_origin_tao = other.join("/echo?st=edge%3Bdur%3D2&acao=*&tao=*").unwrap();
    let mut urls = vec![
        same_origin.clone(),
        cross_origin_no_tao.clone(),
        cross_origin_tao.clone(),
    ];
    for n in 2..6 {
        urls.push(origin.join(&format!("/echo?n={n}")).unwrap());
    }
    // The client is made from the Window: it coarsens as the Window's clock.
    let client = FetchClient::for_global(&*performance.embedder());
    for url in &urls {
        let order = FetchOrder {
            url: url.clone(),
            client: client.clone(),
            mode: RequestMode::Cors,
        };
        orders_tx
            .send(serde_json::to_string(&order).unwrap())
            .unwrap();
        let report: ResourceTimingReport =
            serde_json::from_str(&reports_rx.recv().expect("a report")).expect("a report");
        mark_resource_timing(&performance, report);
        // The page keeps running tasks between loads.
        window.run_tasks(&mut cx);
    }
    drop(orders_tx);
    network.join().expect("the network process");

    let detail = Rc::new(RefCell::new(vec!["from script".to_owned()]));
    let mark: EntryRef = Rc::new(DomMark {
        name: "done".to_owned(),
        start_time: performance.now(),
        detail,
    });
    performance.queue_a_performance_entry(mark);
    window.run_tasks(&mut cx);

    let first = performance.get_entries_by_type("resource");
    let second = performance.get_entries_by_type("resource");
    let same_reflector = Rc::ptr_eq(&window.reflector(&first[0]), &window.reflector(&second[0]));
    let resources = first;
    let mark_start = performance.get_entries_by_type("mark")[0].start_time();
    let view = PageView {
        resources,
        now: performance.now(),
        mark_start,
        same_reflector,
        same_origin,
        cross_origin_no_tao,
        cross_origin_tao,
        heap_size: performance.heap_size(),
        buffer_limit: performance.resource_timing_buffer_size_limit(),
        cx,
    };
    // The document goes away.
    performance.retire();
    drop(observer);
    view
}

#[allow(dead_code)]
fn main() {
    let view = run();
    for entry in &view.resources {
        println!("{}", entry.to_json());
    }
    println!(
        "{} observer callbacks, {} buffer-full events, now() = {} ms",
        view.cx.callbacks, view.cx.buffer_full_events, view.now
    );
}
