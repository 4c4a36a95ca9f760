//! The `server-timing` command-line tool.
//!
//! `cmd/` holds one file per subcommand (its arguments and what it does),
//! `render/` how results are shown (text, waterfall, JSON reports), `har/`
//! the streaming HAR reader, `input.rs` how header lines come in.

mod cmd;
mod har;
mod input;
mod render;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

/// Every subcommand's help starts with `server-timing NAME: what it does`.
const SUBCOMMAND_HELP: &str = "\
{name}: {about}

{usage-heading} {usage}

{all-args}{after-help}";

#[derive(Parser)]
#[command(
    name = "server-timing",
    version,
    about = "server-timing: read Server-Timing headers exactly as browsers do",
    help_template = "{about}\n\n{usage-heading} {usage}\n\n{all-args}{after-help}",
    after_help = "Run `server-timing <COMMAND> --help` for a command's options.",
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse Server-Timing field values and print the metrics
    #[command(display_name = "server-timing parse", help_template = SUBCOMMAND_HELP)]
    Parse(cmd::parse::ParseArgs),
    /// Check a header against every engine profile (exit 1 on an error)
    #[command(display_name = "server-timing lint", help_template = SUBCOMMAND_HELP)]
    Lint(cmd::lint::LintArgs),
    /// Fetch a URL as a page would and show its resource timing entry
    #[command(display_name = "server-timing fetch", help_template = SUBCOMMAND_HELP)]
    Fetch(cmd::fetch::FetchArgs),
    /// Serve the MDN example and test routes on loopback
    #[command(display_name = "server-timing serve", help_template = SUBCOMMAND_HELP)]
    Serve(cmd::serve::ServeArgs),
    /// Show what four pages would see of the MDN example (no setup)
    #[command(display_name = "server-timing demo", help_template = SUBCOMMAND_HELP)]
    Demo(cmd::demo::DemoArgs),
    /// The Server-Timing metrics of every entry of a HAR file, and who sees them
    #[command(display_name = "server-timing har", help_template = SUBCOMMAND_HELP)]
    Har(cmd::har::HarArgs),
}

/// Why a command did not run to the end (bad arguments never get this
/// far: clap refuses them, exit 2).
#[derive(Debug)]
pub enum CliError {
    /// The command could not do its work: unreadable input, I/O (exit 1).
    Failed(String),
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error, &args),
    };
    let result = match cli.command {
        Command::Parse(args) => cmd::parse::run(args),
        Command::Lint(args) => cmd::lint::run(args),
        Command::Fetch(args) => cmd::fetch::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Demo(args) => cmd::demo::run(args),
        Command::Har(args) => cmd::har::run(args),
    };
    match result {
        Ok(code) => code,
        Err(CliError::Failed(message)) => {
            eprintln!("server-timing: {message}");
            ExitCode::from(1)
        }
    }
}

/// Help and version go to stdout (exit 0; the bare command's help exits 2);
/// every other mistake is one line on stderr that points at the help of the
/// subcommand it was made in, exit 2.
fn usage_error(error: &clap::Error, args: &[OsString]) -> ExitCode {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = print_stdout(&error.render().to_string());
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = print_stdout(&error.render().to_string());
            ExitCode::from(2)
        }
        _ => {
            // clap's first paragraph, on one line ("... not provided:\n  <URL>").
            let rendered = error.render().to_string();
            let paragraph: Vec<&str> = rendered
                .lines()
                .take_while(|line| !line.trim().is_empty())
                .map(str::trim)
                .collect();
            let joined = paragraph.join(" ");
            let message = joined.strip_prefix("error: ").unwrap_or(&joined);
            let known = ["parse", "lint", "fetch", "serve", "demo", "har"];
            let help = match args.get(1).and_then(|a| a.to_str()) {
                Some(name) if known.contains(&name) => format!("server-timing {name} --help"),
                _ => "server-timing --help".to_owned(),
            };
            eprintln!("server-timing: {message} (see `{help}`)");
            ExitCode::from(2)
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn engine_takes_both_forms_in_every_command_that_has_it() {
        for sub in ["parse", "fetch", "har"] {
            let extra: &[&str] = match sub {
                "fetch" => &["http://127.0.0.1:1/"],
                "har" => &["x.har"],
                _ => &[],
            };
            for form in [&["--engine", "firefox"][..], &["--engine=firefox"]] {
                let mut args = vec!["server-timing", sub];
                args.extend_from_slice(form);
                args.extend_from_slice(extra);
                assert!(Cli::try_parse_from(&args).is_ok(), "{args:?}");
            }
        }
    }
}
