// End-to-end helpers: the licensor binary (LICENSOR_BIN), provisioning through its CLI,
// servers it starts (always killed), and a proxy that alters answers in transit.
import { execFileSync, spawn } from "node:child_process";
import { request as httpRequest, createServer } from "node:http";
import { createServer as netServer } from "node:net";

export const BIN = process.env.LICENSOR_BIN;

const children = new Set();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

/** Runs `licensor ARGS --data DIR --json` and returns the parsed JSON it prints. */
export function cli(dataDir, ...args) {
  const out = execFileSync(BIN, [...args, "--data", dataDir, "--json"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return out.trim() ? JSON.parse(out) : null;
}

export async function freePort() {
  const s = netServer();
  await new Promise((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** `licensor serve` on 127.0.0.1:port; resolves once /healthz answers. */
export async function startLicensor(dataDir, port) {
  const child = spawn(BIN, ["serve", "--data", dataDir, "--addr", `127.0.0.1:${port}`, "--rate-limits=false"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.on("exit", () => children.delete(child));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`licensor serve exited (${child.exitCode}):\n${log}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`licensor serve did not answer /healthz within 15 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/**
 * A proxy to `target` that passes requests through and answers with `transform(bodyBuffer,
 * headers)` applied to each answer (headers may be changed in place).
 */
export async function startTamperingProxy(target, transform) {
  const t = new URL(target);
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const up = httpRequest(
        { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } },
        (upRes) => {
          const parts = [];
          upRes.on("data", (c) => parts.push(c));
          upRes.on("end", () => {
            const headers = { ...upRes.headers };
            delete headers["content-length"];
            delete headers["transfer-encoding"];
            const body = transform(Buffer.concat(parts), headers);
            headers["content-length"] = String(body.length);
            res.writeHead(upRes.statusCode, headers);
            res.end(body);
          });
        },
      );
      up.on("error", () => res.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

/** Replaces `from` with `to` in a body (and checks it was there). */
export function replacer(from, to, seen) {
  return (body) => {
    const s = body.toString("utf8");
    if (s.includes(from)) seen.count++;
    return Buffer.from(s.split(from).join(to), "utf8");
  };
}
