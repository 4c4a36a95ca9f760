//! `timing_allow_passes(timing_allow_origin, page_origin, resource_url [, engine])`
//! and `server_timing_visible(server_timing, timing_allow_origin, page_origin,
//! resource_url [, engine])`: what a page would be told of a response, decided
//! by `resource-timing`'s own `Fetch` driver.
//!
//! Each row is replayed as one fetch: a client for the page (its origin, and
//! a secure context when the page's URL is potentially trustworthy) with
//! `engine`'s [`ExposurePolicy`], a `no-cors` request for `resource_url` (a
//! script, an image, a stylesheet), and one `200` response carrying the
//! row's `Timing-Allow-Origin` and `Server-Timing` values (a null is an
//! absent header). The driver's *report timing* then says whether the timing
//! allow passed flag is set (the TAO check) and whether the entry's
//! `serverTiming` holds the response's metrics (the TAO check, the engine's
//! cross-origin rule and secure-context gating). No rule is written here.
//!
//! A row whose page or resource URL does not parse, or whose header value
//! could not be a header value at all (a NUL, CR, LF or other control byte
//! that an HTTP parser rejects), gives null: no page could see such a fetch.

use std::sync::Arc;

use datafusion::arrow::array::BooleanArray;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use resource_timing::transcript::{FetchTranscript, Hop};
use resource_timing::{
    Engine, ExposurePolicy, Fetch, FetchClient, Request, RequestMode, ResourceTimingReport,
};
use url::Url;

use super::args::{byte_args, coerce_bytes_args, result, rows, EngineArg};

/// One row's fetch, as far as exposure goes.
struct RowFetch<'a> {
    server_timing: Option<&'a [u8]>,
    timing_allow_origin: Option<&'a [u8]>,
    page: &'a [u8],
    resource_url: &'a [u8],
    engine: Engine,
}

impl RowFetch<'_> {
    /// The replayed fetch and what *report timing* would hand to *mark
    /// resource timing*; `None` when the row describes no fetch a page could
    /// make.
    fn replay(&self) -> Option<(Fetch, ResourceTimingReport)> {
        let page = Url::parse(std::str::from_utf8(self.page).ok()?).ok()?;
        let resource = Url::parse(std::str::from_utf8(self.resource_url).ok()?).ok()?;
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("server-timing", self.server_timing),
            ("timing-allow-origin", self.timing_allow_origin),
        ] {
            if let Some(value) = value {
                headers.append(
                    HeaderName::from_static(name),
                    HeaderValue::from_bytes(value).ok()?,
                );
            }
        }
        let client =
            FetchClient::for_page(&page).with_policy(ExposurePolicy::for_engine(self.engine));
        let request = Request::new(resource, RequestMode::NoCors).initiator_type("other");
        let mut hop = Hop::new(200, &[]);
        hop.headers = headers;
        let fetch = FetchTranscript::new(client, request, 0.0).hop(hop).replay();
        let report = ResourceTimingReport::for_resource(&fetch)?;
        Some((fetch, report))
    }
}

/// Which of the two questions a function asks of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Question {
    /// The timing allow passed flag.
    TimingAllowPasses,
    /// Whether the entry's `serverTiming` holds the response's metrics.
    ServerTimingVisible,
}

/// `timing_allow_passes` or `server_timing_visible`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ExposureUdf {
    signature: Signature,
    question: Question,
}

impl ExposureUdf {
    /// `timing_allow_passes(timing_allow_origin, page_origin, resource_url [, engine])`:
    /// whether the fetch's timing allow passed flag would be set, so the
    /// entry shows the response's timings and sizes.
    pub fn timing_allow_passes() -> Self {
        ExposureUdf {
            signature: Signature::user_defined(Volatility::Immutable),
            question: Question::TimingAllowPasses,
        }
    }

    /// `server_timing_visible(server_timing, timing_allow_origin, page_origin, resource_url [, engine])`:
    /// whether the page's entry would carry this response's `Server-Timing`
    /// metrics (then its `serverTiming` is `server_timing(server_timing,
    /// engine)`); false for an absent (null) `Server-Timing`.
    pub fn server_timing_visible() -> Self {
        ExposureUdf {
            signature: Signature::user_defined(Volatility::Immutable),
            question: Question::ServerTimingVisible,
        }
    }

    /// How many byte arguments come before the optional engine.
    fn fixed_args(&self) -> usize {
        match self.question {
            Question::TimingAllowPasses => 3,
            Question::ServerTimingVisible => 4,
        }
    }
}

impl ScalarUDFImpl for ExposureUdf {
    fn name(&self) -> &str {
        match self.question {
            Question::TimingAllowPasses => "timing_allow_passes",
            Question::ServerTimingVisible => "server_timing_visible",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let fixed = self.fixed_args();
        coerce_bytes_args(self.name(), arg_types, fixed, fixed + 1)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let fixed = self.fixed_args();
        let columns = byte_args(&args.args[..fixed])?;
        let engine = EngineArg::of(self.name(), &args.args, fixed)?;
        let rows = rows(&args.args, args.number_rows);
        let answers: BooleanArray = (0..rows)
            .map(|i| {
                let engine = engine.get(i)?;
                let row = match self.question {
                    Question::TimingAllowPasses => RowFetch {
                        server_timing: None,
                        timing_allow_origin: columns[0].get(i),
                        page: columns[1].get(i)?,
                        resource_url: columns[2].get(i)?,
                        engine,
                    },
                    Question::ServerTimingVisible => RowFetch {
                        server_timing: columns[0].get(i),
                        timing_allow_origin: columns[1].get(i),
                        page: columns[2].get(i)?,
                        resource_url: columns[3].get(i)?,
                        engine,
                    },
                };
                let (fetch, report) = row.replay()?;
                Some(match self.question {
                    // Step 5 of *report timing*: the flag is set unless a hop
                    // failed the TAO check (the driver's request flag) or the
                    // fetch failed. (The report's own `timing_allow_passed`
                    // gates `transferSize`, which some engines widen.)
                    Question::TimingAllowPasses => {
                        !fetch.request().timing_allow_failed
                            && fetch.network_error_reason().is_none()
                    }
                    Question::ServerTimingVisible => {
                        report.server_timing_exposed
                            && row.server_timing.is_some()
                            && !report.timing_info.server_timing_headers.is_empty()
                    }
                })
            })
            .collect();
        result(Arc::new(answers), &args.args)
    }
}
