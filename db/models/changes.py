from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from db.base import utcnow


class Change(SQLModel, table=True):
    """One create, update or delete of a record, in commit order of its sequence number: the
    feed a mirror replays to stay an exact copy (see db.changes)."""

    __tablename__ = "change"

    seq: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=40, index=True)
    type: str = Field(max_length=32)  # the ID's prefix: "leader", "engagement", ...
    op: str = Field(max_length=8)  # create, update, delete
    changed_at: datetime = Field(
        default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False, index=True
    )
