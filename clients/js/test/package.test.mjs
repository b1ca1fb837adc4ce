// The package itself: metadata, no runtime dependencies, both entry points through "exports",
// and declarations that type-check for ESM and CommonJS consumers.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { flavors } from "./helpers.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

describe("package", () => {
  it("metadata", () => {
    assert.equal(pkg.name, "@licensor/client");
    assert.equal(pkg.version, "0.1.0");
    assert.equal(pkg.private, false);
    assert.equal(pkg.license, "Apache-2.0");
    assert.equal(pkg.dependencies, undefined, "no runtime dependencies");
    assert.deepEqual(Object.keys(pkg.devDependencies).sort(), ["@types/node", "typescript"]);
    for (const v of Object.values(pkg.devDependencies)) assert.match(v, /^\d+\.\d+\.\d+$/, "pinned");
    assert.equal(pkg.scripts.prepare, "node scripts/prepare.mjs");
    const lock = JSON.parse(readFileSync(new URL("../package-lock.json", import.meta.url), "utf8"));
    assert.equal(lock.packages[""].name, "@licensor/client");
  });

  it("exports: import and require conditions, each with its types", () => {
    const e = pkg.exports["."];
    assert.deepEqual(e.import, { types: "./dist/esm/index.d.ts", default: "./dist/esm/index.js" });
    assert.deepEqual(e.require, { types: "./dist/cjs/index.d.ts", default: "./dist/cjs/index.js" });
    for (const f of [e.import.types, e.import.default, e.require.types, e.require.default]) {
      assert.ok(existsSync(new URL(`../${f}`, import.meta.url)), f);
    }
    assert.deepEqual(JSON.parse(readFileSync(new URL("../dist/cjs/package.json", import.meta.url), "utf8")), { type: "commonjs" });
  });

  it("the ESM and CommonJS entry points export the same API", () => {
    const [[, esm], [, cjs]] = flavors;
    assert.deepEqual(Object.keys(esm).sort(), Object.keys(cjs).sort());
    assert.notEqual(esm.LicensorClient, cjs.LicensorClient, "two builds");
    const resolved = createRequire(import.meta.url).resolve("@licensor/client");
    assert.ok(resolved.endsWith("dist/cjs/index.js".replace(/\//g, process.platform === "win32" ? "\\" : "/")));
    for (const [, mod] of flavors) {
      assert.equal(mod.VERSION, pkg.version);
      for (const name of ["LicensorApiError", "LicensorSignatureError", "LicensorNetworkError", "LocalLicenseError"]) {
        assert.ok(mod[name].prototype instanceof mod.LicensorError, name);
      }
      assert.equal(typeof mod.LicensorClient, "function");
      assert.equal(typeof mod.LicenseManager, "function");
      assert.equal(typeof mod.hardwareId, "function");
    }
  });

  it("the declarations type-check for ESM and CommonJS consumers", () => {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-p", "test/tsconfig.json"], { cwd: root, stdio: "pipe" });
  });
});
