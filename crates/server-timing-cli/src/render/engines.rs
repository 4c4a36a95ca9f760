//! Engines named where they differ: what `parse`, `fetch`, `har` and `demo`
//! add after the spec's result when an engine reads or exposes the header
//! otherwise. Engines that agree are named together, each with the browser
//! release its profile was recorded from.

use std::fmt::Write as _;

use server_timing::engines::Engine;
use server_timing::PerformanceServerTiming;

/// The engines compared with the spec, in [`Engine::ALL`]'s order.
pub const BROWSERS: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

/// What a page sees of `serverTiming` under one engine: `None` when the
/// attribute does not exist.
pub type Seen = Option<Vec<PerformanceServerTiming>>;

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

/// [`same_list`], and both without the attribute.
pub fn same_seen(a: &Seen, b: &Seen) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same_list(a, b),
        (None, None) => true,
        _ => false,
    }
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

/// Every engine's result, grouped where they are equal, when at least one
/// is not equal to the spec's; empty when all agree.
pub fn groups_if_any_differs<'a, T>(
    spec: &T,
    engines: &'a [(Engine, T)],
    same: impl Fn(&T, &T) -> bool,
) -> Vec<(Vec<Engine>, &'a T)> {
    if engines.iter().all(|(_, seen)| same(seen, spec)) {
        return Vec::new();
    }
    let mut groups: Vec<(Vec<Engine>, &T)> = Vec::new();
    for (engine, seen) in engines {
        match groups.iter_mut().find(|(_, s)| same(s, seen)) {
            Some((members, _)) => members.push(*engine),
            None => groups.push((vec![*engine], seen)),
        }
    }
    groups
}

/// `{prefix}{i}: PerformanceServerTiming {…}` lines, or `{prefix}[]`.
pub fn console_lines(out: &mut String, prefix: &str, metrics: &[PerformanceServerTiming]) {
    if metrics.is_empty() {
        let _ = writeln!(out, "{prefix}[]");
    }
    for (i, metric) in metrics.iter().enumerate() {
        let _ = writeln!(out, "{prefix}{i}: {metric}");
    }
}

/// What each engine's page sees of `serverTiming`, every line after
/// `prefix`, when one engine sees something other than the spec's page;
/// nothing otherwise.
pub fn seen_lines(out: &mut String, prefix: &str, spec: &Seen, engines: &[(Engine, Seen)]) {
    for (members, seen) in groups_if_any_differs(spec, engines, same_seen) {
        let names = engine_names(&members);
        match seen {
            _ if same_seen(seen, spec) => {
                let _ = writeln!(out, "{prefix}{names}: the same as the spec");
            }
            None => {
                let _ = writeln!(
                    out,
                    "{prefix}{names}: no serverTiming attribute (undefined)"
                );
            }
            Some(metrics) => {
                let verb = if members.len() == 1 { "shows" } else { "show" };
                let _ = writeln!(out, "{prefix}{names} {verb}:");
                console_lines(out, &format!("{prefix}  "), metrics);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(name: &str, duration: f64) -> PerformanceServerTiming {
        PerformanceServerTiming::new(name, duration, "")
    }

    #[test]
    fn nothing_when_every_engine_agrees() {
        let spec: Seen = Some(vec![metric("a", 1.0)]);
        let engines: Vec<(Engine, Seen)> = BROWSERS.map(|e| (e, spec.clone())).to_vec();
        let mut out = String::new();
        seen_lines(&mut out, "", &spec, &engines);
        assert_eq!(out, "");
    }

    #[test]
    fn every_engine_named_when_one_differs() {
        let spec: Seen = Some(vec![]);
        let engines: Vec<(Engine, Seen)> = vec![
            (Engine::Chromium, Some(vec![metric("a", -0.0)])),
            (Engine::Firefox, None),
            (Engine::WebKit, Some(vec![])),
        ];
        let mut out = String::new();
        seen_lines(&mut out, "// ", &spec, &engines);
        assert_eq!(
            out,
            "// chromium (Chromium 156) shows:\n\
             //   0: PerformanceServerTiming {name: \"a\", duration: -0, description: \"\"}\n\
             // firefox (Firefox 153 ESR): no serverTiming attribute (undefined)\n\
             // webkit (WebKitGTK 2.50): the same as the spec\n"
        );
    }
}
