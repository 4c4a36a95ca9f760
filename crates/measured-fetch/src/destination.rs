//! A request's *destination* and *initiator*, and the `Accept` header
//! value Fetch gives a request by them.

use std::fmt;
use std::str::FromStr;

/// The *document `Accept` header value*.
///
/// <https://fetch.spec.whatwg.org/#document-accept-header-value>
pub const DOCUMENT_ACCEPT_HEADER_VALUE: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// The `Accept` value Fetch's table gives a request for an image.
pub const IMAGE_ACCEPT_HEADER_VALUE: &str = "image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5";

/// The `Accept` value Fetch's table gives a request for JSON.
pub const JSON_ACCEPT_HEADER_VALUE: &str = "application/json,*/*;q=0.5";

/// The `Accept` value Fetch's table gives a request for a style sheet.
pub const STYLE_ACCEPT_HEADER_VALUE: &str = "text/css,*/*;q=0.1";

/// A request's *destination*: what the response is for.
///
/// <https://fetch.spec.whatwg.org/#concept-request-destination>
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Destination {
    /// The empty string: `fetch()`, `XMLHttpRequest`, beacons.
    #[default]
    Empty,
    /// "audio".
    Audio,
    /// "audioworklet".
    AudioWorklet,
    /// "document": a top-level navigation.
    Document,
    /// "embed".
    Embed,
    /// "font".
    Font,
    /// "frame".
    Frame,
    /// "iframe".
    IFrame,
    /// "image".
    Image,
    /// "json": a JSON module.
    Json,
    /// "manifest".
    Manifest,
    /// "object".
    Object,
    /// "paintworklet".
    PaintWorklet,
    /// "report".
    Report,
    /// "script".
    Script,
    /// "serviceworker".
    ServiceWorker,
    /// "sharedworker".
    SharedWorker,
    /// "style".
    Style,
    /// "track".
    Track,
    /// "video".
    Video,
    /// "webidentity".
    WebIdentity,
    /// "worker".
    Worker,
    /// "xslt".
    Xslt,
}

impl Destination {
    /// Every destination, in Fetch's order.
    pub const ALL: [Destination; 23] = [
        Destination::Empty,
        Destination::Audio,
        Destination::AudioWorklet,
        Destination::Document,
        Destination::Embed,
        Destination::Font,
        Destination::Frame,
        Destination::IFrame,
        Destination::Image,
        Destination::Json,
        Destination::Manifest,
        Destination::Object,
        Destination::PaintWorklet,
        Destination::Report,
        Destination::Script,
        Destination::ServiceWorker,
        Destination::SharedWorker,
        Destination::Style,
        Destination::Track,
        Destination::Video,
        Destination::WebIdentity,
        Destination::Worker,
        Destination::Xslt,
    ];

    /// The spec's string ("" for [`Destination::Empty`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Destination::Empty => "",
            Destination::Audio => "audio",
            Destination::AudioWorklet => "audioworklet",
            Destination::Document => "document",
            Destination::Embed => "embed",
            Destination::Font => "font",
            Destination::Frame => "frame",
            Destination::IFrame => "iframe",
            Destination::Image => "image",
            Destination::Json => "json",
            Destination::Manifest => "manifest",
            Destination::Object => "object",
            Destination::PaintWorklet => "paintworklet",
            Destination::Report => "report",
            Destination::Script => "script",
            Destination::ServiceWorker => "serviceworker",
            Destination::SharedWorker => "sharedworker",
            Destination::Style => "style",
            Destination::Track => "track",
            Destination::Video => "video",
            Destination::WebIdentity => "webidentity",
            Destination::Worker => "worker",
            Destination::Xslt => "xslt",
        }
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownDestination(pub String);

impl fmt::Display for UnknownDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a request destination (document, image, style, script, json, font, …, or \"\")",
            self.0
        )
    }
}

impl std::error::Error for UnknownDestination {}

impl FromStr for Destination {
    type Err = UnknownDestination;

    /// The destination the spec's string names ("" or "empty" for
    /// [`Destination::Empty`]).
    fn from_str(text: &str) -> Result<Destination, UnknownDestination> {
        if text == "empty" {
            return Ok(Destination::Empty);
        }
        Destination::ALL
            .into_iter()
            .find(|destination| destination.as_str() == text)
            .ok_or_else(|| UnknownDestination(text.to_owned()))
    }
}

/// A request's *initiator*.
///
/// <https://fetch.spec.whatwg.org/#concept-request-initiator>
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Initiator {
    /// The empty string.
    #[default]
    Empty,
    /// "download".
    Download,
    /// "imageset".
    ImageSet,
    /// "manifest".
    Manifest,
    /// "prefetch".
    Prefetch,
    /// "prerender".
    Prerender,
    /// "xslt".
    Xslt,
}

/// The `Accept` value of *fetch*'s step for a request whose header list
/// has none, by its initiator and destination.
///
/// <https://fetch.spec.whatwg.org/#concept-fetch>
pub fn default_accept_value(destination: Destination, initiator: Initiator) -> &'static str {
    // 1. Let value be `*/*`.
    // 2. A prefetch gets the document `Accept` header value.
    if initiator == Initiator::Prefetch {
        return DOCUMENT_ACCEPT_HEADER_VALUE;
    }
    // 3. Otherwise the first matching statement, by destination.
    match destination {
        Destination::Document | Destination::Frame | Destination::IFrame => {
            DOCUMENT_ACCEPT_HEADER_VALUE
        }
        Destination::Image => IMAGE_ACCEPT_HEADER_VALUE,
        Destination::Json => JSON_ACCEPT_HEADER_VALUE,
        Destination::Style => STYLE_ACCEPT_HEADER_VALUE,
        _ => "*/*",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_follows_fetch_table() {
        let cases = [
            (Destination::Empty, "*/*"),
            (Destination::Script, "*/*"),
            (Destination::Font, "*/*"),
            (Destination::Document, DOCUMENT_ACCEPT_HEADER_VALUE),
            (Destination::Frame, DOCUMENT_ACCEPT_HEADER_VALUE),
            (Destination::IFrame, DOCUMENT_ACCEPT_HEADER_VALUE),
            (Destination::Image, IMAGE_ACCEPT_HEADER_VALUE),
            (Destination::Json, JSON_ACCEPT_HEADER_VALUE),
            (Destination::Style, STYLE_ACCEPT_HEADER_VALUE),
        ];
        for (destination, accept) in cases {
            assert_eq!(default_accept_value(destination, Initiator::Empty), accept);
            assert_eq!(
                default_accept_value(destination, Initiator::Prefetch),
                DOCUMENT_ACCEPT_HEADER_VALUE
            );
        }
        assert_eq!(
            default_accept_value(Destination::Image, Initiator::ImageSet),
            IMAGE_ACCEPT_HEADER_VALUE
        );
    }

    #[test]
    fn destinations_round_trip_through_their_strings() {
        for destination in Destination::ALL {
            assert_eq!(destination.as_str().parse(), Ok(destination));
        }
        assert_eq!("empty".parse(), Ok(Destination::Empty));
        let error = "picture".parse::<Destination>().unwrap_err();
        assert!(error
            .to_string()
            .starts_with("\"picture\" is not a request destination"));
        assert!("Image".parse::<Destination>().is_err());
    }
}
