"""Every REST route under /api/v1."""

from __future__ import annotations

from starlette.routing import BaseRoute

from api.rest import (
    changes,
    claims,
    countries,
    engagements,
    groups,
    imports,
    leaders,
    participants,
    search,
    sources,
    statements,
)
from api.rest.resource import Resource
from api.rest.subresources import SubList

RESOURCES: list[Resource] = [
    *countries.RESOURCES,
    *leaders.RESOURCES,  # leaders, positions
    *groups.RESOURCES,  # groups, memberships
    engagements.RESOURCE,
    *participants.RESOURCES,
    *statements.RESOURCES,
    *claims.RESOURCES,  # claims, stances
    *sources.RESOURCES,  # sources, citations
]

# The lists under a record: /leaders/{id}/engagements, /claims/{id}/stances, /x/{id}/citations ...
SUBLISTS: list[SubList] = [
    *countries.SUBLISTS,
    *leaders.SUBLISTS,
    *groups.SUBLISTS,
    *participants.SUBLISTS,
    *statements.SUBLISTS,
    *claims.SUBLISTS,
    *sources.SUBLISTS,
]


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for resource in RESOURCES:
        out.extend(resource.routes())
    out.extend(sublist.route() for sublist in SUBLISTS)
    out.extend(search.ROUTES)
    out.extend(changes.ROUTES)
    out.extend(imports.ROUTES)
    return out
