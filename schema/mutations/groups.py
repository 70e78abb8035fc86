"""Mutations on groups and memberships."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from db import groups as q
from schema.context import Info
from schema.enums import GroupKind, MembershipRole
from schema.groups import Group, Membership
from schema.mutations.results import (
    ConflictError,
    DeleteResult,
    NotFoundError,
    ValidationError,
    delete,
    mutate,
    provided,
)

GroupResult = Annotated[
    Group | ValidationError | NotFoundError | ConflictError,
    strawberry.union("GroupResult", description="The group as changed, or why not."),
]
MembershipResult = Annotated[
    Membership | ValidationError | NotFoundError | ConflictError,
    strawberry.union("MembershipResult", description="The membership as changed, or why not."),
]


@strawberry.input(description="A new group.")
class CreateGroupInput:
    name: str = strawberry.field(description="Canonical name.")
    kind: GroupKind = strawberry.field(description="What kind of group.")
    aliases: list[str] = strawberry.field(
        default_factory=list, description="Other names sources use."
    )
    description: str | None = strawberry.field(default=None, description="What the group is.")
    wikidata_qid: str | None = strawberry.field(default=None, description="Wikidata item; unique.")


@strawberry.input(
    description="Changes to a group: fields left out stay as they are; null clears an optional field."
)
class UpdateGroupInput:
    name: str | None = strawberry.field(default=UNSET, description="Canonical name.")
    kind: GroupKind | None = strawberry.field(default=UNSET, description="What kind of group.")
    aliases: list[str] | None = strawberry.field(default=UNSET, description="Replaces all aliases.")
    description: str | None = strawberry.field(default=UNSET, description="What the group is.")
    wikidata_qid: str | None = strawberry.field(default=UNSET, description="Wikidata item.")


@strawberry.input(description="A member joins a group.")
class CreateMembershipInput:
    group: strawberry.ID = strawberry.field(description="The group.")
    member: strawberry.ID = strawberry.field(description="A country, leader or group ID.")
    role: MembershipRole = strawberry.field(
        default=MembershipRole.MEMBER, description="The member's role."
    )
    start_date: dt.date | None = strawberry.field(
        default=None, description="First day of membership."
    )
    end_date: dt.date | None = strawberry.field(
        default=None, description="Day it ended; not before startDate."
    )


@strawberry.input(description="Changes to a membership: fields left out stay as they are.")
class UpdateMembershipInput:
    role: MembershipRole | None = strawberry.field(default=UNSET, description="The member's role.")
    start_date: dt.date | None = strawberry.field(
        default=UNSET, description="First day of membership."
    )
    end_date: dt.date | None = strawberry.field(default=UNSET, description="Day it ended.")


@strawberry.type
class GroupMutation:
    @strawberry.mutation(description="Create a group. Needs a write key.")
    async def create_group(self, info: Info, input: CreateGroupInput) -> GroupResult:
        return await mutate(
            info, q.create_group, q.GroupCreate(**provided(input)), convert=Group.from_row
        )

    @strawberry.mutation(description="Change a group. Needs a write key.")
    async def update_group(
        self, info: Info, id: strawberry.ID, input: UpdateGroupInput
    ) -> GroupResult:
        return await mutate(
            info, q.update_group, str(id), q.GroupUpdate(**provided(input)), convert=Group.from_row
        )

    @strawberry.mutation(
        description="Delete a group with its memberships; refused while engagements, statements or positions name it. Needs a write key."
    )
    async def delete_group(self, info: Info, id: strawberry.ID) -> DeleteResult:
        return await delete(info, id, "group")

    @strawberry.mutation(description="Add a member to a group. Needs a write key.")
    async def create_membership(self, info: Info, input: CreateMembershipInput) -> MembershipResult:
        return await mutate(
            info,
            q.create_membership,
            q.MembershipCreate(**provided(input)),
            convert=Membership.from_row,
        )

    @strawberry.mutation(description="Change a membership. Needs a write key.")
    async def update_membership(
        self, info: Info, id: strawberry.ID, input: UpdateMembershipInput
    ) -> MembershipResult:
        return await mutate(
            info,
            q.update_membership,
            str(id),
            q.MembershipUpdate(**provided(input)),
            convert=Membership.from_row,
        )

    @strawberry.mutation(
        description="Remove a membership record. To record that a member left, set its endDate instead. Needs a write key."
    )
    async def delete_membership(self, info: Info, id: strawberry.ID) -> DeleteResult:
        return await delete(info, id, "membership")
