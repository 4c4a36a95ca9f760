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

/// `entries[].timings`: DevTools' phases, in ms; -1 where one does not apply.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct HarTimings {
    #[serde(default)]
    pub blocked: Option<f64>,
    #[serde(default)]
    pub dns: Option<f64>,
    #[serde(default)]
    pub connect: Option<f64>,
    #[serde(default)]
    pub ssl: Option<f64>,
    #[serde(default)]
    pub send: Option<f64>,
    #[serde(default)]
    pub wait: Option<f64>,
    #[serde(default)]
    pub receive: Option<f64>,
}

/// `log.entries[]`.
#[derive(Debug, Deserialize)]
pub struct HarEntry {
    #[serde(default)]
    pub pageref: Option<String>,
    #[serde(rename = "startedDateTime", default)]
    pub started_date_time: Option<String>,
    #[serde(default)]
    pub timings: Option<HarTimings>,
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

/// Milliseconds since the Unix epoch of an ISO 8601 date and time as HAR
/// writes it (`2026-11-24T10:00:00.123Z`, or with `+01:00`); `None` for
/// anything else.
pub fn epoch_ms(text: &str) -> Option<f64> {
    let (date, time) = text.split_once('T')?;
    let mut parts = date.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (clock, offset_minutes) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (clock, offset) = time.split_at(at);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (h, m) = offset[1..].split_once(':').unwrap_or((&offset[1..], "0"));
        (
            clock,
            sign * (h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?),
        )
    };
    let mut hms = clock.splitn(3, ':');
    let hours: f64 = hms.next()?.parse().ok()?;
    let minutes: f64 = hms.next()?.parse().ok()?;
    let seconds: f64 = hms.next().unwrap_or("0").parse().ok()?;
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let ms = (days as f64) * 86_400_000.0 + ((hours * 60.0 + minutes) * 60.0 + seconds) * 1000.0
        - (offset_minutes as f64) * 60_000.0;
    ms.is_finite().then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::epoch_ms;

    #[test]
    fn har_dates() {
        assert_eq!(epoch_ms("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(epoch_ms("1970-01-01T00:00:01.250Z"), Some(1250.0));
        assert_eq!(epoch_ms("2000-03-01T00:00:00Z"), Some(951_868_800_000.0));
        assert_eq!(
            epoch_ms("2000-03-01T01:00:00+01:00"),
            epoch_ms("2000-03-01T00:00:00Z")
        );
        assert_eq!(epoch_ms("yesterday"), None);
        assert_eq!(epoch_ms("2000-13-01T00:00:00Z"), None);
    }
}
