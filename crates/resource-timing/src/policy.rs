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
}

impl ExposurePolicy {
    /// The specs: Fetch's secure-context capture, the TAO check over the
    /// whole redirect chain, and the Server Timing parser's reading.
    pub const SPEC: ExposurePolicy = ExposurePolicy {
        secure_context_gating: SecureContextGating::EmptyListWhenNotSecure,
        cross_origin_exposure: CrossOriginExposure::TimingAllowOrigin,
        header_reading: Engine::Spec,
    };

    /// The policy `engine` follows, with its header reading.
    pub fn for_engine(engine: Engine) -> ExposurePolicy {
        ExposurePolicy {
            secure_context_gating: engine.secure_context_gating(),
            cross_origin_exposure: engine.cross_origin_exposure(),
            header_reading: engine,
        }
    }
}

impl Default for ExposurePolicy {
    fn default() -> Self {
        ExposurePolicy::SPEC
    }
}
