"""Progress of a scan on standard error: a tqdm bar (rows/s, ETA) on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import IO, Any

PLAIN_EVERY_S = 5.0


class Progress:
    """Call :meth:`start` with the number of rows (known once the data set is planned), then :meth:`advance`."""

    def __init__(self, stream: IO[str] | None = None, *, bar: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = 0
        self.done = 0
        self._use_bar = self.stream.isatty() if bar is None else bar
        self._bar: Any = None
        self._started = self._last_line = time.monotonic()

    def start(self, total: int) -> None:
        self.total = total
        self._started = self._last_line = time.monotonic()
        if self._use_bar:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="rows", unit_scale=True, file=self.stream, desc="scanning")

    def advance(self, rows: int) -> None:
        self.done += rows
        if self._bar is not None:
            self._bar.update(rows)
            return
        now = time.monotonic()
        if now - self._last_line >= PLAIN_EVERY_S or self.done >= self.total:
            self._last_line = now
            print(self.line(now), file=self.stream, flush=True)

    def line(self, now: float) -> str:
        elapsed = max(now - self._started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        share = 100.0 * self.done / self.total if self.total else 100.0
        eta = f"{left:.0f}s" if left != float("inf") else "unknown"
        return f"scanned {self.done:,}/{self.total:,} rows ({share:.0f}%), {rate:,.0f} rows/s, ETA {eta}"

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self._started
