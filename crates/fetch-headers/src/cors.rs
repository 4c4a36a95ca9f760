//! What a CORS filtered response lets a page read of the header list.

use http::{HeaderMap, HeaderName};

use crate::header_list::get_decode_and_split;
use crate::syntax::is_token;

/// The names of the [CORS-safelisted response-header names] that need no
/// `Access-Control-Expose-Headers`, lowercase.
///
/// [CORS-safelisted response-header names]: <https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name>
pub const CORS_SAFELISTED_RESPONSE_HEADER_NAMES: [&str; 7] = [
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// A [forbidden response-header name]: `Set-Cookie` or `Set-Cookie2`.
///
/// [forbidden response-header name]: <https://fetch.spec.whatwg.org/#forbidden-response-header-name>
pub fn is_forbidden_response_header_name(name: &HeaderName) -> bool {
    matches!(name.as_str(), "set-cookie" | "set-cookie2")
}

/// A [CORS-safelisted response-header name], given a response's
/// CORS-exposed header-name list.
///
/// [CORS-safelisted response-header name]: <https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name>
pub fn is_cors_safelisted_response_header_name(name: &HeaderName, exposed: &[HeaderName]) -> bool {
    CORS_SAFELISTED_RESPONSE_HEADER_NAMES.contains(&name.as_str())
        || (exposed.contains(name) && !is_forbidden_response_header_name(name))
}

/// A response's [CORS-exposed header-name list], as main fetch sets it for
/// a request whose response tainting is "cors".
///
/// Step 1: extract header list values of `Access-Control-Expose-Headers`
/// (a `#field-name` list; an item that is not a token makes it a failure,
/// which leaves the list empty). Step 2: without credentials mode
/// "include", a `*` exposes every header name of the response. Step 3:
/// otherwise the names as listed.
///
/// [CORS-exposed header-name list]: <https://fetch.spec.whatwg.org/#concept-response-cors-exposed-header-name-list>
pub fn cors_exposed_header_name_list(
    headers: &HeaderMap,
    credentials_mode_is_include: bool,
) -> Vec<HeaderName> {
    let Some(values) = get_decode_and_split(headers, "access-control-expose-headers") else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for value in values.iter().filter(|v| !v.is_empty()) {
        if value != "*" && !is_token(value.as_bytes()) {
            return Vec::new();
        }
        names.push(value.as_str());
    }
    if !credentials_mode_is_include && names.contains(&"*") {
        let mut all: Vec<HeaderName> = headers.keys().cloned().collect();
        all.dedup();
        return all;
    }
    names
        .into_iter()
        .filter_map(|n| HeaderName::from_bytes(n.as_bytes()).ok())
        .collect()
}

/// The header list of a [CORS filtered response]: the internal response's
/// lines whose name is a CORS-safelisted response-header name given its
/// CORS-exposed header-name list.
///
/// ```
/// use fetch_headers::cors_filtered_header_list;
/// use http::HeaderMap;
/// let mut headers = HeaderMap::new();
/// headers.insert("content-type", "image/png".parse().unwrap());
/// headers.insert("server-timing", "metric".parse().unwrap());
/// let filtered = cors_filtered_header_list(&headers, false);
/// assert!(filtered.contains_key("content-type"));
/// assert!(!filtered.contains_key("server-timing"));
/// ```
///
/// [CORS filtered response]: <https://fetch.spec.whatwg.org/#concept-filtered-response-cors>
pub fn cors_filtered_header_list(
    headers: &HeaderMap,
    credentials_mode_is_include: bool,
) -> HeaderMap {
    let exposed = cors_exposed_header_name_list(headers, credentials_mode_is_include);
    let mut filtered = HeaderMap::new();
    for (name, value) in headers {
        if is_cors_safelisted_response_header_name(name, &exposed) {
            filtered.append(name.clone(), value.clone());
        }
    }
    filtered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(lines: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in lines {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn exposed_names_pass_the_filter() {
        let h = headers(&[
            ("server-timing", "a"),
            ("access-control-expose-headers", "Server-Timing"),
        ]);
        assert!(cors_filtered_header_list(&h, false).contains_key("server-timing"));
    }

    #[test]
    fn a_wildcard_exposes_all_but_set_cookie_unless_credentialed() {
        let h = headers(&[
            ("server-timing", "a"),
            ("set-cookie", "x=1"),
            ("access-control-expose-headers", "*"),
        ]);
        let open = cors_filtered_header_list(&h, false);
        assert!(open.contains_key("server-timing"));
        assert!(!open.contains_key("set-cookie"));
        assert!(!cors_filtered_header_list(&h, true).contains_key("server-timing"));
    }

    #[test]
    fn a_list_that_fails_to_parse_exposes_nothing() {
        let h = headers(&[
            ("server-timing", "a"),
            ("access-control-expose-headers", "server-timing, a b"),
        ]);
        assert!(!cors_filtered_header_list(&h, false).contains_key("server-timing"));
    }
}
