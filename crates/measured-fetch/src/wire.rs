//! HTTP/1.1 on the wire, as small as this crate needs it: writing a request
//! or a response head, reading response heads (interim ones included) and
//! bodies (`Content-Length`, chunked, or until close) while noting when the
//! first byte of each response arrived.
//!
//! Written by hand rather than through hyper because Fetch times the
//! *first byte* of every response, interim `103` ones included, and
//! hyper's HTTP/1.1 client reports neither.

use std::fmt;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::clock::Clock;

/// The most bytes a response head may take.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Why an exchange failed on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// The peer closed the connection before the message was complete.
    Closed(&'static str),
    /// An I/O error.
    Io(String),
    /// The bytes are not a valid HTTP/1.1 response.
    Malformed(String),
    /// No progress within the time limit.
    Timeout(Duration),
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Closed(what) => write!(f, "connection closed {what}"),
            WireError::Io(error) => write!(f, "I/O error: {error}"),
            WireError::Malformed(why) => write!(f, "malformed response: {why}"),
            WireError::Timeout(limit) => write!(f, "no response within {} ms", limit.as_millis()),
        }
    }
}

impl std::error::Error for WireError {}

/// A response head: status, headers, and when its first byte arrived.
#[derive(Debug, Clone)]
pub struct ResponseHead {
    /// The status code.
    pub status: u16,
    /// The header fields, in order.
    pub headers: http::HeaderMap,
    /// The moment its first byte was read.
    pub first_byte: f64,
    /// Whether the server keeps the connection open after this response:
    /// HTTP/1.1 without `Connection: close`, or HTTP/1.0 with `keep-alive`.
    pub persistent: bool,
}

/// A buffered reader of one connection's responses.
pub struct ResponseReader<S> {
    stream: S,
    buffer: Vec<u8>,
    /// The moment the bytes at the front of `buffer` were read.
    buffer_read_at: f64,
    /// The moment of the latest read.
    last_read_at: f64,
    clock: Clock,
    timeout: Duration,
    eof: bool,
}

impl<S: AsyncRead + Unpin> ResponseReader<S> {
    /// A reader over `stream`; each read waits at most `timeout`.
    pub fn new(stream: S, clock: Clock, timeout: Duration) -> Self {
        ResponseReader {
            stream,
            buffer: Vec::with_capacity(8192),
            buffer_read_at: 0.0,
            last_read_at: 0.0,
            clock,
            timeout,
            eof: false,
        }
    }

    /// Reads more bytes; returns how many (0 at end of stream).
    async fn fill(&mut self) -> Result<usize, WireError> {
        let mut chunk = [0u8; 16 * 1024];
        let read = tokio::time::timeout(self.timeout, self.stream.read(&mut chunk))
            .await
            .map_err(|_| WireError::Timeout(self.timeout))?
            .map_err(|e| WireError::Io(e.to_string()))?;
        self.last_read_at = self.clock.now();
        if self.buffer.is_empty() {
            self.buffer_read_at = self.last_read_at;
        }
        if read == 0 {
            self.eof = true;
        }
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(read)
    }

    /// Reads the next response head (interim or final).
    pub async fn read_head(&mut self) -> Result<ResponseHead, WireError> {
        loop {
            if let Some(end) = find_head_end(&self.buffer) {
                let first_byte = self.buffer_read_at;
                let head: Vec<u8> = self.buffer.drain(..end).collect();
                // What is left came with the latest read.
                self.buffer_read_at = self.last_read_at;
                let (status, headers) = parse_response_head(&head)?;
                let connection = header_tokens(&headers, "connection");
                let has = |token: &str| connection.iter().any(|t| t.eq_ignore_ascii_case(token));
                let persistent = if head.starts_with(b"HTTP/1.0") {
                    has("keep-alive")
                } else {
                    !has("close")
                };
                return Ok(ResponseHead {
                    status,
                    headers,
                    first_byte,
                    persistent,
                });
            }
            if self.buffer.len() > MAX_HEAD_BYTES {
                return Err(WireError::Malformed(format!(
                    "head longer than {MAX_HEAD_BYTES} bytes"
                )));
            }
            if self.fill().await? == 0 {
                return Err(WireError::Closed(if self.buffer.is_empty() {
                    "before a response"
                } else {
                    "inside a response head"
                }));
            }
        }
    }

    /// Whether the connection can carry another request once the body of
    /// `head` has been read whole: the server keeps it open, the body's end
    /// was framed (a length, chunks, or no body) rather than the connection's
    /// close, and nothing beyond the response has arrived.
    pub fn can_reuse(&self, head: &ResponseHead, no_body: bool) -> bool {
        let framed = !matches!(body_framing(head, no_body), Ok(BodyFraming::UntilClose));
        head.persistent && framed && self.buffer.is_empty() && !self.eof
    }

    /// The connection, for the next exchange (see [`ResponseReader::can_reuse`]).
    pub fn into_stream(self) -> S {
        self.stream
    }

    /// Reads the body that `head` announces, calling `on_bytes(encoded, decoded)`
    /// for each piece (the two are equal: no content coding is requested).
    pub async fn read_body(
        &mut self,
        head: &ResponseHead,
        no_body: bool,
        mut on_bytes: impl FnMut(u64, u64),
    ) -> Result<(), WireError> {
        let length = match body_framing(head, no_body)? {
            BodyFraming::Empty => return Ok(()),
            BodyFraming::Chunked => return self.read_chunked(&mut on_bytes).await,
            BodyFraming::Length(length) => length,
            BodyFraming::UntilClose => return self.read_until_close(&mut on_bytes).await,
        };
        let mut left = length;
        while left > 0 {
            if self.buffer.is_empty() && self.fill().await? == 0 {
                return Err(WireError::Closed("inside the body"));
            }
            let take = (self.buffer.len() as u64).min(left) as usize;
            self.buffer.drain(..take);
            left -= take as u64;
            on_bytes(take as u64, take as u64);
        }
        Ok(())
    }

    /// A body that runs to the end of the connection.
    async fn read_until_close(
        &mut self,
        on_bytes: &mut impl FnMut(u64, u64),
    ) -> Result<(), WireError> {
        loop {
            if !self.buffer.is_empty() {
                let n = self.buffer.len() as u64;
                self.buffer.clear();
                on_bytes(n, n);
            }
            if self.eof || self.fill().await? == 0 {
                return Ok(());
            }
        }
    }

    async fn read_chunked(&mut self, on_bytes: &mut impl FnMut(u64, u64)) -> Result<(), WireError> {
        loop {
            let line = self.read_line().await?;
            let size_text = line.split(|&b| b == b';').next().unwrap_or_default();
            let size_text = std::str::from_utf8(size_text).unwrap_or("").trim();
            let size = u64::from_str_radix(size_text, 16)
                .map_err(|_| WireError::Malformed(format!("bad chunk size {size_text:?}")))?;
            if size == 0 {
                // Trailers, up to the empty line.
                while !self.read_line().await?.is_empty() {}
                return Ok(());
            }
            let mut left = size;
            while left > 0 {
                if self.buffer.is_empty() && self.fill().await? == 0 {
                    return Err(WireError::Closed("inside a chunk"));
                }
                let take = (self.buffer.len() as u64).min(left) as usize;
                self.buffer.drain(..take);
                left -= take as u64;
                // Transfer coding is not content coding: the chunk framing is not counted.
                on_bytes(take as u64, take as u64);
            }
            if !self.read_line().await?.is_empty() {
                return Err(WireError::Malformed(
                    "chunk not followed by CRLF".to_owned(),
                ));
            }
        }
    }

    async fn read_line(&mut self) -> Result<Vec<u8>, WireError> {
        loop {
            if let Some(at) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                let line = self.buffer[..at].to_vec();
                self.buffer.drain(..at + 2);
                return Ok(line);
            }
            if self.buffer.len() > MAX_HEAD_BYTES {
                return Err(WireError::Malformed("line too long".to_owned()));
            }
            if self.fill().await? == 0 {
                return Err(WireError::Closed("inside chunked framing"));
            }
        }
    }
}

/// How a response's body ends (RFC 9112 §6.3).
enum BodyFraming {
    /// There is none (a response to HEAD, a 204 or a 304).
    Empty,
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// `Content-Length`.
    Length(u64),
    /// Neither: the body runs to the end of the connection.
    UntilClose,
}

fn body_framing(head: &ResponseHead, no_body: bool) -> Result<BodyFraming, WireError> {
    if no_body || head.status == 204 || head.status == 304 {
        return Ok(BodyFraming::Empty);
    }
    let chunked = header_tokens(&head.headers, "transfer-encoding")
        .last()
        .is_some_and(|coding| coding.eq_ignore_ascii_case("chunked"));
    if chunked {
        return Ok(BodyFraming::Chunked);
    }
    Ok(match content_length(&head.headers)? {
        Some(length) => BodyFraming::Length(length),
        None => BodyFraming::UntilClose,
    })
}

/// Where the head ends (after the blank line), if it is complete.
fn find_head_end(buffer: &[u8]) -> Option<usize> {
    buffer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4)
}

/// Parses `HTTP/1.x NNN reason CRLF (name: value CRLF)* CRLF`.
pub fn parse_response_head(head: &[u8]) -> Result<(u16, http::HeaderMap), WireError> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, |&b| b == b' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with(b"HTTP/1.") {
        return Err(WireError::Malformed(format!(
            "status line {:?}",
            String::from_utf8_lossy(status_line)
        )));
    }
    let code = parts.next().unwrap_or_default();
    let status = std::str::from_utf8(code)
        .ok()
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|c| (100..=999).contains(c))
        .ok_or_else(|| {
            WireError::Malformed(format!("status code {:?}", String::from_utf8_lossy(code)))
        })?;
    let mut headers = http::HeaderMap::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        let colon = line.iter().position(|&b| b == b':').ok_or_else(|| {
            WireError::Malformed(format!("header line {:?}", String::from_utf8_lossy(line)))
        })?;
        let name = http::HeaderName::from_bytes(&line[..colon]).map_err(|_| {
            WireError::Malformed(format!(
                "header name {:?}",
                String::from_utf8_lossy(&line[..colon])
            ))
        })?;
        let value = line[colon + 1..].trim_ascii();
        let value = http::HeaderValue::from_bytes(value)
            .map_err(|_| WireError::Malformed(format!("value of {name}")))?;
        headers.append(name, value);
    }
    Ok((status, headers))
}

/// The comma-separated tokens of every `name` line.
fn header_tokens<'h>(headers: &'h http::HeaderMap, name: &str) -> Vec<&'h str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

fn content_length(headers: &http::HeaderMap) -> Result<Option<u64>, WireError> {
    let values = header_tokens(headers, "content-length");
    let Some(first) = values.first() else {
        return Ok(None);
    };
    if values.iter().any(|v| v != first) {
        return Err(WireError::Malformed(
            "conflicting Content-Length values".to_owned(),
        ));
    }
    first
        .parse::<u64>()
        .map(Some)
        .map_err(|_| WireError::Malformed(format!("Content-Length {first:?}")))
}

/// Writes a request head (no body).
pub async fn write_request<S: AsyncWrite + Unpin>(
    stream: &mut S,
    method: &str,
    url: &url::Url,
    headers: &[(String, String)],
) -> Result<(), WireError> {
    let mut target = url.path().to_owned();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| WireError::Io(e.to_string()))?;
    stream
        .flush()
        .await
        .map_err(|e| WireError::Io(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse() {
        let (status, headers) = parse_response_head(
            b"HTTP/1.1 200 OK\r\nServer-Timing: a\r\nServer-Timing: b\r\nX: y\r\n\r\n",
        )
        .unwrap();
        assert_eq!(status, 200);
        assert_eq!(headers.get_all("server-timing").iter().count(), 2);
        assert!(parse_response_head(b"HTTP/2 200\r\n\r\n").is_err());
        assert!(parse_response_head(b"HTTP/1.1 abc\r\n\r\n").is_err());
        assert!(parse_response_head(b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n").is_err());
        assert!(parse_response_head(b"HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n").is_err());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn interim_then_final_then_chunked_body() {
        let bytes: &[u8] = b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n2;x=y\r\nef\r\n0\r\n\r\n";
        let mut reader = ResponseReader::new(bytes, Clock::new(), Duration::from_secs(1));
        let interim = reader.read_head().await.unwrap();
        assert_eq!(interim.status, 103);
        let head = reader.read_head().await.unwrap();
        assert_eq!(head.status, 200);
        let mut total = 0;
        reader
            .read_body(&head, false, |e, _| total += e)
            .await
            .unwrap();
        assert_eq!(total, 6);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn truncated_bodies_are_errors() {
        let bytes: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
        let mut reader = ResponseReader::new(bytes, Clock::new(), Duration::from_secs(1));
        let head = reader.read_head().await.unwrap();
        let mut total = 0;
        assert_eq!(
            reader.read_body(&head, false, |e, _| total += e).await,
            Err(WireError::Closed("inside the body"))
        );
        assert_eq!(total, 3);
        let mut reader =
            ResponseReader::new(&b"HTTP/1.1 200"[..], Clock::new(), Duration::from_secs(1));
        assert_eq!(
            reader.read_head().await.unwrap_err(),
            WireError::Closed("inside a response head")
        );
    }
}
