//! `server-timing har`: the Server-Timing metrics of every entry of a HAR
//! file, whether the page would see them, and the lint of each header.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use har_stream::ReadError;
use resource_timing::policy::Engine;
use url::Url;

use crate::har::{read_har, HarError, HarOptions, Summary};
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
    /// Read headers and expose metrics as ENGINE alone does: spec, chromium,
    /// firefox or webkit (by default the spec, then each engine where it
    /// differs)
    #[arg(long, value_name = "ENGINE", value_parser = super::engine)]
    pub engine: Option<Engine>,
    /// One JSON object per entry on one line
    #[arg(long)]
    pub json: bool,
    /// Also list entries without a Server-Timing header
    #[arg(long)]
    pub all: bool,
    /// Also write a self-contained HTML report (waterfall of the entries with
    /// Server-Timing, their metrics, engines) to FILE
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Exit 1 if any header has a lint error (as `lint` does)
    #[arg(long)]
    pub strict: bool,
    /// The HAR file
    #[arg(value_name = "FILE.har")]
    pub path: PathBuf,
}

pub fn run(args: HarArgs) -> Result<ExitCode, CliError> {
    let path = args.path.display().to_string();
    if args.path.is_dir() {
        return Err(CliError::Failed(format!(
            "{path} is a directory: give one .har file"
        )));
    }
    let file = std::fs::File::open(&args.path)
        .map_err(|e| CliError::Failed(format!("cannot read {path}: {e}")))?;
    let options = HarOptions {
        origin: args.origin.clone(),
        engine: args.engine,
        all: args.all,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let json = args.json;
    // The HTML report keeps at most HTML_RESOURCES entries (memory stays bounded).
    let mut drawn: Vec<(f64, crate::render::html::HtmlResource)> = Vec::new();
    let mut omitted = 0;
    let want_html = args.html.is_some();
    let result = read_har(file, &options, |report| {
        if want_html {
            if drawn.len() < HTML_RESOURCES {
                let started = report.timing.map(|t| t.started).unwrap_or(f64::NAN);
                drawn.push((started, crate::render::har::html_resource(report, 0.0)));
            } else {
                omitted += 1;
            }
        }
        let text = if json {
            report.to_json_line()
        } else {
            report.to_text()
        };
        out.write_all(text.as_bytes())
    });
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(HarError::Output(error)) => {
            return if error.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(ExitCode::SUCCESS)
            } else {
                Err(CliError::Failed(format!(
                    "cannot write to standard output: {error}"
                )))
            };
        }
        Err(HarError::Input(ReadError::Read(error))) => {
            let _ = out.flush();
            return Err(CliError::Failed(format!("cannot read {path}: {error}")));
        }
        Err(error) => {
            let _ = out.flush();
            return Err(CliError::Failed(format!("{path} {error}")));
        }
    };
    let summary = summary_line(&path, &outcome.summary, outcome.repaired_surrogates);
    if let Some(html) = &args.html {
        write_html(html, &path, drawn, omitted, &summary)?;
    }
    let written = if json {
        // stdout stays one entry a line; the summary goes beside it.
        eprint!("{summary}");
        out.flush()
    } else {
        out.write_all(summary.as_bytes()).and_then(|()| out.flush())
    };
    if let Err(error) = written {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(CliError::Failed(format!(
                "cannot write to standard output: {error}"
            )));
        }
    }
    Ok(if args.strict && outcome.failed_lint {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Entries drawn in `--html`'s report at most.
const HTML_RESOURCES: usize = 2000;

/// The HTML report: times from the earliest entry's start.
fn write_html(
    target: &std::path::Path,
    path: &str,
    mut drawn: Vec<(f64, crate::render::html::HtmlResource)>,
    omitted: usize,
    summary: &str,
) -> Result<(), CliError> {
    let zero = drawn
        .iter()
        .map(|(started, _)| *started)
        .filter(|s| s.is_finite())
        .fold(f64::INFINITY, f64::min);
    if zero.is_finite() {
        for (_, resource) in &mut drawn {
            for phase in &mut resource.phases {
                phase.start -= zero;
                phase.end -= zero;
            }
            if !resource.phases.is_empty() {
                resource.server_start -= zero;
            }
        }
    }
    let report = crate::render::html::HtmlReport {
        title: path.to_owned(),
        page: summary.trim_end().to_owned(),
        resources: drawn.into_iter().map(|(_, r)| r).collect(),
        omitted,
    };
    std::fs::write(target, report.to_html())
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", target.display())))
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
