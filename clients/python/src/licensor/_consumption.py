"""Consumption counted on the device and sent later (LicenseManager's local consumption).

Units are added in memory and synced with add_consumption / add_feature_consumption. A
counter is lowered by what was sent only once the server has accepted it, so units
added while a sync runs are kept for the next one.

When the server refuses a sync (``license_not_enough_consumptions``,
``feature_not_enough_consumptions``, a disabled license...) or cannot be reached, the
units are **kept** and the error is raised: they are usage the application has already
allowed, and an application vendor would rather see them counted late (once the limit is
raised, the period resets, or the network is back) than lost without a trace. The
application decides what a refusal means for its users, and drops the units explicitly
with ``clear()`` if it wants to. (``LicenseManager.check()`` reports a refusal beside its
result instead of failing, so kept units never stop the license from being checked.) A
network error during add_consumption may hide an addition that landed (the call is not
repeated for that reason); the units are kept then too, so such a rare case counts them
twice rather than never.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Dict, Tuple

from .models import Identity

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client


def _units(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("consumption units must be an int")
    return n


class PendingConsumption:
    """License and feature units not yet sent; safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()  # one sync at a time: no unit sent twice
        self._license = 0
        self._features: Dict[str, int] = {}

    def add(self, n: int) -> None:
        n = _units(n)
        with self._lock:
            self._license += n

    def add_feature(self, code: str, n: int) -> None:
        if not code:
            raise ValueError("a feature code is required")
        n = _units(n)
        with self._lock:
            self._features[code] = self._features.get(code, 0) + n

    def pending(self) -> Tuple[int, Dict[str, int]]:
        """``(license units, {feature code: units})`` not yet sent (zeros left out)."""
        with self._lock:
            return self._license, {c: n for c, n in self._features.items() if n}

    def clear(self) -> Tuple[int, Dict[str, int]]:
        """Drop every pending unit; return what was dropped."""
        with self._sync_lock, self._lock:
            dropped = self._license, {c: n for c, n in self._features.items() if n}
            self._license, self._features = 0, {}
            return dropped

    def sync(self, client: "Client", identity: Identity) -> None:
        """Send the pending units: the license's, then each feature's. Each counter is
        lowered by what the server accepted; the first failure is raised, and what was
        not accepted stays pending."""
        with self._sync_lock:
            license_units, features = self.pending()
            if license_units:
                client.add_consumption(identity, license_units)
                with self._lock:
                    self._license -= license_units
            for code, units in features.items():
                client.add_feature_consumption(identity, code, units)
                with self._lock:
                    self._features[code] -= units
