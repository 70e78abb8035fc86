"""Every write to a record leaves a trace, whoever makes it (API, seed, importer): a Change row for
the updated-since feed and, for deletes, a Tombstone, so a deleted ID can never come back.

A ``before_flush`` hook on every ORM session does it, in the same transaction as the write, so
the trace and the write commit or roll back together.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from db.base import utcnow
from db.ids import id_type
from db.models import ApiKey, Change, Tombstone

_UNTRACKED = (ApiKey, Change, Tombstone)


def _tracked(obj: Any) -> str | None:
    if isinstance(obj, _UNTRACKED):
        return None
    public_id = getattr(obj, "public_id", None)
    return public_id if isinstance(public_id, str) else None


@event.listens_for(Session, "before_flush")
def _record_changes(session: Session, _context: Any, _instances: Any) -> None:
    now = utcnow()
    for obj in list(session.new):
        if pid := _tracked(obj):
            session.add(Change(public_id=pid, type=id_type(pid) or "", op="create", changed_at=now))
    for obj in list(session.dirty):
        if (pid := _tracked(obj)) and session.is_modified(obj, include_collections=False):
            session.add(Change(public_id=pid, type=id_type(pid) or "", op="update", changed_at=now))
    for obj in list(session.deleted):
        if pid := _tracked(obj):
            kind = id_type(pid) or ""
            session.add(Change(public_id=pid, type=kind, op="delete", changed_at=now))
            session.add(Tombstone(public_id=pid, type=kind, deleted_at=now))
