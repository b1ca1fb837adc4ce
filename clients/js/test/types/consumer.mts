// Type-checks the ESM declarations as an application sees them through "exports".
import {
  LicenseManager,
  LicensorApiError,
  LicensorClient,
  LicensorNetworkError,
  LicensorSignatureError,
  LocalLicenseError,
  hardwareId,
  type ClientConfig,
  type Identity,
  type License,
  type LicenseStatus,
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
  return `${lic.licenseKey} ${status.offline} ${lic.features.map((f) => f.code).join()}`;
}
