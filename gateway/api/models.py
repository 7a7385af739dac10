"""``GET /v1/models``: the model names a client may ask for, readable by the OpenAI and Anthropic SDKs."""

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
    # One list both SDKs read: OpenAI's fields and Anthropic's (type, display_name, created_at, paging).
    data = [
        {"id": name, "object": "model", "owned_by": "gateway", "type": "model", "display_name": name,
         "created_at": "2024-01-01T00:00:00Z", "created": 1704067200}
        for name in names
    ]  # fmt: skip
    return {"object": "list", "data": data, "has_more": False, "first_id": names[0], "last_id": names[-1]}
