//! `resource-timing/resources/entry-invariants.js`, written as Rust
//! functions with the same names (a trailing `_` where the JS helper is
//! one of the file's private `assert_*_` functions).

use crate::harness::*;

pub(crate) fn attribute(entry: &PerformanceResourceTiming, name: &str) -> f64 {
    match name {
        "startTime" => entry.start_time(),
        "duration" => entry.duration(),
        "workerStart" => entry.worker_start(),
        "redirectStart" => entry.redirect_start(),
        "redirectEnd" => entry.redirect_end(),
        "fetchStart" => entry.fetch_start(),
        "domainLookupStart" => entry.domain_lookup_start(),
        "domainLookupEnd" => entry.domain_lookup_end(),
        "connectStart" => entry.connect_start(),
        "connectEnd" => entry.connect_end(),
        "secureConnectionStart" => entry.secure_connection_start(),
        "requestStart" => entry.request_start(),
        "responseStart" => entry.response_start(),
        "responseEnd" => entry.response_end(),
        "transferSize" => entry.transfer_size() as f64,
        "encodedBodySize" => entry.encoded_body_size() as f64,
        "decodedBodySize" => entry.decoded_body_size() as f64,
        other => panic!("no attribute {other} in the invariants"),
    }
}

pub(crate) fn assert_all_equal_(entry: &PerformanceResourceTiming, attributes: &[&str]) -> Outcome {
    let first = attribute(entry, attributes[0]);
    for other in &attributes[1..] {
        ensure!(
            attribute(entry, other) == first,
            "{} should be equal to {other}",
            attributes[0]
        );
    }
    Ok(())
}

pub(crate) fn assert_ordered_(entry: &PerformanceResourceTiming, attributes: &[&str]) -> Outcome {
    for pair in attributes.windows(2) {
        let (before, after) = (attribute(entry, pair[0]), attribute(entry, pair[1]));
        ensure!(
            after >= before,
            "{} ({after}) should be greater than {} ({before})",
            pair[1],
            pair[0]
        );
    }
    Ok(())
}

pub(crate) fn assert_zeroed_(entry: &PerformanceResourceTiming, attributes: &[&str]) -> Outcome {
    for name in attributes {
        let value = attribute(entry, name);
        ensure!(value == 0.0, "{name} should be 0, is {value}");
    }
    Ok(())
}

pub(crate) fn assert_not_negative_(
    entry: &PerformanceResourceTiming,
    attributes: &[&str],
) -> Outcome {
    for name in attributes {
        ensure!(
            attribute(entry, name) >= 0.0,
            "{name} should be greater than or equal to 0"
        );
    }
    Ok(())
}

pub(crate) fn assert_positive_(entry: &PerformanceResourceTiming, attributes: &[&str]) -> Outcome {
    for name in attributes {
        let value = attribute(entry, name);
        ensure!(value > 0.0, "{name} should be greater than 0, is {value}");
    }
    Ok(())
}

pub(crate) fn assert_tao_pass_no_redirect_http(entry: &PerformanceResourceTiming) -> Outcome {
    assert_ordered_(
        entry,
        &[
            "fetchStart",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "connectEnd",
            "requestStart",
            "responseStart",
            "responseEnd",
        ],
    )?;
    assert_zeroed_(
        entry,
        &[
            "workerStart",
            "secureConnectionStart",
            "redirectStart",
            "redirectEnd",
        ],
    )?;
    assert_not_negative_(entry, &["duration"])?;
    assert_positive_(entry, &["fetchStart", "transferSize"])
}

/// Like `assert_tao_pass_no_redirect_http`, but the body is not sent again,
/// so the encoded and decoded sizes are zero.
pub(crate) fn assert_tao_pass_304_not_modified_http(entry: &PerformanceResourceTiming) -> Outcome {
    assert_ordered_(
        entry,
        &[
            "fetchStart",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "connectEnd",
            "requestStart",
            "responseStart",
            "responseEnd",
        ],
    )?;
    assert_zeroed_(
        entry,
        &[
            "workerStart",
            "secureConnectionStart",
            "redirectStart",
            "redirectEnd",
            "encodedBodySize",
            "decodedBodySize",
        ],
    )?;
    assert_not_negative_(entry, &["duration"])?;
    assert_positive_(entry, &["fetchStart", "transferSize"])
}

pub(crate) fn assert_tao_pass_no_redirect_https(entry: &PerformanceResourceTiming) -> Outcome {
    assert_ordered_(
        entry,
        &[
            "fetchStart",
            "domainLookupStart",
            "domainLookupEnd",
            "secureConnectionStart",
            "connectStart",
            "connectEnd",
            "requestStart",
            "responseStart",
            "responseEnd",
        ],
    )?;
    assert_zeroed_(entry, &["workerStart", "redirectStart", "redirectEnd"])?;
    assert_not_negative_(entry, &["duration"])?;
    assert_positive_(entry, &["fetchStart", "transferSize"])
}

/// Like `assert_tao_pass_304_not_modified_http`, for https (entry-invariants.js @a8769604).
pub(crate) fn assert_tao_pass_304_not_modified_https(entry: &PerformanceResourceTiming) -> Outcome {
    assert_tao_pass_no_redirect_https(entry)
}

pub(crate) fn assert_connection_reused(entry: &PerformanceResourceTiming) -> Outcome {
    assert_all_equal_(
        entry,
        &[
            "fetchStart",
            "connectStart",
            "connectEnd",
            "domainLookupStart",
            "domainLookupEnd",
        ],
    )
}

pub(crate) fn assert_same_origin_redirected_resource(entry: &PerformanceResourceTiming) -> Outcome {
    assert_positive_(entry, &["redirectStart"])?;
    ensure!(
        entry.redirect_start() == entry.start_time(),
        "redirectStart should be equal to startTime"
    );
    assert_ordered_(
        entry,
        &[
            "redirectStart",
            "redirectEnd",
            "fetchStart",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
        ],
    )
}

pub(crate) fn assert_cross_origin_redirected_resource(
    entry: &PerformanceResourceTiming,
) -> Outcome {
    assert_zeroed_(
        entry,
        &[
            "redirectStart",
            "redirectEnd",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "connectEnd",
            "secureConnectionStart",
            "requestStart",
            "responseStart",
        ],
    )?;
    assert_positive_(entry, &["fetchStart", "responseEnd"])?;
    assert_ordered_(entry, &["fetchStart", "responseEnd"])
}

pub(crate) fn assert_http_to_cross_origin_redirected_resource(
    entry: &PerformanceResourceTiming,
) -> Outcome {
    assert_cross_origin_redirected_resource(entry)
}

pub(crate) fn assert_tao_enabled_cross_origin_redirected_resource(
    entry: &PerformanceResourceTiming,
) -> Outcome {
    assert_positive_(entry, &["redirectStart"])?;
    assert_ordered_(
        entry,
        &[
            "redirectStart",
            "redirectEnd",
            "fetchStart",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "secureConnectionStart",
            "connectEnd",
            "requestStart",
            "responseStart",
            "responseEnd",
        ],
    )
}

pub(crate) fn assert_http_to_tao_enabled_cross_origin_https_redirected_resource(
    entry: &PerformanceResourceTiming,
) -> Outcome {
    assert_zeroed_(entry, &["secureConnectionStart"])?;
    assert_positive_(entry, &["redirectStart"])?;
    assert_ordered_(
        entry,
        &[
            "redirectStart",
            "redirectEnd",
            "fetchStart",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "connectEnd",
            "requestStart",
            "responseStart",
            "responseEnd",
        ],
    )
}

pub(crate) fn assert_same_origin_redirected_from_cross_origin_resource(
    entry: &PerformanceResourceTiming,
) -> Outcome {
    assert_zeroed_(
        entry,
        &[
            "workerStart",
            "redirectStart",
            "redirectEnd",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "connectEnd",
            "secureConnectionStart",
            "requestStart",
            "responseStart",
            "transferSize",
        ],
    )?;
    assert_ordered_(entry, &["fetchStart", "responseEnd"])?;
    ensure!(
        entry.fetch_start() == entry.start_time(),
        "fetchStart must equal startTime"
    );
    Ok(())
}

pub(crate) fn assert_tao_failure_resource(entry: &PerformanceResourceTiming) -> Outcome {
    ensure!(
        entry.entry_type() == "resource",
        "entryType must always be 'resource'"
    );
    assert_positive_(entry, &["startTime"])?;
    assert_not_negative_(entry, &["duration"])?;
    assert_zeroed_(
        entry,
        &[
            "redirectStart",
            "redirectEnd",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "connectEnd",
            "secureConnectionStart",
            "requestStart",
            "responseStart",
            "transferSize",
        ],
    )
}

/// `network_error_entry_test` of entry-invariants.js, given the load.
pub(crate) fn network_error_entry_test(
    page: &Page,
    url: &str,
    loader: Loader,
    chain: &[Step],
    options: &Load,
) -> Outcome {
    let time_before = page.now();
    let reported = load(page, loader, chain, options);
    let time_after = page.now();
    let entries = page.performance.get_entries_by_name(url, None);
    ensure!(
        entries.len() == 1,
        "resource timing entry for network error: {} entries",
        entries.len()
    );
    let entry = reported.ok_or("the fetch reported no entry")?;
    ensure!(
        entry.name() == entries[0].name(),
        "the reported entry is the buffered one"
    );
    ensure!(
        entry.start_time() == entry.fetch_start(),
        "startTime and fetchStart should be equal"
    );
    ensure!(
        entry.start_time() >= time_before,
        "startTime should be after the time before fetching"
    );
    ensure!(
        time_after >= entry.response_end(),
        "responseEnd should be before the time after the fetch"
    );
    ensure!(entry.response_status() == 0, "responseStatus should be 0");
    ensure!(
        entry.encoded_body_size() == 0,
        "encodedBodySize should be 0"
    );
    ensure!(
        entry.decoded_body_size() == 0,
        "decodedBodySize should be 0"
    );
    ensure!(
        entry.server_timing().is_empty(),
        "serverTiming should be empty"
    );
    ensure!(
        entry.content_type().is_empty(),
        "contentType should be empty"
    );
    ensure!(
        entry.content_encoding().is_empty(),
        "contentEncoding should be empty"
    );
    ensure!(
        entry.next_hop_protocol().is_empty(),
        "nextHopProtocol should be empty"
    );
    assert_tao_failure_resource(&entry)
}

/// A keep-alive connection reused by a second fetch (`assert_connection_reused`
/// is defined by entry-invariants.js; here it checks the driver's clamping).
pub(crate) fn connection_reused() -> Outcome {
    let page = Page::new(HTTPS_ORIGIN);
    let options = Load {
        reused_connection: true,
        ..Load::default()
    };
    let entry = load(
        &page,
        Loader::Fetch,
        &[step(format!("{HTTPS_ORIGIN}/a"))],
        &options,
    )
    .ok_or("no entry")?;
    assert_connection_reused(&entry)?;
    assert_tao_pass_no_redirect_https(&entry)
}

/// This file's own trial: `assert_connection_reused` on a keep-alive connection.
pub(crate) fn cases() -> Vec<wpt::Case> {
    vec![wpt::Case::new(
        "resource-timing/resources/entry-invariants.js : assert_connection_reused",
        connection_reused,
    )]
}
