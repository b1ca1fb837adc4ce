"""End to end against the real licensor binary (env LICENSOR_BIN): consumption (API and
the manager's local consumption), device variables, versions, floating cloud seats of
licenses and features, borrowing, and the manager's floating keep-alive."""

from __future__ import annotations

import os
import tempfile
import unittest
from datetime import datetime, timedelta, timezone

import licensor
from licensor import ApiError, Identity, LicenseManager

from e2e_support import Licensor, licensor_binary
from helpers import Ticks


class UsageEndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="licensor-py-e2e-usage-")
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.srv = Licensor(licensor_binary(), os.path.join(cls.tmp.name, "srv"))
        cls.addClassCleanup(cls.srv.stop)
        cli = cls.srv.cli
        cli(["product", "create"], "--code", "METER", "--name", "Meter")
        cli(["feature", "create"], "--product", "METER", "--code", "credits", "--type",
            "consumption", "--max-consumption", "5")
        cls.meter = {}
        for key in ("METER-0001", "METER-0002"):
            cls.meter[key] = cli(["license", "create"], "--product", "METER", "--key", key,
                                 "--type", "consumption", "--max-activations", "5",
                                 "max_consumptions=10", "allow_overages=true",
                                 "max_overages=2")["id"]
        for version, env, day in (("1.0.0", "win64", 1), ("1.1.0", "win64", 2),
                                  ("2.0.0", "linux", 3)):
            cli(["version", "add"], "--product", "METER", "--version", version, "--env", env,
                "--link", f"https://dl.example.com/{version}", "--md5", "0" * 32, "--size",
                "1000", "--channel", "stable", "--requires", "1.0.0",
                "--release-date", f"2026-0{day}-01T00:00:00Z")
        cli(["product", "create"], "--code", "FLOAT", "--name", "Float")
        cli(["feature", "create"], "--product", "FLOAT", "--code", "seat", "--floating-cloud",
            "--floating-users", "1", "--floating-timeout", "30")
        floating = ("is_floating_cloud=true", "floating_users=1", "floating_timeout=30")
        for key, extra in (("FLOAT-0001", floating), ("FLOAT-0002", ()),
                           ("FLOAT-0003", floating)):
            cli(["license", "create"], "--product", "FLOAT", "--key", key, "--max-activations",
                "10", "can_borrow=true", "max_borrow_time=24", *extra)
        cls.srv.start()

    def client(self):
        client = licensor.Client(licensor.Config(
            base_url=self.srv.url, api_key=self.srv.api_key, shared_key=self.srv.shared_key,
            public_key=self.srv.public_key, timeout=5, max_retries=0))
        self.addCleanup(client.close)
        return client

    def refused(self, code, call):
        with self.assertRaises(ApiError) as caught:
            call()
        self.assertEqual((caught.exception.status, caught.exception.code), (400, code))

    def test_consumption(self):
        client = self.client()
        ident = Identity(product="METER", hardware_id="hw-m1", license_key="METER-0001")
        client.activate_license(ident)
        added = client.add_consumption(ident, 4)
        self.assertEqual((added.total_consumptions, added.max_consumptions,
                          added.max_overages), (4, 10, 2))
        self.assertEqual(client.check_license(ident).total_consumptions, 4)
        self.refused("license_not_enough_consumptions", lambda: client.add_consumption(ident, 9))
        self.refused("license_not_enough_consumptions",
                     lambda: client.add_consumption(ident, 7, allow_overages=False))
        self.assertEqual(client.check_license(ident).total_consumptions, 4, "nothing added")
        self.assertEqual(client.add_consumption(ident, 8).total_consumptions, 12,
                         "the limit with overages is inclusive")
        feat = client.add_feature_consumption(ident, "credits", 5)
        self.assertEqual((feat.total_consumptions, feat.max_consumptions,
                          feat.license_id), (5, 5, self.meter["METER-0001"]))
        self.refused("feature_not_enough_consumptions",
                     lambda: client.add_feature_consumption(ident, "credits", 1))
        self.assertEqual(client.check_license(ident).feature("credits").total_consumptions, 5)

    def test_manager_local_consumption(self):
        path = os.path.join(self.tmp.name, "meter.json")
        manager = LicenseManager(self.client(), "METER", path, hardware_id="hw-m2")
        manager.activate("METER-0002")
        manager.add_local_consumption(3)
        manager.add_local_consumption(2)
        manager.add_local_feature_consumption("credits", 1)
        result = manager.check()
        self.assertFalse(result.offline)
        self.assertEqual(result.license.total_consumptions, 5)
        self.assertEqual(result.license.feature("credits").total_consumptions, 1)
        self.assertEqual(manager.pending_consumption(), (0, {}))
        self.assertEqual(manager.license().total_consumptions, 5, "the file has the new total")
        manager.add_local_consumption(20)
        self.refused("license_not_enough_consumptions", manager.sync_consumption)
        self.assertEqual(manager.pending_consumption(), (20, {}), "kept for a later sync")
        checked = manager.check()
        self.assertEqual((checked.consumption_error.code, checked.license.total_consumptions),
                         ("license_not_enough_consumptions", 5))
        license_id = str(self.meter["METER-0002"])
        self.assertEqual(self.srv.cli(["license", "show"], license_id)["total_consumptions"], 5)
        self.srv.cli(["license", "set"], license_id, "max_consumptions=40")
        manager.sync_consumption()
        self.assertEqual(manager.pending_consumption(), (0, {}))
        self.assertEqual(manager.check().license.total_consumptions, 25)

    def test_device_variables(self):
        client = self.client()
        ident = Identity(product="METER", hardware_id="hw-v1", license_key="METER-0001")
        client.activate_license(Identity(product="METER", hardware_id="hw-v0",
                                         license_key="METER-0001"))
        self.refused("device_not_found",  # the license is active, not on this device
                     lambda: client.track_device_variables(ident, {"os": "linux"}))
        client.activate_license(ident)
        tracked = client.track_device_variables(ident, {"os": "linux", "cores": 8})
        self.assertEqual({v.variable: v.value for v in tracked}, {"os": "linux", "cores": "8"})
        client.track_device_variables(ident, {"os": "macos"})
        stored = client.get_device_variables(ident)
        self.assertEqual({v.variable: v.value for v in stored}, {"os": "macos", "cores": "8"})
        self.assertEqual(len({v.device_id for v in stored + tracked}), 1)
        self.assertTrue(all(isinstance(v.id, int) and v.created_at for v in stored))

    def test_versions_and_installation_file(self):
        client = self.client()
        ident = Identity(product="METER", hardware_id="hw-ver", license_key="METER-0001")
        self.refused("active_license_required", lambda: client.versions(ident))
        client.activate_license(ident)
        self.assertEqual(sorted(v.version for v in client.versions(ident)),
                         ["1.0.0", "1.1.0", "2.0.0"])
        win = client.versions(ident, env="win64", channel="stable")
        self.assertEqual(sorted((v.version, v.release_date.month) for v in win),
                         [("1.0.0", 1), ("1.1.0", 2)])
        latest = client.installation_file(ident, env="win64")
        self.assertEqual((latest.version, latest.installation_file, latest.environment,
                          latest.size, latest.channel, latest.requires_version,
                          latest.hash_md5), ("1.1.0", "https://dl.example.com/1.1.0", "win64",
                                             "1000", "stable", "1.0.0", "0" * 32))
        self.assertEqual(client.installation_file(ident, version="1.0.0").version, "1.0.0")
        self.refused("version_not_found", lambda: client.installation_file(ident, version="9"))

    def test_floating_license_borrow_and_release(self):
        client = self.client()
        a = Identity(product="FLOAT", hardware_id="hw-fa", license_key="FLOAT-0001")
        b = Identity(product="FLOAT", hardware_id="hw-fb", license_key="FLOAT-0001")
        client.activate_license(a)
        self.refused("no_available_floating_slots", lambda: client.activate_license(b))
        borrow = client.floating_borrow(a)
        now = datetime.now(timezone.utc)
        self.assertEqual(borrow.max_borrow_time, 24)
        self.assertLess(abs(borrow.borrowed_until - now - timedelta(hours=24)),
                        timedelta(minutes=1))
        self.assertTrue(client.check_license(a).is_borrowed)
        self.refused("borrow_until_not_valid",
                     lambda: client.floating_borrow(a, now - timedelta(hours=1)))
        until = client.floating_borrow(a, now + timedelta(hours=2)).borrowed_until
        self.assertLess(abs(until - now - timedelta(hours=2)), timedelta(seconds=1))
        client.floating_release(a)
        self.assertEqual(client.activate_license(b).floating_in_use_devices, 1, "b has it")
        self.refused("no_available_floating_slots", lambda: client.check_license(a))
        client.floating_release(b)
        fixed = Identity(product="FLOAT", hardware_id="hw-fixed", license_key="FLOAT-0002")
        client.activate_license(fixed)
        self.refused("wrong_license_type", lambda: client.floating_borrow(fixed))
        self.refused("wrong_license_type", lambda: client.floating_release(fixed))

    def test_floating_feature_borrow_and_release(self):
        client = self.client()
        x = Identity(product="FLOAT", hardware_id="hw-fx", license_key="FLOAT-0002")
        y = Identity(product="FLOAT", hardware_id="hw-fy", license_key="FLOAT-0002")
        client.activate_license(x)
        client.activate_license(y)
        borrow = client.floating_feature_borrow(x, "seat")
        self.assertEqual(borrow.max_borrow_time, 24)
        self.refused("no_available_floating_slots",
                     lambda: client.check_license_feature(y, "seat"))
        client.floating_feature_release(x, "seat")
        self.assertEqual(client.check_license_feature(y, "seat").code, "seat")
        self.refused("no_available_floating_slots",
                     lambda: client.floating_feature_borrow(x, "seat"))
        client.floating_feature_release(y, "seat")
        self.assertEqual(client.floating_feature_borrow(x, "seat").license_id, borrow.license_id)
        client.floating_feature_release(x, "seat")

    def test_floating_keep_alive(self):
        def manager(hw):
            path = os.path.join(self.tmp.name, f"{hw}.json")
            return LicenseManager(self.client(), "FLOAT", path, hardware_id=hw)

        a, b = manager("hw-ka"), manager("hw-kb")
        a.activate("FLOAT-0003")
        ticks, errors = Ticks(), []
        keep = a.start_floating(wait=ticks, on_error=errors.append)
        ticks.waiting()
        self.assertEqual(ticks.waits, [900.0], "half of floating_timeout=30 minutes")
        ticks.tick()  # one real check_license renews the seat
        self.assertEqual((keep.checks, errors), (1, []))
        self.assertEqual(keep.license.floating_in_use_devices, 1)
        self.refused("no_available_floating_slots", lambda: b.activate("FLOAT-0003"))
        keep.stop()  # floating/release
        self.assertEqual(b.activate("FLOAT-0003").floating_in_use_devices, 1)
        self.refused("no_available_floating_slots", a.check)


if __name__ == "__main__":
    unittest.main()
