//! Property tests: no input panics, the one-pass parser agrees with Fetch's
//! split followed by the per-member algorithm, diagnostics never change the
//! result, and the serializer's output parses back to the same metrics.

use fetch_headers::split_a_header_value;
use proptest::prelude::*;
use server_timing::{
    parse_a_server_timing_header_field, parse_server_timing, parse_server_timing_str,
    parse_server_timing_with_diagnostics, Diagnostic, PerformanceServerTiming, ServerTimingBuilder,
    ServerTimingList,
};

fn triples<'a>(
    metrics: impl Iterator<Item = server_timing::Metric<'a>>,
) -> Vec<(String, u64, String)> {
    metrics
        .map(|m| {
            (
                m.name().to_owned(),
                m.duration().to_bits(),
                m.description().to_owned(),
            )
        })
        .collect()
}

/// Bytes drawn mostly from the characters the grammar cares about.
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    let interesting = prop::sample::select(vec![
        b'a', b'd', b'u', b'r', b'e', b's', b'c', b'1', b'.', b'-', b'+', b';', b',', b'"', b'\\',
        b'=', b' ', b'\t', b'\r', b'\n', 0x00, 0x7f, 0xc3, 0xe9, b'/', b'[',
    ]);
    prop::collection::vec(prop_oneof![4 => interesting, 1 => any::<u8>()], 0..80)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut ranges = Vec::new();
        let n = parse_server_timing_with_diagnostics(&bytes, |d: Diagnostic| ranges.push(d.range))
            .map(|m| { let _ = (m.duration(), m.description()); })
            .count();
        prop_assert!(n <= bytes.len());
        for r in ranges {
            prop_assert!(r.start <= r.end && r.end <= bytes.len());
        }
    }

    #[test]
    fn one_pass_equals_split_then_parse_each_member(bytes in header_bytes()) {
        let one_pass = parse_server_timing(&bytes)
            .map(PerformanceServerTiming::from)
            .collect::<Vec<_>>();
        let two_pass = split_a_header_value(&bytes)
            .into_iter()
            .filter_map(parse_a_server_timing_header_field)
            .collect::<Vec<_>>();
        prop_assert_eq!(one_pass, two_pass);
    }

    #[test]
    fn metrics_sharing_one_allocation_equal_metrics_made_one_by_one(bytes in header_bytes()) {
        let one_by_one: Vec<PerformanceServerTiming> =
            parse_server_timing(&bytes).map(PerformanceServerTiming::from).collect();
        let shared = PerformanceServerTiming::collect_metrics(parse_server_timing(&bytes));
        equal_and_distinct(&shared, &one_by_one)?;
    }

    /// The owned path shares the field value itself as the metrics' text
    /// (a metric whose description was unescaped or decoded gets its own;
    /// a value that is not UTF-8 is copied metric by metric): either way
    /// the metrics equal those made one by one, and each is its own object.
    #[test]
    fn metrics_sharing_the_field_value_equal_metrics_made_one_by_one(bytes in header_bytes()) {
        let one_by_one: Vec<PerformanceServerTiming> =
            parse_server_timing(&bytes).map(PerformanceServerTiming::from).collect();
        let shared = server_timing::parse_server_timing_header_lines([&bytes[..]]);
        equal_and_distinct(&shared, &one_by_one)?;
    }

    /// The list an engine stores (the field value as its text, added
    /// descriptions after it, or its own text for a value that is not UTF-8
    /// or long and mostly unused) reads in place as the metrics made one by
    /// one; its objects equal them, as do the getter's; and the objects of
    /// one metric are one object however often, and from whichever clone of
    /// the list, they are made. Repeated, the drawn value also crosses the
    /// length above which a mostly unused value is not kept whole.
    #[test]
    fn a_list_reads_as_metrics_made_one_by_one_and_makes_one_object_per_metric(
        bytes in header_bytes(),
        repeat in prop_oneof![3 => Just(1usize), 1 => 2usize..60],
    ) {
        let value = vec![&bytes[..]; repeat].join(&b","[..]);
        let one_by_one: Vec<PerformanceServerTiming> =
            parse_server_timing(&value).map(PerformanceServerTiming::from).collect();
        let list = ServerTimingList::from_field_value(&value);
        let in_place: Vec<(String, u64, String)> = list
            .iter()
            .map(|m| (m.name().to_owned(), m.duration().to_bits(), m.description().to_owned()))
            .collect();
        prop_assert_eq!(in_place, triples(parse_server_timing(&value)));
        let objects = list.to_objects();
        equal_and_distinct(&objects, &one_by_one)?;
        equal_and_distinct(&server_timing::parse_server_timing_header_lines([&value[..]]), &one_by_one)?;
        let again = list.clone().to_objects();
        for (i, a) in objects.iter().enumerate() {
            for (j, b) in again.iter().enumerate() {
                prop_assert_eq!(a.ptr_eq(b), i == j);
            }
            prop_assert!(a.ptr_eq(&list.get(i).unwrap()));
        }
        prop_assert_eq!(&parse_server_timing(&value).collect::<ServerTimingList>(), &list);
    }

    #[test]
    fn diagnostics_do_not_change_the_result(bytes in header_bytes()) {
        let plain = triples(parse_server_timing(&bytes));
        let mut count = 0;
        let observed = triples(parse_server_timing_with_diagnostics(&bytes, |_: Diagnostic| count += 1));
        prop_assert_eq!(plain, observed);
    }

    /// Members built from the pieces the fast path reads (param names in any
    /// case, decimals of every shape and length, read a word at a time or a
    /// byte at a time, quoted and bare values, repeats, the separators
    /// between members) with a few irregular pieces mixed in, so that it
    /// both takes and leaves members: its results, raw `dur` included, equal
    /// the general path's, which runs when diagnostics are wanted.
    #[test]
    fn fast_path_equals_general_path_on_near_grammatical_values(
        members in prop::collection::vec(
            (
                "[a-z][a-z0-9-]{0,6}",
                prop::collection::vec(
                    (
                        prop::sample::select(vec!["dur", "DUR", "Dur", "desc", "DESC", "dEsC", "du", "descr", "x"]),
                        prop_oneof![
                            "[0-9]{0,20}",
                            "[0-9]{0,9}[.][0-9]{0,9}",
                            "[0-9]{1,3}[.][0-9]{1,3}[.eE+-][0-9]{0,3}",
                            "[a-zA-Z0-9 ,;=]{0,8}".prop_map(|s| format!("\"{s}\"")),
                            // Around the fast path's inline words (8, 16, 24
                            // bytes), with a stop it leaves to the general path.
                            "[a-zA-Z0-9 /]{0,40}".prop_map(|s| format!("\"{s}\"")),
                            "[a-z ]{0,30}[\\\\é][a-z]{0,8}".prop_map(|s| format!("\"{s}\"")),
                            "[a-z]{1,6}",
                            Just(String::new()),
                        ],
                    ),
                    0..4,
                ),
                prop::sample::select(vec!["", "", "", " ", ";"]),
                // What follows the member: the fast path steps over the
                // comma and one space itself, and leaves other whitespace
                // (a tab, two spaces) to the general path.
                prop::sample::select(vec![", ", ", ", ",", ", \t", ",,", " , "]),
            ),
            1..6,
        ),
        // Before the first member: the fast path takes one space there too.
        lead in prop::sample::select(vec!["", "", " ", "  ", "\t"]),
    ) {
        let mut value = String::from(lead);
        for (i, (name, params, tail, separator)) in members.iter().enumerate() {
            if i > 0 {
                value.push_str(separator);
            }
            let params: String = params.iter().map(|(k, v)| format!(";{k}={v}")).collect();
            value.push_str(&format!("{name}{params}{tail}"));
        }
        let full = |m: server_timing::Metric<'_>| {
            (m.name().to_owned(), m.duration().to_bits(), m.description().to_owned(), m.dur_param().map(str::to_owned), m.span())
        };
        let fast: Vec<_> = parse_server_timing(value.as_bytes()).map(full).collect();
        let general: Vec<_> =
            parse_server_timing_with_diagnostics(value.as_bytes(), |_: Diagnostic| {}).map(full).collect();
        let from_str: Vec<_> = parse_server_timing_str(&value).map(full).collect();
        prop_assert_eq!(&from_str, &fast, "{}", value);
        prop_assert_eq!(fast, general, "{}", value);
    }

    #[test]
    fn parsing_a_str_gives_what_parsing_its_bytes_gives(bytes in header_bytes()) {
        // The bytes drawn are often not UTF-8; their lossy text is, and has
        // U+FFFD (three bytes, not a token char) where they were not.
        let value = String::from_utf8_lossy(&bytes);
        let full = |m: server_timing::Metric<'_>| {
            (m.name().to_owned(), m.duration().to_bits(), m.description().to_owned(), m.dur_param().map(str::to_owned), m.span())
        };
        let from_str: Vec<_> = parse_server_timing_str(&value).map(full).collect();
        let from_bytes: Vec<_> = parse_server_timing(value.as_bytes()).map(full).collect();
        prop_assert_eq!(from_str, from_bytes, "{:?}", value);
    }

    #[test]
    fn a_grammatical_value_reports_no_diagnostics(
        metrics in prop::collection::vec(("[a-z][a-z0-9_-]{0,8}", 0u32..100_000, "[a-z]{1,8}"), 1..6)
    ) {
        let value = metrics
            .iter()
            .map(|(n, d, s)| format!("{n};dur={};desc={s}", f64::from(*d) / 10.0))
            .collect::<Vec<_>>()
            .join(", ");
        let mut diagnostics = Vec::new();
        let parsed = parse_server_timing_with_diagnostics(value.as_bytes(), |d: Diagnostic| diagnostics.push(d)).count();
        prop_assert_eq!(parsed, metrics.len());
        prop_assert!(diagnostics.is_empty(), "{:?} in {}", diagnostics, value);
    }

    #[test]
    fn serializer_output_parses_back(
        metrics in prop::collection::vec(
            (
                "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}",
                prop::option::of(prop_oneof![any::<f64>().prop_filter("finite", |d| d.is_finite()), -1e6f64..1e6]),
                prop::option::of(prop::collection::vec(
                    prop_oneof![Just('\t'), (0x20u8..0x7f).prop_map(char::from), (0x80u8..=0xff).prop_map(char::from)],
                    0..24,
                ).prop_map(|cs| cs.into_iter().collect::<String>())),
            ),
            0..8,
        )
    ) {
        let mut builder = ServerTimingBuilder::new();
        for (name, dur, desc) in &metrics {
            builder.metric(name, *dur, desc.as_deref()).expect("valid metric refused");
        }
        let value = builder.into_bytes();
        let back: Vec<_> = parse_server_timing(&value).collect();
        prop_assert_eq!(back.len(), metrics.len(), "{:?}", String::from_utf8_lossy(&value));
        for ((name, dur, desc), got) in metrics.iter().zip(&back) {
            prop_assert_eq!(got.name(), name.as_str());
            prop_assert_eq!(got.duration().to_bits(), (dur.unwrap_or(0.0) + 0.0).to_bits());
            prop_assert_eq!(got.description(), desc.as_deref().unwrap_or(""));
        }
    }

    #[test]
    fn serializer_refuses_what_cannot_round_trip(name in ".*", desc in ".*") {
        let name_ok = server_timing::is_token(name.as_bytes());
        let desc_ok = desc.chars().all(|c| c == '\t' || (' '..='~').contains(&c) || ('\u{80}'..='\u{ff}').contains(&c));
        let mut builder = ServerTimingBuilder::new();
        let accepted = builder.metric(&name, None, Some(&desc)).is_ok();
        prop_assert_eq!(accepted, name_ok && desc_ok);
        if !accepted {
            prop_assert!(builder.as_bytes().is_empty(), "a refused metric wrote bytes");
        }
    }
}

proptest! {
    #[test]
    fn float_fast_path_agrees_with_the_correctly_rounded_conversion(
        text in "[+-]?[0-9]{1,17}(\\.[0-9]{0,24})?"
    ) {
        let ours = server_timing::float::parse_floating_point_number(text.as_bytes()).unwrap();
        let reference: f64 = text.parse().unwrap();
        prop_assert_eq!(ours.value.to_bits(), (reference + 0.0).to_bits());
        prop_assert_eq!(ours.end, text.len());
    }
}

#[test]
fn serializer_refuses_non_finite_durations() {
    let mut builder = ServerTimingBuilder::new();
    assert!(builder.metric("m", Some(f64::NAN), None).is_err());
    assert!(builder.metric("m", Some(f64::INFINITY), None).is_err());
    assert!(builder.metric("m", Some(-0.0), None).is_ok());
    assert_eq!(builder.as_bytes(), b"m;dur=0");
}

#[test]
fn serializer_writes_tokens_bare_and_other_descriptions_quoted() {
    let mut builder = ServerTimingBuilder::new();
    builder
        .metric("a", Some(1e21), Some("HIT"))
        .unwrap()
        .metric("b", Some(1.5e-7), Some(""))
        .unwrap()
        .metric("c", None, Some("caf\u{e9} \"q\" \\"))
        .unwrap();
    assert_eq!(
        builder.as_bytes(),
        b"a;dur=1e21;desc=HIT, b;dur=1.5e-7;desc=\"\", c;desc=\"caf\xe9 \\\"q\\\" \\\\\""
    );
    assert_eq!(builder.to_header_value().as_bytes(), builder.as_bytes());
}

/// Metrics that share their text equal the ones made one by one (also as
/// JSON), and each is its own object.
fn equal_and_distinct(
    shared: &[PerformanceServerTiming],
    one_by_one: &[PerformanceServerTiming],
) -> Result<(), TestCaseError> {
    prop_assert_eq!(shared, one_by_one);
    let json = |metrics: &[PerformanceServerTiming]| -> Vec<String> {
        metrics
            .iter()
            .map(PerformanceServerTiming::to_json)
            .collect()
    };
    prop_assert_eq!(json(shared), json(one_by_one));
    for (i, a) in shared.iter().enumerate() {
        for (j, b) in shared.iter().enumerate() {
            prop_assert_eq!(a.ptr_eq(b), i == j);
        }
    }
    Ok(())
}
