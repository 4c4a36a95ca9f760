//! The SQL functions against the crates they wrap: every row gives what
//! `Engine::parse_value`, the lint and the `Fetch` driver give for the same
//! bytes.

use std::rc::Rc;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BooleanArray, Float64Array, RecordBatch, StringArray,
    StringViewArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use resource_timing::performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use resource_timing::performance_timeline::Performance;
use resource_timing::transcript::{FetchTranscript, Hop};
use resource_timing::{Engine, ExposurePolicy, FetchClient, Request, RequestMode};
use server_timing::engines::lint::lint_lines;
use server_timing_datafusion::functions::server_timing_array;
use url::Url;

mod common;
use common::query;

/// Values from the WPT parsing cases' shapes, CDN headers, and junk.
fn sample_values() -> Vec<Vec<u8>> {
    let mut values: Vec<Vec<u8>> = [
        &b"cdn-cache;desc=HIT, edge;dur=4.2, origin;dur=123.45"[..],
        b"akam;dur=12;desc=hit",
        b"cfRequestDuration;dur=87.000027",
        b"fastly;desc=\"Edge time\";dur=3",
        b"db;dur=53, app;dur=47.2;desc=\"App Time\"",
        b"a;dur=12abc, , b;desc=d1 d2",
        b"metric;dur=1e400",
        b"metric;dur=-0",
        b"m;desc=\"unterminated",
        b";dur=1, x{y};dur=2",
        b"caf\xc3\xa9;desc=\xff\xfe",
        b"\x00\x01\x7f,;;;==\"\\",
        b"",
        b"total;dur=\x0b1",
        b"dup;dur=1, dup;dur=2",
    ]
    .iter()
    .map(|v| v.to_vec())
    .collect();
    // Deterministic noise over the bytes headers are made of.
    let alphabet = b"ab;=,\" \t\\.0123456789e-desc dur\x80\xff";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..300 {
        let mut value = Vec::new();
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let len = (state >> 58) as usize;
        for _ in 0..len {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            value.push(alphabet[(state >> 33) as usize % alphabet.len()]);
        }
        values.push(value);
    }
    values
}

fn context_with(batch: RecordBatch) -> SessionContext {
    let ctx = SessionContext::new();
    server_timing_datafusion::register_functions(&ctx);
    let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap();
    ctx.register_table("log", Arc::new(table)).unwrap();
    ctx
}

/// `values` as a binary column `v` with a null last row and a row id `id`.
fn binary_log(values: &[Vec<u8>]) -> RecordBatch {
    let mut column: Vec<Option<&[u8]>> = values.iter().map(|v| Some(v.as_slice())).collect();
    column.push(None);
    let ids: Vec<i64> = (0..column.len() as i64).collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("v", DataType::Binary, true),
        ])),
        vec![
            Arc::new(datafusion::arrow::array::Int64Array::from(ids)),
            Arc::new(BinaryArray::from(column)),
        ],
    )
    .unwrap()
}

/// The metrics of one list row, as (name, duration bits, description).
fn row_metrics(list: &dyn Array, row: usize) -> Vec<(String, u64, String)> {
    let list = list.as_list::<i32>();
    let metrics = list.value(row);
    let metrics = metrics.as_struct();
    let names = metrics.column(0).as_string::<i32>();
    let durations = metrics.column(1).as_primitive::<Float64Type>();
    let descriptions = metrics.column(2).as_string::<i32>();
    (0..metrics.len())
        .map(|i| {
            (
                names.value(i).to_owned(),
                durations.value(i).to_bits(),
                descriptions.value(i).to_owned(),
            )
        })
        .collect()
}

fn expected_metrics(engine: Engine, value: &[u8]) -> Vec<(String, u64, String)> {
    engine
        .parse_value(value)
        .iter()
        .map(|m| {
            (
                m.name().to_owned(),
                m.duration().to_bits(),
                m.description().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn server_timing_is_the_engines_list_for_every_row() {
    let values = sample_values();
    let ctx = context_with(binary_log(&values));
    for engine in Engine::ALL {
        let sql = format!(
            "SELECT id, server_timing(v, '{}') AS st FROM log ORDER BY id",
            engine.name()
        );
        let batches = query(&ctx, &sql).await;
        let mut row = 0;
        for batch in &batches {
            let lists = batch.column(1);
            for i in 0..batch.num_rows() {
                if row == values.len() {
                    assert!(lists.is_null(i), "a null value gives a null list");
                } else {
                    assert!(lists.is_valid(i));
                    assert_eq!(
                        row_metrics(lists.as_ref(), i),
                        expected_metrics(engine, &values[row]),
                        "{engine:?} on {:?}",
                        String::from_utf8_lossy(&values[row])
                    );
                }
                row += 1;
            }
        }
        assert_eq!(row, values.len() + 1);
    }
}

#[test]
fn the_kernel_reads_every_string_layout_alike() {
    let values = ["db;dur=53", "a;desc=\"x\", b", "caf\u{e9};dur=1"];
    let utf8: ArrayRef = Arc::new(StringArray::from(values.to_vec()));
    let view: ArrayRef = Arc::new(StringViewArray::from(values.to_vec()));
    let binary: ArrayRef = Arc::new(BinaryArray::from(
        values.iter().map(|v| v.as_bytes()).collect::<Vec<_>>(),
    ));
    let a = server_timing_array(&utf8, Engine::Spec).unwrap();
    let b = server_timing_array(&view, Engine::Spec).unwrap();
    let c = server_timing_array(&binary, Engine::Spec).unwrap();
    assert_eq!(a.as_ref(), b.as_ref());
    assert_eq!(a.as_ref(), c.as_ref());
    // UTF-8 text is read as its bytes.
    assert_eq!(
        row_metrics(a.as_ref(), 2),
        expected_metrics(Engine::Spec, "caf\u{e9};dur=1".as_bytes())
    );
    assert_eq!(row_metrics(a.as_ref(), 1).len(), 2);
}

#[tokio::test]
async fn server_timing_duration_is_the_first_metric_of_that_name() {
    let values = sample_values();
    let ctx = context_with(binary_log(&values));
    for engine in Engine::ALL {
        for name in ["dup", "akam", "metric", "origin", "a", "absent"] {
            let sql = format!(
                "SELECT server_timing_duration(v, '{name}', '{}') FROM log ORDER BY id",
                engine.name()
            );
            let batches = query(&ctx, &sql).await;
            let got: Vec<Option<u64>> = batches
                .iter()
                .flat_map(|b| {
                    let d = b.column(0).as_primitive::<Float64Type>().clone();
                    (0..d.len())
                        .map(move |i| d.is_valid(i).then(|| d.value(i).to_bits()))
                        .collect::<Vec<_>>()
                })
                .collect();
            let mut want: Vec<Option<u64>> = values
                .iter()
                .map(|v| {
                    engine
                        .parse_value(v)
                        .iter()
                        .find(|m| m.name() == name)
                        .map(|m| m.duration().to_bits())
                })
                .collect();
            want.push(None);
            assert_eq!(got, want, "{engine:?} {name}");
        }
    }
    let batches = query(
        &ctx,
        "SELECT server_timing_duration('dup;dur=1, dup;dur=2', 'dup') AS d",
    )
    .await;
    let d = batches[0]
        .column(0)
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    assert_eq!(d.value(0), 1.0);
}

#[tokio::test]
async fn an_engine_per_row_and_bad_engine_names() {
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("v", DataType::Utf8, true),
            Field::new("engine", DataType::Utf8, true),
        ])),
        vec![
            Arc::new(StringArray::from(vec![
                Some("m;dur=1e400"),
                Some("m;dur=1e400"),
                Some("m;dur=1e400"),
            ])),
            Arc::new(StringArray::from(vec![
                Some("spec"),
                Some("firefox"),
                Some("netscape"),
            ])),
        ],
    )
    .unwrap();
    let ctx = context_with(batch);
    let batches = query(
        &ctx,
        "SELECT server_timing_duration(v, 'm', engine) FROM log",
    )
    .await;
    let d = batches[0].column(0).as_primitive::<Float64Type>();
    assert_eq!(
        d.value(0),
        Engine::Spec.parse_value(b"m;dur=1e400")[0].duration()
    );
    assert_eq!(
        d.value(1),
        Engine::Firefox.parse_value(b"m;dur=1e400")[0].duration()
    );
    assert!(d.is_null(2), "an unknown engine in a row gives null");
    let error = ctx
        .sql("SELECT server_timing(v, 'netscape') FROM log")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown engine \"netscape\""), "{error}");
    let error = ctx
        .sql("SELECT server_timing(42) FROM log")
        .await
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(error.contains("strings or binaries"), "{error}");
}

#[tokio::test]
async fn unnest_gives_one_row_per_metric() {
    let ctx = SessionContext::new();
    server_timing_datafusion::register_functions(&ctx);
    let batches = query(
        &ctx,
        "SELECT m['name'] AS name, m['duration'] AS duration, m['description'] AS description \
         FROM (SELECT unnest(server_timing('cache;desc=\"Cache Read\";dur=23.2, db;dur=53')) AS m)",
    )
    .await;
    let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    assert!(
        text.contains("| cache | 23.2     | Cache Read  |"),
        "{text}"
    );
    assert!(
        text.contains("| db    | 53.0     |             |"),
        "{text}"
    );
}

/// What the page's entry shows, through the whole pipeline
/// (`mark_resource_timing` into a `Performance`), for one response: whether
/// it carries the metrics, and whether its timings are exposed (a failed
/// TAO check zeroes `requestStart`).
fn entry_sees(engine: Engine, page: &str, url: &str, st: &str, tao: Option<&str>) -> (bool, bool) {
    let page_url = Url::parse(page).unwrap();
    let event_loop = ReferenceEventLoop::new();
    let performance: Rc<Performance<ReferenceEmbedder>> =
        Performance::new(ReferenceEmbedder::new(&event_loop, &page_url));
    let client = FetchClient::for_page(&page_url).with_policy(ExposurePolicy::for_engine(engine));
    let request = Request::new(Url::parse(url).unwrap(), RequestMode::NoCors).initiator_type("img");
    let mut headers = vec![("server-timing", st)];
    headers.extend(tao.map(|t| ("timing-allow-origin", t)));
    let entry = FetchTranscript::new(client, request, 10.0)
        .hop(Hop::new(200, &headers))
        .report(&performance)
        .expect("an entry");
    (
        entry.has_server_timing_attribute() && !entry.server_timing().is_empty(),
        entry.request_start() != 0.0,
    )
}

#[tokio::test]
async fn visibility_is_what_the_pipelines_entry_shows() {
    let pages = [
        "https://shop.example",
        "http://shop.example",
        "http://127.0.0.1:8080",
    ];
    let urls = [
        "https://shop.example/app.js",
        "https://cdn.example.net/lib.js",
        "http://127.0.0.1:8080/x",
    ];
    let taos = [
        None,
        Some("*"),
        Some("https://shop.example"),
        Some("null"),
        Some("https://other.example"),
    ];
    let mut rows: Vec<(String, String, Option<String>)> = Vec::new();
    for page in pages {
        for url in urls {
            for tao in taos {
                rows.push((page.to_owned(), url.to_owned(), tao.map(str::to_owned)));
            }
        }
    }
    let st = "edge;dur=4, origin;dur=120";
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("page", DataType::Utf8, false),
            Field::new("url", DataType::Utf8, false),
            Field::new("tao", DataType::Utf8, true),
        ])),
        vec![
            Arc::new(StringArray::from(
                rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                rows.iter().map(|r| r.2.as_deref()).collect::<Vec<_>>(),
            )),
        ],
    )
    .unwrap();
    let ctx = context_with(batch);
    let mut seen = [0usize; 2];
    for engine in Engine::ALL {
        let sql = format!(
            "SELECT server_timing_visible('{st}', tao, page, url, '{e}'), \
             timing_allow_passes(tao, page, url, '{e}') FROM log",
            e = engine.name()
        );
        let batches = query(&ctx, &sql).await;
        assert_eq!(batches.len(), 1);
        let visible = batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<BooleanArray>()
            .unwrap();
        let passes = batches[0]
            .column(1)
            .as_any()
            .downcast_ref::<BooleanArray>()
            .unwrap();
        for (i, (page, url, tao)) in rows.iter().enumerate() {
            let (want, timings_exposed) = entry_sees(engine, page, url, st, tao.as_deref());
            assert_eq!(visible.value(i), want, "{engine:?} {page} {url} {tao:?}");
            seen[usize::from(want)] += 1;
            assert_eq!(
                passes.value(i),
                timings_exposed,
                "{engine:?} {page} {url} {tao:?}"
            );
        }
    }
    assert!(seen[0] > 0 && seen[1] > 0, "both verdicts occur: {seen:?}");
}

#[tokio::test]
async fn exposure_of_rows_that_describe_no_fetch_is_null() {
    let ctx = SessionContext::new();
    server_timing_datafusion::register_functions(&ctx);
    let batches = query(
        &ctx,
        "SELECT server_timing_visible('a', NULL, 'not a url', 'https://x.example/'), \
                server_timing_visible('a', NULL, 'https://x.example', NULL), \
                server_timing_visible(NULL, NULL, 'https://x.example', 'https://x.example/'), \
                timing_allow_passes(X'0a', 'https://x.example', 'https://y.example/'), \
                timing_allow_passes(NULL, 'https://x.example', 'https://x.example/a')",
    )
    .await;
    let b = &batches[0];
    let get = |i: usize| {
        let a = b.column(i).as_any().downcast_ref::<BooleanArray>().unwrap();
        a.is_valid(0).then(|| a.value(0))
    };
    assert_eq!(get(0), None);
    assert_eq!(get(1), None);
    assert_eq!(
        get(2),
        Some(false),
        "no Server-Timing header: nothing to see"
    );
    assert_eq!(get(3), None, "a LF cannot be in a header value");
    assert_eq!(get(4), Some(true), "same origin needs no TAO");
}

#[tokio::test]
async fn lint_gives_the_verdict_and_the_finding_kinds() {
    let values = sample_values();
    let ctx = context_with(binary_log(&values));
    let batches = query(
        &ctx,
        "SELECT server_timing_lint(v) AS l FROM log ORDER BY id",
    )
    .await;
    let mut row = 0;
    let mut failing = 0;
    for batch in &batches {
        let lint = batch.column(0).as_struct();
        let passes = lint.column(0).as_boolean();
        let clean = lint.column(1).as_boolean();
        let findings = lint.column(2).as_list::<i32>();
        for i in 0..batch.num_rows() {
            if row == values.len() {
                assert!(lint.is_null(i));
            } else {
                let report = lint_lines([values[row].as_slice()]);
                assert_eq!(passes.value(i), report.passes());
                assert_eq!(clean.value(i), report.is_clean());
                let kinds = findings.value(i);
                let kinds = kinds.as_string::<i32>();
                assert!(kinds.len() >= report.recoveries.len());
                for (k, d) in report.recoveries.iter().enumerate() {
                    assert_eq!(kinds.value(k), format!("{:?}", d.kind));
                }
                failing += usize::from(!report.passes());
            }
            row += 1;
        }
    }
    assert!(failing > 0);
    let batches = query(
        &ctx,
        "SELECT server_timing_lint('db;dur=53, cache;desc=Cache Read')['passes'] AS p, \
                array_to_string(server_timing_lint('a;dur=12abc')['findings'], ' ') AS f",
    )
    .await;
    let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    assert!(text.contains("false"), "{text}");
    assert!(text.contains("NonStrictDuration"), "{text}");
}
