"""End to end against the real licensor binary (env LICENSOR_BIN): provisioned with its
CLI, served on loopback, driven through this package as an application would."""

from __future__ import annotations

import os
import tempfile
import unittest
from datetime import timedelta

import licensor
from licensor import ApiError, Identity, LicenseManager, LocalLicenseError, SignatureError

from e2e_support import Licensor, TamperingProxy, licensor_binary

VALIDITY = "2031-03-04T00:00:00Z"


class EndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        binary = licensor_binary()
        cls.tmp = tempfile.TemporaryDirectory(prefix="licensor-py-e2e-")
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.srv = Licensor(binary, os.path.join(cls.tmp.name, "a"))
        cls.addClassCleanup(cls.srv.stop)
        cli = cls.srv.cli
        cli(["company", "set"], "allow_change_password=true")
        cli(["product", "create"], "--code", "EDITOR", "--name", "Editor",
            "allow_trial=true", "trial_days=14")
        cli(["feature", "create"], "--product", "EDITOR", "--code", "export", "--name", "Export")
        for key, extra in (("EDIT-0000-0000-0001", ()), ("EDIT-0000-0000-0003", ()),
                           ("EDIT-0000-0000-0002", ("--type", "subscription",
                                                    "--validity", VALIDITY))):
            cli(["license", "create"], "--product", "EDITOR", "--key", key,
                "--max-activations", "2", *extra)
        cli(["product", "create"], "--code", "VIEWER", "--name", "Viewer")
        cli(["product", "create"], "--code", "SUITE", "--name", "Suite", "--bundle",
            "--includes", "EDITOR,VIEWER")
        cls.bundle_key = cli(["license", "create"], "--product", "SUITE")["license_key"]
        cli(["product", "create"], "--code", "CLOUD", "--name", "Cloud", "--auth", "user")
        cls.passwords = {}
        for email in ("ann@example.com", "bob@example.com"):
            lic = cli(["license", "create"], "--product", "CLOUD", "--customer",
                      "buyer@example.com", "--max-activations", "5")
            user = cli(["user", "create"], "--license", str(lic["id"]), "--email", email)
            cls.passwords[email] = user["initial_password"]
        cls.srv.start()

    def client(self, url=None, **kw):
        client = licensor.Client(licensor.Config(
            base_url=url or self.srv.url, api_key=kw.pop("api_key", self.srv.api_key),
            shared_key=kw.pop("shared_key", self.srv.shared_key),
            public_key=kw.pop("public_key", self.srv.public_key),
            app_name="e2e", app_version="1.0", timeout=5, **kw))
        self.addCleanup(client.close)
        return client

    def test_key_based_activation_limit_check_and_deactivate(self):
        client = self.client()
        ident = lambda hw: Identity(product="EDITOR", hardware_id=hw,  # noqa: E731
                                    license_key="EDIT-0000-0000-0001")
        lic = client.activate_license(ident("hw-a"))
        self.assertEqual((lic.license_key, lic.product_short_code, lic.times_activated),
                         ("EDIT-0000-0000-0001", "EDITOR", 1))
        self.assertEqual([f.code for f in lic.features], ["export"])
        again = client.activate_license(ident("hw-a"))
        self.assertEqual(again.times_activated, 1, "re-activation takes no slot")
        self.assertEqual(client.activate_license(ident("hw-b")).times_activated, 2)
        with self.assertRaises(ApiError) as caught:
            client.activate_license(ident("hw-c"))
        self.assertEqual(caught.exception.code, "license_activated_max_times")
        checked = client.check_license(ident("hw-a"))
        self.assertTrue(checked.active and checked.enabled and not checked.expired)
        self.assertEqual(client.check_license_feature(ident("hw-a"), "export").code, "export")
        with self.assertRaises(ApiError):
            client.check_license_feature(ident("hw-a"), "no-such-feature")
        self.assertIn(lic.id, [item.id for item in client.device_licenses("hw-a")])
        client.deactivate_license(ident("hw-b"))
        with self.assertRaises(ApiError) as caught:
            client.deactivate_license(ident("hw-b"))
        self.assertEqual(caught.exception.code, "device_not_found")
        self.assertEqual(client.activate_license(ident("hw-c")).times_activated, 2)

    def test_user_based_activation_and_listings(self):
        client = self.client()
        password = self.passwords["ann@example.com"]
        ident = Identity(product="CLOUD", hardware_id="hw-user", username="Ann@Example.com|ACME",
                         password=password)
        lic = client.activate_license(ident)
        self.assertEqual(lic.user.email, "ann@example.com")
        self.assertTrue(lic.user.is_initial_password)
        self.assertTrue(client.check_license(ident).active)
        items = client.user_licenses("CLOUD", "ann@example.com", password)
        self.assertEqual([item.user.email for item in items], ["ann@example.com"])
        self.assertEqual(items[0].license.id, lic.id)
        users = client.customer_license_users("CLOUD", "buyer@example.com")
        self.assertEqual(sorted(u.email for u in users.users),
                         ["ann@example.com", "bob@example.com"])
        self.assertTrue(all(u.initial_password is None for u in users.users))
        self.assertIn(lic.id, [item.id for item in client.device_licenses("hw-user")])
        client.deactivate_license(ident)

    def test_bundle(self):
        client = self.client()
        ident = Identity(product="SUITE", hardware_id="hw-bundle", license_key=self.bundle_key)
        licenses = client.activate_bundle(ident)
        self.assertEqual(sorted(lic.product_short_code for lic in licenses),
                         ["EDITOR", "VIEWER"])
        self.assertEqual(len(client.check_bundle(ident)), 2)
        client.deactivate_bundle(ident)
        with self.assertRaises(ApiError):
            client.check_bundle(ident)

    def test_trial_key_and_product_details(self):
        client = self.client()
        trial = client.trial_key(licensor.TrialRequest(product="EDITOR", hardware_id="hw-t"))
        self.assertTrue(trial.license_key)
        self.assertFalse(trial.existing)
        again = client.trial_key(licensor.TrialRequest(product="EDITOR", hardware_id="hw-t"))
        self.assertEqual((again.license_key, again.existing), (trial.license_key, True))
        lic = client.activate_license(Identity(product="EDITOR", hardware_id="hw-t",
                                               license_key=trial.license_key))
        self.assertTrue(lic.trial)
        details = client.product_details("EDITOR")
        self.assertEqual((details.short_code, details.allow_trial, details.trial_days,
                          details.authorization_method), ("EDITOR", True, 14, "license-key"))

    def test_change_password_then_activate_with_it(self):
        client = self.client()
        old, new = self.passwords["bob@example.com"], "a brand new password"
        client.change_password("bob@example.com", old, new)
        lic = client.activate_license(Identity(product="CLOUD", hardware_id="hw-bob",
                                               username="bob@example.com", password=new))
        self.assertFalse(lic.user.is_initial_password)
        with self.assertRaises(ApiError) as caught:
            client.activate_license(Identity(product="CLOUD", hardware_id="hw-bob2",
                                             username="bob@example.com", password=old))
        self.assertEqual(caught.exception.code, "user_not_found")

    def test_manager_flow_with_server_outage(self):
        path = os.path.join(self.tmp.name, "app", "license.json")
        make = lambda: LicenseManager(self.client(max_retries=0), "EDITOR", path,  # noqa: E731
                                      hardware_id="hw-app", offline_grace=timedelta(days=7))
        lic = make().activate("EDIT-0000-0000-0002")
        self.assertEqual(lic.validity_period.year, 2031)
        restarted = make()
        local = restarted.local_check()
        self.assertTrue(local.offline)
        self.assertTrue(restarted.has_feature("export"))
        self.srv.stop()
        try:
            offline = restarted.check()
            self.assertTrue(offline.offline)
            self.assertEqual(offline.license.license_key, "EDIT-0000-0000-0002")
        finally:
            self.srv.start()
        online = restarted.check()
        self.assertFalse(online.offline)
        self.assertGreater(online.last_server_contact, local.last_server_contact)
        restarted.deactivate()
        self.assertFalse(os.path.exists(path))
        with self.assertRaises(LocalLicenseError) as caught:
            restarted.local_check()
        self.assertEqual(caught.exception.code, "license_file_missing")

    def through_proxy(self, **kw):
        proxy = TamperingProxy(self.srv.port, **kw)
        self.addCleanup(proxy.close)
        return proxy, self.client(proxy.url, max_retries=0)

    def test_tampered_answers_are_rejected(self):
        ident = lambda hw: Identity(product="EDITOR", hardware_id=hw,  # noqa: E731
                                    license_key="EDIT-0000-0000-0003")
        proxy, client = self.through_proxy()
        self.assertEqual(client.activate_license(ident("hw-p1")).max_activations, 2)
        cases = [
            ("max_activations", dict(tamper=lambda b: b.replace(b'"max_activations":2',
                                                                b'"max_activations":9'))),
            ("validity", dict(tamper=lambda b: b.replace(b'"validity_period":null',
                                                         b'"validity_period":"2099-01-01T00:'
                                                         b'00:00.000Z"'))),
            ("header stripped", dict(strip_signature=True)),
        ]
        for name, kw in cases:
            with self.subTest(name):
                proxy, client = self.through_proxy(**kw)
                with self.assertRaises(SignatureError):
                    client.check_license(ident("hw-p1"))
                self.assertGreater(proxy.altered, 0)
        proxy, client = self.through_proxy(
            tamper=lambda b: b.replace(b"2031-03-04", b"2099-03-04"))
        with self.assertRaises(SignatureError):
            client.activate_license(Identity(product="EDITOR", hardware_id="hw-p2",
                                             license_key="EDIT-0000-0000-0002"))
        self.assertEqual(proxy.altered, 1)

    def test_server_with_another_key_is_rejected(self):
        other = Licensor(self.srv.binary, os.path.join(self.tmp.name, "b"))
        self.addCleanup(other.stop)
        other.cli(["product", "create"], "--code", "EDITOR", "--name", "Editor")
        other.cli(["license", "create"], "--product", "EDITOR", "--key", "EDIT-0000-0000-0001")
        other.start()
        ident = Identity(product="EDITOR", hardware_id="hw-x", license_key="EDIT-0000-0000-0001")
        trusting = self.client(other.url, api_key=other.api_key, shared_key=other.shared_key,
                               public_key=other.public_key)
        self.assertTrue(trusting.activate_license(ident).active)
        pinned = self.client(other.url, api_key=other.api_key, shared_key=other.shared_key)
        with self.assertRaises(SignatureError):
            pinned.check_license(ident)
        with self.assertRaises(SignatureError):
            pinned.product_details("EDITOR")


if __name__ == "__main__":
    unittest.main()
