"""A bounded LRU cache of detection results, keyed so that it holds no raw text.

AI tools resend the whole conversation every turn; caching what a text scanned
to makes each turn cost only its new content. A key is an HMAC-SHA256, under a
random per-process key, of the detector version, the scan kind and the text:
the cache never holds the text, and its keys cannot be checked against guessed
values (a plain hash of a 9-digit SSN could be brute-forced). Values are
detection hits (entity type, offsets, score, recogniser name), never values.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")

DEFAULT_MAX_ENTRIES = 8192


class FindingsCache(Generic[V]):
    """Least-recently-used map from keyed text digests to detection results. Thread-safe."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES, *, secret: bytes | None = None) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._entries: OrderedDict[bytes, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def key(self, version: str, kind: str, text: str) -> bytes:
        """The digest under which results for ``text`` (scanned as ``kind`` by detector ``version``) are kept."""
        mac = hmac.new(self._secret, digestmod=hashlib.sha256)
        for part in (version, kind):
            encoded = part.encode()
            mac.update(len(encoded).to_bytes(4, "big") + encoded)
        mac.update(text.encode("utf-8", "surrogatepass"))
        return mac.digest()

    def get(self, key: bytes) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: bytes, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
