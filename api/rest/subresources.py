"""Lists under a record (``/leaders/{id}/engagements``, ``/claims/{id}/citations``, ...) and the
small helpers the resource modules share.

A list of one parent's children is a normal filtered list: the child resource's rendering, sort
fields, ``fields=``, ``expand=``, formats and cursor paging with Link headers, over a query the
data layer builds from the parent record and the query parameters. An unknown parent is a 404,
never an empty list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.rest import engagements, formats
from api.rest.params import PAGING, SHAPING, Params
from api.rest.problems import from_data_error
from api.rest.resource import Expander, Resource, guarded, page_args, page_links, reading
from db import engagements as eq
from db import errors
from db.paging import Ordering, count, fetch_page
from db.serialize import to_dicts
from db.sorting import ordering_from
from db.sources import citations_of

COUNTRY_PREFIX = "country_"


@dataclass
class SubList:
    """``GET /{parent}/{id}/{segment}``: the children of one parent record, paged."""

    parent: Resource
    segment: str
    child: Resource
    query: Callable[[Any, Params], Select[Any]]  # parent row, parameters → the filtered SELECT
    filters: tuple[str, ...] = ()
    default_sort: str = ""  # the child's default when empty

    @property
    def path(self) -> str:
        return f"/{self.parent.name}/{{id}}/{self.segment}"

    def route(self) -> Route:
        return Route(self.path, self.list, methods=["GET", "HEAD"])

    def ordering(self, spec: str | None) -> Ordering:
        try:
            return ordering_from(
                f"{self.parent.name}/{self.segment}",
                spec,
                self.child.sorts,
                self.child.id_column,
                self.default_sort or self.child.default_sort,
            )
        except errors.DataError as exc:
            raise from_data_error(exc, where="param") from None

    async def list(self, request: Request) -> Response:
        params = Params(request.query_params, (*self.filters, *PAGING, *SHAPING))
        media = formats.negotiate(request, params)
        fields = params.items("fields", limit=50)
        expand = self.child._expand(params)
        ordering = self.ordering(params.text("sort"))
        async with reading(request) as session:
            parent = await self.parent.find(session, request.path_params["id"])
            try:
                query = self.query(parent, params)
            except errors.DataError as exc:
                raise from_data_error(exc, where="param") from None
            if media != formats.JSON:
                return await self.child._stream(
                    request, media, query, ordering, params, expand, fields
                )
            page = await guarded(fetch_page(session, query, ordering, page_args(params)))
            items = await self.child.render(session, page.rows, expand, fields)
            links = page_links(request, page)
            body: dict[str, Any] = {"data": items, "links": links}
            if params.flag("with_total"):
                body["total"] = await count(session, query)
        headers = (
            {"Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())}
            if links
            else {}
        )
        return JSONResponse(body, headers=headers)


# --- helpers the resource modules share ----------------------------------------------------------


def enum_sort(column: Any) -> Any:
    """An enum column as a sort key whose cursor holds its value as plain text. (db.paging checks a
    cursor's values against the column's Python type, and a value read back from JSON is a str,
    never the enum: a cursor of a plain enum column would be refused as not of this list.) The
    SQL is the same: the enums are stored as VARCHAR."""
    return type_coerce(column, String).label(column.key)


def as_of(params: Params) -> dt.date:
    """``as_of=``, today when omitted (as GraphQL's ``asOf``)."""
    return params.date("as_of") or dt.date.today()


def renamed(exc: errors.DataError, names: dict[str, str]) -> errors.DataError:
    """The data layer's error with its field renamed to the query parameter the client sent."""
    if exc.field in names:
        return type(exc)(exc.message, field=names[exc.field])
    return exc


def country_code(value: Any) -> Any:
    """A country reference in a request body: an ISO code or, as responses show it, a country ID
    (``country_UA``)."""
    if isinstance(value, str) and value.startswith(COUNTRY_PREFIX):
        return value[len(COUNTRY_PREFIX) :]
    return value


def with_country_codes(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: country_code(v) if k in names else v for k, v in data.items()}


async def grouped_dicts(
    session: AsyncSession, kind: str, groups: Mapping[int, Sequence[Any]]
) -> dict[int, list[dict[str, Any]]]:
    """Rows grouped by parent → their canonical forms, grouped the same way (one batch)."""
    flat = [row for rows in groups.values() for row in rows]
    rendered = iter(await to_dicts(session, kind, flat))
    return {key: [next(rendered) for _ in rows] for key, rows in groups.items()}


def citations_expander(target: str) -> Expander:
    """``expand=citations`` for a citable kind: the citations of each row, in the order of their
    place in the source text (as GraphQL's ``citations``)."""

    async def expand(session: AsyncSession, rows: Sequence[Any]) -> dict[int, list[dict[str, Any]]]:
        found = await citations_of(session, [r.id for r in rows if r.id], target)
        return await grouped_dicts(
            session, "citation", {key: [c for c, _ in pairs] for key, pairs in found.items()}
        )

    return expand


def engagements_of(kind: str, key: Callable[[Any], Any]) -> Callable[[Any, Params], Select[Any]]:
    """The query of ``/{leaders,countries,groups}/{id}/engagements``: the engagements the actor
    took part in (a country directly or through one of its leaders, as GraphQL's nested
    ``engagements``), narrowed by the engagement list's own filters."""

    def build(row: Any, params: Params) -> Select[Any]:
        try:
            filters = engagements.engagement_filter(params)
            return eq.engagements_of_actor_query(kind, key(row), filters)
        except errors.DataError as exc:
            raise renamed(exc, {"countries": "country"}) from None

    return build
