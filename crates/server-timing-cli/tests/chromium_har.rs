//! `server-timing har` on HAR files recorded from real headless Chromium
//! (`tests/data/chromium-har/`: `record.py` serves two loopback origins and
//! drives Debian's Chromium with Playwright; `chromium-version.txt` names the
//! release). The recording page saved what it saw itself in
//! `performance.getEntriesByType('resource')` (`observed.json`): `har`
//! must agree with it, entry by entry.

use std::path::PathBuf;

mod common;

use common::{run, text};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/chromium-har")
        .join(name)
}

fn observed() -> serde_json::Value {
    let text = std::fs::read_to_string(data("observed.json")).expect("the recording");
    serde_json::from_str(&text).expect("JSON")
}

/// `har --json` lines, by the URL each chain started at.
fn har_json(args: &[&str]) -> Vec<serde_json::Value> {
    let path = data("loopback.har");
    let mut all = vec!["har", "--json"];
    all.extend_from_slice(args);
    all.push(path.to_str().unwrap());
    let out = run(&all);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect()
}

fn names(list: &serde_json::Value) -> Vec<(String, f64, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_owned(),
                m["duration"].as_f64().unwrap(),
                m["description"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_recording_is_what_it_says() {
    let version = std::fs::read_to_string(data("chromium-version.txt")).unwrap();
    assert!(version.starts_with("Chromium 156."), "{version}");
    let observed = observed();
    // The page saw same-origin, TAO-passing and hidden resources alike.
    let resources = observed["resources"].as_array().unwrap();
    assert!(resources.len() >= 10);
    assert!(resources
        .iter()
        .any(|r| r["serverTiming"].as_array().unwrap().is_empty()));
    assert!(resources
        .iter()
        .any(|r| !r["serverTiming"].as_array().unwrap().is_empty()));
}

#[test]
fn har_as_chromium_sees_what_chromium_saw() {
    let observed = observed();
    let lines = har_json(&["--engine", "chromium"]);
    let mut compared = 0;
    for resource in observed["resources"].as_array().unwrap() {
        let url = resource["name"].as_str().unwrap();
        let Some(line) = lines.iter().find(|l| l["url"] == url) else {
            // No Server-Timing on the response (favicon.ico's 404).
            assert!(url.ends_with("/favicon.ico"), "{url} is not in the report");
            continue;
        };
        let seen = names(&resource["serverTiming"]);
        let visible = line["visible"].as_bool().unwrap();
        assert_eq!(visible, !seen.is_empty(), "{url}: {}", line["reason"]);
        if visible {
            assert_eq!(names(&line["serverTiming"]), seen, "{url}");
        }
        compared += 1;
    }
    assert_eq!(compared, 10);
    // The document: its navigation entry's metrics, after the redirect.
    let navigation = &observed["navigation"][0];
    let document = &lines[0];
    assert_eq!(document["redirects"], 1);
    assert_eq!(document["visible"], true);
    assert_eq!(
        names(&document["serverTiming"]),
        names(&navigation["serverTiming"])
    );
    assert_eq!(
        document["page"].as_str().unwrap(),
        observed["origins"]["a"].as_str().unwrap()
    );
}

#[test]
fn the_default_report_names_chromium_where_it_reads_otherwise() {
    let observed = observed();
    let spec = har_json(&[]);
    // By the spec, every resource is visible exactly where Chromium showed
    // metrics; where Chromium read the header otherwise (a stray comma),
    // its reading is named, and it is the one Chromium showed.
    let b = observed["origins"]["b"].as_str().unwrap();
    let stray = format!("{b}/stray-comma.js");
    let line = spec.iter().find(|l| l["url"] == stray.as_str()).unwrap();
    assert_eq!(line["serverTiming"].as_array().unwrap().len(), 2);
    let chromium_saw = observed["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == stray.as_str())
        .unwrap();
    assert_eq!(
        names(&line["engines"]["chromium"]["serverTiming"]),
        names(&chromium_saw["serverTiming"])
    );
    for resource in observed["resources"].as_array().unwrap() {
        let url = resource["name"].as_str().unwrap();
        if let Some(line) = spec.iter().find(|l| l["url"] == url) {
            let seen = !resource["serverTiming"].as_array().unwrap().is_empty();
            assert_eq!(line["engines"]["chromium"]["visible"], seen, "{url}");
        }
    }
    // The text names the engine with its release.
    let out = run(&["har", data("loopback.har").to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("    chromium (Chromium 156): visible; shows:\n      0: PerformanceServerTiming {name: \"db\", duration: 5, description: \"\"}\n"), "{stdout}");
    assert!(
        stdout.ends_with("15 entries, 15 with Server-Timing, 7 visible, 4 hidden\n"),
        "{stdout}"
    );
}
