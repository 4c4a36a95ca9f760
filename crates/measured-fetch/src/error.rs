//! Why a hop failed on the network: the step and the underlying error,
//! kept as [`std::error::Error::source`].

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::wire::WireError;

/// A step of a hop, as errors name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Resolving the host.
    DnsLookup,
    /// Opening the TCP connection.
    Connect,
    /// The TLS handshake.
    TlsHandshake,
    /// The HTTP/2 connection preface and settings.
    Http2Handshake,
    /// Sending the request.
    Request,
    /// Reading response heads (interim and final).
    ResponseHead,
    /// Reading the body.
    Body,
    /// Decoding the body's content codings (Fetch: a failure is a network error).
    ContentDecoding,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::DnsLookup => "DNS lookup",
            Step::Connect => "connect",
            Step::TlsHandshake => "TLS handshake",
            Step::Http2Handshake => "HTTP/2 handshake",
            Step::Request => "request",
            Step::ResponseHead => "response head",
            Step::Body => "body",
            Step::ContentDecoding => "content decoding",
        })
    }
}

/// Why a hop failed on the network. A fetch that ends this way is a network
/// error whose [`resource_timing::NetworkError::Transport`] holds this.
#[derive(Debug)]
#[non_exhaustive]
pub enum HopError {
    /// The URL has no host or port to connect to.
    InvalidUrl(&'static str),
    /// The host resolved to no address.
    NoAddress,
    /// A step made no progress within the per-step timeout.
    Timeout {
        /// The step.
        step: Step,
        /// The timeout.
        limit: Duration,
    },
    /// A step failed.
    Failed {
        /// The step.
        step: Step,
        /// The error (an [`std::io::Error`], a [`WireError`], a `rustls` or
        /// `hyper` error).
        source: Box<dyn Error + Send + Sync + 'static>,
    },
    /// The whole fetch ran past its deadline ([`crate::client::FetchOptions::max_time`]).
    MaxTime(Duration),
    /// More interim (1xx) responses than [`crate::client::MAX_INTERIM_RESPONSES`].
    TooManyInterimResponses(usize),
    /// Interim response heads over [`crate::client::MAX_INTERIM_HEAD_BYTES`] in all.
    InterimHeadsTooLarge(usize),
}

impl HopError {
    /// A failure of `step` on the wire.
    pub(crate) fn wire(step: Step, error: WireError) -> HopError {
        match error {
            WireError::Timeout(limit) => HopError::Timeout { step, limit },
            error => HopError::Failed {
                step,
                source: Box::new(error),
            },
        }
    }

    /// The step that failed, if the failure belongs to one.
    pub fn step(&self) -> Option<Step> {
        match self {
            HopError::Timeout { step, .. } | HopError::Failed { step, .. } => Some(*step),
            HopError::TooManyInterimResponses(_) | HopError::InterimHeadsTooLarge(_) => {
                Some(Step::ResponseHead)
            }
            _ => None,
        }
    }
}

impl fmt::Display for HopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HopError::InvalidUrl(why) => f.write_str(why),
            HopError::NoAddress => f.write_str("DNS lookup: no address"),
            HopError::Timeout { step, limit } => {
                write!(f, "{step}: no answer within {} ms", limit.as_millis())
            }
            HopError::Failed { step, source } => write!(f, "{step}: {source}"),
            HopError::MaxTime(limit) => write!(
                f,
                "the fetch took longer than its {} ms deadline",
                limit.as_millis()
            ),
            HopError::TooManyInterimResponses(limit) => {
                write!(f, "more than {limit} interim responses")
            }
            HopError::InterimHeadsTooLarge(limit) => {
                write!(f, "interim response heads over {limit} bytes")
            }
        }
    }
}

impl Error for HopError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            HopError::Failed { source, .. } => Some(&**source),
            _ => None,
        }
    }
}

/// Runs `future`, failing `step` if it errs or makes no progress within `limit`.
pub(crate) async fn within<T, E: Into<Box<dyn Error + Send + Sync + 'static>>>(
    limit: Duration,
    step: Step,
    future: impl Future<Output = Result<T, E>>,
) -> Result<T, HopError> {
    match tokio::time::timeout(limit, future).await {
        Err(_) => Err(HopError::Timeout { step, limit }),
        Ok(Err(error)) => Err(HopError::Failed {
            step,
            source: error.into(),
        }),
        Ok(Ok(value)) => Ok(value),
    }
}
