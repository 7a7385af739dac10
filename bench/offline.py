"""Keep a benchmark runner offline: no model hub look-ups, no outbound internet connections.

Standard library only, so a runner can call :func:`go_offline` before it imports anything that might
reach for the network at import time.
"""

from __future__ import annotations

import os
import socket


def go_offline(label: str) -> None:
    """Set the Hugging Face offline switches and refuse every outbound internet connection in this process."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise OSError(f"{label}: network access refused ({address!r})")
        return real_connect(self, address)

    socket.socket.connect = guarded  # type: ignore[method-assign]
    socket.create_connection = lambda *a, **k: (_ for _ in ()).throw(OSError(f"{label}: network refused"))  # type: ignore[assignment]
