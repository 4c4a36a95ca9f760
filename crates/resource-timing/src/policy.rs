//! What engines expose differently from the specs (Fetch, Resource Timing,
//! Server Timing), as knobs, and which knobs each engine sets. The default is
//! the specs everywhere. How each engine *reads* a header is
//! [`server_timing::engines`]'s; what a page may *see* of it is decided here.

pub use server_timing::engines::Engine;

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
    /// earlier cross-origin hop failed it (recorded in Firefox 153).
    TimingAllowOriginFinalResponse,
    /// Same-origin requests only, whatever `Timing-Allow-Origin` says (the
    /// Server Timing spec's privacy section allows it).
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
        }
    }
}

impl Default for ExposurePolicy {
    fn default() -> Self {
        ExposurePolicy::SPEC
    }
}
