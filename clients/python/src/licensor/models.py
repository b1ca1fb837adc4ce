"""Requests and answers of the License API as dataclasses.

Every answer keeps the whole decoded JSON in ``raw`` beside the typed fields that
applications use (DESIGN.md "API layer").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from ._parse import as_dict, as_int, as_list, as_str, as_time
from .errors import SignatureError
from .signing import v1_identity


@dataclass
class Identity:
    """Which license a call is about: product, device, and a license key, a username, or
    an SSO login.

    ``password`` is sent only where the call authenticates the user (activation, borrow).
    ``variables`` (device variables) are sent on activation and deactivation.
    SSO (license-api.md §1, §5.18): ``customer_account_code`` with ``id_token`` (implicit
    grant) or ``code`` (+ ``redirect_uri``); only activation and borrow accept it, later
    calls use ``username`` (the answer's ``user.email``).
    """

    product: str
    hardware_id: str
    license_key: Optional[str] = None
    username: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    license_id: Optional[int] = None
    bundle_code: Optional[str] = None
    variables: Optional[Dict[str, Any]] = None
    customer_account_code: Optional[str] = None
    id_token: Optional[str] = field(default=None, repr=False)
    code: Optional[str] = field(default=None, repr=False)
    redirect_uri: Optional[str] = None

    def __post_init__(self) -> None:
        if not self.product:
            raise ValueError("Identity needs a product")
        if not self.hardware_id:
            raise ValueError("Identity needs a hardware_id")
        if self.customer_account_code and not (self.id_token or self.code):
            raise ValueError("an SSO Identity needs an id_token or a code")
        if [bool(self.license_key), bool(self.username), self.is_sso].count(True) != 1:
            raise ValueError("Identity needs one of a license_key, a username, or an SSO "
                             "customer_account_code with an id_token or a code")

    @property
    def is_sso(self) -> bool:
        """Whether the identity is an SSO login (customer account + token or code)."""
        return bool(self.customer_account_code and (self.id_token or self.code))

    @property
    def signed_identity(self) -> str:
        """What ``license_signature`` covers: the key, or the username cut at ``|``.

        An SSO identity has none before the answer: see :meth:`v1_identity_for`.
        """
        if self.is_sso:
            raise ValueError("an SSO activation's license_signature covers the answer's "
                             "user.email")
        return v1_identity(self.license_key, self.username)

    def v1_identity_for(self, answer: Any) -> str:
        """The identity ``license_signature`` covers in this answer (§3.1): what was sent,
        or for SSO the answer's ``user.email`` cut at its first ``|``."""
        if not self.is_sso:
            return self.signed_identity
        email = as_str(as_dict(as_dict(answer).get("user")).get("email"))
        if not email:
            raise SignatureError("an SSO answer without user.email cannot be verified")
        return email.split("|", 1)[0]

    def params(self, *, password: bool = False, variables: bool = False) -> Dict[str, Any]:
        """The request parameters that identify the license; ``password`` also adds the
        SSO token or code (both authenticate the user)."""
        out: Dict[str, Any] = {"product": self.product, "hardware_id": self.hardware_id}
        if self.license_key:
            out["license_key"] = self.license_key
        elif self.username:
            out["username"] = self.username
            if password and self.password is not None:
                out["password"] = self.password
        else:
            out["customer_account_code"] = self.customer_account_code
            if password:
                out.update({k: v for k, v in (("id_token", self.id_token), ("code", self.code),
                                              ("redirect_uri", self.redirect_uri)) if v})
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
    # Floating cloud (§5.12): seats, minutes a seat lasts without a check, borrowing.
    is_floating_cloud: bool
    floating_users: Optional[int]
    floating_timeout: Optional[int]
    floating_in_use_devices: Optional[int]
    can_borrow: bool
    max_borrow_time: Optional[int]
    is_borrowed: bool
    borrowed_until: Optional[datetime]
    # License-level consumption (consumption licenses, §5.7).
    max_consumptions: Optional[int]
    total_consumptions: Optional[int]
    allow_unlimited_consumptions: bool
    allow_overages: bool
    max_overages: Optional[int]
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
            is_floating_cloud=raw.get("is_floating_cloud") is True,
            floating_users=as_int(raw.get("floating_users")),
            floating_timeout=as_int(raw.get("floating_timeout")),
            floating_in_use_devices=as_int(raw.get("floating_in_use_devices")),
            can_borrow=raw.get("can_borrow") is True,
            max_borrow_time=as_int(raw.get("max_borrow_time")),
            is_borrowed=raw.get("is_borrowed") is True,
            borrowed_until=as_time(raw.get("borrowed_until")),
            max_consumptions=as_int(raw.get("max_consumptions")),
            total_consumptions=as_int(raw.get("total_consumptions")),
            allow_unlimited_consumptions=raw.get("allow_unlimited_consumptions") is True,
            allow_overages=raw.get("allow_overages") is True,
            max_overages=as_int(raw.get("max_overages")),
            raw=raw,
        )

    def feature(self, code: str, now: Optional[datetime] = None) -> Optional[Feature]:
        """The feature with this code, unless it is absent or expired."""
        for feat in self.features:
            if feat.code == code and not feat.is_expired(now):
                return feat
        return None
