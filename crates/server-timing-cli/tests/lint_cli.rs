//! `server-timing lint` and `parse --engine` through the binary.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_server-timing"))
        .args(args)
        .output()
        .expect("run server-timing");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

#[test]
fn clean_header_exits_0() {
    let (code, out, _) = run(&["lint", "cache;desc=\"Cache Read\";dur=23.2", "db;dur=53"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("ok: every profile reads the same metrics\n"));
}

#[test]
fn empty_member_exits_1_and_names_the_engines() {
    let (code, out, _) = run(&["lint", "a;dur=1, , b;dur=2"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("chromium: 1 metric instead of 2; lost b"),
        "{out}"
    );
    assert!(
        out.contains("webkit: 1 metric instead of 2; lost b"),
        "{out}"
    );
    assert!(!out.contains("firefox: "), "{out}");
}

#[test]
fn json_report_is_one_line() {
    let (code, out, _) = run(&["lint", "--json", "m;dur=1e400"]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 1);
    assert!(
        out.starts_with("{\"value\":\"m;dur=1e400\",\"passes\":false,"),
        "{out}"
    );
    assert!(
        out.contains("\"spec\":[{\"name\":\"m\",\"duration\":0,"),
        "{out}"
    );
    assert!(
        out.contains("\"chromium\":[{\"name\":\"m\",\"duration\":null,"),
        "{out}"
    );
}

#[test]
fn parse_with_engine() {
    let (code, out, _) = run(&["parse", "--json", "--engine", "firefox", ";dur=1"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "[{\"name\":\"dur\",\"duration\":0,\"description\":\"\"}]\n"
    );
    let (code, out, _) = run(&["parse", "--json", "--engine=chromium", "a, , b"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "[{\"name\":\"a\",\"duration\":0,\"description\":\"\"}]\n"
    );
}

#[test]
fn bad_engine_is_a_usage_error() {
    let (code, _, err) = run(&["parse", "--engine", "opera", "x"]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1);
    let (code, _, _) = run(&["lint", "--bogus"]);
    assert_eq!(code, 2);
}

#[test]
fn unknown_options_are_refused_alike_and_point_at_the_subcommand_help() {
    for sub in ["parse", "lint", "fetch", "serve", "demo", "har"] {
        let (code, out, err) = run(&[sub, "--bogus"]);
        assert_eq!(code, 2, "{sub}");
        assert!(out.is_empty(), "{sub}: {out}");
        assert_eq!(err.lines().count(), 1, "{sub}: {err}");
        assert!(
            err.starts_with("server-timing: unexpected argument '--bogus' found"),
            "{sub}: {err}"
        );
        assert!(
            err.trim_end()
                .ends_with(&format!("(see `server-timing {sub} --help`)")),
            "{sub}: {err}"
        );
    }
}

#[test]
fn real_servers_headers_are_warnings_and_a_quote_open_across_lines_is_an_error() {
    // Akamai's unknown param and Bing's empty dur: read alike everywhere.
    for header in ["akam;dur=243;start=1700000000.123;desc=hit", "origin; dur="] {
        let (code, out, _) = run(&["lint", header]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("warning: bytes"), "{out}");
        assert!(
            out.trim_end().ends_with("warning)") || out.trim_end().ends_with("warnings)"),
            "{out}"
        );
    }
    let (code, out, _) = run(&["lint", "a;desc=\"x", "b;dur=1", "y\""]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("opened in line 1 runs into the next 2 lines"),
        "{out}"
    );
    let (code, out, _) = run(&["lint", "--json", "m;desc=\"has \"quotes\"\""]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(report["fixes"][0]["param"], "desc");
    assert_eq!(
        report["fixes"][0]["replacement"],
        "desc=\"has \\\"quotes\\\"\""
    );
}

#[test]
fn long_headers_are_summarized() {
    let header = "a".to_owned() + &", ".repeat(40_000) + "b";
    let (code, out, _) = run(&["lint", &header]);
    assert_eq!(code, 1);
    assert!(out.lines().count() < 200, "{} lines", out.lines().count());
    assert!(out.contains("... and 39949 more recoveries"), "{out}");
}
