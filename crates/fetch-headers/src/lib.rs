//! The header layer of the [Fetch Standard] that the timing specs stand on,
//! with nothing above it: reading a header list as Fetch does, the HTTP
//! microsyntaxes (tokens, HTTP whitespace, quoted strings), MIME types, and
//! text exactly as `JSON.stringify` writes it.
//!
//! Fetch treats a header value as bytes. An algorithm reads one through
//! [*get*](get_a_header) (every line with the name, joined by `", "`), then
//! [isomorphic decoding](isomorphic_decode) (each byte becomes the code point
//! with its number, so nothing is ever rejected), then a quote-aware
//! [split on commas](get_decode_and_split_a_header_value):
//!
//! ```
//! use fetch_headers::{get_decode_and_split, TIMING_ALLOW_ORIGIN};
//!
//! let mut headers = http::HeaderMap::new();
//! headers.append(TIMING_ALLOW_ORIGIN, "https://a.example".parse().unwrap());
//! headers.append(TIMING_ALLOW_ORIGIN, "\"odd, quoted\" , *".parse().unwrap());
//! assert_eq!(
//!     get_decode_and_split(&headers, TIMING_ALLOW_ORIGIN).unwrap(),
//!     ["https://a.example", "\"odd, quoted\"", "*"]
//! );
//!
//! let content_type = fetch_headers::extract_a_mime_type(b"application/x-javascript; charset=utf-8").unwrap();
//! assert_eq!(fetch_headers::minimize_a_supported_mime_type(&content_type), "text/javascript");
//! ```
//!
//! Every function here takes any bytes and gives a defined result; none
//! panics.
//!
//! [Fetch Standard]: https://fetch.spec.whatwg.org/

mod content_coding;
mod cors;
mod header_list;
mod isomorphic;
pub mod json;
mod mime;
mod names;
mod syntax;

pub use content_coding::{filtered_content_encoding, KNOWN_CONTENT_CODINGS};
pub use cors::{
    cors_exposed_header_name_list, cors_filtered_header_list,
    is_cors_safelisted_response_header_name, is_forbidden_response_header_name,
    CORS_SAFELISTED_RESPONSE_HEADER_NAMES,
};
pub use data_url::mime::Mime;
pub use header_list::{
    get_a_header, get_decode_and_split, get_decode_and_split_a_header_value, split_a_header_value,
    COMBINE_SEPARATOR,
};
pub use isomorphic::{isomorphic_decode, isomorphic_encode};
pub use mime::{
    essence, extract_a_mime_type, extract_a_mime_type_essence, minimize_a_supported_mime_type,
    MimeEssence,
};
pub use names::{SERVER_TIMING, TIMING_ALLOW_ORIGIN};
pub use syntax::{
    is_http_tab_or_space, is_http_whitespace, is_tchar, is_token, skip_an_http_quoted_string,
    trim_http_tab_or_space, trim_http_whitespace, TCHAR,
};

pub use http;
