//! Helpers shared by this crate's integration tests (each test file uses
//! some of them).
#![allow(dead_code)]

use std::ops::Deref;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;

/// A fresh directory for one test, under the system's temporary directory,
/// removed with everything in it when the test drops it.
pub fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!(
        "server-timing-datafusion-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// A directory made by [`scratch`]; read it as a `Path`.
pub struct Scratch(PathBuf);

impl Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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
