//! WPT scenarios for the resource timing buffer and the Performance
//! Timeline, run through `performance-timeline`'s reference embedder.
//!
//! Each trial is named after its WPT file (plus ` : <subtest>` where a file
//! has several). A "page" is a reference global on a manual event loop;
//! `load.script(x)` becomes a task that marks a resource entry, a sync XHR
//! marks it at once, and "wait for the next task" runs the loop until idle.
//! Sources: web-platform-tests as vendored in divmain/wpt @5942d002 and
//! web-platform-tests/wpt @6969accf (droppedentriescount.any.js), servo/servo
//! tests/wpt/tests @846285b5 (buffered-does-not-sync-invoke.html); see
//! docs/conformance.md for the ported and not-ported lists.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::{
    BasicEntry, EntryRef, Performance, PerformanceObserver, PerformanceObserverInit,
};

type Perf = Performance<ReferenceEmbedder>;
use wpt::{ensure, Outcome};

#[path = "performance_timeline/observers.rs"]
mod observers;

const BASE: &str = "https://web-platform.test/resource-timing/";
/// `scriptResources` of resource-timing/resources/buffer-full-utilities.js.
const SCRIPTS: [&str; 3] = [
    "resources/empty.js",
    "resources/empty_script.js",
    "resources/empty.js?id",
];

fn page() -> Rc<Perf> {
    let event_loop = ReferenceEventLoop::new();
    event_loop.advance(10.0);
    let url = url::Url::parse(BASE).expect("static URL");
    let p = Performance::new(ReferenceEmbedder::new(&event_loop, &url));
    // The document has been running for a while when the test starts.
    event_loop.advance(20.0);
    p
}

fn worker() -> Rc<Perf> {
    let event_loop = ReferenceEventLoop::new();
    let url = url::Url::parse(BASE).expect("static URL");
    Performance::new(ReferenceEmbedder::new(&event_loop, &url).as_worker())
}

/// A synchronous fetch (sync XHR): the entry is marked before this returns.
fn fetch_sync(p: &Perf, path: &str) {
    let start = p.now();
    p.embedder().event_loop().advance(1.0);
    let url = url::Url::parse(BASE)
        .and_then(|base| base.join(path))
        .map(String::from)
        .unwrap_or_else(|_| format!("{BASE}{path}"));
    let entry = BasicEntry::shared(url, "resource", start, p.now() - start);
    // What "mark resource timing" does.
    p.queue_a_performance_entry(entry.clone());
    p.add_a_performance_resource_timing_entry(entry);
}

/// An asynchronous load: the entry is marked in a later task.
fn load(p: &Rc<Perf>, path: &str) {
    let weak: Weak<Perf> = Rc::downgrade(p);
    let path = path.to_owned();
    p.embedder().event_loop().queue_task(Box::new(move |_| {
        if let Some(p) = weak.upgrade() {
            fetch_sync(&p, &path);
        }
    }));
}

/// `await load.script(path)` (and everything already queued).
fn load_and_wait(p: &Rc<Perf>, path: &str) {
    load(p, path);
    run(p);
}

/// Wait for the next task: run the loop until it is idle.
fn run(p: &Perf) {
    p.embedder().event_loop().run_until_idle();
}

fn mark(p: &Perf, name: &str) {
    p.embedder().event_loop().advance(1.0);
    p.queue_a_performance_entry(BasicEntry::shared(name, "mark", p.now(), 0.0));
}

fn clear_buffer_and_set_size(p: &Perf, size: u32) {
    p.clear_resource_timings();
    p.set_resource_timing_buffer_size(size);
}

fn fill_up_the_buffer_with_single_resource(p: &Rc<Perf>, src: &str) {
    clear_buffer_and_set_size(p, 1);
    load_and_wait(p, src);
}

fn fill_up_the_buffer_with_two_resources(p: &Rc<Perf>) {
    clear_buffer_and_set_size(p, 2);
    load_and_wait(p, SCRIPTS[0]);
    load_and_wait(p, SCRIPTS[1]);
}

/// forceBufferFullEvent(): returns whether the event fired.
fn force_buffer_full_event(p: &Rc<Perf>) -> bool {
    clear_buffer_and_set_size(p, 1);
    let before = p.embedder().buffer_full_events_fired();
    load_and_wait(p, SCRIPTS[0]);
    load_and_wait(p, SCRIPTS[1]);
    p.embedder().buffer_full_events_fired() > before
}

fn on_buffer_full(p: &Perf, handler: impl Fn(&Perf) + 'static) {
    p.embedder()
        .add_resource_timing_buffer_full_listener(Rc::new(move |perf: &Perf, _event| {
            handler(perf)
        }));
}

/// `checkEntries` of resource-timing/resources/buffer-full-utilities.js.
fn check_buffered_scripts(p: &Perf, n: usize) -> Outcome {
    let entries = p.get_entries_by_type("resource");
    ensure!(
        entries.len() == n,
        "expected {n} entries, got {}",
        entries.len()
    );
    for (k, e) in entries.iter().enumerate() {
        ensure!(
            e.name().contains(SCRIPTS[k]),
            "entry {k} is {} instead of {}",
            e.name(),
            SCRIPTS[k]
        );
    }
    Ok(())
}

fn names(entries: &[EntryRef]) -> Vec<String> {
    entries.iter().map(|e| e.name().to_owned()).collect()
}

/// `checkEntries` of performance-timeline/performanceobservers.js: the same
/// number of entries, and each matches an expected `(entryType, name)`.
fn check_entries(entries: &[EntryRef], expected: &[(&str, &str)], what: &str) -> Outcome {
    ensure!(
        entries.len() == expected.len(),
        "{what}: performance entries must match: {} entries, expected {}",
        entries.len(),
        expected.len()
    );
    for e in entries {
        ensure!(
            expected
                .iter()
                .any(|(t, n)| e.entry_type() == *t && e.name() == *n),
            "{what}: entry {} {} matches no expected entry",
            e.entry_type(),
            e.name()
        );
    }
    Ok(())
}

type Log = Rc<RefCell<Vec<String>>>;

// ----- resource-timing/ ------------------------------------------------------

fn buffer_full_add_after_full_event() -> Outcome {
    let p = page();
    ensure!(
        force_buffer_full_event(&p),
        "the buffer full event did not fire"
    );
    p.clear_resource_timings();
    // The observer callback must find the new entry in the timeline.
    let seen: Rc<RefCell<Vec<String>>> = Rc::default();
    let (sink, weak) = (seen.clone(), Rc::downgrade(&p));
    let observer = PerformanceObserver::new(&p, move |_, _, _| {
        if let Some(p) = weak.upgrade() {
            sink.borrow_mut()
                .extend(names(&p.get_entries_by_type("resource")));
        }
    });
    observer
        .observe(PerformanceObserverInit::with_type("resource"))
        .map_err(|e| e.to_string())?;
    load_and_wait(&p, SCRIPTS[2]);
    let seen = seen.borrow();
    ensure!(
        seen.len() == 1,
        "the timeline held {} entries in the callback",
        seen.len()
    );
    ensure!(seen[0].contains(SCRIPTS[2]), "wrong entry {}", seen[0]);
    Ok(())
}

fn buffer_full_add_entries_during_callback() -> Outcome {
    let p = page();
    fill_up_the_buffer_with_single_resource(&p, SCRIPTS[0]);
    on_buffer_full(&p, |p| {
        p.set_resource_timing_buffer_size(3);
        fetch_sync(p, SCRIPTS[2]);
    });
    load_and_wait(&p, SCRIPTS[1]);
    check_buffered_scripts(&p, 3)
}

fn buffer_full_add_entries_during_callback_that_drop() -> Outcome {
    let p = page();
    fill_up_the_buffer_with_single_resource(&p, SCRIPTS[0]);
    on_buffer_full(&p, |p| {
        p.set_resource_timing_buffer_size(2);
        fetch_sync(p, SCRIPTS[2]);
    });
    load_and_wait(&p, SCRIPTS[1]);
    ensure!(
        p.embedder().buffer_full_events_fired() == 1,
        "the event did not fire once"
    );
    check_buffered_scripts(&p, 2)
}

fn buffer_full_add_then_clear() -> Outcome {
    let p = page();
    fill_up_the_buffer_with_single_resource(&p, "resources/empty.js?willbelost");
    fetch_sync(&p, SCRIPTS[0]);
    fetch_sync(&p, SCRIPTS[1]);
    p.clear_resource_timings();
    p.set_resource_timing_buffer_size(3);
    fetch_sync(&p, SCRIPTS[2]);
    let right_away = p.get_entries_by_type("resource").len();
    run(&p);
    check_buffered_scripts(&p, 3)?;
    ensure!(
        right_away == 0,
        "{right_away} entries reached the primary buffer before the task"
    );
    ensure!(
        p.embedder().buffer_full_events_fired() == 0,
        "resourcetimingbufferfull should not fire"
    );
    Ok(())
}

fn buffer_full_decrease_buffer_during_callback() -> Outcome {
    let p = page();
    on_buffer_full(&p, |p| p.set_resource_timing_buffer_size(1));
    fill_up_the_buffer_with_two_resources(&p);
    load_and_wait(&p, SCRIPTS[2]);
    ensure!(
        p.embedder().buffer_full_events_fired() == 1,
        "the event did not fire"
    );
    check_buffered_scripts(&p, 2)
}

fn buffer_full_increase_buffer_during_callback() -> Outcome {
    let p = page();
    fill_up_the_buffer_with_single_resource(&p, SCRIPTS[0]);
    on_buffer_full(&p, |p| p.set_resource_timing_buffer_size(2));
    load_and_wait(&p, SCRIPTS[1]);
    check_buffered_scripts(&p, 2)
}

fn buffer_full_inspect_buffer_during_callback() -> Outcome {
    let p = page();
    let failures: Log = Rc::default();
    let sink = failures.clone();
    on_buffer_full(&p, move |p| {
        let n = p.get_entries_by_type("resource").len();
        if n != 1 {
            sink.borrow_mut().push(format!(
                "{n} entries in the handler, expected the limit (1)"
            ));
        }
        fetch_sync(p, SCRIPTS[2]);
        p.set_resource_timing_buffer_size(3);
        let n = p.get_entries_by_type("resource").len();
        if n != 1 {
            sink.borrow_mut().push(format!(
                "the sync entry is visible during the callback ({n} entries)"
            ));
        }
    });
    ensure!(force_buffer_full_event(&p), "the event did not fire");
    run(&p);
    ensure!(
        failures.borrow().is_empty(),
        "{}",
        failures.borrow().join("; ")
    );
    check_buffered_scripts(&p, 3)
}

fn buffer_full_set_to_current_buffer() -> Outcome {
    let p = page();
    let result = Rc::new(RefCell::new(String::new()));
    let sink = result.clone();
    on_buffer_full(&p, move |p| {
        sink.borrow_mut().push_str(&format!(
            "Event Fired with {} entries.",
            p.get_entries_by_type("resource").len()
        ));
        p.clear_resource_timings();
    });
    result.borrow_mut().push_str("Before adding entries. ");
    fill_up_the_buffer_with_two_resources(&p);
    result.borrow_mut().push_str("After adding entries. ");
    load_and_wait(&p, SCRIPTS[2]);
    let result = result.borrow().clone();
    ensure!(
        result == "Before adding entries. After adding entries. Event Fired with 2 entries.",
        "log was {result:?}"
    );
    let entries = p.get_entries_by_type("resource");
    ensure!(
        entries.len() == 1,
        "expected 1 entry, got {}",
        entries.len()
    );
    ensure!(
        entries[0].name().contains(SCRIPTS[2]),
        "wrong entry {}",
        entries[0].name()
    );
    Ok(())
}

fn buffer_full_store_and_clear_during_callback() -> Outcome {
    let p = page();
    fill_up_the_buffer_with_single_resource(&p, SCRIPTS[0]);
    let stored: Rc<RefCell<Vec<EntryRef>>> = Rc::default();
    let sink = stored.clone();
    on_buffer_full(&p, move |p| {
        sink.borrow_mut().extend(p.get_entries_by_type("resource"));
        p.clear_resource_timings();
    });
    load_and_wait(&p, SCRIPTS[1]);
    let entries = p.get_entries_by_type("resource");
    ensure!(entries.len() == 1, "timeline has {} entries", entries.len());
    ensure!(
        entries[0].name().contains(SCRIPTS[1]),
        "timeline holds {}",
        entries[0].name()
    );
    let stored = stored.borrow();
    ensure!(stored.len() == 1, "stored {} entries", stored.len());
    ensure!(
        stored[0].name().contains(SCRIPTS[0]),
        "stored {}",
        stored[0].name()
    );
    Ok(())
}

fn buffer_full_then_decreased() -> Outcome {
    let p = page();
    fill_up_the_buffer_with_two_resources(&p);
    p.set_resource_timing_buffer_size(1);
    run(&p);
    ensure!(
        p.embedder().buffer_full_events_fired() == 0,
        "resourcetimingbufferfull should not fire"
    );
    check_buffered_scripts(&p, 2)
}

fn buffer_full_then_increased() -> Outcome {
    let p = page();
    fill_up_the_buffer_with_single_resource(&p, SCRIPTS[0]);
    fetch_sync(&p, SCRIPTS[1]);
    fetch_sync(&p, SCRIPTS[2]);
    p.set_resource_timing_buffer_size(3);
    run(&p);
    ensure!(
        p.embedder().buffer_full_events_fired() == 0,
        "resourcetimingbufferfull should not fire"
    );
    check_buffered_scripts(&p, 3)
}

fn buffer_full_when_populate_entries() -> Outcome {
    let p = page();
    let bubbles = Rc::new(Cell::new(None));
    let sink = bubbles.clone();
    p.embedder()
        .add_resource_timing_buffer_full_listener(Rc::new(move |_p: &Perf, event| {
            sink.set(Some(event.bubbles))
        }));
    fill_up_the_buffer_with_two_resources(&p);
    load_and_wait(&p, SCRIPTS[2]);
    check_buffered_scripts(&p, 2)?;
    ensure!(
        bubbles.get() == Some(false),
        "bubbles was {:?}",
        bubbles.get()
    );
    ensure!(
        p.embedder().buffer_full_events_fired() == 1,
        "the event fired {} times",
        p.embedder().buffer_full_events_fired()
    );
    Ok(())
}

fn buffer_full_eventually() -> Outcome {
    let p = page();
    let fired_at = Rc::new(Cell::new(None));
    let sink = fired_at.clone();
    p.embedder()
        .set_onresourcetimingbufferfull(Some(Rc::new(move |p: &Perf, _| {
            sink.set(Some(p.get_entries_by_type("resource").len()))
        })));
    let mut n = 0;
    while fired_at.get().is_none() && n < 10_000 {
        load_and_wait(&p, &format!("resources/blue.png?{n}"));
        n += 1;
    }
    let Some(len) = fired_at.get() else {
        return Err("onresourcetimingbufferfull never fired".into());
    };
    ensure!(
        len >= 250,
        "the initial limit must be at least 250; the event fired at {len}"
    );
    Ok(())
}

fn queue_entry_regardless_buffer_size() -> Outcome {
    let p = page();
    clear_buffer_and_set_size(&p, 1);
    let seen = Rc::new(Cell::new(0));
    let sink = seen.clone();
    let observer =
        PerformanceObserver::new(&p, move |list, _, _| sink.set(sink.get() + list.len()));
    observer
        .observe(PerformanceObserverInit::with_type("resource"))
        .map_err(|e| e.to_string())?;
    load_and_wait(&p, SCRIPTS[0]);
    load_and_wait(&p, SCRIPTS[1]);
    ensure!(seen.get() == 2, "the observer saw {} entries", seen.get());
    ensure!(
        p.get_entries_by_type("resource").len() == 1,
        "the buffer should hold 1 entry"
    );
    Ok(())
}

fn clear_resource_timings() -> Outcome {
    let p = page();
    // The page loads testharness.js and testharnessreport.js.
    fetch_sync(&p, "/resources/testharness.js");
    fetch_sync(&p, "/resources/testharnessreport.js");
    let before = p.get_entries_by_type("resource").len();
    ensure!(
        before == 2,
        "expected 2 entries at parse time, got {before}"
    );
    p.clear_resource_timings();
    let after = p.get_entries_by_type("resource").len();
    ensure!(
        after == 0,
        "expected 0 entries after clearResourceTimings(), got {after}"
    );
    Ok(())
}

fn buffered_flag() -> Outcome {
    let p = page();
    p.clear_resource_timings();
    let received: Rc<RefCell<Vec<EntryRef>>> = Rc::default();
    let b_created = Rc::new(Cell::new(false));
    let weak = Rc::downgrade(&p);
    let sink = received.clone();
    let observer_a = PerformanceObserver::new(&p, move |_, _, _| {
        if b_created.replace(true) {
            return;
        }
        let Some(p) = weak.upgrade() else { return };
        let sink = sink.clone();
        let b = PerformanceObserver::new(&p, move |list, _, _| {
            sink.borrow_mut().extend(list.get_entries())
        });
        let _ = b.observe(PerformanceObserverInit::buffered_type("resource"));
    });
    observer_a
        .observe(PerformanceObserverInit::with_entry_types(["resource"]))
        .map_err(|e| e.to_string())?;
    load_and_wait(&p, "resources/empty.js");
    let received = received.borrow();
    ensure!(
        received.len() == 1,
        "observer B got {} entries",
        received.len()
    );
    let e = &received[0];
    ensure!(e.entry_type() == "resource", "entryType {}", e.entry_type());
    ensure!(e.start_time() > 0.0, "startTime {}", e.start_time());
    ensure!(e.duration() > 0.0, "duration {}", e.duration());
    ensure!(
        e.name().ends_with("resources/empty.js"),
        "name {}",
        e.name()
    );
    Ok(())
}

fn supported_resource_type() -> Outcome {
    let p = page();
    ensure!(
        p.supported_entry_types().iter().any(|t| t == "resource"),
        "'resource' is not supported"
    );
    let seen = Rc::new(Cell::new(false));
    let sink = seen.clone();
    let o = PerformanceObserver::new(&p, move |list, _, _| {
        if list
            .get_entries()
            .iter()
            .any(|e| e.name().contains("?1234"))
        {
            sink.set(true)
        }
    });
    o.observe(PerformanceObserverInit::with_entry_types(["resource"]))
        .map_err(|e| e.to_string())?;
    load_and_wait(&p, "supported_resource_type.any.html?1234");
    ensure!(seen.get(), "the fetch was not observed");
    Ok(())
}

// ----- performance-timeline/ -------------------------------------------------

fn buffered_flag_after_timeout() -> Outcome {
    let p = page();
    mark(&p, "foo");
    p.embedder().event_loop().advance(100.0);
    run(&p);
    let got: Log = Rc::default();
    let sink = got.clone();
    let o = PerformanceObserver::new(&p, move |list, _, _| {
        sink.borrow_mut()
            .extend(list.get_entries().iter().map(|e| e.entry_type().to_owned()))
    });
    o.observe(PerformanceObserverInit::buffered_type("mark"))
        .map_err(|e| e.to_string())?;
    run(&p);
    ensure!(*got.borrow() == ["mark"], "got {:?}", got.borrow());
    Ok(())
}

fn buffered_flag_observer() -> Outcome {
    let p = page();
    for i in 0..50 {
        mark(&p, &format!("foo{i}"));
    }
    let received = Rc::new(Cell::new(0usize));
    let marks = Rc::new(Cell::new(50usize));
    let (sink, count, weak) = (received.clone(), marks.clone(), Rc::downgrade(&p));
    let o = PerformanceObserver::new(&p, move |list, _, _| {
        sink.set(sink.get() + list.len());
        if count.get() < 100 {
            if let Some(p) = weak.upgrade() {
                mark(&p, &format!("bar{}", count.get()));
                count.set(count.get() + 1);
            }
        }
    });
    o.observe(PerformanceObserverInit::buffered_type("mark"))
        .map_err(|e| e.to_string())?;
    run(&p);
    ensure!(
        received.get() == 100,
        "the observer received {} entries",
        received.get()
    );
    Ok(())
}

fn multiple_buffered_flag_observers() -> Outcome {
    let p = page();
    for name in ["foo", "bar", "meow"] {
        mark(&p, name);
    }
    let inner_count = Rc::new(Cell::new(0usize));
    let later_count = Rc::new(Cell::new(0usize));
    let created = Rc::new(Cell::new(false));
    let (sink, weak) = (inner_count.clone(), Rc::downgrade(&p));
    let outer = PerformanceObserver::new(&p, move |_, _, _| {
        if created.replace(true) {
            return;
        }
        let Some(p) = weak.upgrade() else { return };
        let sink = sink.clone();
        let inner =
            PerformanceObserver::new(&p, move |list, _, _| sink.set(sink.get() + list.len()));
        let _ = inner.observe(PerformanceObserverInit::buffered_type("mark"));
    });
    outer
        .observe(PerformanceObserverInit::buffered_type("mark"))
        .map_err(|e| e.to_string())?;
    run(&p);
    p.embedder().event_loop().advance(100.0);
    let sink = later_count.clone();
    let later = PerformanceObserver::new(&p, move |list, _, _| sink.set(sink.get() + list.len()));
    later
        .observe(PerformanceObserverInit::buffered_type("mark"))
        .map_err(|e| e.to_string())?;
    run(&p);
    ensure!(
        inner_count.get() == 3,
        "observer made in a callback got {}",
        inner_count.get()
    );
    ensure!(
        later_count.get() == 3,
        "observer made after 100 ms got {}",
        later_count.get()
    );
    Ok(())
}

fn observer_buffered_false() -> Outcome {
    let p = page();
    mark(&p, "foo");
    // step_timeout(0): the rest runs in a later task.
    run(&p);
    let called = Rc::new(Cell::new(false));
    let sink = called.clone();
    let o = PerformanceObserver::new(&p, move |_, _, _| sink.set(true));
    o.observe(PerformanceObserverInit::with_type("mark").and_buffered(false))
        .map_err(|e| e.to_string())?;
    // step_timeout(100): give the observer time.
    p.embedder().event_loop().advance(100.0);
    run(&p);
    ensure!(!called.get(), "the callback was called");
    Ok(())
}

fn buffered_flag_with_entry_types_observer() -> Outcome {
    let p = page();
    mark(&p, "foo");
    let called = Rc::new(Cell::new(false));
    let sink = called.clone();
    let o = PerformanceObserver::new(&p, move |_, _, _| sink.set(true));
    o.observe(PerformanceObserverInit::with_entry_types(["mark"]).and_buffered(true))
        .map_err(|e| format!("observe threw {}: {e}", e.error_name()))?;
    run(&p);
    ensure!(
        !called.get(),
        "buffered entries were delivered despite entryTypes"
    );
    Ok(())
}

/// droppedentriescount.any.js: the four subtests share one global, in order.
fn dropped_entries_count(subtest: usize) -> Outcome {
    let p = page();
    // The scripts the test page loads before the first subtest.
    for script in [
        "/resources/testharness.js",
        "/resources/testharnessreport.js",
        "performanceobservers.js",
    ] {
        fetch_sync(&p, script);
    }
    let results: Vec<Outcome> = {
        let mut results = Vec::new();
        // 1. "Dropped entries count is 0 when there are no dropped entries."
        let got: Rc<RefCell<Vec<Option<u64>>>> = Rc::default();
        let sink = got.clone();
        let o = PerformanceObserver::new(&p, move |_, _, options| {
            sink.borrow_mut().push(options.dropped_entries_count)
        });
        let _ = o.observe(PerformanceObserverInit::with_type("mark"));
        mark(&p, "test");
        run(&p);
        results.push(match got.borrow().first() {
            Some(Some(0)) => Ok(()),
            other => Err(format!("droppedEntriesCount was {other:?}, expected 0")),
        });
        // 2. "Dropped entries count is nonzero when there are dropped entries."
        p.set_resource_timing_buffer_size(0);
        let got: Rc<RefCell<Vec<Option<u64>>>> = Rc::default();
        let (sink, weak) = (got.clone(), Rc::downgrade(&p));
        let o = PerformanceObserver::new(&p, move |_, _, options| {
            sink.borrow_mut().push(options.dropped_entries_count);
            if let Some(p) = weak.upgrade() {
                if sink.borrow().len() < 2 {
                    load(&p, "resources/square.png?id=2");
                }
            }
        });
        let _ = o.observe(PerformanceObserverInit::with_type("resource"));
        load_and_wait(&p, "resources/square.png?id=1");
        o.disconnect();
        results.push(match got.borrow().as_slice() {
            [Some(1), Some(2)] => Ok(()),
            other => Err(format!(
                "droppedEntriesCount per callback was {other:?}, expected [1, 2]"
            )),
        });
        // 3. "Dropped entries count is zero when dropped entries are not of relevant type."
        p.set_resource_timing_buffer_size(0);
        let got: Rc<RefCell<Vec<Option<u64>>>> = Rc::default();
        let sink = got.clone();
        let o = PerformanceObserver::new(&p, move |_, _, options| {
            sink.borrow_mut().push(options.dropped_entries_count)
        });
        let _ = o.observe(PerformanceObserverInit::with_type("mark"));
        load_and_wait(&p, "resources/square.png?id=3");
        mark(&p, "meow");
        run(&p);
        results.push(match got.borrow().first() {
            Some(Some(0)) => Ok(()),
            other => Err(format!("droppedEntriesCount was {other:?}, expected 0")),
        });
        // 4. "Dropped entries counted even if observer was not registered at the time."
        let got: Rc<RefCell<Vec<Option<u64>>>> = Rc::default();
        let sink = got.clone();
        let o = PerformanceObserver::new(&p, move |_, _, options| {
            sink.borrow_mut().push(options.dropped_entries_count)
        });
        let _ = o.observe(PerformanceObserverInit::buffered_type("resource"));
        run(&p);
        results.push(match got.borrow().first() {
            Some(Some(n)) if *n > 0 => Ok(()),
            other => Err(format!("droppedEntriesCount was {other:?}, expected > 0")),
        });
        results
    };
    results
        .into_iter()
        .nth(subtest)
        .unwrap_or_else(|| Err("no such subtest".into()))
}

fn supported_entry_types_alphabetical() -> Outcome {
    let p = page();
    let types = p.supported_entry_types();
    ensure!(!types.is_empty(), "supportedEntryTypes is empty");
    for w in types.windows(2) {
        ensure!(
            w[0] < w[1],
            "'{}' and '{}' are repeated or out of order",
            w[0],
            w[1]
        );
    }
    Ok(())
}

fn supported_entry_types_caches() -> Outcome {
    let p = page();
    ensure!(
        Rc::ptr_eq(&p.supported_entry_types(), &p.supported_entry_types()),
        "supportedEntryTypes is not the same object twice"
    );
    Ok(())
}

fn po_take_records() -> Outcome {
    let p = page();
    let called = Rc::new(Cell::new(false));
    let sink = called.clone();
    let o = PerformanceObserver::new(&p, move |_, _, _| sink.set(true));
    ensure!(o.take_records().is_empty(), "records before observe");
    o.observe(PerformanceObserverInit::with_entry_types(["mark"]))
        .map_err(|e| e.to_string())?;
    ensure!(o.take_records().is_empty(), "records just from observe");
    mark(&p, "a");
    mark(&p, "b");
    check_entries(
        &o.take_records(),
        &[("mark", "a"), ("mark", "b")],
        "first takeRecords",
    )?;
    mark(&p, "c");
    mark(&p, "d");
    mark(&p, "e");
    check_entries(
        &o.take_records(),
        &[("mark", "c"), ("mark", "d"), ("mark", "e")],
        "second takeRecords",
    )?;
    ensure!(
        o.take_records().is_empty(),
        "entries right after takeRecords"
    );
    o.disconnect();
    run(&p);
    ensure!(!called.get(), "the callback should not have been called");
    Ok(())
}

fn po_entries_sort() -> Outcome {
    let p = page();
    let lists: Rc<RefCell<Vec<performance_timeline::PerformanceObserverEntryList>>> = Rc::default();
    let sink = lists.clone();
    let o = PerformanceObserver::new(&p, move |list, _, _| sink.borrow_mut().push(list.clone()));
    o.observe(PerformanceObserverInit::with_entry_types([
        "mark", "measure",
    ]))
    .map_err(|e| e.to_string())?;
    let step = |p: &Perf| p.embedder().event_loop().advance(1.0);
    let marks: RefCell<Vec<(String, f64)>> = RefCell::default();
    let do_mark = |name: &str| {
        step(&p);
        let t = p.now();
        marks.borrow_mut().push((name.to_owned(), t));
        p.queue_a_performance_entry(BasicEntry::shared(name, "mark", t, 0.0));
    };
    // measure(name) starts at 0; measure(name, mark) starts at that mark.
    let do_measure = |name: &str, from: Option<&str>| {
        step(&p);
        let start = from
            .and_then(|m| {
                marks
                    .borrow()
                    .iter()
                    .rev()
                    .find(|(n, _)| n == m)
                    .map(|(_, t)| *t)
            })
            .unwrap_or(0.0);
        p.queue_a_performance_entry(BasicEntry::shared(name, "measure", start, p.now() - start));
    };
    do_mark("mark1");
    do_measure("measure1", None);
    do_mark("mark2");
    do_measure("measure2", None);
    do_measure("measure-matching-mark2-1", Some("mark2"));
    do_mark("name-repeat");
    do_measure("measure3", None);
    do_measure("measure-matching-mark2-2", Some("mark2"));
    do_mark("name-repeat");
    do_measure("name-repeat", None);
    run(&p);
    let lists = lists.borrow();
    ensure!(
        lists.len() == 1,
        "expected one callback, got {}",
        lists.len()
    );
    let list = &lists[0];
    let expected_all = [
        "measure1",
        "measure2",
        "measure3",
        "name-repeat",
        "mark1",
        "mark2",
        "measure-matching-mark2-1",
        "measure-matching-mark2-2",
        "name-repeat",
        "name-repeat",
    ];
    ensure!(
        names(&list.get_entries()) == expected_all,
        "getEntries: {:?}",
        names(&list.get_entries())
    );
    ensure!(
        names(&list.get_entries_by_type("mark"))
            == ["mark1", "mark2", "name-repeat", "name-repeat"],
        "getEntriesByType('mark')"
    );
    let by_name: Vec<String> = list
        .get_entries_by_name("name-repeat", None)
        .iter()
        .map(|e| e.entry_type().to_owned())
        .collect();
    ensure!(
        by_name == ["measure", "mark", "mark"],
        "getEntriesByName('name-repeat'): {by_name:?}"
    );
    // The Performance object's buffers sort the same way.
    ensure!(
        names(&p.get_entries()) == expected_all,
        "performance.getEntries: {:?}",
        names(&p.get_entries())
    );
    Ok(())
}

/// `po-getentries.any.js`: "getEntries, getEntriesByType and getEntriesByName work".
fn po_getentries() -> Outcome {
    let p = page();
    let lists: Rc<RefCell<Vec<performance_timeline::PerformanceObserverEntryList>>> = Rc::default();
    let sink = lists.clone();
    let o = PerformanceObserver::new(&p, move |list, observer, _| {
        sink.borrow_mut().push(list.clone());
        observer.disconnect();
    });
    o.observe(PerformanceObserverInit::with_entry_types(["mark"]))
        .map_err(|e| e.to_string())?;
    mark(&p, "mark1");
    run(&p);
    let lists = lists.borrow();
    ensure!(
        lists.len() == 1,
        "expected one callback, got {}",
        lists.len()
    );
    let l = &lists[0];
    let mark1 = [("mark", "mark1")];
    check_entries(&l.get_entries(), &mark1, "getEntries")?;
    check_entries(&l.get_entries_by_type("mark"), &mark1, "getEntriesByType")?;
    for type_ in ["measure", "234567"] {
        ensure!(
            l.get_entries_by_type(type_).is_empty(),
            "getEntriesByType({type_:?}) with no expected entry"
        );
    }
    check_entries(
        &l.get_entries_by_name("mark1", None),
        &mark1,
        "getEntriesByName",
    )?;
    for name in ["mark2", "234567"] {
        ensure!(
            l.get_entries_by_name(name, None).is_empty(),
            "getEntriesByName({name:?}) with no expected entry"
        );
    }
    check_entries(
        &l.get_entries_by_name("mark1", Some("mark")),
        &mark1,
        "getEntriesByName with a type",
    )?;
    for (name, type_) in [
        ("mark1", "measure"),
        ("mark2", "measure"),
        ("mark1", "234567"),
    ] {
        ensure!(
            l.get_entries_by_name(name, Some(type_)).is_empty(),
            "getEntriesByName({name:?}, {type_:?}) with a type with no expected entry"
        );
    }
    Ok(())
}

/// `case-sensitivity.any.js` (wpt @7a3d78a0), both subtests: the page has
/// loaded testharness.js (a resource entry) and marked once.
fn case_sensitivity_page() -> Rc<Perf> {
    let p = page();
    fetch_sync(&p, "/resources/testharness.js");
    mark(&p, "a");
    p
}

/// "getEntriesByType values are case sensitive": for each of `resource`,
/// `mark`, `feature` and `paint`, the lowercase type has entries and its
/// uppercased and capitalized forms have none.
fn case_sensitivity_by_type() -> Outcome {
    let p = case_sensitivity_page();
    for name in ["resource", "mark", "feature", "paint"] {
        let upper = name.to_uppercase();
        let capitalized = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
        ensure!(
            !p.get_entries_by_type(name).is_empty(),
            "Resource entries exist: getEntriesByType('{name}') is empty"
        );
        ensure!(
            p.get_entries_by_type(&upper).is_empty(),
            "getEntriesByType('{upper}').length"
        );
        ensure!(
            p.get_entries_by_type(&capitalized).is_empty(),
            "getEntriesByType('{capitalized}').length"
        );
    }
    Ok(())
}

/// "getEntriesByName values are case sensitive": the testharness.js entry
/// is found by its URL, not with the origin or the host uppercased.
fn case_sensitivity_by_name() -> Outcome {
    let p = case_sensitivity_page();
    let (protocol, host) = ("https:", "web-platform.test");
    let origin = format!("{protocol}//{host}");
    let location1 = format!("{}/resources/testharness.js", origin.to_uppercase());
    let location2 = format!(
        "{protocol}//{}/resources/testharness.js",
        host.to_uppercase()
    );
    let lower = p.get_entries_by_name(&format!("{origin}/resources/testharness.js"), None);
    ensure!(
        lower.len() == 1,
        "Resource entry exist: {} entries",
        lower.len()
    );
    ensure!(
        p.get_entries_by_name(&location1, None).is_empty(),
        "getEntriesByName('{location1}').length"
    );
    ensure!(
        p.get_entries_by_name(&location2, None).is_empty(),
        "getEntriesByName('{location2}').length"
    );
    Ok(())
}

/// `get-invalid-entries.html`: "Get invalid entries from worker and window."
/// The window marks `windowMark`; the worker (`resources/worker-invalid-entries.js`)
/// marks once and reports its counts of `invalid`, `mark` and `measure` entries.
fn get_invalid_entries() -> Outcome {
    let window = page();
    let worker = worker();
    mark(&window, "windowMark");
    mark(&worker, "workerMark");
    for (global, who) in [(&worker, "worker"), (&window, "window")] {
        for (type_, n) in [("invalid", 0), ("mark", 1), ("measure", 0)] {
            let got = global.get_entries_by_type(type_).len();
            ensure!(
                got == n,
                "The {who} must have {n} {type_} entries, has {got}"
            );
        }
    }
    check_entries(
        &window.get_entries_by_type("mark"),
        &[("mark", "windowMark")],
        "window",
    )?;
    check_entries(
        &worker.get_entries_by_type("mark"),
        &[("mark", "workerMark")],
        "worker",
    )
}

/// buffered-does-not-sync-invoke.html (servo/servo tests/wpt @846285b5).
fn buffered_does_not_sync_invoke() -> Outcome {
    let p = page();
    let first_callback_called = Rc::new(Cell::new(false));
    let callback_can_run_now = Rc::new(Cell::new(false));
    // What the second callback saw: `Some(callback_can_run_now)` once it ran.
    let second_saw: Rc<Cell<Option<bool>>> = Rc::new(Cell::new(None));
    let keep: Rc<RefCell<Vec<PerformanceObserver<ReferenceEmbedder>>>> = Rc::default();
    let (called, can_run, saw, keep_inner, weak) = (
        first_callback_called.clone(),
        callback_can_run_now.clone(),
        second_saw.clone(),
        keep.clone(),
        Rc::downgrade(&p),
    );
    let first = PerformanceObserver::new(&p, move |_, observer, _| {
        called.set(true);
        observer.disconnect();
        // The promise's reaction runs at the microtask checkpoint right after
        // this callback: a second buffered observer, then the flag.
        let Some(p) = weak.upgrade() else { return };
        let (can_run_seen, saw) = (can_run.clone(), saw.clone());
        let second = PerformanceObserver::new(&p, move |_, _, _| {
            saw.set(Some(can_run_seen.get()));
        });
        let _ = second.observe(PerformanceObserverInit::buffered_type("mark"));
        can_run.set(true);
        keep_inner.borrow_mut().push(second);
    });
    first
        .observe(PerformanceObserverInit::buffered_type("mark"))
        .map_err(|e| e.to_string())?;
    ensure!(
        !first_callback_called.get(),
        "the first callback ran inside observe()"
    );
    mark(&p, "mark");
    ensure!(
        !first_callback_called.get(),
        "the first callback ran inside performance.mark()"
    );
    run(&p);
    ensure!(first_callback_called.get(), "the first callback never ran");
    match second_saw.get() {
        Some(true) => Ok(()),
        Some(false) => Err("Callback shouldn't be invoked inside the .observe() call".into()),
        None => Err("the second buffered observer's callback never ran".into()),
    }
}

// ----- po-observe.html / po-observe.any.js -------------------------------------

/// The subtests of `po-observe.html` (and of `po-observe.any.js`, the same
/// five as a worker-capable file).
#[derive(Clone, Copy)]
enum PoObserve {
    NoEntryTypes,
    EmptyEntryTypes,
    FilterUnsupported,
    CallbackParameters,
    ReplaceObserver,
}

impl PoObserve {
    const ALL: [PoObserve; 5] = [
        PoObserve::NoEntryTypes,
        PoObserve::EmptyEntryTypes,
        PoObserve::FilterUnsupported,
        PoObserve::CallbackParameters,
        PoObserve::ReplaceObserver,
    ];

    fn title(self) -> &'static str {
        match self {
            PoObserve::NoEntryTypes => "no entryTypes throws a TypeError",
            PoObserve::EmptyEntryTypes => "Empty sequence entryTypes throws a TypeError",
            PoObserve::FilterUnsupported => {
                "Filter unsupported entryType entryType names within the entryTypes sequence"
            }
            PoObserve::CallbackParameters => "Check observer callback parameter and this values",
            PoObserve::ReplaceObserver => "replace observer if already present",
        }
    }

    fn run(self) -> Outcome {
        let p = page();
        match self {
            PoObserve::NoEntryTypes => {
                let o = PerformanceObserver::new(&p, |_, _, _| {});
                // `{}` and `{entryType: []}` (a misspelt member WebIDL drops).
                let got = o.observe(PerformanceObserverInit::default());
                ensure!(
                    matches!(&got, Err(e) if e.error_name() == "TypeError"),
                    "observe({{}}) should throw a TypeError, got {got:?}"
                );
                Ok(())
            }
            PoObserve::EmptyEntryTypes => {
                // `{entryTypes: "mark"}` cannot be written: the Rust API takes a
                // sequence, so WebIDL's conversion TypeError has no counterpart.
                let o = PerformanceObserver::new(&p, |_, _, _| {});
                for types in [
                    vec![],
                    vec!["this-cannot-match-an-entryType"],
                    vec!["marks", "navigate", "resources"],
                ] {
                    let got = o.observe(PerformanceObserverInit::with_entry_types(types.clone()));
                    ensure!(
                        matches!(&got, Err(e) if e.error_name() == "TypeError"),
                        "observe({{entryTypes: {types:?}}}) should throw a TypeError, got {got:?}"
                    );
                }
                Ok(())
            }
            PoObserve::FilterUnsupported => {
                let o = PerformanceObserver::new(&p, |_, _, _| {});
                for types in [
                    vec!["mark", "this-cannot-match-an-entryType"],
                    vec!["this-cannot-match-an-entryType", "mark"],
                    // `{entryTypes: ["mark"], others: true}`: WebIDL drops `others`.
                    vec!["mark"],
                ] {
                    let got = o
                        .observe(PerformanceObserverInit::with_entry_types(types.clone()))
                        .map_err(|e| format!("observe({types:?}) threw {e}"))?;
                    ensure!(got.registered, "observe({types:?}) should register");
                }
                Ok(())
            }
            PoObserve::CallbackParameters => {
                // Per callback: the list's length and the observer it was given.
                type Seen = Vec<(usize, PerformanceObserver<ReferenceEmbedder>)>;
                let seen: Rc<RefCell<Seen>> = Rc::default();
                let sink = seen.clone();
                let observer = PerformanceObserver::new(&p, move |list, obs, _| {
                    sink.borrow_mut().push((list.len(), obs.clone()));
                    obs.disconnect();
                });
                observer
                    .observe(PerformanceObserverInit::with_entry_types(["mark"]))
                    .map_err(|e| e.to_string())?;
                mark(&p, "mark1");
                run(&p);
                let seen = seen.borrow();
                ensure!(seen.len() == 1, "{} callbacks, expected 1", seen.len());
                ensure!(seen[0].0 == 1, "the entry list has {} entries", seen[0].0);
                ensure!(seen[0].1 == observer, "observer is second parameter");
                Ok(())
            }
            PoObserve::ReplaceObserver => {
                let lists: Rc<RefCell<Vec<performance_timeline::PerformanceObserverEntryList>>> =
                    Rc::default();
                let sink = lists.clone();
                let observer = PerformanceObserver::new(&p, move |list, obs, _| {
                    sink.borrow_mut().push(list.clone());
                    obs.disconnect();
                });
                observer
                    .observe(PerformanceObserverInit::with_entry_types(["mark"]))
                    .map_err(|e| e.to_string())?;
                observer
                    .observe(PerformanceObserverInit::with_entry_types(["measure"]))
                    .map_err(|e| e.to_string())?;
                mark(&p, "mark1");
                measure(&p, "measure1");
                run(&p);
                let lists = lists.borrow();
                ensure!(lists.len() == 1, "{} callbacks, expected 1", lists.len());
                check_entries(
                    &lists[0].get_entries(),
                    &[("measure", "measure1")],
                    "getEntries",
                )
            }
        }
    }
}

/// `performance.measure(name)`: an entry from the time origin to now.
fn measure(p: &Perf, name: &str) {
    p.embedder().event_loop().advance(1.0);
    p.queue_a_performance_entry(BasicEntry::shared(name, "measure", 0.0, p.now()));
}

/// The number of trials: update it with the ports (docs/conformance.md).
const TRIALS: usize = 61;

/// A trial name and the function that runs it.
type Subtest = (&'static str, fn() -> Outcome);

fn main() {
    let cases: Vec<Subtest> = vec![
        ("resource-timing/buffer-full-add-after-full-event.html", buffer_full_add_after_full_event),
        ("resource-timing/buffer-full-add-entries-during-callback.html", buffer_full_add_entries_during_callback),
        (
            "resource-timing/buffer-full-add-entries-during-callback-that-drop.html",
            buffer_full_add_entries_during_callback_that_drop,
        ),
        ("resource-timing/buffer-full-add-then-clear.html", buffer_full_add_then_clear),
        (
            "resource-timing/buffer-full-decrease-buffer-during-callback.html",
            buffer_full_decrease_buffer_during_callback,
        ),
        (
            "resource-timing/buffer-full-increase-buffer-during-callback.html",
            buffer_full_increase_buffer_during_callback,
        ),
        (
            "resource-timing/buffer-full-inspect-buffer-during-callback.html",
            buffer_full_inspect_buffer_during_callback,
        ),
        ("resource-timing/buffer-full-set-to-current-buffer.html", buffer_full_set_to_current_buffer),
        (
            "resource-timing/buffer-full-store-and-clear-during-callback.html",
            buffer_full_store_and_clear_during_callback,
        ),
        ("resource-timing/buffer-full-then-decreased.html", buffer_full_then_decreased),
        ("resource-timing/buffer-full-then-increased.html", buffer_full_then_increased),
        ("resource-timing/buffer-full-when-populate-entries.html", buffer_full_when_populate_entries),
        ("resource-timing/buffer-full-eventually.html", buffer_full_eventually),
        ("resource-timing/queue-entry-regardless-buffer-size.html", queue_entry_regardless_buffer_size),
        ("resource-timing/clear-resource-timings.html", clear_resource_timings),
        ("resource-timing/buffered-flag.any.js", buffered_flag),
        ("resource-timing/supported_resource_type.any.js", supported_resource_type),
        ("performance-timeline/buffered-flag-after-timeout.any.js", buffered_flag_after_timeout),
        ("performance-timeline/buffered-flag-observer.any.js", buffered_flag_observer),
        ("performance-timeline/multiple-buffered-flag-observers.any.js", multiple_buffered_flag_observers),
        ("performance-timeline/observer-buffered-false.any.js", observer_buffered_false),
        (
            "performance-timeline/buffered-flag-with-entryTypes-observer.tentative.any.js",
            buffered_flag_with_entry_types_observer,
        ),
        (
            "performance-timeline/droppedentriescount.any.js : Dropped entries count is 0 when there are no dropped entries.",
            || dropped_entries_count(0),
        ),
        (
            "performance-timeline/droppedentriescount.any.js : Dropped entries count is nonzero when there are dropped entries.",
            || dropped_entries_count(1),
        ),
        (
            "performance-timeline/droppedentriescount.any.js : Dropped entries count is zero when dropped entries are not of relevant type.",
            || dropped_entries_count(2),
        ),
        (
            "performance-timeline/droppedentriescount.any.js : Dropped entries counted even if observer was not registered at the time.",
            || dropped_entries_count(3),
        ),
        (
            "performance-timeline/supportedEntryTypes.any.js : supportedEntryTypes exists and returns entries in alphabetical order",
            supported_entry_types_alphabetical,
        ),
        (
            "performance-timeline/supportedEntryTypes.any.js : supportedEntryTypes caches result",
            supported_entry_types_caches,
        ),
        ("performance-timeline/po-takeRecords.any.js", po_take_records),
        ("performance-timeline/po-entries-sort.any.js", po_entries_sort),
        ("performance-timeline/po-getentries.any.js : getEntries, getEntriesByType and getEntriesByName work", po_getentries),
        (
            "performance-timeline/case-sensitivity.any.js : getEntriesByType values are case sensitive",
            case_sensitivity_by_type,
        ),
        (
            "performance-timeline/case-sensitivity.any.js : getEntriesByName values are case sensitive",
            case_sensitivity_by_name,
        ),
        ("performance-timeline/get-invalid-entries.html : Get invalid entries from worker and window.", get_invalid_entries),
        (
            "performance-timeline/buffered-does-not-sync-invoke.html",
            buffered_does_not_sync_invoke,
        ),
    ];
    let mut cases: Vec<wpt::Case> = cases
        .into_iter()
        .map(|(name, run)| wpt::Case::new(name, run))
        .collect();
    for file in ["po-observe.html", "po-observe.any.js"] {
        for subtest in PoObserve::ALL {
            cases.push(wpt::Case::new(
                format!("performance-timeline/{file} : {}", subtest.title()),
                move || subtest.run(),
            ));
        }
    }
    cases.extend(
        observers::Observers::ALL
            .into_iter()
            .map(|subtest| wpt::Case::new(subtest.name(), move || subtest.run())),
    );
    wpt::run("performance_timeline", TRIALS, cases)
}
