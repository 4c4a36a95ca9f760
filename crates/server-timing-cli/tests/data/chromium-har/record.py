#!/usr/bin/env python3
"""Records HAR fixtures of loopback pages with real headless Chromium.

Two origins on loopback (two ports of 127.0.0.1). The document redirects
(/ -> /page) and loads same- and cross-origin subresources with
Server-Timing and various Timing-Allow-Origin headers, a cross-origin
redirect chain, and CORS fetches. Playwright (Python package `playwright`,
driving Debian's /usr/bin/chromium; Playwright's own browser download is not
used) records the HAR; the page itself reports what it saw in
performance.getEntriesByType('resource') (each entry's name and
serverTiming), saved beside the HAR. Both are fixtures for
tests/chromium_har.rs.

    pip install playwright
    python3 record.py [OUT_DIR]

Writes loopback.har, observed.json and chromium-version.txt. Servers listen
on 127.0.0.1 only and stop when the recording ends.
"""

import http.server
import json
import os
import socketserver
import sys
import threading

from playwright.sync_api import sync_playwright

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/lib/chromium/chromium")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def start(handler):
    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


ORIGINS = {}


def handler_for(name):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body=b"", content_type="text/javascript", headers=()):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for key, value in headers:
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            a, b = ORIGINS["a"], ORIGINS["b"]
            path = self.path.split("?")[0]
            st = ("Server-Timing", f"{name}-{path.strip('/').replace('/', '-') or 'root'};dur=12.5;desc=\"{name}\"")
            if name == "a" and path == "/":
                return self.reply(302, headers=[("Location", "/page"), ("Server-Timing", "redirect;dur=1")])
            if name == "a" and path == "/page":
                return self.reply(200, PAGE.replace("{B}", b).encode(), "text/html",
                                  [("Server-Timing", "app;dur=40, db;dur=25;desc=\"query\"")])
            if path == "/same.js":
                return self.reply(200, b"//", headers=[st])
            if path == "/tao-star.js":
                return self.reply(200, b"//", headers=[st, ("Timing-Allow-Origin", "*")])
            if path == "/tao-origin.js":
                return self.reply(200, b"//", headers=[st, ("Timing-Allow-Origin", a)])
            if path == "/tao-other.js":
                return self.reply(200, b"//", headers=[st, ("Timing-Allow-Origin", "http://other.example")])
            if path == "/no-tao.js":
                return self.reply(200, b"//", headers=[st])
            if path == "/stray-comma.js":
                return self.reply(200, b"//", headers=[("Server-Timing", "db;dur=5, , cache;dur=1"), ("Timing-Allow-Origin", "*")])
            if path == "/hop":
                # A cross-origin redirect with TAO on both hops, to the same origin.
                return self.reply(302, headers=[("Location", b + "/after-hop.js"), st, ("Timing-Allow-Origin", "*")])
            if path == "/hop-no-tao":
                # A -> B (no TAO) -> B (TAO *): one hop fails, the chain is hidden.
                return self.reply(302, headers=[("Location", b + "/mid-no-tao"), st])
            if path == "/mid-no-tao":
                return self.reply(302, headers=[("Location", b + "/after-hop.js"), st])
            if path == "/after-hop.js":
                return self.reply(200, b"//", headers=[st, ("Timing-Allow-Origin", "*")])
            if path == "/cors":
                origin = self.headers.get("Origin", "")
                return self.reply(200, b"{}", "application/json",
                                  [st, ("Access-Control-Allow-Origin", origin), ("Timing-Allow-Origin", origin)])
            if path == "/cors-no-tao":
                origin = self.headers.get("Origin", "")
                return self.reply(200, b"{}", "application/json", [st, ("Access-Control-Allow-Origin", origin)])
            self.reply(404, b"not found", "text/plain")

    return Handler


PAGE = """<!DOCTYPE html>
<html><head><title>server-timing HAR fixture</title>
<script src="/same.js"></script>
<script src="{B}/tao-star.js"></script>
<script src="{B}/tao-origin.js"></script>
<script src="{B}/tao-other.js"></script>
<script src="{B}/no-tao.js"></script>
<script src="{B}/stray-comma.js"></script>
<script src="/hop"></script>
<script src="/hop-no-tao"></script>
</head><body>
<script>
window.recorded = Promise.all([
  fetch("{B}/cors").then(r => r.text()),
  fetch("{B}/cors-no-tao").then(r => r.text()),
]).then(() => new Promise(r => setTimeout(r, 200))).then(() =>
  performance.getEntriesByType("resource").map(e => ({
    name: e.name,
    initiatorType: e.initiatorType,
    serverTiming: e.serverTiming.map(m => ({name: m.name, duration: m.duration, description: m.description})),
  })));
</script>
</body></html>
"""


def main():
    a = start(handler_for("a"))
    b = start(handler_for("b"))
    ORIGINS["a"] = f"http://127.0.0.1:{a.server_address[1]}"
    ORIGINS["b"] = f"http://127.0.0.1:{b.server_address[1]}"
    har = os.path.join(OUT, "loopback.har")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(record_har_path=har, record_har_content="omit")
        page = context.new_page()
        page.goto(ORIGINS["a"] + "/", wait_until="load")
        observed = page.evaluate("window.recorded")
        navigation = page.evaluate(
            "performance.getEntriesByType('navigation').map(e => ({name: e.name,"
            " serverTiming: e.serverTiming.map(m => ({name: m.name, duration: m.duration,"
            " description: m.description}))}))")
        version = browser.version
        context.close()
        browser.close()
    a.shutdown()
    b.shutdown()
    with open(os.path.join(OUT, "observed.json"), "w") as f:
        json.dump({"origins": ORIGINS, "navigation": navigation, "resources": observed}, f, indent=1)
        f.write("\n")
    with open(os.path.join(OUT, "chromium-version.txt"), "w") as f:
        f.write(f"Chromium {version} (Debian's chromium package), driven by Playwright for Python\n")
    print(f"recorded {har} with Chromium {version}")


if __name__ == "__main__":
    main()
