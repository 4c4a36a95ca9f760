//! The serde visitors: the root object, `log`, and `log.entries` as a
//! sequence visited one element at a time.

use std::fmt;
use std::ops::ControlFlow;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::HarSink;

/// The message of the error that stops the parse when the sink breaks.
pub(crate) const STOPPED: &str = "reading stopped by the reader of the entries";

/// The state the visitors share: the sink, and whether it stopped reading.
pub(crate) struct Walk<'s, S> {
    pub(crate) sink: &'s mut S,
    pub(crate) stopped: bool,
}

/// The whole file; its value is whether `log.entries` was seen.
pub(crate) struct Root<'w, 's, S>(pub(crate) &'w mut Walk<'s, S>);

impl<'de, S: HarSink> DeserializeSeed<'de> for Root<'_, '_, S> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, S: HarSink> Visitor<'de> for Root<'_, '_, S> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a HAR object with a \"log\" member")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut saw_entries = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" {
                saw_entries |= map.next_value_seed(Log(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(saw_entries)
    }
}

/// `log`: `pages` is read whole (it is small), `entries` streamed, the
/// rest skipped.
struct Log<'w, 's, S>(&'w mut Walk<'s, S>);

impl<'de, S: HarSink> DeserializeSeed<'de> for Log<'_, '_, S> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, S: HarSink> Visitor<'de> for Log<'_, '_, S> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a \"log\" object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut saw_entries = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "pages" => {
                    let pages: Vec<S::Page> = map.next_value()?;
                    self.0.sink.pages(pages);
                }
                "entries" => {
                    map.next_value_seed(Entries(&mut *self.0))?;
                    saw_entries = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(saw_entries)
    }
}

/// `log.entries`, handed to the sink one by one.
struct Entries<'w, 's, S>(&'w mut Walk<'s, S>);

impl<'de, S: HarSink> DeserializeSeed<'de> for Entries<'_, '_, S> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, S: HarSink> Visitor<'de> for Entries<'_, '_, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(entry) = seq.next_element::<S::Entry>()? {
            if self.0.sink.entry(entry) == ControlFlow::Break(()) {
                // Stop the parse; `read_entries` reports it as a stop.
                self.0.stopped = true;
                return Err(de::Error::custom(STOPPED));
            }
        }
        Ok(())
    }
}
