"""Test helpers: a test signing key, signed License answers, a scripted local HTTP server
and a stub transport. Nothing here is part of the package."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Deque, Dict, List, Optional, Tuple, Union
from urllib.parse import parse_qs, urlsplit

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

import licensor

VECTORS_PATH = Path(__file__).resolve().parent.parent.parent / "conformance" / "vectors.json"
API_KEY = "5b0c3c6e-8b7e-4a53-9c51-1f1e3f0a2b7d"
SHARED_KEY = "test-shared-key"


def load_vectors() -> Dict[str, Any]:
    with open(VECTORS_PATH, encoding="utf-8") as fh:
        return json.load(fh)


class TestKey:
    """An RSA key that signs answers the way licensor does (v1 and v2)."""

    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def sign(self, data: bytes) -> str:
        sig = self.private.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(sig).decode("ascii")


_KEYS: Dict[str, TestKey] = {}


def key(name: str = "server") -> TestKey:
    """A test key, generated once per process and name."""
    if name not in _KEYS:
        _KEYS[name] = TestKey()
    return _KEYS[name]


def encode(obj: Any) -> bytes:
    """Compact JSON, as licensor sends it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def license_object(
    hardware_id: str,
    identity: str,
    validity_period: Optional[str] = None,
    signer: Optional[TestKey] = None,
    **fields: Any,
) -> Dict[str, Any]:
    """A License object whose license_signature covers (hardware_id, identity, validity)."""
    obj: Dict[str, Any] = {
        "id": 17, "license_key": identity if "@" not in identity else None,
        "license_type": "subscription", "is_trial": False, "license_enabled": True,
        "license_active": True, "is_expired": False, "validity_period": validity_period,
        "allow_grace_period": False, "grace_period": 0, "max_activations": 2,
        "times_activated": 1,
        "product_details": {"product_id": 3, "short_code": "DESKTOP"},
        "product_features": [
            {"id": 5, "code": "export", "name": "Export", "feature_type": "activation",
             "expiry_date": None, "metadata": {}},
        ],
        "metadata": {"tier": "pro"}, "custom_fields": [],
    }
    obj.update(fields)
    cut = identity.split("|", 1)[0]
    message = f"{hardware_id}#{cut}#{obj['validity_period'] or ''}".lower().encode("utf-8")
    obj["license_signature"] = (signer or key()).sign(message)
    return obj


@dataclass
class Reply:
    """One scripted answer; ``drop`` closes the connection without answering."""

    status: int = 200
    body: Union[bytes, Any] = b""
    headers: Dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


def signed(obj: Any, status: int = 200, signer: Optional[TestKey] = None, **kw: Any) -> Reply:
    """A reply whose body is ``obj`` as compact JSON with a valid LicenseSignature."""
    body = obj if isinstance(obj, bytes) else encode(obj)
    headers = {"Content-Type": "application/json",
               "LicenseSignature": (signer or key()).sign(body)}
    headers.update(kw.pop("headers", {}))
    return Reply(status=status, body=body, headers=headers, **kw)


def error(status: int, code: str, message: str = "message", **headers: str) -> Reply:
    body = encode({"status": status, "code": code, "message": message})
    return Reply(status=status, body=body,
                 headers={"Content-Type": "application/json", **headers})


@dataclass
class Recorded:
    method: str
    path: str
    query: Dict[str, List[str]]
    headers: Dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class ScriptedServer:
    """A local http.server in a thread answering from a queue of :class:`Reply`."""

    def __init__(self) -> None:
        self.replies: Deque[Reply] = deque()
        self.requests: List[Recorded] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                outer.requests.append(Recorded(self.command, url.path, parse_qs(url.query),
                                               dict(self.headers.items()), body))
                reply = outer.replies.popleft() if outer.replies else Reply(
                    500, encode({"status": 500, "code": "no_reply", "message": "unscripted"}))
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    return
                data = reply.body if isinstance(reply.body, bytes) else encode(reply.body)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

            do_GET = do_POST = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def add(self, *replies: Reply) -> "ScriptedServer":
        self.replies.extend(replies)
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_client(
    base_url: str,
    *,
    public_key: Optional[str] = None,
    max_retries: int = 0,
    timeout: float = 5.0,
    sleeps: Optional[List[float]] = None,
    session: Optional[requests.Session] = None,
    **config: Any,
) -> licensor.Client:
    """A client of the test key whose sleeps are recorded instead of slept."""
    record = sleeps if sleeps is not None else []
    cfg = licensor.Config(
        base_url=base_url, api_key=API_KEY, shared_key=SHARED_KEY,
        public_key=public_key or key().public_pem, timeout=timeout,
        max_retries=max_retries, session=session, **config,
    )
    return licensor.Client(cfg, sleep=record.append)


class StubAdapter(BaseAdapter):
    """A requests transport that answers canned (status, headers, body) triples."""

    def __init__(self, *replies: Union[Reply, Exception]) -> None:
        super().__init__()
        self.replies: Deque[Union[Reply, Exception]] = deque(replies)
        self.sent: List[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        reply = self.replies.popleft()
        if isinstance(reply, Exception):
            raise reply
        response = requests.Response()
        response.status_code = reply.status
        response._content = reply.body if isinstance(reply.body, bytes) else encode(reply.body)
        response.headers = CaseInsensitiveDict(reply.headers)
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def stub_session(*replies: Union[Reply, Exception]) -> Tuple[requests.Session, StubAdapter]:
    session = requests.Session()
    adapter = StubAdapter(*replies)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, adapter


class Clock:
    """A settable clock for LicenseManager tests."""

    def __init__(self, now: Any) -> None:
        self.now = now

    def __call__(self) -> Any:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


class Ticks:
    """The keep-alive's wait: records each timeout asked, and returns when the test calls
    tick() (False: check now) or when the keep-alive is stopped (True)."""

    def __init__(self) -> None:
        self.waits: List[float] = []
        self._go = threading.Semaphore(0)
        self._waiting = threading.Semaphore(0)

    def __call__(self, stop: threading.Event, seconds: float) -> bool:
        self.waits.append(seconds)
        self._waiting.release()
        while not stop.is_set():
            if self._go.acquire(timeout=0.01):
                return False
        return True

    def waiting(self) -> None:
        """Block until the keep-alive thread waits (again)."""
        if not self._waiting.acquire(timeout=10):
            raise AssertionError("the keep-alive thread did not wait")

    def tick(self) -> None:
        """Let one check run, and return once the thread waits again."""
        self._go.release()
        self.waiting()
