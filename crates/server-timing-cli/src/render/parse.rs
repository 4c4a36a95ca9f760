//! What `server-timing parse` prints.

use fetch_headers::get_a_header;
use fetch_headers::json::write_json_string;
use server_timing::engines::Engine;
use server_timing::{parse_server_timing_with_diagnostics, Diagnostic, PerformanceServerTiming};

/// The whole output for the given header lines: with `engine`, the metrics
/// as that engine reads them; without, the spec reading followed by each
/// engine's own reading wherever it differs (engines that read alike are
/// named together, with the browser release their profile was recorded
/// from). `--json` gives one list: the spec's, or the engine's.
pub fn render(lines: &[Vec<u8>], engine: Option<Engine>, json: bool, explain: bool) -> String {
    let combined = get_a_header(lines).unwrap_or_default();
    let mut out = render_one(&combined, engine.unwrap_or(Engine::Spec), json, explain);
    if engine.is_none() && !json {
        out.push_str(&engine_differences(&combined));
    }
    out
}

/// The engines whose `serverTiming` list for `combined` differs from the
/// spec reading, grouped by identical readings, in [`Engine::ALL`]'s order.
pub fn differing_readings(combined: &[u8]) -> Vec<(Vec<Engine>, Vec<PerformanceServerTiming>)> {
    let spec = Engine::Spec.parse_value(combined);
    let mut groups: Vec<(Vec<Engine>, Vec<PerformanceServerTiming>)> = Vec::new();
    for engine in Engine::ALL.into_iter().filter(|e| *e != Engine::Spec) {
        let reading = engine.parse_value(combined);
        if same_list(&reading, &spec) {
            continue;
        }
        match groups.iter_mut().find(|(_, r)| same_list(r, &reading)) {
            Some((engines, _)) => engines.push(engine),
            None => groups.push((vec![engine], reading)),
        }
    }
    groups
}

/// Equal as a page would see them: names, descriptions, and durations bit
/// for bit (−0 and NaN count).
pub fn same_list(a: &[PerformanceServerTiming], b: &[PerformanceServerTiming]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.name() == y.name()
                && x.description() == y.description()
                && x.duration().to_bits() == y.duration().to_bits()
        })
}

/// `chromium (Chromium 156), webkit (WebKitGTK 2.50)`.
pub fn engine_names(engines: &[Engine]) -> String {
    engines
        .iter()
        .map(|e| match e.recorded_browser() {
            Some(browser) => format!("{e} ({browser})"),
            None => e.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn engine_differences(combined: &[u8]) -> String {
    let mut out = String::new();
    let groups = differing_readings(combined);
    if groups.is_empty() {
        return out;
    }
    let agreeing: Vec<Engine> = Engine::ALL
        .into_iter()
        .filter(|e| *e != Engine::Spec && !groups.iter().any(|(g, _)| g.contains(e)))
        .collect();
    if !agreeing.is_empty() {
        let verb = if agreeing.len() == 1 { "reads" } else { "read" };
        out.push_str(&format!("{} {verb} it as above\n", engine_names(&agreeing)));
    }
    for (engines, reading) in groups {
        let verb = if engines.len() == 1 { "shows" } else { "show" };
        out.push_str(&format!("{} {verb} instead:\n", engine_names(&engines)));
        if reading.is_empty() {
            out.push_str("  (no metrics)\n");
        }
        for (i, metric) in reading.iter().enumerate() {
            out.push_str(&format!("  {i}: {metric}\n"));
        }
    }
    out
}

fn render_one(combined: &[u8], engine: Engine, json: bool, explain: bool) -> String {
    let mut diagnostics = Vec::new();
    let mut metrics: Vec<PerformanceServerTiming> =
        parse_server_timing_with_diagnostics(combined, |d: Diagnostic| diagnostics.push(d))
            .map(PerformanceServerTiming::from)
            .collect();
    if engine != Engine::Spec {
        metrics = engine.parse_value(combined);
    }
    let mut out = String::new();
    if json {
        // The list's toJSON(): the one JSON.stringify writer.
        out.push('[');
        for (i, metric) in metrics.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            metric.write_json(&mut out);
        }
        out.push_str("]\n");
    } else if metrics.is_empty() {
        out.push_str("(no metrics)\n");
    } else {
        for (i, metric) in metrics.iter().enumerate() {
            out.push_str(&format!("{i}: {metric}\n"));
        }
    }
    if explain {
        if diagnostics.is_empty() {
            out.push_str("diagnostics: none (the value follows the Server-Timing grammar)\n");
        } else {
            out.push_str(&format!("diagnostics: {}\n", diagnostics.len()));
            for d in &diagnostics {
                let text = String::from_utf8_lossy(&combined[d.range.clone()]);
                let mut quoted = String::new();
                write_json_string(&mut quoted, &text);
                out.push_str(&format!(
                    "  bytes {}..{} {}: {:?}\n",
                    d.range.start, d.range.end, quoted, d.kind
                ));
                out.push_str(&format!("    {}\n", d.kind.message()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_are_named_exactly_where_they_differ() {
        let out = render(&[b"a, , b".to_vec()], None, false, false);
        assert_eq!(
            out,
            "0: PerformanceServerTiming {name: \"a\", duration: 0, description: \"\"}\n\
             1: PerformanceServerTiming {name: \"b\", duration: 0, description: \"\"}\n\
             firefox (Firefox 153 ESR) reads it as above\n\
             chromium (Chromium 156), webkit (WebKitGTK 2.50) show instead:\n\
             \x20 0: PerformanceServerTiming {name: \"a\", duration: 0, description: \"\"}\n"
        );
        // One engine alone, and JSON, print one list.
        let one = render(&[b"a, , b".to_vec()], Some(Engine::Chromium), false, false);
        assert_eq!(one.lines().count(), 1);
        let json = render(&[b"a, , b".to_vec()], None, true, false);
        assert_eq!(json.lines().count(), 1);
    }

    #[test]
    fn a_header_every_engine_reads_alike_names_none() {
        let out = render(&[b"db;dur=53".to_vec()], None, false, false);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(differing_readings(b"db;dur=53").is_empty());
        // Every engine differs from the spec on `dur=-0`; Chromium, Firefox
        // and WebKit read it alike, so they are named together.
        let groups = differing_readings(b"m;dur=-0");
        assert_eq!(groups.len(), 1);
        assert_eq!(
            groups[0].0,
            [Engine::Chromium, Engine::Firefox, Engine::WebKit]
        );
    }

    #[test]
    fn mdn_example_renders_like_the_console() {
        let out = render(
            &[b"cache;desc=\"Cache Read\";dur=23.2, db;dur=53, app;dur=47.2".to_vec()],
            None,
            false,
            false,
        );
        assert_eq!(
            out,
            "0: PerformanceServerTiming {name: \"cache\", duration: 23.2, description: \"Cache Read\"}\n\
             1: PerformanceServerTiming {name: \"db\", duration: 53, description: \"\"}\n\
             2: PerformanceServerTiming {name: \"app\", duration: 47.2, description: \"\"}\n"
        );
    }

    #[test]
    fn explain_lists_recoveries_with_ranges() {
        let out = render(&[b"m;desc=d1 d2".to_vec()], None, true, true);
        assert!(out.starts_with("[{\"name\":\"m\",\"duration\":0,\"description\":\"d1\"}]\n"));
        assert!(
            out.contains("bytes 9..12 \" d2\": JunkAfterParamValue"),
            "{out}"
        );
    }
}
