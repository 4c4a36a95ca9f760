//! `har` streaming (issue 10): a HAR of about 100 MB, written to a temporary
//! file in the setup, read through `server_timing_cli::har::read_har` with
//! every entry rendered as `server-timing har` prints it. Throughput is in
//! bytes of HAR, so criterion reports MB/s; memory must stay bounded by one
//! entry and the open redirect chains, so the peak RSS (`VmHWM`) is printed
//! before and after.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::io::Write as _;
use std::path::PathBuf;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use server_timing::engines::Engine;
use server_timing_cli::har::{read_har, HarOptions};

/// Entries in the generated file (about 1 KB each, as DevTools writes them).
const ENTRIES: usize = 100_000;

/// One entry with the shapes a real page has: same- and cross-origin
/// subresources, Timing-Allow-Origin on some, a redirect every 50 entries,
/// request and response headers, timings and an empty content.
fn entry(i: usize, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let cross = i % 3 == 0;
    let host = if cross { "cdn.example" } else { "shop.example" };
    let tao = if i % 2 == 0 {
        r#",{"name":"timing-allow-origin","value":"*"}"#
    } else {
        ""
    };
    let (status, redirect, url) = if i % 50 == 1 {
        (
            302,
            format!("https://{host}/asset/{}.js", i + 1),
            format!("https://{host}/r/{i}"),
        )
    } else if i % 50 == 2 {
        (200, String::new(), format!("https://{host}/asset/{i}.js"))
    } else {
        (
            200,
            String::new(),
            format!("https://{host}/asset/{i}.js?v=1"),
        )
    };
    write!(
        out,
        r#"{{"pageref":"page_1","startedDateTime":"2026-11-24T00:00:00.000Z","time":12.5,"request":{{"method":"GET","url":"{url}","httpVersion":"h2","headers":[{{"name":"accept","value":"*/*"}},{{"name":"user-agent","value":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"}},{{"name":"referer","value":"https://shop.example/"}}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0}},"response":{{"status":{status},"statusText":"","httpVersion":"h2","headers":[{{"name":"content-type","value":"text/javascript"}},{{"name":"cache-control","value":"max-age=31536000"}},{{"name":"server-timing","value":"cdn-cache;desc=HIT, edge;dur={}, origin;dur=12.5;desc=\"app server\""}}{tao}],"cookies":[],"content":{{"size":4096,"mimeType":"text/javascript"}},"redirectURL":"{redirect}","headersSize":-1,"bodySize":1024,"_transferSize":1300}},"cache":{{}},"timings":{{"blocked":0.5,"dns":-1,"ssl":-1,"connect":-1,"send":0.1,"wait":10.2,"receive":1.7}}}}"#,
        i % 7
    )
}

/// Writes the HAR to a temporary file and returns its path and size.
fn generate() -> (PathBuf, u64) {
    let path = std::env::temp_dir().join(format!("har-stream-bench-{}.har", std::process::id()));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("a temporary file"));
    out.write_all(br#"{"log":{"version":"1.2","creator":{"name":"bench","version":"1"},"pages":[{"id":"page_1","title":"https://shop.example/","startedDateTime":"2026-11-24T00:00:00.000Z","pageTimings":{}}],"entries":["#)
        .unwrap();
    for i in 0..ENTRIES {
        if i > 0 {
            out.write_all(b",").unwrap();
        }
        entry(i, &mut out).unwrap();
    }
    out.write_all(b"]}}").unwrap();
    out.flush().unwrap();
    drop(out);
    let size = std::fs::metadata(&path).unwrap().len();
    (path, size)
}

/// Peak resident set size, from `/proc/self/status` (Linux only).
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Reads the file once, rendering every entry as text; returns the bytes printed.
fn read_once(path: &PathBuf, options: &HarOptions) -> usize {
    let file = std::fs::File::open(path).unwrap();
    let mut printed = 0;
    let outcome = read_har(file, options, |report| {
        printed += black_box(report.to_text()).len();
        Ok(())
    })
    .expect("the generated HAR reads");
    assert_eq!(outcome.summary.entries, ENTRIES);
    printed
}

fn har_stream(c: &mut Criterion) {
    let (path, size) = generate();
    eprintln!(
        "har-stream: {} MB, {ENTRIES} entries; peak RSS after writing it: {}",
        size / 1_000_000,
        peak_rss()
    );
    let mut group = c.benchmark_group("har-stream");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(size));
    let cases = [
        (
            "spec",
            HarOptions {
                engine: Some(Engine::Spec),
                ..HarOptions::default()
            },
        ),
        ("every-engine", HarOptions::default()),
    ];
    for (name, options) in &cases {
        let printed = read_once(&path, options);
        eprintln!(
            "har-stream/{name}: {} MB printed; peak RSS so far: {}",
            printed / 1_000_000,
            peak_rss()
        );
        group.bench_function(*name, |b| b.iter(|| read_once(&path, options)));
    }
    group.finish();
    eprintln!("har-stream: peak RSS at the end: {}", peak_rss());
    std::fs::remove_file(&path).ok();
}

criterion_group!(benches, har_stream);
criterion_main!(benches);
