//! The streaming reader over whole files: entries in order, pages wherever
//! they stand, a stop, and each way a file can fail to be a HAR.

use std::ops::ControlFlow;

use har_stream::{read_entries, HarSink, ReadError};
use serde_json::Value;

/// Keeps every page id and entry URL, and stops after `stop_after` entries.
#[derive(Default)]
struct Collect {
    pages: Vec<String>,
    urls: Vec<String>,
    stop_after: Option<usize>,
}

impl HarSink for Collect {
    type Page = Value;
    type Entry = Value;
    fn pages(&mut self, pages: Vec<Value>) {
        self.pages.extend(
            pages
                .iter()
                .filter_map(|p| p["id"].as_str().map(str::to_owned)),
        );
    }
    fn entry(&mut self, entry: Value) -> ControlFlow<()> {
        self.urls
            .push(entry["request"]["url"].as_str().unwrap_or("?").to_owned());
        if self.stop_after == Some(self.urls.len()) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

fn read(text: &[u8]) -> (Result<har_stream::ReadOutcome, ReadError>, Collect) {
    let mut sink = Collect::default();
    let result = read_entries(text, &mut sink);
    (result, sink)
}

const HAR: &str = r#"{"log":{"version":"1.2","entries":[
  {"request":{"url":"https://a.example/1"}},
  {"request":{"url":"https://a.example/2"}},
  {"request":{"url":"https://a.example/3"}}],
  "pages":[{"id":"p1"},{"id":"p2"}]},"extra":[1,2]}"#;

#[test]
fn entries_come_in_order_and_pages_wherever_they_stand() {
    let (result, sink) = read(HAR.as_bytes());
    let outcome = result.unwrap();
    assert!(!outcome.stopped);
    assert_eq!(outcome.repaired_surrogates, 0);
    assert_eq!(
        sink.urls,
        [
            "https://a.example/1",
            "https://a.example/2",
            "https://a.example/3"
        ]
    );
    assert_eq!(sink.pages, ["p1", "p2"]);
}

#[test]
fn a_sink_can_stop_the_read() {
    let mut sink = Collect {
        stop_after: Some(2),
        ..Collect::default()
    };
    // What follows the stop is not read: even broken JSON there is no error.
    let text = format!(
        "{}garbage",
        &HAR[..HAR
            .find("{\"request\":{\"url\":\"https://a.example/3")
            .unwrap()]
    );
    let outcome = read_entries(text.as_bytes(), &mut sink).unwrap();
    assert!(outcome.stopped);
    assert_eq!(sink.urls.len(), 2);
}

#[test]
fn a_bom_is_skipped_and_lone_surrogates_are_repaired_and_counted() {
    let text = "\u{FEFF}{\"log\":{\"entries\":[{\"request\":{\"url\":\"https://a.example/\\udc00\\ud83d\\ude00\\ud800\"}}]}}";
    let (result, sink) = read(text.as_bytes());
    assert_eq!(result.unwrap().repaired_surrogates, 2);
    assert_eq!(sink.urls, ["https://a.example/\u{FFFD}\u{1F600}\u{FFFD}"]);
}

#[test]
fn files_that_are_not_hars_fail_with_what_they_are() {
    let cases: [(&[u8], &str); 5] = [
        (
            b"onInputData({\"log\":{}})",
            "is a JSONP-wrapped HAR (onInputData(...))",
        ),
        (b"a,b\n1,2\n", "is not a valid HAR file"),
        (
            b"{\"log\":{\"pages\":[]}}",
            "is not a HAR file: no log.entries",
        ),
        (
            b"{\"log\":{\"entries\":[{\"request\":",
            "is not a valid HAR file",
        ),
        (b"", "is not a valid HAR file"),
    ];
    for (text, message) in cases {
        let (result, _) = read(text);
        let error = result.expect_err("not a HAR").to_string();
        assert!(error.starts_with(message), "{error:?} for {text:?}");
    }
}

#[test]
fn a_failing_reader_is_a_read_error() {
    struct Broken;
    impl std::io::Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let mut sink = Collect::default();
    let error = read_entries(Broken, &mut sink).expect_err("broken");
    assert!(matches!(error, ReadError::Read(_)), "{error:?}");
    assert!(std::error::Error::source(&error).is_some());
}
