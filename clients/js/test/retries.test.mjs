// LicensorClient's retries (DESIGN.md "Retries") and per-attempt timeouts, against local
// node:http servers, with recorded (instant) waits.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { closedPort, flavors, license, rejection, sendError, sendSigned, startServer, testClient } from "./helpers.mjs";

const KEY_ID = { product: "DESKTOP", hardwareId: "Machine-1", licenseKey: "ABCD-1234" };

for (const [flavor, mod] of flavors) {
  describe(`LicensorClient retries and timeouts (${flavor})`, () => {
    describe("retries", () => {
      it("429 and 503 are retried after Retry-After, for every call", async () => {
        let n = 0;
        const srv = await startServer((req, res, rec) => {
          n++;
          if (n === 1) return sendError(res, 429, "too_many_requests", "slow down", { "Retry-After": "2" });
          if (n === 2) return sendError(res, 503, "server_busy", "busy", { "Retry-After": "1" });
          sendSigned(res, "license_deactivated");
        });
        try {
          const { client, sleeps } = testClient(mod, srv.url);
          await client.deactivateLicense(KEY_ID);
          assert.equal(srv.requests.length, 3);
          assert.deepEqual(sleeps, [2000, 1000]);
          // Each attempt is signed afresh.
          assert.ok(srv.requests.every((r) => r.headers.authorization && r.headers.date));
        } finally {
          await srv.close();
        }
      });

      it("backs off 0.5 s × 2ⁿ ±20 % without Retry-After, then returns the last error", async () => {
        const srv = await startServer((req, res) => sendError(res, 503, "server_busy", "busy"));
        try {
          const { client, sleeps } = testClient(mod, srv.url, { maxRetries: 3 });
          const err = await rejection(() => client.productDetails({ product: "P" }));
          assert.ok(err instanceof mod.LicensorApiError);
          assert.equal(err.code, "server_busy");
          assert.equal(err.retryAfter, null);
          assert.equal(srv.requests.length, 4);
          assert.equal(sleeps.length, 3);
          sleeps.forEach((ms, i) => {
            assert.ok(ms >= 500 * 2 ** i * 0.8 && ms <= 500 * 2 ** i * 1.2, `wait ${i}: ${ms}`);
          });
        } finally {
          await srv.close();
        }
      });

      it("a Retry-After over 30 s is not waited for", async () => {
        const srv = await startServer((req, res) => sendError(res, 429, "too_many_requests", "later", { "Retry-After": "600" }));
        try {
          const { client, sleeps } = testClient(mod, srv.url);
          const err = await rejection(() => client.checkLicense(KEY_ID));
          assert.equal(err.retryAfter, 600);
          assert.equal(srv.requests.length, 1);
          assert.deepEqual(sleeps, []);
        } finally {
          await srv.close();
        }
      });

      it("other errors are not retried", async () => {
        const srv = await startServer((req, res) => sendError(res, 400, "license_not_found", "no"));
        try {
          const { client } = testClient(mod, srv.url);
          const err = await rejection(() => client.activateLicense(KEY_ID));
          assert.equal(err.code, "license_not_found");
          assert.equal(srv.requests.length, 1);
        } finally {
          await srv.close();
        }
      });

      it("network errors: GET and activate are retried", async () => {
        let n = 0;
        const srv = await startServer((req, res, rec) => {
          if (++n <= 2) return req.socket.destroy();
          const id = rec.body ?? rec.query;
          sendSigned(res, license({ hardwareId: id.hardware_id, identity: id.license_key }));
        });
        try {
          const { client, sleeps } = testClient(mod, srv.url);
          await client.checkLicense(KEY_ID);
          assert.equal(n, 3);
          assert.equal(sleeps.length, 2);
          n = 0;
          await client.activateLicense(KEY_ID);
          assert.equal(n, 3);
        } finally {
          await srv.close();
        }
      });

      it("network errors: deactivate and change_password are not retried", async () => {
        const srv = await startServer((req) => req.socket.destroy());
        try {
          const { client, sleeps } = testClient(mod, srv.url);
          for (const call of [
            () => client.deactivateLicense(KEY_ID),
            () => client.deactivateBundle(KEY_ID),
            () => client.changePassword({ username: "u", password: "p", newPassword: "n" }),
          ]) {
            const before = srv.requests.length;
            const err = await rejection(call);
            assert.ok(err instanceof mod.LicensorNetworkError, String(err));
            assert.equal(srv.requests.length - before, 1);
          }
          assert.deepEqual(sleeps, []);
        } finally {
          await srv.close();
        }
      });

      it("connection refused is a network error with its cause, after the retries", async () => {
        const port = await closedPort();
        const { client, sleeps } = testClient(mod, `http://127.0.0.1:${port}`, { maxRetries: 2 });
        const err = await rejection(() => client.checkLicense(KEY_ID));
        assert.ok(err instanceof mod.LicensorNetworkError);
        assert.ok(err instanceof mod.LicensorError);
        assert.ok(err.cause);
        assert.match(err.message, /ECONNREFUSED/);
        assert.equal(sleeps.length, 2);
      });
    });

    describe("timeouts", () => {
      it("an attempt without an answer times out, and is retried if idempotent", async () => {
        const srv = await startServer(() => {}); // never answers
        try {
          const { client } = testClient(mod, srv.url, { timeoutMs: 150, maxRetries: 1 });
          const t0 = Date.now();
          const err = await rejection(() => client.checkLicense(KEY_ID));
          assert.ok(err instanceof mod.LicensorNetworkError);
          assert.match(err.message, /150 ms/);
          assert.equal(srv.requests.length, 2);
          assert.ok(Date.now() - t0 < 2000);
          const err2 = await rejection(() => client.deactivateLicense(KEY_ID));
          assert.ok(err2 instanceof mod.LicensorNetworkError);
          assert.equal(srv.requests.length, 3);
        } finally {
          await srv.close();
        }
      });

      it("the timeout covers reading the body", async () => {
        const srv = await startServer((req, res) => {
          res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "100" });
          res.write("{");
        });
        try {
          const { client } = testClient(mod, srv.url, { timeoutMs: 150, maxRetries: 0 });
          const err = await rejection(() => client.productDetails({ product: "P" }));
          assert.ok(err instanceof mod.LicensorNetworkError, String(err));
        } finally {
          await srv.close();
        }
      });
    });
  });
}
