"""Engagements, their participants, and the engagement lists of every actor."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db import engagements as q
from db import models
from db.paging import Page
from db.records import pk
from schema.actors import Actor, to_actor
from schema.context import Info
from schema.enums import (
    DatePrecision,
    EngagementKind,
    EngagementMode,
    EngagementStatus,
    ParticipantRole,
)
from schema.errors import UserError
from schema.relay import (
    AFTER,
    BEFORE,
    FIRST,
    LAST,
    Connection,
    Node,
    connection,
    guarded,
    page_args,
)

if TYPE_CHECKING:
    from schema.claims import Claim
    from schema.countries import Country
    from schema.sources import Citation
    from schema.statements import Statement

MAX_LIST_INPUT = 100


@strawberry.enum(description="Order of an engagement list. Ties are broken by creation order.")
class EngagementOrder(Enum):
    START_DATE_DESC = "START_DATE_DESC"
    START_DATE_ASC = "START_DATE_ASC"


@strawberry.input(
    description="Narrows an engagement list; all given conditions must hold. Lists take at most 100 items."
)
class EngagementFilter:
    from_: dt.date | None = strawberry.field(
        name="from",
        default=None,
        description="Engagements whose period reaches this day or later. The period runs from startDate to endDate (or startDate alone), so a MONTH-precision engagement in November 2021 (1 to 30 November) matches from 2021-11-15.",
    )
    to: dt.date | None = strawberry.field(
        default=None, description="Engagements whose period starts on or before this day."
    )
    kinds: list[EngagementKind] | None = strawberry.field(
        default=None, description="Any of these kinds."
    )
    modes: list[EngagementMode] | None = strawberry.field(
        default=None, description="Any of these modes."
    )
    statuses: list[EngagementStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    countries: list[str] | None = strawberry.field(
        default=None,
        description="ISO 3166-1 codes (alpha-2 or alpha-3, any case): a participant is the country or one of its leaders, or it took place there.",
    )
    leaders: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Leader IDs: any of them took part."
    )
    groups: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Group IDs: any of them took part."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Words in the title, summary or place, matched regardless of case, accents and transliteration.",
    )

    def to_db(self, **overrides: Any) -> q.EngagementFilter:
        for name in ("kinds", "modes", "statuses", "countries", "leaders", "groups"):
            values = getattr(self, name)
            if values is not None and len(values) > MAX_LIST_INPUT:
                raise UserError(
                    f"Argument 'filter.{name}' takes at most {MAX_LIST_INPUT} items",
                    argument=f"filter.{name}",
                )
        values = {
            "date_from": self.from_,
            "date_to": self.to,
            "kinds": tuple(self.kinds or ()),
            "modes": tuple(self.modes or ()),
            "statuses": tuple(self.statuses or ()),
            "countries": tuple(self.countries or ()),
            "leaders": tuple(str(i) for i in self.leaders or ()),
            "groups": tuple(str(i) for i in self.groups or ()),
            "search": self.search,
        }
        values.update(overrides)
        return q.EngagementFilter(**values)


def db_filter(filter: EngagementFilter | None, **overrides: Any) -> q.EngagementFilter:
    return filter.to_db(**overrides) if filter else q.EngagementFilter(**overrides)


@strawberry.type(description="Where an engagement took place.")
class Location:
    place: str | None = strawberry.field(description="Place name as the source gives it.")
    latitude: float | None = strawberry.field(description="WGS 84 latitude, when known.")
    longitude: float | None = strawberry.field(description="WGS 84 longitude, when known.")
    _country_code: strawberry.Private[str | None]

    @strawberry.field(description="The country it took place in, when known.")
    async def country(
        self, info: Info
    ) -> Annotated[Country, strawberry.lazy("schema.countries")] | None:
        from schema.countries import Country, country_loader

        if self._country_code is None:
            return None
        row = await country_loader(info).load(self._country_code)
        return Country.from_row(row) if row else None


@strawberry.type(description="An actor's part in an engagement.")
class Participant:
    id: strawberry.ID = strawberry.field(
        description="Stable public ID of this participation (to remove it)."
    )
    role: ParticipantRole = strawberry.field(description="The actor's role.")
    _actor: strawberry.Private[Any]

    @strawberry.field(description="Who took part: a leader, a country or a group.")
    def actor(self) -> Actor:
        return to_actor(self._actor)


@strawberry.type(
    description="A dated interaction between actors: a meeting, call, visit, statement, warning, deployment, ... Dates carry the precision the source gives."
)
class Engagement(Node):
    kind: EngagementKind = strawberry.field(description="What happened.")
    mode: EngagementMode | None = strawberry.field(
        description="How it happened, when the source says."
    )
    status: EngagementStatus = strawberry.field(
        description="Held, scheduled or cancelled, as of the source."
    )
    title: str = strawberry.field(description="A short title.")
    summary: str | None = strawberry.field(description="What happened, in a few sentences.")
    start_date: dt.date = strawberry.field(
        description="First day of the period the source allows (the 1st for MONTH precision)."
    )
    end_date: dt.date | None = strawberry.field(
        description="Last day of the engagement or of its period, when known."
    )
    date_precision: DatePrecision = strawberry.field(
        description="How precisely the source dates it."
    )
    cameo_code: str | None = strawberry.field(
        description='CAMEO event code for imported records, leading zeros kept ("042").'
    )
    external_id: str | None = strawberry.field(
        description='The record\'s ID in the dataset it was imported from ("gdelt:873451234").'
    )
    _row: strawberry.Private[models.Engagement]

    @classmethod
    def from_row(cls, row: models.Engagement) -> Engagement:
        return cls(
            id=strawberry.ID(row.public_id),
            kind=row.kind,
            mode=row.mode,
            status=row.status,
            title=row.title,
            summary=row.summary,
            start_date=row.start_date,
            end_date=row.end_date,
            date_precision=row.date_precision,
            cameo_code=row.cameo_code,
            external_id=row.external_id,
            _row=row,
        )

    @strawberry.field(description="Where it took place, when known.")
    def location(self) -> Location | None:
        r = self._row
        if r.location_country_code is None and r.location_place is None and r.latitude is None:
            return None
        return Location(
            place=r.location_place,
            latitude=r.latitude,
            longitude=r.longitude,
            _country_code=r.location_country_code,
        )

    @strawberry.field(description="Who took part, and in what role.")
    async def participants(self, info: Info) -> list[Participant]:
        rows = await info.context.loader(
            info.path, "participants", q.participants_of_engagements, default=list
        ).load(pk(self._row))
        return [
            Participant(id=strawberry.ID(p.public_id), role=p.role, _actor=actor)
            for p, actor in rows
        ]

    @strawberry.field(description="What was said at or through this engagement.")
    async def statements(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Annotated[Statement, strawberry.lazy("schema.statements")]]:
        from schema.statements import statements_of

        return await statements_of(info, "engagement", pk(self._row), first, after)

    @strawberry.field(description="Contested assertions made in this engagement.")
    async def claims(self, info: Info) -> list[Annotated[Claim, strawberry.lazy("schema.claims")]]:
        from db.claims import claims_of_engagements
        from schema.claims import Claim

        rows = await info.context.loader(
            info.path, "engagement_claims", claims_of_engagements, default=list
        ).load(pk(self._row))
        return [Claim.from_row(r) for r in rows]

    @strawberry.field(description="The exact words of the sources behind this engagement.")
    async def citations(
        self, info: Info
    ) -> list[Annotated[Citation, strawberry.lazy("schema.sources")]]:
        from schema.sources import citations_of

        return await citations_of(info, "engagement", pk(self._row))


def _empty_page() -> Page:
    return Page([], [], False, False)


async def engagements_of(
    info: Info,
    kind: str,
    key: Any,
    filters: q.EngagementFilter,
    order: EngagementOrder,
    first: int | None,
    after: str | None,
) -> Connection[Engagement]:
    """The engagements an actor (leader id, country code or group id) took part in: one statement
    per query level for all the actors in the level, each actor paged on its own."""
    args = page_args(first, after)
    ctx = info.context
    page = await guarded(
        ctx.loader(
            info.path,
            ("engagements_of", kind),
            q.engagements_of_actors,
            kind,
            filters,
            args,
            order.value,
            default=_empty_page,
        ).load(key)
    )

    async def total() -> int:
        return await ctx.loader(
            info.path,
            ("engagements_count", kind),
            q.count_engagements_of_actors,
            kind,
            filters,
            default=int,
        ).load(key)

    return connection(page, Engagement.from_row, total)


def engagement_loader(info: Info) -> Any:
    return info.context.loader(info.path, "engagement", q.engagements_by_ids)


@strawberry.type
class EngagementQuery:
    @strawberry.field(description="One engagement by ID; null when no engagement has that ID.")
    async def engagement(self, info: Info, id: strawberry.ID) -> Engagement | None:
        from db.records import get_node

        row = await info.context.db(get_node, str(id))
        return Engagement.from_row(row) if isinstance(row, models.Engagement) else None

    @strawberry.field(
        description="Engagements, newest first unless `orderBy` says otherwise. Pages forward with first/after or backward with last/before."
    )
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
        last: Annotated[int | None, strawberry.argument(description=LAST)] = None,
        before: Annotated[str | None, strawberry.argument(description=BEFORE)] = None,
    ) -> Connection[Engagement]:
        args = page_args(first, after, last, before)
        filters = db_filter(filter)
        page = await guarded(info.context.db(q.list_engagements, filters, args, order_by.value))

        async def total() -> int:
            return await info.context.db(q.count_engagements, filters)

        return connection(page, Engagement.from_row, total)
