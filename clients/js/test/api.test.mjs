// The consumption, device variable, version, floating, SSO and oauth_url calls against a local
// node:http server: what each sends, how its answer is typed, and its error paths (unsigned or
// misshapen answers, bad arguments). The real server's behaviour: e2e-usage.test.mjs.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { flavors, license, rejection, sendError, sendSigned, startServer, testClient } from "./helpers.mjs";

const ID = { product: "DESKTOP", hardwareId: "Machine-1", licenseKey: "ABCD-1234" };
const USER = { product: "CLOUD", hardwareId: "Machine-1", username: "ann@example.com", password: "pw" };
const IDENT = { product: "DESKTOP", hardware_id: "Machine-1", license_key: "ABCD-1234" };
const SSO = { product: "CLOUD", hardwareId: "Machine-1", customerAccountCode: "ACME", code: "c0de", redirectUri: "app://cb" };

for (const [flavor, mod] of flavors) {
  describe(`LicensorClient: usage, floating and sign-in calls (${flavor})`, () => {
    let srv;
    let answer; // (res, rec) => void
    before(async () => {
      srv = await startServer((req, res, rec) => answer(res, rec));
    });
    after(() => srv.close());
    beforeEach(() => {
      answer = (res) => sendSigned(res, {});
    });
    const last = () => srv.requests.at(-1);
    const client = (over) => testClient(mod, srv.url, over).client;

    it("addConsumption and addFeatureConsumption: POST bodies and typed counters", async () => {
      answer = (res) => sendSigned(res, {
        id: 9, max_consumptions: 10, allow_unlimited_consumptions: false, allow_negative_consumptions: true, allow_overages: true,
        max_overages: 2, reset_consumption: false, consumption_period: "monthly", total_consumptions: 7, company: { id: 1 },
      });
      const r = await client().addConsumption(ID, 3, { allowOverages: true, maxOverages: 2 });
      assert.deepEqual([last().method, last().endpoint], ["POST", "add_consumption"]);
      assert.deepEqual(last().body, { ...IDENT, consumptions: 3, allow_overages: true, max_overages: 2 });
      assert.deepEqual(
        [r.id, r.totalConsumptions, r.maxConsumptions, r.allowNegativeConsumptions, r.allowOverages, r.maxOverages, r.consumptionPeriod],
        [9, 7, 10, true, true, 2, "monthly"],
      );
      assert.equal(r.raw.company.id, 1);
      await client().addConsumption(USER, -2);
      assert.deepEqual(last().body, { product: "CLOUD", hardware_id: "Machine-1", username: "ann@example.com", consumptions: -2 },
        "no password, no absent options");
      answer = (res) => sendSigned(res, { id: 4, license_id: 9, total_consumptions: 5, max_consumptions: 5, is_floating_cloud: true });
      const f = await client().addFeatureConsumption(ID, "credits", 5);
      assert.deepEqual(last().body, { ...IDENT, feature: "credits", consumptions: 5 });
      assert.deepEqual([f.licenseId, f.totalConsumptions, f.maxConsumptions, f.isFloatingCloud], [9, 5, 5, true]);
    });

    it("the consumption error codes come through; a network error is not retried (the add may have counted)", async () => {
      answer = (res) => sendError(res, 400, "license_not_enough_consumptions", "not enough");
      const err = await rejection(() => client().addConsumption(ID, 1));
      assert.deepEqual([err.constructor.name, err.status, err.code], ["LicensorApiError", 400, "license_not_enough_consumptions"]);
      answer = (res) => sendError(res, 400, "feature_not_consumption", "no");
      assert.equal((await rejection(() => client().addFeatureConsumption(ID, "export", 1))).code, "feature_not_consumption");
      const before = srv.requests.length;
      answer = (res, rec) => rec.method && res.socket.destroy();
      assert.ok((await rejection(() => client().addConsumption(ID, 1))) instanceof mod.LicensorNetworkError);
      assert.equal(srv.requests.length - before, 1);
    });

    it("bad arguments are TypeErrors, before anything is sent", async () => {
      const before = srv.requests.length;
      const c = client();
      for (const call of [
        () => c.addConsumption(ID, 1.5), () => c.addConsumption(ID, "3"), () => c.addConsumption(ID, 1, { maxOverages: 0.5 }),
        () => c.addFeatureConsumption(ID, "", 1), () => c.trackDeviceVariables(ID, null), () => c.trackDeviceVariables(ID, ["a"]),
        () => c.floatingBorrow(ID, new Date(NaN)), () => c.floatingFeatureRelease(ID, ""),
        () => c.ssoUrl({ product: "P", customerAccountCode: "A", responseType: "id_token" }), () => c.ssoUrl({ product: "P" }),
        () => c.checkLicense(SSO), () => c.addConsumption(SSO, 1), () => c.floatingRelease(SSO),
        () => c.activateLicense({ ...SSO, idToken: "t" }), () => c.activateLicense({ ...SSO, code: undefined }),
      ]) {
        await assert.rejects(call, TypeError);
      }
      assert.equal(srv.requests.length, before);
    });

    it("device variables: values sent as strings; both answer shapes typed", async () => {
      answer = (res) => sendSigned(res, [{ variable: "seats", value: "3", device_id: 5, created_at: 1764781200000 }]);
      const tracked = await client().trackDeviceVariables(ID, { seats: 3, beta: true, os: "linux" });
      assert.deepEqual(last().body, { ...IDENT, variables: { seats: "3", beta: "true", os: "linux" } });
      assert.deepEqual([tracked[0].variable, tracked[0].value, tracked[0].deviceId, tracked[0].createdAt, tracked[0].id], ["seats", "3", 5, 1764781200000, null]);
      answer = (res) => sendSigned(res, [{ id: 1, created_at: "2026-12-03T17:00:00.000Z", variable: "os", value: "linux", device_id: 5 }]);
      const got = await client().getDeviceVariables(ID);
      assert.deepEqual([last().method, last().endpoint, last().query], ["GET", "get_device_variables", IDENT]);
      assert.deepEqual([got[0].id, got[0].variable, got[0].value, got[0].createdAt], [1, "os", "linux", "2026-12-03T17:00:00.000Z"]);
      answer = (res) => sendSigned(res, { variable: "os" });
      assert.equal((await rejection(() => client().getDeviceVariables(ID))).code, "unexpected_response");
      answer = (res) => sendSigned(res, ["os"]);
      assert.equal((await rejection(() => client().getDeviceVariables(ID))).code, "unexpected_response");
    });

    it("versions and installationFile: GET queries with only the options given", async () => {
      answer = (res) => sendSigned(res, [{ version: "1.0.0", release_date: "2026-01-01T00:00:00.000Z" }, { version: "1.1.0", release_date: null }]);
      const vs = await client().versions(ID, { env: "win64" });
      assert.deepEqual(last().query, { ...IDENT, env: "win64" });
      assert.deepEqual(vs.map((v) => [v.version, v.releaseDate]), [["1.0.0", "2026-01-01T00:00:00.000Z"], ["1.1.0", null]]);
      await client().versions(ID);
      assert.deepEqual(last().query, IDENT);
      const file = {
        id: 3, version: "1.1.0", installation_file: "https://dl/x.exe", release_date: "2026-02-01T00:00:00.000Z", hash_md5: "abc",
        environment: "win64", eula_link: "https://e", release_notes_link: "https://n", size: "1024", requires_version: "1.0.0",
        channel: "stable", company: { id: 1 },
      };
      answer = (res) => sendSigned(res, file);
      const f = await client().installationFile(ID, { env: "win64", version: "1.1.0", channel: "stable" });
      assert.deepEqual([last().endpoint, last().query], ["installation_file", { ...IDENT, env: "win64", version: "1.1.0", channel: "stable" }]);
      assert.deepEqual(
        [f.id, f.version, f.installationFile, f.releaseDate, f.hashMd5, f.environment, f.eulaLink, f.releaseNotesLink, f.size, f.requiresVersion, f.channel],
        [3, "1.1.0", "https://dl/x.exe", "2026-02-01T00:00:00.000Z", "abc", "win64", "https://e", "https://n", "1024", "1.0.0", "stable"],
      );
      answer = (res) => sendError(res, 400, "version_not_found", "no such version");
      assert.equal((await rejection(() => client().installationFile(ID, { version: "9" }))).code, "version_not_found");
    });

    it("floatingBorrow: borrowed_until as given, a Date in ISO form, or JSON null; the password; SSO", async () => {
      answer = (res) => sendSigned(res, { borrowed_until: "2026-12-04T17:00:00.000Z", max_borrow_time: 24, device_id: 5, license_id: 9, company: { id: 1 } });
      const b = await client().floatingBorrow(ID, "2026-12-04T17:00:00Z");
      assert.deepEqual([last().endpoint, last().body], ["floating/borrow", { ...IDENT, borrowed_until: "2026-12-04T17:00:00Z" }]);
      assert.equal(last().path, "/api/v4/floating/borrow");
      assert.deepEqual([b.borrowedUntil, b.maxBorrowTime, b.deviceId, b.licenseId], ["2026-12-04T17:00:00.000Z", 24, 5, 9]);
      await client().floatingBorrow(ID, new Date(Date.UTC(2026, 11, 4, 17)));
      assert.equal(last().body.borrowed_until, "2026-12-04T17:00:00.000Z");
      await client().floatingBorrow(ID);
      assert.ok("borrowed_until" in last().body && last().body.borrowed_until === null, "sent as null");
      await client().floatingBorrow(USER, null);
      assert.equal(last().body.password, "pw", "borrow authenticates a user");
      await client().floatingBorrow(SSO);
      assert.deepEqual(last().body, {
        product: "CLOUD", hardware_id: "Machine-1", customer_account_code: "ACME", code: "c0de", redirect_uri: "app://cb", borrowed_until: null,
      });
      answer = (res) => sendError(res, 400, "borrow_until_not_valid", "too late");
      assert.equal((await rejection(() => client().floatingBorrow(ID, "2099-01-01T00:00:00Z"))).code, "borrow_until_not_valid");
    });

    it("floatingFeatureBorrow, and both releases: an empty 200 needs no signature; errors still come through", async () => {
      answer = (res) => sendSigned(res, { borrowed_until: "2026-12-04T17:00:00.000Z", max_borrow_time: 24 });
      await client().floatingFeatureBorrow(ID, "seat");
      assert.deepEqual([last().endpoint, last().body], ["floating/feature_borrow", { ...IDENT, feature: "seat", borrowed_until: null }]);
      await client().floatingFeatureBorrow(USER, "seat", "2026-12-04T17:00:00Z");
      assert.deepEqual(last().body, { product: "CLOUD", hardware_id: "Machine-1", username: "ann@example.com", password: "pw",
        feature: "seat", borrowed_until: "2026-12-04T17:00:00Z" }, "feature borrow authenticates a user too");
      answer = (res) => {
        res.writeHead(200, { "Content-Length": "0" });
        res.end();
      };
      assert.equal(await client().floatingRelease(ID), undefined);
      assert.deepEqual([last().path, last().body], ["/api/v4/floating/release", IDENT]);
      await client().floatingFeatureRelease(USER, "seat");
      assert.deepEqual([last().endpoint, last().body], ["floating/feature_release", { product: "CLOUD", hardware_id: "Machine-1", username: "ann@example.com", feature: "seat" }]);
      answer = (res) => sendError(res, 400, "license_not_found", "no");
      assert.equal((await rejection(() => client().floatingRelease(ID))).code, "license_not_found");
      assert.equal((await rejection(() => client().floatingFeatureRelease(ID, "seat"))).code, "license_not_found");
    });

    it("SSO activation sends the sign-in; v1 is checked with the answer's user.email cut at |", async () => {
      const lic = license({ hardwareId: "Machine-1", identity: "ann@example.com|ACME" });
      answer = (res) => sendSigned(res, lic);
      const got = await client().activateLicense({ ...SSO, code: undefined, redirectUri: undefined, idToken: "eyJ.token" });
      assert.deepEqual({ ...last().body, sdk_ver: undefined, os_ver: undefined, hostname: undefined }, {
        product: "CLOUD", hardware_id: "Machine-1", customer_account_code: "ACME", id_token: "eyJ.token",
        sdk_ver: undefined, os_ver: undefined, hostname: undefined,
      });
      assert.equal(got.user.email, "ann@example.com");
      lic.user.email = "ann@example.com|ACME"; // the server may name the user with its account code
      answer = (res) => sendSigned(res, lic);
      assert.equal((await client().activateLicense(SSO)).user.email, "ann@example.com|ACME");
      answer = (res) => sendSigned(res, { ...lic, user: { email: "eve@example.com" } });
      assert.ok((await rejection(() => client().activateLicense(SSO))) instanceof mod.LicensorSignatureError);
      answer = (res) => sendSigned(res, { ...lic, user: undefined });
      const err = await rejection(() => client().activateLicense(SSO));
      assert.ok(err instanceof mod.LicensorSignatureError);
      assert.match(err.reason, /user\.email/);
    });

    it("ssoUrl: the query, and {url, openid_configuration}", async () => {
      const cfg = { issuer: "https://idp.example.com", token_endpoint: "https://idp.example.com/token" };
      answer = (res) => sendSigned(res, { url: "https://idp.example.com/auth?x=1", openid_configuration: cfg });
      const u = await client().ssoUrl({ product: "CLOUD", customerAccountCode: "ACME", responseType: "code", redirectUri: "app://cb" });
      assert.deepEqual([last().method, last().endpoint, last().query], ["GET", "sso_url",
        { product: "CLOUD", customer_account_code: "ACME", response_type: "code", redirect_uri: "app://cb" }]);
      assert.deepEqual([u.url, u.openidConfiguration], ["https://idp.example.com/auth?x=1", cfg]);
      await client().ssoUrl({ product: "CLOUD", customerAccountCode: "ACME" });
      assert.deepEqual(last().query, { product: "CLOUD", customer_account_code: "ACME" });
      answer = (res) => sendSigned(res, { openid_configuration: cfg });
      assert.equal((await rejection(() => client().ssoUrl({ product: "CLOUD", customerAccountCode: "ACME" }))).code, "unexpected_response");
      answer = (res) => sendError(res, 400, "customer_account_not_found", "no");
      assert.equal((await rejection(() => client().ssoUrl({ product: "CLOUD", customerAccountCode: "X" }))).code, "customer_account_not_found");
    });

    it("oauthUrl: GET without Authorization, Date still sent, the answer verified", async () => {
      answer = (res) => sendSigned(res, { url: "https://licensing.example.com/oauth/token", login_type: "client_credentials" });
      const u = await client().oauthUrl();
      assert.deepEqual([last().endpoint, last().query, last().headers.authorization], ["oauth_url", { login_type: "client_credentials" }, undefined]);
      assert.ok(last().headers.date);
      assert.equal(u.url, "https://licensing.example.com/oauth/token");
    });

    it("every JSON answer of these calls must be signed", async () => {
      answer = (res) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ url: "https://x", id: 1 }));
      };
      const c = client();
      for (const call of [
        () => c.addConsumption(ID, 1), () => c.addFeatureConsumption(ID, "f", 1), () => c.trackDeviceVariables(ID, { a: "b" }),
        () => c.getDeviceVariables(ID), () => c.versions(ID), () => c.installationFile(ID), () => c.floatingBorrow(ID),
        () => c.floatingFeatureBorrow(ID, "f"), () => c.ssoUrl({ product: "P", customerAccountCode: "A" }), () => c.oauthUrl(),
      ]) {
        assert.ok((await rejection(call)) instanceof mod.LicensorSignatureError, String(call));
      }
    });
  });
}
