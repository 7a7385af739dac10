"""The gateway's errors, and their one translation into OpenAI-style responses.

GatewayError
 +-- InvalidRequest        400  malformed JSON, missing or mistyped fields, unknown policy
 +-- Unauthenticated       401  missing, unknown or revoked client key
 |    +-- NotSignedIn      401  review API: no valid reviewer session (or wrong credentials)
 +-- PolicyNotPermitted    403  the key may not name that policy
 +-- Forbidden             403  review API: the reviewer's role may not do this, or CSRF check failed
 +-- NotFound              404  review API: no such record or reviewer
 +-- TooManyAttempts       429  review API: sign-in locked after repeated failures
 +-- TooManyRequests       429  the on-premises model servers are at capacity (``Retry-After``)
 +-- RateLimited           429  the client key's GATEWAY_RATE_LIMIT_PER_MINUTE is used up (``Retry-After``)
 +-- Blocked               403  the policy blocks the request (``policy_violation``)
 +-- PayloadTooLarge       413  body over the configured limit
 |    +-- InspectionTooLarge   413  too many segments, or detection ran out of the request's budget
 +-- UpstreamFailed        502  the cloud upstream failed or answered with an error
 +-- Unavailable           503  a stage that must succeed failed: the request is refused
                                (detection, policy, audit store, local model): fail closed

Messages never contain detected values; ``Unavailable`` carries a fixed text
per stage rather than the underlying exception's text.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class GatewayError(Exception):
    status_code = 500
    error_type = "server_error"
    code: str | None = None

    def __init__(self, message: str, *, param: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.error_type, "code": self.code, "param": self.param}}


class InvalidRequest(GatewayError):
    status_code = 400
    error_type = "invalid_request_error"


class Unauthenticated(GatewayError):
    status_code = 401
    error_type = "authentication_error"
    code = "invalid_api_key"


class PolicyNotPermitted(GatewayError):
    status_code = 403
    error_type = "permission_error"
    code = "policy_not_permitted"


class NotSignedIn(Unauthenticated):
    code = "not_signed_in"


class Forbidden(GatewayError):
    status_code = 403
    error_type = "permission_error"

    def __init__(self, message: str, *, code: str = "forbidden"):
        super().__init__(message)
        self.code = code


class NotFound(GatewayError):
    status_code = 404
    error_type = "invalid_request_error"
    code = "not_found"


class TooManyAttempts(GatewayError):
    status_code = 429
    error_type = "rate_limit_error"
    code = "too_many_attempts"


class TooManyRequests(GatewayError):
    status_code = 429
    error_type = "rate_limit_error"
    code = "local_capacity"


class RateLimited(GatewayError):
    status_code = 429
    error_type = "rate_limit_error"
    code = "rate_limited"


class PayloadTooLarge(GatewayError):
    status_code = 413
    error_type = "invalid_request_error"
    code = "payload_too_large"


class InspectionTooLarge(PayloadTooLarge):
    code = "too_large_to_inspect"


class Blocked(GatewayError):
    status_code = 403
    error_type = "policy_violation"
    code = "blocked_by_policy"

    def __init__(self, message: str, *, rule_ids: list[str], audit_id: str, headers: dict[str, str]):
        super().__init__(message, headers=headers)
        self.rule_ids = rule_ids
        self.audit_id = audit_id

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["error"].update(rule_ids=self.rule_ids, audit_id=self.audit_id)
        return body


class UpstreamFailed(GatewayError):
    status_code = 502
    error_type = "upstream_error"
    code = "upstream_failed"


class Unavailable(GatewayError):
    status_code = 503
    error_type = "service_unavailable"

    def __init__(self, message: str, *, code: str, headers: dict[str, str] | None = None):
        super().__init__(message, headers=headers)
        self.code = code


def error_response(error: GatewayError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)


# Anthropic's error types by HTTP status (its API reference, "Errors").
_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    502: "api_error",
    503: "api_error",
}


def anthropic_body(error: GatewayError) -> dict[str, Any]:
    """The error in Anthropic's shape: ``{"type": "error", "error": {"type": ..., "message": ...}}``,
    keeping the gateway's own fields (code, rule ids, audit id) beside them."""
    inner: dict[str, Any] = {"type": _ANTHROPIC_TYPES.get(error.status_code, "api_error"), "message": error.message}
    openai_shape = error.body()["error"]
    inner.update({k: v for k, v in openai_shape.items() if k not in ("type", "message", "param") and v is not None})
    return {"type": "error", "error": inner}


def anthropic_response(error: GatewayError) -> JSONResponse:
    return JSONResponse(anthropic_body(error), status_code=error.status_code, headers=error.headers)


def is_anthropic(request: Request) -> bool:
    """Requests to the Anthropic door are answered in Anthropic's error shape."""
    return request.url.path.startswith("/v1/messages")


def respond(request: Request, error: GatewayError) -> JSONResponse:
    return anthropic_response(error) if is_anthropic(request) else error_response(error)


async def _gateway_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GatewayError)
    return respond(request, exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    loc = [str(part) for part in first.get("loc", ()) if part != "body"]
    field = ".".join(loc) or None
    message = f"{field}: {first['msg']}" if field else str(first["msg"])
    return respond(request, InvalidRequest(message, param=field))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error = GatewayError(str(exc.detail))
    error.status_code = exc.status_code
    error.error_type = "invalid_request_error" if exc.status_code < 500 else "server_error"
    return respond(request, error)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # No stack trace or exception text reaches the client: it could hold a value.
    error = Unavailable("The gateway could not process the request.", code="internal_error")
    request_id = getattr(request.state, "request_id", None)  # set by gateway.api.observe, outside this handler
    if request_id is not None:
        error.headers = {"x-request-id": request_id}
    return respond(request, error)


def install_handlers(app: Any) -> None:
    app.add_exception_handler(GatewayError, _gateway_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
