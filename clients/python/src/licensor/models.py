"""Requests and answers of the License API as dataclasses.

Every answer keeps the whole decoded JSON in ``raw`` beside the typed fields that
applications use (DESIGN.md "API layer").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from ._parse import as_dict, as_int, as_list, as_str, as_time
from .signing import v1_identity

@dataclass
class Identity:
    """Which license a call is about: product, device, and a license key or a username.

    ``password`` is sent only where the call authenticates the user (activation).
    ``variables`` (device variables) are sent on activation and deactivation.
    """

    product: str
    hardware_id: str
    license_key: Optional[str] = None
    username: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    license_id: Optional[int] = None
    bundle_code: Optional[str] = None
    variables: Optional[Dict[str, Any]] = None

    def __post_init__(self) -> None:
        if not self.product:
            raise ValueError("Identity needs a product")
        if not self.hardware_id:
            raise ValueError("Identity needs a hardware_id")
        if bool(self.license_key) == bool(self.username):
            raise ValueError("Identity needs a license_key or a username (not both)")

    @property
    def signed_identity(self) -> str:
        """What ``license_signature`` covers: the key, or the username cut at ``|``."""
        return v1_identity(self.license_key, self.username)

    def params(self, *, password: bool = False, variables: bool = False) -> Dict[str, Any]:
        """The request parameters that identify the license."""
        out: Dict[str, Any] = {"product": self.product, "hardware_id": self.hardware_id}
        if self.license_key:
            out["license_key"] = self.license_key
        else:
            out["username"] = self.username
            if password and self.password is not None:
                out["password"] = self.password
        if self.license_id is not None:
            out["license_id"] = self.license_id
        if self.bundle_code:
            out["bundle_code"] = self.bundle_code
        if variables and self.variables:
            out["variables"] = dict(self.variables)
        return out


@dataclass
class Feature:
    """A product feature of a license (or the answer of check_license_feature)."""

    code: str
    name: Optional[str]
    feature_type: Optional[str]
    expiry_date: Optional[datetime]
    max_consumption: Optional[int]
    total_consumptions: Optional[int]
    metadata: Dict[str, Any]
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_raw(cls, raw: Dict[str, Any]) -> "Feature":
        return cls(
            code=as_str(raw.get("code")) or "",
            name=as_str(raw.get("name")),
            feature_type=as_str(raw.get("feature_type")),
            expiry_date=as_time(raw.get("expiry_date")),
            max_consumption=as_int(raw.get("max_consumption")),
            total_consumptions=as_int(raw.get("total_consumptions")),
            metadata=as_dict(raw.get("metadata")),
            raw=raw,
        )

    def is_expired(self, now: Optional[datetime] = None) -> bool:
        """Whether the feature's ``expiry_date`` has passed."""
        if self.expiry_date is None:
            return False
        return (now or datetime.now(timezone.utc)) >= self.expiry_date


@dataclass
class CustomField:
    """A custom field of a license: ``{name, data_type, value}``."""

    name: str
    data_type: Optional[str]
    value: Any


@dataclass
class LicenseUser:
    """A license user, as in ``License.user``, user_licenses and customer_license_users."""

    id: Optional[int]
    email: Optional[str]
    first_name: Optional[str]
    last_name: Optional[str]
    is_initial_password: Optional[bool]
    initial_password: Optional[str] = field(repr=False)
    is_active: Optional[bool]
    license_id: Optional[int]
    max_activations: Optional[int]
    total_activations: Optional[int]
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_raw(cls, raw: Dict[str, Any]) -> "LicenseUser":
        def flag(key: str) -> Optional[bool]:
            value = raw.get(key)
            return value if isinstance(value, bool) else None

        return cls(
            id=as_int(raw.get("id")),
            email=as_str(raw.get("email")),
            first_name=as_str(raw.get("first_name")),
            last_name=as_str(raw.get("last_name")),
            is_initial_password=flag("is_initial_password"),
            initial_password=as_str(raw.get("initial_password")),
            is_active=flag("is_active"),
            license_id=as_int(raw.get("license_id")),
            max_activations=as_int(raw.get("max_activations")),
            total_activations=as_int(raw.get("total_activations")),
            raw=raw,
        )


@dataclass
class License:
    """A License object (§4) of an activate, check, bundle or listing answer."""

    id: Optional[int]
    license_key: Optional[str]
    license_type: Optional[str]
    enabled: bool
    active: bool
    expired: bool
    trial: bool
    validity_period: Optional[datetime]
    start_date: Optional[datetime]
    allow_grace_period: bool
    grace_period: int
    max_activations: Optional[int]
    times_activated: Optional[int]
    allow_unlimited_activations: bool
    features: List[Feature]
    custom_fields: List[CustomField]
    metadata: Dict[str, Any]
    user: Optional[LicenseUser]
    product_short_code: Optional[str]
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_raw(cls, raw: Dict[str, Any]) -> "License":
        active = raw.get("license_active", raw.get("active"))
        user = raw.get("user")
        return cls(
            id=as_int(raw.get("id")),
            license_key=as_str(raw.get("license_key")),
            license_type=as_str(raw.get("license_type")),
            enabled=raw.get("license_enabled") is True,
            active=active is True,
            expired=raw.get("is_expired") is True,
            trial=raw.get("is_trial") is True,
            validity_period=as_time(raw.get("validity_period")),
            start_date=as_time(raw.get("start_date")),
            allow_grace_period=raw.get("allow_grace_period") is True,
            grace_period=as_int(raw.get("grace_period")) or 0,
            max_activations=as_int(raw.get("max_activations")),
            times_activated=as_int(raw.get("times_activated")),
            allow_unlimited_activations=raw.get("allow_unlimited_activations") is True,
            features=[Feature.from_raw(f) for f in as_list(raw.get("product_features"))
                      if isinstance(f, dict)],
            custom_fields=[
                CustomField(name=as_str(c.get("name")) or "", data_type=as_str(c.get("data_type")),
                            value=c.get("value"))
                for c in as_list(raw.get("custom_fields")) if isinstance(c, dict)
            ],
            metadata=as_dict(raw.get("metadata")),
            user=LicenseUser.from_raw(user) if isinstance(user, dict) else None,
            product_short_code=as_str(as_dict(raw.get("product_details")).get("short_code")),
            raw=raw,
        )

    def feature(self, code: str, now: Optional[datetime] = None) -> Optional[Feature]:
        """The feature with this code, unless it is absent or expired."""
        for feat in self.features:
            if feat.code == code and not feat.is_expired(now):
                return feat
        return None
