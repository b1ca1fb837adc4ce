"""The fixture of the LicenseManager tests: a scripted server, a temporary license file
and a settable clock."""

from __future__ import annotations

import json
import os
import tempfile
import unittest
from datetime import datetime, timezone

import licensor
from licensor import LocalLicenseError

from helpers import Clock, ScriptedServer, free_port, license_object, make_client, signed

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
HW = "hw-1"
KEY = "KEY-1"


class ManagerTestCase(unittest.TestCase):
    def setUp(self):
        self.server = ScriptedServer()
        self.addCleanup(self.server.close)
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.path = os.path.join(self.dir.name, "license.json")
        self.clock = Clock(T0)
        self.client = make_client(self.server.url)
        self.addCleanup(self.client.close)

    def manager(self, client=None, **kw):
        kw.setdefault("hardware_id", HW)
        kw.setdefault("now", self.clock)
        return licensor.LicenseManager(client or self.client, kw.pop("product", "DESKTOP"),
                                       self.path, **kw)

    def activate(self, **fields):
        self.server.add(signed(license_object(HW, KEY, **fields)))
        return self.manager().activate(KEY)

    def assert_local(self, code, manager=None):
        with self.assertRaises(LocalLicenseError) as caught:
            (manager or self.manager()).local_check()
        self.assertEqual(caught.exception.code, code)
        return caught.exception

    def read(self):
        with open(self.path, encoding="utf-8") as fh:
            return json.load(fh)

    def write(self, doc):
        with open(self.path, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)

    def offline_client(self):
        client = make_client(f"http://127.0.0.1:{free_port()}")
        self.addCleanup(client.close)
        return client
