// End to end against the real server (LICENSOR_BIN), for the usage endpoints: consumption,
// device variables, versions and installation files, floating seats (license and feature),
// and the manager's local consumption and floating keep-alive.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BIN, cli, freePort, startLicensor } from "./e2e-helpers.mjs";
import { flavors, rejection } from "./helpers.mjs";
import { fakeTimer } from "./timer.mjs";

const [[, esm]] = flavors;

describe("e2e: usage endpoints against licensor serve", () => {
  const tmp = mkdtempSync(join(tmpdir(), "licensor-js-e2e-usage-"));
  const data = join(tmp, "data");
  let server;
  let init;
  let client;
  let userPassword;
  const key = (licenseKey, hardwareId, product) => ({ product, hardwareId, licenseKey });
  const CONS = key("CONS-0001", "hw-c1", "CONS");
  const FLT_A = key("FLT-0001", "hw-fa", "FLT");
  const FLT_B = key("FLT-0001", "hw-fb", "FLT");

  before(async () => {
    assert.ok(BIN, "LICENSOR_BIN is not set: point it at a licensor binary (test.sh builds one)");
    init = cli(data, "init");
    cli(data, "product", "create", "--code", "CONS", "--name", "Consumption product");
    cli(data, "feature", "create", "--product", "CONS", "--code", "credits", "--type", "consumption", "--max-consumption", "5");
    cli(data, "license", "create", "--product", "CONS", "--key", "CONS-0001", "--type", "consumption", "--max-activations", "3",
      "max_consumptions=10", "allow_overages=true", "max_overages=2");
    cli(data, "license", "create", "--product", "CONS", "--key", "CONS-MGR-0001", "--type", "consumption", "max_consumptions=10");
    cli(data, "version", "add", "--product", "CONS", "--version", "1.0.0", "--env", "win64", "--link", "https://dl.example.com/1.0.0.exe",
      "--md5", "0123456789abcdef0123456789abcdef", "--release-date", "2026-01-01T00:00:00Z", "--size", "1024", "--channel", "stable");
    cli(data, "version", "add", "--product", "CONS", "--version", "1.1.0", "--env", "win64", "--link", "https://dl.example.com/1.1.0.exe",
      "--release-date", "2026-02-01T00:00:00Z", "--requires", "1.0.0", "--eula", "https://example.com/eula", "--channel", "stable");
    cli(data, "version", "add", "--product", "CONS", "--version", "1.0.0-mac", "--env", "mac", "--link", "https://dl.example.com/mac.dmg",
      "--release-date", "2026-03-01T00:00:00Z");
    cli(data, "product", "create", "--code", "FLT", "--name", "Floating product");
    cli(data, "feature", "create", "--product", "FLT", "--code", "seat", "--floating-cloud", "--floating-users", "1", "--floating-timeout", "30");
    cli(data, "license", "create", "--product", "FLT", "--key", "FLT-0001", "--max-activations", "5",
      "is_floating_cloud=true", "floating_users=1", "floating_timeout=30", "can_borrow=true", "max_borrow_time=24");
    cli(data, "license", "create", "--product", "FLT", "--key", "FLT-NOBORROW", "is_floating_cloud=true", "floating_users=1", "floating_timeout=30");
    cli(data, "product", "create", "--code", "FLU", "--name", "Floating user product", "--auth", "user");
    cli(data, "feature", "create", "--product", "FLU", "--code", "seat", "--floating-cloud", "--floating-users", "1", "--floating-timeout", "30");
    const userLicense = cli(data, "license", "create", "--product", "FLU", "--customer", "c@example.com", "is_floating_cloud=true",
      "floating_users=1", "floating_timeout=30", "can_borrow=true", "max_borrow_time=24").id;
    userPassword = cli(data, "user", "create", "--license", String(userLicense), "--email", "ann@example.com").initial_password;
    server = await startLicensor(data, await freePort());
    client = new esm.LicensorClient({
      baseUrl: server.url, apiKey: init.api_key, sharedKey: init.shared_key, publicKey: init.public_key_pem, sleep: async () => {},
    });
    await client.activateLicense(CONS);
  });

  after(async () => {
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("add_consumption: counted up to the limit, then license_not_enough_consumptions", async () => {
    const r = await client.addConsumption(CONS, 4);
    assert.deepEqual([r.totalConsumptions, r.maxConsumptions, r.allowOverages, r.maxOverages], [4, 10, true, 2]);
    assert.equal((await client.checkLicense(CONS)).raw.total_consumptions, 4);
    assert.equal((await client.addConsumption(CONS, 6)).totalConsumptions, 10);
    // The client's overage settings can only narrow the license's (2 overages here).
    const err = await rejection(() => client.addConsumption(CONS, 1, { allowOverages: false }));
    assert.ok(err instanceof esm.LicensorApiError, String(err));
    assert.deepEqual([err.status, err.code], [400, "license_not_enough_consumptions"]);
    assert.equal((await client.checkLicense(CONS)).raw.total_consumptions, 10, "the refused unit was not counted");
    assert.equal((await rejection(() => client.addConsumption(CONS, 2, { maxOverages: 1 }))).code, "license_not_enough_consumptions");
    const over = await client.addConsumption(CONS, 2);
    assert.deepEqual([over.totalConsumptions, over.allowOverages, over.maxOverages], [12, true, 2]); // inclusive limit
    assert.equal((await rejection(() => client.addConsumption(CONS, 1))).code, "license_not_enough_consumptions");
  });

  it("add_feature_consumption: counted, then feature_not_enough_consumptions", async () => {
    const r = await client.addFeatureConsumption(CONS, "credits", 5);
    assert.deepEqual([r.totalConsumptions, r.maxConsumptions, r.isFloatingCloud], [5, 5, false]);
    const credits = (await client.checkLicense(CONS)).features.find((f) => f.code === "credits");
    assert.equal(credits.totalConsumptions, 5);
    const err = await rejection(() => client.addFeatureConsumption(CONS, "credits", 1));
    assert.deepEqual([err.status, err.code], [400, "feature_not_enough_consumptions"]);
    assert.equal((await rejection(() => client.addFeatureConsumption(CONS, "nope", 1))).code, "unsupported_product_feature");
  });

  it("device variables: track, then get them back", async () => {
    const tracked = await client.trackDeviceVariables(CONS, { os: "linux", seats: 3, beta: true });
    assert.deepEqual(tracked.map((v) => [v.variable, v.value]).sort(), [["beta", "true"], ["os", "linux"], ["seats", "3"]]);
    await client.trackDeviceVariables(CONS, { os: "windows" });
    const got = await client.getDeviceVariables(CONS);
    assert.deepEqual(got.map((v) => [v.variable, v.value]).sort(), [["beta", "true"], ["os", "windows"], ["seats", "3"]]);
    for (const v of got) {
      assert.equal(typeof v.id, "number");
      assert.equal(typeof v.deviceId, "number");
      assert.ok(!Number.isNaN(Date.parse(v.createdAt)), v.createdAt);
    }
    const other = await rejection(() => client.getDeviceVariables({ ...CONS, hardwareId: "hw-never-activated" }));
    assert.ok(other instanceof esm.LicensorApiError);
  });

  it("versions and installation_file, filtered by env and channel", async () => {
    const all = await client.versions(CONS, { env: "win64" });
    assert.deepEqual(all.map((v) => v.version).sort(), ["1.0.0", "1.1.0"]);
    assert.equal(all.find((v) => v.version === "1.0.0").releaseDate, "2026-01-01T00:00:00.000Z");
    assert.deepEqual((await client.versions(CONS, { env: "mac" })).map((v) => v.version), ["1.0.0-mac"]);
    const latest = await client.installationFile(CONS, { env: "win64", channel: "stable" });
    assert.deepEqual(
      [latest.version, latest.installationFile, latest.requiresVersion, latest.eulaLink, latest.environment, latest.channel],
      ["1.1.0", "https://dl.example.com/1.1.0.exe", "1.0.0", "https://example.com/eula", "win64", "stable"],
    );
    const first = await client.installationFile(CONS, { env: "win64", version: "1.0.0" });
    assert.deepEqual([first.hashMd5, first.size, first.releaseDate], ["0123456789abcdef0123456789abcdef", "1024", "2026-01-01T00:00:00.000Z"]);
    assert.equal((await rejection(() => client.installationFile(CONS, { version: "9.9.9" }))).code, "version_not_found");
    const inactive = await rejection(() => client.versions({ ...CONS, hardwareId: "hw-never-activated" }));
    assert.ok(inactive instanceof esm.LicensorApiError);
  });

  it("floating seats: one user, release frees it, borrow keeps it", async () => {
    await client.activateLicense(FLT_A);
    const taken = await rejection(() => client.activateLicense(FLT_B));
    assert.equal(taken.code, "no_available_floating_slots");
    await client.floatingRelease(FLT_A);
    assert.equal((await client.activateLicense(FLT_B)).active, true, "B takes the seat A released");
    assert.equal((await rejection(() => client.checkLicense(FLT_A))).code, "no_available_floating_slots");
    const until = new Date(Date.now() + 3600_000);
    until.setMilliseconds(0);
    const b = await client.floatingBorrow(FLT_B, until);
    assert.deepEqual([b.borrowedUntil, b.maxBorrowTime, typeof b.licenseId, typeof b.deviceId], [until.toISOString(), 24, "number", "number"]);
    const longest = await client.floatingBorrow(FLT_B, null);
    assert.ok(Date.parse(longest.borrowedUntil) > Date.now() + 23 * 3600_000, longest.borrowedUntil);
    const late = await rejection(() => client.floatingBorrow(FLT_B, new Date(Date.now() + 48 * 3600_000)));
    assert.equal(late.code, "borrow_until_not_valid");
    const noBorrow = key("FLT-NOBORROW", "hw-nb", "FLT");
    await client.activateLicense(noBorrow);
    assert.equal((await rejection(() => client.floatingBorrow(noBorrow))).code, "borrowing_not_allowed");
    await client.floatingRelease(FLT_B); // a borrowed seat too
    assert.equal((await client.checkLicense(FLT_A)).active, true);
    await client.floatingRelease(FLT_A);
  });

  it("floating feature seats: check_license_feature takes one, feature_release frees it, feature_borrow", async () => {
    await client.checkLicenseFeature(FLT_A, "seat");
    const taken = await rejection(() => client.checkLicenseFeature(FLT_B, "seat"));
    assert.equal(taken.code, "no_available_floating_slots");
    await client.floatingFeatureRelease(FLT_A, "seat");
    const b = await client.floatingFeatureBorrow(FLT_B, "seat");
    assert.equal(b.maxBorrowTime, 24);
    assert.ok(Date.parse(b.borrowedUntil) > Date.now());
    assert.equal((await rejection(() => client.checkLicenseFeature(FLT_A, "seat"))).code, "no_available_floating_slots");
    await client.floatingFeatureRelease(FLT_B, "seat");
    assert.equal((await client.checkLicenseFeature(FLT_A, "seat")).code, "seat");
    await client.floatingFeatureRelease(FLT_A, "seat");
  });

  it("floating borrow for a license user: the password is required, for the license and for a feature", async () => {
    const ann = { product: "FLU", hardwareId: "hw-ann", username: "ann@example.com", password: userPassword };
    await client.activateLicense(ann);
    const b = await client.floatingBorrow(ann);
    assert.equal(b.maxBorrowTime, 24);
    assert.equal((await client.floatingFeatureBorrow(ann, "seat")).maxBorrowTime, 24);
    const wrong = { ...ann, password: "not the password" };
    assert.equal((await rejection(() => client.floatingBorrow(wrong))).code, "user_not_found");
    assert.equal((await rejection(() => client.floatingFeatureBorrow(wrong, "seat"))).code, "user_not_found");
    await client.floatingFeatureRelease(ann, "seat");
    await client.floatingRelease(ann);
  });

  it("the manager's keep-alive: A holds the seat, B is refused, A stops (release), B gets it", async () => {
    const mk = (hw) => new esm.LicenseManager({ client, product: "FLT", hardwareId: hw, licenseFile: join(tmp, hw, "license.json") });
    const a = mk("hw-ka");
    const b = mk("hw-kb");
    await a.activate("FLT-0001");
    const timer = fakeTimer();
    const checks = [];
    const errors = [];
    const keepAlive = await a.startFloating({ timer, onCheck: (s) => checks.push(s), onError: (e) => errors.push(e) });
    assert.equal(keepAlive.intervalMs, 15 * 60_000, "half of floating_timeout 30 minutes");
    assert.deepEqual(timer.delays(), [15 * 60_000]);
    assert.equal((await rejection(() => b.activate("FLT-0001"))).code, "no_available_floating_slots");
    await timer.fire(); // the interval passes: A renews its seat
    assert.equal(checks.length, 1);
    assert.equal(checks[0].license.active, true);
    assert.deepEqual(errors, []);
    assert.equal(timer.pending(), 1, "the next check is scheduled");
    await keepAlive.stop();
    assert.equal(timer.pending(), 0);
    assert.equal(keepAlive.running, false);
    assert.equal((await b.activate("FLT-0001")).active, true);
    // A's keep-alive now reports that the seat is gone, were it still running.
    await client.floatingRelease({ product: "FLT", hardwareId: "hw-kb", licenseKey: "FLT-0001" });
  });

  it("the manager's local consumption: synced on check, a refusal keeps the units", async () => {
    const m = new esm.LicenseManager({ client, product: "CONS", hardwareId: "hw-cm", licenseFile: join(tmp, "cm", "license.json") });
    await m.activate("CONS-MGR-0001");
    m.addLocalConsumption(3);
    m.addLocalConsumption(4);
    m.addLocalFeatureConsumption("credits", 2);
    assert.deepEqual(m.pendingConsumption(), { consumptions: 7, features: { credits: 2 } });
    const s = await m.check();
    assert.equal(s.consumptionError, undefined);
    assert.equal(s.license.raw.total_consumptions, 7);
    assert.equal(s.license.features.find((f) => f.code === "credits").totalConsumptions, 2);
    assert.deepEqual(m.pendingConsumption(), { consumptions: 0, features: {} });
    m.addLocalConsumption(5); // 12 > 10
    m.addLocalFeatureConsumption("credits", 1);
    const err = await rejection(() => m.syncConsumption());
    assert.equal(err.code, "license_not_enough_consumptions");
    assert.deepEqual(m.pendingConsumption(), { consumptions: 5, features: {} }, "the feature units went through; the refused ones stay");
    const refused = await m.check();
    assert.equal(refused.consumptionError.code, "license_not_enough_consumptions");
    assert.equal(refused.license.raw.total_consumptions, 7);
    assert.equal(refused.license.features.find((f) => f.code === "credits").totalConsumptions, 3);
    assert.deepEqual(m.discardLocalConsumption(), { consumptions: 5, features: {} });
    m.addLocalConsumption(3);
    assert.equal((await m.syncConsumption()).license.totalConsumptions, 10);
  });
});
