// Every vector of ../conformance/vectors.json through the real code paths (DESIGN.md
// "Conformance"), for the ESM and the CommonJS entry point.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { flavors, rejection, vectors } from "./helpers.mjs";

const pem = vectors.public_key_pem;
const b64 = (s) => Buffer.from(s, "base64");

/** A client whose fetch answers with `answer` and records the requests. */
function stubClient(mod, answer, over = {}) {
  const calls = [];
  const client = new mod.LicensorClient({
    baseUrl: "https://licensing.example.com",
    apiKey: "k",
    sharedKey: "s",
    publicKey: pem,
    maxRetries: 0,
    sleep: async () => {},
    fetch: async (url, init) => {
      calls.push({ url: String(url), init });
      const { status = 200, body = "", headers = {} } = answer;
      return new Response(body, { status, headers });
    },
    ...over,
  });
  return { client, calls };
}

for (const [flavor, mod] of flavors) {
  describe(`conformance (${flavor})`, () => {
    for (const v of vectors.request_signing) {
      it(`request_signing: ${v.name}`, async () => {
        assert.equal(mod.signingString(v.date), v.signing_string);
        const signed = mod.signRequest(v.api_key, v.shared_key, v.date);
        assert.equal(signed.date, v.date);
        assert.equal(signed.authorization, v.authorization);
        assert.ok(signed.authorization.includes(`signature="${v.signature}"`));
        // Through the client: the Date header comes from its clock, formatted as IMF-fixdate.
        const { client, calls } = stubClient(
          mod,
          { status: 400, body: '{"status":400,"code":"x","message":"y"}' },
          { apiKey: v.api_key, sharedKey: v.shared_key, now: () => new Date(Date.parse(v.date)) },
        );
        await rejection(() => client.deviceLicenses("hw"));
        assert.equal(calls[0].init.headers.Date, v.date);
        assert.equal(calls[0].init.headers.Authorization, v.authorization);
      });
    }

    for (const v of vectors.v2) {
      it(`v2: ${v.name} (${v.valid ? "valid" : "invalid"})`, async () => {
        const body = b64(v.body_base64);
        const header = v.header === "" ? null : v.header;
        if (v.valid) {
          mod.verifyBodySignature(body, header, pem);
        } else {
          assert.throws(() => mod.verifyBodySignature(body, header, pem), mod.LicensorSignatureError);
        }
        // Through the client: a 200 carrying these bytes and this header.
        const headers = header === null ? {} : { LicenseSignature: header };
        const { client } = stubClient(mod, { body, headers });
        const err = await client.productDetails({ product: "P" }).then(() => null, (e) => e);
        if (v.valid) {
          assert.ok(!(err instanceof mod.LicensorSignatureError), `unexpected ${err}`);
        } else {
          assert.ok(err instanceof mod.LicensorSignatureError, `expected a signature error, got ${err}`);
          assert.ok(err instanceof mod.LicensorError);
          assert.equal(typeof err.reason, "string");
        }
      });
    }

    for (const v of vectors.v1) {
      it(`v1: ${v.name} (${v.valid ? "valid" : "invalid"})`, () => {
        const lic = { validity_period: v.validity_period, license_signature: v.signature };
        const run = () => mod.verifyLicenseSignature(lic, v.hardware_id, v.identity, pem);
        if (v.valid) run();
        else assert.throws(run, mod.LicensorSignatureError);
      });
    }

    for (const v of vectors.responses) {
      it(`responses: ${v.name} (${v.valid ? "valid" : "invalid"})`, async () => {
        const body = b64(v.body_base64);
        const isBundle = Array.isArray(JSON.parse(body.toString("utf8")));
        const identity = {
          product: v.request.product,
          hardwareId: v.request.hardware_id,
          licenseKey: v.request.license_key,
          username: v.request.username,
          password: v.request.username ? "secret" : undefined,
        };
        const calls = isBundle
          ? [(c) => c.activateBundle(identity), (c) => c.checkBundle(identity)]
          : [(c) => c.activateLicense(identity), (c) => c.checkLicense(identity)];
        for (const call of calls) {
          const { client } = stubClient(mod, { body, headers: { LicenseSignature: v.header } });
          if (v.valid) {
            const got = await call(client);
            const list = isBundle ? got : [got];
            assert.ok(list.length > 0);
            for (const lic of list) {
              assert.equal(typeof lic.id, "number");
              assert.equal(typeof lic.raw, "object");
            }
          } else {
            const err = await rejection(() => call(client));
            assert.ok(err instanceof mod.LicensorSignatureError, `expected a signature error, got ${err} (${v.why})`);
          }
        }
      });
    }

    for (const v of vectors.errors) {
      it(`errors: ${v.name}`, async () => {
        const { client, calls } = stubClient(mod, { status: v.status, body: v.body, headers: v.headers ?? {} });
        const err = await rejection(() => client.checkLicense({ product: "P", hardwareId: "h", licenseKey: "K" }));
        assert.ok(err instanceof mod.LicensorApiError, `got ${err}`);
        assert.ok(err instanceof mod.LicensorError);
        assert.equal(err.status, v.status);
        assert.equal(err.code, v.code);
        assert.equal(err.message, v.message);
        assert.equal(err.retryAfter, v.retry_after_seconds ?? null);
        assert.equal(err.retryable, v.retryable);
        assert.equal(calls.length, 1);
        // With one retry allowed, exactly the retryable ones are sent again.
        const again = stubClient(mod, { status: v.status, body: v.body, headers: v.headers ?? {} }, { maxRetries: 1 });
        await rejection(() => again.client.checkLicense({ product: "P", hardwareId: "h", licenseKey: "K" }));
        assert.equal(again.calls.length, v.retryable ? 2 : 1);
      });
    }
  });
}
