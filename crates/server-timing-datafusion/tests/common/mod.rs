//! Helpers shared by this crate's integration tests (each test file uses
//! some of them).
#![allow(dead_code)]

use std::path::PathBuf;

use datafusion::arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;

/// A fresh directory for one test, under the system's temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "server-timing-datafusion-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `sql` and collects its batches; a failure names the query.
pub async fn query(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
    ctx.sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}
