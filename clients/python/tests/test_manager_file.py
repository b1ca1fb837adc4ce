"""LicenseManager offline: the license file (format, atomic writes, tampering) and every
local-check code with an injected clock."""

from __future__ import annotations

import base64
import json
import os
import stat
import unittest
from datetime import datetime, timedelta, timezone
from unittest import mock

from licensor.signing import load_public_key, verify_v2

from helpers import key, license_object, signed
from manager_case import HW, KEY, T0, ManagerTestCase


class LicenseFileTest(ManagerTestCase):
    def test_format(self):
        lic = self.activate()
        self.assertEqual(lic.license_key, KEY)
        doc = self.read()
        self.assertEqual(set(doc), {"version", "request", "body_base64",
                                    "license_signature_header", "last_server_contact"})
        self.assertEqual(doc["version"], 1)
        self.assertEqual(doc["request"], {"product": "DESKTOP", "hardware_id": HW,
                                          "license_key": KEY})
        self.assertEqual(doc["last_server_contact"], "2026-01-01T12:00:00.000Z")
        # The stored body and header verify on their own, with the public key.
        verify_v2(load_public_key(key().public_pem), base64.b64decode(doc["body_base64"]),
                  doc["license_signature_header"])
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o600)
        self.assertEqual(os.listdir(self.dir.name), ["license.json"])

    def test_writes_are_atomic(self):
        self.activate()
        with open(self.path, "rb") as fh:
            before = fh.read()
        os.chmod(self.path, 0o644)
        self.server.add(signed(license_object(HW, KEY, times_activated=2)))
        with mock.patch("licensor.license_file.os.replace", side_effect=OSError("disk full")):
            with self.assertRaises(OSError):
                self.manager().check()
        with open(self.path, "rb") as fh:
            self.assertEqual(fh.read(), before)
        self.assertEqual(os.listdir(self.dir.name), ["license.json"])
        self.server.add(signed(license_object(HW, KEY, times_activated=2)))
        self.manager().check()
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o600)

    def test_directory_is_created(self):
        self.path = os.path.join(self.dir.name, "app", "state", "license.json")
        self.activate()
        self.assertTrue(self.manager().local_check().license.enabled)

    def test_body_is_stored_verbatim(self):
        body = json.dumps(license_object(HW, KEY), separators=(",", ":")).encode()
        self.server.add(signed(body))
        self.manager().activate(KEY)
        self.assertEqual(base64.b64decode(self.read()["body_base64"]), body)

    def test_user_based_file_keeps_no_password(self):
        self.server.add(signed(license_object(HW, "Ann@example.com|ACME")))
        self.manager().activate_user("Ann@example.com|ACME", "s3cret password")
        doc = self.read()
        self.assertEqual(doc["request"]["username"], "Ann@example.com|ACME")
        self.assertNotIn("license_key", doc["request"])
        with open(self.path, encoding="utf-8") as fh:
            self.assertNotIn("s3cret", fh.read())
        self.assertTrue(self.manager().local_check().license.active)

    def test_restart_reads_the_same_file(self):
        self.activate()
        result = self.manager().local_check()
        self.assertTrue(result.offline)
        self.assertEqual(result.license.license_key, KEY)
        self.assertEqual(result.last_server_contact, T0)

    def test_one_byte_changed_is_invalid(self):
        self.activate()
        doc = self.read()
        body = base64.b64decode(doc["body_base64"])
        self.assertIn(b'"max_activations":2', body)
        doc["body_base64"] = base64.b64encode(
            body.replace(b'"max_activations":2', b'"max_activations":9')).decode()
        self.write(doc)
        self.assert_local("license_file_invalid")

    def test_other_corruptions_are_invalid(self):
        self.activate()
        good = self.read()
        corruptions = [
            dict(good, license_signature_header=key("other").sign(b"x")),
            dict(good, license_signature_header=""),
            dict(good, version=2),
            dict(good, body_base64="%%%"),
            dict(good, request={"product": "DESKTOP", "hardware_id": HW, "license_key": "K2"}),
            dict(good, last_server_contact="yesterday"),
        ]
        for doc in corruptions:
            with self.subTest(doc=str(doc)[:60]):
                self.write(doc)
                self.assert_local("license_file_invalid")
        with open(self.path, "wb") as fh:
            fh.write(b"\x00not json")
        self.assert_local("license_file_invalid")


class LocalCheckTest(ManagerTestCase):
    def test_missing(self):
        self.assert_local("license_file_missing")

    def test_mismatches(self):
        self.activate()
        self.assert_local("hardware_id_mismatch", self.manager(hardware_id="hw-2"))
        self.assert_local("product_mismatch", self.manager(product="OTHER"))

    def test_not_enabled_comes_before_not_active_and_expired(self):
        self.activate(license_enabled=False, license_active=False,
                      validity_period="2020-01-01T00:00:00.000Z")
        self.assert_local("license_not_enabled")

    def test_not_active(self):
        self.activate(license_active=False)
        self.assert_local("license_not_active")

    def test_expired(self):
        self.activate(validity_period="2026-01-02T00:00:00.000Z")
        self.manager().local_check()
        self.clock.now = datetime(2026, 1, 2, tzinfo=timezone.utc)
        self.assert_local("license_expired")

    def test_expiry_with_grace_period(self):
        self.activate(validity_period="2026-01-02T00:00:00.000Z", allow_grace_period=True,
                      grace_period=24)
        self.clock.now = datetime(2026, 1, 2, 23, 59, tzinfo=timezone.utc)
        self.manager().local_check()
        self.clock.now = datetime(2026, 1, 3, tzinfo=timezone.utc)
        self.assert_local("license_expired")

    def test_grace_period_counts_only_when_allowed(self):
        self.activate(validity_period="2026-01-02T00:00:00.000Z", grace_period=24)
        self.clock.now = datetime(2026, 1, 2, 1, tzinfo=timezone.utc)
        self.assert_local("license_expired")

    def test_clock_tampered(self):
        self.activate()
        self.clock.advance(minutes=-4)
        self.manager().local_check()
        self.clock.advance(minutes=-2)
        self.assert_local("clock_tampered")

    def test_offline_grace(self):
        self.activate()
        self.clock.advance(days=7)
        self.manager().local_check()
        self.clock.advance(seconds=1)
        self.assert_local("offline_grace_expired")
        self.assertTrue(self.manager(offline_grace=timedelta(days=30)).local_check().offline)



if __name__ == "__main__":
    unittest.main()
