//! Fuzz target: every engine profile reads any bytes without panicking, and
//! the lint of the same bytes agrees with the profiles it reports: each
//! profile's metric names are the ones `Engine::parse_value` gives, and every
//! byte range it names lies inside the value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server_timing::engines::lint::lint_value;
use server_timing::engines::Engine;

fuzz_target!(|data: &[u8]| {
    let readings: Vec<_> = Engine::ALL
        .into_iter()
        .map(|engine| (engine, engine.parse_value(data)))
        .collect();
    let report = lint_value(data);
    for profile in &report.profiles {
        let (_, reading) = readings
            .iter()
            .find(|(engine, _)| *engine == profile.engine)
            .expect("the lint reports a known engine");
        assert_eq!(profile.metrics.len(), reading.len(), "{:?}", profile.engine);
        for (linted, read) in profile.metrics.iter().zip(reading) {
            assert_eq!(linted.name, read.name());
            assert!(linted.span.start <= linted.span.end && linted.span.end <= data.len());
        }
    }
    for recovery in &report.recoveries {
        assert!(recovery.range.start <= recovery.range.end && recovery.range.end <= data.len());
    }
    for fix in &report.fixes {
        assert!(fix.range.start <= fix.range.end && fix.range.end <= data.len());
    }
});
