"""Client unit tests against a scripted local HTTP server: request encoding and signing,
retries, timeouts and the three error kinds."""

from __future__ import annotations

import time
import unittest
from email.utils import parsedate_to_datetime

import requests
from cryptography.hazmat.primitives import serialization

import licensor
from licensor import ApiError, LicensorError, NetworkError, SignatureError
from licensor._http import backoff
from licensor.signing import authorization_header

from helpers import (API_KEY, SHARED_KEY, Reply, ScriptedServer, error, free_port, key,
                     license_object, make_client, signed)

IDENT = licensor.Identity(product="DESKTOP", hardware_id="hw-1", license_key="KEY-1")


class ServerTestCase(unittest.TestCase):
    def setUp(self):
        self.server = ScriptedServer()
        self.addCleanup(self.server.close)
        self.sleeps = []

    def client(self, **kw):
        kw.setdefault("sleeps", self.sleeps)
        client = make_client(self.server.url, **kw)
        self.addCleanup(client.close)
        return client

    def license_reply(self, identity=IDENT, **fields):
        return signed(license_object(identity.hardware_id,
                                     identity.license_key or identity.username, **fields))


class RequestTest(ServerTestCase):
    def test_get_headers_signature_and_query(self):
        self.server.add(self.license_reply())
        client = self.client(app_name="MyApp", app_version="1.2")
        lic = client.check_license(IDENT)
        self.assertEqual(lic.license_key, "KEY-1")
        req = self.server.requests[0]
        self.assertEqual((req.method, req.path), ("GET", "/api/v4/check_license"))
        date = req.headers["Date"]
        self.assertRegex(date, r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")
        self.assertLess(abs(parsedate_to_datetime(date).timestamp() - time.time()), 60)
        self.assertEqual(req.headers["Authorization"],
                         authorization_header(API_KEY, SHARED_KEY, date))
        self.assertEqual(req.headers["Accept"], "application/json")
        self.assertEqual(req.headers["User-Agent"], "licensor-python/0.1.0 (MyApp/1.2)")
        q = {k: v[0] for k, v in req.query.items()}
        self.assertEqual(q["product"], "DESKTOP")
        self.assertEqual(q["hardware_id"], "hw-1")
        self.assertEqual(q["license_key"], "KEY-1")
        self.assertEqual(q["include_expired_features"], "false")
        self.assertEqual(q["sdk_ver"], "licensor-python 0.1.0")
        self.assertEqual((q["app_name"], q["app_ver"]), ("MyApp", "1.2"))
        self.assertNotIn("password", q)

    def test_post_json_body(self):
        ident = licensor.Identity(product="CLOUD", hardware_id="hw-2",
                                  username="ann@example.com|ACME", password="pw",
                                  license_id=7, variables={"os": "linux"})
        self.server.add(self.license_reply(ident))
        lic = self.client().activate_license(ident)
        self.assertTrue(lic.active)
        req = self.server.requests[0]
        self.assertEqual((req.method, req.path), ("POST", "/api/v4/activate_license"))
        self.assertEqual(req.headers["Content-Type"], "application/json")
        self.assertEqual(req.headers["User-Agent"], "licensor-python/0.1.0")
        body = req.json()
        self.assertEqual(body["username"], "ann@example.com|ACME")
        self.assertEqual(body["password"], "pw")
        self.assertEqual(body["license_id"], 7)
        self.assertEqual(body["variables"], {"os": "linux"})
        self.assertNotIn("license_key", body)
        self.assertEqual(body["sdk_ver"], "licensor-python 0.1.0")

    def test_password_only_where_the_call_authenticates(self):
        ident = licensor.Identity(product="CLOUD", hardware_id="hw", username="u@x.io",
                                  password="secret")
        self.server.add(self.license_reply(ident), signed("license_deactivated"))
        client = self.client()
        client.check_license(ident)
        client.deactivate_license(ident)
        self.assertNotIn("password", self.server.requests[0].query)
        self.assertNotIn("password", self.server.requests[1].json())

    def test_booleans_and_absent_parameters(self):
        self.server.add(signed({"product_id": 1, "short_code": "DESKTOP"}))
        details = self.client().product_details("DESKTOP", include_latest_version=True)
        self.assertEqual(details.short_code, "DESKTOP")
        q = self.server.requests[0].query
        self.assertEqual(q["include_latest_version"], ["true"])
        self.assertEqual(q["include_custom_fields"], ["false"])
        self.assertNotIn("env", q)

    def test_base_url_forms(self):
        for suffix in ("", "/", "/api/v4", "/api/v4/"):
            with self.subTest(suffix=suffix):
                self.server.add(signed([]))
                client = make_client(self.server.url + suffix)
                self.assertEqual(client.device_licenses("hw"), [])
                self.assertEqual(self.server.requests[-1].path, "/api/v4/device_licenses")

    def test_config_is_checked(self):
        private_pem = key().private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()
        for bad in ("", "not a key", private_pem):
            with self.subTest(public_key=bad[:20]):
                with self.assertRaises(ValueError):
                    make_client(self.server.url, public_key=bad or " ")
        with self.assertRaises(ValueError):
            make_client("licensing.example.com")
        with self.assertRaises(ValueError):
            licensor.Identity(product="P", hardware_id="h")
        with self.assertRaises(ValueError):
            licensor.Identity(product="P", hardware_id="h", license_key="k", username="u")


class RetryTest(ServerTestCase):
    def test_429_honours_retry_after(self):
        self.server.add(error(429, "too_many_requests", **{"Retry-After": "2"}), signed([]))
        self.assertEqual(self.client(max_retries=3).device_licenses("hw"), [])
        self.assertEqual(self.sleeps, [2.0])
        self.assertEqual(len(self.server.requests), 2)

    def test_retry_after_is_capped_at_30s(self):
        self.server.add(error(503, "server_busy", **{"Retry-After": "100"}), signed([]))
        self.client(max_retries=1).device_licenses("hw")
        self.assertEqual(self.sleeps, [30.0])

    def test_503_without_retry_after_backs_off(self):
        self.server.add(error(503, "server_busy"), signed([]))
        self.client(max_retries=1).device_licenses("hw")
        self.assertEqual(len(self.sleeps), 1)
        self.assertTrue(0.4 <= self.sleeps[0] <= 0.6, self.sleeps)

    def test_retries_exhausted(self):
        self.server.add(*[error(429, "too_many_requests", **{"Retry-After": "1"})] * 3)
        with self.assertRaises(ApiError) as caught:
            self.client(max_retries=2).device_licenses("hw")
        self.assertEqual((caught.exception.code, caught.exception.retry_after),
                         ("too_many_requests", 1.0))
        self.assertEqual(self.sleeps, [1.0, 1.0])
        self.assertEqual(len(self.server.requests), 3)

    def test_network_errors_back_off_exponentially(self):
        self.server.add(Reply(drop=True), Reply(drop=True), Reply(drop=True), signed([]))
        self.assertEqual(self.client(max_retries=3).device_licenses("hw"), [])
        self.assertEqual(len(self.server.requests), 4)
        for wait, base in zip(self.sleeps, (0.5, 1.0, 2.0)):
            self.assertTrue(base * 0.8 <= wait <= base * 1.2, self.sleeps)
        self.assertEqual(max(backoff(n) for n in range(10, 20)), 10.0)

    def test_activation_is_retried_on_network_errors(self):
        self.server.add(Reply(drop=True), self.license_reply())
        self.assertEqual(self.client(max_retries=1).activate_license(IDENT).id, 17)
        self.assertEqual(len(self.server.requests), 2)

    def test_non_idempotent_calls_are_not_retried_on_network_errors(self):
        client = self.client(max_retries=3)
        self.server.add(Reply(drop=True))
        with self.assertRaises(NetworkError):
            client.deactivate_license(IDENT)
        self.server.add(Reply(drop=True))
        with self.assertRaises(NetworkError):
            client.change_password("u@x.io", "old password", "new password")
        self.server.add(Reply(drop=True))
        with self.assertRaises(NetworkError):
            client.deactivate_bundle(IDENT)
        self.assertEqual(len(self.server.requests), 3)
        self.assertEqual(self.sleeps, [])

    def test_non_idempotent_calls_are_retried_on_429_and_503(self):
        self.server.add(error(503, "server_busy", **{"Retry-After": "1"}),
                        signed("license_deactivated"),
                        error(429, "too_many_requests", **{"Retry-After": "0"}),
                        signed("password_changed"))
        client = self.client(max_retries=1)
        client.deactivate_license(IDENT)
        client.change_password("u@x.io", "old password", "new password")
        self.assertEqual(len(self.server.requests), 4)
        self.assertEqual(self.sleeps, [1.0, 0.0])

    def test_connection_refused(self):
        client = make_client(f"http://127.0.0.1:{free_port()}", max_retries=2,
                             sleeps=self.sleeps)
        with self.assertRaises(NetworkError) as caught:
            client.check_license(IDENT)
        self.assertIsInstance(caught.exception.__cause__, requests.ConnectionError)
        self.assertEqual(len(self.sleeps), 2)

    def test_api_errors_are_not_retried(self):
        self.server.add(error(400, "license_not_found"))
        with self.assertRaises(ApiError):
            self.client(max_retries=3).check_license(IDENT)
        self.assertEqual(len(self.server.requests), 1)


class TimeoutTest(ServerTestCase):
    def test_timeout_is_a_network_error(self):
        self.server.add(Reply(delay=2.5, body=b"[]"))
        start = time.monotonic()
        with self.assertRaises(NetworkError) as caught:
            self.client(timeout=0.5).device_licenses("hw")
        self.assertLess(time.monotonic() - start, 2.0)
        self.assertIsInstance(caught.exception.__cause__, requests.Timeout)

    def test_timeout_per_attempt_then_retry(self):
        self.server.add(Reply(delay=1.5, body=b"[]"), signed([]))
        self.assertEqual(self.client(timeout=0.5, max_retries=1).device_licenses("hw"), [])
        self.assertEqual(len(self.server.requests), 2)
        self.assertEqual(len(self.sleeps), 1)


class ErrorKindTest(ServerTestCase):
    def expect(self, reply, kind, call=None):
        self.server.add(reply)
        client = self.client()
        with self.assertRaises(kind) as caught:
            (call or (lambda c: c.check_license(IDENT)))(client)
        self.assertIsInstance(caught.exception, LicensorError)
        return caught.exception

    def test_api_error(self):
        err = self.expect(error(400, "license_not_enabled", "disabled"), ApiError)
        self.assertEqual((err.status, err.code, err.message, err.retry_after),
                         (400, "license_not_enabled", "disabled", None))
        self.assertFalse(err.retryable)

    def test_not_the_error_shape(self):
        err = self.expect(Reply(502, b"<html>Bad Gateway</html>"), ApiError)
        self.assertEqual(err.code, "unexpected_response")
        err = self.expect(Reply(404, b'{"error":"nope"}'), ApiError)
        self.assertEqual((err.status, err.code), (404, "unexpected_response"))

    def test_redirects_are_not_followed(self):
        err = self.expect(Reply(302, b"", {"Location": "http://example.com/"}), ApiError)
        self.assertEqual((err.status, err.code), (302, "unexpected_response"))

    def test_signature_header_missing(self):
        reply = self.license_reply()
        del reply.headers["LicenseSignature"]
        self.assertIn("missing", self.expect(reply, SignatureError).reason)

    def test_signed_by_another_key(self):
        obj = license_object("hw-1", "KEY-1", signer=key("other"))
        self.expect(signed(obj, signer=key("other")), SignatureError)

    def test_license_signature_wrong_or_missing(self):
        self.expect(signed(license_object("hw-2", "KEY-1")), SignatureError)
        obj = license_object("hw-1", "KEY-1")
        del obj["license_signature"]
        self.expect(signed(obj), SignatureError)

    def test_bundle_checks_every_element(self):
        good = license_object("hw-1", "KEY-1")
        bad = license_object("hw-1", "KEY-1", validity_period="2099-01-01T00:00:00.000Z")
        bad["license_signature"] = good["license_signature"]
        self.expect(signed([good, bad]), SignatureError, lambda c: c.check_bundle(IDENT))

    def test_signed_body_that_is_not_json(self):
        err = self.expect(signed(b"not json"), ApiError)
        self.assertEqual(err.code, "unexpected_response")

    def test_plain_string_answers_must_match(self):
        err = self.expect(signed("ok"), ApiError, lambda c: c.deactivate_license(IDENT))
        self.assertEqual(err.code, "unexpected_response")
        err = self.expect(signed("license_deactivated"), ApiError,
                          lambda c: c.change_password("u@x.io", "a", "b"))
        self.assertEqual(err.code, "unexpected_response")

    def test_kinds_are_distinct(self):
        kinds = (ApiError, SignatureError, NetworkError, licensor.LocalLicenseError)
        for kind in kinds:
            self.assertTrue(issubclass(kind, LicensorError))
            for other in kinds:
                if other is not kind:
                    self.assertFalse(issubclass(kind, other))


if __name__ == "__main__":
    unittest.main()
