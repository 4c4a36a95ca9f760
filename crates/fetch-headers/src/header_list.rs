//! The header-list algorithms of the [Fetch Standard] that Server-Timing and
//! Timing-Allow-Origin processing rest on.
//!
//! Fetch treats a header field value as bytes. Reading one for an algorithm
//! goes through [`get`](get_a_header) (join every line with the same name by
//! `", "`), then [isomorphic decoding](isomorphic_decode) (each byte becomes
//! the code point with the same number, so nothing is ever rejected), then a
//! quote-aware [split on commas](get_decode_and_split_a_header_value).
//!
//! [Fetch Standard]: https://fetch.spec.whatwg.org/

use std::borrow::Cow;

use crate::isomorphic::isomorphic_decode;
use crate::syntax::{skip_an_http_quoted_string, trim_http_tab_or_space};

/// The bytes Fetch joins header lines with when it combines them: `0x2C 0x20`.
pub const COMBINE_SEPARATOR: &[u8] = b", ";

/// [Get] a header from a header list: join the values of every line, in
/// order, with `", "`.
///
/// Returns `None` when there is no line at all (Fetch's "null"), and borrows
/// when there is exactly one, so the common single-line case never copies.
///
/// ```
/// use fetch_headers::get_a_header;
/// let lines: [&[u8]; 2] = [b"a;dur=1", b"b;desc=\"x"];
/// assert_eq!(&*get_a_header(lines).unwrap(), b"a;dur=1, b;desc=\"x");
/// assert!(get_a_header(std::iter::empty::<&[u8]>()).is_none());
/// ```
///
/// [Get]: <https://fetch.spec.whatwg.org/#concept-header-list-get>
pub fn get_a_header<'a, I, V>(lines: I) -> Option<Cow<'a, [u8]>>
where
    I: IntoIterator<Item = &'a V>,
    V: AsRef<[u8]> + ?Sized + 'a,
{
    let mut lines = lines.into_iter();
    let first = lines.next()?.as_ref();
    let Some(second) = lines.next() else {
        return Some(Cow::Borrowed(first));
    };
    // Step 2: the values of all matching headers, separated from each other by 0x2C 0x20.
    let mut combined = Vec::with_capacity(first.len() + 2 + second.as_ref().len());
    combined.extend_from_slice(first);
    for line in std::iter::once(second).chain(lines) {
        combined.extend_from_slice(COMBINE_SEPARATOR);
        combined.extend_from_slice(line.as_ref());
    }
    Some(Cow::Owned(combined))
}

/// [Get, decode, and split] a header value, given the value Fetch's *get*
/// produced (see [`get_a_header`]).
///
/// Splits on commas outside quoted strings (a quote anywhere, even in junk,
/// protects the commas after it until it closes), trims HTTP tab or space
/// from each member and keeps empty members, as Fetch does.
///
/// ```
/// use fetch_headers::get_decode_and_split_a_header_value;
/// assert_eq!(
///     get_decode_and_split_a_header_value(b"a, \"b,c\" ,,d"),
///     ["a", "\"b,c\"", "", "d"]
/// );
/// ```
///
/// [Get, decode, and split]: <https://fetch.spec.whatwg.org/#header-value-get-decode-and-split>
pub fn get_decode_and_split_a_header_value(value: &[u8]) -> Vec<String> {
    split_a_header_value(value)
        .into_iter()
        .map(|member| isomorphic_decode(member).into_owned())
        .collect()
}

/// The byte-level half of [`get_decode_and_split_a_header_value`]: the list
/// members as sub-slices of `value`, before decoding.
pub fn split_a_header_value(value: &[u8]) -> Vec<&[u8]> {
    // Steps 2-3: position, values, temporaryValue.
    let mut values = Vec::new();
    let mut position = 0;
    loop {
        let start = position;
        // Step 4.1-4.2: collect up to the next `,`, stepping over quoted strings.
        while position < value.len() {
            match value[position] {
                b',' => break,
                b'"' => position = skip_an_http_quoted_string(value, position),
                _ => position += 1,
            }
        }
        // Step 4.3: strip HTTP tab or space from both ends.
        values.push(trim_http_tab_or_space(&value[start..position]));
        // Step 4.5: at the end, return values.
        if position >= value.len() {
            return values;
        }
        // Step 4.6: the code point is `,`; advance past it.
        position += 1;
    }
}

/// [Get, decode, and split] the header named `name` from an
/// [`http::HeaderMap`]: `None` when the response has no such header.
///
/// [Get, decode, and split]: <https://fetch.spec.whatwg.org/#concept-header-list-get-decode-split>
pub fn get_decode_and_split<K: http::header::AsHeaderName>(
    headers: &http::HeaderMap,
    name: K,
) -> Option<Vec<String>> {
    let value = get_a_header(headers.get_all(name).iter())?;
    Some(get_decode_and_split_a_header_value(&value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_empty_members_and_trims_only_tab_and_space() {
        assert_eq!(
            get_decode_and_split_a_header_value(b"x,,,1"),
            ["x", "", "", "1"]
        );
        assert_eq!(get_decode_and_split_a_header_value(b""), [""]);
        assert_eq!(get_decode_and_split_a_header_value(b"a,"), ["a", ""]);
        assert_eq!(
            get_decode_and_split_a_header_value(b"\x0ca\r ,\tb"),
            ["\u{c}a\r", "b"]
        );
    }

    #[test]
    fn split_respects_quotes_anywhere_and_unterminated_quotes_run_to_the_end() {
        assert_eq!(
            get_decode_and_split_a_header_value(b"a\"b,c\",d"),
            ["a\"b,c\"", "d"]
        );
        assert_eq!(
            get_decode_and_split_a_header_value(b"a;desc=\"x\\\",y,z"),
            ["a;desc=\"x\\\",y,z"]
        );
        assert_eq!(get_decode_and_split_a_header_value(b"\"\\"), ["\"\\"]);
    }

    #[test]
    fn get_joins_lines_with_comma_space() {
        let map = {
            let mut m = http::HeaderMap::new();
            m.append("server-timing", http::HeaderValue::from_static("a"));
            m.append(
                "server-timing",
                http::HeaderValue::from_static("b;desc=\"1"),
            );
            m.append("server-timing", http::HeaderValue::from_static("2\""));
            m
        };
        assert_eq!(
            get_decode_and_split(&map, "Server-Timing").unwrap(),
            ["a", "b;desc=\"1, 2\""]
        );
        assert!(get_decode_and_split(&map, "timing-allow-origin").is_none());
    }
}
