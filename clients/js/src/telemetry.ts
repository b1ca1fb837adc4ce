/** The telemetry sent on activate and check, and written into offline request files. */
import { hostname, release, type } from "node:os";
import type { Params } from "./transport.js";
import { VERSION } from "./version.js";

export function telemetry(appName: string | undefined, appVersion: string | undefined): Params {
  let host: string | undefined;
  try {
    host = hostname();
  } catch {
    host = undefined; // some sandboxes refuse it; telemetry is optional
  }
  return {
    app_name: appName,
    app_ver: appVersion,
    sdk_ver: `licensor-js ${VERSION}`,
    os_ver: `${type()} ${release()}`,
    hostname: host,
  };
}
