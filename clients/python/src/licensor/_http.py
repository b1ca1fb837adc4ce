"""The HTTP layer: signed requests, retries with backoff, v2 verification of answers."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Protocol, Union

import requests

from ._version import __version__
from .errors import (
    RETRYABLE_STATUSES,
    NetworkError,
    api_error_from_answer,
    parse_retry_after,
    unexpected_response,
)
from .signing import PublicKey, authorization_header, http_date, load_public_key, verify_v2

#: Backoff before retry n (0-based) is BACKOFF_BASE * 2**n, ±BACKOFF_JITTER, at most
#: BACKOFF_CAP seconds; a Retry-After is honoured up to RETRY_AFTER_CAP seconds.
BACKOFF_BASE = 0.5
BACKOFF_JITTER = 0.2
BACKOFF_CAP = 10.0
RETRY_AFTER_CAP = 30.0

#: 401 codes after which an OAuth client fetches a new token and retries once (§2.2).
OAUTH_RETRY_CODES = frozenset({"oauth_token_expired", "oauth_token_malformed"})

# Exceptions that mean "no answer": worth retrying for calls that may be repeated.
_NETWORK_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass
class Answer:
    """A verified 2xx answer: the decoded JSON, the exact body and its signature."""

    data: Any
    body: bytes
    signature: str


def api_root(base_url: str) -> str:
    """``https://host[/prefix]`` (a trailing ``/`` or ``/api/v4`` allowed) → ``…/api/v4/``."""
    url = (base_url or "").strip().rstrip("/")
    if url.endswith("/api/v4"):
        url = url[: -len("/api/v4")].rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
    return url + "/api/v4/"


def user_agent(app_name: Optional[str], app_version: Optional[str]) -> str:
    """``licensor-python/<version>``, then `` (<app_name>/<app_version>)`` when set."""
    agent = f"licensor-python/{__version__}"
    if app_name:
        agent += f" ({app_name}/{app_version})" if app_version else f" ({app_name})"
    return agent


def backoff(retry: int, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number ``retry`` (0-based) without a Retry-After."""
    jitter = 1.0 + BACKOFF_JITTER * (2.0 * rand() - 1.0)
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** retry) * jitter)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Authorizer(Protocol):
    """What signs a request: :class:`HmacAuth`, or OAuth's bearer tokens (``_oauth``)."""

    def authorization(self, date: str) -> str:
        """The ``Authorization`` value for a request sent with this ``Date``."""
        ...

    def refresh(self) -> bool:
        """Drop cached credentials after the server rejected them; True when sending the
        call again may succeed."""
        ...


class HmacAuth:
    """The API-key scheme (license-api.md §2.1): an HMAC of the Date with the shared key."""

    def __init__(self, api_key: str, shared_key: str) -> None:
        self._api_key = api_key
        self._shared_key = shared_key

    def authorization(self, date: str) -> str:
        return authorization_header(self._api_key, self._shared_key, date)

    def refresh(self) -> bool:
        """Nothing cached to renew: a rejected HMAC is not worth a second try."""
        return False


class Transport:
    """Sends one License API call, with retries, and returns its verified answer."""

    def __init__(
        self,
        *,
        base_url: str,
        auth: Optional[Authorizer],
        public_key: Union[str, bytes],
        timeout: float,
        max_retries: int,
        agent: str,
        session: Optional[requests.Session],
        sleep: Callable[[float], None],
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.root = api_root(base_url)
        self.public_key: PublicKey = load_public_key(public_key)
        #: Set after construction when the authorizer itself needs the transport (OAuth).
        self.auth: Optional[Authorizer] = auth
        self.timeout = timeout
        self._max_retries = max_retries
        self.agent = agent
        self._own_session = session is None
        self.session = session if session is not None else requests.Session()
        self._sleep = sleep

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def call(
        self, method: str, endpoint: str, params: Mapping[str, Any], *, idempotent: bool,
        authenticated: bool = True, allow_empty: bool = False,
    ) -> Answer:
        """Send the call; retry network errors (if idempotent) and 429/503 (always).

        ``authenticated=False`` sends no Authorization (oauth_url); ``allow_empty`` accepts
        a 200 with an empty body (floating/release). Under OAuth, a 401
        ``oauth_token_expired`` or ``oauth_token_malformed`` fetches a new token and sends
        the call once more: the server did nothing, so even a non-idempotent call may be
        repeated. Raises NetworkError, ApiError or SignatureError.
        """
        refreshed = False
        while True:
            response = self.send_with_retries(
                f"{method} {endpoint}",
                lambda: self._send(method, endpoint, params, authenticated), idempotent)
            if (authenticated and not refreshed and response.status_code == 401
                    and self.auth is not None and _token_rejected(response)
                    and self.auth.refresh()):
                refreshed = True
                continue
            return self._answer(response, allow_empty)

    def send_with_retries(
        self, what: str, send: Callable[[], requests.Response], idempotent: bool
    ) -> requests.Response:
        """``send()`` until it gives an answer that is not 429/503, or retries run out."""
        retry = 0
        while True:
            try:
                response = send()
            except _NETWORK_ERRORS as exc:
                if idempotent and retry < self._max_retries:
                    self._sleep(backoff(retry))
                    retry += 1
                    continue
                raise NetworkError(f"{what}: no answer: {exc}") from exc
            except requests.exceptions.RequestException as exc:
                raise NetworkError(f"{what}: {exc}") from exc
            if response.status_code in RETRYABLE_STATUSES and retry < self._max_retries:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                if wait is None:
                    wait = backoff(retry)
                self._sleep(min(wait, RETRY_AFTER_CAP))
                retry += 1
                continue
            return response

    def _send(self, method: str, endpoint: str, params: Mapping[str, Any],
              authenticated: bool) -> requests.Response:
        date = http_date()
        headers: Dict[str, str] = {
            "Date": date,
            "Accept": "application/json",
            "Accept-Encoding": "identity",
            "User-Agent": self.agent,
        }
        if authenticated:
            if self.auth is None:
                raise ValueError("the transport has no credentials")
            headers["Authorization"] = self.auth.authorization(date)
        url = self.root + endpoint
        if method == "GET":
            query = {k: _query_value(v) for k, v in params.items() if v is not None}
            return self.session.request(
                "GET", url, params=query, headers=headers, timeout=self.timeout,
                allow_redirects=False,
            )
        headers["Content-Type"] = "application/json"
        payload = {k: v for k, v in params.items() if v is not None}
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return self.session.request(
            method, url, data=data, headers=headers, timeout=self.timeout,
            allow_redirects=False,
        )

    def _answer(self, response: requests.Response, allow_empty: bool = False) -> Answer:
        status = response.status_code
        body = response.content or b""
        if status >= 400:
            raise api_error_from_answer(status, body, response.headers)
        if not 200 <= status < 300:
            raise unexpected_response(status, f"HTTP {status} is not a License API answer")
        if allow_empty and not body.strip():
            return Answer(data=None, body=b"", signature="")
        signature = response.headers.get("LicenseSignature")
        # Verify before parsing: nothing of an unverified body is looked at.
        verify_v2(self.public_key, body, signature)
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise unexpected_response(status, f"HTTP {status} with a body that is not JSON") from None
        return Answer(data=data, body=body, signature=signature or "")


def _token_rejected(response: requests.Response) -> bool:
    """Whether a 401 says the bearer token is expired or unreadable (worth a new one)."""
    err = api_error_from_answer(response.status_code, response.content or b"", response.headers)
    return err.code in OAUTH_RETRY_CODES
