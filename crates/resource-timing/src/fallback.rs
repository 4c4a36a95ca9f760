//! HTML's fallback resource timing entry for a nested navigation whose
//! response failed the TAO check (whatwg/html#8643).
//!
//! The parent of an `iframe` (or `object`) document from another origin
//! without `Timing-Allow-Origin` does not report the navigation when its
//! response ends. It waits for the element's load event, and then marks an
//! entry with a *fallback timing info*: the navigation's start time, the
//! current time as its end, nothing in between, a new response body info and
//! status 0. Its `duration` covers the child document's whole load, as
//! a `load` listener could see anyway, and tells nothing of the response's own
//! timing.
//!
//! Modelled from whatwg/html#8643 and the WPT file that checks it
//! (`resource-timing/nested-nav-fallback-timing.html`); HTML's text itself
//! was not readable here.

use std::rc::Rc;

use performance_timeline::{Embedder, Moment, Performance};

use crate::entry::{mark_resource_timing, PerformanceResourceTiming};
use crate::fetch::Fetch;
use crate::report::ResourceTimingReport;
use crate::request::RequestMode;
use crate::timing_info::{CacheState, FetchTimingInfo, ResponseBodyInfo};

/// Whether the entry of this finished fetch waits for the element's load
/// event: a navigation whose response failed the TAO check. The embedder
/// then skips [`Fetch::report_timing`] and calls
/// [`mark_fallback_resource_timing`] from the element's load event steps.
pub fn reports_fallback_timing(fetch: &Fetch) -> bool {
    fetch.request().mode == RequestMode::Navigate
        && ResourceTimingReport::for_resource(fetch).is_some_and(|r| !r.timing_allow_passed)
}

/// Marks the fallback entry of a nested navigation at its element's load
/// event: *mark resource timing* with a fetch timing info whose start time is
/// the navigation's and whose end time is `now` (coarsened for the fetch's
/// client), the request's first URL, the fetch's initiator type, a new
/// response body info and status 0. `None` where *report timing* reports
/// nothing (a URL that is not http(s), no initiator type, an unfinished fetch).
///
/// Spec deviation: the start time is the fetch's, where HTML keeps the
/// element's own *pending resource-timing start time*; they are the same
/// moment for a navigation the element started.
pub fn mark_fallback_resource_timing<E: Embedder>(
    fetch: &Fetch,
    performance: &Performance<E>,
    now: Moment,
) -> Option<Rc<PerformanceResourceTiming>> {
    let mut report = ResourceTimingReport::for_resource(fetch)?;
    let start_time = fetch.timing_info().start_time;
    report.timing_info = FetchTimingInfo {
        start_time,
        post_redirect_start_time: start_time,
        end_time: fetch.client().coarsen(now),
        render_blocking: fetch.timing_info().render_blocking,
        ..FetchTimingInfo::default()
    };
    report.cache_mode = CacheState::None;
    report.body_info = ResponseBodyInfo::default();
    report.response_status = 0;
    report.timing_allow_passed = false;
    Some(mark_resource_timing(performance, report))
}
