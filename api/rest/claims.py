"""/api/v1/claims and /api/v1/stances: contested assertions and who asserts, denies, questions or
confirms them. A claim's status is derived from its stances: writing a stance moves it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from api.rest import sources
from api.rest.params import Params
from api.rest.resource import Input, Resource
from api.rest.subresources import SubList, citations_expander, enum_sort, renamed
from db import claims as q
from db import errors
from db.enums import ClaimStatus, DatePrecision, StancePosition
from db.models import Claim, Stance
from db.serialize import children_dicts

# --- claims ------------------------------------------------------------------------------------

FILTERS = ("status", "subject", "unit", "q")


def claim_query(params: Params) -> Select[Any]:
    """The same filter GraphQL's ClaimFilter builds, from query parameters."""
    try:
        return q.claims_query(
            q.ClaimFilter(
                statuses=params.enums("status", ClaimStatus),
                subjects=params.items("subject"),
                unit=params.text("unit"),
                search=params.text("q"),
            )
        )
    except errors.DataError as exc:
        raise renamed(exc, {"subjects": "subject"}) from None


class ClaimIn(Input):
    text: str
    quantity: float | None = None
    unit: str | None = None
    subject: str | None = None
    engagement: str | None = None


class ClaimPatch(Input):
    text: str | None = None
    quantity: float | None = None
    unit: str | None = None
    subject: str | None = None
    engagement: str | None = None


async def stances_of_claims(
    session: AsyncSession, rows: Sequence[Claim]
) -> dict[int, list[dict[str, Any]]]:
    """``expand=stances``: each claim's stances in the order recorded (as GraphQL's ``stances``)."""
    return await children_dicts(session, "stance", "claim_id", [r.id for r in rows if r.id])


RESOURCE = Resource(
    name="claims",
    kind="claim",
    model=Claim,
    query=claim_query,
    filters=FILTERS,
    sorts={
        "status": enum_sort(Claim.status),
        "created_at": Claim.created_at,
        "updated_at": Claim.updated_at,
    },
    default_sort="created_at",
    id_column=Claim.id,
    expansions={"stances": stances_of_claims, "citations": citations_expander("claim")},
    create_input=ClaimIn,
    update_input=ClaimPatch,
    create=q.create_claim,
    update=q.update_claim,
    to_create=lambda data: q.ClaimCreate(**data),
    to_update=lambda data: q.ClaimUpdate(**data),
)

# --- stances -----------------------------------------------------------------------------------

STANCE_FILTERS = ("claim", "actor", "position", "statement")


def stance_filter(params: Params) -> q.StanceFilter:
    return q.StanceFilter(
        claims=params.items("claim"),
        actors=params.items("actor"),
        positions=params.enums("position", StancePosition),
        statements=params.items("statement"),
    )


class StanceIn(Input):
    claim: str
    actor: str
    position: StancePosition
    date: dt.date | None = None
    date_precision: DatePrecision = DatePrecision.DAY
    statement: str | None = None


class StancePatch(Input):
    position: StancePosition | None = None
    date: dt.date | None = None
    date_precision: DatePrecision | None = None
    statement: str | None = None


STANCES = Resource(
    name="stances",
    kind="stance",
    model=Stance,
    query=lambda params: q.stances_query(stance_filter(params)),
    filters=STANCE_FILTERS,
    sorts={
        "position": enum_sort(Stance.position),
        "date_precision": enum_sort(Stance.date_precision),
        "created_at": Stance.created_at,
        "updated_at": Stance.updated_at,
    },
    default_sort="created_at",
    id_column=Stance.id,
    expansions={"citations": citations_expander("stance")},
    create_input=StanceIn,
    update_input=StancePatch,
    create=q.add_stance,
    update=q.update_stance,
    to_create=lambda data: q.StanceCreate(**data),
    to_update=lambda data: q.StanceUpdate(**data),
)

RESOURCES = [RESOURCE, STANCES]
SUBLISTS = [
    SubList(
        RESOURCE,
        "stances",
        STANCES,
        lambda row, params: q.stances_query(q.StanceFilter(claims=(row.public_id,))),
    ),
    sources.citations_of(RESOURCE),
    sources.citations_of(STANCES),
]
