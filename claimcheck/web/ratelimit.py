"""Failed sign-ins counted per user name and per client address, in a sliding window.

After ``attempts`` failures of one name, or from one address, within ``window_s`` seconds,
further attempts are refused (429) until the oldest failure leaves the window; a success
clears the name's count (not the address's). The counts live in memory, per worker process:
with ``--workers N`` an attacker gets up to N times the attempts, and a restart forgets them.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

WINDOW_S = 300.0
_MAX_KEYS = 100_000  # past this many names and addresses, keys whose failures all expired are dropped


class LoginLimiter:
    def __init__(self, attempts: int, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, keys: Iterable[str]) -> int | None:
        """Seconds until an attempt for ``keys`` is allowed again, or None when it is allowed now."""
        now = self._clock()
        with self._lock:
            waits = [
                times[0] + self.window_s - now for key in keys if len(times := self._recent(key, now)) >= self.attempts
            ]
        return max(1, int(max(waits)) + 1) if waits else None

    def failed(self, keys: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) > _MAX_KEYS:
                for key in list(self._failures):
                    self._recent(key, now)
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


def login_keys(name: str, client: str | None) -> tuple[str, str]:
    """The counters one attempt touches: its user name (case-folded) and its client address."""
    return f"name:{(name or '').strip().casefold()[:200]}", f"addr:{client or '?'}"
