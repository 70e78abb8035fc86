"""Statements: words attributed to a speaker."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from db.enums import DatePrecision
from db.errors import ValidationError
from db.ids import new_id
from db.models import Engagement, Statement
from db.records import ActorRef, check_text, flush, get_by_public_id, resolve_actor
from db.text import fold


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
