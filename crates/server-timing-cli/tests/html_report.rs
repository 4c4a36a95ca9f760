//! `har --html` and `fetch --html` loaded in real headless Chromium
//! (Debian's `/usr/bin/chromium`; `.ci/run` installs it): the DOM after the
//! page's script ran has one bar per metric of the embedded data, each as
//! wide as its duration on the drawn axis, and a screenshot shows enough
//! drawn pixels (a blank page of the same size does not).

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{run, text};

/// Debian's Chromium (or `CHROMIUM`).
fn chromium() -> String {
    let path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&path).exists(),
        "{path} is missing: apt-get install -y chromium (as .ci/run does)"
    );
    path
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("st-html-{}-{name}", std::process::id()))
}

/// A fresh Chromium profile directory for each run (tests run at once).
fn profile() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    temp(&format!("profile-{n}"))
}

/// Chromium's own flags for a headless run that leaves nothing behind.
fn headless(profile: &Path) -> Vec<String> {
    vec![
        "--headless".into(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--no-first-run".into(),
        "--hide-scrollbars".into(),
        format!("--user-data-dir={}", profile.display()),
    ]
}

/// The DOM after the page's scripts ran.
fn dump_dom(file: &Path) -> String {
    let profile = profile();
    let out = Command::new(chromium())
        .args(headless(&profile))
        .arg("--dump-dom")
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("chromium runs");
    std::fs::remove_dir_all(&profile).ok();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// A screenshot, decoded: (width, height, bytes per pixel, pixel bytes).
fn screenshot(file: &Path) -> (u32, u32, usize, Vec<u8>) {
    let png_path = temp(&format!(
        "{}.png",
        file.file_name().unwrap().to_string_lossy()
    ));
    let profile = profile();
    let out = Command::new(chromium())
        .args(headless(&profile))
        .arg(format!("--screenshot={}", png_path.display()))
        .arg("--window-size=1200,800")
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("chromium runs");
    std::fs::remove_dir_all(&profile).ok();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let decoder = png::Decoder::new(std::fs::File::open(&png_path).expect("a screenshot"));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    std::fs::remove_file(&png_path).ok();
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("a {other:?} screenshot"),
    };
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "{info:?}");
    assert_eq!((info.width, info.height), (1200, 800));
    pixels.truncate(info.buffer_size());
    (info.width, info.height, channels, pixels)
}

/// Pixels that are clearly coloured (not white, not grey text): what bars add.
fn coloured_pixels((_, _, channels, pixels): &(u32, u32, usize, Vec<u8>)) -> usize {
    pixels
        .chunks(*channels)
        .filter(|p| {
            let (max, min) = (p[0].max(p[1]).max(p[2]), p[0].min(p[1]).min(p[2]));
            max - min > 60
        })
        .count()
}

/// The `report-data` JSON of the written page.
fn embedded_data(html: &str) -> serde_json::Value {
    let start = html.find("id=\"report-data\">").expect("the data block") + 17;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("the data is JSON")
}

/// One attribute of an element's start tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(&tag[at..at + tag[at..].find('"')?])
}

/// The start tags of the DOM's `<rect class="bar metric ...">`.
fn metric_bars(dom: &str) -> Vec<&str> {
    dom.match_indices("<rect class=\"bar metric")
        .map(|(at, _)| &dom[at..at + dom[at..].find('>').unwrap()])
        .collect()
}

/// A HAR with timings: a document, a cross-origin script with TAO, one
/// without (hidden), and a redirect chain, each with Server-Timing.
fn har_with_timings() -> String {
    let entry = |url: &str, started: &str, st: &str, extra: &str, wait: f64| {
        format!(
            r#"{{"pageref":"p","startedDateTime":"{started}","time":1,"request":{{"method":"GET","url":"{url}","headers":[]}},"response":{{"status":200,"headers":[{{"name":"server-timing","value":"{st}"}}{extra}],"redirectURL":""}},"timings":{{"blocked":2,"dns":3,"connect":8,"ssl":4,"send":0.5,"wait":{wait},"receive":6}}}}"#
        )
    };
    let tao = r#",{"name":"timing-allow-origin","value":"*"}"#;
    let entries = [
        entry(
            "https://shop.example/",
            "2026-11-24T10:00:00.000Z",
            "app;dur=40, db;dur=25;desc=\\\"query\\\"",
            "",
            45.0,
        ),
        entry(
            "https://cdn.example/app.js",
            "2026-11-24T10:00:00.080Z",
            "edge;dur=3, origin;dur=20",
            tao,
            24.0,
        ),
        entry(
            "https://cdn.example/hidden.js",
            "2026-11-24T10:00:00.090Z",
            "edge;dur=2",
            "",
            5.0,
        ),
        entry(
            "https://shop.example/api",
            "2026-11-24T10:00:00.120Z",
            "db;dur=12, , cache;dur=1",
            "",
            15.0,
        ),
    ];
    format!(
        r#"{{"log":{{"version":"1.2","pages":[{{"id":"p","title":"https://shop.example/"}}],"entries":[{}]}}}}"#,
        entries.join(",")
    )
}

#[test]
fn har_html_draws_every_metric_as_wide_as_its_duration() {
    let har = temp("timings.har");
    std::fs::write(&har, har_with_timings()).unwrap();
    let html_path = temp("har.html");
    let out = run(&[
        "har",
        "--html",
        html_path.to_str().unwrap(),
        har.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&html_path).unwrap();
    // Self-contained: nothing is loaded from anywhere.
    for outside in ["src=", "href=", "@import", "url("] {
        assert!(!html.contains(outside), "{outside} in the page");
    }
    let data = embedded_data(&html);
    let resources = data["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 4);
    assert_eq!(resources[2]["visible"], false);

    let dom = dump_dom(&html_path);
    // The inline script ran: it counted the bars and built the table.
    let spec_metrics: usize = resources
        .iter()
        .map(|r| r["metrics"].as_array().unwrap().len())
        .sum();
    assert_eq!(spec_metrics, 7);
    assert!(
        dom.contains(&format!("data-metric-bars=\"{spec_metrics}\"")),
        "the page's script did not run"
    );
    assert_eq!(
        dom.matches("<tr class=\"visible\">").count()
            + dom.matches("<tr class=\"hidden\">").count(),
        spec_metrics
    );
    let bars = metric_bars(&dom);
    let engine_metrics: usize = resources
        .iter()
        .flat_map(|r| r["engines"].as_array().unwrap())
        .map(|g| g["metrics"].as_array().unwrap().len())
        .sum();
    assert_eq!(bars.len(), spec_metrics + engine_metrics);
    assert_eq!(
        bars.iter().filter(|b| b.contains("metric hidden")).count(),
        1,
        "the one hidden metric"
    );
    // Widths: duration / axis end * plot width, in the order of the data.
    let svg_at = dom.find("<svg id=\"waterfall\"").unwrap();
    let svg = &dom[svg_at..svg_at + dom[svg_at..].find('>').unwrap()];
    let axis_end: f64 = attr(svg, "data-axis-end").unwrap().parse().unwrap();
    let plot_width: f64 = attr(svg, "data-plot-width").unwrap().parse().unwrap();
    // The axis runs to the longest bar: the last entry's phases end at
    // 120 + 34.5 ms (HAR's connect includes ssl).
    assert!((axis_end - 154.5).abs() < 1e-6, "{axis_end}");
    let mut expected = Vec::new();
    for resource in resources {
        for metric in resource["metrics"].as_array().unwrap() {
            expected.push(metric.clone());
        }
        for group in resource["engines"].as_array().unwrap() {
            for metric in group["metrics"].as_array().unwrap() {
                expected.push(metric.clone());
            }
        }
    }
    for (bar, metric) in bars.iter().zip(&expected) {
        assert_eq!(attr(bar, "data-name"), metric["name"].as_str(), "{bar}");
        let duration = metric["duration"].as_f64().unwrap();
        let width: f64 = attr(bar, "width").unwrap().parse().unwrap();
        let want = (duration / axis_end * plot_width).max(1.0);
        assert!((width - want).abs() < 0.02, "{bar}: {width} vs {want}");
    }
    // Engines are named where they differ: the stray comma of the last entry.
    assert!(dom.contains("chromium (Chromium 156), webkit (WebKitGTK 2.50): visible; show:"));
    // Each phase of the document, as DevTools names them.
    for phase in [
        "Queueing and stalled",
        "DNS lookup",
        "Initial connection",
        "SSL",
        "Request sent",
        "Waiting (TTFB)",
        "Content download",
    ] {
        assert!(dom.contains(&format!("data-phase=\"{phase}\"")), "{phase}");
    }

    // The picture: bars make coloured pixels; the same page without its
    // waterfall makes almost none.
    let drawn = coloured_pixels(&screenshot(&html_path));
    let blank_path = temp("blank.html");
    let start = html.find("<svg").unwrap();
    let end = html.find("</svg>").unwrap() + 6;
    let legend = html.find("<p class=\"legend\">").unwrap();
    let legend_end = legend + html[legend..].find("</p>").unwrap() + 4;
    let blank = format!(
        "{}{}{}",
        &html[..legend],
        &html[legend_end..start],
        &html[end..]
    );
    std::fs::write(&blank_path, blank).unwrap();
    let undrawn = coloured_pixels(&screenshot(&blank_path));
    assert!(drawn > 5000, "only {drawn} coloured pixels drawn");
    assert!(
        undrawn < 500,
        "{undrawn} coloured pixels without a waterfall"
    );
    for path in [&har, &html_path, &blank_path] {
        std::fs::remove_file(path).ok();
    }
}

#[test]
fn a_clipped_bar_is_marked() {
    let har = temp("clipped.har");
    let body = har_with_timings().replace("edge;dur=3", "edge;dur=1e9");
    std::fs::write(&har, body).unwrap();
    let html_path = temp("clipped.html");
    let out = run(&[
        "har",
        "--engine",
        "spec",
        "--html",
        html_path.to_str().unwrap(),
        har.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dom = dump_dom(&html_path);
    let bars = metric_bars(&dom);
    let clipped: Vec<&&str> = bars.iter().filter(|b| b.contains("clipped")).collect();
    assert_eq!(clipped.len(), 1, "{bars:?}");
    assert_eq!(attr(clipped[0], "data-name"), Some("edge"));
    assert!(dom.contains("class=\"clip-mark\""));
    std::fs::remove_file(&har).ok();
    std::fs::remove_file(&html_path).ok();
}
