#!/usr/bin/env python3
"""Records how real browsers expose Server-Timing for the cases of cases.json.

Serves a page and one resource per case on http://127.0.0.1 (loopback is a
secure context in both engines), starts a headless browser on the page, and
writes what `performance.getEntriesByType('resource')[i].serverTiming` gave
for each case to wpt/compat/fixtures/<browser>.json, with the browser's
version and user agent.

The HTTP responses are written byte by byte on the socket: each case's
Server-Timing lines go out exactly as stored in cases.json (no library
validates or re-encodes them).

Usage:
    python3 wpt/compat/gen.py                 # (re)generate cases.json
    python3 wpt/compat/record.py chromium     # writes fixtures/chromium.json
    python3 wpt/compat/record.py firefox      # writes fixtures/firefox.json
    python3 wpt/compat/record.py webkit       # writes fixtures/webkit.json

WebKit is WebKitGTK's MiniBrowser (package libwebkit2gtk-4.1-0), which needs
an X display: it runs under `xvfb-run -a`, in private browsing mode, with its
XDG directories in a fresh temporary profile.

Options: --binary PATH (default: chromium / firefox-esr from PATH, WebKitGTK's
MiniBrowser from its library directory),
--timeout SECONDS (default 600), --only ID,ID (record a subset, print it,
write nothing).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
CASES = os.path.join(FIXTURES, "cases.json")

PAGE = r"""<!doctype html>
<meta charset="utf-8">
<title>Server-Timing compat recorder</title>
<script>
"use strict";
function enc(d) {
  // JSON has no -0, Infinity or NaN: send those as strings.
  if (Object.is(d, -0)) return "-0";
  if (!Number.isFinite(d)) return String(d);
  return d;
}
(async () => {
  performance.setResourceTimingBufferSize(1000000);
  const ids = await (await fetch("/ids")).json();
  const errors = {};
  let next = 0;
  async function worker() {
    while (next < ids.length) {
      const id = ids[next++];
      try {
        const r = await fetch("/r/" + encodeURIComponent(id), {cache: "no-store"});
        await r.text();
      } catch (e) {
        errors[id] = String(e);
      }
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()]);
  await new Promise(r => setTimeout(r, 1000));
  const results = {};
  for (const e of performance.getEntriesByType("resource")) {
    const m = /\/r\/([^/?#]+)$/.exec(e.name);
    if (!m) continue;
    const id = decodeURIComponent(m[1]);
    if (!("serverTiming" in e)) { results[id] = "no-serverTiming-attribute"; continue; }
    results[id] = e.serverTiming.map(st => [st.name, enc(st.duration), st.description]);
  }
  await fetch("/results", {method: "POST", body: JSON.stringify({
    userAgent: navigator.userAgent, isSecureContext, results, errors})});
  document.title = "done";
})();
</script>
"""


def load_cases():
    with open(CASES, encoding="utf-8") as f:
        doc = json.load(f)
    cases = []
    for c in doc["cases"]:
        cases.append((c["id"], [line.encode("latin-1") for line in c["lines"]]))
    return doc["generator"], cases


class State:
    def __init__(self, cases):
        self.cases = dict(cases)
        self.ids = [cid for cid, _ in cases]
        self.result = None
        self.done = threading.Event()


def read_request(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, None, None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    method, target, _ = lines[0].split(b" ", 2)
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return method.decode(), target.decode(), body



def handler_for(state, route):
    """A socketserver handler class that reads one request from its
    connection: `POST /results` stores the page's results in `state.result`
    and sets `state.done`; anything else goes to
    `route(sock, port, method, target, body)`, which returns False for a
    request it does not know (answered 404). Connections that close or send
    garbage before a request are dropped."""
    import socketserver

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                method, target, body = read_request(self.request)
            except (OSError, ValueError):
                return
            if method is None:
                return
            sock = self.request
            if method == "POST" and target == "/results":
                respond(sock, "204 No Content", "text/plain", b"")
                state.result = json.loads(body.decode("utf-8"))
                state.done.set()
            elif not route(sock, self.server.server_address[1], method, target, body):
                respond(sock, "404 Not Found", "text/plain", b"not found")

    return Handler

def respond(sock, status, content_type, body, extra_lines=()):
    head = [b"HTTP/1.1 " + status.encode(),
            b"Content-Type: " + content_type.encode(),
            b"Content-Length: " + str(len(body)).encode(),
            b"Cache-Control: no-store",
            b"Connection: close"]
    for line in extra_lines:
        head.append(line)
    sock.sendall(b"\r\n".join(head) + b"\r\n\r\n" + body)


def make_handler(state):
    def route(sock, port, method, target, body):
        if method == "GET" and target == "/":
            respond(sock, "200 OK", "text/html; charset=utf-8", PAGE.encode())
        elif method == "GET" and target == "/ids":
            respond(sock, "200 OK", "application/json", json.dumps(state.ids).encode())
        elif method == "GET" and target.startswith("/r/"):
            from urllib.parse import unquote
            cid = unquote(target[3:])
            lines = state.cases.get(cid)
            if lines is None:
                respond(sock, "404 Not Found", "text/plain", b"no such case")
                return True
            # The exact bytes of each Server-Timing line, as stored.
            extra = [b"Server-Timing: " + line for line in lines]
            respond(sock, "200 OK", "text/plain", b"x", extra)
        else:
            return False
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        return True

    return handler_for(state, route)


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"


def default_binary(browser):
    """The browser's binary on this system, or None."""
    if browser == "chromium":
        return shutil.which("chromium")
    if browser == "webkit":
        return MINIBROWSER if os.access(MINIBROWSER, os.X_OK) else shutil.which("MiniBrowser")
    return shutil.which("firefox-esr") or shutil.which("firefox")


def browser_env(browser, profile):
    """The environment to start the browser in: WebKitGTK keeps its data in
    the XDG directories, so those point into the fresh profile."""
    env = dict(os.environ)
    if browser == "webkit":
        for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
            env[var] = os.path.join(profile, var.lower())
    return env


def browser_command(browser, binary, url, profile):
    if browser == "webkit":
        return ["xvfb-run", "-a", binary, "--private", url]
    if browser == "chromium":
        return [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, url]
    with open(os.path.join(profile, "user.js"), "w") as f:
        for pref, value in [
            ("browser.shell.checkDefaultBrowser", "false"),
            ("datareporting.policy.dataSubmissionEnabled", "false"),
            ("toolkit.telemetry.reportingpolicy.firstRun", "false"),
            ("browser.startup.homepage_override.mstone", '"ignore"'),
            ("app.update.auto", "false"),
            ("network.captive-portal-service.enabled", "false"),
            ("network.connectivity-service.enabled", "false"),
            ("browser.safebrowsing.malware.enabled", "false"),
            ("browser.safebrowsing.phishing.enabled", "false"),
            ("extensions.update.enabled", "false"),
        ]:
            f.write('user_pref("%s", %s);\n' % (pref, value))
    return [binary, "--headless", "--no-remote", "--profile", profile, url]


def browser_version(binary, browser=None):
    cmd = [binary, "--version"]
    if browser == "webkit":
        cmd = ["xvfb-run", "-a"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr.strip()


def stop_browser(proc):
    """Ends the browser started by `proc` and what it started (its own
    session: xvfb-run, Xvfb and WebKit's helper processes too)."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("browser", choices=["chromium", "firefox", "webkit"])
    ap.add_argument("--binary")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--only")
    args = ap.parse_args()
    binary = args.binary or default_binary(args.browser)
    if not binary:
        sys.exit("record.py: no %s binary found" % args.browser)
    generator, cases = load_cases()
    if args.only:
        wanted = set(args.only.split(","))
        cases = [c for c in cases if c[0] in wanted]
    state = State(cases)
    server = Server(("127.0.0.1", 0), make_handler(state))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    profile = tempfile.mkdtemp(prefix="st-compat-")
    version = browser_version(binary, args.browser)
    cmd = browser_command(args.browser, binary, "http://127.0.0.1:%d/" % port, profile)
    started = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=browser_env(args.browser, profile), start_new_session=True)
    try:
        if not state.done.wait(args.timeout):
            sys.exit("record.py: no results from %s after %ss" % (args.browser, args.timeout))
    finally:
        stop_browser(proc)
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    res = state.result
    missing = [cid for cid, _ in cases if cid not in res["results"]]
    print("%s: %d results, %d missing, %d fetch errors, secure=%s, %.1fs" % (
        version, len(res["results"]), len(missing), len(res["errors"]), res["isSecureContext"],
        time.time() - started), file=sys.stderr)
    if args.only:
        for cid, _ in cases:
            print(cid, json.dumps(res["results"].get(cid)), res["errors"].get(cid, ""))
        return
    out = os.path.join(FIXTURES, args.browser + ".json")
    with open(out, "w") as f:
        f.write('{"browser": %s,\n "version": %s,\n "user_agent": %s,\n "is_secure_context": %s,\n'
                ' "cases_generator": %s,\n "recorder": "wpt/compat/record.py %s",\n'
                ' "recorded": %s,\n' % (
                    json.dumps(args.browser), json.dumps(version), json.dumps(res["userAgent"]),
                    json.dumps(res["isSecureContext"]), json.dumps(generator), args.browser,
                    json.dumps(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))))
        f.write(' "results": {\n')
        for i, (cid, _) in enumerate(cases):
            value = res["results"].get(cid)
            if value is None:
                value = {"error": res["errors"].get(cid, "no resource entry")}
            f.write("  %s: %s%s\n" % (json.dumps(cid), json.dumps(value, ensure_ascii=True),
                                      "," if i + 1 < len(cases) else ""))
        f.write(" }}\n")
    print("wrote " + out, file=sys.stderr)


if __name__ == "__main__":
    main()
