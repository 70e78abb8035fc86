"""Mutations on leaders and their positions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from db import leaders as q
from schema.context import Info
from schema.enums import PositionKind
from schema.leaders import Leader, Position
from schema.mutations.results import (
    ConflictError,
    DeleteResult,
    NotFoundError,
    ValidationError,
    delete,
    mutate,
    provided,
)

LeaderResult = Annotated[
    Leader | ValidationError | NotFoundError | ConflictError,
    strawberry.union("LeaderResult", description="The leader as changed, or why not."),
]
PositionResult = Annotated[
    Position | ValidationError | NotFoundError | ConflictError,
    strawberry.union("PositionResult", description="The position as changed, or why not."),
]


@strawberry.input(description="A new leader.")
class CreateLeaderInput:
    name: str = strawberry.field(description="Canonical name (at most 200 characters).")
    aliases: list[str] = strawberry.field(
        default_factory=list, description="Other spellings sources use."
    )
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 code of the person's country."
    )
    wikidata_qid: str | None = strawberry.field(default=None, description="Wikidata item; unique.")


@strawberry.input(
    description="Changes to a leader: fields left out stay as they are; null clears an optional field."
)
class UpdateLeaderInput:
    name: str | None = strawberry.field(default=UNSET, description="Canonical name.")
    aliases: list[str] | None = strawberry.field(default=UNSET, description="Replaces all aliases.")
    country: str | None = strawberry.field(default=UNSET, description="ISO 3166-1 code.")
    wikidata_qid: str | None = strawberry.field(default=UNSET, description="Wikidata item.")


@strawberry.input(description="A new tenure: exactly one of `country` and `group`.")
class CreatePositionInput:
    leader: strawberry.ID = strawberry.field(description="The leader who holds it.")
    title: str = strawberry.field(description='The office ("Chancellor of Germany").')
    kind: PositionKind = strawberry.field(description="What kind of office.")
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 code of the country it is held in."
    )
    group: strawberry.ID | None = strawberry.field(
        default=None, description="The group it is held in."
    )
    start_date: dt.date | None = strawberry.field(default=None, description="First day in office.")
    end_date: dt.date | None = strawberry.field(
        default=None, description="Day the tenure ended; not before startDate."
    )


@strawberry.input(
    description="Changes to a position: fields left out stay as they are. Give `country` or `group` (and null for the other) to move it."
)
class UpdatePositionInput:
    title: str | None = strawberry.field(default=UNSET, description="The office.")
    kind: PositionKind | None = strawberry.field(default=UNSET, description="What kind of office.")
    country: str | None = strawberry.field(default=UNSET, description="ISO 3166-1 code.")
    group: strawberry.ID | None = strawberry.field(default=UNSET, description="Group ID.")
    start_date: dt.date | None = strawberry.field(default=UNSET, description="First day in office.")
    end_date: dt.date | None = strawberry.field(default=UNSET, description="Day the tenure ended.")


@strawberry.type
class LeaderMutation:
    @strawberry.mutation(description="Create a leader. Needs a write key.")
    async def create_leader(self, info: Info, input: CreateLeaderInput) -> LeaderResult:
        return await mutate(
            info, q.create_leader, q.LeaderCreate(**provided(input)), convert=Leader.from_row
        )

    @strawberry.mutation(description="Change a leader. Needs a write key.")
    async def update_leader(
        self, info: Info, id: strawberry.ID, input: UpdateLeaderInput
    ) -> LeaderResult:
        return await mutate(
            info,
            q.update_leader,
            str(id),
            q.LeaderUpdate(**provided(input)),
            convert=Leader.from_row,
        )

    @strawberry.mutation(
        description="Delete a leader with their positions and memberships; refused while engagements, statements or stances name them. Needs a write key."
    )
    async def delete_leader(self, info: Info, id: strawberry.ID) -> DeleteResult:
        return await delete(info, id, "leader")

    @strawberry.mutation(description="Record a tenure. Needs a write key.")
    async def create_position(self, info: Info, input: CreatePositionInput) -> PositionResult:
        return await mutate(
            info, q.create_position, q.PositionCreate(**provided(input)), convert=Position.from_row
        )

    @strawberry.mutation(description="Change a tenure. Needs a write key.")
    async def update_position(
        self, info: Info, id: strawberry.ID, input: UpdatePositionInput
    ) -> PositionResult:
        return await mutate(
            info,
            q.update_position,
            str(id),
            q.PositionUpdate(**provided(input)),
            convert=Position.from_row,
        )

    @strawberry.mutation(description="Delete a tenure. Needs a write key.")
    async def delete_position(self, info: Info, id: strawberry.ID) -> DeleteResult:
        return await delete(info, id, "position")
