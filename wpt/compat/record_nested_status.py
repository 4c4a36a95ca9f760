#!/usr/bin/env python3
"""Records what a page's resource entry for a nested navigation (an <iframe>
or an <object> showing HTML) exposes of the response: `responseStatus` and
`contentType`, for a document on the page's own origin and on another origin,
with statuses 200, 404 and 503, with and without `Timing-Allow-Origin: *`.

Fetch's *report timing* hides them only for a navigation whose redirect taint
is not "same-origin", which a cross-origin document without redirects is not
(whatwg/fetch#1602); WPT's response-status-code.no-cors.html expects 0.
The recording tells what the browsers do. Traffic stays on loopback.

Usage: python3 wpt/compat/record_nested_status.py chromium|firefox|webkit
Writes wpt/compat/fixtures/nested-status-<browser>.json.
"""

import json
import os
import sys
import time
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record  # noqa: E402
from record_policy import (State, browser_arguments, browser_version, run_browser,  # noqa: E402
                           serve_on_loopback)  # noqa: E402

STATUSES = {200: "200 OK", 404: "404 Not Found", 503: "503 Service Unavailable"}

PAGE = r"""<!doctype html>
<meta charset="utf-8">
<body>
<script>
"use strict";
const PORTS = %(ports)s;
const STATUSES = %(statuses)s;
const cases = [];
for (const element of ["iframe", "object"]) {
  for (const [where, port] of [["same", PORTS[0]], ["cross", PORTS[1]]]) {
    for (const status of STATUSES) {
      for (const tao of [false, true]) {
        const key = [element, where, status, tao ? "tao" : "no-tao"].join("/");
        const url = "http://127.0.0.1:" + port + "/doc?status=" + status +
          "&tao=" + (tao ? 1 : 0) + "&el=" + element;
        cases.push([key, url]);
        const node = document.createElement(element);
        if (element === "iframe") {
          node.src = url;
        } else {
          node.type = "text/html";
          node.data = url;
        }
        document.body.appendChild(node);
      }
    }
  }
}
addEventListener("load", async () => {
  await new Promise(r => setTimeout(r, 500));
  const results = {};
  for (const [key, url] of cases) {
    const e = performance.getEntriesByName(url)[0];
    results[key] = e ? {initiator_type: e.initiatorType, response_status: e.responseStatus,
                        content_type: e.contentType}
                     : {error: "no entry"};
  }
  await fetch("/results", {method: "POST", body: JSON.stringify({
    userAgent: navigator.userAgent, isSecureContext, results})});
});
</script>
"""


def make_handler(state):
    def route(sock, port, method, target, body):
        url = urlsplit(target)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if method == "GET" and url.path == "/page":
            page = PAGE % {"ports": json.dumps(state.ports),
                           "statuses": json.dumps(sorted(STATUSES))}
            record.respond(sock, "200 OK", "text/html; charset=utf-8", page.encode())
        elif method == "GET" and url.path == "/doc":
            status = STATUSES.get(int(q.get("status", "200")), "200 OK")
            tao = [b"Timing-Allow-Origin: *"] if q.get("tao") == "1" else []
            record.respond(sock, status, "text/html; charset=utf-8",
                           b"<!doctype html><p>nested</p>", tao)
        else:
            return False
        return True

    return record.handler_for(state, route)


def main():
    args, binary = browser_arguments(__doc__, "record_nested_status.py")
    state = State()
    servers = serve_on_loopback(2, make_handler(state), state)
    try:
        result = run_browser(args.browser, binary, "http://127.0.0.1:%d/page" % state.ports[0],
                             args.timeout, state)
    finally:
        for server in servers:
            server.shutdown()
    doc = {
        "browser": args.browser,
        "version": browser_version(args.browser, binary),
        "user_agent": result["userAgent"],
        "recorder": "wpt/compat/record_nested_status.py " + args.browser,
        "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "page_is_secure_context": result["isSecureContext"],
        "results": result["results"],
    }
    out = os.path.join(record.FIXTURES, "nested-status-%s.json" % args.browser)
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps(doc, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
