//! The `server-timing` binary: everything is in the library
//! (`server_timing_cli`), so benches and fuzz targets reach its parts.

fn main() -> std::process::ExitCode {
    server_timing_cli::main_with_args(std::env::args_os().collect())
}
