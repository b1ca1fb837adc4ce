// Offline files through LicenseManager, with an injected clock: the request files it writes
// (license-api.md §2.4, §2.5, §5.5) for API-key and OAuth credentials, and answer files made
// here as licensor makes them, verified, stored and checked locally; every kind of tampering.
// The real server's side: e2e-oauth-offline.test.mjs; the shared vectors: conformance.test.mjs.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { flavors, keys, license, otherKeys, rejection, signBytes } from "./helpers.mjs";

const T0 = Date.parse("2026-12-03T17:00:00.000Z");
const DAY = 24 * 3600_000;
const HMAC_CREDS = { apiKey: "api-key-1", sharedKey: "shared-key-1" };
const OAUTH_CREDS = { clientId: "lsc_1", clientSecret: "client-secret-1" };
const hmac = (key, text) => createHmac("sha256", key).update(text).digest("base64");
const decode = (text) => Buffer.from(text, "base64").toString("utf8");

/** An activate_offline answer file as licensor writes it (wire/offline.go), with `change` applied before signing. */
function answerFile({ identity = "ABCD-1234", hardwareId = "Machine-1", key = "shared-key-1", keyId = "api-key-1",
  privateKey = keys.privateKey, date = "Thu, 03 Dec 2026 17:00:00 GMT", over = {}, after: tamper = () => {} } = {}) {
  const lic = { ...license({ hardwareId, identity, privateKey, ...over }), hardware_id: hardwareId, date };
  lic.license_signature_v2 = signBytes(Buffer.from(JSON.stringify(lic)), privateKey);
  lic.offline_signature = hmac(key, `licenseSpring\ndate: ${date}\n${identity}\n${hardwareId}\n${keyId}`);
  tamper(lic);
  return Buffer.from(JSON.stringify(lic)).toString("base64");
}

for (const [flavor, mod] of flavors) {
  describe(`offline files (${flavor})`, () => {
    let dir;
    let clock;
    let n = 0;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "licensor-js-offline-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));
    const path = (name) => join(dir, `${++n}-${name}`);
    function manager({ creds = HMAC_CREDS, product = "DESKTOP", hardwareId = "Machine-1", licenseFile = path("license.json") } = {}) {
      clock = T0;
      const client = new mod.LicensorClient({ baseUrl: "http://127.0.0.1:9", ...creds, publicKey: keys.publicKeyPem, appName: "App", appVersion: "2.0" });
      return new mod.LicenseManager({ client, product, hardwareId, licenseFile, now: () => new Date(clock) });
    }
    const read = (file) => {
      const outer = decode(readFileSync(file, "utf8"));
      const inner = /^\{"request":(.*),"signature":"([^"]+)"\}$/.exec(outer);
      assert.ok(inner, outer);
      return { outer, requestJson: inner[1], v2: inner[2], request: JSON.parse(inner[1]) };
    };

    it("an activation request: compact wrapper, the exact inner bytes signed, the §2.4 signature inside", async () => {
      const m = manager();
      const file = path("activate.req");
      await m.writeOfflineActivationRequest(file, { licenseKey: "ABCD-1234" });
      const { requestJson, v2, request: r } = read(file);
      assert.equal(v2, hmac("shared-key-1", requestJson));
      assert.deepEqual(Object.keys(r), ["request", "request_id", "schema_version", "date", "api_key", "product", "hardware_id",
        "license_key", "os_ver", "hostname", "sdk_ver", "app_ver", "app_name", "signature"]);
      assert.equal(r.request, "activation");
      assert.match(r.request_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.deepEqual([r.schema_version, r.date, r.api_key, r.product, r.hardware_id, r.license_key],
        [2, "Thu, 03 Dec 2026 17:00:00 GMT", "api-key-1", "DESKTOP", "Machine-1", "ABCD-1234"]);
      assert.deepEqual([r.sdk_ver, r.app_ver, r.app_name], [`licensor-js ${mod.VERSION}`, "2.0", "App"]);
      assert.equal(r.signature, hmac("shared-key-1", "licenseSpring\ndate: Thu, 03 Dec 2026 17:00:00 GMT\nABCD-1234\nMachine-1\napi-key-1"));
      if (process.platform !== "win32") assert.equal(statSync(file).mode & 0o777, 0o600);
      const again = path("again.req");
      await m.writeOfflineActivationRequest(again, { licenseKey: "ABCD-1234" });
      assert.notEqual(read(again).request.request_id, r.request_id, "a fresh request id each time");
    });

    it("user-based (with the password) and OAuth (client id, signed with the client secret)", async () => {
      const file = path("user.req");
      await manager().writeOfflineActivationRequest(file, { username: "Ann@Example.com", password: "pw" });
      const { request: u } = read(file);
      assert.deepEqual([u.username, u.password, u.license_key], ["Ann@Example.com", "pw", undefined]);
      assert.equal(u.signature, hmac("shared-key-1", `licenseSpring\ndate: ${u.date}\nAnn@Example.com\nMachine-1\napi-key-1`));
      const ofile = path("oauth.req");
      await manager({ creds: OAUTH_CREDS }).writeOfflineActivationRequest(ofile, { licenseKey: "K-2" });
      const o = read(ofile);
      assert.deepEqual([o.request.client_id, o.request.api_key], ["lsc_1", undefined]);
      assert.equal(o.v2, hmac("client-secret-1", o.requestJson));
      assert.equal(o.request.signature, hmac("client-secret-1", `licenseSpring\ndate: ${o.request.date}\nK-2\nMachine-1\nlsc_1`));
      await assert.rejects(manager().writeOfflineActivationRequest(path("x"), { username: "a@b.c" }), TypeError);
    });

    it("loading an answer: verified, stored with offline: true, and no offline grace afterwards", async () => {
      const m = manager();
      const ans = path("answer.lic");
      writeFileSync(ans, answerFile());
      const lic = await m.loadOfflineAnswer(ans);
      assert.deepEqual([lic.licenseKey, lic.active], ["ABCD-1234", true]);
      const doc = JSON.parse(readFileSync(m.licenseFile, "utf8"));
      assert.equal(doc.offline, true);
      assert.deepEqual(doc.request, { product: "DESKTOP", hardware_id: "Machine-1", license_key: "ABCD-1234" });
      assert.equal(Buffer.from(doc.body_base64, "base64").toString("base64"), readFileSync(ans, "utf8"), "the answer verbatim");
      assert.equal(doc.license_signature_header, JSON.parse(decode(readFileSync(ans, "utf8"))).license_signature_v2);
      assert.equal(doc.last_server_contact, "2026-12-03T17:00:00.000Z", "the answer's date");
      clock = T0 + 400 * DAY;
      const status = await m.localCheck();
      assert.deepEqual([status.offline, status.license.licenseKey], [true, "ABCD-1234"]);
      clock = T0 - 6 * 60_000;
      assert.equal((await rejection(() => m.localCheck())).code, "clock_tampered");
    });

    it("a user-based answer: the identity is the username it echoes, else user.email", async () => {
      const m = manager({ product: "DESKTOP" });
      const echoed = path("user.lic");
      writeFileSync(echoed, answerFile({ identity: "Ann@Example.com", over: { username: "Ann@Example.com" } }));
      assert.equal((await m.loadOfflineAnswer(echoed)).user.email, "ann@example.com");
      assert.equal(JSON.parse(readFileSync(m.licenseFile, "utf8")).request.username, "Ann@Example.com");
      await m.localCheck();
      const plain = path("user2.lic");
      writeFileSync(plain, answerFile({ identity: "ann@example.com" }));
      await m.loadOfflineAnswer(plain);
      await m.localCheck();
    });

    it("every failure is license_file_invalid, caused by a signature error", async () => {
      const cases = {
        "another shared key": answerFile({ key: "not-the-key" }),
        "another api key": answerFile({ keyId: "api-key-2" }),
        "another device": answerFile({ hardwareId: "Machine-2" }),
        "another product": answerFile({ over: { product_details: { short_code: "OTHER" } } }),
        "signed by another server": answerFile({ privateKey: otherKeys.privateKey }),
        "a field changed after signing": answerFile({ after: (l) => (l.max_activations = 9) }),
        "v1 of another validity": answerFile({ after: (l) => (l.license_signature = license({ hardwareId: "Machine-1", identity: "ABCD-1234", validity_period: "2099-01-01T00:00:00.000Z" }).license_signature) }),
        "license_signature_v2 missing": answerFile({ after: (l) => delete l.license_signature_v2 }),
        "offline_signature missing": answerFile({ after: (l) => delete l.offline_signature }),
        "the date changed": answerFile({ after: (l) => (l.date = "Fri, 04 Dec 2026 17:00:00 GMT") }),
        "not base64": "%%%",
        "not JSON": Buffer.from("hello").toString("base64"),
      };
      for (const [name, text] of Object.entries(cases)) {
        const m = manager();
        const file = path("bad.lic");
        writeFileSync(file, text);
        const err = await rejection(() => m.loadOfflineAnswer(file));
        assert.equal(err.code, "license_file_invalid", name);
        assert.ok(err.cause instanceof mod.LicensorSignatureError, `${name}: ${err.cause}`);
        assert.throws(() => mod.verifyOfflineAnswer(text, { credential: { keyId: "api-key-1", key: "shared-key-1" },
          hardwareId: "Machine-1", product: "DESKTOP", publicKey: keys.publicKeyPem }), mod.LicensorSignatureError, name);
        assert.equal(existsSync(m.licenseFile), false, `${name}: nothing stored`);
      }
      assert.equal((await rejection(() => manager().loadOfflineAnswer(path("missing.lic")))).code, "license_file_invalid");
    });

    it("the stored offline file is verified on every local check", async () => {
      const m = manager();
      const ans = path("answer.lic");
      writeFileSync(ans, answerFile());
      await m.loadOfflineAnswer(ans);
      const good = JSON.parse(readFileSync(m.licenseFile, "utf8"));
      const variants = [
        (d) => (d.body_base64 = Buffer.from(decode(d.body_base64).replace('"max_activations":2', '"max_activations":9')).toString("base64")),
        (d) => delete d.offline, // then the signature must cover the raw bytes, which it does not
        (d) => (d.offline = "yes"),
        (d) => (d.request.license_key = "OTHER"),
      ];
      for (const change of variants) {
        const d = structuredClone(good);
        change(d);
        writeFileSync(m.licenseFile, JSON.stringify(d));
        assert.equal((await rejection(() => m.localCheck())).code, "license_file_invalid", String(change));
      }
    });

    it("a deactivation request: the stored license, pending consumption, no password; the license file goes", async () => {
      const m = manager();
      assert.equal((await rejection(() => m.writeOfflineDeactivationRequest(path("d.req")))).code, "license_file_missing");
      const ans = path("answer.lic");
      writeFileSync(ans, answerFile());
      await m.loadOfflineAnswer(ans);
      m.addLocalConsumption(4);
      m.addLocalFeatureConsumption("credits", 2);
      const file = path("deactivate.req");
      await m.writeOfflineDeactivationRequest(file);
      const { requestJson, v2, request: r } = read(file);
      assert.equal(v2, hmac("shared-key-1", requestJson));
      assert.deepEqual([r.request, r.license_key, r.hardware_id, r.product, r.password], ["deactivation", "ABCD-1234", "Machine-1", "DESKTOP", undefined]);
      assert.deepEqual([r.consumptions, r.product_features], [4, [{ code: "credits", consumptions: 2 }]]);
      assert.deepEqual(Object.keys(r).slice(-3), ["consumptions", "product_features", "signature"]);
      assert.equal(existsSync(m.licenseFile), false);
      assert.deepEqual(m.pendingConsumption(), { consumptions: 0, features: {} });
    });
  });
}
