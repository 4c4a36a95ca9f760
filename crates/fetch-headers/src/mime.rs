//! Fetch's *extract a MIME type* and MIME Sniffing's *minimize a supported
//! MIME type*, on the [`data_url`] crate's MIME type parser (rust-url's
//! implementation of MIME Sniffing's *parse a MIME type*, which keeps quoted
//! parameters whole).

use data_url::mime::Mime;

use crate::header_list::split_a_header_value;
use crate::isomorphic::isomorphic_decode;

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
    let mut essence = String::with_capacity(mime.type_.len() + 1 + mime.subtype.len());
    essence.push_str(&mime.type_);
    essence.push('/');
    essence.push_str(&mime.subtype);
    essence
}

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
    let essence = essence(mime);
    // Step 1: a JavaScript MIME type.
    if JAVASCRIPT_ESSENCES.contains(&essence.as_str()) {
        return "text/javascript".to_owned();
    }
    // Step 2: a JSON MIME type.
    if mime.subtype.ends_with("+json") || essence == "application/json" || essence == "text/json" {
        return "application/json".to_owned();
    }
    // Step 3.
    if essence == "image/svg+xml" {
        return essence;
    }
    // Step 4: an XML MIME type.
    if mime.subtype.ends_with("+xml") || essence == "text/xml" || essence == "application/xml" {
        return "application/xml".to_owned();
    }
    // Steps 5-6: this library supports every type it can parse.
    essence
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn minimization() {
        let min = |v: &[u8]| minimize_a_supported_mime_type(&extract_a_mime_type(v).unwrap());
        assert_eq!(min(b"application/atom+xml"), "application/xml");
        assert_eq!(min(b"text/xml"), "application/xml");
        assert_eq!(min(b"text/json"), "application/json");
        assert_eq!(min(b"TEXT/JavaScript1.5"), "text/javascript");
        assert_eq!(min(b"image/png"), "image/png");
    }
}
