// Drives the official @licensespring/node-sdk against a licensor server.
// The Go tests pass a plan as JSON in argv[2]:
//   {"config": {apiKey, sharedKey, apiPath, publicKey, ...},
//    "manager": {productCode, filePath, ...} (optional, for LicenseManager steps),
//    "steps": [{"call": "api.activateLicense", "args": [...]}, ...]}
// and read one JSON array of results from stdout: for each step either
// {"ok": true, "result": ...} or {"ok": false, "error": <what the SDK threw>}.
//
// Calls: "api.<method>" on LicenseAPI, "manager.<method>" on LicenseManager,
// "license.<method>" on the License that manager.loadLicense() returns,
// "license.info" for a summary of that license, and
// "changePasswordVerified" (see below).
'use strict';

const { LicenseAPI, LicenseManager } = require('@licensespring/node-sdk');
const common = require('@licensespring/node-sdk/dist/src/common.js');

const plan = JSON.parse(process.argv[2]);
const config = Object.assign({ appName: 'licensor-e2e', appVersion: '1.0.0', hardwareID: 'e2e-hardware-id' }, plan.config);
const api = new LicenseAPI(config);
let manager;
function getManager() {
  if (!manager) {
    manager = new LicenseManager(Object.assign({}, config, plan.manager));
  }
  return manager;
}

const special = {
  // change_password through the SDK's own transport, then the SDK's own v2
  // verifier (common.checkSignatureV2, used on every signed endpoint) over
  // the parsed body, and again over an altered body, which must be rejected.
  changePasswordVerified: async (args) => {
    const { headers, response } = await api.service.postRequest('change_password', args);
    const signature = common.getHeaderString(headers, 'LicenseSignature');
    common.checkSignatureV2(config.publicKey, response, signature);
    let tampered;
    try {
      common.checkSignatureV2(config.publicKey, response + ' ', signature);
      tampered = 'accepted';
    } catch (e) {
      tampered = e.code;
    }
    return { response: common.assertResponseString(response, 'password_changed'), v2: 'verified', tampered };
  },
  // What the application sees of its stored license.
  'license.info': async () => {
    const l = getManager().loadLicense();
    return {
      id: l.id, licenseKey: l.licenseKey, licenseUser: l.licenseUser, licenseType: l.licenseType,
      licenseEnabled: l.licenseEnabled, licenseActive: l.licenseActive, isExpired: l.isExpired,
      isTrial: l.isTrial, validityPeriod: l.validityPeriod, maxActivations: l.maxActivations,
      features: (l.features || []).map((f) => f.code), customFields: l.customFields,
    };
  },
};

async function run(step) {
  const args = step.args || [];
  if (special[step.call]) return special[step.call](...args);
  const [target, method] = step.call.split('.');
  const obj = target === 'api' ? api : target === 'manager' ? getManager() : target === 'license' ? getManager().loadLicense() : null;
  if (!obj || typeof obj[method] !== 'function') throw { code: 'unknown_step', message: step.call };
  const result = await obj[method](...args);
  return result === undefined ? null : result;
}

(async () => {
  const results = [];
  for (const step of plan.steps) {
    try {
      results.push({ ok: true, result: await run(step) });
    } catch (e) {
      // The SDK throws the server's {status, code, message} as it is, or
      // its own objects for transport and signature failures.
      results.push({ ok: false, error: e && e.code ? { status: e.status, code: e.code, message: e.message } : { message: String(e && e.stack || e) } });
    }
  }
  process.stdout.write(JSON.stringify(results));
  process.exit(0); // LicenseManager may leave timers behind
})().catch((e) => {
  process.stderr.write(String(e && e.stack || e));
  process.exit(1);
});
