//! The `server-timing` command-line tool.

mod har;
mod lint;
mod lint_report;
mod net;
mod parse;

use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "\
server-timing: read Server-Timing headers exactly as browsers do

USAGE:
    server-timing <COMMAND> [OPTIONS]

COMMANDS:
    parse    Parse Server-Timing field values and print the metrics
    lint     Check a header against every engine profile (exit 1 if they disagree)
    fetch    Fetch a URL as a page would and show its resource timing entry
    serve    Serve the MDN example and test routes on loopback
    demo     Show what four pages would see of the MDN example (no setup)
    har      The Server-Timing metrics of every entry of a HAR file, and who sees them
    help     Print this help, or a command's help: server-timing help parse

Run `server-timing <COMMAND> --help` for a command's options.
";

/// A command-line mistake: printed as one line on stderr, exit status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let result = run(args);
    match result {
        Ok(code) => code,
        Err(CliError::Usage(message)) => {
            eprintln!("server-timing: {message} (see `server-timing --help`)");
            ExitCode::from(2)
        }
        Err(CliError::Failed(message)) => {
            eprintln!("server-timing: {message}");
            ExitCode::from(1)
        }
    }
}

/// Why a command did not run to the end.
#[derive(Debug)]
pub enum CliError {
    /// Bad arguments (exit 2).
    Usage(String),
    /// The command could not do its work: unreadable input, I/O (exit 1).
    Failed(String),
}

fn run(args: Vec<std::ffi::OsString>) -> Result<ExitCode, CliError> {
    let mut args = args.into_iter();
    let Some(command) = args.next() else {
        print_stdout(USAGE)?;
        return Ok(ExitCode::from(2));
    };
    let rest: Vec<_> = args.collect();
    match command.to_str() {
        Some("parse") => parse::run(rest),
        Some("lint") => lint::run(rest),
        Some("fetch") => net::run_fetch(rest),
        Some("serve") => net::run_serve(rest),
        Some("demo") => net::run_demo(rest),
        Some("har") => har::run(rest),
        Some("help" | "--help" | "-h") => {
            match rest.first().and_then(|a| a.to_str()) {
                Some("parse") => print_stdout(parse::USAGE)?,
                Some("lint") => print_stdout(lint::USAGE)?,
                Some("fetch") => print_stdout(net::FETCH_USAGE)?,
                Some("serve") => print_stdout(net::SERVE_USAGE)?,
                Some("demo") => print_stdout(net::DEMO_USAGE)?,
                Some("har") => print_stdout(har::USAGE)?,
                Some(other) => return Err(CliError::Usage(format!("no command named {other:?}"))),
                None => print_stdout(USAGE)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Some("--version" | "-V") => {
            print_stdout(&format!("server-timing {}\n", env!("CARGO_PKG_VERSION")))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => Err(CliError::Usage(format!("unknown command {other:?}"))),
        None => Err(CliError::Usage("the command is not valid UTF-8".into())),
    }
}

/// Writes to stdout; a closed pipe is not an error worth a panic.
pub fn print_stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Failed(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}
