"""Countries: every ISO 3166-1 country."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db import countries as q
from db import models
from schema.context import Info
from schema.engagements import (
    Engagement,
    EngagementFilter,
    EngagementOrder,
    db_filter,
    engagements_of,
)
from schema.errors import UserError
from schema.relay import (
    AFTER,
    FIRST,
    Connection,
    Node,
    list_connection,
    page_args,
)

if TYPE_CHECKING:
    from schema.groups import Membership
    from schema.leaders import Leader
    from schema.statements import Statement

AS_OF = "The day to answer for (ISO 8601); today when omitted. A tenure counts from its start date up to, not including, its end date."


def country_loader(info: Info) -> Any:
    return info.context.loader(info.path, "country", q.countries_by_codes)


@strawberry.type(description="A country of ISO 3166-1.")
class Country(Node):
    code: str = strawberry.field(description='ISO 3166-1 alpha-2 code ("UA").')
    alpha3: str = strawberry.field(description='ISO 3166-1 alpha-3 code ("UKR").')
    name: str = strawberry.field(description="Short name (ISO 3166-1).")
    official_name: str | None = strawberry.field(description="Official name, when it differs.")
    aliases: list[str] = strawberry.field(description='Other names sources use ("Russia", "USA").')
    _row: strawberry.Private[models.Country]

    @classmethod
    def from_row(cls, row: models.Country) -> Country:
        return cls(
            id=strawberry.ID(row.public_id),
            code=row.code,
            alpha3=row.alpha3,
            name=row.name,
            official_name=row.official_name,
            aliases=list(row.aliases),
            _row=row,
        )

    @strawberry.field(
        description="People holding a position for this country on `asOf` (head of state or government, ministers, spokespeople, ...)."
    )
    async def leaders(
        self,
        info: Info,
        as_of: Annotated[dt.date | None, strawberry.argument(description=AS_OF)] = None,
    ) -> list[Annotated[Leader, strawberry.lazy("schema.leaders")]]:
        from db.leaders import leaders_of_countries
        from schema.leaders import Leader

        day = as_of or dt.date.today()
        rows = await info.context.loader(
            info.path, "country_leaders", leaders_of_countries, day, default=list
        ).load(self.code)
        return [Leader.from_row(r) for r in rows]

    @strawberry.field(description="The groups this country belongs to on `asOf`.")
    async def memberships(
        self,
        info: Info,
        as_of: Annotated[dt.date | None, strawberry.argument(description=AS_OF)] = None,
    ) -> list[Annotated[Membership, strawberry.lazy("schema.groups")]]:
        from schema.groups import memberships_of

        return await memberships_of(info, "country", self.code, as_of or dt.date.today(), self._row)

    @strawberry.field(
        description="Engagements this country took part in, directly or through one of its leaders, newest first."
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
    ) -> Connection[Engagement]:
        return await engagements_of(
            info, "country", self.code, db_filter(filter), order_by, first, after
        )

    @strawberry.field(
        description="Statements made in this country's name (not those of its leaders, which sit on each leader)."
    )
    async def statements(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Annotated[Statement, strawberry.lazy("schema.statements")]]:
        from schema.statements import statements_of

        return await statements_of(info, "country", self.code, first, after)


@strawberry.input(description="Narrows the country list.")
class CountryFilter:
    codes: list[str] | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 or alpha-3 codes, any case (at most 300)."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Part of a name or alias, regardless of case, accents and transliteration.",
    )

    def to_db(self) -> q.CountryFilter:
        if self.codes and len(self.codes) > 300:
            raise UserError(
                "Argument 'filter.codes' takes at most 300 items", argument="filter.codes"
            )
        return q.CountryFilter(codes=tuple(self.codes or ()), search=self.search)


@strawberry.type
class CountryQuery:
    @strawberry.field(
        description='One country by ISO 3166-1 alpha-2 or alpha-3 code, any case ("ua", "UKR"); null for an unknown code.'
    )
    async def country(self, info: Info, code: str) -> Country | None:
        row = await info.context.db(q.get_country, code)
        return Country.from_row(row) if row else None

    @strawberry.field(description="Countries by alpha-2 code.")
    async def countries(
        self,
        info: Info,
        filter: Annotated[
            CountryFilter | None,
            strawberry.argument(description="Conditions the countries must meet."),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Country]:
        filters = filter.to_db() if filter else None
        return await list_connection(
            info,
            Country.from_row,
            q.list_countries,
            q.count_countries,
            page_args(first, after),
            filters,
        )
