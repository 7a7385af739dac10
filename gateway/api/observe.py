"""Pure ASGI middleware around every request: its id, its metrics and its access log line.

The request id (``gateway.request_id``) is bound before anything else runs, so every log line
and the audit record of the request carry it, and it is returned as ``x-request-id`` on every
answer. A door's request is counted in ``gateway_requests_total`` with the decision and route
its answer's headers name. The access line names the matched route's template (never the
query string, which may hold a search term).
"""

from __future__ import annotations

import logging
import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import metrics, request_id, tracing

log = logging.getLogger("gateway.access")

# What the catch-all handler of gateway.errors answers when a handler raised.
UNEXPECTED_STATUS = 503


class Observe:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id.accept(Headers(scope=scope).get(request_id.HEADER))
        scope.setdefault("state", {})["request_id"] = rid  # read by the catch-all error handler
        token = request_id.bind(rid)
        started = time.perf_counter()
        answer: dict[str, object] = {}

        async def send_observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers[request_id.HEADER] = rid
                answer.update(
                    status=message["status"],
                    decision=headers.get("x-gateway-decision"),
                    route=headers.get("x-gateway-route"),
                )
            await send(message)

        with tracing.span(
            "gateway.request", **{"http.request.method": scope["method"], "gateway.request_id": rid}
        ) as span:
            try:
                await self.app(scope, receive, send_observed)
            except BaseException:
                answer.setdefault("status", UNEXPECTED_STATUS)
                raise
            finally:
                self._observed(scope, answer, time.perf_counter() - started, span)
                request_id.unbind(token)

    @staticmethod
    def _observed(scope: Scope, answer: dict[str, object], seconds: float, span: object) -> None:
        status = int(answer.get("status", UNEXPECTED_STATUS))  # type: ignore[call-overload]
        decision, route = answer.get("decision"), answer.get("route")
        door = metrics.door(scope["path"])
        if door is not None:
            metrics.count_request(door, decision, route, status, seconds)  # type: ignore[arg-type]
        template = getattr(scope.get("route"), "path", None) or "(unmatched)"
        tracing.annotate(
            span, **{"http.route": template, "http.response.status_code": status, "gateway.door": door,
                     "gateway.decision": metrics.known_decision(decision), "gateway.route": metrics.known_route(route)},
        )  # fmt: skip
        log.info(
            "request",
            extra={
                "method": scope["method"],
                "path": template,
                "status": status,
                "duration_ms": round(seconds * 1000.0, 2),
                "decision": metrics.known_decision(decision),
            },
        )
