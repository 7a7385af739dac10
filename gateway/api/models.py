"""``GET /v1/models``: the model names a client may ask for."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gateway.auth import ClientKeyDep
from gateway.services import Services

router = APIRouter()


@router.get("/v1/models")
async def list_models(request: Request, _: ClientKeyDep) -> dict[str, object]:
    services: Services = request.app.state.services
    local_name = getattr(services.local, "model_name", "local")
    # Any other name is accepted too and forwarded upstream unchanged (API.md).
    names = [local_name, *services.settings.model_aliases]
    return {"object": "list", "data": [{"id": name, "object": "model", "owned_by": "gateway"} for name in names]}
