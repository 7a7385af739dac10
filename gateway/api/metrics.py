"""``GET /metrics``: Prometheus text format; a bearer token only when ``GATEWAY_METRICS_TOKEN`` is set."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway import metrics
from gateway.errors import Unauthenticated, error_response
from gateway.services import Services

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def scrape(request: Request) -> Response:
    services: Services | None = getattr(request.app.state, "services", None)
    token = services.settings.metrics_token if services is not None else None
    if token is not None:
        offered = request.headers.get("authorization", "")
        expected = f"Bearer {token.get_secret_value()}"
        if not hmac.compare_digest(offered.encode(), expected.encode()):
            return error_response(Unauthenticated("A valid metrics token is required (Authorization: Bearer)."))
    if services is not None:
        metrics.refresh(services)
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)
