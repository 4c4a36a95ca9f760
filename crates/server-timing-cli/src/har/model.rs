//! The parts of a HAR 1.2 file (<http://www.softwareishard.com/blog/har-12-spec/>) that are read.

use serde::Deserialize;

/// `log.pages[]`.
#[derive(Debug, Deserialize)]
pub struct HarPage {
    pub id: String,
    #[serde(default)]
    pub title: String,
}

/// A header of a request or response.
#[derive(Debug, Deserialize)]
pub struct HarHeader {
    pub name: String,
    pub value: String,
}

/// `entries[].request`.
#[derive(Debug, Deserialize)]
pub struct HarRequest {
    pub url: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub headers: Vec<HarHeader>,
}

/// `entries[].response`.
#[derive(Debug, Deserialize)]
pub struct HarResponse {
    pub status: i64,
    #[serde(default)]
    pub headers: Vec<HarHeader>,
    #[serde(rename = "redirectURL", default)]
    pub redirect_url: Option<String>,
}

/// `log.entries[]`.
#[derive(Debug, Deserialize)]
pub struct HarEntry {
    #[serde(default)]
    pub pageref: Option<String>,
    pub request: HarRequest,
    pub response: HarResponse,
}

/// The response headers a redirect hop is judged by.
const KEPT_RESPONSE_HEADERS: [&str; 6] = [
    "location",
    "timing-allow-origin",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "server-timing",
    "content-type",
];

impl HarEntry {
    /// Drops what a pending redirect hop does not need, so a long chain
    /// costs little: request headers (but `Origin` on the first hop) and
    /// response headers other than the ones the exposure checks read.
    pub fn slim(&mut self, first_hop: bool) {
        self.request
            .headers
            .retain(|h| first_hop && h.name.eq_ignore_ascii_case("origin"));
        self.request.headers.shrink_to_fit();
        self.response.headers.retain(|h| {
            KEPT_RESPONSE_HEADERS
                .iter()
                .any(|k| h.name.eq_ignore_ascii_case(k))
        });
        self.response.headers.shrink_to_fit();
    }
}
