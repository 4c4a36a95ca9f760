#!/usr/bin/env python3
"""Compares the exposure recordings (fixtures/exposure-<browser>.json) with
what the specs give for each case, field by field, and prints every
difference. The spec side is worked out here from the case's hops alone:

- Fetch's response tainting (basic until a hop leaves the page's origin,
  then "cors" for a cors request and "opaque" for a no-cors one, for good),
  redirect-taint and *serializing a request origin* ("null" once a redirect
  left a URL that is not the page's origin for another origin), the CORS
  check on every hop of a cors request, and the TAO check on every hop (the
  timing allow failed flag sticks);
- *fetch response handover*: an opaque timing info and an empty cache state
  without TAO; the body info (sizes, content type, content encoding) and the
  status of the filtered response, so 0 and "" for opaque responses and
  network errors whatever TAO says; Server-Timing captured only for a secure
  page;
- Resource Timing: `transferSize` = the body info's encoded size + 300 when
  TAO passed and the response did not come from a cache (so 300 for an
  opaque response), else 0; `nextHopProtocol` "" and
  every timestamp but startTime, fetchStart and responseEnd 0 without TAO.

Usage: python3 wpt/compat/analyse_exposure.py [chromium firefox webkit]
       [--fixture PATH ...] [--json] [--cases SUBSTRING] [--matrix secure|not_secure]
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_KEYS = ["name", "entryType", "startTime", "duration", "initiatorType", "deliveryType",
             "nextHopProtocol", "workerStart", "redirectStart", "redirectEnd", "fetchStart",
             "domainLookupStart", "domainLookupEnd", "connectStart", "connectEnd",
             "secureConnectionStart", "requestStart", "finalResponseHeadersStart",
             "firstInterimResponseStart", "responseStart", "responseEnd",
             "workerRouterEvaluationStart", "workerCacheLookupStart",
             "workerMatchedRouterSource", "workerFinalRouterSource", "transferSize",
             "encodedBodySize", "decodedBodySize", "responseStatus", "renderBlockingStatus",
             "contentType", "contentEncoding", "serverTiming"]
"""The spec's toJSON() keys in IDL order (PerformanceEntry's optional `id`
and `navigationId` aside), with Server Timing's partial interface last."""

JAVASCRIPT = {"application/ecmascript", "application/javascript", "application/x-ecmascript",
              "application/x-javascript", "text/ecmascript", "text/javascript",
              "text/javascript1.0", "text/javascript1.1", "text/javascript1.2",
              "text/javascript1.3", "text/javascript1.4", "text/javascript1.5", "text/jscript",
              "text/livescript", "text/x-ecmascript", "text/x-javascript"}
TOKEN = set("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~")
DETAILED = ["domainLookupStart", "domainLookupEnd", "connectStart", "connectEnd", "requestStart",
            "responseStart", "finalResponseHeadersStart"]


def content_type(value):
    """Extract a MIME type, then minimize a supported MIME type ("" on failure)."""
    essence = None
    for candidate in value.split(","):
        media = candidate.split(";")[0].strip().lower()
        kind, _, sub = media.partition("/")
        if kind and sub and set(kind) <= TOKEN and set(sub) <= TOKEN and media != "*/*":
            essence = media
    if essence is None:
        return ""
    if essence in JAVASCRIPT:
        return "text/javascript"
    if essence in ("application/json", "text/json") or essence.endswith("+json"):
        return "application/json"
    if essence != "image/svg+xml" and (essence in ("application/xml", "text/xml")
                                       or essence.endswith("+xml")):
        return "application/xml"
    return essence


def header(hop, name):
    for n, v in hop["headers"]:
        if n.lower() == name.lower():
            return v
    return None


def spec_expectation(case, page):
    """What the specs give for `case` on a `page` ("secure"/"not_secure")."""
    mode = "cors" if case["initiator"] in ("fetch-cors", "script-cors") else "no-cors"
    tainting, failed, error, last = "basic", False, False, None
    tainted = False
    for hop in case["hops"]:
        here = hop["origin"]
        if not (here == "A" and tainting == "basic"):
            tainting = "opaque" if mode == "no-cors" else "cors"
        if last is not None and here != last and last != "A":
            tainted = True
        last = here
        serialized = "null" if tainted else "{A}"
        if tainting == "cors" and header(hop, "Access-Control-Allow-Origin") not in ("*",
                                                                                   serialized):
            error = True
            break
        values = [v.strip() for v in (header(hop, "Timing-Allow-Origin") or "").split(",")]
        if not ("*" in values or serialized in values or tainting == "basic"):
            failed = True
    final = case["hops"][-1]
    tao = not failed and not error
    hidden = error or tainting == "opaque"
    status = int(final["status_line"].split()[1])
    st = [[n, float(d), ""] for n, d in
          (m.split(";dur=") for m in header(final, "Server-Timing").split(", "))]
    return {
        "tao_passed": tao, "network_error": error, "tainting": tainting,
        "serverTiming": st if tao and page == "secure" else [],
        "has_server_timing": True,
        # The body info is the filtered response's: an opaque one counts 0 bytes.
        "transferSize": (0 if hidden else final["encoded_body_size"]) + 300 if tao else 0,
        "encodedBodySize": 0 if hidden else final["encoded_body_size"],
        "decodedBodySize": 0 if hidden else final["decoded_body_size"],
        "responseStatus": 0 if hidden else status,
        "contentType": "" if hidden else content_type(header(final, "Content-Type") or ""),
        "contentEncoding": "" if hidden else (final["content_encoding"] or ""),
        "nextHopProtocol": "http/1.1" if tao else "",
        "detailed_timing": tao,
        "redirect_timing": tao and len(case["hops"]) > 1,
    }


def observed(result):
    """The same fields as recorded (None where the browser made no entry)."""
    entry = result["entry"]
    if entry is None:
        return None
    values = dict(entry["toJSON"])
    values.update(entry["attributes_not_in_toJSON"])
    st = values.get("serverTiming")
    return {
        "serverTiming": [[n, float(d), desc] for n, d, desc in st] if st is not None else None,
        "has_server_timing": entry["has_server_timing"],
        "transferSize": values.get("transferSize"),
        "encodedBodySize": values.get("encodedBodySize"),
        "decodedBodySize": values.get("decodedBodySize"),
        "responseStatus": values.get("responseStatus"),
        "contentType": values.get("contentType"),
        "contentEncoding": values.get("contentEncoding"),
        "nextHopProtocol": values.get("nextHopProtocol"),
        "detailed_timing": all(values.get(k) == "nonzero" for k in DETAILED if k in values)
        if any(values.get(k) == "nonzero" for k in DETAILED) else False,
        "redirect_timing": values.get("redirectStart") == "nonzero",
    }


FIELDS = ["serverTiming", "has_server_timing", "transferSize", "encodedBodySize",
          "decodedBodySize", "responseStatus", "contentType", "contentEncoding",
          "nextHopProtocol", "detailed_timing", "redirect_timing"]


def differences(doc):
    """[(page, case id, field, spec value, browser value)], with "entry" for
    a missing entry, and the set of attributes the browser does not have
    (left out of the per-case list)."""
    out, absent = [], set()
    for page, results in doc["results"].items():
        for cid, result in results.items():
            want = spec_expectation(doc["cases"][cid], page)
            got = observed(result)
            if got is None:
                out.append((page, cid, "entry", "present", "absent"))
                continue
            for field in FIELDS:
                if got[field] is None:
                    absent.add(field)
                elif got[field] != want[field]:
                    out.append((page, cid, field, want[field], got[field]))
    return out, absent


def signature(values):
    """One cell of the matrix: serverTiming (ST = the metrics, st[] = empty,
    noattr = no attribute), transferSize, encodedBodySize, decodedBodySize,
    then T (detailed timestamps), R (redirect timestamps), h (nextHopProtocol)."""
    if values is None:
        return "NO ENTRY"
    if not values["has_server_timing"]:
        st = "noattr"
    else:
        st = "ST" if values["serverTiming"] else "st[]"
    return "%s t%s e%s d%s %s%s%s" % (
        st, values["transferSize"], values["encodedBodySize"], values["decodedBodySize"],
        "T" if values["detailed_timing"] else "-", "R" if values["redirect_timing"] else "-",
        "h" if values["nextHopProtocol"] else "-")


def matrix(docs, page, pattern):
    """One line per case: the spec's cell, then each browser's."""
    names = [d["browser"] for d in docs]
    print(("%-46s" + " %-24s" * (len(docs) + 1)) % tuple(["case (%s page)" % page, "spec"] + names))
    for cid, case in docs[0]["cases"].items():
        if pattern not in cid:
            continue
        cells = [signature(spec_expectation(case, page))]
        cells += [signature(observed(d["results"][page][cid])) for d in docs]
        print(("%-46s" + " %-24s" * len(cells)) % tuple([cid] + cells))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("browsers", nargs="*", default=["chromium", "firefox", "webkit"])
    ap.add_argument("--fixture", action="append", default=[])
    ap.add_argument("--json", action="store_true", help="differences as JSON lines")
    ap.add_argument("--matrix", metavar="PAGE", choices=["secure", "not_secure"],
                    help="print the case-by-browser matrix for that page instead")
    ap.add_argument("--cases", default="", help="only case ids containing this")
    args = ap.parse_args()
    paths = args.fixture or [os.path.join(HERE, "fixtures", "exposure-%s.json" % b)
                             for b in args.browsers]
    docs = []
    for path in paths:
        with open(path) as f:
            docs.append(json.load(f))
    if args.matrix:
        matrix(docs, args.matrix, args.cases)
        return 0
    for doc in docs:
        diffs, absent = differences(doc)
        diffs = [d for d in diffs if args.cases in d[1]]
        keys = sorted({(page, tuple(r["entry"]["keys"])) for page, rs in doc["results"].items()
                       for r in rs.values() if r["entry"]})
        print("## %s (%s): %d differences from the spec" % (doc["browser"], doc["version"],
                                                            len(diffs)))
        print("attributes missing:", ", ".join(sorted(absent)) or "none")
        for page, k in keys:
            print("toJSON keys (%s page): %s" % (page, ", ".join(k)))
        for d in diffs:
            print(json.dumps(d) if args.json else "%-10s %-45s %-18s spec=%s got=%s" % d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
