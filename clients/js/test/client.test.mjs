// LicensorClient against a local node:http server: request encoding and signing, typed
// answers, and the error kinds (retries and timeouts: retries.test.mjs).
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  flavors, keys, license, otherKeys, rejection, sendError, sendSigned, startServer, testClient,
} from "./helpers.mjs";

const KEY_ID = { product: "DESKTOP", hardwareId: "Machine-1", licenseKey: "ABCD-1234" };
const USER_ID = { product: "CLOUD", hardwareId: "Machine-1", username: "Ann@Example.com|ACME", password: "pw" };

for (const [flavor, mod] of flavors) {
  describe(`LicensorClient (${flavor})`, () => {
    describe("requests", () => {
      let srv;
      before(async () => {
        srv = await startServer((req, res, rec) => {
          const id = rec.body ?? rec.query;
          if (rec.endpoint === "activate_license" || rec.endpoint === "check_license") {
            sendSigned(res, license({ hardwareId: id.hardware_id, identity: id.license_key ?? id.username }));
          } else if (rec.endpoint === "deactivate_license") {
            sendSigned(res, "license_deactivated");
          } else if (rec.endpoint === "change_password") {
            sendSigned(res, "password_changed");
          } else {
            sendError(res, 404, "not_found");
          }
        });
      });
      after(() => srv.close());

      it("signs every request and sends Date, Accept and the User-Agent", async () => {
        const { client } = testClient(mod, srv.url, { appName: "MyApp", appVersion: "1.2.3" });
        await client.checkLicense(KEY_ID);
        const h = srv.requests.at(-1).headers;
        assert.match(h.date, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
        const sig = createHmac("sha256", "test-shared-key").update(`licenseSpring\ndate: ${h.date}`).digest("base64");
        assert.equal(h.authorization, `algorithm="hmac-sha256",headers="date",signature="${sig}",apikey="test-api-key"`);
        assert.equal(h.accept, "application/json");
        assert.equal(h["user-agent"], `licensor-js/${mod.VERSION} (MyApp/1.2.3)`);
        assert.equal(client.userAgent, `licensor-js/${mod.VERSION} (MyApp/1.2.3)`);
        assert.equal(testClient(mod, srv.url, { appName: "MyApp" }).client.userAgent, `licensor-js/${mod.VERSION} (MyApp)`);
        const plain = testClient(mod, srv.url).client;
        assert.equal(plain.userAgent, `licensor-js/${mod.VERSION}`);
      });

      it("GET: query string, booleans as true/false, no password, telemetry, absent options not sent", async () => {
        const { client } = testClient(mod, srv.url, { appName: "MyApp", appVersion: "1.2.3" });
        const lic = await client.checkLicense({ ...USER_ID, licenseId: 7 }, { includeExpiredFeatures: true });
        const q = srv.requests.at(-1).query;
        assert.equal(srv.requests.at(-1).method, "GET");
        assert.equal(q.product, "CLOUD");
        assert.equal(q.hardware_id, "Machine-1");
        assert.equal(q.username, "Ann@Example.com|ACME");
        assert.equal(q.password, undefined);
        assert.equal(q.license_id, "7");
        assert.equal(q.include_expired_features, "true");
        assert.equal(q.app_name, "MyApp");
        assert.equal(q.app_ver, "1.2.3");
        assert.equal(q.sdk_ver, `licensor-js ${mod.VERSION}`);
        assert.ok(q.os_ver && q.hostname);
        assert.equal(q.bundle_code, undefined);
        assert.equal(lic.user.email, "ann@example.com");
        await client.checkLicense(KEY_ID);
        assert.equal(srv.requests.at(-1).query.include_expired_features, undefined);
        await client.checkLicense(KEY_ID, { includeExpiredFeatures: false });
        assert.equal(srv.requests.at(-1).query.include_expired_features, "false");
      });

      it("POST: a JSON body with the password and variables where the call takes them", async () => {
        const { client } = testClient(mod, srv.url);
        const lic = await client.activateLicense({ ...USER_ID, bundleCode: "B", variables: { seat: "3" } });
        const rec = srv.requests.at(-1);
        assert.equal(rec.method, "POST");
        assert.equal(rec.headers["content-type"], "application/json");
        assert.deepEqual(
          { ...rec.body, os_ver: undefined, hostname: undefined },
          {
            product: "CLOUD", hardware_id: "Machine-1", username: "Ann@Example.com|ACME", password: "pw",
            bundle_code: "B", variables: { seat: "3" }, sdk_ver: `licensor-js ${mod.VERSION}`,
            os_ver: undefined, hostname: undefined,
          },
        );
        assert.equal(lic.id, 17);
        await client.deactivateLicense(USER_ID);
        assert.deepEqual(srv.requests.at(-1).body, { product: "CLOUD", hardware_id: "Machine-1", username: "Ann@Example.com|ACME" });
        await client.changePassword({ username: "ann@example.com", password: "a", newPassword: "b" });
        assert.deepEqual(srv.requests.at(-1).body, { username: "ann@example.com", password: "a", new_password: "b" });
      });

      it("types the License and keeps the raw JSON", async () => {
        const { client } = testClient(mod, srv.url);
        const lic = await client.activateLicense(KEY_ID);
        assert.equal(lic.licenseKey, "ABCD-1234");
        assert.equal(lic.licenseType, "perpetual");
        assert.equal(lic.enabled, true);
        assert.equal(lic.active, true);
        assert.equal(lic.expired, false);
        assert.equal(lic.trial, false);
        assert.equal(lic.validityPeriod, null);
        assert.equal(lic.maxActivations, 2);
        assert.equal(lic.timesActivated, 1);
        assert.equal(lic.productShortCode, "DESKTOP");
        assert.deepEqual(lic.metadata, { tier: "pro" });
        assert.deepEqual(lic.customFields, [{ name: "seats", dataType: "number", value: "5" }]);
        const credits = lic.features.find((f) => f.code === "credits");
        assert.equal(credits.type, "consumption");
        assert.equal(credits.maxConsumption, 100);
        assert.equal(credits.totalConsumptions, 3);
        assert.equal(credits.maxOverages, 5);
        assert.equal(lic.raw.license_signature.length > 0, true);
        assert.equal(lic.user, null);
      });

      it("accepts a base URL with a trailing / or /api/v4", async () => {
        for (const base of [srv.url + "/", srv.url + "/api/v4", srv.url + "/api/v4/"]) {
          const { client } = testClient(mod, base);
          await client.checkLicense(KEY_ID);
          assert.equal(srv.requests.at(-1).path, "/api/v4/check_license");
        }
      });

      it("refuses a bad configuration or identity", async () => {
        const base = { baseUrl: srv.url, apiKey: "a", sharedKey: "s", publicKey: keys.publicKeyPem };
        assert.throws(() => new mod.LicensorClient({ ...base, publicKey: undefined }), TypeError);
        assert.throws(() => new mod.LicensorClient({ ...base, publicKey: "not a key" }), TypeError);
        assert.throws(() => new mod.LicensorClient({ ...base, baseUrl: "ftp://x" }), TypeError);
        assert.throws(() => new mod.LicensorClient({ ...base, apiKey: "" }), TypeError);
        const { client } = testClient(mod, srv.url);
        await assert.rejects(client.checkLicense({ product: "P", hardwareId: "h" }), TypeError);
        await assert.rejects(client.checkLicense({ product: "P", hardwareId: "h", licenseKey: "k", username: "u" }), TypeError);
      });
    });

    describe("error kinds", () => {
      let srv;
      let answer;
      before(async () => {
        srv = await startServer((req, res, rec) => answer(res, rec));
      });
      after(() => srv.close());
      const call = (c) => c.activateLicense(KEY_ID);

      it("an error body is an API error; any other body is unexpected_response", async () => {
        const { client } = testClient(mod, srv.url);
        answer = (res) => sendError(res, 400, "license_activated_max_times", "all slots taken");
        let err = await rejection(() => call(client));
        assert.ok(err instanceof mod.LicensorApiError);
        assert.deepEqual([err.status, err.code, err.message, err.retryable], [400, "license_activated_max_times", "all slots taken", false]);
        answer = (res) => {
          res.writeHead(502, { "Content-Type": "text/html" });
          res.end("<html>Bad Gateway</html>");
        };
        err = await rejection(() => call(client));
        assert.deepEqual([err.status, err.code], [502, "unexpected_response"]);
        answer = (res) => sendError(res, 400, "", "");
        err = await rejection(() => call(client));
        assert.equal(err.code, "unexpected_response");
      });

      it("a 200 without LicenseSignature, or signed by another key, is a signature error", async () => {
        const { client } = testClient(mod, srv.url);
        answer = (res) => {
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(JSON.stringify(license({ hardwareId: "Machine-1", identity: "ABCD-1234" })));
        };
        let err = await rejection(() => call(client));
        assert.ok(err instanceof mod.LicensorSignatureError);
        assert.match(err.reason, /missing/);
        answer = (res) => sendSigned(res, license({ hardwareId: "Machine-1", identity: "ABCD-1234" }), { privateKey: otherKeys.privateKey });
        err = await rejection(() => call(client));
        assert.ok(err instanceof mod.LicensorSignatureError);
        // v2 right, v1 made by another key (or for another device): still refused.
        answer = (res) => sendSigned(res, license({ hardwareId: "Machine-1", identity: "ABCD-1234", privateKey: otherKeys.privateKey }));
        err = await rejection(() => call(client));
        assert.ok(err instanceof mod.LicensorSignatureError);
        answer = (res) => sendSigned(res, license({ hardwareId: "Machine-2", identity: "ABCD-1234" }));
        err = await rejection(() => call(client));
        assert.ok(err instanceof mod.LicensorSignatureError);
      });

      it("deactivate and change_password need their exact string answers", async () => {
        const { client } = testClient(mod, srv.url);
        answer = (res) => sendSigned(res, "ok");
        let err = await rejection(() => client.deactivateLicense(KEY_ID));
        assert.deepEqual([err.constructor.name, err.code], ["LicensorApiError", "unexpected_response"]);
        err = await rejection(() => client.changePassword({ username: "u", password: "p", newPassword: "n" }));
        assert.equal(err.code, "unexpected_response");
        answer = (res) => sendSigned(res, { license: "deactivated" });
        err = await rejection(() => client.deactivateBundle(KEY_ID));
        assert.equal(err.code, "unexpected_response");
      });

      it("an answer of the wrong shape is unexpected_response", async () => {
        const { client } = testClient(mod, srv.url);
        answer = (res) => sendSigned(res, [1, 2]);
        assert.equal((await rejection(() => client.checkLicense(KEY_ID))).code, "unexpected_response");
        answer = (res) => sendSigned(res, { id: 1 });
        assert.equal((await rejection(() => client.deviceLicenses("hw"))).code, "unexpected_response");
      });

      it("the other endpoints send their parameters and type their answers", async () => {
        const { client } = testClient(mod, srv.url);
        answer = (res) => sendSigned(res, { license_type: "perpetual", is_trial: true, license: "TRIAL-KEY" });
        const trial = await client.trialKey({ product: "P", hardwareId: "hw", email: "a@b.c", firstName: "Ann" });
        assert.deepEqual(srv.requests.at(-1).query, { product: "P", hardware_id: "hw", email: "a@b.c", first_name: "Ann" });
        assert.deepEqual([trial.licenseKey, trial.existing, trial.trial], ["TRIAL-KEY", true, true]);
        answer = (res) => sendSigned(res, { product_id: 1, product_name: "N", short_code: "P", authorization_method: "user", allow_trial: true, trial_days: 7, metadata: {}, latest_version: null });
        const pd = await client.productDetails({ product: "P", includeLatestVersion: true, includeCustomFields: false });
        assert.deepEqual(srv.requests.at(-1).query, { product: "P", include_latest_version: "true", include_custom_fields: "false" });
        assert.deepEqual([pd.shortCode, pd.authorizationMethod, pd.trialDays, pd.latestVersion], ["P", "user", 7, null]);
        answer = (res) => sendSigned(res, { id: 1, code: "export", name: "Export", feature_type: "activation", expiry_date: null, metadata: {} });
        const f = await client.checkLicenseFeature(KEY_ID, "export");
        assert.equal(srv.requests.at(-1).query.feature, "export");
        assert.equal(f.code, "export");
        answer = (res) => sendSigned(res, [{ license: { id: 3, license_enabled: true, license_active: false }, user: { id: 1, email: "a@b.c" } }]);
        const ul = await client.userLicenses({ product: "P", username: "a@b.c", password: "pw" });
        assert.equal(srv.requests.at(-1).query.password, "pw");
        assert.deepEqual([ul[0].license.id, ul[0].license.active, ul[0].user.email], [3, false, "a@b.c"]);
        answer = (res) => sendSigned(res, { company: { id: 1 }, customer: { email: "c@d.e" }, users: [{ email: "a@b.c", is_active: true, initial_password: null, license_id: 3 }] });
        const clu = await client.customerLicenseUsers({ product: "P", customer: "c@d.e" });
        assert.deepEqual(srv.requests.at(-1).query, { product: "P", customer: "c@d.e" });
        assert.deepEqual([clu.users[0].email, clu.users[0].initialPassword, clu.users[0].licenseId], ["a@b.c", null, 3]);
        answer = (res) => sendSigned(res, [{ id: 9, license_key: "K", license_enabled: true, license_active: true }]);
        const dl = await client.deviceLicenses("hw");
        assert.deepEqual(srv.requests.at(-1).query, { hardware_id: "hw" });
        assert.deepEqual([dl[0].id, dl[0].licenseKey], [9, "K"]);
      });
    });
  });
}
