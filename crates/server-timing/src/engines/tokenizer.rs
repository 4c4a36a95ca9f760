//! The model Chromium and WebKit share: a single left-to-right tokenizer over
//! the whole combined field value that gives up on the rest of the header
//! at the first thing it cannot read.
//!
//! Observed behavior (Chromium 156 and WebKitGTK 2.50 recordings): skip
//! spaces and tabs, read a token as the metric name, then `;`-params of the
//! form `token [= token-or-quoted-string]`, then expect `,` before the next
//! metric. A list member with no name, a `;` without a param name, a param
//! name followed by anything but `;`, `,` or `=`, and an unterminated quoted
//! string all end the whole header. WebKit also stops at junk after the
//! metric name, which Chromium skips.

use std::ops::Range;

use super::{EngineMetric, EngineNote, EngineNoteKind};
use fetch_headers::isomorphic_decode;

/// Where the Chromium and WebKit models differ.
pub(crate) struct Dialect {
    /// The bytes a token may hold.
    pub is_token_byte: fn(u8) -> bool,
    /// Skip junk after the metric name up to `,` or `;` (Chromium), or not
    /// (WebKit: junk there ends the header).
    pub skip_junk_after_name: bool,
    /// Reads a `dur` value (raw bytes, their byte range for notes).
    pub duration: fn(&[u8], Range<usize>, &mut Vec<EngineNote>) -> f64,
}

struct Tokenizer<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Tokenizer<'a> {
    fn at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Consumes `c` (and the spaces after it) if it is next.
    fn consume(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            self.skip_spaces();
            true
        } else {
            false
        }
    }

    /// A non-empty token and the spaces after it.
    fn token(&mut self, is_token_byte: fn(u8) -> bool) -> Option<Range<usize>> {
        let start = self.pos;
        while self.peek().is_some_and(is_token_byte) {
            self.pos += 1;
        }
        if self.pos == start {
            return None;
        }
        let range = start..self.pos;
        self.skip_spaces();
        Some(range)
    }

    /// A quoted string at `"`, unescaped. `None` when it never closes; the
    /// whole rest of the input is consumed then.
    fn quoted_string(&mut self) -> Option<Vec<u8>> {
        self.pos += 1;
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'"' => {
                    self.skip_spaces();
                    return Some(out);
                }
                b'\\' => match self.peek() {
                    Some(escaped) => {
                        out.push(escaped);
                        self.pos += 1;
                    }
                    None => return None,
                },
                _ => out.push(b),
            }
        }
        None
    }

    /// Skips to the next `,` or `;` without looking at quotes; true if a
    /// `"` was skipped.
    fn skip_to_comma_or_semicolon(&mut self) -> bool {
        let mut saw_quote = false;
        while let Some(b) = self.peek() {
            if b == b',' || b == b';' {
                break;
            }
            saw_quote |= b == b'"';
            self.pos += 1;
        }
        saw_quote
    }
}

/// Reads a combined field value the way the tokenizer-based engines do.
pub(crate) fn parse(
    value: &[u8],
    dialect: &Dialect,
    notes: &mut Vec<EngineNote>,
) -> Vec<EngineMetric> {
    let mut t = Tokenizer {
        input: value,
        pos: 0,
    };
    let mut metrics = Vec::new();
    let len = value.len();
    t.skip_spaces();
    while !t.at_end() {
        let start = t.pos;
        let Some(name) = t.token(dialect.is_token_byte) else {
            notes.push(EngineNote {
                kind: EngineNoteKind::StoppedAtMissingName,
                range: start..len,
            });
            break;
        };
        if value[name.clone()].iter().any(|b| matches!(b, b'{' | b'}')) {
            notes.push(EngineNote {
                kind: EngineNoteKind::NonTcharNameAccepted,
                range: name.clone(),
            });
        }
        if dialect.skip_junk_after_name {
            let junk = t.pos;
            if t.skip_to_comma_or_semicolon() {
                notes.push(EngineNote {
                    kind: EngineNoteKind::QuoteInSkippedJunk,
                    range: junk..t.pos,
                });
            }
        }
        let mut dur: Option<(Vec<u8>, Range<usize>)> = None;
        let mut desc: Option<Vec<u8>> = None;
        let mut stopped = false;
        while t.consume(b';') {
            let param_start = t.pos;
            let Some(param) = t.token(dialect.is_token_byte) else {
                break;
            };
            let mut param_value = Vec::new();
            if t.consume(b'=') {
                let at = t.pos;
                if t.peek() == Some(b'"') {
                    match t.quoted_string() {
                        Some(v) => param_value = v,
                        None => {
                            notes.push(EngineNote {
                                kind: EngineNoteKind::StoppedAtUnterminatedQuote,
                                range: at..len,
                            });
                            stopped = true;
                        }
                    }
                } else if let Some(token) = t.token(dialect.is_token_byte) {
                    param_value = value[token].to_vec();
                }
                let junk = t.pos;
                if t.skip_to_comma_or_semicolon() {
                    notes.push(EngineNote {
                        kind: EngineNoteKind::QuoteInSkippedJunk,
                        range: junk..t.pos,
                    });
                }
            }
            let param = &value[param];
            if param.eq_ignore_ascii_case(b"dur") {
                if dur.is_none() {
                    dur = Some((param_value, param_start..t.pos));
                }
            } else if param.eq_ignore_ascii_case(b"desc") && desc.is_none() {
                desc = Some(param_value);
            }
        }
        let duration = match dur {
            Some((raw, range)) => (dialect.duration)(&raw, range, notes),
            None => 0.0,
        };
        metrics.push(EngineMetric {
            name: isomorphic_decode(&value[name]).into_owned(),
            duration,
            description: isomorphic_decode(desc.as_deref().unwrap_or_default()).into_owned(),
            span: start..t.pos,
        });
        if !stopped && !t.at_end() && t.peek() != Some(b',') {
            notes.push(EngineNote {
                kind: EngineNoteKind::StoppedAfterMetric,
                range: t.pos..len,
            });
        }
        if !t.consume(b',') {
            break;
        }
    }
    metrics
}
