//! Message heads: a response's status line or a request's request line, then
//! header lines, parsed by `httparse` (RFC 9112 §2–§5). The one head parser
//! of the workspace: the client reads response heads with it and the
//! loopback server request heads.

use super::{WireError, MAX_HEADERS};

/// A response head: version, status, headers, and when its first byte arrived.
#[derive(Debug, Clone)]
pub struct ResponseHead {
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub version: http::Version,
    /// The status code (three digits, 100 to 999).
    pub status: u16,
    /// The header fields, in order.
    pub headers: http::HeaderMap,
    /// The moment its first byte was read.
    pub first_byte: f64,
    /// How many bytes the head took on the wire.
    pub size: usize,
    /// Whether the server keeps the connection open after this response:
    /// HTTP/1.1 without `Connection: close`, or HTTP/1.0 with `keep-alive`
    /// (RFC 9112 §9.3).
    pub persistent: bool,
}

/// A request head.
#[derive(Debug, Clone)]
pub struct RequestHead {
    /// The method.
    pub method: http::Method,
    /// The request target as sent (origin form: path and query).
    pub target: String,
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub version: http::Version,
    /// The header fields, in order.
    pub headers: http::HeaderMap,
    /// Whether the client keeps the connection open after this exchange.
    pub persistent: bool,
}

/// Parses a response head at the start of `bytes`: `Ok(None)` while it is
/// incomplete, else the head (with `first_byte` 0) and its length.
pub fn parse_response_head(bytes: &[u8]) -> Result<Option<ResponseHead>, WireError> {
    let mut lines = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut lines);
    let size = match response.parse(bytes).map_err(WireError::Head)? {
        httparse::Status::Complete(size) => size,
        httparse::Status::Partial => return Ok(None),
    };
    let version = version(response.version);
    let status = response.code.unwrap_or_default();
    let headers = header_map(response.headers)?;
    let persistent = persistent(version, &headers);
    Ok(Some(ResponseHead {
        version,
        status,
        headers,
        first_byte: 0.0,
        size,
        persistent,
    }))
}

/// Parses a request head at the start of `bytes`: `Ok(None)` while it is
/// incomplete, else the head and its length.
pub fn parse_request_head(bytes: &[u8]) -> Result<Option<(RequestHead, usize)>, WireError> {
    let mut lines = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut lines);
    let size = match request.parse(bytes).map_err(WireError::Head)? {
        httparse::Status::Complete(size) => size,
        httparse::Status::Partial => return Ok(None),
    };
    let method = http::Method::from_bytes(request.method.unwrap_or_default().as_bytes())
        .map_err(|_| WireError::Head(httparse::Error::Token))?;
    let version = version(request.version);
    let headers = header_map(request.headers)?;
    let persistent = persistent(version, &headers);
    Ok(Some((
        RequestHead {
            method,
            target: request.path.unwrap_or("/").to_owned(),
            version,
            headers,
            persistent,
        },
        size,
    )))
}

/// Parses the field lines of a trailer section (RFC 9112 §7.1.2), up to
/// and including its empty line: `Ok(None)` while incomplete.
pub(super) fn parse_trailer_section(
    bytes: &[u8],
) -> Result<Option<(http::HeaderMap, usize)>, WireError> {
    let mut lines = [httparse::EMPTY_HEADER; MAX_HEADERS];
    match httparse::parse_headers(bytes, &mut lines).map_err(WireError::Head)? {
        httparse::Status::Complete((size, fields)) => Ok(Some((header_map(fields)?, size))),
        httparse::Status::Partial => Ok(None),
    }
}

fn version(minor: Option<u8>) -> http::Version {
    // httparse accepts `HTTP/1.0` and `HTTP/1.1` only.
    if minor == Some(0) {
        http::Version::HTTP_10
    } else {
        http::Version::HTTP_11
    }
}

fn header_map(lines: &[httparse::Header<'_>]) -> Result<http::HeaderMap, WireError> {
    let mut headers = http::HeaderMap::with_capacity(lines.len());
    for line in lines {
        // httparse checked the name is a token and the value has no control byte.
        let name = http::HeaderName::from_bytes(line.name.as_bytes())
            .map_err(|_| WireError::Head(httparse::Error::HeaderName))?;
        let value = http::HeaderValue::from_bytes(line.value)
            .map_err(|_| WireError::Head(httparse::Error::HeaderValue))?;
        headers.append(name, value);
    }
    Ok(headers)
}

/// RFC 9112 §9.3: whether the connection persists after this message.
fn persistent(version: http::Version, headers: &http::HeaderMap) -> bool {
    let has = |token: &str| {
        headers
            .get_all(http::header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    if has("close") {
        false
    } else {
        version == http::Version::HTTP_11 || has("keep-alive")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(bytes: &[u8]) -> Result<Option<ResponseHead>, WireError> {
        parse_response_head(bytes)
    }

    #[test]
    fn heads_parse() {
        let parsed =
            head(b"HTTP/1.1 200 OK\r\nServer-Timing: a\r\nServer-Timing: b\r\nX: y\r\n\r\n")
                .unwrap()
                .unwrap();
        assert_eq!(parsed.status, 200);
        assert_eq!(parsed.version, http::Version::HTTP_11);
        assert_eq!(parsed.headers.get_all("server-timing").iter().count(), 2);
        assert!(parsed.persistent);
        assert!(head(b"HTTP/1.1 200 OK\r\nX: y\r\n").unwrap().is_none());
    }

    #[test]
    fn what_rfc_9112_refuses_is_refused() {
        for bad in [
            &b"HTTP/2 200\r\n\r\n"[..],
            b"HTTP/1.7 200 OK\r\n\r\n",
            b"HTTP/1.1 abc\r\n\r\n",
            b"HTTP/1.1 0200 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX: a\rY: b\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX : a\r\n\r\n",
        ] {
            assert!(head(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn lf_only_heads_end_at_the_first_empty_line() {
        let parsed = head(b"HTTP/1.1 200 OK\nA: 1\n\nB: 2\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(parsed.size, 22);
        assert!(parsed.headers.get("b").is_none());
        let parsed = head(b"HTTP/1.1 200 OK\r\nA: 1\r\n\nB: 2\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(parsed.headers.get("b").is_none(), "\\r\\n\\n ends the head");
    }

    #[test]
    fn requests_parse() {
        let (request, size) =
            parse_request_head(b"POST /x?y HTTP/1.0\r\nConnection: keep-alive\r\n\r\nbody")
                .unwrap()
                .unwrap();
        assert_eq!(request.method, http::Method::POST);
        assert_eq!(request.target, "/x?y");
        assert!(request.persistent);
        assert_eq!(size, 46);
    }
}
