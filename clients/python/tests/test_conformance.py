"""The shared conformance vectors (clients/conformance/vectors.json, DESIGN.md
"Conformance"), each passed through the code path that handles real requests and answers."""

from __future__ import annotations

import base64
import json
import os
import tempfile
import unittest
from unittest import mock

import licensor
from licensor import offline, signing
from licensor.errors import ApiError, LocalLicenseError, SignatureError

from helpers import Reply, load_vectors, make_client, stub_session

VECTORS = load_vectors()
BASE = "https://licensing.example.com"


def vector_client(*replies, max_retries: int = 0, sleeps=None):
    session, adapter = stub_session(*replies)
    client = make_client(BASE, public_key=VECTORS["public_key_pem"], session=session,
                         max_retries=max_retries, sleeps=sleeps)
    return client, adapter


def reply_of(vector) -> Reply:
    headers = {"Content-Type": "application/json"}
    if vector.get("header"):
        headers["LicenseSignature"] = vector["header"]
    return Reply(200, base64.b64decode(vector["body_base64"]), headers)


def request_identity(request) -> licensor.Identity:
    return licensor.Identity(product=request["product"], hardware_id=request["hardware_id"],
                             license_key=request.get("license_key"),
                             username=request.get("username"))


class ConformanceTest(unittest.TestCase):
    def test_every_section_is_present(self):
        for section in ("request_signing", "v2", "v1", "responses", "errors"):
            self.assertTrue(VECTORS[section], section)

    def test_request_signing(self):
        for v in VECTORS["request_signing"]:
            with self.subTest(v["name"]):
                self.assertEqual(signing.signing_string(v["date"]), v["signing_string"])
                self.assertEqual(signing.request_signature(v["shared_key"], v["date"]),
                                 v["signature"])
                self.assertEqual(
                    signing.authorization_header(v["api_key"], v["shared_key"], v["date"]),
                    v["authorization"])
                # And on the wire, as the client sends it with this Date.
                session, adapter = stub_session(Reply(200, b"[]", {
                    "LicenseSignature": "x"}))
                client = licensor.Client(licensor.Config(
                    base_url=BASE, api_key=v["api_key"], shared_key=v["shared_key"],
                    public_key=VECTORS["public_key_pem"], max_retries=0, session=session))
                with mock.patch("licensor._http.http_date", return_value=v["date"]):
                    with self.assertRaises(SignatureError):
                        client.device_licenses("hw")
                sent = adapter.sent[0].headers
                self.assertEqual(sent["Date"], v["date"])
                self.assertEqual(sent["Authorization"], v["authorization"])

    def test_v2(self):
        for v in VECTORS["v2"]:
            with self.subTest(v["name"]):
                body = base64.b64decode(v["body_base64"])
                client, _ = vector_client(reply_of(v))
                key = client._http.public_key
                if v["valid"]:
                    signing.verify_v2(key, body, v["header"])
                    answer = client._http.call("GET", "product_details", {}, idempotent=True)
                    self.assertEqual(answer.body, body)
                else:
                    with self.assertRaises(SignatureError):
                        signing.verify_v2(key, body, v["header"] or None)
                    with self.assertRaises(SignatureError):
                        client._http.call("GET", "product_details", {}, idempotent=True)

    def test_v1(self):
        key = signing.load_public_key(VECTORS["public_key_pem"])
        for v in VECTORS["v1"]:
            with self.subTest(v["name"]):
                # The vector's identity is what the client sent; a key and a
                # username are both cut at the first "|", so either field works.
                identity = licensor.Identity(
                    product="P", hardware_id=v["hardware_id"], license_key=v["identity"])
                obj = {"validity_period": v["validity_period"],
                       "license_signature": v["signature"] or None}
                check = lambda: signing.verify_license_object(  # noqa: E731
                    key, obj, identity.hardware_id, identity.signed_identity)
                if v["valid"]:
                    check()
                else:
                    self.assertRaises(SignatureError, check)

    def test_responses(self):
        for v in VECTORS["responses"]:
            with self.subTest(v["name"]):
                identity = request_identity(v["request"])
                body = base64.b64decode(v["body_base64"])
                client, adapter = vector_client(reply_of(v))
                call = client.activate_bundle if body.startswith(b"[") else \
                    client.activate_license
                if v["valid"]:
                    result = call(identity)
                    licenses = result if isinstance(result, list) else [result]
                    self.assertTrue(licenses)
                    for lic in licenses:
                        self.assertTrue(lic.enabled)
                        self.assertIsNotNone(lic.id)
                else:
                    with self.assertRaises(SignatureError):
                        call(identity)
                self.assertEqual(len(adapter.sent), 1)

    def test_errors(self):
        for v in VECTORS["errors"]:
            with self.subTest(v["name"]):
                reply = Reply(v["status"], v["body"].encode("utf-8"), v.get("headers", {}))
                client, adapter = vector_client(reply)
                with self.assertRaises(ApiError) as caught:
                    client.device_licenses("hw")
                err = caught.exception
                self.assertEqual(err.status, v["status"])
                self.assertEqual(err.code, v["code"])
                self.assertEqual(err.message, v["message"])
                self.assertEqual(err.retry_after, v.get("retry_after_seconds"))
                self.assertEqual(err.retryable, v["retryable"])
                # Retryable means the client itself tries again (after Retry-After).
                sleeps = []
                client, adapter = vector_client(reply, reply, max_retries=1, sleeps=sleeps)
                with self.assertRaises(ApiError):
                    client.device_licenses("hw")
                self.assertEqual(len(adapter.sent), 2 if v["retryable"] else 1)
                if v["retryable"]:
                    self.assertEqual(sleeps, [float(v["retry_after_seconds"])])


class OfflineConformanceTest(unittest.TestCase):
    """The ``offline_requests`` and ``offline_answers`` sections: every vector, through
    the functions that write request files and the manager that loads answer files."""

    def vectors(self, section):
        if section not in VECTORS:
            self.skipTest(f"vectors.json has no {section} section yet")
        self.assertTrue(VECTORS[section], section)
        return VECTORS[section]

    def test_offline_requests(self):
        for v in self.vectors("offline_requests"):
            with self.subTest(v["name"]):
                self.assertEqual(offline.offline_signing_string(
                    v["date"], v["identity"], v["hardware_id"], v["key_id"]),
                    v["signing_string"])
                self.assertEqual(offline.offline_signature(
                    v["key"], v["date"], v["identity"], v["hardware_id"], v["key_id"]),
                    v["signature"])
                self.assertEqual(offline.hmac_b64(v["key"], v["request_json"].encode("utf-8")),
                                 v["v2_signature"])
                inner = json.loads(v["request_json"])
                if "signature" in inner:
                    self.assertEqual(inner["signature"], v["signature"])

    def test_request_files_sign_like_the_vectors(self):
        # The files this client writes, with a vector's inputs, carry its signature.
        for v in self.vectors("offline_requests"):
            with self.subTest(v["name"]):
                inner = json.loads(v["request_json"])
                user = "username" in inner and "license_key" not in inner
                ident = licensor.Identity(
                    product=inner.get("product", "P"), hardware_id=v["hardware_id"],
                    **{"username" if user else "license_key": v["identity"]})
                field = "client_id" if "client_id" in inner else "api_key"
                text = offline.request_file(inner.get("request", "activation"), ident,
                                            (field, v["key_id"], v["key"]), date=v["date"])
                outer = base64.b64decode(text)
                raw = outer[len(b'{"request":'):outer.rindex(b',"signature":')]
                self.assertEqual(json.loads(raw)["signature"], v["signature"])
                self.assertEqual(json.loads(outer)["signature"], offline.hmac_b64(v["key"], raw))

    def test_offline_answers(self):
        key = signing.load_public_key(VECTORS["public_key_pem"])
        for v in self.vectors("offline_answers"):
            with self.subTest(v["name"]):
                check = lambda: offline.verify_answer(  # noqa: E731
                    v["file"], key, ("api_key", v["key_id"], v["key"]),
                    hardware_id=v["hardware_id"], product=v["product"])
                if v["valid"]:
                    check()
                else:
                    self.assertRaises(SignatureError, check)
                self.through_manager(v)

    def through_manager(self, v):
        with tempfile.TemporaryDirectory() as tmp:
            client = licensor.Client(licensor.Config(
                base_url=BASE, api_key=v["key_id"], shared_key=v["key"],
                public_key=VECTORS["public_key_pem"], max_retries=0))
            manager = licensor.LicenseManager(client, v["product"],
                                              os.path.join(tmp, "license.json"),
                                              hardware_id=v["hardware_id"])
            answer = os.path.join(tmp, "answer.lic")
            with open(answer, "w", encoding="ascii") as fh:
                fh.write(v["file"])
            if v["valid"]:
                lic = manager.load_offline_answer(answer)
                self.assertEqual(manager.license().id, lic.id)
            else:
                with self.assertRaises(LocalLicenseError) as caught:
                    manager.load_offline_answer(answer)
                self.assertEqual(caught.exception.code, "license_file_invalid")


if __name__ == "__main__":
    unittest.main()
