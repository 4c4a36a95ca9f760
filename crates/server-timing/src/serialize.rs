//! Writing `Server-Timing` field values that parse back to the same metrics.

use std::fmt;
use std::io::Write as _;

use fetch_headers::{is_tchar, is_token};

/// Why the [`ServerTimingBuilder`] refused a metric. Nothing is written for a
/// refused metric.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SerializeError {
    /// The metric name is not an RFC 9110 token (empty, or holds a character
    /// outside `tchar`).
    InvalidName(String),
    /// The description holds a character a `quoted-string` cannot carry: a
    /// control character other than tab, DEL, or a code point above U+00FF
    /// (header bytes are read back as Latin-1).
    InvalidDescription {
        /// The offending character.
        character: char,
        /// Its index, in characters, within the description.
        index: usize,
    },
    /// The duration is NaN or infinite, which no `dur` value parses to.
    NonFiniteDuration(f64),
}

impl fmt::Display for SerializeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SerializeError::InvalidName(name) => {
                write!(f, "metric name {name:?} is not an HTTP token")
            }
            SerializeError::InvalidDescription { character, index } => write!(
                f,
                "description character {character:?} at index {index} cannot be sent in a header"
            ),
            SerializeError::NonFiniteDuration(d) => write!(f, "duration {d} is not finite"),
        }
    }
}

impl std::error::Error for SerializeError {}

/// Builds a `Server-Timing` field value, one metric at a time.
///
/// Descriptions are written as tokens when they are tokens and as quoted
/// strings (escaping `"` and `\`) otherwise; durations as the shortest
/// decimal that reads back to the same double. Whatever the builder accepts
/// parses back, with [`parse_server_timing`](crate::parse_server_timing), to
/// the same names, durations and descriptions.
///
/// ```
/// use server_timing::ServerTimingBuilder;
/// let mut builder = ServerTimingBuilder::new();
/// builder
///     .metric("cache", Some(23.2), Some("Cache Read"))?
///     .metric("db", Some(53.0), None)?
///     .metric("app", Some(47.2), None)?;
/// assert_eq!(builder.as_bytes(), b"cache;dur=23.2;desc=\"Cache Read\", db;dur=53, app;dur=47.2");
/// assert!(builder.metric("not a token", None, None).is_err());
/// # Ok::<(), server_timing::SerializeError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ServerTimingBuilder {
    out: Vec<u8>,
}

impl ServerTimingBuilder {
    /// An empty field value.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a metric. `duration` of `None` omits `dur` (which reads back as
    /// 0); `description` of `None` omits `desc` (which reads back as "").
    pub fn metric(
        &mut self,
        name: &str,
        duration: Option<f64>,
        description: Option<&str>,
    ) -> Result<&mut Self, SerializeError> {
        if !is_token(name.as_bytes()) {
            return Err(SerializeError::InvalidName(name.to_owned()));
        }
        if let Some(d) = duration.filter(|d| !d.is_finite()) {
            return Err(SerializeError::NonFiniteDuration(d));
        }
        let description = description.map(encode_description).transpose()?;
        if !self.out.is_empty() {
            self.out.extend_from_slice(b", ");
        }
        self.out.extend_from_slice(name.as_bytes());
        if let Some(d) = duration {
            self.out.extend_from_slice(b";dur=");
            write_duration(&mut self.out, d);
        }
        if let Some(desc) = description {
            self.out.extend_from_slice(b";desc=");
            self.out.extend_from_slice(&desc);
        }
        Ok(self)
    }

    /// Appends an existing metric: `dur` is written unless it is 0 and `desc`
    /// unless it is empty, since absent and 0/"" read back the same.
    pub fn push(
        &mut self,
        metric: &crate::PerformanceServerTiming,
    ) -> Result<&mut Self, SerializeError> {
        let duration = Some(metric.duration()).filter(|d| *d != 0.0);
        let description = Some(metric.description()).filter(|d| !d.is_empty());
        self.metric(metric.name(), duration, description)
    }

    /// The field value written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.out
    }

    /// The field value as bytes (descriptions may hold Latin-1 bytes).
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    /// The field value as an [`http::HeaderValue`].
    pub fn to_header_value(&self) -> http::HeaderValue {
        // The builder writes only tab, visible ASCII, space and bytes >= 0x80,
        // which is exactly what a header value may hold.
        http::HeaderValue::from_bytes(&self.out)
            .unwrap_or_else(|_| unreachable!("builder output is a valid header value"))
    }
}

/// The `desc` value: a token when possible, else a quoted string.
fn encode_description(desc: &str) -> Result<Vec<u8>, SerializeError> {
    if !desc.is_empty() && desc.bytes().all(is_tchar) {
        return Ok(desc.as_bytes().to_vec());
    }
    let mut out = Vec::with_capacity(desc.len() + 2);
    out.push(b'"');
    for (index, character) in desc.chars().enumerate() {
        let code = u32::from(character);
        match code {
            0x22 | 0x5C => out.extend_from_slice(&[b'\\', code as u8]),
            // HTAB, SP, VCHAR and obs-text (read back as Latin-1).
            0x09 | 0x20..=0x7E | 0x80..=0xFF => out.push(code as u8),
            _ => return Err(SerializeError::InvalidDescription { character, index }),
        }
    }
    out.push(b'"');
    Ok(out)
}

/// The shortest decimal that HTML's float rules read back as `d`.
fn write_duration(out: &mut Vec<u8>, d: f64) {
    let d = d + 0.0; // −0 → +0
    let abs = d.abs();
    // Writing into a Vec cannot fail.
    let _ = if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        write!(out, "{d:e}")
    } else {
        write!(out, "{d}")
    };
}
