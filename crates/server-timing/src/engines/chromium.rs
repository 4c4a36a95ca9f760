//! The Chromium (Blink) profile.
//!
//! Recorded from Chromium 156 (`wpt/compat/fixtures/chromium.json`). It is
//! the shared tokenizer model ([`super::tokenizer`]) with:
//! - tokens of MIME's kind: any visible ASCII byte except `()<>@,;:\"/[]?=`,
//!   so `{` and `}` are name bytes (they are not `tchar`);
//! - junk after the metric name skipped up to `,` or `;` (quotes not
//!   special);
//! - `dur` by the engines' whole-value number syntax, keeping Infinity for a
//!   value that overflows and −0;
//! - bytes read as Latin-1.

use super::tokenizer::{self, Dialect};
use std::ops::Range;

use super::{engine_duration, EngineMetric, EngineNote};

/// A byte Chromium's header tokenizer accepts in a token.
fn is_mime_token_byte(b: u8) -> bool {
    (0x21..0x7F).contains(&b) && !b"()<>@,;:\\\"/[]?=".contains(&b)
}

/// `dur` by the whole-value syntax, keeping ±Infinity.
fn chromium_duration(raw: &[u8], range: Range<usize>, notes: &mut Vec<EngineNote>) -> f64 {
    engine_duration(raw, range, true, notes)
}

const CHROMIUM: Dialect = Dialect {
    is_token_byte: is_mime_token_byte,
    skip_junk_after_name: true,
    duration: chromium_duration,
};

/// Chromium's reading of a combined field value.
pub(crate) fn parse(value: &[u8], notes: &mut Vec<EngineNote>) -> Vec<EngineMetric> {
    tokenizer::parse(value, &CHROMIUM, notes)
}
