"""The long-lived parts of a running gateway, built once at start.

Building order matters for failing closed: policies, then the audit store
(migrations, the key file, crash reconciliation), then the detector, then the
local model; any failure stops start-up.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread
from sqlalchemy import Engine

from gateway import db
from gateway.audit.keyring import Keyring
from gateway.audit.reconcile import close_interrupted
from gateway.audit.signing import HeadSigner, head_is_signed
from gateway.audit.store import AuditStore
from gateway.audit.witness import FileWitness
from gateway.audit.writers import WriterLease
from gateway.backends.base import Backend
from gateway.backends.local import LocalModelBackend, bundled_model_path
from gateway.backends.upstream import UpstreamBackend
from gateway.errors import InvalidRequest, PolicyNotPermitted
from gateway.keys import ClientKey
from gateway.limits import SharedWindow
from gateway.pipeline.inspection import Detects
from gateway.pipeline.run import Pipeline
from gateway.policy import Policy, load_policies
from gateway.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    engine: Engine
    policies: dict[str, Policy]
    detector: Detects
    audit: AuditStore
    local: Backend
    upstream: Backend | None
    anthropic: UpstreamBackend | None = None
    ready: dict[str, bool] = field(default_factory=dict)

    @functools.cached_property
    def request_limit(self) -> SharedWindow | None:
        """Requests per client key per minute (``GATEWAY_RATE_LIMIT_PER_MINUTE``), shared through the store."""
        per_minute = self.settings.rate_limit_per_minute
        return None if per_minute is None else SharedWindow(self.engine, "requests", per_minute, 60)

    @functools.cached_property
    def pipeline(self) -> Pipeline:
        """The stages every door runs a request through."""
        return Pipeline(self.detector, self.audit)

    def replace_policies(self, policies: dict[str, Policy]) -> None:
        """A reloaded policy folder (``gateway.policy_reload``): one assignment, so a request sees the old
        set or the new one, never a mixture."""
        self.policies = policies

    def policy_for(self, key: ClientKey, requested: str | None) -> Policy:
        """The policy a request runs under: the key's, or one it may name."""
        name = requested or key.policy
        if name not in self.policies:
            raise InvalidRequest(f"Unknown policy {name!r}; known: {', '.join(sorted(self.policies))}.", param="policy")
        if not key.may_use(name):
            raise PolicyNotPermitted(f"This key may not use policy {name!r}.", param="policy")
        return self.policies[name]

    async def aclose(self) -> None:
        await anyio.to_thread.run_sync(self.audit.close)  # signs the final chain head
        close_detector = getattr(self.detector, "close", None)
        if close_detector is not None:
            await anyio.to_thread.run_sync(close_detector)  # stops detection worker processes
        await self.local.aclose()
        if self.upstream is not None:
            await self.upstream.aclose()
        if self.anthropic is not None:
            await self.anthropic.aclose()
        self.engine.dispose()


def detection_workers(settings: Settings) -> int:
    if settings.detection_workers is not None:
        return settings.detection_workers
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def build_detector(settings: Settings) -> Detects:
    """A pool of detection processes (``GATEWAY_DETECTION_WORKERS``, default one per CPU), or with 0 an
    in-process detector run on request threads."""
    workers = detection_workers(settings)
    if workers == 0:
        from gateway.pipeline.detect import Detector

        return Detector(spacy_model=settings.spacy_model)
    from gateway.pipeline.detect_pool import DetectorPool

    log.info("starting %d detection worker process(es)", workers)
    return DetectorPool(
        workers,
        settings.spacy_model,
        timeout_s=settings.detection_timeout_s,
        max_segments=settings.detection_max_segments,
    )


def local_model_path(settings: Settings) -> Path:
    return settings.local_model or bundled_model_path()


def _local_backend(settings: Settings) -> Backend | None:
    """The local servers of ``GATEWAY_LOCAL_URLS``, or None for the in-process model."""
    urls = settings.local_url_list
    if not urls:
        return None
    from gateway.backends.local_servers import LocalServerPool

    return LocalServerPool(
        urls,
        settings.local_api_key,
        models=settings.local_models,
        timeout_s=settings.local_timeout_s,
        max_concurrency=settings.local_max_concurrency,
        queue=settings.local_queue,
        queue_timeout_s=settings.local_queue_timeout_s,
    )


def _head_signer(engine: Engine, keyring: Keyring, settings: Settings) -> HeadSigner:
    return HeadSigner(
        engine,
        keyring,
        every_records=settings.audit_sign_every_records,
        every_seconds=settings.audit_sign_every_seconds,
        witness=FileWitness(settings.resolved_audit_witness_file),
    )


def open_audit_store(settings: Settings) -> tuple[Engine, AuditStore]:
    """Migrate, open the key file (refused if it is missing while records exist), register this process
    as a writer, close what a crash left pending, sign the head if it is not: then the store is ready.

    Errors: ``KeyringError`` (key file), SQLAlchemy's ``OperationalError`` (store unreachable)."""
    url = settings.resolved_database_url
    timeouts = db.StoreTimeouts.from_settings(settings)
    db.upgrade(url, timeouts=timeouts)
    engine = db.make_engine(url, timeouts)
    try:
        keyring = Keyring.for_store(settings, engine)
        lease = WriterLease(engine)
        lease.every_beats = lambda: close_interrupted(engine, started_at=lease.started_at, own_writer=lease.id)
        lease.register()
        try:
            close_interrupted(engine, started_at=lease.started_at, own_writer=lease.id)
            signer = _head_signer(engine, keyring, settings)
            if not head_is_signed(engine):  # a crash left an unsigned tail, or reconciliation just appended
                signer.sign()
            signer.start()
        except BaseException:
            lease.close()
            raise
    except BaseException:
        engine.dispose()
        raise
    busy = settings.sqlite_busy_timeout_s if engine.dialect.name == "sqlite" else None
    return engine, AuditStore(engine, keyring, signer=signer, lease=lease, busy_timeout_s=busy)


def build_services(
    settings: Settings,
    *,
    detector: Detects | None = None,
    local: Backend | None = None,
    upstream: Backend | None = None,
    anthropic: UpstreamBackend | None = None,
) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    policies = load_policies(settings.policy_dir)
    log.info("loaded policies: %s", ", ".join(f"{p.name} ({p.version[:15]})" for p in policies.values()))
    engine, audit = open_audit_store(settings)
    own_detector = detector is None
    try:
        detector = detector or build_detector(settings)
        local = (
            local
            or _local_backend(settings)
            or LocalModelBackend(
                local_model_path(settings),
                n_ctx=settings.local_model_context,
                n_threads=settings.local_model_threads,
                max_tokens=settings.local_model_max_tokens,
            )
        )
    except BaseException:
        if own_detector and detector is not None and hasattr(detector, "close"):
            detector.close()  # no detection workers left behind by a failed start
        audit.close()
        engine.dispose()
        raise
    if upstream is None and settings.upstream_base is not None:
        upstream = UpstreamBackend(
            settings.upstream_base,
            settings.upstream_api_key,
            timeout_s=settings.upstream_timeout_s,
            aliases=settings.model_aliases,
        )
    if anthropic is None and settings.anthropic_upstream_base is not None:
        anthropic = UpstreamBackend(
            settings.anthropic_upstream_base,
            settings.anthropic_upstream_api_key,
            timeout_s=settings.upstream_timeout_s,
            aliases=settings.model_aliases,
            auth="x-api-key",
        )
    return Services(
        anthropic=anthropic,
        settings=settings,
        engine=engine,
        policies=policies,
        detector=detector,
        audit=audit,
        local=local,
        upstream=upstream,
    )
