from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from db.base import Record, UtcDateTime, exactly_one

CITATION_TARGETS = (
    "engagement_id",
    "statement_id",
    "claim_id",
    "stance_id",
    "membership_id",
    "position_id",
)


class Source(Record, table=True):
    """A document facts are taken from; its full text is kept where the licence allows."""

    __tablename__ = "source"

    title: str = Field(max_length=500)
    publisher: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2000, unique=True)
    language: str | None = Field(default=None, max_length=35)
    published_at: datetime | None = Field(default=None, sa_type=UtcDateTime())
    licence: str | None = Field(default=None, max_length=200)
    text: str | None = None


class Citation(Record, table=True):
    """Ties exactly one record to the exact words of a source: text[start_offset:end_offset]."""

    __tablename__ = "citation"
    __table_args__ = (
        sa.CheckConstraint(exactly_one(*CITATION_TARGETS), name="one_target"),
        sa.CheckConstraint("start_offset >= 0 AND end_offset > start_offset", name="offsets"),
    )

    source_id: int = Field(foreign_key="source.id", index=True, ondelete="CASCADE")
    engagement_id: int | None = Field(
        default=None, foreign_key="engagement.id", index=True, ondelete="CASCADE"
    )
    statement_id: int | None = Field(
        default=None, foreign_key="statement.id", index=True, ondelete="CASCADE"
    )
    claim_id: int | None = Field(
        default=None, foreign_key="claim.id", index=True, ondelete="CASCADE"
    )
    stance_id: int | None = Field(
        default=None, foreign_key="stance.id", index=True, ondelete="CASCADE"
    )
    membership_id: int | None = Field(
        default=None, foreign_key="membership.id", index=True, ondelete="CASCADE"
    )
    position_id: int | None = Field(
        default=None, foreign_key="position.id", index=True, ondelete="CASCADE"
    )
    excerpt: str
    start_offset: int
    end_offset: int
