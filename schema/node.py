"""Fetching any record by its public ID."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from db.ids import id_type
from db.records import get_node
from schema.context import Info
from schema.errors import UserError
from schema.relay import Node


async def by_id_or_name(
    info: Info,
    id: strawberry.ID | None,
    name: str | None,
    model: type[Any],
    find_by_name: Callable[..., Awaitable[Any]],
) -> Any:
    """``leader(id:, name:)`` and ``group(id:, name:)``: exactly one of the two, by public ID or
    by a name matched on the canonical name and every alias."""
    if (id is None) == (name is None):
        raise UserError(
            "Give exactly one of the arguments 'id' and 'name'",
            argument="id" if id is not None else "name",
        )
    if id is not None:
        row = await info.context.db(get_node, str(id))
        return row if isinstance(row, model) else None
    return await info.context.db(find_by_name, name or "")


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
