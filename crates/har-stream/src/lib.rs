//! A streaming reader of [HAR 1.2] files, the one both the `server-timing
//! har` command and the analytics HAR table read with.
//!
//! A HAR can be far larger than memory: a crawl's archive, a day of a
//! browser fleet's recordings. [`read_entries`] keeps `log.pages` (it is
//! small) and hands `log.entries` to a [`HarSink`] one entry at a time, so
//! memory stays bounded by one entry and the reader's buffers whatever the
//! file's size. On the way it skips a UTF-8 byte order mark, refuses a
//! JSONP-wrapped HAR with the wrapper's name, and reads each lone UTF-16
//! surrogate escape (`"\uD800"`, which some HAR writers emit and which is
//! not valid JSON) as U+FFFD, counting them ([`surrogates`]).
//!
//! The sink chooses what an entry and a page deserialize to (its own
//! structs, or [`serde_json::Value`] for a lenient reading), and can stop
//! the read at any entry:
//!
//! ```
//! use std::ops::ControlFlow;
//! use har_stream::{read_entries, HarSink};
//!
//! #[derive(serde::Deserialize)]
//! struct Entry {
//!     request: Request,
//! }
//! #[derive(serde::Deserialize)]
//! struct Request {
//!     url: String,
//! }
//!
//! #[derive(Default)]
//! struct Urls(Vec<String>);
//!
//! impl HarSink for Urls {
//!     type Page = serde::de::IgnoredAny;
//!     type Entry = Entry;
//!     fn pages(&mut self, _pages: Vec<Self::Page>) {}
//!     fn entry(&mut self, entry: Entry) -> ControlFlow<()> {
//!         self.0.push(entry.request.url);
//!         ControlFlow::Continue(())
//!     }
//! }
//!
//! let har = br#"{"log":{"entries":[{"request":{"url":"https://a.example/\ud800"}}]}}"#;
//! let mut urls = Urls::default();
//! let outcome = read_entries(&har[..], &mut urls).unwrap();
//! assert_eq!(urls.0, ["https://a.example/\u{FFFD}"]);
//! assert_eq!(outcome.repaired_surrogates, 1);
//! ```
//!
//! [HAR 1.2]: http://www.softwareishard.com/blog/har-12-spec/

mod head;
pub mod surrogates;
mod visit;

use std::fmt;
use std::io::{self, BufReader, Read};
use std::ops::ControlFlow;

use serde::de::{DeserializeOwned, DeserializeSeed};

pub use head::{start_of, Start};
pub use surrogates::LoneSurrogates;

/// What a reader of a HAR does with its parts.
pub trait HarSink {
    /// What one `log.pages[]` member deserializes to.
    type Page: DeserializeOwned;
    /// What one `log.entries[]` member deserializes to.
    type Entry: DeserializeOwned;
    /// The file's `log.pages`, whole, when the reader reaches it (before or
    /// after the entries, as the file has it).
    fn pages(&mut self, pages: Vec<Self::Page>);
    /// The next entry; [`ControlFlow::Break`] stops the read there.
    fn entry(&mut self, entry: Self::Entry) -> ControlFlow<()>;
}

/// What a read that reached its end (or was stopped) saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOutcome {
    /// Lone surrogate escapes read as U+FFFD.
    pub repaired_surrogates: usize,
    /// Whether the sink stopped the read before the end of the file.
    pub stopped: bool,
}

/// Why a HAR could not be read to the end (entries handed over before it
/// stay handed over).
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// Reading the input failed.
    Read(io::Error),
    /// The input is a JSONP-wrapped HAR (`onInputData({...})`); the name is the wrapper's.
    Jsonp(String),
    /// The input is not JSON, or not of a HAR's shape (or of the sink's types).
    Invalid(serde_json::Error),
    /// The JSON has no `log.entries`.
    NoEntries,
}

impl fmt::Display for ReadError {
    /// Reads after the file's name: `a.har is not a valid HAR file: ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Read(e) => write!(f, "cannot be read: {e}"),
            ReadError::Jsonp(name) => write!(
                f,
                "is a JSONP-wrapped HAR ({name}(...)): remove the wrapper to leave the JSON object"
            ),
            ReadError::Invalid(e) => write!(f, "is not a valid HAR file: {e}"),
            ReadError::NoEntries => f.write_str("is not a HAR file: no log.entries"),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Read(e) => Some(e),
            ReadError::Invalid(e) => Some(e),
            ReadError::Jsonp(_) | ReadError::NoEntries => None,
        }
    }
}

/// Reads one HAR from `input`, streaming its entries to `sink`.
///
/// A UTF-8 byte order mark is skipped, lone surrogate escapes are read as
/// U+FFFD, a JSONP wrapper is refused. When the sink stops the read, the
/// outcome says so and the rest of the file is not read.
pub fn read_entries<R: Read, S: HarSink>(input: R, sink: &mut S) -> Result<ReadOutcome, ReadError> {
    let mut reader = BufReader::with_capacity(64 * 1024, input);
    if let Start::Jsonp(name) = start_of(&mut reader).map_err(ReadError::Read)? {
        return Err(ReadError::Jsonp(name));
    }
    let mut repaired = LoneSurrogates::new(reader);
    let mut deserializer = serde_json::Deserializer::from_reader(&mut repaired);
    let mut walk = visit::Walk {
        sink,
        stopped: false,
    };
    let result = visit::Root(&mut walk)
        .deserialize(&mut deserializer)
        .and_then(|saw| deserializer.end().map(|()| saw));
    let outcome = ReadOutcome {
        repaired_surrogates: repaired.repaired,
        stopped: walk.stopped,
    };
    match result {
        _ if walk.stopped => Ok(outcome),
        Ok(true) => Ok(outcome),
        Ok(false) => Err(ReadError::NoEntries),
        Err(e) if e.is_io() => Err(ReadError::Read(e.into())),
        Err(e) => Err(ReadError::Invalid(e)),
    }
}
