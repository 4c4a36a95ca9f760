//! The distributed path: a Ballista scheduler and executors that know this
//! crate's functions, and a client context that reaches them with a bounded
//! connect timeout.
//!
//! Ballista ships a plan's scalar functions by name. The scheduler decodes
//! the client's logical plan with the session state its session builder
//! makes, and each executor decodes its tasks with its function registry, so
//! both must have the functions: [`scheduler_config`] and
//! [`executor_config`] put them there (Ballista's
//! `override_session_builder` and `override_function_registry`).

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use ballista::prelude::SessionContextExt;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::utils::default_session_builder;
use ballista_executor::executor_process::ExecutorProcessConfig;
use ballista_scheduler::config::SchedulerConfig;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::SessionContext;

use crate::{all_functions, register_functions, register_functions_in};

/// How long a client waits for the scheduler to accept a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A scheduler's configuration with this crate's functions in every
/// session it builds, listening on `bind_host:port`.
pub fn scheduler_config(bind_host: &str, port: u16) -> SchedulerConfig {
    let mut config = SchedulerConfig {
        bind_host: bind_host.to_owned(),
        bind_port: port,
        external_host: bind_host.to_owned(),
        ..SchedulerConfig::default()
    };
    config.override_session_builder = Some(Arc::new(|session_config| {
        let mut state = default_session_builder(session_config)?;
        register_functions_in(&mut state)?;
        Ok(state)
    }));
    config
}

/// The function registry executors decode tasks with: Ballista's default
/// functions and this crate's.
pub fn function_registry() -> BallistaFunctionRegistry {
    let mut registry = BallistaFunctionRegistry::default();
    for udf in all_functions() {
        registry.scalar_functions.insert(udf.name().to_owned(), udf);
    }
    registry
}

/// Where an executor listens and which scheduler it serves.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The address to listen on (`127.0.0.1` for one machine, `0.0.0.0`
    /// or an address of this machine for a cluster).
    pub bind_host: String,
    /// The name or address the scheduler and other executors reach this
    /// executor at; `bind_host` when `None`.
    pub external_host: Option<String>,
    /// The Arrow Flight port, where other executors fetch shuffle data.
    pub port: u16,
    /// The gRPC port.
    pub grpc_port: u16,
    /// The scheduler's host.
    pub scheduler_host: String,
    /// The scheduler's port.
    pub scheduler_port: u16,
    /// Concurrent tasks (by default the machine's cores).
    pub concurrent_tasks: usize,
    /// Where shuffle files go (a fresh temporary directory by default).
    pub work_dir: Option<String>,
}

/// An executor's configuration with this crate's functions registered.
pub fn executor_config(options: &ExecutorOptions) -> ExecutorProcessConfig {
    ExecutorProcessConfig {
        bind_host: options.bind_host.clone(),
        external_host: Some(
            options
                .external_host
                .clone()
                .unwrap_or_else(|| options.bind_host.clone()),
        ),
        port: options.port,
        grpc_port: options.grpc_port,
        scheduler_host: options.scheduler_host.clone(),
        scheduler_port: options.scheduler_port,
        scheduler_connect_timeout_seconds: CONNECT_TIMEOUT.as_secs() as u16,
        vcores: options.concurrent_tasks,
        work_dir: options.work_dir.clone(),
        override_function_registry: Some(Arc::new(function_registry())),
        ..ExecutorProcessConfig::default()
    }
}

/// The scheduler at `address` (`HOST:PORT`) could not be reached.
#[derive(Debug)]
pub struct UnreachableScheduler {
    /// The address as given.
    pub address: String,
    /// Why: a resolution failure, a refusal, or a timeout.
    pub source: std::io::Error,
}

impl std::fmt::Display for UnreachableScheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot reach the Ballista scheduler at {}", self.address)
    }
}

impl std::error::Error for UnreachableScheduler {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Connects to `address` within [`CONNECT_TIMEOUT`] per resolved address.
pub fn probe_scheduler(address: &str) -> std::result::Result<SocketAddr, UnreachableScheduler> {
    let fail = |source| UnreachableScheduler {
        address: address.to_owned(),
        source,
    };
    let addresses: Vec<SocketAddr> = address.to_socket_addrs().map_err(fail)?.collect();
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
    for socket in addresses {
        match TcpStream::connect_timeout(&socket, CONNECT_TIMEOUT) {
            Ok(_) => return Ok(socket),
            Err(e) => last = e,
        }
    }
    Err(fail(last))
}

/// A context whose queries run on the Ballista cluster whose scheduler is at
/// `address` (`HOST:PORT`), with this crate's functions. Fails with
/// [`UnreachableScheduler`] when no connection is accepted in time.
pub async fn remote_context(address: &str) -> Result<SessionContext> {
    let owned = address.to_owned();
    tokio::task::spawn_blocking(move || probe_scheduler(&owned))
        .await
        .map_err(|e| DataFusionError::External(Box::new(e)))?
        .map_err(|e| DataFusionError::External(Box::new(e)))?;
    let mut state = SessionStateBuilder::new().with_default_features().build();
    register_functions_in(&mut state)?;
    let ctx = SessionContext::remote_with_state(&format!("df://{address}"), state).await?;
    register_functions(&ctx);
    Ok(ctx)
}
