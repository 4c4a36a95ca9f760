//! Speed of the analytics path: the `server_timing` kernel over a 10^6-row
//! batch against the plain parser on the same bytes, and one query over a
//! generated Parquet log, locally and on a two-executor Ballista cluster.
//!
//! `ANALYTICS_ROWS` sets the query benches' log size (default 10^6). The
//! log is written once to the temporary directory and kept for later runs
//! (`server-timing-analytics-bench-ROWS`, four Parquet files). The cluster
//! listens on 127.0.0.1 only; its processes and their work directories are
//! removed when the bench ends (or fails). Every group samples flat, ten
//! samples, so a slow query costs ten runs and the warm-up.

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::prelude::SessionContext;
use server_timing::engines::Engine;
use server_timing::parse_server_timing;
use server_timing_datafusion::cluster::remote_context;
use server_timing_datafusion::functions::server_timing_array;
use server_timing_datafusion::loggen::{log_batch, write_log};
use server_timing_datafusion::register_functions;
use server_timing_datafusion::tables::register_table;

const KERNEL_ROWS: usize = 1_000_000;

fn kernel(c: &mut Criterion) {
    let batch = log_batch(15, 0, KERNEL_ROWS).expect("a log");
    let values: ArrayRef = Arc::clone(batch.column_by_name("server_timing").expect("column"));
    let strings = values.as_string::<i32>().clone();
    let mut group = c.benchmark_group("server_timing_1e6_rows");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(KERNEL_ROWS as u64));
    group.bench_function("plain_parser", |b| {
        b.iter(|| {
            let mut metrics = 0usize;
            for i in 0..strings.len() {
                if strings.is_valid(i) {
                    for m in parse_server_timing(strings.value(i).as_bytes()) {
                        black_box((m.name(), m.duration(), m.description()));
                        metrics += 1;
                    }
                }
            }
            metrics
        })
    });
    group.bench_function("arrow_function_spec", |b| {
        b.iter(|| server_timing_array(black_box(&values), Engine::Spec).expect("kernel"))
    });
    // The same rows as DataFusion hands them to the function: batches of
    // its default 8192 rows (zero-copy slices of the column).
    let slices: Vec<ArrayRef> = (0..KERNEL_ROWS)
        .step_by(8192)
        .map(|start| values.slice(start, 8192.min(KERNEL_ROWS - start)))
        .collect();
    group.bench_function("arrow_function_spec_8192_row_batches", |b| {
        b.iter(|| {
            for slice in &slices {
                black_box(server_timing_array(black_box(slice), Engine::Spec).expect("kernel"));
            }
        })
    });
    group.bench_function("arrow_function_chromium", |b| {
        b.iter(|| server_timing_array(black_box(&values), Engine::Chromium).expect("kernel"))
    });
    group.finish();
}

const QUERY: &str = "SELECT m['name'] AS metric, count(*) AS n, \
    approx_percentile_cont(0.95) WITHIN GROUP (ORDER BY m['duration']) AS p95 \
    FROM (SELECT unnest(server_timing(server_timing)) AS m FROM log) GROUP BY m['name']";

fn rows() -> u64 {
    std::env::var("ANALYTICS_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn log_dir(rows: u64) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("server-timing-analytics-bench-{rows}"));
    if !dir.join("part-3.parquet").exists() {
        write_log(&dir, rows, 4, 15).expect("a log");
    }
    dir
}

/// The cluster's processes and their work directory: killed, waited for
/// and removed when dropped, so a failed bench leaves nothing running.
struct Processes(Vec<Child>, PathBuf);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a port")
}

fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "port {port} never opened");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn queries(c: &mut Criterion) {
    let rows = rows();
    let dir = log_dir(rows);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut group = c.benchmark_group(format!("p95_per_metric_{rows}_rows"));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(rows));

    let local = SessionContext::new();
    register_functions(&local);
    runtime
        .block_on(register_table(&local, "log", &dir))
        .expect("table");
    group.bench_function("local_datafusion", |b| {
        b.iter(|| {
            runtime
                .block_on(async { local.sql(QUERY).await?.collect().await })
                .expect("query")
        })
    });

    let scheduler = free_port();
    let work = std::env::temp_dir().join(format!(
        "server-timing-analytics-bench-work-{}",
        std::process::id()
    ));
    let mut processes = Processes(Vec::new(), work.clone());
    processes.0.push(
        Command::new(env!("CARGO_BIN_EXE_server-timing-scheduler"))
            .args(["--bind-host", "127.0.0.1", "--port", &scheduler.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("scheduler"),
    );
    wait_for(scheduler);
    for executor in 0..2 {
        let (port, grpc) = (free_port(), free_port());
        let dir = work.join(format!("executor-{executor}"));
        std::fs::create_dir_all(&dir).expect("a work directory");
        processes.0.push(
            Command::new(env!("CARGO_BIN_EXE_server-timing-executor"))
                .args(["--scheduler", &format!("127.0.0.1:{scheduler}")])
                .args(["--bind-host", "127.0.0.1"])
                .args(["--work-dir", dir.to_str().expect("a UTF-8 path")])
                .args([
                    "--port",
                    &port.to_string(),
                    "--grpc-port",
                    &grpc.to_string(),
                ])
                .args(["--concurrent-tasks", "1"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("executor"),
        );
        wait_for(port);
    }
    let remote = runtime
        .block_on(async {
            let ctx = remote_context(&format!("127.0.0.1:{scheduler}")).await?;
            register_table(&ctx, "log", &dir).await?;
            Ok::<_, datafusion::error::DataFusionError>(ctx)
        })
        .expect("cluster");
    group.bench_function("ballista_two_executors", |b| {
        b.iter(|| {
            runtime
                .block_on(async { remote.sql(QUERY).await?.collect().await })
                .expect("query")
        })
    });
    group.finish();
    drop(processes);
}

criterion_group!(benches, kernel, queries);
criterion_main!(benches);
