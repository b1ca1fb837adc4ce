/** Typed views of decoded answers. Each keeps the whole JSON object as `raw`. */
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
