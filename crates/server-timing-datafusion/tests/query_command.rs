//! `server-timing-query` as a user runs it: a table that is not a HAR and a
//! scheduler nobody answers for are each one line on stderr naming what
//! failed, and a non-zero exit, without a hang.

use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod common;
use common::scratch;

fn query(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_server-timing-query"))
        .args(args)
        .output()
        .expect("server-timing-query runs")
}

/// The one line of stderr, checked to be one line.
fn one_line(output: &Output) -> String {
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    stderr
}

#[test]
fn a_table_that_is_not_a_har_is_one_line_naming_the_file() {
    let dir = scratch("not-har");
    let cases = [
        // Not JSON: refused when the table is registered.
        (
            "csv.har",
            "page,url\nhttps://a.example,/x\n",
            "is not a HAR file",
        ),
        // JSON without log.entries: the query fails when it reads the file.
        (
            "object.har",
            r#"{"name": "x"}"#,
            "is not a HAR file: no log.entries",
        ),
        // Cut short.
        (
            "cut.har",
            r#"{"log": {"entries": [{"request": {"url": "https://a.example/"}}, {"#,
            "is not a valid HAR file",
        ),
    ];
    for (name, text, why) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let table = format!("har={}", path.display());
        let output = query(&["SELECT count(*) FROM har", "--table", &table]);
        let line = one_line(&output);
        assert!(
            line.starts_with("server-timing-query: ")
                && line.contains(&path.display().to_string())
                && line.contains(why),
            "{name}: {line}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unreachable_scheduler_is_one_line_not_a_hang() {
    // A port that was free a moment ago: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let scheduler = format!("127.0.0.1:{port}");
    let started = Instant::now();
    let output = query(&["SELECT 1", "--scheduler", &scheduler]);
    assert!(started.elapsed() < Duration::from_secs(30));
    let line = one_line(&output);
    assert!(
        line.contains(&format!(
            "cannot reach the Ballista scheduler at {scheduler}"
        )),
        "{line}"
    );
}
