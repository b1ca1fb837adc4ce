"""OAuth client credentials (license-api.md §2.2, §6.2): bearer tokens for the License API.

The token endpoint is the configured ``token_url``, or the URL that ``GET oauth_url``
names; that answer is verified like every other, so a forged one cannot send the client
secret elsewhere. A token is kept until shortly before ``expires_in`` runs out, by the
client's clock, and fetched again when the server calls it expired or malformed.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Callable, Optional, Tuple

from ._http import Transport
from .errors import ApiError, api_error_from_answer, unexpected_response

#: A token is renewed this long before it expires (at most half of its lifetime), so
#: that it does not run out between being read and reaching the server.
REFRESH_MARGIN = 30.0
#: Lifetime assumed when the token endpoint gives no ``expires_in``.
DEFAULT_EXPIRES_IN = 60.0


class OAuthTokens:
    """The bearer token of one OAuth client, fetched when needed; safe across threads."""

    def __init__(
        self,
        transport: Transport,
        client_id: str,
        client_secret: str,
        *,
        token_url: Optional[str],
        discover: Callable[[], str],
        clock: Callable[[], float],
    ) -> None:
        self._transport = transport
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_url = token_url
        self._discover = discover
        self._clock = clock
        self._lock = threading.Lock()
        self._token: Optional[str] = None
        self._renew_at = 0.0
        #: How many tokens were fetched (the tests count them).
        self.fetched = 0

    def authorization(self, date: str) -> str:
        return "Bearer " + self.token()

    def refresh(self) -> bool:
        """Forget the token: the next call fetches a new one."""
        with self._lock:
            self._token = None
        return True

    def token(self) -> str:
        """The current token, fetched first if there is none or it is about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                token, lifetime = self._fetch()
                self._token = token
                self._renew_at = self._clock() + lifetime - min(REFRESH_MARGIN, lifetime / 2)
                self.fetched += 1
            return self._token

    def token_url(self) -> str:
        """The configured token endpoint, else the one ``oauth_url`` names (asked once)."""
        if not self._token_url:
            self._token_url = self._discover()
        return self._token_url

    def _fetch(self) -> Tuple[str, float]:
        url = self.token_url()
        form = {"grant_type": "client_credentials", "client_id": self._client_id,
                "client_secret": self._client_secret}
        headers = {"Accept": "application/json", "User-Agent": self._transport.agent}
        t = self._transport
        response = t.send_with_retries(
            "POST token endpoint",
            lambda: t.session.post(url, data=form, headers=headers, timeout=t.timeout,
                                   allow_redirects=False),
            idempotent=True)
        body = response.content or b""
        if response.status_code >= 400:
            raise token_error(response.status_code, body, response.headers)
        data = _json(body)
        token = data.get("access_token") if isinstance(data, dict) else None
        if response.status_code != 200 or not isinstance(token, str) or not token:
            raise unexpected_response(response.status_code,
                                      "the token endpoint answered without an access_token")
        kind = data.get("token_type", "Bearer")
        if not isinstance(kind, str) or kind.lower() != "bearer":
            raise unexpected_response(200, f"the token endpoint gave a {kind!r} token, not Bearer")
        lifetime = data.get("expires_in")
        if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) or lifetime <= 0:
            lifetime = DEFAULT_EXPIRES_IN
        return token, float(lifetime)


def token_error(status: int, body: bytes, headers: Any) -> ApiError:
    """An RFC 6749 §5.2 error (``{"error": "invalid_client", ...}``) as an ApiError whose
    code is the ``error``; a License API error body is read as usual."""
    data = _json(body)
    if isinstance(data, dict) and isinstance(data.get("error"), str) and data["error"]:
        description = data.get("error_description")
        message = description if isinstance(description, str) and description else data["error"]
        return ApiError(status, data["error"], message)
    return api_error_from_answer(status, body, headers)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
