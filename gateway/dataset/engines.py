"""Where shards are scanned: worker processes on this machine, or Ray Data actors on a cluster.

Both engines run :func:`gateway.dataset.rows.scan_shard` with one detector per
worker (built once, when the worker starts) and yield the shard results in the
data set's order, with a bounded number of shards in flight. A failure in any
worker ends the scan (fail closed: no report, no copy).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from gateway import heap
from gateway.dataset.formats import DatasetError, Shard
from gateway.dataset.rows import ScanSpec, ShardResult, scan_shard

IN_FLIGHT_PER_WORKER = 2
RAY_OBJECT_STORE_BYTES = 1 << 30  # a local Ray's object store: shard results are small

_worker: tuple[Any, ScanSpec] | None = None  # this worker process's (Detector, spec)
_built_for: str | None = None


def _start_worker(spacy_model: str, spec: ScanSpec) -> None:
    """Build this worker's detector (kept for a later scan in the same process with the same model)."""
    from gateway.pipeline.detect import Detector

    global _worker, _built_for
    if _worker is None or _built_for != spacy_model:
        _worker, _built_for = (Detector(spacy_model=spacy_model), spec), spacy_model
        heap.settle()  # kept for every later scan in this process: it lives as long as the process
    else:
        _worker = (_worker[0], spec)


def local_detector() -> Any | None:
    """This process's detector, once a scan here built it (a benchmark waits for its prefilter)."""
    return _worker[0] if _worker is not None else None


def _scan_in_worker(shard: Shard) -> ShardResult:
    assert _worker is not None
    detector, spec = _worker
    result = scan_shard(detector, spec, shard)
    result.detector_version = detector.version
    return result


class LocalEngine:
    """``workers`` processes (spawned), one detector each; one worker scans in this process."""

    name = "local"

    def __init__(self, spec: ScanSpec, spacy_model: str, workers: int | None = None) -> None:
        self.spec = spec
        self.spacy_model = spacy_model
        self.workers = workers or os.cpu_count() or 1

    def run(self, shards: Sequence[Shard]) -> Iterator[ShardResult]:
        try:
            yield from self._run(shards)
        except BrokenProcessPool:
            raise DatasetError("a detection worker failed or its detector did not load; the scan stopped") from None

    def _run(self, shards: Sequence[Shard]) -> Iterator[ShardResult]:
        if self.workers == 1:
            try:
                _start_worker(self.spacy_model, self.spec)
            except Exception as exc:  # the model is missing or broken: nothing can be scanned
                raise DatasetError(f"the detector could not be started ({type(exc).__name__})") from None
            for shard in shards:
                yield _scan_in_worker(shard)
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_start_worker, initargs=(self.spacy_model, self.spec)
        ) as pool:
            pending: deque[Future[ShardResult]] = deque()
            try:
                for shard in shards:
                    pending.append(pool.submit(_scan_in_worker, shard))
                    if len(pending) >= self.workers * IN_FLIGHT_PER_WORKER:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()


class RayScanner:
    """A Ray Data actor: one detector, built when the actor starts; each batch is pickled shards."""

    def __init__(self, spacy_model: str, spec: bytes) -> None:
        _start_worker(spacy_model, pickle.loads(spec))

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        results = [pickle.dumps(_scan_in_worker(pickle.loads(blob))) for blob in batch["shard"]]
        return {"result": np.array(results, dtype=object)}


class RayEngine:
    """Ray Data ``map_batches`` over the shards, one detector per actor; a local Ray unless ``address``."""

    name = "ray"

    def __init__(self, spec: ScanSpec, spacy_model: str, workers: int | None = None, address: str | None = None):
        self.spec = spec
        self.spacy_model = spacy_model
        self.address = address
        self._requested = workers
        self.workers = workers or 0

    def run(self, shards: Sequence[Shard]) -> Iterator[ShardResult]:
        ray = _import_ray()
        started = self._connect(ray)
        try:
            self.workers = self._requested or max(1, int(ray.cluster_resources().get("CPU", 1)))
            context = ray.data.DataContext.get_current()
            context.execution_options.preserve_order = True
            context.enable_progress_bars = False
            if not shards:
                return
            items = [{"shard": pickle.dumps(shard)} for shard in shards]
            scanned = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
                RayScanner,
                fn_constructor_kwargs={"spacy_model": self.spacy_model, "spec": pickle.dumps(self.spec)},
                batch_size=1,
                compute=ray.data.ActorPoolStrategy(size=min(self.workers, len(items))),
                num_cpus=1,
                batch_format="numpy",
            )
            try:
                for row in scanned.iter_rows():
                    yield pickle.loads(row["result"])
            except Exception as exc:  # an actor failed: its DatasetError if it raised one, else the error's type
                raise _dataset_error(exc) from None
        finally:
            if started:
                ray.shutdown()

    def _connect(self, ray: Any) -> bool:
        """Join the cluster at ``address`` (or start a local Ray); whether this call started it."""
        if ray.is_initialized():
            return False
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
        if self.address is None:
            options["object_store_memory"] = RAY_OBJECT_STORE_BYTES
            if self._requested:
                options["num_cpus"] = self._requested
        try:
            ray.init(address=self.address, **options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = self.address or "a local Ray"
            raise DatasetError(f"cannot start or reach Ray at {where} ({str(exc).splitlines()[0]})") from None
        return True


def _dataset_error(exc: BaseException) -> DatasetError:
    """The DatasetError an actor raised, found in Ray's wrapping (``cause``, ``__cause__``), or one naming the error."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        if isinstance(current, DatasetError):
            return DatasetError(str(current).splitlines()[0])
        seen.append(current)
        current = getattr(current, "cause", None) or current.__cause__ or current.__context__
    return DatasetError(f"the Ray engine failed ({type(seen[-1]).__name__}); the scan stopped")


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401  (Ray Data, imported with Ray)
    except ImportError:
        raise DatasetError(
            "the Ray engine needs Ray, an optional extra: pip install 'sovereign-gateway[ray]'"
        ) from None
    return ray


def engine_for(name: str, spec: ScanSpec, spacy_model: str, workers: int | None, address: str | None) -> Any:
    if name == "ray":
        return RayEngine(spec, spacy_model, workers, address)
    if address is not None:
        raise DatasetError("--ray-address goes with --engine ray")
    return LocalEngine(spec, spacy_model, workers)
