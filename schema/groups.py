"""Groups and their memberships over time."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db import groups as q
from db import models
from db.records import pk
from schema.actors import Actor, to_actor
from schema.context import Info
from schema.countries import AS_OF
from schema.engagements import (
    Engagement,
    EngagementFilter,
    EngagementOrder,
    db_filter,
    engagements_of,
)
from schema.enums import GroupKind, MembershipRole
from schema.node import by_id_or_name
from schema.relay import (
    AFTER,
    FIRST,
    Connection,
    Node,
    list_connection,
    page_args,
)

if TYPE_CHECKING:
    from schema.sources import Citation


def group_loader(info: Info) -> Any:
    return info.context.loader(info.path, "group", q.groups_by_ids)


@strawberry.type(
    description="An alliance, diplomatic format, international organisation, government body, armed group or coalition."
)
class Group(Node):
    name: str = strawberry.field(description="Canonical name.")
    aliases: list[str] = strawberry.field(
        description='Other names sources use ("Normandy Quartet", "Normandy Four").'
    )
    kind: GroupKind = strawberry.field(description="What kind of group.")
    description: str | None = strawberry.field(description="What the group is.")
    wikidata_qid: str | None = strawberry.field(description="Wikidata item, when known.")
    _row: strawberry.Private[models.Group]

    @classmethod
    def from_row(cls, row: models.Group) -> Group:
        return cls(
            id=strawberry.ID(row.public_id),
            name=row.name,
            aliases=list(row.aliases),
            kind=row.kind,
            description=row.description,
            wikidata_qid=row.wikidata_qid,
            _row=row,
        )

    @strawberry.field(
        description="Memberships in force on `asOf` (today when omitted), oldest first."
    )
    async def members(
        self,
        info: Info,
        as_of: Annotated[dt.date | None, strawberry.argument(description=AS_OF)] = None,
    ) -> list[Membership]:
        day = as_of or dt.date.today()
        rows = await info.context.loader(
            info.path, "group_members", q.members_of_groups, day, default=list
        ).load(pk(self._row))
        return [Membership.from_row(m, member=a, group=self) for m, a in rows]

    @strawberry.field(description="The groups this group belongs to on `asOf`.")
    async def memberships(
        self,
        info: Info,
        as_of: Annotated[dt.date | None, strawberry.argument(description=AS_OF)] = None,
    ) -> list[Membership]:
        return await memberships_of(
            info, "group", pk(self._row), as_of or dt.date.today(), self._row
        )

    @strawberry.field(description="Engagements the group took part in as a group, newest first.")
    async def engagements(
        self,
        info: Info,
        filter: Annotated[
            EngagementFilter | None,
            strawberry.argument(description="Conditions the engagements must meet."),
        ] = None,
        order_by: Annotated[
            EngagementOrder, strawberry.argument(description="Sort order.")
        ] = EngagementOrder.START_DATE_DESC,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Engagement]:
        return await engagements_of(
            info, "group", pk(self._row), db_filter(filter), order_by, first, after
        )


@strawberry.type(
    description="A member of a group in a role, from `startDate` up to, not including, `endDate`."
)
class Membership:
    id: strawberry.ID = strawberry.field(description="Stable public ID of the membership.")
    role: MembershipRole = strawberry.field(description="The member's role.")
    start_date: dt.date | None = strawberry.field(
        description="First day of membership; null when before our records."
    )
    end_date: dt.date | None = strawberry.field(
        description="Day the membership ended; null while current."
    )
    _row: strawberry.Private[models.Membership]
    _member: strawberry.Private[Any]
    _group: strawberry.Private[Group | None]

    @classmethod
    def from_row(
        cls, row: models.Membership, *, member: Any = None, group: Group | None = None
    ) -> Membership:
        return cls(
            id=strawberry.ID(row.public_id),
            role=row.role,
            start_date=row.start_date,
            end_date=row.end_date,
            _row=row,
            _member=member,
            _group=group,
        )

    @strawberry.field(description="The group.")
    async def group(self, info: Info) -> Group:
        if self._group is not None:
            return self._group
        row = await group_loader(info).load(self._row.group_id)
        return Group.from_row(row)

    @strawberry.field(description="The member: a country, a leader or a group.")
    async def member(self, info: Info) -> Actor:
        if self._member is None:
            self._member = await info.context.loader(
                info.path, "membership_member", q.members_of_memberships
            ).load(pk(self._row))
        return to_actor(self._member)

    @strawberry.field(description="The exact words of the sources behind this membership, if any.")
    async def citations(
        self, info: Info
    ) -> list[Annotated[Citation, strawberry.lazy("schema.sources")]]:
        from schema.sources import citations_of

        return await citations_of(info, "membership", pk(self._row))


async def memberships_of(
    info: Info, kind: str, key: Any, day: dt.date, member: Any
) -> list[Membership]:
    rows = await info.context.loader(
        info.path, ("memberships_of", kind), q.memberships_of_members, kind, day, default=list
    ).load(key)
    return [Membership.from_row(m, member=member) for m in rows]


@strawberry.input(description="Narrows the group list; all given conditions must hold.")
class GroupFilter:
    name: str | None = strawberry.field(
        default=None,
        description="The canonical name or any alias, whole, regardless of case, accents and transliteration.",
    )
    search: str | None = strawberry.field(
        default=None, description="Part of a name or alias, with the same matching."
    )
    kinds: list[GroupKind] | None = strawberry.field(
        default=None, description="Any of these kinds."
    )

    def to_db(self) -> q.GroupFilter:
        return q.GroupFilter(name=self.name, search=self.search, kinds=tuple(self.kinds or ()))


@strawberry.type
class GroupQuery:
    @strawberry.field(
        description="One group by ID, or by name: the canonical name or any alias, regardless of case, accents and transliteration. Give one of the two."
    )
    async def group(
        self, info: Info, id: strawberry.ID | None = None, name: str | None = None
    ) -> Group | None:
        row = await by_id_or_name(info, id, name, models.Group, q.find_group_by_name)
        return Group.from_row(row) if row else None

    @strawberry.field(description="Groups by name.")
    async def groups(
        self,
        info: Info,
        filter: Annotated[
            GroupFilter | None, strawberry.argument(description="Conditions the groups must meet.")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Group]:
        filters = filter.to_db() if filter else None
        return await list_connection(
            info, Group.from_row, q.list_groups, q.count_groups, page_args(first, after), filters
        )
