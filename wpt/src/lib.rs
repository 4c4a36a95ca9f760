//! Shared plumbing for the WPT runners in `tests/`: where the WPT tree is,
//! how a `.headers` file reads, the `ensure!` assertion, and the trial
//! loop that applies the expected-failures list (checked both ways, and
//! against the documented failure).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The WPT tree the runners read: `$WPT_ROOT` when set (a real
/// web-platform-tests checkout), else the data checked in beside this crate.
pub fn wpt_root() -> PathBuf {
    match std::env::var_os("WPT_ROOT") {
        Some(root) if !root.is_empty() => PathBuf::from(root),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")),
    }
}

/// The checked-in data directory, whatever `WPT_ROOT` says.
pub fn data_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One header line of a wptserve `.headers` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderLine {
    /// The header name as written.
    pub name: Vec<u8>,
    /// The value exactly as written in the file, after `": "`.
    pub raw_value: Vec<u8>,
    /// The value as wptserve sends it: leading and trailing whitespace stripped.
    pub sent_value: Vec<u8>,
}

/// Reads a wptserve `.headers` file: one `Name: value` per line.
pub fn parse_headers_file(contents: &[u8]) -> Vec<HeaderLine> {
    contents
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .filter_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let colon = line.iter().position(|&b| b == b':')?;
            let name = line[..colon].to_vec();
            let mut raw = &line[colon + 1..];
            // The one space after the colon belongs to the syntax.
            if let Some(rest) = raw.strip_prefix(b" ") {
                raw = rest;
            }
            Some(HeaderLine {
                name,
                raw_value: raw.to_vec(),
                sent_value: raw.trim_ascii().to_vec(),
            })
        })
        .collect()
}

/// What a trial gives back: `Ok`, or what went wrong.
pub type Outcome = Result<(), String>;

/// Returns `Err(format!(...))` from the enclosing function unless the
/// condition holds: the assertion of every ported subtest.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        let holds: bool = $cond;
        if !holds {
            return Err(format!($($msg)+));
        }
    };
}

/// One ported subtest: its trial name (the WPT path, plus ` : <subtest>`
/// where the file has several) and the check that runs it.
pub struct Case {
    /// The trial name.
    pub name: String,
    run: Box<dyn Fn() -> Outcome + Send + Sync>,
}

impl Case {
    /// A case named `name` that runs `run`.
    pub fn new(name: impl Into<String>, run: impl Fn() -> Outcome + Send + Sync + 'static) -> Case {
        Case {
            name: name.into(),
            run: Box::new(run),
        }
    }
}

/// An expected failure: the trial name and the text its failure message
/// must contain (the documented reason, as the trial reports it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedFailure {
    /// The trial name.
    pub name: String,
    /// A part of the failure message the documented reason predicts.
    pub fails_with: String,
}

/// Reads the `[runner]` section of an expected-failures file.
///
/// The file is split into sections headed `[runner]`. In a section, a line
/// `fails with: TEXT` says what the failure message of the trials named on
/// the following lines must contain, until the next `fails with:` line, a
/// blank line or a section header. Every other non-empty line names a trial;
/// `#` starts a comment. A trial named without a `fails with:` before it is
/// an error: an expected failure must say how it fails.
pub fn read_expected_failures(text: &str, runner: &str) -> Result<Vec<ExpectedFailure>, String> {
    let mut section = None::<&str>;
    let mut fails_with = None::<&str>;
    let mut out = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            fails_with = None;
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name);
            fails_with = None;
        } else if let Some(text) = line.strip_prefix("fails with:") {
            fails_with = Some(text.trim());
        } else if section == Some(runner) {
            let fails_with = fails_with.ok_or_else(|| {
                format!("line {}: {line} has no `fails with:` before it", number + 1)
            })?;
            out.push(ExpectedFailure {
                name: line.to_owned(),
                fails_with: fails_with.to_owned(),
            });
        } else if section.is_none() {
            return Err(format!(
                "line {}: {line} is outside any [runner] section",
                number + 1
            ));
        }
    }
    Ok(out)
}

/// Applies an expectation to a trial's outcome: a trial not listed must
/// pass; a listed one must fail with a message containing `fails_with`, so
/// a trial that breaks differently fails the run, as does one that passes
/// ("unexpected pass").
pub fn check_expectation(
    name: &str,
    fails_with: Option<&str>,
    outcome: Outcome,
) -> Result<(), libtest_mimic::Failed> {
    match (fails_with, outcome) {
        (None, Ok(())) => Ok(()),
        (None, Err(why)) => Err(why.into()),
        (Some(expected), Err(why)) if why.contains(expected) => Ok(()),
        (Some(expected), Err(why)) => Err(format!(
            "{name} is expected to fail with {expected:?} (expected-failures.txt), but failed with: {why}"
        )
        .into()),
        (Some(_), Ok(())) => Err(format!(
            "unexpected pass: {name} is listed in expected-failures.txt; remove it"
        )
        .into()),
    }
}

/// Builds the trials of one runner and runs them: the runner's section of
/// `expected-failures.txt` applied to each, a failing trial for each
/// expected failure that names no case ("expected to fail but did not
/// run"), and exit status 2 when the number of cases is not
/// `expected_count` or two cases share a name (a file left out or added
/// without updating the count, docs/conformance.md).
pub fn run(runner: &str, expected_count: usize, cases: Vec<Case>) -> ! {
    let args = libtest_mimic::Arguments::from_args();
    let path = data_root().join("expected-failures.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("{}: {e}", path.display());
        std::process::exit(2)
    });
    let expected = read_expected_failures(&text, runner).unwrap_or_else(|e| {
        eprintln!("{}: {e}", path.display());
        std::process::exit(2)
    });
    if cases.len() != expected_count {
        eprintln!(
            "the {runner} runner has {} cases, expected {expected_count}: update the count with the ports",
            cases.len()
        );
        std::process::exit(2);
    }
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    if names.len() != cases.len() {
        eprintln!("the {runner} runner has two cases with one name");
        std::process::exit(2);
    }
    let mut trials: Vec<libtest_mimic::Trial> = expected
        .iter()
        .filter(|e| !names.contains(e.name.as_str()))
        .map(|e| {
            let message = format!(
                "{} is expected to fail but did not run: no such trial",
                e.name
            );
            libtest_mimic::Trial::test(format!("expected-failures.txt : {}", e.name), move || {
                Err(message.as_str().into())
            })
        })
        .collect();
    trials.extend(cases.into_iter().map(|case| {
        let fails_with = expected
            .iter()
            .find(|e| e.name == case.name)
            .map(|e| e.fails_with.clone());
        let Case { name, run } = case;
        libtest_mimic::Trial::test(name.clone(), move || {
            check_expectation(&name, fails_with.as_deref(), run())
        })
    }));
    libtest_mimic::run(&args, trials).exit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_file_keeps_raw_and_sent_values() {
        let lines = parse_headers_file(b"Server-Timing: metric ; \nTiming-Allow-Origin: *\n");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].raw_value, b"metric ; ");
        assert_eq!(lines[0].sent_value, b"metric ;");
        assert_eq!(lines[1].name, b"Timing-Allow-Origin");
    }

    #[test]
    fn expectations_are_checked_both_ways() {
        assert!(check_expectation("a", Some("x"), Ok(())).is_err());
        assert!(check_expectation("a", Some("x"), Err("got x".into())).is_ok());
        assert!(check_expectation("b", None, Err("x".into())).is_err());
        assert!(check_expectation("b", None, Ok(())).is_ok());
    }

    #[test]
    fn an_expected_failure_that_breaks_differently_fails() {
        assert!(check_expectation("a", Some("status 0"), Err("no entry".into())).is_err());
    }

    #[test]
    fn expected_failures_are_read_per_runner_with_their_message() {
        let text = "[one]\n# why\nfails with: status 0\na : b\nc\n\n[two]\nfails with: x\nd\n";
        let one = read_expected_failures(text, "one").unwrap();
        assert_eq!(one.len(), 2);
        assert_eq!(one[1].name, "c");
        assert_eq!(one[1].fails_with, "status 0");
        assert_eq!(read_expected_failures(text, "two").unwrap()[0].name, "d");
        assert!(read_expected_failures("[one]\nfails with: x\n\na\n", "one").is_err());
        assert!(read_expected_failures("a\n", "one").is_err());
    }
}
