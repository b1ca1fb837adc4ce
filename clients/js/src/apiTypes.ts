/**
 * Requests and answers of the consumption, device variable, version, floating, SSO and OAuth
 * endpoints. Each answer keeps the whole decoded JSON as `raw`.
 */
import type { JsonObject } from "./types.js";

export interface ConsumptionOptions {
  /** The overage settings the application applies (sent only when given). */
  maxOverages?: number;
  allowOverages?: boolean;
}

/** The answer of addConsumption (license-api.md §5.7): the license's consumption counters. */
export interface ConsumptionResult {
  id: number;
  totalConsumptions: number;
  maxConsumptions: number;
  allowUnlimitedConsumptions: boolean;
  allowNegativeConsumptions: boolean;
  allowOverages: boolean;
  maxOverages: number;
  resetConsumption: boolean;
  consumptionPeriod: string | null;
  raw: JsonObject;
}

/** The answer of addFeatureConsumption (§5.8): the feature's counters on the license. */
export interface FeatureConsumptionResult extends ConsumptionResult {
  licenseId: number | null;
  isFloating: boolean;
  isFloatingCloud: boolean;
}

/** A device variable (§5.11). */
export interface DeviceVariable {
  /** Null in the answer of trackDeviceVariables. */
  id: number | null;
  variable: string;
  value: string;
  deviceId: number | null;
  /** ISO text (getDeviceVariables) or epoch milliseconds (trackDeviceVariables). */
  createdAt: string | number | null;
  raw: JsonObject;
}

export interface VersionsOptions {
  /** An environment such as `win64`. */
  env?: string;
  channel?: string;
}

export interface InstallationFileOptions extends VersionsOptions {
  /** Default: the latest. */
  version?: string;
}

/** One entry of versions(). */
export interface ProductVersion {
  version: string;
  releaseDate: string | null;
  raw: JsonObject;
}

/** The answer of installationFile() (§5.14). */
export interface InstallationFile {
  id: number;
  version: string;
  /** The download URL. */
  installationFile: string;
  releaseDate: string | null;
  hashMd5: string;
  environment: string;
  eulaLink: string;
  releaseNotesLink: string;
  size: string;
  requiresVersion: string;
  channel: string;
  raw: JsonObject;
}

/** The answer of floatingBorrow and floatingFeatureBorrow (§5.12). */
export interface Borrowed {
  borrowedUntil: string | null;
  /** Hours a seat may be borrowed at most. */
  maxBorrowTime: number;
  deviceId: number | null;
  licenseId: number | null;
  raw: JsonObject;
}

/** The query of ssoUrl() (§5.18). */
export interface SsoUrlRequest {
  product: string;
  customerAccountCode: string;
  /** `code` (authorization-code grant) or `token` (implicit). */
  responseType?: "code" | "token";
  redirectUri?: string;
}

export interface SsoUrl {
  /** Where to send the user to sign in. */
  url: string;
  openidConfiguration: JsonObject;
  raw: JsonObject;
}

/** The answer of oauthUrl() (§5.19). */
export interface OauthUrl {
  /** The token endpoint. */
  url: string;
  raw: JsonObject;
}
