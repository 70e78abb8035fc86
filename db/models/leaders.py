from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field

from db.base import Record, dates_ordered, enum_type, exactly_one
from db.enums import PositionKind


class Leader(Record, table=True):
    """A named political figure: head of state or government, minister, official, spokesperson."""

    __tablename__ = "leader"

    name: str = Field(max_length=200, index=True)
    aliases: list[str] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)
    country_code: str | None = Field(default=None, foreign_key="country.code", index=True)
    wikidata_qid: str | None = Field(default=None, max_length=20, unique=True)
    search_names: str = Field(default="", nullable=False)


class Position(Record, table=True):
    """A tenure: a leader holds a titled office in a country or a group between two dates."""

    __tablename__ = "position"
    __table_args__ = (
        sa.CheckConstraint(exactly_one("country_code", "group_id"), name="held_in_one"),
        sa.CheckConstraint(dates_ordered(), name="dates_ordered"),
    )

    leader_id: int = Field(foreign_key="leader.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    kind: PositionKind = Field(sa_type=enum_type(PositionKind, "position_kind"))
    country_code: str | None = Field(default=None, foreign_key="country.code", index=True)
    group_id: int | None = Field(default=None, foreign_key="group.id", index=True)
    start_date: date | None = None
    end_date: date | None = None
