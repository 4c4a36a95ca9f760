//! `server-timing demo`: what four pages would see of the MDN example.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use loopback_server::{Server, ServerOptions};
use measured_fetch::client::{fetch, FetchOptions};
use measured_fetch::{Clock, Page};
use resource_timing::{Engine, ExposurePolicy};
use serde::Serialize;
use server_timing::PerformanceServerTiming;
use url::Url;

use crate::render::json::MetricJson;
use crate::{print_stdout, CliError};

/// What four pages would see of the MDN example.
#[derive(Args)]
#[command(after_help = "\
Starts the test server in-process on free loopback ports, fetches its MDN
example route as four pages would (same-origin; cross-origin without
Timing-Allow-Origin; cross-origin with it; a page that is not a secure
context), and prints what each page's
performance.getEntriesByType('resource')[0].serverTiming shows by the
specs. Each page is also fetched as Chromium, Firefox and WebKit would
(their exposure policies and header readings, recorded from those
browsers); where one of them shows something else, every engine's result
follows, named with the browser release it was recorded from. No setup, no
network beyond loopback; it takes about a second.")]
pub struct DemoArgs {
    /// One JSON object per page on one line
    #[arg(long)]
    json: bool,
}

/// One page's line of `demo --json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DemoPageJson<'a> {
    page: &'a str,
    origin: String,
    secure_context: bool,
    resource: &'a str,
    server_timing: Vec<MetricJson<'a>>,
    /// Each engine's `serverTiming`: `null` where the attribute does not exist.
    engines: std::collections::BTreeMap<&'static str, Option<Vec<MetricJson<'a>>>>,
}

/// What one page sees of `serverTiming` under one engine's policy: `None`
/// when the attribute does not exist.
type Seen = Option<Vec<PerformanceServerTiming>>;

/// Fetches `resource` from a page at `page_url` as `engine` would, and
/// returns what the page's entry shows.
async fn page_sees(
    page_url: &Url,
    resource: &Url,
    engine: Engine,
    clock: &Clock,
) -> Result<(Seen, measured_fetch::client::MeasuredFetch), CliError> {
    let page = Page::new(page_url, clock);
    let client = page
        .client()
        .clone()
        .with_policy(ExposurePolicy::for_engine(engine));
    let measured = fetch(resource.clone(), &FetchOptions::new(client), clock)
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;
    if let Some(error) = measured.network_error() {
        return Err(CliError::Failed(format!(
            "the demo fetch of {resource} as {engine} failed: {error}"
        )));
    }
    let entry = measured
        .report_timing(page.performance())
        .ok_or_else(|| CliError::Failed("no entry was reported".into()))?;
    let seen = entry
        .has_server_timing_attribute()
        .then(|| entry.server_timing().to_vec());
    Ok((seen, measured))
}

/// `// 0: PerformanceServerTiming {…}` lines, or `// []`.
fn console_lines(out: &mut String, indent: &str, metrics: &[PerformanceServerTiming]) {
    if metrics.is_empty() {
        let _ = writeln!(out, "//{indent} []");
    }
    for (i, metric) in metrics.iter().enumerate() {
        let _ = writeln!(out, "//{indent} {i}: {metric}");
    }
}

/// Every engine's result, grouped where they are the same, when at least one
/// differs from the spec's; nothing otherwise.
fn engine_lines(out: &mut String, spec: &Seen, engines: &[(Engine, Seen)]) {
    let same = |a: &Seen, b: &Seen| match (a, b) {
        (Some(a), Some(b)) => crate::render::parse::same_list(a, b),
        (None, None) => true,
        _ => false,
    };
    if engines.iter().all(|(_, seen)| same(seen, spec)) {
        return;
    }
    let mut groups: Vec<(Vec<Engine>, &Seen)> = Vec::new();
    for (engine, seen) in engines {
        match groups.iter_mut().find(|(_, s)| same(s, seen)) {
            Some((members, _)) => members.push(*engine),
            None => groups.push((vec![*engine], seen)),
        }
    }
    for (members, seen) in groups {
        let names = crate::render::parse::engine_names(&members);
        match seen {
            _ if same(seen, spec) => {
                let _ = writeln!(out, "// {names}: the same as the spec");
            }
            None => {
                let _ = writeln!(out, "// {names}: no serverTiming attribute (undefined)");
            }
            Some(metrics) => {
                let verb = if members.len() == 1 { "shows" } else { "show" };
                let _ = writeln!(out, "// {names} {verb}:");
                console_lines(out, "  ", metrics);
            }
        }
    }
}

pub fn run(args: DemoArgs) -> Result<ExitCode, CliError> {
    let json = args.json;
    let runtime = super::runtime()?;
    let output = runtime.block_on(async move {
        let server = Server::start(ServerOptions {
            mdn_delay: Duration::from_millis(50),
            ..ServerOptions::default()
        })
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;
        let clock = Clock::new();
        let resource_origin = server.origin().clone();
        let other = server.other_origin().clone();
        let other_serialized = other.origin().ascii_serialization();
        let insecure_page = Url::parse("http://shop.example/").expect("static URL");
        let pages: [(&str, Url, String); 4] = [
            (
                "a same-origin page",
                resource_origin.clone(),
                "/".to_owned(),
            ),
            (
                "a cross-origin page, no Timing-Allow-Origin",
                other.clone(),
                "/?acao=*".to_owned(),
            ),
            (
                "a cross-origin page, Timing-Allow-Origin names it",
                other.clone(),
                format!("/?acao=*&tao={other_serialized}"),
            ),
            (
                "a page that is not a secure context",
                insecure_page,
                "/?acao=*&tao=*".to_owned(),
            ),
        ];
        let mut out = String::new();
        for (label, page_url, target) in pages {
            let resource = resource_origin.join(&target).expect("a route URL");
            // The four readings of one page, fetched at once.
            let (spec, chromium, firefox, webkit) = tokio::join!(
                page_sees(&page_url, &resource, Engine::Spec, &clock),
                page_sees(&page_url, &resource, Engine::Chromium, &clock),
                page_sees(&page_url, &resource, Engine::Firefox, &clock),
                page_sees(&page_url, &resource, Engine::WebKit, &clock),
            );
            let (spec, measured) = spec?;
            let engines = [
                (Engine::Chromium, chromium?.0),
                (Engine::Firefox, firefox?.0),
                (Engine::WebKit, webkit?.0),
            ];
            let metrics = spec.clone().unwrap_or_default();
            let client = measured.fetch.client();
            if json {
                let line = DemoPageJson {
                    page: label,
                    origin: client.origin.ascii_serialization(),
                    secure_context: client.is_secure_context,
                    resource: resource.as_str(),
                    server_timing: metrics.iter().map(MetricJson::from).collect(),
                    engines: engines
                        .iter()
                        .map(|(engine, seen)| {
                            (
                                engine.name(),
                                seen.as_ref()
                                    .map(|m| m.iter().map(MetricJson::from).collect()),
                            )
                        })
                        .collect(),
                };
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::to_string(&line).expect("a report serializes")
                );
            } else {
                let _ = writeln!(
                    out,
                    "// {label}: {} ({})",
                    client.origin.ascii_serialization(),
                    if client.is_secure_context {
                        "secure context"
                    } else {
                        "not a secure context"
                    }
                );
                let _ = writeln!(out, "// fetch(\"{resource}\")");
                let _ = writeln!(
                    out,
                    "console.log(performance.getEntriesByType('resource')[0].serverTiming);"
                );
                console_lines(&mut out, "", &metrics);
                engine_lines(&mut out, &spec, &engines);
                out.push('\n');
            }
        }
        server.shutdown().await;
        Ok::<_, CliError>(out)
    })?;
    print_stdout(&output)?;
    Ok(ExitCode::SUCCESS)
}
