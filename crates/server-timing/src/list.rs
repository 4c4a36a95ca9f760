//! The owned list of one response's metrics: [`ServerTimingList`].

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::metric::{concat_shared, PerformanceServerTiming};
use crate::parser::{parse_server_timing, Metric};

/// The metrics of one response's `Server-Timing` header, owned: the data
/// behind its `serverTiming` `FrozenArray`, as an engine keeps it until a
/// page asks for the objects.
///
/// All the names and descriptions live in one shared text, and each metric
/// is a few numbers into it. Making the list takes two allocations (the text
/// and the list), whatever the number of metrics. Reading it in place
/// ([`iter`](Self::iter)) takes none. [`PerformanceServerTiming`] objects are
/// made when asked for ([`get`](Self::get), [`to_objects`](Self::to_objects)).
/// They share the list's text, so the objects for one metric are the same
/// object ([`PerformanceServerTiming::ptr_eq`]), however often they are made.
///
/// ```
/// use server_timing::ServerTimingList;
///
/// let list = ServerTimingList::from_header_lines([&b"cache;desc=\"Cache Read\";dur=23.2"[..], b"db;dur=53"]);
/// assert_eq!(list.len(), 2);
/// let read: Vec<_> = list.iter().map(|m| (m.name(), m.duration(), m.description())).collect();
/// assert_eq!(read, [("cache", 23.2, "Cache Read"), ("db", 53.0, "")]);
/// // Objects, when a page asks: the same object each time.
/// let (first, again) = (list.get(0).unwrap(), list.get(0).unwrap());
/// assert!(first.ptr_eq(&again));
/// assert_eq!(first.to_json(), r#"{"name":"cache","duration":23.2,"description":"Cache Read"}"#);
/// ```
///
/// Cloning copies the list of numbers and shares the text; objects made from
/// a clone are the same objects as those made from the original.
#[derive(Clone)]
pub struct ServerTimingList {
    text: Arc<str>,
    metrics: Vec<Place>,
}

/// One metric in a list: its name, `name.1` bytes from `name.0` of the
/// list's text, its description, likewise, and its duration.
#[derive(Clone, Copy, Debug)]
struct Place {
    name: (usize, usize),
    description: (usize, usize),
    duration: f64,
}

/// One metric of a [`ServerTimingList`], read in place: the attributes of
/// a `PerformanceServerTiming` object, without making one.
#[derive(Clone, Copy)]
pub struct ServerTimingEntry<'a> {
    list: &'a ServerTimingList,
    place: &'a Place,
}

impl<'a> ServerTimingEntry<'a> {
    /// The [`name`](https://w3c.github.io/server-timing/#dom-performanceservertiming-name)
    /// attribute.
    #[inline]
    pub fn name(&self) -> &'a str {
        text_part(&self.list.text, self.place.name)
    }

    /// The [`duration`](https://w3c.github.io/server-timing/#the-duration-attribute)
    /// attribute, in milliseconds.
    #[inline]
    pub fn duration(&self) -> f64 {
        self.place.duration
    }

    /// The [`description`](https://w3c.github.io/server-timing/#the-description-attribute)
    /// attribute.
    #[inline]
    pub fn description(&self) -> &'a str {
        text_part(&self.list.text, self.place.description)
    }

    /// The `PerformanceServerTiming` object for this metric (the same
    /// object each time it is made; see [`ServerTimingList`]).
    pub fn to_object(&self) -> PerformanceServerTiming {
        PerformanceServerTiming::in_shared_text(
            self.list.text.clone(),
            self.place.name,
            self.place.description,
            self.place.duration,
        )
    }
}

impl fmt::Debug for ServerTimingEntry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTimingEntry")
            .field("name", &self.name())
            .field("duration", &self.duration())
            .field("description", &self.description())
            .finish()
    }
}

impl ServerTimingList {
    /// The metrics of every `Server-Timing` line of a response, in order:
    /// the lines combined as Fetch's *get* does (joined by `", "`), then
    /// parsed, as [`parse_server_timing_header_lines`] does.
    ///
    /// [`parse_server_timing_header_lines`]: crate::parse_server_timing_header_lines
    pub fn from_header_lines<'a, I, V>(lines: I) -> Self
    where
        I: IntoIterator<Item = &'a V>,
        V: AsRef<[u8]> + ?Sized + 'a,
    {
        match fetch_headers::get_a_header(lines) {
            Some(value) => Self::from_field_value(&value),
            None => Self::default(),
        }
    }

    /// [`from_header_lines`](Self::from_header_lines) over the
    /// `Server-Timing` lines of an [`http::HeaderMap`].
    ///
    /// ```
    /// let mut headers = http::HeaderMap::new();
    /// headers.append("server-timing", "miss, db;dur=53".parse().unwrap());
    /// headers.append("server-timing", "app;desc=\"a \\\"b\\\"\"".parse().unwrap());
    /// let list = server_timing::ServerTimingList::from_header_map(&headers);
    /// let read: Vec<_> = list.iter().map(|m| (m.name(), m.description())).collect();
    /// assert_eq!(read, [("miss", ""), ("db", ""), ("app", "a \"b\"")]);
    /// ```
    pub fn from_header_map(headers: &http::HeaderMap) -> Self {
        Self::from_header_lines(headers.get_all(crate::SERVER_TIMING).iter())
    }

    /// The metrics of one combined field value.
    ///
    /// The text is a copy of the value itself, so that names and
    /// descriptions need no copying of their own; a description that had to
    /// be unescaped or decoded from Latin-1 is added after it. A value that
    /// is not UTF-8 cannot be shared as `str`, and a long one of which the
    /// metrics use less than a quarter is not kept whole: in both, the text
    /// is the metrics' names and descriptions only, as
    /// [`collect`](Iterator::collect) into a list makes it.
    pub fn from_field_value(value: &[u8]) -> Self {
        read_field_value::<ListBuilder>(value)
    }

    /// The metrics with a text of their own names and descriptions only,
    /// with room for `capacity` bytes of it reserved up front.
    pub(crate) fn collect_with_capacity<'a>(
        metrics: impl IntoIterator<Item = Metric<'a>>,
        capacity: usize,
    ) -> Self {
        let mut text = String::with_capacity(capacity);
        let mut places = Vec::with_capacity(capacity / 16 + 1);
        for metric in metrics {
            let name_start = text.len();
            text.push_str(metric.name());
            let name_end = text.len();
            text.push_str(metric.description());
            places.push(Place {
                name: (name_start, name_end - name_start),
                description: (name_end, text.len() - name_end),
                duration: metric.duration(),
            });
        }
        ServerTimingList {
            text: Arc::from(text),
            metrics: places,
        }
    }

    /// The number of metrics.
    #[inline]
    pub fn len(&self) -> usize {
        self.metrics.len()
    }

    /// True when there is no metric.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.metrics.is_empty()
    }

    /// The metric at `index`, read in place.
    #[inline]
    pub fn entry(&self, index: usize) -> Option<ServerTimingEntry<'_>> {
        self.metrics
            .get(index)
            .map(|place| ServerTimingEntry { list: self, place })
    }

    /// The `PerformanceServerTiming` object of the metric at `index`: the
    /// same object each time.
    pub fn get(&self, index: usize) -> Option<PerformanceServerTiming> {
        self.entry(index).map(|entry| entry.to_object())
    }

    /// The metrics in order, read in place.
    #[inline]
    pub fn iter(&self) -> ServerTimingIter<'_> {
        ServerTimingIter {
            list: self,
            places: self.metrics.iter(),
        }
    }

    /// The `PerformanceServerTiming` objects of all the metrics, in order:
    /// what the `serverTiming` getter gives a page.
    pub fn to_objects(&self) -> Vec<PerformanceServerTiming> {
        self.iter().map(|entry| entry.to_object()).collect()
    }
}

/// The objects of one combined field value, sharing the value itself as
/// their text, as [`ServerTimingList::from_field_value`] would give them
/// (what `parse_server_timing_header_lines` gives), made without the list in
/// between. A metric whose description is not in the value gets a text of
/// its own, as [`PerformanceServerTiming::new`] makes.
pub(crate) fn objects_of_field_value(value: &[u8]) -> Vec<PerformanceServerTiming> {
    read_field_value::<ObjectsBuilder>(value)
}

/// What the readings of a field value that share it as text build, metric
/// by metric: a [`ServerTimingList`] or its objects.
trait Builder {
    /// What is built.
    type Built;
    /// A start on the metrics of the field value `text`, with room for
    /// `room` of them.
    fn start(text: &str, room: usize) -> Self;
    /// The metric at `place`, whose description is a part of the text.
    fn push_shared(&mut self, place: Place);
    /// A metric whose description is not a part of the text (unescaped or
    /// decoded); its name starts at `name_start`.
    fn push_own(
        &mut self,
        text: &str,
        name: &str,
        name_start: usize,
        description: &str,
        duration: f64,
    );
    /// Bytes of text the metrics pushed so far use.
    fn used(&self) -> usize;
    /// What was built, over `text`.
    fn finish(self, text: &str) -> Self::Built;
    /// The same, from a list with a text of its own (the fallbacks).
    fn from_list(list: ServerTimingList) -> Self::Built;
}

/// Builds a [`ServerTimingList`].
struct ListBuilder {
    metrics: Vec<Place>,
    /// Descriptions that are not in the value (unescaped or decoded), one
    /// after another; they go after the value in the text.
    added: String,
    used: usize,
}

impl Builder for ListBuilder {
    type Built = ServerTimingList;

    #[inline(always)]
    fn start(_: &str, room: usize) -> Self {
        ListBuilder {
            metrics: Vec::with_capacity(room),
            added: String::new(),
            used: 0,
        }
    }

    #[inline(always)]
    fn push_shared(&mut self, place: Place) {
        self.used += place.name.1 + place.description.1;
        push(&mut self.metrics, place);
    }

    #[inline(always)]
    fn push_own(
        &mut self,
        text: &str,
        name: &str,
        name_start: usize,
        description: &str,
        duration: f64,
    ) {
        let start = text.len() + self.added.len();
        self.added.push_str(description);
        self.push_shared(Place {
            name: (name_start, name.len()),
            description: (start, description.len()),
            duration,
        });
    }

    #[inline(always)]
    fn used(&self) -> usize {
        self.used
    }

    #[inline(always)]
    fn finish(self, text: &str) -> ServerTimingList {
        let text: Arc<str> = if self.added.is_empty() {
            Arc::from(text)
        } else {
            concat_shared(text, &self.added)
        };
        ServerTimingList {
            text,
            metrics: self.metrics,
        }
    }

    fn from_list(list: ServerTimingList) -> ServerTimingList {
        list
    }
}

/// Builds the objects of a list, sharing the field value as their text.
struct ObjectsBuilder {
    text: Arc<str>,
    objects: Vec<PerformanceServerTiming>,
    used: usize,
}

impl Builder for ObjectsBuilder {
    type Built = Vec<PerformanceServerTiming>;

    #[inline(always)]
    fn start(text: &str, room: usize) -> Self {
        ObjectsBuilder {
            text: Arc::from(text),
            objects: Vec::with_capacity(room),
            used: 0,
        }
    }

    #[inline(always)]
    fn push_shared(&mut self, place: Place) {
        self.used += place.name.1 + place.description.1;
        let object = PerformanceServerTiming::in_shared_text(
            self.text.clone(),
            place.name,
            place.description,
            place.duration,
        );
        push(&mut self.objects, object);
    }

    #[inline(always)]
    fn push_own(&mut self, _: &str, name: &str, _: usize, description: &str, duration: f64) {
        self.used += name.len() + description.len();
        push(
            &mut self.objects,
            PerformanceServerTiming::new(name, duration, description),
        );
    }

    #[inline(always)]
    fn used(&self) -> usize {
        self.used
    }

    #[inline(always)]
    fn finish(self, _: &str) -> Vec<PerformanceServerTiming> {
        self.objects
    }

    fn from_list(list: ServerTimingList) -> Vec<PerformanceServerTiming> {
        list.to_objects()
    }
}

/// Reads a field value into what `B` builds, sharing the value as the
/// metrics' text; a long value only if they use at least a quarter of it.
#[inline(always)]
fn read_field_value<B: Builder>(value: &[u8]) -> B::Built {
    if value.len() > SHARE_WHOLE_VALUE_UP_TO {
        return read_long_field_value::<B>(value);
    }
    share_field_value::<false, B>(value)
}

/// [`read_field_value`] for a value over [`SHARE_WHOLE_VALUE_UP_TO`] bytes,
/// which counts the bytes its metrics use.
#[inline(never)]
fn read_long_field_value<B: Builder>(value: &[u8]) -> B::Built {
    share_field_value::<true, B>(value)
}

/// The metrics of `value` built by `B` with the value as their text; when
/// `LONG`, kept whole only if they use at least a quarter of it.
#[inline(always)]
fn share_field_value<const LONG: bool, B: Builder>(value: &[u8]) -> B::Built {
    let mut parsed = parse_server_timing(value);
    let Some(text) = parsed.text() else {
        return B::from_list(ServerTimingList::collect_with_capacity(parsed, value.len()));
    };
    // Where `part` starts in `text`, when it is a slice of it. Live
    // allocations never overlap, so a non-empty part whose bytes lie within
    // the value's is a borrow of it; an empty part can take any empty range.
    let base = text.as_ptr() as usize;
    let place_in_text = |part: &str| -> Option<(usize, usize)> {
        if part.is_empty() {
            return Some((0, 0));
        }
        let start = (part.as_ptr() as usize).wrapping_sub(base);
        (start <= text.len() && part.len() <= text.len() - start).then_some((start, part.len()))
    };
    // A member of a field value rarely takes fewer than 16 bytes, so this
    // usually saves the growth steps.
    let mut built = B::start(text, value.len() / 16 + 1);
    while let Some(metric) = parsed.next_inlined() {
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
            Some(description) => built.push_shared(Place {
                name: (name_start, name.len()),
                description,
                duration,
            }),
            None => built.push_own(text, name, name_start, &description, duration),
        }
    }
    if LONG && built.used() < value.len() / 4 {
        return compact::<B>(value, built.used());
    }
    built.finish(text)
}

/// The metrics of a long field value of which they use only `used` bytes
/// (junk, unknown params, long `dur`s), with only their own text copied,
/// so that they do not keep the whole value alive.
#[cold]
#[inline(never)]
fn compact<B: Builder>(value: &[u8], used: usize) -> B::Built {
    B::from_list(ServerTimingList::collect_with_capacity(
        parse_server_timing(value),
        used,
    ))
}

/// `list.push(item)`: with room known, `push` cannot grow the list, and the
/// item is written straight into it.
#[inline(always)]
fn push<T>(list: &mut Vec<T>, item: T) {
    if list.len() < list.capacity() {
        list.push(item);
    } else {
        push_growing(list, item);
    }
}

/// The `len` bytes of `text` from `start`, or "" when they are not a part
/// of it (which construction never makes). Cut as the text from `start`,
/// then its first `len` bytes, which tests fewer bounds than a range does.
#[inline(always)]
pub(crate) fn text_part(text: &str, (start, len): (usize, usize)) -> &str {
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

/// `list.push(item)` when the list is full: rare (the list is made with
/// room for a metric every 16 bytes), and out of line.
#[cold]
#[inline(never)]
fn push_growing<T>(list: &mut Vec<T>, item: T) {
    list.push(item);
}

/// Up to this length, [`read_field_value`] always keeps
/// the whole field value as the metrics' text; above it, only when the
/// metrics use at least a quarter of it.
const SHARE_WHOLE_VALUE_UP_TO: usize = 1024;

/// An empty list.
impl Default for ServerTimingList {
    fn default() -> Self {
        ServerTimingList {
            text: Arc::from(""),
            metrics: Vec::new(),
        }
    }
}

/// A list of the given metrics, in order, with a text of their names and
/// descriptions only (what an engine profile's reading, or metrics from
/// elsewhere, become).
impl<'a> FromIterator<Metric<'a>> for ServerTimingList {
    fn from_iter<I: IntoIterator<Item = Metric<'a>>>(metrics: I) -> Self {
        Self::collect_with_capacity(metrics, 0)
    }
}

/// Equal attribute values, metric by metric (not identity).
impl PartialEq for ServerTimingList {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self.iter().zip(other.iter()).all(|(a, b)| {
                a.name() == b.name()
                    && a.duration() == b.duration()
                    && a.description() == b.description()
            })
    }
}

impl fmt::Debug for ServerTimingList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The metrics of a [`ServerTimingList`] in order, read in place; made by
/// [`ServerTimingList::iter`].
#[derive(Clone)]
pub struct ServerTimingIter<'a> {
    list: &'a ServerTimingList,
    places: std::slice::Iter<'a, Place>,
}

impl<'a> Iterator for ServerTimingIter<'a> {
    type Item = ServerTimingEntry<'a>;

    #[inline]
    fn next(&mut self) -> Option<ServerTimingEntry<'a>> {
        let list = self.list;
        self.places
            .next()
            .map(|place| ServerTimingEntry { list, place })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.places.size_hint()
    }
}

impl ExactSizeIterator for ServerTimingIter<'_> {}

impl<'a> DoubleEndedIterator for ServerTimingIter<'a> {
    #[inline]
    fn next_back(&mut self) -> Option<ServerTimingEntry<'a>> {
        let list = self.list;
        self.places
            .next_back()
            .map(|place| ServerTimingEntry { list, place })
    }
}

impl std::iter::FusedIterator for ServerTimingIter<'_> {}

impl<'a> IntoIterator for &'a ServerTimingList {
    type Item = ServerTimingEntry<'a>;
    type IntoIter = ServerTimingIter<'a>;

    fn into_iter(self) -> ServerTimingIter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_value_is_shared_whole_unless_long_and_mostly_unused() {
        // Short: the metrics' text is the value itself.
        let short = ServerTimingList::from_field_value(b"db;dur=53, app;desc=x");
        assert_eq!(&*short.text, "db;dur=53, app;desc=x");
        let app = short.entry(1).unwrap();
        assert_eq!((app.name(), app.description()), ("app", "x"));
        // Long, with little of it in names and descriptions: copied.
        let mut long = b"m;desc=d".to_vec();
        for _ in 0..300 {
            long.extend_from_slice(b";zz=1");
        }
        long.extend_from_slice(b", n;dur=2");
        let metrics = ServerTimingList::from_field_value(&long);
        assert_eq!(metrics.len(), 2);
        assert_eq!(&*metrics.text, "mdn");
        let (m, n) = (metrics.entry(0).unwrap(), metrics.entry(1).unwrap());
        assert_eq!((m.name(), m.description()), ("m", "d"));
        assert_eq!((n.name(), n.duration()), ("n", 2.0));
        // Long and mostly used: shared whole.
        let used = format!("m;desc=\"{}\"", "d".repeat(2000));
        let metrics = ServerTimingList::from_field_value(used.as_bytes());
        assert_eq!(metrics.text.len(), used.len());
        assert_eq!(metrics.entry(0).unwrap().description().len(), 2000);
    }

    #[test]
    fn unescaped_and_decoded_descriptions_go_after_the_value() {
        let value = b"a;desc=\"x\\\"y\", b;desc=plain, c;desc=\"caf\xe9\"";
        // Not UTF-8 (the Latin-1 byte): names and descriptions only.
        let list = ServerTimingList::from_field_value(value);
        let read: Vec<_> = list.iter().map(|m| (m.name(), m.description())).collect();
        assert_eq!(read, [("a", "x\"y"), ("b", "plain"), ("c", "café")]);
        assert_eq!(&*list.text, "ax\"ybplainccafé");
        // UTF-8, with an escape: the value, then the unescaped description.
        let value = "a;desc=\"x\\\"y\", b;desc=plain";
        let list = ServerTimingList::from_field_value(value.as_bytes());
        let read: Vec<_> = list.iter().map(|m| (m.name(), m.description())).collect();
        assert_eq!(read, [("a", "x\"y"), ("b", "plain")]);
        assert_eq!(&*list.text, format!("{value}x\"y"));
    }

    #[test]
    fn a_list_with_more_metrics_than_its_first_room_grows_and_keeps_them_all() {
        // Mostly one-byte members: 300 metrics in 671 bytes, where the list
        // starts with room for one every 16 bytes; some have escaped
        // descriptions (added after the value).
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
        let list = ServerTimingList::from_field_value(value.as_bytes());
        let one_by_one: ServerTimingList = parse_server_timing(value.as_bytes()).collect();
        assert_eq!(list.len(), 300);
        assert_eq!(list, one_by_one);
        assert_eq!(list.entry(7).unwrap().description(), "a\"b");
        assert_eq!(list.entry(299).unwrap().name(), "n");
        assert!(list.entry(300).is_none() && list.get(300).is_none());
    }

    #[test]
    fn objects_of_one_metric_are_one_object_and_of_others_are_not() {
        let list = ServerTimingList::from_field_value(b"db;dur=53, db;dur=53");
        let again = list.clone();
        let objects = list.to_objects();
        assert!(objects[0].ptr_eq(&list.get(0).unwrap()));
        assert!(objects[0].ptr_eq(&again.get(0).unwrap()));
        assert!(objects[1].ptr_eq(&again.entry(1).unwrap().to_object()));
        // Equal values, other metric or other list: another object.
        assert_eq!(objects[0], objects[1]);
        assert!(!objects[0].ptr_eq(&objects[1]));
        let other = ServerTimingList::from_field_value(b"db;dur=53, db;dur=53");
        assert_eq!(other, list);
        assert!(!objects[0].ptr_eq(&other.get(0).unwrap()));
    }

    #[test]
    fn a_list_and_its_objects_can_be_sent_to_and_shared_with_other_threads() {
        fn sent_and_shared<T: Send + Sync>(_: &T) {}
        let list = ServerTimingList::from_field_value(b"db;dur=53");
        sent_and_shared(&list);
        sent_and_shared(&list.get(0).unwrap());
        let object = std::thread::spawn(move || list.get(0).unwrap())
            .join()
            .unwrap();
        assert_eq!((object.name(), object.duration()), ("db", 53.0));
    }

    #[test]
    fn the_empty_list_and_no_lines() {
        let none: [&[u8]; 0] = [];
        assert!(ServerTimingList::from_header_lines(none).is_empty());
        assert!(ServerTimingList::from_field_value(b" , ;").is_empty());
        assert_eq!(ServerTimingList::default().iter().len(), 0);
        assert_eq!(format!("{:?}", ServerTimingList::default()), "[]");
    }

    #[test]
    fn iterates_both_ways_and_prints_its_attributes() {
        let list = ServerTimingList::from_field_value(b"a;dur=1, b;desc=x");
        let backwards: Vec<_> = list.iter().rev().map(|m| m.name()).collect();
        assert_eq!(backwards, ["b", "a"]);
        let forwards: Vec<_> = (&list).into_iter().map(|m| m.name()).collect();
        assert_eq!(forwards, ["a", "b"]);
        assert_eq!(
            format!("{list:?}"),
            r#"[ServerTimingEntry { name: "a", duration: 1.0, description: "" }, ServerTimingEntry { name: "b", duration: 0.0, description: "x" }]"#
        );
    }

    #[test]
    fn a_place_outside_the_text_reads_as_empty_and_never_panics() {
        // The getters of entries and of objects all cut their parts so.
        let text = "abcé";
        // Inside the text, on char boundaries: the part.
        assert_eq!(text_part(text, (0, 3)), "abc");
        assert_eq!(text_part(text, (3, 2)), "é");
        assert_eq!(text_part(text, (1, 0)), "");
        assert_eq!(text_part(text, (5, 0)), "");
        // Past the end, inside `é`, or a length that overflows: "".
        for place in [
            (6, 0),
            (2, 4),
            (3, 1),
            (4, 1),
            (1, usize::MAX),
            (usize::MAX, 1),
        ] {
            assert_eq!(text_part(text, place), "", "{place:?}");
        }
        let list = ServerTimingList {
            text: Arc::from(text),
            metrics: vec![Place {
                name: (4, 1),
                description: (usize::MAX, 1),
                duration: 0.0,
            }],
        };
        let entry = list.entry(0).unwrap();
        assert_eq!((entry.name(), entry.description()), ("", ""));
    }
}
