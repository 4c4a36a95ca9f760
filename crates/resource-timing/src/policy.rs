//! What engines expose differently from the specs (Fetch, Resource Timing,
//! Server Timing), as knobs, and which knobs each engine sets. The default is
//! the specs everywhere. How each engine *reads* a header is
//! [`server_timing::engines`]'s; what a page may *see* of it is decided here.

pub use server_timing::engines::Engine;

pub use crate::json_layout::JsonLayout;

/// Whether a page that is not a secure context sees `serverTiming`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecureContextGating {
    /// Fetch's rule: the header is read only when the request's client is a
    /// secure context; elsewhere the list is empty (the attribute exists).
    EmptyListWhenNotSecure,
    /// The attribute is `[SecureContext]`: on a non-secure page
    /// `'serverTiming' in entry` is false.
    AttributeHiddenWhenNotSecure,
    /// Non-secure pages get the populated list too (Fetch lets a UA do this).
    NotGated,
}

/// Which cross-origin responses expose their metrics.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CrossOriginExposure {
    /// Exposed when every hop of the redirect chain passes the TAO check.
    TimingAllowOrigin,
    /// Exposed when the final response passes the TAO check, even if an
    /// earlier cross-origin hop failed it (recorded in Firefox 153, which
    /// then shows `nextHopProtocol` too; `exposure-firefox.json` F1).
    TimingAllowOriginFinalResponse,
    /// Same-origin requests only, whatever `Timing-Allow-Origin` says (the
    /// Server Timing spec's privacy section allows it). Recorded in
    /// WebKitGTK 2.50 (W2): for `fetch()`, the request's URL and every URL
    /// it was redirected from are same origin with the page (A→B shows,
    /// A→B→A does not); for elements, every URL of the chain.
    SameOriginOnly,
}

/// The decisions about what a page may learn that engines make
/// differently. [`ExposurePolicy::SPEC`] is the default.
///
/// See `docs/policies.md` for each knob and the evidence behind the engine presets.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExposurePolicy {
    /// Whether a non-secure client sees `serverTiming`.
    pub secure_context_gating: SecureContextGating,
    /// Which cross-origin responses expose `serverTiming`.
    pub cross_origin_exposure: CrossOriginExposure,
    /// How `serverTiming` reads the captured header values.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_impls::engine"))]
    pub header_reading: Engine,
    /// Whether the entry of a nested navigation (an `iframe`, `frame`,
    /// `object` or `embed` document) to another origin shows the response's
    /// status and content type.
    pub nested_navigation_status: NestedNavigationStatus,
    /// Which responses show `encodedBodySize` and `decodedBodySize` (and,
    /// through them, the body part of `transferSize`).
    pub body_sizes: BodySizeGate,
    /// Which origin the TAO check compares with after a redirect taint.
    pub tao_redirect_origin: TaoRedirectOrigin,
    /// What the entry of a fetch that failed the CORS check shows.
    pub cors_failure: CorsFailureEntry,
    /// How `contentType` is written.
    pub content_type: ContentTypeReading,
    /// Whether a `<script>` whose response is an error status counts its body.
    pub failed_script_body: FailedScriptBody,
    /// Whether a no-cors `fetch()` whose opaque body nobody reads gets an entry.
    pub unread_opaque_fetch_body: UnreadOpaqueFetchBody,
    /// Whether a cors request redirected back to its own origin after
    /// another one fails (WebKitGTK 2.50: W4).
    pub cors_redirect_back_fails: bool,
    /// The members and order of a resource entry's `toJSON()`.
    pub json_layout: JsonLayout,
}

/// Which responses show their body sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum BodySizeGate {
    /// Fetch: the filtered response's body info, so a basic or CORS
    /// response shows its sizes and an opaque one shows 0, whatever TAO says.
    Cors,
    /// The sizes follow the TAO check instead: 0 for a CORS response that
    /// fails it, the real sizes for an opaque one that passes it (Chromium
    /// 156: C1, C2; `transferSize` then counts them, C3).
    TimingAllowOrigin,
    /// Same-origin requests only (the rule of
    /// [`CrossOriginExposure::SameOriginOnly`]); `transferSize` is 0 for
    /// the others, whatever TAO says (WebKitGTK 2.50: W2).
    SameOriginOnly,
}

/// The origin that a hop's `Timing-Allow-Origin` must name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TaoRedirectOrigin {
    /// Fetch's *serializing a request origin*: `null` once the request is
    /// redirect-tainted.
    SerializedRequestOrigin,
    /// For no-cors requests, the page's origin even after a redirect
    /// taint, and `null` never matches (WebKitGTK 2.50: W1); cors requests
    /// as the spec says.
    PageOriginForNoCors,
}

/// The entry of a CORS failure (a network error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CorsFailureEntry {
    /// Opaque timing, like every network error.
    Opaque,
    /// The response's timing, `nextHopProtocol` and `serverTiming` when the
    /// response passed the TAO check; status and sizes 0 (Firefox 153: F4).
    TimingOfTheResponse,
    /// No entry at all (WebKitGTK 2.50: W5).
    NoEntry,
}

/// How the entry's `contentType` is derived from `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ContentTypeReading {
    /// *Minimize a supported MIME type*, every parsable type supported.
    Minimized,
    /// Minimized, but `application/octet-stream` and types the engine does
    /// not know give "" (Chromium 156: C7).
    MinimizedKnownTypes,
    /// The essence, not minimized; a value that does not parse gives
    /// `application/x-unknown-content-type` (Firefox 153: F5).
    Essence,
}

/// The body of a `<script>` whose response has an error status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum FailedScriptBody {
    /// Counted like any body.
    Counted,
    /// Not counted: sizes 0, `transferSize` 300 (Chromium 156: C8).
    SizesZero,
    /// Not counted, and `transferSize` 0 too (WebKitGTK 2.50: W6).
    SizesAndTransferSizeZero,
}

/// A no-cors `fetch()` whose opaque, non-empty body the page cannot read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum UnreadOpaqueFetchBody {
    /// Reported when the body ends, like any other.
    Reported,
    /// Never reported: no entry (Chromium 156: C4).
    NoEntry,
}

/// What a page's entry for a navigation it reports (a nested document)
/// shows of the response's `responseStatus` and `contentType`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NestedNavigationStatus {
    /// Fetch's *report timing*: hidden only when the navigation's redirect
    /// taint is not "same-origin", so a document from another origin without
    /// redirects shows them (the spec; whatwg/fetch#1602 is open on this).
    HiddenAfterCrossOriginRedirects,
    /// Also hidden when the response's URL is not same origin with the
    /// request's origin, TAO or not: what Chromium and Firefox do and WPT
    /// `resource-timing/response-status-code.no-cors.html` expects.
    HiddenWhenCrossOrigin,
}

impl ExposurePolicy {
    /// The specs: Fetch's secure-context capture, the TAO check over the
    /// whole redirect chain, and the Server Timing parser's reading.
    pub const SPEC: ExposurePolicy = ExposurePolicy {
        secure_context_gating: SecureContextGating::EmptyListWhenNotSecure,
        cross_origin_exposure: CrossOriginExposure::TimingAllowOrigin,
        header_reading: Engine::Spec,
        nested_navigation_status: NestedNavigationStatus::HiddenAfterCrossOriginRedirects,
        body_sizes: BodySizeGate::Cors,
        tao_redirect_origin: TaoRedirectOrigin::SerializedRequestOrigin,
        cors_failure: CorsFailureEntry::Opaque,
        content_type: ContentTypeReading::Minimized,
        failed_script_body: FailedScriptBody::Counted,
        unread_opaque_fetch_body: UnreadOpaqueFetchBody::Reported,
        cors_redirect_back_fails: false,
        json_layout: JsonLayout::Spec,
    };

    /// The policy `engine` follows, with its header reading.
    pub fn for_engine(engine: Engine) -> ExposurePolicy {
        ExposurePolicy {
            secure_context_gating: match engine {
                Engine::Spec => SecureContextGating::EmptyListWhenNotSecure,
                // Recorded (wpt/compat/fixtures/policy-chromium.json): a
                // populated list on an http page.
                Engine::Chromium => SecureContextGating::NotGated,
                // Recorded: Gecko's IDL marks the attribute [SecureContext].
                Engine::Firefox => SecureContextGating::AttributeHiddenWhenNotSecure,
                // WebKit's IDL has no [SecureContext].
                _ => SecureContextGating::NotGated,
            },
            cross_origin_exposure: match engine {
                Engine::Spec | Engine::Chromium => CrossOriginExposure::TimingAllowOrigin,
                Engine::Firefox => CrossOriginExposure::TimingAllowOriginFinalResponse,
                // WebKit restricts PerformanceServerTiming to same-origin
                // requests (WebKit PR #4579, w3c/server-timing#89).
                _ => CrossOriginExposure::SameOriginOnly,
            },
            header_reading: engine,
            nested_navigation_status: match engine {
                // Recorded: wpt/compat/fixtures/nested-status-{chromium,firefox}.json.
                Engine::Chromium | Engine::Firefox => NestedNavigationStatus::HiddenWhenCrossOrigin,
                // Not recorded (WebKit has no responseStatus to observe here): the spec.
                _ => NestedNavigationStatus::HiddenAfterCrossOriginRedirects,
            },
            // The knobs below are recorded in wpt/compat/fixtures/exposure-<browser>.json;
            // the letters name the findings in wpt/compat/EXPOSURE-FINDINGS.md.
            body_sizes: match engine {
                Engine::Chromium => BodySizeGate::TimingAllowOrigin, // C1, C2
                Engine::WebKit => BodySizeGate::SameOriginOnly,      // W2
                _ => BodySizeGate::Cors,
            },
            tao_redirect_origin: match engine {
                Engine::WebKit => TaoRedirectOrigin::PageOriginForNoCors, // W1
                _ => TaoRedirectOrigin::SerializedRequestOrigin,
            },
            cors_failure: match engine {
                Engine::Firefox => CorsFailureEntry::TimingOfTheResponse, // F4
                Engine::WebKit => CorsFailureEntry::NoEntry,              // W5
                _ => CorsFailureEntry::Opaque,
            },
            content_type: match engine {
                Engine::Chromium => ContentTypeReading::MinimizedKnownTypes, // C7
                Engine::Firefox => ContentTypeReading::Essence,              // F5
                _ => ContentTypeReading::Minimized,
            },
            failed_script_body: match engine {
                Engine::Chromium => FailedScriptBody::SizesZero, // C8
                Engine::WebKit => FailedScriptBody::SizesAndTransferSizeZero, // W6
                _ => FailedScriptBody::Counted,
            },
            unread_opaque_fetch_body: match engine {
                Engine::Chromium => UnreadOpaqueFetchBody::NoEntry, // C4
                _ => UnreadOpaqueFetchBody::Reported,
            },
            cors_redirect_back_fails: engine == Engine::WebKit, // W4
            json_layout: match engine {
                Engine::Chromium => JsonLayout::Chromium,
                Engine::Firefox => JsonLayout::Firefox,
                Engine::WebKit => JsonLayout::WebKit,
                _ => JsonLayout::Spec,
            },
        }
    }
}

impl Default for ExposurePolicy {
    fn default() -> Self {
        ExposurePolicy::SPEC
    }
}
