"""Alembic owns the schema: it builds it, takes it down to nothing and builds it again, and the
result matches the SQLModel tables exactly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import db.models  # noqa: F401
from db import migrations
from db.engine import make_engine
from db.settings import Settings
from tests.conftest import BACKENDS, fresh_database_url
from tests.databases import drop_postgres_database

TABLES = {
    "api_key",
    "change",
    "citation",
    "claim",
    "country",
    "engagement",
    "group",
    "import_job",
    "leader",
    "membership",
    "participant",
    "position",
    "source",
    "stance",
    "statement",
    "tombstone",
}


def _inspect(url: str) -> tuple[set[str], list[object]]:
    def run(conn: Connection) -> tuple[set[str], list[object]]:
        names = set(inspect(conn).get_table_names()) - {"alembic_version"}
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        return names, diffs

    async def go() -> tuple[set[str], list[object]]:
        engine = make_engine(Settings(database_url=url))
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(run)
        finally:
            await engine.dispose()

    return asyncio.run(go())


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_downgrade_upgrade(backend: str, tmp_path: Path) -> None:
    url = fresh_database_url(backend, tmp_path, "migrations")
    try:
        migrations.upgrade(url)
        tables, diffs = _inspect(url)
        assert tables == TABLES
        assert diffs == []

        migrations.downgrade(url, "base")
        assert _inspect(url)[0] == set()

        migrations.upgrade(url)
        tables, diffs = _inspect(url)
        assert tables == TABLES
        assert diffs == []
    finally:
        if backend == "postgresql":
            drop_postgres_database(url)


def test_migration_files_import_what_they_use() -> None:
    for path in (migrations.ROOT / "alembic" / "versions").glob("*.py"):
        source = path.read_text()
        if "sqlmodel." in source:
            assert "import sqlmodel" in source, path.name
