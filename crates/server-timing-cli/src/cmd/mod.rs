//! One file per subcommand: its arguments (clap's derive API) and its `run`.

pub mod demo;
pub mod fetch;
pub mod har;
pub mod lint;
pub mod parse;
pub mod serve;

use server_timing::engines::{Engine, UnknownEngine};
use url::Url;

/// `--engine NAME` (or `--engine=NAME`), in every subcommand that has it.
pub fn engine(name: &str) -> Result<Engine, UnknownEngine> {
    name.parse()
}

/// An http(s) URL, for `--origin`, `--client-origin` and `fetch URL`.
pub fn http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("not a URL: {e}"))?;
    if matches!(url.scheme(), "http" | "https") {
        Ok(url)
    } else {
        Err(format!("a {}: URL (only http and https)", url.scheme()))
    }
}

/// A tokio runtime on this thread.
pub fn runtime() -> Result<tokio::runtime::Runtime, crate::CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::CliError::Failed(format!("cannot start the async runtime: {e}")))
}
