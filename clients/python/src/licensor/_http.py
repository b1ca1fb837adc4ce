"""The HTTP layer: signed requests, retries with backoff, v2 verification of answers."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Union

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


class Transport:
    """Sends one License API call, with retries, and returns its verified answer."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        shared_key: str,
        public_key: Union[str, bytes],
        timeout: float,
        max_retries: int,
        agent: str,
        session: Optional[requests.Session],
        sleep: Callable[[float], None],
    ) -> None:
        if not api_key or not shared_key:
            raise ValueError("api_key and shared_key are required")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.root = api_root(base_url)
        self.public_key: PublicKey = load_public_key(public_key)
        self._api_key = api_key
        self._shared_key = shared_key
        self._timeout = timeout
        self._max_retries = max_retries
        self._agent = agent
        self._own_session = session is None
        self._session = session if session is not None else requests.Session()
        self._sleep = sleep

    def close(self) -> None:
        if self._own_session:
            self._session.close()

    def call(
        self, method: str, endpoint: str, params: Mapping[str, Any], *, idempotent: bool
    ) -> Answer:
        """Send the call; retry network errors (if idempotent) and 429/503 (always).

        Raises NetworkError, ApiError or SignatureError.
        """
        retry = 0
        while True:
            try:
                response = self._send(method, endpoint, params)
            except _NETWORK_ERRORS as exc:
                if idempotent and retry < self._max_retries:
                    self._sleep(backoff(retry))
                    retry += 1
                    continue
                raise NetworkError(f"{method} {endpoint}: no answer: {exc}") from exc
            except requests.exceptions.RequestException as exc:
                raise NetworkError(f"{method} {endpoint}: {exc}") from exc
            if response.status_code in RETRYABLE_STATUSES and retry < self._max_retries:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                if wait is None:
                    wait = backoff(retry)
                self._sleep(min(wait, RETRY_AFTER_CAP))
                retry += 1
                continue
            return self._answer(response)

    def _send(self, method: str, endpoint: str, params: Mapping[str, Any]) -> requests.Response:
        date = http_date()
        headers: Dict[str, str] = {
            "Date": date,
            "Authorization": authorization_header(self._api_key, self._shared_key, date),
            "Accept": "application/json",
            "Accept-Encoding": "identity",
            "User-Agent": self._agent,
        }
        url = self.root + endpoint
        if method == "GET":
            query = {k: _query_value(v) for k, v in params.items() if v is not None}
            return self._session.request(
                "GET", url, params=query, headers=headers, timeout=self._timeout,
                allow_redirects=False,
            )
        headers["Content-Type"] = "application/json"
        payload = {k: v for k, v in params.items() if v is not None}
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return self._session.request(
            method, url, data=data, headers=headers, timeout=self._timeout,
            allow_redirects=False,
        )

    def _answer(self, response: requests.Response) -> Answer:
        status = response.status_code
        body = response.content or b""
        if status >= 400:
            raise api_error_from_answer(status, body, response.headers)
        if not 200 <= status < 300:
            raise unexpected_response(status, f"HTTP {status} is not a License API answer")
        signature = response.headers.get("LicenseSignature")
        # Verify before parsing: nothing of an unverified body is looked at.
        verify_v2(self.public_key, body, signature)
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise unexpected_response(status, f"HTTP {status} with a body that is not JSON") from None
        return Answer(data=data, body=body, signature=signature or "")
