//! Fuzz target: any bytes, split into header lines at 0xFF, must parse
//! without panicking; diagnostics ranges stay in bounds and do not change the
//! result; the one-pass parser agrees with split-then-parse-each-member; and
//! the owned paths (`parse_server_timing_header_lines`, `Engine::Spec`,
//! `ServerTimingList`) give the same metrics, as does `parse_server_timing_str` on a UTF-8 value; and every parsed metric that the builder accepts serializes to a value that
//! parses back to the same metrics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use fetch_headers::{get_a_header, split_a_header_value};
use server_timing::engines::Engine;
use server_timing::{
    parse_a_server_timing_header_field, parse_server_timing, parse_server_timing_header_lines,
    parse_server_timing_str, parse_server_timing_with_diagnostics, Diagnostic, PerformanceServerTiming,
    ServerTimingBuilder, ServerTimingList,
};

fuzz_target!(|data: &[u8]| {
    let lines: Vec<&[u8]> = data.split(|&b| b == 0xFF).collect();
    let value = get_a_header(lines.iter().copied()).unwrap_or_default();

    let plain: Vec<PerformanceServerTiming> =
        parse_server_timing(&value).map(PerformanceServerTiming::from).collect();
    let mut diagnostics = Vec::new();
    let observed: Vec<PerformanceServerTiming> =
        parse_server_timing_with_diagnostics(&value, |d: Diagnostic| diagnostics.push(d))
            .map(PerformanceServerTiming::from)
            .collect();
    assert_eq!(plain, observed);
    for d in &diagnostics {
        assert!(d.range.start <= d.range.end && d.range.end <= value.len());
    }

    let two_pass: Vec<PerformanceServerTiming> = split_a_header_value(&value)
        .into_iter()
        .filter_map(parse_a_server_timing_header_field)
        .collect();
    assert_eq!(plain, two_pass);

    // A value that is UTF-8 reads the same from `str`.
    if let Ok(text) = std::str::from_utf8(&value) {
        let from_str: Vec<PerformanceServerTiming> =
            parse_server_timing_str(text).map(PerformanceServerTiming::from).collect();
        assert_eq!(from_str, plain);
    }

    // The owned paths (the field value shared as the metrics' text) read the same.
    assert_eq!(parse_server_timing_header_lines(lines.iter().copied()), plain);
    assert_eq!(Engine::Spec.parse_value(&value), plain);
    // The list an engine stores reads in place as the metrics, and its
    // objects are theirs.
    let list = ServerTimingList::from_header_lines(lines.iter().copied());
    assert!(list.iter().map(|m| (m.name(), m.duration().to_bits(), m.description())).eq(
        plain.iter().map(|m| (m.name(), m.duration().to_bits(), m.description()))
    ));
    assert_eq!(list.to_objects(), plain);

    let mut builder = ServerTimingBuilder::new();
    let mut kept = Vec::new();
    for metric in &plain {
        if builder.push(metric).is_ok() {
            kept.push(metric.clone());
        }
    }
    let back: Vec<PerformanceServerTiming> = parse_server_timing(builder.as_bytes())
        .map(PerformanceServerTiming::from)
        .collect();
    assert_eq!(back, kept);
});
