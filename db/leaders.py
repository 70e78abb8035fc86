"""Leaders and their positions (tenures)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from db.enums import PositionKind
from db.errors import ValidationError
from db.ids import new_id
from db.models import Group, Leader, Position
from db.paging import Ordering, Page, PageArgs, count, fetch_page
from db.records import (
    check_dates,
    check_text,
    flush,
    get_by_public_id,
    iso_alpha2,
    pk,
    resolve_country,
)
from db.tenure import in_force_on
from db.text import fold, fold_names, like_escape


class LeaderCreate(SQLModel):
    name: str
    aliases: list[str] = Field(default_factory=list)
    country: str | None = None
    wikidata_qid: str | None = None
    public_id: str | None = None


class PositionCreate(SQLModel):
    leader: str
    title: str
    kind: PositionKind
    country: str | None = None
    group: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    public_id: str | None = None


async def create_leader(session: AsyncSession, data: LeaderCreate) -> Leader:
    check_text(data.name, field="name", max_length=200)
    leader = Leader(
        public_id=data.public_id or new_id("leader"),
        name=data.name.strip(),
        aliases=[a.strip() for a in data.aliases if a.strip()],
        country_code=(
            await resolve_country(session, data.country, field="country") if data.country else None
        ),
        wikidata_qid=data.wikidata_qid,
    )
    refresh_leader_search(leader)
    session.add(leader)
    await flush(session, "leader")
    return leader


def refresh_leader_search(leader: Leader) -> None:
    leader.search_names = fold_names([leader.name, *leader.aliases])


async def create_position(session: AsyncSession, data: PositionCreate) -> Position:
    check_text(data.title, field="title", max_length=200)
    check_dates(data.start_date, data.end_date)
    if (data.country is None) == (data.group is None):
        raise ValidationError(
            "a position is held in exactly one country or group",
            field="country" if data.country is None else "group",
        )
    leader = await get_by_public_id(session, Leader, data.leader, field="leader")
    group = (
        await get_by_public_id(session, Group, data.group, field="group") if data.group else None
    )
    position = Position(
        public_id=data.public_id or new_id("position"),
        leader_id=pk(leader),
        title=data.title.strip(),
        kind=data.kind,
        country_code=(
            await resolve_country(session, data.country, field="country") if data.country else None
        ),
        group_id=group.id if group else None,
        start_date=data.start_date,
        end_date=data.end_date,
    )
    session.add(position)
    await flush(session, "position")
    return position


# --- reading -----------------------------------------------------------------------------------

LEADER_ORDER = Ordering("leaders:name", ((Leader.name, False), (Leader.id, False)))


@dataclass(frozen=True)
class LeaderFilter:
    name: str | None = None  # the canonical name or any alias, exactly (folded)
    search: str | None = None  # part of a name or alias (folded)
    countries: Sequence[str] = ()

    def clauses(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.name is not None:
            out.append(
                col(Leader.search_names).like(f"%|{like_escape(fold(self.name))}|%", escape="\\")
            )
        if self.search and fold(self.search):
            out.append(
                col(Leader.search_names).like(f"%{like_escape(fold(self.search))}%", escape="\\")
            )
        if self.countries:
            codes = [iso_alpha2(c, field="countries") for c in self.countries]
            out.append(col(Leader.country_code).in_(codes))
        return out


def leaders_query(filters: LeaderFilter | None = None) -> Select[Any]:
    return select(Leader).where(*(filters.clauses() if filters else []))


async def list_leaders(session: AsyncSession, filters: LeaderFilter | None, args: PageArgs) -> Page:
    return await fetch_page(session, leaders_query(filters), LEADER_ORDER, args)


async def count_leaders(session: AsyncSession, filters: LeaderFilter | None) -> int:
    return await count(session, leaders_query(filters))


async def find_leader_by_name(session: AsyncSession, name: str) -> Leader | None:
    """The leader whose canonical name or an alias matches, ignoring case, accents and
    transliteration; the oldest record if several do."""
    if not fold(name):
        return None
    query = leaders_query(LeaderFilter(name=name)).order_by(col(Leader.id)).limit(1)
    return (await session.execute(query)).scalar_one_or_none()


async def leaders_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Leader]:
    rows = await session.execute(select(Leader).where(col(Leader.id).in_(list(ids))))
    return {r.id: r for r in rows.scalars() if r.id is not None}


async def positions_of_leaders(
    session: AsyncSession, leader_ids: Sequence[int]
) -> dict[int, list[Position]]:
    rows = await session.execute(
        select(Position)
        .where(col(Position.leader_id).in_(list(leader_ids)))
        .order_by(col(Position.leader_id), col(Position.start_date), col(Position.id))
    )
    out: dict[int, list[Position]] = {i: [] for i in leader_ids}
    for position in rows.scalars():
        out[position.leader_id].append(position)
    return out


async def leaders_of_countries(
    session: AsyncSession, codes: Sequence[str], as_of: date
) -> dict[str, list[Leader]]:
    """People holding any position for each country on a date."""
    # DISTINCT over (leader, country) pairs only: PostgreSQL cannot compare the leader's JSON
    # column (aliases), so SELECT DISTINCT over whole leader rows fails there.
    holders = (
        select(col(Position.leader_id), col(Position.country_code))
        .where(
            col(Position.country_code).in_(list(codes)),
            in_force_on(col(Position.start_date), col(Position.end_date), as_of),
        )
        .distinct()
        .subquery()
    )
    rows = await session.execute(
        select(Leader, holders.c.country_code)
        .join(holders, holders.c.leader_id == Leader.id)
        .order_by(holders.c.country_code, col(Leader.name), col(Leader.id))
    )
    out: dict[str, list[Leader]] = {c: [] for c in codes}
    for leader, code in rows:
        if code is not None:
            out[code].append(leader)
    return out


# --- changing ----------------------------------------------------------------------------------


class LeaderUpdate(SQLModel):
    """Fields to change; fields left out stay as they are, null clears an optional field."""

    name: str | None = None
    aliases: list[str] | None = None
    country: str | None = None
    wikidata_qid: str | None = None


class PositionUpdate(SQLModel):
    title: str | None = None
    kind: PositionKind | None = None
    country: str | None = None
    group: str | None = None
    start_date: date | None = None
    end_date: date | None = None


async def update_leader(session: AsyncSession, public_id: str, data: LeaderUpdate) -> Leader:
    leader = await get_by_public_id(session, Leader, public_id)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes:
        check_text(changes["name"], field="name", max_length=200)
        leader.name = changes["name"].strip()
    if "aliases" in changes:
        leader.aliases = [a.strip() for a in changes["aliases"] or [] if a.strip()]
    if "country" in changes:
        code = changes["country"]
        leader.country_code = (
            await resolve_country(session, code, field="country") if code else None
        )
    if "wikidata_qid" in changes:
        leader.wikidata_qid = changes["wikidata_qid"]
    refresh_leader_search(leader)
    await flush(session, "leader")
    return leader


async def update_position(session: AsyncSession, public_id: str, data: PositionUpdate) -> Position:
    position = await get_by_public_id(session, Position, public_id)
    changes = data.model_dump(exclude_unset=True)
    if "title" in changes:
        check_text(changes["title"], field="title", max_length=200)
        position.title = changes["title"].strip()
    if changes.get("kind") is not None:
        position.kind = changes["kind"]
    if "country" in changes or "group" in changes:
        country, group = changes.get("country"), changes.get("group")
        if (country is None) == (group is None):
            raise ValidationError(
                "a position is held in exactly one country or group",
                field="country" if country is None else "group",
            )
        position.country_code = (
            await resolve_country(session, country, field="country") if country else None
        )
        position.group_id = (
            pk(await get_by_public_id(session, Group, group, field="group")) if group else None
        )
    if "start_date" in changes:
        position.start_date = changes["start_date"]
    if "end_date" in changes:
        position.end_date = changes["end_date"]
    check_dates(position.start_date, position.end_date)
    await flush(session, "position")
    return position


# --- reading for REST: positions as a list of their own, a country's office holders --------------


@dataclass(frozen=True)
class PositionFilter:
    leaders: Sequence[str] = ()  # leader public IDs
    countries: Sequence[str] = ()  # ISO codes of the country the office is held in
    groups: Sequence[str] = ()  # group public IDs
    kinds: Sequence[PositionKind] = ()
    as_of: date | None = None  # in force on this day (start inclusive, end exclusive)

    def clauses(self) -> list[ColumnElement[bool]]:
        p = Position
        out: list[ColumnElement[bool]] = []
        if self.leaders:
            out.append(
                col(p.leader_id).in_(
                    select(col(Leader.id)).where(col(Leader.public_id).in_(list(self.leaders)))
                )
            )
        if self.countries:
            codes = [iso_alpha2(c, field="countries") for c in self.countries]
            out.append(col(p.country_code).in_(codes))
        if self.groups:
            out.append(
                col(p.group_id).in_(
                    select(col(Group.id)).where(col(Group.public_id).in_(list(self.groups)))
                )
            )
        if self.kinds:
            out.append(col(p.kind).in_(list(self.kinds)))
        if self.as_of is not None:
            out.append(in_force_on(col(p.start_date), col(p.end_date), self.as_of))
        return out


def positions_query(filters: PositionFilter | None = None) -> Select[Any]:
    return select(Position).where(*(filters.clauses() if filters else []))


def leaders_of_country_query(code: str, as_of: date) -> Select[Any]:
    """The people holding any position for a country on a date (as leaders_of_countries, for
    one country, as a query to page)."""
    holders = select(col(Position.leader_id)).where(
        col(Position.country_code) == code,
        in_force_on(col(Position.start_date), col(Position.end_date), as_of),
    )
    return select(Leader).where(col(Leader.id).in_(holders))
