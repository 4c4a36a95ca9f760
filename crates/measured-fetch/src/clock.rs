//! The clock that every measured moment is read from.

use std::sync::Arc;
use std::time::Instant;

/// A monotonic clock whose moments are f64 milliseconds since it was
/// created: the *unsafe shared current time* of the globals this crate
/// reports to. Clones share the same zero.
#[derive(Debug, Clone)]
pub struct Clock {
    zero: Arc<Instant>,
}

impl Clock {
    /// A clock whose zero is now.
    pub fn new() -> Self {
        Clock {
            zero: Arc::new(Instant::now()),
        }
    }

    /// The current moment, in ms since the clock's zero (never 0, so that
    /// Fetch's "0 means unset" never hides a real moment).
    pub fn now(&self) -> f64 {
        self.zero.elapsed().as_secs_f64() * 1000.0 + 0.001
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}
