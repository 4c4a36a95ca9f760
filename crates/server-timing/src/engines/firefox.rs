//! The Firefox (Gecko) profile.
//!
//! Recorded from Firefox 153 ESR (`wpt/compat/fixtures/firefox.json`).
//! Firefox reads the value as a list of lists: members split at `,` and each
//! member split at `;`, both outside quoted strings. Each `;`-piece reads as
//! `token [= token-or-quoted-string]` with anything after that ignored; a
//! piece that does not start with a token is dropped. The first remaining
//! piece names the metric; the later ones are its params (names
//! case-insensitive, first wins). So it recovers where Chromium stops, and a
//! member with no name (`;dur=1`) yields a metric named after its first
//! param. `dur` uses the engines' whole-value number syntax with 0 for an
//! overflow; names and descriptions are decoded as UTF-8, each invalid
//! sequence replaced by U+FFFD.

use std::ops::Range;

use super::{engine_duration, EngineMetric, EngineNote, EngineNoteKind};
use crate::is_token;

/// Splits `value[range]` at `sep` bytes outside quoted strings (a `\` inside
/// a quoted string escapes the next byte; an open quote runs to the end).
/// The pieces come one at a time, so memory does not grow with their count.
fn split_outside_quotes(
    value: &[u8],
    range: Range<usize>,
    sep: u8,
) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = range.start;
    let mut i = range.start;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        while i < range.end {
            match value[i] {
                b'"' => {
                    i += 1;
                    while i < range.end && value[i] != b'"' {
                        i += if value[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b if b == sep => {
                    let piece = start..i;
                    i += 1;
                    start = i;
                    return Some(piece);
                }
                _ => i += 1,
            }
        }
        done = true;
        Some(start..range.end.max(start))
    })
}

fn skip_ows(value: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && matches!(value[i], b' ' | b'\t') {
        i += 1;
    }
    i
}

fn token_end(value: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && is_token(&value[i..=i]) {
        i += 1;
    }
    i
}

/// One `;`-piece: its name and, if it has `=`, its value (empty when the
/// value is neither a token nor a closed quoted string).
fn read_piece(value: &[u8], piece: Range<usize>) -> Option<(Range<usize>, Vec<u8>)> {
    let end = piece.end;
    let start = skip_ows(value, piece.start, end);
    let name_end = token_end(value, start, end);
    if name_end == start {
        return None;
    }
    let mut i = skip_ows(value, name_end, end);
    let mut param_value = Vec::new();
    if i < end && value[i] == b'=' {
        i = skip_ows(value, i + 1, end);
        if i < end && value[i] == b'"' {
            i += 1;
            let mut out = Vec::new();
            let mut closed = false;
            while i < end {
                match value[i] {
                    b'"' => {
                        closed = true;
                        break;
                    }
                    b'\\' if i + 1 < end => {
                        out.push(value[i + 1]);
                        i += 2;
                    }
                    b'\\' => break,
                    b => {
                        out.push(b);
                        i += 1;
                    }
                }
            }
            if closed {
                param_value = out;
            }
        } else {
            param_value = value[i..token_end(value, i, end)].to_vec();
        }
    }
    Some((start..name_end, param_value))
}

/// UTF-8 decoding as Firefox does it, noting non-ASCII and invalid bytes.
fn decode(bytes: &[u8], range: Range<usize>, notes: &mut Vec<EngineNote>) -> String {
    if bytes.is_ascii() {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let kind = if std::str::from_utf8(bytes).is_ok() {
        EngineNoteKind::DecodedAsUtf8
    } else {
        EngineNoteKind::InvalidUtf8Replaced
    };
    notes.push(EngineNote { kind, range });
    String::from_utf8_lossy(bytes).into_owned()
}

/// Firefox's reading of a combined field value.
pub(crate) fn parse(value: &[u8], notes: &mut Vec<EngineNote>) -> Vec<EngineMetric> {
    let mut metrics = Vec::new();
    for member in split_outside_quotes(value, 0..value.len(), b',') {
        let mut name: Option<Range<usize>> = None;
        let mut dur: Option<(Vec<u8>, Range<usize>)> = None;
        let mut desc: Option<(Vec<u8>, Range<usize>)> = None;
        for (index, piece) in split_outside_quotes(value, member.clone(), b';').enumerate() {
            let Some((piece_name, piece_value)) = read_piece(value, piece.clone()) else {
                continue;
            };
            // The param's bytes for notes: from its name to the end of the
            // piece, without trailing spaces.
            let mut piece_end = piece.end;
            while piece_end > piece_name.start && matches!(value[piece_end - 1], b' ' | b'\t') {
                piece_end -= 1;
            }
            let piece = piece_name.start..piece_end;
            let Some(_) = name else {
                if index > 0 {
                    notes.push(EngineNote {
                        kind: EngineNoteKind::NameTakenFromParam,
                        range: member.clone(),
                    });
                }
                name = Some(piece_name);
                continue;
            };
            let param = &value[piece_name];
            if param.eq_ignore_ascii_case(b"dur") {
                dur.get_or_insert((piece_value, piece));
            } else if param.eq_ignore_ascii_case(b"desc") {
                desc.get_or_insert((piece_value, piece));
            }
        }
        let Some(name) = name else { continue };
        let duration = match dur {
            Some((raw, range)) => engine_duration(&raw, range, false, notes),
            None => 0.0,
        };
        let description = match desc {
            Some((raw, range)) => decode(&raw, range, notes),
            None => String::new(),
        };
        metrics.push(EngineMetric {
            name: decode(&value[name.clone()], name, notes),
            duration,
            description,
            span: member,
        });
    }
    metrics
}
