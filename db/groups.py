"""Groups and their memberships over time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from db.actors import Actor, rows_with_actor, with_actor
from db.engagements import actor_clause
from db.enums import GroupKind, MembershipRole
from db.ids import new_id
from db.models import Group, Membership
from db.paging import Ordering, Page, PageArgs, count, fetch_page
from db.records import check_dates, check_text, flush, get_by_public_id, pk, resolve_actor
from db.tenure import in_force_on
from db.text import fold, fold_names, like_escape


class GroupCreate(SQLModel):
    name: str
    aliases: list[str] = Field(default_factory=list)
    kind: GroupKind
    description: str | None = None
    wikidata_qid: str | None = None
    public_id: str | None = None


class MembershipCreate(SQLModel):
    group: str
    member: str
    role: MembershipRole = MembershipRole.MEMBER
    start_date: date | None = None
    end_date: date | None = None
    public_id: str | None = None


def refresh_group_search(group: Group) -> None:
    group.search_names = fold_names([group.name, *group.aliases])


async def create_group(session: AsyncSession, data: GroupCreate) -> Group:
    check_text(data.name, field="name", max_length=200)
    group = Group(
        public_id=data.public_id or new_id("group"),
        name=data.name.strip(),
        aliases=[a.strip() for a in data.aliases if a.strip()],
        kind=data.kind,
        description=data.description,
        wikidata_qid=data.wikidata_qid,
    )
    refresh_group_search(group)
    session.add(group)
    await flush(session, "group")
    return group


async def create_membership(session: AsyncSession, data: MembershipCreate) -> Membership:
    check_dates(data.start_date, data.end_date)
    group = await get_by_public_id(session, Group, data.group, field="group")
    member = await resolve_actor(session, data.member, field="member")
    membership = Membership(
        public_id=data.public_id or new_id("membership"),
        group_id=pk(group),
        role=data.role,
        start_date=data.start_date,
        end_date=data.end_date,
    )
    member.apply(membership, "member_")
    session.add(membership)
    await flush(session, "membership")
    return membership


# --- reading -----------------------------------------------------------------------------------

GROUP_ORDER = Ordering("groups:name", ((Group.name, False), (Group.id, False)))


@dataclass(frozen=True)
class GroupFilter:
    name: str | None = None  # the canonical name or any alias, exactly (folded)
    search: str | None = None
    kinds: Sequence[GroupKind] = ()

    def clauses(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.name is not None:
            out.append(
                col(Group.search_names).like(f"%|{like_escape(fold(self.name))}|%", escape="\\")
            )
        if self.search and fold(self.search):
            out.append(
                col(Group.search_names).like(f"%{like_escape(fold(self.search))}%", escape="\\")
            )
        if self.kinds:
            out.append(col(Group.kind).in_(list(self.kinds)))
        return out


def groups_query(filters: GroupFilter | None = None) -> Select[Any]:
    return select(Group).where(*(filters.clauses() if filters else []))


async def list_groups(session: AsyncSession, filters: GroupFilter | None, args: PageArgs) -> Page:
    return await fetch_page(session, groups_query(filters), GROUP_ORDER, args)


async def count_groups(session: AsyncSession, filters: GroupFilter | None) -> int:
    return await count(session, groups_query(filters))


async def find_group_by_name(session: AsyncSession, name: str) -> Group | None:
    if not fold(name):
        return None
    query = groups_query(GroupFilter(name=name)).order_by(col(Group.id)).limit(1)
    return (await session.execute(query)).scalar_one_or_none()


async def groups_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Group]:
    rows = await session.execute(select(Group).where(col(Group.id).in_(list(ids))))
    return {g.id: g for g in rows.scalars() if g.id is not None}


def _memberships(as_of: date | None) -> Select[Any]:
    query = select(Membership)
    if as_of is not None:
        query = query.where(
            in_force_on(col(Membership.start_date), col(Membership.end_date), as_of)
        )
    return query


async def members_of_groups(
    session: AsyncSession, group_ids: Sequence[int], as_of: date | None
) -> dict[int, list[tuple[Membership, Actor | None]]]:
    """Each group's memberships in force on a date (all when as_of is None), with the members."""
    query = with_actor(
        _memberships(as_of).where(col(Membership.group_id).in_(list(group_ids))),
        Membership.member_leader_id,
        Membership.member_country_code,
        Membership.member_group_id,
    ).order_by(col(Membership.group_id), col(Membership.start_date), col(Membership.id))
    out: dict[int, list[tuple[Membership, Actor | None]]] = {g: [] for g in group_ids}
    for membership, actor in rows_with_actor((await session.execute(query)).all()):
        out[membership.group_id].append((membership, actor))
    return out


_MEMBER_COLUMNS = {
    "leader": "member_leader_id",
    "country": "member_country_code",
    "group": "member_group_id",
}


async def memberships_of_members(
    session: AsyncSession, keys: Sequence[Any], kind: str, as_of: date | None
) -> dict[Any, list[Membership]]:
    column = col(getattr(Membership, _MEMBER_COLUMNS[kind]))
    rows = await session.execute(
        _memberships(as_of)
        .where(column.in_(list(keys)))
        .order_by(column, col(Membership.start_date), col(Membership.id))
    )
    out: dict[Any, list[Membership]] = {k: [] for k in keys}
    for membership in rows.scalars():
        out[getattr(membership, _MEMBER_COLUMNS[kind])].append(membership)
    return out


# --- changing ----------------------------------------------------------------------------------


class GroupUpdate(SQLModel):
    """Fields to change; fields left out stay as they are, null clears an optional field."""

    name: str | None = None
    aliases: list[str] | None = None
    kind: GroupKind | None = None
    description: str | None = None
    wikidata_qid: str | None = None


class MembershipUpdate(SQLModel):
    role: MembershipRole | None = None
    start_date: date | None = None
    end_date: date | None = None


async def update_group(session: AsyncSession, public_id: str, data: GroupUpdate) -> Group:
    group = await get_by_public_id(session, Group, public_id)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes:
        check_text(changes["name"], field="name", max_length=200)
        group.name = changes["name"].strip()
    if "aliases" in changes:
        group.aliases = [a.strip() for a in changes["aliases"] or [] if a.strip()]
    if changes.get("kind") is not None:
        group.kind = changes["kind"]
    for name in ("description", "wikidata_qid"):
        if name in changes:
            setattr(group, name, changes[name])
    refresh_group_search(group)
    await flush(session, "group")
    return group


async def update_membership(
    session: AsyncSession, public_id: str, data: MembershipUpdate
) -> Membership:
    membership = await get_by_public_id(session, Membership, public_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("role") is not None:
        membership.role = changes["role"]
    for name in ("start_date", "end_date"):
        if name in changes:
            setattr(membership, name, changes[name])
    check_dates(membership.start_date, membership.end_date)
    await flush(session, "membership")
    return membership


async def members_of_memberships(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, Actor | None]:
    query = with_actor(
        select(Membership).where(col(Membership.id).in_(list(ids))),
        Membership.member_leader_id,
        Membership.member_country_code,
        Membership.member_group_id,
    )
    return {m.id: a for m, a in rows_with_actor((await session.execute(query)).all()) if m.id}


# --- reading for REST: memberships as a list of their own ----------------------------------------


@dataclass(frozen=True)
class MembershipFilter:
    groups: Sequence[str] = ()  # group public IDs
    members: Sequence[str] = ()  # leader, country or group public IDs
    roles: Sequence[MembershipRole] = ()
    as_of: date | None = None  # in force on this day (start inclusive, end exclusive)

    def clauses(self) -> list[ColumnElement[bool]]:
        m = Membership
        out: list[ColumnElement[bool]] = []
        if self.groups:
            out.append(
                col(m.group_id).in_(
                    select(col(Group.id)).where(col(Group.public_id).in_(list(self.groups)))
                )
            )
        if self.members:
            out.append(
                actor_clause(
                    m.member_leader_id, m.member_country_code, m.member_group_id, self.members
                )
            )
        if self.roles:
            out.append(col(m.role).in_(list(self.roles)))
        if self.as_of is not None:
            out.append(in_force_on(col(m.start_date), col(m.end_date), self.as_of))
        return out


def memberships_query(filters: MembershipFilter | None = None) -> Select[Any]:
    return select(Membership).where(*(filters.clauses() if filters else []))
