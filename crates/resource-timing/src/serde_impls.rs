//! Serde for the foreign types that cross a process boundary with a fetch:
//! `url::Origin` (as its ASCII serialization) and the `server-timing`
//! crate's `Engine` (as its name).

/// `url::Origin` as its ASCII serialization. A tuple origin round-trips; an
/// opaque origin is written `"null"` and read back as a new opaque origin
/// (opaque origins are same-origin only with themselves, so no process can
/// name another's).
pub(crate) mod origin {
    use serde::{Deserialize, Deserializer, Serializer};
    use url::{Origin, Url};

    pub(crate) fn serialize<S: Serializer>(origin: &Origin, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&origin.ascii_serialization())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Origin, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map_err(serde::de::Error::custom)
    }

    pub(crate) fn parse(text: &str) -> Result<Origin, url::ParseError> {
        if text == "null" {
            return Ok(Origin::new_opaque());
        }
        Ok(Url::parse(text)?.origin())
    }
}

/// `Option<url::Origin>`, as [`origin`] inside an option.
pub(crate) mod option_origin {
    use serde::{Deserialize, Deserializer, Serializer};
    use url::Origin;

    pub(crate) fn serialize<S: Serializer>(
        origin: &Option<Origin>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match origin {
            Some(origin) => s.serialize_some(&origin.ascii_serialization()),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Origin>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| super::origin::parse(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// `server_timing::engines::Engine` as its name (`"spec"`, `"chromium"`, …).
pub(crate) mod engine {
    use serde::{Deserialize, Deserializer, Serializer};
    use server_timing::engines::Engine;

    pub(crate) fn serialize<S: Serializer>(engine: &Engine, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(engine.name())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Engine, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}
