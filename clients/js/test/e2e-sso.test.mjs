// End to end SSO (license-api.md §5.18): licensor (LICENSOR_BIN) with a customer account whose
// OpenID Connect provider is licensor's stand-in provider on loopback (LICENSOR_OIDC_BIN,
// internal/oidctest: real discovery, JWKS, authorization and token endpoints; only the login page
// is left out, the user is named by login_hint). The client asks ssoUrl, the test plays the
// browser, and the client activates and borrows with the id_token or the code.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { BIN, cli, freePort, startLicensor } from "./e2e-helpers.mjs";
import { flavors } from "./helpers.mjs";

const [[, esm]] = flavors;
const CLIENT_ID = "licensor-app";
const REDIRECT = "myapp://sso";

/** The stand-in provider: it prints its issuer URL and serves until its stdin closes. */
async function startProvider() {
  const bin = process.env.LICENSOR_OIDC_BIN;
  assert.ok(bin, "LICENSOR_OIDC_BIN is not set: build ./internal/oidctest/standin (test.sh does)");
  const child = spawn(bin, [], { stdio: ["pipe", "pipe", "inherit"] });
  const [url] = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", (line) => resolve([line.trim()]));
    child.once("error", reject);
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  return { url, stop: () => new Promise((resolve) => { child.once("exit", resolve); child.stdin.end(); }) };
}

describe("e2e: SSO through a customer account's OpenID provider", () => {
  const tmp = mkdtempSync(join(tmpdir(), "licensor-js-e2e-sso-"));
  const data = join(tmp, "data");
  let server;
  let idp;
  let init;
  let seatsId;
  const client = () => new esm.LicensorClient({
    baseUrl: server.url, apiKey: init.api_key, sharedKey: init.shared_key, publicKey: init.public_key_pem, maxRetries: 0,
  });

  /** ssoUrl, then the provider's authorization endpoint as the user's browser: the redirect's
   * parameters (code, or id_token in the fragment). */
  async function signIn(c, responseType, email) {
    const answer = await c.ssoUrl({ product: "TEAM", customerAccountCode: "ACME", responseType, redirectUri: REDIRECT });
    assert.equal(answer.openidConfiguration.issuer, idp.url);
    assert.ok(answer.url.startsWith(`${idp.url}/authorize?`), answer.url);
    const browser = await fetch(`${answer.url}&login_hint=${encodeURIComponent(email)}`, { redirect: "manual" });
    assert.equal(browser.status, 302);
    const back = new URL(browser.headers.get("location"));
    assert.equal(`${back.protocol}//${back.host}`, REDIRECT);
    return new URLSearchParams(back.hash ? back.hash.slice(1) : back.search);
  }

  before(async () => {
    assert.ok(BIN, "LICENSOR_BIN is not set: point it at a licensor binary (test.sh builds one)");
    idp = await startProvider();
    init = cli(data, "init");
    cli(data, "product", "create", "--code", "TEAM", "--name", "Team", "--auth", "user");
    cli(data, "customer-account", "create", "--code", "ACME", "--name", "Acme Corp", `sso_issuer=${idp.url}`, `sso_client_id=${CLIENT_ID}`);
    cli(data, "customer", "create", "--email", "buyer@acme.example", "--customer-account", "ACME");
    const team = cli(data, "license", "create", "--product", "TEAM", "--customer", "buyer@acme.example", "--max-activations", "5").id;
    cli(data, "user", "create", "--license", String(team), "--email", "ann@acme.example");
    seatsId = cli(data, "license", "create", "--product", "TEAM", "--customer", "buyer@acme.example", "is_floating_cloud=true",
      "floating_users=1", "can_borrow=true", "max_borrow_time=24").id;
    cli(data, "user", "create", "--license", String(seatsId), "--email", "dan@acme.example");
    server = await startLicensor(data, await freePort());
  });

  after(async () => {
    await server?.stop();
    await idp?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("activates with the implicit grant's id_token; the user is then known by username", async () => {
    const c = client();
    const got = await signIn(c, "token", "ann@acme.example");
    const lic = await c.activateLicense({ product: "TEAM", hardwareId: "hw-sso-1", customerAccountCode: "ACME", idToken: got.get("id_token") });
    // The client checked license_signature with the answer's user.email (§3.1).
    assert.equal(lic.user.email, "ann@acme.example");
    assert.equal(lic.active, true);
    const again = await c.checkLicense({ product: "TEAM", hardwareId: "hw-sso-1", username: "ann@acme.example" });
    assert.equal(again.active, true);
  });

  it("activates with an authorization code, good once", async () => {
    const c = client();
    const got = await signIn(c, "code", "ann@acme.example");
    const sso = { product: "TEAM", hardwareId: "hw-sso-2", customerAccountCode: "ACME", code: got.get("code"), redirectUri: REDIRECT };
    assert.equal((await c.activateLicense(sso)).user.email, "ann@acme.example");
    await assert.rejects(c.activateLicense({ ...sso, hardwareId: "hw-sso-3" }), { status: 401, code: "sso_token_invalid" });
  });

  it("borrows a floating seat signed in with SSO", async () => {
    const c = client();
    const got = await signIn(c, "token", "dan@acme.example");
    const sso = { product: "TEAM", hardwareId: "hw-sso-9", customerAccountCode: "ACME", idToken: got.get("id_token") };
    assert.equal((await c.activateLicense(sso)).id, seatsId);
    const borrowed = await c.floatingBorrow(sso);
    assert.equal(borrowed.licenseId, seatsId);
    assert.ok(borrowed.borrowedUntil);
  });

  it("refuses a token the provider did not issue, and an unknown account", async () => {
    const c = client();
    await assert.rejects(c.activateLicense({ product: "TEAM", hardwareId: "hw-x", customerAccountCode: "ACME", idToken: "not.a.token" }),
      { status: 401, code: "sso_token_invalid" });
    await assert.rejects(c.activateLicense({ product: "TEAM", hardwareId: "hw-x", customerAccountCode: "NOPE", idToken: "not.a.token" }),
      { status: 400, code: "customer_account_not_found" });
    await assert.rejects(c.ssoUrl({ product: "TEAM", customerAccountCode: "NOPE", redirectUri: REDIRECT }), { code: "customer_account_not_found" });
  });
});
