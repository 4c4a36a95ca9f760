//! Runs `examples/multiprocess_engine.rs` (issue 11's proof) and checks
//! what its page saw.

#[allow(dead_code)]
#[path = "../examples/multiprocess_engine.rs"]
mod multiprocess_engine;

use resource_timing::performance_timeline::PerformanceEntry;
use resource_timing::PerformanceResourceTiming;

fn on_grid(ms: f64) -> bool {
    ms.fract() == 0.0
}

#[test]
fn a_multi_process_engine_sees_what_a_page_should() {
    let view = multiprocess_engine::run();
    // Nothing lost: 7 loads, a buffer of 3 grown by the buffer-full handler.
    assert_eq!(view.resources.len(), 7, "{:?}", view.resources);
    assert!(view.cx.buffer_full_events >= 1);
    assert!(view.buffer_limit >= 7);
    // Observer callbacks ran with the engine's context and saw every entry.
    assert!(view.cx.callbacks >= 1);
    assert_eq!(view.cx.observed.len(), 8, "7 resources and one mark");
    assert_eq!(view.cx.observed.last().map(String::as_str), Some("done"));
    assert!(view.same_reflector);
    assert!(view.heap_size > 0);
    // The 1 ms grid everywhere: now(), the engine's own entry, every stamp.
    assert!(on_grid(view.now), "now() {}", view.now);
    assert!(on_grid(view.mark_start));
    let find = |url: &url::Url| -> &PerformanceResourceTiming {
        view.resources
            .iter()
            .find(|e| e.name() == url.as_str())
            .and_then(|e| e.as_any().downcast_ref())
            .expect("an entry for the URL")
    };
    for entry in &view.resources {
        let entry: &PerformanceResourceTiming = entry.as_any().downcast_ref().unwrap();
        for stamp in [
            entry.start_time(),
            entry.fetch_start(),
            entry.domain_lookup_start(),
            entry.connect_start(),
            entry.connect_end(),
            entry.request_start(),
            entry.response_start(),
            entry.response_end(),
        ] {
            assert!(
                on_grid(stamp),
                "{} off the 1 ms grid: {}",
                entry.name(),
                entry.to_json()
            );
        }
    }
    // Same origin: timings and serverTiming.
    let same = find(&view.same_origin);
    assert!(same.request_start() > 0.0);
    assert_eq!(same.next_hop_protocol(), "http/1.1");
    assert_eq!(same.server_timing().len(), 1);
    assert_eq!(same.server_timing()[0].name(), "db");
    // Cross origin without Timing-Allow-Origin: zeroed, no serverTiming.
    let hidden = find(&view.cross_origin_no_tao);
    assert_eq!(hidden.request_start(), 0.0);
    assert_eq!(hidden.domain_lookup_start(), 0.0);
    assert_eq!(hidden.response_start(), 0.0);
    assert_eq!(hidden.transfer_size(), 0);
    assert_eq!(hidden.next_hop_protocol(), "");
    assert!(hidden.server_timing().is_empty());
    assert_eq!(hidden.response_status(), 200, "CORS shows the status");
    // Cross origin with Timing-Allow-Origin: *.
    let shown = find(&view.cross_origin_tao);
    assert!(shown.request_start() > 0.0);
    assert_eq!(shown.server_timing()[0].name(), "edge");
}
