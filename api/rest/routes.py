"""Every REST route under /api/v1."""

from __future__ import annotations

from starlette.routing import BaseRoute

from api.rest import engagements

RESOURCES = [engagements.RESOURCE]


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for resource in RESOURCES:
        out.extend(resource.routes())
    return out
