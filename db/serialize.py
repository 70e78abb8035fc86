"""The canonical JSON form of every record, shared by REST, the changes feed and bundles.

Field names and values are the ones GraphQL uses (camelCase, enum names, ISO 8601 dates, public
IDs for every reference), so a record reads the same byte for byte whichever way it is fetched.
Serialising a page costs a fixed number of statements: references are looked up in one batch per
referenced table, never per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from db import models
from db.base import utcnow

KIND_MODELS: dict[str, type[SQLModel]] = {
    "country": models.Country,
    "leader": models.Leader,
    "position": models.Position,
    "group": models.Group,
    "membership": models.Membership,
    "engagement": models.Engagement,
    "participant": models.Participant,
    "statement": models.Statement,
    "claim": models.Claim,
    "stance": models.Stance,
    "source": models.Source,
    "citation": models.Citation,
}

# Internal-key columns per kind → the table they point at (by integer id).
_REFS: dict[str, dict[str, str]] = {
    "position": {"leader_id": "leader", "group_id": "group"},
    "membership": {"group_id": "group", "member_leader_id": "leader", "member_group_id": "group"},
    "participant": {"engagement_id": "engagement", "leader_id": "leader", "group_id": "group"},
    "statement": {
        "speaker_leader_id": "leader",
        "speaker_group_id": "group",
        "engagement_id": "engagement",
    },
    "claim": {
        "subject_leader_id": "leader",
        "subject_group_id": "group",
        "engagement_id": "engagement",
    },
    "stance": {
        "claim_id": "claim",
        "leader_id": "leader",
        "group_id": "group",
        "statement_id": "statement",
    },
    "citation": {
        "source_id": "source",
        "engagement_id": "engagement",
        "statement_id": "statement",
        "claim_id": "claim",
        "stance_id": "stance",
        "membership_id": "membership",
        "position_id": "position",
    },
}


def iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=utcnow().tzinfo)
        return aware.isoformat()
    return value.isoformat()


def _country(code: str | None) -> str | None:
    return f"country_{code}" if code else None


class _Refs:
    """Public IDs of the rows a page points at, looked up in one statement per table."""

    def __init__(self) -> None:
        self.ids: dict[str, set[int]] = {}
        self.public: dict[tuple[str, int], str] = {}

    def want(self, kind: str, row: Any) -> None:
        for column, target in _REFS.get(kind, {}).items():
            value = getattr(row, column)
            if value is not None:
                self.ids.setdefault(target, set()).add(value)

    async def load(self, session: AsyncSession) -> None:
        for target, ids in self.ids.items():
            model = KIND_MODELS[target]
            rows = await session.execute(
                select(col(model.id), col(model.public_id)).where(col(model.id).in_(sorted(ids)))  # type: ignore[attr-defined]
            )
            for key, public_id in rows:
                self.public[(target, key)] = public_id

    def __call__(self, target: str, key: int | None) -> str | None:
        return None if key is None else self.public.get((target, key))

    def actor(
        self, leader_id: int | None, country_code: str | None, group_id: int | None
    ) -> str | None:
        return self("leader", leader_id) or _country(country_code) or self("group", group_id)


def _stamps(row: Any) -> dict[str, Any]:
    return {"createdAt": iso(row.created_at), "updatedAt": iso(row.updated_at)}


def _one(kind: str, r: Any, ref: _Refs) -> dict[str, Any]:
    if kind == "country":
        body = {
            "id": r.public_id,
            "code": r.code,
            "alpha3": r.alpha3,
            "name": r.name,
            "officialName": r.official_name,
            "aliases": list(r.aliases),
        }
    elif kind == "leader":
        body = {
            "id": r.public_id,
            "name": r.name,
            "aliases": list(r.aliases),
            "country": _country(r.country_code),
            "wikidataQid": r.wikidata_qid,
        }
    elif kind == "position":
        body = {
            "id": r.public_id,
            "leader": ref("leader", r.leader_id),
            "title": r.title,
            "kind": r.kind.value,
            "country": _country(r.country_code),
            "group": ref("group", r.group_id),
            "startDate": iso(r.start_date),
            "endDate": iso(r.end_date),
        }
    elif kind == "group":
        body = {
            "id": r.public_id,
            "name": r.name,
            "aliases": list(r.aliases),
            "kind": r.kind.value,
            "description": r.description,
            "wikidataQid": r.wikidata_qid,
        }
    elif kind == "membership":
        body = {
            "id": r.public_id,
            "group": ref("group", r.group_id),
            "member": ref.actor(r.member_leader_id, r.member_country_code, r.member_group_id),
            "role": r.role.value,
            "startDate": iso(r.start_date),
            "endDate": iso(r.end_date),
        }
    elif kind == "engagement":
        body = {
            "id": r.public_id,
            "kind": r.kind.value,
            "mode": r.mode.value if r.mode else None,
            "status": r.status.value,
            "title": r.title,
            "summary": r.summary,
            "startDate": iso(r.start_date),
            "endDate": iso(r.end_date),
            "datePrecision": r.date_precision.value,
            "location": {
                "country": _country(r.location_country_code),
                "place": r.location_place,
                "latitude": r.latitude,
                "longitude": r.longitude,
            },
            "cameoCode": r.cameo_code,
            "externalId": r.external_id,
            "attributes": r.attributes,
        }
    elif kind == "participant":
        body = {
            "id": r.public_id,
            "engagement": ref("engagement", r.engagement_id),
            "actor": ref.actor(r.leader_id, r.country_code, r.group_id),
            "role": r.role.value,
        }
    elif kind == "statement":
        body = {
            "id": r.public_id,
            "text": r.text,
            "isDirectQuote": r.is_direct_quote,
            "date": iso(r.date),
            "datePrecision": r.date_precision.value,
            "speaker": ref.actor(r.speaker_leader_id, r.speaker_country_code, r.speaker_group_id),
            "speakerLabel": r.speaker_label,
            "engagement": ref("engagement", r.engagement_id),
        }
    elif kind == "claim":
        body = {
            "id": r.public_id,
            "text": r.text,
            "quantity": r.quantity,
            "unit": r.unit,
            "subject": ref.actor(r.subject_leader_id, r.subject_country_code, r.subject_group_id),
            "status": r.status.value,
            "engagement": ref("engagement", r.engagement_id),
        }
    elif kind == "stance":
        body = {
            "id": r.public_id,
            "claim": ref("claim", r.claim_id),
            "actor": ref.actor(r.leader_id, r.country_code, r.group_id),
            "position": r.position.value,
            "date": iso(r.date),
            "datePrecision": r.date_precision.value,
            "statement": ref("statement", r.statement_id),
        }
    elif kind == "source":
        body = {
            "id": r.public_id,
            "title": r.title,
            "publisher": r.publisher,
            "url": r.url,
            "language": r.language,
            "publishedAt": iso(r.published_at),
            "licence": r.licence,
            "text": r.text,
        }
    elif kind == "citation":
        target = next(
            ref(t, getattr(r, c))
            for c, t in _REFS["citation"].items()
            if c != "source_id" and getattr(r, c) is not None
        )
        body = {
            "id": r.public_id,
            "source": ref("source", r.source_id),
            "target": target,
            "excerpt": r.excerpt,
            "start": r.start_offset,
            "end": r.end_offset,
        }
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return body | _stamps(r)


async def to_dicts(session: AsyncSession, kind: str, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """The canonical form of rows of one kind, in order."""
    refs = _Refs()
    for row in rows:
        refs.want(kind, row)
    await refs.load(session)
    return [_one(kind, row, refs) for row in rows]


async def children_dicts(
    session: AsyncSession, kind: str, parent_column: str, parent_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """The canonical forms of the records of one kind that point at each parent (participants
    of engagements, citations of claims, ...), grouped by parent, in creation order."""
    model = KIND_MODELS[kind]
    column = col(getattr(model, parent_column))
    rows = list(
        (
            await session.execute(
                select(model).where(column.in_(list(parent_ids))).order_by(column, col(model.id))  # type: ignore[attr-defined]
            )
        ).scalars()
    )
    out: dict[int, list[dict[str, Any]]] = {p: [] for p in parent_ids}
    for row, item in zip(rows, await to_dicts(session, kind, rows), strict=True):
        out[getattr(row, parent_column)].append(item)
    return out
