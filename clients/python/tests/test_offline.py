"""Offline files (license-api.md §2.4, §2.5, §3.3, §5.5): the request file's layout and
signatures, the answer file's verification (each signature, each mismatch), the license
file made from it, and JSON.stringify's serialization that license_signature_v2 covers.
Answers here are signed with the test key the way licensor signs them
(internal/wire/offline.go); test_e2e_usage.py round-trips real files with licensor."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import unittest
import uuid

import licensor
from licensor import LocalLicenseError, SignatureError, offline
from licensor._jsjson import js_number, stringify

from helpers import API_KEY, SHARED_KEY, TestKey, key, license_object
from manager_case import HW, KEY, T0, ManagerTestCase

DATE = "Thu, 01 Jan 2026 12:00:00 GMT"


def b64hmac(secret, message):
    data = message if isinstance(message, bytes) else message.encode()
    return base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha256).digest()).decode()


def answer_file(hw=HW, identity=KEY, product="DESKTOP", secret=SHARED_KEY, key_id=API_KEY,
                signer: TestKey = None, date=DATE, **fields):
    """An activate_offline answer as licensor builds it, base64-encoded."""
    obj = license_object(hw, identity, signer=signer, request="activation",
                         product_details={"product_id": 3, "short_code": product}, **fields)
    obj["hardware_id"] = hw
    obj["license_signature"] = obj.pop("license_signature")  # v1 last, as licensor emits
    obj["date"] = date
    v2 = (signer or key()).sign(stringify(obj).encode())
    obj["offline_signature"] = b64hmac(secret, f"licenseSpring\ndate: {date}\n{identity}\n"
                                               f"{hw}\n{key_id}")
    obj["license_signature_v2"] = v2
    return base64.b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode()


def decode_request(text):
    outer = base64.b64decode(text)
    inner = outer[len(b'{"request":'):outer.rindex(b',"signature":')]
    return json.loads(outer), inner


class RequestFileTest(unittest.TestCase):
    def test_activation_request(self):
        ident = licensor.Identity(product="P", hardware_id="hw", license_key="K-1",
                                  variables={"seat": "3"})
        text = offline.request_file("activation", ident, ("api_key", "AK", "SK"),
                                    telemetry={"app_name": "app"}, date=DATE)
        doc, inner = decode_request(text)
        self.assertTrue(base64.b64decode(text).startswith(b'{"request":{"request":"activation"'))
        self.assertEqual(doc["signature"], b64hmac("SK", inner), "v2: HMAC of the exact bytes")
        req = doc["request"]
        self.assertEqual(uuid.UUID(req.pop("request_id")).version, 4)
        self.assertEqual(req, {
            "request": "activation", "schema_version": 2, "date": DATE, "api_key": "AK",
            "product": "P", "hardware_id": "hw", "license_key": "K-1",
            "variables": {"seat": "3"}, "app_name": "app",
            "signature": b64hmac("SK", f"licenseSpring\ndate: {DATE}\nK-1\nhw\nAK")})

    def test_deactivation_request_under_oauth(self):
        ident = licensor.Identity(product="P", hardware_id="hw", username="a@b.c|ACME",
                                  password="pw")
        text = offline.request_file("deactivation", ident, ("client_id", "CID", "CS"),
                                    consumptions=3, feature_consumptions={"f": 2}, date=DATE)
        doc, inner = decode_request(text)
        req = doc["request"]
        self.assertEqual(doc["signature"], b64hmac("CS", inner))
        self.assertEqual((req["client_id"], req["username"], req["consumptions"],
                          req["product_features"]), ("CID", "a@b.c|ACME", 3,
                                                      [{"code": "f", "consumptions": 2}]))
        self.assertNotIn("password", req, "only activation authenticates the user")
        self.assertNotIn("api_key", req)
        self.assertEqual(req["signature"],
                         b64hmac("CS", f"licenseSpring\ndate: {DATE}\na@b.c|ACME\nhw\nCID"))

    def test_bad_requests(self):
        ident = licensor.Identity(product="P", hardware_id="hw", license_key="K")
        with self.assertRaises(ValueError):
            offline.request_file("check", ident, ("api_key", "a", "s"))
        sso = licensor.Identity(product="P", hardware_id="hw", customer_account_code="A",
                                code="c")
        with self.assertRaises(ValueError):
            offline.request_file("activation", sso, ("api_key", "a", "s"))


class AnswerFileTest(unittest.TestCase):
    KEY_TUPLE = ("api_key", API_KEY, SHARED_KEY)

    def verify(self, text, hw=HW, product="DESKTOP", key_tuple=None):
        return offline.verify_answer(text, key().private.public_key(),
                                     key_tuple or self.KEY_TUPLE, hardware_id=hw,
                                     product=product)

    def test_valid_answers(self):
        answer, raw = self.verify(answer_file(metadata={"b": 1.5, "10": [1e21, 0.0001]}))
        self.assertEqual(answer["license_key"], KEY)
        self.assertEqual(json.loads(raw), answer)
        user = answer_file(identity="Ann@Example.com|ACME", username="Ann@Example.com|ACME",
                           user={"email": "ann@example.com"})
        self.assertEqual(self.verify(user)[0]["user"]["email"], "ann@example.com")
        wrapped = "\n".join(answer_file()[i:i + 76] for i in range(0, len(answer_file()), 76))
        self.verify(wrapped + "\n")

    def test_every_failure_is_a_signature_error(self):
        good = answer_file()
        obj = json.loads(base64.b64decode(good))
        tampered = base64.b64encode(json.dumps({**obj, "max_activations": 99}).encode())
        no_v2 = base64.b64encode(json.dumps({k: v for k, v in obj.items()
                                             if k != "license_signature_v2"}).encode())
        cases = {
            "not base64": ("***", {}),
            "not json": (base64.b64encode(b"[1,"), {}),
            "not an object": (base64.b64encode(b"[]"), {}),
            "tampered": (tampered, {}),
            "v2 missing": (no_v2, {}),
            "another shared key": (good, {"key_tuple": ("api_key", API_KEY, "other")}),
            "another api key": (good, {"key_tuple": ("api_key", "other", SHARED_KEY)}),
            "another signer": (answer_file(signer=key("other")), {}),
            "another device": (good, {"hw": "hw-2"}),
            "another product": (good, {"product": "OTHER"}),
        }
        for name, (text, kw) in cases.items():
            with self.subTest(name), self.assertRaises(SignatureError):
                self.verify(text, **kw)

    def test_js_serialization(self):
        self.assertEqual([js_number(json.loads(t)) for t in ("1.0", "1e16", "1e-7", "0.000001",
                                                            "123e20", "-0", "2.5")],
                         ["1", "10000000000000000", "1e-7", "0.000001", "1.23e+22", "0", "2.5"])
        self.assertEqual(stringify(json.loads('{"b":1,"10":[true,null],"a":"é\\u0001","2":{}}')),
                         '{"2":{},"10":[true,null],"b":1,"a":"é\\u0001"}')


class OfflineManagerTest(ManagerTestCase):
    def file(self, name):
        return os.path.join(self.dir.name, name)

    def test_activation_request_file(self):
        self.manager().write_offline_activation_request(self.file("req"), username="a@b.c",
                                                        password="pw")
        self.assertEqual(stat.S_IMODE(os.stat(self.file("req")).st_mode), 0o600)
        with open(self.file("req")) as fh:
            req = decode_request(fh.read())[0]["request"]
        self.assertEqual((req["username"], req["password"], req["hardware_id"], req["product"],
                          req["api_key"]), ("a@b.c", "pw", HW, "DESKTOP", API_KEY))
        self.assertTrue(req["sdk_ver"].startswith("licensor-python "))
        self.assertFalse(self.server.requests, "no network")

    def test_answer_becomes_the_license_file(self):
        with open(self.file("ans"), "w") as fh:
            fh.write(answer_file())
        lic = self.manager().load_offline_answer(self.file("ans"))
        self.assertEqual((lic.license_key, lic.active), (KEY, True))
        doc = self.read()
        self.assertEqual((doc["offline_answer"], doc["license_signature_header"],
                          doc["last_server_contact"], doc["request"]["license_key"]),
                         (True, "", "2026-01-01T12:00:00.000Z", KEY))
        self.clock.advance(days=400)  # far past offline_grace: an offline license has none
        self.assertTrue(self.manager().local_check().offline)
        self.assertTrue(self.manager().has_feature("export"))
        self.clock.now = T0
        self.clock.advance(minutes=-6)
        self.assert_local("clock_tampered")
        self.assertFalse(self.server.requests, "no network")

    def test_a_changed_offline_license_file_is_invalid(self):
        with open(self.file("ans"), "w") as fh:
            fh.write(answer_file())
        self.manager().load_offline_answer(self.file("ans"))
        doc = self.read()
        body = base64.b64decode(doc["body_base64"]).replace(b'"max_activations":2',
                                                             b'"max_activations":9')
        edits = [("body", {**doc, "body_base64": base64.b64encode(body).decode()}),
                 ("device", {**doc, "request": {**doc["request"], "hardware_id": "hw-2"}}),
                 ("key", {**doc, "request": {**doc["request"], "license_key": "KEY-2"}}),
                 ("not offline", {**doc, "offline_answer": False})]
        for name, edited in edits:
            with self.subTest(name):
                self.write(edited)
                self.assert_local("license_file_invalid", self.manager(hardware_id="hw-2")
                                  if name == "device" else None)

    def test_an_invalid_answer_is_refused_and_stores_nothing(self):
        with open(self.file("ans"), "w") as fh:
            fh.write(answer_file(hw="hw-other"))
        with self.assertRaises(LocalLicenseError) as caught:
            self.manager().load_offline_answer(self.file("ans"))
        self.assertEqual(caught.exception.code, "license_file_invalid")
        self.assertFalse(os.path.exists(self.path))
        self.assert_local("license_file_missing")

    def test_deactivation_request_carries_pending_consumption(self):
        with open(self.file("ans"), "w") as fh:
            fh.write(answer_file())
        manager = self.manager()
        manager.load_offline_answer(self.file("ans"))
        manager.add_local_consumption(3)
        manager.add_local_feature_consumption("credits", 2)
        manager.write_offline_deactivation_request(self.file("dreq"))
        with open(self.file("dreq")) as fh:
            req = decode_request(fh.read())[0]["request"]
        self.assertEqual((req["request"], req["license_key"], req["consumptions"],
                          req["product_features"]),
                         ("deactivation", KEY, 3, [{"code": "credits", "consumptions": 2}]))
        self.assertEqual(manager.pending_consumption(), (0, {}))
        self.assert_local("license_file_missing")


if __name__ == "__main__":
    unittest.main()
