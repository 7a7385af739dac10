"""``GET /healthz`` (process alive) and ``GET /readyz`` (every part needed to serve is ready)."""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from gateway.services import Services

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _store_ready(services: Services) -> bool:
    try:
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM audit_records WHERE 1 = 0"))
        return True
    except Exception:
        return False


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:
        return JSONResponse({"status": "starting"}, status_code=503)
    checks = {
        "policies": bool(services.policies),
        "detector": services.detector is not None,
        "audit_store": await anyio.to_thread.run_sync(_store_ready, services),
        "local_model": services.local is not None,
    }
    body: dict[str, object] = {"checks": checks}
    check_servers = getattr(services.local, "check", None)
    if check_servers is not None:  # on-premise model servers: ready while one of them is up
        servers = await check_servers()
        body["local_servers"] = servers
        checks["local_model"] = any(servers.values())
    ready = all(checks.values())
    body["status"] = "ready" if ready else "not_ready"
    return JSONResponse(body, status_code=200 if ready else 503)
