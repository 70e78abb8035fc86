"""Mutations on claims and stances. Stance changes return the claim, whose status they move."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from db import claims as q
from db.deletion import remove_stance
from schema.claims import Claim
from schema.context import Info
from schema.enums import DatePrecision, StancePosition
from schema.mutations.results import (
    ConflictError,
    DeleteResult,
    NotFoundError,
    ValidationError,
    delete,
    mutate,
    provided,
)

ClaimResult = Annotated[
    Claim | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ClaimResult", description="The claim as changed, or why not."),
]


@strawberry.input(description="A new contested assertion.")
class CreateClaimInput:
    text: str = strawberry.field(description="The assertion, stated neutrally.")
    quantity: float | None = strawberry.field(default=None, description="The number asserted.")
    unit: str | None = strawberry.field(default=None, description="The unit of `quantity`.")
    subject: strawberry.ID | None = strawberry.field(
        default=None, description="A leader, country or group ID the claim is about."
    )
    engagement: strawberry.ID | None = strawberry.field(
        default=None, description="The engagement in which it was made."
    )


@strawberry.input(
    description="Changes to a claim: fields left out stay as they are; null clears an optional field."
)
class UpdateClaimInput:
    text: str | None = strawberry.field(default=UNSET, description="The assertion.")
    quantity: float | None = strawberry.field(default=UNSET, description="The number asserted.")
    unit: str | None = strawberry.field(default=UNSET, description="Its unit.")
    subject: strawberry.ID | None = strawberry.field(
        default=UNSET, description="What or whom it is about."
    )
    engagement: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The engagement."
    )


@strawberry.input(description="An actor takes a stance on a claim.")
class AddStanceInput:
    claim: strawberry.ID = strawberry.field(description="The claim.")
    actor: strawberry.ID = strawberry.field(description="A leader, country or group ID.")
    position: StancePosition = strawberry.field(
        description="Asserts, denies, questions or confirms."
    )
    date: dt.date | None = strawberry.field(default=None, description="When.")
    date_precision: DatePrecision = strawberry.field(
        default=DatePrecision.DAY, description="How precisely `date` is known."
    )
    statement: strawberry.ID | None = strawberry.field(
        default=None, description="The statement through which it was taken."
    )


@strawberry.input(description="Changes to a stance: fields left out stay as they are.")
class UpdateStanceInput:
    position: StancePosition | None = strawberry.field(
        default=UNSET, description="Asserts, denies, questions or confirms."
    )
    date: dt.date | None = strawberry.field(default=UNSET, description="When.")
    date_precision: DatePrecision | None = strawberry.field(
        default=UNSET, description="Date precision."
    )
    statement: strawberry.ID | None = strawberry.field(default=UNSET, description="The statement.")


@strawberry.type
class ClaimMutation:
    @strawberry.mutation(description="Record a claim. Needs a write key.")
    async def create_claim(self, info: Info, input: CreateClaimInput) -> ClaimResult:
        return await mutate(
            info, q.create_claim, q.ClaimCreate(**provided(input)), convert=Claim.from_row
        )

    @strawberry.mutation(description="Change a claim. Needs a write key.")
    async def update_claim(
        self, info: Info, id: strawberry.ID, input: UpdateClaimInput
    ) -> ClaimResult:
        return await mutate(
            info, q.update_claim, str(id), q.ClaimUpdate(**provided(input)), convert=Claim.from_row
        )

    @strawberry.mutation(
        description="Delete a claim with its stances and citations. Needs a write key."
    )
    async def delete_claim(self, info: Info, id: strawberry.ID) -> DeleteResult:
        return await delete(info, id, "claim")

    @strawberry.mutation(
        description="Add a stance; returns the claim with its status derived again. Needs a write key."
    )
    async def add_stance(self, info: Info, input: AddStanceInput) -> ClaimResult:
        return await mutate(
            info, q.add_stance_to_claim, q.StanceCreate(**provided(input)), convert=Claim.from_row
        )

    @strawberry.mutation(
        description="Change a stance; returns the claim with its status derived again. Needs a write key."
    )
    async def update_stance(
        self, info: Info, id: strawberry.ID, input: UpdateStanceInput
    ) -> ClaimResult:
        return await mutate(
            info,
            q.update_stance_of_claim,
            str(id),
            q.StanceUpdate(**provided(input)),
            convert=Claim.from_row,
        )

    @strawberry.mutation(
        description="Remove a stance; returns the claim with its status derived again. Needs a write key."
    )
    async def remove_stance(self, info: Info, id: strawberry.ID) -> ClaimResult:
        from db.ids import id_type

        if id_type(str(id)) != "stance":
            return ValidationError(message=f"{id!r} is not a stance ID", field=["id"])
        return await mutate(info, remove_stance, str(id), root="id", convert=Claim.from_row)
