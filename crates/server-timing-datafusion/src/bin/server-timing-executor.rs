//! `server-timing-executor --scheduler HOST:PORT [--bind-host HOST]
//! [--external-host NAME] [--port PORT] [--grpc-port PORT]`: Ballista's executor with the Server-Timing
//! functions registered.

use std::process::ExitCode;
use std::sync::Arc;

use ballista_executor::executor_process::start_executor_process;
use clap::{value_parser, Arg, Command};
use server_timing_datafusion::cluster::{executor_config, ExecutorOptions};

fn main() -> ExitCode {
    let matches = Command::new("server-timing-executor")
        .about("A Ballista executor with the Server-Timing functions")
        .arg(
            Arg::new("scheduler")
                .long("scheduler")
                .value_name("HOST:PORT")
                .default_value("127.0.0.1:50050"),
        )
        .arg(
            Arg::new("bind-host")
                .long("bind-host")
                .default_value("127.0.0.1"),
        )
        .arg(Arg::new("external-host").long("external-host").help(
            "The name the scheduler and other executors reach this one at (default: --bind-host)",
        ))
        .arg(
            Arg::new("port")
                .long("port")
                .default_value("50051")
                .value_parser(value_parser!(u16))
                .help("Arrow Flight port (shuffle data)"),
        )
        .arg(
            Arg::new("grpc-port")
                .long("grpc-port")
                .default_value("50052")
                .value_parser(value_parser!(u16)),
        )
        .arg(
            Arg::new("concurrent-tasks")
                .long("concurrent-tasks")
                .value_parser(value_parser!(usize)),
        )
        .arg(Arg::new("work-dir").long("work-dir"))
        .get_matches();
    let scheduler = matches.get_one::<String>("scheduler").expect("default");
    let Some((scheduler_host, scheduler_port)) = scheduler
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
    else {
        eprintln!("server-timing-executor: --scheduler wants HOST:PORT, got {scheduler:?}");
        return ExitCode::from(2);
    };
    let options = ExecutorOptions {
        bind_host: matches
            .get_one::<String>("bind-host")
            .expect("default")
            .clone(),
        external_host: matches.get_one::<String>("external-host").cloned(),
        port: *matches.get_one::<u16>("port").expect("default"),
        grpc_port: *matches.get_one::<u16>("grpc-port").expect("default"),
        scheduler_host,
        scheduler_port,
        concurrent_tasks: matches
            .get_one::<usize>("concurrent-tasks")
            .copied()
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        work_dir: matches.get_one::<String>("work-dir").cloned(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("server-timing-executor: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(start_executor_process(Arc::new(executor_config(&options)))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server-timing-executor: {e}");
            ExitCode::FAILURE
        }
    }
}
