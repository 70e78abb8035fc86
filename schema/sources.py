"""Sources and citations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from db import models
from db import sources as q
from schema.context import Info
from schema.relay import (
    AFTER,
    FIRST,
    Connection,
    Node,
    list_connection,
    page_args,
)


@strawberry.type(description="A document facts are taken from.")
class Source(Node):
    title: str = strawberry.field(description="The document's title.")
    publisher: str | None = strawberry.field(description="Who published it, when known.")
    url: str | None = strawberry.field(description="Where it can be read.")
    language: str | None = strawberry.field(description='BCP 47 language tag ("en").')
    published_at: dt.datetime | None = strawberry.field(description="When it was published.")
    licence: str | None = strawberry.field(
        description="The terms it is published under, when known."
    )

    @classmethod
    def from_row(cls, row: models.Source) -> Source:
        return cls(
            id=strawberry.ID(row.public_id),
            title=row.title,
            publisher=row.publisher,
            url=row.url,
            language=row.language,
            published_at=row.published_at,
            licence=row.licence,
        )


@strawberry.type(
    description="The exact words of a source behind a fact: `excerpt` is the source text from `start` to `end`."
)
class Citation:
    id: strawberry.ID = strawberry.field(description="Stable public ID of the citation.")
    source: Source = strawberry.field(description="The document quoted.")
    excerpt: str = strawberry.field(description="The exact words.")
    start: int = strawberry.field(
        description="Offset of the first character of the excerpt in the source text (0-based, in Unicode code points)."
    )
    end: int = strawberry.field(description="Offset just past the excerpt's last character.")

    @classmethod
    def from_row(cls, row: models.Citation, source: models.Source) -> Citation:
        return cls(
            id=strawberry.ID(row.public_id),
            source=Source.from_row(source),
            excerpt=row.excerpt,
            start=row.start_offset,
            end=row.end_offset,
        )


async def citations_of(info: Info, target: str, key: int) -> list[Citation]:
    rows = await info.context.loader(
        info.path, ("citations", target), q.citations_of, target, default=list
    ).load(key)
    return [Citation.from_row(c, s) for c, s in rows]


@strawberry.type
class SourceQuery:
    @strawberry.field(description="Sources in the order they were recorded.")
    async def sources(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Source]:
        return await list_connection(
            info, Source.from_row, q.list_sources, q.count_sources, page_args(first, after)
        )
