"""Rate limits: per API key (hashed) or client address, reads and writes counted apart, the IETF
RateLimit-Policy / RateLimit headers on every limited response, 429 with Retry-After as a
problem document (REST) or a GraphQL-shaped error (/graphql); in memory, and in Redis shared by
several app instances."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from starlette.applications import Starlette

from api.app import create_app
from api.ratelimit import graphql_mutates, key_hash
from db.settings import Settings

pytestmark = pytest.mark.anyio

REDIS_URL = os.environ.get("CRISISGRAPH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "cg_AbCd1234_" + "k" * 43
OTHER_SECRET = "cg_EfGh5678_" + "q" * 43
LIST = "/api/v1/engagements"
NOW = 1_000.0  # the frozen clock of the in-memory counters
AppClient = tuple[Starlette, httpx.AsyncClient]
ClientFactory = Callable[..., AbstractAsyncContextManager[AppClient]]


@pytest.fixture
def make_client(connection: AsyncConnection, settings: Settings) -> ClientFactory:
    """An app with these settings changed (on the test's rolled-back connection), its
    in-memory counters on a frozen clock, and a client for it."""

    @asynccontextmanager
    async def make(**changes: Any) -> AsyncIterator[AppClient]:
        def sessions() -> AsyncSession:
            return AsyncSession(
                bind=connection,
                expire_on_commit=False,
                autoflush=False,
                join_transaction_mode="create_savepoint",
            )

        app = create_app(settings.model_copy(update=changes), sessions=sessions)
        app.state.rate_limiter.memory.clock = lambda: NOW
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),  # closes the Redis client
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
        ):
            yield app, http

    return make


def limits(response: httpx.Response) -> tuple[str, str]:
    return response.headers["ratelimit-policy"], response.headers["ratelimit"]


def query(document: str, **extra: Any) -> dict[str, Any]:
    return {"json": {"query": document, **extra}}


# --------------------------------------------------------------------------------------------
# In memory


async def test_the_defaults(client: httpx.AsyncClient) -> None:
    response = await client.get(LIST)
    assert response.status_code == 200
    assert response.headers["ratelimit-policy"] == '"reads";q=600;w=60'
    assert response.headers["ratelimit"].startswith('"reads";r=599;t=')
    settings = Settings(database_url="sqlite://")
    assert (
        settings.rate_limits_enabled,
        settings.rate_limit_reads,
        settings.rate_limit_writes,
        settings.rate_limit_window_seconds,
        settings.redis_url,
    ) == (True, 600, 120, 60, None)


async def test_reads_over_the_limit_get_a_429_problem(make_client: ClientFactory) -> None:
    async with make_client(rate_limit_reads=3, rate_limit_window_seconds=30) as (_, http):
        answers = [await http.get(LIST) for _ in range(3)]
        refused = await http.get(LIST, headers={"X-Request-ID": "rl-1"})
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert [limits(r) for r in answers] == [
        ('"reads";q=3;w=30', '"reads";r=2;t=30'),
        ('"reads";q=3;w=30', '"reads";r=1;t=30'),
        ('"reads";q=3;w=30', '"reads";r=0;t=30'),
    ]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "30"
    assert limits(refused) == ('"reads";q=3;w=30', '"reads";r=0;t=30')
    assert refused.headers["x-request-id"] == "rl-1"
    assert refused.json() == {
        "type": "/problems/rate-limited",
        "title": "Too many requests",
        "status": 429,
        "detail": "over the reads limit of 3 per 30 s; retry in 30 s",
        "instance": LIST,
        "requestId": "rl-1",
    }


async def test_the_window_ends(make_client: ClientFactory) -> None:
    async with make_client(rate_limit_reads=1) as (app, http):
        assert (await http.get(LIST)).status_code == 200
        app.state.rate_limiter.memory.clock = lambda: NOW + 59.5
        refused = await http.get(LIST)
        assert (refused.status_code, refused.headers["retry-after"]) == (429, "1")
        assert limits(refused)[1] == '"reads";r=0;t=1'
        app.state.rate_limiter.memory.clock = lambda: NOW + 60
        again = await http.get(LIST)
    assert (again.status_code, limits(again)[1]) == (200, '"reads";r=0;t=60')


async def test_writes_have_their_own_limit(make_client: ClientFactory) -> None:
    async with make_client(rate_limit_reads=5, rate_limit_writes=2) as (_, http):
        writes = [await http.post(LIST, json={}) for _ in range(3)]
        read = await http.get(LIST)
        delete = await http.delete(f"{LIST}/engagement_00000000000000000000000000")
    assert [w.status_code for w in writes] == [401, 401, 429]  # no key, then no quota
    assert [limits(w) for w in writes] == [
        ('"writes";q=2;w=60', '"writes";r=1;t=60'),
        ('"writes";q=2;w=60', '"writes";r=0;t=60'),
        ('"writes";q=2;w=60', '"writes";r=0;t=60'),
    ]
    assert writes[2].status_code == 429
    assert writes[2].json()["detail"] == "over the writes limit of 2 per 60 s; retry in 60 s"
    assert (read.status_code, limits(read)) == (200, ('"reads";q=5;w=60', '"reads";r=4;t=60'))
    assert delete.status_code == 429


async def test_counted_per_api_key_else_per_address(make_client: ClientFactory) -> None:
    async with make_client(rate_limit_reads=2) as (app, http):
        anonymous = [await http.get(LIST) for _ in range(2)]
        keyed = await http.get(LIST, headers={"Authorization": f"Bearer {SECRET}"})
        other = await http.get(LIST, headers={"Authorization": f"bearer  {OTHER_SECRET}"})
        again = await http.get(LIST, headers={"Authorization": f"Bearer {SECRET}"})
        # not shaped like a key: counted against the address, which is spent
        junk = await http.get(LIST, headers={"Authorization": "Bearer nonsense"})
        keys = app.state.rate_limiter.memory.keys()
    assert [limits(r)[1] for r in anonymous] == ['"reads";r=1;t=60', '"reads";r=0;t=60']
    assert keyed.status_code == 401  # unknown key, but counted against it, not the address
    assert limits(keyed)[1] == '"reads";r=1;t=60'
    assert limits(other)[1] == '"reads";r=1;t=60'
    assert limits(again)[1] == '"reads";r=0;t=60'
    assert junk.status_code == 429
    assert sorted(keys) == sorted(
        [
            "crisisgraph:ratelimit:reads:addr:127.0.0.1",
            f"crisisgraph:ratelimit:reads:key:{key_hash(SECRET)}",
            f"crisisgraph:ratelimit:reads:key:{key_hash(OTHER_SECRET)}",
        ]
    )
    assert not any(SECRET in k or OTHER_SECRET in k for k in keys)


async def test_operations_endpoints_are_not_limited(make_client: ClientFactory) -> None:
    async with make_client(rate_limit_reads=1) as (_, http):
        assert (await http.get(LIST)).status_code == 200
        for path in ("/healthz", "/readyz", "/metrics", "/healthz"):
            response = await http.get(path)
            assert response.status_code == 200, path
            assert "ratelimit" not in response.headers
        assert (await http.get("/")).status_code == 429


async def test_limits_can_be_switched_off(make_client: ClientFactory) -> None:
    async with make_client(rate_limits_enabled=False, rate_limit_reads=1) as (_, http):
        answers = [await http.get(LIST) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert all("ratelimit" not in r.headers for r in answers)


async def test_the_metrics_count_refusals(make_client: ClientFactory) -> None:
    async with make_client(rate_limit_reads=1) as (_, http):
        await http.get(LIST)
        await http.get(LIST)
        text = (await http.get("/metrics")).text
    assert 'crisisgraph_rate_limited_total{policy="reads"} 1.0' in text
    assert (
        'crisisgraph_http_requests_total{method="GET",route="/api/v1/engagements",status="429"} 1.0'
        in text
    )


# --------------------------------------------------------------------------------------------
# GraphQL


async def test_graphql_over_the_limit_gets_a_graphql_error(make_client: ClientFactory) -> None:
    async with make_client(rate_limit_reads=1) as (_, http):
        first = await http.post("/graphql", **query("{ __typename }"))
        refused = await http.post("/graphql", **query("{ __typename }"))
        refused_get = await http.get(
            "/graphql",
            params={"query": "{ __typename }"},
            headers={"Accept": "application/graphql-response+json"},
        )
    assert (first.status_code, limits(first)) == (200, ('"reads";q=1;w=60', '"reads";r=0;t=60'))
    expected = {
        "errors": [
            {
                "message": "Too many requests: over the reads limit of 1 per 60 s; retry in 60 s",
                "extensions": {"code": "RATE_LIMITED"},
            }
        ]
    }
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/json"
    assert refused.headers["retry-after"] == "60"
    assert limits(refused) == ('"reads";q=1;w=60', '"reads";r=0;t=60')
    assert refused.json() == expected
    assert refused_get.status_code == 429
    assert refused_get.headers["content-type"] == "application/graphql-response+json"
    assert refused_get.json() == expected


MUTATION = 'mutation M { createEngagement(input: {title: "x"}) { __typename } }'


async def test_graphql_mutations_count_as_writes(make_client: ClientFactory) -> None:
    async with make_client(rate_limit_reads=10, rate_limit_writes=1) as (_, http):
        read = await http.post("/graphql", **query("{ __typename }"))
        write = await http.post("/graphql", **query(MUTATION))
        chosen = await http.post(
            "/graphql", **query(f"query Q {{ __typename }} {MUTATION}", operationName="Q")
        )
        escaped = await http.post(
            "/graphql",
            content=json.dumps({"query": MUTATION}).replace("mutation", "\\u006dutation"),
            headers={"Content-Type": "application/json"},
        )
    assert limits(read)[0] == '"reads";q=10;w=60'
    assert limits(write)[0] == '"writes";q=1;w=60'
    assert limits(chosen) == ('"reads";q=10;w=60', '"reads";r=8;t=60')
    assert escaped.status_code == 429
    assert escaped.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


@pytest.mark.parametrize(
    ("body", "mutates"),
    [
        ({"query": "{ __typename }"}, False),
        ({"query": "query mutation { __typename }"}, False),  # an operation named "mutation"
        ({"query": "{ mutationLog }"}, False),
        ({"query": MUTATION}, True),
        ({"query": "mutation { a }"}, True),
        ({"query": f"query Q {{ a }} {MUTATION}", "operationName": "Q"}, False),
        ({"query": f"query Q {{ a }} {MUTATION}", "operationName": "M"}, True),
        ({"query": f"query Q {{ a }} {MUTATION}"}, True),  # no name to choose: any mutation
        ([{"query": "{ a }"}, {"query": MUTATION}], True),  # a batch
        ({"query": "mutation {"}, False),  # does not parse: the app refuses it
        ({"query": 12}, False),
        ("mutation", False),
    ],
)
def test_graphql_mutates(body: Any, mutates: bool) -> None:
    assert graphql_mutates(json.dumps(body).encode(), max_tokens=2000) is mutates


def test_graphql_mutates_on_a_body_that_is_not_json() -> None:
    assert graphql_mutates(b"mutation { a }", max_tokens=2000) is False
    assert graphql_mutates(b"\xff\xfe mutation", max_tokens=2000) is False


# --------------------------------------------------------------------------------------------
# Redis


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in a reachable Redis (skipped when there is none); its
    keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        pytest.skip(
            f"Redis is not reachable at {REDIS_URL} ({exc}): set CRISISGRAPH_TEST_REDIS_URL"
        )
    prefix = f"crisisgraph-test:{uuid.uuid4().hex}"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


def redis_keys(prefix: str) -> dict[str, int]:
    """This test's counters in Redis: key → count."""
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        return {key: int(client.get(key) or 0) for key in client.scan_iter(match=f"{prefix}:*")}
    finally:
        client.close()


async def test_two_apps_share_their_counts_in_redis(
    make_client: ClientFactory, redis_prefix: str
) -> None:
    shared = {
        "redis_url": REDIS_URL,
        "rate_limit_key_prefix": redis_prefix,
        "rate_limit_reads": 3,
    }
    async with make_client(**shared) as (_, one), make_client(**shared) as (_, two):
        answers = [
            await one.get(LIST),
            await two.get(LIST),
            await one.get(LIST),
            await two.get(LIST),
            await one.get(LIST),
        ]
        keyed = await two.get(LIST, headers={"Authorization": f"Bearer {SECRET}"})
    assert [r.status_code for r in answers] == [200, 200, 200, 429, 429]
    assert [limits(r)[1].rsplit(";", 1)[0] for r in answers] == [
        '"reads";r=2',
        '"reads";r=1',
        '"reads";r=0',
        '"reads";r=0',
        '"reads";r=0',
    ]
    resets = [int(limits(r)[1].rsplit("t=", 1)[1]) for r in answers]
    assert all(58 <= t <= 60 for t in resets)  # Redis's clock: the window is running
    assert answers[3].headers["retry-after"] == str(resets[3])
    assert answers[3].json()["title"] == "Too many requests"
    assert keyed.status_code == 401
    assert limits(keyed)[1].startswith('"reads";r=2;')
    assert redis_keys(redis_prefix) == {
        f"{redis_prefix}:reads:addr:127.0.0.1": 5,
        f"{redis_prefix}:reads:key:{key_hash(SECRET)}": 1,
    }


async def test_redis_counters_expire_with_the_window(
    make_client: ClientFactory, redis_prefix: str
) -> None:
    async with make_client(
        redis_url=REDIS_URL, rate_limit_key_prefix=redis_prefix, rate_limit_window_seconds=7
    ) as (_, http):
        await http.get(LIST)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        ttl = client.pttl(f"{redis_prefix}:reads:addr:127.0.0.1")
    finally:
        client.close()
    assert isinstance(ttl, int) and 0 < ttl <= 7000


async def test_without_redis_the_counts_stay_in_memory(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A Redis that does not answer never takes the API down: each process counts alone, and
    says so once."""
    async with make_client(redis_url="redis://127.0.0.1:1/0", rate_limit_reads=2) as (_, http):
        answers = [await http.get(LIST) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert [limits(r)[1] for r in answers] == [
        '"reads";r=1;t=60',
        '"reads";r=0;t=60',
        '"reads";r=0;t=60',
    ]
    warnings = [r for r in caplog.records if r.name == "api.ratelimit"]
    assert len(warnings) == 1
    assert warnings[0].getMessage().startswith("Redis is unavailable for rate limits")
