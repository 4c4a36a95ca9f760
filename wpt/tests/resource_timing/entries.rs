//! Which loads get an entry: `status-codes-create-entry.html`,
//! `cross-origin-status-codes.html`, the `object-not-found-*` files and
//! `resource-ignore-data-url.html`.

use crate::entry_invariants::*;
use crate::harness::*;

/// `cross-origin-status-codes.html`: 8 cross-origin loads without TAO look alike.
pub(crate) fn cross_origin_status_codes() -> Outcome {
    let page = Page::new(ORIGIN);
    let mut seen = Vec::new();
    for loader in [Loader::Image, Loader::Script] {
        for status in [200, 307, 404, 502] {
            let url = format!(
                "{REMOTE_ORIGIN}/resource-timing/resources/status-code.py?status={status}&{}",
                loader.name()
            );
            // A 307 without Location is a final response, as status-code.py sends it.
            let entry = entry(
                &page,
                loader,
                &[step(url).status(status).body(u64::from(status))],
            )?;
            seen.push((
                entry.entry_type().to_owned(),
                entry.next_hop_protocol().to_owned(),
                entry.transfer_size(),
                entry.encoded_body_size(),
                entry.decoded_body_size(),
            ));
        }
    }
    ensure!(seen.len() == 8, "8 entries");
    ensure!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "cross-origin entries should look alike: {seen:?}"
    );
    Ok(())
}

/// `status-codes-create-entry.html`: four `<img>` and four `<script>`
/// elements on the page's origin get 200, 307 (without `Location`, so a
/// final response), 404 and 502. Each must have an entry with a positive
/// duration. (The file's last assertion, that three `<script>` elements
/// have no `src` or are testharness's, is about its own markup.)
pub(crate) fn status_codes_create_entry() -> Outcome {
    let page = Page::new(&format!(
        "{ORIGIN}/resource-timing/status-codes-create-entry.html"
    ));
    let base = format!("{ORIGIN}/resource-timing/resources/status-code.py");
    let mut urls = Vec::new();
    for (loader, suffix) in [(Loader::Image, ""), (Loader::Script, "&script=1")] {
        for status in [200, 307, 404, 502] {
            let url = format!("{base}?status={status}{suffix}");
            load(
                &page,
                loader,
                &[step(&url).status(status).body(0)],
                &Load::default(),
            );
            urls.push(url);
        }
    }
    for url in &urls {
        let entries = page.performance.get_entries_by_name(url, None);
        ensure!(!entries.is_empty(), "no entry for {url}");
        ensure!(
            entries[0].duration() > 0.0,
            "the duration of {url} should be greater than 0, is {}",
            entries[0].duration()
        );
    }
    Ok(())
}

/// `object-not-found-adds-entry.html`: an `<object>` of status-code.py on
/// the page's origin gets an entry that passes `assert_tao_pass_no_redirect_http`.
pub(crate) fn object_not_found_adds_entry(status: u16, type_: &str) -> Outcome {
    let page = Page::new(&format!(
        "{ORIGIN}/resource-timing/object-not-found-adds-entry.html"
    ));
    let hop = step(format!(
        "{ORIGIN}/resource-timing/resources/status-code.py?status={status}&type={type_}"
    ))
    .status(status)
    .body(0);
    assert_tao_pass_no_redirect_http(&*entry(&page, Loader::Object, &[hop])?)
}

/// `object-not-found-after-cross-origin-redirect.html`: an `<object>`
/// through slow-redirect.py on the page's origin (1 s before its 302) to a
/// 404 on REMOTE_ORIGIN without TAO. startTime must not hide the redirect delay.
pub(crate) fn object_not_found_after_cross_origin_redirect() -> Outcome {
    let page = Page::new(&format!(
        "{ORIGIN}/resource-timing/object-not-found-after-cross-origin-redirect.html"
    ));
    let delay = 1.0;
    let not_found = "/resource-timing/resources/status-code.py?status=404";
    let time_before = page.now();
    // The test waits 10 ms before it adds the <object>.
    page.event_loop.advance(10.0);
    let chain = [
        step(format!(
            "{ORIGIN}/common/slow-redirect.py?delay={delay}&location={REMOTE_ORIGIN}{}",
            not_found
                .replace('/', "%2F")
                .replace('?', "%3F")
                .replace('=', "%3D")
        ))
        .delay(delay * 1000.0),
        step(format!("{REMOTE_ORIGIN}{not_found}"))
            .status(404)
            .body(0),
    ];
    let entry = entry(&page, Loader::Object, &chain)?;
    ensure!(
        entry.start_time() == entry.fetch_start(),
        "startTime and fetchStart should be equal"
    );
    ensure!(
        entry.start_time() > time_before,
        "startTime and fetchStart should be greater than the time before fetching"
    );
    ensure!(
        (entry.start_time() - time_before).round() < delay * 1000.0,
        "startTime should not expose redirect delays ({} ms after the time before)",
        entry.start_time() - time_before
    );
    Ok(())
}

/// `resource-ignore-data-url.html`: an `<img>` of a `data:` GIF gets no
/// entry; a later `<img>` of `blue.png` does. An observer of "resource"
/// entries must never see a `data:` name, and must see `blue.png`.
pub(crate) fn resource_ignore_data_url() -> Outcome {
    use std::sync::Mutex;
    let page = Page::new(&format!(
        "{ORIGIN}/resource-timing/resource-ignore-data-url.html"
    ));
    let seen: Arc<Mutex<Vec<performance_timeline::EntryRef>>> = Arc::default();
    let sink = seen.clone();
    let observer =
        performance_timeline::PerformanceObserver::new(&page.performance, move |list, _, _| {
            sink.lock()
                .expect("not poisoned")
                .extend(list.get_entries());
        });
    observer
        .observe(performance_timeline::PerformanceObserverInit::with_entry_types(["resource"]))
        .map_err(|e| format!("{e:?}"))?;
    // The data: URL is fetched by a scheme fetch: no connection, a 200
    // with the decoded bytes (a 1×1 GIF, 43 bytes).
    let data_url =
        "data:image/gif;base64,R0lGODlhAQABAIAAAOTm7AAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==";
    let request = Loader::Image.request(data_url);
    let mut fetch = Fetch::start(request, page.client.clone(), page.tick());
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("image/gif"),
    );
    let at = page.tick();
    fetch.response_started(at);
    fetch
        .response_headers(200, &headers, at)
        .map_err(|e| e.to_string())?;
    fetch.body_received(43, 43);
    fetch.end_of_body(page.tick());
    ensure!(fetch.is_finished(), "the data: fetch finished");
    ensure!(
        fetch.report_timing(&page.performance).is_none(),
        "a data: URL must not be reported"
    );
    page.event_loop.run_until_idle();
    // After the load event: load.image("blue.png"), relative to the test.
    entry(
        &page,
        Loader::Image,
        &[step(format!("{ORIGIN}/resource-timing/blue.png")).body(1010)],
    )?;
    page.event_loop.run_until_idle();
    let seen = seen.lock().expect("not poisoned");
    let data_entries = seen.iter().filter(|e| e.name().contains("data:")).count();
    ensure!(
        data_entries == 0,
        "There must be no entry for `data: URL`, the observer saw {data_entries}"
    );
    ensure!(
        seen.iter().any(|e| e.name().contains("blue.png")),
        "the observer did not see blue.png"
    );
    let buffered = page.performance.get_entries_by_type("resource");
    ensure!(
        buffered.iter().all(|e| !e.name().contains("data:")),
        "the buffer holds an entry for the data: URL"
    );
    Ok(())
}

/// The trials of this group.
enum Case {
    CrossOriginStatusCodes,
    StatusCodesCreateEntry,
    /// `object-not-found-adds-entry.html`, one object.
    ObjectNotFoundAddsEntry {
        status: u16,
        type_: &'static str,
        label: &'static str,
    },
    ObjectNotFoundAfterCrossOriginRedirect,
    ResourceIgnoreDataUrl,
}

impl Case {
    fn all() -> Vec<Case> {
        let mut all = vec![Case::CrossOriginStatusCodes, Case::StatusCodesCreateEntry];
        all.extend(
            [
                (
                    200,
                    "none",
                    "Verify that a 200 null-typed object emits an entry.",
                ),
                (
                    404,
                    "none",
                    "Verify that a 404 null-typed object emits an entry.",
                ),
                (
                    404,
                    "img",
                    "Verify that a 404 img-typed object emits an entry.",
                ),
            ]
            .map(|(status, type_, label)| Case::ObjectNotFoundAddsEntry {
                status,
                type_,
                label,
            }),
        );
        all.extend([
            Case::ObjectNotFoundAfterCrossOriginRedirect,
            Case::ResourceIgnoreDataUrl,
        ]);
        all
    }

    fn name(&self) -> String {
        match self {
            Case::CrossOriginStatusCodes => "resource-timing/cross-origin-status-codes.html".into(),
            Case::StatusCodesCreateEntry => "resource-timing/status-codes-create-entry.html".into(),
            Case::ObjectNotFoundAddsEntry { label, .. } => {
                format!("resource-timing/object-not-found-adds-entry.html : {label}")
            }
            Case::ObjectNotFoundAfterCrossOriginRedirect => {
                "resource-timing/object-not-found-after-cross-origin-redirect.html".into()
            }
            Case::ResourceIgnoreDataUrl => "resource-timing/resource-ignore-data-url.html".into(),
        }
    }

    fn run(&self) -> Outcome {
        match *self {
            Case::CrossOriginStatusCodes => cross_origin_status_codes(),
            Case::StatusCodesCreateEntry => status_codes_create_entry(),
            Case::ObjectNotFoundAddsEntry { status, type_, .. } => {
                object_not_found_adds_entry(status, type_)
            }
            Case::ObjectNotFoundAfterCrossOriginRedirect => {
                object_not_found_after_cross_origin_redirect()
            }
            Case::ResourceIgnoreDataUrl => resource_ignore_data_url(),
        }
    }
}

/// This group's trials.
pub(crate) fn cases() -> Vec<wpt::Case> {
    Case::all()
        .into_iter()
        .map(|case| wpt::Case::new(case.name(), move || case.run()))
        .collect()
}
