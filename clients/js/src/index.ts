/** @licensor/client: licensor's JavaScript/TypeScript client (see README.md). */
export { LicensorClient } from "./client.js";
export type { ClientConfig, OfflineCredential } from "./transport.js";
export { LicenseManager } from "./manager.js";
export type { LicenseManagerConfig, LicenseStatus, OfflineCredentials } from "./manager.js";
export type { ConsumptionSync, PendingConsumption } from "./consumption.js";
export { FloatingKeepAlive } from "./floatingSession.js";
export type { FloatingOptions, KeepAliveTimer } from "./floatingSession.js";
export {
  LicensorError,
  LicensorApiError,
  LicensorSignatureError,
  LicensorNetworkError,
  LocalLicenseError,
} from "./errors.js";
export type { LocalLicenseErrorCode } from "./errors.js";
export { hardwareId, machineId } from "./hardware.js";
export type { HardwareIdOptions, MachineIdSources } from "./hardware.js";
export { signRequest, signingString, verifyBodySignature, verifyLicenseSignature } from "./signing.js";
export type { SignedHeaders } from "./signing.js";
export { offlineSignature, offlineSigningString, verifyOfflineAnswer, wrapOfflineRequest } from "./offline.js";
export type { OfflineAnswer, OfflineAnswerExpectation } from "./offline.js";
export type { LicenseFileContents } from "./licenseFile.js";
export { VERSION } from "./version.js";
export type {
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
export type {
  ChangePasswordRequest,
  CheckOptions,
  CustomField,
  CustomerLicenseUser,
  CustomerLicenseUsers,
  CustomerLicenseUsersRequest,
  Feature,
  Identity,
  JsonObject,
  License,
  LicenseUser,
  ProductDetails,
  ProductDetailsRequest,
  Trial,
  TrialRequest,
  UserLicense,
  UserLicensesRequest,
} from "./types.js";
