// End to end against the real server: the licensor binary named by LICENSOR_BIN, provisioned
// with its CLI, served on a free port, and stopped and started again for the offline flow.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BIN, cli, freePort, replacer, startLicensor, startTamperingProxy } from "./e2e-helpers.mjs";
import { flavors, rejection } from "./helpers.mjs";

const [[, esm], [, cjs]] = flavors;
const DAY = 24 * 3600_000;

it("LICENSOR_BIN names the licensor binary", () => {
  assert.ok(BIN, "LICENSOR_BIN is not set: point it at a licensor binary (test.sh builds one)");
  assert.ok(existsSync(BIN), `LICENSOR_BIN=${BIN} does not exist`);
});

describe("e2e against licensor serve", () => {
  const tmp = mkdtempSync(join(tmpdir(), "licensor-js-e2e-"));
  const data = join(tmp, "data");
  let port;
  let server;
  let init;
  let client;
  let userLicenseId;
  let userPassword;
  const cleanups = [];
  const clientFor = (mod, url, over = {}) =>
    new mod.LicensorClient({
      baseUrl: url,
      apiKey: init.api_key,
      sharedKey: init.shared_key,
      publicKey: init.public_key_pem,
      appName: "e2e",
      appVersion: "1.0.0",
      sleep: async () => {},
      ...over,
    });
  const key = (licenseKey, hardwareId, product = "KEYP") => ({ product, hardwareId, licenseKey });

  before(async () => {
    if (!BIN) {
      throw new Error("LICENSOR_BIN is not set: point it at a licensor binary (test.sh builds one), e.g. LICENSOR_BIN=/tmp/licensor npm test");
    }
    assert.ok(existsSync(BIN), `LICENSOR_BIN=${BIN} does not exist`);
    init = cli(data, "init");
    cli(data, "company", "set", "allow_change_password=true");
    cli(data, "product", "create", "--code", "KEYP", "--name", "Key product", "allow_trial=true", "trial_days=14");
    cli(data, "feature", "create", "--product", "KEYP", "--code", "export", "--name", "Export");
    cli(data, "license", "create", "--product", "KEYP", "--key", "E2E-KEY-0001", "--max-activations", "2");
    cli(data, "license", "create", "--product", "KEYP", "--key", "E2E-VALID-0001", "--type", "time-limited",
      "--validity", "2031-03-04T00:00:00Z", "--max-activations", "5");
    cli(data, "license", "create", "--product", "KEYP", "--key", "E2E-MGR-0001");
    cli(data, "license", "create", "--product", "KEYP", "--key", "E2E-CJS-0001");
    cli(data, "product", "create", "--code", "USERP", "--name", "User product", "--auth", "user");
    userLicenseId = cli(data, "license", "create", "--product", "USERP", "--customer", "cust@example.com", "--max-activations", "5").id;
    userPassword = cli(data, "user", "create", "--license", String(userLicenseId), "--email", "ann@example.com").initial_password;
    cli(data, "product", "create", "--code", "PA", "--name", "Part A");
    cli(data, "product", "create", "--code", "PB", "--name", "Part B");
    cli(data, "product", "create", "--code", "BUN", "--name", "Bundle", "--bundle", "--includes", "PA,PB");
    cli(data, "license", "create", "--product", "BUN", "--key", "E2E-BUN-0001");
    port = await freePort();
    server = await startLicensor(data, port);
    client = clientFor(esm, server.url);
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c();
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("activate, idempotent re-activation, and the activation limit", async () => {
    const lic = await client.activateLicense(key("E2E-KEY-0001", "hw-1"));
    assert.deepEqual([lic.licenseKey, lic.active, lic.enabled, lic.timesActivated, lic.maxActivations], ["E2E-KEY-0001", true, true, 1, 2]);
    assert.equal(lic.productShortCode, "KEYP");
    assert.deepEqual(lic.features.map((f) => f.code), ["export"]);
    assert.equal((await client.activateLicense(key("E2E-KEY-0001", "hw-1"))).timesActivated, 1);
    assert.equal((await client.activateLicense(key("E2E-KEY-0001", "hw-2"))).timesActivated, 2);
    const err = await rejection(() => client.activateLicense(key("E2E-KEY-0001", "hw-3")));
    assert.ok(err instanceof esm.LicensorApiError, String(err));
    assert.equal(err.code, "license_activated_max_times");
  });

  it("check and check_license_feature", async () => {
    const lic = await client.checkLicense(key("E2E-KEY-0001", "hw-1"), { includeExpiredFeatures: true });
    assert.deepEqual([lic.active, lic.timesActivated, lic.expired], [true, 2, false]);
    const f = await client.checkLicenseFeature(key("E2E-KEY-0001", "hw-1"), "export");
    assert.deepEqual([f.code, f.name, f.type], ["export", "Export", "activation"]);
    const err = await rejection(() => client.checkLicenseFeature(key("E2E-KEY-0001", "hw-1"), "nope"));
    assert.equal(err.code, "unsupported_product_feature");
  });

  it("deactivate frees the slot", async () => {
    await client.deactivateLicense(key("E2E-KEY-0001", "hw-2"));
    assert.ok((await rejection(() => client.checkLicense(key("E2E-KEY-0001", "hw-2")))) instanceof esm.LicensorApiError);
    assert.equal((await client.activateLicense(key("E2E-KEY-0001", "hw-3"))).timesActivated, 2);
  });

  it("a time-limited license: validity_period is covered by v1", async () => {
    const lic = await client.activateLicense(key("E2E-VALID-0001", "hw-1"));
    assert.equal(lic.validityPeriod, "2031-03-04T00:00:00.000Z");
  });

  it("user-based activation with email|SUFFIX, user_licenses, customer_license_users", async () => {
    const id = { product: "USERP", hardwareId: "hw-u1", username: "Ann@Example.com|ACME", password: userPassword };
    const lic = await client.activateLicense(id);
    assert.equal(lic.licenseKey, null);
    assert.deepEqual([lic.user.email, lic.user.isInitialPassword, lic.active], ["ann@example.com", true, true]);
    const checked = await client.checkLicense({ product: "USERP", hardwareId: "hw-u1", username: "ann@example.com|ACME" });
    assert.equal(checked.id, lic.id);
    const ul = await client.userLicenses({ product: "USERP", username: "ann@example.com", password: userPassword });
    assert.ok(ul.some((u) => u.license.id === userLicenseId && u.user.email === "ann@example.com"));
    const clu = await client.customerLicenseUsers({ product: "USERP", customer: "cust@example.com" });
    assert.equal(clu.customer.email, "cust@example.com");
    assert.deepEqual(clu.users.map((u) => [u.email, u.initialPassword, u.licenseId]), [["ann@example.com", null, userLicenseId]]);
  });

  it("change_password, then activation with the new password", async () => {
    const newPassword = "a brand new password";
    await client.changePassword({ username: "ann@example.com", password: userPassword, newPassword });
    const lic = await client.activateLicense({ product: "USERP", hardwareId: "hw-u2", username: "ann@example.com", password: newPassword });
    assert.equal(lic.user.isInitialPassword, false);
    const err = await rejection(() =>
      client.activateLicense({ product: "USERP", hardwareId: "hw-u3", username: "ann@example.com", password: userPassword }));
    assert.equal(err.code, "user_not_found");
    const err2 = await rejection(() => client.changePassword({ username: "ann@example.com", password: "wrong one", newPassword: "x".repeat(9) }));
    assert.equal(err2.code, "user_not_found");
  });

  it("bundles: activate, check, deactivate", async () => {
    const id = key("E2E-BUN-0001", "hw-b", "BUN");
    const lics = await client.activateBundle(id);
    assert.deepEqual(lics.map((l) => l.productShortCode).sort(), ["PA", "PB"]);
    assert.ok(lics.every((l) => l.active && l.licenseKey === "E2E-BUN-0001"));
    assert.equal((await client.checkBundle(id)).length, 2);
    await client.deactivateBundle(id);
    assert.ok((await rejection(() => client.checkBundle(id))) instanceof esm.LicensorApiError);
  });

  it("trial_key, product_details, device_licenses", async () => {
    const trial = await client.trialKey({ product: "KEYP", hardwareId: "hw-t" });
    assert.deepEqual([trial.trial, trial.existing, typeof trial.licenseKey], [true, false, "string"]);
    const again = await client.trialKey({ product: "KEYP", hardwareId: "hw-t" });
    assert.deepEqual([again.licenseKey, again.existing], [trial.licenseKey, true]);
    const lic = await client.activateLicense(key(trial.licenseKey, "hw-t"));
    assert.equal(lic.trial, true);
    assert.ok(lic.validityPeriod);
    const pd = await client.productDetails({ product: "KEYP", includeLatestVersion: true, includeCustomFields: true });
    assert.deepEqual([pd.shortCode, pd.productName, pd.authorizationMethod, pd.allowTrial, pd.trialDays], ["KEYP", "Key product", "license-key", true, 14]);
    const dl = await client.deviceLicenses("hw-1");
    assert.deepEqual(dl.map((l) => l.licenseKey).sort(), ["E2E-KEY-0001", "E2E-VALID-0001"]);
  });

  it("the manager: activate, restart, local check, offline within grace, online again, deactivate", async () => {
    const file = join(tmp, "app", "license.json");
    const mk = (over = {}) => new esm.LicenseManager({
      client: clientFor(esm, server.url, { maxRetries: 1, timeoutMs: 2000 }), product: "KEYP", hardwareId: "hw-m", licenseFile: file, ...over,
    });
    const lic = await mk().activate("E2E-MGR-0001");
    assert.equal(lic.licenseKey, "E2E-MGR-0001");
    const restarted = mk();
    const local = await restarted.localCheck();
    assert.deepEqual([local.offline, local.license.licenseKey], [true, "E2E-MGR-0001"]);
    assert.equal(await restarted.hasFeature("export"), true);
    await server.stop();
    const offline = await restarted.check();
    assert.equal(offline.offline, true);
    const late = await rejection(() => mk({ now: () => new Date(Date.now() + 8 * DAY) }).check());
    assert.equal(late.code, "offline_grace_expired");
    server = await startLicensor(data, port);
    const online = await restarted.check();
    assert.equal(online.offline, false);
    assert.ok(Date.now() - online.lastServerContact.getTime() < 60_000);
    await restarted.deactivate();
    assert.equal(existsSync(file), false);
    assert.equal((await rejection(() => restarted.localCheck())).code, "license_file_missing");
  });

  it("a proxy that alters answers: every altered answer is a signature error", async () => {
    const cases = [
      ["max_activations 2 → 9", '"max_activations":2', '"max_activations":9', (c) => c.activateLicense(key("E2E-KEY-0001", "hw-1"))],
      ["validity extended", '"validity_period":"2031-03-04T00:00:00.000Z"', '"validity_period":"2099-03-04T00:00:00.000Z"',
        (c) => c.checkLicense(key("E2E-VALID-0001", "hw-1"))],
      ["trial_days 14 → 99 (product_details)", '"trial_days":14', '"trial_days":99', (c) => c.productDetails({ product: "KEYP" })],
    ];
    for (const [name, from, to, call] of cases) {
      const seen = { count: 0 };
      const proxy = await startTamperingProxy(server.url, replacer(from, to, seen));
      cleanups.push(proxy.close);
      const err = await rejection(() => call(clientFor(esm, proxy.url)));
      assert.equal(seen.count > 0, true, `${name}: the proxy changed nothing`);
      assert.ok(err instanceof esm.LicensorSignatureError, `${name}: ${err}`);
    }
    const stripped = await startTamperingProxy(server.url, (body, headers) => {
      delete headers["licensesignature"];
      return body;
    });
    cleanups.push(stripped.close);
    const err = await rejection(() => clientFor(esm, stripped.url).checkLicense(key("E2E-KEY-0001", "hw-1")));
    assert.ok(err instanceof esm.LicensorSignatureError);
    // The same requests straight to the server pass.
    await client.checkLicense(key("E2E-VALID-0001", "hw-1"));
  });

  it("a server with another key is refused", async () => {
    const data2 = join(tmp, "data2");
    const init2 = cli(data2, "init");
    cli(data2, "product", "create", "--code", "KEYP", "--name", "Key product");
    cli(data2, "license", "create", "--product", "KEYP", "--key", "E2E-KEY-0001");
    const other = await startLicensor(data2, await freePort());
    cleanups.push(other.stop);
    const impostor = clientFor(esm, other.url, { apiKey: init2.api_key, sharedKey: init2.shared_key });
    const err = await rejection(() => impostor.activateLicense(key("E2E-KEY-0001", "hw-x")));
    assert.ok(err instanceof esm.LicensorSignatureError, String(err));
    assert.ok((await rejection(() => impostor.productDetails({ product: "KEYP" }))) instanceof esm.LicensorSignatureError);
    // With its own key pinned, the same server is fine.
    const honest = clientFor(esm, other.url, { apiKey: init2.api_key, sharedKey: init2.shared_key, publicKey: init2.public_key_pem });
    assert.equal((await honest.productDetails({ product: "KEYP" })).shortCode, "KEYP");
  });

  it("the CommonJS entry point against the same server", async () => {
    const c = clientFor(cjs, server.url);
    const lic = await c.activateLicense(key("E2E-CJS-0001", "hw-c"));
    assert.equal(lic.licenseKey, "E2E-CJS-0001");
    await c.checkLicense(key("E2E-CJS-0001", "hw-c"));
    await c.deactivateLicense(key("E2E-CJS-0001", "hw-c"));
    const err = await rejection(() => c.activateLicense(key("NO-SUCH-KEY", "hw-c")));
    assert.ok(err instanceof cjs.LicensorApiError);
    assert.equal(err.code, "license_not_found");
  });
});
