//! The parsers compared side by side (issue 16), each doing the same work on
//! every metric of every field value: read the name, the duration in
//! milliseconds as `f64`, and the description. Shared by the criterion
//! group `peers` and the instruction-count gate, so both measure the same
//! code. Inputs are prepared outside the measured loops.

use std::hint::black_box;

/// The corpus in the form each parser takes, built once.
pub struct Prepared {
    /// The field values as bytes (ours and the byte scan).
    pub bytes: Vec<Vec<u8>>,
    /// The same as `str` (`server-timing` 0.1 takes `&str`).
    pub text: Vec<String>,
    /// One http-types response per field value, with the value as its
    /// `Server-Timing` header (http-types parses from its `Headers`).
    pub responses: Vec<http_types::Response>,
}

impl Prepared {
    /// Prepares `corpus`, which must be UTF-8.
    pub fn new(corpus: Vec<Vec<u8>>) -> Prepared {
        let text: Vec<String> = corpus
            .iter()
            .map(|v| String::from_utf8(v.clone()).expect("the corpus is ASCII"))
            .collect();
        let responses = text
            .iter()
            .map(|value| {
                let mut response = http_types::Response::new(200);
                response.insert_header("Server-Timing", value.as_str());
                response
            })
            .collect();
        Prepared {
            bytes: corpus,
            text,
            responses,
        }
    }

    /// Bytes in one pass over the corpus.
    pub fn len(&self) -> usize {
        self.bytes.iter().map(Vec::len).sum()
    }
}

/// Ours, zero-copy: `parse_server_timing`'s borrowed metrics.
#[inline(never)]
pub fn ours_zero_copy(input: &Prepared) -> f64 {
    read_zero_copy(&input.bytes, |value| {
        server_timing::parse_server_timing(value)
    })
}

/// Ours, zero-copy from `str`: `parse_server_timing_str` on the same values
/// as text, as the `str` peers get them (no second UTF-8 check).
#[inline(never)]
pub fn ours_zero_copy_str(input: &Prepared) -> f64 {
    read_zero_copy(&input.text, |value| {
        server_timing::parse_server_timing_str(value)
    })
}

/// Reads every metric of every value as `parse` gives them.
#[inline(always)]
fn read_zero_copy<'a, V: 'a>(
    values: &'a [V],
    parse: impl Fn(&'a V) -> server_timing::Metrics<'a>,
) -> f64 {
    let mut acc = 0.0;
    for value in values {
        for metric in parse(black_box(value)) {
            acc += metric.duration();
            black_box((metric.name(), metric.description()));
        }
    }
    acc
}

/// Ours, owned: the `ServerTimingList` an engine stores for a response
/// (made from its header lines), read in place (as the http-types row reads
/// its list through `iter()`), then dropped.
#[inline(never)]
pub fn ours_owned(input: &Prepared) -> f64 {
    let mut acc = 0.0;
    for value in &input.bytes {
        let list = server_timing::ServerTimingList::from_header_lines([black_box(value)]);
        for metric in &list {
            acc += metric.duration();
            black_box((metric.name(), metric.description()));
        }
    }
    acc
}

/// Ours, as objects: the `PerformanceServerTiming` objects the
/// `serverTiming` getter gives a page (`parse_server_timing_header_lines`),
/// read, then dropped.
#[inline(never)]
pub fn ours_objects(input: &Prepared) -> f64 {
    let mut acc = 0.0;
    for value in &input.bytes {
        let objects = server_timing::parse_server_timing_header_lines([black_box(value)]);
        for metric in &objects {
            acc += metric.duration();
            black_box((metric.name(), metric.description()));
        }
    }
    acc
}

/// http-types 2.12: `trace::ServerTiming::from_headers`.
#[inline(never)]
pub fn http_types(input: &Prepared) -> f64 {
    let mut acc = 0.0;
    for response in &input.responses {
        let timing = http_types::trace::ServerTiming::from_headers(black_box(response))
            .expect("the peer corpus parses")
            .expect("the header is there");
        for metric in timing.iter() {
            acc += metric.duration().map_or(0.0, |d| d.as_secs_f64() * 1000.0);
            black_box((metric.name(), metric.description()));
        }
    }
    acc
}

/// crates.io's `server-timing` 0.1: `parse_server_timing`, then the first
/// `dur` and `desc` of each metric's params.
#[inline(never)]
pub fn server_timing_0_1(input: &Prepared) -> f64 {
    let mut acc = 0.0;
    for value in &input.text {
        let metrics = server_timing_peer::parse_server_timing(black_box(value))
            .expect("the peer corpus parses");
        for (name, params) in &metrics {
            let param = |key: &str| params.iter().find(|(k, _)| *k == key).map(|(_, v)| v);
            acc += param("dur").map_or(0.0, |v| v.parse::<f64>().unwrap_or(0.0));
            black_box((name, param("desc").map_or("", |v| v.as_ref())));
        }
    }
    acc
}

/// A bare byte scan: counts the `,` and `;` bytes, the least any parser
/// must look at.
#[inline(never)]
pub fn byte_scan(input: &Prepared) -> usize {
    let mut count = 0;
    for value in &input.bytes {
        count += black_box(value)
            .iter()
            .filter(|&&b| b == b',' || b == b';')
            .count();
    }
    count
}
