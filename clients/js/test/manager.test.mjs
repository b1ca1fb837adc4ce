// LicenseManager against a local server, with an injected clock: the license file, tamper
// detection, every local-check code, and the offline fallback (network errors only).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { flavors, license, otherKeys, rejection, sendError, sendSigned, startServer, testClient } from "./helpers.mjs";

const T0 = Date.parse("2026-12-03T17:00:00.000Z");
const HOUR = 3600_000;
const DAY = 24 * HOUR;

for (const [flavor, mod] of flavors) {
  describe(`LicenseManager (${flavor})`, () => {
    let srv;
    let dir;
    let over; // fields merged into the next License answers
    let mode; // "ok" | "down" | an error code
    let clock;
    const lastBody = {};

    before(async () => {
      srv = await startServer((req, res, rec) => {
        if (mode === "down") return req.socket.destroy();
        if (mode !== "ok") return sendError(res, 400, mode, mode);
        const id = rec.body ?? rec.query;
        if (rec.endpoint === "deactivate_license") return sendSigned(res, "license_deactivated");
        if (rec.endpoint === "change_password") return sendSigned(res, "password_changed");
        const identity = id.license_key ?? id.username;
        const lic = license({ hardwareId: id.hardware_id, identity, ...over, times_activated: rec.endpoint === "check_license" ? 2 : 1 });
        lastBody.bytes = Buffer.from(JSON.stringify(lic));
        sendSigned(res, lic);
      });
      dir = mkdtempSync(join(tmpdir(), "licensor-js-manager-"));
    });
    after(async () => {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => {
      over = {};
      mode = "ok";
      clock = T0;
    });

    let n = 0;
    function manager(opts = {}) {
      const { client } = testClient(mod, srv.url, { maxRetries: 0 });
      return new mod.LicenseManager({
        client,
        product: "DESKTOP",
        hardwareId: "Machine-1",
        licenseFile: opts.file ?? join(dir, `lic-${n}.json`),
        now: () => new Date(clock),
        ...opts,
      });
    }
    const fresh = () => join(dir, `sub-${++n}`, "license.json");
    const codeOf = async (p) => (await rejection(() => p)).code;

    it("activate writes the license file: the answer verbatim, mode 0600, atomically", async () => {
      const file = fresh();
      const m = manager({ file });
      const lic = await m.activate("ABCD-1234");
      assert.equal(lic.licenseKey, "ABCD-1234");
      const doc = JSON.parse(readFileSync(file, "utf8"));
      assert.deepEqual(Object.keys(doc).sort(), ["body_base64", "last_server_contact", "license_signature_header", "request", "version"]);
      assert.equal(doc.version, 1);
      assert.deepEqual(doc.request, { product: "DESKTOP", hardware_id: "Machine-1", license_key: "ABCD-1234" });
      assert.ok(Buffer.from(doc.body_base64, "base64").equals(lastBody.bytes));
      mod.verifyBodySignature(Buffer.from(doc.body_base64, "base64"), doc.license_signature_header, m.client.publicKey);
      assert.equal(doc.last_server_contact, new Date(T0).toISOString());
      if (process.platform !== "win32") assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(join(file, "..")), ["license.json"]); // no temporary file left
    });

    it("a new manager on the same file (an app restart) passes the local check", async () => {
      const file = fresh();
      await manager({ file }).activate("ABCD-1234");
      clock = T0 + 3 * DAY;
      const status = await manager({ file }).localCheck();
      assert.equal(status.offline, true);
      assert.equal(status.license.licenseKey, "ABCD-1234");
      assert.equal(status.lastServerContact.getTime(), T0);
    });

    it("user-based: the file keeps the username, change_password sends it", async () => {
      const file = fresh();
      const m = manager({ file });
      await m.activateUser("Ann@Example.com|ACME", "pw");
      const doc = JSON.parse(readFileSync(file, "utf8"));
      assert.deepEqual(doc.request, { product: "DESKTOP", hardware_id: "Machine-1", username: "Ann@Example.com|ACME" });
      assert.equal(srv.requests.at(-1).body.password, "pw");
      await m.localCheck();
      await m.changePassword("pw", "new password");
      assert.deepEqual(srv.requests.at(-1).body, { username: "Ann@Example.com|ACME", password: "pw", new_password: "new password" });
      const keyFile = fresh();
      await manager({ file: keyFile }).activate("K");
      await assert.rejects(manager({ file: keyFile }).changePassword("a", "b"), TypeError);
    });

    it("license_file_missing and license_file_invalid (one byte changed, header, request, garbage)", async () => {
      assert.equal(await codeOf(manager({ file: fresh() }).localCheck()), "license_file_missing");
      assert.equal(await codeOf(manager({ file: fresh() }).check()), "license_file_missing");
      const file = fresh();
      await manager({ file }).activate("ABCD-1234");
      const good = readFileSync(file, "utf8");
      const doc = JSON.parse(good);
      const tamper = (change) => {
        const d = structuredClone(doc);
        change(d);
        writeFileSync(file, JSON.stringify(d));
      };
      const body = Buffer.from(doc.body_base64, "base64");
      for (let i of [10, Math.floor(body.length / 2), body.length - 3]) {
        tamper((d) => {
          const b = Buffer.from(body);
          b[i] ^= 0x01;
          d.body_base64 = b.toString("base64");
        });
        assert.equal(await codeOf(manager({ file }).localCheck()), "license_file_invalid", `byte ${i}`);
      }
      tamper((d) => { d.body_base64 = Buffer.from(body.toString().replace('"max_activations":2', '"max_activations":9')).toString("base64"); });
      assert.equal(await codeOf(manager({ file }).localCheck()), "license_file_invalid");
      tamper((d) => { d.license_signature_header = d.license_signature_header.replace(/^./, (c) => (c === "A" ? "B" : "A")); });
      assert.equal(await codeOf(manager({ file }).localCheck()), "license_file_invalid");
      tamper((d) => { d.request.license_key = "OTHER-KEY"; });
      assert.equal(await codeOf(manager({ file }).localCheck()), "license_file_invalid");
      tamper((d) => { d.request.hardware_id = "Machine-2"; });
      assert.equal(await codeOf(manager({ file, hardwareId: "Machine-2" }).localCheck()), "license_file_invalid");
      tamper((d) => { d.version = 2; });
      assert.equal(await codeOf(manager({ file }).localCheck()), "license_file_invalid");
      tamper((d) => { d.last_server_contact = "yesterday"; });
      assert.equal(await codeOf(manager({ file }).localCheck()), "license_file_invalid");
      writeFileSync(file, good.slice(0, 40));
      assert.equal(await codeOf(manager({ file }).localCheck()), "license_file_invalid");
      assert.equal(await codeOf(manager({ file }).check()), "license_file_invalid");
      writeFileSync(file, good);
      await manager({ file }).localCheck();
    });

    it("hardware_id_mismatch and product_mismatch", async () => {
      const file = fresh();
      await manager({ file }).activate("ABCD-1234");
      const err = await rejection(() => manager({ file, hardwareId: "Machine-2" }).localCheck());
      assert.ok(err instanceof mod.LocalLicenseError);
      assert.ok(err instanceof mod.LicensorError);
      assert.equal(err.code, "hardware_id_mismatch");
      assert.equal(await codeOf(manager({ file, product: "OTHER" }).localCheck()), "product_mismatch");
      assert.equal(await codeOf(manager({ file, hardwareId: "Machine-2" }).check()), "hardware_id_mismatch");
      // The signed answer names another product than the file's (edited) request.
      const f2 = fresh();
      await manager({ file: f2, product: "OTHER" }).activate("ABCD-1234");
      assert.equal(await codeOf(manager({ file: f2, product: "OTHER" }).localCheck()), "product_mismatch");
    });

    it("license_not_enabled, license_not_active", async () => {
      over = { license_enabled: false };
      let file = fresh();
      await manager({ file }).activate("K");
      assert.equal(await codeOf(manager({ file }).localCheck()), "license_not_enabled");
      over = { license_active: false, active: false };
      file = fresh();
      await manager({ file }).activate("K");
      assert.equal(await codeOf(manager({ file }).localCheck()), "license_not_active");
    });

    it("license_expired, with the grace period when allowed", async () => {
      over = { validity_period: "2026-12-05T00:00:00.000Z" };
      const file = fresh();
      await manager({ file }).activate("K");
      clock = Date.parse("2026-12-04T23:59:59.999Z");
      await manager({ file }).localCheck();
      clock = Date.parse("2026-12-05T00:00:00.000Z");
      assert.equal(await codeOf(manager({ file }).localCheck()), "license_expired");
      over = { validity_period: "2026-12-05T00:00:00.000Z", allow_grace_period: true, grace_period: 24 };
      clock = T0;
      const f2 = fresh();
      await manager({ file: f2 }).activate("K");
      clock = Date.parse("2026-12-05T23:59:59.999Z");
      await manager({ file: f2 }).localCheck();
      clock = Date.parse("2026-12-06T00:00:00.000Z");
      assert.equal(await codeOf(manager({ file: f2 }).localCheck()), "license_expired");
    });

    it("clock_tampered: the clock more than 5 minutes before the last server contact", async () => {
      const file = fresh();
      await manager({ file }).activate("K");
      clock = T0 - 5 * 60_000;
      await manager({ file }).localCheck();
      clock = T0 - 5 * 60_000 - 1;
      assert.equal(await codeOf(manager({ file }).localCheck()), "clock_tampered");
    });

    it("offline_grace_expired: past the offline grace (default 7 days, configurable)", async () => {
      const file = fresh();
      await manager({ file }).activate("K");
      clock = T0 + 7 * DAY;
      await manager({ file }).localCheck();
      clock = T0 + 7 * DAY + 1;
      assert.equal(await codeOf(manager({ file }).localCheck()), "offline_grace_expired");
      clock = T0 + 2 * HOUR;
      assert.equal(await codeOf(manager({ file, offlineGraceMs: HOUR }).localCheck()), "offline_grace_expired");
    });

    it("check: online rewrites the file; a network error falls back offline within the grace only", async () => {
      const file = fresh();
      await manager({ file }).activate("ABCD-1234");
      clock = T0 + DAY;
      const online = await manager({ file }).check();
      assert.equal(online.offline, false);
      assert.equal(online.license.timesActivated, 2);
      const doc = JSON.parse(readFileSync(file, "utf8"));
      assert.equal(doc.last_server_contact, new Date(T0 + DAY).toISOString());
      assert.ok(Buffer.from(doc.body_base64, "base64").equals(lastBody.bytes));
      assert.equal(srv.requests.at(-1).endpoint, "check_license");
      mode = "down";
      clock = T0 + 5 * DAY;
      const offline = await manager({ file }).check();
      assert.equal(offline.offline, true);
      assert.equal(offline.license.timesActivated, 2);
      assert.equal(offline.lastServerContact.getTime(), T0 + DAY);
      clock = T0 + 8 * DAY + 1;
      const err = await rejection(() => manager({ file }).check());
      assert.equal(err.code, "offline_grace_expired");
      assert.ok(err.cause instanceof mod.LicensorNetworkError);
    });

    it("check: API and signature errors never fall back", async () => {
      const file = fresh();
      await manager({ file }).activate("K");
      const before = readFileSync(file, "utf8");
      mode = "license_not_enabled";
      const err = await rejection(() => manager({ file }).check());
      assert.ok(err instanceof mod.LicensorApiError);
      assert.equal(err.code, "license_not_enabled");
      mode = "ok";
      over = { privateKey: otherKeys.privateKey }; // v1 by another key
      assert.ok((await rejection(() => manager({ file }).check())) instanceof mod.LicensorSignatureError);
      assert.equal(readFileSync(file, "utf8"), before);
    });

    it("features from the stored license, expired ones excluded", async () => {
      const file = fresh();
      const m = manager({ file });
      await m.activate("K");
      assert.equal(await m.hasFeature("export"), true);
      assert.equal(await m.hasFeature("old"), false); // expired 2020-01-01
      assert.equal(await m.hasFeature("nope"), false);
      const f = await m.feature("credits");
      assert.deepEqual([f.type, f.maxConsumption, f.totalConsumptions], ["consumption", 100, 3]);
      assert.equal(await codeOf(manager({ file: fresh() }).hasFeature("export")), "license_file_missing");
    });

    it("deactivate: online, then the file is removed; kept when the server refuses", async () => {
      const file = fresh();
      const m = manager({ file });
      await m.activate("ABCD-1234");
      mode = "device_not_found";
      assert.equal((await rejection(() => m.deactivate())).code, "device_not_found");
      assert.ok(statSync(file));
      mode = "ok";
      await m.deactivate();
      assert.equal(srv.requests.at(-1).endpoint, "deactivate_license");
      assert.deepEqual(srv.requests.at(-1).body, { product: "DESKTOP", hardware_id: "Machine-1", license_key: "ABCD-1234" });
      assert.equal(await codeOf(m.localCheck()), "license_file_missing");
    });

    it("the default hardware id is hardwareId(product)", async () => {
      const { client } = testClient(mod, srv.url);
      const m = new mod.LicenseManager({ client, product: "DESKTOP", licenseFile: fresh() });
      assert.equal(await m.hardwareId(), await mod.hardwareId("DESKTOP"));
    });
  });
}
