"""Request signing (license-api.md §2.1) and answer verification (§3.1, §3.2).

These functions are what :class:`licensor.Client` uses on every request and answer; they
are public so that an application can check a stored answer itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from email.utils import formatdate
from typing import Optional, Union

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .errors import SignatureError

PublicKey = rsa.RSAPublicKey


def http_date(timestamp: Optional[float] = None) -> str:
    """An RFC 7231 IMF-fixdate in GMT, e.g. ``Tue, 07 Jun 2011 20:51:35 GMT``."""
    return formatdate(time.time() if timestamp is None else timestamp, usegmt=True)


def signing_string(date: str) -> str:
    """The string the request HMAC covers: ``licenseSpring\\ndate: <Date>``."""
    return "licenseSpring\ndate: " + date


def request_signature(shared_key: str, date: str) -> str:
    """Base64 HMAC-SHA256 of :func:`signing_string` keyed with the shared key."""
    digest = hmac.new(
        shared_key.encode("utf-8"), signing_string(date).encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def authorization_header(api_key: str, shared_key: str, date: str) -> str:
    """The ``Authorization`` value for a request sent with this ``Date``."""
    signature = request_signature(shared_key, date)
    return (
        f'algorithm="hmac-sha256",headers="date",signature="{signature}",apikey="{api_key}"'
    )


def load_public_key(pem: Union[str, bytes]) -> PublicKey:
    """Load the pinned key: an RSA public key in SPKI PEM (``BEGIN PUBLIC KEY``)."""
    data = pem.encode("ascii") if isinstance(pem, str) else bytes(pem)
    if b"-----BEGIN PUBLIC KEY-----" not in data:
        raise ValueError("public_key must be an SPKI PEM (-----BEGIN PUBLIC KEY-----)")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"public_key is not a valid PEM public key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("public_key must be an RSA key")
    return key


def _decode_signature(value: Optional[str], what: str) -> bytes:
    if not value:
        raise SignatureError(f"{what} missing")
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError(f"{what} is not base64") from exc


def _verify(key: PublicKey, signature: bytes, message: bytes, what: str) -> None:
    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError(f"{what} does not match") from exc


def verify_signature(key: PublicKey, signature: Optional[str], message: bytes,
                     what: str) -> None:
    """Check a base64 RSA-PKCS#1-v1.5-SHA256 ``signature`` of ``message``; ``what`` names
    it in the :class:`SignatureError` raised when it is missing, not base64 or wrong."""
    _verify(key, _decode_signature(signature, what), message, what)


def verify_v2(key: PublicKey, body: bytes, header: Optional[str]) -> None:
    """Check the ``LicenseSignature`` header over the exact body bytes (§3.2).

    Raises :class:`SignatureError` when the header is missing, not base64 or wrong.
    """
    verify_signature(key, header, body, "LicenseSignature header")


def v1_identity(license_key: Optional[str], username: Optional[str]) -> str:
    """The identity part of the v1 string: the license key or the username, cut at
    its first ``|`` as the server does."""
    if license_key:
        return license_key.split("|", 1)[0]
    if username:
        return username.split("|", 1)[0]
    raise ValueError("an identity needs a license_key or a username")


def v1_message(hardware_id: str, identity: str, validity_period: Optional[str]) -> bytes:
    """``lower(hardware_id + "#" + identity + "#" + validity_period)`` as UTF-8."""
    text = f"{hardware_id}#{identity}#{validity_period or ''}"
    return text.lower().encode("utf-8")


def verify_v1(
    key: PublicKey,
    signature: Optional[str],
    hardware_id: str,
    identity: str,
    validity_period: Optional[str],
) -> None:
    """Check a License object's ``license_signature`` (§3.1).

    ``hardware_id`` and ``identity`` are what the client sent (see :func:`v1_identity`),
    ``validity_period`` the answer's string as is (``None`` for null).
    """
    _verify(key, _decode_signature(signature, "license_signature"),
            v1_message(hardware_id, identity, validity_period), "license_signature")


def verify_license_object(key: PublicKey, obj: object, hardware_id: str, identity: str) -> None:
    """Check the ``license_signature`` of one License object of an answer."""
    if not isinstance(obj, dict):
        raise SignatureError("the answer holds no License object to verify")
    validity = obj.get("validity_period")
    if validity is not None and not isinstance(validity, str):
        raise SignatureError("validity_period is not a string")
    signature = obj.get("license_signature")
    if signature is not None and not isinstance(signature, str):
        raise SignatureError("license_signature is not a string")
    verify_v1(key, signature, hardware_id, identity, validity)
