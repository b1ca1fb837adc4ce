"""The license file a :class:`LicenseManager` keeps (DESIGN.md "License manager").

JSON ``{"version": 1, "request": {product, hardware_id, license_key | username},
"body_base64", "license_signature_header", "last_server_contact"}``: the server's answer is
stored verbatim with its ``LicenseSignature``, so the file verifies offline with the public
key, and any change to it is detected.

A file made from an offline answer (``LicenseManager.load_offline_answer``) also has
``"offline_answer": true``: its body is the activate_offline answer, which carries its
signatures inside (``license_signature``, ``license_signature_v2``), so
``license_signature_header`` is ``""``; ``last_server_contact`` is the answer's ``date``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Optional

from ._parse import format_time, parse_time
from .errors import LocalLicenseError, SignatureError
from .models import Identity
from .offline import answer_identity, verify_answer_signatures
from .signing import PublicKey, verify_license_object, verify_v2

FILE_VERSION = 1


def _invalid(message: str) -> LocalLicenseError:
    return LocalLicenseError("license_file_invalid", message)


@dataclass
class LicenseFile:
    """The decoded license file; ``body`` is the server's answer, byte for byte."""

    product: str
    hardware_id: str
    license_key: Optional[str]
    username: Optional[str]
    body: bytes
    signature: str
    last_server_contact: datetime
    #: The body is an offline answer (signed inside), not an online answer.
    offline_answer: bool = False

    def identity(self) -> Identity:
        """The identity the stored answer was asked with (never a password)."""
        return Identity(product=self.product, hardware_id=self.hardware_id,
                        license_key=self.license_key, username=self.username)

    def to_json(self) -> bytes:
        request: Dict[str, str] = {"product": self.product, "hardware_id": self.hardware_id}
        if self.license_key:
            request["license_key"] = self.license_key
        else:
            request["username"] = self.username or ""
        doc = {
            "version": FILE_VERSION,
            "request": request,
            "body_base64": base64.b64encode(self.body).decode("ascii"),
            "license_signature_header": self.signature,
            "last_server_contact": format_time(self.last_server_contact),
        }
        if self.offline_answer:
            doc["offline_answer"] = True
        return json.dumps(doc, indent=2).encode("utf-8") + b"\n"

    @classmethod
    def parse(cls, data: bytes) -> "LicenseFile":
        """Decode a license file; raises ``license_file_invalid`` if it is malformed."""
        try:
            doc: Any = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _invalid("the license file is not JSON") from None
        if not isinstance(doc, dict) or doc.get("version") != FILE_VERSION:
            raise _invalid("the license file has an unknown format or version")
        request = doc.get("request")
        if not isinstance(request, dict):
            raise _invalid("the license file has no request")
        strings = {k: request.get(k) for k in ("product", "hardware_id", "license_key",
                                                 "username")}
        if not all(isinstance(v, str) or v is None for v in strings.values()):
            raise _invalid("the license file's request is malformed")
        try:
            body = base64.b64decode(str(doc.get("body_base64", "")), validate=True)
            contact = parse_time(doc.get("last_server_contact"))
        except (binascii.Error, ValueError):
            raise _invalid("the license file's body or date is malformed") from None
        signature = doc.get("license_signature_header")
        offline = doc.get("offline_answer", False)
        if (not strings["product"] or not strings["hardware_id"] or not body
                or bool(strings["license_key"]) == bool(strings["username"])
                or not isinstance(signature, str) or contact is None
                or not isinstance(offline, bool)):
            raise _invalid("the license file lacks a field")
        return cls(product=strings["product"] or "", hardware_id=strings["hardware_id"] or "",
                   license_key=strings["license_key"], username=strings["username"],
                   body=body, signature=signature, last_server_contact=contact,
                   offline_answer=offline)

    def verify(self, key: PublicKey) -> Dict[str, Any]:
        """Check both signatures; return the stored License object (decoded)."""
        try:
            if self.offline_answer:
                data = json.loads(self.body.decode("utf-8"))
                self._verify_offline(key, data)
            else:
                verify_v2(key, self.body, self.signature)
                data = json.loads(self.body.decode("utf-8"))
                verify_license_object(key, data, self.hardware_id,
                                      self.identity().signed_identity)
        except SignatureError as exc:
            raise _invalid(f"the license file does not verify: {exc.reason}") from exc
        except (UnicodeDecodeError, ValueError):
            raise _invalid("the stored answer is not JSON") from None
        return data

    def _verify_offline(self, key: PublicKey, data: Any) -> None:
        # The answer names its device and identity itself: they must be the file's.
        if not isinstance(data, dict):
            raise SignatureError("the stored offline answer is not a JSON object")
        verify_answer_signatures(key, data)
        if (data.get("hardware_id") != self.hardware_id
                or answer_identity(data) != (self.license_key or self.username)):
            raise SignatureError("the stored offline answer is for another device or license")


def read_license_file(path: str) -> LicenseFile:
    """Read and decode; ``license_file_missing`` or ``license_file_invalid`` on failure."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise LocalLicenseError("license_file_missing", f"no license file at {path}") from None
    except OSError as exc:
        raise _invalid(f"the license file cannot be read: {exc}") from exc
    return LicenseFile.parse(data)


def write_atomic(path: str, data: bytes) -> None:
    """Replace ``path`` atomically: a temporary file in the same directory, fsync, rename.

    The file gets mode 0600 (it is the application's license; others need not read it).
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable on POSIX; not possible (nor needed) on Windows.
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
