"""A small in-process limiter of failed sign-ins per client address.

It complements the per-account lockout (:func:`gateway.review.accounts.sign_in`):
one address cannot try many usernames either. Each worker process keeps its own.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class FailureWindow:
    def __init__(self, max_failures: int, window_s: float):
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= self.max_failures

    def fail(self, key: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # bounded memory: forget the idle addresses
                for idle in [k for k, v in self._failures.items() if not v]:
                    del self._failures[idle]

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
