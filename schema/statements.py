"""Statements: words attributed to a speaker."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db import models
from db import statements as q
from db.paging import Page
from db.records import pk
from schema.actors import Actor, to_actor
from schema.context import Info
from schema.enums import DatePrecision
from schema.relay import (
    AFTER,
    FIRST,
    Connection,
    Node,
    connection,
    guarded,
    list_connection,
    page_args,
)

if TYPE_CHECKING:
    from schema.engagements import Engagement
    from schema.sources import Citation


@strawberry.type(
    description="Words attributed to a speaker (a leader, country or group, or an unnamed speaker described by `speakerLabel`), quoted directly or paraphrased."
)
class Statement(Node):
    text: str = strawberry.field(
        description="The words: exactly as quoted when `isDirectQuote`, else a faithful paraphrase."
    )
    is_direct_quote: bool = strawberry.field(
        description="True when `text` is the speaker's own words."
    )
    date: dt.date | None = strawberry.field(
        description="When it was said, to the precision the source gives; null when the source does not say."
    )
    date_precision: DatePrecision = strawberry.field(description="How precisely `date` is known.")
    speaker_label: str | None = strawberry.field(
        description='How the source describes the speaker ("a US government official", "the Kremlin").'
    )
    _row: strawberry.Private[models.Statement]

    @classmethod
    def from_row(cls, row: models.Statement) -> Statement:
        return cls(
            id=strawberry.ID(row.public_id),
            text=row.text,
            is_direct_quote=row.is_direct_quote,
            date=row.date,
            date_precision=row.date_precision,
            speaker_label=row.speaker_label,
            _row=row,
        )

    @strawberry.field(description="Who said it, when known: a leader, a country or a group.")
    async def speaker(self, info: Info) -> Actor | None:
        r = self._row
        if (
            r.speaker_leader_id is None
            and r.speaker_country_code is None
            and r.speaker_group_id is None
        ):
            return None
        actor = await info.context.loader(info.path, "speaker", q.speakers_of_statements).load(
            pk(r)
        )
        return to_actor(actor)

    @strawberry.field(description="The engagement at or through which it was said, if any.")
    async def engagement(
        self, info: Info
    ) -> Annotated[Engagement, strawberry.lazy("schema.engagements")] | None:
        from schema.engagements import Engagement, engagement_loader

        if self._row.engagement_id is None:
            return None
        row = await engagement_loader(info).load(self._row.engagement_id)
        return Engagement.from_row(row) if row else None

    @strawberry.field(description="The exact words of the sources behind this statement.")
    async def citations(
        self, info: Info
    ) -> list[Annotated[Citation, strawberry.lazy("schema.sources")]]:
        from schema.sources import citations_of

        return await citations_of(info, "statement", pk(self._row))


@strawberry.input(description="Narrows a statement list; all given conditions must hold.")
class StatementFilter:
    from_: dt.date | None = strawberry.field(
        name="from", default=None, description="Said on or after this day."
    )
    to: dt.date | None = strawberry.field(default=None, description="Said on or before this day.")
    speakers: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Leader, country or group IDs (at most 100): any of them said it."
    )
    engagement: strawberry.ID | None = strawberry.field(
        default=None, description="Said at or through this engagement."
    )
    direct_quotes_only: bool = strawberry.field(
        default=False, description="Only the speakers' own words."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Words in the text or speaker label, regardless of case, accents and transliteration.",
    )

    def to_db(self) -> q.StatementFilter:
        from schema.errors import UserError

        if self.speakers and len(self.speakers) > 100:
            raise UserError(
                "Argument 'filter.speakers' takes at most 100 items", argument="filter.speakers"
            )
        return q.StatementFilter(
            date_from=self.from_,
            date_to=self.to,
            speakers=tuple(str(s) for s in self.speakers or ()),
            engagement=str(self.engagement) if self.engagement else None,
            direct_quotes_only=self.direct_quotes_only,
            search=self.search,
        )


def _empty_page() -> Page:
    return Page([], [], False, False)


async def statements_of(
    info: Info, parent: str, key: Any, first: int | None, after: str | None
) -> Connection[Statement]:
    """An engagement's statements, or a speaker's (leader id, country code, group id): one
    statement per query level, each parent paged on its own."""
    args = page_args(first, after)
    ctx = info.context
    page = await guarded(
        ctx.loader(
            info.path, ("statements_of", parent), q.statements_of, parent, args, default=_empty_page
        ).load(key)
    )

    async def total() -> int:
        return await ctx.loader(
            info.path, ("statements_count", parent), q.count_statements_of, parent, default=int
        ).load(key)

    return connection(page, Statement.from_row, total)


@strawberry.type
class StatementQuery:
    @strawberry.field(description="Statements in the order they were recorded.")
    async def statements(
        self,
        info: Info,
        filter: Annotated[
            StatementFilter | None,
            strawberry.argument(description="Conditions the statements must meet."),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Statement]:
        filters = filter.to_db() if filter else None
        return await list_connection(
            info,
            Statement.from_row,
            q.list_statements,
            q.count_statements,
            page_args(first, after),
            filters,
        )
