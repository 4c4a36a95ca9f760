//! The owned object model: `PerformanceServerTiming`.

use std::fmt;
use std::sync::Arc;

use crate::list::text_part;
use crate::parser::Metric;
use fetch_headers::json::{write_console_number, write_js_number, write_json_string};

/// A [`PerformanceServerTiming`] object: one metric of a `Server-Timing`
/// header as a page sees it.
///
/// Immutable and cheap to clone (one reference count), so an embedder can keep
/// the same objects in a `FrozenArray` and hand out copies freely.
///
/// ```
/// use server_timing::PerformanceServerTiming;
/// let metric = PerformanceServerTiming::new("cache", 23.2, "Cache Read");
/// assert_eq!(metric.name(), "cache");
/// assert_eq!(metric.to_json(), r#"{"name":"cache","duration":23.2,"description":"Cache Read"}"#);
/// ```
///
/// [`PerformanceServerTiming`]: <https://w3c.github.io/server-timing/#the-performanceservertiming-interface>
#[derive(Clone)]
pub struct PerformanceServerTiming {
    /// The name, `name.1` bytes from `name.0`, and the description,
    /// `description.1` bytes from `description.0`, in a shared text: one
    /// metric's own (the name then the description, from [`new`](Self::new)),
    /// or the text of the [`ServerTimingList`](crate::ServerTimingList) the
    /// metric was made from.
    text: Arc<str>,
    name: (usize, usize),
    description: (usize, usize),
    duration: f64,
}

impl PerformanceServerTiming {
    /// A metric with the given attribute values.
    pub fn new(name: &str, duration: f64, description: &str) -> Self {
        PerformanceServerTiming {
            text: concat_shared(name, description),
            name: (0, name.len()),
            description: (name.len(), description.len()),
            duration,
        }
    }

    /// Owned metrics for borrowed ones, in order, with the text of them all
    /// in one shared allocation: the objects of a
    /// [`ServerTimingList`](crate::ServerTimingList) of them. Equal, metric
    /// by metric, to converting each with `PerformanceServerTiming::from`,
    /// with fewer allocations.
    ///
    /// ```
    /// use server_timing::{parse_server_timing, PerformanceServerTiming};
    /// let metrics = PerformanceServerTiming::collect_metrics(parse_server_timing(b"a;desc=x, b;dur=2"));
    /// assert_eq!((metrics[0].name(), metrics[0].description()), ("a", "x"));
    /// assert_eq!((metrics[1].name(), metrics[1].duration()), ("b", 2.0));
    /// ```
    pub fn collect_metrics<'a>(metrics: impl IntoIterator<Item = Metric<'a>>) -> Vec<Self> {
        metrics
            .into_iter()
            .collect::<crate::ServerTimingList>()
            .to_objects()
    }

    /// The object whose name is `name.1` bytes from `name.0` of `text`, and
    /// whose description is likewise: one metric of a list that shares
    /// `text`.
    #[inline]
    pub(crate) fn in_shared_text(
        text: Arc<str>,
        name: (usize, usize),
        description: (usize, usize),
        duration: f64,
    ) -> Self {
        PerformanceServerTiming {
            text,
            name,
            description,
            duration,
        }
    }

    /// The [`name`](https://w3c.github.io/server-timing/#dom-performanceservertiming-name)
    /// attribute: the metric name.
    #[inline]
    pub fn name(&self) -> &str {
        text_part(&self.text, self.name)
    }

    /// The [`duration`](https://w3c.github.io/server-timing/#the-duration-attribute)
    /// attribute, a `DOMHighResTimeStamp` in milliseconds: the `dur` param by
    /// HTML's float rules, 0 when absent or invalid.
    #[inline]
    pub fn duration(&self) -> f64 {
        self.duration
    }

    /// The [`description`](https://w3c.github.io/server-timing/#the-description-attribute)
    /// attribute: the `desc` param, "" when absent.
    #[inline]
    pub fn description(&self) -> &str {
        text_part(&self.text, self.description)
    }

    /// [`toJSON()`](https://w3c.github.io/server-timing/#dom-performanceservertiming-tojson)
    /// serialized the way `JSON.stringify` writes it: exactly
    /// `{"name":…,"duration":…,"description":…}`, in that order.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(48 + self.name.1 + self.description.1);
        self.write_json(&mut out);
        out
    }

    /// Appends [`to_json`](Self::to_json)'s text to `out`.
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"name\":");
        write_json_string(out, self.name());
        out.push_str(",\"duration\":");
        write_js_number(out, self.duration);
        out.push_str(",\"description\":");
        write_json_string(out, self.description());
        out.push('}');
    }

    /// True when both handles share one object (JavaScript identity).
    pub fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.text, &other.text) && self.name.0 == other.name.0
    }
}

/// `a` followed by `b` in one new `Arc<str>`. Short texts are joined on the
/// stack first, so that the `Arc` is the only allocation.
pub(crate) fn concat_shared(a: &str, b: &str) -> Arc<str> {
    const STACK: usize = 192;
    let len = a.len() + b.len();
    if len <= STACK {
        let mut buf = [0u8; STACK];
        buf[..a.len()].copy_from_slice(a.as_bytes());
        buf[a.len()..len].copy_from_slice(b.as_bytes());
        // Two strings joined are valid UTF-8, so this never takes the fallback.
        if let Ok(joined) = std::str::from_utf8(&buf[..len]) {
            return Arc::from(joined);
        }
    }
    let mut text = String::with_capacity(len);
    text.push_str(a);
    text.push_str(b);
    Arc::from(text)
}

/// Equal attribute values (not identity; see [`ptr_eq`](Self::ptr_eq)).
impl PartialEq for PerformanceServerTiming {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
            && self.duration == other.duration
            && self.description() == other.description()
    }
}

impl From<&Metric<'_>> for PerformanceServerTiming {
    fn from(metric: &Metric<'_>) -> Self {
        PerformanceServerTiming::new(metric.name(), metric.duration(), metric.description())
    }
}

impl From<Metric<'_>> for PerformanceServerTiming {
    fn from(metric: Metric<'_>) -> Self {
        PerformanceServerTiming::from(&metric)
    }
}

/// The browser console's form:
/// `PerformanceServerTiming {name: "cache", duration: 23.2, description: "Cache Read"}`.
impl fmt::Display for PerformanceServerTiming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::from("PerformanceServerTiming {name: ");
        write_json_string(&mut out, self.name());
        out.push_str(", duration: ");
        // A console shows the number itself where JSON would write null or 0.
        write_console_number(&mut out, self.duration);
        out.push_str(", description: ");
        write_json_string(&mut out, self.description());
        out.push('}');
        f.write_str(&out)
    }
}

impl fmt::Debug for PerformanceServerTiming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerformanceServerTiming")
            .field("name", &self.name())
            .field("duration", &self.duration())
            .field("description", &self.description())
            .finish()
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for PerformanceServerTiming {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("PerformanceServerTiming", 3)?;
        s.serialize_field("name", &self.name())?;
        // JSON.stringify writes -0 as 0 and non-finite numbers as null.
        let duration = self.duration();
        if duration.is_finite() {
            s.serialize_field("duration", &(duration + 0.0))?;
        } else {
            s.serialize_field("duration", &None::<f64>)?;
        }
        s.serialize_field("description", &self.description())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_and_description_survive_the_joined_allocation_at_every_length() {
        // Around the stack buffer's size, and with multi-byte characters.
        for total in [0usize, 1, 191, 192, 193, 400] {
            for name_len in [0, total / 2, total] {
                let name = "n".repeat(name_len);
                let description: String =
                    "é".repeat((total - name_len) / 2) + &"d".repeat((total - name_len) % 2);
                let m = PerformanceServerTiming::new(&name, 1.0, &description);
                assert_eq!((m.name(), m.description()), (&*name, &*description));
            }
        }
    }

    #[test]
    fn to_json_is_exactly_the_three_members() {
        let m = PerformanceServerTiming::new("a\"b", 1e21, "line\nbreak");
        assert_eq!(
            m.to_json(),
            r#"{"name":"a\"b","duration":1e+21,"description":"line\nbreak"}"#
        );
    }

    #[test]
    fn console_form_shows_non_finite_and_negative_zero() {
        let cases = [
            (f64::INFINITY, "Infinity", "null"),
            (f64::NEG_INFINITY, "-Infinity", "null"),
            (-0.0, "-0", "0"),
            (23.2, "23.2", "23.2"),
        ];
        for (duration, console, json) in cases {
            let m = PerformanceServerTiming::new("x", duration, "");
            assert_eq!(
                m.to_string(),
                format!("PerformanceServerTiming {{name: \"x\", duration: {console}, description: \"\"}}")
            );
            assert!(m.to_json().contains(&format!("\"duration\":{json},")));
        }
    }

    #[test]
    fn an_object_whose_place_is_outside_its_text_reads_as_empty() {
        // `text_part`'s own cases are tested in `list.rs`.
        let metric = PerformanceServerTiming::in_shared_text(
            Arc::from("abcé"),
            (3, 1),
            (1, usize::MAX),
            0.0,
        );
        assert_eq!((metric.name(), metric.description()), ("", ""));
    }

    #[test]
    fn clones_share_one_object() {
        let m = PerformanceServerTiming::new("db", 53.0, "");
        let copy = m.clone();
        assert!(m.ptr_eq(&copy));
        assert!(!m.ptr_eq(&PerformanceServerTiming::new("db", 53.0, "")));
        assert_eq!(m, PerformanceServerTiming::new("db", 53.0, ""));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_gives_the_to_json_shape() {
        for m in [
            PerformanceServerTiming::new("cache", 23.2, "Cache Read"),
            PerformanceServerTiming::new("x", -0.0, "\u{1}"),
        ] {
            let via_serde: serde_json::Value = serde_json::to_value(&m).unwrap();
            let via_to_json: serde_json::Value = serde_json::from_str(&m.to_json()).unwrap();
            // serde_json tells 0 from 0.0; JSON does not, so compare the numbers' values.
            assert_eq!(via_serde["name"], via_to_json["name"]);
            assert_eq!(via_serde["description"], via_to_json["description"]);
            assert_eq!(
                via_serde["duration"].as_f64(),
                via_to_json["duration"].as_f64()
            );
            let keys: Vec<_> = via_serde.as_object().unwrap().keys().cloned().collect();
            assert_eq!(keys.len(), 3);
        }
    }
}
