"""/api/v1/leaders and /api/v1/positions: named political figures and the offices they hold
over time, with each leader's engagements, meetings, statements, positions and memberships."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from api.rest import engagements, groups, sources, statements
from api.rest.params import Params
from api.rest.resource import Input, Resource
from api.rest.subresources import (
    SubList,
    as_of,
    citations_expander,
    engagements_of,
    enum_sort,
    grouped_dicts,
    renamed,
    with_country_codes,
)
from db import engagements as eq
from db import errors
from db import groups as gq
from db import leaders as q
from db import statements as sq
from db.enums import PositionKind
from db.models import Leader, Position
from db.records import pk

# --- leaders -----------------------------------------------------------------------------------

FILTERS = ("name", "q", "country")


def leader_query(params: Params) -> Select[Any]:
    """The same filter GraphQL's LeaderFilter builds, from query parameters."""
    try:
        return q.leaders_query(
            q.LeaderFilter(
                name=params.text("name"),
                search=params.text("q"),
                countries=params.items("country"),
            )
        )
    except errors.DataError as exc:
        raise renamed(exc, {"countries": "country"}) from None


class LeaderIn(Input):
    name: str
    aliases: list[str] = []
    country: str | None = None
    wikidata_qid: str | None = None


class LeaderPatch(Input):
    name: str | None = None
    aliases: list[str] | None = None
    country: str | None = None
    wikidata_qid: str | None = None


async def positions_of_leaders(
    session: AsyncSession, rows: Sequence[Leader]
) -> dict[int, list[dict[str, Any]]]:
    """``expand=positions``: every office each leader has held, oldest first (as GraphQL's
    ``positions``)."""
    found = await q.positions_of_leaders(session, [r.id for r in rows if r.id])
    return await grouped_dicts(session, "position", found)


RESOURCE = Resource(
    name="leaders",
    kind="leader",
    model=Leader,
    query=leader_query,
    filters=FILTERS,
    sorts={
        "name": Leader.name,
        "created_at": Leader.created_at,
        "updated_at": Leader.updated_at,
    },
    default_sort="name",
    id_column=Leader.id,
    expansions={"positions": positions_of_leaders},
    create_input=LeaderIn,
    update_input=LeaderPatch,
    create=q.create_leader,
    update=q.update_leader,
    to_create=lambda data: q.LeaderCreate(**with_country_codes(data, "country")),
    to_update=lambda data: q.LeaderUpdate(**with_country_codes(data, "country")),
)

# --- positions ---------------------------------------------------------------------------------

POSITION_FILTERS = ("leader", "country", "group", "kind", "as_of")


def position_query(params: Params) -> Select[Any]:
    try:
        return q.positions_query(
            q.PositionFilter(
                leaders=params.items("leader"),
                countries=params.items("country"),
                groups=params.items("group"),
                kinds=params.enums("kind", PositionKind),
                as_of=params.date("as_of"),
            )
        )
    except errors.DataError as exc:
        raise renamed(exc, {"countries": "country"}) from None


class PositionIn(Input):
    leader: str
    title: str
    kind: PositionKind
    country: str | None = None
    group: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class PositionPatch(Input):
    title: str | None = None
    kind: PositionKind | None = None
    country: str | None = None
    group: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


POSITIONS = Resource(
    name="positions",
    kind="position",
    model=Position,
    query=position_query,
    filters=POSITION_FILTERS,
    sorts={
        "title": Position.title,
        "kind": enum_sort(Position.kind),
        "created_at": Position.created_at,
        "updated_at": Position.updated_at,
    },
    default_sort="created_at",
    id_column=Position.id,
    expansions={"citations": citations_expander("position")},
    create_input=PositionIn,
    update_input=PositionPatch,
    create=q.create_position,
    update=q.update_position,
    to_create=lambda data: q.PositionCreate(**with_country_codes(data, "country")),
    to_update=lambda data: q.PositionUpdate(**with_country_codes(data, "country")),
)

RESOURCES = [RESOURCE, POSITIONS]

# --- lists under a leader ----------------------------------------------------------------------


def _meetings(row: Leader, params: Params) -> Select[Any]:
    """Meetings and calls (any mode), with the engagement filter's date-overlap rule."""
    filters = eq.EngagementFilter(
        date_from=params.date("from"), date_to=params.date("to"), kinds=eq.MEETING_KINDS
    )
    return eq.engagements_of_actor_query("leader", pk(row), filters)


SUBLISTS = [
    SubList(
        RESOURCE,
        "engagements",
        engagements.RESOURCE,
        engagements_of("leader", pk),
        engagements.FILTERS,
    ),
    SubList(RESOURCE, "meetings", engagements.RESOURCE, _meetings, ("from", "to")),
    SubList(
        RESOURCE,
        "statements",
        statements.RESOURCE,
        lambda row, params: sq.statements_query(sq.StatementFilter(speakers=(row.public_id,))),
    ),
    SubList(
        RESOURCE,
        "positions",
        POSITIONS,
        lambda row, params: q.positions_query(q.PositionFilter(leaders=(row.public_id,))),
    ),
    SubList(
        RESOURCE,
        "memberships",
        groups.MEMBERSHIPS,
        lambda row, params: gq.memberships_query(
            gq.MembershipFilter(members=(row.public_id,), as_of=as_of(params))
        ),
        ("as_of",),
    ),
    sources.citations_of(POSITIONS),
]
