//! The `PerformanceEntry` abstraction that other crates extend.
//!
//! <https://w3c.github.io/performance-timeline/#the-performanceentry-interface>

use std::any::Any;
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use fetch_headers::json;

/// A duration in milliseconds, as the Web exposes it.
///
/// <https://w3c.github.io/hr-time/#dom-domhighrestimestamp>
#[allow(clippy::upper_case_acronyms)]
pub type DOMHighResTimeStamp = f64;

/// A moment: f64 milliseconds on the embedder's monotonic clock (the "unsafe shared current time" scale).
///
/// <https://w3c.github.io/hr-time/#sec-moments-and-durations>
pub type Moment = f64;

/// A performance entry, as seen by the timeline.
///
/// Other crates implement it (the `resource-timing` crate for "resource"
/// entries); an embedder implements it for its own entry types ("mark",
/// "measure", "paint", …). The timeline only needs the four attributes and
/// the JSON text of `toJSON()`.
///
/// An entry need not be `Send` or `Sync`: a [`crate::Performance`] lives on
/// its global's thread, so an engine's own entry type may hold `Rc`s or
/// garbage-collected DOM pointers.
///
/// <https://w3c.github.io/performance-timeline/#the-performanceentry-interface>
pub trait PerformanceEntry: fmt::Debug + 'static {
    /// The `name` attribute.
    fn name(&self) -> &str;
    /// The `entryType` attribute; one of the global's supported entry types.
    fn entry_type(&self) -> &str;
    /// The `startTime` attribute.
    fn start_time(&self) -> DOMHighResTimeStamp;
    /// The `duration` attribute.
    fn duration(&self) -> DOMHighResTimeStamp;
    /// JSON text of the entry's [Default] toJSON(), exactly as JSON.stringify writes it.
    fn to_json(&self) -> String;
    /// The entry as `Any`, so that an embedder can downcast to its concrete type.
    fn as_any(&self) -> &dyn Any;
    /// Storage for the `id` and `navigationId` attributes, which *queue a
    /// PerformanceEntry* fills in. Entries that do not expose these
    /// attributes return `None` (the default).
    ///
    /// <https://w3c.github.io/performance-timeline/#generate-an-id>
    fn identifiers(&self) -> Option<&EntryIdentifiers> {
        None
    }
    /// The heap bytes this entry owns beyond its own size (its strings and
    /// lists), for an engine's memory reporter. The default is 0.
    fn heap_size(&self) -> usize {
        0
    }
}

/// A shared handle on an entry; what buffers, observers and queries hand out.
pub type EntryRef = Rc<dyn PerformanceEntry>;

/// The identity of an entry, the same for every [`EntryRef`] to it and
/// different from every other entry alive: the key under which an engine
/// keeps the reflector (the JS object) of an entry, so that
/// `getEntries()` returns the same object each time. A key may be reused
/// once its entry is dropped, so drop the reflector with the entry (or key
/// a weak map by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryKey(usize);

impl EntryKey {
    /// The key of `entry`.
    pub fn of(entry: &EntryRef) -> EntryKey {
        EntryKey(Rc::as_ptr(entry).cast::<()>() as usize)
    }
}

/// The `id` and `navigationId` of an entry, set once when the entry is
/// queued. Embed one in an entry type and return it from
/// [`PerformanceEntry::identifiers`].
#[derive(Debug)]
pub struct EntryIdentifiers {
    /// [`UNSET`] until the entry is queued.
    id: AtomicU64,
    navigation_id: AtomicU64,
}

/// The value of an identifier that is not set yet (ids count up from 1 and
/// never reach it).
const UNSET: u64 = u64::MAX;

impl Default for EntryIdentifiers {
    fn default() -> Self {
        EntryIdentifiers {
            id: AtomicU64::new(UNSET),
            navigation_id: AtomicU64::new(UNSET),
        }
    }
}

/// Sets `slot` to `value` if it is unset; returns the value in effect.
fn set_if_unset(slot: &AtomicU64, value: u64) -> u64 {
    match slot.compare_exchange(UNSET, value, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => value,
        Err(current) => current,
    }
}

fn get(slot: &AtomicU64) -> Option<u64> {
    Some(slot.load(Ordering::Acquire)).filter(|&v| v != UNSET)
}

impl EntryIdentifiers {
    /// Unset identifiers.
    pub fn new() -> Self {
        Self::default()
    }
    /// The `id` attribute, or `None` while the entry has not been queued.
    pub fn id(&self) -> Option<u64> {
        get(&self.id)
    }
    /// The `navigationId` attribute, or `None` while the entry has not been queued.
    pub fn navigation_id(&self) -> Option<u64> {
        get(&self.navigation_id)
    }
    /// Sets the id if it is unset; returns the id in effect.
    pub fn set_id_if_unset(&self, id: u64) -> u64 {
        set_if_unset(&self.id, id)
    }
    /// Sets the navigation id if it is unset; returns the value in effect.
    pub fn set_navigation_id_if_unset(&self, id: u64) -> u64 {
        set_if_unset(&self.navigation_id, id)
    }
}

/// A plain entry with the four base attributes, for entry types that need
/// nothing more (an embedder's "mark", a test's "resource" stand-in, …).
#[derive(Debug)]
pub struct BasicEntry {
    name: String,
    entry_type: String,
    start_time: DOMHighResTimeStamp,
    duration: DOMHighResTimeStamp,
    identifiers: EntryIdentifiers,
}

impl BasicEntry {
    /// *initialize a PerformanceEntry* with an explicit duration.
    ///
    /// <https://w3c.github.io/performance-timeline/#initialize-a-performanceentry>
    pub fn new(
        name: impl Into<String>,
        entry_type: impl Into<String>,
        start_time: DOMHighResTimeStamp,
        duration: DOMHighResTimeStamp,
    ) -> Self {
        BasicEntry {
            name: name.into(),
            entry_type: entry_type.into(),
            start_time,
            duration,
            identifiers: EntryIdentifiers::new(),
        }
    }

    /// The same, already wrapped as an [`EntryRef`].
    pub fn shared(
        name: impl Into<String>,
        entry_type: impl Into<String>,
        start_time: DOMHighResTimeStamp,
        duration: DOMHighResTimeStamp,
    ) -> EntryRef {
        Rc::new(Self::new(name, entry_type, start_time, duration))
    }
}

impl PerformanceEntry for BasicEntry {
    fn name(&self) -> &str {
        &self.name
    }
    fn entry_type(&self) -> &str {
        &self.entry_type
    }
    fn start_time(&self) -> DOMHighResTimeStamp {
        self.start_time
    }
    fn duration(&self) -> DOMHighResTimeStamp {
        self.duration
    }
    fn to_json(&self) -> String {
        let mut out = json::JsonObject::new();
        out.string("name", &self.name);
        out.string("entryType", &self.entry_type);
        out.number("startTime", self.start_time);
        out.number("duration", self.duration);
        out.finish()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn identifiers(&self) -> Option<&EntryIdentifiers> {
        Some(&self.identifiers)
    }
    fn heap_size(&self) -> usize {
        self.name.capacity() + self.entry_type.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_set_once() {
        let ids = EntryIdentifiers::new();
        assert_eq!((ids.id(), ids.navigation_id()), (None, None));
        assert_eq!(ids.set_id_if_unset(0), 0);
        assert_eq!(ids.set_id_if_unset(7), 0);
        assert_eq!(ids.id(), Some(0));
        assert_eq!(ids.set_navigation_id_if_unset(u64::MAX - 1), u64::MAX - 1);
        assert_eq!(ids.set_navigation_id_if_unset(3), u64::MAX - 1);
        assert_eq!(ids.navigation_id(), Some(u64::MAX - 1));
    }
}
