"""Creating and dropping throw-away PostgreSQL databases for the tests."""

from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg


def _server_dsn(url: str, database: str) -> str:
    base = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    head, _, _ = base.rpartition("/")
    return f"{head}/{database}"


def create_postgres_database(base_url: str, name: str) -> str:
    database = f"cg_{name}_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    async def create() -> None:
        conn = await asyncpg.connect(_server_dsn(base_url, "postgres"))
        try:
            await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return _server_dsn(base_url, database).replace("postgresql://", "postgresql+asyncpg://", 1)


def drop_postgres_database(url: str) -> None:
    database = url.rsplit("/", 1)[1]

    async def drop() -> None:
        conn = await asyncpg.connect(_server_dsn(url, "postgres"))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())
