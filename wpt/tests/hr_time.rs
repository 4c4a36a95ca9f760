//! WPT `hr-time/` files, run on `performance-timeline`'s reference embedder
//! with two clocks: the manual event loop the other runners use, and a real
//! one (the same loop set from [`std::time::Instant`] before every read, so
//! `performance.now()` follows the machine's monotonic clock through the
//! embedder's *coarsen time*).
//!
//! Sources (commits in `wpt/SOURCES.md`): web-platform-tests/wpt
//! `hr-time/basic.any.js`; nodejs/node's vendored `test/fixtures/wpt/`
//! for `hr-time/monotonic-clock.any.js`, `timing-attack.html`,
//! `clamped-time-origin*.html`, `resources/timing-attack.js`,
//! `resources/clamped-time-origin.js` and
//! `performance-timeline/webtiming-resolution.any.js`; divmain/wpt for
//! `hr-time/cross-origin-isolated-timing-attack.https.html`. The list of
//! ported and unported files is in `docs/conformance.md`.

use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::{BasicEntry, GlobalFacts, MonotonicClock, Performance};
use wpt::{ensure, Outcome};

/// The number of trials: update it with the ports (docs/conformance.md).
const TRIALS: usize = 21;

/// Which clock drives the global.
#[derive(Clone, Copy)]
enum Clock {
    /// The manual event loop: each read moves it 1.3 µs on, a rapid caller.
    Manual,
    /// The machine's monotonic clock.
    Real,
}

impl Clock {
    fn label(self) -> &'static str {
        match self {
            Clock::Manual => "manual clock",
            Clock::Real => "real clock",
        }
    }
}

/// A global whose `performance.now()` reads `clock`.
struct Global {
    clock: Clock,
    event_loop: ReferenceEventLoop,
    started: Instant,
    performance: Rc<Performance<ReferenceEmbedder>>,
}

impl Global {
    fn new(clock: Clock, cross_origin_isolated: bool) -> Global {
        let event_loop = ReferenceEventLoop::new();
        let url = url::Url::parse("https://web-platform.test:8443/hr-time/").expect("static URL");
        let embedder = ReferenceEmbedder::new(&event_loop, &url)
            .with_cross_origin_isolated_capability(cross_origin_isolated);
        let global = Global {
            clock,
            event_loop,
            started: Instant::now(),
            performance: Performance::new(embedder),
        };
        // The document has been running for a while when the test starts.
        global.event_loop.advance(20.0);
        global
    }

    /// Moves the clock to the machine's time (real clock) or by `ms` (manual).
    fn tick(&self, ms: f64) {
        match self.clock {
            Clock::Manual => self.event_loop.advance(ms),
            Clock::Real => self
                .event_loop
                .set_now(20.0 + self.started.elapsed().as_secs_f64() * 1000.0),
        }
    }

    /// `performance.now()`.
    fn now(&self) -> f64 {
        match self.clock {
            Clock::Manual => self.event_loop.advance(0.0013),
            Clock::Real => self
                .event_loop
                .set_now(20.0 + self.started.elapsed().as_secs_f64() * 1000.0),
        }
        self.performance.now()
    }
}

impl Global {
    /// `self.crossOriginIsolated`: the global's cross-origin isolated capability.
    fn cross_origin_isolated(&self) -> bool {
        self.performance
            .embedder()
            .cross_origin_isolated_capability()
    }

    /// `performance.mark(name)`: an entry whose start time is the current
    /// high resolution time, as User Timing's mark constructor sets it.
    fn mark(&self, name: &str) {
        self.tick(0.0013);
        let p = &self.performance;
        p.queue_a_performance_entry(BasicEntry::shared(name, "mark", p.now(), 0.0));
    }

    /// `create_worker()` of `resources/clamped-time-origin.js`: a dedicated
    /// worker started now. HTML's *set up a worker environment settings
    /// object* gives it the time origin *coarsen time*(the unsafe worker
    /// creation time, its cross-origin isolated capability); the worker
    /// posts back its `performance.timeOrigin`.
    fn create_worker(&self) -> f64 {
        // Starting a worker takes a little time (manual clock: 13.7 µs).
        self.tick(0.0137);
        let isolated = self.cross_origin_isolated();
        let unsafe_worker_creation_time = self.event_loop.now();
        let url = url::Url::parse("https://web-platform.test:8443/hr-time/").expect("static URL");
        let settings = ReferenceEmbedder::new(&self.event_loop, &url)
            .as_worker()
            .with_cross_origin_isolated_capability(isolated);
        let time_origin = settings.coarsen_time(unsafe_worker_creation_time, isolated);
        Performance::new(settings.with_time_origin(time_origin)).time_origin_timestamp()
    }
}

/// `Date.now()`: milliseconds since the epoch, from the system clock.
fn date_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// The subtests.
#[derive(Clone, Copy)]
enum Case {
    /// basic.any.js: "[Global].performance.now() is a function that returns a number".
    ReturnsANumber(Clock),
    /// basic.any.js: "[Global].performance.now() returns a positive number".
    Positive(Clock),
    /// basic.any.js: "[Global].performance.now() difference is not negative".
    NotNegative(Clock),
    /// basic.any.js: "High resolution time has approximately the right relative magnitude".
    RelativeMagnitude,
    /// timing-attack.html (`run_test(false)`, 100 µs) and
    /// cross-origin-isolated-timing-attack.https.html (`run_test(true)`, 5 µs):
    /// "The recommended minimum resolution of the Performance interface has
    /// been set to N microseconds for cross-origin isolated contexts."
    MinimumResolution { isolated: bool, clock: Clock },
    /// monotonic-clock.any.js: "self.performance.now() returns a positive number".
    MonotonicPositive(Clock),
    /// monotonic-clock.any.js: "self.performance.now() difference is not negative".
    MonotonicNotNegative(Clock),
    /// clamped-time-origin.html (100 µs) and
    /// clamped-time-origin-isolated.https.html (5 µs): "timeOrigins are clamped."
    ClampedTimeOrigin { isolated: bool, clock: Clock },
    /// performance-timeline/webtiming-resolution.any.js: "Verifies the
    /// resolution of performance.now() is at least 5 microseconds." (`false`)
    /// and "… of entry.startTime …" (`true`).
    WebTimingResolution { user_timing: bool, clock: Clock },
}

impl Case {
    fn all() -> Vec<Case> {
        let mut all = Vec::new();
        for clock in [Clock::Manual, Clock::Real] {
            all.extend([
                Case::ReturnsANumber(clock),
                Case::Positive(clock),
                Case::NotNegative(clock),
            ]);
        }
        all.push(Case::RelativeMagnitude);
        // On the manual clock only: how many workers start within one grid
        // step on the real one depends on the machine's speed, and the
        // outcome of the non-isolated file with it (docs/conformance.md).
        for isolated in [false, true] {
            all.push(Case::ClampedTimeOrigin {
                isolated,
                clock: Clock::Manual,
            });
        }
        for clock in [Clock::Manual, Clock::Real] {
            for isolated in [false, true] {
                all.push(Case::MinimumResolution { isolated, clock });
            }
            all.push(Case::MonotonicPositive(clock));
            all.push(Case::MonotonicNotNegative(clock));
            for user_timing in [false, true] {
                all.push(Case::WebTimingResolution { user_timing, clock });
            }
        }
        all
    }

    fn name(self) -> String {
        let (file, title, clock) = match self {
            Case::ReturnsANumber(c) => (
                "basic.any.js",
                "[Global].performance.now() is a function that returns a number",
                Some(c),
            ),
            Case::Positive(c) => (
                "basic.any.js",
                "[Global].performance.now() returns a positive number",
                Some(c),
            ),
            Case::NotNegative(c) => (
                "basic.any.js",
                "[Global].performance.now() difference is not negative",
                Some(c),
            ),
            Case::RelativeMagnitude => (
                "basic.any.js",
                "High resolution time has approximately the right relative magnitude",
                None,
            ),
            Case::MinimumResolution { isolated: false, clock } => (
                "timing-attack.html",
                "The recommended minimum resolution of the Performance interface has been set to 100 microseconds for cross-origin isolated contexts.",
                Some(clock),
            ),
            Case::MinimumResolution { isolated: true, clock } => (
                "cross-origin-isolated-timing-attack.https.html",
                "The recommended minimum resolution of the Performance interface has been set to 5 microseconds for cross-origin isolated contexts.",
                Some(clock),
            ),
            Case::MonotonicPositive(c) => (
                "monotonic-clock.any.js",
                "self.performance.now() returns a positive number",
                Some(c),
            ),
            Case::MonotonicNotNegative(c) => (
                "monotonic-clock.any.js",
                "self.performance.now() difference is not negative",
                Some(c),
            ),
            Case::ClampedTimeOrigin { isolated, clock } => (
                if isolated {
                    "clamped-time-origin-isolated.https.html"
                } else {
                    "clamped-time-origin.html"
                },
                "timeOrigins are clamped.",
                Some(clock),
            ),
            Case::WebTimingResolution { user_timing, clock } => {
                let title = if user_timing {
                    "Verifies the resolution of entry.startTime is at least 5 microseconds."
                } else {
                    "Verifies the resolution of performance.now() is at least 5 microseconds."
                };
                return format!(
                    "performance-timeline/webtiming-resolution.any.js : {title} ({})",
                    clock.label()
                );
            }
        };
        match clock {
            Some(clock) => format!("hr-time/{file} : {title} ({})", clock.label()),
            None => format!("hr-time/{file} : {title}"),
        }
    }

    fn run(self) -> Outcome {
        match self {
            Case::ReturnsANumber(clock) => {
                let now = Global::new(clock, false).now();
                ensure!(now.is_finite(), "performance.now() returned {now}");
                Ok(())
            }
            Case::Positive(clock) => {
                let now = Global::new(clock, false).now();
                ensure!(now > 0.0, "performance.now() returned {now}");
                Ok(())
            }
            Case::NotNegative(clock) => {
                let global = Global::new(clock, false);
                let (now1, now2) = (global.now(), global.now());
                ensure!(now2 - now1 >= 0.0, "now2 - now1 = {}", now2 - now1);
                Ok(())
            }
            Case::RelativeMagnitude => {
                // Real clock only: the manual one has no Date to compare with.
                let global = Global::new(Clock::Real, false);
                let (initial_hrt, initial_date) = (global.now(), date_now());
                std::thread::sleep(Duration::from_millis(2000));
                let (final_hrt, final_date) = (global.now(), date_now());
                let (hrt, date) = (final_hrt - initial_hrt, final_date - initial_date);
                ensure!(
                    (hrt - date).abs() <= 30.0,
                    "High resolution time value increased by approximately the same amount as time from date object: {hrt} vs {date}"
                );
                Ok(())
            }
            Case::MinimumResolution { isolated, clock } => {
                minimum_resolution(&Global::new(clock, isolated), isolated)
            }
            Case::MonotonicPositive(clock) => {
                let now = Global::new(clock, false).now();
                ensure!(
                    now > 0.0,
                    "self.performance.now() returns positive numbers: {now}"
                );
                Ok(())
            }
            Case::MonotonicNotNegative(clock) => {
                let global = Global::new(clock, false);
                let (now1, now2) = (global.now(), global.now());
                ensure!(
                    now2 - now1 >= 0.0,
                    "self.performance.now() difference is not negative: {}",
                    now2 - now1
                );
                Ok(())
            }
            Case::ClampedTimeOrigin { isolated, clock } => {
                clamped_time_origin(&Global::new(clock, isolated), isolated)
            }
            Case::WebTimingResolution { user_timing, clock } => {
                let global = Global::new(clock, false);
                let mut n = 0u32;
                let mut time = || {
                    if user_timing {
                        // mark('timer'), read it back, clearMarks('timer'): a
                        // fresh name stands for the cleared buffer.
                        n += 1;
                        let name = format!("timer{n}");
                        global.mark(&name);
                        global.performance.get_entries_by_name(&name, None)[0].start_time()
                    } else {
                        global.now()
                    }
                };
                time_resolution(&mut time)
            }
        }
    }
}

/// `run_test(isolated)` of `resources/timing-attack.js`: rapid reads until
/// the value changes; any two reads (but the last two, which the file
/// leaves out) differ by 0 or by at least the resolution (100 µs, or 5 µs
/// when isolated).
fn minimum_resolution(global: &Global, isolated: bool) -> Outcome {
    let resolution = if isolated { 5.0 } else { 100.0 };
    ensure!(
        global.cross_origin_isolated() == isolated,
        "Document cross-origin isolated value matches"
    );
    let mut times = vec![global.now(), global.now()];
    let hrt1 = times[0];
    // Bounded: 100 µs (the spec's coarsest step) is 77 manual reads, and the
    // real clock passes it in well under the 10 s budget.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let hrt = global.now();
        times.push(hrt);
        if hrt - hrt1 != 0.0 {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "performance.now() did not change within 10 s"
        );
    }
    let end = times.len().saturating_sub(2);
    for i in 0..end {
        for j in i + 1..end {
            let diff = times[j] - times[i];
            ensure!(
                diff == 0.0 || diff * 1000.0 >= resolution,
                "Differences smaller than {resolution} microseconds: {diff}"
            );
        }
    }
    Ok(())
}

/// `run_test(isolated)` of `resources/clamped-time-origin.js`: 99 workers
/// made one after another; each one's `timeOrigin` equals the previous one
/// (the window's first) or is more than the resolution later.
fn clamped_time_origin(global: &Global, isolated: bool) -> Outcome {
    let resolution = if isolated { 5.0 } else { 100.0 };
    ensure!(
        global.cross_origin_isolated() == isolated,
        "crossOriginIsolated is properly set"
    );
    let mut prev = global.performance.time_origin_timestamp();
    for i in 1..100 {
        let current = global.create_worker();
        ensure!(
            current == prev || current - prev > resolution / 1000.0,
            "worker {i}: timeOrigin {current} after {prev}"
        );
        prev = current;
    }
    Ok(())
}

/// `testTimeResolution` of `webtiming-resolution.any.js`: read until the
/// value changes; the step is at least 5 µs (less an epsilon of 1e-5 ms).
fn time_resolution(time: &mut dyn FnMut() -> f64) -> Outcome {
    let t0 = time();
    let mut t1 = time();
    let deadline = Instant::now() + Duration::from_secs(10);
    while t0 == t1 {
        ensure!(
            Instant::now() < deadline,
            "the time did not change within 10 s"
        );
        t1 = time();
    }
    let epsilon = 1e-5;
    ensure!(
        t1 - t0 >= 0.005 - epsilon,
        "The second call should be much greater than the first: {t1} - {t0}"
    );
    Ok(())
}

fn main() {
    let cases = Case::all()
        .into_iter()
        .map(|case| wpt::Case::new(case.name(), move || case.run()))
        .collect();
    wpt::run("hr_time", TRIALS, cases)
}
