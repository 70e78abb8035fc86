"""The statement-count guard: what a GraphQL operation costs in SQL statements depends on the
shape of the query (one statement per relation at each place in the query, through per-request
DataLoaders), never on the page sizes asked for nor on the number of rows in the database.

The counts are exact: ``extensions.sql.statements`` counts queries only, not transaction control
(the SAVEPOINT each test request's session opens inside the test's transaction included)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.app import create_app
from db.engagements import (
    EngagementCreate,
    ParticipantCreate,
    add_participant,
    create_engagement,
)
from db.enums import EngagementKind, EngagementMode, ParticipantRole
from db.settings import Settings
from db.statements import StatementCreate, create_statement
from tests.conftest import GraphQLClient
from tests.graphql_helpers import group_id, leader_id, sql_statements

pytestmark = pytest.mark.anyio


@pytest.fixture
async def graphql(connection: AsyncConnection, settings: Settings) -> AsyncIterator[GraphQLClient]:
    """The suite's GraphQL client (every request on the test's rolled-back transaction, with SQL
    statement counts), on an app whose admission limits (graphql_max_cost, _depth, _tokens, ...)
    are lifted: these tests measure what an admitted query costs in SQL, with pages of 50 and 100
    that the default cost limit (rightly) refuses before anything runs."""

    def sessions() -> AsyncSession:
        return AsyncSession(
            bind=connection,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )

    lifted = {name: 10**9 for name in Settings.model_fields if name.startswith("graphql_max_")}
    app = create_app(settings.model_copy(update={"sql_stats": True, **lifted}), sessions=sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)


# Leaders, their meetings, the meetings' statements with their speakers, and the meetings'
# participants with their actors, every page of size $n.
NESTED = """
query Nested($n: Int!) {
  leaders(first: $n) {
    nodes {
      meetings(first: $n) {
        nodes {
          statements(first: $n) { nodes { speaker { __typename } } }
          participants { actor { __typename } }
        }
      }
    }
  }
}
"""

# The statements NESTED costs, whatever $n and however many rows:
#   1. the page of leaders
#   2. the meetings of all those leaders (one windowed statement, each leader paged on its own)
#   3. the statements of all those meetings (one windowed statement)
#   4. the speakers of all those statements (leader, country or group joined in one statement)
#   5. the participants of all those meetings, with their actors (one statement)
NESTED_COST = 5

# Every relation of the schema at once: countries -> leaders, memberships, engagements,
# statements; groups -> members -> member, group, citations; engagements -> location, participants,
# claims, citations, statements -> speaker, engagement; claims -> subject, engagement, citations,
# stances -> actor, statement -> speaker, citations; leaders -> country, positions -> country,
# group, citations, memberships, engagements, meetings, statements; statements; sources.
EVERYTHING = """
query Everything($n: Int!) {
  countries(first: $n, filter: { codes: ["DE", "FR", "GB", "IT", "RU", "UA", "US"] }) {
    nodes {
      code
      leaders(asOf: "2021-12-06") { name country { code } }
      memberships(asOf: "2021-12-06") { role group { name } member { __typename } }
      engagements(first: $n) { nodes { id } }
      statements(first: $n) { nodes { id } }
    }
  }
  groups(first: $n) {
    nodes {
      name
      members(asOf: "2021-12-06") {
        role
        group { name }
        member { __typename ... on Country { code } ... on Leader { name } ... on Group { name } }
        citations { excerpt }
      }
      memberships { id }
      engagements(first: $n) { nodes { id } }
    }
  }
  engagements(first: $n) {
    nodes {
      id
      location { place country { code } }
      participants {
        role
        actor { __typename ... on Leader { name } ... on Country { code } ... on Group { name } }
      }
      claims { id status }
      citations { excerpt start end source { title } }
      statements(first: $n) {
        nodes { id speaker { __typename } engagement { id } citations { excerpt } }
      }
    }
  }
  claims(first: $n) {
    nodes {
      id
      subject { __typename }
      engagement { id }
      citations { excerpt }
      stances {
        position
        actor { __typename }
        statement { id speaker { __typename } }
        citations { excerpt }
      }
    }
  }
  leaders(first: $n) {
    nodes {
      name
      country { code }
      positions { title country { code } group { name } citations { excerpt } }
      memberships { id }
      engagements(first: $n) { nodes { id } }
      meetings(first: $n) { nodes { id } }
      statements(first: $n) { nodes { id } }
    }
  }
  statements(first: $n) { nodes { id speaker { __typename } engagement { id } } }
  sources(first: $n) { nodes { title } }
}
"""


async def _cost(graphql: Any, query: str, n: int) -> int:
    body = await graphql(query, {"n": n})
    assert "errors" not in body, body["errors"]
    return sql_statements(body)


async def test_nested_query_costs_the_same_whatever_the_page_size(graphql: Any) -> None:
    # when: the same query with pages of 5, 50 and 100
    costs = [await _cost(graphql, NESTED, n) for n in (5, 50, 100)]
    # then: one statement per relation, every time
    assert costs == [NESTED_COST, NESTED_COST, NESTED_COST]


async def test_nested_query_returns_what_it_costs(graphql: Any) -> None:
    # The cost above is for real work: with pages of 100 the query reaches every meeting of every
    # leader, with its statements and participants.
    body = await graphql(NESTED, {"n": 100})
    leaders = body["data"]["leaders"]["nodes"]
    assert len(leaders) == 11
    meetings = [m for leader in leaders for m in leader["meetings"]["nodes"]]
    # Biden 3, Zelensky 2, Merkel, Blinken, Johnson, Macron, Draghi, Putin 1 each
    assert len(meetings) == 11
    # g5 (7 participants) five times, Biden-Putin (4) and the two calls (2 each) twice
    assert sum(len(m["participants"]) for m in meetings) == 5 * 7 + 2 * 4 + 2 * 2 + 2 * 2
    assert [s["speaker"]["__typename"] for m in meetings for s in m["statements"]["nodes"]] == [
        "Leader",
        "Leader",
    ]  # Zelensky's words, reached through Blinken's and his own call


async def test_every_relation_costs_the_same_at_two_page_sizes(graphql: Any) -> None:
    # when
    small = await _cost(graphql, EVERYTHING, 5)
    large = await _cost(graphql, EVERYTHING, 100)
    # then: the same fixed number of statements (one per relation per place in the query)
    assert (small, large) == (EVERYTHING_COST, EVERYTHING_COST)


# What EVERYTHING costs: one statement per top-level list and per relation at each place in the
# query where it is asked for (a place whose rows all lack the relation, like Position.group in
# the seed, costs nothing). Counting them, in the order of the query:
#   countries 1; its leaders 2, their country 3; memberships 4, their group 5 (member is the
#   country itself); engagements 6; statements 7
#   groups 8; members 9 (group and member come with it), their citations 10; memberships 11;
#   engagements 12
#   engagements 13; location country 14; participants with actors 15; claims 16; citations with
#   sources 17; statements 18, their speaker 19, engagement 20, citations 21
#   claims 22; subject 23; engagement 24; citations 25; stances with actors 26, their statement 27
#   and its speaker 28, their citations 29
#   leaders 30; country 31; positions 32, their country 33, citations 34 (no group: none has one);
#   memberships 35; engagements 36; meetings 37; statements 38
#   statements 39; speaker 40; engagement 41
#   sources 42
EVERYTHING_COST = 42


async def _add_engagements(connection: AsyncConnection, count: int) -> None:
    """Add ``count`` meetings, each with leaders, a country and a group taking part and a
    statement, through the data layer, visible to the GraphQL requests of this test."""
    async with AsyncSession(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as session:
        for i in range(count):
            engagement = await create_engagement(
                session,
                EngagementCreate(
                    kind=EngagementKind.MEETING,
                    mode=EngagementMode.VIRTUAL,
                    title=f"Extra meeting {i}",
                    start_date=date(2021, 12, 9 + i % 20),
                ),
            )
            for actor, role in (
                (leader_id("biden"), ParticipantRole.HOST),
                (leader_id("putin"), ParticipantRole.PARTICIPANT),
                (leader_id("zelensky"), ParticipantRole.PARTICIPANT),
                ("country_UA", ParticipantRole.SUBJECT),
                (group_id("nato"), ParticipantRole.SUBJECT),
            ):
                await add_participant(
                    session,
                    ParticipantCreate(engagement=engagement.public_id, actor=actor, role=role),
                )
            await create_statement(
                session,
                StatementCreate(
                    text=f"Words said at extra meeting {i}",
                    speaker=leader_id("putin"),
                    engagement=engagement.public_id,
                ),
            )
        await session.commit()


async def test_adding_rows_does_not_change_the_cost(
    graphql: Any, connection: AsyncConnection
) -> None:
    # given: the cost on the seed
    before_nested = await _cost(graphql, NESTED, 100)
    before_everything = await _cost(graphql, EVERYTHING, 100)
    # and: 40 more meetings, each with five participants and a statement
    await _add_engagements(connection, 40)
    # when
    body = await graphql(NESTED, {"n": 100})
    after_everything = await _cost(graphql, EVERYTHING, 100)
    # then: the new rows are there ...
    biden = body["data"]["leaders"]["nodes"][5]  # Joe Biden, sixth by name
    assert len(biden["meetings"]["nodes"]) == 43
    assert sum(len(m["participants"]) for m in biden["meetings"]["nodes"]) == 40 * 5 + 7 + 4 + 2
    # ... and the cost has not moved
    assert (before_nested, sql_statements(body)) == (NESTED_COST, NESTED_COST)
    assert before_everything == after_everything == EVERYTHING_COST
