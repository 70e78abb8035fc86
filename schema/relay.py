"""Node, connections and paging arguments: the Relay-style contract every list follows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from db.errors import DataError
from db.paging import DEFAULT_PAGE, MAX_PAGE, Page, PageArgs
from schema.errors import argument_error

T = TypeVar("T")

FIRST = f"Page size: at most {MAX_PAGE}, {DEFAULT_PAGE} when omitted. Above {MAX_PAGE} or below 0 is an error."
AFTER = "Cursor after which to start: the endCursor of the previous page. A cursor from another list is an error."
LAST = f"Page size counted back from `before` (or from the end): at most {MAX_PAGE}."
BEFORE = "Cursor before which to stop: the startCursor of the next page."


@strawberry.interface(
    description="A record with a stable public ID, fetchable with `node(id:)`. "
    "The ID's prefix names the type (`leader_...`, `country_UA`); the same ID serves REST."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Stable public ID: never changes, never reused."
    )


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More records follow this page.")
    has_previous_page: bool = strawberry.field(description="Records precede this page.")
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first record on the page."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last record; pass it as `after`."
    )


@strawberry.type(description="A record in a page, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this record in its list.")
    node: T = strawberry.field(description="The record.")


@strawberry.type(
    description="A page of a list: edges (records with cursors), nodes, paging information and the total."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The records on this page, with cursors.")
    nodes: list[T] = strawberry.field(description="The records on this page.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    _total: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(
        description="How many records the whole list holds (with its filters). "
        "Costs one extra statement per level: ask for it only when needed."
    )
    async def total_count(self) -> int:
        return await self._total()


def page_args(
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> PageArgs:
    try:
        return PageArgs(first=first, after=after, last=last, before=before)
    except DataError as exc:
        raise argument_error(exc) from None


def connection(
    page: Page, convert: Callable[[Any], T], total: Callable[[], Awaitable[int]]
) -> Connection[T]:
    nodes = [convert(row) for row in page.rows]
    return Connection(
        edges=[Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        _total=total,
    )


async def guarded(call: Awaitable[T]) -> T:
    """Await a data-layer call; a refusal of an argument becomes a GraphQL error naming it."""
    try:
        return await call
    except DataError as exc:
        raise argument_error(exc) from None


async def list_connection(
    info: Any,
    convert: Callable[[Any], T],
    list_fn: Callable[..., Awaitable[Page]],
    count_fn: Callable[..., Awaitable[int]],
    args: PageArgs,
    *filters: Any,
) -> Connection[T]:
    """A top-level list: one page (one statement) and, only when asked for, its total."""
    page = await guarded(info.context.db(list_fn, *filters, args))

    async def total() -> int:
        return await info.context.db(count_fn, *filters)

    return connection(page, convert, total)
