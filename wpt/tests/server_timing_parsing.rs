//! WPT `server-timing/server_timing_header-parsing.https.html`: the 85
//! parsing cases, one trial per `resources/parsing/N.js`.
//!
//! The harness serves `N.js` with the header lines of `N.js.sub.headers`,
//! then checks `serverTiming` of its resource entry: the count, and for each
//! expected metric by position its name, `dur || 0` and `desc || ''`. Each
//! trial does the same through the owned (WebIDL-facing) API, for the value
//! as wptserve sends it (whitespace stripped) and as the file has it.

use std::path::Path;

use serde_json::Value;
use server_timing::{parse_server_timing_header_lines, PerformanceServerTiming};

const DIR: &str = "server-timing/resources/parsing";

/// The number of `resources/parsing/N.js` cases the file runs.
const TRIALS: usize = 85;

fn main() {
    let root = wpt::wpt_root();
    let mut cases = Vec::new();
    for n in 0.. {
        let headers = root.join(DIR).join(format!("{n}.js.sub.headers"));
        if !headers.exists() {
            break;
        }
        let script = root.join(DIR).join(format!("{n}.js"));
        cases.push(wpt::Case::new(format!("{DIR}/{n}.js"), move || {
            run_case(&headers, &script)
        }));
    }
    wpt::run("server_timing_parsing", TRIALS, cases)
}

fn run_case(headers: &Path, script: &Path) -> Result<(), String> {
    let lines = wpt::parse_headers_file(&std::fs::read(headers).map_err(|e| e.to_string())?);
    let expected = read_expectations(script)?;
    let server_timing: Vec<_> = lines
        .iter()
        .filter(|l| l.name.eq_ignore_ascii_case(b"server-timing"))
        .collect();
    let sent = parse_server_timing_header_lines(server_timing.iter().map(|l| &l.sent_value));
    compare(&sent, &expected).map_err(|e| format!("as sent by wptserve: {e}"))?;
    let raw = parse_server_timing_header_lines(server_timing.iter().map(|l| &l.raw_value));
    compare(&raw, &expected).map_err(|e| format!("as written in the file: {e}"))
}

/// The array passed to `testServerTiming(document.currentScript, [...])`.
fn read_expectations(script: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(script).map_err(|e| e.to_string())?;
    let start = text.find('[').ok_or("no expectation array")?;
    let end = text.rfind(']').ok_or("no expectation array")?;
    serde_json::from_str(&text[start..=end]).map_err(|e| format!("{}: {e}", script.display()))
}

/// `testServerTiming` in `server-timing/resources/parsing.js`.
fn compare(actual: &[PerformanceServerTiming], expected: &[Value]) -> Result<(), String> {
    if actual.len() != expected.len() {
        return Err(format!(
            "expected {} entries, got {}: {actual:?}",
            expected.len(),
            actual.len()
        ));
    }
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let name = e["name"].as_str().unwrap_or_default();
        let dur = e.get("dur").and_then(Value::as_f64).unwrap_or(0.0);
        let desc = e.get("desc").and_then(Value::as_str).unwrap_or("");
        if a.name() != name || a.duration() != dur || a.description() != desc {
            return Err(format!(
                "entry {i}: expected name {name:?} duration {dur} description {desc:?}, got {a:?}"
            ));
        }
    }
    Ok(())
}
