// End to end against the real server (LICENSOR_BIN): OAuth client credentials (the token found
// through oauth_url, Bearer on every call, expiry by the client's clock, a revoked client and a
// bad secret), and the offline round trip (request file → `licensor offline activate` → answer
// file verified and stored → deactivation request → deactivate_offline).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BIN, cli, freePort, startLicensor } from "./e2e-helpers.mjs";
import { flavors, rejection } from "./helpers.mjs";

const [[, esm], [, cjs]] = flavors;
const DAY = 24 * 3600_000;

describe("e2e: OAuth and offline files against licensor serve", () => {
  const tmp = mkdtempSync(join(tmpdir(), "licensor-js-e2e-oauth-"));
  const data = join(tmp, "data");
  let server;
  let init;
  let oauth;
  let offLicenseId;
  let userPassword;
  const id = (licenseKey, hardwareId, product = "OP") => ({ product, hardwareId, licenseKey });
  const hmacClient = (mod = esm, over = {}) => new mod.LicensorClient({
    baseUrl: server.url, apiKey: init.api_key, sharedKey: init.shared_key, publicKey: init.public_key_pem, sleep: async () => {}, ...over,
  });
  /** An OAuth client whose requests (to the real server) are recorded. */
  const oauthClient = (creds, over = {}) => {
    const seen = [];
    const client = new esm.LicensorClient({
      baseUrl: server.url, clientId: creds.client_id, clientSecret: creds.client_secret, publicKey: init.public_key_pem,
      sleep: async () => {},
      fetch: (url, init) => {
        seen.push({ url: new URL(url), method: init.method, headers: init.headers, body: init.body });
        return fetch(url, init);
      },
      ...over,
    });
    return { client, seen };
  };

  before(async () => {
    assert.ok(BIN, "LICENSOR_BIN is not set: point it at a licensor binary (test.sh builds one)");
    init = cli(data, "init");
    cli(data, "product", "create", "--code", "OP", "--name", "OAuth product");
    cli(data, "feature", "create", "--product", "OP", "--code", "credits", "--type", "consumption", "--max-consumption", "50");
    cli(data, "license", "create", "--product", "OP", "--key", "OP-0001", "--type", "consumption", "--max-activations", "5",
      "max_consumptions=100", "is_floating_cloud=true", "floating_users=2", "floating_timeout=30", "can_borrow=true", "max_borrow_time=24");
    const scoped = cli(data, "license", "create", "--product", "OP", "--key", "OP-SCOPED-0001");
    cli(data, "version", "add", "--product", "OP", "--version", "2.0.0", "--link", "https://dl.example.com/2.0.0");
    offLicenseId = cli(data, "license", "create", "--product", "OP", "--key", "OFF-0001", "--type", "consumption",
      "max_consumptions=100", "allow_offline_activation=true").id;
    cli(data, "license", "create", "--product", "OP", "--key", "OFF-TL-0001", "--type", "time-limited", "--validity", "2031-01-01T00:00:00Z",
      "allow_offline_activation=true");
    cli(data, "product", "create", "--code", "OU", "--name", "User product", "--auth", "user");
    const userLicense = cli(data, "license", "create", "--product", "OU", "--customer", "c@example.com", "allow_offline_activation=true").id;
    userPassword = cli(data, "user", "create", "--license", String(userLicense), "--email", "ann@example.com").initial_password;
    oauth = {
      company: cli(data, "oauth-client", "create"),
      scoped: cli(data, "oauth-client", "create", "--license", String(scoped.id)),
      revocable: cli(data, "oauth-client", "create"),
    };
    server = await startLicensor(data, await freePort());
  });

  after(async () => {
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("oauth_url names the server's token endpoint, without authentication", async () => {
    const { client, seen } = oauthClient(oauth.company);
    const u = await client.oauthUrl();
    assert.equal(u.url, `${server.url}/oauth/token`);
    assert.equal(seen.length, 1, "oauth_url itself needs no token");
    assert.equal(seen[0].url.searchParams.get("login_type"), "client_credentials");
    assert.equal(seen[0].headers.Authorization, undefined);
    assert.equal((await hmacClient(cjs).oauthUrl()).url, u.url);
  });

  it("OAuth mode: one token (found via oauth_url), Bearer on every call", async () => {
    const { client, seen } = oauthClient(oauth.company);
    const me = id("OP-0001", "hw-oauth");
    const lic = await client.activateLicense(me);
    assert.equal(lic.licenseKey, "OP-0001");
    assert.equal((await client.checkLicense(me)).active, true);
    assert.equal((await client.checkLicenseFeature(me, "credits")).code, "credits");
    assert.equal((await client.addConsumption(me, 2)).totalConsumptions, 2);
    assert.equal((await client.addFeatureConsumption(me, "credits", 3)).totalConsumptions, 3);
    assert.deepEqual((await client.trackDeviceVariables(me, { k: "v" })).map((v) => v.value), ["v"]);
    assert.deepEqual((await client.getDeviceVariables(me)).map((v) => v.variable), ["k"]);
    assert.deepEqual((await client.versions(me)).map((v) => v.version), ["2.0.0"]);
    assert.equal((await client.installationFile(me)).installationFile, "https://dl.example.com/2.0.0");
    assert.equal((await client.floatingBorrow(me)).maxBorrowTime, 24);
    await client.floatingRelease(me);
    assert.equal((await client.productDetails({ product: "OP" })).shortCode, "OP");
    await client.deactivateLicense(me);
    const [discover, token, ...calls] = seen;
    assert.equal(discover.url.pathname, "/api/v4/oauth_url");
    assert.deepEqual([token.method, token.url.pathname, token.headers["Content-Type"]], ["POST", "/oauth/token", "application/x-www-form-urlencoded"]);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(token.body)), {
      grant_type: "client_credentials", client_id: oauth.company.client_id, client_secret: oauth.company.client_secret,
    });
    assert.equal(calls.length, 13);
    const bearer = calls[0].headers.Authorization;
    assert.match(bearer, /^Bearer \S+$/);
    for (const c of calls) {
      assert.equal(c.headers.Authorization, bearer, c.url.pathname);
      assert.ok(c.headers.Date, "Date is still sent");
    }
  });

  it("OAuth mode: a token past expires_in (by the client's clock) is replaced; a configured tokenUrl skips oauth_url", async () => {
    let now = Date.now();
    const { client, seen } = oauthClient(oauth.company, { now: () => new Date(now), tokenUrl: `${server.url}/oauth/token` });
    await client.productDetails({ product: "OP" });
    now += 470_000; // 480 s tokens, replaced shortly before they run out
    await client.productDetails({ product: "OP" });
    const paths = seen.map((s) => s.url.pathname);
    assert.deepEqual(paths, ["/oauth/token", "/api/v4/product_details", "/oauth/token", "/api/v4/product_details"]);
    assert.notEqual(seen[1].headers.Authorization, seen[3].headers.Authorization);
  });

  it("OAuth mode: a bad secret is invalid_client; a revoked client's token is refused, renewed once, then invalid_client", async () => {
    const bad = oauthClient({ ...oauth.company, client_secret: "not the secret" }).client;
    const err = await rejection(() => bad.productDetails({ product: "OP" }));
    assert.ok(err instanceof esm.LicensorApiError, String(err));
    assert.deepEqual([err.status, err.code], [401, "invalid_client"]);
    const { client, seen } = oauthClient(oauth.revocable);
    await client.productDetails({ product: "OP" });
    cli(data, "oauth-client", "revoke", oauth.revocable.client_id);
    // The server learns of the CLI's change by polling its change log (every 50 ms).
    let revoked = null;
    for (const deadline = Date.now() + 10_000; revoked === null && Date.now() < deadline;) {
      revoked = await client.productDetails({ product: "OP" }).then(() => null, (e) => e);
      if (revoked === null) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(revoked instanceof esm.LicensorApiError, String(revoked));
    assert.deepEqual([revoked.status, revoked.code], [401, "invalid_client"]);
    assert.deepEqual(seen.slice(-2).map((s) => s.url.pathname), ["/api/v4/product_details", "/oauth/token"],
      "the refused token (oauth_token_malformed) is renewed once");
    assert.equal(seen.filter((s) => s.url.pathname === "/oauth/token").length, 2);
  });

  it("OAuth mode: a client scoped to one license reaches only that license", async () => {
    const { client } = oauthClient(oauth.scoped);
    assert.equal((await client.activateLicense(id("OP-SCOPED-0001", "hw-s"))).licenseKey, "OP-SCOPED-0001");
    const other = await rejection(() => client.activateLicense(id("OP-0001", "hw-s")));
    assert.ok(other instanceof esm.LicensorApiError, String(other));
    assert.equal(other.status, 400);
  });

  const manager = (hw, over = {}) => new esm.LicenseManager({
    client: hmacClient(), product: "OP", hardwareId: hw, licenseFile: join(tmp, hw, "license.json"), ...over,
  });
  const offlineActivate = (request, answer) =>
    execFileSync(BIN, ["offline", "activate", "--request", request, "--out", answer, "--data", data], { stdio: "pipe" });

  it("offline round trip: request file → licensor offline activate → answer verified and stored → deactivation", async () => {
    const m = manager("hw-off");
    const req = join(tmp, "off-activate.req");
    const ans = join(tmp, "off-activate.lic");
    await m.writeOfflineActivationRequest(req, { licenseKey: "OFF-0001" });
    offlineActivate(req, ans);
    const lic = await m.loadOfflineAnswer(ans);
    assert.deepEqual([lic.licenseKey, lic.active, lic.licenseType], ["OFF-0001", true, "consumption"]);
    const doc = JSON.parse(readFileSync(m.licenseFile, "utf8"));
    assert.equal(doc.offline, true);
    assert.deepEqual(doc.request, { product: "OP", hardware_id: "hw-off", license_key: "OFF-0001" });
    // No server, a month later: an offline-activated device has no offline grace to run out.
    const local = await manager("hw-off", { now: () => new Date(Date.now() + 30 * DAY) }).localCheck();
    assert.deepEqual([local.offline, local.license.licenseKey], [true, "OFF-0001"]);
    assert.equal((await hmacClient().checkLicense(id("OFF-0001", "hw-off"))).active, true, "the server activated the device");
    // Online again, check() replaces the offline answer with a check answer.
    assert.equal((await m.check()).offline, false);
    assert.equal(JSON.parse(readFileSync(m.licenseFile, "utf8")).offline, undefined);
    // Another device, or an altered answer, is refused.
    assert.equal((await rejection(() => manager("hw-other").loadOfflineAnswer(ans))).code, "license_file_invalid");
    const altered = join(tmp, "altered.lic");
    const text = Buffer.from(readFileSync(ans, "utf8"), "base64").toString("utf8");
    writeFileSync(altered, Buffer.from(text.replace('"max_activations":1', '"max_activations":9')).toString("base64"));
    assert.notEqual(readFileSync(altered, "utf8"), readFileSync(ans, "utf8"));
    assert.equal((await rejection(() => manager("hw-off", { licenseFile: join(tmp, "x.json") }).loadOfflineAnswer(altered))).code,
      "license_file_invalid");

    // Deactivation, with local consumption, through POST deactivate_offline.
    m.addLocalConsumption(4);
    m.addLocalFeatureConsumption("credits", 2);
    const dreq = join(tmp, "off-deactivate.req");
    await m.writeOfflineDeactivationRequest(dreq);
    assert.equal(existsSync(m.licenseFile), false);
    assert.deepEqual(m.pendingConsumption(), { consumptions: 0, features: {} });
    const signed = esm.signRequest(init.api_key, init.shared_key);
    const res = await fetch(`${server.url}/api/v4/deactivate_offline`, {
      method: "POST", headers: { Date: signed.date, Authorization: signed.authorization, "Content-Type": "text/plain" },
      body: readFileSync(dreq, "utf8"),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(await res.json(), "license_deactivated");
    assert.ok((await rejection(() => hmacClient().checkLicense(id("OFF-0001", "hw-off")))) instanceof esm.LicensorApiError);
    const shown = cli(data, "license", "show", String(offLicenseId));
    assert.equal(shown.total_consumptions, 4);
    assert.equal(shown.product_features.find((f) => f.code === "credits").total_consumptions, 2);
  });

  it("offline: a user-based license, and a license type the server does not activate offline", async () => {
    const m = manager("hw-ou", { product: "OU" });
    const req = join(tmp, "ou.req");
    const ans = join(tmp, "ou.lic");
    await m.writeOfflineActivationRequest(req, { username: "Ann@Example.com", password: userPassword });
    offlineActivate(req, ans);
    const lic = await m.loadOfflineAnswer(ans);
    assert.deepEqual([lic.user.email, lic.active], ["ann@example.com", true]);
    assert.equal((await m.localCheck()).license.user.email, "ann@example.com");
    const tl = manager("hw-tl");
    const treq = join(tmp, "tl.req");
    await tl.writeOfflineActivationRequest(treq, { licenseKey: "OFF-TL-0001" });
    assert.throws(() => offlineActivate(treq, join(tmp, "tl.lic")), (e) => String(e.stderr).includes("wrong_license_type"));
  });
});
