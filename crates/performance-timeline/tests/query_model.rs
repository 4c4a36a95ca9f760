//! Property test: `getEntries*` (name index, sort skipping, cross-type
//! merge) against a naive filter + stable sort over everything queued.

use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::{BasicEntry, EntryRef, Performance};
use proptest::prelude::*;

const TYPES: [&str; 3] = ["mark", "measure", "navigation"];
const NAMES: [&str; 4] = ["a", "b", "c", "https://x.test/a"];

#[derive(Debug, Clone)]
enum Op {
    Queue {
        type_: usize,
        name: usize,
        start: u8,
    },
    ClearMarks(Option<usize>),
    /// Run every query and compare. Between two checks, several entries may
    /// be added: the name index then links them all at the next query.
    Check,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0..TYPES.len(), 0..NAMES.len(), 0u8..6).prop_map(|(type_, name, start)| Op::Queue { type_, name, start }),
        1 => proptest::option::of(0..NAMES.len()).prop_map(Op::ClearMarks),
        3 => Just(Op::Check),
    ]
}

fn key(e: &EntryRef) -> (String, String, f64) {
    (
        e.entry_type().to_owned(),
        e.name().to_owned(),
        e.start_time(),
    )
}

fn naive(
    model: &[EntryRef],
    name: Option<&str>,
    type_: Option<&str>,
) -> Vec<(String, String, f64)> {
    // Buffer map order is alphabetical by type, then insertion order; then a stable sort by startTime.
    let mut types: Vec<&str> = TYPES.to_vec();
    types.sort();
    let mut out: Vec<&EntryRef> = Vec::new();
    for t in types {
        if type_.is_some_and(|want| want != t) {
            continue;
        }
        out.extend(
            model
                .iter()
                .filter(|e| e.entry_type() == t && name.is_none_or(|n| e.name() == n)),
        );
    }
    out.sort_by(|a, b| a.start_time().total_cmp(&b.start_time()));
    out.into_iter().map(key).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn queries_match_a_naive_filter_and_stable_sort(ops in proptest::collection::vec(op(), 0..80)) {
        let event_loop = ReferenceEventLoop::new();
        let url = url::Url::parse("https://example.com/").unwrap();
        let p = Performance::new(ReferenceEmbedder::new(&event_loop, &url));
        let mut model: Vec<EntryRef> = Vec::new();
        for op in ops.into_iter().chain([Op::Check]) {
            match op {
                Op::Queue { type_, name, start } => {
                    let e = BasicEntry::shared(NAMES[name], TYPES[type_], f64::from(start), 0.0);
                    p.queue_a_performance_entry(e.clone());
                    model.push(e);
                }
                Op::ClearMarks(name) => {
                    let name = name.map(|n| NAMES[n]);
                    p.clear_entries("mark", name);
                    model.retain(|e| e.entry_type() != "mark" || name.is_some_and(|n| e.name() != n));
                }
                Op::Check => {}
            }
            if !matches!(op, Op::Check) {
                continue;
            }
            let all: Vec<_> = p.get_entries().iter().map(key).collect();
            prop_assert_eq!(all, naive(&model, None, None));
            for t in TYPES.iter().copied().chain(["resource", "Mark"]) {
                let got: Vec<_> = p.get_entries_by_type(t).iter().map(key).collect();
                prop_assert_eq!(got, naive(&model, None, Some(t)));
            }
            for n in NAMES {
                let got: Vec<_> = p.get_entries_by_name(n, None).iter().map(key).collect();
                prop_assert_eq!(got, naive(&model, Some(n), None));
                let got: Vec<_> = p.get_entries_by_name(n, Some("measure")).iter().map(key).collect();
                prop_assert_eq!(got, naive(&model, Some(n), Some("measure")));
            }
        }
    }
}
