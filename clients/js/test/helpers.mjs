// Shared test helpers: both entry points of the package, a signing key, and a local
// node:http server that answers like licensor (signed bodies, v1 license signatures).
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);

/** The package through its "exports": the ESM and the CommonJS build. */
export const flavors = [
  ["esm", await import("@licensor/client")],
  ["cjs", require("@licensor/client")],
];

export const vectors = JSON.parse(readFileSync(new URL("../../conformance/vectors.json", import.meta.url), "utf8"));

export function makeKeys() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKey, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }) };
}

export const keys = makeKeys();
export const otherKeys = makeKeys();

export function signBytes(bytes, privateKey = keys.privateKey) {
  return sign("sha256", bytes, privateKey).toString("base64");
}

/** v1 over lower(hw#identity#validity), identity cut at "|". */
export function v1(hardwareId, identity, validity, privateKey = keys.privateKey) {
  const id = identity.split("|")[0];
  return signBytes(Buffer.from(`${hardwareId}#${id}#${validity ?? ""}`.toLowerCase()), privateKey);
}

/** A License object for (hardwareId, identity), v1-signed, with `over` merged in. */
export function license({ hardwareId, identity, privateKey = keys.privateKey, ...over }) {
  const lic = {
    id: 17,
    license_key: identity.includes("@") ? undefined : identity,
    license_type: "perpetual",
    is_trial: false,
    license_enabled: true,
    license_active: true,
    is_expired: false,
    start_date: null,
    validity_period: null,
    allow_grace_period: false,
    grace_period: 0,
    max_activations: 2,
    times_activated: 1,
    allow_unlimited_activations: false,
    product_features: [
      { id: 5, code: "export", name: "Export", feature_type: "activation", expiry_date: null, metadata: {} },
      { id: 6, code: "old", name: "Old", feature_type: "activation", expiry_date: "2020-01-01T00:00:00.000Z", metadata: {} },
      {
        id: 7, code: "credits", name: "Credits", feature_type: "consumption", expiry_date: null, metadata: { a: 1 },
        max_consumption: 100, total_consumptions: 3, allow_unlimited_consumptions: false, allow_overages: true, max_overages: 5,
      },
    ],
    custom_fields: [{ name: "seats", data_type: "number", value: "5" }],
    metadata: { tier: "pro" },
    product_details: { product_id: 3, product_name: "Desktop", short_code: "DESKTOP", authorization_method: "license-key" },
    ...over,
  };
  if (identity.includes("@") && lic.user === undefined) {
    lic.user = { id: 4, email: identity.split("|")[0].toLowerCase(), is_initial_password: true };
  }
  lic.license_signature = v1(hardwareId, identity, lic.validity_period, privateKey);
  return JSON.parse(JSON.stringify(lic));
}

/** Writes a signed JSON answer. */
export function sendSigned(res, value, { status = 200, privateKey = keys.privateKey, headers = {} } = {}) {
  const bytes = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { "Content-Type": "application/json", LicenseSignature: signBytes(bytes, privateKey), ...headers });
  res.end(bytes);
}

export function sendError(res, status, code, message = code, headers = {}) {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify({ status, code, message }));
}

/**
 * A local server; `handler(req, res, rec)` answers. Every request is recorded as
 * {method, endpoint, query, headers, body (parsed JSON bodies), text}.
 */
export async function startServer(handler) {
  const requests = [];
  const sockets = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url, "http://x");
      const text = Buffer.concat(chunks).toString("utf8");
      const rec = {
        method: req.method,
        path: url.pathname,
        endpoint: url.pathname.replace(/^\/api\/v4\//, ""),
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: text && /json/.test(req.headers["content-type"] ?? "") ? JSON.parse(text) : undefined,
        text,
      };
      requests.push(rec);
      handler(req, res, rec);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on. */
export async function closedPort() {
  const s = await startServer(() => {});
  await s.close();
  return s.port;
}

export function sha256hex(s) {
  return createHash("sha256").update(s).digest("hex");
}

/** A client for `url` with instant, recorded sleeps. */
export function testClient(mod, url, over = {}) {
  const sleeps = [];
  const client = new mod.LicensorClient({
    baseUrl: url,
    apiKey: "test-api-key",
    sharedKey: "test-shared-key",
    publicKey: keys.publicKeyPem,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...over,
  });
  return { client, sleeps };
}

/** Runs fn and returns what it threw (fails when it does not throw). */
export async function rejection(fn) {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}
