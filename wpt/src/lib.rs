//! Shared plumbing for the WPT runners in `tests/`: where the WPT tree is,
//! how a `.headers` file reads, and the expected-failures list that is
//! checked both ways.

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

/// The names of trials expected to fail, from a file with one name a line
/// (`#` starts a comment).
pub fn read_expected_failures(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Applies an expected-failures list to a trial's outcome: an expected
/// failure that fails passes, and one that passes fails ("unexpected pass").
pub fn check_expectation(
    name: &str,
    expected_failures: &BTreeSet<String>,
    outcome: Result<(), String>,
) -> Result<(), libtest_mimic::Failed> {
    match (expected_failures.contains(name), outcome) {
        (false, Ok(())) => Ok(()),
        (false, Err(why)) => Err(why.into()),
        (true, Err(_)) => Ok(()),
        (true, Ok(())) => Err(format!(
            "unexpected pass: {name} is listed in expected-failures.txt; remove it"
        )
        .into()),
    }
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
        let listed: BTreeSet<String> = ["a".to_owned()].into();
        assert!(check_expectation("a", &listed, Ok(())).is_err());
        assert!(check_expectation("a", &listed, Err("x".into())).is_ok());
        assert!(check_expectation("b", &listed, Err("x".into())).is_err());
        assert!(check_expectation("b", &listed, Ok(())).is_ok());
    }
}
