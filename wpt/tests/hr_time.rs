//! WPT `hr-time/` files, run on `performance-timeline`'s reference embedder
//! with two clocks: the manual event loop the other runners use, and a real
//! one (the same loop set from [`std::time::Instant`] before every read, so
//! `performance.now()` follows the machine's monotonic clock through the
//! embedder's *coarsen time*).
//!
//! Sources: web-platform-tests/wpt `hr-time/basic.any.js` @1b191713 and
//! `hr-time/timing-attack.html` @dd744301 (see `wpt/SOURCES.md`); the list
//! of ported and unported files is in `docs/conformance.md`.

use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::Performance;
use wpt::{ensure, Outcome};

/// The number of trials: update it with the ports (docs/conformance.md).
const TRIALS: usize = 9;

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
    /// timing-attack.html: "The recommended minimum resolution of the Performance
    /// interface has been set to 5 microseconds".
    MinimumResolution(Clock),
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
        all.extend([Clock::Manual, Clock::Real].map(Case::MinimumResolution));
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
            Case::MinimumResolution(c) => (
                "timing-attack.html",
                "The recommended minimum resolution of the Performance interface has been set to 5 microseconds",
                Some(c),
            ),
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
            Case::MinimumResolution(clock) => minimum_resolution(&Global::new(clock, false)),
        }
    }
}

/// timing-attack.html: rapid reads until the value changes; any two reads
/// (but the last two, which the file leaves out) differ by 0 or ≥ 5 µs.
fn minimum_resolution(global: &Global) -> Outcome {
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
                diff == 0.0 || diff * 1000.0 >= 5.0,
                "Differences smaller than 5 microseconds: {diff}"
            );
        }
    }
    Ok(())
}

fn main() {
    let cases = Case::all()
        .into_iter()
        .map(|case| wpt::Case::new(case.name(), move || case.run()))
        .collect();
    wpt::run("hr_time", TRIALS, cases)
}
