"""The async engine and sessions. SQLite gets foreign keys, WAL and a busy timeout on every
connection; every engine counts the statements it runs so tests and GraphQL can report them."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

import db.changes
import db.events  # noqa: F401  (registers the engagement-added notices)
from db.settings import Settings, get_settings

WRITE_TRANSACTION = "crisisgraph_write_transaction"  # execution option: see _sqlite_begin


async def begin_write(session: AsyncSession) -> None:
    """End the session's transaction (a read: authentication) and begin one meant to write, so
    that on SQLite it holds the write lock from its first read (BEGIN IMMEDIATE)."""
    await session.commit()
    await session.connection(execution_options={WRITE_TRANSACTION: True})


@dataclass
class SqlStats:
    """Statements run and time spent in the database, for one request (or one test)."""

    statements: int = 0
    seconds: float = 0.0
    _started: list[float] = field(default_factory=list, repr=False)


_current_stats: ContextVar[SqlStats | None] = ContextVar("crisisgraph_sql_stats", default=None)

# Transaction control is not a query: SQLite's explicit BEGIN, and the SAVEPOINT / RELEASE /
# ROLLBACK TO that a session joined to an outer transaction (or begin_nested) emits.
_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


def _is_query(statement: str) -> bool:
    return _TRANSACTION_CONTROL.match(statement) is None


@contextmanager
def counting_statements() -> Iterator[SqlStats]:
    """Count the SQL statements run inside this block (by this task and tasks it starts)."""
    stats = SqlStats()
    token = _current_stats.set(stats)
    try:
        yield stats
    finally:
        _current_stats.reset(token)


@asynccontextmanager
async def count_statements() -> AsyncIterator[SqlStats]:
    """Count the SQL statements run inside this block (by this task and its children)."""
    stats = SqlStats()
    token = _current_stats.set(stats)
    try:
        yield stats
    finally:
        _current_stats.reset(token)


def _install_listeners(engine: AsyncEngine, settings: Settings) -> None:
    sync_engine = engine.sync_engine

    if settings.is_sqlite:

        @event.listens_for(sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, open transactions, so SAVEPOINTs work
            # (https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl).
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A write transaction starts IMMEDIATE (WRITE_TRANSACTION): it takes the write lock
            # up front, waiting busy_timeout for it, so it never reads a snapshot that another
            # writer's commit makes stale (a deferred BEGIN would then fail its first write with
            # SQLITE_BUSY_SNAPSHOT, "database is locked", at once).
            immediate = conn.get_execution_options().get(WRITE_TRANSACTION, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    # Transaction control (SQLite's explicit BEGIN) is not a query: only queries are counted, so
    # the same operation costs the same on both databases.
    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        stats = _current_stats.get()
        if stats is not None and _is_query(statement):
            stats._started.append(time.perf_counter())

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        stats = _current_stats.get()
        if stats is not None and _is_query(statement) and stats._started:
            stats.statements += 1
            stats.seconds += time.perf_counter() - stats._started.pop()


def make_engine(settings: Settings | None = None) -> AsyncEngine:
    settings = settings or get_settings()
    kwargs: dict[str, Any] = {"echo": settings.sql_echo}
    if settings.is_sqlite:
        path = settings.sqlite_path()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
    engine = create_async_engine(settings.database_url, **kwargs)
    _install_listeners(engine, settings)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """The one place a unit of work commits, or rolls back on any error: nothing half-written."""
    async with sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
