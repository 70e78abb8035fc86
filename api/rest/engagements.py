"""/api/v1/engagements: the dated interactions, with the flat dyadic CSV analysts load."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from api.rest.formats import CsvShape
from api.rest.params import Params
from api.rest.resource import Input, Resource
from db import engagements as q
from db.enums import (
    DatePrecision,
    EngagementKind,
    EngagementMode,
    EngagementStatus,
    ParticipantRole,
)
from db.errors import DataError
from db.models import Engagement
from db.serialize import children_dicts, iso

FILTERS = ("from", "to", "kind", "mode", "status", "country", "leader", "group", "q")


def engagement_filter(params: Params) -> q.EngagementFilter:
    """The same filter GraphQL's EngagementFilter builds, from query parameters."""
    return q.EngagementFilter(
        date_from=params.date("from"),
        date_to=params.date("to"),
        kinds=params.enums("kind", EngagementKind),
        modes=params.enums("mode", EngagementMode),
        statuses=params.enums("status", EngagementStatus),
        countries=params.items("country"),
        leaders=params.items("leader"),
        groups=params.items("group"),
        search=params.text("q"),
    )


_PARAMS = {"countries": "country", "leaders": "leader", "groups": "group", "to": "to"}


def engagement_query(params: Params) -> Select[Any]:
    try:
        return q.engagements_query(engagement_filter(params))
    except DataError as exc:  # the data layer names its filter fields; name the parameters
        exc.field = _PARAMS.get(exc.field or "", exc.field)
        raise


class EngagementIn(Input):
    kind: EngagementKind
    title: str
    start_date: dt.date
    mode: EngagementMode | None = None
    status: EngagementStatus = EngagementStatus.HELD
    summary: str | None = None
    end_date: dt.date | None = None
    date_precision: DatePrecision = DatePrecision.DAY
    location_country: str | None = None
    location_place: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    cameo_code: str | None = None
    external_id: str | None = None
    attributes: dict[str, Any] | None = None


class EngagementPatch(Input):
    kind: EngagementKind | None = None
    title: str | None = None
    start_date: dt.date | None = None
    mode: EngagementMode | None = None
    status: EngagementStatus | None = None
    summary: str | None = None
    end_date: dt.date | None = None
    date_precision: DatePrecision | None = None
    location_country: str | None = None
    location_place: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    cameo_code: str | None = None
    external_id: str | None = None
    attributes: dict[str, Any] | None = None


async def participants(
    session: AsyncSession, rows: Sequence[Engagement]
) -> dict[int, list[dict[str, Any]]]:
    return await children_dicts(
        session, "participant", "engagement_id", [r.id for r in rows if r.id]
    )


async def citations(
    session: AsyncSession, rows: Sequence[Engagement]
) -> dict[int, list[dict[str, Any]]]:
    return await children_dicts(session, "citation", "engagement_id", [r.id for r in rows if r.id])


DYADIC_COLUMNS = (
    "id",
    "kind",
    "mode",
    "status",
    "title",
    "start_date",
    "end_date",
    "date_precision",
    "initiator_id",
    "initiator_type",
    "initiator_name",
    "initiator_country",
    "recipient_id",
    "recipient_type",
    "recipient_name",
    "recipient_country",
    "other_participants",
    "location_country",
    "location_place",
    "latitude",
    "longitude",
    "cameo_code",
    "external_id",
    "summary",
    "updated_at",
)


def _actor_columns(prefix: str, actor: Any) -> dict[str, Any]:
    if actor is None:
        return {}
    kind = type(actor).__name__.lower()
    country = (
        getattr(actor, "country_code", None)
        if kind == "leader"
        else (actor.code if kind == "country" else None)
    )
    return {
        f"{prefix}_id": actor.public_id,
        f"{prefix}_type": kind,
        f"{prefix}_name": actor.name,
        f"{prefix}_country": country,
    }


async def dyadic_rows(session: AsyncSession, rows: Sequence[Engagement]) -> list[dict[str, Any]]:
    """One row per engagement: its first initiator and first recipient (or, for engagements
    recorded without those roles, its first two participants), the others counted."""
    parts = await q.participants_of_engagements(session, [r.id for r in rows if r.id])
    out = []
    for row in rows:
        people = parts.get(row.id or 0, [])
        initiator = next((a for p, a in people if p.role == ParticipantRole.INITIATOR), None)
        recipient = next((a for p, a in people if p.role == ParticipantRole.RECIPIENT), None)
        if initiator is None and recipient is None and people:
            initiator = people[0][1]
            recipient = people[1][1] if len(people) > 1 else None
        named = sum(1 for a in (initiator, recipient) if a is not None)
        out.append(
            {
                "id": row.public_id,
                "kind": row.kind.value,
                "mode": row.mode.value if row.mode else None,
                "status": row.status.value,
                "title": row.title,
                "start_date": iso(row.start_date),
                "end_date": iso(row.end_date),
                "date_precision": row.date_precision.value,
                **_actor_columns("initiator", initiator),
                **_actor_columns("recipient", recipient),
                "other_participants": len(people) - named,
                "location_country": row.location_country_code,
                "location_place": row.location_place,
                "latitude": row.latitude,
                "longitude": row.longitude,
                "cameo_code": row.cameo_code,
                "external_id": row.external_id,
                "summary": row.summary,
                "updated_at": iso(row.updated_at),
            }
        )
    return out


RESOURCE = Resource(
    name="engagements",
    kind="engagement",
    model=Engagement,
    query=engagement_query,
    filters=FILTERS,
    sorts={
        "start_date": Engagement.start_date,
        "title": Engagement.title,
        "kind": Engagement.kind,
        "status": Engagement.status,
        "created_at": Engagement.created_at,
        "updated_at": Engagement.updated_at,
    },
    default_sort="-start_date",
    id_column=Engagement.id,
    expansions={"participants": participants, "citations": citations},
    create_input=EngagementIn,
    update_input=EngagementPatch,
    create=q.create_engagement,
    update=q.update_engagement,
    to_create=lambda data: q.EngagementCreate(**data),
    to_update=lambda data: q.EngagementUpdate(**data),
    csv=CsvShape(DYADIC_COLUMNS, dyadic_rows),
    field_names=(
        "id",
        "kind",
        "mode",
        "status",
        "title",
        "summary",
        "startDate",
        "endDate",
        "datePrecision",
        "location",
        "cameoCode",
        "externalId",
        "attributes",
        "createdAt",
        "updatedAt",
    ),
)
