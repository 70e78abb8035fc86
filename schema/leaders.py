"""Leaders and the positions they hold over time."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import leaders as q
from db import models
from db.enums import EngagementKind
from db.records import pk
from schema.context import Info
from schema.countries import AS_OF, Country, country_loader
from schema.engagements import (
    Engagement,
    EngagementFilter,
    EngagementOrder,
    db_filter,
    engagements_of,
)
from schema.enums import PositionKind
from schema.errors import UserError
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
    from schema.groups import Group, Membership
    from schema.sources import Citation
    from schema.statements import Statement


@strawberry.type(
    description="A tenure: an office held in a country or a group from `startDate` up to, not including, `endDate`."
)
class Position:
    id: strawberry.ID = strawberry.field(description="Stable public ID of the position.")
    title: str = strawberry.field(description='The office ("Chancellor of Germany").')
    kind: PositionKind = strawberry.field(description="What kind of office.")
    start_date: dt.date | None = strawberry.field(
        description="First day in office; null when before our records."
    )
    end_date: dt.date | None = strawberry.field(
        description="Day the tenure ended (the successor's first day); null while current."
    )
    _row: strawberry.Private[models.Position]

    @classmethod
    def from_row(cls, row: models.Position) -> Position:
        return cls(
            id=strawberry.ID(row.public_id),
            title=row.title,
            kind=row.kind,
            start_date=row.start_date,
            end_date=row.end_date,
            _row=row,
        )

    @strawberry.field(description="The country the office is held in, if it is a country's.")
    async def country(self, info: Info) -> Country | None:
        if self._row.country_code is None:
            return None
        row = await country_loader(info).load(self._row.country_code)
        return Country.from_row(row) if row else None

    @strawberry.field(description="The group the office is held in, if it is a group's.")
    async def group(self, info: Info) -> Annotated[Group, strawberry.lazy("schema.groups")] | None:
        from schema.groups import Group, group_loader

        if self._row.group_id is None:
            return None
        row = await group_loader(info).load(self._row.group_id)
        return Group.from_row(row) if row else None

    @strawberry.field(description="The exact words of the sources behind this position, if any.")
    async def citations(
        self, info: Info
    ) -> list[Annotated[Citation, strawberry.lazy("schema.sources")]]:
        from schema.sources import citations_of

        return await citations_of(info, "position", pk(self._row))


@strawberry.type(
    description="A named political figure: head of state or government, minister, official, spokesperson."
)
class Leader(Node):
    name: str = strawberry.field(description="Canonical name.")
    aliases: list[str] = strawberry.field(
        description="Other spellings sources use, native scripts included."
    )
    wikidata_qid: str | None = strawberry.field(description='Wikidata item ("Q6279"), when known.')
    _row: strawberry.Private[models.Leader]

    @classmethod
    def from_row(cls, row: models.Leader) -> Leader:
        return cls(
            id=strawberry.ID(row.public_id),
            name=row.name,
            aliases=list(row.aliases),
            wikidata_qid=row.wikidata_qid,
            _row=row,
        )

    @strawberry.field(description="The country the person belongs to, when known.")
    async def country(self, info: Info) -> Country | None:
        if self._row.country_code is None:
            return None
        row = await country_loader(info).load(self._row.country_code)
        return Country.from_row(row) if row else None

    @strawberry.field(description="Every office the person has held, oldest first.")
    async def positions(self, info: Info) -> list[Position]:
        rows = await info.context.loader(
            info.path, "positions", q.positions_of_leaders, default=list
        ).load(pk(self._row))
        return [
            Position(
                id=strawberry.ID(p.public_id),
                title=p.title,
                kind=p.kind,
                start_date=p.start_date,
                end_date=p.end_date,
                _row=p,
            )
            for p in rows
        ]

    @strawberry.field(description="Engagements the person took part in, newest first.")
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
            info, "leader", pk(self._row), db_filter(filter), order_by, first, after
        )

    @strawberry.field(
        description="Meetings and calls (kinds MEETING and CALL, any mode) the person took part in, newest first. Dates follow the engagement filter's overlap rule."
    )
    async def meetings(
        self,
        info: Info,
        from_: Annotated[
            dt.date | None,
            strawberry.argument(name="from", description="Meetings reaching this day or later."),
        ] = None,
        to: Annotated[
            dt.date | None,
            strawberry.argument(description="Meetings starting on or before this day."),
        ] = None,
        order_by: Annotated[
            EngagementOrder, strawberry.argument(description="Sort order.")
        ] = EngagementOrder.START_DATE_DESC,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Engagement]:
        filters = db_filter(
            None, date_from=from_, date_to=to, kinds=(EngagementKind.MEETING, EngagementKind.CALL)
        )
        return await engagements_of(info, "leader", pk(self._row), filters, order_by, first, after)

    @strawberry.field(description="What the person said, in the order recorded.")
    async def statements(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Annotated[Statement, strawberry.lazy("schema.statements")]]:
        from schema.statements import statements_of

        return await statements_of(info, "leader", pk(self._row), first, after)

    @strawberry.field(description="The groups the person belongs to on `asOf`.")
    async def memberships(
        self,
        info: Info,
        as_of: Annotated[dt.date | None, strawberry.argument(description=AS_OF)] = None,
    ) -> list[Annotated[Membership, strawberry.lazy("schema.groups")]]:
        from schema.groups import memberships_of

        return await memberships_of(
            info, "leader", pk(self._row), as_of or dt.date.today(), self._row
        )


@strawberry.input(description="Narrows the leader list; all given conditions must hold.")
class LeaderFilter:
    name: str | None = strawberry.field(
        default=None,
        description="The canonical name or any alias, whole, regardless of case, accents and transliteration (Zelenski = Zelensky = Зеленський).",
    )
    search: str | None = strawberry.field(
        default=None, description="Part of a name or alias, with the same matching."
    )
    countries: list[str] | None = strawberry.field(
        default=None, description="ISO 3166-1 codes of the leaders' countries (at most 100)."
    )

    def to_db(self) -> q.LeaderFilter:
        if self.countries and len(self.countries) > 100:
            raise UserError(
                "Argument 'filter.countries' takes at most 100 items", argument="filter.countries"
            )
        return q.LeaderFilter(
            name=self.name, search=self.search, countries=tuple(self.countries or ())
        )


@strawberry.type
class LeaderQuery:
    @strawberry.field(
        description="One leader by ID, or by name: the canonical name or any alias, regardless of case, accents and transliteration. Give one of the two."
    )
    async def leader(
        self, info: Info, id: strawberry.ID | None = None, name: str | None = None
    ) -> Leader | None:
        row = await by_id_or_name(info, id, name, models.Leader, q.find_leader_by_name)
        return Leader.from_row(row) if row else None

    @strawberry.field(description="Leaders by name.")
    async def leaders(
        self,
        info: Info,
        filter: Annotated[
            LeaderFilter | None,
            strawberry.argument(description="Conditions the leaders must meet."),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Leader]:
        filters = filter.to_db() if filter else None
        return await list_connection(
            info, Leader.from_row, q.list_leaders, q.count_leaders, page_args(first, after), filters
        )
