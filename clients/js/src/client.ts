/** LicensorClient: one method per License API endpoint (DESIGN.md "API layer"). */
import type { KeyObject } from "node:crypto";
import { hostname, release, type } from "node:os";
import {
  expectArray,
  expectObject,
  toCustomerLicenseUsers,
  toFeature,
  toLicense,
  toProductDetails,
  toTrial,
  toUserLicense,
  unexpected,
} from "./decode.js";
import { verifyLicenseSignature } from "./signing.js";
import { Transport, type Answer, type ClientConfig, type Params } from "./transport.js";
import type {
  ChangePasswordRequest,
  CheckOptions,
  CustomerLicenseUsers,
  CustomerLicenseUsersRequest,
  Feature,
  Identity,
  License,
  ProductDetails,
  ProductDetailsRequest,
  Trial,
  TrialRequest,
  UserLicense,
  UserLicensesRequest,
} from "./types.js";
import { VERSION } from "./version.js";

/** @internal A License answer together with the exact bytes and header it was verified from. */
export interface SignedLicense {
  license: License;
  body: Uint8Array;
  signature: string;
}

function requireString(v: unknown, name: string): string {
  if (typeof v !== "string" || v === "") throw new TypeError(`${name} is required`);
  return v;
}

/** The identity v1 covers: the license key, or the username (cut at `|` by the verifier). */
export function identityOf(id: Identity): string {
  return id.licenseKey ?? (id.username as string);
}

function identityParams(id: Identity, opts: { password?: boolean; variables?: boolean } = {}): Params {
  if (typeof id !== "object" || id === null) throw new TypeError("identity is required");
  requireString(id.product, "identity.product");
  requireString(id.hardwareId, "identity.hardwareId");
  const hasKey = id.licenseKey !== undefined && id.licenseKey !== null;
  const hasUser = id.username !== undefined && id.username !== null;
  if (hasKey === hasUser) throw new TypeError("identity needs exactly one of licenseKey or username");
  if (hasKey) requireString(id.licenseKey, "identity.licenseKey");
  if (hasUser) requireString(id.username, "identity.username");
  return {
    product: id.product,
    hardware_id: id.hardwareId,
    license_key: id.licenseKey,
    username: id.username,
    password: opts.password ? id.password : undefined,
    license_id: id.licenseId,
    bundle_code: id.bundleCode,
    variables: opts.variables ? id.variables : undefined,
  };
}

/** Verifies v1 of one License object of an answer and types it. */
export function licenseFromAnswer(
  status: number,
  value: unknown,
  id: Identity,
  publicKey: KeyObject,
): License {
  const raw = expectObject(status, value, "a License object");
  verifyLicenseSignature(raw, id.hardwareId, identityOf(id), publicKey);
  return toLicense(raw);
}

function expectString(answer: Answer, expected: string): void {
  if (answer.value !== expected) throw unexpected(answer.status, `expected the answer "${expected}"`);
}

/** A client of licensor's License API. Every answer is verified with the pinned public key. */
export class LicensorClient {
  private readonly transport: Transport;
  private readonly appName: string | undefined;
  private readonly appVersion: string | undefined;

  constructor(config: ClientConfig) {
    this.transport = new Transport(config);
    this.appName = config.appName;
    this.appVersion = config.appVersion;
  }

  /** The User-Agent this client sends. */
  get userAgent(): string {
    return this.transport.userAgent;
  }

  /** The pinned public key. */
  get publicKey(): KeyObject {
    return this.transport.publicKey;
  }

  private telemetry(): Params {
    let host: string | undefined;
    try {
      host = hostname();
    } catch {
      host = undefined;
    }
    return {
      app_name: this.appName,
      app_ver: this.appVersion,
      sdk_ver: `licensor-js ${VERSION}`,
      os_ver: `${type()} ${release()}`,
      hostname: host,
    };
  }

  /** @internal activate_license, with the bytes the License was verified from. */
  async activateLicenseSigned(identity: Identity): Promise<SignedLicense> {
    const params = { ...identityParams(identity, { password: true, variables: true }), ...this.telemetry() };
    const answer = await this.transport.call("POST", "activate_license", params, true);
    const license = licenseFromAnswer(answer.status, answer.value, identity, this.transport.publicKey);
    return { license, body: answer.body, signature: answer.signature };
  }

  /** @internal check_license, with the bytes the License was verified from. */
  async checkLicenseSigned(identity: Identity, options: CheckOptions = {}): Promise<SignedLicense> {
    const params = {
      ...identityParams(identity),
      include_expired_features: options.includeExpiredFeatures,
      ...this.telemetry(),
    };
    const answer = await this.transport.call("GET", "check_license", params, true);
    const license = licenseFromAnswer(answer.status, answer.value, identity, this.transport.publicKey);
    return { license, body: answer.body, signature: answer.signature };
  }

  /** POST activate_license: activates this device (again: idempotent, takes no further slot). */
  async activateLicense(identity: Identity): Promise<License> {
    return (await this.activateLicenseSigned(identity)).license;
  }

  /** GET check_license: the license's state for this device. */
  async checkLicense(identity: Identity, options: CheckOptions = {}): Promise<License> {
    return (await this.checkLicenseSigned(identity, options)).license;
  }

  /** POST deactivate_license: frees this device's slot. Not retried on network errors. */
  async deactivateLicense(identity: Identity): Promise<void> {
    const answer = await this.transport.call("POST", "deactivate_license", identityParams(identity, { variables: true }), false);
    expectString(answer, "license_deactivated");
  }

  private bundle(answer: Answer, identity: Identity): License[] {
    return expectArray(answer.status, answer.value, "a bundle").map((v) =>
      licenseFromAnswer(answer.status, v, identity, this.transport.publicKey),
    );
  }

  /** POST activate_bundle: every license of the bundle (identity.product is the bundle's code). */
  async activateBundle(identity: Identity): Promise<License[]> {
    const params = { ...identityParams(identity, { password: true, variables: true }), ...this.telemetry() };
    return this.bundle(await this.transport.call("POST", "activate_bundle", params, true), identity);
  }

  /** GET check_bundle. */
  async checkBundle(identity: Identity, options: CheckOptions = {}): Promise<License[]> {
    const params = {
      ...identityParams(identity),
      include_expired_features: options.includeExpiredFeatures,
      ...this.telemetry(),
    };
    return this.bundle(await this.transport.call("GET", "check_bundle", params, true), identity);
  }

  /** POST deactivate_bundle. Not retried on network errors. */
  async deactivateBundle(identity: Identity): Promise<void> {
    const answer = await this.transport.call("POST", "deactivate_bundle", identityParams(identity, { variables: true }), false);
    expectString(answer, "license_deactivated");
  }

  /** GET trial_key: a trial license for this device (or the one it already has). */
  async trialKey(request: TrialRequest): Promise<Trial> {
    requireString(request?.product, "request.product");
    requireString(request.hardwareId, "request.hardwareId");
    const answer = await this.transport.call("GET", "trial_key", {
      product: request.product,
      hardware_id: request.hardwareId,
      email: request.email,
      license_policy: request.licensePolicy,
      first_name: request.firstName,
      last_name: request.lastName,
      phone: request.phone,
      address: request.address,
      postcode: request.postcode,
      state: request.state,
      country: request.country,
      city: request.city,
      reference: request.reference,
    }, true);
    return toTrial(expectObject(answer.status, answer.value, "a trial"));
  }

  /** GET product_details. */
  async productDetails(request: ProductDetailsRequest): Promise<ProductDetails> {
    requireString(request?.product, "request.product");
    const answer = await this.transport.call("GET", "product_details", {
      product: request.product,
      include_latest_version: request.includeLatestVersion,
      include_custom_fields: request.includeCustomFields,
      env: request.env,
    }, true);
    return toProductDetails(expectObject(answer.status, answer.value, "a product"));
  }

  /** GET check_license_feature: one feature of the license (`unsupported_product_feature` when absent). */
  async checkLicenseFeature(identity: Identity, feature: string): Promise<Feature> {
    requireString(feature, "feature");
    const answer = await this.transport.call("GET", "check_license_feature", { ...identityParams(identity), feature }, true);
    return toFeature(expectObject(answer.status, answer.value, "a feature"));
  }

  /** GET user_licenses: the licenses of a license user (authenticates with the password). */
  async userLicenses(request: UserLicensesRequest): Promise<UserLicense[]> {
    requireString(request?.product, "request.product");
    requireString(request.username, "request.username");
    requireString(request.password, "request.password");
    const answer = await this.transport.call("GET", "user_licenses", {
      product: request.product,
      username: request.username,
      password: request.password,
    }, true);
    return expectArray(answer.status, answer.value, "user licenses").map((v) => toUserLicense(answer.status, v));
  }

  /** GET customer_license_users: a customer's license users of a user-based product. */
  async customerLicenseUsers(request: CustomerLicenseUsersRequest): Promise<CustomerLicenseUsers> {
    requireString(request?.product, "request.product");
    requireString(request.customer, "request.customer");
    const answer = await this.transport.call("GET", "customer_license_users", {
      product: request.product,
      customer: request.customer,
    }, true);
    return toCustomerLicenseUsers(expectObject(answer.status, answer.value, "customer license users"));
  }

  /** GET device_licenses: the licenses that have this device. */
  async deviceLicenses(hardwareId: string): Promise<License[]> {
    requireString(hardwareId, "hardwareId");
    const answer = await this.transport.call("GET", "device_licenses", { hardware_id: hardwareId }, true);
    return expectArray(answer.status, answer.value, "licenses").map((v) =>
      toLicense(expectObject(answer.status, v, "a License object")),
    );
  }

  /** POST change_password: a license user's new password. Not retried on network errors. */
  async changePassword(request: ChangePasswordRequest): Promise<void> {
    requireString(request?.username, "request.username");
    requireString(request.password, "request.password");
    requireString(request.newPassword, "request.newPassword");
    const answer = await this.transport.call("POST", "change_password", {
      username: request.username,
      password: request.password,
      new_password: request.newPassword,
    }, false);
    expectString(answer, "password_changed");
  }
}
