//! `server-timing-scheduler [--bind-host HOST] [--port PORT]`: a Ballista
//! scheduler whose sessions know the Server-Timing functions.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::scheduler_process::start_server;
use clap::{value_parser, Arg, Command};
use server_timing_datafusion::cluster::scheduler_config;

fn main() -> ExitCode {
    let matches = Command::new("server-timing-scheduler")
        .about("A Ballista scheduler with the Server-Timing functions")
        .arg(
            Arg::new("bind-host")
                .long("bind-host")
                .default_value("127.0.0.1")
                .help("Address to listen on (a routable one for a cluster of machines)"),
        )
        .arg(
            Arg::new("port")
                .long("port")
                .default_value("50050")
                .value_parser(value_parser!(u16)),
        )
        .get_matches();
    let host = matches.get_one::<String>("bind-host").expect("default");
    let port = *matches.get_one::<u16>("port").expect("default");
    let address: SocketAddr = match format!("{host}:{port}").parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("server-timing-scheduler: bad --bind-host {host:?}: {e}");
            return ExitCode::from(2);
        }
    };
    let config = scheduler_config(host, port);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(32 * 1024 * 1024)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("server-timing-scheduler: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        let cluster = BallistaCluster::new_from_config(&config).await?;
        start_server(cluster, address, Arc::new(config)).await
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server-timing-scheduler: {e}");
            ExitCode::FAILURE
        }
    }
}
