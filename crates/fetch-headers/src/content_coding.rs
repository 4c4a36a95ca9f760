//! The response's content coding as Fetch's *HTTP-network fetch* records it
//! for `PerformanceResourceTiming.contentEncoding`.

use crate::header_list::split_a_header_value;

/// The content codings this library knows, lowercase: the registered codings
/// browsers decode, the dictionary-compressed ones of RFC 9842 included.
pub const KNOWN_CONTENT_CODINGS: [&str; 10] = [
    "gzip",
    "x-gzip",
    "deflate",
    "br",
    "zstd",
    "dcb",
    "dcz",
    "compress",
    "x-compress",
    "identity",
];

/// The content coding as [HTTP-network fetch] filters the `Content-Encoding`
/// value (given as *get* produced it): `""` for none, `"multiple"` for more
/// than one, the lowercased coding when it is known, `"@unknown"` otherwise.
///
/// ```
/// use fetch_headers::filtered_content_encoding;
/// assert_eq!(filtered_content_encoding(Some(b"GZip")), "gzip");
/// assert_eq!(filtered_content_encoding(Some(b"gzip, br")), "multiple");
/// assert_eq!(filtered_content_encoding(Some(b"snappy")), "@unknown");
/// assert_eq!(filtered_content_encoding(None), "");
/// ```
///
/// [HTTP-network fetch]: <https://fetch.spec.whatwg.org/#concept-http-network-fetch>
pub fn filtered_content_encoding(value: Option<&[u8]>) -> String {
    let Some(value) = value else {
        return String::new();
    };
    match split_a_header_value(value).as_slice() {
        [] | [b""] => String::new(),
        [coding] => {
            let coding = String::from_utf8_lossy(coding).to_ascii_lowercase();
            if KNOWN_CONTENT_CODINGS.contains(&coding.as_str()) {
                coding
            } else {
                "@unknown".to_owned()
            }
        }
        _ => "multiple".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_encodings() {
        assert_eq!(filtered_content_encoding(Some(b"DCZ")), "dcz");
        assert_eq!(filtered_content_encoding(Some(b"aes128gcm")), "@unknown");
        assert_eq!(filtered_content_encoding(Some(b"")), "");
        assert_eq!(filtered_content_encoding(Some(b"\xff")), "@unknown");
        assert_eq!(filtered_content_encoding(Some(b" br ")), "br");
    }
}
