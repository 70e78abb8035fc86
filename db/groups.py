"""Groups and their memberships over time."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from db.enums import GroupKind, MembershipRole
from db.ids import new_id
from db.models import Group, Membership
from db.records import check_dates, check_text, flush, get_by_public_id, pk, resolve_actor
from db.text import fold_names


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
