//! Our own parsing cases: one or more for every rule in `docs/parsing.md`
//! that the 85 WPT cases do not cover. Each says why it is here.

use server_timing::{
    parse_a_server_timing_header_field, parse_server_timing, parse_server_timing_header_lines,
};

/// (name, duration, description) triples for the given header lines.
fn parse_lines(lines: &[&[u8]]) -> Vec<(String, f64, String)> {
    parse_server_timing_header_lines(lines.iter().copied())
        .iter()
        .map(|m| {
            (
                m.name().to_owned(),
                m.duration(),
                m.description().to_owned(),
            )
        })
        .collect()
}

fn parse(value: &[u8]) -> Vec<(String, f64, String)> {
    parse_lines(&[value])
}

fn m(name: &str, duration: f64, description: &str) -> (String, f64, String) {
    (name.to_owned(), duration, description.to_owned())
}

#[test]
fn empty_members_are_skipped_and_parsing_goes_on() {
    // WPT only has lone commas (cases 76, 80-83); nothing shows that metrics
    // after an empty member survive. Chromium stops there; the spec does not.
    assert_eq!(parse(b"a, , b"), [m("a", 0.0, ""), m("b", 0.0, "")]);
    assert_eq!(parse(b",a"), [m("a", 0.0, "")]);
    assert_eq!(parse(b"a,,,b,"), [m("a", 0.0, ""), m("b", 0.0, "")]);
    assert_eq!(parse(b"\t,\t a;dur=1 ,"), [m("a", 1.0, "")]);
}

#[test]
fn members_without_a_name_are_skipped_and_parsing_goes_on() {
    // WPT 72-83 only have such members alone in the header.
    assert_eq!(parse(b"a, =x;dur=1, b"), [m("a", 0.0, ""), m("b", 0.0, "")]);
    // Firefox reads `;dur=1` as a metric named "dur"; the grammar has no name here.
    assert_eq!(parse(b";dur=1"), []);
    assert_eq!(parse(b"\"q\";dur=1, b;dur=2"), [m("b", 2.0, "")]);
}

#[test]
fn junk_is_skipped_quote_aware() {
    // A quote in junk protects `;` and `,` until it closes, as Fetch's split does.
    assert_eq!(parse(b"m \"a;b\" ;dur=5"), [m("m", 5.0, "")]);
    assert_eq!(parse(b"m;dur=4 \"x;desc=y\""), [m("m", 4.0, "")]);
    assert_eq!(parse(b"a\"b,c\",d"), [m("a", 0.0, ""), m("d", 0.0, "")]);
    // Junk after a name runs to the next `;`: control bytes are junk too.
    assert_eq!(parse(b"m\x00\x7f junk;dur=1"), [m("m", 1.0, "")]);
}

#[test]
fn param_names_are_case_insensitive_and_first_occurrence_wins() {
    // WPT 51 has mixed case once; nothing pairs a case variant with a duplicate.
    assert_eq!(parse(b"m;DUR=1;dur=2"), [m("m", 1.0, "")]);
    assert_eq!(parse(b"m;Desc=a;DESC=b"), [m("m", 0.0, "a")]);
    // An unknown param with a quoted value holding separators is skipped whole.
    assert_eq!(parse(b"m;foo=\"a;b,c\";dur=2"), [m("m", 2.0, "")]);
    // An empty param name is skipped with what follows it up to the next `;`.
    assert_eq!(parse(b"m;;dur=1"), [m("m", 1.0, "")]);
    assert_eq!(parse(b"m; =5;dur=1"), [m("m", 1.0, "")]);
}

#[test]
fn values_are_tokens_or_quoted_strings() {
    // Unquoted values stop at the first character that is not a tchar.
    assert_eq!(parse(b"m;desc=a/b"), [m("m", 0.0, "a")]);
    assert_eq!(parse(b"m;desc=https://x"), [m("m", 0.0, "https")]);
    // Quoted strings keep inner whitespace and resolve every quoted-pair.
    assert_eq!(parse(b"m;desc=\"a\\b\\\\c\""), [m("m", 0.0, "ab\\c")]);
    assert_eq!(parse(b"m;desc=\"a,b;c=d\""), [m("m", 0.0, "a,b;c=d")]);
    // Bytes a header can carry only when given as raw bytes are kept.
    assert_eq!(parse(b"m;desc=\"a\r\nb\""), [m("m", 0.0, "a\r\nb")]);
}

#[test]
fn unterminated_quoted_strings_give_empty_values_and_swallow_the_rest() {
    // WPT 21/24/30/31/42/44 end right after the open quote; these show that
    // the open string runs over later commas, metrics and header lines.
    assert_eq!(parse(b"a;desc=\"x, b;dur=1"), [m("a", 0.0, "")]);
    assert_eq!(parse(b"a;dur=2;desc=\"x\\"), [m("a", 2.0, "")]);
    assert_eq!(parse_lines(&[b"a;desc=\"x", b"b;dur=1"]), [m("a", 0.0, "")]);
    // An open quote in junk swallows the rest as well.
    assert_eq!(parse(b"a junk\"x, b"), [m("a", 0.0, "")]);
}

#[test]
fn several_header_lines_are_one_list() {
    // WPT serves one line per case; Fetch joins lines with ", " first.
    assert_eq!(
        parse_lines(&[b"a;dur=1", b"b;dur=2"]),
        [m("a", 1.0, ""), m("b", 2.0, "")]
    );
    // A quote opened in one line closes in the next: the ", " is inside it.
    assert_eq!(
        parse_lines(&[b"a;desc=\"x", b"y\", c"]),
        [m("a", 0.0, "x, y"), m("c", 0.0, "")]
    );
    assert_eq!(parse_lines(&[b"", b"a", b""]), [m("a", 0.0, "")]);
    assert_eq!(parse_lines(&[]), []);
    // Duplicate names across lines are all kept (spec prose rule 1).
    assert_eq!(
        parse_lines(&[b"m;dur=1", b"m;dur=2"]),
        [m("m", 1.0, ""), m("m", 2.0, "")]
    );
}

#[test]
fn bytes_are_read_as_latin1() {
    // Isomorphic decoding: UTF-8 "é" (C3 A9) reads as "Ã©", as the spec and
    // Chromium do (Firefox decodes UTF-8).
    assert_eq!(
        parse(b"m;desc=\"caf\xC3\xA9\""),
        [m("m", 0.0, "caf\u{C3}\u{A9}")]
    );
    assert_eq!(parse(b"m;desc=\"\xFF\x80\""), [m("m", 0.0, "\u{FF}\u{80}")]);
    // Non-ASCII bytes are not tchar: a name or token value stops before them.
    assert_eq!(parse(b"m\xC3\xA9tric;dur=1"), [m("m", 1.0, "")]);
    assert_eq!(parse(b"m;desc=caf\xE9"), [m("m", 0.0, "caf")]);
    assert_eq!(parse(b"\xE9;dur=1, b"), [m("b", 0.0, "")]);
}

#[test]
fn dur_follows_the_html_float_rules() {
    // No WPT case has a dur other than a plain decimal, "foo" or empty.
    let cases: &[(&[u8], f64)] = &[
        (b".5", 0.5),
        (b"5.", 5.0),
        (b"+1", 1.0),
        (b"-1", -1.0),
        (b"1e3", 1000.0),
        (b"1E-2", 0.01),
        (b"12abc", 12.0),
        (b"1.2.3", 1.2),
        (b"1e", 1.0),
        (b"007", 7.0),
        (b"0x10", 0.0),
        (b"Infinity", 0.0),
        (b"NaN", 0.0),
        (b"1e400", 0.0),
        (b"-1e400", 0.0),
        (b"1e-400", 0.0),
        (b"\"  12 \"", 12.0),
        (b"\"\n5\"", 5.0),
        (b"\"1\\2\"", 12.0),
        (b"", 0.0),
    ];
    for (dur, expected) in cases {
        let mut value = b"m;dur=".to_vec();
        value.extend_from_slice(dur);
        let got = parse(&value);
        assert_eq!(
            got,
            [m("m", *expected, "")],
            "dur={}",
            String::from_utf8_lossy(dur)
        );
    }
    // -0 reads as +0: the rules' set of values has no -0.
    let d = parse(b"m;dur=-0")[0].1;
    assert!(d == 0.0 && d.is_sign_positive());
}

#[test]
fn a_single_member_treats_commas_as_ordinary_characters() {
    let metric = parse_a_server_timing_header_field(b"a,b;dur=1").unwrap();
    assert_eq!((metric.name(), metric.duration()), ("a", 1.0));
    assert!(parse_a_server_timing_header_field(b"").is_none());
    assert!(parse_a_server_timing_header_field(b" ,a").is_none());
}

#[test]
fn huge_inputs_give_every_metric() {
    // Any count of metrics: no limit, no data loss.
    let value = b"a, ".repeat(200_000);
    assert_eq!(parse_server_timing(&value).count(), 200_000);
    let value = b"m;desc=\""
        .iter()
        .chain(&[b'x'; 1 << 20])
        .copied()
        .collect::<Vec<_>>();
    let metrics: Vec<_> = parse_server_timing(&value).collect();
    assert_eq!(metrics.len(), 1);
    assert_eq!(metrics[0].description(), "", "unterminated");
}
