"""End-to-end helpers: a real licensor (data directory, CLI, server process) and a
tampering proxy in front of it."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, List, Optional

import requests

from helpers import free_port

FORWARDED = ("Date", "Authorization", "Content-Type", "Accept", "User-Agent")


def licensor_binary() -> str:
    path = os.environ.get("LICENSOR_BIN", "")
    if not path:
        raise RuntimeError(
            "LICENSOR_BIN is not set: the end-to-end tests need the licensor binary. Build it "
            "with `CGO_ENABLED=0 go build -o /tmp/licensor ./cmd/licensor` in the repository "
            "and set LICENSOR_BIN=/tmp/licensor (clients/python/test.sh does this).")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"LICENSOR_BIN={path} is not an executable file")
    return path


class Licensor:
    """One licensor data directory, provisioned with the CLI, and its server process."""

    def __init__(self, binary: str, workdir: str) -> None:
        self.binary = binary
        os.makedirs(workdir, exist_ok=True)  # for the log; licensor makes data/ only on SQLite
        self.data = os.path.join(workdir, "data")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(workdir, "serve.log")
        self.proc: Optional[subprocess.Popen] = None
        init = self.cli(["init"])
        self.api_key: str = init["api_key"]
        self.shared_key: str = init["shared_key"]
        self.public_key: str = self.run(["public-key"], json_output=False)

    def run(self, words: List[str], *args: str, json_output: bool = True) -> Any:
        cmd = [self.binary, *words, "--data", self.data]
        if json_output:
            cmd.append("--json")
        done = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd + list(args))} failed ({done.returncode}): "
                               f"{done.stderr.strip()}")
        return json.loads(done.stdout) if json_output else done.stdout

    def cli(self, words: List[str], *args: str) -> Any:
        return self.run(words, *args)

    def start(self) -> None:
        if self.proc is not None:
            return
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--data", self.data, "--addr", f"127.0.0.1:{self.port}",
                 "--rate-limits=false"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"licensor serve exited ({self.proc.returncode}):\n"
                                   + self.log_tail())
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("licensor serve did not become healthy:\n" + self.log_tail())

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def log_tail(self) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as fh:
                return "".join(fh.readlines()[-20:])
        except OSError:
            return ""


class TamperingProxy:
    """Forwards License API calls to ``upstream`` and alters each answer with ``tamper``
    (body bytes → body bytes); ``strip_signature`` drops the LicenseSignature header."""

    def __init__(self, upstream_port: int, tamper: Callable[[bytes], bytes] = lambda b: b,
                 strip_signature: bool = False) -> None:
        self.altered = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {h: self.headers[h] for h in FORWARDED if self.headers.get(h)}
                conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    upstream = conn.getresponse()
                    data = upstream.read()
                    answer_headers = [(k, v) for k, v in upstream.getheaders() if k.lower()
                                      not in ("content-length", "transfer-encoding",
                                              "connection")]
                    status = upstream.status
                finally:
                    conn.close()
                changed = tamper(data)
                if changed != data:
                    outer.altered += 1
                self.send_response(status)
                for name, value in answer_headers:
                    if strip_signature and name.lower() == "licensesignature":
                        outer.altered += 1
                        continue
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(changed)))
                self.end_headers()
                self.wfile.write(changed)

            do_GET = do_POST = _forward

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
