//! The observer files of `performance-timeline/` read from nodejs/node's
//! vendored copy (`test/fixtures/wpt/performance-timeline/`, commits in
//! `wpt/SOURCES.md`): `po-observe-type.any.js`,
//! `po-observe-repeated-type.any.js`, `po-disconnect.any.js`,
//! `po-disconnect-removes-observed-types.any.js`,
//! `po-callback-mutate.any.js` and `po-mark-measure.any.js`. User Timing's
//! `mark()` and `measure()` are plain entries (`super::mark`,
//! `super::measure`), queued as User Timing queues them.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use performance_timeline::reference::ReferenceEmbedder;
use performance_timeline::{EntryRef, ObserveError, PerformanceObserver, PerformanceObserverInit};
use wpt::{ensure, Outcome};

use super::{check_entries, mark, measure, page, run, Perf};

type Observer = PerformanceObserver<ReferenceEmbedder>;

/// Every subtest of the six files, by file.
#[derive(Clone, Copy)]
pub(crate) enum Observers {
    TypeMissing,
    EntryTypesThenType,
    TypeThenEntryTypes,
    TypeAndEntryTypes,
    BufferedAndEntryTypes,
    UnknownType,
    TypesStack,
    RepeatedTypeOverrides,
    DisconnectedNotInvoked,
    DisconnectUnconnected,
    DisconnectAfterMark,
    DisconnectForgetsTypes,
    CallbackMutate,
    EntriesObservable,
    MarksObservable,
    MeasuresObservable,
}

impl Observers {
    pub(crate) const ALL: [Observers; 16] = [
        Observers::TypeMissing,
        Observers::EntryTypesThenType,
        Observers::TypeThenEntryTypes,
        Observers::TypeAndEntryTypes,
        Observers::BufferedAndEntryTypes,
        Observers::UnknownType,
        Observers::TypesStack,
        Observers::RepeatedTypeOverrides,
        Observers::DisconnectedNotInvoked,
        Observers::DisconnectUnconnected,
        Observers::DisconnectAfterMark,
        Observers::DisconnectForgetsTypes,
        Observers::CallbackMutate,
        Observers::EntriesObservable,
        Observers::MarksObservable,
        Observers::MeasuresObservable,
    ];

    fn file_and_title(self) -> (&'static str, &'static str) {
        use Observers::*;
        match self {
            TypeMissing => ("po-observe-type.any.js", "Calling observe() without 'type' or 'entryTypes' throws a TypeError"),
            EntryTypesThenType => ("po-observe-type.any.js", "Calling observe() with entryTypes and then type should throw an InvalidModificationError"),
            TypeThenEntryTypes => ("po-observe-type.any.js", "Calling observe() with type and then entryTypes should throw an InvalidModificationError"),
            TypeAndEntryTypes => ("po-observe-type.any.js", "Calling observe() with type and entryTypes should throw a TypeError"),
            BufferedAndEntryTypes => ("po-observe-type.any.js", "Calling observe() with buffered and entryTypes should throw a TypeError"),
            UnknownType => ("po-observe-type.any.js", "Passing in unknown values to type does throw an exception."),
            TypesStack => ("po-observe-type.any.js", "observe() with different type values stacks."),
            RepeatedTypeOverrides => ("po-observe-repeated-type.any.js", "Two calls of observe() with the same 'type' cause override."),
            DisconnectedNotInvoked => ("po-disconnect.any.js", "disconnected callbacks must not be invoked"),
            DisconnectUnconnected => ("po-disconnect.any.js", "disconnecting an unconnected observer is a no-op"),
            DisconnectAfterMark => ("po-disconnect.any.js", "An observer disconnected after a mark must not have its callback invoked"),
            DisconnectForgetsTypes => ("po-disconnect-removes-observed-types.any.js", "Types observed are forgotten when disconnect() is called."),
            CallbackMutate => ("po-callback-mutate.any.js", "PerformanceObserver modifications inside callback should update filtering and not clear buffer"),
            EntriesObservable => ("po-mark-measure.any.js", "entries are observable"),
            MarksObservable => ("po-mark-measure.any.js", "mark entries are observable"),
            MeasuresObservable => ("po-mark-measure.any.js", "measure entries are observable"),
        }
    }

    /// The trial name: `performance-timeline/<file> : <subtest>`.
    pub(crate) fn name(self) -> String {
        let (file, title) = self.file_and_title();
        format!("performance-timeline/{file} : {title}")
    }

    pub(crate) fn run(self) -> Outcome {
        use Observers::*;
        match self {
            TypeMissing => {
                let p = page();
                let obs = PerformanceObserver::new(&p, |_, _, _| {});
                // `{}`, and `{entryType: [...]}`: WebIDL drops the unknown member.
                for what in ["{}", "{entryType: ['mark', 'measure']}"] {
                    expect_error(
                        obs.observe(PerformanceObserverInit::default()),
                        "TypeError",
                        what,
                    )?;
                }
                Ok(())
            }
            EntryTypesThenType => {
                let p = page();
                let obs = PerformanceObserver::new(&p, |_, _, _| {});
                observe(&obs, PerformanceObserverInit::with_entry_types(["mark"]))?;
                expect_error(
                    obs.observe(PerformanceObserverInit::with_type("measure")),
                    "InvalidModificationError",
                    "{type: 'measure'}",
                )
            }
            TypeThenEntryTypes => {
                let p = page();
                let obs = PerformanceObserver::new(&p, |_, _, _| {});
                observe(&obs, PerformanceObserverInit::with_type("mark"))?;
                expect_error(
                    obs.observe(PerformanceObserverInit::with_entry_types(["measure"])),
                    "InvalidModificationError",
                    "{entryTypes: ['measure']}",
                )
            }
            TypeAndEntryTypes => {
                let p = page();
                let obs = PerformanceObserver::new(&p, |_, _, _| {});
                let mut init = PerformanceObserverInit::with_entry_types(["measure"]);
                init.type_ = Some("mark".into());
                expect_error(obs.observe(init), "TypeError", "{type, entryTypes}")
            }
            BufferedAndEntryTypes => {
                let p = page();
                let obs = PerformanceObserver::new(&p, |_, _, _| {});
                expect_error(
                    obs.observe(
                        PerformanceObserverInit::with_entry_types(["measure"]).and_buffered(true),
                    ),
                    "TypeError",
                    "{buffered, entryTypes}",
                )
            }
            UnknownType => {
                // The title says "does throw"; the body expects no exception.
                let p = page();
                let obs = PerformanceObserver::new(&p, |_, _, _| {});
                observe(
                    &obs,
                    PerformanceObserverInit::with_type("this-cannot-match-an-entryType"),
                )?;
                observe(&obs, PerformanceObserverInit::with_type("marks"))?;
                Ok(())
            }
            TypesStack => {
                let p = page();
                let (marks, measures) = (Rc::new(Cell::new(false)), Rc::new(Cell::new(false)));
                let (m, me) = (marks.clone(), measures.clone());
                let observer = PerformanceObserver::new(&p, move |list, obs, _| {
                    let entries = list.get_entries();
                    m.set(m.get() || entries.iter().any(|e| e.entry_type() == "mark"));
                    me.set(me.get() || entries.iter().any(|e| e.entry_type() == "measure"));
                    if m.get() && me.get() {
                        obs.disconnect();
                    }
                });
                observe(&observer, PerformanceObserverInit::with_type("mark"))?;
                observe(&observer, PerformanceObserverInit::with_type("measure"))?;
                mark(&p, "mark1");
                measure(&p, "measure1");
                run(&p);
                ensure!(
                    marks.get() && measures.get(),
                    "observed a mark: {}, a measure: {}",
                    marks.get(),
                    measures.get()
                );
                Ok(())
            }
            RepeatedTypeOverrides => {
                let p = page();
                let lists = collect(&p, true);
                mark(&p, "early");
                // This call will not trigger anything.
                observe(&lists.observer, PerformanceObserverInit::with_type("mark"))?;
                // This one overrides it and brings the early mark.
                observe(
                    &lists.observer,
                    PerformanceObserverInit::buffered_type("mark"),
                )?;
                run(&p);
                lists.only_callback(&[("mark", "early")])
            }
            DisconnectedNotInvoked => {
                let p = page();
                let calls = counter(&p);
                observe(
                    &calls.observer,
                    PerformanceObserverInit::with_entry_types(["mark", "measure", "navigation"]),
                )?;
                calls.observer.disconnect();
                mark(&p, "mark1");
                measure(&p, "measure1");
                // step_timeout(2000).
                p.embedder().event_loop().advance(2000.0);
                run(&p);
                calls.never_called()
            }
            DisconnectUnconnected => {
                let p = page();
                let calls = counter(&p);
                calls.observer.disconnect();
                calls.observer.disconnect();
                // The observer still works afterwards: disconnect() changed nothing.
                observe(&calls.observer, PerformanceObserverInit::with_type("mark"))?;
                mark(&p, "after");
                run(&p);
                ensure!(
                    calls.count.get() == 1,
                    "{} callbacks after observe()",
                    calls.count.get()
                );
                Ok(())
            }
            DisconnectAfterMark => {
                let p = page();
                let calls = counter(&p);
                observe(
                    &calls.observer,
                    PerformanceObserverInit::with_entry_types(["mark"]),
                )?;
                mark(&p, "mark1");
                calls.observer.disconnect();
                mark(&p, "mark2");
                p.embedder().event_loop().advance(2000.0);
                run(&p);
                calls.never_called()
            }
            DisconnectForgetsTypes => {
                let p = page();
                let lists = collect(&p, false);
                observe(&lists.observer, PerformanceObserverInit::with_type("mark"))?;
                lists.observer.disconnect();
                observe(
                    &lists.observer,
                    PerformanceObserverInit::with_type("measure"),
                )?;
                mark(&p, "a");
                measure(&p, "b");
                run(&p);
                // There should be no mark entry.
                lists.only_callback(&[("measure", "b")])
            }
            CallbackMutate => callback_mutate(),
            EntriesObservable => po_mark_measure(0),
            MarksObservable => po_mark_measure(1),
            MeasuresObservable => po_mark_measure(2),
        }
    }
}

fn observe(obs: &Observer, init: PerformanceObserverInit) -> Outcome {
    obs.observe(init)
        .map(|_| ())
        .map_err(|e| format!("observe() threw {}: {e}", e.error_name()))
}

fn expect_error<T: std::fmt::Debug>(
    got: Result<T, ObserveError>,
    name: &str,
    what: &str,
) -> Outcome {
    ensure!(
        matches!(&got, Err(e) if e.error_name() == name),
        "observe({what}) should throw {name}, got {got:?}"
    );
    Ok(())
}

/// An observer that counts its callbacks.
struct Counter {
    observer: Observer,
    count: Rc<Cell<usize>>,
}

impl Counter {
    fn never_called(&self) -> Outcome {
        ensure!(
            self.count.get() == 0,
            "This callback must not be invoked ({} calls)",
            self.count.get()
        );
        Ok(())
    }
}

fn counter(p: &Rc<Perf>) -> Counter {
    let count = Rc::new(Cell::new(0));
    let sink = count.clone();
    let observer = PerformanceObserver::new(p, move |_, _, _| sink.set(sink.get() + 1));
    Counter { observer, count }
}

/// An observer that keeps each callback's entries (and, when
/// `disconnect_in_callback`, disconnects after the first, as the files do).
struct Lists {
    observer: Observer,
    lists: Rc<RefCell<Vec<Vec<EntryRef>>>>,
}

impl Lists {
    fn only_callback(&self, expected: &[(&str, &str)]) -> Outcome {
        let lists = self.lists.borrow();
        ensure!(!lists.is_empty(), "the callback was never invoked");
        check_entries(&lists[0], expected, "first callback")?;
        ensure!(lists.len() == 1, "{} callbacks, expected 1", lists.len());
        Ok(())
    }
}

fn collect(p: &Rc<Perf>, disconnect_in_callback: bool) -> Lists {
    let lists: Rc<RefCell<Vec<Vec<EntryRef>>>> = Rc::default();
    let sink = lists.clone();
    let observer = PerformanceObserver::new(p, move |list, obs, _| {
        sink.borrow_mut().push(list.get_entries());
        if disconnect_in_callback {
            obs.disconnect();
        }
    });
    Lists { observer, lists }
}

/// `po-callback-mutate.any.js`: the callback re-observes with other types,
/// marks and measures; each later callback sees what the new filter lets in
/// and what was already in the observer buffer.
fn callback_mutate() -> Outcome {
    let p = page();
    let count = Rc::new(Cell::new(0usize));
    let failure: Rc<RefCell<Option<String>>> = Rc::default();
    let (n, fail, weak) = (count.clone(), failure.clone(), Rc::downgrade(&p));
    let observer = PerformanceObserver::new(&p, move |list, obs, _| {
        let Some(p) = weak.upgrade() else { return };
        n.set(n.get() + 1);
        let entries = list.get_entries();
        let check = |expected: &[(&str, &str)]| {
            if let Err(why) = check_entries(&entries, expected, &format!("callback {}", n.get())) {
                fail.borrow_mut().get_or_insert(why);
            }
        };
        let observe = |types: &[&str]| {
            if let Err(e) = obs.observe(PerformanceObserverInit::with_entry_types(types.to_vec())) {
                fail.borrow_mut().get_or_insert(e.to_string());
            }
        };
        match n.get() {
            1 => {
                check(&[("measure", "measure1")]);
                observe(&["mark"]);
                mark(&p, "mark2");
                measure(&p, "measure2");
            }
            2 => {
                check(&[("mark", "mark2")]);
                mark(&p, "mark-before-change-observe-state-to-measure");
                measure(&p, "measure-before-change-observe-state-to-measure");
                observe(&["measure"]);
                mark(&p, "mark3");
                measure(&p, "measure3");
            }
            3 => {
                check(&[
                    ("measure", "measure3"),
                    ("mark", "mark-before-change-observe-state-to-measure"),
                ]);
                mark(&p, "mark-before-change-observe-state-to-both");
                measure(&p, "measure-before-change-observe-state-to-both");
                observe(&["mark", "measure"]);
                mark(&p, "mark4");
                measure(&p, "measure4");
            }
            4 => {
                check(&[
                    ("measure", "measure-before-change-observe-state-to-both"),
                    ("measure", "measure4"),
                    ("mark", "mark4"),
                ]);
                mark(&p, "mark-before-disconnect");
                measure(&p, "measure-before-disconnect");
                obs.disconnect();
                mark(&p, "mark-after-disconnect");
                measure(&p, "measure-after-disconnect");
            }
            _ => {
                fail.borrow_mut()
                    .get_or_insert("The callback must not be invoked after disconnecting".into());
            }
        }
    });
    observe(
        &observer,
        PerformanceObserverInit::with_entry_types(["measure"]),
    )?;
    mark(&p, "mark1");
    measure(&p, "measure1");
    run(&p);
    if let Some(why) = failure.borrow_mut().take() {
        return Err(why);
    }
    ensure!(count.get() == 4, "{} callbacks, expected 4", count.get());
    Ok(())
}

/// `po-mark-measure.any.js`: its three subtests run in one global, in order,
/// so the first observer (marks and measures, making none itself) sees the
/// entries the other two make. `subtest` picks whose entries are checked.
fn po_mark_measure(subtest: usize) -> Outcome {
    let p = page();
    let mut stored = Vec::new();
    for types in [vec!["mark", "measure"], vec!["mark"], vec!["measure"]] {
        let sink: Rc<RefCell<Vec<EntryRef>>> = Rc::default();
        let (s, need) = (sink.clone(), if types.len() == 2 { 4 } else { 2 });
        let observer = PerformanceObserver::new(&p, move |list, obs, _| {
            s.borrow_mut().extend(list.get_entries());
            if s.borrow().len() >= need {
                obs.disconnect();
            }
        });
        observe(
            &observer,
            PerformanceObserverInit::with_entry_types(types.clone()),
        )?;
        match types.as_slice() {
            ["mark"] => {
                mark(&p, "mark1");
                mark(&p, "mark2");
            }
            ["measure"] => {
                measure(&p, "measure1");
                measure(&p, "measure2");
            }
            _ => {}
        }
        stored.push(sink);
    }
    run(&p);
    let expected: &[(&str, &str)] = match subtest {
        0 => &[
            ("mark", "mark1"),
            ("mark", "mark2"),
            ("measure", "measure1"),
            ("measure", "measure2"),
        ],
        1 => &[("mark", "mark1"), ("mark", "mark2")],
        _ => &[("measure", "measure1"), ("measure", "measure2")],
    };
    let entries = stored[subtest].borrow().clone();
    check_entries(&entries, expected, "stored entries")
}
