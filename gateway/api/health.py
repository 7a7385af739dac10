"""``GET /healthz`` (process alive) and ``GET /readyz`` (every part needed to serve answers now).

Each readiness check does the real thing, briefly: the detector inspects a fixed
sentence (so dead or restarting detection workers show), the audit store takes a
real write (this process's writer heartbeat, ``gateway.audit.writers``), and the
local model backend says whether its model is loaded. A check that fails or takes
longer than ``CHECK_TIMEOUT_S`` is reported false and the answer is 503.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from gateway.services import Services
from gateway.types import Message

router = APIRouter()
log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 5.0
PROBE_TEXT = "Readiness probe: nothing to find here."


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _store_writable(services: Services) -> bool:
    lease = services.audit.lease
    if lease is not None:
        lease.beat()  # an UPDATE that commits: the store takes writes
    else:  # a store built without a writer row (tests): at least the schema answers
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM audit_records WHERE 1 = 0"))
    return True


def _detector_answers(services: Services) -> bool:
    services.detector.detect([Message(index=0, role="user", text=PROBE_TEXT)])
    return True


def _local_model_loaded(services: Services) -> bool:
    ready = getattr(services.local, "ready", None)
    if callable(ready):
        return bool(ready())
    return getattr(services.local, "_llama", True) is not None  # LocalModelBackend loads its model at start


async def _check(name: str, probe: Callable[[Services], bool], services: Services) -> bool:
    try:
        with anyio.fail_after(CHECK_TIMEOUT_S):
            return await anyio.to_thread.run_sync(probe, services, abandon_on_cancel=True)
    except Exception as exc:
        log.warning("readiness check %s failed (%s)", name, type(exc).__name__)
        return False


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:
        return JSONResponse({"status": "starting"}, status_code=503)
    checks = {"policies": bool(services.policies)}
    for name, probe in (
        ("detector", _detector_answers),
        ("audit_store", _store_writable),
        ("local_model", _local_model_loaded),
    ):
        checks[name] = await _check(name, probe, services)
    body: dict[str, object] = {"checks": checks}
    check_servers = getattr(services.local, "check", None)
    if check_servers is not None:  # on-premise model servers: ready while one of them is up
        servers = await check_servers()
        body["local_servers"] = servers
        checks["local_model"] = any(servers.values())
    ready = all(checks.values())
    body["status"] = "ready" if ready else "not_ready"
    return JSONResponse(body, status_code=200 if ready else 503)
