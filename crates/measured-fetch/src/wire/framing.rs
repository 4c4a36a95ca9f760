//! How a message's body ends: RFC 9112 §6.3 (message body length), with
//! each ambiguous case decided as `docs/http1-framing.md` tabulates.

use std::fmt;

use super::{RequestHead, ResponseHead};

/// How a body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// There is none.
    Empty,
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// `Content-Length`.
    Length(u64),
    /// Neither: the body runs to the end of the connection.
    UntilClose,
}

/// A body's framing and whether the connection may carry another exchange
/// after it (besides what `Connection` says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    /// How the body ends.
    pub body: BodyFraming,
    /// False when the framing is one RFC 9112 says to close after
    /// (`Transfer-Encoding` with `Content-Length`, a body until close).
    pub reusable: bool,
}

/// A message whose body cannot be framed, or a response no request asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FramingError {
    /// `Content-Length` is not `1*DIGIT` (or a list of one repeated value).
    InvalidContentLength(String),
    /// Several `Content-Length` values that differ.
    ConflictingContentLengths,
    /// `Transfer-Encoding` in an HTTP/1.0 message (RFC 9112 §6.1: faulty framing).
    TransferEncodingInHttp10,
    /// A request whose `Transfer-Encoding` does not end in `chunked`.
    UnframedRequestBody,
    /// A request with both `Transfer-Encoding` and `Content-Length`.
    LengthAndTransferEncoding,
    /// `101 Switching Protocols`, though the request asked for no upgrade.
    UnrequestedSwitchingProtocols,
}

impl fmt::Display for FramingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FramingError::InvalidContentLength(value) => {
                write!(f, "invalid Content-Length {value:?}")
            }
            FramingError::ConflictingContentLengths => {
                f.write_str("conflicting Content-Length values")
            }
            FramingError::TransferEncodingInHttp10 => {
                f.write_str("Transfer-Encoding in an HTTP/1.0 message")
            }
            FramingError::UnframedRequestBody => {
                f.write_str("a request body whose transfer coding does not end in chunked")
            }
            FramingError::LengthAndTransferEncoding => {
                f.write_str("both Content-Length and Transfer-Encoding")
            }
            FramingError::UnrequestedSwitchingProtocols => {
                f.write_str("101 Switching Protocols without an Upgrade request")
            }
        }
    }
}

impl std::error::Error for FramingError {}

/// RFC 9112 §6.3 for a response to a request whose method was HEAD or not.
pub fn response_body_framing(
    head: &ResponseHead,
    to_head_request: bool,
) -> Result<Framing, FramingError> {
    let framing = |body, reusable| Ok(Framing { body, reusable });
    // Item 1: HEAD responses, 1xx, 204 and 304 end at their head.
    if to_head_request || (100..=199).contains(&head.status) || matches!(head.status, 204 | 304) {
        return framing(BodyFraming::Empty, true);
    }
    let length = content_length(&head.headers)?;
    if let Some(codings) = transfer_codings(&head.headers) {
        // §6.1: an HTTP/1.0 recipient of Transfer-Encoding treats the framing as faulty.
        if head.version == http::Version::HTTP_10 {
            return Err(FramingError::TransferEncodingInHttp10);
        }
        // Item 3: Transfer-Encoding overrides Content-Length, and the
        // connection is closed after (the pair is a smuggling sign).
        let reusable = length.is_none();
        // Item 4: chunked last frames the body; any other coding last runs to the close.
        return if codings
            .last()
            .is_some_and(|c| c.eq_ignore_ascii_case("chunked"))
        {
            framing(BodyFraming::Chunked, reusable)
        } else {
            framing(BodyFraming::UntilClose, false)
        };
    }
    match length {
        // Items 5 and 6.
        Some(length) => framing(BodyFraming::Length(length), true),
        // Item 8.
        None => framing(BodyFraming::UntilClose, false),
    }
}

/// RFC 9112 §6.3 for a request, as a server frames it: a body it cannot
/// frame is refused (400, then close), never guessed.
pub fn request_body_framing(head: &RequestHead) -> Result<Framing, FramingError> {
    let length = content_length(&head.headers)?;
    if let Some(codings) = transfer_codings(&head.headers) {
        if head.version == http::Version::HTTP_10 {
            return Err(FramingError::TransferEncodingInHttp10);
        }
        if length.is_some() {
            return Err(FramingError::LengthAndTransferEncoding);
        }
        if !codings
            .last()
            .is_some_and(|c| c.eq_ignore_ascii_case("chunked"))
        {
            return Err(FramingError::UnframedRequestBody);
        }
        return Ok(Framing {
            body: BodyFraming::Chunked,
            reusable: true,
        });
    }
    Ok(Framing {
        // Item 7: a request without either has no body.
        body: match length {
            Some(0) | None => BodyFraming::Empty,
            Some(length) => BodyFraming::Length(length),
        },
        reusable: true,
    })
}

/// The transfer codings, in order, if there is a `Transfer-Encoding` line.
fn transfer_codings(headers: &http::HeaderMap) -> Option<Vec<String>> {
    let lines = headers.get_all(http::header::TRANSFER_ENCODING);
    lines.iter().next()?;
    Some(
        lines
            .iter()
            .flat_map(|v| v.as_bytes().split(|&b| b == b','))
            .map(|c| String::from_utf8_lossy(c.trim_ascii()).into_owned())
            .filter(|c| !c.is_empty())
            .collect(),
    )
}

/// `Content-Length = 1*DIGIT` (RFC 9110 §8.6), where a list of one
/// repeated value counts as that value; anything else is invalid.
pub fn content_length(headers: &http::HeaderMap) -> Result<Option<u64>, FramingError> {
    let mut found: Option<u64> = None;
    for line in headers.get_all(http::header::CONTENT_LENGTH) {
        for element in line.as_bytes().split(|&b| b == b',') {
            let element = element.trim_ascii();
            let invalid =
                || FramingError::InvalidContentLength(String::from_utf8_lossy(element).into());
            if element.is_empty() || !element.iter().all(u8::is_ascii_digit) {
                return Err(invalid());
            }
            let value = std::str::from_utf8(element)
                .ok()
                .and_then(|text| text.parse::<u64>().ok())
                .ok_or_else(invalid)?;
            match found {
                Some(other) if other != value => {
                    return Err(FramingError::ConflictingContentLengths)
                }
                _ => found = Some(value),
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::parse_response_head;

    fn framing(head: &[u8]) -> Result<Framing, FramingError> {
        let head = parse_response_head(head).unwrap().unwrap();
        response_body_framing(&head, false)
    }

    #[test]
    fn content_lengths() {
        let body = |head: &[u8]| framing(head).map(|f| f.body);
        assert_eq!(
            body(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
            Ok(BodyFraming::Length(5))
        );
        assert_eq!(
            body(b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n"),
            Ok(BodyFraming::Length(5))
        );
        for bad in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 0x2\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: \xd9\xa2\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        ] {
            assert!(matches!(
                framing(bad),
                Err(FramingError::InvalidContentLength(_))
            ));
        }
        assert_eq!(
            framing(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
            Err(FramingError::ConflictingContentLengths)
        );
    }

    #[test]
    fn transfer_encodings() {
        let chunked_and_length =
            framing(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n")
                .unwrap();
        assert_eq!(
            chunked_and_length,
            Framing {
                body: BodyFraming::Chunked,
                reusable: false
            }
        );
        let identity =
            framing(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 5\r\n\r\n")
                .unwrap();
        assert_eq!(identity.body, BodyFraming::UntilClose);
        assert_eq!(
            framing(b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Err(FramingError::TransferEncodingInHttp10)
        );
        assert_eq!(
            framing(b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n")
                .unwrap()
                .body,
            BodyFraming::Empty
        );
    }
}
