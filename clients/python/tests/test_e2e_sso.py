"""End to end SSO (license-api.md §5.18): licensor (LICENSOR_BIN) with a customer account
whose OpenID Connect provider is licensor's stand-in provider on loopback (LICENSOR_OIDC_BIN,
internal/oidctest: real discovery, JWKS, authorization and token endpoints; only the login
page is left out, the user is named by login_hint). The client asks sso_url, the test plays
the browser, and the client activates and borrows with the id_token or the code."""

from __future__ import annotations

import os
import subprocess
import tempfile
import unittest
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

import licensor
from licensor import ApiError, Identity

from e2e_support import Licensor, licensor_binary

CLIENT_ID = "licensor-app"
REDIRECT = "myapp://sso"


def oidc_binary() -> str:
    path = os.environ.get("LICENSOR_OIDC_BIN", "")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(
            "LICENSOR_OIDC_BIN is not set to an executable: build the stand-in OpenID provider "
            "with `go build -o /tmp/oidc-standin ./internal/oidctest/standin` in the repository "
            "(clients/python/test.sh does this).")
    return path


class StandInProvider:
    """The stand-in provider process: it prints its issuer URL and serves until its stdin
    closes."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([oidc_binary()], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            raise RuntimeError(f"the stand-in provider printed {self.url!r}")

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


class SSOEndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="licensor-py-e2e-sso-")
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.idp = StandInProvider()
        cls.addClassCleanup(cls.idp.stop)
        cls.srv = Licensor(licensor_binary(), os.path.join(cls.tmp.name, "srv"))
        cls.addClassCleanup(cls.srv.stop)
        cli = cls.srv.cli
        cli(["product", "create"], "--code", "TEAM", "--name", "Team", "--auth", "user")
        cli(["customer-account", "create"], "--code", "ACME", "--name", "Acme Corp",
            f"sso_issuer={cls.idp.url}", f"sso_client_id={CLIENT_ID}")
        cli(["customer", "create"], "--email", "buyer@acme.example", "--customer-account", "ACME")
        team = cli(["license", "create"], "--product", "TEAM", "--customer", "buyer@acme.example",
                   "--max-activations", "5")
        cli(["user", "create"], "--license", str(team["id"]), "--email", "ann@acme.example")
        seats = cli(["license", "create"], "--product", "TEAM", "--customer", "buyer@acme.example",
                    "is_floating_cloud=true", "floating_users=1", "can_borrow=true",
                    "max_borrow_time=24")
        cli(["user", "create"], "--license", str(seats["id"]), "--email", "dan@acme.example")
        cls.seats_id = seats["id"]
        cls.srv.start()

    def client(self) -> licensor.Client:
        client = licensor.Client(licensor.Config(
            base_url=self.srv.url, api_key=self.srv.api_key, shared_key=self.srv.shared_key,
            public_key=self.srv.public_key, timeout=5, max_retries=0))
        self.addCleanup(client.close)
        return client

    def sign_in(self, client: licensor.Client, response_type: str, email: str) -> dict:
        """sso_url, then the provider's authorization endpoint as the user's browser:
        returns the redirect's parameters (code, or id_token in the fragment)."""
        answer = client.sso_url("TEAM", "ACME", response_type=response_type, redirect_uri=REDIRECT)
        self.assertEqual(answer.openid_configuration["issuer"], self.idp.url)
        self.assertTrue(answer.url.startswith(self.idp.url + "/authorize?"), answer.url)
        browser = requests.get(answer.url + "&" + urlencode({"login_hint": email}),
                               allow_redirects=False, timeout=5)
        self.assertEqual(browser.status_code, 302, browser.text)
        back = urlsplit(browser.headers["Location"])
        self.assertEqual(f"{back.scheme}://{back.netloc}", REDIRECT)
        return {k: v[0] for k, v in parse_qs(back.fragment or back.query).items()}

    def test_implicit_grant_activation(self):
        client = self.client()
        got = self.sign_in(client, "token", "ann@acme.example")
        lic = client.activate_license(Identity(product="TEAM", hardware_id="hw-sso-1",
                                               customer_account_code="ACME",
                                               id_token=got["id_token"]))
        # The client checked license_signature with the answer's user.email (§3.1).
        self.assertEqual((lic.user.email, lic.active), ("ann@acme.example", True))
        again = client.check_license(Identity(product="TEAM", hardware_id="hw-sso-1",
                                              username="ann@acme.example"))
        self.assertTrue(again.active)

    def test_authorization_code_activation(self):
        client = self.client()
        got = self.sign_in(client, "code", "ann@acme.example")
        ident = Identity(product="TEAM", hardware_id="hw-sso-2", customer_account_code="ACME",
                         code=got["code"], redirect_uri=REDIRECT)
        self.assertEqual(client.activate_license(ident).user.email, "ann@acme.example")
        with self.assertRaises(ApiError) as caught:  # a code is good once
            client.activate_license(Identity(product="TEAM", hardware_id="hw-sso-3",
                                             customer_account_code="ACME", code=got["code"],
                                             redirect_uri=REDIRECT))
        self.assertEqual((caught.exception.status, caught.exception.code),
                         (401, "sso_token_invalid"))

    def test_borrow_with_sso(self):
        client = self.client()
        got = self.sign_in(client, "token", "dan@acme.example")
        sso = Identity(product="TEAM", hardware_id="hw-sso-9", customer_account_code="ACME",
                       id_token=got["id_token"])
        self.assertEqual(client.activate_license(sso).id, self.seats_id)
        borrow = client.floating_borrow(sso)
        self.assertEqual(borrow.license_id, self.seats_id)
        self.assertTrue(borrow.borrowed_until)

    def test_refusals(self):
        client = self.client()
        for ident, status, code in [
            (Identity(product="TEAM", hardware_id="hw-x", customer_account_code="ACME",
                      id_token="not.a.token"), 401, "sso_token_invalid"),
            (Identity(product="TEAM", hardware_id="hw-x", customer_account_code="NOPE",
                      id_token="not.a.token"), 400, "customer_account_not_found"),
        ]:
            with self.assertRaises(ApiError) as caught:
                client.activate_license(ident)
            self.assertEqual((caught.exception.status, caught.exception.code), (status, code))
        with self.assertRaises(ApiError) as caught:
            client.sso_url("TEAM", "NOPE", redirect_uri=REDIRECT)
        self.assertEqual(caught.exception.code, "customer_account_not_found")


if __name__ == "__main__":
    unittest.main()
