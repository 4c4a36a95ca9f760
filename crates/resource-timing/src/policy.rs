//! What engines do differently from the spec, as knobs. The default is the
//! spec everywhere.

pub use server_timing::engines::{CrossOriginExposure, Engine, SecureContextGating};

/// The decisions about what a page may learn that engines make
/// differently. [`ExposurePolicy::SPEC`] is the default.
///
/// See `docs/policies.md` for each knob and the evidence behind the engine presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExposurePolicy {
    /// Whether a non-secure client sees `serverTiming`.
    pub secure_context_gating: SecureContextGating,
    /// Which cross-origin responses expose `serverTiming`.
    pub cross_origin_exposure: CrossOriginExposure,
    /// How `serverTiming` reads the captured header values.
    pub header_reading: Engine,
    /// Whether the entry of a nested navigation (an `iframe`, `frame`,
    /// `object` or `embed` document) to another origin shows the response's
    /// status and content type.
    pub nested_navigation_status: NestedNavigationStatus,
}

/// What a page's entry for a navigation it reports (a nested document)
/// shows of the response's `responseStatus` and `contentType`.
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
            secure_context_gating: engine.secure_context_gating(),
            cross_origin_exposure: engine.cross_origin_exposure(),
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
