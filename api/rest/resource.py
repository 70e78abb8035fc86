"""One machinery for every REST resource: list (filters, sort, fields, expand, cursor paging with
Link headers, CSV and NDJSON streamed), get (ETag, 304), create, update and delete (API key
with write scope, If-Match against lost updates). Each resource module describes itself with a
``Resource``; the data work is done by functions in db/ that GraphQL calls too."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError
from pydantic.alias_generators import to_camel
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from api.auth import AuthError, Caller, authenticate_request
from api.rest import formats
from api.rest.params import PAGING, SHAPING, Params
from api.rest.problems import Problem, from_data_error
from db import errors
from db.concurrency import claim_if_match, etag, matches
from db.deletion import delete_record
from db.engine import begin_write
from db.paging import Ordering, Page, PageArgs, count, fetch_page
from db.records import get_by_public_id
from db.serialize import to_dicts
from db.sorting import ordering_from

JSON_TYPES = ("application/json", "*/*")
Expander = Callable[[AsyncSession, Sequence[Any]], Awaitable[dict[int, list[dict[str, Any]]]]]


class Input(BaseModel):
    """Base of request bodies: camelCase like every response, unknown fields refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=False, extra="forbid")


@dataclass
class Resource:
    name: str  # the URL segment: "engagements"
    kind: str  # the ID prefix and canonical kind: "engagement"
    model: type[SQLModel]
    query: Callable[[Params], Select[Any]]  # the filtered SELECT, built by db/ from the params
    filters: tuple[str, ...] = ()
    sorts: dict[str, Any] = field(default_factory=dict)
    default_sort: str = ""
    id_column: Any = None
    expansions: dict[str, Expander] = field(default_factory=dict)
    create_input: type[Input] | None = None
    update_input: type[Input] | None = None
    create: Callable[[AsyncSession, Any], Awaitable[Any]] | None = None
    update: Callable[[AsyncSession, str, Any], Awaitable[Any]] | None = None
    to_create: Callable[[dict[str, Any]], Any] | None = None  # body dict → db input model
    to_update: Callable[[dict[str, Any]], Any] | None = None
    csv: formats.CsvShape | None = None
    deletable: bool = True
    lookup: Callable[[AsyncSession, str], Awaitable[Any]] | None = None  # by id or natural key
    field_names: tuple[str, ...] = ()  # top-level keys of the canonical form, for fields=

    def ordering(self, spec: str | None) -> Ordering:
        try:
            return ordering_from(self.name, spec, self.sorts, self.id_column, self.default_sort)
        except errors.DataError as exc:
            raise from_data_error(exc, where="param") from None

    # --- routes ------------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        methods_item = (
            ["GET", "HEAD"]
            + (["PATCH"] if self.update else [])
            + (["DELETE"] if self.deletable else [])
        )
        return [
            Route(
                f"/{self.name}",
                self.list_or_create,
                methods=["GET", "HEAD"] + (["POST"] if self.create else []),
            ),
            Route(f"/{self.name}/{{id}}", self.item, methods=methods_item),
        ]

    async def list_or_create(self, request: Request) -> Response:
        if request.method == "POST":
            return await self.create_one(request)
        return await self.list_all(request)

    async def item(self, request: Request) -> Response:
        if request.method in ("GET", "HEAD"):
            return await self.get(request)
        if request.method == "PATCH":
            return await self.patch(request)
        return await self.delete(request)

    # --- reading -----------------------------------------------------------------------------

    async def list_all(self, request: Request) -> Response:
        params = Params(request.query_params, (*self.filters, *PAGING, *SHAPING))
        media = formats.negotiate(request, params)
        fields = params.items("fields", limit=50)
        expand = self._expand(params)
        ordering = self.ordering(params.text("sort"))
        async with reading(request) as session:
            query = self._query(params)
            if media != formats.JSON:
                return await self._stream(request, media, query, ordering, params, expand, fields)
            args = page_args(params)
            page = await guarded(fetch_page(session, query, ordering, args))
            items = await self.render(session, page.rows, expand, fields)
            body: dict[str, Any] = {"data": items}
            links = page_links(request, page)
            body["links"] = {rel: url for rel, url in links.items()}
            if params.flag("with_total"):
                body["total"] = await count(session, query)
        headers = (
            {"Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())}
            if links
            else {}
        )
        return JSONResponse(body, headers=headers)

    async def get(self, request: Request) -> Response:
        params = Params(request.query_params, ("fields", "expand"))
        fields = params.items("fields", limit=50)
        expand = self._expand(params)
        async with reading(request) as session:
            row = await self.find(session, request.path_params["id"])
            tag = etag(row)
            if (none_match := request.headers.get("if-none-match")) and matches(none_match, row):
                return Response(status_code=304, headers={"ETag": tag})
            [item] = await self.render(session, [row], expand, fields)
        return JSONResponse(item, headers={"ETag": tag})

    async def find(self, session: AsyncSession, key: str) -> Any:
        try:
            if self.lookup is not None:
                return await self.lookup(session, key)
            return await get_by_public_id(session, self.model, key)
        except (errors.ValidationError, errors.NotFoundError) as exc:  # malformed or unknown
            raise Problem(404, f"no {self.kind} with ID {key!r}") from exc
        except errors.DataError as exc:
            raise from_data_error(exc) from None

    async def render(
        self,
        session: AsyncSession,
        rows: Sequence[Any],
        expand: Sequence[str],
        fields: Sequence[str],
    ) -> list[dict[str, Any]]:
        items = await to_dicts(session, self.kind, rows)
        for name in expand:
            embedded = await self.expansions[name](session, rows)
            for row, item in zip(rows, items, strict=True):
                item[name] = embedded.get(row.id, [])
        if fields:
            known = set(self.field_names) | set(expand) if self.field_names else None
            if known is None:  # a resource that does not list its fields: its first record
                known = set(items[0]) if items else set(fields)
            unknown = [f for f in fields if f not in known]
            if unknown:
                raise Problem(400, f"unknown field {unknown[0]!r}", param="fields")
            items = [{k: v for k, v in item.items() if k in fields or k == "id"} for item in items]
        return items

    def _expand(self, params: Params) -> tuple[str, ...]:
        names = params.items("expand", limit=10)
        for name in names:
            if name not in self.expansions:
                options = ", ".join(self.expansions) or "nothing"
                raise Problem(
                    400, f"cannot expand {name!r}; expand one of: {options}", param="expand"
                )
        return names

    def _query(self, params: Params) -> Select[Any]:
        try:
            return self.query(params)
        except errors.DataError as exc:
            raise from_data_error(exc, where="param") from None

    async def _stream(
        self,
        request: Request,
        media: str,
        query: Select[Any],
        ordering: Ordering,
        params: Params,
        expand: Sequence[str],
        fields: Sequence[str],
    ) -> Response:
        """Stream the whole list (or `limit` records from `cursor`) in batches of 1000, each
        read with a keyset query: memory stays flat however long the list."""
        if params.text("before") is not None:
            raise Problem(400, "an export reads forward: give cursor, not before", param="before")
        limit = params.limit() if params.text("limit") else None
        start = params.text("cursor")
        sessions = request.app.state.sessions
        resource = self

        async def rows() -> AsyncIterator[list[dict[str, Any]]]:
            sent, cursor = 0, start
            async with sessions() as session:
                while limit is None or sent < limit:
                    size = 1000 if limit is None else min(1000, limit - sent)
                    page = await guarded(
                        fetch_page(
                            session,
                            query,
                            ordering,
                            PageArgs(first=size, after=cursor, maximum=1000),
                        )
                    )
                    if media == formats.CSV and resource.csv is not None:
                        yield await resource.csv.rows(session, page.rows)
                    else:
                        yield await resource.render(session, page.rows, expand, fields)
                    sent += len(page.rows)
                    if not page.has_next:
                        return
                    cursor = page.cursors[-1]
                    session.expunge_all()

        # Fail before the first byte when the cursor is bad: the status line is still ours.
        if start is not None:
            async with sessions() as session:
                await guarded(
                    fetch_page(
                        session, query, ordering, PageArgs(first=1, after=start, maximum=1000)
                    )
                )
        body = formats.encode(media, rows(), self.csv)
        headers = {
            "Content-Disposition": f'attachment; filename="{self.name}.{formats.EXTENSIONS[media]}"'
        }
        return StreamingResponse(body, media_type=formats.MEDIA_TYPES[media], headers=headers)

    # --- writing -----------------------------------------------------------------------------

    async def create_one(self, request: Request) -> Response:
        assert (
            self.create is not None and self.create_input is not None and self.to_create is not None
        )
        Params(request.query_params, ())
        async with writing(request) as session:
            data = await read_body(request, self.create_input)
            check_lengths(self.model, data)
            try:
                row = await self.create(session, self.to_create(data))
                await session.commit()
            except errors.DataError as exc:
                raise from_data_error(exc) from None
            [item] = await to_dicts(session, self.kind, [row])
        location = f"{request.url.path.rstrip('/')}/{row.public_id}"
        return JSONResponse(
            item, status_code=201, headers={"ETag": etag(row), "Location": location}
        )

    async def patch(self, request: Request) -> Response:
        assert (
            self.update is not None and self.update_input is not None and self.to_update is not None
        )
        Params(request.query_params, ())
        async with writing(request) as session:
            if_match = require_if_match(request)
            data = await read_body(request, self.update_input)
            check_lengths(self.model, data)
            row = await self.find(session, request.path_params["id"])
            try:
                await claim_if_match(session, self.model, row.public_id, if_match)
                row = await self.update(session, row.public_id, self.to_update(data))
                await session.commit()
            except errors.PreconditionFailedError as exc:
                raise Problem(412, exc.message, param="If-Match") from None
            except errors.DataError as exc:
                raise from_data_error(exc) from None
            [item] = await to_dicts(session, self.kind, [row])
        return JSONResponse(item, headers={"ETag": etag(row)})

    async def delete(self, request: Request) -> Response:
        Params(request.query_params, ())
        async with writing(request) as session:
            if_match = require_if_match(request)
            row = await self.find(session, request.path_params["id"])
            try:
                await claim_if_match(session, self.model, row.public_id, if_match)
                await delete_record(session, row.public_id)
                await session.commit()
            except errors.PreconditionFailedError as exc:
                raise Problem(412, exc.message, param="If-Match") from None
            except errors.DataError as exc:
                raise from_data_error(exc) from None
        return Response(status_code=204)


# --- shared steps --------------------------------------------------------------------------------


def page_args(params: Params) -> PageArgs:
    limit = params.limit()
    cursor, before = params.text("cursor"), params.text("before")
    if cursor and before:
        raise Problem(400, "give cursor or before, not both", param="before")
    if before:
        return PageArgs(last=limit, before=before, maximum=1000)
    return PageArgs(first=limit, after=cursor, maximum=1000)


async def guarded(call: Awaitable[Page]) -> Page:
    try:
        return await call
    except errors.DataError as exc:
        if exc.field in ("after", "before"):
            name = "cursor" if exc.field == "after" else "before"
            raise Problem(400, f"{name}: {exc.message}", param=name) from None
        raise from_data_error(exc, where="param") from None


def page_links(request: Request, page: Page) -> dict[str, str]:
    base = {k: v for k, v in request.query_params.items() if k not in ("cursor", "before")}
    links = {}
    if page.has_next and page.cursors:
        links["next"] = f"{request.url.path}?{urlencode({**base, 'cursor': page.cursors[-1]})}"
    if page.has_previous and page.cursors:
        links["prev"] = f"{request.url.path}?{urlencode({**base, 'before': page.cursors[0]})}"
    return links


async def caller(request: Request, session: AsyncSession) -> Caller:
    try:
        return await authenticate_request(request.headers, session)
    except AuthError as exc:
        raise Problem(401, exc.message, headers={"WWW-Authenticate": exc.challenge}) from None


@asynccontextmanager
async def reading(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        who = await caller(request, session)
        if request.app.state.settings.reads_need_key and "read" not in who.scopes:
            raise Problem(
                401,
                "reading needs an API key on this server",
                headers={"WWW-Authenticate": 'Bearer realm="crisisgraph"'},
            )
        yield session


@asynccontextmanager
async def writing(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for one write: the caller must hold a key with write scope. The handler commits
    once at the end; any error rolls back, so nothing is half-written."""
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
        await begin_write(session)
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise


def require_if_match(request: Request) -> str:
    value = request.headers.get("if-match")
    if not value:
        raise Problem(
            428,
            "send If-Match with the ETag you read, so no one else's change is overwritten",
            param="If-Match",
        )
    return value


async def read_body(request: Request, model: type[Input]) -> dict[str, Any]:
    """The JSON body, size-limited, validated against the input model; returns snake_case fields
    the client actually sent."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/json", "application/merge-patch+json"):
        raise Problem(415, "send the body as application/json", param="Content-Type")
    limit = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"the body is larger than {limit} bytes")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise Problem(413, f"the body is larger than {limit} bytes")
    try:
        data = json.loads(raw, parse_constant=_not_json, parse_float=_finite)
    except (ValueError, UnicodeDecodeError):
        raise Problem(400, "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Problem(400, "the body must be a JSON object")
    nul = _nul_at(data)
    if nul is not None:  # PostgreSQL refuses NUL in text: it would be a 500
        message = "must not contain a NUL character"
        raise Problem(
            422, f"{nul}: {message}", field=nul, errors=[{"field": nul, "message": message}]
        )
    try:
        parsed = model.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise Problem(
            422,
            f"{path}: {first['msg']}",
            field=path,
            errors=[
                {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in exc.errors()
            ],
        ) from None
    return parsed.model_dump(exclude_unset=True)


def _not_json(name: str) -> Any:
    """NaN, Infinity and -Infinity: Python's json reads them, JSON has no such numbers."""
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    """A JSON number as a float; one too large for a double (1e400) is refused, not infinity."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def _nul_at(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (or key) holding a NUL character, if any."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if "\x00" in key:
                return f"{path}.{key!r}" if path else repr(key)
            items.append((f"{path}.{key}" if path else key, inner))
    elif isinstance(value, list):
        items = [(f"{path}.{i}", inner) for i, inner in enumerate(value)]
    for inner_path, inner in items:
        found = _nul_at(inner, inner_path)
        if found is not None:
            return found
    return None


def check_lengths(model: type[SQLModel], data: dict[str, Any]) -> None:
    """A string longer than its VARCHAR column is a 422 naming the field, on every database:
    SQLite would store it whole, PostgreSQL would fail the statement (a 500)."""
    columns = model.__table__.columns  # type: ignore[attr-defined]
    for name, value in data.items():
        column = columns.get(name)
        limit = getattr(column.type, "length", None) if column is not None else None
        if isinstance(value, str) and limit is not None and len(value) > limit:
            field = to_camel(name)
            message = f"is longer than {limit} characters"
            raise Problem(
                422,
                f"{field}: {message}",
                field=field,
                errors=[{"field": field, "message": message}],
            )
