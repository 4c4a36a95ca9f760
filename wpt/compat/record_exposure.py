#!/usr/bin/env python3
"""Records what a browser exposes on a PerformanceResourceTiming entry:
the whole `toJSON()` (keys in order), every attribute, and `serverTiming`,
across Timing-Allow-Origin values, CORS modes, redirect chains between two
origins, body encodings and sizes, statuses and content types, on a page
that is a secure context (http://127.0.0.1) and on one that is not
(http://notsecure.test, mapped to 127.0.0.1).

Two origins serve every case: A is the page's own origin and B the same host
on another port. A case is a chain of hops, each served from A or B with the
headers the case lists; every final response carries
`Server-Timing: a;dur=1, b;dur=2`, every redirect `Server-Timing: hopN;dur=1N`.
The fixture keeps, for each hop, the exact status line and header lines that
went out (origins written `{A}` and `{B}`, and the page kind `{page}`), the
body by name (base64 in "bodies"), so that a test can replay them.

Timestamps are recorded as "zero" or "nonzero" (they vary from run to run),
`duration` as "non-negative" or "negative" (it can be 0 on a coarse clock);
sizes, statuses and strings are exact. A second run gives the same file
except for "recorded".

Usage: python3 wpt/compat/record_exposure.py chromium|firefox|webkit [--out PATH]
Writes wpt/compat/fixtures/exposure-<browser>.json. Traffic stays on loopback.
"""

import base64
import gzip
import json
import os
import sys
import time
import zlib
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record  # noqa: E402
from record_policy import (NOT_SECURE_HOST, State, browser_arguments,  # noqa: E402
                           browser_version, run_browser, serve_on_loopback)

FINAL_SERVER_TIMING = "a;dur=1, b;dur=2"

# 1x1 transparent GIF, so that <img> fires "load".
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
       b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
TEXT = b"".join(b"line %04d of the exposure body\n" % i for i in range(64))  # 2048 bytes

BODIES = {
    "text": TEXT,
    "tiny": b"ok",
    "empty": b"",
    "js": b"/* exposure recorder */ void 0;\n",
    "gif": GIF,
    "notfound": b"not found\n",
    "json": b'{"exposure": true}\n',
}

ENCODERS = {
    "gzip": lambda data: gzip.compress(data, compresslevel=9, mtime=0),
    "deflate": lambda data: zlib.compress(data, 9),
}

PAGES = {"secure": "127.0.0.1", "not_secure": NOT_SECURE_HOST}

TAO = {"none": None, "star": "*", "origin": "{A}", "null": "null",
       "other": "http://other.example", "list": "http://other.example, {A}"}


def hop(origin, tao="none", acao="*", status="200 OK", body="text", ctype="text/plain",
        encoding=None):
    return {"origin": origin, "tao": tao, "acao": acao, "status": status, "body": body,
            "content_type": ctype, "encoding": encoding}


def redirect(origin, tao="none"):
    return hop(origin, tao, status="302 Found", body="empty")


ELEMENT_BODY = {"script": ("js", "text/javascript"), "script-cors": ("js", "text/javascript"),
                "img": ("gif", "image/gif")}


def final_for(initiator, origin, tao, **kw):
    body, ctype = ELEMENT_BODY.get(initiator, ("text", "text/plain"))
    kw.setdefault("body", body)
    kw.setdefault("ctype", ctype)
    return hop(origin, tao, **kw)


def build_cases():
    """Every case: id -> {"initiator", "hops"}. Cross-origin responses carry
    `Access-Control-Allow-Origin: *` unless the case says otherwise."""
    cases = {}

    def add(cid, initiator, hops):
        assert cid not in cases, cid
        cases[cid] = {"initiator": initiator, "hops": hops}

    initiators = ["fetch-cors", "fetch-no-cors", "script", "img"]
    # 1. One response, Timing-Allow-Origin varied.
    for init in initiators:
        for tao in ["none", "other"]:
            add("tao.A.%s.%s" % (init, tao), init, [final_for(init, "A", tao)])
    for init in initiators + ["script-cors"]:
        for tao in TAO if init != "script-cors" else ["none", "star"]:
            add("tao.B.%s.%s" % (init, tao), init, [final_for(init, "B", tao)])
    # 2. Redirect chains: (origin, tao) per hop, the last is the final response.
    chains = {
        "AA.none-none": [("A", "none"), ("A", "none")],
        "AB.none-star": [("A", "none"), ("B", "star")],
        "AB.none-origin": [("A", "none"), ("B", "origin")],
        "AB.none-none": [("A", "none"), ("B", "none")],
        "ABA.none-none-none": [("A", "none"), ("B", "none"), ("A", "none")],
        "ABA.none-star-star": [("A", "none"), ("B", "star"), ("A", "star")],
        "ABA.none-origin-origin": [("A", "none"), ("B", "origin"), ("A", "origin")],
        "ABA.none-origin-null": [("A", "none"), ("B", "origin"), ("A", "null")],
        "ABA.none-star-none": [("A", "none"), ("B", "star"), ("A", "none")],
        "ABA.none-star-null": [("A", "none"), ("B", "star"), ("A", "null")],
        "BA.star-null": [("B", "star"), ("A", "null")],
        "BA.star-origin": [("B", "star"), ("A", "origin")],
        "BA.star-star": [("B", "star"), ("A", "star")],
        "BA.star-none": [("B", "star"), ("A", "none")],
        "BA.none-star": [("B", "none"), ("A", "star")],
        "BA.none-null": [("B", "none"), ("A", "null")],
        "BB.none-star": [("B", "none"), ("B", "star")],
        "BB.star-star": [("B", "star"), ("B", "star")],
        "BB.origin-origin": [("B", "origin"), ("B", "origin")],
        "BB.star-none": [("B", "star"), ("B", "none")],
    }
    for init in ["fetch-cors", "fetch-no-cors", "img"]:
        for name, chain in chains.items():
            hops = [redirect(o, t) for o, t in chain[:-1]]
            hops.append(final_for(init, chain[-1][0], chain[-1][1]))
            add("redirect.%s.%s" % (name, init), init, hops)
    # 3. Bodies: plain and compressed, of known sizes.
    sized = [("A", "fetch-cors", "none"), ("B", "fetch-cors", "star"), ("B", "fetch-cors", "none"),
             ("B", "fetch-no-cors", "star"), ("B", "fetch-no-cors", "none")]
    for where, init, tao in sized:
        for enc in ["identity", "gzip", "deflate"]:
            add("body.%s.%s.%s.%s" % (where, init, tao, enc), init,
                [hop(where, tao, encoding=None if enc == "identity" else enc)])
        for body in ["tiny", "empty"]:
            add("body.%s.%s.%s.%s" % (where, init, tao, body), init, [hop(where, tao, body=body)])
    # Chromium makes no entry for a no-cors fetch() whose opaque body is not
    # empty: <img> is the no-cors probe there.
    for tao in ["star", "none"]:
        for enc in ["identity", "gzip", "deflate"]:
            add("body.B.img.%s.%s" % (tao, enc), "img",
                [hop("B", tao, body="gif", ctype="image/gif",
                     encoding=None if enc == "identity" else enc)])
    # 4. Statuses.
    for where, init, tao in sized + [("A", "fetch-no-cors", "none")]:
        add("status.%s.%s.%s.404" % (where, init, tao), init,
            [hop(where, tao, status="404 Not Found", body="notfound")])
    add("status.A.fetch-cors.none.204", "fetch-cors", [hop("A", status="204 No Content",
                                                           body="empty")])
    add("status.A.script.none.404", "script", [hop("A", status="404 Not Found", body="notfound",
                                                   ctype="text/javascript")])
    add("status.B.img.star.404", "img", [hop("B", "star", status="404 Not Found",
                                             body="notfound", ctype="image/gif")])
    # 5. Content types.
    ctypes = {"text-plain": "text/plain", "html-charset": "text/html; charset=utf-8",
              "json": "application/json", "ld-json": "application/ld+json",
              "app-javascript": "application/javascript",
              "js-charset": "text/javascript; charset=utf-8", "gif": "image/gif",
              "svg": "image/svg+xml", "text-xml": "text/xml",
              "octet-stream": "application/octet-stream", "unknown": "application/x-unknown-type",
              "upper-case": "TEXT/Plain", "invalid": "not a mime type"}
    for label, ctype in ctypes.items():
        add("ctype.A.fetch-cors.%s" % label, "fetch-cors", [hop("A", body="json", ctype=ctype)])
    for where, init, tao in sized[1:]:
        add("ctype.%s.%s.%s.json" % (where, init, tao), init,
            [hop(where, tao, body="json", ctype="application/json")])
    # 6. Opaque Response Blocking (ORB) decides per body whether a no-cors
    # response reaches the page at all: one that it blocks is a network error.
    orb = {"gif": ("gif", "image/gif"), "js": ("js", "text/javascript"),
           "text-js": ("tiny", "text/plain"), "text": ("text", "text/plain"),
           "json": ("json", "application/json")}
    for label, (body, ctype) in orb.items():
        for tao in ["star", "none"]:
            add("orb.B.fetch-no-cors.%s.%s" % (tao, label), "fetch-no-cors",
                [hop("B", tao, body=body, ctype=ctype)])
    add("orb.B.img.star.text", "img", [hop("B", "star")])
    add("orb.B.script.star.json", "script", [hop("B", "star", body="json",
                                                 ctype="application/json")])
    # 7. CORS fails (no Access-Control-Allow-Origin): a network error.
    for tao in ["none", "star"]:
        add("corsfail.B.fetch-cors.%s" % tao, "fetch-cors", [hop("B", tao, acao=None)])
    return cases


CASES = build_cases()


def path_of(page, cid, index):
    return "/x/%s/%s/%d" % (page, cid, index)


class Capture:
    """Collects what record.respond writes, so the bytes a hop sends and the
    header lines the fixture keeps come from the same call."""

    def __init__(self):
        self.data = b""

    def sendall(self, data):
        self.data += data


def render_hop(cid, index, origins, page):
    """The exact bytes of hop `index` of case `cid`; `origins` maps "A" and
    "B" to the origins to write (real ones, or "{A}"/"{B}" for the fixture)."""
    case = CASES[cid]
    h = case["hops"][index]
    cross = h["origin"] == "B"
    lines = []
    if index + 1 < len(case["hops"]):
        nxt = case["hops"][index + 1]["origin"]
        lines.append("Location: " + origins[nxt] + path_of(page, cid, index + 1))
        lines.append("Server-Timing: hop%d;dur=%d" % (index, 10 + index))
    else:
        lines.append("Server-Timing: " + FINAL_SERVER_TIMING)
    if h["acao"] and (cross or len(case["hops"]) > 1):
        lines.append("Access-Control-Allow-Origin: " + h["acao"])
    if TAO[h["tao"]] is not None:
        lines.append("Timing-Allow-Origin: " + TAO[h["tao"]].format(**origins))
    body = BODIES[h["body"]]
    if h["encoding"]:
        body = ENCODERS[h["encoding"]](body)
        lines.append("Content-Encoding: " + h["encoding"])
    out = Capture()
    record.respond(out, h["status"], h["content_type"], body, [x.encode() for x in lines])
    return out.data


def fixture_cases():
    """The cases as the fixture keeps them: each hop's origin, status line,
    header lines and body, with the origins written {A} and {B}."""
    symbolic = {"A": "{A}", "B": "{B}"}
    out = {}
    for cid, case in CASES.items():
        hops = []
        for i, h in enumerate(case["hops"]):
            data = render_hop(cid, i, symbolic, "{page}")
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            hops.append({
                "origin": h["origin"],
                "status_line": lines[0],
                "headers": [list(line.split(": ", 1)) for line in lines[1:]],
                "body": h["body"],
                "content_encoding": h["encoding"],
                "encoded_body_size": len(body),
                "decoded_body_size": len(BODIES[h["body"]]),
            })
        out[cid] = {"initiator": case["initiator"],
                    "url": "{%s}%s" % (case["hops"][0]["origin"], path_of("{page}", cid, 0)),
                    "hops": hops}
    return out


PAGE = r"""<!doctype html>
<meta charset="utf-8">
<body>
<script>
"use strict";
const CASES = %(cases)s;
const ORIGINS = %(origins)s;
const EXACT = new Set(["transferSize", "encodedBodySize", "decodedBodySize", "responseStatus"]);
function symbolic(s) {
  return s.split(ORIGINS.B).join("{B}").split(ORIGINS.A).join("{A}");
}
function norm(key, v) {
  // A duration can be 0 on a coarse clock: only its sign is stable.
  if (key === "duration") return v >= 0 ? "non-negative" : "negative";
  if (typeof v === "number" && !EXACT.has(key)) {
    return v === 0 ? "zero" : (v > 0 ? "nonzero" : "negative");
  }
  if (typeof v === "string") return symbolic(v);
  return v;
}
function serverTimingList(list) {
  return Array.from(list, st => [st.name, st.duration, st.description]);
}
function withTimeout(p, ms) {
  return Promise.race([p, new Promise(r => setTimeout(() => r({event: "timeout"}), ms))]);
}
function element(kind, url) {
  return withTimeout(new Promise(resolve => {
    const node = document.createElement(kind === "img" ? "img" : "script");
    if (kind === "script-cors") node.crossOrigin = "anonymous";
    node.onload = () => resolve({event: "load"});
    node.onerror = () => resolve({event: "error"});
    node.src = url;
    document.body.appendChild(node);
  }), 5000);
}
async function load(c) {
  if (c.initiator.startsWith("fetch-")) {
    try {
      const r = await fetch(c.url, {mode: c.initiator.slice(6), cache: "no-store"});
      const body = await r.arrayBuffer();
      return {type: r.type, status: r.status, body_length: body.byteLength};
    } catch (e) {
      return {error: e.name};
    }
  }
  return element(c.initiator, c.url);
}
function attributeNames() {
  const names = [];
  for (const proto of [PerformanceEntry.prototype, PerformanceResourceTiming.prototype]) {
    for (const n of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, n);
      if (d.get && !names.includes(n)) names.push(n);
    }
  }
  return names;
}
function describe(e, names) {
  const json = e.toJSON();
  const keys = Object.keys(json);
  const toJSON = {};
  for (const k of keys) {
    toJSON[k] = k === "serverTiming" ? json[k].map(st => [st.name, st.duration, st.description])
                                     : norm(k, json[k]);
  }
  // Attribute values that toJSON() does not show (no key, or another value).
  const others = {};
  for (const n of names) {
    const v = n === "serverTiming" ? serverTimingList(e[n]) : norm(n, e[n]);
    if (!(n in toJSON) || JSON.stringify(v) !== JSON.stringify(toJSON[n])) others[n] = v;
  }
  return {keys, toJSON, attributes_not_in_toJSON: others, has_server_timing: "serverTiming" in e};
}
(async () => {
  performance.setResourceTimingBufferSize(100000);
  const loads = {};
  for (const c of CASES) loads[c.id] = await load(c);
  await new Promise(r => setTimeout(r, %(settle)d));
  const names = attributeNames();
  const results = {};
  for (const c of CASES) {
    const entries = performance.getEntriesByName(c.url, "resource");
    results[c.id] = {load: loads[c.id], entries: entries.length,
                     entry: entries.length ? describe(entries[0], names) : null};
  }
  const protos = {};
  for (const i of ["PerformanceEntry", "PerformanceResourceTiming"]) {
    protos[i] = Object.getOwnPropertyNames(self[i].prototype);
  }
  await fetch("/results", {method: "POST", body: JSON.stringify({
    userAgent: navigator.userAgent, isSecureContext, prototypes: protos, results})});
})();
</script>
"""


def make_handler(state):
    def route(sock, port, method, target, body):
        url = urlsplit(target)
        parts = url.path.split("/")
        # The page kind is in every path (?page= for the page itself).
        page = parts[2] if len(parts) == 5 and parts[1] == "x" else url.query[5:]
        if page not in PAGES:
            page = "secure"
        host = PAGES[page]
        # An absolute-form target comes through the proxy (WebKit's not-secure page).
        port = url.port or port
        origins = {"A": "http://%s:%d" % (host, state.ports[0]),
                   "B": "http://%s:%d" % (host, state.ports[1])}
        if method == "GET" and url.path == "/page":
            cases = [{"id": cid, "initiator": c["initiator"],
                      "url": origins[c["hops"][0]["origin"]] + path_of(page, cid, 0)}
                     for cid, c in CASES.items()]
            text = PAGE % {"cases": json.dumps(cases), "origins": json.dumps(origins),
                           "settle": state.settle}
            record.respond(sock, "200 OK", "text/html; charset=utf-8", text.encode())
        elif method == "GET" and len(parts) == 5 and parts[1] == "x" and parts[3] in CASES:
            cid, index = parts[3], int(parts[4])
            served_by = "A" if port == state.ports[0] else "B"
            if CASES[cid]["hops"][index]["origin"] != served_by or \
                    url.hostname not in (None, host):
                state.misrouted.append(target)
            state.requests[(page, cid, index)] = state.requests.get((page, cid, index), 0) + 1
            sock.sendall(render_hop(cid, index, origins, page))
        else:
            return False
        return True

    return record.handler_for(state, route)


def write_fixture(doc, f):
    """JSON with one line per case (per page in "results"), so that two
    recordings diff line by line."""
    def members(obj, indent, depth):
        pad = " " * indent
        items = []
        for key, value in obj.items():
            if depth and isinstance(value, dict):
                text = "{\n%s\n%s}" % (members(value, indent + 1, depth - 1), pad)
            else:
                text = json.dumps(value, ensure_ascii=True)
            items.append("%s%s: %s" % (pad, json.dumps(key), text))
        return ",\n".join(items)
    depths = {"results": 2, "cases": 1, "bodies": 1}
    lines = []
    for key, value in doc.items():
        depth = depths.get(key, 0)
        if depth:
            lines.append(" %s: {\n%s\n }" % (json.dumps(key), members(value, 2, depth - 1)))
        else:
            lines.append(" %s: %s" % (json.dumps(key), json.dumps(value, ensure_ascii=True)))
    f.write("{\n" + ",\n".join(lines) + "\n}\n")


def main():
    args, binary = browser_arguments(__doc__, "record_exposure.py",
                                     [("--out", {"help": "write here instead of the fixture"}),
                                      ("--settle", {"type": int, "default": 1000,
                                                    "help": "ms to wait for late entries"})])
    state = State()
    state.misrouted = []
    state.settle = args.settle
    state.requests = {}
    servers = serve_on_loopback(2, make_handler(state), state)
    recorded = {}
    try:
        for page, host in PAGES.items():
            recorded[page] = run_browser(args.browser, binary, "http://%s:%d/page?page=%s" % (
                host, state.ports[0], page), args.timeout, state)
    finally:
        for server in servers:
            server.shutdown()
    if state.misrouted:
        sys.exit("record_exposure.py: requests reached the wrong origin: %s" % state.misrouted)
    for page, res in recorded.items():
        for cid, case in CASES.items():
            # How many times each hop was requested (a retry or a preflight would show).
            res["results"][cid]["requests"] = [state.requests.get((page, cid, i), 0)
                                               for i in range(len(case["hops"]))]
    first = recorded["secure"]
    doc = {
        "browser": args.browser,
        "version": browser_version(args.browser, binary),
        "user_agent": first["userAgent"],
        "recorder": "wpt/compat/record_exposure.py " + args.browser,
        "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "origins": {"A": "http://{host}:{port A}, the page's own origin",
                    "B": "http://{host}:{port B}, the same host on another port",
                    "host": PAGES},
        "page_is_secure_context": {p: r["isSecureContext"] for p, r in recorded.items()},
        "prototypes": first["prototypes"],
        "bodies": {name: {"size": len(data), "base64": base64.b64encode(data).decode()}
                   for name, data in BODIES.items()},
        "cases": fixture_cases(),
        "results": {p: r["results"] for p, r in recorded.items()},
    }
    out = args.out or os.path.join(record.FIXTURES, "exposure-%s.json" % args.browser)
    with open(out, "w") as f:
        write_fixture(doc, f)
    missing = sum(1 for r in doc["results"].values() for v in r.values() if not v["entries"])
    print("%s: %d cases x %d pages, %d without an entry, wrote %s" % (
        doc["version"], len(CASES), len(PAGES), missing, out), file=sys.stderr)


if __name__ == "__main__":
    main()
