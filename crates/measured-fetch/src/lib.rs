//! Real HTTP for the resource-timing pipeline: fetches over TCP and TLS
//! (HTTP/1.1, and HTTP/2 by ALPN) whose every event (DNS lookup, connect,
//! TLS handshake, request sent, first byte of each response, interim `103`
//! responses, headers, body bytes, end) is reported as it happens to a
//! [`resource_timing::Fetch`], with redirects followed hop by hop as Fetch
//! does. (The two-origin loopback test server the tests and the CLI use is
//! the unpublished `loopback-server` crate.) Fetches that
//! share a [`client::ConnectionPool`] reuse idle connections to the same
//! origin, as a browser does, and their entries show it.
//!
//! Nothing here calls the outside network in tests: servers listen on
//! loopback only, and https uses certificates generated at run time.
//!
//! # Example
//!
//! ```
//! use loopback_server::{Server, ServerOptions};
//! use measured_fetch::{client, Clock, Page};
//! use resource_timing::performance_timeline::PerformanceEntry;
//! use std::time::Duration;
//!
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! runtime.block_on(async {
//!     let options = ServerOptions { mdn_delay: Duration::from_millis(10), ..ServerOptions::default() };
//!     let server = Server::start(options).await.unwrap();
//!     let clock = Clock::new();
//!     // A same-origin page on the server's first origin (loopback: a secure context).
//!     let page = Page::new(server.origin(), &clock);
//!     let options = client::FetchOptions::new(page.client().clone());
//!     let measured = client::fetch(server.origin().clone(), &options, &clock).await.unwrap();
//!     let entry = measured.report_timing(page.performance()).unwrap();
//!     let metrics = entry.server_timing();
//!     let names: Vec<&str> = metrics.iter().map(|m| m.name()).collect();
//!     assert_eq!(names, ["cache", "db", "app"]);
//!     // The body came at least 10 ms after the request.
//!     assert!(entry.response_end() >= entry.request_start() + 9.0);
//!     assert_eq!(entry.name(), server.origin().as_str());
//!     server.shutdown().await;
//! });
//! ```

pub mod client;
mod clock;
mod connection;
pub mod content_coding;
pub mod destination;
pub mod error;
mod page;
mod pool;
pub mod tls;
pub mod wire;

pub use clock::Clock;
pub use error::{HopError, Step};
pub use page::Page;
