//! `server-timing-loggen --rows N [--files F] [--seed S] --out DIR`: a
//! deterministic CDN-style log with Server-Timing headers, as Parquet.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{value_parser, Arg, Command};
use server_timing_datafusion::loggen::write_log;

fn main() -> ExitCode {
    let matches = Command::new("server-timing-loggen")
        .about("Writes a deterministic CDN-style access log with Server-Timing headers to Parquet")
        .arg(
            Arg::new("rows")
                .long("rows")
                .required(true)
                .value_parser(value_parser!(u64)),
        )
        .arg(
            Arg::new("files")
                .long("files")
                .default_value("1")
                .value_parser(value_parser!(usize)),
        )
        .arg(
            Arg::new("seed")
                .long("seed")
                .default_value("15")
                .value_parser(value_parser!(u64)),
        )
        .arg(
            Arg::new("out")
                .long("out")
                .required(true)
                .value_parser(value_parser!(PathBuf)),
        )
        .get_matches();
    let rows = *matches.get_one::<u64>("rows").expect("required");
    let files = *matches.get_one::<usize>("files").expect("default");
    let seed = *matches.get_one::<u64>("seed").expect("default");
    let out = matches.get_one::<PathBuf>("out").expect("required");
    match write_log(out, rows, files, seed) {
        Ok(paths) => {
            for path in paths {
                println!("{}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("server-timing-loggen: {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}
