// Every vector of ../conformance/vectors.json through the real code paths (DESIGN.md
// "Conformance"), for the ESM and the CommonJS entry point.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

// Offline files (license-api.md §2.4, §2.5, §3.3, §5.5): the serializer and signatures of
// request files, and whole answer files through verifyOfflineAnswer and the manager.
const internals = [
  ["esm", await import("../dist/esm/offline.js")],
  ["cjs", createRequire(import.meta.url)("../dist/cjs/offline.js")],
];

for (const [[flavor, mod], [, offline]] of flavors.map((f, i) => [f, internals[i]])) {
  describe(`conformance: offline files (${flavor})`, () => {
    it("the vectors have both offline sections", () => {
      assert.ok(vectors.offline_requests?.length > 0 && vectors.offline_answers?.length > 0);
    });

    for (const v of vectors.offline_requests ?? []) {
      it(`offline_requests: ${v.name}`, () => {
        assert.equal(mod.offlineSigningString(v.date, v.identity, v.hardware_id, v.key_id), v.signing_string);
        assert.equal(mod.offlineSignature(v.key, v.date, v.identity, v.hardware_id, v.key_id), v.signature);
        // The file: the inner text embedded byte for byte, and the HMAC over exactly it.
        const outer = Buffer.from(mod.wrapOfflineRequest(v.request_json, v.key), "base64").toString("utf8");
        assert.equal(outer, `{"request":${v.request_json},"signature":"${v.v2_signature}"}`);
        // The serializer writes the same bytes from the same fields.
        const r = JSON.parse(v.request_json);
        const rebuilt = offline.offlineRequestJson({
          kind: r.request, requestId: r.request_id, date: r.date,
          credential: { keyId: r.api_key ?? r.client_id, key: v.key, oauth: r.client_id !== undefined },
          product: r.product, hardwareId: r.hardware_id, licenseKey: r.license_key, username: r.username, password: r.password,
          licenseId: r.license_id, bundleCode: r.bundle_code, variables: r.variables,
          telemetry: { os_ver: r.os_ver, hostname: r.hostname, sdk_ver: r.sdk_ver, app_ver: r.app_ver, app_name: r.app_name },
          consumptions: r.consumptions, productFeatures: r.product_features,
        });
        assert.equal(rebuilt, v.request_json);
      });
    }

    for (const v of vectors.offline_answers ?? []) {
      it(`offline_answers: ${v.name} (${v.valid ? "valid" : "invalid"})`, async () => {
        const expect = { credential: { keyId: v.key_id, key: v.key }, hardwareId: v.hardware_id, product: v.product, publicKey: pem };
        const run = () => mod.verifyOfflineAnswer(v.file, expect);
        if (v.valid) {
          const answer = run();
          assert.equal(answer.raw.hardware_id, v.hardware_id);
          assert.equal(answer.license.productShortCode, v.product);
        } else {
          assert.throws(run, mod.LicensorSignatureError, v.why);
        }
        // Through the manager: loaded and stored, then the local check passes; or license_file_invalid.
        const dir = mkdtempSync(join(tmpdir(), "licensor-js-conf-"));
        try {
          writeFileSync(join(dir, "answer.lic"), v.file);
          const client = new mod.LicensorClient({ baseUrl: "https://licensing.example.com", apiKey: v.key_id, sharedKey: v.key, publicKey: pem });
          const m = new mod.LicenseManager({
            client, product: v.product, hardwareId: v.hardware_id, licenseFile: join(dir, "license.json"),
            now: () => new Date("2026-12-04T00:00:00Z"),
          });
          if (v.valid) {
            await m.loadOfflineAnswer(join(dir, "answer.lic"));
            assert.equal((await m.localCheck()).offline, true);
          } else {
            assert.equal((await rejection(() => m.loadOfflineAnswer(join(dir, "answer.lic")))).code, "license_file_invalid");
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
}
