"""/api/v1/imports: send a bundle or a GDELT file, and follow its import.

``POST /api/v1/imports`` (an API key with write scope) takes

- a bundle (docs/bundle.md) as the body, ``Content-Type: application/json``;
- a file as ``multipart/form-data`` in the field ``file``: a bundle when the part says
  ``application/json`` or its name ends in ``.json``, else a GDELT events file;
- a GDELT events file as the body, ``text/csv``, ``text/tab-separated-values``,
  ``application/zip`` or ``application/octet-stream``.

``?type=bundle|gdelt`` names the type when the media type does not (and must agree with it);
``?skip_bad_rows=true`` imports a GDELT file's good rows and lists the bad ones in the job's
errors. The upload is streamed to a temporary file, refused with 413 past
``CRISISGRAPH_MAX_IMPORT_BYTES`` (200 MiB), and imported in the background (db/imports.py): the
answer is a 202 with the import job and ``Location: /api/v1/imports/{id}``, which the client
polls until ``status`` is ``SUCCEEDED`` or ``FAILED``. Each import is all or nothing.

``GET /api/v1/imports/{id}`` and ``GET /api/v1/imports`` (newest first, cursor paging, filters
``status`` and ``type``) need a write key too: a job shows the rows of someone's file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from api.rest.openapi import Operation, Param, Reply, page_of, register
from api.rest.params import Params
from api.rest.problems import Problem, from_data_error
from api.rest.resource import caller, guarded, page_args, page_links
from db import errors
from db.imports import (
    ImportStatus,
    ImportType,
    StoredUpload,
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

BUNDLE_MEDIA = ("application/json",)
GDELT_MEDIA = (
    "text/csv",
    "text/tab-separated-values",
    "application/zip",
    "application/x-zip-compressed",
    "application/octet-stream",
)
MULTIPART = "multipart/form-data"
FILE_FIELD = "file"
MULTIPART_OVERHEAD = 1 << 20  # headers and boundaries a form may add around the file
POST_PARAMS = ("type", "skip_bad_rows")
LIST_PARAMS = ("limit", "cursor", "with_total", "status", "type")
_UNSUPPORTED = (
    "send a bundle as application/json, or a GDELT file as multipart/form-data (field 'file'), "
    "text/csv or application/zip"
)


def _media(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _declared_type(params: Params) -> ImportType | None:
    value = params.text("type")
    if value is None:
        return None
    try:
        return ImportType(value.upper())
    except ValueError:
        raise Problem(400, f"'type' is bundle or gdelt, not {value!r}", param="type") from None


def _check_type(declared: ImportType | None, found: ImportType) -> ImportType:
    if declared is not None and declared is not found:
        if declared is ImportType.BUNDLE:
            raise Problem(415, "a bundle is sent as application/json", param="Content-Type")
        raise Problem(
            415,
            "a GDELT file is sent as multipart/form-data, text/csv or application/zip",
            param="Content-Type",
        )
    return found


async def _body(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except ClientDisconnect:
        raise Problem(400, "the client stopped sending the body") from None


def _filename_header(request: Request) -> str | None:
    disposition = request.headers.get("content-disposition")
    if not disposition:
        return None
    _, options = parse_options_header(disposition)
    name = options.get(b"filename")
    return name.decode("utf-8", "replace") if name else None


class _Form:
    """Reads a multipart/form-data body as it arrives, handing on the bytes of its one part,
    ``file``; anything else in the form is refused."""

    def __init__(self, request: Request, limit: int) -> None:
        _, options = parse_options_header(request.headers.get("content-type", ""))
        boundary = options.get(b"boundary")
        if not boundary:
            raise Problem(400, "the multipart/form-data body has no boundary", param="Content-Type")
        self.request = request
        self.pending: list[bytes] = []
        self.headers: dict[str, str] = {}
        self.header_field = b""
        self.header_value = b""
        self.part: str | None = None
        self.found = False
        self.filename: str | None = None
        self.content_type: str | None = None
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
            },
            max_size=limit + MULTIPART_OVERHEAD,
        )

    def _part_begin(self) -> None:
        self.headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _header_end(self) -> None:
        name = self.header_field.decode("latin-1").strip().lower()
        self.headers[name] = self.header_value.decode("utf-8", "replace").strip()
        self.header_field = self.header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get("content-disposition", ""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name != FILE_FIELD:
            raise Problem(
                400, f"unknown form field {name!r}: send the file alone, in the field 'file'"
            )
        if self.found:
            raise Problem(400, "the form has the field 'file' twice: send one file")
        self.found = True
        self.part = name
        filename = options.get(b"filename")
        self.filename = filename.decode("utf-8", "replace") if filename else None
        self.content_type = self.headers.get("content-type", "").split(";")[0].strip().lower()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self.pending.append(data[start:end])

    async def file(self) -> AsyncIterator[bytes]:
        async for chunk in _body(self.request):
            try:
                self.parser.write(chunk)
            except Problem:
                raise
            except Exception as exc:  # python-multipart's parse errors, the size limit
                raise Problem(400, f"the multipart/form-data body is malformed: {exc}") from None
            if self.pending:
                yield b"".join(self.pending)
                self.pending.clear()
        self.parser.finalize()
        if not self.found:
            raise Problem(400, "the form has no field 'file': send the file in it")


def _multipart_type(form: _Form) -> ImportType:
    if form.content_type in BUNDLE_MEDIA or (form.filename or "").lower().endswith(".json"):
        return ImportType.BUNDLE
    return ImportType.GDELT


async def create_import(request: Request) -> Response:
    params = Params(request.query_params, POST_PARAMS)
    declared = _declared_type(params)
    skip_bad_rows = params.flag("skip_bad_rows")
    who = await _writer(request)  # before a byte of the body is read
    media = _media(request)
    limit = max_import_bytes(request.app.state.settings)
    length = request.headers.get("content-length")
    if media != MULTIPART and media not in BUNDLE_MEDIA and media not in GDELT_MEDIA:
        raise Problem(415, _UNSUPPORTED, param="Content-Type")
    overhead = MULTIPART_OVERHEAD if media == MULTIPART else 0
    if length and length.isdigit() and int(length) > limit + overhead:
        raise Problem(413, f"the upload is larger than {limit:,} bytes (max_import_bytes)")
    try:
        if media == MULTIPART:
            form = _Form(request, limit)
            stored = await store_upload(
                form.file(), filename=None, default_name="upload", limit=limit
            )
            stored.filename = form.filename
            kind = _check_type(declared, declared or _multipart_type(form))
        else:
            kind = _check_type(
                declared, ImportType.BUNDLE if media in BUNDLE_MEDIA else ImportType.GDELT
            )
            default = "bundle.json" if kind is ImportType.BUNDLE else "upload"
            stored = await store_upload(
                _body(request),
                filename=_filename_header(request),
                default_name=default,
                limit=limit,
            )
    except UploadTooLarge as exc:
        raise Problem(413, str(exc)) from None
    return await _start(request, stored, kind, skip_bad_rows, who)


async def _writer(request: Request) -> str:
    """The name of the request's API key, which must have write scope (401, 403 as writes)."""
    async with request.app.state.sessions() as session:
        who = await caller(request, session)
    if who.key_name is None:
        raise Problem(
            401,
            "writing needs an API key with write scope",
            headers={"WWW-Authenticate": 'Bearer realm="crisisgraph"'},
        )
    if "write" not in who.scopes:
        raise Problem(403, f"the API key {who.key_name!r} may read but not write")
    return who.key_name


async def _start(
    request: Request,
    stored: StoredUpload,
    kind: ImportType,
    skip_bad_rows: bool,
    key_name: str | None,
) -> Response:
    try:
        if stored.size == 0:
            raise Problem(400, "the upload is empty")
        if skip_bad_rows and kind is ImportType.BUNDLE:
            raise Problem(
                400, "skip_bad_rows applies to GDELT files, not bundles", param="skip_bad_rows"
            )
        options = {"skipBadRows": skip_bad_rows} if kind is ImportType.GDELT else {}
        async with request.app.state.sessions() as session:
            job = await create_job(
                session,
                type=kind,
                filename=stored.filename,
                size_bytes=stored.size,
                options=options,
                key_name=key_name,
            )
            await session.commit()
        import_runner(request.app.state).submit(job, stored)
    except BaseException:
        stored.discard()
        raise
    location = f"{request.url.path.rstrip('/')}/{job.public_id}"
    return JSONResponse(job_dict(job), status_code=202, headers={"Location": location})


async def get_import(request: Request) -> Response:
    Params(request.query_params, ())
    await _writer(request)
    # A read, not writing(): on SQLite that would wait for the write lock an import holds.
    async with request.app.state.sessions() as session:
        try:
            job = await get_job(session, request.path_params["id"])
        except errors.DataError as exc:
            raise from_data_error(exc) from None
        live = import_runner(request.app.state).live_progress(job.public_id)
        return JSONResponse(job_dict(job, live))


async def list_imports(request: Request) -> Response:
    params = Params(request.query_params, LIST_PARAMS)
    statuses = params.enums("status", ImportStatus)
    types = params.enums("type", ImportType)
    args = page_args(params)
    await _writer(request)
    async with request.app.state.sessions() as session:
        page = await guarded(list_jobs(session, args, statuses=statuses, types=types))
        runner = import_runner(request.app.state)
        body: dict[str, Any] = {
            "data": [job_dict(job, runner.live_progress(job.public_id)) for job in page.rows],
            "links": page_links(request, page),
        }
        if params.flag("with_total"):
            body["total"] = await count_jobs(session, statuses=statuses, types=types)
    links = body["links"]
    headers = (
        {"Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())} if links else {}
    )
    return JSONResponse(body, headers=headers)


async def imports(request: Request) -> Response:
    if request.method == "POST":
        return await create_import(request)
    return await list_imports(request)


ROUTES: list[BaseRoute] = [
    Route("/imports", imports, methods=["GET", "HEAD", "POST"]),
    Route("/imports/{id}", get_import, methods=["GET", "HEAD"]),
]


# --- the OpenAPI document ------------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=False, extra="forbid")


class ImportErrorItem(_Out):
    """One reason an import failed, or (with skip_bad_rows) a GDELT row it left out."""

    row: int | None = Field(description="The GDELT file's line; null for a bundle.")
    field: str | None = Field(
        description="The GDELT column, or the bundle path (`records.leaders[3].name`), at fault."
    )
    reason: str


class ImportProgress(_Out):
    phase: str = Field(description="checking or importing.")
    done: int
    total: int
    unit: str = Field(description="bytes or records.")


class ImportJob(_Out):
    """An import: what was sent, how far it got, what it did or why it failed."""

    id: Annotated[str, Field(pattern="^import_[0-9a-hjkmnp-tv-z]{26}$")]
    type: ImportType
    status: ImportStatus
    filename: str | None = Field(description="The file's name, when the upload gave one.")
    size_bytes: int = Field(ge=0)
    options: dict[str, Any] = Field(description="`skipBadRows` for GDELT files.")
    progress: ImportProgress | None = Field(description="While it is queued or runs.")
    counts: dict[str, Any] | None = Field(
        description="Once it is over: created, updated, unchanged, skipped ... (see "
        "docs/bundle.md and db/gdelt.py)."
    )
    errors: list[ImportErrorItem] = Field(description="The first 100 errors.")
    error_count: int = Field(ge=0, description="How many errors there were in all.")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class BundleUpload(BaseModel):
    """A bundle: see docs/bundle.md and docs/bundle.schema.json."""

    model_config = ConfigDict(extra="allow")

    format: str = Field(description="crisisgraph-bundle")
    version: int = Field(description="1")
    records: dict[str, list[dict[str, Any]]]


_STATUS = Param.enums("status", ImportStatus, "Imports in these statuses. Comma-separated.")
_TYPE = Param.enums("type", ImportType, "Imports of these types. Comma-separated.")
register(
    Operation(
        "post",
        "/api/v1/imports",
        "createImport",
        "Import a bundle or a GDELT file",
        "imports",
        "Send a bundle as application/json, or a file as multipart/form-data in the field "
        "`file` (a bundle when the part is application/json or named *.json, else a GDELT events "
        "file), or a GDELT file as text/csv or application/zip. The upload is stored (up to "
        "CRISISGRAPH_MAX_IMPORT_BYTES, 200 MiB) and imported in the background, all or nothing; "
        "poll the Location until the status is SUCCEEDED or FAILED.",
        params=(
            Param(
                "type",
                {"type": "string", "enum": ["bundle", "gdelt"]},
                "What the body is, when its media type does not say.",
            ),
            Param.flag("skip_bad_rows", "GDELT: import the good rows, list the bad ones."),
        ),
        body=BundleUpload,
        responses=(Reply(202, "The import, queued.", ImportJob, headers=("Location",)),),
        access="write",
        problems=(400, 413, 415, 429),
    ),
    Operation(
        "get",
        "/api/v1/imports",
        "listImports",
        "List imports",
        "imports",
        "Newest first.",
        params=(
            Param(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50},
                "Imports per page.",
            ),
            Param.text("cursor", "Start after this cursor: the one in `links.next`."),
            Param.flag("with_total", "Add `total`."),
            _STATUS,
            _TYPE,
        ),
        responses=(Reply(200, "A page of imports.", page_of(ImportJob), headers=("Link",)),),
        access="write",
        problems=(400, 429),
    ),
    Operation(
        "get",
        "/api/v1/imports/{id}",
        "getImport",
        "Get an import",
        "imports",
        "Poll it until its status is SUCCEEDED or FAILED.",
        params=(Param.path("id", "The import's ID (`import_…`)."),),
        responses=(Reply(200, "The import.", ImportJob),),
        access="write",
        problems=(404, 429),
    ),
)
