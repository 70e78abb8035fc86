"""/api/v1/groups and /api/v1/memberships: alliances, diplomatic formats, armed groups, ... and
who belongs to them over time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from api.rest import engagements, sources
from api.rest.params import Params
from api.rest.resource import Input, Resource
from api.rest.subresources import (
    SubList,
    as_of,
    citations_expander,
    engagements_of,
    enum_sort,
    grouped_dicts,
)
from db import groups as q
from db.enums import GroupKind, MembershipRole
from db.models import Group, Membership
from db.records import pk

# --- groups ------------------------------------------------------------------------------------

FILTERS = ("name", "q", "kind")


def group_query(params: Params) -> Select[Any]:
    """The same filter GraphQL's GroupFilter builds, from query parameters."""
    return q.groups_query(
        q.GroupFilter(
            name=params.text("name"),
            search=params.text("q"),
            kinds=params.enums("kind", GroupKind),
        )
    )


class GroupIn(Input):
    name: str
    kind: GroupKind
    aliases: list[str] = []
    description: str | None = None
    wikidata_qid: str | None = None


class GroupPatch(Input):
    name: str | None = None
    kind: GroupKind | None = None
    aliases: list[str] | None = None
    description: str | None = None
    wikidata_qid: str | None = None


async def members_today(
    session: AsyncSession, rows: Sequence[Group]
) -> dict[int, list[dict[str, Any]]]:
    """``expand=members``: each group's memberships in force today, oldest first (as GraphQL's
    ``members`` without ``asOf``)."""
    found = await q.members_of_groups(session, [r.id for r in rows if r.id], dt.date.today())
    return await grouped_dicts(
        session, "membership", {key: [m for m, _ in pairs] for key, pairs in found.items()}
    )


RESOURCE = Resource(
    name="groups",
    kind="group",
    model=Group,
    query=group_query,
    filters=FILTERS,
    sorts={
        "name": Group.name,
        "kind": enum_sort(Group.kind),
        "created_at": Group.created_at,
        "updated_at": Group.updated_at,
    },
    default_sort="name",
    id_column=Group.id,
    expansions={"members": members_today},
    create_input=GroupIn,
    update_input=GroupPatch,
    create=q.create_group,
    update=q.update_group,
    to_create=lambda data: q.GroupCreate(**data),
    to_update=lambda data: q.GroupUpdate(**data),
)

# --- memberships -------------------------------------------------------------------------------

MEMBERSHIP_FILTERS = ("group", "member", "role", "as_of")


def membership_query(params: Params) -> Select[Any]:
    return q.memberships_query(
        q.MembershipFilter(
            groups=params.items("group"),
            members=params.items("member"),
            roles=params.enums("role", MembershipRole),
            as_of=params.date("as_of"),
        )
    )


class MembershipIn(Input):
    group: str
    member: str
    role: MembershipRole = MembershipRole.MEMBER
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class MembershipPatch(Input):
    role: MembershipRole | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


MEMBERSHIPS = Resource(
    name="memberships",
    kind="membership",
    model=Membership,
    query=membership_query,
    filters=MEMBERSHIP_FILTERS,
    sorts={
        "role": enum_sort(Membership.role),
        "created_at": Membership.created_at,
        "updated_at": Membership.updated_at,
    },
    default_sort="created_at",
    id_column=Membership.id,
    expansions={"citations": citations_expander("membership")},
    create_input=MembershipIn,
    update_input=MembershipPatch,
    create=q.create_membership,
    update=q.update_membership,
    to_create=lambda data: q.MembershipCreate(**data),
    to_update=lambda data: q.MembershipUpdate(**data),
)

RESOURCES = [RESOURCE, MEMBERSHIPS]

# --- lists under a group -----------------------------------------------------------------------

SUBLISTS = [
    SubList(
        RESOURCE,
        "members",
        MEMBERSHIPS,
        lambda row, params: q.memberships_query(
            q.MembershipFilter(groups=(row.public_id,), as_of=as_of(params))
        ),
        ("as_of",),
    ),
    SubList(
        RESOURCE,
        "memberships",
        MEMBERSHIPS,
        lambda row, params: q.memberships_query(
            q.MembershipFilter(members=(row.public_id,), as_of=as_of(params))
        ),
        ("as_of",),
    ),
    SubList(
        RESOURCE,
        "engagements",
        engagements.RESOURCE,
        engagements_of("group", pk),
        engagements.FILTERS,
    ),
    sources.citations_of(MEMBERSHIPS),
]
