/** The endpoints of license usage: consumption (§5.7, §5.8), device variables (§5.11), versions (§5.14). */
import type {
  ConsumptionOptions,
  ConsumptionResult,
  DeviceVariable,
  FeatureConsumptionResult,
  InstallationFile,
  InstallationFileOptions,
  ProductVersion,
  VersionsOptions,
} from "./apiTypes.js";
import {
  expectArray,
  expectObject,
  toConsumption,
  toDeviceVariable,
  toFeatureConsumption,
  toInstallationFile,
  toVersion,
} from "./decode.js";
import { identityParams, requireString } from "./identity.js";
import type { Transport } from "./transport.js";
import type { Identity } from "./types.js";

function requireInteger(n: unknown, name: string): number {
  if (typeof n !== "number" || !Number.isSafeInteger(n)) throw new TypeError(`${name} must be an integer`);
  return n;
}

// The consumption calls are not idempotent (each adds), so a network error is not retried:
// the first attempt may have counted.

export async function addConsumption(
  t: Transport,
  identity: Identity,
  consumptions: number,
  options: ConsumptionOptions = {},
): Promise<ConsumptionResult> {
  const answer = await t.call("POST", "add_consumption", {
    ...identityParams(identity),
    consumptions: requireInteger(consumptions, "consumptions"),
    max_overages: options.maxOverages === undefined ? undefined : requireInteger(options.maxOverages, "maxOverages"),
    allow_overages: options.allowOverages,
  }, false);
  return toConsumption(expectObject(answer.status, answer.value, "a consumption summary"));
}

export async function addFeatureConsumption(
  t: Transport,
  identity: Identity,
  feature: string,
  consumptions: number,
): Promise<FeatureConsumptionResult> {
  const answer = await t.call("POST", "add_feature_consumption", {
    ...identityParams(identity),
    feature: requireString(feature, "feature"),
    consumptions: requireInteger(consumptions, "consumptions"),
  }, false);
  return toFeatureConsumption(expectObject(answer.status, answer.value, "a feature consumption summary"));
}

/** Stores variables on this device; values go as strings, as the server stores them. */
export async function trackDeviceVariables(
  t: Transport,
  identity: Identity,
  variables: Record<string, string | number | boolean>,
): Promise<DeviceVariable[]> {
  if (typeof variables !== "object" || variables === null || Array.isArray(variables)) {
    throw new TypeError("variables must be an object");
  }
  const asText = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)]));
  // Setting a variable twice leaves the same state: safe to retry.
  const answer = await t.call("POST", "track_device_variables", { ...identityParams(identity), variables: asText }, true);
  return expectArray(answer.status, answer.value, "device variables").map((v) => toDeviceVariable(answer.status, v));
}

export async function getDeviceVariables(t: Transport, identity: Identity): Promise<DeviceVariable[]> {
  const answer = await t.call("GET", "get_device_variables", identityParams(identity), true);
  return expectArray(answer.status, answer.value, "device variables").map((v) => toDeviceVariable(answer.status, v));
}

export async function versions(t: Transport, identity: Identity, options: VersionsOptions = {}): Promise<ProductVersion[]> {
  const answer = await t.call("GET", "versions", { ...identityParams(identity), env: options.env, channel: options.channel }, true);
  return expectArray(answer.status, answer.value, "versions").map((v) => toVersion(answer.status, v));
}

export async function installationFile(
  t: Transport,
  identity: Identity,
  options: InstallationFileOptions = {},
): Promise<InstallationFile> {
  const answer = await t.call("GET", "installation_file", {
    ...identityParams(identity),
    env: options.env,
    version: options.version,
    channel: options.channel,
  }, true);
  return toInstallationFile(expectObject(answer.status, answer.value, "an installation file"));
}
