//! Fuzz target: any bytes given to the streaming HAR reader end in a report
//! or a typed error, never a panic; every entry renders as text and as one
//! line of JSON that parses back; the summary counts what was reported.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server_timing_cli::har::{read_har, HarOptions};

fuzz_target!(|data: &[u8]| {
    let options = HarOptions {
        all: data.first().is_some_and(|b| b & 1 == 1),
        ..HarOptions::default()
    };
    let mut reported = 0;
    let result = read_har(data, &options, |report| {
        reported += 1;
        assert!(report.to_text().starts_with(&format!("[{}]", report.index)));
        let line = report.to_json_line();
        assert!(line.ends_with('\n'));
        let back: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
        assert_eq!(back["index"], report.index);
        Ok(())
    });
    if let Ok(outcome) = result {
        let summary = outcome.summary;
        assert!(summary.visible + summary.hidden <= summary.with_server_timing);
        assert!(summary.with_server_timing <= summary.entries);
        assert!(reported <= summary.entries);
    }
});
