//! A deterministic generator of CDN-style access logs with the
//! `Server-Timing` and `Timing-Allow-Origin` values seen on the web, written
//! to Parquet at any size.
//!
//! Row `i` depends only on the seed and `i`, so a log is the same however it
//! is split into files or batches. Header shapes: Akamai
//! (`akam;dur=..;desc=hit`, `cdn-cache;desc=HIT, edge;dur=..`), Cloudflare
//! (`cfRequestDuration;dur=..`, `cfL4;desc="?proto=TCP&rtt=.."`), Fastly
//! (`fastly;desc=..`), CloudFront (`cdn-upstream-layer;desc=..`), frameworks
//! (Rails, Django, Laravel, ASP.NET, Next.js) and APM tools (Datadog, New
//! Relic, Sentry traces), with the malformed values servers send
//! (`dur=12ms`, unquoted descriptions with spaces, non-ASCII bytes).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int32Builder, Int64Builder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::Result;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;

/// The columns of a generated log.
///
/// `ts` (ms since the epoch), `page` (the page's origin), `url` (the
/// resource), `status`, `cdn` (which shape the headers have), `bytes`,
/// `server_timing` and `timing_allow_origin` (null when the response had
/// no such header).
pub fn log_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("ts", DataType::Int64, false),
        Field::new("page", DataType::Utf8, false),
        Field::new("url", DataType::Utf8, false),
        Field::new("status", DataType::Int32, false),
        Field::new("cdn", DataType::Utf8, false),
        Field::new("bytes", DataType::Int64, false),
        Field::new("server_timing", DataType::Utf8, true),
        Field::new("timing_allow_origin", DataType::Utf8, true),
    ]))
}

/// SplitMix64: a good 64-bit mix, so row `i`'s numbers come from `(seed, i)` alone.
struct Rng(u64);

impl Rng {
    fn for_row(seed: u64, row: u64) -> Self {
        Rng(seed ^ row.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// True with probability `percent`%.
    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    /// A duration in ms: log-normal-ish around `median`, with 3 decimals.
    fn duration(&mut self, median: f64) -> f64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let v = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        // Sum of two uniforms: a triangular spread on the log scale.
        let factor = ((u + v - 1.0) * 2.5).exp();
        (median * factor * 1000.0).round() / 1000.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const SITES: [&str; 8] = [
    "https://www.shop.example",
    "https://news.example.com",
    "https://app.saas.example",
    "https://blog.example.org",
    "https://m.travel.example",
    "http://legacy.example.net",
    "http://intranet.example",
    "http://localhost:3000",
];

const THIRD_PARTIES: [&str; 6] = [
    "https://cdn.jsdelivr.example",
    "https://static.cloudflare.example",
    "https://fonts.gstatic.example",
    "https://img.akamaized.example",
    "https://global.fastly.example",
    "https://api.analytics.example",
];

const PATHS: [&str; 8] = [
    "/",
    "/app.js",
    "/styles.css",
    "/img/hero.webp",
    "/api/cart",
    "/fonts/inter.woff2",
    "/v1/collect",
    "/index.html",
];

/// One row's values.
struct Row {
    page: &'static str,
    url: String,
    status: i32,
    cdn: &'static str,
    bytes: i64,
    server_timing: Option<String>,
    timing_allow_origin: Option<String>,
}

fn row(seed: u64, i: u64) -> Row {
    let mut rng = Rng::for_row(seed, i);
    // Most traffic is to secure sites; a few pages are plain http.
    let page = SITES[if rng.percent(90) {
        rng.below(5)
    } else {
        5 + rng.below(3)
    } as usize];
    let same_origin = rng.percent(45);
    let origin = if same_origin {
        page
    } else {
        THIRD_PARTIES[rng.below(THIRD_PARTIES.len() as u64) as usize]
    };
    let url = format!("{origin}{}?v={}", rng.pick(&PATHS), rng.below(50));
    let status = match rng.below(100) {
        0..=89 => 200,
        90..=94 => 304,
        95..=97 => 404,
        _ => 503,
    };
    let (cdn, server_timing) = server_timing(&mut rng);
    let timing_allow_origin = match rng.below(100) {
        0..=54 => None,
        55..=84 => Some("*".to_owned()),
        85..=92 => Some(page.to_owned()),
        93..=95 => Some(format!("{page}, https://partner.example")),
        96..=97 => Some("https://other.example".to_owned()),
        _ => Some("null".to_owned()),
    };
    Row {
        page,
        url,
        status,
        cdn,
        bytes: 200 + rng.below(2_000_000) as i64,
        server_timing,
        timing_allow_origin,
    }
}

/// A `Server-Timing` value of one of the shapes servers send.
fn server_timing(rng: &mut Rng) -> (&'static str, Option<String>) {
    let hit = rng.percent(80);
    let value = match rng.below(100) {
        0..=19 => (
            "akamai",
            if rng.percent(50) {
                format!(
                    "akam;dur={};desc={}",
                    rng.below(40),
                    if hit { "hit" } else { "miss" }
                )
            } else {
                format!(
                    "cdn-cache; desc={}, edge; dur={}, origin; dur={}",
                    if hit { "HIT" } else { "MISS" },
                    rng.below(30) + 1,
                    if hit { 0 } else { rng.below(400) + 20 }
                )
            },
        ),
        20..=39 => (
            "cloudflare",
            if rng.percent(60) {
                format!("cfRequestDuration;dur={:.6}", rng.duration(45.0))
            } else {
                format!(
                    "cfL4;desc=\"?proto=TCP&rtt={}&min_rtt={}&rtt_var={}&sent=6&recv=7\", cfRequestDuration;dur={:.6}",
                    rng.below(90_000),
                    rng.below(40_000),
                    rng.below(20_000),
                    rng.duration(45.0)
                )
            },
        ),
        40..=54 => (
            "fastly",
            format!(
                "fastly;desc={}, time-start-msec;dur={}, time-elapsed;dur={}",
                rng.pick(&["HIT", "MISS", "PASS", "\"HIT-STALE\""]),
                1_700_000_000_000u64 + rng.below(10_000_000),
                rng.below(120)
            ),
        ),
        55..=62 => (
            "cloudfront",
            format!(
                "cdn-upstream-layer;desc=\"EDGE\",cdn-upstream-dns;dur=0,cdn-upstream-connect;dur={},cdn-upstream-fbl;dur={},cdn-cache-{},cdn-pop;desc=\"{}\"",
                rng.below(80),
                rng.duration(120.0),
                if hit { "hit" } else { "miss" },
                rng.pick(&["IAD89-C1", "FRA56-P3", "NRT57-C2"])
            ),
        ),
        63..=70 => (
            "rails",
            format!(
                "sql.active_record;dur={:.2}, render_template.action_view;dur={:.2}, process_action.action_controller;dur={:.2}",
                rng.duration(12.0),
                rng.duration(30.0),
                rng.duration(60.0)
            ),
        ),
        71..=76 => (
            "django",
            format!(
                "db;dur={:.1};desc=\"Database\", app;dur={:.1};desc=\"View\"",
                rng.duration(20.0),
                rng.duration(50.0)
            ),
        ),
        77..=80 => (
            "laravel",
            format!(
                "Bootstrap;dur={:.2};desc=\"Bootstrap\", App;dur={:.2};desc=\"Application\", Total;dur={:.2};desc=\"Total\"",
                rng.duration(8.0),
                rng.duration(40.0),
                rng.duration(55.0)
            ),
        ),
        81..=84 => ("nextjs", format!("edge;dur={}, render;dur={:.3}", rng.below(10), rng.duration(90.0))),
        85..=88 => (
            "apm",
            match rng.below(3) {
                0 => format!("dd;dur={:.3};desc=\"datadog trace\"", rng.duration(70.0)),
                1 => format!("newrelic;desc=\"{:016x}\", total;dur={}", rng.next(), rng.below(300)),
                _ => format!("sentry-trace;desc=\"{:032x}-{:016x}-1\"", rng.next(), rng.next()),
            },
        ),
        89..=93 => (
            "malformed",
            match rng.below(5) {
                0 => format!("total;dur={}ms", rng.below(500)),
                1 => "cache;desc=Cache Read;dur=23.2".to_owned(),
                2 => format!("db;dur={};", rng.below(80)),
                3 => "caf\u{e9};desc=\"r\u{e9}sum\u{e9}\";dur=1".to_owned(),
                _ => format!("app dur={}, , ;desc=x", rng.below(80)),
            },
        ),
        _ => return ("none", None),
    };
    (value.0, Some(value.1))
}

/// The rows `start..start + len` of the log with `seed`, as one batch.
pub fn log_batch(seed: u64, start: u64, len: usize) -> Result<RecordBatch> {
    let mut ts = Int64Builder::with_capacity(len);
    let mut page = StringBuilder::with_capacity(len, len * 24);
    let mut url = StringBuilder::with_capacity(len, len * 48);
    let mut status = Int32Builder::with_capacity(len);
    let mut cdn = StringBuilder::with_capacity(len, len * 8);
    let mut bytes = Int64Builder::with_capacity(len);
    let mut st = StringBuilder::with_capacity(len, len * 64);
    let mut tao = StringBuilder::with_capacity(len, len * 8);
    for i in start..start + len as u64 {
        let r = row(seed, i);
        ts.append_value(1_750_000_000_000 + i as i64 * 7);
        page.append_value(r.page);
        url.append_value(&r.url);
        status.append_value(r.status);
        cdn.append_value(r.cdn);
        bytes.append_value(r.bytes);
        st.append_option(r.server_timing);
        tao.append_option(r.timing_allow_origin);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ts.finish()),
        Arc::new(page.finish()),
        Arc::new(url.finish()),
        Arc::new(status.finish()),
        Arc::new(cdn.finish()),
        Arc::new(bytes.finish()),
        Arc::new(st.finish()),
        Arc::new(tao.finish()),
    ];
    Ok(RecordBatch::try_new(log_schema(), columns)?)
}

/// Rows per generated batch (and Parquet row group granularity).
const BATCH_ROWS: usize = 8192;

/// Writes `rows` rows of the log with `seed` to `files` Parquet files
/// `part-N.parquet` in `dir` (created if needed), a batch at a time, so
/// memory stays bounded whatever `rows` is. Returns the files' paths.
pub fn write_log(
    dir: &Path,
    rows: u64,
    files: usize,
    seed: u64,
) -> Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let files = files.max(1) as u64;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(256 * 1024))
        .build();
    let mut paths = Vec::new();
    for file in 0..files {
        let start = rows * file / files;
        let end = rows * (file + 1) / files;
        let path = dir.join(format!("part-{file}.parquet"));
        let mut writer =
            ArrowWriter::try_new(File::create(&path)?, log_schema(), Some(props.clone()))?;
        let mut at = start;
        while at < end {
            let len = (end - at).min(BATCH_ROWS as u64) as usize;
            writer.write(&log_batch(seed, at, len)?)?;
            at += len as u64;
        }
        writer.close()?;
        paths.push(path);
    }
    Ok(paths)
}
