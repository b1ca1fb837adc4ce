// OAuth client credentials against a local server standing in for licensor's oauth_url, token
// endpoint and API, with an injected clock: discovery, the token request, Bearer, caching until
// shortly before expiry, renewal on oauth_token_expired/malformed, and the token endpoint's
// errors. A local server is needed here for what the real one cannot be made to do on demand
// (expire a token early, fail its token endpoint, answer without a signature); the real one is
// in e2e-oauth-offline.test.mjs.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { flavors, keys, rejection, sendError, sendSigned, startServer } from "./helpers.mjs";

const T0 = Date.parse("2026-12-03T17:00:00.000Z");
const CREDS = { clientId: "lsc_client", clientSecret: "s3cret/+=" };

for (const [flavor, mod] of flavors) {
  describe(`OAuth mode (${flavor})`, () => {
    let srv;
    let clock;
    let issued; // tokens handed out, in order
    let tokenAnswer; // (res, rec) => void | undefined for the default
    let apiAnswer; // (res, rec) => void | undefined for the default
    let oauthUrlAnswer;
    const paths = () => srv.requests.map((r) => r.path);
    before(async () => {
      srv = await startServer((req, res, rec) => {
        if (rec.path === "/api/v4/oauth_url") return oauthUrlAnswer(res, rec);
        if (rec.path === "/token") {
          if (tokenAnswer) return tokenAnswer(res, rec);
          const token = `tok-${issued.length + 1}`;
          issued.push(token);
          res.writeHead(200, { "Content-Type": "application/json" });
          return res.end(JSON.stringify({ access_token: token, expires_in: 480, token_type: "Bearer", refresh_expires_in: 0 }));
        }
        if (apiAnswer) return apiAnswer(res, rec);
        if (rec.endpoint === "deactivate_license") return sendSigned(res, "license_deactivated");
        sendSigned(res, { product_id: 1, short_code: "P" });
      });
    });
    after(() => srv.close());
    beforeEach(() => {
      srv.requests.length = 0;
      clock = T0;
      issued = [];
      tokenAnswer = undefined;
      apiAnswer = undefined;
      oauthUrlAnswer = (res) => sendSigned(res, { url: `${srv.url}/token`, login_type: "client_credentials" });
    });
    const client = (over = {}) => {
      const sleeps = [];
      const c = new mod.LicensorClient({
        baseUrl: srv.url, ...CREDS, publicKey: keys.publicKeyPem, now: () => new Date(clock),
        sleep: async (ms) => void sleeps.push(ms), ...over,
      });
      return Object.assign(c, { sleeps });
    };
    const details = (c) => c.productDetails({ product: "P" });

    it("a configuration gives one credential pair, whole", () => {
      const base = { baseUrl: "https://x", publicKey: keys.publicKeyPem };
      assert.throws(() => new mod.LicensorClient({ ...base, ...CREDS, apiKey: "a", sharedKey: "s" }), TypeError);
      assert.throws(() => new mod.LicensorClient({ ...base, clientId: "c" }), TypeError);
      assert.throws(() => new mod.LicensorClient({ ...base, clientSecret: "s" }), TypeError);
      assert.throws(() => new mod.LicensorClient({ ...base, ...CREDS, tokenUrl: "not a url" }), TypeError);
      assert.throws(() => new mod.LicensorClient(base), TypeError);
      new mod.LicensorClient({ ...base, ...CREDS });
    });

    it("finds the token endpoint with oauth_url, posts the form, then sends Bearer and Date; one token for many calls", async () => {
      const c = client();
      await details(c);
      await details(c);
      await c.deactivateLicense({ product: "P", hardwareId: "h", licenseKey: "K" });
      assert.deepEqual(paths(), ["/api/v4/oauth_url", "/token", "/api/v4/product_details", "/api/v4/product_details", "/api/v4/deactivate_license"]);
      const [discover, token, ...calls] = srv.requests;
      assert.equal(discover.headers.authorization, undefined);
      assert.equal(token.method, "POST");
      assert.equal(token.headers["content-type"], "application/x-www-form-urlencoded");
      assert.equal(token.headers.authorization, undefined);
      assert.deepEqual(Object.fromEntries(new URLSearchParams(token.text)),
        { grant_type: "client_credentials", client_id: "lsc_client", client_secret: "s3cret/+=" });
      for (const call of calls) {
        assert.equal(call.headers.authorization, "Bearer tok-1");
        assert.equal(call.headers.date, new Date(T0).toUTCString());
      }
    });

    it("a configured tokenUrl is used as is; concurrent calls share one token request", async () => {
      const c = client({ tokenUrl: `${srv.url}/token` });
      await Promise.all([details(c), details(c), details(c)]);
      assert.deepEqual(paths().filter((p) => !p.startsWith("/api/v4/product_details")), ["/token"]);
    });

    it("keeps the token until shortly before expires_in (by the injected clock)", async () => {
      const c = client();
      await details(c);
      clock = T0 + 449_999; // 480 s, replaced 30 s early
      await details(c);
      assert.equal(issued.length, 1);
      clock = T0 + 450_000;
      await details(c);
      assert.equal(issued.length, 2);
      assert.equal(srv.requests.at(-1).headers.authorization, "Bearer tok-2");
      // A short-lived token is replaced a tenth of its life early.
      tokenAnswer = (res) => {
        issued.push("short");
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ access_token: "short", expires_in: 100, token_type: "bearer" }));
      };
      const s = client();
      clock = T0;
      await details(s);
      clock = T0 + 89_999;
      await details(s);
      clock = T0 + 90_000;
      await details(s);
      assert.equal(issued.filter((t) => t === "short").length, 2);
    });

    it("401 oauth_token_expired or oauth_token_malformed: a new token and the call once more, even with no retries", async () => {
      for (const code of ["oauth_token_expired", "oauth_token_malformed"]) {
        srv.requests.length = 0;
        issued = [];
        apiAnswer = (res, rec) => (rec.headers.authorization === "Bearer tok-1" ? sendError(res, 401, code, "renew") : sendSigned(res, { short_code: "P" }));
        const c = client({ maxRetries: 0 });
        assert.equal((await details(c)).shortCode, "P");
        assert.deepEqual(paths(), ["/api/v4/oauth_url", "/token", "/api/v4/product_details", "/token", "/api/v4/product_details"]);
        assert.equal(srv.requests.at(-1).headers.authorization, "Bearer tok-2");
      }
      // Refused again with the new token: returned, not renewed a second time.
      srv.requests.length = 0;
      apiAnswer = (res) => sendError(res, 401, "oauth_token_expired", "still");
      const err = await rejection(() => details(client()));
      assert.deepEqual([err.status, err.code], [401, "oauth_token_expired"]);
      assert.equal(paths().filter((p) => p === "/token").length, 2);
      assert.equal(paths().filter((p) => p === "/api/v4/product_details").length, 2);
    });

    it("the token endpoint's errors: invalid_client, other RFC 6749 errors, bodies that are not an answer", async () => {
      tokenAnswer = (res) => {
        res.writeHead(401, { "Content-Type": "application/json", "WWW-Authenticate": 'Basic realm="licensor"' });
        res.end(JSON.stringify({ error: "invalid_client", error_description: "unknown client or wrong secret" }));
      };
      const c = client();
      let err = await rejection(() => details(c));
      assert.ok(err instanceof mod.LicensorApiError, String(err));
      assert.deepEqual([err.status, err.code, err.message, err.retryable], [401, "invalid_client", "unknown client or wrong secret", false]);
      assert.deepEqual(paths(), ["/api/v4/oauth_url", "/token"], "not retried, and no API call without a token");
      tokenAnswer = (res) => {
        res.writeHead(400, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: "unsupported_grant_type" }));
      };
      err = await rejection(() => details(client()));
      assert.deepEqual([err.status, err.code, err.message], [400, "unsupported_grant_type", "unsupported_grant_type"]);
      for (const [status, body] of [[500, "<html>oops</html>"], [200, '{"token_type":"Bearer"}'], [200, '{"access_token":"t","token_type":"mac"}'], [200, "not json"]]) {
        tokenAnswer = (res) => {
          res.writeHead(status, { "Content-Type": "application/json" });
          res.end(body);
        };
        err = await rejection(() => details(client({ maxRetries: 0 })));
        assert.deepEqual([err.status, err.code], [status, "unexpected_response"], body);
      }
    });

    it("a token endpoint that is busy or unreachable is retried, even before a call that is not idempotent", async () => {
      let n = 0;
      tokenAnswer = (res, rec) => {
        n++;
        if (n === 1) return res.socket.destroy();
        if (n === 2) return sendError(res, 503, "server_busy", "busy", { "Retry-After": "2" });
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ access_token: "late", expires_in: 480, token_type: "Bearer" }));
      };
      const c = client();
      await c.deactivateLicense({ product: "P", hardwareId: "h", licenseKey: "K" });
      assert.equal(n, 3);
      assert.equal(c.sleeps.length, 2);
      assert.equal(c.sleeps[1], 2000);
      assert.deepEqual(paths().filter((p) => p.startsWith("/api/v4/deactivate")), ["/api/v4/deactivate_license"]);
    });

    it("an oauth_url answer that is not signed is refused: the secret goes nowhere", async () => {
      oauthUrlAnswer = (res) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ url: "https://attacker.example/token" }));
      };
      const err = await rejection(() => details(client()));
      assert.ok(err instanceof mod.LicensorSignatureError, String(err));
      assert.deepEqual(paths(), ["/api/v4/oauth_url"]);
    });

    it("with an API key, a 401 token code is just an API error", async () => {
      apiAnswer = (res) => sendError(res, 401, "oauth_token_expired", "x");
      const c = new mod.LicensorClient({ baseUrl: srv.url, apiKey: "a", sharedKey: "s", publicKey: keys.publicKeyPem, maxRetries: 0 });
      assert.equal((await rejection(() => details(c))).code, "oauth_token_expired");
      assert.deepEqual(paths(), ["/api/v4/product_details"]);
    });
  });
}
