// hardwareId(salt) and machineId() on each platform (with the platform's sources replaced).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { flavors, sha256hex } from "./helpers.mjs";

const noFile = async (p) => {
  throw Object.assign(new Error(`ENOENT ${p}`), { code: "ENOENT" });
};

for (const [flavor, mod] of flavors) {
  describe(`hardwareId (${flavor})`, () => {
    it("is hex SHA-256 of salt:machine id", async () => {
      assert.equal(await mod.hardwareId("DESKTOP", { machineId: "abc" }), sha256hex("DESKTOP:abc"));
      assert.equal(await mod.hardwareId("X", { machineId: async () => "id-2" }), sha256hex("X:id-2"));
      assert.match(await mod.hardwareId("X", { machineId: "abc" }), /^[0-9a-f]{64}$/);
    });

    it("Linux: /etc/machine-id, else /var/lib/dbus/machine-id", async () => {
      const read = async (p) => ({ "/etc/machine-id": "m1\n", "/var/lib/dbus/machine-id": "m2\n" })[p] ?? noFile(p);
      assert.equal(await mod.machineId({ platform: "linux", readFile: read }), "m1");
      const readDbus = async (p) => (p === "/var/lib/dbus/machine-id" ? "m2\n" : noFile(p));
      assert.equal(await mod.machineId({ platform: "linux", readFile: readDbus }), "m2");
      await assert.rejects(mod.machineId({ platform: "linux", readFile: noFile }), /machine id/);
      assert.equal(await mod.hardwareId("S", { platform: "linux", readFile: read }), sha256hex("S:m1"));
    });

    it("macOS: IOPlatformUUID from ioreg", async () => {
      const calls = [];
      const exec = async (file, args) => {
        calls.push([file, ...args]);
        return '+-o J314sAP  <class IOPlatformExpertDevice>\n  {\n    "IOPlatformSerialNumber" = "C02X"\n    "IOPlatformUUID" = "4A6B1C2D-0000-1111-2222-333344445555"\n  }\n';
      };
      assert.equal(await mod.machineId({ platform: "darwin", exec }), "4A6B1C2D-0000-1111-2222-333344445555");
      assert.deepEqual(calls, [["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"]]);
    });

    it("Windows: MachineGuid from the registry", async () => {
      const calls = [];
      const exec = async (file, args) => {
        calls.push([file, ...args]);
        return "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography\r\n    MachineGuid    REG_SZ    6f1e2d3c-aaaa-bbbb-cccc-0123456789ab\r\n\r\n";
      };
      assert.equal(await mod.machineId({ platform: "win32", exec }), "6f1e2d3c-aaaa-bbbb-cccc-0123456789ab");
      assert.equal(calls[0][0], "reg");
      assert.ok(calls[0].includes("MachineGuid"));
      await assert.rejects(mod.machineId({ platform: "win32", exec: async () => "nothing" }), /machine id/);
    });

    it("on this machine", { skip: process.platform !== "linux" }, async () => {
      let id;
      try {
        id = readFileSync("/etc/machine-id", "utf8").trim();
      } catch {
        id = readFileSync("/var/lib/dbus/machine-id", "utf8").trim();
      }
      assert.equal(await mod.hardwareId("DESKTOP"), sha256hex(`DESKTOP:${id}`));
    });
  });
}
