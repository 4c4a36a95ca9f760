#!/usr/bin/env python3
"""Runs the tests of wpt/upstream/ (new WPT tests, written in WPT's own
format) in a real browser, headless, and writes which subtests pass to
wpt/upstream/results.json.

wptserve (WPT's own server, from PyPI: `pip install wptserve==4.0.3`)
serves wpt/upstream/ on two loopback origins, A = http://127.0.0.1:PA (the
page's origin, a secure context) and B = http://127.0.0.1:PB, so that the
tests' `.py` handlers run as they do upstream. Three files that WPT itself
provides are stood in for, each served at its WPT path:
  /resources/testharness.js       wpt/compat/upstream_shim/testharness.js, the
                                  subset of testharness.js the tests use
  /resources/testharnessreport.js empty
  /common/get-host-info.sub.js    get_host_info() with ORIGIN = A, REMOTE_ORIGIN = B
A runner page on A loads each test in an iframe, in turn, collects what the
harness posts to it and posts all of it back to the runner.

Usage: python3 wpt/compat/run_upstream.py chromium|firefox|webkit [--out PATH]
Merges the browser's results into wpt/upstream/results.json (or PATH).
Traffic stays on loopback.
"""

import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from record_policy import browser_arguments, browser_version, run_browser  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
UPSTREAM = os.path.normpath(os.path.join(HERE, "..", "upstream"))
SHIM = os.path.join(HERE, "upstream_shim", "testharness.js")

RUNNER_PAGE = """<!doctype html>
<meta charset="utf-8">
<body>
<script>
"use strict";
const TESTS = %(tests)s;
(async () => {
  const results = {};
  for (const path of TESTS) {
    const frame = document.createElement("iframe");
    const outcome = new Promise(resolve => {
      const timer = setTimeout(() => resolve({harness: "TIMEOUT", tests: []}), 120000);
      window.addEventListener("message", function listen(e) {
        if (e.source !== frame.contentWindow || !e.data || e.data.type !== "complete") return;
        window.removeEventListener("message", listen);
        clearTimeout(timer);
        resolve({harness: e.data.status.status, tests: e.data.tests});
      });
    });
    frame.src = path;
    document.body.appendChild(frame);
    results[path] = await outcome;
    frame.remove();
  }
  await fetch("/__results", {method: "POST", body: JSON.stringify({
    userAgent: navigator.userAgent, isSecureContext, results})});
})();
</script>
"""


def test_paths():
    """Every test file under wpt/upstream/, as a URL path."""
    paths = []
    for root, dirs, files in os.walk(UPSTREAM):
        dirs[:] = sorted(d for d in dirs if d != "resources")
        for name in sorted(files):
            if name.endswith(".html"):
                rel = os.path.relpath(os.path.join(root, name), UPSTREAM)
                paths.append("/" + rel.replace(os.sep, "/"))
    return paths


class State:
    def __init__(self):
        self.result = None
        self.done = threading.Event()
        self.ports = []


def make_routes(state):
    from wptserve import handlers
    from wptserve.routes import routes as default_routes

    @handlers.handler
    def runner(request, response):
        page = RUNNER_PAGE % {"tests": json.dumps(test_paths())}
        return 200, [("Content-Type", "text/html; charset=utf-8")], page

    @handlers.handler
    def results(request, response):
        state.result = json.loads(request.body.decode("utf-8"))
        state.done.set()
        return 204, [], ""

    @handlers.handler
    def testharness(request, response):
        with open(SHIM, encoding="utf-8") as f:
            return 200, [("Content-Type", "text/javascript")], f.read()

    @handlers.handler
    def testharnessreport(request, response):
        return 200, [("Content-Type", "text/javascript")], "// nothing to report here\n"

    @handlers.handler
    def host_info(request, response):
        a, b = ("http://127.0.0.1:%d" % port for port in state.ports)
        js = ("function get_host_info() {\n  return %s;\n}\n" % json.dumps({
            "ORIGIN": a, "REMOTE_ORIGIN": b, "HTTP_ORIGIN": a, "HTTP_REMOTE_ORIGIN": b,
            "HTTP_PORT": str(state.ports[0]), "HTTP_PORT2": str(state.ports[1]),
            "ORIGINAL_HOST": "127.0.0.1", "REMOTE_HOST": "127.0.0.1"}, indent=4))
        return 200, [("Content-Type", "text/javascript")], js

    return [("GET", "/__runner", runner), ("POST", "/__results", results),
            ("GET", "/resources/testharness.js", testharness),
            ("GET", "/resources/testharnessreport.js", testharnessreport),
            ("GET", "/common/get-host-info.sub.js", host_info)] + default_routes


def main():
    args, binary = browser_arguments(__doc__, "run_upstream.py",
                                     [("--out", {"help": "write here instead"})])
    try:
        from wptserve.server import WebTestHttpd
    except ImportError:
        sys.exit("run_upstream.py: needs wptserve (pip install wptserve==4.0.3)")
    state = State()
    servers = []
    for _ in range(2):
        server = WebTestHttpd(host="127.0.0.1", port=0, doc_root=UPSTREAM,
                              routes=make_routes(state))
        server.start()
        servers.append(server)
        state.ports.append(server.port)
    try:
        got = run_browser(args.browser, binary, "http://127.0.0.1:%d/__runner" % state.ports[0],
                          args.timeout, state)
    finally:
        for server in servers:
            server.stop()
    out = args.out or os.path.join(UPSTREAM, "results.json")
    doc = {}
    if os.path.exists(out):
        with open(out, encoding="utf-8") as f:
            doc = json.load(f)
    doc.setdefault("runner", "wpt/compat/run_upstream.py")
    doc.setdefault("browsers", {})
    doc["browsers"][args.browser] = {
        "version": browser_version(args.browser, binary),
        "user_agent": got["userAgent"],
        "is_secure_context": got["isSecureContext"],
        "results": {path: {"harness": r["harness"],
                           "subtests": {t["name"]: {"status": t["status"],
                                                    "message": t["message"]}
                                        for t in r["tests"]}}
                    for path, r in got["results"].items()},
    }
    doc["browsers"] = dict(sorted(doc["browsers"].items()))
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=False, ensure_ascii=True)
        f.write("\n")
    passed = sum(1 for r in doc["browsers"][args.browser]["results"].values()
                 for t in r["subtests"].values() if t["status"] == "PASS")
    total = sum(len(r["subtests"]) for r in doc["browsers"][args.browser]["results"].values())
    print("%s: %d/%d subtests pass, wrote %s" % (doc["browsers"][args.browser]["version"],
                                                 passed, total, out), file=sys.stderr)


if __name__ == "__main__":
    main()
