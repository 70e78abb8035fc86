"""Keyset paging shared by REST and GraphQL: opaque cursors, page arguments, and one-statement
paging per parent (window functions) for nested connections.

A cursor is the sort key of a row, tagged with the ordering it belongs to and checksummed, then
base64-encoded. A cursor from another list or ordering, or an edited one, is refused with an
error that names the argument.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.errors import ValidationError

DEFAULT_PAGE = 20
MAX_PAGE = 100
_CURSOR_KEY = b"crisisgraph-cursor-v1"


@dataclass(frozen=True)
class Ordering:
    """A named keyset ordering: columns with their direction; the last must be unique (the id)."""

    name: str
    columns: tuple[tuple[Any, bool], ...]  # (column, descending)

    def reversed(self) -> Ordering:
        return Ordering(self.name, tuple((c, not d) for c, d in self.columns))

    def order_by(self) -> list[Any]:
        return [c.desc() if d else c.asc() for c, d in self.columns]

    def key_of(self, row: Any) -> list[Any]:
        return [getattr(row, c.key) for c, _ in self.columns]

    def after(self, values: Sequence[Any]) -> ColumnElement[bool]:
        """Rows strictly after the given key in this ordering."""
        clauses = []
        for i, (column, desc) in enumerate(self.columns):
            equal = [self.columns[j][0] == values[j] for j in range(i)]
            beyond = column < values[i] if desc else column > values[i]
            clauses.append(and_(*equal, beyond))
        return or_(*clauses) if clauses else false()


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return {"$d": value.isoformat()}
    raise TypeError(type(value).__name__)


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and "$d" in value:
        text = value["$d"]
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    return value


def _sign(payload: bytes) -> str:
    return hashlib.blake2b(payload, key=_CURSOR_KEY, digest_size=6).hexdigest()


def encode_cursor(ordering: Ordering, row: Any) -> str:
    payload = json.dumps([ordering.name, ordering.key_of(row)], default=_json_default).encode()
    return base64.urlsafe_b64encode(payload + b"." + _sign(payload).encode()).decode().rstrip("=")


def _python_type(column: Any) -> type:
    try:
        expected: type = column.type.python_type
    except NotImplementedError:
        return str
    if expected is object or issubclass(expected, enum.Enum):
        return str  # SQLModel's AutoString says object; enums travel as their string values
    return expected


def decode_cursor(ordering: Ordering, cursor: str, *, argument: str) -> list[Any]:
    problem = ValidationError(
        f"is not a cursor of this list ({ordering.name}); use a cursor this list returned",
        field=argument,
    )
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload, _, signature = raw.rpartition(b".")
        if not payload or _sign(payload) != signature.decode():
            raise problem
        name, values = json.loads(payload)
    except (ValueError, UnicodeDecodeError, TypeError):
        raise problem from None
    if (
        name != ordering.name
        or not isinstance(values, list)
        or len(values) != len(ordering.columns)
    ):
        raise problem
    decoded = [_decode_value(v) for v in values]
    for (column, _), value in zip(ordering.columns, decoded, strict=True):
        # A forged cursor must not reach the database with a value of the wrong type.
        expected = _python_type(column)
        if type(value) is not expected and not (expected is float and type(value) is int):
            raise problem
        members = getattr(column.type, "enums", None)  # an Enum column: its values
        if members is not None and value not in members:
            raise problem
    return decoded


@dataclass(frozen=True)
class PageArgs:
    """Validated page arguments: forward (first/after) or backward (last/before)."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None
    default: int = DEFAULT_PAGE
    maximum: int = MAX_PAGE

    def __post_init__(self) -> None:
        for name in ("first", "last"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= self.maximum:
                raise ValidationError(f"must be between 0 and {self.maximum}", field=name)
        if self.last is not None and self.first is not None:
            raise ValidationError("give first or last, not both", field="last")
        if self.before is not None and self.after is not None:
            raise ValidationError("give after or before, not both", field="before")
        if self.first is not None and self.before is not None:
            raise ValidationError(
                "pages backward: give last with before, not first", field="before"
            )
        if self.last is not None and self.after is not None:
            raise ValidationError("pages forward: give first with after, not last", field="after")

    @property
    def backward(self) -> bool:
        return self.last is not None or self.before is not None

    @property
    def size(self) -> int:
        value = self.last if self.backward else self.first
        return self.default if value is None else value


@dataclass
class Page:
    """One page of rows with what a connection (or a Link header) needs."""

    rows: list[Any]
    cursors: list[str]
    has_next: bool
    has_previous: bool


def _page_from(rows: list[Any], args: PageArgs, ordering: Ordering) -> Page:
    more = len(rows) > args.size
    rows = rows[: args.size]
    if args.backward:
        rows.reverse()
        return Page(rows, [encode_cursor(ordering, r) for r in rows], args.before is not None, more)
    return Page(rows, [encode_cursor(ordering, r) for r in rows], more, args.after is not None)


async def fetch_page(
    session: AsyncSession, query: Select[Any], ordering: Ordering, args: PageArgs
) -> Page:
    """One statement: the query, past the cursor, in order, limited to the page size + 1."""
    effective = ordering.reversed() if args.backward else ordering
    cursor = args.before if args.backward else args.after
    if cursor is not None:
        argument = "before" if args.backward else "after"
        query = query.where(effective.after(decode_cursor(ordering, cursor, argument=argument)))
    if args.size == 0:
        return Page([], [], False, False)
    query = query.order_by(*effective.order_by()).limit(args.size + 1)
    rows = list((await session.execute(query)).scalars())
    return _page_from(rows, args, ordering)


async def fetch_pages_per_parent(
    session: AsyncSession,
    query: Select[Any],
    entity: type[Any],
    parent: Any,
    parents: Sequence[Any],
    ordering: Ordering,
    args: PageArgs,
) -> dict[Any, Page]:
    """One statement for the pages of many parents: ROW_NUMBER() OVER (PARTITION BY parent),
    so each parent gets its own first N rows (a single LIMIT over the batch would not)."""
    if args.backward:
        raise ValidationError("nested lists page forward only (first/after)", field="last")
    if args.after is not None:
        query = query.where(ordering.after(decode_cursor(ordering, args.after, argument="after")))
    result: dict[Any, Page] = {p: Page([], [], False, args.after is not None) for p in parents}
    if args.size == 0 or not parents:
        return result
    number = func.row_number().over(partition_by=parent, order_by=ordering.order_by())
    inner = (
        query.add_columns(parent.label("parent_key"), number.label("row_number"))
        .where(parent.in_(list(parents)))
        .subquery()
    )
    row_entity = aliased(entity, inner)
    rows = await session.execute(
        select(row_entity, inner.c["parent_key"])
        .where(inner.c["row_number"] <= args.size + 1)
        .order_by(inner.c["parent_key"], inner.c["row_number"])
    )
    grouped: dict[Any, list[Any]] = {p: [] for p in parents}
    for row, parent_key in rows:
        grouped[parent_key].append(row)
    for key, items in grouped.items():
        result[key] = _page_from(items, args, ordering)
    return result


async def count_per_parent(
    session: AsyncSession,
    query: Select[Any],
    parent: Any,
    parents: Sequence[Any],
) -> dict[Any, int]:
    inner = (
        query.add_columns(parent.label("parent_key")).where(parent.in_(list(parents))).subquery()
    )
    rows = await session.execute(
        select(inner.c["parent_key"], func.count()).group_by(inner.c["parent_key"])
    )
    counts = {p: 0 for p in parents}
    counts.update({k: int(v) for k, v in rows})
    return counts


async def count(session: AsyncSession, query: Select[Any]) -> int:
    return int(
        (
            await session.execute(select(func.count()).select_from(query.order_by(None).subquery()))
        ).scalar_one()
    )
