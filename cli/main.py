"""The ``crisisgraph`` command line."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from cli.bundles import export_command
from cli.imports import import_app
from cli.keys import keys_app
from db.settings import Settings, SettingsError, get_settings

app = typer.Typer(
    help="crisisgraph: structured crisis data over REST and GraphQL.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(import_app, name="import")
app.command("export")(export_command)

err = Console(stderr=True)
out = Console()
T = TypeVar("T")


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        raise fail(str(exc), 2) from None


def run_db(fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine against the database; connection failures become one clear line."""
    from db.connectivity import describe_connection_error

    try:
        return asyncio.run(fn())
    except Exception as exc:
        message = describe_connection_error(settings_or_exit(), exc, strict=True)
        if message is None:
            raise
        raise fail(message) from None


def _sync_db(fn: Callable[[], None]) -> None:
    async def runner() -> None:
        await asyncio.to_thread(fn)

    run_db(runner)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    from db import migrations

    settings = settings_or_exit()
    _sync_db(lambda: migrations.upgrade(settings.database_url, revision))
    out.print(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade(
    revision: str = typer.Argument("-1", help="Target revision: -1 for one step, base for empty."),
) -> None:
    """Migrate the database down to REVISION (default: one step)."""
    from db import migrations

    settings = settings_or_exit()
    _sync_db(lambda: migrations.downgrade(settings.database_url, revision))
    out.print(f"database downgraded to {revision}")


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision and whether it is at head."""
    from db import migrations
    from db.engine import make_engine

    settings = settings_or_exit()

    async def current() -> set[str]:
        engine = make_engine(settings)
        try:
            return await migrations.current_revisions(engine)
        finally:
            await engine.dispose()

    revisions = run_db(current)
    heads = migrations.head_revisions()
    state = "at head" if revisions == heads else f"behind head ({', '.join(sorted(heads))})"
    out.print(f"{', '.join(sorted(revisions)) or '(empty)'}: {state}")


@app.command()
def seed() -> None:
    """Load the ISO countries and the seed dataset (idempotent: run twice, same counts)."""
    from db.engine import make_engine, make_sessionmaker, transaction
    from db.seed import load_seed, table_counts

    settings = settings_or_exit()

    async def load() -> tuple[dict[str, int], dict[str, int]]:
        engine = make_engine(settings)
        try:
            async with transaction(make_sessionmaker(engine)) as session:
                created = await load_seed(session)
                return dict(created), await table_counts(session)
        finally:
            await engine.dispose()

    created, totals = run_db(load)
    table = Table("records", "created", "total", title="seed")
    for name, total in totals.items():
        table.add_row(name, str(created.get(name, 0)), str(total))
    out.print(table)


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to bind (default CRISISGRAPH_HOST, 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default CRISISGRAPH_PORT, 8000)."),
) -> None:
    """Serve the API (REST, GraphQL and the explorer) with uvicorn."""
    import uvicorn

    from db.connectivity import check_database

    settings = settings_or_exit()
    run_db(lambda: check_database(settings))
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level,
        access_log=False,  # the app logs each request itself, as JSON, without query strings
    )


def main() -> None:  # pragma: no cover - console entry point
    try:
        app()
    except SettingsError as exc:
        err.print(f"error: {exc}")
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
