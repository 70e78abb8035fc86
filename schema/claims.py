"""Claims and the stances actors take on them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db import claims as q
from db import models
from db.records import pk
from schema.actors import Actor, to_actor
from schema.context import Info
from schema.enums import ClaimStatus, DatePrecision, StancePosition
from schema.relay import (
    AFTER,
    FIRST,
    Connection,
    Node,
    list_connection,
    page_args,
)

if TYPE_CHECKING:
    from schema.engagements import Engagement
    from schema.sources import Citation
    from schema.statements import Statement


@strawberry.type(description="An actor's stance on a claim.")
class Stance:
    id: strawberry.ID = strawberry.field(description="Stable public ID of the stance.")
    position: StancePosition = strawberry.field(
        description="Asserts, denies, questions or confirms."
    )
    date: dt.date | None = strawberry.field(
        description="When the actor took this stance, to the precision given."
    )
    date_precision: DatePrecision = strawberry.field(description="How precisely `date` is known.")
    _row: strawberry.Private[models.Stance]
    _actor: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: models.Stance, actor: Any = None) -> Stance:
        return cls(
            id=strawberry.ID(row.public_id),
            position=row.position,
            date=row.date,
            date_precision=row.date_precision,
            _row=row,
            _actor=actor,
        )

    @strawberry.field(description="Who takes the stance.")
    async def actor(self, info: Info) -> Actor:
        if self._actor is None:
            self._actor = await info.context.loader(
                info.path, "stance_actor", q.actors_of_stances
            ).load(pk(self._row))
        return to_actor(self._actor)

    @strawberry.field(description="The statement through which the stance was taken, if any.")
    async def statement(
        self, info: Info
    ) -> Annotated[Statement, strawberry.lazy("schema.statements")] | None:
        from db.statements import statements_by_ids
        from schema.statements import Statement

        if self._row.statement_id is None:
            return None
        found = await info.context.loader(info.path, "statement", statements_by_ids).load(
            self._row.statement_id
        )
        return Statement.from_row(found[0]) if found else None

    @strawberry.field(description="The exact words of the sources behind this stance.")
    async def citations(
        self, info: Info
    ) -> list[Annotated[Citation, strawberry.lazy("schema.sources")]]:
        from schema.sources import citations_of

        return await citations_of(info, "stance", pk(self._row))


@strawberry.type(
    description='A contested factual assertion ("94,000 troops near the Ukrainian border"), with the stances actors take on it. Its status is derived from those stances.'
)
class Claim(Node):
    text: str = strawberry.field(description="The assertion, stated neutrally.")
    quantity: float | None = strawberry.field(description="The number asserted, if any.")
    unit: str | None = strawberry.field(description='The unit of `quantity` ("troops").')
    status: ClaimStatus = strawberry.field(description="Derived from the stances; see ClaimStatus.")
    _row: strawberry.Private[models.Claim]

    @classmethod
    def from_row(cls, row: models.Claim) -> Claim:
        return cls(
            id=strawberry.ID(row.public_id),
            text=row.text,
            quantity=row.quantity,
            unit=row.unit,
            status=row.status,
            _row=row,
        )

    @strawberry.field(description="What or whom the claim is about.")
    async def subject(self, info: Info) -> Actor | None:
        r = self._row
        if (
            r.subject_leader_id is None
            and r.subject_country_code is None
            and r.subject_group_id is None
        ):
            return None
        return to_actor(
            await info.context.loader(info.path, "claim_subject", q.subjects_of_claims).load(pk(r))
        )

    @strawberry.field(
        description="Who asserts, denies, questions or confirms it, in the order recorded."
    )
    async def stances(self, info: Info) -> list[Stance]:
        rows = await info.context.loader(
            info.path, "stances", q.stances_of_claims, default=list
        ).load(pk(self._row))
        return [
            Stance(
                id=strawberry.ID(s.public_id),
                position=s.position,
                date=s.date,
                date_precision=s.date_precision,
                _row=s,
                _actor=a,
            )
            for s, a in rows
        ]

    @strawberry.field(description="The engagement in which the claim was made, if any.")
    async def engagement(
        self, info: Info
    ) -> Annotated[Engagement, strawberry.lazy("schema.engagements")] | None:
        from schema.engagements import Engagement, engagement_loader

        if self._row.engagement_id is None:
            return None
        row = await engagement_loader(info).load(self._row.engagement_id)
        return Engagement.from_row(row) if row else None

    @strawberry.field(description="The exact words of the sources behind this claim.")
    async def citations(
        self, info: Info
    ) -> list[Annotated[Citation, strawberry.lazy("schema.sources")]]:
        from schema.sources import citations_of

        return await citations_of(info, "claim", pk(self._row))


@strawberry.input(description="Narrows a claim list; all given conditions must hold.")
class ClaimFilter:
    statuses: list[ClaimStatus] | None = strawberry.field(
        default=None,
        description="Any of these statuses (DISPUTED: someone denies what others assert).",
    )
    subjects: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Leader, country or group IDs the claims are about (at most 100)."
    )
    unit: str | None = strawberry.field(
        default=None, description='Claims with a quantity in this unit ("troops"), any case.'
    )
    search: str | None = strawberry.field(
        default=None,
        description="Words in the claim, regardless of case, accents and transliteration.",
    )

    def to_db(self) -> q.ClaimFilter:
        from schema.errors import UserError

        if self.subjects and len(self.subjects) > 100:
            raise UserError(
                "Argument 'filter.subjects' takes at most 100 items", argument="filter.subjects"
            )
        return q.ClaimFilter(
            statuses=tuple(self.statuses or ()),
            subjects=tuple(str(s) for s in self.subjects or ()),
            unit=self.unit,
            search=self.search,
        )


@strawberry.type
class ClaimQuery:
    @strawberry.field(description="Claims in the order they were recorded.")
    async def claims(
        self,
        info: Info,
        filter: Annotated[
            ClaimFilter | None, strawberry.argument(description="Conditions the claims must meet.")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Claim]:
        filters = filter.to_db() if filter else None
        return await list_connection(
            info, Claim.from_row, q.list_claims, q.count_claims, page_args(first, after), filters
        )
