//! How header lines come in: arguments as raw bytes, or standard input one
//! line per header line.

use std::ffi::OsString;
use std::io::Read;

use crate::CliError;

/// An argument's bytes as given (on Unix any bytes; elsewhere its UTF-8).
#[cfg(unix)]
pub fn os_to_bytes(arg: OsString) -> Result<Vec<u8>, CliError> {
    use std::os::unix::ffi::OsStringExt;
    Ok(arg.into_vec())
}

/// An argument's bytes as given (on Unix any bytes; elsewhere its UTF-8).
#[cfg(not(unix))]
pub fn os_to_bytes(arg: OsString) -> Result<Vec<u8>, CliError> {
    arg.into_string()
        .map(String::into_bytes)
        .map_err(|_| CliError::Failed("an argument is not valid Unicode".into()))
}

/// The header lines: the arguments when there are some, else standard input.
pub fn header_lines(values: Vec<OsString>) -> Result<Vec<Vec<u8>>, CliError> {
    if values.is_empty() {
        read_stdin_lines()
    } else {
        values.into_iter().map(os_to_bytes).collect()
    }
}

/// Standard input as header lines: LF ends a line, a CR before it is dropped.
pub fn read_stdin_lines() -> Result<Vec<Vec<u8>>, CliError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_lines_drop_cr_and_final_lf() {
        assert_eq!(split_lines(b"a\r\nb\n"), [b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(
            split_lines(b"a\n\nb"),
            [b"a".to_vec(), b"".to_vec(), b"b".to_vec()]
        );
        assert_eq!(split_lines(b""), Vec::<Vec<u8>>::new());
    }
}
