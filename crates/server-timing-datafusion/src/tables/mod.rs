//! The tables a user already has: Parquet, CSV and NDJSON logs through
//! DataFusion's own readers, and HAR files ([`har`]).

pub mod har;

use std::path::Path;
use std::sync::Arc;

use datafusion::common::{plan_err, Result};
use datafusion::prelude::{CsvReadOptions, JsonReadOptions, ParquetReadOptions, SessionContext};

pub use har::{har_schema, har_table, HarError};

/// A table's file format, from its path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TableFormat {
    /// `.parquet`, or a directory of Parquet files.
    Parquet,
    /// `.csv`, with a header row.
    Csv,
    /// `.json`, `.ndjson` or `.jsonl`: one JSON object per line.
    NdJson,
    /// `.har`: a HAR 1.2 file, one row per entry.
    Har,
}

impl TableFormat {
    /// The format of `path`: by its extension, Parquet for a directory.
    pub fn of_path(path: &Path) -> Option<TableFormat> {
        if path.is_dir() {
            return Some(TableFormat::Parquet);
        }
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match extension.as_str() {
            "parquet" => TableFormat::Parquet,
            "csv" => TableFormat::Csv,
            "json" | "ndjson" | "jsonl" => TableFormat::NdJson,
            "har" => TableFormat::Har,
            _ => return None,
        })
    }
}

/// Registers the file or directory at `path` as table `name` of `ctx`.
pub async fn register_table(ctx: &SessionContext, name: &str, path: &Path) -> Result<()> {
    let Some(format) = TableFormat::of_path(path) else {
        return plan_err!(
            "{}: unknown table format (use .parquet, .csv, .json/.ndjson/.jsonl, .har or a directory of Parquet files)",
            path.display()
        );
    };
    let Some(location) = path.to_str() else {
        return plan_err!("{}: the path is not UTF-8", path.display());
    };
    match format {
        TableFormat::Parquet => {
            ctx.register_parquet(name, location, ParquetReadOptions::default())
                .await
        }
        TableFormat::Csv => {
            ctx.register_csv(name, location, CsvReadOptions::new())
                .await
        }
        TableFormat::NdJson => {
            let extension = path
                .extension()
                .and_then(|e| e.to_str())
                .map(|e| format!(".{e}"))
                .unwrap_or_default();
            ctx.register_json(
                name,
                location,
                JsonReadOptions::default().file_extension(&extension),
            )
            .await
        }
        TableFormat::Har => {
            ctx.register_table(name, Arc::new(har_table(path)?))?;
            Ok(())
        }
    }
}
