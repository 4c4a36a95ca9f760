//! High Resolution Time: coarsening, the conversions between moments and
//! `DOMHighResTimeStamp`s, and the HR-time attributes and methods of
//! [`Performance`] (`now()`, `timeOrigin`, `toJSON()`).
//!
//! <https://w3c.github.io/hr-time/>

use fetch_headers::json::JsonObject;

use crate::embedder::Embedder;
use crate::entry::{DOMHighResTimeStamp, Moment};
use crate::timeline::Performance;

/// The spec's default resolution: 100 µs, in milliseconds.
///
/// <https://w3c.github.io/hr-time/#dfn-coarsen-time>
pub const DEFAULT_RESOLUTION_MS: f64 = 0.1;

/// The spec's resolution for globals with cross-origin isolated capability: 5 µs, in milliseconds.
///
/// <https://w3c.github.io/hr-time/#dfn-coarsen-time>
pub const CROSS_ORIGIN_ISOLATED_RESOLUTION_MS: f64 = 0.005;

/// Nanoseconds per millisecond: moments are snapped to whole nanoseconds
/// before grid arithmetic so that `0.3 ms` is 3 × 100 µs, not 2.9999….
const NS_PER_MS: f64 = 1e6;

fn to_ns(ms: f64) -> f64 {
    (ms * NS_PER_MS).round()
}

/// HR-time "coarsen time" with the spec's default resolutions (0.1 ms, or
/// 0.005 ms with cross-origin isolated capability), no jitter.
///
/// The moment is floored to the resolution grid (time never moves forward
/// by coarsening). Non-finite input is returned unchanged.
///
/// <https://w3c.github.io/hr-time/#dfn-coarsen-time>
pub fn coarsen_time(unsafe_moment: Moment, cross_origin_isolated_capability: bool) -> Moment {
    Coarsening::SPEC.coarsen_time(unsafe_moment, cross_origin_isolated_capability)
}

/// An embedder's choice of clock resolution and jitter for *coarsen time*.
///
/// The spec lets a user agent pick a resolution at least as coarse as 100 µs
/// (5 µs with cross-origin isolated capability) and optionally add jitter.
/// The presets record what engines ship; see `docs/timeline.md`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Coarsening {
    /// Resolution in ms without cross-origin isolated capability (≥ 0.1 by the spec).
    pub resolution_ms: f64,
    /// Resolution in ms with cross-origin isolated capability (≥ 0.005 by the spec).
    pub cross_origin_isolated_resolution_ms: f64,
    /// `Some(key)` adds deterministic jitter keyed by `key`: each grid
    /// cell gets a pseudo-random switch point, before which a moment rounds
    /// down and after which it rounds up. The result stays on the grid,
    /// never moves more than one resolution step from the input, and is
    /// monotonic in its input.
    pub jitter_key: Option<u64>,
}

impl Coarsening {
    /// The spec's values: 100 µs / 5 µs, no jitter.
    pub const SPEC: Coarsening = Coarsening {
        resolution_ms: DEFAULT_RESOLUTION_MS,
        cross_origin_isolated_resolution_ms: CROSS_ORIGIN_ISOLATED_RESOLUTION_MS,
        jitter_key: None,
    };

    /// Chromium's values: 100 µs / 5 µs with per-cell jitter (its time clamper).
    pub fn chromium_like(jitter_key: u64) -> Coarsening {
        Coarsening {
            jitter_key: Some(jitter_key),
            ..Coarsening::SPEC
        }
    }

    /// Gecko's default values: 1 ms / 20 µs with jitter
    /// (`privacy.reduceTimerPrecision`).
    pub fn gecko_like(jitter_key: u64) -> Coarsening {
        Coarsening {
            resolution_ms: 1.0,
            cross_origin_isolated_resolution_ms: 0.02,
            jitter_key: Some(jitter_key),
        }
    }

    /// WebKit's values: 1 ms / 20 µs, no jitter.
    pub fn webkit_like() -> Coarsening {
        Coarsening {
            resolution_ms: 1.0,
            cross_origin_isolated_resolution_ms: 0.02,
            jitter_key: None,
        }
    }

    /// *Coarsen time* with this resolution and jitter.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-coarsen-time>
    pub fn coarsen_time(
        &self,
        unsafe_moment: Moment,
        cross_origin_isolated_capability: bool,
    ) -> Moment {
        // Step 1-2. Pick the resolution.
        let resolution = if cross_origin_isolated_capability {
            self.cross_origin_isolated_resolution_ms
        } else {
            self.resolution_ms
        };
        if !unsafe_moment.is_finite() || resolution.is_nan() || resolution <= 0.0 {
            return unsafe_moment;
        }
        let t = to_ns(unsafe_moment);
        let step = to_ns(resolution).max(1.0);
        // Step 3. Coarsen (and optionally jitter) so that the resolution does not exceed the value.
        let cell = (t / step).floor();
        let offset = t - cell * step;
        let snapped = match self.jitter_key {
            None => cell,
            Some(key) => {
                let threshold =
                    (mix(key ^ (cell as i64 as u64)) >> 11) as f64 / (1u64 << 53) as f64;
                if offset >= threshold * step && offset > 0.0 {
                    cell + 1.0
                } else {
                    cell
                }
            }
        };
        // Step 4. Return the moment.
        snapped * step / NS_PER_MS
    }
}

impl Default for Coarsening {
    fn default() -> Self {
        Coarsening::SPEC
    }
}

/// splitmix64 finalizer: a cheap, well-mixed hash for jitter thresholds.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The duration from `from` to `to`, computed on whole nanoseconds so that
/// grid-aligned moments give grid-aligned durations (0.3 − 0.1 = 0.2, not
/// 0.19999999999999998).
///
/// <https://w3c.github.io/hr-time/#dfn-relative-high-resolution-coarse-time>
pub fn duration_between(from: Moment, to: Moment) -> DOMHighResTimeStamp {
    DurationsFrom::new(from).to(to)
}

/// [`duration_between`] from one fixed moment to many: the start's
/// nanoseconds are computed once (a global's time origin, for the twenty
/// timestamps of a resource entry).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DurationsFrom {
    from: Moment,
    from_ns: f64,
}

impl DurationsFrom {
    /// Durations measured from `from`.
    pub fn new(from: Moment) -> DurationsFrom {
        DurationsFrom {
            from,
            from_ns: to_ns(from),
        }
    }

    /// The duration from the start to `to` ([`duration_between`]).
    #[inline]
    pub fn to(&self, to: Moment) -> DOMHighResTimeStamp {
        if !self.from.is_finite() || !to.is_finite() {
            return to - self.from;
        }
        (to_ns(to) - self.from_ns) / NS_PER_MS
    }
}

impl<E: Embedder> Performance<E> {
    /// The global's time origin (a moment).
    ///
    /// <https://w3c.github.io/hr-time/#dfn-time-origin>
    pub fn time_origin(&self) -> Moment {
        self.try_embedder().map_or(0.0, |e| e.time_origin())
    }

    /// *Get time origin timestamp*: the `timeOrigin` attribute, the time
    /// origin measured from the estimated monotonic time of the Unix epoch.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-get-time-origin-timestamp>
    pub fn time_origin_timestamp(&self) -> DOMHighResTimeStamp {
        let epoch = self
            .try_embedder()
            .map_or(0.0, |e| e.estimated_monotonic_time_of_the_unix_epoch());
        duration_between(epoch, self.time_origin())
    }

    /// The *unsafe shared current time*.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-unsafe-shared-current-time>
    pub fn unsafe_shared_current_time(&self) -> Moment {
        self.try_embedder()
            .map_or(0.0, |e| e.unsafe_shared_current_time())
    }

    /// The *coarsened shared current time*, with the global's cross-origin
    /// isolated capability.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-coarsened-shared-current-time>
    pub fn coarsened_shared_current_time(&self) -> Moment {
        self.coarsen_time(self.unsafe_shared_current_time())
    }

    /// *Coarsen time* with the global's cross-origin isolated capability and
    /// the clock's [`MonotonicClock::coarsening`](crate::MonotonicClock::coarsening).
    ///
    /// <https://w3c.github.io/hr-time/#dfn-coarsen-time>
    pub fn coarsen_time(&self, unsafe_moment: Moment) -> Moment {
        // The clock's one setting: what `FetchClient::for_global` copies.
        self.try_embedder().map_or(unsafe_moment, |e| {
            e.coarsening()
                .coarsen_time(unsafe_moment, e.cross_origin_isolated_capability())
        })
    }

    /// *Relative high resolution time*: coarsen, then measure from the time origin.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-relative-high-resolution-time>
    pub fn relative_high_resolution_time(&self, unsafe_moment: Moment) -> DOMHighResTimeStamp {
        // Step 1. Coarsen with the relevant settings object's capability.
        let coarse = self.coarsen_time(unsafe_moment);
        // Step 2. Return the relative high resolution coarse time.
        self.relative_high_resolution_coarse_time(coarse)
    }

    /// *Relative high resolution coarse time*: the duration from the time
    /// origin to `coarse_moment`.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-relative-high-resolution-coarse-time>
    pub fn relative_high_resolution_coarse_time(
        &self,
        coarse_moment: Moment,
    ) -> DOMHighResTimeStamp {
        duration_between(self.time_origin(), coarse_moment)
    }

    /// *Relative high resolution coarse time* for many moments against this
    /// global's time origin, read once: `durations.to(m)` equals
    /// [`relative_high_resolution_coarse_time(m)`](Self::relative_high_resolution_coarse_time).
    pub fn durations_from_time_origin(&self) -> DurationsFrom {
        DurationsFrom::new(self.time_origin())
    }

    /// *Current high resolution time*.
    ///
    /// <https://w3c.github.io/hr-time/#dfn-current-high-resolution-time>
    pub fn current_high_resolution_time(&self) -> DOMHighResTimeStamp {
        self.relative_high_resolution_time(self.unsafe_shared_current_time())
    }

    /// `performance.now()`.
    ///
    /// <https://w3c.github.io/hr-time/#dom-performance-now>
    pub fn now(&self) -> DOMHighResTimeStamp {
        self.current_high_resolution_time()
    }

    /// `performance.toJSON()` text: `{"timeOrigin":…}` (the bindings add
    /// the `timing`/`navigation` members where they exist).
    ///
    /// <https://w3c.github.io/hr-time/#dom-performance-tojson>
    pub fn to_json(&self) -> String {
        JsonObject::new()
            .number("timeOrigin", self.time_origin_timestamp())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_resolution_floors_to_100_microseconds() {
        assert_eq!(coarsen_time(0.0, false), 0.0);
        assert_eq!(coarsen_time(0.3, false), 0.3);
        assert_eq!(coarsen_time(1.23456, false), 1.2);
        assert_eq!(coarsen_time(1.29999, false), 1.2);
        assert_eq!(coarsen_time(-0.05, false), -0.1);
        assert_eq!(coarsen_time(1000.0999, false), 1000.0);
    }

    #[test]
    fn cross_origin_isolated_resolution_is_5_microseconds() {
        assert_eq!(coarsen_time(1.23456, true), 1.23);
        assert_eq!(coarsen_time(1.23756, true), 1.235);
        assert_eq!(coarsen_time(0.004999, true), 0.0);
    }

    #[test]
    fn non_finite_moments_are_returned_unchanged() {
        assert!(coarsen_time(f64::NAN, false).is_nan());
        assert_eq!(coarsen_time(f64::INFINITY, false), f64::INFINITY);
    }

    #[test]
    fn jitter_stays_on_grid_within_one_step_and_monotonic() {
        let c = Coarsening::chromium_like(42);
        let mut last = f64::NEG_INFINITY;
        let mut rounded_up = 0;
        for i in 0..20_000 {
            let t = i as f64 * 0.00731;
            let out = c.coarsen_time(t, false);
            assert!(out >= last, "monotonic at {t}");
            assert!((out - t).abs() <= 0.1 + 1e-9, "within a step at {t}");
            let cells = to_ns(out) / 100_000.0;
            assert_eq!(cells, cells.round(), "on grid at {t}");
            if out > coarsen_time(t, false) {
                rounded_up += 1;
            }
            last = out;
        }
        assert!(rounded_up > 0, "jitter never rounded up");
    }

    #[test]
    fn durations_between_grid_moments_are_exact() {
        assert_eq!(duration_between(0.1, 0.3), 0.2);
        assert_eq!(duration_between(5.0, 2.5), -2.5);
    }
}
