/**
 * Request signing (license-api.md §2.1) and response verification
 * (license-api.md §3, DESIGN.md "Verification"), with node:crypto only.
 */
import { createHmac, createPublicKey, verify, type KeyObject } from "node:crypto";
import { LicensorSignatureError } from "./errors.js";

/** The Date and Authorization headers of a signed request. */
export interface SignedHeaders {
  date: string;
  authorization: string;
}

/** RFC 7231 IMF-fixdate, always GMT: `Tue, 07 Jun 2011 20:51:35 GMT`. */
export function httpDate(when: Date): string {
  return when.toUTCString();
}

/** The string the HMAC covers: `licenseSpring\ndate: <Date>`. */
export function signingString(date: string): string {
  return `licenseSpring\ndate: ${date}`;
}

/**
 * Signs a request: `date` is the exact Date header (a Date is formatted as
 * IMF-fixdate; default now).
 */
export function signRequest(apiKey: string, sharedKey: string, date: string | Date = new Date()): SignedHeaders {
  const dateHeader = typeof date === "string" ? date : httpDate(date);
  const signature = createHmac("sha256", Buffer.from(sharedKey, "utf8"))
    .update(signingString(dateHeader), "utf8")
    .digest("base64");
  return {
    date: dateHeader,
    authorization: `algorithm="hmac-sha256",headers="date",signature="${signature}",apikey="${apiKey}"`,
  };
}

/** Loads the pinned public key: an SPKI PEM (`BEGIN PUBLIC KEY`) of an RSA key, or a KeyObject. */
export function loadPublicKey(key: string | KeyObject): KeyObject {
  if (key === undefined || key === null || key === "") {
    throw new TypeError("publicKey is required: the PEM printed by `licensor public-key`");
  }
  let obj: KeyObject;
  if (typeof key === "string") {
    if (!key.includes("-----BEGIN PUBLIC KEY-----")) {
      throw new TypeError("publicKey must be an SPKI PEM (-----BEGIN PUBLIC KEY-----)");
    }
    obj = createPublicKey({ key, format: "pem" });
  } else {
    obj = key;
  }
  if (obj.type !== "public" || obj.asymmetricKeyType !== "rsa") {
    throw new TypeError("publicKey must be an RSA public key");
  }
  return obj;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (with padding); null when `s` is not. */
export function decodeBase64(s: string): Buffer | null {
  if (s.length === 0 || !BASE64.test(s)) return null;
  return Buffer.from(s, "base64");
}

function rsaVerify(data: Uint8Array, signatureB64: string, key: KeyObject, what: string): void {
  const sig = decodeBase64(signatureB64);
  if (sig === null) throw new LicensorSignatureError(`${what} is not base64`);
  let ok = false;
  try {
    ok = verify("sha256", data, key, sig);
  } catch {
    ok = false;
  }
  if (!ok) throw new LicensorSignatureError(`${what} does not match`);
}

/**
 * v2: verifies the `LicenseSignature` header over the exact body bytes.
 * Throws LicensorSignatureError when the header is missing, not base64 or wrong.
 */
export function verifyBodySignature(
  body: Uint8Array,
  header: string | null | undefined,
  publicKey: string | KeyObject,
): void {
  const key = loadPublicKey(publicKey);
  if (header === null || header === undefined || header.trim() === "") {
    throw new LicensorSignatureError("the LicenseSignature header is missing");
  }
  rsaVerify(body, header.trim(), key, "the LicenseSignature header");
}

/** The identity v1 covers: the license key, or the username cut at its first `|`. */
export function signatureIdentity(identity: string): string {
  const i = identity.indexOf("|");
  return i >= 0 ? identity.slice(0, i) : identity;
}

/**
 * v1: verifies a License object's `license_signature` over
 * `lower(hardware_id + "#" + identity + "#" + validity_period)`, where
 * hardwareId and identity (license key or username) are what the client sent.
 */
export function verifyLicenseSignature(
  license: unknown,
  hardwareId: string,
  identity: string,
  publicKey: string | KeyObject,
): void {
  const key = loadPublicKey(publicKey);
  if (typeof license !== "object" || license === null || Array.isArray(license)) {
    throw new LicensorSignatureError("the answer holds no License object to verify");
  }
  const obj = license as Record<string, unknown>;
  const sig = obj["license_signature"];
  if (typeof sig !== "string" || sig === "") {
    throw new LicensorSignatureError("license_signature is missing");
  }
  const validity = obj["validity_period"];
  if (validity !== null && validity !== undefined && typeof validity !== "string") {
    throw new LicensorSignatureError("validity_period is not a string");
  }
  const message = `${hardwareId}#${signatureIdentity(identity)}#${validity ?? ""}`.toLowerCase();
  rsaVerify(Buffer.from(message, "utf8"), sig, key, "license_signature");
}
