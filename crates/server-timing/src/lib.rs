//! The HTTP `Server-Timing` header as browsers read it: a spec-exact parser,
//! the `PerformanceServerTiming` object model and a serializer whose output
//! always parses back to the same metrics.
//!
//! The [Server Timing] specification's step-by-step parsing algorithm is
//! defective as written (it never stores a param, among other things). This
//! crate implements what its ABNF, its normative prose and the 85 WPT parsing
//! cases require, over bytes, after Fetch's *get, decode, and split*; the
//! reading is written down, with every place where engines differ, in
//! `docs/parsing.md`.
//!
//! # Reading a header
//!
//! The owned API gives what `PerformanceResourceTiming.serverTiming` gives a
//! page:
//!
//! ```
//! use server_timing::parse_server_timing_header_lines;
//!
//! let lines = [&b"cache;desc=\"Cache Read\";dur=23.2"[..], b"db;dur=53, app;dur=47.2"];
//! let metrics = parse_server_timing_header_lines(lines);
//! assert_eq!(metrics.len(), 3);
//! assert_eq!(metrics[0].name(), "cache");
//! assert_eq!(metrics[0].duration(), 23.2);
//! assert_eq!(metrics[0].description(), "Cache Read");
//! assert_eq!(
//!     metrics[0].to_json(),
//!     r#"{"name":"cache","duration":23.2,"description":"Cache Read"}"#
//! );
//! // The console form, as in the MDN example:
//! assert_eq!(
//!     metrics[1].to_string(),
//!     r#"PerformanceServerTiming {name: "db", duration: 53, description: ""}"#
//! );
//! ```
//!
//! An engine that keeps a response's metrics until a page reads them keeps a
//! [`ServerTimingList`]: one shared text, read in place, that makes the
//! objects when asked (the objects of one metric are one object):
//!
//! ```
//! use server_timing::ServerTimingList;
//!
//! let list = ServerTimingList::from_header_lines([&b"db;dur=53, app;dur=47.2"[..]]);
//! let total: f64 = list.iter().map(|m| m.duration()).sum();
//! assert_eq!(total, 100.2);
//! assert!(list.get(1).unwrap().ptr_eq(&list.to_objects()[1]));
//! ```
//!
//! The zero-copy API borrows from the field value and allocates only to
//! resolve an escape or decode a non-ASCII byte; a diagnostics sink sees every
//! recovery without changing the result:
//!
//! ```
//! use server_timing::{parse_server_timing_with_diagnostics, Diagnostic, DiagnosticKind};
//!
//! let mut recoveries = Vec::new();
//! let value = b"a;dur=12abc, , b;desc=d1 d2";
//! let metrics: Vec<_> = parse_server_timing_with_diagnostics(value, |d: Diagnostic| recoveries.push(d))
//!     .map(|m| (m.name(), m.duration(), m.description().to_owned()))
//!     .collect();
//! assert_eq!(metrics, [("a", 12.0, String::new()), ("b", 0.0, "d1".to_owned())]);
//! let kinds: Vec<_> = recoveries.iter().map(|d| d.kind).collect();
//! assert_eq!(
//!     kinds,
//!     [DiagnosticKind::NonStrictDuration, DiagnosticKind::EmptyMember, DiagnosticKind::JunkAfterParamValue]
//! );
//! ```
//!
//! A value that is already `str` (a `HeaderValue::to_str`, a HAR or log
//! record) goes to [`parse_server_timing_str`], which gives the same metrics
//! as [`parse_server_timing`] on its bytes without checking UTF-8 again.
//!
//! # Writing a header
//!
//! ```
//! use server_timing::{parse_server_timing, ServerTimingBuilder};
//!
//! let mut builder = ServerTimingBuilder::new();
//! builder.metric("db", Some(53.0), Some("primary, read \"only\""))?;
//! let value = builder.into_bytes();
//! assert_eq!(value, b"db;dur=53;desc=\"primary, read \\\"only\\\"\"");
//! let back: Vec<_> = parse_server_timing(&value).collect();
//! assert_eq!(back[0].description(), "primary, read \"only\"");
//! # Ok::<(), server_timing::SerializeError>(())
//! ```
//!
//! # Features
//!
//! - `serde`: `serde::Serialize` for [`PerformanceServerTiming`], giving its
//!   `toJSON()` shape.
//!
//! [Server Timing]: https://w3c.github.io/server-timing/

pub mod engines;
pub mod float;
mod list;
mod metric;
mod parser;
mod serialize;

pub use fetch_headers::{is_token, SERVER_TIMING};
pub use list::{ServerTimingEntry, ServerTimingIter, ServerTimingList};
pub use metric::PerformanceServerTiming;
pub use parser::{
    parse_server_timing, parse_server_timing_str, parse_server_timing_with_diagnostics, Diagnostic,
    DiagnosticKind, DiagnosticSink, IgnoreDiagnostics, Metric, Metrics,
};
pub use serialize::{SerializeError, ServerTimingBuilder};

use parser::Parser;

/// Parses every `Server-Timing` line of a response, in order, into the list
/// `PerformanceResourceTiming.serverTiming` exposes.
///
/// The lines are combined as Fetch's *get* does (joined by `", "`, so a quote
/// left open in one line goes on into the next) and then parsed; bytes are
/// read as Latin-1, never rejected.
///
/// These are the objects of [`ServerTimingList::from_header_lines`]; an
/// engine that keeps the metrics until a page asks for them keeps that list
/// instead, which costs less to make and reads in place.
pub fn parse_server_timing_header_lines<'a, I, V>(lines: I) -> Vec<PerformanceServerTiming>
where
    I: IntoIterator<Item = &'a V>,
    V: AsRef<[u8]> + ?Sized + 'a,
{
    match fetch_headers::get_a_header(lines) {
        Some(value) => list::objects_of_field_value(&value),
        None => Vec::new(),
    }
}

/// [`parse_server_timing_header_lines`] over the `Server-Timing` lines of an
/// [`http::HeaderMap`].
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// headers.append("server-timing", "miss, db;dur=53".parse().unwrap());
/// headers.append("server-timing", "app;dur=47.2".parse().unwrap());
/// let metrics = server_timing::parse_header_map(&headers);
/// let names: Vec<_> = metrics.iter().map(|m| m.name()).collect();
/// assert_eq!(names, ["miss", "db", "app"]);
/// ```
pub fn parse_header_map(headers: &http::HeaderMap) -> Vec<PerformanceServerTiming> {
    parse_server_timing_header_lines(headers.get_all(SERVER_TIMING).iter())
}

/// [Parse a server-timing header field]: one member of the list that
/// Fetch's *get, decode, and split* produced, as isomorphically encoded bytes.
/// Returns `None` when the member gives no metric.
///
/// Unlike [`parse_server_timing`], a `,` here is an ordinary character (the
/// caller has already split the list).
///
/// ```
/// use server_timing::parse_a_server_timing_header_field;
/// let metric = parse_a_server_timing_header_field(b"metric;DuR=123.4;desc=\"a,b\"").unwrap();
/// assert_eq!((metric.duration(), metric.description()), (123.4, "a,b"));
/// assert!(parse_a_server_timing_header_field(b"=;").is_none());
/// ```
///
/// [Parse a server-timing header field]: <https://w3c.github.io/server-timing/#parse-a-server-timing-header-field>
pub fn parse_a_server_timing_header_field(field: &[u8]) -> Option<PerformanceServerTiming> {
    // Spec deviation: the literal steps never store a param, do not lowercase
    // param names and accept non-token names and values; this follows the
    // ABNF, the prose and WPT instead. See docs/parsing.md.
    Parser::<_, false>::new(field, IgnoreDiagnostics)
        .next_metric()
        .map(PerformanceServerTiming::from)
}

// The README's Rust example is compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
