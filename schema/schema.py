"""The GraphQL schema, composed from each domain's part."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.claims import Claim, ClaimQuery
from schema.countries import Country, CountryQuery
from schema.engagements import Engagement, EngagementQuery
from schema.extensions import SqlStatsExtension
from schema.groups import Group, GroupQuery
from schema.imports import ImportMutation, ImportQuery
from schema.leaders import Leader, LeaderQuery
from schema.mutations.claims import ClaimMutation
from schema.mutations.engagements import EngagementMutation
from schema.mutations.groups import GroupMutation
from schema.mutations.leaders import LeaderMutation
from schema.mutations.sources import SourceMutation
from schema.mutations.statements import StatementMutation
from schema.node import NodeQuery
from schema.search import SearchQuery
from schema.security import security_extensions
from schema.sources import Source, SourceQuery
from schema.statements import Statement, StatementQuery
from schema.subscriptions import Subscription

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
        ImportQuery,
    ),
)


Mutation = merge_types(
    "Mutation",
    (
        LeaderMutation,
        GroupMutation,
        EngagementMutation,
        StatementMutation,
        ClaimMutation,
        SourceMutation,
        ImportMutation,
    ),
)


class _Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Client errors are answers, not incidents: schema.security logs internal errors (with
        the id the client sees) and nothing else needs logging."""


def build_schema() -> strawberry.Schema:
    return _Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Leader, Country, Group, Engagement, Statement, Claim, Source],
        extensions=[SqlStatsExtension, *security_extensions()],
    )


schema = build_schema()
