//! Writing a request head.

use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::WireError;

/// Writes a request head (no body): the request line, `Host`, then
/// `headers` in order.
pub async fn write_request<S: AsyncWrite + Unpin>(
    stream: &mut S,
    method: &http::Method,
    url: &url::Url,
    headers: &http::HeaderMap,
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
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\n").into_bytes();
    write_field_section(&mut head, headers);
    stream.write_all(&head).await?;
    stream.flush().await?;
    Ok(())
}

/// Appends a field section (RFC 9112 §5: `name: value` lines, then the
/// empty line that ends the section), for a head or a chunked body's
/// trailer section.
pub fn write_field_section<'a>(
    out: &mut Vec<u8>,
    fields: impl IntoIterator<Item = (&'a http::HeaderName, &'a http::HeaderValue)>,
) {
    for (name, value) in fields {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}
