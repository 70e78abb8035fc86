"""Fetching any record by its public ID."""

from __future__ import annotations

from typing import Any

import strawberry

from db.ids import id_type
from db.records import get_node
from schema.context import Info
from schema.relay import Node


def to_node(row: Any) -> Node | None:
    from schema.claims import Claim
    from schema.countries import Country
    from schema.engagements import Engagement
    from schema.groups import Group
    from schema.leaders import Leader
    from schema.sources import Source
    from schema.statements import Statement

    types: dict[str, Any] = {
        "leader": Leader,
        "country": Country,
        "group": Group,
        "engagement": Engagement,
        "statement": Statement,
        "claim": Claim,
        "source": Source,
    }
    kind = id_type(row.public_id) if row is not None else None
    return types[kind].from_row(row) if kind in types else None


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any record by its ID (leaders, countries, groups, engagements, statements, claims, sources); null when no record has that ID or it was deleted."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return to_node(await info.context.db(get_node, str(id)))
