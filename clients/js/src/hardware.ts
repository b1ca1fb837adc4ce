/**
 * hardwareId(salt): hex SHA-256 of `salt + ":" + machine id`, so the raw machine id
 * never leaves the device (DESIGN.md "Hardware id").
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";

/** Where machineId() looks; tests (and unusual platforms) replace these. */
export interface MachineIdSources {
  /** Default: process.platform. */
  platform?: string;
  /** Reads a text file. */
  readFile?: (path: string) => Promise<string>;
  /** Runs a command and resolves with its standard output. */
  exec?: (file: string, args: string[]) => Promise<string>;
}

export interface HardwareIdOptions extends MachineIdSources {
  /** Use this machine id instead of the platform's. */
  machineId?: string | (() => string | Promise<string>);
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 10_000, windowsHide: true }, (err, stdout) => {
      if (err) reject(err);
      else resolve(String(stdout));
    });
  });
}

const readText = (path: string) => readFile(path, "utf8");

async function firstFile(read: (p: string) => Promise<string>, paths: string[]): Promise<string | null> {
  for (const p of paths) {
    try {
      const s = (await read(p)).trim();
      if (s !== "") return s;
    } catch {
      // try the next one
    }
  }
  return null;
}

/**
 * This machine's id: Linux `/etc/machine-id` (else `/var/lib/dbus/machine-id`), macOS
 * `IOPlatformUUID` (ioreg), Windows `MachineGuid` (registry). Rejects when there is none.
 */
export async function machineId(sources: MachineIdSources = {}): Promise<string> {
  const platform = sources.platform ?? process.platform;
  const read = sources.readFile ?? readText;
  const exec = sources.exec ?? run;
  let id: string | null = null;
  if (platform === "darwin") {
    const out = await exec("ioreg", ["-rd1", "-c", "IOPlatformExpertDevice"]);
    id = /"IOPlatformUUID"\s*=\s*"([^"]+)"/.exec(out)?.[1] ?? null;
  } else if (platform === "win32") {
    const out = await exec("reg", ["query", "HKLM\\SOFTWARE\\Microsoft\\Cryptography", "/v", "MachineGuid", "/reg:64"]);
    id = /MachineGuid\s+REG_SZ\s+(\S+)/i.exec(out)?.[1] ?? null;
  } else {
    id = await firstFile(read, ["/etc/machine-id", "/var/lib/dbus/machine-id"]);
  }
  if (id === null || id.trim() === "") {
    throw new Error(`cannot determine a machine id on ${platform}: pass a hardwareId of your own`);
  }
  return id.trim();
}

/** Hex SHA-256 of `salt + ":" + machine id`. */
export async function hardwareId(salt: string, options: HardwareIdOptions = {}): Promise<string> {
  if (typeof salt !== "string") throw new TypeError("salt must be a string");
  let id: string;
  if (typeof options.machineId === "string") id = options.machineId;
  else if (typeof options.machineId === "function") id = await options.machineId();
  else id = await machineId(options);
  return createHash("sha256").update(`${salt}:${id}`, "utf8").digest("hex");
}
