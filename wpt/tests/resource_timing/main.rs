//! WPT resource-timing and server-timing scenarios, run through the
//! `resource-timing` crate's `Fetch` driver on `performance-timeline`'s
//! reference embedder.
//!
//! Each trial is named after its WPT file, plus ` : <case>` where the file
//! runs several. [`harness`] is the simulated page and network,
//! [`entry_invariants`] the port of `resources/entry-invariants.js`, and
//! every other module one group of WPT files, with an enum of its cases.
//! Sources and the list of unported cases: `docs/conformance.md`.

mod attributes;
mod cache;
mod content_type;
mod entries;
mod entry_invariants;
mod harness;
mod network_errors;
mod redirects;
mod server_timing;
mod sizes;
mod status;
mod tao;
mod wire;

/// The number of trials: update it with the ports (docs/conformance.md).
const TRIALS: usize = 630;

fn main() {
    let mut cases = Vec::new();
    cases.extend(tao::cases());
    cases.extend(redirects::cases());
    cases.extend(sizes::cases());
    cases.extend(entries::cases());
    cases.extend(network_errors::cases());
    cases.extend(entry_invariants::cases());
    cases.extend(status::cases());
    cases.extend(server_timing::cases());
    cases.extend(cache::cases());
    cases.extend(content_type::cases());
    cases.extend(attributes::cases());
    cases.extend(wire::cases());
    wpt::run("resource_timing", TRIALS, cases)
}
