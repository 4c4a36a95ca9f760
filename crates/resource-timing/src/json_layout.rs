//! Which members a resource entry's `toJSON()` has, and in which order, as
//! each engine writes them (recorded by `wpt/compat/record_exposure.py`:
//! `Object.keys(entry.toJSON())` is the same on every entry of a browser).

/// The members and order of a resource entry's `toJSON()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum JsonLayout {
    /// The `[Default]` toJSON in IDL order (`PerformanceEntry`'s members,
    /// then `PerformanceResourceTiming`'s, `serverTiming` last), with `id`
    /// and `navigationId` where the entry has them.
    Spec,
    /// Chromium 156: 34 members, `navigationId` but no `id`, its own order,
    /// and `workerMatchedSourceType` / `workerFinalSourceType` for the
    /// spec's `workerMatchedRouterSource` / `workerFinalRouterSource`.
    Chromium,
    /// Firefox 153: 26 members (no `contentEncoding`, `deliveryType`,
    /// `renderBlockingStatus` nor the worker router members).
    Firefox,
    /// WebKitGTK 2.50: 22 members (no `responseStatus`, `contentType`,
    /// `contentEncoding`, `deliveryType`, `renderBlockingStatus`,
    /// `finalResponseHeadersStart`, `firstInterimResponseStart` nor the
    /// worker router members).
    WebKit,
}

/// The Spec layout's members after `navigationId` (`id`, `name`, …,
/// `duration`, `navigationId` come first, the identifiers where present).
const SPEC_RESOURCE_MEMBERS: &[&str] = &[
    "initiatorType",
    "deliveryType",
    "nextHopProtocol",
    "workerStart",
    "redirectStart",
    "redirectEnd",
    "fetchStart",
    "domainLookupStart",
    "domainLookupEnd",
    "connectStart",
    "connectEnd",
    "secureConnectionStart",
    "requestStart",
    "finalResponseHeadersStart",
    "firstInterimResponseStart",
    "responseStart",
    "responseEnd",
    "workerRouterEvaluationStart",
    "workerCacheLookupStart",
    "workerMatchedRouterSource",
    "workerFinalRouterSource",
    "transferSize",
    "encodedBodySize",
    "decodedBodySize",
    "responseStatus",
    "renderBlockingStatus",
    "contentType",
    "contentEncoding",
    "serverTiming",
];

/// Chromium 156, as recorded.
const CHROMIUM_MEMBERS: &[&str] = &[
    "name",
    "entryType",
    "startTime",
    "duration",
    "navigationId",
    "initiatorType",
    "deliveryType",
    "nextHopProtocol",
    "renderBlockingStatus",
    "contentType",
    "contentEncoding",
    "workerStart",
    "workerRouterEvaluationStart",
    "workerCacheLookupStart",
    "workerMatchedSourceType",
    "workerFinalSourceType",
    "redirectStart",
    "redirectEnd",
    "fetchStart",
    "domainLookupStart",
    "domainLookupEnd",
    "connectStart",
    "secureConnectionStart",
    "connectEnd",
    "requestStart",
    "responseStart",
    "firstInterimResponseStart",
    "finalResponseHeadersStart",
    "responseEnd",
    "transferSize",
    "encodedBodySize",
    "decodedBodySize",
    "responseStatus",
    "serverTiming",
];

/// Firefox 153, as recorded (`serverTiming` only where the attribute exists).
const FIREFOX_MEMBERS: &[&str] = &[
    "name",
    "entryType",
    "startTime",
    "duration",
    "initiatorType",
    "nextHopProtocol",
    "workerStart",
    "redirectStart",
    "redirectEnd",
    "fetchStart",
    "domainLookupStart",
    "domainLookupEnd",
    "connectStart",
    "connectEnd",
    "secureConnectionStart",
    "requestStart",
    "finalResponseHeadersStart",
    "firstInterimResponseStart",
    "responseStart",
    "responseEnd",
    "transferSize",
    "encodedBodySize",
    "decodedBodySize",
    "responseStatus",
    "contentType",
    "serverTiming",
];

/// WebKitGTK 2.50, as recorded.
const WEBKIT_MEMBERS: &[&str] = &[
    "name",
    "entryType",
    "startTime",
    "duration",
    "initiatorType",
    "nextHopProtocol",
    "workerStart",
    "redirectStart",
    "redirectEnd",
    "fetchStart",
    "domainLookupStart",
    "domainLookupEnd",
    "connectStart",
    "connectEnd",
    "secureConnectionStart",
    "requestStart",
    "responseStart",
    "responseEnd",
    "transferSize",
    "encodedBodySize",
    "decodedBodySize",
    "serverTiming",
];

impl JsonLayout {
    /// The members in order, for an entry with the given identifiers
    /// (only the Spec layout depends on them). `serverTiming` is listed;
    /// it is left out where the attribute does not exist.
    pub fn members(self, has_id: bool, has_navigation_id: bool) -> Vec<&'static str> {
        match self {
            JsonLayout::Spec => {
                let mut members = Vec::with_capacity(35);
                if has_id {
                    members.push("id");
                }
                members.extend(["name", "entryType", "startTime", "duration"]);
                if has_navigation_id {
                    members.push("navigationId");
                }
                members.extend_from_slice(SPEC_RESOURCE_MEMBERS);
                members
            }
            JsonLayout::Chromium => CHROMIUM_MEMBERS.to_vec(),
            JsonLayout::Firefox => FIREFOX_MEMBERS.to_vec(),
            JsonLayout::WebKit => WEBKIT_MEMBERS.to_vec(),
        }
    }
}
