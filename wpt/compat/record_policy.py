#!/usr/bin/env python3
"""Records the pipeline policies around Server-Timing in a real browser:
secure-context gating and cross-origin exposure.

Scenarios, each a fetch() whose response carries `Server-Timing: m;dur=1`:
  same_origin_secure            page on http://127.0.0.1 (secure), same origin
  same_origin_not_secure        page on http://notsecure.test (mapped to
                                127.0.0.1 inside the browser; not secure)
  cross_origin_no_tao           other port, no Timing-Allow-Origin
  cross_origin_tao              other port, Timing-Allow-Origin: *
  redirect_first_hop_fails_tao  other port without TAO redirects to a third
                                port with TAO: *
  redirect_every_hop_tao        the same chain with TAO: * on both hops
Every response carries Access-Control-Allow-Origin: * so CORS passes; only
TAO differs. Traffic stays on loopback.

Usage: python3 wpt/compat/record_policy.py chromium|firefox|webkit
Writes wpt/compat/fixtures/policy-<browser>.json.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record  # noqa: E402

PAGE = r"""<!doctype html>
<meta charset="utf-8">
<script>
"use strict";
const PORTS = %(ports)s;
const MODE = %(mode)s;
function cross(port, path) { return "http://127.0.0.1:" + port + path; }
async function run() {
  const scenarios = {};
  if (MODE === "secure") {
    scenarios.same_origin_secure = "/st?tao=0&s=same";
    scenarios.cross_origin_no_tao = cross(PORTS[1], "/st?tao=0&s=xno");
    scenarios.cross_origin_tao = cross(PORTS[1], "/st?tao=1&s=xtao");
    scenarios.redirect_first_hop_fails_tao = cross(PORTS[1], "/redir?tao=0&to=" +
      encodeURIComponent(cross(PORTS[2], "/st?tao=1&s=chainfail")));
    scenarios.redirect_every_hop_tao = cross(PORTS[1], "/redir?tao=1&to=" +
      encodeURIComponent(cross(PORTS[2], "/st?tao=1&s=chainok")));
  } else {
    scenarios.same_origin_not_secure = "/st?tao=0&s=insecure";
  }
  const results = {};
  for (const [name, url] of Object.entries(scenarios)) {
    const abs = new URL(url, location.href).href;
    try {
      await (await fetch(abs, {cache: "no-store"})).text();
    } catch (e) {
      results[name] = {error: String(e)};
    }
  }
  await new Promise(r => setTimeout(r, 500));
  for (const [name, url] of Object.entries(scenarios)) {
    if (results[name]) continue;
    const abs = new URL(url, location.href).href;
    const e = performance.getEntriesByName(abs)[0];
    if (!e) { results[name] = {error: "no entry"}; continue; }
    const has = "serverTiming" in e;
    results[name] = {
      has_attribute: has,
      server_timing: has ? e.serverTiming.map(st => [st.name, st.duration, st.description]) : null,
    };
  }
  await fetch("/results", {method: "POST", body: JSON.stringify({
    userAgent: navigator.userAgent, isSecureContext, results})});
}
run();
</script>
"""


class State:
    def __init__(self):
        self.result = None
        self.done = threading.Event()
        self.ports = []


def make_handler(state):
    def route(sock, port, method, target, body):
        url = urlsplit(target)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        cors = [b"Access-Control-Allow-Origin: *"]
        tao = [b"Timing-Allow-Origin: *"] if q.get("tao") == "1" else []
        if method == "GET" and url.path == "/policy":
            page = PAGE % {"ports": json.dumps(state.ports),
                           "mode": json.dumps(q.get("mode", "secure"))}
            record.respond(sock, "200 OK", "text/html; charset=utf-8", page.encode())
        elif method == "GET" and url.path == "/st":
            record.respond(sock, "200 OK", "text/plain", b"x",
                           [b"Server-Timing: m;dur=1"] + cors + tao)
        elif method == "GET" and url.path == "/redir":
            record.respond(sock, "302 Found", "text/plain", b"",
                           [b"Location: " + q["to"].encode(), b"Server-Timing: hop;dur=2"]
                           + cors + tao)
        else:
            return False
        return True

    return record.handler_for(state, route)


NOT_SECURE_HOST = "notsecure.test"
"""The name every recorder maps to 127.0.0.1 for a page that is not a secure context."""

WEBKIT_MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"


def webkit_command(binary, url, profile, proxy_port):
    """WebKitGTK's MiniBrowser on a fresh virtual display, with its data
    under `profile`, in private (ephemeral) mode. A page on NOT_SECURE_HOST
    goes through the recorder's own loopback server as an HTTP proxy (one of
    `serve_on_loopback`'s, which reads absolute-form targets): MiniBrowser
    has no host-resolver switch."""
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", binary, "--private"]
    if urlsplit(url).hostname == NOT_SECURE_HOST:
        cmd.append("--proxy=http://127.0.0.1:%d" % proxy_port)
    env = dict(os.environ, HOME=profile)
    for var, sub in [("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"),
                     ("XDG_CONFIG_HOME", "config"), ("XDG_RUNTIME_DIR", "run")]:
        env[var] = os.path.join(profile, sub)
        os.makedirs(env[var], mode=0o700, exist_ok=True)
    return cmd + [url], env


def run_browser(browser, binary, url, timeout, state):
    """Starts `browser` on `url`, waits (at most `timeout` seconds) for the
    page to POST /results, stops the browser and returns what it posted."""
    profile = tempfile.mkdtemp(prefix="st-policy-")
    env = None
    if browser == "webkit":
        cmd, env = webkit_command(binary, url, profile, state.ports[0])
    else:
        cmd = record.browser_command(browser, binary, url, profile)
    if browser == "chromium":
        cmd[1:1] = ["--host-resolver-rules=MAP %s 127.0.0.1" % NOT_SECURE_HOST,
                    "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable"]
    elif browser == "firefox":
        with open(os.path.join(profile, "user.js"), "a") as f:
            f.write('user_pref("network.dns.localDomains", "%s");\n' % NOT_SECURE_HOST)
            f.write('user_pref("dom.security.https_first", false);\n')
            f.write('user_pref("dom.security.https_first_schemeless", false);\n')
            f.write('user_pref("network.proxy.type", 0);\n')
    state.done.clear()
    state.result = None
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env=env)
    try:
        if not state.done.wait(timeout):
            sys.exit("record_policy.py: no results from %s for %s" % (browser, url))
    finally:
        stop(proc)
        shutil.rmtree(profile, ignore_errors=True)
    return state.result


def stop(proc):
    """Ends the browser this recorder started: its own process group (the
    recorder started it in a new session), so xvfb-run's Xvfb goes too."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(20)
            return
        except subprocess.TimeoutExpired:
            continue


def browser_version(browser, binary):
    """The browser's own version line (MiniBrowser needs a display for it)."""
    if browser == "webkit":
        out = subprocess.run(["xvfb-run", "-a", binary, "--version"], capture_output=True,
                             text=True, timeout=60)
        return out.stdout.strip().splitlines()[-1]
    return record.browser_version(binary)


def browser_arguments(doc, script, extra=()):
    """The command line of a recorder: the browser, its binary, a timeout and
    the recorder's own `extra` flags, as (flag, add_argument keywords).
    Returns (args, binary); exits with one line when no binary is found."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("browser", choices=["chromium", "firefox", "webkit"])
    ap.add_argument("--binary")
    ap.add_argument("--timeout", type=float, default=120)
    for flag, kwargs in extra:
        ap.add_argument(flag, **kwargs)
    args = ap.parse_args()
    defaults = {"chromium": "chromium", "firefox": "firefox-esr", "webkit": WEBKIT_MINIBROWSER}
    binary = args.binary or shutil.which(defaults[args.browser])
    if not binary:
        sys.exit("%s: no %s binary found" % (script, args.browser))
    return args, binary


def serve_on_loopback(count, handler, state):
    """Starts `count` servers on free loopback ports; their ports go to
    `state.ports`, in order."""
    servers = []
    for _ in range(count):
        server = record.Server(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        state.ports.append(server.server_address[1])
    return servers


def main():
    args, binary = browser_arguments(__doc__, "record_policy.py")
    state = State()
    servers = serve_on_loopback(3, make_handler(state), state)
    try:
        secure = run_browser(args.browser, binary,
                             "http://127.0.0.1:%d/policy?mode=secure" % state.ports[0],
                             args.timeout, state)
        insecure = run_browser(args.browser, binary,
                               "http://%s:%d/policy?mode=insecure" % (NOT_SECURE_HOST, state.ports[0]),
                               args.timeout, state)
    finally:
        for server in servers:
            server.shutdown()
    results = dict(secure["results"])
    results.update(insecure["results"])
    doc = {
        "browser": args.browser,
        "version": browser_version(args.browser, binary),
        "user_agent": secure["userAgent"],
        "recorder": "wpt/compat/record_policy.py " + args.browser,
        "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "page_is_secure_context": {"secure": secure["isSecureContext"],
                                   "not_secure": insecure["isSecureContext"]},
        "results": results,
    }
    out = os.path.join(record.FIXTURES, "policy-%s.json" % args.browser)
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps(doc, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
