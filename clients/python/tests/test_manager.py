"""LicenseManager online: check with offline fallback on network errors only,
deactivation, features and passwords."""

from __future__ import annotations

import base64
import os
import unittest

import licensor
from licensor import ApiError, LocalLicenseError, NetworkError, SignatureError

from helpers import Reply, error, key, license_object, signed
from manager_case import HW, KEY, T0, ManagerTestCase


class CheckTest(ManagerTestCase):
    def test_online_check_rewrites_the_file(self):
        self.activate()
        self.clock.advance(days=3)
        self.server.add(signed(license_object(HW, KEY, times_activated=2)))
        result = self.manager().check()
        self.assertFalse(result.offline)
        self.assertEqual(result.license.times_activated, 2)
        self.assertEqual(self.server.requests[-1].path, "/api/v4/check_license")
        doc = self.read()
        self.assertEqual(doc["last_server_contact"], "2026-01-04T12:00:00.000Z")
        self.assertIn(b'"times_activated":2', base64.b64decode(doc["body_base64"]))

    def test_network_error_falls_back_within_grace(self):
        self.activate()
        manager = self.manager(self.offline_client())
        self.clock.advance(days=6)
        result = manager.check()
        self.assertTrue(result.offline)
        self.assertEqual(result.last_server_contact, T0)
        self.clock.advance(days=2)
        with self.assertRaises(LocalLicenseError) as caught:
            manager.check()
        self.assertEqual(caught.exception.code, "offline_grace_expired")
        self.assertIsInstance(caught.exception.__cause__, NetworkError)

    def test_dropped_connection_falls_back(self):
        self.activate()
        self.server.add(Reply(drop=True))
        self.assertTrue(self.manager().check().offline)

    def test_api_errors_never_fall_back(self):
        self.activate()
        before = self.read()
        for reply, kind in ((error(400, "license_not_enabled"), ApiError),
                            (error(503, "server_busy"), ApiError),
                            (Reply(502, b"<html>"), ApiError),
                            (signed(license_object(HW, KEY), signer=key("other")),
                             SignatureError)):
            with self.subTest(status=reply.status):
                self.server.add(reply)
                with self.assertRaises(kind):
                    self.manager().check()
        self.assertEqual(self.read(), before)

    def test_check_needs_the_file(self):
        with self.assertRaises(LocalLicenseError) as caught:
            self.manager().check()
        self.assertEqual(caught.exception.code, "license_file_missing")
        self.assertEqual(self.server.requests, [])


class OtherOperationsTest(ManagerTestCase):
    def test_deactivate_removes_the_file(self):
        self.activate()
        self.server.add(signed("license_deactivated"))
        self.manager().deactivate()
        self.assertFalse(os.path.exists(self.path))
        req = self.server.requests[-1]
        self.assertEqual((req.path, req.json()["hardware_id"], req.json()["license_key"]),
                         ("/api/v4/deactivate_license", HW, KEY))

    def test_failed_deactivation_keeps_the_file(self):
        self.activate()
        self.server.add(error(400, "device_not_found"))
        with self.assertRaises(ApiError):
            self.manager().deactivate()
        self.assertTrue(os.path.exists(self.path))

    def test_features(self):
        self.activate(product_features=[
            {"code": "export", "expiry_date": None},
            {"code": "print", "expiry_date": "2026-01-01T13:00:00.000Z"}])
        manager = self.manager()
        self.assertTrue(manager.has_feature("export"))
        self.assertTrue(manager.has_feature("print"))
        self.assertFalse(manager.has_feature("nope"))
        self.clock.advance(hours=1)
        self.assertFalse(manager.has_feature("print"))
        self.assertIsNone(manager.feature("print"))
        self.assertEqual(manager.feature("export").code, "export")

    def test_change_password_uses_the_stored_username(self):
        self.server.add(signed(license_object(HW, "ann@example.com|ACME")),
                        signed("password_changed"))
        manager = self.manager()
        manager.activate_user("ann@example.com|ACME", "old password")
        manager.change_password("old password", "new password")
        self.assertEqual(self.server.requests[-1].json(), {
            "username": "ann@example.com|ACME", "password": "old password",
            "new_password": "new password"})

    def test_change_password_needs_a_user_license(self):
        self.activate()
        with self.assertRaises(ValueError):
            self.manager().change_password("a", "b")

    def test_default_hardware_id_is_salted_with_the_product(self):
        try:
            expected = licensor.hardware_id("DESKTOP")
        except licensor.LicensorError:
            self.skipTest("this machine has no machine id")
        manager = licensor.LicenseManager(self.client, "DESKTOP", self.path)
        self.assertEqual(manager.hardware_id, expected)


if __name__ == "__main__":
    unittest.main()
