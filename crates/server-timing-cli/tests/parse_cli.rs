//! `server-timing parse` as a user runs it: arguments, standard input, exit
//! status and the one-line errors.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server-timing"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    {
        let mut pipe = child.stdin.take().expect("stdin");
        if let Some(bytes) = stdin {
            pipe.write_all(bytes).expect("write stdin");
        }
    }
    child.wait_with_output().expect("the binary finishes")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

#[test]
fn mdn_example_as_json() {
    let out = run(
        &[
            "parse",
            "--json",
            "cache;desc=\"Cache Read\";dur=23.2, db;dur=53, app;dur=47.2",
        ],
        None,
    );
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        "[{\"name\":\"cache\",\"duration\":23.2,\"description\":\"Cache Read\"},\
         {\"name\":\"db\",\"duration\":53,\"description\":\"\"},\
         {\"name\":\"app\",\"duration\":47.2,\"description\":\"\"}]\n"
    );
}

#[test]
fn several_values_are_consecutive_header_lines() {
    let out = run(&["parse", "--json", "--", "a;desc=\"x", "y\""], None);
    assert_eq!(
        stdout(&out),
        "[{\"name\":\"a\",\"duration\":0,\"description\":\"x, y\"}]\n"
    );
}

#[test]
fn standard_input_is_raw_bytes_one_line_per_header() {
    // é as UTF-8 bytes reads as two Latin-1 characters; CRLF line ends.
    let out = run(
        &["parse", "--json"],
        Some(b"a;desc=\"caf\xC3\xA9\"\r\nb;dur=2\n"),
    );
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        "[{\"name\":\"a\",\"duration\":0,\"description\":\"caf\u{C3}\u{A9}\"},\
         {\"name\":\"b\",\"duration\":2,\"description\":\"\"}]\n"
    );
}

#[test]
fn explain_prints_diagnostics() {
    let out = run(&["parse", "--explain", "a;dur=12abc, , b"], None);
    let text = stdout(&out);
    assert!(
        text.contains("0: PerformanceServerTiming {name: \"a\", duration: 12, description: \"\"}")
    );
    assert!(text.contains("NonStrictDuration"), "{text}");
    assert!(text.contains("EmptyMember"), "{text}");
}

#[test]
fn a_header_is_never_an_error() {
    let out = run(&["parse", "--", "=;,\"\\"], None);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "(no metrics)\n");
}

#[test]
fn bad_arguments_give_one_line_and_exit_2() {
    for args in [&["parse", "--bogus"][..], &["bogus"][..]] {
        let out = run(args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("server-timing: "), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn help_documents_the_options() {
    let out = run(&["parse", "--help"], None);
    assert!(out.status.success());
    let text = stdout(&out);
    for option in ["--json", "--explain", "standard input"] {
        assert!(text.contains(option), "{option}");
    }
}
