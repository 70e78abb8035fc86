"""One search across names, aliases, titles, statement and claim text, with the same folding
(case, accents, transliteration) as every name filter. One statement per kind of record, so the
cost is fixed whatever the number of hits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from db.errors import ValidationError
from db.models import Claim, Country, Engagement, Group, Leader, Statement
from db.text import fold, like_escape

MAX_HITS = 100


@dataclass(frozen=True)
class SearchHit:
    kind: str  # leader, group, country, engagement, statement, claim
    record: Any
    label: str  # what a person reads in a result list: the name, title or text
    exact: bool  # the query is a whole name or alias of the record


# (model, folded column, label attribute, whether the column is a |-delimited name list)
_TARGETS: tuple[tuple[str, type[SQLModel], str, str, bool], ...] = (
    ("leader", Leader, "search_names", "name", True),
    ("group", Group, "search_names", "name", True),
    ("country", Country, "search_names", "name", True),
    ("engagement", Engagement, "search_text", "title", False),
    ("statement", Statement, "search_text", "text", False),
    ("claim", Claim, "search_text", "text", False),
)


async def search(session: AsyncSession, query: str, limit: int = 20) -> list[SearchHit]:
    if not 0 <= limit <= MAX_HITS:
        raise ValidationError(f"must be between 0 and {MAX_HITS}", field="first")
    key = fold(query)
    if len(key) < 2:
        raise ValidationError("give at least two letters or digits", field="query")
    pattern = f"%{like_escape(key)}%"
    exact_pattern = f"%|{like_escape(key)}|%"
    hits: list[SearchHit] = []
    for kind, model, column_name, label, is_names in _TARGETS:
        if len(hits) >= limit:
            break
        column = col(getattr(model, column_name))
        exact = (
            case((column.like(exact_pattern, escape="\\"), 1), else_=0)
            if is_names
            else case((column == key, 1), else_=0)
        )
        order_key = col(model.code) if model is Country else col(model.id)  # type: ignore[attr-defined]
        rows = await session.execute(
            select(model, exact.label("exact"))
            .where(column.like(pattern, escape="\\"))
            .order_by(exact.desc(), order_key)
            .limit(limit - len(hits))
        )
        hits.extend(SearchHit(kind, r, getattr(r, label), bool(e)) for r, e in rows)
    return hits
