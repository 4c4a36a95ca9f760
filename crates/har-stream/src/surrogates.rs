//! JSON text where a `\uD800`-style escape stands alone (a UTF-16 surrogate
//! without its pair, which some HAR writers emit) is not valid JSON, and
//! serde_json refuses the whole file. This reader rewrites each lone
//! surrogate escape to `\uFFFD` (U+FFFD REPLACEMENT CHARACTER, as a browser
//! decodes it) on the fly: the same six bytes, so nothing shifts, and
//! counts them.

use std::io::{self, Read};

/// Bytes kept back at the end of a read: a high surrogate escape and the
/// escape after it (`\uD83D\uDE00`).
const LOOKAHEAD: usize = 12;

/// A reader that repairs lone surrogate escapes inside JSON strings.
pub struct LoneSurrogates<R> {
    inner: R,
    buf: Vec<u8>,
    /// `buf[..ready]` is checked and can be handed out from `pos`.
    pos: usize,
    ready: usize,
    eof: bool,
    /// Scanner state, carried across reads.
    in_string: bool,
    escaped: bool,
    /// How many escapes were rewritten.
    pub repaired: usize,
}

impl<R: Read> LoneSurrogates<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        LoneSurrogates {
            inner,
            buf: Vec::with_capacity(64 * 1024),
            pos: 0,
            ready: 0,
            eof: false,
            in_string: false,
            escaped: false,
            repaired: 0,
        }
    }

    fn hex4(bytes: &[u8]) -> Option<u16> {
        let text = std::str::from_utf8(bytes.get(..4)?).ok()?;
        u16::from_str_radix(text, 16).ok()
    }

    /// Scans `buf[ready..]` up to where a decision needs no more bytes.
    fn scan(&mut self) {
        let end = self.buf.len();
        // Until the end of input, the last LOOKAHEAD bytes wait: an escape
        // that starts before `limit` has all its bytes here.
        let limit = if self.eof {
            end
        } else {
            end.saturating_sub(LOOKAHEAD)
        };
        let mut i = self.ready;
        while i < limit {
            let b = self.buf[i];
            if !self.in_string {
                if b == b'"' {
                    self.in_string = true;
                }
                i += 1;
                continue;
            }
            if self.escaped {
                self.escaped = false;
                if b == b'u' {
                    // `\u` at i-1..=i; the four digits follow.
                    let unit = Self::hex4(&self.buf[i + 1..]);
                    match unit {
                        Some(0xD800..=0xDBFF) => {
                            let next = &self.buf[i + 5..];
                            let paired = next.len() >= 6
                                && next[0] == b'\\'
                                && next[1] == b'u'
                                && matches!(Self::hex4(&next[2..]), Some(0xDC00..=0xDFFF));
                            if paired {
                                i += 11;
                                continue;
                            }
                            self.buf[i + 1..i + 5].copy_from_slice(b"FFFD");
                            self.repaired += 1;
                        }
                        Some(0xDC00..=0xDFFF) => {
                            self.buf[i + 1..i + 5].copy_from_slice(b"FFFD");
                            self.repaired += 1;
                        }
                        _ => {}
                    }
                    i += 5.min(end - i);
                    continue;
                }
                i += 1;
                continue;
            }
            match b {
                b'\\' => self.escaped = true,
                b'"' => self.in_string = false,
                _ => {}
            }
            i += 1;
        }
        self.ready = i.min(end).max(self.ready);
    }
}

impl<R: Read> Read for LoneSurrogates<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos < self.ready {
                let n = out.len().min(self.ready - self.pos);
                out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.eof && self.ready == self.buf.len() {
                return Ok(0);
            }
            // Keep the unchecked tail, refill.
            self.buf.drain(..self.pos);
            self.ready -= self.pos;
            self.pos = 0;
            if !self.eof {
                let len = self.buf.len();
                self.buf.resize(len + 64 * 1024, 0);
                let n = self.inner.read(&mut self.buf[len..])?;
                self.buf.truncate(len + n);
                if n == 0 {
                    self.eof = true;
                }
            }
            self.scan();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repair(input: &str) -> (String, usize) {
        let mut reader = LoneSurrogates::new(input.as_bytes());
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        (out, reader.repaired)
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(
            repair(r#"{"a":"x\ud800y"}"#),
            (r#"{"a":"x\uFFFDy"}"#.into(), 1)
        );
        assert_eq!(repair(r#"["\udc00"]"#), (r#"["\uFFFD"]"#.into(), 1));
        assert_eq!(repair(r#"["\ud800"]"#), (r#"["\uFFFD"]"#.into(), 1));
        // A pair, an escaped backslash, and text outside strings stay.
        for kept in [r#"["\ud83d\ude00"]"#, r#"["\\ud800"]"#, r#"{"k":1}"#] {
            assert_eq!(repair(kept), (kept.into(), 0));
        }
    }

    #[test]
    fn escapes_split_across_reads_are_seen() {
        // A reader that gives one byte at a time.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let Some((&b, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                out[0] = b;
                self.0 = rest;
                Ok(1)
            }
        }
        let input = r#"["a\ud800", "\ud83d\ude00"]"#;
        let mut reader = LoneSurrogates::new(Trickle(input.as_bytes()));
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        assert_eq!(out, r#"["a\uFFFD", "\ud83d\ude00"]"#);
        assert_eq!(reader.repaired, 1);
    }
}
