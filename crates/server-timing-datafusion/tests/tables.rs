//! Tables: HAR files streamed, Parquet/CSV/NDJSON through DataFusion's
//! readers, and the generated log.

use std::io::Write;
use std::path::Path;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::{SessionConfig, SessionContext};
use server_timing_datafusion::loggen::{log_batch, write_log};
use server_timing_datafusion::register_functions;
use server_timing_datafusion::tables::register_table;

mod common;
use common::{query, scratch};

fn context(batch_size: usize) -> SessionContext {
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_batch_size(batch_size));
    register_functions(&ctx);
    ctx
}

async fn query_error(ctx: &SessionContext, sql: &str) -> String {
    match ctx.sql(sql).await {
        Err(e) => e.to_string(),
        Ok(df) => df.collect().await.expect_err("the query fails").to_string(),
    }
}

fn count(batches: &[RecordBatch]) -> i64 {
    batches[0].column(0).as_primitive::<Int64Type>().value(0)
}

/// A HAR with `entries` entries: the page first, then resources of two
/// origins, every third with a Server-Timing header, some with TAO.
fn write_har(path: &Path, entries: usize, pages_first: bool) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let pages = r#""pages": [{"id": "page_1", "title": "https://shop.example/", "startedDateTime": "2026-01-01T00:00:00Z"}]"#;
    write!(out, "{{\"log\": {{\"version\": \"1.2\", \"creator\": {{\"name\": \"test\", \"version\": \"1\"}}, ").unwrap();
    if pages_first {
        write!(out, "{pages}, ").unwrap();
    }
    write!(out, "\"entries\": [").unwrap();
    for i in 0..entries {
        if i > 0 {
            write!(out, ",").unwrap();
        }
        let url = match i {
            0 => "https://shop.example/".to_owned(),
            _ if i % 2 == 0 => format!("https://shop.example/a{i}.js"),
            _ => format!("https://cdn.example.net/b{i}.png"),
        };
        let mut headers = vec![r#"{"name": "Content-Type", "value": "text/html"}"#.to_owned()];
        if i % 3 == 0 {
            headers.push(format!(
                r#"{{"name": "Server-Timing", "value": "edge;dur={i}"}}"#
            ));
            headers.push(
                r#"{"name": "server-timing", "value": "origin;dur=7;desc=\"o\""}"#.to_owned(),
            );
        }
        if i % 5 == 0 {
            headers.push(r#"{"name": "Timing-Allow-Origin", "value": "*"}"#.to_owned());
        }
        write!(
            out,
            r#"{{"pageref": "page_1", "startedDateTime": "2026-01-01T00:00:01Z", "time": 12.5,
               "request": {{"method": "GET", "url": "{url}", "headers": [{{"name": "Accept", "value": "*/*"}}]}},
               "response": {{"status": 200, "headers": [{}]}},
               "timings": {{"blocked": -1, "dns": 1, "connect": 2, "send": 0.5, "wait": 7, "receive": 2, "ssl": 1}}}}"#,
            headers.join(",")
        )
        .unwrap();
    }
    write!(out, "]").unwrap();
    if !pages_first {
        write!(out, ", {pages}").unwrap();
    }
    write!(out, "}}}}").unwrap();
}

#[tokio::test]
async fn a_har_is_one_row_per_entry_streamed_in_batches() {
    let dir = scratch("har");
    let path = dir.join("page.har");
    write_har(&path, 1000, true);
    let ctx = context(64);
    register_table(&ctx, "har", &path).await.unwrap();
    let batches = query(&ctx, "SELECT * FROM har").await;
    assert!(
        batches.len() >= 1000 / 64,
        "streamed in batches: {}",
        batches.len()
    );
    assert!(batches.iter().all(|b| b.num_rows() <= 64));
    assert_eq!(
        batches.iter().map(RecordBatch::num_rows).sum::<usize>(),
        1000
    );
    let batches = query(
        &ctx,
        "SELECT count(*) FROM har WHERE server_timing IS NOT NULL",
    )
    .await;
    assert_eq!(count(&batches), 334);
    // Both Server-Timing lines, combined as Fetch's get does.
    let batches = query(
        &ctx,
        "SELECT page, url, status, server_timing, timing_allow_origin, timings['wait'] AS wait, \
                cardinality(response_headers) AS headers \
         FROM har WHERE url = 'https://shop.example/'",
    )
    .await;
    let text = pretty_format_batches(&batches).unwrap().to_string();
    for piece in [
        "| https://shop.example/ | https://shop.example/ | 200 ",
        "| edge;dur=0, origin;dur=7;desc=\"o\" |",
        "| * ",
        "| 7.0 ",
        "| 4 ",
    ] {
        assert!(text.contains(piece), "{piece} in {text}");
    }
    // What the page would see of each entry, by engine.
    let batches = query(
        &ctx,
        "SELECT count(*) FROM har \
         WHERE server_timing_visible(server_timing, timing_allow_origin, page, url)",
    )
    .await;
    // Same-origin entries (even i) with a header, plus cross-origin ones with TAO (i % 15 == 0, odd).
    let want = (0..1000)
        .filter(|i| i % 3 == 0 && (i % 2 == 0 || i % 5 == 0))
        .count();
    assert_eq!(count(&batches) as usize, want);
    // A LIMIT stops reading early and still answers.
    let batches = query(&ctx, "SELECT url FROM har LIMIT 3").await;
    assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 3);
}

#[tokio::test]
async fn pages_after_entries_fall_back_to_the_first_entry_url() {
    let dir = scratch("har-late-pages");
    let path = dir.join("late.har");
    write_har(&path, 10, false);
    let ctx = context(8192);
    register_table(&ctx, "har", &path).await.unwrap();
    let batches = query(&ctx, "SELECT DISTINCT page FROM har").await;
    let page = batches[0].column(0).as_string::<i32>();
    assert_eq!(page.len(), 1);
    assert_eq!(page.value(0), "https://shop.example/");
}

#[tokio::test]
async fn lone_surrogate_escapes_are_replacement_characters_not_errors() {
    // A HAR whose writer emitted UTF-16 code units alone (not valid JSON):
    // the table reads them as U+FFFD, as `server-timing har` does, and the
    // pair beside them stays one character. A byte order mark is skipped.
    let dir = scratch("har-surrogates");
    let path = dir.join("lone.har");
    std::fs::write(
        &path,
        "\u{FEFF}{\"log\": {\"entries\": [\
         {\"request\": {\"url\": \"https://a.example/\\ud800x\"}, \"response\": {\"status\": 200, \"headers\": [\
           {\"name\": \"Server-Timing\", \"value\": \"db;dur=5;desc=\\\"\\udc00\\ud83d\\ude00\\\"\"}]}}]}}",
    )
    .unwrap();
    let ctx = context(8192);
    register_table(&ctx, "har", &path).await.unwrap();
    let batches = query(
        &ctx,
        "SELECT url, server_timing, server_timing_duration(server_timing, 'db') AS db FROM har",
    )
    .await;
    let batch = &batches[0];
    assert_eq!(batch.num_rows(), 1);
    assert_eq!(
        batch.column(0).as_string::<i32>().value(0),
        "https://a.example/\u{FFFD}x"
    );
    assert_eq!(
        batch.column(1).as_string::<i32>().value(0),
        "db;dur=5;desc=\"\u{FFFD}\u{1F600}\""
    );
    assert_eq!(
        batch
            .column(2)
            .as_primitive::<datafusion::arrow::datatypes::Float64Type>()
            .value(0),
        5.0
    );
}

#[tokio::test]
async fn a_file_that_is_not_a_har_fails_with_its_name() {
    let dir = scratch("not-har");
    let ctx = context(8192);
    // Not JSON at all: refused when the table is registered.
    let csv = dir.join("log.har");
    std::fs::write(&csv, "page,url\nhttps://a.example,https://a.example/x\n").unwrap();
    let error = register_table(&ctx, "t1", &csv)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&csv.display().to_string()) && error.contains("not a HAR file"),
        "{error}"
    );
    // A missing file.
    let missing = dir.join("missing.har");
    let error = register_table(&ctx, "t2", &missing)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains(&missing.display().to_string()), "{error}");
    // A JSONP-wrapped HAR: refused when registered, with the wrapper's name.
    let jsonp = dir.join("wrapped.har");
    std::fs::write(&jsonp, r#"onInputData({"log": {"entries": []}});"#).unwrap();
    let error = register_table(&ctx, "t3", &jsonp)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&jsonp.display().to_string())
            && error.contains("is a JSONP-wrapped HAR (onInputData(...))"),
        "{error}"
    );
    // JSON, but not a HAR; and a truncated HAR: the query fails, naming the file.
    for (name, text, why) in [
        ("object.har", r#"{"name": "x"}"#, "no log.entries"),
        (
            "array.har",
            r#"{"log": {"entries": {"a": 1}}}"#,
            "not a valid HAR file",
        ),
        (
            "cut.har",
            r#"{"log": {"entries": [{"request": {"url": "https://a.example/"}}, {"req"#,
            "not a valid HAR file",
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let table = name.replace('.', "_");
        register_table(&ctx, &table, &path).await.unwrap();
        let error = query_error(&ctx, &format!("SELECT count(*) FROM {table}")).await;
        assert!(
            error.contains(&path.display().to_string()) && error.contains(why),
            "{name}: {error}"
        );
    }
    // Odd entries are rows with nulls, not errors.
    let odd = dir.join("odd.har");
    std::fs::write(&odd, r#"{"log": {"entries": [7, {"request": {"url": 5}, "response": {"status": "200", "headers": "x"}}]}}"#).unwrap();
    register_table(&ctx, "odd", &odd).await.unwrap();
    let batches = query(
        &ctx,
        "SELECT count(*) FROM odd WHERE url IS NULL AND status IS NULL",
    )
    .await;
    assert_eq!(count(&batches), 2);
}

#[tokio::test]
async fn parquet_csv_and_ndjson_logs_give_the_same_answers() {
    let dir = scratch("formats");
    let parquet = write_log(&dir.join("parquet"), 3000, 2, 7).unwrap();
    assert_eq!(parquet.len(), 2);
    let batch = log_batch(7, 0, 3000).unwrap();
    // The same rows as CSV and NDJSON, written by DataFusion itself.
    let ctx = context(8192);
    register_table(&ctx, "log", &dir.join("parquet"))
        .await
        .unwrap();
    for (ext, sql) in [
        ("csv", "COPY (SELECT * FROM log) TO '{}' STORED AS CSV"),
        ("ndjson", "COPY (SELECT * FROM log) TO '{}' STORED AS JSON"),
    ] {
        let path = dir.join(format!("log.{ext}"));
        query(&ctx, &sql.replace("{}", path.to_str().unwrap())).await;
    }
    register_table(&ctx, "csv_log", &dir.join("log.csv"))
        .await
        .unwrap();
    register_table(&ctx, "json_log", &dir.join("log.ndjson"))
        .await
        .unwrap();
    let sql = "SELECT cdn, count(*) AS n, \
                      sum(CASE WHEN server_timing_visible(server_timing, timing_allow_origin, page, url) THEN 1 ELSE 0 END) AS visible, \
                      round(sum(server_timing_duration(server_timing, 'cfRequestDuration')), 3) AS cf \
               FROM {} GROUP BY cdn ORDER BY cdn";
    let mut answers = Vec::new();
    for table in ["log", "csv_log", "json_log"] {
        let batches = query(&ctx, &sql.replace("{}", table)).await;
        answers.push(pretty_format_batches(&batches).unwrap().to_string());
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
    assert!(answers[0].contains("cloudflare"), "{}", answers[0]);
    let total: usize = batch.num_rows();
    let batches = query(&ctx, "SELECT count(*) FROM log").await;
    assert_eq!(count(&batches) as usize, total);
}

#[test]
fn the_generator_is_deterministic_and_split_independent() {
    let whole = log_batch(3, 0, 500).unwrap();
    let head = log_batch(3, 0, 200).unwrap();
    let tail = log_batch(3, 200, 300).unwrap();
    assert_eq!(whole.slice(0, 200), head);
    assert_eq!(whole.slice(200, 300), tail);
    assert_ne!(log_batch(4, 0, 500).unwrap(), whole);
    // Every shape occurs, and some rows have no header.
    let cdn = whole.column_by_name("cdn").unwrap().as_string::<i32>();
    for shape in [
        "akamai",
        "cloudflare",
        "fastly",
        "rails",
        "malformed",
        "none",
    ] {
        assert!((0..cdn.len()).any(|i| cdn.value(i) == shape), "{shape}");
    }
    let st = whole.column_by_name("server_timing").unwrap();
    assert!(st.null_count() > 0 && st.null_count() < 100);
}
