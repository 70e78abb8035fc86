"""Bad input at the data layer is refused with an error that names the field, and leaves nothing
behind. Two lines of defence are tested: the domain functions, and the database constraints
underneath them (for writers that bypass the functions)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.engagements import EngagementCreate, ParticipantCreate, add_participant, create_engagement
from db.enums import EngagementKind, ParticipantRole, PositionKind
from db.errors import DuplicateError, NotFoundError, ValidationError
from db.ids import country_id
from db.leaders import LeaderCreate, PositionCreate, create_leader, create_position
from db.models import Engagement, Leader, Participant, Position
from db.sources import CitationCreate, SourceCreate, add_citation, create_source

pytestmark = pytest.mark.anyio


async def _engagement(session: AsyncSession, **extra: object) -> Engagement:
    data = {
        "kind": EngagementKind.MEETING,
        "title": "Test meeting",
        "start_date": date(2021, 12, 6),
    }
    data.update(extra)
    return await create_engagement(session, EngagementCreate.model_validate(data))


async def _leader(session: AsyncSession, name: str = "Test Person") -> Leader:
    return await create_leader(session, LeaderCreate(name=name, country="UA"))


async def _count(session: AsyncSession, model: type) -> int:
    return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_participant_without_actor_is_refused(session: AsyncSession) -> None:
    engagement = await _engagement(session)
    with pytest.raises(ValidationError) as info:
        await add_participant(
            session, ParticipantCreate(engagement=engagement.public_id, actor=None)
        )
    assert info.value.field == "actor"
    assert info.value.message == "an actor is required: a leader, country or group ID"


async def test_participant_with_an_id_that_is_not_an_actor_is_refused(
    session: AsyncSession,
) -> None:
    engagement = await _engagement(session)
    with pytest.raises(ValidationError) as info:
        await add_participant(
            session, ParticipantCreate(engagement=engagement.public_id, actor=engagement.public_id)
        )
    assert info.value.field == "actor"
    assert "is not an actor ID" in info.value.message


async def test_database_refuses_participant_with_two_actors_or_none(session: AsyncSession) -> None:
    engagement = await _engagement(session)
    leader = await _leader(session)
    for actors in ({"leader_id": leader.id, "country_code": "UA"}, {}):
        savepoint = await session.begin_nested()
        session.add(
            Participant(
                public_id=f"participant_{'0' * 25}{len(actors)}",
                engagement_id=engagement.id,
                role=ParticipantRole.PARTICIPANT,
                **actors,
            )
        )
        with pytest.raises(IntegrityError, match="one_actor"):
            await session.flush()
        await savepoint.rollback()


async def test_position_that_ends_before_it_starts_is_refused(session: AsyncSession) -> None:
    leader = await _leader(session)
    before = await _count(session, Position)
    data = PositionCreate(
        leader=leader.public_id,
        title="Minister",
        kind=PositionKind.MINISTER,
        country="UA",
        start_date=date(2021, 12, 6),
        end_date=date(2021, 12, 5),
    )
    with pytest.raises(ValidationError) as info:
        await create_position(session, data)
    assert info.value.field == "end_date"
    assert info.value.message == "ends (2021-12-05) before it starts (2021-12-06)"
    assert await _count(session, Position) == before


async def test_database_refuses_position_that_ends_before_it_starts(session: AsyncSession) -> None:
    leader = await _leader(session)
    session.add(
        Position(
            public_id="position_" + "0" * 26,
            leader_id=leader.id,
            title="Minister",
            kind=PositionKind.MINISTER,
            country_code="UA",
            start_date=date(2021, 12, 6),
            end_date=date(2021, 12, 5),
        )
    )
    with pytest.raises(IntegrityError, match="dates_ordered"):
        await session.flush()


@pytest.mark.parametrize("code", ["XX", "ZZZ", "Ukraine", "U"])
async def test_country_code_that_is_not_iso_is_refused(session: AsyncSession, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        await create_leader(session, LeaderCreate(name="Someone", country=code))
    assert info.value.field == "country"
    assert info.value.message == f"{code!r} is not an ISO 3166-1 country code"


async def test_alpha3_and_any_case_are_accepted(session: AsyncSession) -> None:
    leader = await create_leader(session, LeaderCreate(name="Someone", country="ukr"))
    assert leader.country_code == "UA"


async def test_citation_whose_offsets_do_not_match_its_excerpt_is_refused(
    session: AsyncSession,
) -> None:
    source = await create_source(
        session, SourceCreate(title="Doc", text="Peace talks resumed today.")
    )
    engagement = await _engagement(session)
    with pytest.raises(ValidationError) as info:
        await add_citation(
            session,
            CitationCreate(
                source=source.public_id,
                target=engagement.public_id,
                excerpt="talks resumed",
                start=0,
                end=13,
            ),
        )
    assert info.value.field == "excerpt"
    assert info.value.message == "the source text at 0..13 is 'Peace talks r', not the excerpt"

    citation = await add_citation(
        session,
        CitationCreate(
            source=source.public_id,
            target=engagement.public_id,
            excerpt="talks resumed",
            start=6,
            end=19,
        ),
    )
    assert (citation.start_offset, citation.end_offset) == (6, 19)


async def test_citation_excerpt_absent_from_source_is_refused(session: AsyncSession) -> None:
    source = await create_source(
        session, SourceCreate(title="Doc", text="Peace talks resumed today.")
    )
    engagement = await _engagement(session)
    with pytest.raises(ValidationError) as info:
        await add_citation(
            session,
            CitationCreate(source=source.public_id, target=engagement.public_id, excerpt="war"),
        )
    assert (info.value.field, info.value.message) == (
        "excerpt",
        "does not occur in the source text",
    )


async def test_duplicate_external_id_is_refused(session: AsyncSession) -> None:
    await _engagement(session, external_id="gdelt:1")
    with pytest.raises(DuplicateError) as info:
        await _engagement(session, external_id="gdelt:1")
    assert info.value.field == "external_id"
    assert info.value.message == "an engagement with this external_id already exists"


async def test_duplicate_wikidata_qid_is_refused(session: AsyncSession) -> None:
    await create_leader(session, LeaderCreate(name="A", wikidata_qid="Q999999999"))
    with pytest.raises(DuplicateError) as info:
        await create_leader(session, LeaderCreate(name="B", wikidata_qid="Q999999999"))
    assert info.value.field == "wikidata_qid"


async def test_unknown_reference_is_not_found(session: AsyncSession) -> None:
    with pytest.raises(NotFoundError) as info:
        await add_participant(
            session,
            ParticipantCreate(engagement="engagement_" + "0" * 26, actor=country_id("UA")),
        )
    assert info.value.field == "engagement"


async def test_failed_unit_of_work_leaves_nothing_behind(session: AsyncSession) -> None:
    before = await _count(session, Engagement)
    with pytest.raises(ValidationError):
        async with session.begin_nested():
            engagement = await _engagement(session, title="Half-written")
            await add_participant(
                session, ParticipantCreate(engagement=engagement.public_id, actor="country_XX")
            )
    assert await _count(session, Engagement) == before
