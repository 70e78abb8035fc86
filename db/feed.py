"""The change feed: every create, update and delete of a record, in order of its sequence number,
each with the record's current canonical form (db.serialize), so a mirror can replay it
(db.replay) and stay an exact copy.

Position. A reader's place in the feed is a position: the last sequence number it has seen, and
optionally the ``since`` time it started from (changes before it are left out, then and on every
later poll). Positions travel as opaque, signed cursors; an edited or foreign cursor is refused.

Settle window. Sequence numbers are handed out when a transaction flushes, not when it commits: a
transaction that drew seq 10 may commit after another that drew seq 11 has committed. A reader
that saw 11 and moved its cursor past it would never see 10. So the feed holds back every change
younger than ``change_feed_settle_seconds`` *and everything after the first such change* (a page
stops just before it): a change only shows once every transaction that could still commit below
it has had that long to do so. This assumes writing transactions commit within the window of
their first flush (ours do: a request's transaction lasts milliseconds) and that app servers'
clocks agree to well within it; ``changed_at`` is written with the writer's clock. Batch jobs
that hold a transaction open for longer should run with the feed's readers in mind, or the
window be raised.

Cost. A page costs a fixed number of statements whatever its size: one for the changes, and per
kind on the page one for the current rows plus one per table they refer to (db.serialize).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.base import utcnow
from db.errors import ValidationError
from db.models import Change
from db.serialize import KIND_MODELS, iso, to_dicts

KINDS: tuple[str, ...] = tuple(KIND_MODELS)
_CURSOR_KEY = b"crisisgraph-changes-cursor-v1"


@dataclass(frozen=True)
class FeedPosition:
    """Where a reader is: after change ``seq``, leaving out changes made before ``since``."""

    seq: int = 0
    since: datetime | None = None


def _sign(payload: bytes) -> str:
    return hashlib.blake2b(payload, key=_CURSOR_KEY, digest_size=6).hexdigest()


def encode_cursor(position: FeedPosition) -> str:
    since = position.since.astimezone(UTC).isoformat() if position.since else None
    payload = json.dumps(["changes", position.seq, since], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload + b"." + _sign(payload).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, field: str = "cursor") -> FeedPosition:
    problem = ValidationError(
        "is not a cursor of the change feed; use a cursor the feed returned", field=field
    )
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload, _, signature = raw.rpartition(b".")
        if not payload or _sign(payload) != signature.decode():
            raise problem
        name, seq, since = json.loads(payload)
        if name != "changes" or type(seq) is not int or seq < 0:
            raise problem
        stamp = datetime.fromisoformat(since) if since is not None else None
    except (ValueError, UnicodeDecodeError, TypeError):
        raise problem from None
    return FeedPosition(seq, stamp)


def check_types(types: Sequence[str], *, field: str = "types") -> tuple[str, ...]:
    for kind in types:
        if kind not in KIND_MODELS:
            raise ValidationError(
                f"{kind!r} is not a record type; use some of: {', '.join(KINDS)}", field=field
            )
    return tuple(dict.fromkeys(types))


@dataclass
class FeedPage:
    """One page of the feed; ``position`` is where to continue (also when nothing came)."""

    entries: list[dict[str, Any]]
    position: FeedPosition
    has_more: bool


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _filters(
    position: FeedPosition, types: Sequence[str], settle_seconds: float, now: datetime | None
) -> list[ColumnElement[bool]]:
    """Changes after the position, of the types asked for, below the settle boundary."""
    cutoff = _utc(now or utcnow()) - timedelta(seconds=settle_seconds)
    # The first change still inside the settle window: nothing from it on is shown yet.
    boundary = (
        select(func.min(col(Change.seq)))
        .where(col(Change.seq) > position.seq, col(Change.changed_at) > cutoff)
        .scalar_subquery()
    )
    clauses: list[ColumnElement[bool]] = [
        col(Change.seq) > position.seq,
        or_(boundary.is_(None), col(Change.seq) < boundary),
    ]
    if position.since is not None:
        clauses.append(col(Change.changed_at) >= _utc(position.since))
    if types:
        clauses.append(col(Change.type).in_(list(types)))
    return [and_(*clauses)]


async def read_changes(
    session: AsyncSession,
    position: FeedPosition,
    *,
    limit: int = 100,
    types: Sequence[str] = (),
    settle_seconds: float = 0.0,
    now: datetime | None = None,
) -> FeedPage:
    """Up to ``limit`` settled changes after ``position``, in order of seq, each with the
    record's current canonical form (null once deleted, or for a delete)."""
    if limit < 1:
        raise ValidationError("must be at least 1", field="limit")
    types = check_types(types)
    query = (
        select(Change)
        .where(*_filters(position, types, settle_seconds, now))
        .order_by(col(Change.seq))
        .limit(limit + 1)
    )
    changes = list((await session.execute(query)).scalars())
    has_more = len(changes) > limit
    changes = changes[:limit]
    records = await current_records(session, [c for c in changes if c.op != "delete"])
    entries = [
        {
            "seq": c.seq,
            "op": c.op,
            "type": c.type,
            "id": c.public_id,
            "at": iso(c.changed_at),
            "record": None if c.op == "delete" else records.get(c.public_id),
        }
        for c in changes
    ]
    last = changes[-1].seq if changes else None
    after = FeedPosition(last, position.since) if last is not None else position
    return FeedPage(entries, after, has_more)


async def current_records(
    session: AsyncSession, changes: Sequence[Change]
) -> dict[str, dict[str, Any]]:
    """The canonical form of the records the changes name, by public ID; one batch per kind.
    Records deleted since are absent."""
    wanted: dict[str, set[str]] = {}
    for change in changes:
        if change.type in KIND_MODELS:
            wanted.setdefault(change.type, set()).add(change.public_id)
    out: dict[str, dict[str, Any]] = {}
    for kind, public_ids in wanted.items():
        model = KIND_MODELS[kind]
        public_id = col(model.public_id)  # type: ignore[attr-defined]
        rows = list(
            (
                await session.execute(
                    select(model).where(public_id.in_(sorted(public_ids))).order_by(public_id)
                )
            ).scalars()
        )
        for item in await to_dicts(session, kind, rows):
            out[item["id"]] = item
    return out


async def count_changes(
    session: AsyncSession,
    since: datetime | None = None,
    *,
    types: Sequence[str] = (),
    settle_seconds: float = 0.0,
    now: datetime | None = None,
) -> int:
    """How many settled changes the feed from ``since`` (or from the start) holds in all."""
    filters = _filters(FeedPosition(0, since), check_types(types), settle_seconds, now)
    query = select(func.count()).select_from(Change).where(*filters)
    return int((await session.execute(query)).scalar_one())
