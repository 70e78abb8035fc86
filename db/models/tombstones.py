from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from db.base import utcnow


class Tombstone(SQLModel, table=True):
    """A public ID that was deleted. Every delete writes one, so a deleted ID never comes back
    and clients that synchronise can learn what went away (ask for tombstones since a time)."""

    __tablename__ = "tombstone"

    public_id: str = Field(primary_key=True, max_length=40)
    type: str = Field(max_length=32)  # the ID's prefix: "leader", "claim", "key" ...
    deleted_at: datetime = Field(
        default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False, index=True
    )
