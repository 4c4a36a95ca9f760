//! Fetch's *extract a MIME type* and MIME Sniffing's *minimize a supported
//! MIME type*, on the [`data_url`] crate's MIME type parser (rust-url's
//! implementation of MIME Sniffing's *parse a MIME type*, which keeps quoted
//! parameters whole).

use std::borrow::Cow;

use data_url::mime::Mime;

use crate::header_list::split_a_header_value;
use crate::isomorphic::isomorphic_decode;
use crate::syntax::{is_http_whitespace, is_token, trim_http_whitespace};

/// [Extract a MIME type] from the `Content-Type` header, given the value
/// Fetch's *get* produced for it (every line joined by `", "`, see
/// [`get_a_header`](crate::get_a_header)).
///
/// Each list member is parsed as a MIME type; members that fail, and `*/*`,
/// are skipped; the last one that parses wins, and it inherits the `charset`
/// of an earlier member with the same essence when it has none itself.
/// `None` is Fetch's failure.
///
/// ```
/// use fetch_headers::{extract_a_mime_type, essence};
/// let mime = extract_a_mime_type(b"text/html;charset=gbk, text/html").unwrap();
/// assert_eq!(essence(&mime), "text/html");
/// assert_eq!(mime.get_parameter("charset"), Some("gbk"));
/// // A quoted parameter may hold a comma-free `;`: it does not end the type.
/// let mime = extract_a_mime_type(b"text/plain; a=\"x;y\"; charset=utf-8").unwrap();
/// assert_eq!(mime.get_parameter("charset"), Some("utf-8"));
/// assert!(extract_a_mime_type(b"nonsense").is_none());
/// ```
///
/// [Extract a MIME type]: <https://fetch.spec.whatwg.org/#concept-header-extract-mime-type>
pub fn extract_a_mime_type(content_type: &[u8]) -> Option<Mime> {
    // Step 1.
    let mut charset: Option<String> = None;
    let mut mime_type: Option<Mime> = None;
    // Steps 2-3: the caller's value stands for a header that exists.
    // Step 4.
    for value in split_a_header_value(content_type) {
        // Step 4.1.
        let Ok(mut temporary) = isomorphic_decode(value).parse::<Mime>() else {
            // Step 4.2: failure.
            continue;
        };
        if temporary.type_ == "*" && temporary.subtype == "*" {
            // Step 4.2: `*/*`.
            continue;
        }
        let same_essence = mime_type
            .as_ref()
            .is_some_and(|m| m.type_ == temporary.type_ && m.subtype == temporary.subtype);
        if !same_essence {
            // Step 4.4: a new essence resets the charset.
            charset = temporary.get_parameter("charset").map(str::to_owned);
        } else if temporary.get_parameter("charset").is_none() {
            // Step 4.5: the same essence keeps an earlier charset.
            if let Some(charset) = &charset {
                temporary
                    .parameters
                    .push(("charset".to_owned(), charset.clone()));
            }
        }
        // Step 4.3.
        mime_type = Some(temporary);
    }
    // Steps 5-6.
    mime_type
}

/// A MIME type's [essence]: `type/subtype`, lowercase as the parser stores them.
///
/// [essence]: <https://mimesniff.spec.whatwg.org/#mime-type-essence>
pub fn essence(mime: &Mime) -> String {
    MimeEssence::of(mime).into_string()
}

/// The [essence] of a MIME type, `type/subtype` in lowercase, as one string:
/// all that Resource Timing's `contentType` needs of a parsed type. The
/// essences that most responses carry (`text/html`, `image/png`, …) are
/// static strings, so reading them allocates nothing.
///
/// ```
/// use fetch_headers::extract_a_mime_type_essence;
/// let essence = extract_a_mime_type_essence(b" Text/HTML ; charset=utf-8").unwrap();
/// assert_eq!((essence.type_(), essence.subtype()), ("text", "html"));
/// assert_eq!(essence.minimized(), "text/html");
/// ```
///
/// [essence]: <https://mimesniff.spec.whatwg.org/#mime-type-essence>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MimeEssence {
    text: Cow<'static, str>,
    slash: usize,
}

impl MimeEssence {
    /// The essence of a parsed MIME type.
    pub fn of(mime: &Mime) -> MimeEssence {
        MimeEssence::from_parts(&mime.type_, &mime.subtype)
    }

    /// `type/subtype` from the two (already valid) tokens, lowercased.
    fn from_parts(type_: &str, subtype: &str) -> MimeEssence {
        MimeEssence::from_token_bytes(type_.as_bytes(), subtype.as_bytes())
    }

    /// `type/subtype` from the two tokens' bytes, lowercased: a static
    /// string for a [common essence](COMMON_ESSENCES), else a new one.
    fn from_token_bytes(type_: &[u8], subtype: &[u8]) -> MimeEssence {
        let slash = type_.len();
        // The table is lowercase, so only the input's bytes need lowering
        // (`eq_ignore_ascii_case` lowers both sides: 2 % more per entry in
        // the gate's mark-resource-timing row).
        let lowercase_equal = |lower: &[u8], bytes: &[u8]| {
            lower
                .iter()
                .zip(bytes)
                .all(|(&l, &b)| l == b.to_ascii_lowercase())
        };
        let common = COMMON_ESSENCES.iter().find(|common| {
            let common = common.as_bytes();
            common.len() == slash + 1 + subtype.len()
                && common[slash] == b'/'
                && lowercase_equal(&common[..slash], type_)
                && lowercase_equal(&common[slash + 1..], subtype)
        });
        if let Some(common) = common {
            return MimeEssence {
                text: Cow::Borrowed(common),
                slash,
            };
        }
        // Tokens are ASCII, so the lowercased bytes are the same characters.
        let mut text = String::with_capacity(type_.len() + 1 + subtype.len());
        text.extend(type_.iter().map(|&b| char::from(b.to_ascii_lowercase())));
        text.push('/');
        text.extend(subtype.iter().map(|&b| char::from(b.to_ascii_lowercase())));
        MimeEssence {
            text: Cow::Owned(text),
            slash,
        }
    }

    /// The type, before the `/`.
    pub fn type_(&self) -> &str {
        &self.text[..self.slash]
    }

    /// The subtype, after the `/`.
    pub fn subtype(&self) -> &str {
        &self.text[self.slash + 1..]
    }

    /// `type/subtype`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `type/subtype`, as an owned string (a copy only for a common essence).
    pub fn into_string(self) -> String {
        self.text.into_owned()
    }

    /// `type/subtype`, borrowed from a static string for a common essence,
    /// else owned (no copy either way).
    pub fn into_text(self) -> Cow<'static, str> {
        self.text
    }

    /// [Minimize a supported MIME type]: JavaScript types become
    /// `text/javascript`, JSON types `application/json`, XML types
    /// `application/xml` (SVG stays `image/svg+xml`); every other type counts
    /// as supported and keeps its essence. Every result but a kept essence
    /// is a static string.
    ///
    /// [Minimize a supported MIME type]: <https://mimesniff.spec.whatwg.org/#minimize-a-supported-mime-type>
    pub fn minimized(self) -> Cow<'static, str> {
        let essence = self.as_str();
        // Step 1: a JavaScript MIME type.
        if JAVASCRIPT_ESSENCES.contains(&essence) {
            return Cow::Borrowed("text/javascript");
        }
        // Step 2: a JSON MIME type.
        if self.subtype().ends_with("+json")
            || essence == "application/json"
            || essence == "text/json"
        {
            return Cow::Borrowed("application/json");
        }
        // Step 3.
        if essence == "image/svg+xml" {
            return self.text;
        }
        // Step 4: an XML MIME type.
        if self.subtype().ends_with("+xml") || essence == "text/xml" || essence == "application/xml"
        {
            return Cow::Borrowed("application/xml");
        }
        // Steps 5-6: this library supports every type it can parse.
        self.text
    }
}

/// The [essence](MimeEssence) of what [`extract_a_mime_type`] returns for
/// the same value, without building the parameters: `None` exactly where it
/// returns `None`.
///
/// A value of one member (ASCII, no `,` and no `"`) is read directly:
/// *parse a MIME type* cannot fail on parameters, so its type and subtype
/// decide the result. Anything else goes through [`extract_a_mime_type`].
pub fn extract_a_mime_type_essence(content_type: &[u8]) -> Option<MimeEssence> {
    let one_member = |bytes: &[u8]| {
        bytes
            .iter()
            .all(|&b| b.is_ascii() && b != b',' && b != b'"')
    };
    match parse_a_single_mime_type_essence(content_type) {
        // The type and subtype are tokens (ASCII, without `,` and `"`) and
        // what the parse trimmed is HTTP whitespace, so only the parameters
        // are left to check.
        Some((type_, subtype, parameters)) if one_member(parameters) => {
            Some(MimeEssence::from_token_bytes(type_, subtype))
        }
        None if one_member(content_type) => None,
        _ => extract_a_mime_type(content_type).map(|mime| MimeEssence::of(&mime)),
    }
}

/// Steps 1-10 of [parse a MIME type] for a value that is one list member:
/// the type, the subtype and the rest (the parameters, from the first `;`),
/// or `None` (failure, or `*/*`, which *extract a MIME type* skips). Step 11
/// (lowercase) is [`MimeEssence::from_token_bytes`].
///
/// [parse a MIME type]: <https://mimesniff.spec.whatwg.org/#parse-a-mime-type>
fn parse_a_single_mime_type_essence(value: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    // Step 1 (the list member's HTTP tab or space is a subset).
    let value = trim_http_whitespace(value);
    // Steps 3-4. The type runs to the first `/`.
    let slash = value.iter().position(|&b| b == b'/')?;
    let (type_, rest) = (&value[..slash], &value[slash + 1..]);
    // Steps 5-6.
    if !is_token(type_) {
        return None;
    }
    // Steps 7-9. The subtype runs to the first `;`, without trailing HTTP whitespace.
    let end = rest.iter().position(|&b| b == b';').unwrap_or(rest.len());
    let subtype = &rest[..end];
    let subtype = &subtype[..subtype
        .iter()
        .rposition(|&b| !is_http_whitespace(b))
        .map_or(0, |i| i + 1)];
    // Step 10.
    if !is_token(subtype) || (type_ == b"*" && subtype == b"*") {
        return None;
    }
    Some((type_, subtype, &rest[end..]))
}

/// The essences kept as static strings: the types most responses carry
/// (documents, scripts, styles, images, fonts, media, data). Any other
/// essence is a new string; the result is the same either way.
const COMMON_ESSENCES: [&str; 24] = [
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/gif",
    "image/svg+xml",
    "image/avif",
    "image/x-icon",
    "image/vnd.microsoft.icon",
    "text/html",
    "text/css",
    "text/javascript",
    "text/plain",
    "text/xml",
    "application/javascript",
    "application/x-javascript",
    "application/json",
    "application/xml",
    "application/octet-stream",
    "application/wasm",
    "font/woff2",
    "font/woff",
    "font/ttf",
    "video/mp4",
    "audio/mpeg",
];

/// The essences of a [JavaScript MIME type].
///
/// [JavaScript MIME type]: <https://mimesniff.spec.whatwg.org/#javascript-mime-type>
const JAVASCRIPT_ESSENCES: [&str; 16] = [
    "application/ecmascript",
    "application/javascript",
    "application/x-ecmascript",
    "application/x-javascript",
    "text/ecmascript",
    "text/javascript",
    "text/javascript1.0",
    "text/javascript1.1",
    "text/javascript1.2",
    "text/javascript1.3",
    "text/javascript1.4",
    "text/javascript1.5",
    "text/jscript",
    "text/livescript",
    "text/x-ecmascript",
    "text/x-javascript",
];

/// [Minimize a supported MIME type]: JavaScript types become
/// `text/javascript`, JSON types `application/json`, XML types
/// `application/xml` (SVG stays `image/svg+xml`); every other type counts as
/// supported and keeps its essence.
///
/// ```
/// use fetch_headers::{extract_a_mime_type, minimize_a_supported_mime_type};
/// let minimize = |v: &[u8]| minimize_a_supported_mime_type(&extract_a_mime_type(v).unwrap());
/// assert_eq!(minimize(b"application/x-javascript"), "text/javascript");
/// assert_eq!(minimize(b"application/ld+json; charset=utf-8"), "application/json");
/// assert_eq!(minimize(b"image/svg+xml"), "image/svg+xml");
/// assert_eq!(minimize(b"Text/HTML"), "text/html");
/// ```
///
/// [Minimize a supported MIME type]: <https://mimesniff.spec.whatwg.org/#minimize-a-supported-mime-type>
pub fn minimize_a_supported_mime_type(mime: &Mime) -> String {
    MimeEssence::of(mime).minimized().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
        #[test]
        fn the_essence_fast_path_equals_extract_a_mime_type(
            // Pieces of the MIME grammar and of what breaks it, in any order.
            value in proptest::collection::vec(proptest::sample::select(vec![
                &b"text"[..], b"*", b"/", b"*/*", b"image/png", b";", b"=", b",", b" ", b"\t", b"\r\n", b"\"",
                b"\\", b"HTML", b"x+json", b"\xe9", b"\x00", b"(", b"charset=utf-8",
            ]), 0..10).prop_map(|pieces| pieces.concat())
        ) {
            let general = extract_a_mime_type(&value).map(|m| MimeEssence::of(&m));
            prop_assert_eq!(extract_a_mime_type_essence(&value), general);
        }

        #[test]
        fn the_essence_fast_path_equals_extract_a_mime_type_on_any_bytes(
            value in proptest::collection::vec(any::<u8>(), 0..16)
        ) {
            let general = extract_a_mime_type(&value).map(|m| MimeEssence::of(&m));
            prop_assert_eq!(extract_a_mime_type_essence(&value), general);
        }
    }

    #[test]
    fn common_essences_are_what_the_parser_makes_of_them() {
        for common in COMMON_ESSENCES {
            let mime = extract_a_mime_type(common.as_bytes()).expect("a valid type");
            assert_eq!(essence(&mime), common);
            let upper = common.to_ascii_uppercase();
            let read = extract_a_mime_type_essence(upper.as_bytes()).expect("a valid type");
            assert!(matches!(read.text, Cow::Borrowed(_)), "{common} is static");
            assert_eq!(read.as_str(), common);
            assert_eq!(read.type_(), &common[..common.find('/').unwrap()]);
        }
        // Neither a prefix nor an extension of a common essence is taken for it.
        for other in [
            &b"image/pn"[..],
            b"image/pngx",
            b"imag/png",
            b"image/png+xml",
        ] {
            let read = extract_a_mime_type_essence(other).expect("a valid type");
            assert!(matches!(read.text, Cow::Owned(_)));
            assert_eq!(read.as_str().as_bytes(), other);
        }
    }

    fn extracted(value: &[u8]) -> Option<String> {
        extract_a_mime_type(value).map(|m| m.to_string())
    }

    #[test]
    fn fetch_extract_a_mime_type_examples() {
        // The examples of Fetch's "extract a MIME type" section.
        assert_eq!(
            extracted(b"text/plain;charset=gbk, text/html").as_deref(),
            Some("text/html")
        );
        assert_eq!(
            extracted(b"text/html;charset=gbk;a=b, text/html;x=y").as_deref(),
            Some("text/html;x=y;charset=gbk")
        );
        assert_eq!(
            extracted(b"text/html;charset=gbk, x/x, text/html;x=y").as_deref(),
            Some("text/html;x=y")
        );
        assert_eq!(extracted(b"text/html, */*").as_deref(), Some("text/html"));
        assert_eq!(extracted(b"text/html, ").as_deref(), Some("text/html"));
        assert_eq!(extracted(b"*/*"), None);
        assert_eq!(extracted(b""), None);
        assert_eq!(
            extracted(b"text/plain, image/png").as_deref(),
            Some("image/png")
        );
    }

    #[test]
    fn quoted_parameters_are_kept_whole() {
        let mime = extract_a_mime_type(b"text/html;charset=\"shift_jis\"iso-2022-jp").unwrap();
        assert_eq!(mime.get_parameter("charset"), Some("shift_jis"));
        // A comma inside quotes does not split the list.
        let mime = extract_a_mime_type(b"text/html;x=\"a,b\"").unwrap();
        assert_eq!(mime.get_parameter("x"), Some("a,b"));
    }

    #[test]
    fn the_essence_of_one_member_is_read_as_the_parser_reads_it() {
        let ess = |v: &[u8]| extract_a_mime_type_essence(v).map(MimeEssence::into_string);
        assert_eq!(ess(b"text/ html").as_deref(), None);
        assert_eq!(ess(b"text /html").as_deref(), None);
        assert_eq!(ess(b"text/html \t; x").as_deref(), Some("text/html"));
        assert_eq!(ess(b"\r\n IMAGE/PNG\r\n").as_deref(), Some("image/png"));
        assert_eq!(ess(b"*/*").as_deref(), None);
        assert_eq!(ess(b"*/*; q=1").as_deref(), None);
        assert_eq!(ess(b"text/").as_deref(), None);
        assert_eq!(ess(b"text").as_deref(), None);
        assert_eq!(ess(b"").as_deref(), None);
        assert_eq!(ess(b"a/b;c").as_deref(), Some("a/b"));
    }

    #[test]
    fn minimization() {
        let min = |v: &[u8]| minimize_a_supported_mime_type(&extract_a_mime_type(v).unwrap());
        assert_eq!(min(b"application/atom+xml"), "application/xml");
        assert_eq!(min(b"text/xml"), "application/xml");
        assert_eq!(min(b"text/json"), "application/json");
        assert_eq!(min(b"TEXT/JavaScript1.5"), "text/javascript");
        assert_eq!(min(b"image/png"), "image/png");
    }
}
