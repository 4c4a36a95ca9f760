//! The WebKit profile.
//!
//! No recording backs it: the WPE WebKit build available to the recorder
//! does not expose `PerformanceServerTiming`. It follows WebKit's documented
//! parser, which has the shape of Chromium's (one tokenizer over the whole
//! value that stops at the first thing it cannot read), with these
//! differences from the Chromium profile:
//! - tokens are RFC 9110 `tchar` runs (`{b}` is not a name);
//! - bytes are read as Latin-1 (WebKit keeps header values as 8-bit
//!   strings).
//!
//! Junk after the metric name is skipped up to `,` or `;` as in Chromium:
//! WebKit passes WPT cases 67 and 68 (`metric==   ""foo;dur=123.4`), which
//! require it, although an older revision of its parser had no such skip.
//!
//! The number syntax for `dur` is taken to be Chromium's (both engines'
//! string-to-double code share their origin); WebKit passes the 85 WPT
//! parsing cases, which `tests/engine_profiles.rs` checks this profile
//! against.

use super::tokenizer::{self, Dialect};
use super::{EngineMetric, EngineNote};
use crate::is_token;

fn is_tchar(b: u8) -> bool {
    is_token(&[b])
}

const WEBKIT: Dialect = Dialect {
    is_token_byte: is_tchar,
    skip_junk_after_name: true,
    keep_infinity: true,
};

/// WebKit's reading of a combined field value.
pub(crate) fn parse(value: &[u8], notes: &mut Vec<EngineNote>) -> Vec<EngineMetric> {
    tokenizer::parse(value, &WEBKIT, notes)
}
