// A minimal stand-in for WPT's resources/testharness.js, written for
// wpt/compat/run_upstream.py: the subset of its API that the tests under
// wpt/upstream/ use (promise_test, test, setup, done, the assert_* below),
// with its semantics: tests run one after another in the order they were
// defined, a test fails at its first failed assertion, and one that does not
// settle in time is TIMEOUT. On completion it posts
// {type: "complete", tests: [{name, status, message}]} to the parent window,
// as testharness.js does. Upstream, the real testharness.js runs the tests.
(function () {
  "use strict";
  const TEST_TIMEOUT_MS = 10000;
  const queue = [];
  const results = [];
  const callbacks = [];

  class AssertionError extends Error {}
  function fail(message, description) {
    throw new AssertionError(description ? description + ": " + message : message);
  }
  function show(v) {
    return typeof v === "string" ? JSON.stringify(v) : String(v);
  }
  function same(a, b) {
    return Object.is(a, b) || (a === b);
  }
  self.assert_equals = (actual, expected, description) => {
    if (!same(actual, expected)) {
      fail("expected " + show(expected) + " but got " + show(actual), description);
    }
  };
  self.assert_not_equals = (actual, expected, description) => {
    if (same(actual, expected)) fail("got disallowed value " + show(actual), description);
  };
  self.assert_true = (actual, description) => {
    if (actual !== true) fail("expected true got " + show(actual), description);
  };
  self.assert_false = (actual, description) => {
    if (actual !== false) fail("expected false got " + show(actual), description);
  };
  self.assert_greater_than = (actual, expected, description) => {
    if (!(actual > expected)) {
      fail("expected a number greater than " + show(expected) + " but got " + show(actual),
           description);
    }
  };
  self.assert_unreached = description => fail("reached unreachable code", description);

  function Test(name) {
    this.name = name;
    this.cleanups = [];
  }
  Test.prototype.add_cleanup = function (f) { this.cleanups.push(f); };
  Test.prototype.step_func = function (f) { return f; };
  Test.prototype.step_timeout = function (f, ms) { return setTimeout(f, ms); };

  self.promise_test = (func, name) => queue.push({name, func});
  self.test = (func, name) => queue.push({name, func});
  self.setup = () => {};
  self.done = () => {};
  self.add_completion_callback = f => callbacks.push(f);

  async function run_one(entry) {
    const t = new Test(entry.name);
    let timer;
    const timeout = new Promise(resolve => {
      timer = setTimeout(() => resolve({status: "TIMEOUT", message: null}), TEST_TIMEOUT_MS);
    });
    const run = (async () => {
      try {
        await entry.func(t);
        return {status: "PASS", message: null};
      } catch (e) {
        return {status: "FAIL", message: String(e && e.message || e)};
      }
    })();
    const outcome = await Promise.race([run, timeout]);
    clearTimeout(timer);
    for (const f of t.cleanups) {
      try { f(); } catch (e) { /* a cleanup's failure is not the test's */ }
    }
    results.push({name: entry.name, status: outcome.status, message: outcome.message});
  }

  async function run_all() {
    for (const entry of queue) await run_one(entry);
    for (const f of callbacks) f(results, {status: "OK"});
    const message = {type: "complete", tests: results, status: {status: "OK"}};
    if (self.parent !== self) self.parent.postMessage(message, "*");
  }

  self.addEventListener("load", () => setTimeout(run_all, 0));
})();
