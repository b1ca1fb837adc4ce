/**
 * The license file (DESIGN.md "License manager"): the server's answer verbatim, so that it
 * verifies offline with the public key, written atomically with mode 0600. A file made from
 * an offline answer says `"offline": true`: its body is the answer file's JSON and its
 * signature that answer's license_signature_v2, which covers the body as JSON.stringify
 * prints it without offline_signature and license_signature_v2.
 */
import type { KeyObject } from "node:crypto";
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { licenseFromAnswer } from "./identity.js";
import { expectObject, isObject } from "./decode.js";
import { LocalLicenseError } from "./errors.js";
import { parseJson } from "./http.js";
import { verifyOfflineBody } from "./offline.js";
import { decodeBase64, verifyBodySignature } from "./signing.js";
import type { Identity, License } from "./types.js";

/** What the file says the license was activated with. */
export interface StoredRequest {
  product: string;
  hardware_id: string;
  license_key?: string;
  username?: string;
}

/** The file's JSON. */
export interface LicenseFileContents {
  version: 1;
  request: StoredRequest;
  body_base64: string;
  license_signature_header: string;
  last_server_contact: string;
  /** Present (true) only when the body is an offline answer. */
  offline?: true;
}

/** A loaded, verified license file. */
export interface StoredLicense {
  request: StoredRequest;
  identity: Identity;
  license: License;
  lastServerContact: Date;
  /** The body is an offline answer (the device was activated offline). */
  offline: boolean;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function invalid(why: string, cause?: unknown): LocalLicenseError {
  return new LocalLicenseError("license_file_invalid", `the license file is invalid: ${why}`, { cause });
}

function parseRequest(v: unknown): StoredRequest {
  if (!isObject(v)) throw invalid("no request");
  const { product, hardware_id, license_key, username } = v;
  if (typeof product !== "string" || product === "") throw invalid("no product");
  if (typeof hardware_id !== "string" || hardware_id === "") throw invalid("no hardware_id");
  const hasKey = typeof license_key === "string" && license_key !== "";
  const hasUser = typeof username === "string" && username !== "";
  if (hasKey === hasUser) throw invalid("needs exactly one of license_key or username");
  return hasKey
    ? { product, hardware_id, license_key: license_key as string }
    : { product, hardware_id, username: username as string };
}

/** Reads and verifies (v2 over the stored bytes, v1 with the stored request) a license file. */
export async function readLicenseFile(path: string, publicKey: KeyObject): Promise<StoredLicense> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") {
      throw new LocalLicenseError("license_file_missing", `no license file at ${path}`, { cause: err });
    }
    throw invalid("unreadable", err);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw invalid("not JSON", err);
  }
  if (!isObject(doc) || doc["version"] !== 1) throw invalid("not a version 1 license file");
  const request = parseRequest(doc["request"]);
  const body = typeof doc["body_base64"] === "string" ? decodeBase64(doc["body_base64"]) : null;
  if (body === null) throw invalid("body_base64 is not base64");
  const header = doc["license_signature_header"];
  if (typeof header !== "string") throw invalid("no license_signature_header");
  const contact = doc["last_server_contact"];
  if (typeof contact !== "string" || !RFC3339.test(contact) || Number.isNaN(Date.parse(contact))) {
    throw invalid("last_server_contact is not an RFC 3339 time");
  }
  const identity: Identity = {
    product: request.product,
    hardwareId: request.hardware_id,
    licenseKey: request.license_key,
    username: request.username,
  };
  const offline = doc["offline"] === true;
  if (doc["offline"] !== undefined && !offline) throw invalid("offline is not true");
  let license: License;
  try {
    if (!offline) verifyBodySignature(body, header, publicKey);
    const value = expectObject(200, parseJson(body), "a License object");
    if (offline) verifyOfflineBody(value, header, publicKey);
    license = licenseFromAnswer(200, value, identity, publicKey);
  } catch (err) {
    throw invalid(err instanceof Error ? err.message : String(err), err);
  }
  const vp = license.validityPeriod;
  if (vp !== null && Number.isNaN(Date.parse(vp))) throw invalid("validity_period is not a date");
  return { request, identity, license, lastServerContact: new Date(contact), offline };
}

/** Writes `path` atomically: a temporary file in the same directory, fsync, rename; mode 0600. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const fh = await open(tmp, "wx", 0o600);
  try {
    try {
      await fh.writeFile(data, "utf8");
      await fh.chmod(0o600);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  if (process.platform !== "win32") {
    // Make the rename itself durable; best effort.
    try {
      const d = await open(dir, "r");
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    } catch {
      // some file systems refuse fsync on a directory
    }
  }
}

/** Writes the license file for an answer verified from `body` and `signature`. */
export async function writeLicenseFile(
  path: string,
  request: StoredRequest,
  body: Uint8Array,
  signature: string,
  lastServerContact: Date,
  offline = false,
): Promise<void> {
  const contents: LicenseFileContents = {
    version: 1,
    request,
    body_base64: Buffer.from(body).toString("base64"),
    license_signature_header: signature,
    last_server_contact: lastServerContact.toISOString(),
    ...(offline ? { offline: true as const } : {}),
  };
  await writeFileAtomic(path, JSON.stringify(contents, null, 2) + "\n");
}

/** Removes the license file; a missing file is fine. */
export async function removeLicenseFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as { code?: string }).code !== "ENOENT") throw err;
  }
}
