//! The response's content coding as Fetch's *HTTP-network fetch* records it
//! for `PerformanceResourceTiming.contentEncoding`.

use crate::header_list::split_a_header_value;
use crate::syntax::trim_http_tab_or_space;

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
pub fn filtered_content_encoding(value: Option<&[u8]>) -> &'static str {
    let Some(value) = value else {
        return "";
    };
    // A value without `,` or `"` is one member: the split only trims it.
    if !value.iter().any(|&b| b == b',' || b == b'"') {
        return filter_one_content_coding(trim_http_tab_or_space(value));
    }
    match split_a_header_value(value).as_slice() {
        [] => "",
        [coding] => filter_one_content_coding(coding),
        _ => "multiple",
    }
}

/// One list member of `Content-Encoding`: `""` when empty, the known coding
/// (lowercase), or `"@unknown"`.
fn filter_one_content_coding(coding: &[u8]) -> &'static str {
    if coding.is_empty() {
        return "";
    }
    // Known codings are ASCII, so a byte-wise ASCII case-insensitive match is
    // the same as lowercasing the decoded text and comparing.
    KNOWN_CONTENT_CODINGS
        .iter()
        .find(|known| known.as_bytes().eq_ignore_ascii_case(coding))
        .copied()
        .unwrap_or("@unknown")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn content_encodings() {
        assert_eq!(filtered_content_encoding(Some(b"DCZ")), "dcz");
        assert_eq!(filtered_content_encoding(Some(b"aes128gcm")), "@unknown");
        assert_eq!(filtered_content_encoding(Some(b"")), "");
        assert_eq!(filtered_content_encoding(Some(b"\xff")), "@unknown");
        assert_eq!(filtered_content_encoding(Some(b" br ")), "br");
        assert_eq!(filtered_content_encoding(Some(b" \t")), "");
        assert_eq!(filtered_content_encoding(Some(b"gzip,")), "multiple");
        assert_eq!(filtered_content_encoding(Some(b"\"gzip\"")), "@unknown");
    }

    /// Fetch's steps as written: split, then lowercase the decoded member.
    fn filtered_content_encoding_by_the_steps(value: &[u8]) -> String {
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
        #[test]
        fn the_one_member_path_equals_the_steps(
            value in proptest::collection::vec(proptest::sample::select(vec![
                &b"gzip"[..], b"GZIP", b"br", b"x-gzip", b"identity", b",", b" ", b"\t", b"\"",
                b"\xc4\xb0", b"\xff", b"zstd", b"snappy", b"\r\n",
            ]), 0..6).prop_map(|pieces| pieces.concat())
        ) {
            prop_assert_eq!(
                filtered_content_encoding(Some(&value)),
                filtered_content_encoding_by_the_steps(&value)
            );
        }

        #[test]
        fn the_one_member_path_equals_the_steps_on_any_bytes(
            value in proptest::collection::vec(any::<u8>(), 0..12)
        ) {
            prop_assert_eq!(
                filtered_content_encoding(Some(&value)),
                filtered_content_encoding_by_the_steps(&value)
            );
        }
    }
}
