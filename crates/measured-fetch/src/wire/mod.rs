//! HTTP/1.1 on the wire (RFC 9112), for the client and for the loopback test
//! server alike: one parser of message heads (on `httparse`, the parser hyper
//! uses), one set of framing rules ([`framing`]), and one timed reader
//! ([`Reader`]) that notes when the first byte of every response arrived,
//! interim `103` ones included, and reads bodies by their framing.
//!
//! The client reads its own HTTP/1.1 rather than through hyper because Fetch
//! times the *first byte* of every response, interim ones included, and
//! hyper's HTTP/1.1 client reports neither.
//!
//! Every input is bounded: see [`Limits`] and `docs/limits.md`; how each
//! malformed or ambiguous message is taken is in `docs/http1-framing.md`.

use std::fmt;
use std::time::Duration;

pub mod framing;
mod head;
mod reader;
mod write;

pub use framing::{
    request_body_framing, response_body_framing, BodyFraming, Framing, FramingError,
};
pub use head::{parse_request_head, parse_response_head, RequestHead, ResponseHead};
pub use reader::{Limits, Reader};
pub use write::{write_field_section, write_request};

/// The reader of a connection's responses (the client's view of [`Reader`]).
pub type ResponseReader<S> = Reader<S>;

/// The most bytes one message head may take ([`Limits::head_bytes`]).
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The most header lines one head may have.
pub const MAX_HEADERS: usize = 128;

/// Why an exchange failed on the wire.
#[derive(Debug)]
#[non_exhaustive]
pub enum WireError {
    /// The peer closed the connection before the message was complete.
    Closed(&'static str),
    /// An I/O error (a reset, say).
    Io(std::io::Error),
    /// A message head (or a trailer section) that does not parse.
    Head(httparse::Error),
    /// A chunk-size line that does not parse.
    ChunkSize,
    /// A message whose body cannot be framed, or that breaks a protocol rule.
    Framing(FramingError),
    /// More than a limit allows.
    TooLarge {
        /// What grew too large.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// No progress within the time limit.
    Timeout(Duration),
    /// The caller stopped reading the body
    /// ([`Reader::read_body_while`](crate::wire::Reader::read_body_while)).
    Stopped,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Closed(what) => write!(f, "connection closed {what}"),
            WireError::Io(error) => write!(f, "I/O error: {error}"),
            WireError::Head(error) => write!(f, "malformed message head: {error}"),
            WireError::ChunkSize => f.write_str("malformed chunk size"),
            WireError::Framing(error) => error.fmt(f),
            WireError::TooLarge { what, limit } => write!(f, "{what} over the limit of {limit}"),
            WireError::Timeout(limit) => write!(f, "no data within {} ms", limit.as_millis()),
            WireError::Stopped => f.write_str("body reading stopped"),
        }
    }
}

impl std::error::Error for WireError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WireError::Io(error) => Some(error),
            WireError::Head(error) => Some(error),
            WireError::Framing(error) => Some(error),
            _ => None,
        }
    }
}

impl From<std::io::Error> for WireError {
    fn from(error: std::io::Error) -> Self {
        WireError::Io(error)
    }
}

impl From<FramingError> for WireError {
    fn from(error: FramingError) -> Self {
        WireError::Framing(error)
    }
}
