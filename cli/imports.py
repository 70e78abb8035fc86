"""``crisisgraph import``: ``gdelt FILE...`` loads GDELT event files (db.gdelt); ``bundle FILE``
(cli.bundles) loads a crisisgraph bundle.

cli.main registers this sub-app (``app.add_typer(import_app, name="import")``). As in cli.keys, the
commands import cli.main's helpers and the data layer when they run, so ``--help`` stays fast.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

from cli.bundles import import_bundle_command

if TYPE_CHECKING:
    from db.gdelt import ImportProgress, ImportResult

import_app = typer.Typer(
    help="Import data: GDELT event files, or a crisisgraph bundle.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
import_app.command("bundle")(import_bundle_command)

PLAIN_PROGRESS_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal
SHOWN_BAD_ROWS = 20


@import_app.callback()
def _group() -> None:
    """Import data: GDELT event files, or a crisisgraph bundle."""


class _PlainProgress:
    """Progress as plain lines on stderr (logs, CI): the first after the first batch, then one
    every PLAIN_PROGRESS_EVERY seconds, and one when the file is done."""

    def __init__(self, err: Console) -> None:
        self.err = err
        self.last: float | None = None

    def __call__(self, p: ImportProgress) -> None:
        if p.rows == 0 and not p.done:
            self.last = None  # a new file: its first line comes after its first batch
            return
        now = time.monotonic()
        if not p.done and self.last is not None and now - self.last < PLAIN_PROGRESS_EVERY:
            return
        self.last = now
        elapsed = max(p.elapsed, 1e-9)
        rate = p.rows / elapsed
        share = p.bytes_done / p.bytes_total if p.bytes_total else 1.0
        if p.done:
            line = f"{p.path}: {p.rows:,} rows in {elapsed:.1f} s ({rate:,.0f} rows/s)"
        else:
            left = elapsed * (1 - share) / share if share > 0 else 0.0
            line = (
                f"{p.path}: {p.rows:,} rows ({share:.0%}), {rate:,.0f} rows/s, "
                f"{_duration(left)} left"
            )
        self.err.print(line, highlight=False, markup=False, soft_wrap=True)


class _RichProgress:
    """A progress bar with rows per second and time left, for a terminal."""

    def __init__(self, err: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rows]:>10,} rows"),
            TextColumn("{task.fields[rate]:>8,.0f} rows/s"),
            TimeRemainingColumn(),
            console=err,
            transient=False,
        )
        self.tasks: dict[Path, TaskID] = {}

    def __enter__(self) -> _RichProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, p: ImportProgress) -> None:
        task = self.tasks.get(p.path)
        if task is None:
            task = self.tasks[p.path] = self.progress.add_task(
                escape(p.path.name), total=p.bytes_total or 1, rows=0, rate=0.0
            )
        rate = p.rows / max(p.elapsed, 1e-9)
        self.progress.update(task, completed=p.bytes_done, rows=p.rows, rate=rate)


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _summary(result: ImportResult) -> list[str]:
    lines = [
        f"{result.path} ({result.format}): {result.rows:,} rows: {result.created:,} created, "
        f"{result.updated:,} updated, {result.unchanged:,} unchanged, "
        f"{result.skipped:,} skipped, {result.deleted:,} deleted before "
        f"({result.seconds:.1f} s)"
    ]
    if result.kinds:
        kinds = ", ".join(f"{k} {n:,}" for k, n in result.kinds.most_common())
        lines.append(f"  kinds: {kinds}")
    a = result.actors
    lines.append(
        f"  actors: {a['country']:,} countries, {a['leader']:,} leaders, {a['group']:,} groups, "
        f"{a['unresolved']:,} left out (nothing usable), {a['absent']:,} absent"
    )
    if result.groups_created:
        lines.append(f"  groups created: {', '.join(result.groups_created)}")
    if result.report is not None:
        lines.append(f"  rejected rows: {result.skipped:,}, listed in {result.report}")
    return lines


@import_app.command(
    "gdelt",
    help="Import GDELT events: one engagement per event, keyed by its GLOBALEVENTID.\n\n"
    "Each FILE is imported in one transaction: a failure leaves nothing of it, and importing it "
    "again adds nothing already there (changed rows update their engagements). Files of the "
    "wrong type or column count are refused before anything is written.",
)
def gdelt(
    files: list[Path] = typer.Argument(
        ...,
        metavar="FILE",
        help="GDELT 1.0 daily files (57 or 58 columns) or GDELT 2.0 event exports (61 columns), "
        "plain or zipped.",
    ),
    skip_bad_rows: bool = typer.Option(
        False,
        "--skip-bad-rows",
        help="Import the good rows of a file with bad ones, and list the bad ones in a report "
        "file. Without it, a bad row fails its file (nothing of it is imported).",
    ),
    report: Path | None = typer.Option(
        None,
        "--report",
        metavar="PATH",
        help="Where to list the rejected rows (CSV). Default: FILE.rejects.csv next to FILE. "
        "Only with one FILE.",
    ),
    batch_size: int = typer.Option(
        2000, "--batch-size", min=100, max=20000, help="Rows written per batch."
    ),
) -> None:
    """Import GDELT event files (see the command's help)."""
    from cli.main import err, fail, out, run_db, settings_or_exit
    from db.gdelt import (
        GdeltBadRowsError,
        GdeltFileError,
        default_report_path,
        import_gdelt_file,
        sniff_gdelt_file,
    )

    if report is not None and len(files) != 1:
        raise fail("--report names the report of one FILE; give one FILE, or leave it out")
    refused = []
    for path in files:
        try:
            sniff_gdelt_file(path)
        except GdeltFileError as exc:
            refused.append(str(exc))
    if refused:
        for message in refused[:-1]:
            err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
        raise fail(escape(refused[-1]) + (" (nothing imported)" if len(files) > 1 else ""))

    settings = settings_or_exit()
    err_is_terminal = err.is_terminal and sys.stderr.isatty()

    async def run() -> tuple[list[ImportResult], list[str]]:
        from db.engine import make_engine, make_sessionmaker, transaction

        engine = make_engine(settings)
        sessions = make_sessionmaker(engine)
        results: list[ImportResult] = []
        failures: list[str] = []
        bar: Any = _RichProgress(err) if err_is_terminal else None
        progress: Any = bar if bar is not None else _PlainProgress(err)
        try:
            if bar is not None:
                bar.__enter__()
            for path in files:
                target = report if report is not None else default_report_path(path)
                try:
                    async with transaction(sessions) as session:
                        result = await import_gdelt_file(
                            session,
                            path,
                            skip_bad_rows=skip_bad_rows,
                            report=target if (skip_bad_rows or report is not None) else None,
                            progress=progress,
                            batch_size=batch_size,
                        )
                    results.append(result)
                    for line in _summary(result):
                        out.print(line, highlight=False, markup=False, soft_wrap=True)
                except GdeltBadRowsError as exc:
                    failures.append(str(exc))
                    err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
                    for bad in exc.bad_rows[:SHOWN_BAD_ROWS]:
                        err.print(f"  {escape(str(bad))}", highlight=False, soft_wrap=True)
                    if exc.count > SHOWN_BAD_ROWS:
                        err.print(f"  … and {exc.count - SHOWN_BAD_ROWS:,} more", highlight=False)
                except GdeltFileError as exc:
                    failures.append(str(exc))
                    err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
            await engine.dispose()
        return results, failures

    results, failures = run_db(run)
    if failures:
        done = len(results)
        raise fail(
            f"{len(failures)} of {len(files)} file{'s' if len(files) != 1 else ''} not imported"
            + (f" ({done} imported)" if done else "")
        )


if __name__ == "__main__":  # pragma: no cover - until cli.main registers the sub-app
    import_app(prog_name="crisisgraph import")
