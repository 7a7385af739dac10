"""The FastAPI application, built by a factory from settings.

Nothing is loaded at import: the lifespan builds the services (migrations,
policies, detector, local model) once, and a test may hand in its own parts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway import __version__, metrics, tracing
from gateway.api import (
    chat,
    completions,
    embeddings,
    health,
    inspect,
    messages,
    models,
    responses,
    review,
    review_admin,
    review_officer,
    review_session,
)
from gateway.api import metrics as metrics_api
from gateway.api.observe import Observe
from gateway.api.security_headers import ReviewSecurityHeaders
from gateway.backends.base import Backend
from gateway.errors import install_handlers
from gateway.pipeline.inspection import Detects
from gateway.policy_reload import PolicyReloader
from gateway.services import Services, build_services
from gateway.settings import Settings, load_settings
from gateway.ui import install_ui


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    detector: Detects | None = None,
    local: Backend | None = None,
    upstream: Backend | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        chosen = services.settings if services is not None else settings or Settings()
        tracing.configure(chosen.otel_endpoint, chosen.otel_service_name)
        app.state.services = services or build_services(chosen, detector=detector, local=local, upstream=upstream)
        built = app.state.services
        reloader = PolicyReloader(built.settings.policy_dir, built.replace_policies)
        sighup = reloader.on_sighup()
        watcher = asyncio.create_task(reloader.watch(built.settings.policy_reload_interval_s))
        try:
            yield
        finally:
            watcher.cancel()
            if sighup:
                reloader.stop_sighup()
            if owned:
                await app.state.services.aclose()
            metrics.process_exiting()
            tracing.shutdown()

    app = FastAPI(title="Sovereign AI gateway", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    install_handlers(app)
    doors = (chat, responses, messages, embeddings, completions, inspect, models)
    for module in (*doors, health, metrics_api, review_session, review, review_admin, review_officer):
        app.include_router(module.router)
    install_ui(app)
    app.add_middleware(ReviewSecurityHeaders)
    app.add_middleware(Observe)  # outermost: the request id is bound before anything runs
    return app


def app_from_environment() -> FastAPI:
    """The factory ``gateway serve --workers N`` gives uvicorn: settings from the environment."""
    return create_app(load_settings())
