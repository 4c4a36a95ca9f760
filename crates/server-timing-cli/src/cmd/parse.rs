//! `server-timing parse`.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Args;
use server_timing::engines::Engine;

use crate::{print_stdout, CliError};

/// Parse Server-Timing field values as a browser does.
#[derive(Args)]
#[command(after_help = "\
Each VALUE is one Server-Timing header line; several are combined in order,
as Fetch does (joined with \", \"). With no VALUE, standard input is read as
raw bytes, one header line per line (LF ends a line, a CR before it is
dropped), so bytes that are not UTF-8 can be given. Bytes are read as
Latin-1, as browsers do. A header is never an error: junk is skipped.
Put `--` before a VALUE that starts with `-`.

OUTPUT:
    Default    the metrics as a browser console shows `serverTiming`:
               0: PerformanceServerTiming {name: \"cache\", duration: 23.2, description: \"Cache Read\"}
               then, only when an engine reads the header differently, each
               engine's list, named with the browser it was recorded from:
               firefox (Firefox 153 ESR) reads it as above
               chromium (Chromium 156), webkit (WebKitGTK 2.50) show instead:
                 0: PerformanceServerTiming {name: \"a\", duration: 0, description: \"\"}
    --engine   that engine's list alone
    --json     one JSON array of {name, duration, description} on one line,
               numbers as JSON.stringify writes them
    --explain  also list every recovery the parser made, with its byte range

EXAMPLE:
    server-timing parse --json 'cache;desc=\"Cache Read\";dur=23.2, db;dur=53, app;dur=47.2'")]
pub struct ParseArgs {
    /// Print the metrics as one JSON array (the entries' toJSON())
    #[arg(long)]
    json: bool,
    /// Also print the spec parser's diagnostics (on stdout, after the metrics)
    #[arg(long)]
    explain: bool,
    /// Read the value as ENGINE alone does: spec, chromium, firefox or
    /// webkit (docs/compat.md); without it, the spec reading is followed by
    /// each engine's reading where it differs. --explain still lists the spec
    /// parser's recoveries
    #[arg(long, value_name = "ENGINE", value_parser = super::engine)]
    engine: Option<Engine>,
    /// Server-Timing header lines (raw bytes); none: read standard input
    #[arg(value_name = "VALUE")]
    values: Vec<OsString>,
}

pub fn run(args: ParseArgs) -> Result<ExitCode, CliError> {
    let lines = crate::input::header_lines(args.values)?;
    print_stdout(&crate::render::parse::render(
        &lines,
        args.engine,
        args.json,
        args.explain,
    ))?;
    Ok(ExitCode::SUCCESS)
}
