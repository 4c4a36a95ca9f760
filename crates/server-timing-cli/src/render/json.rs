//! What every `--json` tool report shares: numbers in the forms
//! `JSON.stringify` writes, and a metric's `{name, duration, description}`.
//!
//! The reports are `#[derive(Serialize)]` and written by `serde_json`; the
//! hand-written writer in `fetch_headers::json` is kept for `toJSON()` output.

use serde::{Serialize, Serializer};
use server_timing::PerformanceServerTiming;

/// A JavaScript number as `JSON.stringify` writes it: `-0` as `0`,
/// `Infinity`, `-Infinity` and `NaN` as `null`, integral values without
/// `.0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JsNumber(pub f64);

/// 2^53: integers below it are exact in an `f64` and in an `i64`.
const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;

impl Serialize for JsNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        if !x.is_finite() {
            serializer.serialize_none()
        } else if x.fract() == 0.0 && x.abs() < EXACT_INTEGERS {
            // -0.0 as i64 is 0, as JSON.stringify writes it.
            serializer.serialize_i64(x as i64)
        } else {
            serializer.serialize_f64(x)
        }
    }
}

/// A metric as its `toJSON()` has it.
#[derive(Debug, Serialize)]
pub struct MetricJson<'a> {
    /// `name`.
    pub name: &'a str,
    /// `duration`.
    pub duration: JsNumber,
    /// `description`.
    pub description: &'a str,
}

impl<'a> From<&'a PerformanceServerTiming> for MetricJson<'a> {
    fn from(metric: &'a PerformanceServerTiming) -> Self {
        MetricJson {
            name: metric.name(),
            duration: JsNumber(metric.duration()),
            description: metric.description(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_json_stringify_writes_them() {
        let cases = [
            (53.0, "53"),
            (-0.0, "0"),
            (23.2, "23.2"),
            (f64::INFINITY, "null"),
            (f64::NEG_INFINITY, "null"),
            (f64::NAN, "null"),
            (-7.0, "-7"),
            (0.5, "0.5"),
        ];
        for (x, json) in cases {
            assert_eq!(serde_json::to_string(&JsNumber(x)).unwrap(), json, "{x}");
        }
    }
}
