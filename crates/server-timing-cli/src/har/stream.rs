//! The streaming reader: `log.pages` is kept (it is small), and
//! `log.entries` is visited one entry at a time, so memory stays bounded by
//! one entry whatever the file's size.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use url::Url;

use super::model::{HarEntry, HarPage};
use super::State;

/// The whole file; its value is whether `log.entries` was seen.
pub struct Root<'s, 'o>(pub &'s mut State<'o>);

impl<'de> DeserializeSeed<'de> for Root<'_, '_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_, '_> {
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

struct Log<'s, 'o>(&'s mut State<'o>);

impl<'de> DeserializeSeed<'de> for Log<'_, '_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Log<'_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a \"log\" object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut saw_entries = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "pages" => {
                    let pages: Vec<HarPage> = map.next_value()?;
                    for page in pages {
                        if let Ok(url) = Url::parse(&page.title) {
                            if matches!(url.scheme(), "http" | "https") {
                                self.0.pages.insert(
                                    page.id,
                                    super::PageUrl {
                                        url,
                                        source: "log.pages title",
                                        redirects: 0,
                                    },
                                );
                            }
                        }
                    }
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

struct Entries<'s, 'o>(&'s mut State<'o>);

impl<'de> DeserializeSeed<'de> for Entries<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(entry) = seq.next_element::<HarEntry>()? {
            self.0.on_entry(entry);
        }
        Ok(())
    }
}
