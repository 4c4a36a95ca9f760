//! Behaviour of `Performance` and `PerformanceObserver` through the reference embedder.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::{
    BasicEntry, Coarsening, EntryRef, EntryTypeInfo, EntryTypesWithBuffered, GlobalFacts,
    ObserveError, ObserveWarning, Performance, PerformanceEntry, PerformanceObserver,
    PerformanceObserverInit,
};

type Perf = Performance<ReferenceEmbedder>;

fn setup() -> (ReferenceEventLoop, Rc<Perf>) {
    let event_loop = ReferenceEventLoop::new();
    event_loop.advance(1000.0);
    let url = url::Url::parse("https://example.com/page").unwrap();
    let p = Performance::new(ReferenceEmbedder::new(&event_loop, &url));
    (event_loop, p)
}

fn resource(p: &Perf, name: &str) -> EntryRef {
    let e = BasicEntry::shared(name, "resource", p.now(), 1.0);
    p.queue_a_performance_entry(e.clone());
    p.add_a_performance_resource_timing_entry(e.clone());
    e
}

fn mark(p: &Perf, name: &str, t: f64) -> EntryRef {
    let e = BasicEntry::shared(name, "mark", t, 0.0);
    p.queue_a_performance_entry(e.clone());
    e
}

fn names(v: &[EntryRef]) -> Vec<&str> {
    v.iter().map(|e| e.name()).collect()
}

#[test]
fn now_is_coarsened_and_relative_to_the_time_origin() {
    let (lp, p) = setup();
    assert_eq!(p.time_origin(), 1000.0);
    assert_eq!(p.now(), 0.0);
    lp.advance(0.123456);
    assert_eq!(p.now(), 0.1);
    assert_eq!(p.unsafe_shared_current_time(), 1000.123456);
    assert_eq!(p.coarsened_shared_current_time(), 1000.1);
    assert_eq!(p.relative_high_resolution_time(1000.25999), 0.2);
    assert_eq!(p.relative_high_resolution_coarse_time(1000.3), 0.3);
    assert_eq!(p.time_origin_timestamp(), 1000.0);
    assert_eq!(p.to_json(), r#"{"timeOrigin":1000}"#);
}

#[test]
fn cross_origin_isolated_globals_get_5_microseconds() {
    let lp = ReferenceEventLoop::new();
    let url = url::Url::parse("https://example.com/").unwrap();
    let p = Performance::new(
        ReferenceEmbedder::new(&lp, &url).with_cross_origin_isolated_capability(true),
    );
    lp.advance(0.123456);
    assert_eq!(p.now(), 0.12);
    assert!(p.global().cross_origin_isolated_capability());
    assert!(p.global().is_secure_context());
    assert_eq!(p.global().origin(), url.origin());
}

#[test]
fn embedder_resolution_and_jitter_are_used() {
    let lp = ReferenceEventLoop::new();
    let url = url::Url::parse("http://example.com/").unwrap();
    let p = Performance::new(
        ReferenceEmbedder::new(&lp, &url).with_coarsening(Coarsening::webkit_like()),
    );
    assert!(!p.global().is_secure_context());
    lp.advance(2.9);
    assert_eq!(p.now(), 2.0);
    let jittered = ReferenceEmbedder::new(&lp, &url)
        .with_time_origin(0.0)
        .with_coarsening(Coarsening::gecko_like(7));
    let p = Performance::new(jittered);
    let mut last = 0.0;
    for _ in 0..1000 {
        lp.advance(0.0137);
        let now = p.now();
        assert!(now >= last, "performance.now() went backwards");
        assert_eq!(now, now.round(), "1 ms grid");
        assert!((now - lp.now()).abs() <= 1.0);
        last = now;
    }
}

#[test]
fn get_entries_sorts_by_start_time_and_keeps_insertion_order_on_ties() {
    let (_lp, p) = setup();
    mark(&p, "b", 5.0);
    mark(&p, "a", 1.0);
    mark(&p, "c", 5.0);
    resource(&p, "r"); // startTime 0
    assert_eq!(names(&p.get_entries()), ["r", "a", "b", "c"]);
    assert_eq!(names(&p.get_entries_by_type("mark")), ["a", "b", "c"]);
    assert_eq!(names(&p.get_entries_by_name("c", None)), ["c"]);
    assert_eq!(names(&p.get_entries_by_name("c", Some("mark"))), ["c"]);
    assert!(p.get_entries_by_name("c", Some("resource")).is_empty());
    assert!(p.get_entries_by_type("unknown").is_empty());
    assert_eq!(p.clear_entries("mark", Some("b")), 1);
    assert_eq!(names(&p.get_entries_by_type("mark")), ["a", "c"]);
    assert_eq!(p.clear_entries("mark", None), 2);
    assert_eq!(p.clear_entries("nope", None), 0);
}

#[test]
fn registry_limits_and_availability_are_honoured() {
    let lp = ReferenceEventLoop::new();
    let url = url::Url::parse("https://example.com/").unwrap();
    let mut types: Vec<EntryTypeInfo> = [
        "element",
        "event",
        "first-input",
        "largest-contentful-paint",
        "layout-shift",
        "longtask",
        "mark",
        "measure",
        "navigation",
        "paint",
        "resource",
    ]
    .iter()
    .map(|name| EntryTypeInfo::from_registry(name).expect("a registry row"))
    .collect();
    // An embedder's own type with a should-add rule.
    let mut custom = EntryTypeInfo::new("custom");
    custom.should_add_entry = Some(Arc::new(|e: &dyn PerformanceEntry, _| e.name() != "skip"));
    types.push(custom);
    let p = Performance::new(ReferenceEmbedder::new(&lp, &url).with_entry_types(types));
    assert_eq!(p.supported_entry_types().len(), 12);
    for i in 0..3 {
        p.queue_a_performance_entry(BasicEntry::shared(format!("p{i}"), "paint", i as f64, 0.0));
    }
    assert_eq!(p.get_entries_by_type("paint").len(), 2);
    assert_eq!(p.dropped_entries_count("paint"), 1);
    p.queue_a_performance_entry(BasicEntry::shared("lt", "longtask", 0.0, 60.0));
    assert!(
        p.get_entries_by_type("longtask").is_empty(),
        "not available from the timeline"
    );
    p.queue_a_performance_entry(BasicEntry::shared("keep", "custom", 0.0, 0.0));
    p.queue_a_performance_entry(BasicEntry::shared("skip", "custom", 0.0, 0.0));
    assert_eq!(names(&p.get_entries_by_type("custom")), ["keep"]);
    // An unsupported entry type goes nowhere and does not panic.
    p.queue_a_performance_entry(BasicEntry::shared("x", "bogus", 0.0, 0.0));
    assert!(p.get_entries_by_type("bogus").is_empty());
}

#[test]
fn many_entries_in_one_turn_give_one_callback() {
    let (lp, p) = setup();
    let calls = Rc::new(RefCell::new(Vec::new()));
    let sink = calls.clone();
    let o = PerformanceObserver::new(&p, move |list, _, _| sink.borrow_mut().push(list.len()));
    o.observe(PerformanceObserverInit::with_entry_types([
        "mark", "resource",
    ]))
    .unwrap();
    for i in 0..100 {
        mark(&p, &format!("m{i}"), i as f64);
        resource(&p, &format!("r{i}"));
    }
    assert_eq!(lp.pending_tasks(), 1);
    lp.run_until_idle();
    assert_eq!(*calls.borrow(), [200]);
}

#[test]
fn observe_validation_throws_where_the_spec_throws() {
    let (_lp, p) = setup();
    let o = PerformanceObserver::new(&p, |_, _, _| {});
    assert_eq!(
        o.observe(PerformanceObserverInit::default()),
        Err(ObserveError::MissingEntryTypesAndType)
    );
    let both = PerformanceObserverInit {
        entry_types: Some(vec!["mark".into()]),
        type_: Some("mark".into()),
        buffered: None,
    };
    assert_eq!(
        o.observe(both),
        Err(ObserveError::EntryTypesWithOtherMembers)
    );
    let with_buffered = PerformanceObserverInit::with_entry_types(["mark"]).and_buffered(false);
    let err = o.observe(with_buffered).unwrap_err();
    assert_eq!(err.error_name(), "TypeError");
    o.observe(PerformanceObserverInit::with_type("mark"))
        .unwrap();
    let err = o
        .observe(PerformanceObserverInit::with_entry_types(["mark"]))
        .unwrap_err();
    assert_eq!(err, ObserveError::InvalidModification);
    assert_eq!(err.error_name(), "InvalidModificationError");
    let m = PerformanceObserver::new(&p, |_, _, _| {});
    m.observe(PerformanceObserverInit::with_entry_types(["mark"]))
        .unwrap();
    assert_eq!(
        m.observe(PerformanceObserverInit::with_type("mark")),
        Err(ObserveError::InvalidModification)
    );
    assert!(!err.to_string().is_empty());
}

#[test]
fn unsupported_types_warn_instead_of_throwing() {
    let (_lp, p) = setup();
    let o = PerformanceObserver::new(&p, |_, _, _| {});
    let outcome = o
        .observe(PerformanceObserverInit::with_entry_types(["Mark", "mark"]))
        .unwrap();
    assert!(outcome.registered);
    assert_eq!(
        outcome.warnings,
        [ObserveWarning::UnsupportedEntryType("Mark".into())]
    );
    let o2 = PerformanceObserver::new(&p, |_, _, _| {});
    let outcome = o2
        .observe(PerformanceObserverInit::with_entry_types(["nope"]))
        .unwrap();
    assert!(!outcome.registered);
    assert!(outcome
        .warnings
        .contains(&ObserveWarning::NoSupportedEntryTypes));
    let o3 = PerformanceObserver::new(&p, |_, _, _| {});
    assert!(
        !o3.observe(PerformanceObserverInit::with_type("RESOURCE"))
            .unwrap()
            .registered
    );
    assert_eq!(p.registered_observer_count(), 1);
    assert_eq!(p.embedder().observe_warnings().len(), 4);
}

#[test]
fn engine_mode_ignores_buffered_with_entry_types() {
    let lp = ReferenceEventLoop::new();
    let url = url::Url::parse("https://example.com/").unwrap();
    let p = Performance::new(
        ReferenceEmbedder::new(&lp, &url)
            .with_entry_types_with_buffered(EntryTypesWithBuffered::IgnoreBuffered),
    );
    mark(&p, "old", 0.0);
    let got = Rc::new(Cell::new(0));
    let sink = got.clone();
    let o = PerformanceObserver::new(&p, move |l, _, _| sink.set(sink.get() + l.len()));
    let outcome = o
        .observe(PerformanceObserverInit::with_entry_types(["mark"]).and_buffered(true))
        .unwrap();
    assert_eq!(
        outcome.warnings,
        [ObserveWarning::BufferedIgnoredWithEntryTypes]
    );
    lp.run_until_idle();
    assert_eq!(got.get(), 0);
    mark(&p, "new", 1.0);
    lp.run_until_idle();
    assert_eq!(got.get(), 1);
}

#[test]
fn single_type_observers_accumulate_options_and_replace_same_type() {
    let (lp, p) = setup();
    let got = Rc::new(RefCell::new(Vec::new()));
    let sink = got.clone();
    let o = PerformanceObserver::new(&p, move |l, _, _| {
        sink.borrow_mut()
            .extend(l.get_entries().iter().map(|e| e.entry_type().to_owned()))
    });
    o.observe(PerformanceObserverInit::with_type("mark"))
        .unwrap();
    o.observe(PerformanceObserverInit::with_type("resource"))
        .unwrap();
    o.observe(PerformanceObserverInit::with_type("mark"))
        .unwrap();
    mark(&p, "m", 0.0);
    resource(&p, "r");
    lp.run_until_idle();
    assert_eq!(*got.borrow(), ["mark", "resource"]);
    assert_eq!(p.registered_observer_count(), 1);
}

#[test]
fn disconnect_and_take_records_empty_the_buffer() {
    let (lp, p) = setup();
    let called = Rc::new(Cell::new(false));
    let sink = called.clone();
    let o = PerformanceObserver::new(&p, move |_, _, _| sink.set(true));
    o.observe(PerformanceObserverInit::with_type("mark"))
        .unwrap();
    mark(&p, "a", 0.0);
    o.disconnect();
    assert!(o.take_records().is_empty());
    mark(&p, "b", 0.0);
    lp.run_until_idle();
    assert!(!called.get());
    assert_eq!(p.registered_observer_count(), 0);
}

#[test]
fn an_observer_with_nothing_does_not_starve_the_next_one() {
    let (lp, p) = setup();
    let first = PerformanceObserver::new(&p, |_, _, _| {});
    first
        .observe(PerformanceObserverInit::with_type("resource"))
        .unwrap();
    let got = Rc::new(Cell::new(0));
    let sink = got.clone();
    let second = PerformanceObserver::new(&p, move |l, _, _| sink.set(l.len()));
    second
        .observe(PerformanceObserverInit::with_type("mark"))
        .unwrap();
    mark(&p, "m", 0.0);
    lp.run_until_idle();
    assert_eq!(got.get(), 1, "\"return\" read as \"continue\"");
}

#[test]
fn callbacks_may_reenter_performance_and_the_observer() {
    let (lp, p) = setup();
    let weak = Rc::downgrade(&p);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let o = PerformanceObserver::new(&p, move |list, observer, _| {
        let p = weak.upgrade().unwrap();
        sink.borrow_mut().push(list.len());
        if sink.borrow().len() == 1 {
            p.clear_resource_timings();
            p.set_resource_timing_buffer_size(10);
            resource(&p, "from-callback");
            assert_eq!(observer.take_records().len(), 1);
            mark(&p, "later", 9.0);
        } else {
            observer.disconnect();
        }
    });
    o.observe(PerformanceObserverInit::with_entry_types([
        "mark", "resource",
    ]))
    .unwrap();
    resource(&p, "first");
    lp.run_until_idle();
    assert_eq!(*seen.borrow(), [1, 1]);
    assert_eq!(names(&p.get_entries_by_type("resource")), ["from-callback"]);
    assert_eq!(p.registered_observer_count(), 0);
}

#[test]
fn dropped_entries_count_is_reported_once_per_observe() {
    let (lp, p) = setup();
    p.set_resource_timing_buffer_size(0);
    let got = Rc::new(RefCell::new(Vec::new()));
    let sink = got.clone();
    let o = PerformanceObserver::new(&p, move |_, _, options| {
        sink.borrow_mut().push(options.dropped_entries_count)
    });
    o.observe(PerformanceObserverInit::with_type("resource"))
        .unwrap();
    resource(&p, "a");
    lp.run_until_idle();
    resource(&p, "b");
    lp.run_until_idle();
    o.observe(PerformanceObserverInit::with_type("resource"))
        .unwrap();
    resource(&p, "c");
    lp.run_until_idle();
    assert_eq!(*got.borrow(), [Some(1), None, Some(3)]);
    assert_eq!(p.dropped_entries_count("resource"), 3);
    assert_eq!(p.resource_timing_discarded_entries(), 3);
}

#[test]
fn navigation_ids_follow_the_most_recent_navigation() {
    let (_lp, p) = setup();
    let nav = std::rc::Rc::new(BasicEntry::new(
        "https://example.com/page",
        "navigation",
        0.0,
        5.0,
    ));
    p.queue_a_navigation_performance_entry(nav.clone());
    let nav_id = nav.identifiers().unwrap().id().unwrap();
    assert_eq!(nav.identifiers().unwrap().navigation_id(), Some(nav_id));
    assert_eq!(nav_id, 101);
    let r = resource(&p, "r");
    let ids = r.identifiers().unwrap();
    assert_eq!(ids.id(), Some(102));
    assert_eq!(ids.navigation_id(), Some(nav_id));
    assert_eq!(p.get_entries_by_type("navigation").len(), 1);
}

#[test]
fn workers_use_navigation_id_zero() {
    let lp = ReferenceEventLoop::new();
    let url = url::Url::parse("https://example.com/worker.js").unwrap();
    let p = Performance::new(ReferenceEmbedder::new(&lp, &url).as_worker());
    let r = resource(&p, "r");
    assert_eq!(r.identifiers().unwrap().navigation_id(), Some(0));
}

#[test]
fn the_pending_flag_is_reset_after_a_no_progress_round() {
    let (lp, p) = setup();
    p.set_resource_timing_buffer_size(1);
    resource(&p, "a");
    resource(&p, "b"); // overflows; no handler makes room
    lp.run_until_idle();
    assert!(!p.resource_timing_buffer_full_event_pending_flag());
    assert_eq!(p.resource_timing_secondary_buffer_current_size(), 0);
    assert_eq!(p.embedder().buffer_full_events_fired(), 1);
    p.clear_resource_timings();
    resource(&p, "c");
    assert_eq!(names(&p.get_entries_by_type("resource")), ["c"]);
    resource(&p, "d");
    lp.run_until_idle();
    assert_eq!(
        p.embedder().buffer_full_events_fired(),
        2,
        "a later overflow fires again"
    );
}

#[test]
fn entries_outlive_a_dropped_global_without_panicking() {
    let (lp, p) = setup();
    let o = PerformanceObserver::new(&p, |_, _, _| {});
    p.set_resource_timing_buffer_size(0);
    resource(&p, "a");
    drop(p);
    assert_eq!(lp.run_until_idle(), 2); // the observer task and the buffer-full task find no global
    assert!(o
        .observe(PerformanceObserverInit::with_type("mark"))
        .unwrap()
        .warnings
        .is_empty());
    o.disconnect();
}

#[test]
fn to_json_matches_json_stringify() {
    let e = BasicEntry::new("a\"b", "mark", 1.5, 0.0);
    assert_eq!(
        e.to_json(),
        r#"{"name":"a\"b","entryType":"mark","startTime":1.5,"duration":0}"#
    );
    assert!(e.as_any().downcast_ref::<BasicEntry>().is_some());
}
