"""LicenseManager: what an application embeds (DESIGN.md "License manager").

It activates a license, keeps the signed answer in a license file, checks online and falls
back to the file (within ``offline_grace``) when the server cannot be reached. It also
counts consumption locally and syncs it, keeps a floating seat (:mod:`licensor.floating`),
and activates through offline files (:class:`OfflineFiles`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Dict, Optional, Tuple, Union

from ._consumption import PendingConsumption
from ._http import Answer
from ._manager_offline import OfflineFiles
from ._parse import parse_time
from .client import Client
from .errors import ApiError, LocalLicenseError, NetworkError
from .floating import ErrorHandler, FloatingKeepAlive, Wait
from .hardware import hardware_id as default_hardware_id
from .license_file import LicenseFile, read_license_file, write_atomic
from .models import Feature, Identity, License

#: How far the clock may seem to go back before a local check calls it tampering.
CLOCK_TOLERANCE = timedelta(minutes=5)
DEFAULT_OFFLINE_GRACE = timedelta(days=7)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class CheckResult:
    """The outcome of :meth:`LicenseManager.check` or :meth:`LicenseManager.local_check`.

    ``offline`` is true when the answer comes from the license file, not from the server.
    ``consumption_error`` (``check()`` only) is the server's refusal of the pending local
    consumption (e.g. ``license_not_enough_consumptions``): the units stay pending and
    the check itself went on.
    """

    license: License
    offline: bool
    last_server_contact: datetime
    consumption_error: Optional[ApiError] = None


class LicenseManager(OfflineFiles):
    """Activation, online and offline checks of one product's license on this device.

    ``hardware_id`` defaults to :func:`licensor.hardware_id` salted with the product code;
    ``now`` is the clock (tests inject one).
    """

    def __init__(
        self,
        client: Client,
        product: str,
        license_file: Union[str, "os.PathLike[str]"],
        *,
        hardware_id: Optional[str] = None,
        offline_grace: timedelta = DEFAULT_OFFLINE_GRACE,
        now: Optional[Callable[[], datetime]] = None,
    ) -> None:
        if not product:
            raise ValueError("LicenseManager needs a product")
        self.client = client
        self.product = product
        self.license_file = os.fspath(license_file)
        self.hardware_id = hardware_id or default_hardware_id(product)
        self.offline_grace = offline_grace
        self._clock = now or _utc_now
        self._pending = PendingConsumption()

    def _now(self) -> datetime:
        now = self._clock()
        return now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now

    # -- online operations --------------------------------------------------------------

    def activate(self, license_key: str) -> License:
        """Activate a key-based license on this device and store the answer."""
        return self._activate(Identity(product=self.product, hardware_id=self.hardware_id,
                                       license_key=license_key))

    def activate_user(self, username: str, password: str) -> License:
        """Activate a user-based license (``username`` may be ``email|ACCOUNT``)."""
        return self._activate(Identity(product=self.product, hardware_id=self.hardware_id,
                                       username=username, password=password))

    def check(self) -> CheckResult:
        """Sync pending consumption, check online and store the answer; on a network error
        only, check locally.

        The offline answer (``offline=True``) is given only while the last server contact
        is within ``offline_grace``; API and signature errors of the check are raised as
        they are. A refused consumption sync does not stop the check: it is in
        ``consumption_error`` and its units stay pending (see :meth:`sync_consumption`).
        """
        stored, _ = self._load()
        try:
            return self._online_check(stored.identity(), sync=True)
        except NetworkError as exc:
            try:
                return self.local_check()
            except LocalLicenseError as local:
                raise local from exc

    def _online_check(self, identity: Identity, sync: bool) -> CheckResult:
        refused: Optional[ApiError] = None
        if sync:
            try:
                self._pending.sync(self.client, identity)
            except ApiError as err:
                refused = err
        lic, answer = self.client._check(identity, False)
        now = self._now()
        self._store(identity, answer, now)
        return CheckResult(license=lic, offline=False, last_server_contact=now,
                           consumption_error=refused)

    # -- local consumption --------------------------------------------------------------

    def add_local_consumption(self, units: int = 1) -> None:
        """Count license consumption on the device; sent by :meth:`sync_consumption` and
        :meth:`check`."""
        self._pending.add(units)

    def add_local_feature_consumption(self, feature: str, units: int = 1) -> None:
        """Count consumption of feature ``feature`` on the device (sent as above)."""
        self._pending.add_feature(feature, units)

    def pending_consumption(self) -> Tuple[int, Dict[str, int]]:
        """``(license units, {feature: units})`` counted locally and not yet accepted."""
        return self._pending.pending()

    def sync_consumption(self) -> None:
        """Send the local consumption (add_consumption, add_feature_consumption).

        What the server accepts is no longer pending. A refusal (ApiError such as
        ``license_not_enough_consumptions``) or a network error is raised and the units
        stay pending, to be sent by the next sync: they are usage that already happened.
        Call :meth:`discard_local_consumption` to drop them instead.
        """
        stored, _ = self._load()
        self._pending.sync(self.client, stored.identity())

    def discard_local_consumption(self) -> Tuple[int, Dict[str, int]]:
        """Drop the local consumption not yet accepted; return what was dropped."""
        return self._pending.clear()

    # -- floating seats -----------------------------------------------------------------

    def start_floating(
        self,
        *,
        interval: Optional[float] = None,
        on_error: Optional[ErrorHandler] = None,
        wait: Optional[Wait] = None,
    ) -> FloatingKeepAlive:
        """Take this device's floating seat now and keep it from a daemon thread.

        Each check is an online check, as :meth:`check` does: it sends pending local
        consumption first and rewrites the license file. A refused sync does not fail the
        check (the seat is kept) and is reported to ``on_error``, as in the Go and JS
        clients. ``interval`` defaults to half the license's ``floating_timeout``.
        Stopping the returned object (or leaving its ``with`` block) releases the seat.
        Raises what the first check raises (``no_available_floating_slots`` when every seat
        is taken).
        """
        identity = self._load()[0].identity()

        def check() -> License:
            result = self._online_check(identity, sync=True)
            if result.consumption_error is not None:
                keep.report(result.consumption_error)
            return result.license

        keep = FloatingKeepAlive(
            check=check, release=lambda: self.client.floating_release(identity),
            interval=interval, on_error=on_error, wait=wait)
        keep.start()
        return keep

    def deactivate(self) -> None:
        """Deactivate this device online, then remove the license file."""
        stored, _ = self._load()
        self.client.deactivate_license(stored.identity())
        try:
            os.remove(self.license_file)
        except FileNotFoundError:
            pass

    def change_password(self, old_password: str, new_password: str) -> None:
        """Change the password of the stored license's user (user-based licenses only)."""
        stored, _ = self._load()
        if not stored.username:
            raise ValueError("change_password needs a user-based license")
        self.client.change_password(stored.username, old_password, new_password)

    # -- local operations ---------------------------------------------------------------

    def local_check(self) -> CheckResult:
        """Verify the license file and the license's state without the server.

        Raises :class:`LocalLicenseError` with the first failing check's code:
        license_file_missing, license_file_invalid, hardware_id_mismatch, product_mismatch,
        license_not_enabled, license_not_active, license_expired, clock_tampered,
        offline_grace_expired.
        """
        stored, lic = self._load()
        now = self._now()
        if not lic.enabled:
            raise LocalLicenseError("license_not_enabled", "the license is disabled")
        if not lic.active:
            raise LocalLicenseError("license_not_active", "the license is not active")
        try:
            validity = parse_time(lic.raw.get("validity_period"))
        except ValueError:
            raise LocalLicenseError("license_file_invalid",
                                    "the stored validity_period is not a date") from None
        if validity is not None:
            if lic.allow_grace_period:
                validity += timedelta(hours=lic.grace_period)
            if now >= validity:
                raise LocalLicenseError("license_expired", "the license has expired")
        contact = stored.last_server_contact
        if now < contact - CLOCK_TOLERANCE:
            raise LocalLicenseError("clock_tampered",
                                    "the clock is earlier than the last server contact")
        # An offline answer is the offline license itself: no grace to run out.
        if not stored.offline_answer and now - contact > self.offline_grace:
            raise LocalLicenseError("offline_grace_expired",
                                    "no server contact within the offline grace period")
        return CheckResult(license=lic, offline=True, last_server_contact=contact)

    def license(self) -> License:
        """The stored license (verified signatures; no state checks)."""
        return self._load()[1]

    def feature(self, code: str) -> Optional[Feature]:
        """The stored license's feature ``code``, unless it is absent or expired."""
        return self._load()[1].feature(code, self._now())

    def has_feature(self, code: str) -> bool:
        """Whether the stored license has feature ``code`` (expired features excluded)."""
        return self.feature(code) is not None

    # -- the license file ---------------------------------------------------------------

    def _activate(self, identity: Identity) -> License:
        lic, answer = self.client._activate(identity)
        self._store(identity, answer, self._now())
        return lic

    def _store(self, identity: Identity, answer: Answer, now: datetime) -> None:
        record = LicenseFile(
            product=identity.product, hardware_id=identity.hardware_id,
            license_key=identity.license_key, username=identity.username,
            body=answer.body, signature=answer.signature, last_server_contact=now,
        )
        write_atomic(self.license_file, record.to_json())

    def _load(self) -> Tuple[LicenseFile, License]:
        stored = read_license_file(self.license_file)
        data = stored.verify(self.client._http.public_key)
        if stored.hardware_id != self.hardware_id:
            raise LocalLicenseError("hardware_id_mismatch",
                                    "the license file belongs to another device")
        if stored.product != self.product:
            raise LocalLicenseError("product_mismatch",
                                    "the license file belongs to another product")
        return stored, License.from_raw(data)
