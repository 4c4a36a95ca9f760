//! `server-timing har`: the Server-Timing metrics of every entry of a HAR
//! file, whether the page would see them, and the lint of each header.

use std::io::{BufRead, BufReader, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use resource_timing::policy::Engine;
use serde::de::DeserializeSeed;
use url::Url;

use crate::har::stream::Root;
use crate::har::surrogates::LoneSurrogates;
use crate::har::{State, Summary};
use crate::CliError;

/// The Server-Timing metrics of every entry of a HAR file.
#[derive(Args)]
#[command(after_help = "\
Reads a HAR 1.2 file as browsers' DevTools export it, one entry at a time (a
large file is streamed), and for each entry with a Server-Timing header
prints its metrics, whether a page of the HAR's origin would see them
(same-origin, or Timing-Allow-Origin on every hop of the redirect chain, and
a secure context), and what the lint finds in the header.

The page is the entry's page (log.pages[].title, which DevTools sets to the
page URL), else the first entry of that page, else --origin.

EXIT STATUS:
    0    the file was read (with --strict: and no header has a lint error)
    1    the file cannot be read or is not a HAR (one line on stderr), or
         --strict and a header has a lint error
    2    usage error")]
pub struct HarArgs {
    /// The page's origin, for entries whose page is unknown (or to ask what
    /// another page would see: it wins)
    #[arg(long, value_name = "ORIGIN", value_parser = super::http_url)]
    pub origin: Option<Url>,
    /// Read headers and expose metrics as ENGINE does: spec, chromium,
    /// firefox or webkit
    #[arg(long, value_name = "ENGINE", default_value = "spec", value_parser = super::engine)]
    pub engine: Engine,
    /// One JSON object per entry on one line
    #[arg(long)]
    pub json: bool,
    /// Also list entries without a Server-Timing header
    #[arg(long)]
    pub all: bool,
    /// Exit 1 if any header has a lint error (as `lint` does)
    #[arg(long)]
    pub strict: bool,
    /// The HAR file
    #[arg(value_name = "FILE.har")]
    pub path: PathBuf,
}

pub fn run(options: HarArgs) -> Result<ExitCode, CliError> {
    let path = options.path.display().to_string();
    if options.path.is_dir() {
        return Err(CliError::Failed(format!(
            "{path} is a directory: give one .har file"
        )));
    }
    let file = std::fs::File::open(&options.path)
        .map_err(|e| CliError::Failed(format!("cannot read {path}: {e}")))?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    skip_bom_and_refuse_jsonp(&mut reader, &path)?;
    let mut state = State::new(&options);
    let mut repaired = LoneSurrogates::new(reader);
    let mut deserializer = serde_json::Deserializer::from_reader(&mut repaired);
    let saw_entries = Root(&mut state)
        .deserialize(&mut deserializer)
        .and_then(|saw| deserializer.end().map(|()| saw))
        .map_err(|e| CliError::Failed(format!("{path} is not a valid HAR file: {e}")))?;
    if !saw_entries {
        return Err(CliError::Failed(format!(
            "{path} is not a HAR file: no log.entries"
        )));
    }
    state.finish();
    let summary = summary_line(&path, &state.summary, repaired.repaired);
    if options.json {
        // stdout stays one entry a line; the summary goes beside it.
        eprint!("{summary}");
    } else {
        state.write(&summary);
    }
    let _ = state.out.flush();
    if let Some(error) = state.write_error {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(CliError::Failed(format!(
                "cannot write to standard output: {error}"
            )));
        }
    }
    Ok(if options.strict && state.failed_lint {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Skips a UTF-8 byte order mark; a file that starts like `name(` is a
/// JSONP-wrapped HAR (some tools save `onInputData({...})`), said in one line.
fn skip_bom_and_refuse_jsonp(
    reader: &mut BufReader<std::fs::File>,
    path: &str,
) -> Result<(), CliError> {
    let head = reader
        .fill_buf()
        .map_err(|e| CliError::Failed(format!("cannot read {path}: {e}")))?;
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let rest = if bom { &head[3..] } else { head };
    let start = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let rest = &rest[start..];
    let word = rest
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'.'))
        .unwrap_or(rest.len());
    if word > 0 && rest[word..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'(') {
        return Err(CliError::Failed(format!(
            "{path} is a JSONP-wrapped HAR ({}(...)): remove the wrapper to leave the JSON object",
            String::from_utf8_lossy(&rest[..word])
        )));
    }
    if bom {
        reader.consume(3);
    }
    Ok(())
}

/// `162 entries, 33 with Server-Timing, 33 visible`, and what could not be followed.
fn summary_line(path: &str, summary: &Summary, repaired: usize) -> String {
    let mut line = format!(
        "{path}: {} entries, {} with Server-Timing, {} visible",
        summary.entries, summary.with_server_timing, summary.visible
    );
    if summary.hidden > 0 {
        line.push_str(&format!(", {} hidden", summary.hidden));
    }
    for (reason, n) in &summary.unresolved {
        line.push_str(&format!(", {n} unresolved: {reason}"));
    }
    if repaired > 0 {
        line.push_str(&format!(
            " (warning: {repaired} lone surrogate escape{} read as U+FFFD)",
            if repaired == 1 { "" } else { "s" }
        ));
    }
    line.push('\n');
    line
}
