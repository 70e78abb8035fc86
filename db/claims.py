"""Claims and the stances actors take on them. A claim's status is derived from its stances."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from db.actors import Actor, rows_with_actor, with_actor
from db.engagements import actor_clause
from db.enums import ClaimStatus, DatePrecision, StancePosition
from db.errors import ValidationError
from db.ids import new_id
from db.models import Claim, Country, Engagement, Group, Leader, Stance, Statement
from db.paging import Ordering, Page, PageArgs, count, fetch_page
from db.records import ActorRef, check_text, flush, get_by_public_id, pk, resolve_actor
from db.text import fold, like_escape


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


# --- reading -----------------------------------------------------------------------------------

CLAIM_ORDER = Ordering("claims:id", ((Claim.id, False),))


@dataclass(frozen=True)
class ClaimFilter:
    statuses: Sequence[ClaimStatus] = ()
    subjects: Sequence[str] = ()  # actor public IDs
    unit: str | None = None
    search: str | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        c = Claim
        out: list[ColumnElement[bool]] = []
        if self.statuses:
            out.append(col(c.status).in_(list(self.statuses)))
        if self.subjects:
            ids = list(self.subjects)
            out.append(
                or_(
                    col(c.subject_leader_id).in_(
                        select(col(Leader.id)).where(col(Leader.public_id).in_(ids))
                    ),
                    col(c.subject_group_id).in_(
                        select(col(Group.id)).where(col(Group.public_id).in_(ids))
                    ),
                    col(c.subject_country_code).in_(
                        select(col(Country.code)).where(col(Country.public_id).in_(ids))
                    ),
                )
            )
        if self.unit:
            out.append(func.lower(col(c.unit)) == self.unit.lower())
        if self.search and fold(self.search):
            out.append(col(c.search_text).like(f"%{like_escape(fold(self.search))}%", escape="\\"))
        return out


def claims_query(filters: ClaimFilter | None = None) -> Select[Any]:
    return select(Claim).where(*(filters.clauses() if filters else []))


async def list_claims(session: AsyncSession, filters: ClaimFilter | None, args: PageArgs) -> Page:
    return await fetch_page(session, claims_query(filters), CLAIM_ORDER, args)


async def count_claims(session: AsyncSession, filters: ClaimFilter | None) -> int:
    return await count(session, claims_query(filters))


async def claims_of_engagements(
    session: AsyncSession, engagement_ids: Sequence[int]
) -> dict[int, list[Claim]]:
    rows = await session.execute(
        select(Claim)
        .where(col(Claim.engagement_id).in_(list(engagement_ids)))
        .order_by(col(Claim.id))
    )
    out: dict[int, list[Claim]] = {i: [] for i in engagement_ids}
    for claim in rows.scalars():
        if claim.engagement_id is not None:
            out[claim.engagement_id].append(claim)
    return out


async def subjects_of_claims(session: AsyncSession, ids: Sequence[int]) -> dict[int, Actor | None]:
    query = with_actor(
        select(Claim).where(col(Claim.id).in_(list(ids))),
        Claim.subject_leader_id,
        Claim.subject_country_code,
        Claim.subject_group_id,
    )
    return {c.id: a for c, a in rows_with_actor((await session.execute(query)).all()) if c.id}


async def stances_of_claims(
    session: AsyncSession, claim_ids: Sequence[int]
) -> dict[int, list[tuple[Stance, Actor | None]]]:
    query = with_actor(
        select(Stance).where(col(Stance.claim_id).in_(list(claim_ids))),
        Stance.leader_id,
        Stance.country_code,
        Stance.group_id,
    ).order_by(col(Stance.claim_id), col(Stance.id))
    out: dict[int, list[tuple[Stance, Actor | None]]] = {i: [] for i in claim_ids}
    for stance, actor in rows_with_actor((await session.execute(query)).all()):
        out[stance.claim_id].append((stance, actor))
    return out


# --- changing ----------------------------------------------------------------------------------


class ClaimUpdate(SQLModel):
    """Fields to change; fields left out stay as they are, null clears an optional field."""

    text: str | None = None
    quantity: float | None = None
    unit: str | None = None
    subject: str | None = None
    engagement: str | None = None


class StanceUpdate(SQLModel):
    position: StancePosition | None = None
    date: dt.date | None = None
    date_precision: DatePrecision | None = None
    statement: str | None = None


async def update_claim(session: AsyncSession, public_id: str, data: ClaimUpdate) -> Claim:
    claim = await get_by_public_id(session, Claim, public_id)
    changes = data.model_dump(exclude_unset=True)
    if "text" in changes:
        check_text(changes["text"], field="text")
        claim.text = changes["text"].strip()
        claim.search_text = fold(claim.text)
    for name in ("quantity", "unit"):
        if name in changes:
            setattr(claim, name, changes[name])
    if "subject" in changes:
        subject = changes["subject"]
        actor = await resolve_actor(session, subject, field="subject") if subject else ActorRef()
        actor.apply(claim, "subject_")
    if "engagement" in changes:
        ref = changes["engagement"]
        claim.engagement_id = (
            pk(await get_by_public_id(session, Engagement, ref, field="engagement"))
            if ref
            else None
        )
    await flush(session, "claim")
    return claim


async def update_stance(session: AsyncSession, public_id: str, data: StanceUpdate) -> Stance:
    stance = await get_by_public_id(session, Stance, public_id)
    changes = data.model_dump(exclude_unset=True)
    for name in ("position", "date_precision"):
        if name in changes:
            if changes[name] is None:
                raise ValidationError("cannot be null", field=name)
            setattr(stance, name, changes[name])
    if "date" in changes:
        stance.date = changes["date"]
    if "statement" in changes:
        ref = changes["statement"]
        stance.statement_id = (
            pk(await get_by_public_id(session, Statement, ref, field="statement")) if ref else None
        )
    await flush(session, "stance")
    claim = await session.get(Claim, stance.claim_id)
    if claim is not None:
        await refresh_claim_status(session, claim)
    return stance


async def actors_of_stances(session: AsyncSession, ids: Sequence[int]) -> dict[int, Actor | None]:
    query = with_actor(
        select(Stance).where(col(Stance.id).in_(list(ids))),
        Stance.leader_id,
        Stance.country_code,
        Stance.group_id,
    )
    return {s.id: a for s, a in rows_with_actor((await session.execute(query)).all()) if s.id}


async def add_stance_to_claim(session: AsyncSession, data: StanceCreate) -> Claim:
    """Add a stance; returns its claim with the status derived again."""
    stance = await add_stance(session, data)
    claim = await session.get(Claim, stance.claim_id)
    assert claim is not None  # the foreign key guarantees it
    return claim


async def update_stance_of_claim(
    session: AsyncSession, public_id: str, data: StanceUpdate
) -> Claim:
    """Change a stance; returns its claim with the status derived again."""
    stance = await update_stance(session, public_id, data)
    claim = await session.get(Claim, stance.claim_id)
    assert claim is not None
    return claim


# --- reading for REST: stances as a list of their own, an engagement's claims --------------------


@dataclass(frozen=True)
class StanceFilter:
    claims: Sequence[str] = ()  # claim public IDs
    actors: Sequence[str] = ()  # leader, country or group public IDs
    positions: Sequence[StancePosition] = ()
    statements: Sequence[str] = ()  # statement public IDs

    def clauses(self) -> list[ColumnElement[bool]]:
        s = Stance
        out: list[ColumnElement[bool]] = []
        if self.claims:
            out.append(
                col(s.claim_id).in_(
                    select(col(Claim.id)).where(col(Claim.public_id).in_(list(self.claims)))
                )
            )
        if self.actors:
            out.append(actor_clause(s.leader_id, s.country_code, s.group_id, self.actors))
        if self.positions:
            out.append(col(s.position).in_(list(self.positions)))
        if self.statements:
            out.append(
                col(s.statement_id).in_(
                    select(col(Statement.id)).where(
                        col(Statement.public_id).in_(list(self.statements))
                    )
                )
            )
        return out


def stances_query(filters: StanceFilter | None = None) -> Select[Any]:
    return select(Stance).where(*(filters.clauses() if filters else []))


def claims_of_engagement_query(engagement_id: int) -> Select[Any]:
    """The claims made in one engagement (as claims_of_engagements, as a query to page)."""
    return claims_query().where(col(Claim.engagement_id) == engagement_id)
