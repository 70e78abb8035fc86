"""/api/v1/sources and /api/v1/citations: the documents facts are taken from, and the exact
excerpts that tie each record to its source."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select

from api.rest.params import Params
from api.rest.resource import Input, Resource
from api.rest.subresources import SubList
from db import sources as q
from db.models import Citation, Source

# --- sources ----------------------------------------------------------------------------------


class SourceIn(Input):
    title: str
    publisher: str | None = None
    url: str | None = None
    language: str | None = None
    published_at: dt.datetime | None = None
    licence: str | None = None
    text: str | None = None


class SourcePatch(Input):
    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    language: str | None = None
    published_at: dt.datetime | None = None
    licence: str | None = None
    text: str | None = None


def source_query(params: Params) -> Select[Any]:
    return q.sources_query()


RESOURCE = Resource(
    name="sources",
    kind="source",
    model=Source,
    query=source_query,
    sorts={
        "title": Source.title,
        "created_at": Source.created_at,
        "updated_at": Source.updated_at,
    },
    default_sort="created_at",
    id_column=Source.id,
    create_input=SourceIn,
    update_input=SourcePatch,
    create=q.create_source,
    update=q.update_source,
    to_create=lambda data: q.SourceCreate(**data),
    to_update=lambda data: q.SourceUpdate(**data),
)

# --- citations --------------------------------------------------------------------------------

CITATION_FILTERS = ("source", "target")


def citation_query(params: Params) -> Select[Any]:
    return q.citations_query(
        q.CitationFilter(sources=params.items("source"), targets=params.items("target"))
    )


class CitationIn(Input):
    source: str
    target: str
    excerpt: str
    start: int | None = None
    end: int | None = None


class CitationPatch(Input):
    excerpt: str | None = None
    start: int | None = None
    end: int | None = None


CITATIONS = Resource(
    name="citations",
    kind="citation",
    model=Citation,
    query=citation_query,
    filters=CITATION_FILTERS,
    sorts={
        "start": Citation.start_offset,
        "end": Citation.end_offset,
        "created_at": Citation.created_at,
        "updated_at": Citation.updated_at,
    },
    default_sort="created_at",
    id_column=Citation.id,
    create_input=CitationIn,
    update_input=CitationPatch,
    create=q.add_citation,
    update=q.update_citation,
    to_create=lambda data: q.CitationCreate(**data),
    to_update=lambda data: q.CitationUpdate(**data),
)

RESOURCES = [RESOURCE, CITATIONS]


def citations_of(parent: Resource) -> SubList:
    """``/{parent}/{id}/citations``: a record's citations, in the order of their place in the
    source text (as GraphQL's ``citations``)."""
    return SubList(
        parent,
        "citations",
        CITATIONS,
        lambda row, params: q.citations_query(q.CitationFilter(targets=(row.public_id,))),
        default_sort="start",
    )


SUBLISTS = [
    SubList(
        RESOURCE,
        "citations",
        CITATIONS,
        lambda row, params: q.citations_query(q.CitationFilter(sources=(row.public_id,))),
        default_sort="start",
    ),
]
