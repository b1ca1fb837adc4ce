"""Keeping a floating cloud seat (license-api.md §5.12, §6.2).

A floating cloud license lends a seat to a device for ``floating_timeout`` minutes after
each check; a device that stops checking loses it. :class:`FloatingKeepAlive` checks on a
daemon thread every ``interval`` seconds (default: half the license's
``floating_timeout``, from the latest check answer, so one late check does not lose the
seat) and gives the seat back (floating/release) when stopped, so that another device can
take it at once instead of after the timeout.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Optional

from .models import License

log = logging.getLogger("licensor")

#: ``wait(stop, seconds)`` waits up to ``seconds`` and returns True when ``stop`` is set.
Wait = Callable[[threading.Event, float], bool]
ErrorHandler = Callable[[BaseException], None]


def seat_interval(lic: License) -> float:
    """Seconds between checks that keep this license's seat: half its timeout (the server
    counts a timeout below one minute as one minute)."""
    return max(lic.floating_timeout or 1, 1) * 60 / 2


def _event_wait(stop: threading.Event, seconds: float) -> bool:
    return stop.wait(seconds)


def _log_error(exc: BaseException) -> None:
    log.warning("licensor: floating seat check failed: %s", exc)


class FloatingKeepAlive:
    """Checks a floating license periodically, and releases its seat when stopped.

    ``check`` takes or renews the seat and returns the license (check_license);
    ``release`` gives it back (floating/release). Errors of the periodic checks go to
    ``on_error`` (default: a warning on the ``licensor`` logger) and the checks go on;
    ``wait`` is what waits between checks (tests drive it). Use it as a context manager,
    or call :meth:`stop`.
    """

    def __init__(
        self,
        check: Callable[[], License],
        release: Callable[[], None],
        *,
        interval: Optional[float] = None,
        on_error: Optional[ErrorHandler] = None,
        wait: Optional[Wait] = None,
    ) -> None:
        if interval is not None and interval <= 0:
            raise ValueError("interval must be positive")
        self._check = check
        self._release = release
        self._interval = interval
        self._on_error = on_error or _log_error
        self._wait = wait or _event_wait
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._stopped = False
        #: The license of the latest successful check.
        self.license: Optional[License] = None
        #: How many periodic checks succeeded (not counting the first, in start()).
        self.checks = 0

    @property
    def interval(self) -> float:
        """Seconds until the next check."""
        if self._interval is not None:
            return self._interval
        return seat_interval(self.license) if self.license is not None else 60.0

    def start(self) -> License:
        """Take the seat now (errors such as ``no_available_floating_slots`` are raised
        here), then keep it from a daemon thread."""
        if self._thread is not None or self._stopped:
            raise RuntimeError("a FloatingKeepAlive starts once")
        self.license = self._check()
        self._thread = threading.Thread(target=self._run, name="licensor-floating", daemon=True)
        self._thread.start()
        return self.license

    def _run(self) -> None:
        while not self._wait(self._stop, self.interval):
            try:
                self.license = self._check()
                self.checks += 1
            except Exception as exc:  # the seat is worth more checks whatever went wrong
                self.report(exc)

    def report(self, exc: BaseException) -> None:
        """Hands exc to on_error (a periodic check failed, or pending consumption was
        refused while the seat was kept)."""
        try:
            self._on_error(exc)
        except Exception:  # a failing handler must not end the checks
            log.exception("licensor: the floating on_error handler failed")

    def stop(self) -> None:
        """Stop checking and release the seat (once; later calls do nothing). A failed
        release is raised: the seat then stays taken until its timeout. A license that
        is not (or no longer) a floating cloud license has no seat: nothing is released."""
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        if self.license is None or self.license.is_floating_cloud:
            self._release()

    close = stop

    def __enter__(self) -> "FloatingKeepAlive":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            self.stop()
        except Exception as release_error:
            if exc is None:
                raise
            self.report(release_error)  # do not hide the error already on its way
