//! The timed reader of one HTTP/1.1 connection: message heads (noting when
//! each response's first byte arrived) and bodies by their framing, every
//! read bounded in time and every buffer in size.

use std::ops::ControlFlow;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::time::Instant;

use super::head::parse_trailer_section;
use super::{
    parse_request_head, parse_response_head, BodyFraming, Framing, RequestHead, ResponseHead,
    WireError, MAX_HEADERS, MAX_HEAD_BYTES,
};
use crate::clock::Clock;

/// The sizes a [`Reader`] accepts; see `docs/limits.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes of one message head ([`MAX_HEAD_BYTES`]).
    pub head_bytes: usize,
    /// The most bytes of one chunk-size line, extensions included (4 KiB).
    pub chunk_line_bytes: usize,
    /// The most bytes of a chunked body's trailer section (16 KiB).
    pub trailer_bytes: usize,
    /// The most body bytes [`Reader::read_body`] reads (none by default).
    pub body_bytes: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            head_bytes: MAX_HEAD_BYTES,
            chunk_line_bytes: 4 * 1024,
            trailer_bytes: 16 * 1024,
            body_bytes: None,
        }
    }
}

/// A buffered reader of one connection's messages.
#[derive(Debug)]
pub struct Reader<S> {
    stream: S,
    buffer: Vec<u8>,
    /// The moment the bytes at the front of `buffer` were read.
    buffer_read_at: f64,
    /// The moment of the latest read.
    last_read_at: f64,
    clock: Clock,
    timeout: Duration,
    deadline: Option<Instant>,
    limits: Limits,
    /// Bytes read from the stream so far.
    received: u64,
    eof: bool,
}

impl<S: AsyncRead + Unpin> Reader<S> {
    /// A reader over `stream`; each read waits at most `timeout`.
    pub fn new(stream: S, clock: Clock, timeout: Duration) -> Self {
        Reader {
            stream,
            buffer: Vec::with_capacity(8192),
            buffer_read_at: 0.0,
            last_read_at: 0.0,
            clock,
            timeout,
            deadline: None,
            limits: Limits::default(),
            received: 0,
            eof: false,
        }
    }

    /// The same reader with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits in force.
    pub fn limits_mut(&mut self) -> &mut Limits {
        &mut self.limits
    }

    /// Each read waits at most `timeout` from now on.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// No read may end later than `deadline` (besides each read's own timeout).
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    /// Whether any byte has arrived on this reader.
    pub fn received_any(&self) -> bool {
        self.received > 0
    }

    /// Reads more bytes; returns how many (0 at end of stream).
    async fn fill(&mut self) -> Result<usize, WireError> {
        if self.eof {
            return Ok(0);
        }
        let mut chunk = [0u8; 16 * 1024];
        let mut until = Instant::now() + self.timeout;
        if let Some(deadline) = self.deadline {
            until = until.min(deadline);
        }
        let read = tokio::time::timeout_at(until, self.stream.read(&mut chunk))
            .await
            .map_err(|_| WireError::Timeout(self.timeout))??;
        self.last_read_at = self.clock.now();
        if self.buffer.is_empty() {
            self.buffer_read_at = self.last_read_at;
        }
        if read == 0 {
            self.eof = true;
        }
        self.received += read as u64;
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(read)
    }

    /// Reads until `parse` finds a whole head in the buffer. A head can only
    /// end at a line feed, so bytes without one are not parsed again.
    async fn read_a_head<T>(
        &mut self,
        parse: impl Fn(&[u8]) -> Result<Option<(T, usize)>, WireError>,
    ) -> Result<Option<(T, f64)>, WireError> {
        let mut worth_parsing = !self.buffer.is_empty();
        loop {
            if worth_parsing {
                if let Some((head, size)) = parse(&self.buffer)? {
                    if size > self.limits.head_bytes {
                        return Err(WireError::TooLarge {
                            what: "message head",
                            limit: self.limits.head_bytes as u64,
                        });
                    }
                    let first_byte = self.buffer_read_at;
                    self.buffer.drain(..size);
                    // What is left came with the latest read.
                    self.buffer_read_at = self.last_read_at;
                    return Ok(Some((head, first_byte)));
                }
            }
            if self.buffer.len() > self.limits.head_bytes {
                return Err(WireError::TooLarge {
                    what: "message head",
                    limit: self.limits.head_bytes as u64,
                });
            }
            let before = self.buffer.len();
            if self.fill().await? == 0 {
                return if self.buffer.is_empty() {
                    Ok(None)
                } else {
                    Err(WireError::Closed("inside a message head"))
                };
            }
            worth_parsing = self.buffer[before..].contains(&b'\n');
        }
    }

    /// Reads the next response head (interim or final).
    pub async fn read_head(&mut self) -> Result<ResponseHead, WireError> {
        let parse = |bytes: &[u8]| {
            Ok(parse_response_head(bytes)?.map(|head| {
                let size = head.size;
                (head, size)
            }))
        };
        match self.read_a_head(parse).await? {
            Some((mut head, first_byte)) => {
                head.first_byte = first_byte;
                Ok(head)
            }
            None => Err(WireError::Closed("before a response")),
        }
    }

    /// Reads the next request head; `None` when the connection closes
    /// before another request begins.
    pub async fn read_request_head(&mut self) -> Result<Option<RequestHead>, WireError> {
        Ok(self
            .read_a_head(parse_request_head)
            .await?
            .map(|(head, _)| head))
    }

    /// Whether the connection can carry another request once a body framed
    /// by `framing` has been read whole: the peer keeps it open
    /// (`persistent`), the body's end was framed rather than the close, and
    /// nothing beyond the message has arrived.
    pub fn can_reuse(&self, persistent: bool, framing: &Framing) -> bool {
        persistent
            && framing.reusable
            && framing.body != BodyFraming::UntilClose
            && self.buffer.is_empty()
            && !self.eof
    }

    /// The stream, to write to it between messages.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// The connection, for the next exchange (see [`Reader::can_reuse`]).
    pub fn into_stream(self) -> S {
        self.stream
    }

    /// Reads a body framed by `framing`, calling `on_bytes` with the size of
    /// each piece of content (chunk framing is not counted), and returns the
    /// trailer section of a chunked body (else an empty map).
    pub async fn read_body(
        &mut self,
        framing: BodyFraming,
        mut on_bytes: impl FnMut(&[u8]),
    ) -> Result<http::HeaderMap, WireError> {
        self.read_body_while(framing, |piece| {
            on_bytes(piece);
            ControlFlow::Continue(())
        })
        .await
    }

    /// [`Reader::read_body`], stopping with [`WireError::Stopped`] as soon
    /// as `on_bytes` breaks (the body is then unread: the connection cannot
    /// be reused).
    pub async fn read_body_while(
        &mut self,
        framing: BodyFraming,
        mut on_bytes: impl FnMut(&[u8]) -> ControlFlow<()>,
    ) -> Result<http::HeaderMap, WireError> {
        let mut read = 0;
        match framing {
            BodyFraming::Empty => {}
            BodyFraming::Length(length) => {
                self.read_exactly(length, &mut read, &mut on_bytes, "inside the body")
                    .await?
            }
            BodyFraming::UntilClose => loop {
                let n = self.buffer.len() as u64;
                if n > 0 {
                    self.count(&mut read, n)?;
                    let flow = on_bytes(&self.buffer);
                    self.buffer.clear();
                    if flow.is_break() {
                        return Err(WireError::Stopped);
                    }
                }
                if self.fill().await? == 0 {
                    break;
                }
            },
            BodyFraming::Chunked => return self.read_chunked(&mut read, &mut on_bytes).await,
        }
        Ok(http::HeaderMap::new())
    }

    fn count(&self, read: &mut u64, more: u64) -> Result<(), WireError> {
        *read += more;
        match self.limits.body_bytes {
            Some(limit) if *read > limit => Err(WireError::TooLarge {
                what: "body",
                limit,
            }),
            _ => Ok(()),
        }
    }

    async fn read_exactly(
        &mut self,
        length: u64,
        read: &mut u64,
        on_bytes: &mut impl FnMut(&[u8]) -> ControlFlow<()>,
        closed: &'static str,
    ) -> Result<(), WireError> {
        let mut left = length;
        while left > 0 {
            if self.buffer.is_empty() && self.fill().await? == 0 {
                return Err(WireError::Closed(closed));
            }
            let take = (self.buffer.len() as u64).min(left) as usize;
            self.count(read, take as u64)?;
            let flow = on_bytes(&self.buffer[..take]);
            self.buffer.drain(..take);
            if flow.is_break() {
                return Err(WireError::Stopped);
            }
            left -= take as u64;
        }
        Ok(())
    }

    /// RFC 9112 §7.1: chunks, the last chunk, the trailer section.
    async fn read_chunked(
        &mut self,
        read: &mut u64,
        on_bytes: &mut impl FnMut(&[u8]) -> ControlFlow<()>,
    ) -> Result<http::HeaderMap, WireError> {
        loop {
            let size = self.read_chunk_size().await?;
            if size == 0 {
                return self.read_trailer_section().await;
            }
            self.read_exactly(size, read, on_bytes, "inside a chunk")
                .await?;
            while self.buffer.len() < 2 {
                if self.fill().await? == 0 {
                    return Err(WireError::Closed("inside chunked framing"));
                }
            }
            if !self.buffer.starts_with(b"\r\n") {
                return Err(WireError::ChunkSize);
            }
            self.buffer.drain(..2);
        }
    }

    /// `chunk-size [ chunk-ext ] CRLF`, by httparse, which takes an empty
    /// size for 0: a size must start with a hex digit.
    async fn read_chunk_size(&mut self) -> Result<u64, WireError> {
        loop {
            if let Some(&first) = self.buffer.first() {
                if !first.is_ascii_hexdigit() {
                    return Err(WireError::ChunkSize);
                }
                match httparse::parse_chunk_size(&self.buffer) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        self.buffer.drain(..used);
                        return Ok(size);
                    }
                    Ok(httparse::Status::Partial) => {}
                    Err(httparse::InvalidChunkSize) => return Err(WireError::ChunkSize),
                }
            }
            if self.buffer.len() > self.limits.chunk_line_bytes {
                return Err(WireError::TooLarge {
                    what: "chunk-size line",
                    limit: self.limits.chunk_line_bytes as u64,
                });
            }
            if self.fill().await? == 0 {
                return Err(WireError::Closed("inside chunked framing"));
            }
        }
    }

    async fn read_trailer_section(&mut self) -> Result<http::HeaderMap, WireError> {
        loop {
            if !self.buffer.is_empty() {
                let parsed = match parse_trailer_section(&self.buffer) {
                    Err(WireError::Head(httparse::Error::TooManyHeaders)) => {
                        return Err(WireError::TooLarge {
                            what: "trailer field count",
                            limit: MAX_HEADERS as u64,
                        })
                    }
                    parsed => parsed?,
                };
                if let Some((trailers, used)) = parsed {
                    self.buffer.drain(..used);
                    return Ok(trailers);
                }
            }
            if self.buffer.len() > self.limits.trailer_bytes {
                return Err(WireError::TooLarge {
                    what: "trailer section",
                    limit: self.limits.trailer_bytes as u64,
                });
            }
            if self.fill().await? == 0 {
                return Err(WireError::Closed("inside the trailer section"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::response_body_framing;

    fn reader(bytes: &'static [u8]) -> Reader<&'static [u8]> {
        Reader::new(bytes, Clock::new(), Duration::from_secs(1))
    }

    #[tokio::test(flavor = "current_thread")]
    async fn interim_then_final_then_chunked_body_with_trailers() {
        let mut reader = reader(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n2;x=y\r\nef\r\n0\r\nServer-Timing: t;dur=1\r\n\r\n");
        let interim = reader.read_head().await.unwrap();
        assert_eq!(interim.status, 103);
        let head = reader.read_head().await.unwrap();
        assert_eq!(head.status, 200);
        let framing = response_body_framing(&head, false).unwrap();
        let mut total = 0;
        let trailers = reader
            .read_body(framing.body, |piece| total += piece.len())
            .await
            .unwrap();
        assert_eq!(total, 6);
        assert_eq!(trailers["server-timing"], "t;dur=1");
        assert!(reader.can_reuse(head.persistent, &framing));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn truncated_bodies_are_errors() {
        let mut reader = reader(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        let head = reader.read_head().await.unwrap();
        let framing = response_body_framing(&head, false).unwrap();
        let mut total = 0;
        let error = reader
            .read_body(framing.body, |piece| total += piece.len())
            .await
            .unwrap_err();
        assert!(matches!(error, WireError::Closed("inside the body")));
        assert_eq!(total, 3);
        let error = self::reader(b"HTTP/1.1 200").read_head().await.unwrap_err();
        assert!(matches!(error, WireError::Closed("inside a message head")));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn chunk_sizes_follow_rfc_9112() {
        for bad in [
            &b"+2\r\nab\r\n0\r\n\r\n"[..],
            b" 2 \r\nab\r\n0\r\n\r\n",
            b"\r\n",
            b"2\r\nabc\r\n0\r\n\r\n",
            b"11111111111111111\r\n",
        ] {
            let mut reader = Reader::new(bad, Clock::new(), Duration::from_secs(1));
            let result = reader.read_body(BodyFraming::Chunked, |_| {}).await;
            assert!(
                matches!(result, Err(WireError::ChunkSize)),
                "{:?}: {result:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn trailers_are_bounded() {
        let mut bytes = b"0\r\n".to_vec();
        for i in 0..2000 {
            bytes.extend_from_slice(format!("X-{i}: y\r\n").as_bytes());
        }
        let bytes: &'static [u8] = bytes.leak();
        let mut reader = Reader::new(bytes, Clock::new(), Duration::from_secs(1));
        let result = reader.read_body(BodyFraming::Chunked, |_| {}).await;
        assert!(matches!(
            result,
            Err(WireError::TooLarge { .. }) | Err(WireError::Head(_))
        ));
    }
}
