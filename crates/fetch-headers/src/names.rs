//! The names of the headers the timing specs read that [`http::header`] has
//! no constant for, lowercase as [`http`] stores names. The others (`Origin`,
//! `Content-Type`, `Content-Encoding`, `Access-Control-Allow-Origin`, …) are
//! [`http::header`]'s own constants.

use http::HeaderName;

/// `Server-Timing`: <https://w3c.github.io/server-timing/#the-server-timing-header-field>
pub const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// `Timing-Allow-Origin`: <https://fetch.spec.whatwg.org/#http-timing-allow-origin>
pub const TIMING_ALLOW_ORIGIN: HeaderName = HeaderName::from_static("timing-allow-origin");
