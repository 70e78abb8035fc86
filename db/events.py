"""Telling listeners that engagements were added, once the transaction that added them commits.

- On PostgreSQL the notice goes through LISTEN/NOTIFY: ``pg_notify`` runs inside the writing
  transaction, so PostgreSQL delivers it on commit (and never on rollback) to every server
  process that listens, including the writer's own.
- On SQLite (one process) the session's ``after_commit`` hook hands the IDs to this process's
  hub directly.

Subscribers read from ``hub.subscribe()``; each gets every public ID added after it subscribed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import suppress
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from db.models import Engagement
from db.settings import Settings

CHANNEL = "crisisgraph_engagement_added"
_PENDING = "crisisgraph_engagements_added"
_QUEUE_SIZE = 1000
log = logging.getLogger(__name__)


class Hub:
    """This process's subscribers, and (on PostgreSQL) its one LISTEN connection."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[str]] = set()
        self._listener: asyncpg.Connection | None = None
        self._listening_to: str | None = None
        self._lock = asyncio.Lock()

    def publish(self, public_ids: list[str]) -> None:
        for queue in list(self._queues):
            for public_id in public_ids:
                if queue.full():  # a subscriber that stopped reading loses the oldest events
                    with suppress(asyncio.QueueEmpty):
                        queue.get_nowait()
                queue.put_nowait(public_id)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self.publish([p for p in payload.split(",") if p])

    async def _ensure_listener(self, settings: Settings) -> None:
        if settings.is_sqlite:
            return
        async with self._lock:
            if self._listener is not None and not self._listener.is_closed():
                return
            dsn = settings.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
            self._listener = await asyncpg.connect(dsn)
            await self._listener.add_listener(CHANNEL, self._on_notify)
            self._listening_to = dsn

    async def subscribe(self, settings: Settings) -> AsyncIterator[str]:
        await self._ensure_listener(settings)
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=_QUEUE_SIZE)
        self._queues.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.discard(queue)

    async def close(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            await self._listener.close()
        self._listener = None


hub = Hub()


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context: Any) -> None:
    added = [obj.public_id for obj in session.new if isinstance(obj, Engagement)]
    if not added:
        return
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # NOTIFY payloads are limited to 8000 bytes: send the IDs in chunks.
        for start in range(0, len(added), 200):
            payload = ",".join(added[start : start + 200])
            session.connection().execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": CHANNEL, "payload": payload},
            )
    else:
        session.info.setdefault(_PENDING, []).extend(added)


@event.listens_for(Session, "after_commit")
def _deliver(session: Session) -> None:
    added = session.info.pop(_PENDING, None)
    if added:
        hub.publish(added)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
