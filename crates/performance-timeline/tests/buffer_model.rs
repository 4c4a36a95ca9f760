//! Property test: the resource timing buffer against a small model written
//! straight from the Resource Timing steps (with the stuck-pending-flag
//! reading of docs/timeline.md), under random add / clear / resize / run
//! sequences and random `resourcetimingbufferfull` handlers.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::{BasicEntry, Performance, PerformanceObserver, PerformanceObserverInit};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy)]
enum HandlerStep {
    Clear,
    Resize(u32),
    AddSync,
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Add,
    Clear,
    Resize(u32),
    RunTasks,
}

#[derive(Debug, Default)]
struct Model {
    limit: usize,
    primary: Vec<u64>,
    secondary: VecDeque<u64>,
    pending: bool,
    tasks: usize,
    dropped: u64,
    discarded: u64,
    next_id: u64,
    observed: u64,
}

impl Model {
    fn new() -> Self {
        Model {
            limit: 250,
            ..Model::default()
        }
    }
    fn can_add(&self) -> bool {
        self.primary.len() < self.limit
    }
    /// queue a PerformanceEntry + add a PerformanceResourceTiming entry.
    fn mark_resource_timing(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.observed += 1;
        if self.primary.len() >= self.limit {
            self.dropped += 1;
        }
        if self.can_add() && !self.pending {
            self.primary.push(id);
            return id;
        }
        if !self.pending {
            self.pending = true;
            self.tasks += 1;
        }
        self.secondary.push_back(id);
        id
    }
    fn fire_a_buffer_full_event(&mut self, handler: &[HandlerStep]) -> u64 {
        let mut events = 0;
        while !self.secondary.is_empty() {
            let before = self.secondary.len();
            if !self.can_add() {
                events += 1;
                for step in handler {
                    match *step {
                        HandlerStep::Clear => self.primary.clear(),
                        HandlerStep::Resize(n) => self.limit = n as usize,
                        HandlerStep::AddSync => {
                            self.mark_resource_timing();
                        }
                    }
                }
            }
            while !self.secondary.is_empty() && self.can_add() {
                let e = self.secondary.pop_front().unwrap();
                self.primary.push(e);
            }
            let after = self.secondary.len();
            if before <= after {
                self.discarded += self.secondary.len() as u64;
                self.secondary.clear();
                break;
            }
        }
        self.pending = false;
        events
    }
}

fn add(p: &Performance<ReferenceEmbedder>, counter: &Cell<u64>) {
    let id = counter.get();
    counter.set(id + 1);
    let e = BasicEntry::shared(id.to_string(), "resource", 0.0, 0.0);
    p.queue_a_performance_entry(e.clone());
    p.add_a_performance_resource_timing_entry(e);
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        6 => Just(Action::Add),
        1 => Just(Action::Clear),
        2 => (0u32..6).prop_map(Action::Resize),
        2 => Just(Action::RunTasks),
    ]
}

fn handler_step() -> impl Strategy<Value = HandlerStep> {
    prop_oneof![
        Just(HandlerStep::Clear),
        (0u32..6).prop_map(HandlerStep::Resize),
        Just(HandlerStep::AddSync),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn buffer_follows_the_spec_steps(
        initial_limit in 0u32..5,
        handler in proptest::collection::vec(handler_step(), 0..4),
        actions in proptest::collection::vec(action(), 0..60),
    ) {
        let event_loop = ReferenceEventLoop::new();
        let url = url::Url::parse("https://example.com/").unwrap();
        let p = Performance::new(ReferenceEmbedder::new(&event_loop, &url));
        let counter = Rc::new(Cell::new(0u64));
        let observed = Rc::new(Cell::new(0u64));
        let sink = observed.clone();
        let observer = PerformanceObserver::new(&p, move |list, _, _| sink.set(sink.get() + list.len() as u64));
        observer.observe(PerformanceObserverInit::with_type("resource")).unwrap();
        {
            let counter = counter.clone();
            let steps = handler.clone();
            p.embedder().add_resource_timing_buffer_full_listener(Rc::new(move |p: &Performance<ReferenceEmbedder>, _| {
                for step in &steps {
                    match *step {
                        HandlerStep::Clear => p.clear_resource_timings(),
                        HandlerStep::Resize(n) => p.set_resource_timing_buffer_size(n),
                        HandlerStep::AddSync => add(p, &counter),
                    }
                }
            }));
        }
        let model = RefCell::new(Model::new());
        p.set_resource_timing_buffer_size(initial_limit);
        model.borrow_mut().limit = initial_limit as usize;
        let mut model_events = 0;
        for action in actions {
            let mut m = model.borrow_mut();
            match action {
                Action::Add => { add(&p, &counter); m.mark_resource_timing(); }
                Action::Clear => { p.clear_resource_timings(); m.primary.clear(); }
                Action::Resize(n) => { p.set_resource_timing_buffer_size(n); m.limit = n as usize; }
                Action::RunTasks => {
                    event_loop.run_until_idle();
                    while m.tasks > 0 {
                        m.tasks -= 1;
                        model_events += m.fire_a_buffer_full_event(&handler);
                    }
                    prop_assert_eq!(observed.get(), m.observed, "observers get every entry");
                }
            }
            let primary: Vec<u64> = p
                .get_entries_by_type("resource")
                .iter()
                .map(|e| e.name().parse().unwrap())
                .collect();
            prop_assert_eq!(&primary, &m.primary);
            prop_assert_eq!(p.resource_timing_buffer_current_size(), m.primary.len());
            prop_assert_eq!(p.resource_timing_secondary_buffer_current_size(), m.secondary.len());
            prop_assert_eq!(p.resource_timing_buffer_full_event_pending_flag(), m.pending);
            prop_assert_eq!(p.resource_timing_buffer_size_limit(), m.limit);
            prop_assert_eq!(p.can_add_resource_timing_entry(), m.can_add());
            prop_assert_eq!(p.dropped_entries_count("resource"), m.dropped);
            prop_assert_eq!(p.resource_timing_discarded_entries(), m.discarded);
            prop_assert_eq!(p.embedder().buffer_full_events_fired(), model_events);
        }
    }
}
