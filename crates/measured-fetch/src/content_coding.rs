//! Fetch's *handle content codings*: a response body decoded as it streams,
//! counting the bytes before decoding (`encodedBodySize`) and after
//! (`decodedBodySize`).
//!
//! The codings decoded are those browsers ask for with
//! [`ACCEPT_ENCODING_VALUE`]: `gzip` (and `x-gzip`), `deflate` (zlib, or raw
//! deflate as browsers also take), `br` and `zstd`. Several codings are
//! undone in the reverse of the order they were applied (RFC 9110 §8.4).
//! A list with any other coding is "not supported": the body is counted as
//! it is, decoded size equal to encoded size. The decoded body is counted,
//! not kept, and bounded: past [`DEFAULT_MAX_DECODED_BODY`] (or the limit
//! given) decoding fails, so a decompression bomb ends as a network error
//! instead of running for as long as the deadline allows.
//!
//! ```
//! use measured_fetch::content_coding::BodyDecoder;
//! use std::io::Write;
//!
//! let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
//! gzip.write_all(&[b'a'; 1000]).unwrap();
//! let body = gzip.finish().unwrap();
//!
//! let mut decoder = BodyDecoder::for_codings(&[b"gzip"], 1 << 20).unwrap();
//! let mut decoded = 0;
//! for piece in body.chunks(7) {
//!     decoded += decoder.decode(piece).unwrap();
//! }
//! decoded += decoder.finish().unwrap();
//! assert_eq!(decoded, 1000);
//! ```

use std::fmt;
use std::io::{self, Write};

/// The `Accept-Encoding` a browser sends, and so this client.
pub const ACCEPT_ENCODING_VALUE: &str = "gzip, deflate, br, zstd";

/// The default bound on a decoded body ([`crate::client::FetchOptions::max_decoded_body`]): 256 MiB.
pub const DEFAULT_MAX_DECODED_BODY: u64 = 256 * 1024 * 1024;

/// The most codings one response may stack; a longer list is not supported
/// (the body is counted as it is).
pub const MAX_CODINGS: usize = 8;

/// The largest zstd window accepted: 8 MiB, as RFC 9659 §3 lets a decoder
/// of `Content-Encoding: zstd` require (and browsers do).
pub const ZSTD_MAX_WINDOW_LOG: u32 = 23;

/// How much one decoding step writes before handing the bytes on.
const STEP_OUTPUT: usize = 32 * 1024;

/// A content coding this client decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContentCoding {
    /// `gzip` or `x-gzip` (RFC 1952; several members are one body).
    Gzip,
    /// `deflate`: a zlib stream (RFC 1950), or a raw deflate stream (RFC
    /// 1951) as some servers send and browsers accept.
    Deflate,
    /// `br` (RFC 7932).
    Brotli,
    /// `zstd` (RFC 8878, with RFC 9659's window limit).
    Zstd,
}

impl ContentCoding {
    /// The coding a `Content-Encoding` token names (ASCII case-insensitive),
    /// if this client decodes it. `identity` is no coding and gives `None`
    /// too; [`BodyDecoder::for_codings`] skips it.
    pub fn from_token(token: &[u8]) -> Option<ContentCoding> {
        let token = std::str::from_utf8(token).ok()?.trim_matches([' ', '\t']);
        Some(match token.to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => ContentCoding::Gzip,
            "deflate" => ContentCoding::Deflate,
            "br" => ContentCoding::Brotli,
            "zstd" => ContentCoding::Zstd,
            _ => return None,
        })
    }

    /// The coding's registered name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentCoding::Gzip => "gzip",
            ContentCoding::Deflate => "deflate",
            ContentCoding::Brotli => "br",
            ContentCoding::Zstd => "zstd",
        }
    }
}

impl fmt::Display for ContentCoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a body did not decode. Fetch makes this a network error.
#[derive(Debug)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes are not valid data of the coding (or continue after its end).
    Corrupt {
        /// The coding.
        coding: ContentCoding,
        /// The decoder's error.
        source: io::Error,
    },
    /// The body ended before the coded stream did.
    Truncated(ContentCoding),
    /// The decoded body grew past the limit.
    TooLarge {
        /// The limit, in decoded bytes.
        limit: u64,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Corrupt { coding, source } => {
                write!(f, "the {coding} body does not decode: {source}")
            }
            DecodeError::Truncated(coding) => {
                write!(f, "the {coding} body ends before its coded stream does")
            }
            DecodeError::TooLarge { limit } => {
                write!(f, "the decoded body is over the limit of {limit} bytes")
            }
        }
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DecodeError::Corrupt { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A body being decoded: the codings of one response, undone in turn.
pub struct BodyDecoder {
    /// The decoder of the last coding applied; it writes into the next.
    outer: Stage,
    /// Decoded bytes already reported.
    reported: u64,
    /// Whether any byte arrived (an empty body is empty whatever the coding).
    received_any: bool,
}

impl fmt::Debug for BodyDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyDecoder")
            .field("reported", &self.reported)
            .finish_non_exhaustive()
    }
}

impl BodyDecoder {
    /// The decoder for a response whose `Content-Encoding` values (as
    /// *extract header list values* gives them, in order of application)
    /// are `codings`, bounding the decoded body to `limit` bytes. `None`
    /// when there is nothing to decode: no coding but `identity`, or one
    /// this client does not support (then the bytes are the body).
    pub fn for_codings(codings: &[&[u8]], limit: u64) -> Option<BodyDecoder> {
        let mut applied = Vec::new();
        for token in codings {
            let trimmed = std::str::from_utf8(token)
                .map(|t| t.trim_matches([' ', '\t']))
                .unwrap_or("");
            if trimmed.eq_ignore_ascii_case("identity") {
                continue;
            }
            applied.push(ContentCoding::from_token(token)?);
        }
        if applied.is_empty() || applied.len() > MAX_CODINGS {
            return None;
        }
        // The first coding applied is undone last: its decoder writes into
        // the counter; each later coding's decoder writes into the one before.
        let mut sink = Sink::Count { total: 0, limit };
        for coding in applied {
            // A zstd context that cannot be made (out of memory) leaves the
            // body as it is.
            sink = Sink::Next(Box::new(Stage::new(coding, sink).ok()?));
        }
        let Sink::Next(outer) = sink else { return None };
        Some(BodyDecoder {
            outer: *outer,
            reported: 0,
            received_any: false,
        })
    }

    /// The decoder for a response's headers: `Content-Encoding` split as
    /// *extract header list values* does. See [`BodyDecoder::for_codings`].
    pub fn for_response(headers: &http::HeaderMap, limit: u64) -> Option<BodyDecoder> {
        let combined =
            fetch_headers::get_a_header(headers.get_all(http::header::CONTENT_ENCODING).iter())?;
        let codings = fetch_headers::split_a_header_value(&combined);
        BodyDecoder::for_codings(&codings, limit)
    }

    /// Decodes the next piece of the (transfer-decoded) body; returns how
    /// many decoded bytes it added.
    pub fn decode(&mut self, piece: &[u8]) -> Result<u64, DecodeError> {
        if !piece.is_empty() {
            self.received_any = true;
            self.outer.write_all(piece).map_err(into_decode_error)?;
        }
        Ok(self.take_new())
    }

    /// The body ended: flushes the decoders and checks every coded stream
    /// ended; returns the decoded bytes this added.
    pub fn finish(&mut self) -> Result<u64, DecodeError> {
        if self.received_any {
            self.outer.finish().map_err(into_decode_error)?;
        }
        Ok(self.take_new())
    }

    fn take_new(&mut self) -> u64 {
        let total = self.outer.decoded();
        let new = total - self.reported;
        self.reported = total;
        new
    }
}

/// Turns the `io::Error` a stage chain returned back into the
/// [`DecodeError`] a stage put in it.
fn into_decode_error(error: io::Error) -> DecodeError {
    match error
        .into_inner()
        .map(|inner| inner.downcast::<DecodeError>())
    {
        Some(Ok(error)) => *error,
        // Every stage wraps its own failures, so this is not reached.
        Some(Err(other)) => DecodeError::Corrupt {
            coding: ContentCoding::Gzip,
            source: io::Error::other(other),
        },
        None => DecodeError::Corrupt {
            coding: ContentCoding::Gzip,
            source: io::Error::other("decoder failed"),
        },
    }
}

/// Where a stage writes what it decoded.
enum Sink {
    /// The end of the chain: counts decoded bytes, up to a limit.
    Count { total: u64, limit: u64 },
    /// The decoder of the coding applied before.
    Next(Box<Stage>),
}

impl Sink {
    fn decoded(&self) -> u64 {
        match self {
            Sink::Count { total, .. } => *total,
            Sink::Next(stage) => stage.decoded(),
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        match self {
            Sink::Count { .. } => Ok(()),
            Sink::Next(stage) => stage.finish(),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Count { total, limit } => {
                let grown = total.saturating_add(bytes.len() as u64);
                if grown > *limit {
                    return Err(io::Error::other(DecodeError::TooLarge { limit: *limit }));
                }
                *total = grown;
                Ok(bytes.len())
            }
            Sink::Next(stage) => stage.write_all(bytes).map(|()| bytes.len()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One coding's decoder, writing into the next.
enum Stage {
    Gzip(flate2::write::MultiGzDecoder<Sink>),
    Deflate(Inflate),
    // Boxed: the brotli state is large, and a stage already sits in a box.
    Brotli(Box<brotli::DecompressorWriter<Sink>>),
    Zstd(zstd::stream::zio::Writer<Sink, zstd::stream::raw::Decoder<'static>>),
}

impl Stage {
    fn new(coding: ContentCoding, sink: Sink) -> io::Result<Stage> {
        Ok(match coding {
            ContentCoding::Gzip => Stage::Gzip(flate2::write::MultiGzDecoder::new(sink)),
            ContentCoding::Deflate => Stage::Deflate(Inflate::new(sink)),
            ContentCoding::Brotli => {
                Stage::Brotli(Box::new(brotli::DecompressorWriter::new(sink, STEP_OUTPUT)))
            }
            ContentCoding::Zstd => {
                let mut decoder = zstd::stream::raw::Decoder::new()?;
                decoder.set_parameter(zstd::zstd_safe::DParameter::WindowLogMax(
                    ZSTD_MAX_WINDOW_LOG,
                ))?;
                Stage::Zstd(zstd::stream::zio::Writer::new(sink, decoder))
            }
        })
    }

    fn coding(&self) -> ContentCoding {
        match self {
            Stage::Gzip(_) => ContentCoding::Gzip,
            Stage::Deflate(_) => ContentCoding::Deflate,
            Stage::Brotli(_) => ContentCoding::Brotli,
            Stage::Zstd(_) => ContentCoding::Zstd,
        }
    }

    fn sink(&self) -> &Sink {
        match self {
            Stage::Gzip(decoder) => decoder.get_ref(),
            Stage::Deflate(inflate) => &inflate.sink,
            Stage::Brotli(decoder) => decoder.get_ref(),
            Stage::Zstd(decoder) => decoder.writer(),
        }
    }

    fn decoded(&self) -> u64 {
        self.sink().decoded()
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let coding = self.coding();
        let written = match self {
            Stage::Gzip(decoder) => decoder.write_all(bytes),
            Stage::Deflate(inflate) => inflate.write_all(bytes),
            Stage::Brotli(decoder) => decoder.write_all(bytes),
            Stage::Zstd(decoder) => decoder.write_all(bytes),
        };
        written.map_err(|error| tag(coding, error))
    }

    /// Ends this coding's stream (an unfinished one is an error), then the
    /// next stage's.
    fn finish(&mut self) -> io::Result<()> {
        let coding = self.coding();
        let finished = match self {
            Stage::Gzip(decoder) => decoder.try_finish().map_err(|error| {
                if error.kind() == io::ErrorKind::InvalidInput
                    || error.kind() == io::ErrorKind::UnexpectedEof
                {
                    io::Error::other(DecodeError::Truncated(coding))
                } else {
                    error
                }
            }),
            Stage::Deflate(inflate) => inflate.finish(),
            // Brotli reports a cut stream and a corrupt one alike.
            Stage::Brotli(decoder) => decoder.close(),
            Stage::Zstd(decoder) => decoder.finish().map_err(|error| {
                if error.kind() == io::ErrorKind::UnexpectedEof {
                    io::Error::other(DecodeError::Truncated(coding))
                } else {
                    error
                }
            }),
        };
        finished.map_err(|error| tag(coding, error))?;
        match self {
            Stage::Gzip(decoder) => decoder.get_mut().finish(),
            Stage::Deflate(inflate) => inflate.sink.finish(),
            Stage::Brotli(decoder) => decoder.get_mut().finish(),
            Stage::Zstd(decoder) => decoder.writer_mut().finish(),
        }
    }
}

/// Wraps a decoder's own failure as [`DecodeError::Corrupt`] of `coding`;
/// one that already carries a [`DecodeError`] (from a later stage, or the
/// limit) passes unchanged.
fn tag(coding: ContentCoding, error: io::Error) -> io::Error {
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<DecodeError>())
    {
        return error;
    }
    io::Error::other(DecodeError::Corrupt {
        coding,
        source: error,
    })
}

/// `deflate`: zlib-wrapped or raw, told apart by the first two bytes (a
/// zlib header is a deflate method byte whose 16-bit value with the flags
/// byte is a multiple of 31, RFC 1950 §2.2).
struct Inflate {
    decompress: Option<flate2::Decompress>,
    /// The first bytes, until there are two to tell the format by.
    start: Vec<u8>,
    ended: bool,
    output: Vec<u8>,
    sink: Sink,
}

impl Inflate {
    fn new(sink: Sink) -> Inflate {
        Inflate {
            decompress: None,
            start: Vec::with_capacity(2),
            ended: false,
            output: vec![0; STEP_OUTPUT],
            sink,
        }
    }

    fn is_zlib_header(cmf: u8, flg: u8) -> bool {
        cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
    }

    fn write_all(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        if self.decompress.is_none() {
            let take = (2 - self.start.len()).min(bytes.len());
            self.start.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.start.len() < 2 {
                return Ok(());
            }
            let zlib = Inflate::is_zlib_header(self.start[0], self.start[1]);
            self.decompress = Some(flate2::Decompress::new(zlib));
            let start = std::mem::take(&mut self.start);
            self.inflate(&start, flate2::FlushDecompress::None)?;
        }
        self.inflate(bytes, flate2::FlushDecompress::None)
    }

    fn inflate(&mut self, mut bytes: &[u8], flush: flate2::FlushDecompress) -> io::Result<()> {
        let Some(decompress) = self.decompress.as_mut() else {
            return Ok(());
        };
        loop {
            if self.ended {
                if bytes.is_empty() {
                    return Ok(());
                }
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "data after the end of the deflate stream",
                ));
            }
            let (before_in, before_out) = (decompress.total_in(), decompress.total_out());
            let status = decompress
                .decompress(bytes, &mut self.output, flush)
                .map_err(io::Error::other)?;
            let consumed = (decompress.total_in() - before_in) as usize;
            let produced = (decompress.total_out() - before_out) as usize;
            self.sink.write_all(&self.output[..produced])?;
            bytes = &bytes[consumed..];
            if status == flate2::Status::StreamEnd {
                self.ended = true;
                continue;
            }
            // Done when the input is used up and the output had room (the
            // decoder holds nothing back), or when no progress is possible.
            if (bytes.is_empty() && produced < self.output.len())
                || (consumed == 0 && produced == 0)
            {
                return Ok(());
            }
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.decompress.is_none() && self.start.is_empty() {
            return Ok(());
        }
        if self.decompress.is_some() {
            self.inflate(&[], flate2::FlushDecompress::Finish)?;
        }
        if self.ended {
            Ok(())
        } else {
            Err(io::Error::other(DecodeError::Truncated(
                ContentCoding::Deflate,
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn raw_deflate(data: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn brotli(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
            encoder.write_all(data).unwrap();
        }
        out
    }

    fn zstd(data: &[u8]) -> Vec<u8> {
        zstd::stream::encode_all(data, 3).unwrap()
    }

    /// Decodes `body` fed in pieces of `piece` bytes.
    fn decode(codings: &[&[u8]], body: &[u8], piece: usize) -> Result<u64, DecodeError> {
        let mut decoder = BodyDecoder::for_codings(codings, 1 << 20).expect("supported");
        let mut total = 0;
        for chunk in body.chunks(piece) {
            total += decoder.decode(chunk)?;
        }
        Ok(total + decoder.finish()?)
    }

    fn sample() -> Vec<u8> {
        (0..50_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect()
    }

    #[test]
    fn every_coding_decodes_in_any_piece_size() {
        let data = sample();
        let bodies: [(&[u8], Vec<u8>); 6] = [
            (b"gzip", gzip(&data)),
            (b"x-gzip", gzip(&data)),
            (b"deflate", zlib(&data)),
            (b"deflate", raw_deflate(&data)),
            (b"br", brotli(&data)),
            (b"zstd", zstd(&data)),
        ];
        for (coding, body) in &bodies {
            for piece in [1, 2, 7, 1500, body.len()] {
                let decoded = decode(&[coding], body, piece)
                    .unwrap_or_else(|e| panic!("{coding:?} in {piece}: {e}"));
                assert_eq!(decoded, data.len() as u64, "{coding:?} in {piece}");
            }
        }
    }

    #[test]
    fn stacked_codings_are_undone_last_first() {
        let data = sample();
        // Content-Encoding: gzip, br means gzip was applied, then br.
        let body = brotli(&gzip(&data));
        assert_eq!(
            decode(&[b"gzip", b"br"], &body, 999).unwrap(),
            data.len() as u64
        );
        assert!(decode(&[b"br", b"gzip"], &body, 999).is_err());
        assert_eq!(
            decode(&[b"identity", b"GZIP", b" identity"], &gzip(&data), 10).unwrap(),
            data.len() as u64
        );
    }

    #[test]
    fn unsupported_or_absent_codings_decode_nothing() {
        for codings in [
            &[][..],
            &[&b"identity"[..]],
            &[b"compress"],
            &[b"gzip", b"snappy"],
            &[b"dcb"],
            &[&b"gzip"[..]; MAX_CODINGS + 1],
        ] {
            assert!(
                BodyDecoder::for_codings(codings, 100).is_none(),
                "{codings:?}"
            );
        }
    }

    #[test]
    fn corrupt_truncated_and_trailing_bodies_fail() {
        let data = sample();
        let cases: [(&[u8], Vec<u8>); 4] = [
            (b"gzip", gzip(&data)),
            (b"deflate", zlib(&data)),
            (b"br", brotli(&data)),
            (b"zstd", zstd(&data)),
        ];
        for (coding, body) in &cases {
            let truncated = &body[..body.len() - 3];
            assert!(
                matches!(
                    decode(&[coding], truncated, 100),
                    Err(DecodeError::Truncated(_) | DecodeError::Corrupt { .. })
                ),
                "{coding:?} truncated"
            );
            let mut trailing = body.clone();
            trailing.extend_from_slice(b"garbage after the end");
            assert!(
                decode(&[coding], &trailing, 100).is_err(),
                "{coding:?} trailing"
            );
            let mut flipped = body.clone();
            let middle = flipped.len() / 2;
            flipped[middle] ^= 0x55;
            flipped[2] ^= 0xff;
            assert!(
                decode(&[coding], &flipped, 100).is_err(),
                "{coding:?} corrupt"
            );
            assert!(
                decode(&[coding], b"this is not compressed at all", 100).is_err(),
                "{coding:?} plain text"
            );
        }
    }

    #[test]
    fn an_empty_body_is_empty_whatever_the_coding() {
        for coding in [&b"gzip"[..], b"deflate", b"br", b"zstd"] {
            assert_eq!(decode(&[coding], b"", 1).unwrap(), 0);
        }
    }

    #[test]
    fn a_decompression_bomb_stops_at_the_limit() {
        let zeros = vec![0u8; 4 << 20];
        for (coding, body) in [
            (&b"gzip"[..], gzip(&zeros)),
            (b"br", brotli(&zeros)),
            (b"zstd", zstd(&zeros)),
        ] {
            assert!(body.len() < 64 * 1024, "{coding:?}: {}", body.len());
            let mut decoder = BodyDecoder::for_codings(&[coding], 1 << 20).unwrap();
            let outcome = decoder.decode(&body).and_then(|_| decoder.finish());
            assert!(
                matches!(outcome, Err(DecodeError::TooLarge { limit }) if limit == 1 << 20),
                "{coding:?}: {outcome:?}"
            );
        }
    }

    #[test]
    fn a_zstd_window_over_8_mib_is_refused() {
        let data = sample();
        let frame = |window_log: u32| {
            let mut encoder = zstd::stream::Encoder::new(Vec::new(), 1).unwrap();
            encoder.window_log(window_log).unwrap();
            encoder.include_contentsize(false).unwrap();
            encoder.write_all(&data).unwrap();
            encoder.finish().unwrap()
        };
        assert_eq!(
            decode(&[b"zstd"], &frame(ZSTD_MAX_WINDOW_LOG), 4096).unwrap(),
            data.len() as u64
        );
        let error = decode(&[b"zstd"], &frame(ZSTD_MAX_WINDOW_LOG + 1), 4096).unwrap_err();
        assert!(error.to_string().contains("memory"), "{error}");
    }

    #[test]
    fn errors_name_the_coding_and_keep_their_source() {
        let error = decode(&[b"br"], b"not brotli", 100).unwrap_err();
        assert!(error.to_string().starts_with("the br body"), "{error}");
        let error = decode(&[b"gzip"], b"\x1f\x8b\x08\x00garbage", 100).unwrap_err();
        assert!(
            matches!(
                error,
                DecodeError::Corrupt {
                    coding: ContentCoding::Gzip,
                    ..
                }
            ) || matches!(error, DecodeError::Truncated(ContentCoding::Gzip)),
            "{error:?}"
        );
    }
}
