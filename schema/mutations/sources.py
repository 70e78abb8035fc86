"""Mutations on sources and citations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from db import sources as q
from schema.context import Info
from schema.mutations.results import (
    ConflictError,
    DeleteResult,
    NotFoundError,
    ValidationError,
    delete,
    mutate,
    provided,
)
from schema.sources import Citation, Source

SourceResult = Annotated[
    Source | ValidationError | NotFoundError | ConflictError,
    strawberry.union("SourceResult", description="The source as changed, or why not."),
]
CitationResult = Annotated[
    Citation | ValidationError | NotFoundError | ConflictError,
    strawberry.union("CitationResult", description="The citation as recorded, or why not."),
]


@strawberry.input(description="A new source document.")
class CreateSourceInput:
    title: str = strawberry.field(description="The document's title.")
    publisher: str | None = strawberry.field(default=None, description="Who published it.")
    url: str | None = strawberry.field(default=None, description="Where it can be read; unique.")
    language: str | None = strawberry.field(default=None, description="BCP 47 language tag.")
    published_at: dt.datetime | None = strawberry.field(
        default=None, description="When it was published."
    )
    licence: str | None = strawberry.field(default=None, description="Its terms.")
    text: str | None = strawberry.field(
        default=None,
        description="Its full text, where the licence allows keeping it; citations are checked against it.",
    )


@strawberry.input(
    description="Changes to a source: fields left out stay as they are. The text cannot change while citations point into it."
)
class UpdateSourceInput:
    title: str | None = strawberry.field(default=UNSET, description="The title.")
    publisher: str | None = strawberry.field(default=UNSET, description="Publisher.")
    url: str | None = strawberry.field(default=UNSET, description="URL.")
    language: str | None = strawberry.field(default=UNSET, description="Language.")
    published_at: dt.datetime | None = strawberry.field(
        default=UNSET, description="Publication time."
    )
    licence: str | None = strawberry.field(default=UNSET, description="Licence.")
    text: str | None = strawberry.field(default=UNSET, description="Full text.")


@strawberry.input(
    description="Ties a record to the exact words of a source. Without start and end the excerpt must occur exactly once in the source text."
)
class AddCitationInput:
    source: strawberry.ID = strawberry.field(description="The source.")
    target: strawberry.ID = strawberry.field(
        description="The engagement, statement, claim, stance, membership or position it supports."
    )
    excerpt: str = strawberry.field(description="The exact words.")
    start: int | None = strawberry.field(
        default=None, description="Offset of the excerpt's first character in the source text."
    )
    end: int | None = strawberry.field(
        default=None, description="Offset just past its last character."
    )


@strawberry.type
class SourceMutation:
    @strawberry.mutation(description="Record a source. Needs a write key.")
    async def create_source(self, info: Info, input: CreateSourceInput) -> SourceResult:
        return await mutate(
            info, q.create_source, q.SourceCreate(**provided(input)), convert=Source.from_row
        )

    @strawberry.mutation(description="Change a source. Needs a write key.")
    async def update_source(
        self, info: Info, id: strawberry.ID, input: UpdateSourceInput
    ) -> SourceResult:
        return await mutate(
            info,
            q.update_source,
            str(id),
            q.SourceUpdate(**provided(input)),
            convert=Source.from_row,
        )

    @strawberry.mutation(
        description="Delete a source with every citation of it. Needs a write key."
    )
    async def delete_source(self, info: Info, id: strawberry.ID) -> DeleteResult:
        return await delete(info, id, "source")

    @strawberry.mutation(
        description="Cite a source for a record; the excerpt is checked against the source text. Needs a write key."
    )
    async def add_citation(self, info: Info, input: AddCitationInput) -> CitationResult:
        return await mutate(
            info,
            q.add_citation_with_source,
            q.CitationCreate(**provided(input)),
            convert=lambda pair: Citation.from_row(*pair),
        )

    @strawberry.mutation(description="Remove a citation. Needs a write key.")
    async def remove_citation(self, info: Info, id: strawberry.ID) -> DeleteResult:
        return await delete(info, id, "citation")
