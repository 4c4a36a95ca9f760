//! Infra's isomorphic decoding and encoding: bytes and the code points
//! U+0000 to U+00FF, one for one.

use std::borrow::Cow;

/// [Isomorphic decode]: each byte becomes the code point with the same value
/// (U+0000 to U+00FF), so any byte sequence decodes and none is lost.
///
/// Borrows when the input is ASCII.
///
/// ```
/// use fetch_headers::isomorphic_decode;
/// assert_eq!(isomorphic_decode(b"caf\xC3\xA9"), "cafÃ©");
/// ```
///
/// [Isomorphic decode]: <https://infra.spec.whatwg.org/#isomorphic-decode>
pub fn isomorphic_decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) if bytes.is_ascii() => Cow::Borrowed(s),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// [Isomorphic encode]: the inverse of [`isomorphic_decode`]. Returns `None`
/// when the string holds a code point above U+00FF, which no byte stands for.
///
/// [Isomorphic encode]: <https://infra.spec.whatwg.org/#isomorphic-encode>
pub fn isomorphic_encode(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isomorphic_round_trip() {
        let bytes: Vec<u8> = (0..=255).collect();
        let decoded = isomorphic_decode(&bytes);
        assert_eq!(decoded.chars().count(), 256);
        assert_eq!(isomorphic_encode(&decoded).unwrap(), bytes);
        assert_eq!(isomorphic_encode("€"), None);
    }
}
