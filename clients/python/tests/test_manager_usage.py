"""LicenseManager's local consumption (accumulate, sync, keep on refusal) and floating seat
keep-alive (checks driven by an injected wait, errors to the callback, release on stop),
against a scripted server; test_e2e_usage.py does both against the real one."""

from __future__ import annotations

import unittest

from licensor import ApiError, FloatingKeepAlive, NetworkError

from helpers import Reply, Ticks, error, license_object, signed
from manager_case import HW, KEY, ManagerTestCase


def consumed(total):
    return signed({"id": 17, "total_consumptions": total, "max_consumptions": 10})


class LocalConsumptionTest(ManagerTestCase):
    def paths(self):
        return [r.path.rsplit("/", 1)[-1] for r in self.server.requests]

    def test_units_accumulate_and_check_syncs_them_first(self):
        manager = self.manager()
        self.activate()
        manager.add_local_consumption(2)
        manager.add_local_consumption()
        manager.add_local_feature_consumption("credits", 4)
        self.assertEqual(manager.pending_consumption(), (3, {"credits": 4}))
        self.server.add(consumed(3), signed({"id": 5, "license_id": 17,
                                             "total_consumptions": 4}),
                        signed(license_object(HW, KEY, total_consumptions=3)))
        result = manager.check()
        self.assertEqual(self.paths()[1:], ["add_consumption", "add_feature_consumption",
                                            "check_license"])
        self.assertEqual(self.server.requests[1].json()["consumptions"], 3)
        self.assertEqual(self.server.requests[2].json(), {
            "product": "DESKTOP", "hardware_id": HW, "license_key": KEY,
            "feature": "credits", "consumptions": 4})
        self.assertEqual(result.license.total_consumptions, 3)
        self.assertIsNone(result.consumption_error)
        self.assertEqual(manager.pending_consumption(), (0, {}))
        manager.sync_consumption()  # nothing pending: nothing sent
        self.assertEqual(len(self.server.requests), 4)

    def test_a_refused_sync_keeps_the_units_and_raises(self):
        manager = self.manager()
        self.activate()
        manager.add_local_consumption(50)
        self.server.add(error(400, "license_not_enough_consumptions", "not enough"))
        with self.assertRaises(ApiError) as caught:
            manager.sync_consumption()
        self.assertEqual(caught.exception.code, "license_not_enough_consumptions")
        self.assertEqual(manager.pending_consumption(), (50, {}))
        self.server.add(error(400, "license_not_enough_consumptions", "not enough"),
                        signed(license_object(HW, KEY, total_consumptions=9)))
        result = manager.check()  # reports the refusal, and checks all the same
        self.assertFalse(result.offline)
        self.assertEqual(result.consumption_error.code, "license_not_enough_consumptions")
        self.assertEqual(result.license.total_consumptions, 9)
        self.assertEqual(self.paths()[1:], ["add_consumption", "add_consumption",
                                            "check_license"])
        self.assertEqual(manager.pending_consumption(), (50, {}))
        self.assertEqual(manager.discard_local_consumption(), (50, {}))
        self.assertEqual(manager.pending_consumption(), (0, {}))

    def test_only_what_was_accepted_stops_being_pending(self):
        manager = self.manager()
        self.activate()
        manager.add_local_consumption(2)
        manager.add_local_feature_consumption("credits", 9)
        self.server.add(consumed(2), error(400, "feature_not_enough_consumptions"))
        with self.assertRaises(ApiError):
            manager.sync_consumption()
        self.assertEqual(manager.pending_consumption(), (0, {"credits": 9}))

    def test_without_network_check_falls_back_and_keeps_the_units(self):
        self.activate()
        manager = self.manager(self.offline_client())
        manager.add_local_consumption(4)
        result = manager.check()
        self.assertTrue(result.offline)
        self.assertEqual(manager.pending_consumption(), (4, {}))
        with self.assertRaises(NetworkError):
            manager.sync_consumption()
        self.assertEqual(manager.pending_consumption(), (4, {}))

    def test_units_must_be_ints(self):
        manager = self.manager()
        for bad in (1.5, "2", True):
            with self.subTest(bad), self.assertRaises(TypeError):
                manager.add_local_consumption(bad)
        with self.assertRaises(ValueError):
            manager.add_local_feature_consumption("", 1)


class FloatingKeepAliveTest(ManagerTestCase):
    def floating(self, timeout=30, **fields):
        return signed(license_object(HW, KEY, is_floating_cloud=True, floating_users=1,
                                     floating_timeout=timeout, **fields))

    def test_checks_every_half_timeout_reports_errors_and_releases(self):
        self.activate()
        ticks, errors = Ticks(), []
        self.server.add(self.floating(30))
        keep = self.manager().start_floating(wait=ticks, on_error=errors.append)
        ticks.waiting()
        self.assertEqual(ticks.waits, [900.0], "half of 30 minutes")
        self.server.add(self.floating(10))
        ticks.tick()
        self.assertEqual((keep.checks, ticks.waits[-1]), (1, 300.0), "the new timeout counts")
        self.server.add(error(400, "no_available_floating_slots"))
        ticks.tick()
        self.assertEqual([e.code for e in errors], ["no_available_floating_slots"])
        self.server.add(Reply(200, b""))
        keep.stop()
        keep.stop()
        paths = [r.path.rsplit("/", 2)[-2:] for r in self.server.requests]
        self.assertEqual(paths[1:], [["v4", "check_license"]] * 3 + [["floating", "release"]])
        self.assertEqual(self.server.requests[-1].json(), {
            "product": "DESKTOP", "hardware_id": HW, "license_key": KEY})
        self.assertEqual(self.manager().license().floating_timeout, 10, "the file was updated")

    def test_checks_sync_consumption_and_report_a_refusal_without_losing_the_seat(self):
        self.activate()
        ticks, errors = Ticks(), []
        manager = self.manager()
        manager.add_local_consumption(4)
        self.server.add(consumed(4), self.floating(30))
        keep = manager.start_floating(wait=ticks, on_error=errors.append)
        ticks.waiting()
        self.assertEqual(manager.pending_consumption(), (0, {}), "the first check synced")
        manager.add_local_consumption(50)
        self.server.add(error(400, "license_not_enough_consumptions"), self.floating(30))
        ticks.tick()
        self.assertEqual((keep.checks, [e.code for e in errors]),
                         (1, ["license_not_enough_consumptions"]), "checked all the same")
        self.assertEqual(manager.pending_consumption(), (50, {}))
        self.server.add(Reply(200, b""))
        keep.stop()
        paths = [r.path.rsplit("/", 2)[-1] for r in self.server.requests]
        self.assertEqual(paths[1:], ["add_consumption", "check_license", "add_consumption",
                                     "check_license", "release"])

    def test_context_manager_and_fixed_interval(self):
        self.activate()
        ticks = Ticks()
        self.server.add(self.floating(), Reply(200, b""))
        with self.manager().start_floating(wait=ticks, interval=5) as keep:
            ticks.waiting()
            self.assertIsInstance(keep, FloatingKeepAlive)
        self.assertEqual(ticks.waits, [5])
        self.assertTrue(self.server.requests[-1].path.endswith("/floating/release"))

    def test_a_license_without_seats_has_nothing_to_release(self):
        self.activate()
        self.server.add(signed(license_object(HW, KEY, is_floating_cloud=False,
                                              floating_timeout=120)))
        keep = self.manager().start_floating(wait=Ticks())
        self.assertEqual(keep.interval, 3600.0)
        keep.stop()
        self.assertTrue(self.server.requests[-1].path.endswith("/check_license"))

    def test_no_seat_at_start_is_raised_and_starts_nothing(self):
        self.activate()
        self.server.add(error(400, "no_available_floating_slots"))
        with self.assertRaises(ApiError) as caught:
            self.manager().start_floating(wait=Ticks())
        self.assertEqual(caught.exception.code, "no_available_floating_slots")
        self.assertEqual(len(self.server.requests), 2, "no release of a seat never held")

    def test_release_errors(self):
        self.activate()
        ticks, errors = Ticks(), []
        self.server.add(self.floating(), error(400, "license_not_found"))
        keep = self.manager().start_floating(wait=ticks, on_error=errors.append)
        with self.assertRaises(ApiError):
            keep.stop()
        self.server.add(self.floating(), error(400, "license_not_found"))
        with self.assertRaises(KeyError):  # the block's own error is not hidden
            with self.manager().start_floating(wait=Ticks(), on_error=errors.append):
                raise KeyError("app")
        self.assertEqual([e.code for e in errors], ["license_not_found"])


if __name__ == "__main__":
    unittest.main()
