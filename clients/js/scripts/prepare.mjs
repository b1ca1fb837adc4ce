// The "prepare" script: builds dist/. npm runs it after `npm install`/`npm ci` here, and on
// `npm install <this directory>` from an application. In that last case npm links the folder
// without installing its devDependencies, so TypeScript is installed first, from
// package-lock.json, when it is missing.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "./build.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(new URL("../package.json", import.meta.url));

function hasTypeScript() {
  try {
    require.resolve("typescript/bin/tsc");
    return true;
  } catch {
    return false;
  }
}

if (!hasTypeScript()) {
  // The outer npm's settings (e.g. --omit=dev, --global) must not leak into this install;
  // registry, proxy, certificate and credential settings should.
  const keep = /^npm_config_(registry|cache|userconfig|globalconfig|proxy|https?_proxy|no_?proxy|strict_ssl|cafile|ca|@.*|\/\/.*)$/i;
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_config_/i.test(k) && !keep.test(k)) continue;
    env[k] = v;
  }
  delete env.NODE_ENV;
  const npm = process.env.npm_execpath;
  const args = ["ci", "--include=dev", "--ignore-scripts", "--no-audit", "--no-fund"];
  console.error("@licensor/client: installing its build dependencies (TypeScript) from package-lock.json");
  if (npm && /\.(c?js|mjs)$/.test(npm)) {
    execFileSync(process.execPath, [npm, ...args], { cwd: root, env, stdio: "inherit" });
  } else {
    execFileSync(process.platform === "win32" ? "npm.cmd" : "npm", args, { cwd: root, env, stdio: "inherit", shell: process.platform === "win32" });
  }
}
build();
