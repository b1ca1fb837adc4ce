// Type-checks the CommonJS declarations as an application sees them through "exports".
import licensor = require("@licensor/client");

export async function main(config: licensor.ClientConfig): Promise<boolean> {
  const client = new licensor.LicensorClient(config);
  const manager = new licensor.LicenseManager({ client, product: "P", licenseFile: "x.json", offlineGraceMs: 1000 });
  await manager.activateUser("ann@example.com|ACME", "pw");
  const trial: licensor.Trial = await client.trialKey({ product: "P", hardwareId: "h" });
  return (await manager.hasFeature("export")) && trial.trial;
}

export function oauthConfig(publicKey: string): licensor.ClientConfig {
  return { baseUrl: "https://licensing.example.com", clientId: "id", clientSecret: "secret", tokenUrl: "https://x/token", publicKey };
}

export async function floating(manager: licensor.LicenseManager, timer: licensor.KeepAliveTimer): Promise<licensor.LicenseStatus> {
  const ka: licensor.FloatingKeepAlive = await manager.startFloating({ timer });
  await ka.stop();
  return ka.status;
}
