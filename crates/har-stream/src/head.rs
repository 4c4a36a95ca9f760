//! How a file starts: a UTF-8 byte order mark is skipped, and a file that
//! opens like `name(` is a JSONP-wrapped HAR (some tools save
//! `onInputData({...})`), which no JSON reader takes.

use std::io::{self, BufRead};

/// What the first bytes of a file (after a byte order mark and JSON
/// whitespace) say it is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Start {
    /// A JSON object: `{`.
    Object,
    /// A JSONP wrapper; the name is the wrapper's (`onInputData`).
    Jsonp(String),
    /// Anything else, or nothing at all: not a HAR.
    NotObject,
    /// Only whitespace as far as the reader's buffer goes: the parse decides.
    Undecided,
}

/// Reads how `reader` starts from its first buffer, consuming a UTF-8 byte
/// order mark and nothing else.
pub fn start_of<R: BufRead>(reader: &mut R) -> io::Result<Start> {
    let head = reader.fill_buf()?;
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let rest = if bom { &head[3..] } else { head };
    let Some(first) = rest.iter().position(|b| !is_json_whitespace(*b)) else {
        let start = if head.is_empty() {
            Start::NotObject
        } else {
            Start::Undecided
        };
        if bom {
            reader.consume(3);
        }
        return Ok(start);
    };
    let rest = &rest[first..];
    let word = rest
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'.'))
        .unwrap_or(rest.len());
    let start = if rest[0] == b'{' {
        Start::Object
    } else if word > 0 && rest[word..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'(') {
        Start::Jsonp(String::from_utf8_lossy(&rest[..word]).into_owned())
    } else {
        Start::NotObject
    };
    if bom {
        reader.consume(3);
    }
    Ok(start)
}

/// JSON's whitespace (RFC 8259 `ws`).
fn is_json_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(bytes: &[u8]) -> (Start, Vec<u8>) {
        let mut reader = bytes;
        let start = start_of(&mut reader).unwrap();
        (start, reader.to_vec())
    }

    #[test]
    fn a_bom_is_consumed_and_nothing_else() {
        assert_eq!(start(b"\xEF\xBB\xBF {}"), (Start::Object, b" {}".to_vec()));
        assert_eq!(
            start(b"\n{\"log\":1}"),
            (Start::Object, b"\n{\"log\":1}".to_vec())
        );
    }

    #[test]
    fn jsonp_and_other_starts_are_named() {
        assert_eq!(
            start(b"onInputData ({})").0,
            Start::Jsonp("onInputData".into())
        );
        assert_eq!(start(b"a,b,c\n1,2,3").0, Start::NotObject);
        assert_eq!(start(b"[1]").0, Start::NotObject);
        assert_eq!(start(b"").0, Start::NotObject);
        assert_eq!(start(b"\xEF\xBB\xBF").0, Start::Undecided);
        assert_eq!(start(b"   ").0, Start::Undecided);
    }
}
