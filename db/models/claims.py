from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field

from db.base import Record, at_most_one, enum_type, exactly_one
from db.enums import ClaimStatus, DatePrecision, StancePosition


class Claim(Record, table=True):
    """A contested factual assertion; its status is derived from its stances (db.claims)."""

    __tablename__ = "claim"
    __table_args__ = (
        sa.CheckConstraint(
            at_most_one("subject_leader_id", "subject_country_code", "subject_group_id"),
            name="one_subject",
        ),
    )

    text: str
    quantity: float | None = None
    unit: str | None = Field(default=None, max_length=100)
    subject_leader_id: int | None = Field(default=None, foreign_key="leader.id", index=True)
    subject_country_code: str | None = Field(default=None, foreign_key="country.code", index=True)
    subject_group_id: int | None = Field(default=None, foreign_key="group.id", index=True)
    status: ClaimStatus = Field(
        default=ClaimStatus.UNVERIFIED, sa_type=enum_type(ClaimStatus, "claim_status"), index=True
    )
    engagement_id: int | None = Field(
        default=None, foreign_key="engagement.id", index=True, ondelete="SET NULL"
    )
    search_text: str = Field(default="", nullable=False)


class Stance(Record, table=True):
    """An actor asserts, denies, questions or confirms a claim, optionally through a statement."""

    __tablename__ = "stance"
    __table_args__ = (
        sa.CheckConstraint(exactly_one("leader_id", "country_code", "group_id"), name="one_actor"),
    )

    claim_id: int = Field(foreign_key="claim.id", index=True, ondelete="CASCADE")
    leader_id: int | None = Field(default=None, foreign_key="leader.id", index=True)
    country_code: str | None = Field(default=None, foreign_key="country.code", index=True)
    group_id: int | None = Field(default=None, foreign_key="group.id", index=True)
    position: StancePosition = Field(sa_type=enum_type(StancePosition, "stance_position"))
    date: dt.date | None = None
    date_precision: DatePrecision = Field(
        default=DatePrecision.DAY, sa_type=enum_type(DatePrecision, "date_precision")
    )
    statement_id: int | None = Field(
        default=None, foreign_key="statement.id", index=True, ondelete="SET NULL"
    )
