"""Optimistic concurrency: every record has an entity tag derived from its public ID and its
last update time; a write that names the tag it read only goes ahead if the record still has it.

The check and the write are one atomic step: a conditional ``UPDATE ... WHERE updated_at = <the
time the tag was computed from>`` runs first in the writing transaction. It takes the row's write
lock (PostgreSQL) or the database's (SQLite), so of two writers holding the same tag exactly one
proceeds and the other is refused: no update is lost.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from db.errors import PreconditionFailedError
from db.records import get_by_public_id
from db.serialize import iso


def etag(row: Any) -> str:
    """A strong entity tag (RFC 9110): changes whenever the record does."""
    stamp = iso(row.updated_at) or ""
    digest = hashlib.blake2b(f"{row.public_id}|{stamp}".encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def matches(tag_list: str, row: Any, *, weak: bool = True) -> bool:
    """Whether an If-Match / If-None-Match header value names this record's current tag.
    If-None-Match compares weakly (``W/"x"`` matches ``"x"``); If-Match must compare strongly
    (``weak=False``: a weak tag never matches), RFC 9110 section 13.1.1."""
    current = etag(row)
    for tag in (t.strip() for t in tag_list.split(",")):
        if tag in ("*", current) or (weak and tag == f"W/{current}"):
            return True
    return False


async def claim_if_match(
    session: AsyncSession, model: type[SQLModel], public_id: str, if_match: str
) -> Any:
    """Lock the record for this transaction if it still has the tag the client sent; returns it.
    NotFoundError when it does not exist, PreconditionFailedError when it changed."""
    row: Any = await get_by_public_id(session, model, public_id)
    if not matches(if_match, row, weak=False):
        raise PreconditionFailedError(
            "the record changed since you read it: fetch it again and retry", field="If-Match"
        )
    seen = row.updated_at
    result = await session.execute(
        update(model)
        .where(col(model.id) == row.id, col(model.updated_at) == seen)  # type: ignore[attr-defined]
        # Writing the value it already has takes the lock without changing the record: a
        # write that then changes nothing leaves updated_at, the ETag and the change feed alone.
        .values(updated_at=seen)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise PreconditionFailedError(
            "the record changed while you were writing: fetch it again and retry", field="If-Match"
        )
    await session.refresh(row)
    return row
