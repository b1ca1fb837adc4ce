"""A stable hardware id for this machine (DESIGN.md "Hardware id").

``hardware_id(salt)`` is the hex SHA-256 of ``salt + ":" + machine id``, so the raw machine
id never leaves the device. An application may pass its own hardware id instead.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from typing import Callable, Optional, Sequence

from .errors import LicensorError

LINUX_MACHINE_ID_FILES = ("/etc/machine-id", "/var/lib/dbus/machine-id")

_IOREG_UUID = re.compile(r'"IOPlatformUUID"\s*=\s*"([^"]+)"')


def _linux_machine_id(paths: Sequence[str] = LINUX_MACHINE_ID_FILES) -> Optional[str]:
    for path in paths:
        try:
            with open(path, encoding="ascii", errors="replace") as fh:
                value = fh.read().strip()
        except OSError:
            continue
        if value:
            return value
    return None


def _macos_machine_id() -> Optional[str]:
    try:
        out = subprocess.run(
            ["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = _IOREG_UUID.search(out)
    return match.group(1) if match else None


def _windows_machine_id() -> Optional[str]:
    try:
        import winreg  # type: ignore[import-not-found]
    except ImportError:
        return None
    flags = winreg.KEY_READ | getattr(winreg, "KEY_WOW64_64KEY", 0)
    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE,
                            r"SOFTWARE\Microsoft\Cryptography", 0, flags) as key:
            value, _ = winreg.QueryValueEx(key, "MachineGuid")
    except OSError:
        return None
    return str(value) if value else None


def machine_id(platform: Optional[str] = None) -> str:
    """The raw machine id of this platform (do not send it anywhere; hash it).

    Raises :class:`LicensorError` when the platform has none that can be read.
    """
    platform = platform or sys.platform
    readers: Sequence[Callable[[], Optional[str]]]
    if platform.startswith("win"):
        readers = (_windows_machine_id,)
    elif platform == "darwin":
        readers = (_macos_machine_id,)
    else:
        readers = (_linux_machine_id,)
    for read in readers:
        value = read()
        if value and value.strip():
            return value.strip()
    raise LicensorError(f"no machine id found on {platform}: pass a hardware_id yourself")


def hardware_id(salt: str = "", *, machine: Optional[str] = None) -> str:
    """Hex SHA-256 of ``salt + ":" + machine id`` (``machine`` overrides the lookup)."""
    raw = machine if machine is not None else machine_id()
    return hashlib.sha256(f"{salt}:{raw}".encode("utf-8")).hexdigest()
