/** Identities on the wire: their parameters, and the identity license_signature (v1) covers. */
import type { KeyObject } from "node:crypto";
import { expectObject, isObject, toLicense } from "./decode.js";
import { LicensorSignatureError } from "./errors.js";
import { verifyLicenseSignature } from "./signing.js";
import type { Params } from "./transport.js";
import type { Identity, JsonObject, License } from "./types.js";

export function requireString(v: unknown, name: string): string {
  if (typeof v !== "string" || v === "") throw new TypeError(`${name} is required`);
  return v;
}

const given = (v: unknown) => v !== undefined && v !== null;

/** Whether the identity is an SSO one (customer account code + id token or code). */
export function isSso(id: Identity): boolean {
  return given(id.customerAccountCode);
}

/**
 * The identity v1 covers: the license key, or the username (cut at `|` by the verifier); for
 * SSO, the answer's `user.email` (license-api.md §3.1), since the client never knew the user.
 */
export function identityOf(id: Identity, answer?: JsonObject): string {
  if (given(id.licenseKey)) return id.licenseKey as string;
  if (given(id.username)) return id.username as string;
  const user = answer?.["user"];
  const email = isObject(user) ? user["email"] : undefined;
  if (typeof email !== "string" || email === "") {
    throw new LicensorSignatureError("an SSO answer without user.email cannot be verified");
  }
  return email;
}

export interface IdentityOptions {
  /** Send the password (calls that authenticate the user: activate, borrow). */
  password?: boolean;
  /** Send identity.variables (activate, deactivate). */
  variables?: boolean;
  /** Accept an SSO identity (activate, borrow); later calls use the username. */
  sso?: boolean;
}

/** The parameters of an identity; a TypeError when it is not exactly one kind. */
export function identityParams(id: Identity, opts: IdentityOptions = {}): Params {
  if (typeof id !== "object" || id === null) throw new TypeError("identity is required");
  requireString(id.product, "identity.product");
  requireString(id.hardwareId, "identity.hardwareId");
  const kinds = [given(id.licenseKey), given(id.username), isSso(id)].filter(Boolean).length;
  if (kinds !== 1) throw new TypeError("identity needs exactly one of licenseKey, username, or customerAccountCode (SSO)");
  if (given(id.licenseKey)) requireString(id.licenseKey, "identity.licenseKey");
  if (given(id.username)) requireString(id.username, "identity.username");
  if (isSso(id)) {
    if (!opts.sso) throw new TypeError("an SSO identity is accepted by activateLicense and floatingBorrow only; later calls use the username");
    requireString(id.customerAccountCode, "identity.customerAccountCode");
    if (given(id.idToken) === given(id.code)) throw new TypeError("an SSO identity needs exactly one of idToken or code");
  }
  return {
    product: id.product,
    hardware_id: id.hardwareId,
    license_key: id.licenseKey,
    username: id.username,
    password: opts.password ? id.password : undefined,
    customer_account_code: opts.sso ? id.customerAccountCode : undefined,
    id_token: opts.sso ? id.idToken : undefined,
    code: opts.sso ? id.code : undefined,
    redirect_uri: opts.sso ? id.redirectUri : undefined,
    license_id: id.licenseId,
    bundle_code: id.bundleCode,
    variables: opts.variables ? id.variables : undefined,
  };
}

/** Verifies v1 of one License object of an answer and types it. */
export function licenseFromAnswer(status: number, value: unknown, id: Identity, publicKey: KeyObject): License {
  const raw = expectObject(status, value, "a License object");
  verifyLicenseSignature(raw, id.hardwareId, identityOf(id, raw), publicKey);
  return toLicense(raw);
}
