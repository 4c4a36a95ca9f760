//! `server-timing lint`: what each engine profile makes of a header, where
//! they disagree and why, and how to fix it. The work is done by
//! [`server_timing::engines::lint`]; this file reads the arguments.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Args;
use server_timing::engines::lint::lint_lines;

use crate::{print_stdout, CliError};

/// Check a Server-Timing header against every engine profile.
#[derive(Args)]
#[command(after_help = "\
Each VALUE is one Server-Timing header line of one response; several are
combined in order, as Fetch does. With no VALUE, standard input is read as
raw bytes, one header line per line. The header is read by every profile
(spec, chromium, firefox, webkit); the report lists each profile's metrics,
where a profile differs from the spec reading and why (with byte ranges
into the combined value), every recovery the spec parser made, and fixes.
Put `--` before a VALUE that starts with `-`.

EXIT STATUS:
    0    no error: every profile reads the same metrics (warnings, such as
         an unknown param or an empty value, are fine)
    1    an error: a browser loses or changes a metric, or engines disagree
    2    usage error

EXAMPLE:
    server-timing lint 'db;dur=53, cache;desc=Cache Read'")]
pub struct LintArgs {
    /// Print the report as one line of JSON
    #[arg(long)]
    json: bool,
    /// Server-Timing header lines (raw bytes); none: read standard input
    #[arg(value_name = "VALUE")]
    values: Vec<OsString>,
}

pub fn run(args: LintArgs) -> Result<ExitCode, CliError> {
    let lines = crate::input::header_lines(args.values)?;
    let report = lint_lines(&lines);
    if args.json {
        print_stdout(&format!("{}\n", crate::render::lint::to_json(&report)))?;
    } else {
        print_stdout(&crate::render::lint::to_text(&report))?;
    }
    Ok(if report.passes() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
