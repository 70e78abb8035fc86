"""Leaders and their positions (tenures)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from db.enums import PositionKind
from db.errors import ValidationError
from db.ids import new_id
from db.models import Group, Leader, Position
from db.records import check_dates, check_text, flush, get_by_public_id, pk, resolve_country
from db.text import fold_names


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
