"""/api/v1/countries: every ISO 3166-1 country, read-only reference data, fetched by ID or by
ISO code (alpha-2 or alpha-3, any case: /countries/UA, /countries/ukr); with each country's
office holders, engagements, statements and memberships."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from api.rest import engagements, groups, leaders, statements
from api.rest.params import Params
from api.rest.resource import Resource
from api.rest.subresources import SubList, as_of, engagements_of, renamed
from db import countries as q
from db import errors
from db import groups as gq
from db import leaders as lq
from db import statements as sq
from db.models import Country

FILTERS = ("code", "q")


def country_query(params: Params) -> Select[Any]:
    """The same filter GraphQL's CountryFilter builds, from query parameters."""
    try:
        return q.countries_query(
            q.CountryFilter(codes=params.items("code", limit=300), search=params.text("q"))
        )
    except errors.DataError as exc:
        raise renamed(exc, {"codes": "code"}) from None


async def find_country(session: AsyncSession, key: str) -> Country:
    row = await q.find_country(session, key)
    if row is None:
        raise errors.NotFoundError(f"no country with ID or ISO 3166-1 code {key!r}")
    return row


RESOURCE = Resource(
    name="countries",
    kind="country",
    model=Country,
    query=country_query,
    filters=FILTERS,
    sorts={"code": Country.code, "alpha3": Country.alpha3, "name": Country.name},
    default_sort="code",
    id_column=Country.code,
    deletable=False,
    lookup=find_country,
)

RESOURCES = [RESOURCE]

SUBLISTS = [
    SubList(
        RESOURCE,
        "leaders",
        leaders.RESOURCE,
        lambda row, params: lq.leaders_of_country_query(row.code, as_of(params)),
        ("as_of",),
    ),
    SubList(
        RESOURCE,
        "engagements",
        engagements.RESOURCE,
        engagements_of("country", lambda row: row.code),
        engagements.FILTERS,
    ),
    SubList(
        RESOURCE,
        "statements",
        statements.RESOURCE,
        lambda row, params: sq.statements_query(sq.StatementFilter(speakers=(row.public_id,))),
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
]
