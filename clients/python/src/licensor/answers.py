"""Answers of the product-level and listing endpoints: trials, product details, users."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

from ._parse import as_dict, as_int, as_list, as_str, as_time
from .models import License, LicenseUser


@dataclass
class TrialRequest:
    """Parameters of ``trial_key`` (§5.9); ``email`` is required for user-based products."""

    product: str
    hardware_id: str
    email: Optional[str] = None
    license_policy: Optional[str] = None
    first_name: Optional[str] = None
    last_name: Optional[str] = None
    phone: Optional[str] = None
    address: Optional[str] = None
    postcode: Optional[str] = None
    state: Optional[str] = None
    country: Optional[str] = None
    city: Optional[str] = None
    reference: Optional[str] = None


@dataclass
class Trial:
    """A ``trial_key`` answer: a new trial license, or the device's existing one.

    Activate it with ``license_key``, or with ``username`` and ``initial_password``.
    """

    license_key: Optional[str]
    username: Optional[str]
    initial_password: Optional[str] = field(repr=False)
    license_type: Optional[str]
    validity_period: Optional[datetime]
    existing: bool
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_raw(cls, raw: Dict[str, Any]) -> "Trial":
        return cls(
            license_key=as_str(raw.get("license_key")) or as_str(raw.get("license")),
            username=as_str(raw.get("license_user")),
            initial_password=as_str(raw.get("initial_password")),
            license_type=as_str(raw.get("license_type")),
            validity_period=as_time(raw.get("validity_period")),
            existing="id" not in raw,
            raw=raw,
        )


@dataclass
class ProductDetails:
    """A ``product_details`` answer (§5.10)."""

    product_id: Optional[int]
    product_name: Optional[str]
    short_code: Optional[str]
    authorization_method: Optional[str]
    allow_trial: bool
    trial_days: Optional[int]
    metadata: Dict[str, Any]
    latest_version: Optional[Dict[str, Any]]
    custom_fields: List[Dict[str, Any]]
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_raw(cls, raw: Dict[str, Any]) -> "ProductDetails":
        latest = raw.get("latest_version")
        return cls(
            product_id=as_int(raw.get("product_id")),
            product_name=as_str(raw.get("product_name")),
            short_code=as_str(raw.get("short_code")),
            authorization_method=as_str(raw.get("authorization_method")),
            allow_trial=raw.get("allow_trial") is True,
            trial_days=as_int(raw.get("trial_days")),
            metadata=as_dict(raw.get("metadata")),
            latest_version=latest if isinstance(latest, dict) else None,
            custom_fields=[c for c in as_list(raw.get("custom_fields")) if isinstance(c, dict)],
            raw=raw,
        )


@dataclass
class UserLicense:
    """One element of a ``user_licenses`` answer."""

    license: License
    user: Optional[LicenseUser]
    raw: Dict[str, Any] = field(repr=False)


@dataclass
class CustomerLicenseUsers:
    """A ``customer_license_users`` answer (§5.15)."""

    customer: Dict[str, Any]
    users: List[LicenseUser]
    raw: Dict[str, Any] = field(repr=False)
