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
