"""``crisisgraph export`` (a bundle, the dyadic CSV or the who-met-whom network of all or a slice)
and ``crisisgraph import bundle FILE``.

cli.main registers ``export_command`` as ``export`` and cli.imports registers
``import_bundle_command`` as ``bundle`` on its ``import`` sub-app. As in cli.keys, the commands
import cli.main's helpers and the data layer when they run, so ``--help`` stays fast.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import suppress
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import typer
from rich.markup import escape

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from db.bundles import BundleError, BundleImportResult, BundleProgress
    from db.engagements import EngagementFilter

PLAIN_PROGRESS_EVERY = 5.0  # seconds between progress lines on stderr
SHOWN_PROBLEMS = 20


class ExportFormat(StrEnum):
    bundle = "bundle"
    csv = "csv"
    graphml = "graphml"
    network_json = "network-json"


def _values(options: Iterable[str]) -> list[str]:
    """Repeated options and comma-separated values alike: --country UA --country RU,BY."""
    return [part.strip() for option in options for part in option.split(",") if part.strip()]


def _day(value: str | None, option: str) -> date | None:
    from cli.main import fail

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option}: {escape(repr(value))} is not a date (YYYY-MM-DD)") from None


async def _resolve(
    session: AsyncSession,
    *,
    day_from: date | None,
    day_to: date | None,
    countries: list[str],
    groups: list[str],
    leaders: list[str],
    kinds: list[str],
) -> EngagementFilter:
    """The filter the options describe: leaders and groups by ID or by name (any spelling),
    countries by ISO code (alpha-2 or alpha-3) or ID, kinds by name in any case."""
    from db.engagements import EngagementFilter
    from db.enums import EngagementKind
    from db.errors import ValidationError
    from db.groups import find_group_by_name
    from db.ids import id_type
    from db.leaders import find_leader_by_name
    from db.models import Group, Leader
    from db.records import get_by_public_id, iso_alpha2

    def refused(option: str, message: str) -> ValidationError:
        return ValidationError(message, field=option)

    codes = []
    for value in countries:
        code = value[8:] if id_type(value) == "country" else value
        codes.append(iso_alpha2(code, field="--country"))
    leader_ids = []
    for value in leaders:
        if id_type(value) == "leader":
            leader_ids.append(
                (await get_by_public_id(session, Leader, value, field="--leader")).public_id
            )
            continue
        leader = await find_leader_by_name(session, value)
        if leader is None:
            raise refused("--leader", f"no leader is named {value!r}")
        leader_ids.append(leader.public_id)
    group_ids = []
    for value in groups:
        if id_type(value) == "group":
            group_ids.append(
                (await get_by_public_id(session, Group, value, field="--group")).public_id
            )
            continue
        group = await find_group_by_name(session, value)
        if group is None:
            raise refused("--group", f"no group is named {value!r}")
        group_ids.append(group.public_id)
    kind_values = []
    for value in kinds:
        try:
            kind_values.append(EngagementKind(value.upper()))
        except ValueError:
            options = ", ".join(k.value for k in EngagementKind)
            raise refused("--kind", f"{value!r} is not one of: {options}") from None
    if day_from is not None and day_to is not None and day_to < day_from:
        raise refused("--to", "is before --from")
    return EngagementFilter(
        date_from=day_from,
        date_to=day_to,
        kinds=tuple(dict.fromkeys(kind_values)),
        countries=tuple(dict.fromkeys(codes)),
        leaders=tuple(dict.fromkeys(leader_ids)),
        groups=tuple(dict.fromkeys(group_ids)),
    )


class _Output:
    """Standard output, or a file written beside its final path and renamed into place only once
    the export is complete (a failed export leaves no partial file)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.temporary: Path | None = None
        self.stream: IO[str] = sys.stdout

    def __enter__(self) -> IO[str]:
        if self.path is not None:
            directory = self.path.resolve().parent
            handle, name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=directory)
            self.temporary = Path(name)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(handle, 0o666 & ~umask)  # as open() would create it, not mkstemp's 0600
            self.stream = os.fdopen(handle, "w", encoding="utf-8", newline="")
        return self.stream

    def __exit__(self, kind: object, *_exc: object) -> None:
        if self.temporary is None:
            with suppress(BrokenPipeError):
                self.stream.flush()
            return
        self.stream.close()
        if kind is None:
            assert self.path is not None
            os.replace(self.temporary, self.path)
        else:
            self.temporary.unlink(missing_ok=True)


async def _csv_chunks(
    session: AsyncSession, filters: EngagementFilter | None
) -> AsyncIterator[str]:
    """The flat dyadic CSV, the same bytes as GET /api/v1/engagements?format=csv with the same
    filters: newest first, streamed in keyset pages of 1000."""
    from api.rest.engagements import DYADIC_COLUMNS, dyadic_rows
    from api.rest.formats import CSV, CsvShape, encode
    from db.engagements import ENGAGEMENT_ORDERINGS, engagements_query
    from db.paging import PageArgs, fetch_page

    ordering = ENGAGEMENT_ORDERINGS["START_DATE_DESC"]
    query = engagements_query(filters)

    async def batches() -> AsyncIterator[list[dict[str, Any]]]:
        cursor: str | None = None
        while True:
            page = await fetch_page(
                session, query, ordering, PageArgs(first=1000, after=cursor, maximum=1000)
            )
            yield await dyadic_rows(session, page.rows)
            if not page.has_next:
                return
            cursor = page.cursors[-1]
            session.expunge_all()

    async for chunk in encode(CSV, batches(), CsvShape(DYADIC_COLUMNS, dyadic_rows)):
        yield chunk.decode()


def export_command(
    date_from: str | None = typer.Option(
        None, "--from", metavar="YYYY-MM-DD", help="Engagements that end on or after this day."
    ),
    date_to: str | None = typer.Option(
        None, "--to", metavar="YYYY-MM-DD", help="Engagements that start on or before this day."
    ),
    country: list[str] = typer.Option(
        [],
        "--country",
        metavar="CODE",
        help="Engagements of this country (ISO code): taking part, through one of its leaders, "
        "or as the location. Repeat, or separate with commas.",
    ),
    group: list[str] = typer.Option(
        [], "--group", metavar="ID_OR_NAME", help="Engagements this group took part in."
    ),
    leader: list[str] = typer.Option(
        [], "--leader", metavar="ID_OR_NAME", help="Engagements this leader took part in."
    ),
    kind: list[str] = typer.Option(
        [], "--kind", metavar="KIND", help="Engagements of this kind (MEETING, CALL, ...)."
    ),
    format_: ExportFormat = typer.Option(
        ExportFormat.bundle,
        "--format",
        help="bundle: every record, for `crisisgraph import bundle` (docs/bundle.md); csv: one "
        "row per engagement, initiator and recipient side by side; graphml, network-json: who "
        "met whom, for network tools.",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE (replaced only once the export is complete) instead of stdout.",
    ),
) -> None:
    """Export the whole database, or the slice the filters pick (help: EXPORT_HELP)."""
    from cli.main import err, fail, run_db, settings_or_exit
    from db.errors import DataError

    day_from, day_to = _day(date_from, "--from"), _day(date_to, "--to")
    countries, groups, leaders, kinds = map(_values, (country, group, leader, kind))
    filtered = bool(day_from or day_to or countries or groups or leaders or kinds)
    settings = settings_or_exit()

    async def write(session: AsyncSession, stream: IO[str]) -> str:
        from db import bundles, network

        filters = (
            await _resolve(
                session,
                day_from=day_from,
                day_to=day_to,
                countries=countries,
                groups=groups,
                leaders=leaders,
                kinds=kinds,
            )
            if filtered
            else None
        )
        if format_ is ExportFormat.bundle:
            counts = bundles.ExportCounts()
            async for chunk in bundles.bundle_chunks(session, filters, counts=counts):
                stream.write(chunk)
            total = sum(counts.by_kind.values())
            detail = ", ".join(f"{k} {n:,}" for k, n in counts.by_kind.items() if n)
            return f"exported {total:,} records ({detail or 'none'})"
        if format_ is ExportFormat.csv:
            async for chunk in _csv_chunks(session, filters):
                stream.write(chunk)
            return "exported the dyadic engagement CSV"
        graph = await network.build_network(session, filters)
        graph.filter = bundles.filter_document(filters)
        chunks = (
            network.graphml_chunks(graph)
            if format_ is ExportFormat.graphml
            else network.network_json_chunks(graph)
        )
        for text in chunks:
            stream.write(text)
        return f"exported {len(graph.nodes):,} actors and {len(graph.edges):,} ties"

    async def run() -> str | None:
        from db.bundles import read_snapshot
        from db.engine import make_engine, make_sessionmaker

        engine = make_engine(settings)
        try:
            async with make_sessionmaker(engine)() as session:
                await read_snapshot(session)
                with _Output(output) as stream:
                    return await write(session, stream)
        except BrokenPipeError:  # `crisisgraph export | head`: the reader left
            return None
        finally:
            await engine.dispose()

    try:
        summary = run_db(run)
    except DataError as exc:
        raise fail(escape(str(exc))) from None
    if summary is None:  # nothing to report; keep Python from failing to flush at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(1)
    err.print(summary, highlight=False, markup=False, soft_wrap=True)


class _Progress:
    """Plain progress lines on stderr while a long import runs: one every PLAIN_PROGRESS_EVERY
    seconds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.last = time.monotonic()

    def __call__(self, p: BundleProgress) -> None:
        from cli.main import err

        now = time.monotonic()
        if now - self.last < PLAIN_PROGRESS_EVERY:
            return
        self.last = now
        share = p.records_done / p.records_total if p.records_total else 1.0
        err.print(
            f"{self.path}: {p.records_done:,} of {p.records_total:,} records ({share:.0%})",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


def summary_lines(result: BundleImportResult) -> list[str]:
    totals = result.totals()
    lines = [
        f"{result.path}: {result.records:,} records: {totals['created']:,} created, "
        f"{totals['updated']:,} updated, {totals['unchanged']:,} unchanged, "
        f"{totals['skipped']:,} skipped ({result.seconds:.1f} s)"
    ]
    for plural, counts in result.by_kind.items():
        parts = [f"{counts[o]:,} {o}" for o in ("created", "updated", "unchanged", "skipped")]
        lines.append(f"  {plural}: {', '.join(parts)}")
    if result.skipped_ids:
        lines.append(
            "  skipped: deleted in this database, or naming a record deleted here: "
            + ", ".join(result.skipped_ids[:10])
            + (" …" if len(result.skipped_ids) > 10 else "")
        )
    if result.claims_rederived:
        lines.append(
            f"  claims whose status was derived again from this database's stances: "
            f"{', '.join(result.claims_rederived[:10])}"
        )
    return lines


def _refused(file: Path, exc: BundleError) -> typer.Exit:
    """One line for one problem; else a count and the first SHOWN_PROBLEMS, one a line."""
    from cli.main import err, fail

    if exc.count <= 1:
        return fail(escape(f"{file}: {exc}") + " (nothing imported)")
    refusal = fail(escape(f"{file}: {exc.count:,} problems (nothing imported):"))
    for problem in exc.problems[:SHOWN_PROBLEMS]:
        err.print(f"  {escape(str(problem))}", highlight=False, soft_wrap=True)
    if exc.count > SHOWN_PROBLEMS:
        err.print(f"  … and {exc.count - SHOWN_PROBLEMS:,} more", highlight=False)
    return refusal


def import_bundle_command(
    file: Path = typer.Argument(..., metavar="FILE", help="A bundle from `crisisgraph export`."),
) -> None:
    """Import a bundle (help: IMPORT_BUNDLE_HELP)."""
    from cli.main import out, run_db, settings_or_exit
    from db.bundles import BundleError, check_bundle_file, import_bundle

    try:
        summary = check_bundle_file(file)
    except BundleError as exc:
        raise _refused(file, exc) from None
    settings = settings_or_exit()

    async def run() -> BundleImportResult:
        from db.engine import begin_write, make_engine, make_sessionmaker, transaction

        engine = make_engine(settings)
        try:
            async with transaction(make_sessionmaker(engine)) as session:
                await begin_write(session)  # on SQLite: the write lock from the start
                return await import_bundle(session, file, summary=summary, progress=_Progress(file))
        finally:
            await engine.dispose()

    try:
        result = run_db(run)
    except BundleError as exc:
        raise _refused(file, exc) from None
    for line in summary_lines(result):
        out.print(line, highlight=False, markup=False, soft_wrap=True)


# Typer shows a command's docstring as its help, line breaks included: paragraphs are one line.
EXPORT_HELP = (
    "Export the whole database, or the slice the filters pick, to stdout (or --output FILE).\n\n"
    "Without filters a bundle holds every record; with filters it holds the engagements they "
    "match and everything those need: participants, statements, claims and their stances, the "
    "actors, their positions and memberships, the countries named, the citations and their "
    "sources. Options combine with AND, the values of one option with OR.\n\n"
    "--format csv writes the flat dyadic engagement CSV (the same as GET "
    "/api/v1/engagements?format=csv); graphml and network-json write who met whom: actors, and "
    "the pairs that took part in the same engagements."
)
IMPORT_BUNDLE_HELP = (
    "Import a bundle (docs/bundle.md): every record by public ID, created when new, updated when "
    "it differs, left alone when identical.\n\n"
    "The whole file is checked against the bundle schema before anything is written, then "
    "imported in one transaction: a problem leaves the database as it was. Records this database "
    "deleted are not brought back (they are skipped, with the records that name them); a unique "
    "value (Wikidata QID, external ID, source URL) held here by a record the bundle does not "
    "carry refuses the import."
)
export_command.__doc__ = EXPORT_HELP
import_bundle_command.__doc__ = IMPORT_BUNDLE_HELP


if __name__ == "__main__":  # pragma: no cover - until cli.main registers the commands
    app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
    app.command("export")(export_command)
    app.command("import-bundle")(import_bundle_command)
    app(prog_name="crisisgraph")
