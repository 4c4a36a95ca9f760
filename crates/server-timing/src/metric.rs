//! The owned object model: `PerformanceServerTiming`.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::parser::{parse_server_timing, Metric};
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
    /// metric's own
    /// (the name then the description), the text of all the metrics of one
    /// header ([`collect_metrics`](Self::collect_metrics)), or the header's
    /// field value itself ([`parse_server_timing_header_lines`]).
    ///
    /// [`parse_server_timing_header_lines`]: crate::parse_server_timing_header_lines
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
    /// in one shared allocation: what a `FrozenArray` of one header's
    /// metrics holds. Equal, metric by metric, to converting each with
    /// `PerformanceServerTiming::from`, with fewer allocations.
    ///
    /// ```
    /// use server_timing::{parse_server_timing, PerformanceServerTiming};
    /// let metrics = PerformanceServerTiming::collect_metrics(parse_server_timing(b"a;desc=x, b;dur=2"));
    /// assert_eq!((metrics[0].name(), metrics[0].description()), ("a", "x"));
    /// assert_eq!((metrics[1].name(), metrics[1].duration()), ("b", 2.0));
    /// ```
    pub fn collect_metrics<'a>(metrics: impl IntoIterator<Item = Metric<'a>>) -> Vec<Self> {
        Self::collect_metrics_with_capacity(metrics, 0)
    }

    /// [`collect_metrics`](Self::collect_metrics) with room for `capacity`
    /// bytes of text reserved up front (the field value's length is a good
    /// guess: names and descriptions are parts of it).
    pub(crate) fn collect_metrics_with_capacity<'a>(
        metrics: impl IntoIterator<Item = Metric<'a>>,
        capacity: usize,
    ) -> Vec<Self> {
        let mut text = String::with_capacity(capacity);
        // (name, description, duration) of each metric. A member of a field
        // value rarely takes fewer than 16 bytes, so this usually saves the
        // growth steps (it is freed below).
        type Span = (usize, usize);
        let mut spans: Vec<(Span, Span, f64)> = Vec::with_capacity(capacity / 16 + 1);
        for metric in metrics {
            let name_start = text.len();
            text.push_str(metric.name());
            let name_end = text.len();
            text.push_str(metric.description());
            spans.push((
                (name_start, name_end - name_start),
                (name_end, text.len() - name_end),
                metric.duration(),
            ));
        }
        let text: Arc<str> = Arc::from(text);
        spans
            .into_iter()
            .map(|(name, description, duration)| PerformanceServerTiming {
                text: text.clone(),
                name,
                description,
                duration,
            })
            .collect()
    }

    /// The metrics of one combined field value, sharing the value itself as
    /// their text: one allocation for the text (a copy of the value) and one
    /// for the list, whatever the number of metrics. A description that had
    /// to be unescaped or decoded from Latin-1 is not in the value; such a
    /// metric gets a text of its own, as [`new`](Self::new) makes. A value
    /// that is not UTF-8 cannot be shared as `str`, and a long one of which
    /// the metrics use less than a quarter is not kept whole: both are read
    /// as [`collect_metrics`](Self::collect_metrics) does.
    pub(crate) fn from_field_value(value: &[u8]) -> Vec<Self> {
        if value.len() > SHARE_WHOLE_VALUE_UP_TO {
            return Self::from_long_field_value(value);
        }
        Self::share_field_value::<false>(value)
    }

    /// [`from_field_value`](Self::from_field_value) for a value over
    /// [`SHARE_WHOLE_VALUE_UP_TO`] bytes, which counts the bytes its
    /// metrics use.
    #[inline(never)]
    fn from_long_field_value(value: &[u8]) -> Vec<Self> {
        Self::share_field_value::<true>(value)
    }

    /// The metrics of `value` sharing it as their text; when `LONG`, kept
    /// whole only if they use at least a quarter of it.
    #[inline(always)]
    fn share_field_value<const LONG: bool>(value: &[u8]) -> Vec<Self> {
        let mut metrics = parse_server_timing(value);
        let Some(text) = metrics.text() else {
            return Self::collect_metrics_with_capacity(metrics, value.len());
        };
        let shared: Arc<str> = Arc::from(text);
        // Where `part` starts in `text`, and its length, when it is a slice
        // of it. Live allocations never overlap, so a non-empty part whose
        // bytes lie within the value's is a borrow of it; an empty part can
        // take any empty range.
        let base = text.as_ptr() as usize;
        let place_in_text = |part: &str| -> Option<(usize, usize)> {
            if part.is_empty() {
                return Some((0, 0));
            }
            let start = (part.as_ptr() as usize).wrapping_sub(base);
            (start <= text.len() && part.len() <= text.len() - start).then_some((start, part.len()))
        };
        // As in `collect_metrics_with_capacity`: rarely fewer than 16 bytes
        // a member.
        let mut list = Vec::with_capacity(value.len() / 16 + 1);
        // Bytes of the value that the metrics' names and descriptions use.
        let mut used = 0;
        while let Some(metric) = metrics.next_inlined() {
            // Taken apart, so that the metric never needs an address (which
            // would send it through memory).
            let (name, name_start, description, duration) = metric.into_owned_parts();
            let borrowed = match &description {
                Cow::Borrowed(d) => place_in_text(d),
                Cow::Owned(_) => None,
            };
            match borrowed {
                // A metric's name is always borrowed from the value, and its
                // member starts with it.
                Some(description) => {
                    if LONG {
                        used += name.len() + description.1;
                    }
                    let metric = PerformanceServerTiming {
                        text: shared.clone(),
                        name: (name_start, name.len()),
                        description,
                        duration,
                    };
                    // With room known, `push` cannot grow the list, and the
                    // metric is written straight into it.
                    if list.len() < list.capacity() {
                        list.push(metric);
                    } else {
                        push_growing(&mut list, metric);
                    }
                }
                None => list.push(PerformanceServerTiming::new(name, duration, &description)),
            }
        }
        if LONG {
            return Self::compact_if_mostly_unused(value, used, list);
        }
        list
    }

    /// `list`, or, when its metrics use less than a quarter of the long
    /// field value they share (junk, unknown params, long `dur`s), the same
    /// metrics with only their own text copied, so that they do not keep
    /// the whole value alive.
    #[cold]
    #[inline(never)]
    fn compact_if_mostly_unused(value: &[u8], used: usize, list: Vec<Self>) -> Vec<Self> {
        if used < value.len() / 4 {
            Self::collect_metrics_with_capacity(parse_server_timing(value), used)
        } else {
            list
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

/// The `len` bytes of `text` from `start`, or "" when they are not a part
/// of it (which construction never makes). Cut as the text from `start`,
/// then its first `len` bytes, which tests fewer bounds than a range does.
#[inline(always)]
fn text_part(text: &str, (start, len): (usize, usize)) -> &str {
    text.get(start..)
        .and_then(|rest| rest.get(..len))
        .unwrap_or_else(|| no_text())
}

/// What a getter gives for a range outside its text, which construction
/// never makes: out of line, so the getters branch on it rather than
/// select.
#[cold]
#[inline(never)]
fn no_text() -> &'static str {
    ""
}

/// `list.push(metric)` when the list is full: rare (the list is made with
/// room for a metric every 16 bytes), and out of line.
#[cold]
#[inline(never)]
fn push_growing(list: &mut Vec<PerformanceServerTiming>, metric: PerformanceServerTiming) {
    list.push(metric);
}

/// Up to this length, [`PerformanceServerTiming::from_field_value`] always
/// keeps the whole field value as the metrics' text; above it, only when the
/// metrics use at least a quarter of it.
const SHARE_WHOLE_VALUE_UP_TO: usize = 1024;

/// `a` followed by `b` in one new `Arc<str>`. Short texts are joined on the
/// stack first, so that the `Arc` is the only allocation.
fn concat_shared(a: &str, b: &str) -> Arc<str> {
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
    fn a_field_value_is_shared_whole_unless_long_and_mostly_unused() {
        // Short: the metrics' text is the value itself.
        let short = PerformanceServerTiming::from_field_value(b"db;dur=53, app;desc=x");
        assert_eq!(short[0].text.len(), 21);
        assert!(Arc::ptr_eq(&short[0].text, &short[1].text));
        assert_eq!((short[1].name(), short[1].description()), ("app", "x"));
        // Long, with little of it in names and descriptions: copied.
        let mut long = b"m;desc=d".to_vec();
        for _ in 0..300 {
            long.extend_from_slice(b";zz=1");
        }
        long.extend_from_slice(b", n;dur=2");
        let metrics = PerformanceServerTiming::from_field_value(&long);
        assert_eq!(metrics.len(), 2);
        assert_eq!((metrics[0].name(), metrics[0].description()), ("m", "d"));
        assert_eq!((metrics[1].name(), metrics[1].duration()), ("n", 2.0));
        assert_eq!(metrics[0].text.len(), 3);
        // Long and mostly used: shared whole.
        let used = format!("m;desc=\"{}\"", "d".repeat(2000));
        let metrics = PerformanceServerTiming::from_field_value(used.as_bytes());
        assert_eq!(metrics[0].text.len(), used.len());
        assert_eq!(metrics[0].description().len(), 2000);
    }

    #[test]
    fn a_list_with_more_metrics_than_its_first_room_grows_and_keeps_them_all() {
        // Mostly one-byte members: 300 metrics in 671 bytes, where the list starts
        // with room for one every 16 bytes; some have escaped descriptions
        // (their own text), the rest share the value.
        let mut value = String::new();
        for i in 0..300 {
            if i > 0 {
                value.push(',');
            }
            if i % 50 == 7 {
                value.push_str("e;desc=\"a\\\"b\"");
            } else {
                value.push(char::from(b'a' + (i % 26) as u8));
            }
        }
        let shared = PerformanceServerTiming::from_field_value(value.as_bytes());
        let one_by_one: Vec<PerformanceServerTiming> = parse_server_timing(value.as_bytes())
            .map(PerformanceServerTiming::from)
            .collect();
        assert_eq!(shared.len(), 300);
        assert_eq!(shared, one_by_one);
        assert_eq!(shared[7].description(), "a\"b");
        assert_eq!(shared[299].name(), "n");
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
    fn a_place_outside_the_text_reads_as_empty_and_never_panics() {
        let made = |name: (usize, usize), description: (usize, usize)| PerformanceServerTiming {
            text: Arc::from("abcé"),
            name,
            description,
            duration: 0.0,
        };
        // Inside the text, on char boundaries: the part.
        let metric = made((0, 3), (3, 2));
        assert_eq!((metric.name(), metric.description()), ("abc", "é"));
        let metric = made((1, 0), (5, 0));
        assert_eq!((metric.name(), metric.description()), ("", ""));
        // Past the end, inside `é`, or a length that overflows: "".
        for place in [
            (6, 0),
            (2, 4),
            (3, 1),
            (4, 1),
            (1, usize::MAX),
            (usize::MAX, 1),
        ] {
            let metric = made(place, place);
            assert_eq!((metric.name(), metric.description()), ("", ""), "{place:?}");
        }
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
