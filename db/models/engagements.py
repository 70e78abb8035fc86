from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from db.base import Record, dates_ordered, enum_type, exactly_one
from db.enums import (
    DatePrecision,
    EngagementKind,
    EngagementMode,
    EngagementStatus,
    ParticipantRole,
)


class Engagement(Record, table=True):
    """A dated interaction: a meeting, call, visit, statement, warning, deployment, ..."""

    __tablename__ = "engagement"
    __table_args__ = (
        sa.CheckConstraint(dates_ordered(), name="dates_ordered"),
        sa.Index("ix_engagement_start_date_id", "start_date", "id"),
    )

    kind: EngagementKind = Field(sa_type=enum_type(EngagementKind, "engagement_kind"), index=True)
    mode: EngagementMode | None = Field(
        default=None, sa_type=enum_type(EngagementMode, "engagement_mode")
    )
    status: EngagementStatus = Field(
        default=EngagementStatus.HELD, sa_type=enum_type(EngagementStatus, "engagement_status")
    )
    title: str = Field(max_length=500)
    summary: str | None = None
    # start_date is the first day of the period the source allows (the 1st for MONTH precision);
    # end_date the last day of the event or period, when known. See db.dates.
    start_date: date
    end_date: date | None = None
    date_precision: DatePrecision = Field(
        default=DatePrecision.DAY, sa_type=enum_type(DatePrecision, "date_precision")
    )
    location_country_code: str | None = Field(default=None, foreign_key="country.code")
    location_place: str | None = Field(default=None, max_length=300)
    latitude: float | None = None
    longitude: float | None = None
    cameo_code: str | None = Field(default=None, max_length=4)
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    attributes: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    search_text: str = Field(default="", nullable=False)


class Participant(Record, table=True):
    """One actor (exactly one of a leader, a country or a group) in an engagement, in a role."""

    __tablename__ = "participant"
    __table_args__ = (
        sa.CheckConstraint(exactly_one("leader_id", "country_code", "group_id"), name="one_actor"),
    )

    engagement_id: int = Field(foreign_key="engagement.id", index=True, ondelete="CASCADE")
    leader_id: int | None = Field(default=None, foreign_key="leader.id", index=True)
    country_code: str | None = Field(default=None, foreign_key="country.code", index=True)
    group_id: int | None = Field(default=None, foreign_key="group.id", index=True)
    role: ParticipantRole = Field(sa_type=enum_type(ParticipantRole, "participant_role"))
