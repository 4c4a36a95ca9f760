//! Files that need real bodies and heads on the wire, run through
//! `measured-fetch` against `loopback-server` (see [`crate::wire`]):
//! content codings (`/encoded`, standing for WPT's `gzip_xml.py`,
//! `compressed-js.py` and `foo.text.*`), interim responses
//! (`/header-delay`, WPT's `header-delay.py`, HTTP/1.1), a wrong
//! `Content-Length` (`/content-length`, WPT's
//! `resource-timing-content-length.py`), and navigations over TLS.
//!
//! The loopback server's two origins stand for WPT's `ORIGIN` and
//! `REMOTE_ORIGIN`; https pages use its TLS side.

use std::time::Duration;

use loopback_server::{Server, ServerOptions};
use measured_fetch::client::{fetch, FetchOptions, MeasuredFetch};
use measured_fetch::tls::certificates_from_pem;
use measured_fetch::{Clock, Page as WirePage};
use resource_timing::{NavigationTimingType, RequestMode};

use crate::harness::{ensure, Outcome};

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// A fetch of `path` on the server's first origin (or its second, with
/// `remote`) from a page on its first origin.
struct Wire {
    mode: RequestMode,
    initiator: &'static str,
    tls: bool,
    remote: bool,
}

impl Wire {
    fn fetch(&self, path: &str) -> Result<(MeasuredFetch, WirePage), String> {
        runtime()?.block_on(async {
            let server = Server::start(ServerOptions {
                tls: self.tls,
                mdn_delay: Duration::from_millis(5),
                ..ServerOptions::default()
            })
            .await
            .map_err(|e| format!("loopback server: {e}"))?;
            let clock = Clock::new();
            let page = WirePage::new(server.origin(), &clock);
            let mut options = FetchOptions::new(page.client().clone());
            options.mode = self.mode;
            options.initiator_type = self.initiator.into();
            options.timeout = Duration::from_secs(5);
            if let Some(pem) = server.ca_pem() {
                options.roots = certificates_from_pem(pem.as_bytes()).map_err(|e| e.to_string())?;
            }
            let base = if self.remote {
                server.other_origin()
            } else {
                server.origin()
            };
            let url = base.join(path).map_err(|e| e.to_string())?;
            let measured = fetch(url, &options, &clock)
                .await
                .map_err(|e| e.to_string())?;
            server.shutdown().await;
            Ok((measured, page))
        })
    }
}

/// `fetch()` from the page: mode "cors", initiator type "fetch".
const FETCH: Wire = Wire {
    mode: RequestMode::Cors,
    initiator: "fetch",
    tls: true,
    remote: false,
};

fn resource_entry(wire: &Wire, path: &str) -> Result<Entry, String> {
    let (measured, page) = wire.fetch(path)?;
    measured
        .report_timing(page.performance())
        .ok_or_else(|| "No entry was received".to_owned())
}

type Entry = std::rc::Rc<resource_timing::PerformanceResourceTiming>;

/// `resource-timing/content-encoding.https.html`: the rows whose coding
/// the loopback server makes (its dictionary rows, `dcb` and `dcz`, and
/// the `content-encoding-headers.py` formatting rows are not here).
#[derive(Clone, Copy)]
pub(crate) struct ContentEncodingRow {
    /// The WPT resource the row fetches.
    wpt: &'static str,
    /// The loopback route standing for it.
    path: &'static str,
    /// `run_same_origin_test`, `run_cross_origin_test` (XHR, no CORS
    /// headers) or `run_cross_origin_allowed_test` (XHR, `allow_origin`).
    origin: Origin,
    expected: &'static str,
}

#[derive(Clone, Copy, PartialEq)]
enum Origin {
    Same,
    Cross,
    CrossAllowed,
}

const CONTENT_ENCODING_ROWS: [ContentEncodingRow; 16] = {
    const fn row(
        wpt: &'static str,
        path: &'static str,
        origin: Origin,
        expected: &'static str,
    ) -> ContentEncodingRow {
        ContentEncodingRow {
            wpt,
            path,
            origin,
            expected,
        }
    }
    use Origin::*;
    [
        row(
            "gzip_xml.py",
            "/encoded?coding=gzip&bytes=125",
            Same,
            "gzip",
        ),
        row("foo.text.br", "/encoded?coding=br&bytes=10500", Same, "br"),
        row(
            "foo.text.gz",
            "/encoded?coding=gzip&bytes=10500",
            Same,
            "gzip",
        ),
        row(
            "foo.text.zst",
            "/encoded?coding=zstd&bytes=10500",
            Same,
            "zstd",
        ),
        row(
            "compressed-js.py?content_encoding=deflate",
            "/encoded?coding=deflate&bytes=53",
            Same,
            "deflate",
        ),
        row(
            "compressed-js.py?content_encoding=gzip",
            "/encoded?coding=gzip&bytes=53",
            Same,
            "gzip",
        ),
        row("gzip_xml.py", "/encoded?coding=gzip&bytes=125", Cross, ""),
        row("foo.text.br", "/encoded?coding=br&bytes=10500", Cross, ""),
        row("foo.text.gz", "/encoded?coding=gzip&bytes=10500", Cross, ""),
        row(
            "foo.text.zst",
            "/encoded?coding=zstd&bytes=10500",
            Cross,
            "",
        ),
        row(
            "compressed-js.py?content_encoding=deflate",
            "/encoded?coding=deflate&bytes=53",
            Cross,
            "",
        ),
        row(
            "compressed-js.py?content_encoding=gzip",
            "/encoded?coding=gzip&bytes=53",
            Cross,
            "",
        ),
        row(
            "gzip_xml.py",
            "/encoded?coding=gzip&bytes=125&acao=origin",
            CrossAllowed,
            "gzip",
        ),
        row(
            "compressed-js.py?content_encoding=deflate",
            "/encoded?coding=deflate&bytes=53&acao=origin",
            CrossAllowed,
            "deflate",
        ),
        row(
            "compressed-js.py?content_encoding=gzip",
            "/encoded?coding=gzip&bytes=53&acao=origin",
            CrossAllowed,
            "gzip",
        ),
        // "identity" is no coding: the body is sent as it is.
        row(
            "compressed-js.py?content_encoding=identity",
            "/encoded?coding=identity&bytes=53",
            Same,
            "unknown",
        ),
    ]
};

impl ContentEncodingRow {
    fn name(&self) -> String {
        let how = match self.origin {
            Origin::Same => "run_same_origin_test",
            Origin::Cross => "run_cross_origin_test",
            Origin::CrossAllowed => "run_cross_origin_allowed_test",
        };
        format!(
            "resource-timing/content-encoding.https.html : {how}(/resource-timing/resources/{}) contentEncoding {:?}",
            self.wpt, self.expected
        )
    }

    fn run(&self) -> Outcome {
        let wire = match self.origin {
            Origin::Same => FETCH,
            _ => Wire {
                mode: RequestMode::Cors,
                initiator: "xmlhttprequest",
                tls: true,
                remote: true,
            },
        };
        let entry = resource_entry(&wire, self.path)?;
        ensure!(
            entry.content_encoding() == self.expected,
            "unexpected contentEncoding value: {:?}, expected {:?}",
            entry.content_encoding(),
            self.expected
        );
        Ok(())
    }
}

/// `resource-timing/decoded-body-size-compressed.https.html`: the rows
/// without a compression dictionary. The decoded sizes are the file's;
/// where it pins an encoded size of its own file (15 bytes of brotli,
/// 57 of gzip), the trial checks the size of the coded body the server
/// sent instead (its `Content-Length`).
#[derive(Clone, Copy)]
pub(crate) enum DecodedBodySize {
    GzipXml,
    Brotli,
    GzipText,
    GzipJs,
    DeflateJs,
    Identity,
}

impl DecodedBodySize {
    const ALL: [DecodedBodySize; 6] = [
        DecodedBodySize::GzipXml,
        DecodedBodySize::Brotli,
        DecodedBodySize::GzipText,
        DecodedBodySize::GzipJs,
        DecodedBodySize::DeflateJs,
        DecodedBodySize::Identity,
    ];

    fn title(self) -> &'static str {
        match self {
            DecodedBodySize::GzipXml => "decodedBodySize for gzip-compressed XML resource",
            DecodedBodySize::Brotli => "decodedBodySize for brotli-compressed text resource",
            DecodedBodySize::GzipText => "decodedBodySize for gzip-compressed text resource",
            DecodedBodySize::GzipJs => {
                "decodedBodySize for dynamically gzip-compressed JS resource"
            }
            DecodedBodySize::DeflateJs => "decodedBodySize for deflate-compressed JS resource",
            DecodedBodySize::Identity => {
                "decodedBodySize equals encodedBodySize for uncompressed resource"
            }
        }
    }

    fn run(self) -> Outcome {
        let (path, decoded) = match self {
            DecodedBodySize::GzipXml => ("/encoded?coding=gzip&bytes=125", 125),
            DecodedBodySize::Brotli => ("/encoded?coding=br&bytes=10500", 10500),
            DecodedBodySize::GzipText => ("/encoded?coding=gzip&bytes=10500", 10500),
            DecodedBodySize::GzipJs => ("/encoded?coding=gzip&bytes=53", 53),
            DecodedBodySize::DeflateJs => ("/encoded?coding=deflate&bytes=53", 53),
            DecodedBodySize::Identity => ("/encoded?coding=identity&bytes=53", 53),
        };
        let (measured, page) = FETCH.fetch(path)?;
        let sent: u64 = measured
            .hops
            .last()
            .and_then(|hop| hop.headers.get(http::header::CONTENT_LENGTH))
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .ok_or("no Content-Length")?;
        let entry = measured
            .report_timing(page.performance())
            .ok_or("No entry was received")?;
        ensure!(
            entry.decoded_body_size() == decoded,
            "decodedBodySize should match the uncompressed size: {}, expected {decoded}",
            entry.decoded_body_size()
        );
        ensure!(
            entry.encoded_body_size() > 0,
            "encodedBodySize should be non-zero"
        );
        ensure!(
            entry.encoded_body_size() == sent,
            "encodedBodySize should match the coded body's size: {}, sent {sent}",
            entry.encoded_body_size()
        );
        let identity = matches!(self, DecodedBodySize::Identity);
        ensure!(
            identity == (entry.encoded_body_size() == entry.decoded_body_size()),
            "encodedBodySize should {} decodedBodySize",
            if identity { "equal" } else { "differ from" }
        );
        Ok(())
    }
}

/// `resource-timing/interim-response-times.html`: `fetch(url, {mode:
/// "cors"})` of `header-delay.py` with `delay=500`.
#[derive(Clone, Copy)]
pub(crate) struct Interim {
    with103: bool,
    with100: bool,
    origin: InterimOrigin,
}

#[derive(Clone, Copy, PartialEq)]
enum InterimOrigin {
    SameOrigin,
    CrossOrigin,
    CrossOriginWithTao,
}

impl Interim {
    fn all() -> Vec<Interim> {
        let mut all = Vec::new();
        for with103 in [true, false] {
            for with100 in [true, false] {
                for origin in [
                    InterimOrigin::SameOrigin,
                    InterimOrigin::CrossOrigin,
                    InterimOrigin::CrossOriginWithTao,
                ] {
                    all.push(Interim {
                        with103,
                        with100,
                        origin,
                    });
                }
            }
        }
        all
    }

    fn name(&self) -> String {
        let origin = match self.origin {
            InterimOrigin::SameOrigin => "same-origin",
            InterimOrigin::CrossOrigin => "cross-origin",
            InterimOrigin::CrossOriginWithTao => "cross-origin-with-TAO",
        };
        let with = |b: bool| if b { "with" } else { "without" };
        format!(
            "resource-timing/interim-response-times.html : Fetch from {origin} {} early hints, {} 100 response",
            with(self.with103),
            with(self.with100)
        )
    }

    fn run(&self) -> Outcome {
        let delay = 500.0;
        let mut path = format!("/header-delay?delay={delay}");
        if self.origin == InterimOrigin::CrossOriginWithTao {
            path.push_str("&tao=*");
        }
        if self.with100 {
            path.push_str("&with100=true");
        }
        if self.with103 {
            path.push_str("&with103=true");
        }
        // An http page (the file is not .https): HTTP/1.1, where the
        // server writes its own interim heads.
        let wire = Wire {
            mode: RequestMode::Cors,
            initiator: "fetch",
            tls: false,
            remote: self.origin != InterimOrigin::SameOrigin,
        };
        let (measured, page) = wire.fetch(&path)?;
        let status = measured.hops.last().map_or(0, |hop| hop.status);
        ensure!(status == 200, "response.status: {status}");
        let entry = measured
            .report_timing(page.performance())
            .ok_or("No entry was received")?;
        if self.origin == InterimOrigin::CrossOrigin {
            ensure!(
                entry.first_interim_response_start() == 0.0,
                "firstInterimResponseStart: {}",
                entry.first_interim_response_start()
            );
            return Ok(());
        }
        let mut total_delay = entry.request_start();
        if self.with100 {
            total_delay += delay;
            ensure!(
                entry.first_interim_response_start() > total_delay,
                "firstInterimResponseStart > 100 response: {} <= {total_delay}",
                entry.first_interim_response_start()
            );
        }
        if self.with103 {
            total_delay += delay;
            if self.with100 {
                ensure!(
                    entry.first_interim_response_start() <= total_delay,
                    "firstInterimResponseStart > 100 response: {} > {total_delay}",
                    entry.first_interim_response_start()
                );
            } else {
                ensure!(
                    entry.first_interim_response_start() > delay,
                    "firstInterimResponseStart > 100 response: {} <= {delay}",
                    entry.first_interim_response_start()
                );
            }
        }
        total_delay += delay;
        if !self.with100 && !self.with103 {
            ensure!(
                entry.first_interim_response_start() == 0.0,
                "firstInterimResponseStart: {}",
                entry.first_interim_response_start()
            );
        }
        ensure!(
            entry.final_response_headers_start() > total_delay,
            "responseStart: finalResponseHeadersStart {} <= {total_delay}",
            entry.final_response_headers_start()
        );
        let first = entry.first_interim_response_start();
        let expected = if first != 0.0 {
            first
        } else {
            entry.final_response_headers_start()
        };
        ensure!(
            entry.response_start() == expected,
            "responseStart {} is not firstInterimResponseStart || finalResponseHeadersStart ({expected})",
            entry.response_start()
        );
        Ok(())
    }
}

/// `resource-timing/resource_timing_content_length.html`'s four subtests.
#[derive(Clone, Copy)]
pub(crate) enum ContentLength {
    Auto,
    None,
    Lower,
    Higher,
}

impl ContentLength {
    const ALL: [ContentLength; 4] = [
        ContentLength::Auto,
        ContentLength::None,
        ContentLength::Lower,
        ContentLength::Higher,
    ];

    fn title(self) -> &'static str {
        match self {
            ContentLength::Auto => "encodedBodySize should be equal to the actual byte size of the content",
            ContentLength::None => "encodedBodySize should be equal to the actual byte size of the content when no header present",
            ContentLength::Lower => "encodedBodySize should be equal to the actual byte size of the content when header value is lower than actual content",
            ContentLength::Higher => "encodedBodySize should be equal to the actual byte size of the content when header value is higher than actual content",
        }
    }

    fn run(self) -> Outcome {
        let (actual, header, expected): (usize, &str, u64) = match self {
            ContentLength::Auto => (3, "auto", 3),
            ContentLength::None => (13, "none", 13),
            ContentLength::Lower => (7, "3", 3),
            ContentLength::Higher => (8, "40", 8),
        };
        let content = "x".repeat(actual);
        let wire = Wire {
            mode: RequestMode::Cors,
            initiator: "fetch",
            tls: false,
            remote: false,
        };
        let entry = resource_entry(
            &wire,
            &format!("/content-length?content={content}&length={header}"),
        )?;
        ensure!(
            entry.encoded_body_size() == expected,
            "encodedBodySize: {}, expected {expected}",
            entry.encoded_body_size()
        );
        Ok(())
    }
}

/// A navigation over the wire: the document's own entry.
fn navigation_entry(
    path: &str,
) -> Result<std::rc::Rc<resource_timing::PerformanceNavigationTiming>, String> {
    let wire = Wire {
        mode: RequestMode::Navigate,
        initiator: "navigation",
        tls: true,
        remote: false,
    };
    let (measured, page) = wire.fetch(path)?;
    if let Some(error) = measured.network_error() {
        return Err(format!("the navigation failed: {error}"));
    }
    let entry = measured
        .fetch
        .create_the_navigation_timing_entry(page.performance(), NavigationTimingType::Navigate)
        .ok_or("no navigation entry")?;
    measured.fetch.update_navigation_entry(&entry);
    Ok(entry)
}

/// This group's trials.
pub(crate) fn cases() -> Vec<wpt::Case> {
    let mut cases = Vec::new();
    for row in CONTENT_ENCODING_ROWS {
        cases.push(wpt::Case::new(row.name(), move || row.run()));
    }
    for case in DecodedBodySize::ALL {
        cases.push(wpt::Case::new(
            format!(
                "resource-timing/decoded-body-size-compressed.https.html : {}",
                case.title()
            ),
            move || case.run(),
        ));
    }
    for case in Interim::all() {
        cases.push(wpt::Case::new(case.name(), move || case.run()));
    }
    for case in ContentLength::ALL {
        cases.push(wpt::Case::new(
            format!(
                "resource-timing/resource_timing_content_length.html : {}",
                case.title()
            ),
            move || case.run(),
        ));
    }
    // `?pipe=gzip`: the document sent gzip-coded.
    cases.push(wpt::Case::new(
        "navigation-timing/content-encoding.https.html : contentEncoding should be gzip.",
        || {
            let entry = navigation_entry("/encoded?coding=gzip&bytes=1074")?;
            ensure!(
                entry.resource().content_encoding() == "gzip",
                "Expected contentEncoding to be gzip: {:?}",
                entry.resource().content_encoding()
            );
            Ok(())
        },
    ));
    cases.push(wpt::Case::new(
        "navigation-timing/secure-connection-start-non-zero.https.html : Test that secureConnectionStart is not zero",
        || {
            let entry = navigation_entry("/echo")?;
            ensure!(
                entry.resource().secure_connection_start() > 0.0,
                "secureConnectionStart is non-zero: {}",
                entry.resource().secure_connection_start()
            );
            Ok(())
        },
    ));
    cases
}
