"""Engagements and their participants."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from db.enums import (
    DatePrecision,
    EngagementKind,
    EngagementMode,
    EngagementStatus,
    ParticipantRole,
)
from db.errors import ValidationError
from db.ids import new_id
from db.models import Engagement, Participant
from db.records import (
    check_dates,
    check_text,
    flush,
    get_by_public_id,
    pk,
    resolve_actor,
    resolve_country,
)
from db.text import fold


class EngagementCreate(SQLModel):
    kind: EngagementKind
    mode: EngagementMode | None = None
    status: EngagementStatus = EngagementStatus.HELD
    title: str
    summary: str | None = None
    start_date: date
    end_date: date | None = None
    date_precision: DatePrecision = DatePrecision.DAY
    location_country: str | None = None
    location_place: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    cameo_code: str | None = None
    external_id: str | None = None
    attributes: dict[str, Any] | None = None
    public_id: str | None = None


class ParticipantCreate(SQLModel):
    engagement: str
    actor: str | None
    role: ParticipantRole = ParticipantRole.PARTICIPANT
    public_id: str | None = None


def refresh_engagement_search(engagement: Engagement) -> None:
    engagement.search_text = fold(
        " ".join(p for p in (engagement.title, engagement.summary, engagement.location_place) if p)
    )


def _check_coordinates(lat: float | None, lon: float | None) -> None:
    if lat is not None and not -90 <= lat <= 90:
        raise ValidationError("must be between -90 and 90", field="latitude")
    if lon is not None and not -180 <= lon <= 180:
        raise ValidationError("must be between -180 and 180", field="longitude")


async def create_engagement(session: AsyncSession, data: EngagementCreate) -> Engagement:
    check_text(data.title, field="title", max_length=500)
    check_dates(data.start_date, data.end_date)
    _check_coordinates(data.latitude, data.longitude)
    if data.cameo_code is not None and not (
        data.cameo_code.isdigit() and 2 <= len(data.cameo_code) <= 4
    ):
        raise ValidationError(
            "a CAMEO code is 2 to 4 digits, leading zeros kept", field="cameo_code"
        )
    engagement = Engagement(
        public_id=data.public_id or new_id("engagement"),
        kind=data.kind,
        mode=data.mode,
        status=data.status,
        title=data.title.strip(),
        summary=data.summary,
        start_date=data.start_date,
        end_date=data.end_date,
        date_precision=data.date_precision,
        location_country_code=(
            await resolve_country(session, data.location_country, field="location_country")
            if data.location_country
            else None
        ),
        location_place=data.location_place,
        latitude=data.latitude,
        longitude=data.longitude,
        cameo_code=data.cameo_code,
        external_id=data.external_id,
        attributes=data.attributes,
    )
    refresh_engagement_search(engagement)
    session.add(engagement)
    await flush(session, "engagement")
    return engagement


async def add_participant(session: AsyncSession, data: ParticipantCreate) -> Participant:
    engagement = await get_by_public_id(session, Engagement, data.engagement, field="engagement")
    actor = await resolve_actor(session, data.actor, field="actor")
    participant = Participant(
        public_id=data.public_id or new_id("participant"),
        engagement_id=pk(engagement),
        role=data.role,
    )
    actor.apply(participant)
    session.add(participant)
    await flush(session, "participant")
    return participant
