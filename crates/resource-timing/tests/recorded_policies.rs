//! The engine presets of [`ExposurePolicy`] against what the real browsers
//! exposed (`wpt/compat/record_policy.py`, fixtures in
//! `wpt/compat/fixtures/policy-<browser>.json`).

use std::path::PathBuf;

use resource_timing::{CrossOriginExposure, Engine, ExposurePolicy, SecureContextGating};
use serde_json::Value;

fn read_json(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../wpt/compat/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What `wpt/compat/record_policy.py` saw for one scenario: whether the
/// entry has the attribute, and how many metrics it lists.
fn policy(browser: &str, scenario: &str) -> (bool, usize) {
    let doc = read_json(&format!("policy-{browser}.json"));
    assert_eq!(doc["page_is_secure_context"]["secure"], Value::Bool(true));
    assert_eq!(
        doc["page_is_secure_context"]["not_secure"],
        Value::Bool(false)
    );
    let r = &doc["results"][scenario];
    let has = r["has_attribute"]
        .as_bool()
        .unwrap_or_else(|| panic!("{browser} {scenario}: {r}"));
    let len = r["server_timing"].as_array().map_or(0, |a| a.len());
    (has, len)
}

#[test]
fn recorded_policies_match_the_profiles() {
    for (browser, engine) in [
        ("chromium", Engine::Chromium),
        ("firefox", Engine::Firefox),
        ("webkit", Engine::WebKit),
    ] {
        assert_eq!(policy(browser, "same_origin_secure"), (true, 1));
        let not_secure = policy(browser, "same_origin_not_secure");
        let gating = match not_secure {
            (false, _) => SecureContextGating::AttributeHiddenWhenNotSecure,
            (true, 0) => SecureContextGating::EmptyListWhenNotSecure,
            (true, _) => SecureContextGating::NotGated,
        };
        assert_eq!(
            ExposurePolicy::for_engine(engine).secure_context_gating,
            gating,
            "{browser}"
        );

        assert_eq!(policy(browser, "cross_origin_no_tao"), (true, 0));
        let exposure = match (
            policy(browser, "cross_origin_tao").1,
            policy(browser, "redirect_first_hop_fails_tao").1,
            policy(browser, "redirect_every_hop_tao").1,
        ) {
            (0, 0, 0) => CrossOriginExposure::SameOriginOnly,
            (1, 0, 1) => CrossOriginExposure::TimingAllowOrigin,
            (1, 1, 1) => CrossOriginExposure::TimingAllowOriginFinalResponse,
            other => panic!("{browser}: unexpected cross-origin results {other:?}"),
        };
        assert_eq!(
            ExposurePolicy::for_engine(engine).cross_origin_exposure,
            exposure,
            "{browser}"
        );
    }
}
