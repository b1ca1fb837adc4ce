// Builds dist/: ESM (dist/esm) and CommonJS (dist/cjs, marked {"type":"commonjs"}), each with
// its declarations. Run by `npm run build` and by the prepare script.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export function build() {
  const tsc = createRequire(new URL("../package.json", import.meta.url)).resolve("typescript/bin/tsc");
  rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
  for (const project of ["tsconfig.esm.json", "tsconfig.cjs.json"]) {
    execFileSync(process.execPath, [tsc, "-p", project], { cwd: root, stdio: "inherit" });
  }
  writeFileSync(new URL("../dist/cjs/package.json", import.meta.url), JSON.stringify({ type: "commonjs" }) + "\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) build();
