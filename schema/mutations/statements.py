"""Mutations on statements."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from db import statements as q
from schema.context import Info
from schema.enums import DatePrecision
from schema.mutations.results import (
    ConflictError,
    DeleteResult,
    NotFoundError,
    ValidationError,
    delete,
    mutate,
    provided,
)
from schema.statements import Statement

StatementResult = Annotated[
    Statement | ValidationError | NotFoundError | ConflictError,
    strawberry.union("StatementResult", description="The statement as changed, or why not."),
]


@strawberry.input(
    description="New words attributed to a speaker: give `speaker`, `speakerLabel`, or both."
)
class CreateStatementInput:
    text: str = strawberry.field(description="The words, exactly as quoted when isDirectQuote.")
    is_direct_quote: bool = strawberry.field(default=False, description="The speaker's own words.")
    date: dt.date | None = strawberry.field(default=None, description="When it was said.")
    date_precision: DatePrecision = strawberry.field(
        default=DatePrecision.DAY, description="How precisely `date` is known."
    )
    speaker: strawberry.ID | None = strawberry.field(
        default=None, description="A leader, country or group ID."
    )
    speaker_label: str | None = strawberry.field(
        default=None, description="How the source describes the speaker."
    )
    engagement: strawberry.ID | None = strawberry.field(
        default=None, description="The engagement at or through which it was said."
    )


@strawberry.input(
    description="Changes to a statement: fields left out stay as they are; null clears an optional field."
)
class UpdateStatementInput:
    text: str | None = strawberry.field(default=UNSET, description="The words.")
    is_direct_quote: bool | None = strawberry.field(
        default=UNSET, description="The speaker's own words."
    )
    date: dt.date | None = strawberry.field(default=UNSET, description="When it was said.")
    date_precision: DatePrecision | None = strawberry.field(
        default=UNSET, description="Date precision."
    )
    speaker: strawberry.ID | None = strawberry.field(
        default=UNSET, description="A leader, country or group ID."
    )
    speaker_label: str | None = strawberry.field(
        default=UNSET, description="How the source describes the speaker."
    )
    engagement: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The engagement."
    )


@strawberry.type
class StatementMutation:
    @strawberry.mutation(
        description="Record a statement (at an engagement when `engagement` is given). Needs a write key."
    )
    async def create_statement(self, info: Info, input: CreateStatementInput) -> StatementResult:
        return await mutate(
            info,
            q.create_statement,
            q.StatementCreate(**provided(input)),
            convert=Statement.from_row,
        )

    @strawberry.mutation(description="Change a statement. Needs a write key.")
    async def update_statement(
        self, info: Info, id: strawberry.ID, input: UpdateStatementInput
    ) -> StatementResult:
        return await mutate(
            info,
            q.update_statement,
            str(id),
            q.StatementUpdate(**provided(input)),
            convert=Statement.from_row,
        )

    @strawberry.mutation(
        description="Delete a statement with its citations; stances taken through it stay, detached. Needs a write key."
    )
    async def delete_statement(self, info: Info, id: strawberry.ID) -> DeleteResult:
        return await delete(info, id, "statement")
