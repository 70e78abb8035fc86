"""Test databases: a real SQLite file, and a real PostgreSQL database when
CRISISGRAPH_TEST_DATABASE_URL names a server. Both are built with the Alembic migrations and
loaded with the seed once per test session; each test then runs inside a transaction that is
rolled back, so every test starts from the same known database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from api.app import create_app
from db import migrations
from db.engine import make_engine, make_sessionmaker, transaction
from db.settings import Settings
from tests.databases import create_postgres_database, drop_postgres_database

PG_URL = os.environ.get("CRISISGRAPH_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def fresh_database_url(kind: str, tmp: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / (name + '.db')}"
    return create_postgres_database(PG_URL, name)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    url = fresh_database_url(request.param, tmp_path_factory.mktemp("db"), "suite")
    migrations.upgrade(url)
    yield url
    if request.param == "postgresql":
        drop_postgres_database(url)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    from db.seed import load_seed

    engine = make_engine(settings)
    async with transaction(make_sessionmaker(engine)) as session:
        await load_seed(session)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session whose work is rolled back after the test; commits inside become savepoints."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(
            bind=conn,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )
        try:
            yield session
        finally:
            await session.close()
            await outer.rollback()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        try:
            yield conn
        finally:
            await outer.rollback()


@pytest.fixture
async def client(
    connection: AsyncConnection, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app, every request on the test's rolled-back transaction, with SQL
    statement counts in GraphQL responses."""

    def sessions() -> AsyncSession:
        return AsyncSession(
            bind=connection,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )

    app = create_app(settings.model_copy(update={"sql_stats": True}), sessions=sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, key: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def graphql(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client)
