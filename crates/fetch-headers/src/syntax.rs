//! The character classes and the quoted-string scanner that every header
//! microsyntax here is built from: RFC 9110's `tchar`, Fetch's HTTP
//! whitespace and HTTP tab or space, and Fetch's *collect an HTTP quoted
//! string*.

/// `tchar` of RFC 9110 §5.6.2, as a lookup table indexed by byte.
///
/// `"!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" /
/// "`" / "|" / "~" / DIGIT / ALPHA`
///
/// <https://httpwg.org/specs/rfc9110.html#tokens>
pub static TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    table
};

/// True for a byte of RFC 9110's `tchar`.
#[inline]
pub fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// True when `s` is an RFC 9110 `token`: one or more `tchar`.
///
/// ```
/// assert!(fetch_headers::is_token(b"cache-hit"));
/// assert!(!fetch_headers::is_token(b"a b"));
/// assert!(!fetch_headers::is_token(b""));
/// ```
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// True for an [HTTP whitespace] byte: U+000A LF, U+000D CR, or an HTTP tab
/// or space.
///
/// [HTTP whitespace]: <https://fetch.spec.whatwg.org/#http-whitespace>
#[inline]
pub fn is_http_whitespace(b: u8) -> bool {
    matches!(b, b'\n' | b'\r' | b'\t' | b' ')
}

/// Strips leading and trailing [HTTP whitespace] (what Fetch does when it
/// [normalizes] a header value).
///
/// [HTTP whitespace]: <https://fetch.spec.whatwg.org/#http-whitespace>
/// [normalizes]: <https://fetch.spec.whatwg.org/#concept-header-value-normalize>
pub fn trim_http_whitespace(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|&b| !is_http_whitespace(b))
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&b| !is_http_whitespace(b))
        .map_or(start, |i| i + 1);
    &s[start..end]
}

/// True for HTTP tab or space (U+0009, U+0020), the only characters Fetch's
/// split trims.
#[inline]
pub fn is_http_tab_or_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// [Collect an HTTP quoted string] starting at the `"` at `position`, with
/// *extract-value* false: returns the end position, so that
/// `input[position..end]` is the raw text of the string, quotes and
/// backslashes included.
///
/// `position` is where the opening `"` stands; whatever byte is there is
/// taken as it. The algorithm is lenient: a string that never closes runs to the end of
/// the input, and a backslash at the very end is kept.
///
/// [Collect an HTTP quoted string]: <https://fetch.spec.whatwg.org/#collect-an-http-quoted-string>
#[inline]
pub fn skip_an_http_quoted_string(input: &[u8], position: usize) -> usize {
    // Step 4: advance past the opening quote.
    let mut i = position + 1;
    // Step 5: loop over runs that are neither `"` nor `\`.
    while i < input.len() {
        match input[i] {
            b'"' => return i + 1,
            // Step 5.5: a backslash takes the next code point literally.
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    input.len()
}

/// Strips leading and trailing HTTP tab or space.
pub fn trim_http_tab_or_space(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_http_tab_or_space(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_http_tab_or_space(*last) {
            break;
        }
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tchar_is_rfc_9110() {
        let tchars: Vec<u8> = (0..=255u8).filter(|&b| is_tchar(b)).collect();
        let expected: Vec<u8> = (0..=255u8)
            .filter(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b))
            .collect();
        assert_eq!(tchars, expected);
        assert!(!is_tchar(b'{') && !is_tchar(b'"') && !is_tchar(0x80));
    }

    #[test]
    fn whitespace_sets() {
        assert_eq!(trim_http_whitespace(b"\r\n\t a b \n"), b"a b");
        assert_eq!(trim_http_whitespace(b" \t "), b"");
        assert_eq!(trim_http_tab_or_space(b"\r a \t"), b"\r a");
        assert!(!is_http_whitespace(0x0c));
    }

    #[test]
    fn quoted_strings_end_at_the_closing_quote_or_the_input() {
        assert_eq!(skip_an_http_quoted_string(b"\"a\\\"b\"c", 0), 6);
        assert_eq!(skip_an_http_quoted_string(b"x\"open", 1), 6);
        assert_eq!(skip_an_http_quoted_string(b"\"\\", 0), 2);
    }
}
