//! The distributed path: a Ballista scheduler and two executors of ours, as
//! separate processes on loopback, answer the same queries as local
//! DataFusion over a generated log; an unreachable scheduler is one clear,
//! quick error.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::SessionContext;
use server_timing_datafusion::cluster::remote_context;
use server_timing_datafusion::loggen::write_log;
use server_timing_datafusion::register_functions;
use server_timing_datafusion::tables::register_table;

mod common;
use common::scratch;

/// Children that are killed when the test ends, however it ends.
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, processes: &mut Processes, deadline: Instant) {
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        for child in &mut processes.0 {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("a cluster process exited early: {status}");
            }
        }
        assert!(Instant::now() < deadline, "port {port} never opened");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The queries of docs/scale.md, ordered so that both engines' answers
/// compare as text. Float results are rounded: a sum's last bits depend on
/// the order partial sums meet.
const QUERIES: [&str; 4] = [
    "SELECT m['name'] AS metric, count(*) AS n, \
            round(percentile_cont(0.95) WITHIN GROUP (ORDER BY m['duration']), 3) AS p95 \
     FROM (SELECT unnest(server_timing(server_timing)) AS m FROM log) \
     GROUP BY m['name'] HAVING count(*) > 20 ORDER BY n DESC, metric LIMIT 12",
    "SELECT engine, count(*) AS responses, \
            sum(CASE WHEN visible THEN 0 ELSE 1 END) AS hidden, \
            round(100.0 * sum(CASE WHEN visible THEN 0 ELSE 1 END) / count(*), 2) AS hidden_pct \
     FROM (SELECT e.engine, server_timing_visible(server_timing, timing_allow_origin, page, url, e.engine) AS visible \
           FROM log CROSS JOIN (VALUES ('spec'), ('chromium'), ('firefox'), ('webkit')) AS e(engine) \
           WHERE server_timing IS NOT NULL) \
     GROUP BY engine ORDER BY engine",
    "SELECT cdn, count(*) AS n, \
            sum(CASE WHEN server_timing_lint(server_timing)['passes'] THEN 1 ELSE 0 END) AS lint_passes, \
            sum(CASE WHEN timing_allow_passes(timing_allow_origin, page, url) THEN 1 ELSE 0 END) AS tao_passes \
     FROM log WHERE server_timing IS NOT NULL GROUP BY cdn ORDER BY cdn",
    "SELECT page, round(avg(server_timing_duration(server_timing, 'cfRequestDuration')), 3) AS cf_avg, \
            max(server_timing_duration(server_timing, 'origin', 'chromium')) AS origin_max \
     FROM log GROUP BY page ORDER BY page",
];

async fn answers(ctx: &SessionContext) -> Vec<String> {
    let mut out = Vec::new();
    for sql in QUERIES {
        let batches = ctx
            .sql(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .collect()
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        out.push(pretty_format_batches(&batches).unwrap().to_string());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_executors_answer_as_local_datafusion_does() {
    let dir = scratch("ballista");
    let log = dir.join("log");
    write_log(&log, 40_000, 4, 15).unwrap();

    let local = SessionContext::new();
    register_functions(&local);
    register_table(&local, "log", &log).await.unwrap();
    let want = answers(&local).await;

    let deadline = Instant::now() + Duration::from_secs(120);
    let scheduler_port = free_port();
    let mut processes = Processes(Vec::new());
    let quiet = || Stdio::null();
    processes.0.push(
        Command::new(env!("CARGO_BIN_EXE_server-timing-scheduler"))
            .args([
                "--bind-host",
                "127.0.0.1",
                "--port",
                &scheduler_port.to_string(),
            ])
            .stdout(quiet())
            .stderr(quiet())
            .spawn()
            .unwrap(),
    );
    wait_for_port(scheduler_port, &mut processes, deadline);
    let mut flight_ports = Vec::new();
    for n in 0..2 {
        let (port, grpc) = (free_port(), free_port());
        let work = dir.join(format!("executor-{n}"));
        std::fs::create_dir_all(&work).unwrap();
        processes.0.push(
            Command::new(env!("CARGO_BIN_EXE_server-timing-executor"))
                .args(["--scheduler", &format!("127.0.0.1:{scheduler_port}")])
                .args(["--bind-host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--grpc-port", &grpc.to_string(), "--concurrent-tasks", "1"])
                .args(["--work-dir", work.to_str().unwrap()])
                .stdout(quiet())
                .stderr(quiet())
                .spawn()
                .unwrap(),
        );
        flight_ports.push(port);
    }
    for port in flight_ports {
        wait_for_port(port, &mut processes, deadline);
    }

    let remote = remote_context(&format!("127.0.0.1:{scheduler_port}"))
        .await
        .unwrap();
    register_table(&remote, "log", &log).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(240), answers(&remote))
        .await
        .expect("the cluster answers in time");
    for ((sql, want), got) in QUERIES.iter().zip(&want).zip(&got) {
        assert_eq!(got, want, "{sql}");
    }
    // The answers are not trivially empty.
    assert!(want[0].contains("cfRequestDuration"), "{}", want[0]);
    assert!(want[1].contains("webkit"), "{}", want[1]);
    drop(processes);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_unreachable_scheduler_is_one_quick_error() {
    let port = free_port();
    let started = Instant::now();
    let Err(error) = remote_context(&format!("127.0.0.1:{port}")).await else {
        panic!("nobody listens there");
    };
    let error = error.to_string();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        error.contains(&format!(
            "cannot reach the Ballista scheduler at 127.0.0.1:{port}"
        )),
        "{error}"
    );
}
