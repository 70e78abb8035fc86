"""Imports over GraphQL: follow the imports started over REST or here (``importJob``,
``imports``), and import a bundle sent as a JSON value (``importBundle``). Files (GDELT, large
bundles) go to ``POST /api/v1/imports``; a GraphQL request is limited to
CRISISGRAPH_MAX_BODY_BYTES (1 MiB). Everything here needs an API key with write scope, as over
REST: a job shows the rows of someone's file.

The mutation checks the bundle against the schema before answering (a ValidationError names the
path at fault), then queues it like REST does: it answers with the job, QUEUED; poll
``importJob(id:)`` until its status is SUCCEEDED or FAILED.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from db.errors import DataError
from db.imports import (
    ImportJob as ImportJobRow,
)
from db.imports import (
    ImportStatus,
    ImportType,
    UploadTooLarge,
    count_jobs,
    create_job,
    get_job,
    import_runner,
    job_dict,
    list_jobs,
    max_import_bytes,
    store_upload,
)
from schema.context import Info
from schema.mutations.results import ValidationError
from schema.relay import AFTER, FIRST, Connection, connection, guarded, page_args
from schema.security import require_scope

strawberry.enum(
    ImportType, description="What an import reads: a crisisgraph bundle or a GDELT events file."
)
strawberry.enum(
    ImportStatus,
    description="Where an import is: QUEUED, RUNNING, then SUCCEEDED (everything imported) or FAILED (nothing imported).",
)


@strawberry.type(
    description="One reason an import failed, or (GDELT, skipping bad rows) a row it left out."
)
class ImportProblem:
    row: int | None = strawberry.field(description="The GDELT file's line; null for a bundle.")
    field: str | None = strawberry.field(
        description="The GDELT column, or the path in the bundle (`records.leaders[3].name`), at fault."
    )
    reason: str = strawberry.field(description="What is wrong, for a person.")


@strawberry.type(description="How far a queued or running import got.")
class ImportProgress:
    phase: str = strawberry.field(description="`checking` or `importing`.")
    done: int = strawberry.field(description="How much is done, in `unit`s.")
    total: int = strawberry.field(description="How much there is in all.")
    unit: str = strawberry.field(description="`bytes` or `records`.")


@strawberry.type(
    description="An import of a bundle or a GDELT file, run in the background: what was sent, how far it got, what it did or why it failed. Each import is all or nothing."
)
class ImportJob:
    id: strawberry.ID = strawberry.field(description="The import's ID (`import_…`).")
    type: ImportType = strawberry.field(description="What it reads.")
    status: ImportStatus = strawberry.field(description="Where it is.")
    filename: str | None = strawberry.field(
        description="The file's name, when the upload gave one."
    )
    size_bytes: int = strawberry.field(description="The upload's size.")
    options: JSON = strawberry.field(description="Its options (`skipBadRows` for GDELT files).")
    progress: ImportProgress | None = strawberry.field(
        description="While it is queued or runs: how far it got."
    )
    counts: JSON | None = strawberry.field(
        description="Once it is over: what it did (created, updated, unchanged, skipped, ...; see docs/bundle.md). Null while it runs."
    )
    errors: list[ImportProblem] = strawberry.field(description="The first 100 errors.")
    error_count: int = strawberry.field(description="How many errors there were in all.")
    created_at: dt.datetime = strawberry.field(description="When it was sent.")
    started_at: dt.datetime | None = strawberry.field(description="When it started running.")
    finished_at: dt.datetime | None = strawberry.field(description="When it ended.")

    @classmethod
    def from_row(cls, row: ImportJobRow, live: dict[str, Any] | None = None) -> ImportJob:
        data = job_dict(row, live)
        progress = data["progress"]
        return cls(
            id=strawberry.ID(row.public_id),
            type=row.type,
            status=row.status,
            filename=row.filename,
            size_bytes=row.size_bytes,
            options=data["options"],
            progress=ImportProgress(**progress) if progress else None,
            counts=data["counts"],
            errors=[ImportProblem(**e) for e in data["errors"]],
            error_count=row.error_count,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
        )


def _job(info: Info, row: ImportJobRow) -> ImportJob:
    runner = import_runner(info.context.request.app.state)
    return ImportJob.from_row(row, runner.live_progress(row.public_id))


@strawberry.type
class ImportQuery:
    @strawberry.field(
        description="One import by ID, null when there is none. Needs an API key with write scope."
    )
    async def import_job(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The import's ID.")],
    ) -> ImportJob | None:
        require_scope(info, "write")
        try:
            row = await info.context.db(get_job, str(id))
        except DataError:
            return None
        return _job(info, row)

    @strawberry.field(
        description="Imports, newest first, started over REST or GraphQL. Needs an API key with write scope."
    )
    async def imports(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        statuses: Annotated[
            list[ImportStatus] | None,
            strawberry.argument(description="Only imports in these statuses."),
        ] = None,
    ) -> Connection[ImportJob]:
        require_scope(info, "write")
        args = page_args(first, after)
        wanted = tuple(statuses or ())
        page = await guarded(info.context.db(list_jobs, args, statuses=wanted))

        async def total() -> int:
            return await info.context.db(count_jobs, statuses=wanted)

        return connection(page, lambda row: _job(info, row), total)


ImportBundleResult = Annotated[
    ImportJob | ValidationError,
    strawberry.union(
        "ImportBundleResult",
        description="The import, queued; or why the bundle cannot be imported (nothing was).",
    ),
]

_PATH_PART = re.compile(r"[^.\[\]]+")


def _field(path: str | None) -> list[str]:
    """``records.leaders[3].name`` as the argument path ``["bundle", "records", "leaders", "3",
    "name"]``."""
    return ["bundle", *_PATH_PART.findall(path or "")]


def _invalid(exc: Any) -> ValidationError:
    """A BundleError as a ValidationError: the first problem, at its path."""
    first = exc.problems[0] if exc.problems else None
    more = exc.count - 1
    message = first.reason if first is not None else str(exc)
    if more > 0:
        message += f" (and {more} more problem{'s' if more != 1 else ''})"
    return ValidationError(message=message, field=_field(first.field if first else None))


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Import a bundle (docs/bundle.md) sent as a JSON value: it is checked against the bundle schema first, then queued and imported in the background, all or nothing; poll `importJob(id:)`. For files, and bundles over the request size limit, use POST /api/v1/imports. Needs an API key with write scope."
    )
    async def import_bundle(
        self,
        info: Info,
        bundle: Annotated[
            JSON,
            strawberry.argument(
                description='The bundle: `{"format": "crisisgraph-bundle", "version": 1, "records": {...}}`.'
            ),
        ],
    ) -> ImportBundleResult:
        from db.bundles import BundleError, check_bundle_file

        require_scope(info, "write")
        text = json.dumps(bundle, ensure_ascii=False).encode()
        limit = max_import_bytes(info.context.settings)

        async def body() -> AsyncIterator[bytes]:
            yield text

        try:
            stored = await store_upload(
                body(), filename=None, default_name="bundle.json", limit=limit
            )
        except UploadTooLarge as exc:
            return ValidationError(message=str(exc), field=["bundle"])
        try:
            try:
                await asyncio.to_thread(check_bundle_file, stored.path)
            except BundleError as exc:
                stored.discard()
                return _invalid(exc)
            row = await info.context.write(
                create_job,
                type=ImportType.BUNDLE,
                filename=None,
                size_bytes=stored.size,
                key_name=info.context.key_name,
            )
            import_runner(info.context.request.app.state).submit(row, stored)
        except BaseException:
            stored.discard()
            raise
        return _job(info, row)
