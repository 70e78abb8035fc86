"""Imports sent over HTTP (``POST /api/v1/imports``) or GraphQL (``importBundle``): a job row per
import, and the runner that runs them in the background of the server process that received
them. REST and GraphQL read jobs through the same functions.

Life of a job. The upload is stored in a temporary file (``store_upload``, size-limited), the job
is created QUEUED and committed, and the process's ``ImportRunner`` runs it: RUNNING (committed),
then the import itself in one transaction (db.bundles.import_bundle or db.gdelt.import_gdelt_file:
all or nothing), then SUCCEEDED with its counts or FAILED with its errors (``{"row", "field",
"reason"}``, the first MAX_ERRORS; ``errorCount`` says how many). The temporary file is deleted
when the job ends. A process runs one import at a time; the others wait QUEUED.

Progress. While a job runs, the runner keeps its progress in memory (the process that runs it
answers with it) and, on PostgreSQL, writes it with a heartbeat to the job row every
HEARTBEAT_SECONDS from a connection of its own, so any process can read it. SQLite has one
writer at a time and the import holds it, so there the row changes only between phases.

Stopping. When the server stops, running and queued jobs are marked FAILED ("interrupted") and
nothing of them is kept (their transaction rolls back). A job whose process died without that
(killed) is marked FAILED by the next runner to start (``fail_stale_jobs``) once its heartbeat
(or, without one, its start) is older than STALE_AFTER_SECONDS. On SQLite the heartbeat is not
written, so a job another live process has run for that long is marked FAILED too; the import's
own end overwrites that with its real outcome.

Job rows are written with Core statements, never through the ORM: an import job is not a record
of the dataset and must not reach the change feed (db.changes tracks ORM objects).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.base import utcnow
from db.engine import begin_write
from db.errors import NotFoundError
from db.ids import new_id
from db.models import ImportJob
from db.models.imports import ImportStatus, ImportType
from db.paging import Ordering, Page, PageArgs, count, fetch_page
from db.serialize import iso

logger = logging.getLogger(__name__)

DEFAULT_MAX_IMPORT_BYTES = 200 * 1024 * 1024
MAX_ERRORS = 100
HEARTBEAT_SECONDS = 10.0
STALE_AFTER_SECONDS = 120.0
ID_PATTERN = re.compile(r"^import_[0-9a-hjkmnp-tv-z]{26}$")
SessionFactory = Callable[[], AsyncSession]

__all__ = [
    "DEFAULT_MAX_IMPORT_BYTES",
    "ImportJob",
    "ImportRunner",
    "ImportStatus",
    "ImportType",
    "StoredUpload",
    "UploadTooLarge",
    "count_jobs",
    "create_job",
    "fail_stale_jobs",
    "get_job",
    "import_runner",
    "job_dict",
    "list_jobs",
    "max_import_bytes",
    "store_upload",
]


def max_import_bytes(settings: Any) -> int:
    """The ``max_import_bytes`` setting (CRISISGRAPH_MAX_IMPORT_BYTES), 200 MiB by default."""
    value = getattr(settings, "max_import_bytes", None)
    return int(value) if isinstance(value, int) and value > 0 else DEFAULT_MAX_IMPORT_BYTES


# --- the canonical form --------------------------------------------------------------------------


def job_dict(job: ImportJob, progress: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A job as REST returns it (and GraphQL's ImportJob reads): camelCase, enum values in
    capitals, ISO 8601 times. ``progress`` is the runner's live progress, when it runs the job."""
    running = job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    live = dict(progress or job.progress or {}) if running else {}
    return {
        "id": job.public_id,
        "type": job.type.value,
        "status": job.status.value,
        "filename": job.filename,
        "sizeBytes": job.size_bytes,
        "options": dict(job.options),
        "progress": live or None,
        "counts": dict(job.counts) if not running else None,
        "errors": list(job.errors),
        "errorCount": job.error_count,
        "createdAt": iso(job.created_at),
        "startedAt": iso(job.started_at),
        "finishedAt": iso(job.finished_at),
    }


# --- reading and writing jobs --------------------------------------------------------------------

JOB_ORDERING = Ordering("imports:newest", ((col(ImportJob.id), True),))


async def create_job(
    session: AsyncSession,
    *,
    type: ImportType,
    filename: str | None,
    size_bytes: int,
    options: Mapping[str, Any] | None = None,
    key_name: str | None = None,
) -> ImportJob:
    """A new QUEUED job (the caller commits)."""
    public_id = new_id("import")
    await session.execute(
        insert(ImportJob).values(
            public_id=public_id,
            type=type,
            status=ImportStatus.QUEUED,
            filename=filename[:300] if filename else None,
            size_bytes=size_bytes,
            options=dict(options or {}),
            counts={},
            errors=[],
            error_count=0,
            key_name=key_name,
            created_at=utcnow(),
        )
    )
    return await get_job(session, public_id)


async def get_job(session: AsyncSession, public_id: str, *, field: str = "id") -> ImportJob:
    """The job with this ID, read fresh; NotFoundError for anything else (a malformed ID too)."""
    if ID_PATTERN.match(public_id):
        found = (
            await session.execute(
                select(ImportJob)
                .where(col(ImportJob.public_id) == public_id)
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        if found is not None:
            return found
    raise NotFoundError(f"no import with ID {public_id!r}", field=field)


def jobs_query(
    statuses: Sequence[ImportStatus] = (), types: Sequence[ImportType] = ()
) -> Select[Any]:
    clauses: list[ColumnElement[bool]] = []
    if statuses:
        clauses.append(col(ImportJob.status).in_(list(statuses)))
    if types:
        clauses.append(col(ImportJob.type).in_(list(types)))
    return select(ImportJob).where(*clauses)


async def list_jobs(
    session: AsyncSession,
    args: PageArgs,
    *,
    statuses: Sequence[ImportStatus] = (),
    types: Sequence[ImportType] = (),
) -> Page:
    """A page of jobs, newest first."""
    return await fetch_page(session, jobs_query(statuses, types), JOB_ORDERING, args)


async def count_jobs(
    session: AsyncSession,
    *,
    statuses: Sequence[ImportStatus] = (),
    types: Sequence[ImportType] = (),
) -> int:
    return await count(session, jobs_query(statuses, types))


async def _update(session: AsyncSession, public_id: str, **values: Any) -> None:
    await session.execute(
        update(ImportJob).where(col(ImportJob.public_id) == public_id).values(**values)
    )


async def fail_stale_jobs(
    session: AsyncSession, *, older_than: float = STALE_AFTER_SECONDS, now: datetime | None = None
) -> list[str]:
    """Mark FAILED the queued or running jobs no process has shown signs of life for in
    ``older_than`` seconds (the caller commits); returns their IDs."""
    cutoff = (now or utcnow()) - timedelta(seconds=older_than)
    last_sign = func.coalesce(
        col(ImportJob.heartbeat_at), col(ImportJob.started_at), col(ImportJob.created_at)
    )
    stale = list(
        (
            await session.execute(
                select(col(ImportJob.public_id)).where(
                    or_(
                        col(ImportJob.status) == ImportStatus.QUEUED,
                        col(ImportJob.status) == ImportStatus.RUNNING,
                    ),
                    last_sign < cutoff,
                )
            )
        ).scalars()
    )
    for public_id in stale:
        await _finish(
            session,
            public_id,
            ImportStatus.FAILED,
            errors=[_error(_INTERRUPTED)],
            error_count=1,
        )
    return stale


_INTERRUPTED = (
    "interrupted: the server stopped before the import finished; nothing of it was kept. "
    "Send the file again."
)


def _error(reason: str, field: str | None = None, row: int | None = None) -> dict[str, Any]:
    return {"row": row, "field": field, "reason": reason}


async def _finish(
    session: AsyncSession,
    public_id: str,
    status: ImportStatus,
    *,
    counts: Mapping[str, Any] | None = None,
    errors: Sequence[Mapping[str, Any]] = (),
    error_count: int = 0,
) -> None:
    await _update(
        session,
        public_id,
        status=status,
        counts=dict(counts or {}),
        progress=None,
        errors=[dict(e) for e in errors[:MAX_ERRORS]],
        error_count=error_count,
        finished_at=utcnow(),
    )


# --- uploads -------------------------------------------------------------------------------------


class UploadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the upload is larger than {limit:,} bytes (max_import_bytes)")
        self.limit = limit


@dataclass
class StoredUpload:
    """An upload in a temporary directory of its own, under its (sanitised) file name."""

    path: Path
    size: int
    filename: str | None

    def discard(self) -> None:
        shutil.rmtree(self.path.parent, ignore_errors=True)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_name(filename: str | None, default: str) -> str:
    name = Path(filename or "").name
    name = _UNSAFE.sub("_", name).strip("._")[:100]
    return name or default


async def store_upload(
    chunks: AsyncIterator[bytes], *, filename: str | None, default_name: str, limit: int
) -> StoredUpload:
    """Write the chunks to a temporary file, refusing (UploadTooLarge) past ``limit`` bytes; the
    file is gone again when anything fails."""
    directory = Path(tempfile.mkdtemp(prefix="crisisgraph-import-"))
    stored = StoredUpload(directory / _safe_name(filename, default_name), 0, filename)
    try:
        with stored.path.open("wb") as out:
            async for chunk in chunks:
                stored.size += len(chunk)
                if stored.size > limit:
                    raise UploadTooLarge(limit)
                out.write(chunk)
    except BaseException:
        stored.discard()
        raise
    return stored


# --- running jobs --------------------------------------------------------------------------------


async def _in_transaction(sessions: SessionFactory, work: Callable[[AsyncSession], Any]) -> Any:
    async with sessions() as session:
        try:
            result = await work(session)
            await session.commit()
            return result
        except BaseException:
            await session.rollback()
            raise


class ImportRunner:
    """Runs a process's import jobs in the background, one at a time (see the module's
    docstring). ``sessions`` opens a session on the app's database."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.progress: dict[str, dict[str, Any]] = {}
        self.busy = asyncio.Lock()  # held while a job runs: one at a time
        self._started = False
        self._closed = False

    async def start(self) -> None:
        """Mark FAILED the jobs left behind by processes that died (once per runner)."""
        if self._started:
            return
        self._started = True

        async def sweep(session: AsyncSession) -> list[str]:
            return await fail_stale_jobs(session)

        try:
            stale = await _in_transaction(self.sessions, sweep)
        except Exception:  # the database may not be there yet; the next start tries again
            self._started = False
            logger.exception("could not mark the imports left behind as failed")
            return
        if stale:
            logger.warning("marked %d interrupted imports as failed: %s", len(stale), stale)

    def submit(self, job: ImportJob, upload: StoredUpload) -> None:
        """Run the (committed, QUEUED) job in the background; the runner owns the upload now."""
        if self._closed:
            upload.discard()
            raise RuntimeError("the import runner is closed")
        key = job.public_id
        task = asyncio.create_task(self._run(key, job.type, upload, dict(job.options)))
        self.tasks[key] = task

        def forget(_task: asyncio.Task[None]) -> None:
            self.tasks.pop(key, None)

        task.add_done_callback(forget)

    def live_progress(self, public_id: str) -> dict[str, Any] | None:
        return self.progress.get(public_id)

    async def join(self) -> None:
        """Wait until every job submitted so far has ended (tests, shutdown)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks.values()), return_exceptions=True)

    async def aclose(self) -> None:
        """Stop: running and queued jobs are cancelled and marked FAILED (interrupted)."""
        self._closed = True
        for task in list(self.tasks.values()):
            task.cancel()
        await asyncio.gather(*list(self.tasks.values()), return_exceptions=True)

    # --- one job ---------------------------------------------------------------------------------

    async def _run(
        self, public_id: str, type: ImportType, upload: StoredUpload, options: dict[str, Any]
    ) -> None:
        try:
            await self.start()
            async with self.busy:
                await self._running(public_id)
                beat = asyncio.create_task(self._heartbeat(public_id))
                try:
                    outcome = await self._import(public_id, type, upload, options)
                finally:
                    beat.cancel()
                    with contextlib.suppress(BaseException):
                        await beat
                await self._end(public_id, *outcome)
        except asyncio.CancelledError:
            await asyncio.shield(self._interrupted(public_id))
            raise
        except Exception as exc:
            error_id = str(uuid.uuid4())
            logger.error("import %s failed: internal error %s", public_id, error_id, exc_info=exc)
            reason = f"an internal error occurred; quote the error ID when reporting it: {error_id}"
            with contextlib.suppress(Exception):
                await self._end(public_id, ImportStatus.FAILED, {}, [_error(reason)], 1)
        finally:
            self.progress.pop(public_id, None)
            upload.discard()

    async def _running(self, public_id: str) -> None:
        async def work(session: AsyncSession) -> None:
            now = utcnow()
            await _update(
                session, public_id, status=ImportStatus.RUNNING, started_at=now, heartbeat_at=now
            )

        await _in_transaction(self.sessions, work)

    async def _end(
        self,
        public_id: str,
        status: ImportStatus,
        counts: Mapping[str, Any],
        errors: Sequence[Mapping[str, Any]],
        error_count: int,
    ) -> None:
        async def work(session: AsyncSession) -> None:
            await _finish(
                session, public_id, status, counts=counts, errors=errors, error_count=error_count
            )

        await _in_transaction(self.sessions, work)

    async def _interrupted(self, public_id: str) -> None:
        with contextlib.suppress(Exception):
            await self._end(public_id, ImportStatus.FAILED, {}, [_error(_INTERRUPTED)], 1)

    async def _heartbeat(self, public_id: str) -> None:
        """On PostgreSQL, write the heartbeat and the progress to the job row now and then."""
        async with self.sessions() as probe:
            if probe.get_bind().dialect.name != "postgresql":
                return
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)

            async def work(session: AsyncSession) -> None:
                await _update(
                    session,
                    public_id,
                    heartbeat_at=utcnow(),
                    progress=self.progress.get(public_id),
                )

            try:
                await _in_transaction(self.sessions, work)
            except Exception:
                logger.warning("could not write the heartbeat of import %s", public_id)

    def _progress(self, public_id: str, phase: str, done: int, total: int, unit: str) -> None:
        self.progress[public_id] = {"phase": phase, "done": done, "total": total, "unit": unit}

    async def _import(
        self, public_id: str, type: ImportType, upload: StoredUpload, options: dict[str, Any]
    ) -> tuple[ImportStatus, dict[str, Any], list[dict[str, Any]], int]:
        if type is ImportType.BUNDLE:
            return await self._bundle(public_id, upload)
        return await self._gdelt(public_id, upload, options)

    async def _bundle(
        self, public_id: str, upload: StoredUpload
    ) -> tuple[ImportStatus, dict[str, Any], list[dict[str, Any]], int]:
        from db.bundles import BundleError, BundleProgress, check_bundle_file, import_bundle

        self._progress(public_id, "checking", 0, upload.size, "bytes")
        try:
            summary = await asyncio.to_thread(check_bundle_file, upload.path)
        except BundleError as exc:
            return ImportStatus.FAILED, {}, [p.as_dict() for p in exc.problems], exc.count

        def progress(p: BundleProgress) -> None:
            self._progress(public_id, p.phase, p.records_done, p.records_total, "records")

        progress(BundleProgress(0, summary.records, 0.0, "importing"))
        try:
            async with self.sessions() as session:
                await begin_write(session)
                try:
                    result = await import_bundle(
                        session, upload.path, summary=summary, progress=progress
                    )
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
        except BundleError as exc:
            return ImportStatus.FAILED, {}, [p.as_dict() for p in exc.problems], exc.count
        return ImportStatus.SUCCEEDED, result.as_counts(), [], 0

    async def _gdelt(
        self, public_id: str, upload: StoredUpload, options: dict[str, Any]
    ) -> tuple[ImportStatus, dict[str, Any], list[dict[str, Any]], int]:
        from db.gdelt import (
            GdeltBadRowsError,
            GdeltFileError,
            ImportProgress,
            import_gdelt_file,
        )

        shown = upload.filename or upload.path.name

        def clean(message: str) -> str:  # the client knows its file by its name, not our path
            return message.replace(str(upload.path), shown)

        def progress(p: ImportProgress) -> None:
            self._progress(public_id, "importing", p.bytes_done, p.bytes_total, "bytes")

        self._progress(public_id, "importing", 0, upload.size, "bytes")
        skip = bool(options.get("skipBadRows"))
        try:
            async with self.sessions() as session:
                await begin_write(session)
                try:
                    result = await import_gdelt_file(
                        session, upload.path, skip_bad_rows=skip, progress=progress
                    )
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
        except GdeltBadRowsError as exc:
            rows = [_error(b.reason, b.field, b.line) for b in exc.bad_rows]
            return ImportStatus.FAILED, {}, rows, exc.count
        except GdeltFileError as exc:
            return ImportStatus.FAILED, {}, [_error(clean(str(exc)))], 1
        counts = {
            "format": result.format,
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "skipped": result.skipped,
            "deleted": result.deleted,
            "participantsCreated": result.participants_created,
            "sourcesCreated": result.sources_created,
            "groupsCreated": len(result.groups_created),
            "kinds": dict(sorted(result.kinds.items())),
            "actors": dict(sorted(result.actors.items())),
        }
        skipped = [_error(b.reason, b.field, b.line) for b in result.bad_rows]
        return ImportStatus.SUCCEEDED, counts, skipped, result.skipped


def import_runner(state: Any) -> ImportRunner:
    """The runner of an app (its ``state``), made on first use over the app's sessions."""
    runner = getattr(state, "import_runner", None)
    if runner is None:
        runner = ImportRunner(lambda: state.sessions())
        state.import_runner = runner
    return runner
