from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field

from db.base import Record, dates_ordered, enum_type, exactly_one
from db.enums import GroupKind, MembershipRole


class Group(Record, table=True):
    """An alliance, diplomatic format, organisation, government body, armed group or coalition."""

    __tablename__ = "group"

    name: str = Field(max_length=200, index=True)
    aliases: list[str] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)
    kind: GroupKind = Field(sa_type=enum_type(GroupKind, "group_kind"))
    description: str | None = None
    wikidata_qid: str | None = Field(default=None, max_length=20, unique=True)
    search_names: str = Field(default="", nullable=False)


class Membership(Record, table=True):
    """A member (country, leader or group) of a group in a role between two dates."""

    __tablename__ = "membership"
    __table_args__ = (
        sa.CheckConstraint(
            exactly_one("member_country_code", "member_leader_id", "member_group_id"),
            name="one_member",
        ),
        sa.CheckConstraint(dates_ordered(), name="dates_ordered"),
    )

    group_id: int = Field(foreign_key="group.id", index=True, ondelete="CASCADE")
    member_country_code: str | None = Field(default=None, foreign_key="country.code", index=True)
    member_leader_id: int | None = Field(default=None, foreign_key="leader.id", index=True)
    member_group_id: int | None = Field(default=None, foreign_key="group.id", index=True)
    role: MembershipRole = Field(sa_type=enum_type(MembershipRole, "membership_role"))
    start_date: date | None = None
    end_date: date | None = None
