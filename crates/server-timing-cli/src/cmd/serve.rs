//! `server-timing serve`: the loopback test server, for `fetch` to talk to.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use loopback_server::{Server, ServerOptions};

use crate::{print_stdout, CliError};

/// Serve the MDN example and test routes on loopback.
#[derive(Args)]
#[command(after_help = "\
Two origins listen: ADDR and the next port (so a page on one is cross-origin
to the other). Every route honours the repeatable query parameters st=
(Server-Timing), tao= (Timing-Allow-Origin) and acao= (Access-Control-Allow-
Origin; acao=origin echoes the request's Origin).

ROUTES:
    /                    the MDN example: Server-Timing: cache;desc=\"Cache Read\";dur=23.2,
                         db;dur=53, app;dur=47.2, then the body after --delay (1000 ms)
    /echo?status=N       the query's headers and status
    /redirect?to=URL     a 302 to URL (status=301|303|307|308 for others)
    /early-hints         103 Early Hints, then 200 (HTTP/1.1)
    /slow?ms=N           the body in four pieces N ms apart
    /trailers?trailer=V  a chunked body with a Server-Timing trailer V
                         (default total;dur=12.5)
    /encoded?coding=C    a text body content-coded with C (gzip, deflate, br,
                         zstd; repeat to stack codings); bytes=N its length,
                         corrupt=1 spoils it, truncate=N cuts N bytes
    /header-delay?delay=MS
                         the head after MS ms (at most 10 s); with100 and
                         with103 send that interim response first
    /content-length?content=TEXT&length=auto|none|N
                         TEXT with the Content-Length given (a wrong one
                         closes the connection)
    /request-headers     the request's headers, as the body and as
                         x-request-NAME response headers
    /reset               drops the connection in the middle of the body
    /bad-header          sends a header value with a control byte
    /hang                never answers

Stops cleanly on Ctrl-C.")]
pub struct ServeArgs {
    /// The first origin's address (loopback only)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:3000", value_parser = loopback_addr)]
    addr: SocketAddr,
    /// Serve https with a certificate made now; the CA is written to a file
    /// whose path is printed, for `fetch --ca`
    #[arg(long)]
    tls: bool,
    /// The MDN route's delay before its body
    #[arg(long, value_name = "MS", default_value = "1000", value_parser = ms)]
    delay: Duration,
}

fn loopback_addr(text: &str) -> Result<SocketAddr, String> {
    let addr: SocketAddr = text
        .parse()
        .map_err(|_| "not an address like 127.0.0.1:3000".to_owned())?;
    if addr.ip().is_loopback() {
        Ok(addr)
    } else {
        Err("the server listens on loopback only (127.0.0.0/8 or ::1)".into())
    }
}

fn ms(text: &str) -> Result<Duration, String> {
    text.parse()
        .map(Duration::from_millis)
        .map_err(|_| "not a number of ms".into())
}

pub fn run(args: ServeArgs) -> Result<ExitCode, CliError> {
    // The second origin goes on the next port; ServerOptions refuses 65535.
    let options = ServerOptions::at(args.addr).map_err(|e| CliError::Failed(e.to_string()))?;
    let runtime = super::runtime()?;
    runtime.block_on(async move {
        let server = Server::start(ServerOptions {
            tls: args.tls,
            mdn_delay: args.delay,
            ..options
        })
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;
        let mut text = String::new();
        let _ = writeln!(text, "serving two origins (Ctrl-C stops):");
        let _ = writeln!(text, "  {}", server.origin());
        let _ = writeln!(text, "  {}", server.other_origin());
        if let Some(pem) = server.ca_pem() {
            let path =
                std::env::temp_dir().join(format!("server-timing-ca-{}.pem", std::process::id()));
            std::fs::write(&path, pem)
                .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))?;
            let _ = writeln!(text, "test CA (for fetch --ca): {}", path.display());
        }
        let base = server.origin();
        for route in [
            "",
            "echo?st=db;dur=53&tao=*",
            "redirect?to=/echo",
            "early-hints",
            "slow?ms=200",
        ] {
            let _ = writeln!(text, "  {base}{route}");
        }
        print_stdout(&text)?;
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        print_stdout("stopped\n")?;
        Ok::<_, CliError>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
