"""Engagements and their participants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from db.actors import Actor, rows_with_actor, with_actor
from db.enums import (
    DatePrecision,
    EngagementKind,
    EngagementMode,
    EngagementStatus,
    ParticipantRole,
)
from db.errors import ValidationError
from db.ids import new_id
from db.models import Country, Engagement, Group, Leader, Participant
from db.paging import (
    Ordering,
    Page,
    PageArgs,
    count,
    count_per_parent,
    fetch_page,
    fetch_pages_per_parent,
)
from db.records import (
    check_dates,
    check_text,
    flush,
    get_by_public_id,
    iso_alpha2,
    pk,
    resolve_actor,
    resolve_country,
)
from db.text import fold, like_escape


class EngagementCreate(SQLModel):
    kind: EngagementKind
    mode: EngagementMode | None = None
    status: EngagementStatus = EngagementStatus.HELD
    title: str
    summary: str | None = None
    start_date: date
    end_date: date | None = None
    date_precision: DatePrecision = DatePrecision.DAY
    location_country: str | None = None
    location_place: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    cameo_code: str | None = None
    external_id: str | None = None
    attributes: dict[str, Any] | None = None
    public_id: str | None = None


class ParticipantCreate(SQLModel):
    engagement: str
    actor: str | None
    role: ParticipantRole = ParticipantRole.PARTICIPANT
    public_id: str | None = None


def refresh_engagement_search(engagement: Engagement) -> None:
    engagement.search_text = fold(
        " ".join(p for p in (engagement.title, engagement.summary, engagement.location_place) if p)
    )


def _check_cameo(code: str | None) -> None:
    if code is not None and not (code.isdigit() and 2 <= len(code) <= 4):
        raise ValidationError(
            "a CAMEO code is 2 to 4 digits, leading zeros kept", field="cameo_code"
        )


def _check_coordinates(lat: float | None, lon: float | None) -> None:
    if lat is not None and not -90 <= lat <= 90:
        raise ValidationError("must be between -90 and 90", field="latitude")
    if lon is not None and not -180 <= lon <= 180:
        raise ValidationError("must be between -180 and 180", field="longitude")


async def create_engagement(session: AsyncSession, data: EngagementCreate) -> Engagement:
    check_text(data.title, field="title", max_length=500)
    check_dates(data.start_date, data.end_date)
    _check_coordinates(data.latitude, data.longitude)
    _check_cameo(data.cameo_code)
    engagement = Engagement(
        public_id=data.public_id or new_id("engagement"),
        kind=data.kind,
        mode=data.mode,
        status=data.status,
        title=data.title.strip(),
        summary=data.summary,
        start_date=data.start_date,
        end_date=data.end_date,
        date_precision=data.date_precision,
        location_country_code=(
            await resolve_country(session, data.location_country, field="location_country")
            if data.location_country
            else None
        ),
        location_place=data.location_place,
        latitude=data.latitude,
        longitude=data.longitude,
        cameo_code=data.cameo_code,
        external_id=data.external_id,
        attributes=data.attributes,
    )
    refresh_engagement_search(engagement)
    session.add(engagement)
    await flush(session, "engagement")
    return engagement


async def add_participant(session: AsyncSession, data: ParticipantCreate) -> Participant:
    engagement = await get_by_public_id(session, Engagement, data.engagement, field="engagement")
    actor = await resolve_actor(session, data.actor, field="actor")
    participant = Participant(
        public_id=data.public_id or new_id("participant"),
        engagement_id=pk(engagement),
        role=data.role,
    )
    actor.apply(participant)
    session.add(participant)
    await flush(session, "participant")
    return participant


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EngagementFilter:
    """Engagement filters shared by REST and GraphQL.

    Dates: an engagement covers the days from start_date to end_date (or start_date alone); it
    matches [date_from, date_to] when that period overlaps the range. So a MONTH-precision
    engagement in November 2021 (stored as 1-30 November) is inside 15-30 November.
    """

    date_from: date | None = None
    date_to: date | None = None
    kinds: Sequence[EngagementKind] = ()
    modes: Sequence[EngagementMode] = ()
    statuses: Sequence[EngagementStatus] = ()
    countries: Sequence[str] = ()  # ISO codes: a participant country, a participant leader's
    leaders: Sequence[str] = ()  # country, or the location country; leader and group public IDs
    groups: Sequence[str] = ()
    search: str | None = None
    ids: Sequence[str] = ()  # public IDs

    def clauses(self) -> list[ColumnElement[bool]]:
        e = Engagement
        out: list[ColumnElement[bool]] = []
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValidationError("is before from", field="to")
        if self.date_to is not None:
            out.append(col(e.start_date) <= self.date_to)
        if self.date_from is not None:
            out.append(func.coalesce(e.end_date, e.start_date) >= self.date_from)
        if self.kinds:
            out.append(col(e.kind).in_(list(self.kinds)))
        if self.modes:
            out.append(col(e.mode).in_(list(self.modes)))
        if self.statuses:
            out.append(col(e.status).in_(list(self.statuses)))
        if self.countries:
            codes = [iso_alpha2(c, field="countries") for c in self.countries]
            via_participant = select(col(Participant.engagement_id)).where(
                or_(
                    col(Participant.country_code).in_(codes),
                    col(Participant.leader_id).in_(
                        select(col(Leader.id)).where(col(Leader.country_code).in_(codes))
                    ),
                )
            )
            out.append(or_(col(e.id).in_(via_participant), col(e.location_country_code).in_(codes)))
        if self.leaders:
            out.append(
                col(e.id).in_(
                    select(col(Participant.engagement_id))
                    .join(Leader, col(Leader.id) == Participant.leader_id)
                    .where(col(Leader.public_id).in_(list(self.leaders)))
                )
            )
        if self.groups:
            out.append(
                col(e.id).in_(
                    select(col(Participant.engagement_id))
                    .join(Group, col(Group.id) == Participant.group_id)
                    .where(col(Group.public_id).in_(list(self.groups)))
                )
            )
        if self.search and fold(self.search):
            pattern = f"%{like_escape(fold(self.search))}%"
            out.append(col(e.search_text).like(pattern, escape="\\"))
        if self.ids:
            out.append(col(e.public_id).in_(list(self.ids)))
        return out


ENGAGEMENT_ORDERINGS = {
    "START_DATE_DESC": Ordering(
        "engagements:start_date_desc",
        ((Engagement.start_date, True), (Engagement.id, True)),
    ),
    "START_DATE_ASC": Ordering(
        "engagements:start_date_asc",
        ((Engagement.start_date, False), (Engagement.id, False)),
    ),
}
DEFAULT_ENGAGEMENT_ORDER = "START_DATE_DESC"
MEETING_KINDS = (EngagementKind.MEETING, EngagementKind.CALL)


def engagements_query(filters: EngagementFilter | None) -> Select[Any]:
    return select(Engagement).where(*(filters.clauses() if filters else []))


async def list_engagements(
    session: AsyncSession,
    filters: EngagementFilter | None,
    args: PageArgs,
    order: str = DEFAULT_ENGAGEMENT_ORDER,
) -> Page:
    return await fetch_page(session, engagements_query(filters), ENGAGEMENT_ORDERINGS[order], args)


async def count_engagements(session: AsyncSession, filters: EngagementFilter | None) -> int:
    return await count(session, engagements_query(filters))


def _by_actor(kind: str, filters: EngagementFilter | None) -> tuple[Select[Any], Any]:
    column = {
        "leader": col(Participant.leader_id),
        "country": col(Participant.country_code),
        "group": col(Participant.group_id),
    }[kind]
    direct: Any = select(col(Participant.engagement_id), column.label("actor")).where(
        column.is_not(None)
    )
    if kind == "country":
        # A country takes part directly or through one of its leaders (as the countries filter).
        through_leader: Any = (
            select(col(Participant.engagement_id), col(Leader.country_code).label("actor"))
            .join(Leader, col(Leader.id) == Participant.leader_id)
            .where(col(Leader.country_code).is_not(None))
        )
        links = union(direct, through_leader).subquery()  # UNION drops duplicates
    else:
        links = direct.distinct().subquery()
    query = engagements_query(filters).join(links, links.c.engagement_id == Engagement.id)
    return query, links.c.actor


async def engagements_of_actors(
    session: AsyncSession,
    actor_keys: Sequence[Any],
    kind: str,
    filters: EngagementFilter | None,
    args: PageArgs,
    order: str = DEFAULT_ENGAGEMENT_ORDER,
) -> dict[Any, Page]:
    """Per actor (leader ids, country codes or group ids), a page of its engagements."""
    query, parent = _by_actor(kind, filters)
    return await fetch_pages_per_parent(
        session, query, Engagement, parent, actor_keys, ENGAGEMENT_ORDERINGS[order], args
    )


async def count_engagements_of_actors(
    session: AsyncSession, actor_keys: Sequence[Any], kind: str, filters: EngagementFilter | None
) -> dict[Any, int]:
    query, parent = _by_actor(kind, filters)
    return await count_per_parent(
        session, query.with_only_columns(col(Engagement.id)), parent, actor_keys
    )


async def engagements_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Engagement]:
    rows = await session.execute(select(Engagement).where(col(Engagement.id).in_(list(ids))))
    return {e.id: e for e in rows.scalars() if e.id is not None}


async def participants_of_engagements(
    session: AsyncSession, engagement_ids: Sequence[int]
) -> dict[int, list[tuple[Participant, Actor | None]]]:
    query = with_actor(
        select(Participant).where(col(Participant.engagement_id).in_(list(engagement_ids))),
        Participant.leader_id,
        Participant.country_code,
        Participant.group_id,
    ).order_by(col(Participant.engagement_id), col(Participant.id))
    out: dict[int, list[tuple[Participant, Actor | None]]] = {i: [] for i in engagement_ids}
    for participant, actor in rows_with_actor((await session.execute(query)).all()):
        out[participant.engagement_id].append((participant, actor))
    return out


# --- changing ----------------------------------------------------------------------------------


class EngagementUpdate(SQLModel):
    """Fields to change; fields left out stay as they are, null clears an optional field."""

    kind: EngagementKind | None = None
    mode: EngagementMode | None = None
    status: EngagementStatus | None = None
    title: str | None = None
    summary: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    date_precision: DatePrecision | None = None
    location_country: str | None = None
    location_place: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    cameo_code: str | None = None
    external_id: str | None = None
    attributes: dict[str, Any] | None = None


_REQUIRED = ("kind", "status", "title", "start_date", "date_precision")


async def update_engagement(
    session: AsyncSession, public_id: str, data: EngagementUpdate
) -> Engagement:
    engagement = await get_by_public_id(session, Engagement, public_id)
    changes = data.model_dump(exclude_unset=True)
    for name in _REQUIRED:
        if name in changes and changes[name] is None:
            raise ValidationError("cannot be null", field=name)
    if "title" in changes:
        check_text(changes["title"], field="title", max_length=500)
        changes["title"] = changes["title"].strip()
    if "cameo_code" in changes:
        _check_cameo(changes["cameo_code"])
    if "location_country" in changes:
        code = changes.pop("location_country")
        engagement.location_country_code = (
            await resolve_country(session, code, field="location_country") if code else None
        )
    for name, value in changes.items():
        setattr(engagement, name, value)
    check_dates(engagement.start_date, engagement.end_date)
    _check_coordinates(engagement.latitude, engagement.longitude)
    refresh_engagement_search(engagement)
    await flush(session, "engagement")
    return engagement


async def add_participant_to(session: AsyncSession, data: ParticipantCreate) -> Engagement:
    """Add a participant; returns the engagement it joined."""
    participant = await add_participant(session, data)
    engagement = await session.get(Engagement, participant.engagement_id)
    assert engagement is not None  # the foreign key guarantees it
    return engagement


# --- reading for REST: filtered queries over participants and one actor's engagements ------------


def actor_clause(
    leader_column: Any, country_column: Any, group_column: Any, ids: Sequence[str]
) -> ColumnElement[bool]:
    """Rows whose actor (three columns: leader, country, group) is any of these public IDs."""
    wanted = list(ids)
    return or_(
        col(leader_column).in_(select(col(Leader.id)).where(col(Leader.public_id).in_(wanted))),
        col(group_column).in_(select(col(Group.id)).where(col(Group.public_id).in_(wanted))),
        col(country_column).in_(
            select(col(Country.code)).where(col(Country.public_id).in_(wanted))
        ),
    )


@dataclass(frozen=True)
class ParticipantFilter:
    engagements: Sequence[str] = ()  # engagement public IDs
    actors: Sequence[str] = ()  # leader, country or group public IDs
    roles: Sequence[ParticipantRole] = ()

    def clauses(self) -> list[ColumnElement[bool]]:
        p = Participant
        out: list[ColumnElement[bool]] = []
        if self.engagements:
            out.append(
                col(p.engagement_id).in_(
                    select(col(Engagement.id)).where(
                        col(Engagement.public_id).in_(list(self.engagements))
                    )
                )
            )
        if self.actors:
            out.append(actor_clause(p.leader_id, p.country_code, p.group_id, self.actors))
        if self.roles:
            out.append(col(p.role).in_(list(self.roles)))
        return out


def participants_query(filters: ParticipantFilter | None = None) -> Select[Any]:
    return select(Participant).where(*(filters.clauses() if filters else []))


def engagements_of_actor_query(
    kind: str, key: Any, filters: EngagementFilter | None = None
) -> Select[Any]:
    """The engagements one actor (a leader id, country code or group id) took part in, with the
    same rule as the nested GraphQL lists: a country takes part directly or through one of its
    leaders."""
    query, parent = _by_actor(kind, filters)
    return query.where(parent == key)


class ParticipantUpdate(SQLModel):
    role: ParticipantRole | None = None


async def update_participant(
    session: AsyncSession, public_id: str, data: ParticipantUpdate
) -> Participant:
    participant = await get_by_public_id(session, Participant, public_id)
    changes = data.model_dump(exclude_unset=True)
    if "role" in changes:
        if changes["role"] is None:
            raise ValidationError("cannot be null", field="role")
        participant.role = changes["role"]
    await flush(session, "participant")
    return participant
