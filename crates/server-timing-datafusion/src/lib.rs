//! Server-Timing analytics past one machine: the `Server-Timing` parser, the
//! lint and the exposure rules of this workspace as Apache DataFusion SQL
//! functions over Arrow arrays, HAR files as tables, and the same queries
//! distributed on a Ballista cluster.
//!
//! # Functions
//!
//! | function | result |
//! | --- | --- |
//! | `server_timing(value [, engine])` | `List<Struct<name, duration, description>>`, as `PerformanceServerTiming` gives it |
//! | `server_timing_duration(value, metric_name [, engine])` | `Float64`: the first metric of that name's duration, null when absent |
//! | `timing_allow_passes(timing_allow_origin, page_origin, resource_url [, engine])` | `Boolean`: the TAO check of the fetch |
//! | `server_timing_visible(server_timing, timing_allow_origin, page_origin, resource_url [, engine])` | `Boolean`: whether the page's entry carries the metrics |
//! | `server_timing_lint(value)` | `Struct<passes, clean, findings: List<Utf8>>` |
//!
//! `engine` is `spec` (the default), `chromium`, `firefox` or `webkit`
//! ([`server_timing::engines::Engine`]). Values are strings or binaries; a
//! null value gives null, and no value, however malformed, fails a query.
//!
//! ```
//! use datafusion::prelude::SessionContext;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> datafusion::error::Result<()> {
//! let ctx = SessionContext::new();
//! server_timing_datafusion::register_functions(&ctx);
//! let batches = ctx
//!     .sql("SELECT server_timing_duration('cdn;dur=12.5, app;dur=40', 'app') AS app")
//!     .await?
//!     .collect()
//!     .await?;
//! let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)?.to_string();
//! assert!(text.contains("| 40.0 |"), "{text}");
//! # Ok(())
//! # }
//! ```

pub mod cluster;
pub mod functions;
pub mod loggen;
pub mod tables;

use datafusion::execution::FunctionRegistry;
use datafusion::prelude::SessionContext;

pub use functions::all_functions;

/// Registers every function of this crate in `ctx`.
pub fn register_functions(ctx: &SessionContext) {
    for udf in all_functions() {
        ctx.register_udf(udf.as_ref().clone());
    }
}

/// Registers every function of this crate in a function registry (a
/// `SessionState` being built for a scheduler, for instance).
pub fn register_functions_in(registry: &mut dyn FunctionRegistry) -> datafusion::error::Result<()> {
    for udf in all_functions() {
        registry.register_udf(udf)?;
    }
    Ok(())
}
