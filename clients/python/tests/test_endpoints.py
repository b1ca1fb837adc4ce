"""Each endpoint method: method, path, parameters, and the typed answer."""

from __future__ import annotations

import unittest
from datetime import datetime, timezone

import licensor
from licensor import ApiError

from helpers import ScriptedServer, license_object, make_client, signed

IDENT = licensor.Identity(product="SUITE", hardware_id="hw-1", license_key="KEY-1",
                          bundle_code="SUITE")


class EndpointTest(unittest.TestCase):
    def setUp(self):
        self.server = ScriptedServer()
        self.addCleanup(self.server.close)
        self.client = make_client(self.server.url)
        self.addCleanup(self.client.close)

    def last(self):
        req = self.server.requests[-1]
        return req.method, req.path, ({k: v[0] for k, v in req.query.items()}
                                      if req.method == "GET" else req.json())

    def test_license_fields(self):
        obj = license_object(
            "hw-1", "KEY-1", "2031-03-04T00:00:00.000Z", allow_grace_period=True,
            grace_period=48, start_date="2026-01-01T00:00:00.000Z",
            custom_fields=[{"name": "seats", "data_type": "number", "value": "5"}],
            user={"id": 4, "email": "ann@example.com", "is_initial_password": True})
        self.server.add(signed(obj))
        lic = self.client.activate_license(IDENT)
        self.assertEqual((lic.id, lic.license_key, lic.license_type), (17, "KEY-1",
                                                                      "subscription"))
        self.assertEqual((lic.enabled, lic.active, lic.expired, lic.trial),
                         (True, True, False, False))
        self.assertEqual(lic.validity_period, datetime(2031, 3, 4, tzinfo=timezone.utc))
        self.assertEqual(lic.start_date, datetime(2026, 1, 1, tzinfo=timezone.utc))
        self.assertEqual((lic.allow_grace_period, lic.grace_period), (True, 48))
        self.assertEqual((lic.max_activations, lic.times_activated), (2, 1))
        self.assertEqual([f.code for f in lic.features], ["export"])
        self.assertEqual(lic.custom_fields[0].value, "5")
        self.assertEqual(lic.metadata, {"tier": "pro"})
        self.assertEqual(lic.user.email, "ann@example.com")
        self.assertTrue(lic.user.is_initial_password)
        self.assertEqual(lic.product_short_code, "DESKTOP")
        self.assertEqual(lic.raw["license_signature"], obj["license_signature"])
        self.assertEqual(self.last()[2]["bundle_code"], "SUITE")

    def test_bundles(self):
        items = [license_object("hw-1", "KEY-1", id=1), license_object("hw-1", "KEY-1", id=2)]
        self.server.add(signed(items), signed(items), signed("license_deactivated"))
        self.assertEqual([lic.id for lic in self.client.activate_bundle(IDENT)], [1, 2])
        self.assertEqual(self.last()[:2], ("POST", "/api/v4/activate_bundle"))
        self.assertEqual(len(self.client.check_bundle(IDENT, include_expired_features=True)), 2)
        method, path, query = self.last()
        self.assertEqual((method, path, query["include_expired_features"]),
                         ("GET", "/api/v4/check_bundle", "true"))
        self.client.deactivate_bundle(IDENT)
        self.assertEqual(self.last()[:2], ("POST", "/api/v4/deactivate_bundle"))

    def test_check_license_feature(self):
        self.server.add(signed({"id": 1, "code": "export", "name": "Export",
                                "feature_type": "consumption", "max_consumption": 10,
                                "total_consumptions": 3, "expiry_date": None}))
        feat = self.client.check_license_feature(IDENT, "export")
        self.assertEqual((feat.code, feat.max_consumption, feat.total_consumptions),
                         ("export", 10, 3))
        self.assertEqual(self.last()[2]["feature"], "export")

    def test_trial_key(self):
        self.server.add(
            signed({"id": 6, "is_trial": True, "license_type": "perpetual",
                    "license_key": "TRIA-L000", "license": "TRIA-L000",
                    "validity_period": "2026-12-17T17:45:12.041Z"}),
            signed({"license_type": "perpetual", "is_trial": True,
                    "license_user": "bob@example.com"}))
        trial = self.client.trial_key(licensor.TrialRequest(product="EDITOR",
                                                            hardware_id="hw-9"))
        self.assertEqual((trial.license_key, trial.existing), ("TRIA-L000", False))
        self.assertEqual(trial.validity_period.microsecond, 41000)
        self.assertEqual(self.last()[2], {"product": "EDITOR", "hardware_id": "hw-9"})
        trial = self.client.trial_key(licensor.TrialRequest(
            product="CLOUD", hardware_id="hw-9", email="bob@example.com"))
        self.assertEqual((trial.username, trial.existing), ("bob@example.com", True))
        self.assertEqual(self.last()[2]["email"], "bob@example.com")

    def test_product_details(self):
        self.server.add(signed({"product_id": 1, "product_name": "Editor",
                                "short_code": "EDITOR", "allow_trial": True, "trial_days": 14,
                                "authorization_method": "license-key", "metadata": {},
                                "latest_version": None,
                                "custom_fields": [{"id": 1, "name": "x"}]}))
        details = self.client.product_details("EDITOR", include_custom_fields=True, env="win64")
        self.assertEqual((details.short_code, details.allow_trial, details.trial_days),
                         ("EDITOR", True, 14))
        self.assertEqual(details.custom_fields, [{"id": 1, "name": "x"}])
        self.assertEqual(self.last()[2]["env"], "win64")

    def test_user_licenses(self):
        self.server.add(signed([{"license": {"id": 2, "license_enabled": True},
                                 "user": {"id": 1, "email": "ann@example.com"}}]))
        items = self.client.user_licenses("CLOUD", "ann@example.com", "pw")
        self.assertEqual((items[0].license.id, items[0].user.email), (2, "ann@example.com"))
        self.assertEqual(self.last()[2], {"product": "CLOUD", "username": "ann@example.com",
                                          "password": "pw"})

    def test_customer_license_users(self):
        self.server.add(signed({"company": {"id": 1}, "customer": {"email": "c@x.io"},
                                "users": [{"email": "ann@example.com", "license_id": 2,
                                           "initial_password": None, "is_active": True}]}))
        answer = self.client.customer_license_users("CLOUD", "c@x.io")
        self.assertEqual(answer.customer["email"], "c@x.io")
        self.assertEqual((answer.users[0].email, answer.users[0].license_id), (
            "ann@example.com", 2))
        self.assertEqual(self.last()[2], {"product": "CLOUD", "customer": "c@x.io"})

    def test_device_licenses(self):
        self.server.add(signed([{"id": 1, "license_key": "A"}, {"id": 2, "license_key": "B"}]))
        self.assertEqual([lic.license_key for lic in self.client.device_licenses("hw-1")],
                         ["A", "B"])
        self.assertEqual(self.last()[2], {"hardware_id": "hw-1"})

    def test_change_password(self):
        self.server.add(signed("password_changed"))
        self.client.change_password("ann@example.com", "old", "new one")
        self.assertEqual(self.last(), ("POST", "/api/v4/change_password", {
            "username": "ann@example.com", "password": "old", "new_password": "new one"}))

    def test_wrong_shapes_are_unexpected(self):
        self.server.add(signed([]), signed({}))
        with self.assertRaises(ApiError) as caught:
            self.client.product_details("EDITOR")
        self.assertEqual(caught.exception.code, "unexpected_response")
        with self.assertRaises(ApiError):
            self.client.device_licenses("hw")


if __name__ == "__main__":
    unittest.main()
