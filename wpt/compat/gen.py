#!/usr/bin/env python3
"""Deterministic generator of Server-Timing header cases for the compat recorder.

Writes wpt/compat/fixtures/cases.json: the 85 WPT parsing cases (the header
lines of wpt/server-timing/resources/parsing/N.js.sub.headers, trimmed as
wptserve sends them), the hand-made cases of HANDMADE below, and COUNT
generated cases from a seeded random generator. The same seed and count give
the same file, byte for byte.

Each case is {"id", "lines"}: the header lines in order, each a string whose
characters U+0000..U+00FF stand for the bytes 0x00..0xFF sent (isomorphic
encoding), so non-ASCII bytes are exact and ASCII stays readable.

Usage: python3 wpt/compat/gen.py [--seed N] [--count N]
"""

import argparse
import json
import os
import random
import re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WPT_DIR = os.path.join(ROOT, "wpt", "server-timing", "resources", "parsing")
OUT = os.path.join(HERE, "fixtures", "cases.json")

# Hand-made cases: one minimal header per behavior docs/compat.md tabulates,
# plus the probes of the spec digest. Bytes, one entry per header line.
HANDMADE = [
    ("empty-member-first", [b", a;dur=1"]),
    ("empty-member-middle", [b"a;dur=1, , b;dur=2"]),
    ("empty-member-trailing", [b"a;dur=1,"]),
    ("bad-name-first", [b"=, b;dur=2"]),
    ("bad-name-middle", [b"a;dur=1, @x, b;dur=2"]),
    ("empty-param-name", [b"metric;;dur=1"]),
    ("valueless-param-then-junk", [b"metric;foo dur=12;desc=x"]),
    ("valueless-param-junk-stops-header", [b"metric;dur foo=12,metric2"]),
    ("quote-in-junk-comma", [b'a"b,c",d']),
    ("quote-in-junk-semicolon", [b'm "a;b" ;dur=5']),
    ("unterminated-desc-comma", [b'metric;desc=\\",metric2']),
    ("leading-semicolon", [b";dur=1"]),
    ("quoted-name", [b'"quoted";dur=1']),
    ("utf8-desc", [b'metric;desc="\xc3\xa9"']),
    ("utf8-token-desc", [b"metric;desc=\xc3\xa9"]),
    ("latin1-desc", [b'metric;desc="\xe9"']),
    ("invalid-utf8-desc", [b'metric;desc="a\xff\xfeb"']),
    ("truncated-utf8-desc", [b'metric;desc="a\xc3"']),
    ("utf8-name", [b"m\xc3\xa9tric;dur=1"]),
    ("param-case", [b"m;DUR=1;dur=2"]),
    ("dur-trailing-junk", [b"metric;dur=123abc"]),
    ("dur-quoted-spaces", [b'metric;dur=" 12 "']),
    ("dur-quoted", [b'metric;dur="12"']),
    ("dur-exponent-only", [b"metric;dur=1e"]),
    ("dur-overflow", [b"metric;dur=1e400"]),
    ("dur-negative-overflow", [b"metric;dur=-1e400"]),
    ("dur-underflow", [b"metric;dur=1e-400"]),
    ("dur-negative-zero", [b"metric;dur=-0"]),
    ("dur-leading-dot", [b"metric;dur=.5"]),
    ("dur-trailing-dot", [b"metric;dur=5."]),
    ("dur-plus", [b"metric;dur=+1"]),
    ("dur-minus", [b"metric;dur=-1"]),
    ("dur-exp", [b"metric;dur=1e3"]),
    ("dur-hex", [b"metric;dur=0x10"]),
    ("dur-infinity", [b"metric;dur=Infinity"]),
    ("dur-nan", [b"metric;dur=NaN"]),
    ("dur-leading-zeros", [b"metric;dur=007"]),
    ("dur-dot-exp", [b"metric;dur=1.e5"]),
    ("dur-big-int", [b"metric;dur=9007199254740993"]),
    ("dur-many-digits", [b"metric;dur=0.1000000000000000055511151231257827021181583404541015625"]),
    ("two-lines", [b"a;dur=1", b"b;dur=2"]),
    ("empty-line-between", [b"a;dur=1", b"", b"b;dur=2"]),
    ("quote-open-across-lines", [b'a;desc="x', b'b;dur=2"']),
    ("comma-in-quoted-desc", [b'a;desc="x,y",b']),
    ("space-in-token-desc", [b"metric;desc=d1 d2;dur=3"]),
    ("duplicate-dur", [b"metric;dur=1;dur=2"]),
    ("duplicate-dur-first-empty", [b"metric;dur;dur=2"]),
    ("escaped-quote-desc", [b'metric;desc="a\\"b"']),
    ("trailing-backslash-desc", [b'metric;desc="a\\']),
    ("tab-ows", [b"metric\t;\tdur\t=\t1"]),
    ("space-around-equals", [b"metric ; dur = 1 ; desc = x"]),
    ("junk-eq-after-name", [b"metric==   \"\"foo;dur=2"]),
    ("junk-after-quoted-desc", [b'metric;desc="a"junk;dur=2']),
    ("unknown-param", [b"metric;foo=bar;dur=2"]),
    ("desc-url", [b"metric;desc=https://example.com/x"]),
    ("empty-quoted-desc", [b'metric;desc=""']),
    ("del-byte-desc", [b'metric;desc="a\x7fb"']),
    ("nbsp-desc", [b'metric;desc="a\xc2\xa0b"']),
    ("c1-byte-desc", [b'metric;desc="\x80\x9f"']),
    ("emoji-desc", [b'metric;desc="\xf0\x9f\x98\x80"']),
    ("overlong-utf8-desc", [b'metric;desc="\xc0\xaf"']),
    ("surrogate-utf8-desc", [b'metric;desc="\xed\xa0\x80"']),
    ("name-with-latin1", [b"caf\xe9;dur=1"]),
    ("only-junk", [b"@@@"]),
    ("empty-header", [b""]),
    ("brace-name", [b"{b};dur=1"]),
    ("junk-after-name", [b"metric junk;dur=1"]),
    ("negative-zero-fraction", [b"metric;dur=-0.0"]),
    ("quoted-dur", [b'metric;dur="1"']),
    ("ctl-in-quoted-desc", [b'metric;desc="a\x01b"']),
    ("ctl-after-name", [b"m\x01;dur=1, b;dur=2"]),
    ("vt-after-name", [b"metric\x0b;dur=1"]),
    ("ff-before-quoted-dur", [b'metric;dur="\x0c1"']),
    ("vt-before-quoted-dur", [b'metric;dur="\x0b1"']),
    ("tab-before-quoted-dur", [b'metric;dur="\t1"']),
    ("esc-in-token-desc", [b"metric;desc=a\x1bb"]),
    # Where WebKit differs (docs/compat.md): junk after the name, number
    # words and a leading `+` in dur, bytes that are not UTF-8.
    ("junk-after-name-stops-header", [b"m x, n"]),
    ("junk-after-name-then-dur", [b"m x;dur=1"]),
    ("dur-inf", [b"metric;dur=inf"]),
    ("dur-negative-infinity", [b"metric;dur=-Infinity"]),
    ("dur-quoted-infinity", [b'metric;dur="Infinity"']),
    ("dur-quoted-nan", [b'metric;dur="NaN"']),
    ("dur-plus-two", [b"metric;dur=+2"]),
    ("dur-plus-leading-dot", [b"metric;dur=+.5"]),
    ("dur-quoted-plus", [b'metric;dur="+3"']),
    ("dur-double-plus", [b"metric;dur=++1"]),
    ("dur-plus-minus", [b"metric;dur=+-1"]),
    ("dur-plus-trailing-junk", [b"metric;dur=+4ms"]),
    ("truncated-3byte-utf8-desc", [b'metric;desc="a\xe2\x82b"']),
    ("truncated-4byte-utf8-desc", [b'metric;desc="\xf0\x9f\x98"']),
    ("latin1-token-desc", [b"metric;desc=\xe9"]),
    ("latin1-byte-in-dur", [b"metric;dur=1\xe9"]),
    # Real-world shapes: CDNs and frameworks.
    ("cdn-cache-hit-edge", [b"cdn-cache; desc=HIT, edge; dur=1"]),
    ("cdn-cache-miss-origin", [b"cdn-cache; desc=MISS, edge; dur=12, origin; dur=120"]),
    ("akamai", [b"akam;dur=243;start=1700000000123;desc=hit"]),
    ("akamai-two-lines", [b"cdn-cache; desc=HIT", b"edge; dur=1", b"origin; dur=0"]),
    ("origin-empty-dur", [b"origin; dur="]),
    ("cloudflare", [b"cfRequestDuration;dur=12.345000"]),
    ("cloudflare-l4", [b'cfL4;desc="?proto=TCP&rtt=1234&min_rtt=1000&rtt_var=500&sent=5&recv=6"']),
    ("fastly", [b'fastly;desc="Edge time";dur=40, miss']),
    ("spec-example", [b'miss, db;dur=53, app;dur=47.2, customView, dc;desc=atl, cache;desc="Cache Read";dur=23.2']),
    ("framework-total", [b"total;dur=123.4, db;dur=53.1;desc=\"query users\", render;dur=9"]),
    ("ms-suffix", [b"app;dur=47ms"]),
]

TOKEN_NAMES = ["metric", "db", "cache", "app", "a", "b", "m1", "total-time", "CPU", "x.y", "miss", "edge_hit", "t~1", "!#$%&'*+-.^_`|~"]
BAD_NAMES = ['"q"', "=", "[x]", "@x", "(a)", "{b}", "a/b", ":", "?", "<m>"]
NON_ASCII_BYTES = [b"\xc3\xa9", b"\xe9", b"\xff", b"\xe2\x82\xac", b"\xc3", b"\xf0\x9f\x98\x80", b"\x80", b"\xa0", b"\xed\xa0\x80", b"\xc0\xaf"]
PARAM_NAMES = ["dur", "dur", "dur", "desc", "desc", "DUR", "Desc", "dUr", "foo", "x", ""]
DUR_VALUES = ["123.4", "0", "1", "53", "47.2", "1e3", "1E-2", ".5", "5.", "+1", "-1", "-0", "-0.0", "1e400", "-1e400",
              "1e-400", "0x10", "Infinity", "NaN", "12abc", "1e", "1e+", "007", "1.e5", "9007199254740993",
              "1.7976931348623157e308", "1.7976931348623159e308", "2e308", "4.9e-324", "1_000", "1,5", "-.5",
              "00.000", "123456789012345678901234567890", "0.1", "1e-7", "1e21", "3.14159265358979323846", "--1", "+-1", ".", "-", "e5", "1.2.3"]
DESC_TOKENS = ["x", "hit", "d1", "Cache", "a-b", "1", "x.y"]
JUNK = [" foo", "==", ' "x;y"', '"a,b"', " d2", "/", "@", " ", "\t", "  bar baz", '""', '"', "\\", "=1", " =", "(c)"]


def rand_name(r):
    x = r.random()
    if x < 0.78:
        n = r.choice(TOKEN_NAMES)
    elif x < 0.9:
        n = r.choice(BAD_NAMES)
    elif x < 0.95:
        return r.choice(["m", "caf", "x"]).encode() + r.choice(NON_ASCII_BYTES) + b"t"
    else:
        n = ""
    return n.encode()


def rand_quoted(r):
    parts = [b'"']
    for _ in range(r.randint(0, 4)):
        y = r.random()
        if y < 0.45:
            parts.append(r.choice([b"a", b"Cache Read", b"x y", b"db", b"1"]))
        elif y < 0.55:
            parts.append(r.choice([b",", b";", b"=", b", b;dur=9"]))
        elif y < 0.68:
            parts.append(r.choice([b'\\"', b"\\\\", b"\\a", b"\\"]))
        elif y < 0.85:
            parts.append(r.choice(NON_ASCII_BYTES))
        else:
            parts.append(r.choice([b"\t", b" ", b"  "]))
    if r.random() < 0.88:
        parts.append(b'"')
    return b"".join(parts)


def rand_value(r, pname):
    x = r.random()
    if pname.lower() == "dur" and x < 0.7:
        v = r.choice(DUR_VALUES).encode()
        if r.random() < 0.12:
            v = b'"' + r.choice([b"", b" "]) + v + r.choice([b"", b" "]) + b'"'
        return v
    if x < 0.35:
        return r.choice(DESC_TOKENS).encode()
    if x < 0.8:
        return rand_quoted(r)
    if x < 0.9:
        return r.choice(NON_ASCII_BYTES) + r.choice([b"", b"x"])
    return r.choice([b"", b"\\", b"a b", b"a/b", b"=", b"https://x"])


def ows(r, p=0.15):
    if r.random() < p:
        return r.choice([b" ", b"\t", b"  ", b" \t"])
    return b""


def rand_param(r):
    pname = r.choice(PARAM_NAMES)
    if r.random() < 0.06:
        pname = r.choice(["d ur", "@", '"dur"', "dur;"])
    out = [pname.encode()]
    x = r.random()
    if x < 0.88:
        out += [ows(r), b"=", ows(r), rand_value(r, pname)]
    elif x < 0.94:
        out += [ows(r)]
    # else: no '=' at all
    if r.random() < 0.1:
        out.append(r.choice(JUNK).encode())
    return b"".join(out)


def rand_member(r):
    if r.random() < 0.06:
        return r.choice([b"", b" ", r.choice(JUNK).encode()])
    out = [rand_name(r)]
    if r.random() < 0.08:
        out.append(r.choice(JUNK).encode())
    for _ in range(r.choice([0, 1, 1, 2, 2, 2, 3, 4])):
        out += [ows(r), b";", ows(r), rand_param(r)]
    if r.random() < 0.04:
        out.append(b";")
    return b"".join(out)


def rand_line(r):
    members = [rand_member(r) for _ in range(r.choice([1, 1, 1, 2, 2, 3, 4]))]
    sep = []
    for i, m in enumerate(members):
        if i:
            sep.append(ows(r, 0.1) + b"," + ows(r, 0.5))
        sep.append(m)
    line = b"".join(sep)
    if r.random() < 0.03:
        line = b"," + line
    if r.random() < 0.03:
        line += b","
    # A field value has no leading or trailing whitespace on the wire (HTTP
    # parsers strip it), so strip it here and record exactly what is sent.
    return line.strip(b" \t")


def gen_case(r):
    n = r.choice([1, 1, 1, 1, 1, 1, 2, 2, 3])
    return [rand_line(r) for _ in range(n)]


def wpt_cases():
    cases = []
    for i in range(85):
        path = os.path.join(WPT_DIR, "%d.js.sub.headers" % i)
        lines = []
        with open(path, "rb") as f:
            for raw in f.read().split(b"\n"):
                raw = raw.rstrip(b"\r")
                m = re.match(rb"(?i)server-timing:(.*)$", raw)
                if m:
                    lines.append(m.group(1).strip(b" \t"))
        cases.append(("wpt-%d" % i, lines))
    return cases


def encode_case(cid, lines):
    # Each character of a stored line stands for one byte: U+0000..U+00FF
    # (isomorphic decoding), so the bytes are exact and ASCII stays readable.
    return {"id": cid, "lines": [line.decode("latin-1") for line in lines]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--count", type=int, default=6000)
    args = ap.parse_args()
    r = random.Random(args.seed)
    cases = wpt_cases()
    cases += [("hand-" + name, lines) for name, lines in HANDMADE]
    for i in range(args.count):
        cases.append(("gen-%05d" % i, gen_case(r)))
    with open(OUT, "w") as f:
        f.write('{"generator": "wpt/compat/gen.py --seed %d --count %d",\n' % (args.seed, args.count))
        f.write(' "cases": [\n')
        for i, (cid, lines) in enumerate(cases):
            f.write("  " + json.dumps(encode_case(cid, lines), ensure_ascii=True))
            f.write(",\n" if i + 1 < len(cases) else "\n")
        f.write(" ]}\n")
    print("wrote %d cases to %s" % (len(cases), OUT))


if __name__ == "__main__":
    main()
