"""Sources and citations: every fact tied to the exact words of its source."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from db.errors import ValidationError
from db.ids import id_type, new_id
from db.models import Citation, Claim, Engagement, Membership, Position, Source, Stance, Statement
from db.paging import Ordering, Page, PageArgs, count, fetch_page
from db.records import check_text, flush, get_by_public_id, pk

CITABLE: dict[str, tuple[type[SQLModel], str]] = {
    "engagement": (Engagement, "engagement_id"),
    "statement": (Statement, "statement_id"),
    "claim": (Claim, "claim_id"),
    "stance": (Stance, "stance_id"),
    "membership": (Membership, "membership_id"),
    "position": (Position, "position_id"),
}


class SourceCreate(SQLModel):
    title: str
    publisher: str | None = None
    url: str | None = None
    language: str | None = None
    published_at: datetime | None = None
    licence: str | None = None
    text: str | None = None
    public_id: str | None = None


class CitationCreate(SQLModel):
    source: str
    target: str
    excerpt: str
    start: int | None = None
    end: int | None = None
    public_id: str | None = None


async def create_source(session: AsyncSession, data: SourceCreate) -> Source:
    check_text(data.title, field="title", max_length=500)
    source = Source(
        public_id=data.public_id or new_id("source"),
        **data.model_dump(exclude={"public_id"}),
    )
    session.add(source)
    await flush(session, "source")
    return source


def locate_excerpt(
    text: str | None, excerpt: str, start: int | None, end: int | None
) -> tuple[int, int]:
    """Check (or, when not given, find) the offsets of an excerpt in its source's text.

    With offsets, ``text[start:end]`` must equal the excerpt. Without, the excerpt must occur
    exactly once. A source whose text we may not keep cannot be checked: offsets are then required.
    """
    if not excerpt:
        raise ValidationError("must not be empty", field="excerpt")
    if start is None or end is None:
        if text is None:
            raise ValidationError("the source keeps no text: give start and end", field="start")
        first = text.find(excerpt)
        if first < 0:
            raise ValidationError("does not occur in the source text", field="excerpt")
        if text.find(excerpt, first + 1) >= 0:
            raise ValidationError(
                "occurs more than once in the source: give start and end", field="start"
            )
        return first, first + len(excerpt)
    if start < 0 or end <= start:
        raise ValidationError(f"offsets {start}..{end} are not a range", field="start")
    if text is not None:
        if end > len(text):
            raise ValidationError(f"offset {end} is past the end of the source text", field="end")
        if text[start:end] != excerpt:
            raise ValidationError(
                f"the source text at {start}..{end} is {text[start:end]!r}, not the excerpt",
                field="excerpt",
            )
    elif end - start != len(excerpt):
        raise ValidationError("end - start must equal the excerpt's length", field="end")
    return start, end


async def add_citation(session: AsyncSession, data: CitationCreate) -> Citation:
    source = await get_by_public_id(session, Source, data.source, field="source")
    kind = id_type(data.target)
    if kind not in CITABLE:
        raise ValidationError(
            f"{data.target!r} is not a citable record (engagement, statement, claim, stance, "
            "membership or position)",
            field="target",
        )
    model, column = CITABLE[kind]
    target: SQLModel = await get_by_public_id(session, model, data.target, field="target")
    start, end = locate_excerpt(source.text, data.excerpt, data.start, data.end)
    citation = Citation(
        public_id=data.public_id or new_id("citation"),
        source_id=pk(source),
        excerpt=data.excerpt,
        start_offset=start,
        end_offset=end,
    )
    setattr(citation, column, pk(target))
    session.add(citation)
    await flush(session, "citation")
    return citation


# --- reading -----------------------------------------------------------------------------------

SOURCE_ORDER = Ordering("sources:id", ((Source.id, False),))


async def list_sources(session: AsyncSession, args: PageArgs) -> Page:
    return await fetch_page(session, select(Source), SOURCE_ORDER, args)


async def count_sources(session: AsyncSession) -> int:
    return await count(session, select(Source))


async def sources_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Source]:
    rows = await session.execute(select(Source).where(col(Source.id).in_(list(ids))))
    return {s.id: s for s in rows.scalars() if s.id is not None}


async def citations_of(
    session: AsyncSession, ids: Sequence[int], target: str
) -> dict[int, list[tuple[Citation, Source]]]:
    """Citations of many records of one kind (engagement, statement, claim, stance, membership,
    position), each with its source, in one statement."""
    column = col(getattr(Citation, CITABLE[target][1]))
    rows = await session.execute(
        select(Citation, Source)
        .join(Source, col(Source.id) == Citation.source_id)
        .where(column.in_(list(ids)))
        .order_by(column, col(Citation.start_offset), col(Citation.id))
    )
    out: dict[int, list[tuple[Citation, Source]]] = {i: [] for i in ids}
    for citation, source in rows:
        out[getattr(citation, CITABLE[target][1])].append((citation, source))
    return out


# --- changing ----------------------------------------------------------------------------------


class SourceUpdate(SQLModel):
    """Fields to change; fields left out stay as they are, null clears an optional field."""

    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    language: str | None = None
    published_at: datetime | None = None
    licence: str | None = None
    text: str | None = None


async def update_source(session: AsyncSession, public_id: str, data: SourceUpdate) -> Source:
    source = await get_by_public_id(session, Source, public_id)
    changes = data.model_dump(exclude_unset=True)
    if "title" in changes:
        check_text(changes["title"], field="title", max_length=500)
    if "text" in changes and changes["text"] != source.text:
        # Citations point at offsets in the text: it may only change while nothing cites it.
        cited = await session.execute(
            select(col(Citation.id)).where(col(Citation.source_id) == source.id).limit(1)
        )
        if cited.first() is not None:
            raise ValidationError("cannot change while citations point into it", field="text")
    for name, value in changes.items():
        setattr(source, name, value)
    await flush(session, "source")
    return source


async def add_citation_with_source(
    session: AsyncSession, data: CitationCreate
) -> tuple[Citation, Source]:
    citation = await add_citation(session, data)
    source = await session.get(Source, citation.source_id)
    assert source is not None  # the foreign key guarantees it
    return citation, source


# --- reading for REST: sources and citations as lists of their own -------------------------------


def sources_query() -> Select[Any]:
    return select(Source)


@dataclass(frozen=True)
class CitationFilter:
    sources: Sequence[str] = ()  # source public IDs
    targets: Sequence[str] = ()  # public IDs of cited records (engagement, statement, ...)

    def clauses(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.sources:
            out.append(
                col(Citation.source_id).in_(
                    select(col(Source.id)).where(col(Source.public_id).in_(list(self.sources)))
                )
            )
        if self.targets:
            by_kind: dict[str, list[str]] = {}
            for target in self.targets:
                kind = id_type(target)
                if kind in CITABLE:
                    by_kind.setdefault(kind, []).append(target)
            parts: list[ColumnElement[bool]] = []
            for kind, ids in by_kind.items():
                model, column = CITABLE[kind]
                parts.append(
                    col(getattr(Citation, column)).in_(
                        select(col(model.id)).where(col(model.public_id).in_(ids))  # type: ignore[attr-defined]
                    )
                )
            out.append(or_(*parts) if parts else false())
        return out


def citations_query(filters: CitationFilter | None = None) -> Select[Any]:
    return select(Citation).where(*(filters.clauses() if filters else []))


# --- changing citations ---------------------------------------------------------------------


class CitationUpdate(SQLModel):
    """A corrected excerpt or offsets, checked against the source text again. An excerpt given
    without offsets is looked up in the text (it must occur exactly once)."""

    excerpt: str | None = None
    start: int | None = None
    end: int | None = None


async def update_citation(session: AsyncSession, public_id: str, data: CitationUpdate) -> Citation:
    citation = await get_by_public_id(session, Citation, public_id)
    changes = data.model_dump(exclude_unset=True)
    if "excerpt" in changes and changes["excerpt"] is None:
        raise ValidationError("cannot be null", field="excerpt")
    source = await session.get(Source, citation.source_id)
    assert source is not None  # the foreign key guarantees it
    excerpt = changes.get("excerpt", citation.excerpt)
    if "start" in changes or "end" in changes:
        start, end = changes.get("start"), changes.get("end")
    elif "excerpt" in changes:
        start = end = None  # find the new excerpt in the text
    else:
        start, end = citation.start_offset, citation.end_offset
    citation.start_offset, citation.end_offset = locate_excerpt(source.text, excerpt, start, end)
    citation.excerpt = excerpt
    await flush(session, "citation")
    return citation
