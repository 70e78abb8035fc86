"""Mutations on engagements and their participants."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types.unset import UNSET

from db import engagements as q
from schema.context import Info
from schema.engagements import Engagement
from schema.enums import (
    DatePrecision,
    EngagementKind,
    EngagementMode,
    EngagementStatus,
    ParticipantRole,
)
from schema.mutations.results import (
    ConflictError,
    DeleteResult,
    NotFoundError,
    ValidationError,
    delete,
    mutate,
    provided,
)

EngagementResult = Annotated[
    Engagement | ValidationError | NotFoundError | ConflictError,
    strawberry.union("EngagementResult", description="The engagement as changed, or why not."),
]


@strawberry.input(
    description="A new engagement. Dates: for WEEK, MONTH or YEAR precision give the period the source allows (startDate its first day, endDate its last)."
)
class CreateEngagementInput:
    kind: EngagementKind = strawberry.field(description="What happened.")
    title: str = strawberry.field(description="A short title (at most 500 characters).")
    start_date: dt.date = strawberry.field(description="First day.")
    mode: EngagementMode | None = strawberry.field(default=None, description="How it happened.")
    status: EngagementStatus = strawberry.field(
        default=EngagementStatus.HELD, description="Held, scheduled or cancelled."
    )
    summary: str | None = strawberry.field(default=None, description="What happened.")
    end_date: dt.date | None = strawberry.field(
        default=None, description="Last day; not before startDate."
    )
    date_precision: DatePrecision = strawberry.field(
        default=DatePrecision.DAY, description="How precisely the source dates it."
    )
    location_country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 code of where it happened."
    )
    location_place: str | None = strawberry.field(default=None, description="Place name.")
    latitude: float | None = strawberry.field(default=None, description="-90 to 90.")
    longitude: float | None = strawberry.field(default=None, description="-180 to 180.")
    cameo_code: str | None = strawberry.field(
        default=None, description="CAMEO event code, 2 to 4 digits with leading zeros."
    )
    external_id: str | None = strawberry.field(
        default=None, description="ID in the dataset it comes from; unique."
    )
    attributes: JSON | None = strawberry.field(
        default=None, description="Further attributes from the source dataset (a JSON object)."
    )


@strawberry.input(
    description="Changes to an engagement: fields left out stay as they are; null clears an optional field."
)
class UpdateEngagementInput:
    kind: EngagementKind | None = strawberry.field(default=UNSET, description="What happened.")
    title: str | None = strawberry.field(default=UNSET, description="A short title.")
    start_date: dt.date | None = strawberry.field(default=UNSET, description="First day.")
    mode: EngagementMode | None = strawberry.field(default=UNSET, description="How it happened.")
    status: EngagementStatus | None = strawberry.field(
        default=UNSET, description="Held, scheduled or cancelled."
    )
    summary: str | None = strawberry.field(default=UNSET, description="What happened.")
    end_date: dt.date | None = strawberry.field(default=UNSET, description="Last day.")
    date_precision: DatePrecision | None = strawberry.field(
        default=UNSET, description="Date precision."
    )
    location_country: str | None = strawberry.field(default=UNSET, description="ISO 3166-1 code.")
    location_place: str | None = strawberry.field(default=UNSET, description="Place name.")
    latitude: float | None = strawberry.field(default=UNSET, description="-90 to 90.")
    longitude: float | None = strawberry.field(default=UNSET, description="-180 to 180.")
    cameo_code: str | None = strawberry.field(default=UNSET, description="CAMEO event code.")
    external_id: str | None = strawberry.field(default=UNSET, description="External ID.")
    attributes: JSON | None = strawberry.field(default=UNSET, description="Further attributes.")


@strawberry.input(description="An actor takes part in an engagement.")
class AddParticipantInput:
    engagement: strawberry.ID = strawberry.field(description="The engagement.")
    actor: strawberry.ID = strawberry.field(description="A leader, country or group ID.")
    role: ParticipantRole = strawberry.field(
        default=ParticipantRole.PARTICIPANT, description="The actor's role."
    )


@strawberry.type
class EngagementMutation:
    @strawberry.mutation(
        description="Create an engagement; subscribers to `engagementAdded` are told. Needs a write key."
    )
    async def create_engagement(self, info: Info, input: CreateEngagementInput) -> EngagementResult:
        return await mutate(
            info,
            q.create_engagement,
            q.EngagementCreate(**provided(input)),
            convert=Engagement.from_row,
        )

    @strawberry.mutation(description="Change an engagement. Needs a write key.")
    async def update_engagement(
        self, info: Info, id: strawberry.ID, input: UpdateEngagementInput
    ) -> EngagementResult:
        return await mutate(
            info,
            q.update_engagement,
            str(id),
            q.EngagementUpdate(**provided(input)),
            convert=Engagement.from_row,
        )

    @strawberry.mutation(
        description="Delete an engagement with its participants and citations; its statements and claims stay, detached. Needs a write key."
    )
    async def delete_engagement(self, info: Info, id: strawberry.ID) -> DeleteResult:
        return await delete(info, id, "engagement")

    @strawberry.mutation(
        description="Add a participant; returns the engagement. Needs a write key."
    )
    async def add_participant(self, info: Info, input: AddParticipantInput) -> EngagementResult:
        return await mutate(
            info,
            q.add_participant_to,
            q.ParticipantCreate(**provided(input)),
            convert=Engagement.from_row,
        )

    @strawberry.mutation(
        description="Remove a participant by the participation's ID (`participants { id }`). Needs a write key."
    )
    async def remove_participant(self, info: Info, id: strawberry.ID) -> DeleteResult:
        return await delete(info, id, "participant")
