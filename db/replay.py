"""Replaying the change feed (db.feed, /api/v1/changes) into another database, so it becomes and
stays an exact copy: every record's canonical form (db.serialize) equal on both sides.

The target is a database built with the migrations and nothing else: countries come from the feed
like every other record (the ISO countries are loaded through the ORM, so their creates are the
feed's first entries). A target that was given ``db.countries.load_iso_countries`` first works
too: the country entries then update those rows to the source's (timestamps included).

``apply_record`` creates or updates one record by public ID from its canonical dict: references
(public IDs) become the target's own keys, countries their codes; ``createdAt`` / ``updatedAt``
are copied; derived search columns are computed as the domain modules do, while a claim's
status is copied as the source derived it. ``apply_delete``
deletes by public ID and leaves the tombstone, dated as in the source. Writes go through the ORM,
so the target keeps its own change log and tombstones (a mirror can serve a feed in its turn).

Order. Entries must be applied in feed order. Because an entry carries the record's *current*
state, not the state at that seq, it can name a record whose create comes later in the feed (a
statement created, an engagement created after it, then the statement attached to it: the
statement's create entry already points at the engagement). Such an entry is held back until the
records it needs are there; the record's own later entry (which exists: the reference was set by
a later change) or the arrival of the missing record brings it in. ``Replayer`` does this
bookkeeping; a mirror that stops between polls saves ``Replayer.pending`` (plain JSON) with its
cursor and hands it back on restart.

Unique values. For the same reason a record can arrive holding a unique value (a Wikidata QID, a
source URL, an engagement's external ID) that another target row still holds only because that
row's own later entry, which gives the value up, has not been applied yet. The value is taken
from that row (set to null) and its later entry restores it to the source's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import SQLModel, col

from db.base import utcnow
from db.engagements import refresh_engagement_search
from db.groups import refresh_group_search
from db.ids import id_type
from db.leaders import refresh_leader_search
from db.models import Tombstone
from db.models.sources import CITATION_TARGETS
from db.serialize import KIND_MODELS
from db.statements import refresh_statement_search
from db.text import fold, fold_names


class ReplayError(Exception):
    """An entry that cannot be applied: malformed, of an unknown shape, or refused by the
    target's constraints. The replay must stop: the copy would no longer be exact."""


class MissingReferences(Exception):
    """The record names records the target does not hold yet; apply it once they are there."""

    def __init__(self, public_ids: Sequence[str]) -> None:
        super().__init__(f"waiting for {', '.join(public_ids)}")
        self.public_ids = tuple(public_ids)


# Canonical field → column, for the fields copied as they are (converted by column type).
_PLAIN: dict[str, dict[str, str]] = {
    "country": {
        "code": "code",
        "alpha3": "alpha3",
        "name": "name",
        "officialName": "official_name",
        "aliases": "aliases",
    },
    "leader": {"name": "name", "aliases": "aliases", "wikidataQid": "wikidata_qid"},
    "position": {
        "title": "title",
        "kind": "kind",
        "startDate": "start_date",
        "endDate": "end_date",
    },
    "group": {
        "name": "name",
        "aliases": "aliases",
        "kind": "kind",
        "description": "description",
        "wikidataQid": "wikidata_qid",
    },
    "membership": {"role": "role", "startDate": "start_date", "endDate": "end_date"},
    "engagement": {
        "kind": "kind",
        "mode": "mode",
        "status": "status",
        "title": "title",
        "summary": "summary",
        "startDate": "start_date",
        "endDate": "end_date",
        "datePrecision": "date_precision",
        "cameoCode": "cameo_code",
        "externalId": "external_id",
        "attributes": "attributes",
    },
    "participant": {"role": "role"},
    "statement": {
        "text": "text",
        "isDirectQuote": "is_direct_quote",
        "date": "date",
        "datePrecision": "date_precision",
        "speakerLabel": "speaker_label",
    },
    "claim": {"text": "text", "quantity": "quantity", "unit": "unit", "status": "status"},
    "stance": {"position": "position", "date": "date", "datePrecision": "date_precision"},
    "source": {
        "title": "title",
        "publisher": "publisher",
        "url": "url",
        "language": "language",
        "publishedAt": "published_at",
        "licence": "licence",
        "text": "text",
    },
    "citation": {"excerpt": "excerpt", "start": "start_offset", "end": "end_offset"},
}

# Canonical field → (column, kind of record it names), for references to one kind.
_REFS: dict[str, dict[str, tuple[str, str]]] = {
    "leader": {"country": ("country_code", "country")},
    "position": {
        "leader": ("leader_id", "leader"),
        "country": ("country_code", "country"),
        "group": ("group_id", "group"),
    },
    "membership": {"group": ("group_id", "group")},
    "participant": {"engagement": ("engagement_id", "engagement")},
    "statement": {"engagement": ("engagement_id", "engagement")},
    "claim": {"engagement": ("engagement_id", "engagement")},
    "stance": {"claim": ("claim_id", "claim"), "statement": ("statement_id", "statement")},
    "citation": {"source": ("source_id", "source")},
}

# Canonical field → column prefix, for actor references (a leader, a country or a group).
_ACTORS: dict[str, dict[str, str]] = {
    "membership": {"member": "member_"},
    "participant": {"actor": ""},
    "statement": {"speaker": "speaker_"},
    "claim": {"subject": "subject_"},
    "stance": {"actor": ""},
}

# Unique columns a record may take over from a row whose own update is still to come.
_TAKEN_OVER: dict[str, tuple[str, ...]] = {
    "leader": ("wikidata_qid",),
    "group": ("wikidata_qid",),
    "engagement": ("external_id",),
    "source": ("url",),
}

_STAMPS = ("id", "createdAt", "updatedAt")


def _expected_fields(kind: str) -> set[str]:
    fields = set(_STAMPS) | set(_PLAIN[kind]) | set(_REFS.get(kind, {}))
    fields |= set(_ACTORS.get(kind, {}))
    if kind == "engagement":
        fields.add("location")
    if kind == "citation":
        fields.add("target")
    return fields


def _referenced(kind: str, record: Mapping[str, Any]) -> list[str]:
    """Every public ID the record names."""
    out = [record[f] for f in (*_REFS.get(kind, {}), *_ACTORS.get(kind, {}))]
    if kind == "engagement":
        out.append((record["location"] or {}).get("country"))
    if kind == "citation":
        out.append(record["target"])
    return [p for p in out if p is not None]


async def _keys(session: AsyncSession, public_ids: Iterable[str]) -> dict[str, Any]:
    """The target's keys (integer ids; codes for countries) of the records it holds, one
    statement per kind."""
    by_kind: dict[str, set[str]] = {}
    for public_id in public_ids:
        if not isinstance(public_id, str):
            raise ReplayError(f"{public_id!r} is not a public ID")
        kind = id_type(public_id)
        if kind not in KIND_MODELS:
            raise ReplayError(f"{public_id!r} is not the ID of a record")
        by_kind.setdefault(kind, set()).add(public_id)
    keys: dict[str, Any] = {}
    for kind, wanted in by_kind.items():
        model: Any = KIND_MODELS[kind]
        key = col(model.code) if kind == "country" else col(model.id)
        rows = await session.execute(
            select(col(model.public_id), key).where(col(model.public_id).in_(sorted(wanted)))
        )
        keys.update({public_id: value for public_id, value in rows})
    return keys


def _convert(column: sa.Column[Any], value: Any) -> Any:
    """A canonical JSON value as the column's Python value."""
    if value is None:
        return None
    kind: Any = column.type
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.Enum) and kind.enum_class is not None:
        return kind.enum_class(value)
    if isinstance(kind, sa.DateTime):
        stamp = datetime.fromisoformat(value)
        return stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    if isinstance(kind, sa.Date):
        return date.fromisoformat(value)
    if isinstance(kind, sa.Float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _same(current: Any, new: Any) -> bool:
    """Equal as stored: SQLite hands timezone-aware columns back naive (they hold UTC)."""
    if isinstance(current, datetime) and isinstance(new, datetime):
        current = current if current.tzinfo else current.replace(tzinfo=UTC)
    return bool(current == new)


def _values(kind: str, record: Mapping[str, Any], keys: Mapping[str, Any]) -> dict[str, Any]:
    """The target row's column values for a canonical record whose references all resolve."""
    values: dict[str, Any] = {
        "public_id": record["id"],
        "created_at": record["createdAt"],
        "updated_at": record["updatedAt"],
    }
    for field, column in _PLAIN[kind].items():
        values[column] = record[field]
    for field, (column, target) in _REFS.get(kind, {}).items():
        ref = record[field]
        if ref is not None and id_type(ref) != target:
            raise ReplayError(f"{kind} {record['id']}: {field} {ref!r} is not a {target} ID")
        values[column] = None if ref is None else keys[ref]
    for field, prefix in _ACTORS.get(kind, {}).items():
        ref = record[field]
        actor = id_type(ref) if ref is not None else None
        if ref is not None and actor not in ("leader", "country", "group"):
            raise ReplayError(f"{kind} {record['id']}: {field} {ref!r} is not an actor ID")
        values[prefix + "leader_id"] = keys[ref] if actor == "leader" else None
        values[prefix + "country_code"] = keys[ref] if actor == "country" else None
        values[prefix + "group_id"] = keys[ref] if actor == "group" else None
    if kind == "engagement":
        location = record["location"] or {}
        unknown = set(location) - {"country", "place", "latitude", "longitude"}
        if unknown:
            raise ReplayError(f"engagement {record['id']}: unknown location field {unknown.pop()}")
        country = location.get("country")
        values["location_country_code"] = None if country is None else keys[country]
        values["location_place"] = location.get("place")
        values["latitude"] = location.get("latitude")
        values["longitude"] = location.get("longitude")
    if kind == "citation":
        target = record["target"]
        column = f"{id_type(target)}_id"
        if column not in CITATION_TARGETS:
            raise ReplayError(f"citation {record['id']}: {target!r} cannot be cited")
        for name in CITATION_TARGETS:
            values[name] = keys[target] if name == column else None
    table = KIND_MODELS[kind].__table__  # type: ignore[attr-defined]
    return {name: _convert(table.c[name], value) for name, value in values.items()}


def _derive(kind: str, row: Any) -> None:
    """The search columns, which the feed does not carry, computed as the domain does."""
    if kind == "country":
        row.search_names = fold_names([row.name, *row.aliases])
    elif kind == "leader":
        refresh_leader_search(row)
    elif kind == "group":
        refresh_group_search(row)
    elif kind == "engagement":
        refresh_engagement_search(row)
    elif kind == "statement":
        refresh_statement_search(row)
    elif kind == "claim":
        row.search_text = fold(row.text)


async def _find(session: AsyncSession, kind: str, public_id: str) -> Any:
    model: Any = KIND_MODELS[kind]
    query = select(model).where(col(model.public_id) == public_id)
    # Fresh from the database: ON DELETE SET NULL may have changed rows the session holds.
    return (
        await session.execute(query.execution_options(populate_existing=True))
    ).scalar_one_or_none()


async def _flush(session: AsyncSession, what: str) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        first = str(exc.orig).splitlines()[0]
        raise ReplayError(f"the target refused {what}: {first}") from None


async def _take_over(session: AsyncSession, kind: str, values: Mapping[str, Any]) -> None:
    model: Any = KIND_MODELS[kind]
    for column in _TAKEN_OVER.get(kind, ()):
        value = values[column]
        if value is None:
            continue
        holders = await session.execute(
            select(model).where(
                col(getattr(model, column)) == value, col(model.public_id) != values["public_id"]
            )
        )
        for holder in holders.scalars():
            setattr(holder, column, None)
            await _flush(session, f"giving up {column} of {holder.public_id}")


async def apply_record(session: AsyncSession, kind: str, record: Mapping[str, Any]) -> SQLModel:
    """Create or update the record with this canonical form, by public ID; returns the row.
    Raises MissingReferences when it names records the target does not hold yet."""
    if kind not in KIND_MODELS:
        raise ReplayError(f"{kind!r} is not a record type")
    if not isinstance(record, Mapping):
        raise ReplayError(f"the {kind} record is not an object")
    expected = _expected_fields(kind)
    if set(record) != expected:
        extra, missing = set(record) - expected, expected - set(record)
        raise ReplayError(
            f"{kind} {record.get('id')!r} does not have the canonical shape "
            f"(unknown: {sorted(extra)}, missing: {sorted(missing)}); "
            "db/replay.py must follow db/serialize.py"
        )
    public_id = record["id"]
    if not isinstance(public_id, str) or id_type(public_id) != kind:
        raise ReplayError(f"{public_id!r} is not a {kind} ID")
    referenced = _referenced(kind, record)
    keys = await _keys(session, referenced)
    missing_ids = [p for p in dict.fromkeys(referenced) if p not in keys]
    if missing_ids:
        raise MissingReferences(missing_ids)
    try:
        values = _values(kind, record, keys)
    except (ValueError, TypeError, KeyError) as exc:
        raise ReplayError(f"{kind} {public_id}: {exc}") from None
    await _take_over(session, kind, values)
    row = await _find(session, kind, public_id)
    if row is None:
        row = KIND_MODELS[kind](**values)
        _derive(kind, row)
        session.add(row)
    else:
        for name, value in values.items():
            if not _same(getattr(row, name), value):
                setattr(row, name, value)
        _derive(kind, row)
        if session.is_modified(row):
            # Write the source's updatedAt even when it equals the row's (a column the target
            # changed on its own, a taken-over value): else the column's onupdate would stamp now.
            flag_modified(row, "updated_at")
    await _flush(session, f"{kind} {public_id}")
    return row


async def apply_delete(session: AsyncSession, public_id: str, at: datetime | None = None) -> None:
    """Delete the record with this public ID, if the target holds it, and leave its tombstone
    dated ``at`` (the source's time of the delete). Rows that belong to it were deleted by their
    own, earlier, entries; any left over go with it (the foreign keys cascade)."""
    kind = id_type(public_id) if isinstance(public_id, str) else None
    if kind not in KIND_MODELS:
        raise ReplayError(f"{public_id!r} is not the ID of a record")
    row = await _find(session, kind, public_id)
    if row is not None:
        await session.delete(row)  # db.changes writes the change and the tombstone
        await _flush(session, f"deleting {public_id}")
    tombstone = await session.get(Tombstone, public_id)
    if tombstone is None:  # created and deleted between two reads: the target never held it
        session.add(Tombstone(public_id=public_id, type=kind, deleted_at=at or utcnow()))
    elif at is not None:
        tombstone.deleted_at = at
    await _flush(session, f"the tombstone of {public_id}")


def _at(entry: Mapping[str, Any]) -> datetime | None:
    value = entry.get("at")
    if value is None:
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ReplayError(f"change {entry.get('seq')}: 'at' is not an ISO 8601 time") from None
    return stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC)


async def apply_change(session: AsyncSession, entry: Mapping[str, Any]) -> tuple[str, ...]:
    """Apply one feed entry. Returns the public IDs it still waits for: empty when it was
    applied (or had nothing to do: a create or update whose record was deleted since, whose
    delete entry follows), else the records it names that the target does not hold yet."""
    op, public_id = entry.get("op"), entry.get("id")
    if op == "delete":
        await apply_delete(session, str(public_id), _at(entry))
        return ()
    if op not in ("create", "update"):
        raise ReplayError(f"change {entry.get('seq')}: unknown op {op!r}")
    record = entry.get("record")
    if record is None:
        return ()
    kind = entry.get("type")
    if record.get("id") != public_id or id_type(str(public_id)) != kind:
        raise ReplayError(f"change {entry.get('seq')}: record, id and type do not agree")
    try:
        await apply_record(session, str(kind), record)
    except MissingReferences as exc:
        return exc.public_ids
    return ()


class Replayer:
    """Applies feed entries in order, holding back those that name records not there yet and
    applying them as soon as those arrive (see the module's docstring). ``pending`` maps public
    IDs to held-back entries; save it with the cursor, and pass it back, between runs. Should a
    page's transaction fail, drop the replayer and start again from the cursor and pending
    entries saved with the last page that committed."""

    def __init__(self, pending: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.pending: dict[str, Mapping[str, Any]] = dict(pending or {})
        self._waiting: dict[str, set[str]] = {}  # public ID → IDs its pending entry waits for
        self.applied = 0

    async def apply(self, session: AsyncSession, entries: Iterable[Mapping[str, Any]]) -> None:
        """Apply entries in feed order, in the caller's transaction (commit after each page)."""
        if self.pending and not self._waiting:  # handed back from an earlier run
            await self._retry(session, set(self.pending))
        for entry in entries:
            public_id = str(entry.get("id"))
            self.pending.pop(public_id, None)  # a later entry supersedes a held-back one
            self._waiting.pop(public_id, None)
            waits = await apply_change(session, entry)
            if waits:
                self.pending[public_id] = entry
                self._waiting[public_id] = set(waits)
                continue
            self.applied += 1
            if self.pending and entry.get("op") != "delete" and entry.get("record") is not None:
                await self._arrived(session, public_id)

    async def _arrived(self, session: AsyncSession, public_id: str) -> None:
        ready = set()
        for waiter, ids in self._waiting.items():
            ids.discard(public_id)
            if not ids:
                ready.add(waiter)
        if ready:
            await self._retry(session, ready)

    async def _retry(self, session: AsyncSession, public_ids: set[str]) -> None:
        queue = sorted(public_ids, key=lambda p: int(self.pending[p].get("seq") or 0))
        for public_id in queue:
            entry = self.pending.get(public_id)
            if entry is None:
                continue
            waits = await apply_change(session, entry)
            if waits:
                self._waiting[public_id] = set(waits)
                continue
            del self.pending[public_id]
            self._waiting.pop(public_id, None)
            self.applied += 1
            await self._arrived(session, public_id)


__all__ = [
    "MissingReferences",
    "ReplayError",
    "Replayer",
    "apply_change",
    "apply_delete",
    "apply_record",
]
