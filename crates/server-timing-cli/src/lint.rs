//! `server-timing lint`: what each engine profile makes of a header, where
//! they disagree and why, and how to fix it. The work is done by
//! [`server_timing::engines::lint`]; this file reads the arguments.

use std::ffi::OsString;
use std::process::ExitCode;

use server_timing::engines::lint::lint_lines;

use crate::parse::{os_to_bytes, read_stdin_lines};
use crate::{print_stdout, CliError};

pub const USAGE: &str = "\
server-timing lint: check a Server-Timing header against every engine profile

USAGE:
    server-timing lint [--json] [--] [VALUE]...

Each VALUE is one Server-Timing header line of one response; several are
combined in order, as Fetch does. With no VALUE, standard input is read as
raw bytes, one header line per line. The header is read by every profile
(spec, chromium, firefox, webkit); the report lists each profile's metrics,
where a profile differs from the spec reading and why (with byte ranges
into the combined value), every recovery the spec parser made, and fixes.

EXIT STATUS:
    0    every profile reads the same metrics and nothing was lost or
         changed (an unknown param or a trailing comma is fine)
    1    a profile loses or changes a metric, or a recovery dropped part
         of the header
    2    usage error

OPTIONS:
    --json       Print the report as one line of JSON
    -h, --help   Print this help
    --           Treat every later argument as a VALUE

EXAMPLE:
    server-timing lint 'db;dur=53, cache;desc=Cache Read'
";

pub fn run(args: Vec<OsString>) -> Result<ExitCode, CliError> {
    let mut json = false;
    let mut only_values = false;
    let mut values = Vec::new();
    for arg in args {
        let bytes = os_to_bytes(&arg)?;
        if !only_values {
            match bytes.as_slice() {
                b"--json" => {
                    json = true;
                    continue;
                }
                b"-h" | b"--help" => {
                    print_stdout(USAGE)?;
                    return Ok(ExitCode::SUCCESS);
                }
                b"--" => {
                    only_values = true;
                    continue;
                }
                [b'-', b'-', ..] => {
                    return Err(CliError::Usage(format!(
                        "unknown option {} for lint (put `--` before a value that starts with --)",
                        String::from_utf8_lossy(&bytes)
                    )))
                }
                _ => {}
            }
        }
        values.push(bytes);
    }
    let lines = if values.is_empty() {
        read_stdin_lines()?
    } else {
        values
    };
    let report = lint_lines(&lines);
    if json {
        print_stdout(&format!("{}\n", crate::lint_report::to_json(&report)))?;
    } else {
        print_stdout(&crate::lint_report::to_text(&report))?;
    }
    Ok(if report.passes() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
