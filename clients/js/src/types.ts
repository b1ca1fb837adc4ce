/** Public types: requests and the typed views of answers (each keeps the whole decoded JSON as `raw`). */

/** A decoded JSON object. */
export type JsonObject = Record<string, unknown>;

/**
 * Identifies a license on a device. Exactly one of `licenseKey` (key-based products),
 * `username` (user-based products; `email` or `email|ACCOUNT_CODE`) or, for activateLicense
 * and floatingBorrow only, `customerAccountCode` (SSO) must be set.
 */
export interface Identity {
  /** The product short code (for bundles: the bundle's code). */
  product: string;
  /** This device's id (see hardwareId()). */
  hardwareId: string;
  licenseKey?: string;
  username?: string;
  /** The user's password: sent only where the call authenticates (activate). */
  password?: string;
  /** Picks one license of a user that has several. */
  licenseId?: number;
  /** When the product is part of a bundle. */
  bundleCode?: string;
  /** Device variables (activate/deactivate only). */
  variables?: Record<string, string>;
  /** SSO (activateLicense, floatingBorrow): the customer account, with idToken or code. */
  customerAccountCode?: string;
  /** SSO implicit grant: the token the identity provider returned. */
  idToken?: string;
  /** SSO authorization-code grant: the code, with the redirectUri it was issued for. */
  code?: string;
  redirectUri?: string;
}

export interface CheckOptions {
  /** Also list features past their expiry date. */
  includeExpiredFeatures?: boolean;
}

/** A feature of a license (or the answer of checkLicenseFeature). */
export interface Feature {
  id: number | null;
  code: string;
  name: string;
  /** `activation` or `consumption`. */
  type: string;
  /** ISO date, or null when the feature does not expire. */
  expiryDate: string | null;
  /** Consumption features: the limit and the count so far (null otherwise). */
  maxConsumption: number | null;
  totalConsumptions: number | null;
  allowUnlimitedConsumptions: boolean;
  allowOverages: boolean;
  maxOverages: number | null;
  metadata: JsonObject;
  raw: JsonObject;
}

export interface CustomField {
  name: string;
  dataType: string | null;
  value: string | null;
}

/** The license user of a user-based license. */
export interface LicenseUser {
  id: number | null;
  email: string;
  firstName: string | null;
  lastName: string | null;
  isInitialPassword: boolean;
  raw: JsonObject;
}

/** A License object (license-api.md §4). */
export interface License {
  id: number;
  /** Null for user-based licenses. */
  licenseKey: string | null;
  /** `perpetual`, `time-limited`, `subscription` or `consumption`. */
  licenseType: string;
  enabled: boolean;
  active: boolean;
  expired: boolean;
  trial: boolean;
  /** Expiry as `YYYY-MM-DDTHH:mm:ss.sssZ`, or null (no expiry). */
  validityPeriod: string | null;
  startDate: string | null;
  allowGracePeriod: boolean;
  /** Hours the license keeps working past its validity period when allowGracePeriod. */
  gracePeriod: number;
  maxActivations: number;
  timesActivated: number;
  allowUnlimitedActivations: boolean;
  features: Feature[];
  customFields: CustomField[];
  metadata: JsonObject;
  user: LicenseUser | null;
  productShortCode: string | null;
  raw: JsonObject;
}

/** The query of trialKey(). */
export interface TrialRequest {
  product: string;
  hardwareId: string;
  /** Required for user-based products: the trial's license user. */
  email?: string;
  licensePolicy?: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  address?: string;
  postcode?: string;
  state?: string;
  country?: string;
  city?: string;
  reference?: string;
}

/** The answer of trialKey(): activate with licenseKey, or with username + initialPassword. */
export interface Trial {
  licenseKey: string | null;
  username: string | null;
  /** Only in the answer that created the license user; null otherwise. */
  initialPassword: string | null;
  licenseType: string;
  trial: boolean;
  validityPeriod: string | null;
  /** True when the device already had a trial (the short answer). */
  existing: boolean;
  raw: JsonObject;
}

export interface ProductDetailsRequest {
  product: string;
  includeLatestVersion?: boolean;
  includeCustomFields?: boolean;
  env?: string;
}

export interface ProductDetails {
  productId: number;
  productName: string;
  shortCode: string;
  /** `license-key` or `user`. */
  authorizationMethod: string;
  allowTrial: boolean;
  trialDays: number;
  metadata: JsonObject;
  latestVersion: JsonObject | null;
  customFields: JsonObject[];
  raw: JsonObject;
}

export interface UserLicensesRequest {
  product: string;
  username: string;
  password: string;
}

export interface UserLicense {
  license: License;
  user: LicenseUser | null;
  raw: JsonObject;
}

export interface CustomerLicenseUsersRequest {
  product: string;
  /** The customer's email. */
  customer: string;
}

export interface CustomerLicenseUser {
  email: string;
  isActive: boolean;
  isInitialPassword: boolean;
  /** Null unless the server exposes initial passwords. */
  initialPassword: string | null;
  licenseId: number | null;
  maxActivations: number | null;
  totalActivations: number | null;
  raw: JsonObject;
}

export interface CustomerLicenseUsers {
  customer: JsonObject;
  users: CustomerLicenseUser[];
  raw: JsonObject;
}

export interface ChangePasswordRequest {
  username: string;
  password: string;
  newPassword: string;
}
