"""The License API client: configuration and one method per endpoint (DESIGN.md)."""

from __future__ import annotations

import platform
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import requests

from ._http import Answer, HmacAuth, Transport, user_agent
from ._oauth import OAuthTokens
from ._parse import expect_array as _array, expect_object as _object
from ._usage_calls import UsageCalls
from ._version import __version__
from .answers import CustomerLicenseUsers, ProductDetails, Trial, TrialRequest, UserLicense
from .errors import unexpected_response
from .models import Feature, Identity, License, LicenseUser
from .signing import verify_license_object


@dataclass
class Config:
    """How to reach and trust a licensor server.

    Credentials: ``api_key`` + ``shared_key`` (HMAC, license-api.md §2.1), **or**
    ``client_id`` + ``client_secret`` (OAuth client credentials, §2.2; the token endpoint
    is ``token_url``, else the one ``GET oauth_url`` names). ``public_key`` (SPKI PEM,
    ``licensor public-key``) is required: every answer is verified with it and there is
    no way to turn verification off.
    """

    base_url: str
    api_key: Optional[str] = None
    shared_key: Optional[str] = field(default=None, repr=False)
    public_key: Union[str, bytes] = field(default="", repr=False)
    timeout: float = 10.0
    max_retries: int = 3
    app_name: Optional[str] = None
    app_version: Optional[str] = None
    session: Optional[requests.Session] = field(default=None, repr=False)
    client_id: Optional[str] = None
    client_secret: Optional[str] = field(default=None, repr=False)
    token_url: Optional[str] = None

    @property
    def oauth(self) -> bool:
        """Whether calls are authorized with OAuth bearer tokens."""
        return bool(self.client_id or self.client_secret)

    def offline_key(self) -> Tuple[str, str, str]:
        """``(field, id, secret)`` that sign offline request files (§2.4, §2.5):
        ``("api_key", api_key, shared_key)``, or under OAuth
        ``("client_id", client_id, client_secret)``."""
        if self.oauth:
            return "client_id", self.client_id or "", self.client_secret or ""
        return "api_key", self.api_key or "", self.shared_key or ""

    def _validate(self) -> None:
        hmac_pair = (self.api_key, self.shared_key)
        oauth_pair = (self.client_id, self.client_secret)
        if self.oauth:
            if not all(oauth_pair):
                raise ValueError("OAuth needs both client_id and client_secret")
            if any(hmac_pair):
                raise ValueError("give api_key + shared_key or client_id + client_secret, "
                                 "not both")
        elif not all(hmac_pair):
            raise ValueError("api_key and shared_key (or client_id and client_secret) "
                             "are required")
        if not self.public_key:
            raise ValueError("public_key (the server's SPKI PEM) is required")


def _telemetry(config: Config) -> Dict[str, str]:
    info: Dict[str, str] = {"sdk_ver": f"licensor-python {__version__}"}
    if config.app_name:
        info["app_name"] = config.app_name
    if config.app_version:
        info["app_ver"] = config.app_version
    system = f"{platform.system()} {platform.release()}".strip()
    if system:
        info["os_ver"] = system
    try:
        hostname = socket.gethostname()
    except OSError:
        hostname = ""
    if hostname:
        info["hostname"] = hostname
    return info


class Client(UsageCalls):
    """A License API v4 client for licensor that verifies every answer.

    Every method raises :class:`ApiError`, :class:`SignatureError` or
    :class:`NetworkError` (all :class:`LicensorError`). ``sleep`` is what waits between
    retries and ``clock`` (monotonic seconds) what OAuth tokens expire by (tests inject
    their own). The usage calls (consumption, variables, versions, floating, SSO) are
    in :class:`UsageCalls`.
    """

    def __init__(
        self,
        config: Config,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        config._validate()
        self.config = config
        self._http = Transport(
            base_url=config.base_url,
            auth=None if config.oauth else HmacAuth(config.api_key or "", config.shared_key or ""),
            public_key=config.public_key,
            timeout=config.timeout,
            max_retries=config.max_retries,
            agent=user_agent(config.app_name, config.app_version),
            session=config.session,
            sleep=sleep,
        )
        #: The OAuth token cache (``None`` with an API key); ``clock`` times its tokens.
        self.oauth_tokens: Optional[OAuthTokens] = None
        if config.oauth:
            self.oauth_tokens = OAuthTokens(
                self._http, config.client_id or "", config.client_secret or "",
                token_url=config.token_url, discover=lambda: self.oauth_url().url, clock=clock)
            self._http.auth = self.oauth_tokens
        self._telemetry = _telemetry(config)

    def close(self) -> None:
        """Close the HTTP session (only one the client created itself)."""
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- license activation and checks ------------------------------------------------

    def activate_license(self, identity: Identity) -> License:
        """POST activate_license: activate this device (again: takes no new slot)."""
        return self._activate(identity)[0]

    def check_license(self, identity: Identity, include_expired_features: bool = False) -> License:
        """GET check_license: the license as it stands for this activated device."""
        return self._check(identity, include_expired_features)[0]

    def deactivate_license(self, identity: Identity) -> None:
        """POST deactivate_license: free this device's activation."""
        self._deactivate("deactivate_license", identity)

    def activate_bundle(self, identity: Identity) -> List[License]:
        """POST activate_bundle: ``identity.product`` is the bundle; one License per product."""
        params = {**self._telemetry, **identity.params(password=True, variables=True)}
        answer = self._http.call("POST", "activate_bundle", params, idempotent=True)
        return self._licenses(answer, identity)

    def check_bundle(
        self, identity: Identity, include_expired_features: bool = False
    ) -> List[License]:
        """GET check_bundle: every license of the bundle for this device."""
        params = {**self._telemetry, **identity.params(),
                  "include_expired_features": include_expired_features}
        answer = self._http.call("GET", "check_bundle", params, idempotent=True)
        return self._licenses(answer, identity)

    def deactivate_bundle(self, identity: Identity) -> None:
        """POST deactivate_bundle: free this device on every license of the bundle."""
        self._deactivate("deactivate_bundle", identity)

    def check_license_feature(self, identity: Identity, feature: str) -> Feature:
        """GET check_license_feature: one feature of the license (code ``feature``)."""
        params = {**identity.params(), "feature": feature}
        data = self._http.call("GET", "check_license_feature", params, idempotent=True).data
        return Feature.from_raw(_object(data))

    # -- products, trials and listings --------------------------------------------------

    def trial_key(self, request: TrialRequest) -> Trial:
        """GET trial_key: a trial license for this device (or the one it already has)."""
        params = {k: v for k, v in vars(request).items() if v is not None}
        data = self._http.call("GET", "trial_key", params, idempotent=True).data
        return Trial.from_raw(_object(data))

    def product_details(
        self,
        product: str,
        *,
        include_latest_version: bool = False,
        include_custom_fields: bool = False,
        env: Optional[str] = None,
    ) -> ProductDetails:
        """GET product_details."""
        params = {"product": product, "include_latest_version": include_latest_version,
                  "include_custom_fields": include_custom_fields, "env": env}
        data = self._http.call("GET", "product_details", params, idempotent=True).data
        return ProductDetails.from_raw(_object(data))

    def user_licenses(self, product: str, username: str, password: str) -> List[UserLicense]:
        """GET user_licenses: the licenses of a license user (authenticated)."""
        params = {"product": product, "username": username, "password": password}
        data = self._http.call("GET", "user_licenses", params, idempotent=True).data
        out = []
        for item in _array(data):
            user = item.get("user")
            out.append(UserLicense(
                license=License.from_raw(_object(item.get("license"))),
                user=LicenseUser.from_raw(user) if isinstance(user, dict) else None,
                raw=item,
            ))
        return out

    def customer_license_users(self, product: str, customer: str) -> CustomerLicenseUsers:
        """GET customer_license_users: the license users of a customer (by e-mail)."""
        params = {"product": product, "customer": customer}
        data = _object(self._http.call(
            "GET", "customer_license_users", params, idempotent=True).data)
        customer_data = data.get("customer")
        return CustomerLicenseUsers(
            customer=customer_data if isinstance(customer_data, dict) else {},
            users=[LicenseUser.from_raw(u) for u in _array(data.get("users", []))],
            raw=data,
        )

    def device_licenses(self, hardware_id: str) -> List[License]:
        """GET device_licenses: every license this device is on."""
        data = self._http.call(
            "GET", "device_licenses", {"hardware_id": hardware_id}, idempotent=True).data
        return [License.from_raw(item) for item in _array(data)]

    def change_password(self, username: str, password: str, new_password: str) -> None:
        """POST change_password: a license user's new password."""
        params = {"username": username, "password": password, "new_password": new_password}
        answer = self._http.call("POST", "change_password", params, idempotent=False)
        if answer.data != "password_changed":
            raise unexpected_response(200, "change_password did not answer \"password_changed\"")

    # -- helpers (also used by LicenseManager, which keeps the signed answers) ----------

    def _activate(self, identity: Identity) -> Tuple[License, Answer]:
        params = {**self._telemetry, **identity.params(password=True, variables=True)}
        answer = self._http.call("POST", "activate_license", params, idempotent=True)
        return self._license(answer, identity), answer

    def _check(self, identity: Identity, include_expired_features: bool) -> Tuple[License, Answer]:
        params = {**self._telemetry, **identity.params(),
                  "include_expired_features": include_expired_features}
        answer = self._http.call("GET", "check_license", params, idempotent=True)
        return self._license(answer, identity), answer

    def _deactivate(self, endpoint: str, identity: Identity) -> None:
        answer = self._http.call("POST", endpoint, identity.params(variables=True),
                                 idempotent=False)
        if answer.data != "license_deactivated":
            raise unexpected_response(200, f"{endpoint} did not answer \"license_deactivated\"")

    def _license(self, answer: Answer, identity: Identity) -> License:
        data = _object(answer.data)
        verify_license_object(self._http.public_key, data, identity.hardware_id,
                              identity.v1_identity_for(data))
        return License.from_raw(data)

    def _licenses(self, answer: Answer, identity: Identity) -> List[License]:
        items = _array(answer.data)
        for item in items:
            verify_license_object(self._http.public_key, item, identity.hardware_id,
                                  identity.v1_identity_for(item))
        return [License.from_raw(item) for item in items]
