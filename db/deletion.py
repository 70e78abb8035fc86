"""Deleting records. Rows that belong to the deleted record (its participants, citations,
positions, stances, ...) are deleted with it, one by one through the ORM so each leaves its own
tombstone and change (db.changes); rows that merely point at it (a statement made at an
engagement) are detached. A record other records still depend on (a leader who took part in
engagements) is refused with a ConflictError: nothing is lost by accident."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from db.claims import refresh_claim_status
from db.errors import ValidationError
from db.ids import id_type
from db.models import (
    Citation,
    Claim,
    Engagement,
    Group,
    Leader,
    Membership,
    Participant,
    Position,
    Source,
    Stance,
    Statement,
)
from db.records import flush, get_by_public_id, pk

MODELS: dict[str, type[SQLModel]] = {
    "leader": Leader,
    "position": Position,
    "group": Group,
    "membership": Membership,
    "engagement": Engagement,
    "participant": Participant,
    "statement": Statement,
    "claim": Claim,
    "stance": Stance,
    "source": Source,
    "citation": Citation,
}

# kind → (child model, foreign key column) for rows deleted with the record
_OWNED: dict[str, tuple[tuple[type[SQLModel], str], ...]] = {
    "leader": ((Position, "leader_id"), (Membership, "member_leader_id")),
    "position": ((Citation, "position_id"),),
    "group": ((Membership, "group_id"), (Membership, "member_group_id")),
    "membership": ((Citation, "membership_id"),),
    "engagement": ((Participant, "engagement_id"), (Citation, "engagement_id")),
    "statement": ((Citation, "statement_id"),),
    "claim": ((Stance, "claim_id"), (Citation, "claim_id")),
    "stance": ((Citation, "stance_id"),),
    "source": ((Citation, "source_id"),),
    "participant": (),
    "citation": (),
}

# kind → (model, column) for rows that point at the record and are detached (set to null)
_DETACHED: dict[str, tuple[tuple[type[SQLModel], str], ...]] = {
    "engagement": ((Statement, "engagement_id"), (Claim, "engagement_id")),
    "statement": ((Stance, "statement_id"),),
}


async def _delete_tree(session: AsyncSession, kind: str, row: Any) -> None:
    key = pk(row)
    for model, column in _DETACHED.get(kind, ()):
        rows = await session.execute(select(model).where(col(getattr(model, column)) == key))
        for dependent in rows.scalars():
            setattr(dependent, column, None)
    for model, column in _OWNED.get(kind, ()):
        rows = await session.execute(select(model).where(col(getattr(model, column)) == key))
        for child in list(rows.scalars()):
            await _delete_tree(session, str(model.__tablename__), child)
    # Children go first: the ORM knows no relationships here, and the database would otherwise
    # cascade them away before their own DELETE (and their tombstones) ran.
    await session.flush()
    await session.delete(row)


async def delete_record(session: AsyncSession, public_id: str) -> str:
    """Delete a record (and what belongs to it) by public ID; returns the kind deleted."""
    kind = id_type(public_id)
    if kind == "country":
        raise ValidationError("countries are ISO 3166-1 reference data and cannot be deleted")
    if kind not in MODELS:
        raise ValidationError(
            f"{public_id!r} is not the ID of a record that can be deleted", field="id"
        )
    row = await get_by_public_id(session, MODELS[kind], public_id)
    claim_id = row.claim_id if isinstance(row, Stance) else None
    await _delete_tree(session, kind, row)
    await flush(session, kind, deleting=True)
    if claim_id is not None:
        claim = await session.get(Claim, claim_id)
        if claim is not None:
            await refresh_claim_status(session, claim)
    return kind


async def remove_stance(session: AsyncSession, public_id: str) -> Claim:
    """Delete a stance; returns its claim, whose status is derived again."""
    stance = await get_by_public_id(session, Stance, public_id)
    claim = await session.get(Claim, stance.claim_id)
    await delete_record(session, public_id)
    assert claim is not None  # the foreign key guarantees it
    return claim
