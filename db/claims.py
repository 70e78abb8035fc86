"""Claims and the stances actors take on them. A claim's status is derived from its stances."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from db.enums import ClaimStatus, DatePrecision, StancePosition
from db.ids import new_id
from db.models import Claim, Engagement, Stance, Statement
from db.records import ActorRef, check_text, flush, get_by_public_id, pk, resolve_actor
from db.text import fold


class ClaimCreate(SQLModel):
    text: str
    quantity: float | None = None
    unit: str | None = None
    subject: str | None = None
    engagement: str | None = None
    public_id: str | None = None


class StanceCreate(SQLModel):
    claim: str
    actor: str | None
    position: StancePosition
    date: dt.date | None = None
    date_precision: DatePrecision = DatePrecision.DAY
    statement: str | None = None
    public_id: str | None = None


def derive_status(positions: Iterable[StancePosition]) -> ClaimStatus:
    """The rule: nobody denies and someone confirms → CONFIRMED; someone denies and someone asserts
    or confirms → DISPUTED; only denials → REFUTED; otherwise (no stances, or only assertions and
    questions) → UNVERIFIED."""
    seen = set(positions)
    denied = StancePosition.DENIES in seen
    backed = bool(seen & {StancePosition.ASSERTS, StancePosition.CONFIRMS})
    if denied and backed:
        return ClaimStatus.DISPUTED
    if denied:
        return ClaimStatus.REFUTED
    if StancePosition.CONFIRMS in seen:
        return ClaimStatus.CONFIRMED
    return ClaimStatus.UNVERIFIED


async def refresh_claim_status(session: AsyncSession, claim: Claim) -> None:
    positions = (
        await session.execute(select(col(Stance.position)).where(col(Stance.claim_id) == claim.id))
    ).scalars()
    status = derive_status(positions)
    if claim.status != status:
        claim.status = status
        await flush(session, "claim")


async def create_claim(session: AsyncSession, data: ClaimCreate) -> Claim:
    check_text(data.text, field="text")
    subject = (
        await resolve_actor(session, data.subject, field="subject") if data.subject else ActorRef()
    )
    engagement = (
        await get_by_public_id(session, Engagement, data.engagement, field="engagement")
        if data.engagement
        else None
    )
    claim = Claim(
        public_id=data.public_id or new_id("claim"),
        text=data.text.strip(),
        quantity=data.quantity,
        unit=data.unit,
        engagement_id=engagement.id if engagement else None,
        search_text=fold(data.text),
    )
    subject.apply(claim, "subject_")
    session.add(claim)
    await flush(session, "claim")
    return claim


async def add_stance(session: AsyncSession, data: StanceCreate) -> Stance:
    claim = await get_by_public_id(session, Claim, data.claim, field="claim")
    actor = await resolve_actor(session, data.actor, field="actor")
    statement = (
        await get_by_public_id(session, Statement, data.statement, field="statement")
        if data.statement
        else None
    )
    stance = Stance(
        public_id=data.public_id or new_id("stance"),
        claim_id=pk(claim),
        position=data.position,
        date=data.date,
        date_precision=data.date_precision,
        statement_id=statement.id if statement else None,
    )
    actor.apply(stance)
    session.add(stance)
    await flush(session, "stance")
    await refresh_claim_status(session, claim)
    return stance
