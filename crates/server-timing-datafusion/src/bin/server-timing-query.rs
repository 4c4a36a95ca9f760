//! `server-timing-query "SQL" --table NAME=PATH ... [--scheduler HOST:PORT]`:
//! runs one SQL query with the Server-Timing functions over log files,
//! locally on DataFusion or on a Ballista cluster.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Arg, ArgAction, Command};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::SessionContext;
use server_timing_datafusion::cluster::remote_context;
use server_timing_datafusion::register_functions;
use server_timing_datafusion::tables::{register_table, TableFormat};

fn command() -> Command {
    Command::new("server-timing-query")
        .about("Runs SQL with the Server-Timing functions over Parquet, CSV, NDJSON and HAR files")
        .after_help(
            "Functions: server_timing(value [, engine]), server_timing_duration(value, name [, engine]),\n\
             timing_allow_passes(tao, page_origin, url [, engine]),\n\
             server_timing_visible(server_timing, tao, page_origin, url [, engine]), server_timing_lint(value).\n\
             Engines: spec (default), chromium, firefox, webkit. See docs/scale.md.",
        )
        .arg(Arg::new("sql").required(true).help("The query"))
        .arg(
            Arg::new("table")
                .long("table")
                .action(ArgAction::Append)
                .value_name("NAME=PATH")
                .help("A table: .parquet (or a directory of them), .csv, .json/.ndjson/.jsonl, .har"),
        )
        .arg(
            Arg::new("scheduler")
                .long("scheduler")
                .value_name("HOST:PORT")
                .help("Run on the Ballista cluster of this scheduler (server-timing-scheduler)"),
        )
}

async fn run(
    sql: &str,
    tables: &[(String, PathBuf)],
    scheduler: Option<&str>,
) -> Result<String, String> {
    let ctx = match scheduler {
        Some(address) => remote_context(address).await.map_err(|e| error_line(&e))?,
        None => {
            let ctx = SessionContext::new();
            register_functions(&ctx);
            ctx
        }
    };
    for (name, path) in tables {
        if scheduler.is_some() && TableFormat::of_path(path) == Some(TableFormat::Har) {
            return Err(format!(
                "{}: HAR tables run locally only (convert to Parquet for a cluster: COPY (SELECT ...) TO 'x.parquet')",
                path.display()
            ));
        }
        register_table(&ctx, name, path)
            .await
            .map_err(|e| format!("table {name}: {}", error_line(&e)))?;
    }
    let batches = ctx
        .sql(sql)
        .await
        .map_err(|e| error_line(&e))?
        .collect()
        .await
        .map_err(|e| error_line(&e))?;
    pretty_format_batches(&batches)
        .map(|t| t.to_string())
        .map_err(|e| e.to_string())
}

/// An error and its causes on one line.
fn error_line(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}

fn main() -> ExitCode {
    let matches = command().get_matches();
    let sql = matches.get_one::<String>("sql").expect("required");
    let mut tables = Vec::new();
    for spec in matches.get_many::<String>("table").into_iter().flatten() {
        let Some((name, path)) = spec
            .split_once('=')
            .filter(|(n, p)| !n.is_empty() && !p.is_empty())
        else {
            eprintln!("server-timing-query: --table wants NAME=PATH, got {spec:?}");
            return ExitCode::from(2);
        };
        tables.push((name.to_owned(), PathBuf::from(path)));
    }
    let scheduler = matches.get_one::<String>("scheduler").cloned();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("server-timing-query: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(sql, &tables, scheduler.as_deref())) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(line) => {
            eprintln!("server-timing-query: {line}");
            ExitCode::FAILURE
        }
    }
}
