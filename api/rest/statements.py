"""/api/v1/statements: words attributed to a speaker, quoted or paraphrased."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select

from api.rest import sources
from api.rest.params import Params
from api.rest.resource import Input, Resource
from api.rest.subresources import citations_expander, enum_sort, renamed
from db import errors
from db import statements as q
from db.enums import DatePrecision
from db.models import Statement

FILTERS = ("from", "to", "speaker", "engagement", "direct_quotes_only", "q")


def statement_filter(params: Params) -> q.StatementFilter:
    """The same filter GraphQL's StatementFilter builds, from query parameters."""
    date_from, date_to = params.date("from"), params.date("to")
    if date_from and date_to and date_to < date_from:
        raise errors.ValidationError("is before from", field="to")
    return q.StatementFilter(
        date_from=date_from,
        date_to=date_to,
        speakers=params.items("speaker"),
        engagement=params.text("engagement"),
        direct_quotes_only=params.flag("direct_quotes_only"),
        search=params.text("q"),
    )


def statement_query(params: Params) -> Select[Any]:
    try:
        return q.statements_query(statement_filter(params))
    except errors.DataError as exc:
        raise renamed(exc, {"speakers": "speaker"}) from None


class StatementIn(Input):
    text: str
    is_direct_quote: bool = False
    date: dt.date | None = None
    date_precision: DatePrecision = DatePrecision.DAY
    speaker: str | None = None
    speaker_label: str | None = None
    engagement: str | None = None


class StatementPatch(Input):
    text: str | None = None
    is_direct_quote: bool | None = None
    date: dt.date | None = None
    date_precision: DatePrecision | None = None
    speaker: str | None = None
    speaker_label: str | None = None
    engagement: str | None = None


RESOURCE = Resource(
    name="statements",
    kind="statement",
    model=Statement,
    query=statement_query,
    filters=FILTERS,
    sorts={
        "date_precision": enum_sort(Statement.date_precision),
        "created_at": Statement.created_at,
        "updated_at": Statement.updated_at,
    },
    default_sort="created_at",
    id_column=Statement.id,
    expansions={"citations": citations_expander("statement")},
    create_input=StatementIn,
    update_input=StatementPatch,
    create=q.create_statement,
    update=q.update_statement,
    to_create=lambda data: q.StatementCreate(**data),
    to_update=lambda data: q.StatementUpdate(**data),
)

RESOURCES = [RESOURCE]
SUBLISTS = [sources.citations_of(RESOURCE)]
