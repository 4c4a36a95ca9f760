//! Bodies for the `/encoded` route: a known text, content-coded with the
//! same crates the client decodes with (`flate2`, `brotli`, `zstd`), so a
//! test knows both the encoded and the decoded size.

use std::io::Write;

/// The longest decoded body `/encoded` makes (`bytes=`): 16 MiB.
pub const MAX_ENCODED_ROUTE_BYTES: usize = 16 * 1024 * 1024;

/// The default decoded size of the `/encoded` body.
pub const DEFAULT_ENCODED_ROUTE_BYTES: usize = 4096;

/// The decoded body of `/encoded?bytes=N`: numbered lines of text, cut at
/// `length` bytes.
pub fn plain_body(length: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(length + 64);
    let mut line = 0u64;
    while body.len() < length {
        let _ = writeln!(body, "line {line:06} of a body served content-coded");
        line += 1;
    }
    body.truncate(length);
    body
}

/// `data` coded with `coding` (`gzip`/`x-gzip`, `deflate` (zlib),
/// `deflate-raw` (raw deflate, sent as `deflate`), `br`, `zstd`); `None`
/// for any other name, which is sent as it is.
pub fn encode(coding: &str, data: &[u8]) -> Option<Vec<u8>> {
    let level = flate2::Compression::default();
    let coded = match coding {
        "gzip" | "x-gzip" => {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
            encoder.write_all(data).ok()?;
            encoder.finish().ok()?
        }
        "deflate" => {
            let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), level);
            encoder.write_all(data).ok()?;
            encoder.finish().ok()?
        }
        "deflate-raw" => {
            let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), level);
            encoder.write_all(data).ok()?;
            encoder.finish().ok()?
        }
        "br" => {
            let mut out = Vec::new();
            {
                let mut encoder = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                encoder.write_all(data).ok()?;
            }
            out
        }
        "zstd" => zstd::stream::encode_all(data, 3).ok()?,
        _ => return None,
    };
    Some(coded)
}

/// The name a coding goes by in `Content-Encoding`.
pub fn header_name(coding: &str) -> &str {
    match coding {
        "deflate-raw" => "deflate",
        other => other,
    }
}

/// Breaks a coded body so that it no longer decodes: its third byte (in
/// every coding's header) and four bytes in its middle are inverted.
pub fn corrupt(body: &mut [u8]) {
    if let Some(byte) = body.get_mut(2) {
        *byte = !*byte;
    }
    let middle = body.len() / 2;
    for byte in body.iter_mut().skip(middle).take(4) {
        *byte = !*byte;
    }
}
