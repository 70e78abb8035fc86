"""Test databases: a real SQLite file, and a real PostgreSQL database when
CRISISGRAPH_TEST_DATABASE_URL names a server. Both are built with the Alembic migrations and
loaded with the seed once per test session; each test then runs inside a transaction that is
rolled back, so every test starts from the same known database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

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
