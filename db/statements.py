"""Statements: words attributed to a speaker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from db.actors import Actor, rows_with_actor, with_actor
from db.enums import DatePrecision
from db.errors import ValidationError
from db.ids import new_id
from db.models import Country, Engagement, Group, Leader, Statement
from db.paging import (
    Ordering,
    Page,
    PageArgs,
    count,
    count_per_parent,
    fetch_page,
    fetch_pages_per_parent,
)
from db.records import ActorRef, check_text, flush, get_by_public_id, pk, resolve_actor
from db.text import fold, like_escape


class StatementCreate(SQLModel):
    text: str
    is_direct_quote: bool = False
    date: dt.date | None = None
    date_precision: DatePrecision = DatePrecision.DAY
    speaker: str | None = None
    speaker_label: str | None = None
    engagement: str | None = None
    public_id: str | None = None


def refresh_statement_search(statement: Statement) -> None:
    statement.search_text = fold(
        " ".join(p for p in (statement.text, statement.speaker_label) if p)
    )


async def create_statement(session: AsyncSession, data: StatementCreate) -> Statement:
    check_text(data.text, field="text")
    if data.speaker is None and not (data.speaker_label and data.speaker_label.strip()):
        raise ValidationError("a statement needs a speaker or a speaker label", field="speaker")
    speaker = (
        await resolve_actor(session, data.speaker, field="speaker") if data.speaker else ActorRef()
    )
    engagement = (
        await get_by_public_id(session, Engagement, data.engagement, field="engagement")
        if data.engagement
        else None
    )
    statement = Statement(
        public_id=data.public_id or new_id("statement"),
        text=data.text.strip(),
        is_direct_quote=data.is_direct_quote,
        date=data.date,
        date_precision=data.date_precision,
        speaker_label=data.speaker_label,
        engagement_id=engagement.id if engagement else None,
    )
    speaker.apply(statement, "speaker_")
    refresh_statement_search(statement)
    session.add(statement)
    await flush(session, "statement")
    return statement


# --- reading -----------------------------------------------------------------------------------

STATEMENT_ORDER = Ordering("statements:id", ((Statement.id, False),))


@dataclass(frozen=True)
class StatementFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    speakers: Sequence[str] = ()  # actor public IDs
    engagement: str | None = None
    direct_quotes_only: bool = False
    search: str | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        s = Statement
        out: list[ColumnElement[bool]] = []
        if self.date_from is not None:
            out.append(col(s.date) >= self.date_from)
        if self.date_to is not None:
            out.append(col(s.date) <= self.date_to)
        if self.speakers:
            ids = list(self.speakers)
            out.append(
                or_(
                    col(s.speaker_leader_id).in_(
                        select(col(Leader.id)).where(col(Leader.public_id).in_(ids))
                    ),
                    col(s.speaker_group_id).in_(
                        select(col(Group.id)).where(col(Group.public_id).in_(ids))
                    ),
                    col(s.speaker_country_code).in_(
                        select(col(Country.code)).where(col(Country.public_id).in_(ids))
                    ),
                )
            )
        if self.engagement:
            out.append(
                col(s.engagement_id).in_(
                    select(col(Engagement.id)).where(col(Engagement.public_id) == self.engagement)
                )
            )
        if self.direct_quotes_only:
            out.append(col(s.is_direct_quote).is_(True))
        if self.search and fold(self.search):
            out.append(col(s.search_text).like(f"%{like_escape(fold(self.search))}%", escape="\\"))
        return out


def statements_query(filters: StatementFilter | None = None) -> Select[Any]:
    return select(Statement).where(*(filters.clauses() if filters else []))


async def list_statements(
    session: AsyncSession, filters: StatementFilter | None, args: PageArgs
) -> Page:
    return await fetch_page(session, statements_query(filters), STATEMENT_ORDER, args)


async def count_statements(session: AsyncSession, filters: StatementFilter | None) -> int:
    return await count(session, statements_query(filters))


_PARENTS = {
    "engagement": Statement.engagement_id,
    "leader": Statement.speaker_leader_id,
    "country": Statement.speaker_country_code,
    "group": Statement.speaker_group_id,
}


async def statements_of(
    session: AsyncSession, keys: Sequence[Any], parent: str, args: PageArgs
) -> dict[Any, Page]:
    """Per engagement (ids) or per speaker (leader ids, country codes, group ids), a page."""
    return await fetch_pages_per_parent(
        session, statements_query(), Statement, col(_PARENTS[parent]), keys, STATEMENT_ORDER, args
    )


async def count_statements_of(
    session: AsyncSession, keys: Sequence[Any], parent: str
) -> dict[Any, int]:
    query = select(col(Statement.id))
    return await count_per_parent(session, query, col(_PARENTS[parent]), keys)


async def statements_by_ids(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, tuple[Statement, Actor | None]]:
    query = with_actor(
        select(Statement).where(col(Statement.id).in_(list(ids))),
        Statement.speaker_leader_id,
        Statement.speaker_country_code,
        Statement.speaker_group_id,
    )
    return {s.id: (s, a) for s, a in rows_with_actor((await session.execute(query)).all()) if s.id}


async def speakers_of_statements(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, Actor | None]:
    return {k: actor for k, (_, actor) in (await statements_by_ids(session, ids)).items()}


# --- changing ----------------------------------------------------------------------------------


class StatementUpdate(SQLModel):
    """Fields to change; fields left out stay as they are, null clears an optional field."""

    text: str | None = None
    is_direct_quote: bool | None = None
    date: dt.date | None = None
    date_precision: DatePrecision | None = None
    speaker: str | None = None
    speaker_label: str | None = None
    engagement: str | None = None


async def update_statement(
    session: AsyncSession, public_id: str, data: StatementUpdate
) -> Statement:
    statement = await get_by_public_id(session, Statement, public_id)
    changes = data.model_dump(exclude_unset=True)
    if "text" in changes:
        check_text(changes["text"], field="text")
        statement.text = changes["text"].strip()
    for name in ("is_direct_quote", "date_precision"):
        if name in changes:
            if changes[name] is None:
                raise ValidationError("cannot be null", field=name)
            setattr(statement, name, changes[name])
    for name in ("date", "speaker_label"):
        if name in changes:
            setattr(statement, name, changes[name])
    if "speaker" in changes:
        speaker = changes["speaker"]
        actor = await resolve_actor(session, speaker, field="speaker") if speaker else ActorRef()
        actor.apply(statement, "speaker_")
    if "engagement" in changes:
        ref = changes["engagement"]
        statement.engagement_id = (
            pk(await get_by_public_id(session, Engagement, ref, field="engagement"))
            if ref
            else None
        )
    no_speaker = statement.speaker_leader_id is None and statement.speaker_country_code is None
    if no_speaker and statement.speaker_group_id is None and not statement.speaker_label:
        raise ValidationError("a statement needs a speaker or a speaker label", field="speaker")
    refresh_statement_search(statement)
    await flush(session, "statement")
    return statement
