"""Answers of the usage endpoints: consumption, device variables, versions, floating
borrows, and the SSO and OAuth discovery calls (license-api.md §5.7-§5.19)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Optional

from ._parse import as_dict, as_int, as_str, as_time


@dataclass
class Consumption:
    """An ``add_consumption`` or ``add_feature_consumption`` answer: the counter after the
    addition. ``license_id`` is set for a feature (``id`` is then the license feature's)."""

    id: Optional[int]
    license_id: Optional[int]
    total_consumptions: Optional[int]
    max_consumptions: Optional[int]
    allow_unlimited_consumptions: bool
    allow_negative_consumptions: bool
    allow_overages: bool
    max_overages: Optional[int]
    reset_consumption: bool
    consumption_period: Optional[str]
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_raw(cls, raw: Dict[str, Any]) -> "Consumption":
        return cls(
            id=as_int(raw.get("id")),
            license_id=as_int(raw.get("license_id")),
            total_consumptions=as_int(raw.get("total_consumptions")),
            max_consumptions=as_int(raw.get("max_consumptions")),
            allow_unlimited_consumptions=raw.get("allow_unlimited_consumptions") is True,
            allow_negative_consumptions=raw.get("allow_negative_consumptions") is True,
            allow_overages=raw.get("allow_overages") is True,
            max_overages=as_int(raw.get("max_overages")),
            reset_consumption=raw.get("reset_consumption") is True,
            consumption_period=as_str(raw.get("consumption_period")),
            raw=raw,
        )


@dataclass
class DeviceVariable:
    """A device variable. ``get_device_variables`` gives its ``id``;
    ``track_device_variables`` does not (``None``). ``created_at`` is read from either
    form the API uses (epoch milliseconds, or ISO-8601)."""

    id: Optional[int]
    variable: str
    value: str
    device_id: Optional[int]
    created_at: Optional[datetime]
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_raw(cls, raw: Dict[str, Any]) -> "DeviceVariable":
        created = raw.get("created_at")
        if isinstance(created, (int, float)) and not isinstance(created, bool):
            created_at = datetime.fromtimestamp(created / 1000, timezone.utc)
        else:
            created_at = as_time(created)
        value = raw.get("value")
        return cls(
            id=as_int(raw.get("id")),
            variable=as_str(raw.get("variable")) or "",
            value=value if isinstance(value, str) else "",
            device_id=as_int(raw.get("device_id")),
            created_at=created_at,
            raw=raw,
        )


@dataclass
class Version:
    """One entry of a ``versions`` answer."""

    version: str
    release_date: Optional[datetime]
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_raw(cls, raw: Dict[str, Any]) -> "Version":
        return cls(version=as_str(raw.get("version")) or "",
                   release_date=as_time(raw.get("release_date")), raw=raw)


@dataclass
class InstallationFile:
    """An ``installation_file`` answer; ``installation_file`` is the download URL."""

    id: Optional[int]
    version: str
    installation_file: Optional[str]
    release_date: Optional[datetime]
    hash_md5: Optional[str]
    environment: Optional[str]
    eula_link: Optional[str]
    release_notes_link: Optional[str]
    size: Optional[str]
    requires_version: Optional[str]
    channel: Optional[str]
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_raw(cls, raw: Dict[str, Any]) -> "InstallationFile":
        size = raw.get("size")
        return cls(
            id=as_int(raw.get("id")),
            version=as_str(raw.get("version")) or "",
            installation_file=as_str(raw.get("installation_file")),
            release_date=as_time(raw.get("release_date")),
            hash_md5=as_str(raw.get("hash_md5")),
            environment=as_str(raw.get("environment")),
            eula_link=as_str(raw.get("eula_link")),
            release_notes_link=as_str(raw.get("release_notes_link")),
            # A string in licensor's answers; a number elsewhere is kept as its text.
            size=str(size) if isinstance(size, (str, int)) and not isinstance(size, bool)
            else None,
            requires_version=as_str(raw.get("requires_version")),
            channel=as_str(raw.get("channel")),
            raw=raw,
        )


@dataclass
class Borrow:
    """A ``floating/borrow`` or ``floating/feature_borrow`` answer."""

    borrowed_until: Optional[datetime]
    max_borrow_time: Optional[int]
    device_id: Optional[int]
    license_id: Optional[int]
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_raw(cls, raw: Dict[str, Any]) -> "Borrow":
        return cls(borrowed_until=as_time(raw.get("borrowed_until")),
                   max_borrow_time=as_int(raw.get("max_borrow_time")),
                   device_id=as_int(raw.get("device_id")),
                   license_id=as_int(raw.get("license_id")), raw=raw)


@dataclass
class SsoUrl:
    """An ``sso_url`` answer: where to send the user, and the issuer's discovery subset."""

    url: str
    openid_configuration: Dict[str, Any]
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_raw(cls, raw: Dict[str, Any]) -> "SsoUrl":
        return cls(url=as_str(raw.get("url")) or "",
                   openid_configuration=as_dict(raw.get("openid_configuration")), raw=raw)


@dataclass
class OAuthUrl:
    """An ``oauth_url`` answer: the token endpoint of the server's OAuth clients."""

    url: str
    login_type: Optional[str]
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_raw(cls, raw: Dict[str, Any]) -> "OAuthUrl":
        return cls(url=as_str(raw.get("url")) or "", login_type=as_str(raw.get("login_type")),
                   raw=raw)
