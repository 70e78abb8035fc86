"""The seed dataset: exact counts, idempotent loading, every citation on its exact words, and the
facts the article states answerable from the data."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.enums import ClaimStatus, DatePrecision, EngagementMode, EngagementStatus
from db.ids import seed_id
from db.models import (
    Citation,
    Claim,
    Engagement,
    Leader,
    Participant,
    Position,
    Source,
)
from db.seed import load_seed, source_text, table_counts

pytestmark = pytest.mark.anyio

SEED_COUNTS = {
    "countries": 249,
    "leaders": 11,
    "positions": 11,
    "groups": 3,
    "memberships": 35,
    "engagements": 12,
    "participants": 38,
    "statements": 17,
    "claims": 5,
    "stances": 7,
    "sources": 1,
    "citations": 61,
}


async def test_seed_counts(session: AsyncSession) -> None:
    assert await table_counts(session) == SEED_COUNTS


async def test_loading_twice_creates_nothing(session: AsyncSession) -> None:
    created = await load_seed(session)
    assert sum(created.values()) == 0
    assert await table_counts(session) == SEED_COUNTS


async def test_every_citation_points_at_its_exact_words(session: AsyncSession) -> None:
    text = source_text()
    rows = (await session.execute(select(Citation, Source).join(Source))).all()
    assert len(rows) == SEED_COUNTS["citations"]
    for citation, source in rows:
        assert source.text == text
        assert text[citation.start_offset : citation.end_offset] == citation.excerpt


async def test_every_engagement_statement_claim_and_stance_is_cited(session: AsyncSession) -> None:
    uncited = (
        await session.execute(
            select(Engagement.public_id).where(
                ~col(Engagement.id).in_(
                    select(Citation.engagement_id).where(col(Citation.engagement_id).is_not(None))
                )
            )
        )
    ).all()
    assert uncited == []
    for table, column in (
        ("statement", "statement_id"),
        ("claim", "claim_id"),
        ("stance", "stance_id"),
    ):
        from db import models

        model = {"statement": models.Statement, "claim": models.Claim, "stance": models.Stance}[
            table
        ]
        cited = select(getattr(Citation, column)).where(getattr(Citation, column).is_not(None))
        missing = (
            await session.execute(select(model.public_id).where(~col(model.id).in_(cited)))
        ).all()
        assert missing == [], model.__tablename__


async def _who_led(session: AsyncSession, country: str, on: date) -> list[str]:
    query = (
        select(Leader.name)
        .join(Position, col(Position.leader_id) == Leader.id)
        .where(
            Position.country_code == country,
            col(Position.kind).in_(["HEAD_OF_GOVERNMENT", "HEAD_OF_STATE"]),
            or_(col(Position.start_date).is_(None), col(Position.start_date) <= on),
            or_(col(Position.end_date).is_(None), col(Position.end_date) > on),
        )
        .order_by(Leader.name)
    )
    return list((await session.execute(query)).scalars())


async def test_who_led_germany_on_6_december_2021(session: AsyncSession) -> None:
    assert await _who_led(session, "DE", date(2021, 12, 6)) == ["Angela Merkel"]
    assert await _who_led(session, "DE", date(2021, 12, 9)) == ["Olaf Scholz"]


async def test_the_videoconference_of_the_five_leaders(session: AsyncSession) -> None:
    engagement = (
        await session.execute(
            select(Engagement).where(
                Engagement.public_id == seed_id("engagement", "g5-videoconference")
            )
        )
    ).scalar_one()
    assert (
        engagement.start_date,
        engagement.date_precision,
        engagement.mode,
        engagement.status,
    ) == (
        date(2021, 12, 6),
        DatePrecision.DAY,
        EngagementMode.VIRTUAL,
        EngagementStatus.HELD,
    )
    names = (
        await session.execute(
            select(Leader.name)
            .join(Participant, and_(col(Participant.leader_id) == Leader.id))
            .where(Participant.engagement_id == engagement.id)
            .order_by(Leader.name)
        )
    ).scalars()
    assert list(names) == [
        "Angela Merkel",
        "Boris Johnson",
        "Emmanuel Macron",
        "Joe Biden",
        "Mario Draghi",
    ]


async def test_biden_putin_meeting_is_scheduled_for_7_december(session: AsyncSession) -> None:
    engagement = (
        await session.execute(
            select(Engagement).where(
                Engagement.public_id == seed_id("engagement", "biden-putin-meeting")
            )
        )
    ).scalar_one()
    assert (engagement.start_date, engagement.status, engagement.mode) == (
        date(2021, 12, 7),
        EngagementStatus.SCHEDULED,
        EngagementMode.VIRTUAL,
    )


async def test_troop_claims_are_disputed(session: AsyncSession) -> None:
    rows = (
        await session.execute(
            select(Claim.quantity, Claim.unit, Claim.status)
            .where(col(Claim.quantity).is_not(None))
            .order_by(Claim.quantity)
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        (94000.0, "troops", ClaimStatus.DISPUTED),
        (175000.0, "troops", ClaimStatus.DISPUTED),
    ]
