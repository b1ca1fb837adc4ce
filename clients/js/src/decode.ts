/** Typed views of decoded answers. Each keeps the whole JSON object as `raw`. */
import type {
  Borrowed,
  ConsumptionResult,
  DeviceVariable,
  FeatureConsumptionResult,
  InstallationFile,
  OauthUrl,
  ProductVersion,
  SsoUrl,
} from "./apiTypes.js";
import { LicensorApiError } from "./errors.js";
import type {
  CustomField,
  CustomerLicenseUser,
  CustomerLicenseUsers,
  Feature,
  JsonObject,
  License,
  LicenseUser,
  ProductDetails,
  Trial,
  UserLicense,
} from "./types.js";

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The answer is not what the endpoint promises: an API error `unexpected_response`. */
export function unexpected(status: number, what: string): LicensorApiError {
  return new LicensorApiError(status, "unexpected_response", `HTTP ${status}: ${what}`);
}

export function expectObject(status: number, v: unknown, what: string): JsonObject {
  if (!isObject(v)) throw unexpected(status, `expected ${what} (a JSON object)`);
  return v;
}

export function expectArray(status: number, v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw unexpected(status, `expected ${what} (a JSON array)`);
  return v;
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean => v === true;
const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});

export function toFeature(raw: JsonObject): Feature {
  return {
    id: num(raw["id"]),
    code: str(raw["code"]) ?? "",
    name: str(raw["name"]) ?? "",
    type: str(raw["feature_type"]) ?? "",
    expiryDate: str(raw["expiry_date"]),
    maxConsumption: num(raw["max_consumption"]) ?? num(raw["max_consumptions"]),
    totalConsumptions: num(raw["total_consumptions"]),
    allowUnlimitedConsumptions: bool(raw["allow_unlimited_consumptions"]),
    allowOverages: bool(raw["allow_overages"]),
    maxOverages: num(raw["max_overages"]),
    metadata: obj(raw["metadata"]),
    raw,
  };
}

export function toUser(v: unknown): LicenseUser | null {
  if (!isObject(v)) return null;
  return {
    id: num(v["id"]),
    email: str(v["email"]) ?? "",
    firstName: str(v["first_name"]),
    lastName: str(v["last_name"]),
    isInitialPassword: bool(v["is_initial_password"]),
    raw: v,
  };
}

function toCustomField(v: unknown): CustomField | null {
  if (!isObject(v)) return null;
  return { name: str(v["name"]) ?? "", dataType: str(v["data_type"]), value: str(v["value"]) };
}

export function toLicense(raw: JsonObject): License {
  const features = Array.isArray(raw["product_features"]) ? raw["product_features"] : [];
  const fields = Array.isArray(raw["custom_fields"]) ? raw["custom_fields"] : [];
  const product = obj(raw["product_details"]);
  const active = typeof raw["license_active"] === "boolean" ? raw["license_active"] : raw["active"];
  return {
    id: num(raw["id"]) ?? 0,
    licenseKey: str(raw["license_key"]),
    licenseType: str(raw["license_type"]) ?? "",
    enabled: bool(raw["license_enabled"]),
    active: bool(active),
    expired: bool(raw["is_expired"]),
    trial: bool(raw["is_trial"]),
    validityPeriod: str(raw["validity_period"]),
    startDate: str(raw["start_date"]),
    allowGracePeriod: bool(raw["allow_grace_period"]),
    gracePeriod: num(raw["grace_period"]) ?? 0,
    maxActivations: num(raw["max_activations"]) ?? 0,
    timesActivated: num(raw["times_activated"]) ?? 0,
    allowUnlimitedActivations: bool(raw["allow_unlimited_activations"]),
    features: features.filter(isObject).map(toFeature),
    customFields: fields.map(toCustomField).filter((f): f is CustomField => f !== null),
    metadata: obj(raw["metadata"]),
    user: toUser(raw["user"]),
    productShortCode: str(product["short_code"]),
    raw,
  };
}

export function toTrial(raw: JsonObject): Trial {
  const key = str(raw["license_key"]) ?? str(raw["license"]);
  const user = str(raw["license_user"]);
  return {
    licenseKey: key,
    username: user,
    initialPassword: str(raw["initial_password"]),
    licenseType: str(raw["license_type"]) ?? "",
    trial: bool(raw["is_trial"]),
    validityPeriod: str(raw["validity_period"]),
    existing: raw["id"] === undefined,
    raw,
  };
}

export function toProductDetails(raw: JsonObject): ProductDetails {
  return {
    productId: num(raw["product_id"]) ?? 0,
    productName: str(raw["product_name"]) ?? "",
    shortCode: str(raw["short_code"]) ?? "",
    authorizationMethod: str(raw["authorization_method"]) ?? "",
    allowTrial: bool(raw["allow_trial"]),
    trialDays: num(raw["trial_days"]) ?? 0,
    metadata: obj(raw["metadata"]),
    latestVersion: isObject(raw["latest_version"]) ? raw["latest_version"] : null,
    customFields: Array.isArray(raw["custom_fields"]) ? raw["custom_fields"].filter(isObject) : [],
    raw,
  };
}

export function toUserLicense(status: number, v: unknown): UserLicense {
  const raw = expectObject(status, v, "a user license");
  return {
    license: toLicense(expectObject(status, raw["license"], "a License object")),
    user: toUser(raw["user"]),
    raw,
  };
}

function toCustomerUser(raw: JsonObject): CustomerLicenseUser {
  return {
    email: str(raw["email"]) ?? "",
    isActive: bool(raw["is_active"]),
    isInitialPassword: bool(raw["is_initial_password"]),
    initialPassword: str(raw["initial_password"]),
    licenseId: num(raw["license_id"]),
    maxActivations: num(raw["max_activations"]),
    totalActivations: num(raw["total_activations"]),
    raw,
  };
}

export function toCustomerLicenseUsers(raw: JsonObject): CustomerLicenseUsers {
  const users = Array.isArray(raw["users"]) ? raw["users"].filter(isObject) : [];
  return { customer: obj(raw["customer"]), users: users.map(toCustomerUser), raw };
}

export function toConsumption(raw: JsonObject): ConsumptionResult {
  return {
    id: num(raw["id"]) ?? 0,
    totalConsumptions: num(raw["total_consumptions"]) ?? 0,
    maxConsumptions: num(raw["max_consumptions"]) ?? 0,
    allowUnlimitedConsumptions: bool(raw["allow_unlimited_consumptions"]),
    allowNegativeConsumptions: bool(raw["allow_negative_consumptions"]),
    allowOverages: bool(raw["allow_overages"]),
    maxOverages: num(raw["max_overages"]) ?? 0,
    resetConsumption: bool(raw["reset_consumption"]),
    consumptionPeriod: str(raw["consumption_period"]),
    raw,
  };
}

export function toFeatureConsumption(raw: JsonObject): FeatureConsumptionResult {
  return {
    ...toConsumption(raw),
    licenseId: num(raw["license_id"]),
    isFloating: bool(raw["is_floating"]),
    isFloatingCloud: bool(raw["is_floating_cloud"]),
  };
}

export function toDeviceVariable(status: number, v: unknown): DeviceVariable {
  const raw = expectObject(status, v, "a device variable");
  const created = raw["created_at"];
  return {
    id: num(raw["id"]),
    variable: str(raw["variable"]) ?? "",
    value: str(raw["value"]) ?? "",
    deviceId: num(raw["device_id"]),
    createdAt: typeof created === "string" || typeof created === "number" ? created : null,
    raw,
  };
}

export function toVersion(status: number, v: unknown): ProductVersion {
  const raw = expectObject(status, v, "a version");
  return { version: str(raw["version"]) ?? "", releaseDate: str(raw["release_date"]), raw };
}

export function toInstallationFile(raw: JsonObject): InstallationFile {
  const text = (k: string) => str(raw[k]) ?? "";
  return {
    id: num(raw["id"]) ?? 0,
    version: text("version"),
    installationFile: text("installation_file"),
    releaseDate: str(raw["release_date"]),
    hashMd5: text("hash_md5"),
    environment: text("environment"),
    eulaLink: text("eula_link"),
    releaseNotesLink: text("release_notes_link"),
    size: text("size"),
    requiresVersion: text("requires_version"),
    channel: text("channel"),
    raw,
  };
}

export function toBorrowed(raw: JsonObject): Borrowed {
  return {
    borrowedUntil: str(raw["borrowed_until"]),
    maxBorrowTime: num(raw["max_borrow_time"]) ?? 0,
    deviceId: num(raw["device_id"]),
    licenseId: num(raw["license_id"]),
    raw,
  };
}

/** An answer whose `url` is the point of it: without one it is unexpected_response. */
function withUrl(status: number, raw: JsonObject): string {
  const url = str(raw["url"]);
  if (url === null || url === "") throw unexpected(status, "expected an answer with a url");
  return url;
}

export function toSsoUrl(status: number, raw: JsonObject): SsoUrl {
  return { url: withUrl(status, raw), openidConfiguration: obj(raw["openid_configuration"]), raw };
}

export function toOauthUrl(status: number, raw: JsonObject): OauthUrl {
  return { url: withUrl(status, raw), raw };
}
