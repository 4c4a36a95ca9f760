// Helpers for the exposure tests: build a chain of hops served by
// exposure-hop.py on the page's origin (A) and a remote origin (B), load it
// the way a page would, and wait for its resource entry.
//
// Requires /common/get-host-info.sub.js.

const EXPOSURE_HOP = "/resource-timing/resources/exposure-hop.py";

// A URL for a chain of hops. Each hop is {origin, tao, acao}; the last one
// is the final response and may also have {status, type}. A tao of "ORIGIN"
// stands for the page's origin.
function exposure_chain(hops) {
  let next = null;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    const url = new URL(EXPOSURE_HOP, hop.origin);
    if (hop.tao !== undefined) {
      url.searchParams.set("tao", hop.tao === "ORIGIN" ? location.origin : hop.tao);
    }
    if (hop.acao !== undefined) url.searchParams.set("acao", hop.acao);
    if (next === null) {
      if (hop.status !== undefined) url.searchParams.set("status", hop.status);
      if (hop.type !== undefined) url.searchParams.set("type", hop.type);
    } else {
      url.searchParams.set("redirect", next);
    }
    url.searchParams.set("uid", Math.random().toString(36).slice(2));
    next = url.href;
  }
  return next;
}

// Loads `url` as `kind` ("fetch-cors", "fetch-no-cors", "img", "script")
// and resolves once the load has settled, whether it succeeded or not.
async function exposure_load(kind, url) {
  if (kind.startsWith("fetch-")) {
    try {
      const response = await fetch(url, {mode: kind.slice("fetch-".length)});
      await response.arrayBuffer();
    } catch (e) {
      // A network error still reports timing.
    }
    return;
  }
  await new Promise(resolve => {
    const element = document.createElement(kind);
    element.onload = element.onerror = resolve;
    element.src = url;
    document.body.appendChild(element);
  });
}

// The resource entry for `url`, once there is one.
function exposure_entry(url) {
  return new Promise(resolve => {
    const find = () => performance.getEntriesByName(url, "resource")[0];
    const entry = find();
    if (entry) {
      resolve(entry);
      return;
    }
    const observer = new PerformanceObserver(() => {
      const found = find();
      if (found) {
        observer.disconnect();
        resolve(found);
      }
    });
    observer.observe({type: "resource"});
  });
}

// Loads the chain and returns its entry.
async function exposure_entry_for(kind, hops) {
  const url = exposure_chain(hops);
  await exposure_load(kind, url);
  return exposure_entry(url);
}

// The attributes that an opaque timing info zeroes.
const EXPOSURE_DETAILED_TIMESTAMPS = [
  "redirectStart", "redirectEnd", "domainLookupStart", "domainLookupEnd",
  "connectStart", "connectEnd", "requestStart", "responseStart",
];

function assert_timing_hidden(entry) {
  for (const name of EXPOSURE_DETAILED_TIMESTAMPS) {
    assert_equals(entry[name], 0, name);
  }
  assert_equals(entry.nextHopProtocol, "", "nextHopProtocol");
  assert_equals(entry.transferSize, 0, "transferSize");
}

function assert_timing_exposed(entry) {
  for (const name of ["domainLookupStart", "connectStart", "requestStart", "responseStart"]) {
    assert_greater_than(entry[name], 0, name);
  }
  assert_not_equals(entry.nextHopProtocol, "", "nextHopProtocol");
}
