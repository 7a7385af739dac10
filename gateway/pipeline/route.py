"""Route stage: where a decided request goes.

``route_local`` never goes upstream, whatever happens to the local model;
``allow`` and ``redact`` go to the cloud upstream when one is configured and
to the local model otherwise; ``block`` goes nowhere.
"""

from __future__ import annotations

from gateway.types import Action, Route


def choose_route(action: Action, *, upstream_configured: bool) -> Route:
    if action is Action.BLOCK:
        return Route.NONE
    if action is Action.ROUTE_LOCAL:
        return Route.LOCAL
    return Route.UPSTREAM if upstream_configured else Route.LOCAL
