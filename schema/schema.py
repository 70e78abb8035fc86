"""The GraphQL schema, composed from each domain's part."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from schema.claims import Claim, ClaimQuery
from schema.countries import Country, CountryQuery
from schema.engagements import Engagement, EngagementQuery
from schema.extensions import SqlStatsExtension
from schema.groups import Group, GroupQuery
from schema.leaders import Leader, LeaderQuery
from schema.node import NodeQuery
from schema.search import SearchQuery
from schema.security import security_extensions
from schema.sources import Source, SourceQuery
from schema.statements import Statement, StatementQuery

Query = merge_types(
    "Query",
    (
        NodeQuery,
        CountryQuery,
        LeaderQuery,
        GroupQuery,
        EngagementQuery,
        StatementQuery,
        ClaimQuery,
        SourceQuery,
        SearchQuery,
    ),
)


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        types=[Leader, Country, Group, Engagement, Statement, Claim, Source],
        extensions=[SqlStatsExtension, *security_extensions()],
    )


schema = build_schema()
