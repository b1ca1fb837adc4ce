"""End to end against the real licensor binary (env LICENSOR_BIN): oauth_url, OAuth mode
(token from the discovered endpoint, Bearer calls, renewal by the clock and after a
rejected token, a wrong secret), and offline activation round trips (request file →
activate_offline or `licensor offline activate` → answer file verified with no network →
deactivation request file → `licensor offline deactivate`)."""

from __future__ import annotations

import base64
import os
import tempfile
import unittest
from urllib.parse import parse_qs

import requests

import licensor
from licensor import ApiError, Identity, LicenseManager, LocalLicenseError, signing

from e2e_support import Licensor, licensor_binary


class RecordingSession(requests.Session):
    """A real session that also keeps every request it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = []

    def send(self, request, **kw):
        self.sent.append(request)
        return super().send(request, **kw)


class OAuthOfflineEndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="licensor-py-e2e-oauth-")
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.srv = Licensor(licensor_binary(), os.path.join(cls.tmp.name, "srv"))
        cls.addClassCleanup(cls.srv.stop)
        cli = cls.srv.cli
        cli(["product", "create"], "--code", "APP", "--name", "App")
        cli(["feature", "create"], "--product", "APP", "--code", "export")
        cli(["version", "add"], "--product", "APP", "--version", "1.0.0", "--link",
            "https://dl.example.com/app-1.0.0")
        cls.app_id = cli(["license", "create"], "--product", "APP", "--key", "APP-0001",
                         "--max-activations", "5")["id"]
        cls.offline_id = cli(["license", "create"], "--product", "APP", "--key", "APP-0002",
                             "--type", "consumption", "max_consumptions=10",
                             "allow_offline_activation=true", "--max-activations", "5")["id"]
        cli(["license", "create"], "--product", "APP", "--key", "APP-0003", "--type",
            "subscription", "--validity", "2031-01-01T00:00:00Z")
        cli(["product", "create"], "--code", "TEAM", "--name", "Team", "--auth", "user")
        team = cli(["license", "create"], "--product", "TEAM", "--customer", "buyer@example.com",
                   "allow_offline_activation=true")
        cls.password = cli(["user", "create"], "--license", str(team["id"]), "--email",
                           "ann@example.com")["initial_password"]
        cls.oauth = cli(["oauth-client", "create"])
        cls.srv.start()

    def client(self, **kw):
        if "client_id" not in kw:
            kw.update(api_key=self.srv.api_key, shared_key=self.srv.shared_key)
        clock = kw.pop("clock", None)
        client = licensor.Client(licensor.Config(
            base_url=self.srv.url, public_key=self.srv.public_key, timeout=5, max_retries=0,
            **kw), **({"clock": clock} if clock else {}))
        self.addCleanup(client.close)
        return client

    def test_oauth_url(self):
        found = self.client().oauth_url()
        self.assertEqual((found.url, found.login_type),
                         (self.srv.url + "/oauth/token", "client_credentials"))

    def test_oauth_mode(self):
        now = [0.0]
        session = RecordingSession()
        self.addCleanup(session.close)  # the client closes only a session it made itself
        client = self.client(client_id=self.oauth["client_id"], session=session,
                             client_secret=self.oauth["client_secret"], clock=lambda: now[0])
        ident = Identity(product="APP", hardware_id="hw-oauth", license_key="APP-0001")
        self.assertTrue(client.activate_license(ident).active)
        self.assertTrue(client.check_license(ident).active)
        self.assertEqual(client.check_license_feature(ident, "export").code, "export")
        client.track_device_variables(ident, {"seat": 1})
        self.assertEqual([v.value for v in client.get_device_variables(ident)], ["1"])
        self.assertEqual([v.version for v in client.versions(ident)], ["1.0.0"])
        self.assertEqual(client.product_details("APP").short_code, "APP")
        discover, token, *calls = session.sent
        self.assertEqual((discover.method, discover.url), (
            "GET", self.srv.url + "/api/v4/oauth_url?login_type=client_credentials"))
        self.assertNotIn("Authorization", discover.headers)
        self.assertEqual((token.method, token.url), ("POST", self.srv.url + "/oauth/token"))
        self.assertEqual(parse_qs(token.body)["grant_type"], ["client_credentials"])
        bearer = calls[0].headers["Authorization"]
        self.assertTrue(bearer.startswith("Bearer "))
        for call in calls:
            self.assertEqual(call.headers["Authorization"], bearer)
            self.assertIn("Date", call.headers)
        self.assertEqual(client.oauth_tokens.fetched, 1)
        now[0] += 460  # licensor's tokens last 480 s: renewed 30 s before
        client.check_license(ident)
        self.assertEqual(client.oauth_tokens.fetched, 2)
        self.assertNotEqual(session.sent[-1].headers["Authorization"], bearer)
        self.assertEqual(session.sent[-2].url, self.srv.url + "/oauth/token", "no rediscovery")
        client.oauth_tokens._token = "not-a-token"  # the server answers oauth_token_malformed
        client.deactivate_license(ident)
        self.assertEqual(client.oauth_tokens.fetched, 3)
        rejected, renewed, retried = session.sent[-3:]
        self.assertEqual((rejected.headers["Authorization"], renewed.url, retried.url),
                         ("Bearer not-a-token", self.srv.url + "/oauth/token",
                          self.srv.url + "/api/v4/deactivate_license"))

    def test_oauth_wrong_secret(self):
        client = self.client(client_id=self.oauth["client_id"], client_secret="wrong")
        with self.assertRaises(ApiError) as caught:
            client.product_details("APP")
        self.assertEqual((caught.exception.status, caught.exception.code),
                         (401, "invalid_client"))

    # -- offline --------------------------------------------------------------------------

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def post_offline(self, endpoint, request_path):
        """What the vendor's portal does with a request file: POST it as text/plain."""
        with open(request_path, encoding="ascii") as fh:
            text = fh.read()
        date = signing.http_date()
        headers = {"Date": date, "Content-Type": "text/plain", "Authorization":
                   signing.authorization_header(self.srv.api_key, self.srv.shared_key, date)}
        with requests.Session() as session:
            return session.post(f"{self.srv.url}/api/v4/{endpoint}", data=text,
                                headers=headers, timeout=10)

    def manager(self, hw, product="APP"):
        return LicenseManager(self.client(), product, self.path(f"{hw}.json"), hardware_id=hw)

    def test_offline_round_trip(self):
        manager = self.manager("hw-off1")
        manager.write_offline_activation_request(self.path("act.req"), license_key="APP-0002")
        answer = self.post_offline("activate_offline", self.path("act.req"))
        self.assertEqual(answer.status_code, 200, answer.text)
        with open(self.path("act.lic"), "w", encoding="ascii") as fh:
            fh.write(base64.b64encode(answer.content).decode("ascii"))
        lic = manager.load_offline_answer(self.path("act.lic"))
        self.assertEqual((lic.license_key, lic.max_consumptions), ("APP-0002", 10))
        local = manager.local_check()
        self.assertTrue(local.offline and manager.has_feature("export"))
        with self.assertRaises(LocalLicenseError) as caught:
            self.manager("hw-other").load_offline_answer(self.path("act.lic"))
        self.assertEqual(caught.exception.code, "license_file_invalid")
        with open(self.path("bad.lic"), "w", encoding="ascii") as fh:
            fh.write(base64.b64encode(answer.content.replace(b'"max_consumptions":10',
                                                             b'"max_consumptions":99')).decode())
        with self.assertRaises(LocalLicenseError):
            self.manager("hw-off1").load_offline_answer(self.path("bad.lic"))
        manager.add_local_consumption(3)
        manager.write_offline_deactivation_request(self.path("deact.req"))
        self.assertFalse(os.path.exists(manager.license_file))
        done = self.srv.cli(["offline", "deactivate"], "--request", self.path("deact.req"))
        self.assertEqual(done["deactivated"], True)
        shown = self.srv.cli(["license", "show"], str(self.offline_id))
        self.assertEqual(shown["total_consumptions"], 3, "the file's consumption was synced")
        with self.assertRaises(ApiError) as caught:
            self.client().check_license(Identity(product="APP", hardware_id="hw-off1",
                                                 license_key="APP-0002"))
        self.assertIn(caught.exception.code, ("license_not_active", "device_not_found"))

    def test_offline_with_the_cli_and_a_user(self):
        # The answer's offline_signature covers the username as the request sent it.
        manager = self.manager("hw-off2", product="TEAM")
        manager.write_offline_activation_request(
            self.path("user.req"), username="Ann@Example.com|ACME", password=self.password)
        self.srv.cli(["offline", "activate"], "--request", self.path("user.req"), "--out",
                     self.path("user.lic"))
        lic = manager.load_offline_answer(self.path("user.lic"))
        self.assertEqual(lic.user.email, "ann@example.com")
        self.assertTrue(manager.local_check().offline)
        online = manager.check()  # the device is active online too
        self.assertFalse(online.offline)
        manager.deactivate()
        self.assertFalse(os.path.exists(manager.license_file))

    def test_offline_refusals_and_oauth_signed_files(self):
        self.manager("hw-off3").write_offline_activation_request(
            self.path("sub.req"), license_key="APP-0003")
        answer = self.post_offline("activate_offline", self.path("sub.req"))
        self.assertEqual((answer.status_code, answer.json()["code"]), (400, "wrong_license_type"))
        answer = self.post_offline("deactivate_offline", self.path("sub.req"))
        self.assertEqual((answer.status_code, answer.json()["code"]), (400, "validation_error"),
                         "an activation request is not a deactivation")
        # Under OAuth the file is signed with the client secret and names the client_id
        # (license-api.md §2.2, §2.4); the answer's offline_signature uses them too.
        oauth = self.client(client_id=self.oauth["client_id"],
                            client_secret=self.oauth["client_secret"])
        manager = LicenseManager(oauth, "APP", self.path("o.json"), hardware_id="hw-off4")
        manager.write_offline_activation_request(self.path("oauth.req"), license_key="APP-0002")
        answer = self.post_offline("activate_offline", self.path("oauth.req"))
        self.assertEqual(answer.status_code, 200, answer.text)
        with open(self.path("oauth.lic"), "w", encoding="ascii") as fh:
            fh.write(base64.b64encode(answer.content).decode("ascii"))
        self.assertEqual(manager.load_offline_answer(self.path("oauth.lic")).license_key, "APP-0002")
        # The same answer does not verify with the API key's shared key.
        with self.assertRaises(LocalLicenseError):
            self.manager("hw-off4").load_offline_answer(self.path("oauth.lic"))

if __name__ == "__main__":
    unittest.main()
