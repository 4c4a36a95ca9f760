//! The request state Fetch keeps while it follows a redirect chain, and the
//! checks that read it: redirect taint, request-origin serialization, the
//! CORS check and the TAO check.

use std::borrow::Cow;

use url::{Origin, Url};

use crate::origin::{same_origin, same_site, serialize_origin};

/// A request's *mode*.
///
/// <https://fetch.spec.whatwg.org/#concept-request-mode>
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RequestMode {
    /// "same-origin": a cross-origin URL is a network error.
    SameOrigin,
    /// "cors": cross-origin responses need CORS (`fetch()`'s default).
    Cors,
    /// "no-cors": cross-origin responses become opaque (`<img>`, `<script>` without `crossorigin`).
    #[default]
    NoCors,
    /// "navigate": a navigation.
    Navigate,
    /// "websocket".
    WebSocket,
}

impl RequestMode {
    /// The spec's string.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestMode::SameOrigin => "same-origin",
            RequestMode::Cors => "cors",
            RequestMode::NoCors => "no-cors",
            RequestMode::Navigate => "navigate",
            RequestMode::WebSocket => "websocket",
        }
    }
}

/// A request's *credentials mode*.
///
/// <https://fetch.spec.whatwg.org/#concept-request-credentials-mode>
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum CredentialsMode {
    /// "omit".
    Omit,
    /// "same-origin" (the default).
    #[default]
    SameOrigin,
    /// "include": a CORS response must also send `Access-Control-Allow-Credentials: true`
    /// and may not use `*`.
    Include,
}

/// A request's *response tainting*.
///
/// <https://fetch.spec.whatwg.org/#concept-request-response-tainting>
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ResponseTainting {
    /// "basic": same-origin so far.
    #[default]
    Basic,
    /// "cors": cross-origin under CORS.
    Cors,
    /// "opaque": cross-origin without CORS.
    Opaque,
}

/// A request's (and its response's) *redirect taint*.
///
/// <https://fetch.spec.whatwg.org/#concept-request-tainted-origin>
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RedirectTaint {
    /// "same-origin": no redirect left the request's origin.
    #[default]
    SameOrigin,
    /// "same-site".
    SameSite,
    /// "cross-site".
    CrossSite,
}

/// The request, as far as timing and exposure decisions need it.
///
/// <https://fetch.spec.whatwg.org/#concept-request>
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone)]
pub struct Request {
    /// The *URL list*: the requested URL first, then each redirect target.
    pub url_list: Vec<Url>,
    /// The request's *origin* (the client's origin for most requests).
    /// `None` means "client": the fetch fills it in from its client.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_impls::option_origin"))]
    pub origin: Option<Origin>,
    /// *mode*.
    pub mode: RequestMode,
    /// *credentials mode*.
    pub credentials_mode: CredentialsMode,
    /// *response tainting*.
    pub response_tainting: ResponseTainting,
    /// *redirect count*.
    pub redirect_count: u32,
    /// *timing allow failed flag*: set once any hop fails the TAO check.
    pub timing_allow_failed: bool,
    /// *initiator type*: `None` means no entry is reported (null).
    pub initiator_type: Option<Cow<'static, str>>,
    /// *render-blocking*.
    pub render_blocking: bool,
    /// Whether a service worker may answer ("all") or not ("none"). Only
    /// recorded: the TAO check never runs on a service worker's response.
    pub service_workers_mode_all: bool,
    /// *referrer*: HTML hides a navigation's redirects from its document
    /// when it is "no-referrer" ([`crate::Fetch::navigation_redirect_count`]).
    pub referrer: Referrer,
}

/// A request's *referrer*: "no-referrer", "client" or a URL.
///
/// <https://fetch.spec.whatwg.org/#concept-request-referrer>
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Referrer {
    /// "no-referrer" (a `no-referrer` referrer policy, for instance).
    NoReferrer,
    /// "client": the fetch determines it from the client.
    #[default]
    Client,
    /// A URL.
    Url(Url),
}

impl Request {
    /// A request for `url` in `mode` with initiator type "other".
    pub fn new(url: Url, mode: RequestMode) -> Self {
        Request {
            url_list: vec![url],
            origin: None,
            mode,
            credentials_mode: CredentialsMode::default(),
            response_tainting: ResponseTainting::Basic,
            redirect_count: 0,
            timing_allow_failed: false,
            initiator_type: Some(Cow::Borrowed("other")),
            render_blocking: false,
            service_workers_mode_all: false,
            referrer: Referrer::Client,
        }
    }

    /// Sets the referrer ("no-referrer", "client" or a URL).
    pub fn referrer(mut self, referrer: Referrer) -> Self {
        self.referrer = referrer;
        self
    }

    /// Sets the credentials mode.
    pub fn credentials(mut self, credentials_mode: CredentialsMode) -> Self {
        self.credentials_mode = credentials_mode;
        self
    }

    /// Sets the initiator type (`"fetch"`, `"img"`, `"script"`, `"navigation"`, …).
    pub fn initiator_type(mut self, initiator_type: impl Into<Cow<'static, str>>) -> Self {
        self.initiator_type = Some(initiator_type.into());
        self
    }

    /// Makes the initiator type null: the fetch reports no entry.
    pub fn without_initiator_type(mut self) -> Self {
        self.initiator_type = None;
        self
    }

    /// Sets the request's origin (by default the client's).
    pub fn origin(mut self, origin: Origin) -> Self {
        self.origin = Some(origin);
        self
    }

    /// Sets render-blocking.
    pub fn render_blocking(mut self, render_blocking: bool) -> Self {
        self.render_blocking = render_blocking;
        self
    }

    /// The request's *URL*: the first URL of the URL list.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-request-url>
    pub fn url(&self) -> &Url {
        &self.url_list[0]
    }

    /// The request's *current URL*: the last URL of the URL list.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-request-current-url>
    pub fn current_url(&self) -> &Url {
        self.url_list.last().expect("a URL list is never empty")
    }

    /// The request's origin, with "client" read as an opaque origin (a
    /// request without a client has no origin to compare with).
    pub fn origin_or_opaque(&self) -> Origin {
        self.origin.clone().unwrap_or_else(Origin::new_opaque)
    }
}

/// The request's *redirect-taint*, from its URL list.
///
/// <https://fetch.spec.whatwg.org/#concept-request-tainted-origin>
pub fn redirect_taint(request: &Request) -> RedirectTaint {
    // Without redirects there is nothing to taint (and nothing to allocate).
    if request.url_list.len() < 2 {
        return RedirectTaint::SameOrigin;
    }
    let request_origin = request.origin_or_opaque();
    // Step 1.
    let mut taint = RedirectTaint::SameOrigin;
    // Step 2.
    let mut last_origin: Option<Origin> = None;
    // Step 3.
    for url in &request.url_list {
        let origin = url.origin();
        if let Some(last) = &last_origin {
            // Step 3.2.1.
            if !same_site(&origin, last) && !same_site(&request_origin, last) {
                return RedirectTaint::CrossSite;
            }
            // Step 3.2.2.
            if !same_origin(&origin, last) && !same_origin(&request_origin, last) {
                taint = RedirectTaint::SameSite;
            }
        }
        // Step 3.3.
        last_origin = Some(origin);
    }
    // Step 4.
    taint
}

/// *Serializing a request origin*: `null` once a redirect has tainted the
/// request, the origin's serialization otherwise.
///
/// <https://fetch.spec.whatwg.org/#serializing-a-request-origin>
pub fn serializing_a_request_origin(request: &Request) -> String {
    // Step 1.
    if redirect_taint(request) != RedirectTaint::SameOrigin {
        return "null".to_owned();
    }
    // Step 2.
    serialize_origin(&request.origin_or_opaque())
}

/// Whether `values` (a *get, decode, and split* result) contains `needle`.
fn header_list_contains(values: &[&[u8]], needle: &[u8]) -> bool {
    values.contains(&needle)
}

/// The *CORS check* for `response_headers` to a request.
///
/// <https://fetch.spec.whatwg.org/#concept-cors-check>
pub fn cors_check(request: &Request, response_headers: &http::HeaderMap) -> bool {
    // Step 1. The Access-Control-Allow-Origin value ("get", not split).
    let Some(origin) = fetch_headers::get_a_header(
        response_headers
            .get_all(http::header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .iter(),
    ) else {
        // Step 2.
        return false;
    };
    let origin = &*origin;
    // Step 3.
    if request.credentials_mode != CredentialsMode::Include && origin == b"*" {
        return true;
    }
    // Step 4.
    if serializing_a_request_origin(request).as_bytes() != origin {
        return false;
    }
    // Step 5.
    if request.credentials_mode != CredentialsMode::Include {
        return true;
    }
    // Step 6-7.
    fetch_headers::get_a_header(
        response_headers
            .get_all("access-control-allow-credentials")
            .iter(),
    )
    .is_some_and(|value| &*value == b"true")
}

/// The *TAO check* for a response's headers to a request.
///
/// <https://fetch.spec.whatwg.org/#concept-tao-check>
pub fn tao_check(request: &Request, response_headers: &http::HeaderMap) -> bool {
    // Step 1. (The request origin is never "client" by now.)
    // Step 2. One failing hop fails the chain.
    if request.timing_allow_failed {
        return false;
    }
    tao_check_ignoring_the_flag(request, response_headers)
}

/// Steps 3-8 of the [`tao_check`]: the verdict on this response alone,
/// whatever earlier hops said. (The driver runs this once per hop and sets
/// the flag itself; one engine policy needs the final hop's own verdict.)
pub fn tao_check_ignoring_the_flag(request: &Request, response_headers: &http::HeaderMap) -> bool {
    // Step 3. Absent is treated as empty.
    let combined = fetch_headers::get_a_header(
        response_headers
            .get_all(fetch_headers::TIMING_ALLOW_ORIGIN)
            .iter(),
    )
    .unwrap_or_default();
    let values = fetch_headers::split_a_header_value(&combined);
    // Step 4.
    if header_list_contains(&values, b"*") {
        return true;
    }
    // Step 5. (An empty list cannot contain the origin: no need to serialize it.)
    if values.iter().any(|v| !v.is_empty())
        && header_list_contains(&values, serializing_a_request_origin(request).as_bytes())
    {
        return true;
    }
    // Step 6. A navigation whose current URL left the request's origin.
    if request.mode == RequestMode::Navigate
        && !same_origin(&request.current_url().origin(), &request.origin_or_opaque())
    {
        return false;
    }
    // Step 7.
    if request.response_tainting == ResponseTainting::Basic {
        return true;
    }
    // Step 8.
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(page: &str, urls: &[&str], mode: RequestMode) -> Request {
        let mut request = Request::new(Url::parse(urls[0]).unwrap(), mode)
            .origin(Url::parse(page).unwrap().origin());
        for url in &urls[1..] {
            request.url_list.push(Url::parse(url).unwrap());
        }
        request
    }

    fn headers(lines: &[(&str, &str)]) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in lines {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                http::HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn taint_follows_the_url_list() {
        let a = "https://a.example/";
        assert_eq!(
            redirect_taint(&request(a, &["https://a.example/x"], RequestMode::Cors)),
            RedirectTaint::SameOrigin
        );
        // A same-origin first hop is not tainting: the page's origin matches it.
        assert_eq!(
            redirect_taint(&request(
                a,
                &["https://a.example/x", "https://b.other/y"],
                RequestMode::Cors
            )),
            RedirectTaint::SameOrigin
        );
        assert_eq!(
            redirect_taint(&request(
                a,
                &["https://b.other/x", "https://c.third/y"],
                RequestMode::Cors
            )),
            RedirectTaint::CrossSite
        );
        assert_eq!(
            redirect_taint(&request(
                a,
                &["https://x.a.example/x", "https://y.a.example/y"],
                RequestMode::Cors
            )),
            RedirectTaint::SameSite
        );
        // Back to the page's origin after a cross-site hop: still tainted.
        assert_eq!(
            redirect_taint(&request(
                a,
                &["https://b.other/x", "https://a.example/y"],
                RequestMode::Cors
            )),
            RedirectTaint::CrossSite
        );
    }

    #[test]
    fn request_origin_serialization() {
        let r = request(
            "https://a.example:8443/",
            &["https://b.other/x"],
            RequestMode::Cors,
        );
        assert_eq!(serializing_a_request_origin(&r), "https://a.example:8443");
        let r = request(
            "https://a.example/",
            &["https://b.other/x", "https://c.third/"],
            RequestMode::Cors,
        );
        assert_eq!(serializing_a_request_origin(&r), "null");
    }

    #[test]
    fn tao_forms() {
        let mut r = request(
            "https://a.example/",
            &["https://b.other/x"],
            RequestMode::NoCors,
        );
        r.response_tainting = ResponseTainting::Opaque;
        let pass = |lines: &[(&str, &str)], r: &Request| tao_check(r, &headers(lines));
        assert!(!pass(&[], &r));
        assert!(pass(&[("timing-allow-origin", "*")], &r));
        assert!(pass(&[("timing-allow-origin", "https://a.example")], &r));
        assert!(pass(
            &[(
                "timing-allow-origin",
                "https://x.example, https://a.example"
            )],
            &r
        ));
        assert!(pass(
            &[
                ("timing-allow-origin", "https://x.example"),
                ("timing-allow-origin", "https://a.example")
            ],
            &r
        ));
        assert!(pass(&[("timing-allow-origin", "  *  ")], &r));
        for fail in [
            "https://a.example/",
            "HTTPS://A.EXAMPLE",
            "https://a.example:443",
            "\"*\"",
            "null",
            "https://a.example:8443",
            "**",
        ] {
            assert!(!pass(&[("timing-allow-origin", fail)], &r), "{fail}");
        }
        r.timing_allow_failed = true;
        assert!(!pass(&[("timing-allow-origin", "*")], &r));
    }

    #[test]
    fn tao_null_after_a_cross_site_hop() {
        let mut r = request(
            "https://a.example/",
            &["https://b.other/x", "https://c.third/y"],
            RequestMode::NoCors,
        );
        r.response_tainting = ResponseTainting::Opaque;
        assert!(tao_check(&r, &headers(&[("timing-allow-origin", "null")])));
        assert!(!tao_check(
            &r,
            &headers(&[("timing-allow-origin", "https://a.example")])
        ));
        assert!(!tao_check(&r, &headers(&[("timing-allow-origin", "NULL")])));
    }

    #[test]
    fn tao_basic_tainting_passes_without_header() {
        let r = request(
            "https://a.example/",
            &["https://a.example/x"],
            RequestMode::NoCors,
        );
        assert!(tao_check(&r, &http::HeaderMap::new()));
        // A navigation that left the origin fails without TAO even if "basic".
        let r = request(
            "https://a.example/",
            &["https://b.other/x"],
            RequestMode::Navigate,
        );
        assert!(!tao_check(&r, &http::HeaderMap::new()));
    }

    #[test]
    fn cors_forms() {
        let r = request(
            "https://a.example/",
            &["https://b.other/x"],
            RequestMode::Cors,
        );
        assert!(cors_check(
            &r,
            &headers(&[("access-control-allow-origin", "*")])
        ));
        assert!(cors_check(
            &r,
            &headers(&[("access-control-allow-origin", "https://a.example")])
        ));
        assert!(!cors_check(&r, &headers(&[])));
        assert!(!cors_check(
            &r,
            &headers(&[("access-control-allow-origin", "https://a.example/")])
        ));
        let r = r.credentials(CredentialsMode::Include);
        assert!(!cors_check(
            &r,
            &headers(&[("access-control-allow-origin", "*")])
        ));
        assert!(!cors_check(
            &r,
            &headers(&[("access-control-allow-origin", "https://a.example")])
        ));
        assert!(cors_check(
            &r,
            &headers(&[
                ("access-control-allow-origin", "https://a.example"),
                ("access-control-allow-credentials", "true")
            ])
        ));
    }
}
