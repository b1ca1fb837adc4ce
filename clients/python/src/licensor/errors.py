"""The error kinds of the client (DESIGN.md "Errors").

Every error the library raises on purpose is a :class:`LicensorError`:

* :class:`ApiError`: the server answered with an error (or with something that is not a
  License API answer: code ``unexpected_response``);
* :class:`SignatureError`: an answer failed verification with the pinned public key;
* :class:`NetworkError`: no answer at all (connection, timeout, TLS); the cause is chained
  as ``__cause__``;
* :class:`LocalLicenseError`: a problem with the local license file (``code`` names it).
"""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from typing import Any, Mapping, Optional

#: Statuses that mean "nothing was done, try again later".
RETRYABLE_STATUSES = frozenset({429, 503})

#: Codes of :class:`LocalLicenseError`, in the order ``local_check`` tests them.
LOCAL_CODES = (
    "license_file_missing",
    "license_file_invalid",
    "hardware_id_mismatch",
    "product_mismatch",
    "license_not_enabled",
    "license_not_active",
    "license_expired",
    "clock_tampered",
    "offline_grace_expired",
)


class LicensorError(Exception):
    """Base class of every error this library raises on purpose."""


class ApiError(LicensorError):
    """The server answered with an error body ``{status, code, message}``."""

    def __init__(
        self, status: int, code: str, message: str, retry_after: Optional[float] = None
    ) -> None:
        super().__init__(f"{code} ({status}): {message}")
        self.status = status
        self.code = code
        self.message = message
        #: Seconds from the ``Retry-After`` header, if the answer had one.
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        """Whether the server did nothing and asks to try again (429, 503)."""
        return self.status in RETRYABLE_STATUSES


class SignatureError(LicensorError):
    """An answer did not verify with the pinned public key."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"signature verification failed: {reason}")
        self.reason = reason


class NetworkError(LicensorError):
    """No answer from the server; the underlying exception is ``__cause__``."""


class LocalLicenseError(LicensorError):
    """The local license file cannot be trusted or does not allow use (see LOCAL_CODES)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def unexpected_response(status: int, message: Optional[str] = None) -> ApiError:
    """The error for an answer that is not what the License API sends."""
    if message is None:
        message = f"HTTP {status} without a License API error body"
    return ApiError(status, "unexpected_response", message)


def parse_retry_after(value: Optional[str], now: Optional[datetime] = None) -> Optional[float]:
    """Seconds from a ``Retry-After`` value (delta-seconds, or an HTTP date)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def api_error_from_answer(status: int, body: bytes, headers: Mapping[str, str]) -> ApiError:
    """Turn an error answer (status >= 400) into an :class:`ApiError`.

    The body must be the License API error object ``{status, code, message}``; anything
    else gives code ``unexpected_response``.
    """
    retry_after = parse_retry_after(headers.get("Retry-After"))
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if (
        isinstance(data, dict)
        and isinstance(data.get("code"), str)
        and data["code"]
        and isinstance(data.get("message"), str)
        and isinstance(data.get("status"), int)
    ):
        return ApiError(status, data["code"], data["message"], retry_after)
    err = unexpected_response(status)
    err.retry_after = retry_after
    return err
