/** LicensorClient: one method per License API endpoint (DESIGN.md "API layer"). */
import type { KeyObject } from "node:crypto";
import type {
  Borrowed,
  ConsumptionOptions,
  ConsumptionResult,
  DeviceVariable,
  FeatureConsumptionResult,
  InstallationFile,
  InstallationFileOptions,
  OauthUrl,
  ProductVersion,
  SsoUrl,
  SsoUrlRequest,
  VersionsOptions,
} from "./apiTypes.js";
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
import * as floating from "./floatingApi.js";
import { identityParams, licenseFromAnswer, requireString } from "./identity.js";
import { telemetry } from "./telemetry.js";
import { Transport, type Answer, type ClientConfig, type OfflineCredential, type Params } from "./transport.js";
import * as usage from "./usageApi.js";
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

/** @internal A License answer together with the exact bytes and header it was verified from. */
export interface SignedLicense {
  license: License;
  body: Uint8Array;
  signature: string;
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
    this.transport = new Transport(config, async () => (await this.oauthUrl()).url);
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

  /** @internal The key id and key that sign offline request files. */
  get offlineCredential(): OfflineCredential {
    return this.transport.credential;
  }

  /** @internal The telemetry sent on activate and check (and in offline request files). */
  telemetry(): Params {
    return telemetry(this.appName, this.appVersion);
  }

  /** @internal activate_license, with the bytes the License was verified from. */
  async activateLicenseSigned(identity: Identity): Promise<SignedLicense> {
    const params = { ...identityParams(identity, { password: true, variables: true, sso: true }), ...this.telemetry() };
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

  /** POST add_consumption: adds (or, when allowed, subtracts) license-level consumption. Not retried on network errors. */
  addConsumption(identity: Identity, consumptions: number, options: ConsumptionOptions = {}): Promise<ConsumptionResult> {
    return usage.addConsumption(this.transport, identity, consumptions, options);
  }

  /** POST add_feature_consumption: consumption of one feature. Not retried on network errors. */
  addFeatureConsumption(identity: Identity, feature: string, consumptions: number): Promise<FeatureConsumptionResult> {
    return usage.addFeatureConsumption(this.transport, identity, feature, consumptions);
  }

  /** POST track_device_variables: stores variables on this device (values sent as strings). */
  trackDeviceVariables(identity: Identity, variables: Record<string, string | number | boolean>): Promise<DeviceVariable[]> {
    return usage.trackDeviceVariables(this.transport, identity, variables);
  }

  /** GET get_device_variables: this device's variables. */
  getDeviceVariables(identity: Identity): Promise<DeviceVariable[]> {
    return usage.getDeviceVariables(this.transport, identity);
  }

  /** GET versions: the product's versions this license may install. */
  versions(identity: Identity, options: VersionsOptions = {}): Promise<ProductVersion[]> {
    return usage.versions(this.transport, identity, options);
  }

  /** GET installation_file: one version's download (default: the latest). */
  installationFile(identity: Identity, options: InstallationFileOptions = {}): Promise<InstallationFile> {
    return usage.installationFile(this.transport, identity, options);
  }

  /** POST floating/borrow: keeps this device's floating seat until `borrowedUntil` (null: the longest allowed). */
  floatingBorrow(identity: Identity, borrowedUntil?: string | Date | null): Promise<Borrowed> {
    return floating.floatingBorrow(this.transport, identity, borrowedUntil);
  }

  /** POST floating/release: frees this device's floating seat, borrowed or not. */
  floatingRelease(identity: Identity): Promise<void> {
    return floating.floatingRelease(this.transport, identity);
  }

  /** POST floating/feature_borrow: borrows the seat of a floating feature. */
  floatingFeatureBorrow(identity: Identity, feature: string, borrowedUntil?: string | Date | null): Promise<Borrowed> {
    return floating.floatingFeatureBorrow(this.transport, identity, feature, borrowedUntil);
  }

  /** POST floating/feature_release: frees the seat of a floating feature. */
  floatingFeatureRelease(identity: Identity, feature: string): Promise<void> {
    return floating.floatingFeatureRelease(this.transport, identity, feature);
  }

  /** GET sso_url: where to send a user to sign in with the customer account's identity provider. */
  ssoUrl(request: SsoUrlRequest): Promise<SsoUrl> {
    return floating.ssoUrl(this.transport, request);
  }

  /** GET oauth_url (unauthenticated): the server's OAuth token endpoint. */
  oauthUrl(): Promise<OauthUrl> {
    return floating.oauthUrl(this.transport);
  }
}
