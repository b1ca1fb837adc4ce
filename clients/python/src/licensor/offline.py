"""Offline activation files (license-api.md §2.4, §2.5, §3.3, §5.5).

A device that cannot reach the server writes a **request file**; the vendor hands it to
licensor (``POST activate_offline`` or ``licensor offline activate``) and brings back the
**answer file**, which the device verifies with no network:

* request file: base64 of ``{"request": <payload>, "signature": <v2>}`` where the payload
  carries the §2.4 signature and the v2 signature is the HMAC of the payload's exact bytes;
* answer file: base64 of the activate_offline answer, which carries ``offline_signature``
  (HMAC, §3.3), ``license_signature`` (v1) and ``license_signature_v2`` (RSA over the
  answer without ``offline_signature`` and ``license_signature_v2``, serialized as
  ``JSON.stringify`` does).

Both HMACs use the shared key and the API key, or under OAuth the client secret and the
client id (licensor keeps only a hash of client secrets, so it accepts API-key files only).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from typing import Any, Dict, Mapping, Optional, Tuple, Union

from . import _jsjson
from ._parse import as_dict, as_str
from .errors import SignatureError
from .models import Identity
from .signing import PublicKey, http_date, verify_license_object, verify_signature

SCHEMA_VERSION = 2


def hmac_b64(key: str, message: Union[str, bytes]) -> str:
    """base64(HMAC-SHA256(key, message)), UTF-8 for text."""
    data = message.encode("utf-8") if isinstance(message, str) else message
    return base64.b64encode(hmac.new(key.encode("utf-8"), data, hashlib.sha256).digest()
                            ).decode("ascii")


def offline_signing_string(date: str, identity: str, hardware_id: str, key_id: str) -> str:
    """The §2.4 / §3.3 string: ``licenseSpring\\ndate: DATE\\nIDENTITY\\nHWID\\nKEY_ID``."""
    return f"licenseSpring\ndate: {date}\n{identity}\n{hardware_id}\n{key_id}"


def offline_signature(key: str, date: str, identity: str, hardware_id: str, key_id: str) -> str:
    """The §2.4 request signature, and the §3.3 ``offline_signature`` of an answer."""
    return hmac_b64(key, offline_signing_string(date, identity, hardware_id, key_id))


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def request_file(
    kind: str,
    identity: Identity,
    key: Tuple[str, str, str],
    *,
    telemetry: Optional[Mapping[str, str]] = None,
    consumptions: int = 0,
    feature_consumptions: Optional[Mapping[str, int]] = None,
    date: Optional[str] = None,
    request_id: Optional[str] = None,
) -> str:
    """The text of a request file of ``kind`` ``"activation"`` or ``"deactivation"``.

    ``key`` is ``(field, id, secret)`` (:meth:`Config.offline_key`). A deactivation
    carries the local consumption not yet synced (``consumptions`` and, per feature code,
    ``feature_consumptions``). The payload is serialized once and those bytes are both
    signed and embedded, so the v2 signature covers exactly what the server reads.
    """
    if kind not in ("activation", "deactivation"):
        raise ValueError('kind must be "activation" or "deactivation"')
    if identity.is_sso:
        raise ValueError("offline requests name a license key or a username, not SSO")
    field, key_id, secret = key
    date = date or http_date()
    payload: Dict[str, Any] = {"request": kind, "request_id": request_id or str(uuid.uuid4()),
                               "schema_version": SCHEMA_VERSION, "date": date, field: key_id}
    payload.update(identity.params(password=kind == "activation", variables=True))
    payload.update(telemetry or {})
    if kind == "deactivation":
        payload["consumptions"] = consumptions
        payload["product_features"] = [{"code": code, "consumptions": n}
                                       for code, n in (feature_consumptions or {}).items()]
    line = identity.license_key or identity.username or ""
    payload["signature"] = offline_signature(secret, date, line, identity.hardware_id, key_id)
    inner = _compact(payload)
    outer = b'{"request":' + inner + b',"signature":' + _compact(hmac_b64(secret, inner)) + b"}"
    return base64.b64encode(outer).decode("ascii")


def answer_identity(answer: Mapping[str, Any]) -> str:
    """What an answer's ``offline_signature`` covers: the license key, or for user-based
    licenses the username the request sent (echoed as ``username``), else ``user.email``."""
    return (as_str(answer.get("license_key")) or as_str(answer.get("username"))
            or as_str(as_dict(answer.get("user")).get("email")) or "")


def verify_answer(
    text: Union[str, bytes],
    public_key: PublicKey,
    key: Tuple[str, str, str],
    *,
    hardware_id: str,
    product: str,
) -> Tuple[Dict[str, Any], bytes]:
    """Verify an answer file with no network; return the answer and its decoded bytes.

    Checks, in order: base64 and JSON; ``offline_signature`` with ``key``;
    ``license_signature`` (v1) with the answer's hardware id and identity;
    ``license_signature_v2`` with the pinned public key; the hardware id and the product
    are this device's. Any failure raises :class:`SignatureError`.
    """
    raw = _decode_file(text)
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SignatureError("the answer file is not JSON") from None
    if not isinstance(answer, dict):
        raise SignatureError("the answer file is not a JSON object")
    _, key_id, secret = key
    hw, date = as_str(answer.get("hardware_id")) or "", as_str(answer.get("date"))
    given = as_str(answer.get("offline_signature")) or ""
    expected = offline_signature(secret, date or "", answer_identity(answer), hw, key_id)
    if not date or not hmac.compare_digest(given, expected):
        raise SignatureError("offline_signature does not match (another API key's file?)")
    verify_answer_signatures(public_key, answer)
    if hw != hardware_id:
        raise SignatureError("the answer file is for another device")
    short_code = as_str(as_dict(answer.get("product_details")).get("short_code"))
    if short_code != product:
        raise SignatureError("the answer file is for another product")
    return answer, raw


def verify_answer_signatures(public_key: PublicKey, answer: Mapping[str, Any]) -> None:
    """Check an offline answer's ``license_signature`` (v1, with the answer's own hardware
    id and identity) and ``license_signature_v2``: what the public key alone can check,
    so also what a license file made from the answer is checked with."""
    hw, identity = as_str(answer.get("hardware_id")), answer_identity(answer)
    if not hw or not identity:
        raise SignatureError("the answer lacks hardware_id or the license's identity")
    verify_license_object(public_key, dict(answer), hw, identity.split("|", 1)[0])
    signed = {k: v for k, v in answer.items()
              if k not in ("offline_signature", "license_signature_v2")}
    v2 = answer.get("license_signature_v2")
    verify_signature(public_key, v2 if isinstance(v2, str) else None,
                     _jsjson.stringify(signed).encode("utf-8"), "license_signature_v2")


def _decode_file(text: Union[str, bytes]) -> bytes:
    data = text.encode("ascii", "replace") if isinstance(text, str) else bytes(text)
    data = b"".join(data.split())  # files may be wrapped or end with a newline
    try:
        return base64.b64decode(data + b"=" * (-len(data) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("the answer file is not base64") from None
