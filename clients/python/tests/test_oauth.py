"""OAuth mode (license-api.md §2.2, §6.2): token discovery through oauth_url, the token
request, the Bearer header, caching by the injected clock, the one retry on a rejected
token, and token endpoint errors. A scripted local server plays licensor, so that expired
and malformed tokens can be answered on demand; test_e2e_usage.py runs OAuth against the
real server."""

from __future__ import annotations

import unittest
from urllib.parse import parse_qs

import licensor
from licensor import ApiError, Identity, SignatureError

from helpers import Reply, ScriptedServer, encode, error, key, license_object, signed

IDENT = Identity(product="EDITOR", hardware_id="hw-1", license_key="KEY-1")


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def token(value="tok-1", expires_in=480):
    return Reply(200, encode({"access_token": value, "expires_in": expires_in,
                              "refresh_expires_in": 0, "token_type": "Bearer",
                              "not-before-policy": 0, "scope": "profile email"}),
                 {"Content-Type": "application/json"})


class OAuthTest(unittest.TestCase):
    def setUp(self):
        self.server = ScriptedServer()
        self.addCleanup(self.server.close)
        self.clock = Clock()

    def client(self, **kw):
        kw.setdefault("client_id", "cid")
        kw.setdefault("client_secret", "secret")
        client = licensor.Client(licensor.Config(
            base_url=self.server.url, public_key=key().public_pem, max_retries=0, **kw),
            sleep=lambda s: None, clock=self.clock)
        self.addCleanup(client.close)
        return client

    def discovery(self):
        return signed({"url": self.server.url + "/oauth/token",
                       "login_type": "client_credentials"})

    def paths(self):
        return [(r.method, r.path) for r in self.server.requests]

    def test_token_from_oauth_url_then_bearer_calls(self):
        client = self.client()
        lic = license_object("hw-1", "KEY-1")
        self.server.add(self.discovery(), token(), signed(lic), signed(lic))
        client.check_license(IDENT)
        client.check_license(IDENT)
        self.assertEqual(self.paths(), [("GET", "/api/v4/oauth_url"), ("POST", "/oauth/token"),
                                        ("GET", "/api/v4/check_license"),
                                        ("GET", "/api/v4/check_license")])
        discover, form, *calls = self.server.requests
        self.assertNotIn("Authorization", discover.headers)
        self.assertEqual(discover.query, {"login_type": ["client_credentials"]})
        self.assertEqual(form.headers["Content-Type"], "application/x-www-form-urlencoded")
        self.assertEqual(parse_qs(form.body.decode()), {
            "grant_type": ["client_credentials"], "client_id": ["cid"],
            "client_secret": ["secret"]})
        for call in calls:
            self.assertEqual(call.headers["Authorization"], "Bearer tok-1")
            self.assertTrue(call.headers["Date"].endswith(" GMT"))
        self.assertEqual(client.oauth_tokens.fetched, 1)

    def test_token_is_renewed_shortly_before_it_expires(self):
        client = self.client(token_url=self.server.url + "/oauth/token")
        self.server.add(token("tok-1", 480), signed([]), signed([]), token("tok-2", 480),
                        signed([]))
        client.device_licenses("hw")
        self.clock.now += 449  # 480 s minus the 30 s margin, not yet reached
        client.device_licenses("hw")
        self.clock.now += 2
        client.device_licenses("hw")
        self.assertEqual(self.paths()[0], ("POST", "/oauth/token"), "token_url: no discovery")
        auths = [r.headers.get("Authorization") for r in self.server.requests
                 if r.path.startswith("/api/")]
        self.assertEqual(auths, ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"])

    def test_rejected_token_is_renewed_and_the_call_sent_once_more(self):
        for code in ("oauth_token_expired", "oauth_token_malformed"):
            with self.subTest(code):
                self.server.requests.clear()
                client = self.client(token_url=self.server.url + "/oauth/token")
                consumed = {"id": 1, "total_consumptions": 2}
                # add_consumption is never repeated after a network error, but a rejected
                # token means the server did nothing: one more try is safe.
                self.server.add(token("old"), error(401, code), token("new"), signed(consumed))
                got = client.add_consumption(IDENT, 2)
                self.assertEqual(got.total_consumptions, 2)
                auths = [r.headers.get("Authorization") for r in self.server.requests
                         if r.path.startswith("/api/")]
                self.assertEqual(auths, ["Bearer old", "Bearer new"])

    def test_a_second_rejection_is_raised(self):
        client = self.client(token_url=self.server.url + "/oauth/token")
        self.server.add(token("a"), error(401, "oauth_token_expired"), token("b"),
                        error(401, "oauth_token_expired"))
        with self.assertRaises(ApiError) as caught:
            client.device_licenses("hw")
        self.assertEqual((caught.exception.status, caught.exception.code),
                         (401, "oauth_token_expired"))
        self.assertEqual(len(self.server.requests), 4)

    def test_other_401s_are_not_retried(self):
        client = self.client(token_url=self.server.url + "/oauth/token")
        self.server.add(token(), error(401, "signature_mismatch"))
        with self.assertRaises(ApiError) as caught:
            client.device_licenses("hw")
        self.assertEqual(caught.exception.code, "signature_mismatch")
        self.assertEqual(client.oauth_tokens.fetched, 1)

    def test_invalid_client(self):
        client = self.client()
        self.server.add(self.discovery(), Reply(401, encode({
            "error": "invalid_client", "error_description": "unknown client or wrong secret"}),
            {"Content-Type": "application/json", "WWW-Authenticate": 'Basic realm="x"'}))
        with self.assertRaises(ApiError) as caught:
            client.check_license(IDENT)
        err = caught.exception
        self.assertEqual((err.status, err.code, err.message),
                         (401, "invalid_client", "unknown client or wrong secret"))
        self.assertEqual(self.paths(), [("GET", "/api/v4/oauth_url"), ("POST", "/oauth/token")])

    def test_token_endpoint_answers_that_are_not_tokens(self):
        cases = [Reply(200, b"{}"), Reply(200, b"not json"),
                 Reply(200, encode({"access_token": "t", "token_type": "mac"})),
                 Reply(502, b"<html>bad gateway</html>")]
        for reply in cases:
            with self.subTest(reply.body):
                client = self.client(token_url=self.server.url + "/oauth/token")
                self.server.add(reply)
                with self.assertRaises(ApiError) as caught:
                    client.device_licenses("hw")
                self.assertEqual(caught.exception.code, "unexpected_response")

    def test_a_forged_oauth_url_never_gets_the_secret(self):
        client = self.client()
        self.server.add(Reply(200, encode({"url": "https://evil.example/token"}),
                              {"LicenseSignature": key("other").sign(b"x")}))
        with self.assertRaises(SignatureError):
            client.device_licenses("hw")
        self.assertEqual(self.paths(), [("GET", "/api/v4/oauth_url")])

    def test_config_needs_one_pair_of_credentials(self):
        pem = key().public_pem
        bad = [dict(), dict(client_id="c"), dict(client_secret="s"), dict(api_key="k"),
               dict(client_id="c", client_secret="s", api_key="k", shared_key="sk"),
               dict(api_key="k", shared_key="sk", public_key="")]
        for kw in bad:
            with self.subTest(kw), self.assertRaises(ValueError):
                licensor.Client(licensor.Config(base_url="http://h", **{"public_key": pem,
                                                                        **kw}))
        cfg = licensor.Config(base_url="http://h", client_id="c", client_secret="s",
                              public_key=pem)
        self.assertTrue(cfg.oauth)
        self.assertEqual(cfg.offline_key(), ("client_id", "c", "s"))
        self.assertNotIn("'s'", repr(cfg))


if __name__ == "__main__":
    unittest.main()
