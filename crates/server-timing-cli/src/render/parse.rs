//! What `server-timing parse` prints.

use fetch_headers::get_a_header;
use fetch_headers::json::write_json_string;
use server_timing::engines::Engine;
use server_timing::{parse_server_timing_with_diagnostics, Diagnostic, PerformanceServerTiming};

/// The whole output for the given header lines, with the metrics as `engine` reads them.
pub fn render(lines: &[Vec<u8>], engine: Engine, json: bool, explain: bool) -> String {
    let combined = get_a_header(lines).unwrap_or_default();
    let mut diagnostics = Vec::new();
    let mut metrics: Vec<PerformanceServerTiming> =
        parse_server_timing_with_diagnostics(&combined, |d: Diagnostic| diagnostics.push(d))
            .map(PerformanceServerTiming::from)
            .collect();
    if engine != Engine::Spec {
        metrics = engine.parse_value(&combined);
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
    fn mdn_example_renders_like_the_console() {
        let out = render(
            &[b"cache;desc=\"Cache Read\";dur=23.2, db;dur=53, app;dur=47.2".to_vec()],
            Engine::Spec,
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
        let out = render(&[b"m;desc=d1 d2".to_vec()], Engine::Spec, true, true);
        assert!(out.starts_with("[{\"name\":\"m\",\"duration\":0,\"description\":\"d1\"}]\n"));
        assert!(
            out.contains("bytes 9..12 \" d2\": JunkAfterParamValue"),
            "{out}"
        );
    }
}
