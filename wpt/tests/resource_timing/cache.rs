//! `resource-timing/304-response-recorded.html` (divmain/wpt @5942d002) and
//! `resource-timing/delivery-type.tentative.any.js` (web-platform-tests/wpt
//! @4989a821): entries of responses from the network, the HTTP cache and a
//! revalidation.

use crate::entry_invariants::*;
use crate::harness::*;
use performance_timeline::{EntryRef, PerformanceObserver, PerformanceObserverInit};
use resource_timing::CacheState;
use std::cell::RefCell;

/// The resource entries a buffered `resource` observer's first callback
/// gets (`new PerformanceObserver(...).observe({type: "resource", buffered: true})`).
fn buffered_resource_entries(page: &Page) -> Result<Vec<EntryRef>, String> {
    let seen: Rc<RefCell<Vec<EntryRef>>> = Rc::default();
    let sink = seen.clone();
    let observer = PerformanceObserver::new(&page.performance, move |list, obs, _| {
        sink.borrow_mut().extend(list.get_entries());
        obs.disconnect();
    });
    observer
        .observe(PerformanceObserverInit::buffered_type("resource"))
        .map_err(|e| e.to_string())?;
    page.event_loop.run_until_idle();
    let entries = seen.borrow().clone();
    Ok(entries)
}

/// The entry as a `PerformanceResourceTiming`.
fn typed(entry: &EntryRef) -> Result<&PerformanceResourceTiming, String> {
    entry
        .as_any()
        .downcast_ref::<PerformanceResourceTiming>()
        .ok_or_else(|| format!("{} is not a PerformanceResourceTiming", entry.name()))
}

/// `304-response-recorded.html`: "304 responses should still show up in the
/// PerformanceTimeline". Two sync XHRs of `fake_responses.py?tag=T`; the
/// second sends `If-None-Match: T` itself, so Fetch bypasses the HTTP cache
/// (a request with a conditional header gets cache mode "no-store") and the
/// server's 304, with no body, is the response.
fn response_304_recorded() -> Outcome {
    let page = Page::new(ORIGIN);
    page.performance.clear_resource_timings();
    let url = format!("{ORIGIN}/resource-timing/resources/fake_responses.py?tag=0.5");
    entry(&page, Loader::Xhr, &[step(&url).body(10)])?;
    entry(&page, Loader::Xhr, &[step(&url).status(304).body(0)])?;
    let entries = buffered_resource_entries(&page)?;
    ensure!(
        entries.len() == 2,
        "Expecting 2 but got {} entries",
        entries.len()
    );
    ensure!(
        entries[0].name() == entries[1].name(),
        "Both entries should have the same name"
    );
    assert_tao_pass_no_redirect_http(typed(&entries[0])?)?;
    assert_tao_pass_304_not_modified_http(typed(&entries[1])?)
}

/// `delivery-type.tentative.any.js`: "PerformanceResourceTiming deliveryType
/// test". `cacheable-and-validated.py` fetched three times: from the network
/// (cache mode ""), from the cache ("local") and revalidated with
/// `Cache-Control: max-age=0` ("validated").
fn delivery_type() -> Outcome {
    let page = Page::new(ORIGIN);
    let url = format!(
        "{ORIGIN}/resource-timing/resources/cacheable-and-validated.py?content=somecontent&0.25"
    );
    let body = "somecontent".len() as u64;
    for cache_state in [None, Some(CacheState::Local), Some(CacheState::Validated)] {
        let options = Load {
            cache_state,
            ..Load::default()
        };
        load(&page, Loader::Fetch, &[step(&url).body(body)], &options).ok_or("no entry")?;
    }
    let entries: Vec<EntryRef> = buffered_resource_entries(&page)?
        .into_iter()
        .filter(|e| e.name() == url)
        .collect();
    ensure!(
        entries.len() == 3,
        "Wrong number of entries: {}",
        entries.len()
    );
    ensure!(
        typed(&entries[0])?.delivery_type().is_empty(),
        "Expect empty deliveryType for 200 response, got {:?}",
        typed(&entries[0])?.delivery_type()
    );
    for e in &entries[1..] {
        let e = typed(e)?;
        ensure!(
            e.delivery_type() == "cache",
            "Expect 'cache' deliveryType for cached or 304 response, got {:?}",
            e.delivery_type()
        );
    }
    Ok(())
}

/// This group's trials.
pub(crate) fn cases() -> Vec<wpt::Case> {
    vec![
        wpt::Case::new(
            "resource-timing/304-response-recorded.html : 304 responses should still show up in the PerformanceTimeline",
            response_304_recorded,
        ),
        wpt::Case::new(
            "resource-timing/delivery-type.tentative.any.js : PerformanceResourceTiming deliveryType test",
            delivery_type,
        ),
    ]
}
