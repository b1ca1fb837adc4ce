// Type-checks the ESM declarations as an application sees them through "exports".
import {
  FloatingKeepAlive,
  LicenseManager,
  LicensorApiError,
  LicensorClient,
  LicensorNetworkError,
  LicensorSignatureError,
  LocalLicenseError,
  hardwareId,
  verifyOfflineAnswer,
  type Borrowed,
  type ClientConfig,
  type ConsumptionResult,
  type DeviceVariable,
  type Identity,
  type InstallationFile,
  type License,
  type LicenseStatus,
  type PendingConsumption,
  type ProductVersion,
  type SsoUrl,
} from "@licensor/client";

export async function main(config: ClientConfig): Promise<string> {
  const client = new LicensorClient(config);
  const identity: Identity = { product: "P", hardwareId: await hardwareId("P"), licenseKey: "K" };
  const lic: License = await client.activateLicense(identity);
  const manager = new LicenseManager({ client, product: "P", licenseFile: "/tmp/x.json" });
  const status: LicenseStatus = await manager.check();
  try {
    await client.checkLicense(identity, { includeExpiredFeatures: true });
  } catch (e) {
    if (e instanceof LicensorApiError) return `${e.status} ${e.code} ${e.retryAfter ?? ""} ${e.retryable}`;
    if (e instanceof LicensorSignatureError) return e.reason;
    if (e instanceof LicensorNetworkError) return String(e.cause);
    if (e instanceof LocalLicenseError) return e.code;
  }
  return `${lic.licenseKey} ${status.offline} ${status.consumptionError?.code} ${lic.features.map((f) => f.code).join()}`;
}

export async function usage(client: LicensorClient, identity: Identity): Promise<number> {
  const c: ConsumptionResult = await client.addConsumption(identity, 1, { allowOverages: false, maxOverages: 0 });
  const f = await client.addFeatureConsumption(identity, "credits", 2);
  const vars: DeviceVariable[] = await client.trackDeviceVariables(identity, { seats: 3, os: "linux", beta: true });
  await client.getDeviceVariables(identity);
  const versions: ProductVersion[] = await client.versions(identity, { env: "win64", channel: "stable" });
  const file: InstallationFile = await client.installationFile(identity, { version: versions[0]?.version });
  const b: Borrowed = await client.floatingBorrow(identity, new Date());
  await client.floatingBorrow({ product: "P", hardwareId: "h", customerAccountCode: "ACME", code: "c", redirectUri: "app://cb" }, null);
  await client.floatingRelease(identity);
  await client.floatingFeatureBorrow(identity, "seat", "2026-12-31T00:00:00Z");
  await client.floatingFeatureRelease(identity, "seat");
  const sso: SsoUrl = await client.ssoUrl({ product: "P", customerAccountCode: "ACME", responseType: "code", redirectUri: "app://cb" });
  const { url } = await client.oauthUrl();
  return c.totalConsumptions + f.maxConsumptions + vars.length + file.size.length + b.maxBorrowTime + sso.url.length + url.length;
}

export async function managed(manager: LicenseManager): Promise<boolean> {
  manager.addLocalConsumption(1);
  manager.addLocalFeatureConsumption("credits", 2);
  const pending: PendingConsumption = manager.pendingConsumption();
  const synced = await manager.syncConsumption();
  manager.discardLocalConsumption();
  const ka: FloatingKeepAlive = await manager.startFloating({ intervalMs: 60_000, onError: (e) => console.error(e), onCheck: (s) => s.license });
  await ka.stop();
  await manager.writeOfflineActivationRequest("/tmp/a.req", { username: "ann@example.com", password: "pw" });
  await manager.writeOfflineDeactivationRequest("/tmp/d.req");
  const lic = await manager.loadOfflineAnswer("/tmp/a.lic");
  const answer = verifyOfflineAnswer("...", { credential: { keyId: "k", key: "s", oauth: false }, hardwareId: "h", product: "P", publicKey: "pem" });
  return pending.consumptions > 0 && synced.license !== null && lic.active && answer.license.active && ka.running;
}
