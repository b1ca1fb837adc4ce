// LicenseManager's local consumption and floating keep-alive against a local server, with an
// injected clock and timer: what is sent when, what stays pending after a refusal or a network
// error, and the keep-alive's schedule, error reports and release. The real server's side of
// both: e2e-usage.test.mjs.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { flavors, license, rejection, sendError, sendSigned, startServer, testClient } from "./helpers.mjs";
import { fakeTimer } from "./timer.mjs";

const T0 = Date.parse("2026-12-03T17:00:00.000Z");

for (const [flavor, mod] of flavors) {
  describe(`LicenseManager: consumption and floating (${flavor})`, () => {
    let srv;
    let dir;
    let refuse; // endpoint → error code to answer with
    let down; // endpoints whose connection is dropped
    let over; // fields merged into License answers
    let onRequest; // called with each request before it is answered
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "licensor-js-usage-"));
      srv = await startServer(async (req, res, rec) => {
        await onRequest(rec);
        if (down.has(rec.endpoint)) return req.socket.destroy();
        if (refuse[rec.endpoint]) return sendError(res, 400, refuse[rec.endpoint], refuse[rec.endpoint]);
        const id = rec.body ?? rec.query;
        if (rec.endpoint === "add_consumption") return sendSigned(res, { id: 1, total_consumptions: 100 + id.consumptions, max_consumptions: 200 });
        if (rec.endpoint === "add_feature_consumption") return sendSigned(res, { id: 2, total_consumptions: id.consumptions, max_consumptions: 9 });
        if (rec.endpoint === "floating/release") {
          res.writeHead(200, { "Content-Length": "0" });
          return res.end();
        }
        sendSigned(res, license({ hardwareId: id.hardware_id, identity: id.license_key, floating_timeout: 30, is_floating_cloud: true, ...over }));
      });
    });
    after(async () => {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => {
      refuse = {};
      down = new Set();
      over = {};
      onRequest = () => {};
    });

    let n = 0;
    async function activated() {
      const { client } = testClient(mod, srv.url, { maxRetries: 0 });
      const m = new mod.LicenseManager({ client, product: "DESKTOP", hardwareId: "Machine-1", licenseFile: join(dir, `${++n}`, "license.json"), now: () => new Date(T0) });
      await m.activate("ABCD-1234");
      srv.requests.length = 0;
      return m;
    }
    const sent = () => srv.requests.map((r) => [r.endpoint, r.body?.feature, r.body?.consumptions].filter((x) => x !== undefined));

    it("local units accumulate and go with the next check, before the check itself", async () => {
      const m = await activated();
      m.addLocalConsumption(2);
      m.addLocalConsumption(3);
      m.addLocalFeatureConsumption("credits", 1);
      m.addLocalFeatureConsumption("credits", 1);
      m.addLocalFeatureConsumption("pages", 4);
      assert.deepEqual(m.pendingConsumption(), { consumptions: 5, features: { credits: 2, pages: 4 } });
      assert.deepEqual(srv.requests, [], "nothing is sent before a check or a sync");
      const status = await m.check();
      assert.deepEqual(sent(), [["add_consumption", 5], ["add_feature_consumption", "credits", 2], ["add_feature_consumption", "pages", 4], ["check_license"]]);
      assert.deepEqual(srv.requests[0].body, { product: "DESKTOP", hardware_id: "Machine-1", license_key: "ABCD-1234", consumptions: 5 });
      assert.equal(status.consumptionError, undefined);
      assert.deepEqual(m.pendingConsumption(), { consumptions: 0, features: {} });
      srv.requests.length = 0;
      await m.check();
      assert.deepEqual(sent(), [["check_license"]], "nothing pending, nothing sent");
    });

    it("syncConsumption: the server's counters; a refusal keeps those units, the others go through, the first error is thrown", async () => {
      const m = await activated();
      m.addLocalConsumption(4);
      m.addLocalFeatureConsumption("credits", 3);
      m.addLocalFeatureConsumption("pages", 1);
      refuse = { add_consumption: "license_not_enough_consumptions" };
      let err = await rejection(() => m.syncConsumption());
      assert.ok(err instanceof mod.LicensorApiError);
      assert.equal(err.code, "license_not_enough_consumptions");
      assert.deepEqual(m.pendingConsumption(), { consumptions: 4, features: {} });
      refuse = { add_consumption: "license_not_enough_consumptions" };
      const status = await m.check();
      assert.equal(status.consumptionError.code, "license_not_enough_consumptions", "check() reports it and still checks");
      assert.equal(status.offline, false);
      assert.deepEqual(m.pendingConsumption(), { consumptions: 4, features: {} });
      refuse = {};
      const synced = await m.syncConsumption();
      assert.equal(synced.license.totalConsumptions, 104);
      assert.deepEqual(synced.features, {});
      assert.deepEqual(m.pendingConsumption(), { consumptions: 0, features: {} });
      m.addLocalFeatureConsumption("credits", 1);
      refuse = { add_feature_consumption: "feature_not_enough_consumptions" };
      err = await rejection(() => m.syncConsumption());
      assert.equal(err.code, "feature_not_enough_consumptions");
      assert.deepEqual(m.discardLocalConsumption(), { consumptions: 0, features: { credits: 1 } });
      assert.deepEqual(m.pendingConsumption(), { consumptions: 0, features: {} });
    });

    it("a network error keeps every unit; check() then falls back to the license file", async () => {
      const m = await activated();
      m.addLocalConsumption(1);
      m.addLocalFeatureConsumption("credits", 2);
      down = new Set(["add_consumption"]);
      assert.ok((await rejection(() => m.syncConsumption())) instanceof mod.LicensorNetworkError);
      assert.deepEqual(sent(), [["add_consumption", 1]], "stops at the first network error");
      const status = await m.check();
      assert.equal(status.offline, true);
      assert.deepEqual(m.pendingConsumption(), { consumptions: 1, features: { credits: 2 } });
    });

    it("units recorded while a sync is under way stay pending", async () => {
      const m = await activated();
      m.addLocalConsumption(5);
      onRequest = (rec) => {
        if (rec.endpoint === "add_consumption") m.addLocalConsumption(2);
      };
      await m.syncConsumption();
      assert.deepEqual(m.pendingConsumption(), { consumptions: 2, features: {} });
    });

    it("bad units are TypeErrors", async () => {
      const m = await activated();
      assert.throws(() => m.addLocalConsumption(1.5), TypeError);
      assert.throws(() => m.addLocalConsumption("1"), TypeError);
      assert.throws(() => m.addLocalFeatureConsumption("", 1), TypeError);
      assert.deepEqual(m.pendingConsumption(), { consumptions: 0, features: {} });
    });

    it("the keep-alive checks every half floating_timeout, reports errors and goes on, and releases on stop", async () => {
      const m = await activated();
      const timer = fakeTimer();
      const checks = [];
      const errors = [];
      const ka = await m.startFloating({ timer, onCheck: (s) => checks.push(s), onError: (e) => errors.push(e) });
      assert.ok(ka instanceof mod.FloatingKeepAlive);
      assert.deepEqual(sent(), [["check_license"]], "the seat is taken at once");
      assert.equal(ka.status.license.licenseKey, "ABCD-1234");
      assert.deepEqual(timer.delays(), [15 * 60_000]);
      m.addLocalConsumption(1);
      await timer.fire();
      assert.equal(checks.length, 1);
      assert.deepEqual(sent().slice(1), [["add_consumption", 1], ["check_license"]], "each keep-alive check is a manager check");
      refuse = { check_license: "no_available_floating_slots" };
      await timer.fire();
      assert.deepEqual(errors.map((e) => e.code), ["no_available_floating_slots"]);
      down = new Set(["check_license"]);
      await timer.fire();
      assert.ok(errors[1] instanceof mod.LicensorNetworkError, "no offline fallback: the seat was not renewed");
      refuse = {};
      down = new Set();
      over = { floating_timeout: 10 };
      await timer.fire();
      assert.equal(checks.length, 2);
      assert.deepEqual(timer.delays(), [15, 15, 15, 15, 5].map((x) => x * 60_000), "the interval follows the license");
      assert.equal(timer.pending(), 1);
      await ka.stop();
      assert.equal(ka.running, false);
      assert.equal(timer.pending(), 0);
      assert.deepEqual(srv.requests.at(-1).endpoint, "floating/release");
      assert.deepEqual(srv.requests.at(-1).body, { product: "DESKTOP", hardware_id: "Machine-1", license_key: "ABCD-1234" });
      const count = srv.requests.length;
      await ka.stop();
      assert.equal(srv.requests.length, count, "stopping twice releases once");
    });

    it("the keep-alive: a configured interval, a check under way at stop, callbacks that throw, release errors", async () => {
      const m = await activated();
      const timer = fakeTimer();
      const ka = await m.startFloating({ timer, intervalMs: 1000, onCheck: () => { throw new Error("app bug"); } });
      assert.deepEqual(timer.delays(), [1000]);
      let release;
      onRequest = (rec) => rec.endpoint === "check_license" && new Promise((r) => (release = r));
      const tick = timer.fire();
      while (release === undefined) await new Promise((r) => setImmediate(r));
      const stopping = ka.stop();
      release();
      await tick;
      await stopping;
      assert.deepEqual(srv.requests.map((r) => r.endpoint).slice(-2), ["check_license", "floating/release"]);
      assert.equal(timer.pending(), 0, "nothing scheduled after stop");
      onRequest = () => {};
      refuse = { "floating/release": "license_not_found" };
      const ka2 = await m.startFloating({ timer, intervalMs: 1000 });
      assert.equal((await rejection(() => ka2.stop())).code, "license_not_found");
    });

    it("startFloating: the first check's errors are thrown; a license without floating_timeout needs intervalMs", async () => {
      const m = await activated();
      refuse = { check_license: "no_available_floating_slots" };
      assert.equal((await rejection(() => m.startFloating({ timer: fakeTimer() }))).code, "no_available_floating_slots");
      refuse = {};
      over = { floating_timeout: 0 };
      await assert.rejects(m.startFloating({ timer: fakeTimer() }), TypeError);
      await assert.rejects(m.startFloating({ intervalMs: -1 }), TypeError);
      const ka = await m.startFloating({ timer: fakeTimer(), intervalMs: 5000 });
      assert.equal(ka.intervalMs, 5000);
      await ka.stop();
    });
  });
}
