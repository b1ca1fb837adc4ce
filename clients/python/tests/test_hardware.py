"""hardware_id(salt): hashing, and the machine id of each platform."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import types
import unittest
from unittest import mock

import licensor
from licensor import hardware


class HardwareIdTest(unittest.TestCase):
    def test_hash_of_salt_and_machine_id(self):
        expected = hashlib.sha256(b"DESKTOP:abc123").hexdigest()
        self.assertEqual(licensor.hardware_id("DESKTOP", machine="abc123"), expected)
        self.assertNotEqual(licensor.hardware_id("OTHER", machine="abc123"), expected)

    def test_this_machine(self):
        try:
            raw = hardware.machine_id()
        except licensor.LicensorError:
            self.skipTest("no machine id here")
        value = licensor.hardware_id("salt")
        self.assertRegex(value, r"^[0-9a-f]{64}$")
        self.assertNotIn(raw, value)
        self.assertEqual(value, licensor.hardware_id("salt"))

    def test_linux_files_in_order(self):
        with tempfile.TemporaryDirectory() as tmp:
            first, second = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            with open(second, "w") as fh:
                fh.write("dbus-id\n")
            self.assertEqual(hardware._linux_machine_id((first, second)), "dbus-id")
            with open(first, "w") as fh:
                fh.write("etc-id\n")
            self.assertEqual(hardware._linux_machine_id((first, second)), "etc-id")
            self.assertIsNone(hardware._linux_machine_id((os.path.join(tmp, "none"),)))

    def test_macos_ioreg(self):
        out = ('+-o J314sAP  <class IOPlatformExpertDevice>\n  {\n'
               '    "IOPlatformSerialNumber" = "C02XX"\n'
               '    "IOPlatformUUID" = "12345678-ABCD-EF01-2345-6789ABCDEF01"\n  }\n')
        done = subprocess.CompletedProcess(args=[], returncode=0, stdout=out, stderr="")
        with mock.patch.object(hardware.subprocess, "run", return_value=done) as run:
            self.assertEqual(hardware.machine_id("darwin"),
                             "12345678-ABCD-EF01-2345-6789ABCDEF01")
        self.assertEqual(run.call_args[0][0], ["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"])

    def test_windows_registry(self):
        class Key:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

        opened = []
        fake = types.SimpleNamespace(
            HKEY_LOCAL_MACHINE="HKLM", KEY_READ=1, KEY_WOW64_64KEY=256,
            OpenKey=lambda root, path, reserved, flags: opened.append((root, path)) or Key(),
            QueryValueEx=lambda key, name: ("guid-" + name, 1),
        )
        with mock.patch.dict(sys.modules, {"winreg": fake}):
            self.assertEqual(hardware.machine_id("win32"), "guid-MachineGuid")
        self.assertEqual(opened, [("HKLM", r"SOFTWARE\Microsoft\Cryptography")])

    def test_no_machine_id(self):
        with mock.patch.object(hardware, "_linux_machine_id", return_value=None):
            with self.assertRaises(licensor.LicensorError):
                hardware.machine_id("linux")


if __name__ == "__main__":
    unittest.main()
