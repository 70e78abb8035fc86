"""The GraphQL safety limits through the real app: each abusive document is refused before
anything runs (no SQL), quickly, with an error naming the limit and the measured value; the
same client is served normally right after; a slow operation is cancelled at the time limit;
other clients keep being served meanwhile; internal errors reach the client masked, with an id
the log shares."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query, parse
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from api.app import create_app
from db import countries as country_queries
from db.engine import make_sessionmaker
from db.settings import Settings
from schema import security
from schema.schema import schema
from schema.security import Limits, check_document

pytestmark = pytest.mark.anyio

GRAPHQL_RESPONSE = "application/graphql-response+json"
UKRAINE = '{ country(code: "UA") { name } }'
UKRAINE_DATA = {"country": {"name": "Ukraine"}}
FAST = 1.0  # seconds: a refusal takes milliseconds; this leaves room for a slow CI machine

# Depth 11: leaders, nodes, engagements, nodes, statements, nodes, engagement, statements,
# nodes, engagement, title. Every page is 1 long, so the cost (4) is no issue.
DEPTH_11 = "{ leaders(first: 1) { nodes { engagements(first: 1) { nodes { statements(first: 1) { nodes { engagement { statements(first: 1) { nodes { engagement { title } } } } } } } } } } }"
DEPTH_10 = "{ leaders(first: 1) { nodes { engagements(first: 1) { nodes { statements(first: 1) { nodes { engagement { statements(first: 1) { nodes { id } } } } } } } } } }"
# 100 leaders + 100 * 100 engagements + 100 * 100 * 20 participants = 210,100
COSTLY_LITERAL = "{ leaders(first: 100) { nodes { engagements(first: 100) { nodes { participants { actor { __typename } } } } } } }"
COSTLY_VARIABLES = "query ($n: Int) { leaders(first: $n) { nodes { engagements(first: $n) { nodes { participants { actor { __typename } } } } } } }"
COSTLY_FRAGMENT_DEFAULT = """
query Heavy($n: Int = 100) { leaders(first: $n) { nodes { ...Engagements } } }
fragment Engagements on Leader { engagements(first: $n) { nodes { participants { actor { __typename } } } } }
"""


def fragment_bomb(levels: int) -> str:
    """Fragments each spreading the next one twice: 2**levels expansions from a few hundred
    tokens, the document that makes a naive walker take exponential time."""
    fragments = "".join(
        f"fragment F{i} on Query {{ a{i}: __typename ...F{i + 1} ...F{i + 1} }}\n"
        for i in range(levels)
    )
    return "{ ...F0 }\n" + fragments + f"fragment F{levels} on Query {{ __typename }}"


@asynccontextmanager
async def app_client(
    connection: AsyncConnection, settings: Settings, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app with some settings changed, on the test's rolled-back transaction."""

    def sessions() -> AsyncSession:
        return AsyncSession(
            bind=connection,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )

    app = create_app(
        settings.model_copy(update={"sql_stats": True, **overrides}), sessions=sessions
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def post(
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    operation_name: str | None = None,
) -> httpx.Response:
    payload: dict[str, Any] = {"query": query, "variables": variables}
    if operation_name is not None:
        payload["operationName"] = operation_name
    return await http.post("/graphql", json=payload, headers={"Accept": GRAPHQL_RESPONSE})


async def assert_still_served(http: httpx.AsyncClient) -> None:
    response = await post(http, UKRAINE)
    assert response.status_code == 200
    assert response.json()["data"] == UKRAINE_DATA


async def assert_refused(
    http: httpx.AsyncClient,
    query: str,
    expected_errors: list[dict[str, Any]],
    variables: dict[str, Any] | None = None,
    *,
    operation_name: str | None = None,
) -> None:
    started = time.perf_counter()
    response = await post(http, query, variables, operation_name=operation_name)
    elapsed = time.perf_counter() - started

    assert response.status_code == 400
    body = response.json()
    assert "data" not in body  # never executed
    assert body["errors"] == expected_errors
    assert body["extensions"]["sql"]["statements"] == 0
    assert elapsed < FAST
    await assert_still_served(http)


def limit_error(
    message: str, measure: str, value: int, limit: int, *, located: bool = True
) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if located:  # the operation the limit applies to
        error["locations"] = [{"line": 1, "column": 1}]
    error["extensions"] = {
        "code": "QUERY_TOO_COMPLEX",
        "measure": measure,
        "value": value,
        "limit": limit,
    }
    return error


# --------------------------------------------------------------------------------------------
# each limit, with the defaults


async def test_a_query_deeper_than_10_is_refused(client: httpx.AsyncClient) -> None:
    await assert_refused(
        client, DEPTH_11, [limit_error("Query depth 11 exceeds the limit of 10", "depth", 11, 10)]
    )


async def test_a_query_of_depth_10_runs(client: httpx.AsyncClient) -> None:
    response = await post(client, DEPTH_10)
    assert response.status_code == 200
    assert "errors" not in response.json()


async def test_a_document_of_more_than_2000_tokens_is_refused(client: httpx.AsyncClient) -> None:
    query = "{ " + "__typename " * 2001 + "}"
    started = time.perf_counter()
    response = await post(client, query)
    elapsed = time.perf_counter() - started

    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
        (
            "Syntax Error: Document contains more than 2000 tokens. Parsing aborted.",
            {"code": "QUERY_TOO_COMPLEX", "measure": "tokens", "limit": 2000},
        )
    ]
    assert body["extensions"]["sql"]["statements"] == 0
    assert elapsed < FAST
    await assert_still_served(client)


async def test_more_than_30_aliases_are_refused(client: httpx.AsyncClient) -> None:
    aliases = " ".join(f"a{i}: name" for i in range(31))
    await assert_refused(
        client,
        f'{{ country(code: "UA") {{ {aliases} }} }}',
        [limit_error("Alias count 31 exceeds the limit of 30", "aliases", 31, 30)],
    )


async def test_30_aliases_run(client: httpx.AsyncClient) -> None:
    aliases = " ".join(f"a{i}: name" for i in range(30))
    response = await post(client, f'{{ country(code: "UA") {{ {aliases} }} }}')
    assert response.json()["data"] == {"country": {f"a{i}": "Ukraine" for i in range(30)}}


async def test_more_than_20_root_fields_are_refused(client: httpx.AsyncClient) -> None:
    await assert_refused(
        client,
        "{ " + "__typename " * 21 + "}",
        [limit_error("Root field count 21 exceeds the limit of 20", "rootFields", 21, 20)],
    )


async def test_more_than_10_operations_are_refused(client: httpx.AsyncClient) -> None:
    document = " ".join(f"query Q{i} {{ __typename }}" for i in range(11))
    await assert_refused(
        client,
        document,
        [
            limit_error(
                "Operation count 11 exceeds the limit of 10", "operations", 11, 10, located=False
            )
        ],
        operation_name="Q3",
    )


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (COSTLY_LITERAL, None),
        (COSTLY_VARIABLES, {"n": 100}),
        (COSTLY_FRAGMENT_DEFAULT, None),
    ],
    ids=["literal", "variables", "fragment-and-default"],
)
async def test_a_query_costing_more_than_50000_is_refused(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None
) -> None:
    line = 2 if query.startswith("\n") else 1
    error = limit_error("Query cost 210,100 exceeds the limit of 50,000", "cost", 210_100, 50_000)
    error["locations"] = [{"line": line, "column": 1}]
    await assert_refused(client, query, [error], variables)


async def test_the_same_query_with_small_pages_runs(client: httpx.AsyncClient) -> None:
    # 10 + 10 * 10 + 10 * 10 * 20 = 2,110
    response = await post(client, COSTLY_FRAGMENT_DEFAULT, {"n": 10})
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    assert len(body["data"]["leaders"]["nodes"]) == 10


async def test_a_fragment_bomb_is_measured_in_linear_time(client: httpx.AsyncClient) -> None:
    # 2**41 - 1 root fields and 2**40 - 1 aliases once expanded, from ~600 tokens
    await assert_refused(
        client,
        fragment_bomb(40),
        [
            limit_error(
                "Alias count 1,099,511,627,775 exceeds the limit of 30",
                "aliases",
                2**40 - 1,
                30,
            ),
            limit_error(
                "Root field count 2,199,023,255,551 exceeds the limit of 20",
                "rootFields",
                2**41 - 1,
                20,
            ),
        ],
    )


async def test_graphiqls_introspection_query_is_within_the_limits(
    client: httpx.AsyncClient,
) -> None:
    response = await post(client, get_introspection_query(descriptions=True))
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


# --------------------------------------------------------------------------------------------
# limits come from the app's settings


async def test_limits_follow_the_settings(connection: AsyncConnection, settings: Settings) -> None:
    async with app_client(
        connection, settings, graphql_max_depth=4, graphql_max_cost=100, graphql_max_aliases=1
    ) as http:
        await assert_refused(
            http,
            "{ leaders(first: 1) { nodes { country { leaders { name } } } } }",
            [limit_error("Query depth 5 exceeds the limit of 4", "depth", 5, 4)],
        )
        # 5 engagements + 5 * 20 participants = 105
        await assert_refused(
            http,
            "{ engagements(first: 5) { nodes { participants { role } } } }",
            [limit_error("Query cost 105 exceeds the limit of 100", "cost", 105, 100)],
        )
        await assert_refused(
            http,
            '{ a: country(code: "UA") { b: name } }',
            [limit_error("Alias count 2 exceeds the limit of 1", "aliases", 2, 1)],
        )
        # 4 + 4 * 20 = 84, depth 4
        within = await post(http, "{ engagements(first: 4) { nodes { participants { role } } } }")
        assert within.status_code == 200
        assert len(within.json()["data"]["engagements"]["nodes"]) == 4


@pytest.mark.parametrize(
    ("query", "variables", "cost", "depth"),
    [
        # the example of schema/security.py: 100 + 100 * 20 + 100 * 20
        (
            "{ engagements(first: 100) { nodes { participants { actor { __typename } } citations { excerpt } } } }",
            None,
            4_100,
            5,
        ),
        # a connection's edges and nodes are its page: counted once, at 20 by default
        ("{ engagements { edges { node { id } } nodes { id } totalCount } }", None, 20, 4),
        # search counts its `first` (20 by default); the hit's node is one record
        (
            '{ search(query: "kyiv") { node { id } } more: search(query: "kyiv", first: 50) { label } }',
            None,
            70,
            3,
        ),
        # `last` counts like `first`; a null variable means the default page
        (
            "query ($n: Int) { engagements(last: 7) { nodes { claims { id } } } x: engagements(first: $n) { totalCount } }",
            {"n": None},
            7 + 7 * 20 + 20,
            4,
        ),
        # lists of scalars cost nothing; a plain list of records costs 20 per parent
        ('{ country(code: "UA") { aliases leaders { positions { title } } } }', None, 20 + 400, 4),
        # introspection: its lists count, its depth does not
        (get_introspection_query(descriptions=True), None, 10_440, 0),
    ],
    ids=["example", "edges-and-nodes", "search", "last-and-null", "plain-lists", "introspection"],
)
def test_cost_and_depth_measures(
    query: str, variables: dict[str, Any] | None, cost: int, depth: int
) -> None:
    nothing_allowed = Limits(max_depth=0, max_cost=0)
    errors = check_document(schema._schema, parse(query), nothing_allowed, variables)
    measured = {e.extensions["measure"]: e.extensions["value"] for e in errors if e.extensions}
    assert (measured.get("cost", 0), measured.get("depth", 0)) == (cost, depth)


# --------------------------------------------------------------------------------------------
# the time limit


def slow_get_country(cancelled: list[bool]) -> Any:
    async def slow(session: AsyncSession, code: str) -> Any:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    return slow


async def test_an_operation_past_the_time_limit_is_cancelled(
    connection: AsyncConnection, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    cancelled: list[bool] = []
    monkeypatch.setattr(country_queries, "get_country", slow_get_country(cancelled))
    async with app_client(connection, settings, graphql_timeout_seconds=0.05) as http:
        started = time.perf_counter()
        response = await post(http, UKRAINE)
        elapsed = time.perf_counter() - started

        assert response.status_code == 200  # execution started
        body = response.json()
        assert body["data"] is None
        assert body["errors"] == [
            {
                "message": "Operation cancelled: it ran longer than the time limit of 0.05 s",
                "extensions": {"code": "TIMEOUT", "timeoutSeconds": 0.05},
            }
        ]
        assert cancelled == [True]  # the resolver was cancelled, not left running
        assert elapsed < 2.0

        after = await post(http, "{ countries(first: 2) { nodes { code } } }")
        assert after.status_code == 200
        assert len(after.json()["data"]["countries"]["nodes"]) == 2


async def test_slow_and_abusive_clients_do_not_hold_up_the_others(
    engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: an app whose requests each get their own connection (they run concurrently)
    cancelled: list[bool] = []
    monkeypatch.setattr(country_queries, "get_country", slow_get_country(cancelled))
    app = create_app(
        settings.model_copy(update={"sql_stats": True, "graphql_timeout_seconds": 0.5}),
        sessions=make_sessionmaker(engine),
    )
    normal = (
        "{ countries(first: 3) { nodes { code name } } engagements(first: 2) { nodes { title } } }"
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        expected = (await post(http, normal)).json()["data"]
        started = time.perf_counter()

        async def timed(query: str) -> tuple[float, httpx.Response]:
            response = await post(http, query)
            return time.perf_counter() - started, response

        # when: a slow operation and an abusive document run alongside five normal queries
        slow, bomb, costly, *normals = await asyncio.gather(
            timed(UKRAINE),
            timed(fragment_bomb(40)),
            timed(COSTLY_LITERAL),
            *[timed(normal) for _ in range(5)],
        )

    # then: the normal queries are answered, and before the slow one gives up
    for finished, response in normals:
        assert response.status_code == 200
        assert response.json()["data"] == expected
        assert finished < slow[0]
    assert slow[1].json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert cancelled == [True]
    assert [e["extensions"]["measure"] for e in bomb[1].json()["errors"]] == [
        "aliases",
        "rootFields",
    ]
    assert [e["extensions"]["measure"] for e in costly[1].json()["errors"]] == ["cost"]
    assert bomb[0] < slow[0] and costly[0] < slow[0]


# --------------------------------------------------------------------------------------------
# error masking


async def test_an_internal_error_is_masked_and_logged_with_its_id(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(session: AsyncSession, code: str) -> Any:
        raise RuntimeError("the database is on fire")

    monkeypatch.setattr(country_queries, "get_country", broken)
    caplog.set_level(logging.ERROR, logger="schema.security")

    response = await post(client, UKRAINE)

    assert response.status_code == 200  # a field failed; execution happened
    body = response.json()
    error_id = body["errors"][0]["extensions"]["errorId"]
    assert uuid.UUID(error_id).version == 4
    assert body["data"] == {"country": None}
    assert body["errors"] == [
        {
            "message": "Internal server error",
            "locations": [{"line": 1, "column": 3}],
            "path": ["country"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
        }
    ]
    assert "on fire" not in response.text
    logged = [
        r for r in caplog.records if r.name == "schema.security" and error_id in r.getMessage()
    ]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert logged[0].exc_info[0] is RuntimeError
    assert str(logged[0].exc_info[1]) == "the database is on fire"
    assert (
        "Traceback" in caplog.text
        and 'raise RuntimeError("the database is on fire")' in caplog.text
    )


async def test_a_crash_before_execution_is_masked_too(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("bug in a validation rule")

    monkeypatch.setattr(security, "check_document", broken)
    caplog.set_level(logging.ERROR, logger="schema.security")

    response = await post(client, UKRAINE)

    assert response.status_code == 500
    body = response.json()
    assert "data" not in body
    error_id = body["errors"][0]["extensions"]["errorId"]
    assert body["errors"] == [
        {
            "message": "Internal server error",
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
        }
    ]
    assert "bug in a validation rule" not in response.text
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)


async def test_user_and_request_errors_are_not_masked(client: httpx.AsyncClient) -> None:
    user = await post(client, '{ search(query: "K") { label } }')
    validation = await post(client, "{ nope }")
    variable = await post(
        client,
        'query ($d: Date) { country(code: "UA") { leaders(asOf: $d) { name } } }',
        {"d": "not-a-date"},
    )

    assert (user.status_code, user.json()["errors"]) == (
        200,
        [
            {
                "message": "Argument 'query' give at least two letters or digits",
                "locations": [{"line": 1, "column": 3}],
                "path": ["search"],
                "extensions": {"code": "BAD_USER_INPUT", "argument": "query"},
            }
        ],
    )
    assert (validation.status_code, validation.json()["errors"]) == (
        400,
        [
            {
                "message": "Cannot query field 'nope' on type 'Query'. Did you mean 'node'?",
                "locations": [{"line": 1, "column": 3}],
            }
        ],
    )
    assert (variable.status_code, variable.json()["errors"]) == (
        400,
        [
            {
                "message": "Variable '$d' has invalid value: Value cannot represent a Date:"
                " \"not-a-date\". Invalid isoformat string: 'not-a-date'",
                "locations": [{"line": 1, "column": 8}],
            }
        ],
    )
