/**
 * Offline files (license-api.md §2.4, §2.5, §3.3, §5.5): the request file an application
 * writes when it cannot reach the server, and the answer file it loads and verifies with no
 * network.
 */
import { createHmac, timingSafeEqual, type KeyObject } from "node:crypto";
import { isObject, toLicense } from "./decode.js";
import { readFile } from "node:fs/promises";
import { LicensorSignatureError, LocalLicenseError } from "./errors.js";
import { parseJson } from "./http.js";
import { decodeBase64, loadPublicKey, verifyBodySignature, verifyLicenseSignature } from "./signing.js";
import type { OfflineCredential, Params } from "./transport.js";
import type { StoredRequest } from "./licenseFile.js";
import type { JsonObject, License } from "./types.js";

/** `licenseSpring\ndate: DATE\nIDENTITY\nHARDWARE_ID\nKEY_ID` (§2.4, §3.3). */
export function offlineSigningString(date: string, identity: string, hardwareId: string, keyId: string): string {
  return `licenseSpring\ndate: ${date}\n${identity}\n${hardwareId}\n${keyId}`;
}

const hmac = (key: string, text: string) => createHmac("sha256", Buffer.from(key, "utf8")).update(text, "utf8").digest("base64");

/** The §2.4 / §3.3 HMAC: base64 HMAC-SHA256(shared key or client secret, the signing string). */
export function offlineSignature(key: string, date: string, identity: string, hardwareId: string, keyId: string): string {
  return hmac(key, offlineSigningString(date, identity, hardwareId, keyId));
}

/**
 * The request file's text (§2.5): base64 of `{"request": <requestJson>, "signature": <HMAC over
 * those exact bytes>}`. The inner text is embedded as is, never re-serialized, so the bytes the
 * server checks are the bytes that were signed.
 */
export function wrapOfflineRequest(requestJson: string, key: string): string {
  const outer = `{"request":${requestJson},"signature":${JSON.stringify(hmac(key, requestJson))}}`;
  return Buffer.from(outer, "utf8").toString("base64");
}

/** What an offline request says about the license and device. */
export interface OfflineRequestFields {
  kind: "activation" | "deactivation";
  product: string;
  hardwareId: string;
  licenseKey?: string;
  username?: string;
  /** Activation of a user-based license only. */
  password?: string;
  licenseId?: number;
  bundleCode?: string;
  variables?: Record<string, string>;
  /** Deactivation: the local consumption to sync. */
  consumptions?: number;
  productFeatures?: Array<{ code: string; consumptions: number }>;
}

/** An offline request: its fields, the signing credential, and what makes it unique. */
export interface OfflineRequestInput extends OfflineRequestFields {
  credential: OfflineCredential;
  requestId: string;
  /** RFC 7231 IMF-fixdate. */
  date: string;
  /** os_ver, hostname, sdk_ver, app_ver, app_name. */
  telemetry: Params;
}

/** The inner request JSON (schema_version 2), with its §2.4 signature inside. */
export function offlineRequestJson(r: OfflineRequestInput): string {
  const identity = r.licenseKey ?? r.username;
  if (typeof identity !== "string" || identity === "") throw new TypeError("an offline request needs a license key or a username");
  const { keyId, key, oauth } = r.credential;
  const t = r.telemetry;
  const body: Record<string, unknown> = {
    request: r.kind,
    request_id: r.requestId,
    schema_version: 2,
    date: r.date,
    [oauth ? "client_id" : "api_key"]: keyId,
    product: r.product,
    hardware_id: r.hardwareId,
    license_key: r.licenseKey,
    username: r.username,
    password: r.kind === "activation" ? r.password : undefined,
    license_id: r.licenseId,
    bundle_code: r.bundleCode,
    variables: r.variables,
    os_ver: t["os_ver"],
    hostname: t["hostname"],
    sdk_ver: t["sdk_ver"],
    app_ver: t["app_ver"],
    app_name: t["app_name"],
  };
  if (r.kind === "deactivation") {
    body["consumptions"] = r.consumptions ?? 0;
    body["product_features"] = r.productFeatures ?? [];
  }
  body["signature"] = offlineSignature(key, r.date, identity, r.hardwareId, keyId);
  return JSON.stringify(body); // undefined fields are left out
}

/** A verified offline answer: the decoded JSON bytes, the object, and its typed License. */
export interface OfflineAnswer {
  body: Buffer;
  raw: JsonObject;
  license: License;
  /** license_key, or the user (what the signatures cover). */
  identity: string;
  /** The answer's date (RFC 7231): when the server signed it. */
  date: string;
  /** license_signature_v2. */
  signature: string;
}

export interface OfflineAnswerExpectation {
  credential: OfflineCredential;
  hardwareId: string;
  product: string;
  publicKey: string | KeyObject;
}

const fail = (why: string) => new LicensorSignatureError(`offline answer: ${why}`);

/**
 * license_signature_v2 of an offline answer (§3.2): RSA over the answer without
 * offline_signature and license_signature_v2, as JSON.stringify prints the parsed object.
 */
export function verifyOfflineBody(raw: JsonObject, signature: string, publicKey: KeyObject): void {
  const covered: JsonObject = { ...raw };
  delete covered["offline_signature"];
  delete covered["license_signature_v2"];
  try {
    verifyBodySignature(Buffer.from(JSON.stringify(covered), "utf8"), signature, publicKey);
  } catch (err) {
    throw fail(err instanceof LicensorSignatureError ? `license_signature_v2: ${err.reason}` : String(err));
  }
}

/** The identity an offline answer's signatures cover: its license key, else the username it
 * echoes (what the server signed), else its user's email. */
function answerIdentity(raw: JsonObject): string {
  for (const v of [raw["license_key"], raw["username"], isObject(raw["user"]) ? raw["user"]["email"] : undefined]) {
    if (typeof v === "string" && v !== "") return v;
  }
  throw fail("names neither a license key nor a user");
}

/**
 * Verifies an answer file (base64 of the activate_offline answer) with no network: that it is
 * for this device and product, its offline_signature (HMAC with this client's key), its
 * license_signature (v1) and its license_signature_v2. Any failure: LicensorSignatureError.
 */
export function verifyOfflineAnswer(text: string, expect: OfflineAnswerExpectation): OfflineAnswer {
  const publicKey = loadPublicKey(expect.publicKey);
  const body = decodeBase64(String(text).replace(/\s+/g, ""));
  if (body === null) throw fail("the file is not base64");
  const raw = parseJson(body);
  if (!isObject(raw)) throw fail("the file is not a JSON object");
  const { date, offline_signature: offlineSig, license_signature_v2: v2, hardware_id: hardwareId } = raw;
  if (typeof date !== "string" || typeof offlineSig !== "string" || typeof v2 !== "string") {
    throw fail("date, offline_signature or license_signature_v2 is missing");
  }
  if (hardwareId !== expect.hardwareId) throw fail("it is for another device");
  const product = isObject(raw["product_details"]) ? raw["product_details"]["short_code"] : undefined;
  if (product !== expect.product) throw fail(`it is not for product ${expect.product}`);
  const identity = answerIdentity(raw);
  const { key, keyId } = expect.credential;
  const want = Buffer.from(offlineSignature(key, date, identity, hardwareId, keyId), "utf8");
  const got = Buffer.from(offlineSig, "utf8");
  if (want.length !== got.length || !timingSafeEqual(want, got)) throw fail("offline_signature does not match");
  verifyOfflineBody(raw, v2, publicKey);
  // v1, with the answer's own hardware id and identity (§6.2): the answer is self-contained.
  verifyLicenseSignature(raw, hardwareId, identity, publicKey);
  return { body, raw, license: toLicense(raw), identity, date, signature: v2 };
}

/**
 * Reads and verifies an answer file for the license manager: the answer, and the request
 * (product, device, identity) the license file records for it. Failures: LocalLicenseError
 * license_file_invalid.
 */
export async function readOfflineAnswerFile(
  file: string,
  expect: OfflineAnswerExpectation,
): Promise<{ request: StoredRequest; answer: OfflineAnswer }> {
  let answer: OfflineAnswer;
  try {
    answer = verifyOfflineAnswer(await readFile(file, "utf8"), expect);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new LocalLicenseError("license_file_invalid", `the offline answer file ${file} is invalid: ${why}`, { cause: err });
  }
  const who = typeof answer.raw["license_key"] === "string" ? { license_key: answer.identity } : { username: answer.identity };
  return { request: { product: expect.product, hardware_id: expect.hardwareId, ...who }, answer };
}
