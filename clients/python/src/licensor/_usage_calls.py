"""The usage calls of :class:`licensor.Client`: consumption, device variables, versions,
floating cloud seats, and the SSO and OAuth discovery calls (license-api.md §5.7-§5.19).

Every answer with a body is verified like the others (the ``LicenseSignature`` header);
floating/release and floating/feature_release answer 200 with an empty body.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, List, Mapping, Optional, Union

from ._http import Transport
from ._parse import expect_array, expect_object, format_time
from .models import Identity
from .usage import Borrow, Consumption, DeviceVariable, InstallationFile, OAuthUrl, SsoUrl, Version

BorrowUntil = Union[datetime, str, None]


class UsageCalls:
    """Endpoint methods beyond activation and checks; mixed into :class:`licensor.Client`."""

    _http: Transport

    # -- consumption (§5.7, §5.8) -------------------------------------------------------

    def add_consumption(
        self,
        identity: Identity,
        consumptions: int,
        *,
        max_overages: Optional[int] = None,
        allow_overages: Optional[bool] = None,
    ) -> Consumption:
        """POST add_consumption: add ``consumptions`` units (negative gives units back
        where the license allows it). ``allow_overages`` / ``max_overages`` can only
        narrow the license's overages. Over the limit: ApiError
        ``license_not_enough_consumptions``. Not repeated after a network error (the
        units may have been counted)."""
        params = {**identity.params(), "consumptions": _units(consumptions),
                  "max_overages": max_overages, "allow_overages": allow_overages}
        answer = self._http.call("POST", "add_consumption", params, idempotent=False)
        return Consumption.from_raw(expect_object(answer.data))

    def add_feature_consumption(
        self, identity: Identity, feature: str, consumptions: int
    ) -> Consumption:
        """POST add_feature_consumption: add units to the consumption feature ``feature``.
        Over the limit: ApiError ``feature_not_enough_consumptions``."""
        params = {**identity.params(), "feature": feature, "consumptions": _units(consumptions)}
        answer = self._http.call("POST", "add_feature_consumption", params, idempotent=False)
        return Consumption.from_raw(expect_object(answer.data))

    # -- device variables (§5.11) -------------------------------------------------------

    def track_device_variables(
        self, identity: Identity, variables: Mapping[str, Any]
    ) -> List[DeviceVariable]:
        """POST track_device_variables: store these variables of this device. Values are
        sent as strings (``None`` as ``""``, anything else not a string as its JSON
        text, which is how the server would store it)."""
        params = {**identity.params(),
                  "variables": {str(k): _variable_text(v) for k, v in variables.items()}}
        answer = self._http.call("POST", "track_device_variables", params, idempotent=True)
        return [DeviceVariable.from_raw(item) for item in expect_array(answer.data)]

    def get_device_variables(self, identity: Identity) -> List[DeviceVariable]:
        """GET get_device_variables: every variable stored for this device."""
        answer = self._http.call("GET", "get_device_variables", identity.params(),
                                 idempotent=True)
        return [DeviceVariable.from_raw(item) for item in expect_array(answer.data)]

    # -- versions (§5.14) ---------------------------------------------------------------

    def versions(
        self, identity: Identity, *, env: Optional[str] = None, channel: Optional[str] = None
    ) -> List[Version]:
        """GET versions: the product's versions (needs an active license on this device)."""
        params = {**identity.params(), "env": env, "channel": channel}
        answer = self._http.call("GET", "versions", params, idempotent=True)
        return [Version.from_raw(item) for item in expect_array(answer.data)]

    def installation_file(
        self,
        identity: Identity,
        *,
        env: Optional[str] = None,
        version: Optional[str] = None,
        channel: Optional[str] = None,
    ) -> InstallationFile:
        """GET installation_file: ``version``'s file, else the latest. Unknown version:
        ApiError ``version_not_found``."""
        params = {**identity.params(), "env": env, "version": version, "channel": channel}
        answer = self._http.call("GET", "installation_file", params, idempotent=True)
        return InstallationFile.from_raw(expect_object(answer.data))

    # -- floating cloud seats (§5.12) ---------------------------------------------------

    def floating_borrow(self, identity: Identity, borrowed_until: BorrowUntil = None) -> Borrow:
        """POST floating/borrow: keep this device's seat until ``borrowed_until`` (an aware
        datetime or an ISO-8601 string; ``None``: now + the license's max_borrow_time
        hours) without checks. User-based licenses send the password, SSO its token."""
        params = {**identity.params(password=True), "borrowed_until": _until(borrowed_until)}
        answer = self._http.call("POST", "floating/borrow", params, idempotent=True)
        return Borrow.from_raw(expect_object(answer.data))

    def floating_release(self, identity: Identity) -> None:
        """POST floating/release: give this device's seat back (borrowed or not)."""
        self._http.call("POST", "floating/release", identity.params(), idempotent=True,
                        allow_empty=True)

    def floating_feature_borrow(
        self, identity: Identity, feature: str, borrowed_until: BorrowUntil = None
    ) -> Borrow:
        """POST floating/feature_borrow: keep this device's seat of floating feature
        ``feature`` until ``borrowed_until`` (as :meth:`floating_borrow`)."""
        params = {**identity.params(password=True), "feature": feature,
                  "borrowed_until": _until(borrowed_until)}
        answer = self._http.call("POST", "floating/feature_borrow", params, idempotent=True)
        return Borrow.from_raw(expect_object(answer.data))

    def floating_feature_release(self, identity: Identity, feature: str) -> None:
        """POST floating/feature_release: give this device's seat of ``feature`` back."""
        self._http.call("POST", "floating/feature_release",
                        {**identity.params(), "feature": feature}, idempotent=True,
                        allow_empty=True)

    # -- SSO and OAuth discovery (§5.18, §5.19) -----------------------------------------

    def sso_url(
        self,
        product: str,
        customer_account_code: str,
        *,
        response_type: str = "code",
        redirect_uri: Optional[str] = None,
    ) -> SsoUrl:
        """GET sso_url: where to send the user to log in with the customer account's
        identity provider (``response_type`` ``"code"`` or ``"token"``). Then activate
        with ``Identity(customer_account_code=…, code=…)`` (or ``id_token=…``)."""
        if response_type not in ("code", "token"):
            raise ValueError('response_type must be "code" or "token"')
        params = {"product": product, "customer_account_code": customer_account_code,
                  "response_type": response_type, "redirect_uri": redirect_uri}
        answer = self._http.call("GET", "sso_url", params, idempotent=True)
        return SsoUrl.from_raw(expect_object(answer.data))

    def oauth_url(self) -> OAuthUrl:
        """GET oauth_url (sent without credentials): the server's OAuth token endpoint."""
        answer = self._http.call("GET", "oauth_url", {"login_type": "client_credentials"},
                                 idempotent=True, authenticated=False)
        return OAuthUrl.from_raw(expect_object(answer.data))


def _units(consumptions: Any) -> int:
    if isinstance(consumptions, bool) or not isinstance(consumptions, int):
        raise TypeError("consumptions must be an int")
    return consumptions


def _variable_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _until(value: BorrowUntil) -> Optional[str]:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("borrowed_until must be an aware datetime")
        return format_time(value)
    return value
