"""``crisisgraph keys``: create, list and revoke API keys.

cli.main registers this sub-app. The commands import cli.main's helpers (and the data layer) when
they run, so importing either module first is safe and `--help` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from db.models import ApiKey

# db.keys.Scope's values, spelled out so `--help` need not import the data layer (a test keeps
# the two in step).
ScopeChoice = Literal["read", "write"]

keys_app = typer.Typer(
    help="API keys: create (the secret is shown once), list and revoke.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")


def _in_transaction(work: Callable[[AsyncSession], Coroutine[Any, Any, T]]) -> T:
    """Run ``work(session)`` in one transaction; domain errors become one ``error:`` line."""
    from cli.main import fail, run_db, settings_or_exit
    from db.engine import make_engine, make_sessionmaker, transaction
    from db.errors import DataError

    settings = settings_or_exit()

    async def run() -> T:
        engine = make_engine(settings)
        try:
            async with transaction(make_sessionmaker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return run_db(run)
    except DataError as exc:
        raise fail(escape(str(exc))) from None


def _when(value: datetime | None) -> str:
    if value is None:
        return "-"
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")


@keys_app.command("create")
def create(
    name: str = typer.Option(
        ..., "--name", help="A unique name for the key (who or what uses it)."
    ),
    scope: ScopeChoice = typer.Option(
        "read", "--scope", help="read, or write (which includes read)."
    ),
) -> None:
    """Create a key and print its secret: shown this once, never stored."""
    from cli.main import err
    from db.keys import create_key

    async def work(session: AsyncSession) -> tuple[ApiKey, str]:
        return await create_key(session, name, [scope])

    key, secret = _in_transaction(work)
    typer.echo(secret)  # alone on stdout, so scripts can capture it
    err.print(
        f"created key {key.name!r} ({key.public_id}, scopes: {key.scopes})",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )
    err.print(
        "warning: store this secret now; it cannot be shown again",
        highlight=False,
        soft_wrap=True,
    )


@keys_app.command("list")
def list_() -> None:
    """List the keys (never their secrets)."""
    from cli.main import out
    from db.keys import list_keys

    async def work(session: AsyncSession) -> list[ApiKey]:
        return await list_keys(session)

    keys = _in_transaction(work)
    if not keys:
        out.print("no API keys")
        return
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("name", "id", "prefix", "scopes", "created", "last used", "revoked"):
        table.add_column(column, no_wrap=True)
    for key in keys:
        table.add_row(
            Text(key.name),  # a name is data, not rich markup
            key.public_id,
            Text(key.prefix),
            key.scopes,
            _when(key.created_at),
            _when(key.last_used_at) if key.last_used_at else "never",
            _when(key.revoked_at),
        )
    # Never cut an ID or date to fit a narrow terminal: print at the table's natural width.
    natural = Measurement.get(out, out.options.update_width(10_000), table).maximum
    Console(file=out.file, width=max(out.width, natural)).print(table)


@keys_app.command("revoke")
def revoke(
    name_or_id: str = typer.Argument(..., metavar="NAME_OR_ID", help="The key's name or ID."),
) -> None:
    """Revoke a key: it stops authenticating at once. Revoking twice changes nothing."""
    from cli.main import out
    from db.keys import revoke_key

    async def work(session: AsyncSession) -> ApiKey:
        return await revoke_key(session, name_or_id)

    key = _in_transaction(work)
    out.print(
        f"revoked key {key.name!r} ({key.public_id}) at {_when(key.revoked_at)}",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )


if __name__ == "__main__":  # pragma: no cover - until cli.main registers the sub-app
    keys_app(prog_name="crisisgraph keys")
