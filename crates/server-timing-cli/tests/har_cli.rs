//! `server-timing har` on hand-made HAR files: who sees which metrics,
//! redirect chains, lint findings, broken files, and a large file.

use std::path::PathBuf;
use std::process::Output;

mod common;

use common::{run, text};

/// Writes `contents` to a temporary file named after the test.
fn file(name: &str, contents: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("st-har-{}-{name}.har", std::process::id()));
    std::fs::write(&path, contents).expect("a temporary file");
    path
}

fn entry(url: &str, status: u16, headers: &[(&str, &str)], redirect: &str) -> String {
    let headers: Vec<String> = headers
        .iter()
        .map(|(n, v)| serde_json::json!({"name": n, "value": v}).to_string())
        .collect();
    format!(
        r#"{{"pageref":"page_1","startedDateTime":"2026-11-24T00:00:00Z","time":1,"request":{{"method":"GET","url":{},"httpVersion":"HTTP/1.1","headers":[]}},"response":{{"status":{status},"statusText":"","httpVersion":"HTTP/1.1","headers":[{}],"redirectURL":{}}},"timings":{{"send":0,"wait":1,"receive":0}}}}"#,
        serde_json::Value::from(url),
        headers.join(","),
        serde_json::Value::from(redirect)
    )
}

fn har(page: &str, entries: &[String]) -> String {
    format!(
        r#"{{"log":{{"version":"1.2","creator":{{"name":"test","version":"1"}},"pages":[{{"id":"page_1","title":{},"startedDateTime":"2026-11-24T00:00:00Z","pageTimings":{{}}}}],"entries":[{}]}}}}"#,
        serde_json::Value::from(page),
        entries.join(",")
    )
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect()
}

#[test]
fn who_sees_which_metrics() {
    let page = "https://shop.example/";
    let st = ("server-timing", "db;dur=53");
    let path = file(
        "visibility",
        &har(
            page,
            &[
                entry("https://shop.example/", 200, &[st], ""),
                entry("https://cdn.example/a.js", 200, &[st], ""),
                entry(
                    "https://cdn.example/b.js",
                    200,
                    &[st, ("timing-allow-origin", "*")],
                    "",
                ),
                entry(
                    "https://cdn.example/c.js",
                    200,
                    &[st, ("timing-allow-origin", "https://shop.example")],
                    "",
                ),
                entry(
                    "https://cdn.example/d.js",
                    200,
                    &[st, ("timing-allow-origin", "https://shop.example/")],
                    "",
                ),
                entry("https://cdn.example/none.js", 200, &[], ""),
            ],
        ),
    );
    let out = run(&["har", "--json", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = json_lines(&out);
    let seen: Vec<(u64, bool)> = lines
        .iter()
        .map(|l| {
            (
                l["index"].as_u64().unwrap(),
                l["visible"].as_bool().unwrap(),
            )
        })
        .collect();
    // The entry without Server-Timing is not listed (no --all).
    assert_eq!(
        seen,
        [(0, true), (1, false), (2, true), (3, true), (4, false)]
    );
    assert_eq!(lines[0]["serverTiming"][0]["duration"], 53);
    assert_eq!(lines[0]["page"], "https://shop.example");
    let all = run(&["har", "--json", "--all", path.to_str().unwrap()]);
    assert_eq!(json_lines(&all).len(), 6);
    // Another page's view: --origin wins.
    let out = run(&[
        "har",
        "--json",
        "--origin",
        "https://cdn.example",
        path.to_str().unwrap(),
    ]);
    let visible: Vec<bool> = json_lines(&out)
        .iter()
        .map(|l| l["visible"].as_bool().unwrap())
        .collect();
    assert_eq!(visible, [false, true, true, true, true]);
    std::fs::remove_file(path).ok();
}

#[test]
fn non_secure_pages_and_engines() {
    let path = file(
        "insecure",
        &har(
            "http://shop.example/",
            &[entry(
                "http://shop.example/x",
                200,
                &[("server-timing", "a")],
                "",
            )],
        ),
    );
    let out = run(&["har", "--json", path.to_str().unwrap()]);
    let line = &json_lines(&out)[0];
    assert_eq!(line["visible"], false);
    assert_eq!(line["reason"], "hidden: the page is not a secure context");
    // Chromium exposes metrics on http pages.
    let out = run(&[
        "har",
        "--json",
        "--engine",
        "chromium",
        path.to_str().unwrap(),
    ]);
    assert_eq!(json_lines(&out)[0]["visible"], true);
    std::fs::remove_file(path).ok();
}

#[test]
fn redirect_chains_are_followed() {
    let page = "https://shop.example/";
    let st = ("server-timing", "origin;dur=9");
    let chain = |first_tao: Option<&str>| {
        let mut first = vec![("location", "https://other.example/c.js")];
        if let Some(tao) = first_tao {
            first.push(("timing-allow-origin", tao));
        }
        har(
            page,
            &[
                entry(
                    "https://cdn.example/r",
                    302,
                    &first,
                    "https://other.example/c.js",
                ),
                entry(
                    "https://other.example/c.js",
                    200,
                    &[st, ("timing-allow-origin", "*")],
                    "",
                ),
            ],
        )
    };
    let path = file("chain-fail", &chain(None));
    let out = run(&["har", "--json", path.to_str().unwrap()]);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["url"], "https://cdn.example/r");
    assert_eq!(lines[0]["redirects"], 1);
    assert_eq!(
        lines[0]["visible"], false,
        "one hop without TAO hides the chain"
    );
    std::fs::remove_file(path).ok();
    let path = file("chain-pass", &chain(Some("*")));
    let out = run(&["har", "--json", path.to_str().unwrap()]);
    assert_eq!(json_lines(&out)[0]["visible"], true);
    std::fs::remove_file(path).ok();
}

#[test]
fn lint_findings_and_strict_exit() {
    let path = file(
        "lint",
        &har(
            "https://shop.example/",
            &[entry(
                "https://shop.example/api",
                200,
                &[("server-timing", "db;dur=12abc, , app")],
                "",
            )],
        ),
    );
    let out = run(&["har", path.to_str().unwrap()]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("| disagreements (errors):"), "{stdout}");
    assert!(stdout.contains("| fixes:"), "{stdout}");
    let json = json_lines(&run(&["har", "--json", path.to_str().unwrap()]));
    assert_eq!(json[0]["lint"]["passes"], false);
    let strict = run(&["har", "--strict", path.to_str().unwrap()]);
    assert_eq!(strict.status.code(), Some(1));
    std::fs::remove_file(path).ok();
}

#[test]
fn broken_files_give_one_line() {
    let cases = [
        ("truncated", r#"{"log":{"entries":[{"request":"#),
        ("not-json", "this is not JSON"),
        ("array", "[1, 2, 3]"),
        ("no-entries", r#"{"log":{"version":"1.2"}}"#),
        (
            "wrong-type",
            r#"{"log":{"entries":[{"request":{"url":5},"response":{"status":200}}]}}"#,
        ),
        ("trailing", r#"{"log":{"entries":[]}} junk"#),
    ];
    for (name, contents) in cases {
        let path = file(name, contents);
        let out = run(&["har", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(stderr.contains("HAR"), "{name}: {stderr}");
        std::fs::remove_file(path).ok();
    }
    let out = run(&["har", "/nonexistent/file.har"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("server-timing: cannot read /nonexistent/file.har"));
    for args in [
        &["har"][..],
        &["har", "a.har", "b.har"],
        &["har", "--engine", "ie6", "a.har"],
        &["har", "--bogus"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&out.stderr).lines().count(), 1);
    }
}

#[test]
fn large_files_stream() {
    let path = std::env::temp_dir().join(format!("st-har-{}-large.har", std::process::id()));
    {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        write!(
            out,
            r#"{{"log":{{"version":"1.2","pages":[{{"id":"page_1","title":"https://shop.example/"}}],"entries":["#
        )
        .unwrap();
        for i in 0..20_000 {
            if i > 0 {
                out.write_all(b",").unwrap();
            }
            let tao: &[(&str, &str)] = if i % 2 == 0 {
                &[("timing-allow-origin", "*")]
            } else {
                &[]
            };
            let mut headers = vec![("server-timing", "edge;dur=1, origin;dur=2")];
            headers.extend_from_slice(tao);
            out.write_all(
                entry(&format!("https://cdn.example/{i}.js"), 200, &headers, "").as_bytes(),
            )
            .unwrap();
        }
        out.write_all(b"]}}").unwrap();
    }
    let out = run(&["har", "--json", path.to_str().unwrap()]);
    std::fs::remove_file(&path).ok();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 20_000);
    assert_eq!(
        lines.iter().filter(|l| l["visible"] == true).count(),
        10_000
    );
    assert!(lines
        .iter()
        .all(|l| l["serverTiming"].as_array().unwrap().len() == 2));
}

/// An entry whose request carries headers.
fn entry_with_request(url: &str, request: &[(&str, &str)], response: &[(&str, &str)]) -> String {
    let with = entry(url, 200, response, "");
    let headers: Vec<String> = request
        .iter()
        .map(|(n, v)| serde_json::json!({"name": n, "value": v}).to_string())
        .collect();
    with.replacen(
        "\"headers\":[]",
        &format!("\"headers\":[{}]", headers.join(",")),
        1,
    )
}

#[test]
fn the_page_origin_follows_the_document_and_the_requests_origin() {
    // bing.com redirects to cn.bing.com; the subresources are cn.bing.com's.
    let st = ("server-timing", "total;dur=12");
    let path = file(
        "document-redirect",
        &har(
            "https://bing.com/",
            &[
                entry("https://bing.com/", 301, &[], "https://cn.bing.com/"),
                entry("https://cn.bing.com/", 200, &[st], ""),
                entry("https://cn.bing.com/app.js", 200, &[st], ""),
                entry_with_request(
                    "https://th.bing.com/api",
                    &[("Origin", "https://cn.bing.com")],
                    &[
                        st,
                        ("access-control-allow-origin", "https://cn.bing.com"),
                        ("timing-allow-origin", "*"),
                    ],
                ),
            ],
        ),
    );
    let out = run(&["har", "--json", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    for line in &lines {
        assert_eq!(line["visible"], true, "{line}");
        assert_eq!(line["page"], "https://cn.bing.com", "{line}");
    }
    assert_eq!(lines[0]["redirects"], 1);
    assert_eq!(
        lines[1]["pageSource"],
        "log.pages title, after the document's redirect"
    );
    assert_eq!(lines[2]["pageSource"], "the request's Origin header");
    assert_eq!(
        text(&out.stderr),
        format!(
            "{}: 5 entries, 3 with Server-Timing, 3 visible\n",
            path.display()
        )
        .replace("5 entries", "4 entries")
    );
    std::fs::remove_file(path).ok();
}

#[test]
fn a_summary_line_even_without_server_timing_and_a_bom_is_fine() {
    let contents = format!(
        "\u{FEFF}{}",
        har(
            "https://a.example/",
            &[entry("https://a.example/", 200, &[], "")]
        )
    );
    let path = file("bom", &contents);
    let out = run(&["har", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "{}: 1 entries, 0 with Server-Timing, 0 visible\n",
            path.display()
        )
    );
    std::fs::remove_file(path).ok();
}

#[test]
fn jsonp_and_directories_get_one_clear_line() {
    let path = file(
        "jsonp",
        &format!("onInputData({});", har("https://a.example/", &[])),
    );
    let out = run(&["har", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1);
    assert!(
        err.contains("JSONP-wrapped HAR (onInputData(...))"),
        "{err}"
    );
    let dir = std::env::temp_dir();
    let out = run(&["har", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("is a directory"));
}

#[test]
fn a_lone_surrogate_is_read_as_a_replacement_character() {
    let st = ("server-timing", "db;dur=1;desc=\"x\"");
    let body = har(
        "https://a.example/",
        &[entry("https://a.example/\u{e9}", 200, &[st], "")],
    )
    .replace("\\u00e9", "\\ud800")
    .replace('\u{e9}', "\\ud800");
    let path = file("surrogate", &body);
    let out = run(&["har", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("1 with Server-Timing, 1 visible"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(warning: 1 lone surrogate escape read as U+FFFD)"),
        "{stdout}"
    );
    std::fs::remove_file(path).ok();
}

#[test]
fn endless_and_dangling_redirects_are_counted_not_kept() {
    let st = ("server-timing", "db;dur=1");
    let mut entries = Vec::new();
    for _ in 0..5_000 {
        entries.push(entry(
            "https://a.example/loop",
            302,
            &[st],
            "https://a.example/loop",
        ));
    }
    entries.push(entry(
        "https://a.example/away",
        302,
        &[st],
        "https://b.example/never",
    ));
    let path = file("redirect-loops", &har("https://a.example/", &entries));
    let out = run(&["har", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.contains("5001 entries, 5001 with Server-Timing, 0 visible"),
        "{stdout}"
    );
    assert!(
        stdout.contains("4998 unresolved: more than 20 redirects"),
        "{stdout}"
    );
    assert!(
        stdout.contains("3 unresolved: the redirect's target is not in the file"),
        "{stdout}"
    );
    std::fs::remove_file(path).ok();
}
