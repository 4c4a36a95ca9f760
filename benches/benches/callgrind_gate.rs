//! The instruction-count regression gate (issue 16).
//!
//! Run with `cargo bench -p benches --bench callgrind_gate`. Without
//! `CALLGRIND_GATE_WORKLOAD` set, this program is the driver: it runs itself
//! once per workload under `valgrind --tool=callgrind`, counting only the
//! instructions executed inside [`gate_measured`] (setup is not counted),
//! prints a table against the committed baselines in
//! `benches/callgrind-baseline.txt`, and exits non-zero when a gated
//! workload needs more than the tolerance (3 %) above its baseline.
//!
//! `-- --bless` rewrites the baseline file from this run. Counts depend on
//! the compiler and the code only, not on the machine's load, so they are
//! repeatable on a shared machine; a new Rust toolchain can move them, and
//! then the baselines are blessed again in the commit that updates it.
#![allow(missing_docs)] // a bench binary

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::{
    BasicEntry, EntryRef, Performance, PerformanceObserver, PerformanceObserverInit,
};
use resource_timing::{Fetch, FetchClient};
use server_timing_cli::har::{read_har, HarOptions};

#[path = "../shared/peers.rs"]
mod peers;

/// How much a gated count may grow before the gate fails.
const TOLERANCE: f64 = 0.03;

/// The environment variable that selects a workload in the measured child.
const WORKLOAD_VAR: &str = "CALLGRIND_GATE_WORKLOAD";

/// One measured workload.
struct Workload {
    /// Its name in the table and the baseline file.
    name: &'static str,
    /// What one unit of work is, for the per-unit count.
    unit: &'static str,
    /// How many units one measured call does.
    units: u64,
    /// Whether a growth fails the gate (peers are shown for reference).
    gated: bool,
    /// Builds the input (not counted) and returns the measured work.
    setup: fn() -> Box<dyn FnMut()>,
}

/// Passes over the peer corpus per parse workload.
const PASSES: u64 = 100;
/// Field values in the peer corpus.
const HEADERS: u64 = 9;

const WORKLOADS: &[Workload] = &[
    Workload {
        name: "parse/zero-copy",
        unit: "header",
        units: PASSES * HEADERS,
        gated: true,
        setup: || parse_workload(peers::ours_zero_copy),
    },
    Workload {
        name: "parse/zero-copy-str",
        unit: "header",
        units: PASSES * HEADERS,
        gated: true,
        setup: || parse_workload(peers::ours_zero_copy_str),
    },
    Workload {
        name: "parse/owned",
        unit: "header",
        units: PASSES * HEADERS,
        gated: true,
        setup: || parse_workload(peers::ours_owned),
    },
    Workload {
        name: "parse/objects",
        unit: "header",
        units: PASSES * HEADERS,
        gated: true,
        setup: || parse_workload(peers::ours_objects),
    },
    Workload {
        name: "lint",
        unit: "header",
        units: 10 * HEADERS,
        gated: true,
        setup: || {
            let corpus = benches::peer_corpus();
            Box::new(move || {
                for _ in 0..10 {
                    for value in &corpus {
                        black_box(server_timing::engines::lint::lint_value(black_box(value)));
                    }
                }
            })
        },
    },
    Workload {
        name: "mark-resource-timing",
        unit: "entry",
        units: 100,
        gated: true,
        setup: mark_resource_timing_workload,
    },
    Workload {
        name: "timeline/add-entry-1e6",
        unit: "entry",
        units: 1_000,
        gated: true,
        setup: timeline_workload,
    },
    Workload {
        name: "har/read",
        unit: "entry",
        units: HAR_ENTRIES as u64,
        gated: true,
        setup: har_workload,
    },
    Workload {
        name: "adversarial/long-quoted-string",
        unit: "byte",
        units: ADVERSARIAL_BYTES,
        gated: true,
        setup: || adversarial_workload("long-quoted-string"),
    },
    Workload {
        name: "adversarial/many-escapes",
        unit: "byte",
        units: ADVERSARIAL_BYTES,
        gated: true,
        setup: || adversarial_workload("many-escapes"),
    },
    Workload {
        name: "adversarial/unterminated-quote",
        unit: "byte",
        units: ADVERSARIAL_BYTES,
        gated: true,
        setup: || adversarial_workload("unterminated-quote"),
    },
    Workload {
        name: "adversarial/empty-members",
        unit: "byte",
        units: ADVERSARIAL_BYTES,
        gated: true,
        setup: || adversarial_workload("empty-members"),
    },
    Workload {
        name: "adversarial/many-params",
        unit: "byte",
        units: ADVERSARIAL_BYTES,
        gated: true,
        setup: || adversarial_workload("many-params"),
    },
    Workload {
        name: "adversarial/junk",
        unit: "byte",
        units: ADVERSARIAL_BYTES,
        gated: true,
        setup: || adversarial_workload("junk"),
    },
    Workload {
        name: "adversarial/long-name",
        unit: "byte",
        units: ADVERSARIAL_BYTES,
        gated: true,
        setup: || adversarial_workload("long-name"),
    },
    Workload {
        name: "adversarial/long-dur",
        unit: "byte",
        units: ADVERSARIAL_BYTES,
        gated: true,
        setup: || adversarial_workload("long-dur"),
    },
    Workload {
        name: "peer/byte-scan",
        unit: "header",
        units: PASSES * HEADERS,
        gated: false,
        setup: || parse_workload(|input| peers::byte_scan(input) as f64),
    },
    Workload {
        name: "peer/http-types-2.12",
        unit: "header",
        units: PASSES * HEADERS,
        gated: false,
        setup: || parse_workload(peers::http_types),
    },
    Workload {
        name: "peer/server-timing-0.1",
        unit: "header",
        units: PASSES * HEADERS,
        gated: false,
        setup: || parse_workload(peers::server_timing_0_1),
    },
];

/// The size of each adversarial input (`benches::adversarial_corpus`).
const ADVERSARIAL_SIZE: usize = 1 << 12;
/// Bytes parsed by an adversarial workload: 10 parses of about 4 KiB (the
/// inputs are a few bytes longer than the size; counts are per nominal byte).
const ADVERSARIAL_BYTES: u64 = 10 * ADVERSARIAL_SIZE as u64;

/// Ten zero-copy parses of one 4 KiB adversarial input, reading every
/// metric's duration and description.
fn adversarial_workload(name: &str) -> Box<dyn FnMut()> {
    let input = benches::adversarial_corpus(ADVERSARIAL_SIZE)
        .into_iter()
        .find_map(|(n, input)| (n == name).then_some(input))
        .expect("a known adversarial input");
    Box::new(move || {
        for _ in 0..10 {
            for metric in server_timing::parse_server_timing(black_box(&input)) {
                black_box((metric.duration(), metric.description()));
            }
        }
    })
}

/// Entries of the HAR workload.
const HAR_ENTRIES: usize = 200;

/// Reading a HAR with the CLI's streaming reader (`server_timing_cli::har`):
/// 200 entries of a page on `https://shop.example`, same- and cross-origin,
/// some with `Timing-Allow-Origin`, each with a three-metric Server-Timing
/// header, read from memory with the spec's engine and each entry's report
/// rendered as text.
fn har_workload() -> Box<dyn FnMut()> {
    let mut har = String::from(
        r#"{"log":{"version":"1.2","creator":{"name":"gate","version":"1"},"pages":[{"id":"page_1","title":"https://shop.example/"}],"entries":["#,
    );
    for i in 0..HAR_ENTRIES {
        if i > 0 {
            har.push(',');
        }
        let host = if i % 3 == 0 {
            "cdn.example"
        } else {
            "shop.example"
        };
        let tao = if i % 2 == 0 {
            r#",{"name":"timing-allow-origin","value":"*"}"#
        } else {
            ""
        };
        har.push_str(&format!(
            r#"{{"pageref":"page_1","startedDateTime":"2026-12-01T00:00:00.000Z","time":12.5,"request":{{"method":"GET","url":"https://{host}/asset/{i}.js","headers":[{{"name":"accept","value":"*/*"}}]}},"response":{{"status":200,"headers":[{{"name":"content-type","value":"text/javascript"}},{{"name":"server-timing","value":"cdn-cache;desc=HIT, edge;dur={}, origin;dur=12.5;desc=\"app server\""}}{tao}],"content":{{"size":4096,"mimeType":"text/javascript"}},"redirectURL":""}},"timings":{{"send":0.1,"wait":10.2,"receive":1.7}}}}"#,
            i % 7
        ));
    }
    har.push_str("]}}");
    let options = HarOptions::default();
    Box::new(move || {
        let outcome = read_har(har.as_bytes(), &options, |entry| {
            black_box(entry.to_text());
            Ok(())
        })
        .expect("the HAR reads");
        assert_eq!(outcome.summary.entries, HAR_ENTRIES, "every entry read");
    })
}

/// `PASSES` passes of `parse` over the peer corpus.
fn parse_workload(parse: fn(&peers::Prepared) -> f64) -> Box<dyn FnMut()> {
    let input = peers::Prepared::new(benches::peer_corpus());
    assert_eq!(input.bytes.len() as u64, HEADERS);
    Box::new(move || {
        for _ in 0..PASSES {
            black_box(parse(&input));
        }
    })
}

/// *Report timing* → *mark resource timing* for a cross-origin response with
/// TAO and five server-timing metrics (as in the `resource_timing` bench),
/// 100 times (from copies of one finished fetch) into a buffer with room
/// for them all.
fn mark_resource_timing_workload() -> Box<dyn FnMut()> {
    let event_loop = ReferenceEventLoop::new();
    let page = url::Url::parse("https://shop.example/").expect("static URL");
    let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &page));
    performance.set_resource_timing_buffer_size(1_000);
    let url = url::Url::parse("https://cdn.example/img/logo.png?v=3").expect("static URL");
    let client = FetchClient::for_page(&page);
    let mut headers = http::HeaderMap::new();
    for (name, value) in [
        ("timing-allow-origin", "https://shop.example"),
        (
            "server-timing",
            "cdn-cache;desc=HIT, edge;dur=1.5, origin;dur=23.2;desc=\"Origin fetch\", db;dur=53, app;dur=47.2",
        ),
        ("content-type", "image/png"),
        ("access-control-allow-origin", "*"),
    ] {
        headers.insert(name, value.parse().expect("valid"));
    }
    let fetch = benches::finished_cors_fetch(&url, &client, &headers);
    // A fetch reports once: one copy of the finished fetch per report, made
    // outside the measured part.
    let fetches: Vec<Fetch> = (0..100).map(|_| fetch.clone()).collect();
    Box::new(move || {
        let _keep = &event_loop;
        for fetch in &fetches {
            black_box(fetch.report_timing(&performance).expect("an entry"));
        }
    })
}

/// Adding 1,000 just-created entries (queue + add, one observer) to a
/// timeline that already holds 10^6 (as in the `timeline` bench).
fn timeline_workload() -> Box<dyn FnMut()> {
    let event_loop = ReferenceEventLoop::new();
    let page = performance_timeline::url::Url::parse("https://example.com/").expect("static URL");
    let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &page));
    performance.set_resource_timing_buffer_size(u32::MAX);
    let entry = |i: usize, kind: &str| -> EntryRef {
        BasicEntry::shared(
            format!("https://cdn.example.com/assets/{kind}-{i:07}.js?v=3"),
            "resource",
            i as f64 * 0.1,
            12.5,
        )
    };
    for i in 0..1_000_000 {
        let e = entry(i, "chunk");
        performance.queue_a_performance_entry(e.clone());
        performance.add_a_performance_resource_timing_entry(e);
    }
    event_loop.run_until_idle();
    let observer = PerformanceObserver::new(&performance, |list, _, _| {
        black_box(list.len());
    });
    observer
        .observe(PerformanceObserverInit::with_type("resource"))
        .expect("supported type");
    let batch: Vec<EntryRef> = (0..1_000).map(|i| entry(1_000_000 + i, "hot")).collect();
    let mut batch = Some(batch);
    Box::new(move || {
        let _keep = (&event_loop, &observer);
        for e in batch.take().expect("measured once") {
            performance.queue_a_performance_entry(e.clone());
            performance.add_a_performance_resource_timing_entry(e);
        }
    })
}

/// The only code callgrind counts (`--toggle-collect`).
#[inline(never)]
fn gate_measured(work: &mut dyn FnMut()) {
    work();
}

fn main() -> ExitCode {
    if let Ok(name) = std::env::var(WORKLOAD_VAR) {
        let workload = WORKLOADS
            .iter()
            .find(|w| w.name == name)
            .expect("a known workload");
        let mut work = (workload.setup)();
        gate_measured(&mut work);
        return ExitCode::SUCCESS;
    }
    let bless = std::env::args().any(|a| a == "--bless");
    match drive(bless) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("callgrind gate: {message}");
            ExitCode::FAILURE
        }
    }
}

fn baseline_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("callgrind-baseline.txt")
}

/// Reads `name count` lines (instructions per unit); `#` starts a comment.
fn read_baseline(path: &Path) -> Result<BTreeMap<String, f64>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut baseline = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut fields = line.split_whitespace();
        let (Some(name), Some(count)) = (fields.next(), fields.next()) else {
            return Err(format!("{}: bad line {line:?}", path.display()));
        };
        let count: f64 = count
            .parse()
            .map_err(|e| format!("{}: bad count in {line:?}: {e}", path.display()))?;
        baseline.insert(name.to_owned(), count);
    }
    Ok(baseline)
}

/// Runs one workload under callgrind; returns the instructions counted.
fn count_instructions(exe: &Path, workload: &Workload, out: &Path) -> Result<u64, String> {
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--collect-atstart=no")
        .arg("--toggle-collect=*gate_measured*")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg("--quiet")
        .arg(exe)
        .env(WORKLOAD_VAR, workload.name)
        .status()
        .map_err(|e| format!("cannot run valgrind ({e}); install it (apt-get install valgrind)"))?;
    if !status.success() {
        return Err(format!("{}: valgrind exited with {status}", workload.name));
    }
    let profile = std::fs::read_to_string(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let total = profile
        .lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            format!(
                "{}: no instruction total in {}",
                workload.name,
                out.display()
            )
        })?;
    let _ = std::fs::remove_file(out);
    Ok(total)
}

/// Measures every workload, prints the table, and tells whether the gate
/// holds (or writes the baselines when blessing).
fn drive(bless: bool) -> Result<bool, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let path = baseline_path();
    let baseline = read_baseline(&path)?;
    let out = std::env::temp_dir().join(format!("callgrind-gate.{}.out", std::process::id()));
    let corpus = peers::Prepared::new(benches::peer_corpus());
    println!(
        "callgrind gate: instructions per unit; parse units are the {HEADERS} field values \
         of benches::peer_corpus ({} bytes)",
        corpus.len()
    );
    println!(
        "{:<32} {:>6} {:>12} {:>12} {:>8}  verdict",
        "workload", "unit", "baseline", "now", "change"
    );
    let mut pass = true;
    let mut blessed = String::from(
        "# Instructions per unit counted by `cargo bench -p benches --bench callgrind_gate`\n\
         # (callgrind, inside gate_measured only). Rewrite with `-- --bless`.\n",
    );
    for workload in WORKLOADS {
        let total = count_instructions(&exe, workload, &out)?;
        let now = total as f64 / workload.units as f64;
        blessed.push_str(&format!("{} {now:.3}\n", workload.name));
        let (base, change, verdict) = match baseline.get(workload.name) {
            Some(&base) => {
                let change = now / base - 1.0;
                let verdict = if !workload.gated {
                    "reference"
                } else if change > TOLERANCE {
                    pass = false;
                    "SLOWER: fails the gate"
                } else if change < -TOLERANCE {
                    "faster: bless the new baseline"
                } else {
                    "ok"
                };
                (
                    format!("{base:.2}"),
                    format!("{:+.1}%", change * 100.0),
                    verdict,
                )
            }
            None if workload.gated => {
                pass = false;
                (
                    "-".to_owned(),
                    "-".to_owned(),
                    "NO BASELINE: fails the gate",
                )
            }
            None => ("-".to_owned(), "-".to_owned(), "reference"),
        };
        println!(
            "{:<32} {:>6} {:>12} {:>12.2} {:>8}  {verdict}",
            workload.name, workload.unit, base, now, change
        );
    }
    if bless {
        std::fs::write(&path, blessed).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("baselines written to {}", path.display());
        return Ok(true);
    }
    println!(
        "callgrind gate: {} (tolerance {:.0}%; instructions per unit)",
        if pass { "passed" } else { "FAILED" },
        TOLERANCE * 100.0
    );
    Ok(pass)
}
