"""LicenseManager's offline activation: request files out, the answer file in
(license-api.md §5.5; the file formats are in :mod:`licensor.offline`)."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple, Union

from ._consumption import PendingConsumption
from ._parse import as_dict, as_str, as_time
from .errors import LocalLicenseError, SignatureError
from .license_file import LicenseFile, write_atomic
from .models import Identity, License
from .offline import request_file, verify_answer

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client

PathLike = Union[str, "os.PathLike[str]"]


class OfflineFiles:
    """The offline-file methods of :class:`licensor.LicenseManager`."""

    client: "Client"
    product: str
    hardware_id: str
    license_file: str
    _pending: PendingConsumption

    def _load(self) -> Tuple[LicenseFile, License]:
        raise NotImplementedError

    def _now(self) -> datetime:
        raise NotImplementedError

    def write_offline_activation_request(
        self,
        path: PathLike,
        *,
        license_key: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        variables: Optional[Dict[str, Any]] = None,
    ) -> None:
        """Write the request file that activates this device offline (a license key, or
        a username and password). The vendor answers it (``licensor offline activate``
        or ``POST activate_offline``); give the answer to :meth:`load_offline_answer`.
        The file may hold a password: it is written with mode 0600."""
        identity = Identity(product=self.product, hardware_id=self.hardware_id,
                            license_key=license_key, username=username, password=password,
                            variables=variables)
        self._write_request(path, "activation", identity)

    def load_offline_answer(self, path: PathLike) -> License:
        """Verify an answer file with no network and make it this device's license file.

        Verified: ``offline_signature`` (with the shared key or client secret),
        ``license_signature`` and ``license_signature_v2`` (with the public key), and
        that the answer is for this device and product; any failure is
        ``LocalLicenseError("license_file_invalid")``. The license file then has
        ``"offline_answer": true`` and ``last_server_contact`` = the answer's ``date``;
        :meth:`local_check` does not apply ``offline_grace`` to it.
        """
        with open(path, "rb") as fh:
            text = fh.read()
        try:
            answer, raw = verify_answer(text, self.client._http.public_key,
                                        self.client.config.offline_key(),
                                        hardware_id=self.hardware_id, product=self.product)
        except SignatureError as exc:
            raise LocalLicenseError("license_file_invalid",
                                    f"the offline answer does not verify: {exc.reason}") from exc
        key = as_str(answer.get("license_key"))
        username = None if key else (as_str(answer.get("username"))
                                     or as_str(as_dict(answer.get("user")).get("email")))
        record = LicenseFile(
            product=self.product, hardware_id=self.hardware_id, license_key=key,
            username=username, body=raw, signature="",
            last_server_contact=_answer_date(answer) or self._now(), offline_answer=True)
        write_atomic(self.license_file, record.to_json())
        return License.from_raw(answer)

    def write_offline_deactivation_request(self, path: PathLike) -> None:
        """Write the request file that deactivates this device offline, then remove the
        license file: the device gives the license up now, whenever the vendor applies
        the file (``licensor offline deactivate`` or ``POST deactivate_offline``).

        The local consumption not yet synced travels in the file (``consumptions``,
        ``product_features``) and is no longer pending here.
        """
        stored, _ = self._load()
        units, features = self._pending.pending()
        self._write_request(path, "deactivation", stored.identity(), consumptions=units,
                            feature_consumptions=features)
        self._pending.clear()
        try:
            os.remove(self.license_file)
        except FileNotFoundError:
            pass

    def _write_request(self, path: PathLike, kind: str, identity: Identity, **extra: Any) -> None:
        text = request_file(kind, identity, self.client.config.offline_key(),
                            telemetry=self.client._telemetry, **extra)
        write_atomic(os.fspath(path), text.encode("ascii"))


def _answer_date(answer: Dict[str, Any]) -> Optional[datetime]:
    """The answer's ``date``: RFC 7231 as licensor writes it, or ISO-8601."""
    text = as_str(answer.get("date")) or ""
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return as_time(text)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
