/**
 * LicenseManager: what an application embeds. Activates, keeps the verified answer in a
 * license file, checks online with an offline fallback within a grace period, and checks
 * the file locally (DESIGN.md "License manager").
 */
import { randomUUID } from "node:crypto";
import type { LicensorClient, SignedLicense } from "./client.js";
import { LocalConsumption, type ConsumptionSync, type PendingConsumption } from "./consumption.js";
import { LicensorApiError, LicensorNetworkError, LocalLicenseError } from "./errors.js";
import { FloatingKeepAlive, type FloatingOptions } from "./floatingSession.js";
import { hardwareId as defaultHardwareId } from "./hardware.js";
import {
  readLicenseFile,
  removeLicenseFile,
  writeFileAtomic,
  writeLicenseFile,
  type StoredLicense,
  type StoredRequest,
} from "./licenseFile.js";
import { offlineRequestJson, readOfflineAnswerFile, wrapOfflineRequest, type OfflineRequestFields } from "./offline.js";
import { httpDate } from "./signing.js";
import type { Feature, License } from "./types.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
/** How far the clock may be behind the last server contact before it counts as set back. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface LicenseManagerConfig {
  client: LicensorClient;
  /** The product short code. */
  product: string;
  /** Where the license file lives, e.g. in the application's data directory. */
  licenseFile: string;
  /** Default: hardwareId(product). */
  hardwareId?: string;
  /** How long local checks pass without reaching the server, ms (default 7 days). */
  offlineGraceMs?: number;
  /** The clock (tests inject one). */
  now?: () => Date;
}

/** The result of check() and localCheck(). */
export interface LicenseStatus {
  license: License;
  /** True when the answer comes from the license file, not the server. */
  offline: boolean;
  lastServerContact: Date;
  /**
   * check() only: the server refused to count the pending local consumption (e.g.
   * license_not_enough_consumptions). The units stay pending; the check itself succeeded.
   */
  consumptionError?: LicensorApiError;
}

/** The license a new offline activation request is for. */
export type OfflineCredentials = { licenseKey: string } | { username: string; password: string };

export class LicenseManager {
  readonly client: LicensorClient;
  readonly product: string;
  readonly licenseFile: string;
  readonly offlineGraceMs: number;
  private readonly now: () => Date;
  private hwid: Promise<string> | undefined;
  private readonly consumption = new LocalConsumption();

  constructor(config: LicenseManagerConfig) {
    if (!config?.client) throw new TypeError("client is required");
    if (typeof config.product !== "string" || config.product === "") throw new TypeError("product is required");
    if (typeof config.licenseFile !== "string" || config.licenseFile === "") {
      throw new TypeError("licenseFile is required");
    }
    this.client = config.client;
    this.product = config.product;
    this.licenseFile = config.licenseFile;
    this.offlineGraceMs = config.offlineGraceMs ?? 7 * DAY_MS;
    this.now = config.now ?? (() => new Date());
    if (config.hardwareId !== undefined) {
      if (typeof config.hardwareId !== "string" || config.hardwareId === "") {
        throw new TypeError("hardwareId must be a non-empty string");
      }
      this.hwid = Promise.resolve(config.hardwareId);
    }
  }

  /** This device's hardware id (the configured one, or hardwareId(product)). */
  hardwareId(): Promise<string> {
    this.hwid ??= defaultHardwareId(this.product);
    return this.hwid;
  }

  /** Activates a key-based license on this device and writes the license file. */
  async activate(licenseKey: string): Promise<License> {
    if (typeof licenseKey !== "string" || licenseKey === "") throw new TypeError("licenseKey is required");
    const request: StoredRequest = { product: this.product, hardware_id: await this.hardwareId(), license_key: licenseKey };
    const signed = await this.client.activateLicenseSigned({ product: this.product, hardwareId: request.hardware_id, licenseKey });
    await this.store(request, signed);
    return signed.license;
  }

  /** Activates a user-based license (`email` or `email|ACCOUNT_CODE`) and writes the license file. */
  async activateUser(username: string, password: string): Promise<License> {
    if (typeof username !== "string" || username === "") throw new TypeError("username is required");
    if (typeof password !== "string" || password === "") throw new TypeError("password is required");
    const request: StoredRequest = { product: this.product, hardware_id: await this.hardwareId(), username };
    const signed = await this.client.activateLicenseSigned({
      product: this.product,
      hardwareId: request.hardware_id,
      username,
      password,
    });
    await this.store(request, signed);
    return signed.license;
  }

  /**
   * Syncs pending local consumption, checks online and rewrites the license file. On a
   * network error only, falls back to localCheck() (`offline: true`), which passes while the
   * last server contact is within the offline grace. API and signature errors are thrown as
   * they are, except a refused consumption sync: see LicenseStatus.consumptionError.
   */
  async check(): Promise<LicenseStatus> {
    try {
      return await this.checkOnline();
    } catch (err) {
      if (!(err instanceof LicensorNetworkError)) throw err;
      try {
        return await this.localCheck();
      } catch (local) {
        if (local instanceof LocalLicenseError && local.cause === undefined) {
          Object.defineProperty(local, "cause", { value: err, configurable: true, writable: true });
        }
        throw local;
      }
    }
  }

  /** check() without the offline fallback: what the floating keep-alive runs. */
  private async checkOnline(): Promise<LicenseStatus> {
    const stored = await this.load();
    let consumptionError: LicensorApiError | undefined;
    try {
      await this.consumption.sync(this.client, stored.identity);
    } catch (err) {
      if (!(err instanceof LicensorApiError)) throw err;
      consumptionError = err;
    }
    const signed = await this.client.checkLicenseSigned(stored.identity);
    const now = this.now();
    await writeLicenseFile(this.licenseFile, stored.request, signed.body, signed.signature, now);
    const status: LicenseStatus = { license: signed.license, offline: false, lastServerContact: now };
    return consumptionError ? { ...status, consumptionError } : status;
  }

  /**
   * Checks the license file without the server. Throws LocalLicenseError with, in this order:
   * license_file_missing, license_file_invalid, hardware_id_mismatch, product_mismatch,
   * license_not_enabled, license_not_active, license_expired, clock_tampered, offline_grace_expired.
   */
  async localCheck(): Promise<LicenseStatus> {
    const stored = await this.load();
    const { license, lastServerContact } = stored;
    const now = this.now().getTime();
    if (license.raw["license_enabled"] !== true) {
      throw new LocalLicenseError("license_not_enabled", "the license is disabled");
    }
    if (!license.active) throw new LocalLicenseError("license_not_active", "the license is not active");
    if (license.validityPeriod !== null) {
      let end = Date.parse(license.validityPeriod);
      if (license.allowGracePeriod) end += license.gracePeriod * HOUR_MS;
      if (now >= end) {
        throw new LocalLicenseError("license_expired", `the license expired (valid until ${license.validityPeriod})`);
      }
    }
    const contact = lastServerContact.getTime();
    if (now < contact - CLOCK_SKEW_MS) {
      throw new LocalLicenseError("clock_tampered", "the clock is earlier than the last server contact");
    }
    // A device activated offline is not expected to reach the server: no offline grace.
    if (!stored.offline && now - contact > this.offlineGraceMs) {
      throw new LocalLicenseError(
        "offline_grace_expired",
        `no server contact since ${lastServerContact.toISOString()}, longer than the offline grace`,
      );
    }
    return { license, offline: true, lastServerContact };
  }

  /** Deactivates this device online, then removes the license file. */
  async deactivate(): Promise<void> {
    const stored = await this.load();
    await this.client.deactivateLicense(stored.identity);
    await removeLicenseFile(this.licenseFile);
  }

  /** The feature `code` of the stored license (after localCheck()); null when absent or expired. */
  async feature(code: string): Promise<Feature | null> {
    const { license } = await this.localCheck();
    const now = this.now().getTime();
    const f = license.features.find((x) => x.code === code);
    if (f === undefined) return null;
    if (f.expiryDate !== null && now >= Date.parse(f.expiryDate)) return null;
    return f;
  }

  /** Whether the stored license has the feature `code` (not expired). */
  async hasFeature(code: string): Promise<boolean> {
    return (await this.feature(code)) !== null;
  }

  /** Changes the password of the stored license's user (user-based licenses). */
  async changePassword(oldPassword: string, newPassword: string): Promise<void> {
    const stored = await this.load();
    const username = stored.request.username;
    if (username === undefined) throw new TypeError("changePassword needs a user-based license");
    await this.client.changePassword({ username, password: oldPassword, newPassword });
  }

  /** Records `n` units of license-level consumption, sent on the next check() or syncConsumption(). */
  addLocalConsumption(n: number): void {
    this.consumption.add(n);
  }

  /** Records `n` units of the consumption feature `code`, sent like addLocalConsumption's. */
  addLocalFeatureConsumption(code: string, n: number): void {
    this.consumption.addFeature(code, n);
  }

  /** The units recorded and not yet counted by the server (kept in memory only). */
  pendingConsumption(): PendingConsumption {
    return this.consumption.pending();
  }

  /** Forgets the pending units (e.g. after a refusal the application accepts), returning them. */
  discardLocalConsumption(): PendingConsumption {
    return this.consumption.discard();
  }

  /**
   * Sends the pending units now. Units the server counts leave the pending count; refused
   * ones stay, and the first refusal (LicensorApiError) is thrown after every part was tried.
   */
  async syncConsumption(): Promise<ConsumptionSync> {
    const stored = await this.load();
    return this.consumption.sync(this.client, stored.identity);
  }

  /**
   * Takes this device's floating seat (a check) and keeps it with a check every interval
   * (default: half the license's floating_timeout) until stop(), which releases it.
   */
  async startFloating(options: FloatingOptions = {}): Promise<FloatingKeepAlive> {
    const { identity } = await this.load();
    return FloatingKeepAlive.start(() => this.checkOnline(), () => this.client.floatingRelease(identity), options);
  }

  /**
   * Writes an offline activation request file (license-api.md §5.5) for the vendor to answer
   * (activate_offline, or `licensor offline activate`). The file holds the password of a
   * user-based license, so it is written with mode 0600.
   */
  async writeOfflineActivationRequest(file: string, credentials: OfflineCredentials): Promise<void> {
    const { licenseKey, username, password } = (credentials ?? {}) as { licenseKey?: unknown; username?: unknown; password?: unknown };
    const text = (v: unknown): v is string => typeof v === "string" && v !== "";
    const byKey = text(licenseKey) && username === undefined;
    if (!byKey && !(licenseKey === undefined && text(username) && text(password))) {
      throw new TypeError("credentials need a licenseKey, or a username and password");
    }
    const who = byKey ? { licenseKey } : { username: username as string, password: password as string };
    await this.writeOfflineRequest(file, { kind: "activation", product: this.product, hardwareId: await this.hardwareId(), ...who });
  }

  /**
   * Writes an offline deactivation request for the stored license, with the pending local
   * consumption, then forgets that consumption and removes the license file: the license is
   * no longer used here, whenever the vendor applies the file.
   */
  async writeOfflineDeactivationRequest(file: string): Promise<void> {
    const { request } = await this.load();
    const pending = this.consumption.pending();
    await this.writeOfflineRequest(file, {
      kind: "deactivation",
      product: request.product,
      hardwareId: request.hardware_id,
      licenseKey: request.license_key,
      username: request.username,
      consumptions: pending.consumptions,
      productFeatures: Object.entries(pending.features).map(([code, consumptions]) => ({ code, consumptions })),
    });
    this.consumption.discard();
    await removeLicenseFile(this.licenseFile);
  }

  /**
   * Loads an offline answer file, verifies it with no network (for this device, product and
   * credential; offline_signature, license_signature, license_signature_v2) and stores it as
   * the license file, so that localCheck() passes. Failures: LocalLicenseError license_file_invalid.
   */
  async loadOfflineAnswer(file: string): Promise<License> {
    const { request, answer } = await readOfflineAnswerFile(file, {
      credential: this.client.offlineCredential,
      hardwareId: await this.hardwareId(),
      product: this.product,
      publicKey: this.client.publicKey,
    });
    // The answer's date is when the server vouched for the license (the clock_tampered
    // reference); a date this client cannot read counts as now.
    const signedAt = Date.parse(answer.date);
    const contact = Number.isNaN(signedAt) ? this.now() : new Date(signedAt);
    await writeLicenseFile(this.licenseFile, request, answer.body, answer.signature, contact, true);
    return answer.license;
  }

  private async writeOfflineRequest(file: string, r: OfflineRequestFields): Promise<void> {
    const credential = this.client.offlineCredential;
    const json = offlineRequestJson({
      ...r, credential, requestId: randomUUID(), date: httpDate(this.now()), telemetry: this.client.telemetry(),
    });
    await writeFileAtomic(file, wrapOfflineRequest(json, credential.key));
  }

  /** Loads and verifies the file, and checks it is this device's and this product's. */
  private async load(): Promise<StoredLicense> {
    const stored = await readLicenseFile(this.licenseFile, this.client.publicKey);
    if (stored.request.hardware_id !== (await this.hardwareId())) {
      throw new LocalLicenseError("hardware_id_mismatch", "the license file belongs to another device");
    }
    const code = stored.license.productShortCode;
    if (stored.request.product !== this.product || (code !== null && code !== this.product)) {
      throw new LocalLicenseError("product_mismatch", `the license file is not for product ${this.product}`);
    }
    return stored;
  }

  private async store(request: StoredRequest, signed: SignedLicense): Promise<void> {
    await writeLicenseFile(this.licenseFile, request, signed.body, signed.signature, this.now());
  }
}
