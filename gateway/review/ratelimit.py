"""Failed sign-ins per client address, limited across every gateway process on the store.

It complements the per-account lockout (:func:`gateway.review.accounts.sign_in`):
one address cannot try many usernames either. The failures are counted in the
audit store (:class:`gateway.limits.SharedWindow`), so several gateway processes
or replicas hold one limit, not one each.
"""

from __future__ import annotations

from sqlalchemy import Engine

from gateway.limits import SharedWindow

SCOPE = "sign_in"


class FailureWindow:
    def __init__(self, engine: Engine, max_failures: int, window_s: int):
        self.max_failures = max_failures
        self.window_s = window_s
        self._window = SharedWindow(engine, SCOPE, max_failures, window_s)

    def blocked(self, key: str) -> bool:
        return self._window.blocked(key)

    def fail(self, key: str) -> None:
        self._window.add(key)

    def clear(self, key: str) -> None:
        self._window.clear(key)
