// Drives the official @licensespring/node-sdk against a licensor server.
// The Go test passes a plan as JSON in argv[2]:
//   {"config": {apiKey, sharedKey, apiPath, publicKey, ...}, "steps": [{"call": ..., "args": ...}]}
// and reads one JSON array of results from stdout: for each step either
// {"ok": true, "result": ...} or {"ok": false, "error": <what the SDK threw>}.
'use strict';

const { LicenseAPI } = require('@licensespring/node-sdk');
const common = require('@licensespring/node-sdk/dist/src/common.js');

const plan = JSON.parse(process.argv[2]);
const config = Object.assign({ appName: 'licensor-e2e', appVersion: '1.0.0', hardwareID: 'e2e-hardware-id' }, plan.config);
const api = new LicenseAPI(config);

// Every step kind the Go test may ask for.
const steps = {
  // The SDK's public API, exactly as an application calls it.
  changePassword: (args) => api.changePassword(args),

  // The same request through the SDK's own transport, then the SDK's own
  // v2 verifier (common.checkSignatureV2, used on every signed endpoint) over
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
};

(async () => {
  const results = [];
  for (const step of plan.steps) {
    const fn = steps[step.call];
    if (!fn) {
      results.push({ ok: false, error: { code: 'unknown_step', message: step.call } });
      continue;
    }
    try {
      results.push({ ok: true, result: await fn(step.args) });
    } catch (e) {
      // The SDK throws the server's {status, code, message} as it is, or
      // its own objects for transport and signature failures.
      results.push({ ok: false, error: e && e.code ? { status: e.status, code: e.code, message: e.message } : { message: String(e) } });
    }
  }
  process.stdout.write(JSON.stringify(results));
})().catch((e) => {
  process.stderr.write(String(e && e.stack || e));
  process.exit(1);
});
