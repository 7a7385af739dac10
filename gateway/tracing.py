"""OpenTelemetry traces: optional, off by default.

With ``GATEWAY_OTEL_ENDPOINT`` set (an OTLP/HTTP traces URL such as
``http://collector:4318/v1/traces``, and the ``otel`` extra installed) every request is a
``gateway.request`` span with ``gateway.inspect``, ``gateway.audit`` and ``gateway.route``
children. Attributes hold only the gateway's own words (door, decision, route, status, counts,
entity types, the request id), never a value from a request. Without the setting nothing of
OpenTelemetry is imported and :func:`span` costs a ``nullcontext``.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext
from typing import Any

log = logging.getLogger(__name__)

_tracer: Any = None
_provider: Any = None


class TracingUnavailable(Exception):
    """Tracing was asked for but the ``otel`` extra is not installed."""


def configure(endpoint: str | None, service_name: str = "sovereign-gateway") -> None:
    """Start exporting spans to ``endpoint`` (None: tracing stays off)."""
    global _tracer, _provider
    if endpoint is None or _provider is not None:
        return
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        raise TracingUnavailable(
            "GATEWAY_OTEL_ENDPOINT is set but OpenTelemetry is not installed (pip install 'sovereign-gateway[otel]')"
        ) from None
    _provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    _tracer = _provider.get_tracer("gateway")
    log.info("exporting traces to %s", endpoint)


def span(name: str, **attributes: Any) -> AbstractContextManager[Any]:
    """A span named ``name`` under the current one, or nothing when tracing is off."""
    if _tracer is None:
        return nullcontext()
    return _tracer.start_as_current_span(name, attributes={k: v for k, v in attributes.items() if v is not None})


def annotate(current: Any, **attributes: Any) -> None:
    """Set attributes on a span :func:`span` returned (nothing when tracing is off)."""
    if current is not None:
        for key, value in attributes.items():
            if value is not None:
                current.set_attribute(key, value)


def shutdown() -> None:
    """Export what is pending and stop (at shutdown)."""
    global _tracer, _provider
    if _provider is not None:
        _provider.shutdown()
    _tracer = _provider = None
