from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field

from db.base import Record, at_most_one, enum_type
from db.enums import DatePrecision


class Statement(Record, table=True):
    """Words attributed to a speaker, quoted directly or paraphrased."""

    __tablename__ = "statement"
    __table_args__ = (
        sa.CheckConstraint(
            at_most_one("speaker_leader_id", "speaker_country_code", "speaker_group_id"),
            name="one_speaker",
        ),
    )

    text: str
    is_direct_quote: bool = False
    date: dt.date | None = Field(default=None, index=True)
    date_precision: DatePrecision = Field(
        default=DatePrecision.DAY, sa_type=enum_type(DatePrecision, "date_precision")
    )
    speaker_leader_id: int | None = Field(default=None, foreign_key="leader.id", index=True)
    speaker_country_code: str | None = Field(default=None, foreign_key="country.code", index=True)
    speaker_group_id: int | None = Field(default=None, foreign_key="group.id", index=True)
    speaker_label: str | None = Field(default=None, max_length=300)
    engagement_id: int | None = Field(
        default=None, foreign_key="engagement.id", index=True, ondelete="SET NULL"
    )
    search_text: str = Field(default="", nullable=False)
