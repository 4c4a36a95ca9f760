//! `server-timing demo`, `fetch` and `serve` as a user runs them, against
//! servers on loopback.

use std::time::Duration;

use loopback_server::{Server, ServerOptions};

mod common;

use common::{run, text};

/// What a test needs of a running server.
struct Running {
    origin: String,
    other_origin: String,
    ca_pem: Option<String>,
}

/// A loopback server on its own thread, for the length of `body`.
fn with_server(tls: bool, body: impl FnOnce(&Running)) {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let server = Server::start(ServerOptions {
                tls,
                mdn_delay: Duration::from_millis(20),
                ..ServerOptions::default()
            })
            .await
            .expect("a loopback server");
            ready_tx
                .send(Running {
                    origin: server.origin().to_string(),
                    other_origin: server.other_origin().to_string(),
                    ca_pem: server.ca_pem().map(str::to_owned),
                })
                .expect("the test waits");
            let _ = stop_rx.await;
            server.shutdown().await;
        });
    });
    let running = ready_rx.recv().expect("the server starts");
    body(&running);
    let _ = stop_tx.send(());
    thread.join().expect("the server thread ends");
}

const MDN_CONSOLE: [&str; 3] = [
    "// 0: PerformanceServerTiming {name: \"cache\", duration: 23.2, description: \"Cache Read\"}",
    "// 1: PerformanceServerTiming {name: \"db\", duration: 53, description: \"\"}",
    "// 2: PerformanceServerTiming {name: \"app\", duration: 47.2, description: \"\"}",
];

#[test]
fn demo_prints_the_four_pages() {
    let out = run(&["demo"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let pages: Vec<&str> = stdout
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(pages.len(), 4, "{stdout}");
    // Same-origin, and cross-origin with TAO: the three metrics.
    for page in [pages[0], pages[2]] {
        for line in MDN_CONSOLE {
            assert!(page.contains(line), "{page}");
        }
    }
    // Cross-origin without TAO, and the insecure page: an empty list (by
    // the specs, before any engine's line).
    for page in [pages[1], pages[3]] {
        let spec = page.split("\n// chromium").next().unwrap();
        assert!(spec.ends_with("// []"), "{page}");
    }
    assert!(pages[3].contains("not a secure context"));
}

#[test]
fn demo_json_has_one_object_per_page() {
    let out = run(&["demo", "--json"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    let counts: Vec<usize> = stdout
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("JSON per line");
            value["serverTiming"].as_array().expect("an array").len()
        })
        .collect();
    assert_eq!(counts, [3, 0, 3, 0]);
}

/// Where an engine's recorded policy shows a page something else than the
/// specs, the demo names every engine and what it shows (issue 9); where
/// all agree, nothing is added.
#[test]
fn demo_names_engines_where_they_differ() {
    let out = run(&["demo"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let pages: Vec<&str> = stdout
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(pages.len(), 4, "{stdout}");
    // Same-origin and cross-origin without TAO: every engine agrees.
    for page in &pages[..2] {
        assert!(!page.contains("chromium"), "{page}");
    }
    // TAO names the page: WebKit shows serverTiming for same-origin responses only.
    assert!(
        pages[2].contains("// webkit (WebKitGTK 2.50) shows:\n//   []"),
        "{}",
        pages[2]
    );
    assert!(pages[2]
        .contains("chromium (Chromium 156), firefox (Firefox 153 ESR): the same as the spec"));
    // The insecure page: the spec empties the list, Chromium does not gate,
    // Firefox removes the attribute, WebKit's list is empty (cross-origin).
    let insecure = pages[3];
    assert!(
        insecure.contains(
            "// chromium (Chromium 156) shows:\n//   0: PerformanceServerTiming {name: \"cache\""
        ),
        "{insecure}"
    );
    assert!(
        insecure.contains("// firefox (Firefox 153 ESR): no serverTiming attribute (undefined)")
    );
    assert!(insecure.contains("// webkit (WebKitGTK 2.50): the same as the spec"));

    let json = run(&["demo", "--json"]);
    let last: serde_json::Value =
        serde_json::from_str(text(&json.stdout).lines().last().unwrap()).unwrap();
    assert_eq!(last["engines"]["chromium"].as_array().unwrap().len(), 3);
    assert!(last["engines"]["firefox"].is_null());
    assert_eq!(last["engines"]["webkit"].as_array().unwrap().len(), 0);
}

/// A `Server-Timing` trailer is shown, parsed, with the note that pages
/// cannot see it (issue 10).
#[test]
fn fetch_shows_server_timing_trailers() {
    with_server(false, |server: &Running| {
        let url = format!("{}trailers?trailer=total%3Bdur%3D12.5", server.origin);
        let out = run(&["fetch", &url]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.contains("Server-Timing trailer, hop 1: total;dur=12.5\n  0: PerformanceServerTiming {name: \"total\", duration: 12.5, description: \"\"}\n  (no browser exposes trailer metrics to pages today"), "{stdout}");
        // A response without trailers prints no such line.
        let plain = run(&["fetch", &server.origin]);
        assert!(
            !text(&plain.stdout).contains("trailer"),
            "{}",
            text(&plain.stdout)
        );
    });
}

#[test]
fn fetch_json_is_the_entry() {
    with_server(false, |server: &Running| {
        let out = run(&["fetch", "--json", server.origin.as_str()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let entry: serde_json::Value =
            serde_json::from_str(text(&out.stdout).trim()).expect("one JSON line");
        assert_eq!(entry["name"], server.origin.as_str());
        assert_eq!(entry["entryType"], "resource");
        assert_eq!(entry["initiatorType"], "fetch");
        assert_eq!(entry["responseStatus"], 200);
        assert_eq!(entry["nextHopProtocol"], "http/1.1");
        assert_eq!(entry["serverTiming"][2]["name"], "app");
        // The server waits 20 ms after the request before it sends the body
        // (measured from requestStart: a busy client may read the head late).
        assert!(
            entry["responseEnd"].as_f64().unwrap()
                >= entry["requestStart"].as_f64().unwrap() + 19.0
        );
        // From the other origin with TAO: the metrics; as WebKit (same-origin only): none.
        let other = server.other_origin.trim_end_matches('/').to_owned();
        let target = format!("{}?acao=*&tao=*", server.origin);
        let out = run(&["fetch", "--json", "--client-origin", &other, &target]);
        let entry: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
        assert_eq!(entry["serverTiming"].as_array().unwrap().len(), 3);
        let out = run(&[
            "fetch",
            "--json",
            "--engine",
            "webkit",
            "--client-origin",
            &other,
            &target,
        ]);
        let entry: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
        assert_eq!(entry["serverTiming"].as_array().unwrap().len(), 0);
    });
}

#[test]
fn fetch_waterfall_over_tls_with_the_test_ca() {
    with_server(true, |server: &Running| {
        let ca = std::env::temp_dir().join(format!("st-cli-test-ca-{}.pem", std::process::id()));
        std::fs::write(&ca, server.ca_pem.as_deref().unwrap()).unwrap();
        let out = run(&[
            "fetch",
            "--ca",
            ca.to_str().unwrap(),
            server.origin.as_str(),
        ]);
        std::fs::remove_file(&ca).ok();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.contains("nextHopProtocol \"h2\""), "{stdout}");
        assert!(stdout.contains("(ALPN h2)"), "{stdout}");
        assert!(
            stdout.lines().any(|l| l.trim_start().starts_with("tls ")),
            "{stdout}"
        );
        assert!(
            stdout.contains("0: PerformanceServerTiming {name: \"cache\""),
            "{stdout}"
        );
        // Without the CA: a network error, its entry, and exit 1.
        let out = run(&["fetch", server.origin.as_str()]);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).starts_with("server-timing: network error:"));
        assert_eq!(text(&out.stderr).lines().count(), 1);
    });
}

#[test]
fn a_redirect_to_the_same_origin_reuses_the_connection() {
    with_server(false, |server: &Running| {
        let target = format!("{}redirect?to=/echo%3Fst%3Ddb%3Bdur%3D53", server.origin);
        let out = run(&["fetch", &target]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        let hops: Vec<&str> = stdout.lines().filter(|l| l.starts_with("hop ")).collect();
        assert_eq!(hops.len(), 2, "{stdout}");
        assert!(!hops[0].contains("reused"), "{stdout}");
        assert!(
            hops[1].ends_with("-> 200 HTTP/1.1, reused connection"),
            "{stdout}"
        );
        // The entry: the final hop's connection times are fetchStart (Fetch's
        // clamp for a reused connection), after the redirect.
        let out = run(&["fetch", "--json", &target]);
        let entry: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
        let at = |key: &str| {
            entry[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{key}: {entry}"))
        };
        for key in [
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "connectEnd",
        ] {
            assert_eq!(at(key), at("fetchStart"), "{key}: {entry}");
        }
        assert!(at("redirectEnd") > 0.0 && at("fetchStart") >= at("redirectEnd"));
        assert_eq!(entry["serverTiming"][0]["name"], "db");
    });
}

#[test]
fn fetch_and_serve_refuse_bad_arguments_in_one_line() {
    for (args, code) in [
        (&["fetch"][..], 2),
        (&["fetch", "not a url"], 2),
        (&["fetch", "ftp://127.0.0.1/"], 2),
        (&["fetch", "http://127.0.0.1:9/", "--mode", "sideways"], 2),
        (
            &[
                "fetch",
                "http://127.0.0.1:9/",
                "--ca",
                "/nonexistent/ca.pem",
            ],
            1,
        ),
        (&["serve", "--addr", "0.0.0.0:3000"], 2),
        (&["serve", "--addr", "nonsense"], 2),
        (&["demo", "--bogus"], 2),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("server-timing: "), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn helps_document_every_command() {
    for command in ["fetch", "serve", "demo"] {
        let out = run(&[command, "--help"]);
        assert!(out.status.success());
        assert!(text(&out.stdout).starts_with(&format!("server-timing {command}:")));
    }
}

#[test]
fn serve_prints_its_urls_answers_and_stops_on_ctrl_c() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_server-timing"))
        .args(["serve", "--addr", "127.0.0.1:0", "--delay", "5"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    assert_eq!(
        lines.next().unwrap().unwrap(),
        "serving two origins (Ctrl-C stops):"
    );
    let first = lines.next().unwrap().unwrap().trim().to_owned();
    let second = lines.next().unwrap().unwrap().trim().to_owned();
    assert!(first.starts_with("http://127.0.0.1:") && second.starts_with("http://127.0.0.1:"));
    assert_ne!(first, second, "two origins");
    // The server answers while it runs.
    let out = run(&["fetch", "--json", &first]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"name\":\"cache\""));
    // Ctrl-C (SIGINT) stops it cleanly.
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l == "stopped"), "{rest:?}");
    assert!(child.wait().expect("serve ends").success());
}

#[test]
fn fetch_says_how_many_metrics_are_hidden_and_why() {
    with_server(false, |server| {
        let page = server.other_origin.trim_end_matches('/').to_owned();
        let url = format!("{}?acao=*", server.origin);
        let out = run(&["fetch", "--client-origin", &page, &url]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains(&format!(
                "3 metrics sent; hidden: no Timing-Allow-Origin for {page} on hop 1 ({url})"
            )),
            "{stdout}"
        );
        let url = format!("{}?acao=*&tao=*", server.origin);
        let out = run(&["fetch", "--client-origin", "http://shop.example", &url]);
        assert!(
            text(&out.stdout).contains("3 metrics sent; hidden: not a secure context"),
            "{}",
            text(&out.stdout)
        );
        // Nothing is said when the page sees every metric.
        let out = run(&["fetch", &server.origin]);
        assert!(!text(&out.stdout).contains("metrics sent"));
    });
}

#[test]
fn fetch_names_engines_exactly_where_they_differ() {
    with_server(false, |server| {
        let other = server.other_origin.trim_end_matches('/');
        let heading = "serverTiming as each engine's page sees it";
        // Same-origin, the MDN header: every engine sees the three metrics.
        let out = run(&["fetch", &server.origin]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            !text(&out.stdout).contains(heading),
            "{}",
            text(&out.stdout)
        );
        // Cross-origin with TAO from an insecure page: the demo's fourth page.
        let url = format!("{}?acao=*&tao=*", server.origin);
        let out = run(&["fetch", "--insecure-client", "--client-origin", other, &url]);
        let stdout = text(&out.stdout);
        let section = &stdout[stdout.find(heading).expect("an engines section")..];
        assert!(
            section.contains(
                "  chromium (Chromium 156) shows:\n    0: PerformanceServerTiming {name: \"cache\""
            ),
            "{section}"
        );
        assert!(
            section
                .contains("  firefox (Firefox 153 ESR): no serverTiming attribute (undefined)\n"),
            "{section}"
        );
        assert!(
            section.contains("  webkit (WebKitGTK 2.50): the same as the spec\n"),
            "{section}"
        );
        // One engine alone: no section.
        let out = run(&[
            "fetch",
            "--engine",
            "chromium",
            "--insecure-client",
            "--client-origin",
            other,
            &url,
        ]);
        let stdout = text(&out.stdout);
        assert!(!stdout.contains(heading), "{stdout}");
        assert!(
            stdout.contains("  0: PerformanceServerTiming {name: \"cache\""),
            "{stdout}"
        );
    });
}

#[test]
fn the_waterfall_axis_fits_the_longest_bar_and_marks_clipped_ones() {
    with_server(false, |server| {
        // A metric much longer than the fetch (but under 100 times its
        // 1 ms floor): the axis grows to it.
        let url = format!("{}echo?st=db;dur=60", server.origin);
        let out = run(&["fetch", "--engine", "spec", &url]);
        let stdout = text(&out.stdout);
        let axis_line = stdout.lines().find(|l| l.contains("time axis")).unwrap();
        let end: f64 = axis_line
            .split("startTime .. ")
            .nth(1)
            .and_then(|rest| rest.split("ms").next())
            .and_then(|n| n.parse().ok())
            .expect("the axis end");
        assert!(end >= 60.0, "{axis_line}");
        let db_bar = stdout
            .lines()
            .skip_while(|l| !l.contains("name: \"db\""))
            .nth(1)
            .unwrap();
        // The longest bar reaches the last column; nothing is clipped.
        assert!(db_bar.trim_end().ends_with('#'), "{stdout}");
        let bar = db_bar.split('|').nth(1).unwrap();
        assert!(bar.len() >= 39 && bar.len() <= 40, "{db_bar:?}");
        assert!(!stdout.contains("clipped"), "{stdout}");
        // Plain HTTP/1.1 negotiates no ALPN: the hop line names none.
        let hop = stdout.lines().find(|l| l.starts_with("hop 1: ")).unwrap();
        assert!(hop.contains(" HTTP/1.1") && !hop.contains("ALPN"), "{hop}");
        // Infinity, and a metric past 100 times the fetch, are clipped and marked.
        let url = format!("{}echo?st=app;dur=1e9,inf;dur=1e400", server.origin);
        let out = run(&["fetch", "--engine", "chromium", &url]);
        let stdout = text(&out.stdout);
        assert!(stdout.contains("> clipped (ends at 1000000"), "{stdout}");
        assert!(stdout.contains("> clipped (ends at Infinity)"), "{stdout}");
    });
}

#[test]
fn a_failed_cors_check_names_the_hop_and_the_header() {
    with_server(false, |server| {
        let other = server.other_origin.trim_end_matches('/');
        // Hop 1 allows the page; hop 2 sends no Access-Control-Allow-Origin.
        let url = format!(
            "{}redirect?acao=*&to=%2Fecho%3Fst%3Ddb%3Bdur%3D5",
            server.origin
        );
        let out = run(&["fetch", "--client-origin", other, &url]);
        assert_eq!(out.status.code(), Some(1));
        let hop2 = format!("hop 2 {}echo?st=db;dur=5", server.origin);
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(&format!(
            "CORS check failed ({hop2}: no Access-Control-Allow-Origin (the request's origin is {other}))"
        )), "{stderr}");
        assert!(
            text(&out.stdout).contains(&format!("1 metric sent; hidden: the fetch failed: {hop2}"))
        );
        // A value that names another origin says so.
        let url = format!("{}echo?st=db;dur=5&acao=http://a.example", server.origin);
        let out = run(&["fetch", "--engine", "spec", "--client-origin", other, &url]);
        assert!(text(&out.stderr).contains(&format!(
            "hop 1 {}echo?st=db;dur=5&acao=http://a.example: Access-Control-Allow-Origin: http://a.example does not allow {other}",
            server.origin
        )), "{}", text(&out.stderr));
    });
}

#[test]
fn fetch_html_writes_the_entry_its_metrics_and_the_engines() {
    with_server(false, |server| {
        let other = server.other_origin.trim_end_matches('/');
        let path = std::env::temp_dir().join(format!("st-fetch-{}.html", std::process::id()));
        let url = format!("{}?acao=*&tao=*", server.origin);
        let out = run(&[
            "fetch",
            "--insecure-client",
            "--client-origin",
            other,
            "--html",
            path.to_str().unwrap(),
            &url,
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let html = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).ok();
        // The three MDN metrics, hidden (not a secure context), grey; and
        // Chromium's three, which it shows.
        assert_eq!(html.matches("<rect class=\"bar metric hidden\"").count(), 3);
        assert_eq!(html.matches("<rect class=\"bar metric engine\"").count(), 3);
        assert!(html.contains("3 metrics sent; hidden: not a secure context"));
        assert!(html.contains("firefox (Firefox 153 ESR): no serverTiming attribute (undefined)"));
        assert!(html.contains("data-phase=\"Content download\""));
    });
}
