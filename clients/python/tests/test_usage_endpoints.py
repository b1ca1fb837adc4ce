"""The usage endpoints (consumption, variables, versions, floating, SSO, oauth_url): method,
path, parameters, typed answer, and verification. A scripted local server plays licensor
here; test_e2e_usage.py runs the same calls against the real one."""

from __future__ import annotations

import unittest
from datetime import datetime, timezone

import licensor
from licensor import ApiError, Identity, SignatureError

from helpers import Reply, ScriptedServer, encode, error, license_object, make_client, signed

IDENT = Identity(product="EDITOR", hardware_id="hw-1", license_key="KEY-1")
USER = Identity(product="CLOUD", hardware_id="hw-1", username="ann@example.com", password="pw")
SSO = Identity(product="CLOUD", hardware_id="hw-1", customer_account_code="ACME",
               code="auth-code", redirect_uri="https://app.example.com/cb")
BASE = {"product": "EDITOR", "hardware_id": "hw-1", "license_key": "KEY-1"}


class UsageEndpointTest(unittest.TestCase):
    def setUp(self):
        self.server = ScriptedServer()
        self.addCleanup(self.server.close)
        self.client = make_client(self.server.url)
        self.addCleanup(self.client.close)

    def last(self):
        req = self.server.requests[-1]
        return req.method, req.path, ({k: v[0] for k, v in req.query.items()}
                                      if req.method == "GET" else req.json())

    def test_add_consumption(self):
        self.server.add(signed({"id": 7, "max_consumptions": 10, "allow_unlimited_consumptions":
                                False, "allow_negative_consumptions": False,
                                "allow_overages": True, "max_overages": 2,
                                "reset_consumption": False, "consumption_period": "monthly",
                                "total_consumptions": 5, "company": {"id": 1}}))
        got = self.client.add_consumption(IDENT, 5, max_overages=1, allow_overages=True)
        self.assertEqual(self.last(), ("POST", "/api/v4/add_consumption", {
            **BASE, "consumptions": 5, "max_overages": 1, "allow_overages": True}))
        self.assertEqual((got.id, got.total_consumptions, got.max_consumptions,
                          got.allow_overages, got.max_overages, got.consumption_period),
                         (7, 5, 10, True, 2, "monthly"))
        self.assertEqual(got.raw["company"], {"id": 1})
        with self.assertRaises(TypeError):
            self.client.add_consumption(IDENT, True)

    def test_add_consumption_refused_is_not_repeated(self):
        client = make_client(self.server.url, max_retries=3)
        self.addCleanup(client.close)
        self.server.add(error(400, "license_not_enough_consumptions", "not enough"))
        with self.assertRaises(ApiError) as caught:
            client.add_consumption(IDENT, 50)
        self.assertEqual((caught.exception.status, caught.exception.code),
                         (400, "license_not_enough_consumptions"))
        self.assertEqual(len(self.server.requests), 1)

    def test_add_feature_consumption(self):
        self.server.add(signed({"id": 3, "license_id": 7, "company": {"id": 1},
                                "total_consumptions": 2, "max_consumptions": 5}))
        got = self.client.add_feature_consumption(IDENT, "credits", -1)
        self.assertEqual(self.last(), ("POST", "/api/v4/add_feature_consumption", {
            **BASE, "feature": "credits", "consumptions": -1}))
        self.assertEqual((got.id, got.license_id, got.total_consumptions, got.max_consumptions),
                         (3, 7, 2, 5))

    def test_device_variables(self):
        self.server.add(
            signed([{"variable": "os", "value": "linux", "device_id": 4,
                     "created_at": 1767225600000}]),
            signed([{"id": 9, "created_at": "2026-01-01T00:00:00.000Z", "variable": "os",
                     "value": "linux", "device_id": 4}]))
        tracked = self.client.track_device_variables(
            IDENT, {"os": "linux", "cores": 8, "beta": True, "none": None, "list": [1, "a"]})
        self.assertEqual(self.last(), ("POST", "/api/v4/track_device_variables", {
            **BASE, "variables": {"os": "linux", "cores": "8", "beta": "true", "none": "",
                                  "list": '[1,"a"]'}}))
        when = datetime(2026, 1, 1, tzinfo=timezone.utc)
        self.assertEqual((tracked[0].variable, tracked[0].value, tracked[0].device_id,
                          tracked[0].id, tracked[0].created_at), ("os", "linux", 4, None, when))
        got = self.client.get_device_variables(IDENT)
        self.assertEqual(self.last(), ("GET", "/api/v4/get_device_variables", BASE))
        self.assertEqual((got[0].id, got[0].variable, got[0].value, got[0].created_at),
                         (9, "os", "linux", when))

    def test_versions_and_installation_file(self):
        self.server.add(
            signed([{"version": "1.1.0", "release_date": "2026-02-01T00:00:00.000Z"},
                    {"version": "1.0.0", "release_date": None}]),
            signed({"id": 2, "version": "1.1.0", "installation_file": "https://dl/1.1.0.exe",
                    "release_date": "2026-02-01T00:00:00.000Z", "hash_md5": "abc",
                    "environment": "win64", "eula_link": "https://eula",
                    "release_notes_link": "https://notes", "size": "1024",
                    "requires_version": "1.0.0", "channel": "stable", "company": {"id": 1}}))
        versions = self.client.versions(IDENT, env="win64")
        self.assertEqual(self.last(), ("GET", "/api/v4/versions", {**BASE, "env": "win64"}))
        self.assertEqual([(v.version, v.release_date) for v in versions], [
            ("1.1.0", datetime(2026, 2, 1, tzinfo=timezone.utc)), ("1.0.0", None)])
        f = self.client.installation_file(IDENT, env="win64", version="1.1.0", channel="stable")
        self.assertEqual(self.last(), ("GET", "/api/v4/installation_file", {
            **BASE, "env": "win64", "version": "1.1.0", "channel": "stable"}))
        self.assertEqual((f.id, f.version, f.installation_file, f.hash_md5, f.environment,
                          f.eula_link, f.release_notes_link, f.size, f.requires_version,
                          f.channel), (2, "1.1.0", "https://dl/1.1.0.exe", "abc", "win64",
                                       "https://eula", "https://notes", "1024", "1.0.0",
                                       "stable"))

    def test_floating_borrow_and_release(self):
        borrow = {"borrowed_until": "2026-01-02T00:00:00.000Z", "max_borrow_time": 24,
                  "device_id": 4, "license_id": 7, "company": {"id": 1}}
        self.server.add(signed(borrow), signed(borrow), Reply(200, b""), signed(borrow),
                        Reply(200, b""))
        got = self.client.floating_borrow(USER)
        self.assertEqual(self.last(), ("POST", "/api/v4/floating/borrow", {
            "product": "CLOUD", "hardware_id": "hw-1", "username": "ann@example.com",
            "password": "pw"}))
        self.assertEqual((got.borrowed_until, got.max_borrow_time, got.device_id,
                          got.license_id), (datetime(2026, 1, 2, tzinfo=timezone.utc), 24, 4, 7))
        self.client.floating_borrow(IDENT, datetime(2026, 1, 2, 3, tzinfo=timezone.utc))
        self.assertEqual(self.last()[2]["borrowed_until"], "2026-01-02T03:00:00.000Z")
        self.assertIsNone(self.client.floating_release(IDENT))
        self.assertEqual(self.last(), ("POST", "/api/v4/floating/release", BASE))
        self.client.floating_feature_borrow(IDENT, "seat", "2026-01-02T00:00:00Z")
        self.assertEqual(self.last(), ("POST", "/api/v4/floating/feature_borrow", {
            **BASE, "feature": "seat", "borrowed_until": "2026-01-02T00:00:00Z"}))
        self.assertIsNone(self.client.floating_feature_release(IDENT, "seat"))
        self.assertEqual(self.last(), ("POST", "/api/v4/floating/feature_release",
                                       {**BASE, "feature": "seat"}))
        with self.assertRaises(ValueError):
            self.client.floating_borrow(IDENT, datetime(2026, 1, 2))  # naive: ambiguous

    def test_a_release_with_a_body_must_be_signed(self):
        self.server.add(Reply(200, b'"released"'), error(400, "wrong_license_type"))
        with self.assertRaises(SignatureError):
            self.client.floating_release(IDENT)
        with self.assertRaises(ApiError) as caught:
            self.client.floating_feature_release(IDENT, "seat")
        self.assertEqual(caught.exception.code, "wrong_license_type")

    def test_new_answers_are_verified(self):
        for call in (lambda: self.client.add_consumption(IDENT, 1),
                     lambda: self.client.get_device_variables(IDENT),
                     lambda: self.client.versions(IDENT),
                     lambda: self.client.floating_borrow(IDENT),
                     lambda: self.client.sso_url("CLOUD", "ACME"),
                     lambda: self.client.oauth_url()):
            with self.subTest():
                self.server.add(Reply(200, encode({"id": 1}), {"LicenseSignature": "AAAA"}))
                with self.assertRaises(SignatureError):
                    call()

    def test_sso_url(self):
        self.server.add(signed({"url": "https://idp/auth?x=1", "openid_configuration": {
            "issuer": "https://idp"}}))
        got = self.client.sso_url("CLOUD", "ACME", redirect_uri="https://app/cb")
        self.assertEqual(self.last(), ("GET", "/api/v4/sso_url", {
            "product": "CLOUD", "customer_account_code": "ACME", "response_type": "code",
            "redirect_uri": "https://app/cb"}))
        self.assertEqual((got.url, got.openid_configuration["issuer"]),
                         ("https://idp/auth?x=1", "https://idp"))
        self.server.add(signed({"url": "u", "openid_configuration": {}}))
        self.client.sso_url("CLOUD", "ACME", response_type="token")
        self.assertEqual(self.last()[2]["response_type"], "token")
        with self.assertRaises(ValueError):
            self.client.sso_url("CLOUD", "ACME", response_type="id_token")

    def test_oauth_url_is_sent_without_credentials(self):
        self.server.add(signed({"url": "https://h/oauth/token", "login_type":
                                "client_credentials"}))
        got = self.client.oauth_url()
        req = self.server.requests[-1]
        self.assertEqual((req.method, req.path, req.query),
                         ("GET", "/api/v4/oauth_url", {"login_type": ["client_credentials"]}))
        self.assertNotIn("Authorization", req.headers)
        self.assertIn("Date", req.headers)
        self.assertEqual((got.url, got.login_type), ("https://h/oauth/token",
                                                     "client_credentials"))


class SsoIdentityTest(unittest.TestCase):
    def setUp(self):
        self.server = ScriptedServer()
        self.addCleanup(self.server.close)
        self.client = make_client(self.server.url)
        self.addCleanup(self.client.close)

    def test_activation_sends_the_sso_login_and_verifies_user_email(self):
        # license_signature covers the answer's user.email cut at "|" (§3.1).
        answer = license_object("hw-1", "ann@example.com|ACME",
                                user={"id": 1, "email": "ann@example.com|ACME"})
        self.server.add(signed(answer))
        lic = self.client.activate_license(SSO)
        body = self.server.requests[-1].json()
        self.assertEqual({k: body[k] for k in ("customer_account_code", "code", "redirect_uri")},
                         {"customer_account_code": "ACME", "code": "auth-code",
                          "redirect_uri": "https://app.example.com/cb"})
        self.assertNotIn("username", body)
        self.assertEqual(lic.user.email, "ann@example.com|ACME")
        self.server.add(signed(license_object("hw-1", "bob@example.com",
                                              user={"email": "ann@example.com"})))
        with self.assertRaises(SignatureError):
            self.client.activate_license(SSO)  # signed for another user
        self.server.add(signed(license_object("hw-1", "x")))
        with self.assertRaises(SignatureError):
            self.client.activate_license(SSO)  # no user.email to verify with

    def test_implicit_grant_and_borrow(self):
        ident = Identity(product="CLOUD", hardware_id="hw-1", customer_account_code="ACME",
                         id_token="tok")
        self.server.add(signed({"borrowed_until": None}))
        self.client.floating_borrow(ident)
        self.assertEqual(self.server.requests[-1].json(), {
            "product": "CLOUD", "hardware_id": "hw-1", "customer_account_code": "ACME",
            "id_token": "tok"})
        self.assertNotIn("tok", repr(ident))

    def test_identity_needs_exactly_one_way_to_name_the_license(self):
        for kw in ({}, {"customer_account_code": "ACME"},
                   {"license_key": "K", "customer_account_code": "A", "code": "c"},
                   {"username": "u", "license_key": "K"}, {"id_token": "t"}):
            with self.subTest(kw), self.assertRaises(ValueError):
                Identity(product="P", hardware_id="hw", **kw)
        with self.assertRaises(ValueError):
            _ = SSO.signed_identity


if __name__ == "__main__":
    unittest.main()
