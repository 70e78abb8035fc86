"""Operations endpoints: /readyz (the database answers and is at the migrations' head) and
/metrics (Prometheus text, labelled by route template), and their links on the front page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from api.app import create_app
from db import migrations
from db.settings import Settings
from tests.conftest import BACKENDS, fresh_database_url
from tests.databases import drop_postgres_database

pytestmark = pytest.mark.anyio

HEAD = sorted(migrations.head_revisions())


def _previous_revision() -> str:
    """The revision just below the (single) head."""
    scripts = ScriptDirectory.from_config(migrations.alembic_config())
    (head,) = HEAD
    down = scripts.get_revision(head).down_revision
    assert isinstance(down, str), "the head has one parent"
    return down


@asynccontextmanager
async def running(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client for ``app`` with its lifespan run (its engine opened, then disposed)."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield http


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus exposition: (name, labels) → value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


# --------------------------------------------------------------------------------------------
# /readyz


async def test_readyz_ready(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "migrations": {"current": HEAD, "head": HEAD},
    }
    assert "ratelimit" not in response.headers  # operations endpoints are not rate-limited


async def test_readyz_ready_on_its_own_engine(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running(create_app(settings)) as http:
        response = await http.get("/readyz")
    assert (response.status_code, response.json()["status"]) == (200, "ready")
    assert not [r for r in caplog.records if r.name.startswith("alembic")]  # a quiet probe


@pytest.fixture(params=BACKENDS)
def older_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database migrated to the revision below head."""
    url = fresh_database_url(request.param, tmp_path, "readyz_older")
    migrations.upgrade(url, _previous_revision())
    yield url
    if request.param == "postgresql":
        drop_postgres_database(url)


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database no migration has touched."""
    url = fresh_database_url(request.param, tmp_path, "readyz_empty")
    yield url
    if request.param == "postgresql":
        drop_postgres_database(url)


async def test_readyz_refuses_a_database_behind_head(older_database: str) -> None:
    previous = _previous_revision()
    async with running(create_app(Settings(database_url=older_database))) as http:
        response = await http.get("/readyz", headers={"X-Request-ID": "ready-1"})
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": f"the database's migrations ({previous}) are not this code's head "
        f"({HEAD[0]}): run `crisisgraph db upgrade`",
        "instance": "/readyz",
        "requestId": "ready-1",
        "database": "ok",
        "migrations": {"current": [previous], "head": HEAD},
    }


async def test_readyz_refuses_an_unmigrated_database(empty_database: str) -> None:
    async with running(create_app(Settings(database_url=empty_database))) as http:
        response = await http.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["migrations"] == {"current": [], "head": HEAD}
    assert body["detail"].startswith("the database's migrations (none (an empty database))")


async def test_readyz_refuses_an_unreachable_database(caplog: pytest.LogCaptureFixture) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    settings = Settings(database_url="postgresql://postgres:hunter2@127.0.0.1:1/crisisgraph")
    async with running(create_app(settings)) as http:
        response = await http.get("/readyz", headers={"X-Request-ID": "ready-2"})
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": "the database does not answer",
        "instance": "/readyz",
        "requestId": "ready-2",
        "database": "unreachable",
    }
    assert "hunter2" not in caplog.text


async def test_readyz_before_startup(settings: Settings) -> None:
    """Without its lifespan the app has no database open: not ready."""
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.get("/readyz")
    assert (response.status_code, response.json()["database"]) == (503, "unreachable")


# --------------------------------------------------------------------------------------------
# /metrics


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/engagements/engagement_00000000000000000000000000")
    assert missing.status_code == 404
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/no/such/thing")).status_code == 404

    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    values = samples(response.text)

    def requests(method: str, route: str, status: str) -> float | None:
        labels = frozenset({"method": method, "route": route, "status": status}.items())
        return values.get(("crisisgraph_http_requests_total", labels))

    assert requests("GET", "/api/v1/engagements/{id}", "404") == 1.0
    assert requests("GET", "/healthz", "200") == 2.0
    assert requests("GET", "unmatched", "404") == 1.0
    assert requests("GET", "/metrics", "200") is None  # counted once answered
    engagement = frozenset({"method": "GET", "route": "/api/v1/engagements/{id}"}.items())
    assert values[("crisisgraph_http_request_duration_seconds_count", engagement)] == 1.0
    assert values[("crisisgraph_http_requests_in_progress", frozenset())] == 1.0  # this one
    # raw paths never become labels
    assert "engagement_0000" not in response.text
    assert "/no/such/thing" not in response.text

    again = samples((await client.get("/metrics")).text)
    metrics_route = frozenset({"method": "GET", "route": "/metrics", "status": "200"}.items())
    assert again[("crisisgraph_http_requests_total", metrics_route)] == 1.0


async def test_metrics_show_the_database_pool(settings: Settings) -> None:
    app = create_app(settings)
    async with running(app) as http:
        assert (await http.get("/readyz")).status_code == 200  # opens a connection
        values = samples((await http.get("/metrics")).text)
        pool = app.state.engine.pool
        assert values[("crisisgraph_db_pool_size", frozenset())] == float(pool.size())
        assert values[("crisisgraph_db_pool_checked_out", frozenset())] == 0.0
        assert values[("crisisgraph_db_pool_connections", frozenset())] == 1.0  # /readyz's
        assert values[("crisisgraph_db_pool_overflow", frozenset())] == 0.0


async def test_metrics_without_an_engine_have_no_pool_gauges(client: httpx.AsyncClient) -> None:
    """The tests' shared connection is no pool: no pool gauges, the rest as usual."""
    text = (await client.get("/metrics")).text
    assert "crisisgraph_db_pool_size" not in text
    assert "crisisgraph_http_requests_in_progress" in text


async def test_metrics_in_openmetrics_when_asked(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


# --------------------------------------------------------------------------------------------
# The front page


async def test_front_page_links_the_operations_endpoints(client: httpx.AsyncClient) -> None:
    page = (await client.get("/")).text
    for path in ("/healthz", "/readyz", "/metrics"):
        assert f'<a href="{path}">' in page
