"""Turning "the database is not there" into one line an operator can act on."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from db.engine import make_engine
from db.settings import Settings


def _where(settings: Settings) -> str:
    url = settings.database_url
    scheme, _, rest = url.partition("://")
    if "@" in rest:  # never print a password
        rest = rest.split("@", 1)[1]
    return f"{scheme.split('+')[0]}://{rest}"


def describe_connection_error(
    settings: Settings, exc: BaseException, *, strict: bool = False
) -> str | None:
    """A one-line message for a connection failure, or None (strict) when exc is something else."""
    connection_like = isinstance(exc, OSError | ConnectionError | OperationalError | InterfaceError)
    if isinstance(exc, DBAPIError) and not isinstance(exc, OperationalError | InterfaceError):
        text_ = str(exc.orig)
        connection_like = connection_like or "does not exist" in text_ or "password" in text_
    if strict and not connection_like:
        return None
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return f"cannot reach the database at {_where(settings)}: {reason}"


async def check_database(settings: Settings) -> None:
    engine = make_engine(settings)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
