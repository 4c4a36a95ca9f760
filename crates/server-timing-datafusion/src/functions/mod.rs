//! The SQL functions, as DataFusion scalar UDFs over Arrow arrays.

mod args;
mod exposure;
mod lint;
mod parse;

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

pub use exposure::ExposureUdf;
pub use lint::ServerTimingLintUdf;
pub use parse::{
    metric_fields, server_timing_array, server_timing_type, ServerTimingDurationUdf,
    ServerTimingUdf,
};

/// Every function of this crate: `server_timing`, `server_timing_duration`,
/// `timing_allow_passes`, `server_timing_visible` and `server_timing_lint`.
pub fn all_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(ServerTimingUdf::new())),
        Arc::new(ScalarUDF::new_from_impl(ServerTimingDurationUdf::new())),
        Arc::new(ScalarUDF::new_from_impl(ExposureUdf::timing_allow_passes())),
        Arc::new(ScalarUDF::new_from_impl(
            ExposureUdf::server_timing_visible(),
        )),
        Arc::new(ScalarUDF::new_from_impl(ServerTimingLintUdf::new())),
    ]
}
