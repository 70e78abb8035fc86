"""Tombstones: every delete records the public ID it removed, so that ID can never come back and
clients that synchronise can learn what went away."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.errors import ValidationError
from db.ids import id_type
from db.models import Tombstone
from db.records import flush


async def record_tombstone(
    session: AsyncSession, public_id: str, *, deleted_at: datetime | None = None
) -> Tombstone:
    """Record that ``public_id`` was deleted (in the caller's transaction, with the delete).
    Recording the same ID again keeps the first tombstone."""
    kind = id_type(public_id)
    if kind is None:
        raise ValidationError(f"{public_id!r} is not a public ID", field="id")
    existing = await session.get(Tombstone, public_id)
    if existing is not None:
        return existing
    tombstone = Tombstone(public_id=public_id, type=kind, deleted_at=deleted_at or utcnow())
    session.add(tombstone)
    await flush(session, "tombstone")
    return tombstone


async def is_tombstoned(session: AsyncSession, public_id: str) -> bool:
    """Whether this public ID was deleted (and so must never be used again)."""
    return await session.get(Tombstone, public_id) is not None
