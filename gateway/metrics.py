"""Prometheus metrics (``GET /metrics``), counted for every door.

Labels hold only names the gateway itself defines: the door, the decision, the route, the
HTTP status, an entity type from :data:`gateway.entities.ENTITY_TYPES`, a configured local
server's name. Nothing from a request body ever becomes a label.

Several serving processes (``gateway serve --workers N``) share their metrics through
prometheus_client's multiprocess mode: ``serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at an
empty folder before the workers start, each worker writes its values there, and whichever
worker answers a scrape adds them up.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE  # noqa: F401 (re-exported for /metrics)
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

from gateway.entities import ENTITY_TYPES
from gateway.types import Finding

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Door paths and their label; any other path is not counted in gateway_requests_total.
DOORS = {
    "/v1/chat/completions": "chat",
    "/v1/responses": "responses",
    "/v1/messages": "messages",
    "/v1/messages/count_tokens": "count_tokens",
    "/v1/embeddings": "embeddings",
    "/v1/completions": "completions",
    "/v1/inspect": "inspect",
    "/v1/models": "models",
}
# ParsedRequest.endpoint (as the audit record names it) -> the same door label.
_ENDPOINT_LABELS = {"chat.completions": "chat", "messages.count_tokens": "count_tokens"}
_KNOWN_ENTITIES = ENTITY_TYPES | {"UNSCANNABLE"}

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

REQUESTS = Counter(
    "gateway_requests",
    "Requests answered by a door, by decision, route and HTTP status.",
    ("endpoint", "decision", "route", "status"),
)
REQUEST_SECONDS = Histogram(
    "gateway_request_duration_seconds",
    "Time from a request's arrival to the end of its answer (the whole stream for a streamed one).",
    ("endpoint",),
    buckets=_SECONDS,
)
INSPECTION_SECONDS = Histogram(
    "gateway_inspection_duration_seconds",
    "Time to inspect a request (decode, detect, decide).",
    ("endpoint",),
    buckets=_SECONDS,
)
FINDINGS = Counter("gateway_findings", "Findings by entity type (never their values).", ("entity_type",))
LOCAL_BACKEND_UP = Gauge(
    "gateway_local_backend_up",
    "1 when a local model backend takes requests: each GATEWAY_LOCAL_URLS server, or the in-process model.",
    ("server",),
    multiprocess_mode="livemostrecent",
)
DETECTION_WORKERS = Gauge(
    "gateway_detection_workers",
    "Detection worker processes (0: detection runs in the gateway process).",
    multiprocess_mode="livesum",
)
DETECTION_READY = Gauge(
    "gateway_detection_pool_ready",
    "1 while the detection pool takes work, 0 while it restarts (requests are refused meanwhile).",
    multiprocess_mode="livemin",
)


def door(path: str) -> str | None:
    return DOORS.get(path.rstrip("/") or "/")


def endpoint_label(endpoint: str) -> str:
    return _ENDPOINT_LABELS.get(endpoint, endpoint)


def count_request(endpoint: str, decision: str | None, route: str | None, status: int, seconds: float) -> None:
    REQUESTS.labels(endpoint, _known(decision, _DECISIONS), _known(route, _ROUTES), str(status)).inc()
    REQUEST_SECONDS.labels(endpoint).observe(seconds)


def observe_inspection(endpoint: str, seconds: float, findings: Iterable[Finding]) -> None:
    INSPECTION_SECONDS.labels(endpoint_label(endpoint)).observe(seconds)
    for finding in findings:
        FINDINGS.labels(entity_label(finding.entity_type)).inc()


_DECISIONS = frozenset({"allow", "redact", "route_local", "block"})
_ROUTES = frozenset({"upstream", "local", "none"})


def _known(value: str | None, allowed: frozenset[str]) -> str:
    """A response header's value as a label only when it is one of the gateway's own words."""
    return value if value in allowed else "none"


def known_decision(value: object) -> str:
    return _known(value if isinstance(value, str) else None, _DECISIONS)


def known_route(value: object) -> str:
    return _known(value if isinstance(value, str) else None, _ROUTES)


def entity_label(entity_type: str) -> str:
    return entity_type if entity_type in _KNOWN_ENTITIES else "OTHER"


def refresh(services: Any) -> None:
    """Set the state gauges from this process's parts (called at each scrape)."""
    local = services.local
    health = getattr(local, "health", None)
    if callable(health):  # gateway.backends.local_servers.LocalServerPool
        for name, up in health().items():
            LOCAL_BACKEND_UP.labels(name).set(1 if up else 0)
    else:
        LOCAL_BACKEND_UP.labels("in-process").set(1 if getattr(local, "_llama", True) is not None else 0)
    pool = services.detector
    workers = getattr(pool, "workers", None)
    DETECTION_WORKERS.set(workers if isinstance(workers, int) else 0)
    ready = getattr(pool, "ready", None)
    DETECTION_READY.set(1 if (ready() if callable(ready) else True) else 0)


def render() -> bytes:
    """The exposition text: this process's metrics, or every worker's in multiprocess mode."""
    if os.environ.get(MULTIPROCESS_DIR_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def process_exiting() -> None:
    """Drop this worker's live gauges from the shared view (multiprocess mode)."""
    if os.environ.get(MULTIPROCESS_DIR_ENV):
        multiprocess.mark_process_dead(os.getpid())
