//! `server-timing parse`.

use std::ffi::OsString;
use std::io::Read;
use std::process::ExitCode;

use fetch_headers::get_a_header;
use fetch_headers::json::write_json_string;
use server_timing::engines::Engine;
use server_timing::{parse_server_timing_with_diagnostics, Diagnostic, PerformanceServerTiming};

use crate::{print_stdout, CliError};

pub const USAGE: &str = "\
server-timing parse: parse Server-Timing field values as a browser does

USAGE:
    server-timing parse [--json] [--explain] [--engine ENGINE] [--] [VALUE]...

Each VALUE is one Server-Timing header line; several are combined in order,
as Fetch does (joined with \", \"). With no VALUE, standard input is read as
raw bytes, one header line per line (LF ends a line, a CR before it is
dropped), so bytes that are not UTF-8 can be given. Bytes are read as
Latin-1, as browsers do. A header is never an error: junk is skipped.

OUTPUT:
    Default    the metrics as a browser console shows `serverTiming`:
               0: PerformanceServerTiming {name: \"cache\", duration: 23.2, description: \"Cache Read\"}
    --json     one JSON array of {name, duration, description} on one line,
               numbers as JSON.stringify writes them
    --explain  also list every recovery the parser made, with its byte range

OPTIONS:
    --json       Print JSON
    --explain    Print the parser's diagnostics (on stdout, after the metrics)
    --engine ENGINE
                 Read the value as ENGINE does: spec (default), chromium,
                 firefox or webkit (see docs/compat.md); --explain still
                 lists the spec parser's recoveries
    -h, --help   Print this help
    --           Treat every later argument as a VALUE

EXAMPLE:
    server-timing parse --json 'cache;desc=\"Cache Read\";dur=23.2, db;dur=53, app;dur=47.2'
";

struct Options {
    json: bool,
    explain: bool,
    engine: Engine,
    values: Option<Vec<Vec<u8>>>,
}

fn parse_args(args: Vec<OsString>) -> Result<Option<Options>, CliError> {
    let mut options = Options {
        json: false,
        explain: false,
        engine: Engine::Spec,
        values: None,
    };
    let mut expect_engine = false;
    let mut values = Vec::new();
    let mut only_values = false;
    for arg in args {
        let bytes = os_to_bytes(&arg)?;
        if expect_engine {
            expect_engine = false;
            options.engine = parse_engine(&bytes)?;
            continue;
        }
        if !only_values {
            if let Some(name) = bytes.strip_prefix(b"--engine=") {
                options.engine = parse_engine(name)?;
                continue;
            }
            match bytes.as_slice() {
                b"--json" => {
                    options.json = true;
                    continue;
                }
                b"--explain" => {
                    options.explain = true;
                    continue;
                }
                b"--engine" => {
                    expect_engine = true;
                    continue;
                }
                b"-h" | b"--help" => return Ok(None),
                b"--" => {
                    only_values = true;
                    continue;
                }
                [b'-', b'-', ..] => {
                    return Err(CliError::Usage(format!(
                        "unknown option {} for parse (put `--` before a value that starts with --)",
                        String::from_utf8_lossy(&bytes)
                    )))
                }
                _ => {}
            }
        }
        values.push(bytes);
    }
    if expect_engine {
        return Err(CliError::Usage(
            "--engine needs a value: spec, chromium, firefox or webkit".into(),
        ));
    }
    if !values.is_empty() {
        options.values = Some(values);
    }
    Ok(Some(options))
}

fn parse_engine(name: &[u8]) -> Result<Engine, CliError> {
    String::from_utf8_lossy(name)
        .parse::<Engine>()
        .map_err(|e| CliError::Usage(e.to_string()))
}

#[cfg(unix)]
pub(crate) fn os_to_bytes(arg: &OsString) -> Result<Vec<u8>, CliError> {
    use std::os::unix::ffi::OsStrExt;
    Ok(arg.as_bytes().to_vec())
}

#[cfg(not(unix))]
pub(crate) fn os_to_bytes(arg: &OsString) -> Result<Vec<u8>, CliError> {
    arg.to_str()
        .map(|s| s.as_bytes().to_vec())
        .ok_or_else(|| CliError::Usage("an argument is not valid Unicode".into()))
}

/// Standard input as header lines: LF ends a line, a CR before it is dropped.
pub(crate) fn read_stdin_lines() -> Result<Vec<Vec<u8>>, CliError> {
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut input)
        .map_err(|e| CliError::Failed(format!("cannot read standard input: {e}")))?;
    Ok(split_lines(&input))
}

fn split_lines(input: &[u8]) -> Vec<Vec<u8>> {
    if input.is_empty() {
        return Vec::new();
    }
    let mut lines: Vec<Vec<u8>> = input
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line).to_vec())
        .collect();
    // A final LF ends the last line; it does not start an empty one.
    if input.ends_with(b"\n") {
        lines.pop();
    }
    lines
}

pub fn run(args: Vec<OsString>) -> Result<ExitCode, CliError> {
    let Some(options) = parse_args(args)? else {
        print_stdout(USAGE)?;
        return Ok(ExitCode::SUCCESS);
    };
    let lines = match options.values {
        Some(values) => values,
        None => read_stdin_lines()?,
    };
    print_stdout(&render_with_engine(
        &lines,
        options.engine,
        options.json,
        options.explain,
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// The whole output for the given header lines.
#[cfg(test)]
pub fn render(lines: &[Vec<u8>], json: bool, explain: bool) -> String {
    render_with_engine(lines, Engine::Spec, json, explain)
}

/// The whole output for the given header lines, with the metrics as `engine` reads them.
pub fn render_with_engine(lines: &[Vec<u8>], engine: Engine, json: bool, explain: bool) -> String {
    let combined = get_a_header(lines).unwrap_or_default();
    let mut diagnostics = Vec::new();
    let mut metrics: Vec<PerformanceServerTiming> =
        parse_server_timing_with_diagnostics(&combined, |d: Diagnostic| diagnostics.push(d))
            .map(PerformanceServerTiming::from)
            .collect();
    if engine != Engine::Spec {
        metrics = engine.parse_value(&combined);
    }
    let mut out = String::new();
    if json {
        out.push('[');
        for (i, metric) in metrics.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            metric.write_json(&mut out);
        }
        out.push_str("]\n");
    } else if metrics.is_empty() {
        out.push_str("(no metrics)\n");
    } else {
        for (i, metric) in metrics.iter().enumerate() {
            out.push_str(&format!("{i}: {metric}\n"));
        }
    }
    if explain {
        if diagnostics.is_empty() {
            out.push_str("diagnostics: none (the value follows the Server-Timing grammar)\n");
        } else {
            out.push_str(&format!("diagnostics: {}\n", diagnostics.len()));
            for d in &diagnostics {
                let text = String::from_utf8_lossy(&combined[d.range.clone()]);
                let mut quoted = String::new();
                write_json_string(&mut quoted, &text);
                out.push_str(&format!(
                    "  bytes {}..{} {}: {:?}\n",
                    d.range.start, d.range.end, quoted, d.kind
                ));
                out.push_str(&format!("    {}\n", d.kind.message()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mdn_example_renders_like_the_console() {
        let out = render(
            &[b"cache;desc=\"Cache Read\";dur=23.2, db;dur=53, app;dur=47.2".to_vec()],
            false,
            false,
        );
        assert_eq!(
            out,
            "0: PerformanceServerTiming {name: \"cache\", duration: 23.2, description: \"Cache Read\"}\n\
             1: PerformanceServerTiming {name: \"db\", duration: 53, description: \"\"}\n\
             2: PerformanceServerTiming {name: \"app\", duration: 47.2, description: \"\"}\n"
        );
    }

    #[test]
    fn stdin_lines_drop_cr_and_final_lf() {
        assert_eq!(split_lines(b"a\r\nb\n"), [b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(
            split_lines(b"a\n\nb"),
            [b"a".to_vec(), b"".to_vec(), b"b".to_vec()]
        );
        assert_eq!(split_lines(b""), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn explain_lists_recoveries_with_ranges() {
        let out = render(&[b"m;desc=d1 d2".to_vec()], true, true);
        assert!(out.starts_with("[{\"name\":\"m\",\"duration\":0,\"description\":\"d1\"}]\n"));
        assert!(
            out.contains("bytes 9..12 \" d2\": JunkAfterParamValue"),
            "{out}"
        );
    }
}
