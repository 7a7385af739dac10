"""Detection in a pool of worker processes, so one gateway process uses every core.

Each worker builds one :class:`gateway.pipeline.detect.Detector` when it starts
(spaCy and the recognisers load once per worker, never per request); the pool
waits for all of them before the gateway serves. The gateway process keeps
everything else, including the single audit writer (group commit), so the audit
chain sees no cross-process lock contention.

Fails closed: a worker that dies or hangs (no answer within ``timeout_s``), or
an error in a worker, raises from ``detect`` and the request is refused
(``detection_failed``). A broken pool is
replaced for the requests that follow. Workers ignore SIGINT (the gateway
shuts them down) and exit when the gateway process is gone, so none is left
behind.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.synchronize import Semaphore
from typing import Any

from gateway import heap
from gateway.pipeline import slices
from gateway.pipeline.slices import SLICE_CHARS, SLICE_SEGMENTS, TooLargeToInspect
from gateway.types import Finding, Segment

log = logging.getLogger(__name__)

_detector: object | None = None  # the worker's Detector, built by _start_worker


def _start_worker(spacy_model: str, parent_pid: int, built: Semaphore) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), name="parent-watch", daemon=True).start()
    from gateway.pipeline.detect import Detector

    global _detector
    _detector = Detector(spacy_model=spacy_model)
    heap.settle()  # the detector lives as long as this worker
    built.release()


def _exit_with_parent(parent_pid: int) -> None:
    """End this worker once the gateway process is gone (even if it was killed)."""
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os._exit(1)


def _detect(messages: Sequence[Segment]) -> list[Finding]:
    assert _detector is not None
    return _detector.detect(messages)  # type: ignore[attr-defined, no-any-return]


def _scan(segments: Sequence[Segment], conversation: Sequence[Segment], first_boundary: int) -> list[Finding]:
    assert _detector is not None
    return _detector.scan(segments, conversation, first_boundary)  # type: ignore[attr-defined, no-any-return]


def _finish(findings: list[Finding]) -> list[Finding]:
    from gateway.pipeline.detect import finish

    return finish(findings)


def _ready() -> int:
    return os.getpid()


class DetectorPool:
    """A :class:`gateway.pipeline.inspection.Detects` that runs ``Detector.detect`` in worker processes."""

    def __init__(
        self,
        workers: int,
        spacy_model: str,
        *,
        start_timeout_s: float = 300.0,
        timeout_s: float = 30.0,
        max_segments: int = 16384,
    ):
        if workers < 1:
            raise ValueError("a detection pool needs at least one worker")
        self.workers = workers
        self.spacy_model = spacy_model
        self.start_timeout_s = start_timeout_s
        self.timeout_s = timeout_s
        self.max_segments = max_segments
        self._large = threading.BoundedSemaphore(max(1, workers - 1))  # slices of large requests in flight
        self._lock = threading.Lock()
        self._closed = False
        self._restarting = False
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        built = context.Semaphore(0)
        executor = ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_start_worker, initargs=(self.spacy_model, os.getpid(), built)
        )
        try:  # every worker has built its detector before the gateway serves (or start-up fails)
            probes = [executor.submit(_ready) for _ in range(self.workers)]  # spawns the workers
            deadline = time.monotonic() + self.start_timeout_s
            ready = 0
            while ready < self.workers:
                if built.acquire(timeout=0.2):
                    ready += 1
                    continue
                for probe in probes:
                    if probe.done():
                        probe.result()  # raises if a worker failed to start
                if time.monotonic() > deadline:
                    raise TimeoutError(f"detection workers did not start within {self.start_timeout_s:.0f} s")
        except BaseException:
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        return executor

    def detect(self, messages: Sequence[Segment]) -> list[Finding]:
        segments = list(messages)
        if len(segments) > self.max_segments:
            raise TooLargeToInspect(f"more than {self.max_segments} segments")
        if len(segments) <= SLICE_SEGMENTS and slices.size(segments) <= SLICE_CHARS:
            return self._whole(segments)
        return self._sliced(slices.plan(segments))

    def _whole(self, segments: list[Segment]) -> list[Finding]:
        """A small request: one task, as it always was."""
        return self._whole_call(_detect, segments)

    def _whole_call(self, task: Callable[[list[Any]], list[Finding]], argument: list[Any]) -> list[Finding]:
        executor = self._executor
        try:
            return executor.submit(task, argument).result(timeout=self.timeout_s)
        except BrokenProcessPool:
            self._replace(executor, "a detection worker died")
            raise
        except TimeoutError:  # a hung worker would hold its slot for ever: replace the pool
            self._replace(executor, f"detection took longer than {self.timeout_s:g} s")
            raise

    def _sliced(self, plan: list[slices.Slice]) -> list[Finding]:
        """A large request, slice by slice within its own budget (``timeout_s``).

        Large requests together keep at most ``workers - 1`` slices in flight (one, with one worker),
        so small requests always find a worker between two slices. A request that runs out of budget is
        refused (:class:`TooLargeToInspect`); its slice in flight finishes and is dropped, and only a slice
        still running ``timeout_s`` after it was sent (a hung worker) has the pool replaced.
        """
        executor = self._executor
        deadline = time.monotonic() + self.timeout_s
        findings: list[Finding] = []
        for part in plan:
            if not self._large.acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise TooLargeToInspect(f"no detection budget left after {self.timeout_s:g} s")
            try:
                sent = time.monotonic()
                future = executor.submit(_scan, *part.args)
            except BaseException:
                self._large.release()
                raise
            future.add_done_callback(lambda _: self._large.release())
            try:
                findings.extend(future.result(timeout=max(0.0, deadline - time.monotonic())))
            except BrokenProcessPool:
                self._replace(executor, "a detection worker died")
                raise
            except TimeoutError:
                self._watch(executor, future, sent)
                raise TooLargeToInspect(f"detection took longer than its budget of {self.timeout_s:g} s") from None
        return self._whole_call(_finish, findings)

    def _watch(self, executor: ProcessPoolExecutor, future: Future[list[Finding]], sent: float) -> None:
        """Replace the pool if a dropped slice is still running ``timeout_s`` after it was sent (a hung worker)."""

        def check() -> None:
            if not future.done():
                self._replace(executor, f"a detection slice took longer than {self.timeout_s:g} s")

        timer = threading.Timer(max(0.0, sent + self.timeout_s - time.monotonic()), check)
        timer.daemon = True
        timer.start()

    def _replace(self, broken: ProcessPoolExecutor, why: str) -> None:
        """Replace a broken pool in the background; requests are refused until it is back."""
        with self._lock:
            if self._closed or self._restarting or self._executor is not broken:
                return
            self._restarting = True
        log.error("%s; requests are refused until the detection pool has restarted", why)
        for process in list(getattr(broken, "_processes", {}).values()):
            process.kill()  # a hung worker does not stop by itself
        broken.shutdown(wait=False, cancel_futures=True)
        threading.Thread(target=self._restart, name="detection-pool-restart", daemon=True).start()

    def _restart(self) -> None:
        try:
            executor = self._start()
        except Exception as exc:
            log.error("the detection pool could not restart (%s); requests stay refused", type(exc).__name__)
            with self._lock:
                self._restarting = False
            return
        with self._lock:
            self._restarting = False
            if self._closed:
                executor.shutdown(wait=False, cancel_futures=True)
                return
            self._executor = executor
        log.warning("the detection pool has restarted")

    def ready(self) -> bool:
        """Whether the pool takes work now (False while it restarts, and once closed)."""
        return not (self._closed or self._restarting)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._executor.shutdown(wait=True, cancel_futures=True)
