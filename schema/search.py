"""One search box across the whole graph."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from db import search as q
from schema.context import Info
from schema.relay import Node, guarded


@strawberry.type(description="One search result.")
class SearchHit:
    type: str = strawberry.field(
        description="What was found: LEADER, GROUP, COUNTRY, ENGAGEMENT, STATEMENT or CLAIM."
    )
    label: str = strawberry.field(description="The name, title or text that matched.")
    exact: bool = strawberry.field(
        description="The query is a whole name or alias of the record (such hits come first in their type)."
    )
    node: Node = strawberry.field(
        description="The record; ask for its fields with `... on Leader { ... }` and so on."
    )


def _to_node(kind: str, record: Any) -> Node:
    from schema.claims import Claim
    from schema.countries import Country
    from schema.engagements import Engagement
    from schema.groups import Group
    from schema.leaders import Leader
    from schema.statements import Statement

    types: dict[str, Any] = {
        "leader": Leader,
        "group": Group,
        "country": Country,
        "engagement": Engagement,
        "statement": Statement,
        "claim": Claim,
    }
    node: Node = types[kind].from_row(record)
    return node


@strawberry.type
class SearchQuery:
    @strawberry.field(
        description="Names and aliases of leaders, groups and countries, then engagement titles, statement and claim text, matched regardless of case, accents and transliteration (Kiev = Kyiv, Serguei = Sergey). Leaders come first, then groups, countries, engagements, statements, claims."
    )
    async def search(
        self,
        info: Info,
        query: Annotated[str, strawberry.argument(description="At least two letters or digits.")],
        first: Annotated[
            int, strawberry.argument(description=f"How many hits, at most {q.MAX_HITS}.")
        ] = 20,
    ) -> list[SearchHit]:
        hits = await guarded(info.context.db(q.search, query, first))
        return [
            SearchHit(
                type=h.kind.upper(), label=h.label, exact=h.exact, node=_to_node(h.kind, h.record)
            )
            for h in hits
        ]
