"""The OpenAPI 3.1 document of the REST API, generated from the code that serves it.

Nothing here is written twice. Each ``Resource`` in ``api.rest.routes.RESOURCES`` yields its five
operations: the filters come from running the resource's own query builder on a recording
``Params`` (so ``kind`` is documented as a list of EngagementKind because the code reads it with
``params.enums("kind", EngagementKind)``), request bodies are its pydantic input models, and
responses are the canonical records of ``api.rest.schemas``, which a test checks against
``db.serialize`` on every seeded record. Descriptions come from the GraphQL schema, where the
same fields carry the same names.

The lists under a record (``api.rest.routes.SUBLISTS``) are read the same way. Endpoints that
are neither (/search, /changes, the operations probes) declare themselves with ``register``, next
to their route; the document imports the whole app before it is built, so they are all there::

    from api.rest.openapi import Operation, Param, Reply, any_record, register

    register(
        Operation(
            "get", "/api/v1/search", "search", "Search names, titles and text", "search",
            params=(Param.text("q", "The words to search for.", required=True),),
            responses=(Reply(200, "The hits.", {"type": "array", "items": any_record()}),),
            problems=(400, 429),
        )
    )

``openapi_route()`` serves the document at /openapi.json; ``scripts/export_openapi.py`` writes
the committed openapi.json that CI compares with this module's output.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, cast

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.alias_generators import to_camel, to_pascal
from pydantic.json_schema import GenerateJsonSchema, models_json_schema
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.rest import formats
from api.rest.params import DEFAULT_LIMIT, MAX_LIMIT, E, Params
from api.rest.problems import PROBLEM_JSON, SLUGS, TITLES
from api.rest.resource import Resource
from api.rest.schemas import RECORDS

if TYPE_CHECKING:  # subresources may register operations here: no import at run time
    from api.rest.subresources import SubList

Schema = dict[str, Any]
Access = Literal["public", "read", "write"]
OPENAPI_VERSION = "3.1.0"
API_VERSION = "1"
REF = "#/components/schemas/{model}"
BEARER = "apiKey"
MERGE_PATCH_JSON = "application/merge-patch+json"


# --- what an operation declares ------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A query, path or header parameter. Lists travel comma-separated (``kind=CALL,VISIT``).
    A parameter with a ``shared`` name is written once, under components/parameters."""

    name: str
    schema: Schema
    description: str = ""
    where: Literal["query", "path", "header"] = "query"
    required: bool = False
    shared: str = ""

    @classmethod
    def path(cls, name: str, description: str) -> Param:
        return cls(name, {"type": "string", "minLength": 1}, description, "path", True)

    @classmethod
    def text(cls, name: str, description: str = "", *, required: bool = False) -> Param:
        return cls(
            name,
            {"type": "string", "minLength": 1, "maxLength": 500},
            description,
            required=required,
        )

    @classmethod
    def date(cls, name: str, description: str = "") -> Param:
        return cls(name, {"type": "string", "format": "date"}, description)

    @classmethod
    def timestamp(cls, name: str, description: str = "") -> Param:
        return cls(name, {"type": "string", "format": "date-time"}, description)

    @classmethod
    def flag(cls, name: str, description: str = "") -> Param:
        return cls(name, {"type": "boolean", "default": False}, description)

    @classmethod
    def items(cls, name: str, item: Schema, description: str = "", *, limit: int = 100) -> Param:
        return cls(
            name, {"type": "array", "items": item, "minItems": 1, "maxItems": limit}, description
        )

    @classmethod
    def enums(cls, name: str, enum: type[StrEnum], description: str = "") -> Param:
        """Any of these values; the code reads them case-insensitively."""
        return cls.items(name, cast(Schema, enum), description)

    def render(self) -> Schema:
        out: Schema = {"name": self.name, "in": self.where}
        if self.description:
            out["description"] = self.description
        if self.required:
            out["required"] = True
        out["schema"] = self.schema
        if self.schema.get("type") == "array":
            out["style"], out["explode"] = "form", False
        return out


@dataclass(frozen=True)
class Reply:
    """One response: its status, the body per media type (a schema, or a pydantic model anywhere
    a schema goes), the response headers (names under components/headers) and OpenAPI links."""

    status: int
    description: str
    body: Schema | type[BaseModel] | None = None
    media: Sequence[str] = ("application/json",)
    headers: Sequence[str] = ()
    links: dict[str, Schema] = field(default_factory=dict)
    other_media: dict[str, Schema] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """One method on one path. ``access``: ``public`` (no key looked at), ``read`` (a key is
    optional unless the server sets CRISISGRAPH_READS_NEED_KEY) or ``write`` (a key with write
    scope). ``problems`` lists the error statuses besides those ``access`` implies (and 500).
    ``rate_limited``: its successes carry the RateLimit headers (api/ratelimit.py)."""

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    description: str = ""
    params: Sequence[Param] = ()
    body: type[BaseModel] | None = None
    body_media: Sequence[str] = ("application/json",)
    responses: Sequence[Reply] = ()
    access: Access = "read"
    problems: Sequence[int] = ()
    rate_limited: bool = True


_REGISTERED: list[Operation] = []


def register(*operations: Operation) -> None:
    """Add endpoints that are not resources to the document. Call it at import time of the module
    that defines the route; the document imports the whole app before it is built."""
    for operation in operations:
        if any((o.method, o.path) == (operation.method, operation.path) for o in _REGISTERED):
            raise ValueError(f"{operation.method.upper()} {operation.path} is registered twice")
        _REGISTERED.append(operation)


def registered() -> tuple[Operation, ...]:
    return tuple(_REGISTERED)


def record(kind: str) -> Schema:
    """The canonical record of a kind, as a schema reference."""
    return {"$ref": REF.format(model=RECORDS[kind].__name__)}


def any_record() -> Schema:
    """Any canonical record; the ID patterns tell the kinds apart, so exactly one matches."""
    return {"oneOf": [record(kind) for kind in RECORDS]}


def page_of(item: Schema | type[BaseModel], *, total: bool = True) -> Schema:
    """The list envelope: ``{"data": [...], "links": {...}, "total": n}`` (total on request)."""
    properties: Schema = {
        "data": {"type": "array", "items": item, "description": "This page of the list."},
        "links": {"$ref": REF.format(model="PageLinks")},
    }
    if total:
        properties["total"] = {
            "type": "integer",
            "minimum": 0,
            "description": "How many records the whole list holds; only with `with_total=true`.",
        }
    return {
        "type": "object",
        "properties": properties,
        "required": ["data", "links"],
        "additionalProperties": False,
    }


# --- documents shared by every operation ---------------------------------------------------------


class FieldError(BaseModel):
    field: str = Field(description="The body field at fault, dotted for nested fields.")
    message: str


class ProblemDetails(BaseModel):
    """An RFC 9457 problem document: every REST error, whatever its cause."""

    model_config = ConfigDict(extra="allow", alias_generator=to_camel, populate_by_name=False)

    type: str = Field(
        description="A stable URI naming the kind of problem: `/problems/<slug>`.",
        json_schema_extra={"format": "uri-reference"},
    )
    title: str = Field(description="The kind of problem, the same for every occurrence.")
    status: int = Field(description="The HTTP status code.", ge=100, le=599)
    detail: str = Field(description="What went wrong this time, for a person to read.")
    instance: str = Field(
        description="The path of the request.", json_schema_extra={"format": "uri-reference"}
    )
    request_id: str = Field(description="The request's ID, as the server logs carry it.")
    param: str | None = Field(
        default=None, description="The query parameter or request header at fault."
    )
    field: str | None = Field(default=None, description="The body field at fault.")
    errors: list[FieldError] | None = Field(
        default=None, description="Every invalid body field, on a 422."
    )
    error_id: str | None = Field(
        default=None, description="On a 500: the ID to quote when reporting it."
    )


class PageLinks(BaseModel):
    """Links to the neighbouring pages, also sent in the `Link` header; absent at either end."""

    model_config = ConfigDict(extra="forbid")

    next: str | None = Field(
        default=None,
        description="The next page: the same query with `cursor`.",
        json_schema_extra={"format": "uri-reference"},
    )
    prev: str | None = Field(
        default=None,
        description="The previous page: the same query with `before`.",
        json_schema_extra={"format": "uri-reference"},
    )


_PROBLEM_NAMES = {
    400: "BadRequest",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Gone",
    412: "PreconditionFailed",
    413: "ContentTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    428: "PreconditionRequired",
    429: "TooManyRequests",
    500: "InternalError",
    503: "Unavailable",
}
_PROBLEM_WHEN = {
    400: "A query parameter is unknown, repeated or malformed, or the body is not a JSON object.",
    401: "The Authorization header is malformed or names an unknown or revoked key, or the "
    "operation needs a key and none was sent.",
    403: "The API key may read but not write.",
    404: "Nothing has this ID (or a reference in the body names nothing).",
    405: "The path does not take this method.",
    406: "The Accept header allows none of the media types this operation answers with.",
    409: "The change would break a uniqueness rule or another record depends on this one.",
    410: "The record was deleted.",
    412: "If-Match does not match the record's current ETag: someone changed it since you read it.",
    413: "The body is larger than the server accepts (1 MiB unless configured otherwise).",
    415: "The body is not sent as application/json.",
    422: "The body does not validate; `errors` lists every field at fault.",
    428: "The write needs an If-Match header with the ETag you read.",
    429: "Too many requests: wait as Retry-After says.",
    500: "A fault of ours: the body carries an `errorId`, and no details.",
    503: "The service cannot answer now.",
}
_PROBLEM_HEADERS = {
    401: ("WWW-Authenticate",),
    429: ("Retry-After", "RateLimit", "RateLimit-Policy"),
}

_HEADERS: dict[str, Schema] = {
    "ETag": {
        "description": "The record's version. Send it back in If-None-Match to revalidate, in "
        "If-Match to change or delete the record.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "The path of the new record.",
        "required": True,
        "schema": {"type": "string", "format": "uri-reference"},
    },
    "Link": {
        "description": 'RFC 8288 links to the neighbouring pages: `<...>; rel="next"`, '
        '`<...>; rel="prev"`. Absent on a single page.',
        "schema": {"type": "string"},
    },
    "Content-Disposition": {
        "description": "For CSV and NDJSON: an attachment named after the list.",
        "schema": {"type": "string"},
    },
    "WWW-Authenticate": {
        "description": 'The RFC 6750 challenge: `Bearer realm="crisisgraph"`, with `error` when '
        "the key sent is unusable.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "RateLimit": {
        "description": "What is left of the policy that applied (draft-ietf-httpapi-ratelimit-"
        'headers): `"reads";r=599;t=42` is 599 requests left, the window ending in 42 seconds.',
        "schema": {"type": "string"},
    },
    "RateLimit-Policy": {
        "description": 'The policy that applied: `"reads";q=600;w=60` is 600 reads a minute (GET '
        'and HEAD), `"writes";q=120;w=60` 120 writes, counted per API key or client address.',
        "schema": {"type": "string"},
    },
}
_SUCCESS_HEADERS = ("RateLimit", "RateLimit-Policy")

_IF_MATCH = Param(
    "If-Match",
    {"type": "string", "minLength": 1},
    "The ETag of the record as you read it. Without it the write is refused (428); when the record "
    "has changed since, it is refused too (412), so no one's change is overwritten.",
    "header",
    required=True,
    shared="IfMatch",
)
_IF_NONE_MATCH = Param(
    "If-None-Match",
    {"type": "string", "minLength": 1},
    "An ETag you hold: when the record still has it, the answer is a 304 with no body.",
    "header",
    shared="IfNoneMatch",
)

_DESCRIPTION = """\
REST access to the crisisgraph dataset: countries, leaders and their offices, groups and their \
members, engagements, statements and contested claims, each tied to the exact words of a source. \
The same data is served over GraphQL at `/graphql`; records read the same byte for byte either way \
(camelCase fields, enum values in capitals, ISO 8601 dates, public IDs for every reference).

**Authentication.** Reading is open unless the server says otherwise; writing needs an API key \
with write scope, sent as `Authorization: Bearer <key>` (`crisisgraph keys create` makes one).

**Lists** are paged by cursor: follow `links.next` (or the `Link` header) until it is absent. \
`limit` takes 1 to 1000 records (50 by default); `with_total=true` adds the count. Filters combine \
with AND, comma-separated values within one filter with OR. `fields` keeps some fields of each \
record (the ID always), `expand` embeds related records, `sort` orders by fields (`-` for \
descending). `format=csv` or `format=ndjson` (or the Accept header) streams the whole list instead \
of a page.

**Concurrency.** Every record has an ETag. Send it in `If-Match` to change or delete the record; \
a change made since you read it makes the write fail with 412 instead of being overwritten.

**Errors** are RFC 9457 problem documents (`application/problem+json`) naming the parameter or \
field at fault. Unknown query parameters are refused, never ignored.
"""


# --- from resources to operations ----------------------------------------------------------------


class _Probe(Params):
    """Empty query parameters that note how the code reads each one: running a resource's query
    builder on it yields the type of every filter, straight from the code."""

    def __init__(self, accepted: Iterable[str]) -> None:
        super().__init__(QueryParams(""), accepted)
        self.seen: dict[str, Param] = {}

    def text(self, name: str) -> str | None:
        self.seen[name] = Param.text(name)
        return super().text(name)

    def items(self, name: str, limit: int = 100) -> tuple[str, ...]:
        value = super().items(name, limit)
        self.seen[name] = Param.items(name, {"type": "string", "minLength": 1}, limit=limit)
        return value

    def enums(self, name: str, enum: type[E]) -> tuple[E, ...]:
        value = super().enums(name, enum)
        self.seen[name] = Param.enums(name, enum)
        return value

    def date(self, name: str) -> dt.date | None:
        value = super().date(name)
        self.seen[name] = Param.date(name)
        return value

    def timestamp(self, name: str) -> dt.datetime | None:
        value = super().timestamp(name)
        self.seen[name] = Param.timestamp(name)
        return value

    def flag(self, name: str) -> bool:
        value = super().flag(name)
        self.seen[name] = Param.flag(name)
        return value


def _read_filters(filters: Sequence[str], run: Callable[[Params], object]) -> list[Param]:
    """The filters typed as the code reads them: ``run`` builds the query from a ``_Probe``."""
    probe = _Probe(filters)
    run(probe)
    missing = [name for name in filters if name not in probe.seen]
    if missing:
        raise ValueError(f"the query never reads the filters {missing}")
    return [probe.seen[name] for name in filters]


def filter_params(resource: Resource) -> list[Param]:
    """A resource's filters, typed from its query builder, described as GraphQL describes them."""
    found = _read_filters(resource.filters, resource.query)
    graphql = _graphql_fields(f"{_type_name(resource.kind)}Filter")
    return [_described_filter(param, graphql) for param in found]


def sublist_filter_params(sublist: SubList) -> list[Param]:
    """A sub-list's filters, typed by building its query for a stand-in parent record."""
    parent = sublist.parent.model()
    for name, value in (("id", 0), ("public_id", f"{sublist.parent.kind}_"), ("code", "ZZ")):
        if hasattr(parent, name):
            setattr(parent, name, value)
    found = _read_filters(sublist.filters, lambda probe: sublist.query(parent, probe))
    graphql = _graphql_fields(
        _type_name(sublist.parent.kind), to_camel(sublist.segment)
    ) | _graphql_fields(f"{_type_name(sublist.child.kind)}Filter")
    return [_described_filter(param, graphql) for param in found]


def _type_name(kind: str) -> str:
    return to_pascal(kind)


def _expansion_kind(name: str) -> str | None:
    """``participants`` embeds participant records: expansions are named after their kind."""
    for kind in (name, name.removesuffix("s"), name.removesuffix("es"), name[:-3] + "y"):
        if kind in RECORDS:
            return kind
    return None


def _fields_param(resource: Resource) -> Param:
    fields = list(RECORDS[resource.kind].model_json_schema(by_alias=True)["properties"])
    param = Param.items(
        "fields",
        {"type": "string", "enum": fields},
        "Keep only these fields of each record (`id` is always kept).",
        limit=50,
    )
    return replace(param, shared=f"{_type_name(resource.kind)}Fields")


def _expand_param(resource: Resource) -> list[Param]:
    if not resource.expansions:
        return []
    param = Param.items(
        "expand",
        {"type": "string", "enum": list(resource.expansions)},
        "Embed these related records in each record, under the same names.",
        limit=10,
    )
    return [replace(param, shared=f"{_type_name(resource.kind)}Expand")]


def _sort_param(resource: Resource, default_sort: str) -> Param:
    pattern = "|".join(resource.sorts)
    return Param(
        "sort",
        {
            "type": "string",
            "pattern": f"^[-+]?(?:{pattern})(?:,[-+]?(?:{pattern}))*$",
            "default": default_sort,
        },
        "Fields to order by, comma-separated, `-` before a field for descending: "
        + ", ".join(f"`{name}`" for name in resource.sorts)
        + f". By default `{default_sort}`; ties are broken by creation order.",
        shared=f"{_type_name(resource.kind)}Sort" if default_sort == resource.default_sort else "",
    )


_PAGING_PARAMS = (
    Param(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        f"Records per page, 1 to {MAX_LIMIT}. For CSV and NDJSON: the most to stream (all when "
        "omitted).",
        shared="limit",
    ),
    replace(
        Param.text(
            "cursor",
            "Start after this cursor: the one in `links.next`. Opaque; bound to the list and its "
            "sort order.",
        ),
        shared="cursor",
    ),
    replace(
        Param.text("before", "End before this cursor: the one in `links.prev`. Not with `cursor`."),
        shared="before",
    ),
    replace(
        Param.flag("with_total", "Add `total`, the size of the whole list (costs a count)."),
        shared="withTotal",
    ),
)
_FORMAT_PARAM = Param(
    "format",
    {"type": "string", "enum": list(formats.EXTENSIONS)},
    "`json` (a page), or `csv` or `ndjson` (the whole list, streamed). Without it the Accept "
    "header decides; JSON when it names nothing else.",
    shared="format",
)


def _list_params(resource: Resource, default_sort: str) -> list[Param]:
    return [
        *_PAGING_PARAMS,
        _fields_param(resource),
        *_expand_param(resource),
        _FORMAT_PARAM,
        _sort_param(resource, default_sort),
    ]


def _list_operation(
    path: str,
    operation_id: str,
    summary: str,
    tag: str,
    child: Resource,
    params: Sequence[Param],
    default_sort: str,
    problems: Sequence[int],
) -> Operation:
    """A list of ``child`` records: paged JSON, or the whole list as CSV or NDJSON."""
    type_name = _type_name(child.kind)
    get_id = f"get{type_name}"
    columns = (
        f" Columns: {', '.join(child.csv.columns)}."
        if child.csv
        else " One column per field, nested objects flattened (`location_country`)."
    )
    return Operation(
        "get",
        path,
        operation_id,
        summary,
        tag,
        "A page of the list, or the whole list streamed as CSV or NDJSON.",
        params=[*params, *_list_params(child, default_sort or child.default_sort)],
        responses=[
            Reply(
                200,
                "A page of the list (JSON), or the whole list (CSV, NDJSON).",
                {"$ref": REF.format(model=f"{type_name}List")},
                headers=("Link", "Content-Disposition"),
                links={
                    get_id: {
                        "operationId": get_id,
                        "parameters": {"id": "$response.body#/data/0/id"},
                    }
                },
                other_media={
                    formats.MEDIA_TYPES[formats.CSV].split(";")[0]: {
                        "type": "string",
                        "description": "RFC 4180 CSV with a header row." + columns,
                    },
                    formats.MEDIA_TYPES[formats.NDJSON]: {
                        "type": "string",
                        "description": f"One {type_name} record per line.",
                    },
                },
            )
        ],
        problems=(400, 406, 429, *problems),
    )


def _path_id(resource: Resource) -> Param:
    kind = resource.kind
    natural = ", or its natural key" if resource.lookup else ""
    param = Param.path("id", f"The {kind}'s public ID (`{kind}_…`){natural}.")
    return replace(param, shared=f"{_type_name(kind)}Id")


def sublist_operation(sublist: SubList) -> Operation:
    """``GET /{parent}/{id}/{segment}``: one parent's children."""
    parent = sublist.parent
    gql = _graphql_schema().type_map.get(_type_name(parent.kind))
    field = (
        gql.fields.get(to_camel(sublist.segment)) if isinstance(gql, GraphQLObjectType) else None
    )
    operation = _list_operation(
        f"/api/v1{sublist.path}",
        f"list{_type_name(parent.kind)}{to_pascal(sublist.segment)}",
        f"List the {sublist.segment.replace('_', ' ')} of {_article(parent.kind)} {parent.kind}",
        parent.name,
        sublist.child,
        [_path_id(parent), *sublist_filter_params(sublist)],
        sublist.default_sort,
        problems=(404,),
    )
    if field is not None and field.description:
        operation = replace(operation, description=f"{field.description} {operation.description}")
    return operation


def resource_operations(resource: Resource) -> list[Operation]:
    """The list, create, get, update and delete operations of a resource, as it serves them."""
    name, kind, type_name = resource.name, resource.kind, _type_name(resource.kind)
    read = {"$ref": REF.format(model=f"{type_name}Read")}
    full = record(kind)
    item = f"/api/v1/{name}/{{id}}"
    get_id, update_id, delete_id = f"get{type_name}", f"update{type_name}", f"delete{type_name}"
    by_id = {"parameters": {"id": "$response.body#/id"}}
    if_match = {
        "parameters": {"id": "$response.body#/id", "header.If-Match": "$response.header.ETag"}
    }
    writes_after = {get_id: {"operationId": get_id, **by_id}}
    if resource.update:
        writes_after[update_id] = {"operationId": update_id, **if_match}
    if resource.deletable:
        writes_after[delete_id] = {"operationId": delete_id, **if_match}
    path_id = _path_id(resource)
    ops = [
        _list_operation(
            f"/api/v1/{name}",
            f"list{to_pascal(name)}",
            f"List {name.replace('_', ' ')}",
            name,
            resource,
            filter_params(resource),
            resource.default_sort,
            problems=(),
        ),
        Operation(
            "get",
            item,
            get_id,
            f"Get one {kind}",
            name,
            params=[path_id, _fields_param(resource), *_expand_param(resource), _IF_NONE_MATCH],
            responses=[
                Reply(
                    200,
                    f"The {kind}.",
                    read,
                    headers=("ETag",),
                    links=_without(writes_after, get_id),
                ),
                Reply(
                    304,
                    "Not modified: the record still has the ETag sent in If-None-Match.",
                    headers=("ETag",),
                ),
            ],
            problems=(400, 404, 429),
        ),
    ]
    if resource.create and resource.create_input:
        ops.append(
            Operation(
                "post",
                f"/api/v1/{name}",
                f"create{type_name}",
                f"Create {_article(kind)} {kind}",
                name,
                body=resource.create_input,
                responses=[
                    Reply(
                        201,
                        f"The new {kind}.",
                        full,
                        headers=("ETag", "Location"),
                        links=writes_after,
                    )
                ],
                access="write",
                problems=(400, 404, 409, 413, 415, 422, 429),
            )
        )
    if resource.update and resource.update_input:
        ops.append(
            Operation(
                "patch",
                item,
                update_id,
                f"Change {_article(kind)} {kind}",
                name,
                "Only the fields sent change; `null` clears a field that may be empty.",
                params=[path_id, _IF_MATCH],
                body=resource.update_input,
                body_media=("application/json", MERGE_PATCH_JSON),
                responses=[
                    Reply(
                        200, f"The {kind} as changed.", full, headers=("ETag",), links=writes_after
                    )
                ],
                access="write",
                problems=(400, 404, 409, 412, 413, 415, 422, 428, 429),
            )
        )
    if resource.deletable:
        ops.append(
            Operation(
                "delete",
                item,
                delete_id,
                f"Delete {_article(kind)} {kind}",
                name,
                "The deletion is recorded in the change feed as a tombstone.",
                params=[path_id, _IF_MATCH],
                responses=[Reply(204, "Deleted.", media=())],
                access="write",
                problems=(400, 404, 409, 412, 428, 429),
            )
        )
    return ops


def _without(links: dict[str, Schema], name: str) -> dict[str, Schema]:
    return {k: v for k, v in links.items() if k != name}


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


# --- rendering -----------------------------------------------------------------------------------


class _Generator(GenerateJsonSchema):
    """Pydantic's JSON Schema without a title on every field: the names say it already."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def _models_in(value: Any) -> Iterator[type[BaseModel]]:
    if isinstance(value, type) and issubclass(value, BaseModel):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _models_in(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _models_in(inner)


def _enums_in(value: Any) -> Iterator[type[StrEnum]]:
    if isinstance(value, type) and issubclass(value, StrEnum):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _enums_in(inner)


def _refs(value: Any) -> Any:
    """A schema with every pydantic model or enum class in it replaced by a reference."""
    if isinstance(value, type) and issubclass(value, BaseModel | StrEnum):
        return {"$ref": REF.format(model=value.__name__)}
    if isinstance(value, dict):
        return {k: _refs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_refs(v) for v in value]
    return value


def _problem_statuses(operation: Operation) -> list[int]:
    implied = {"public": set(), "read": {401}, "write": {401, 403}}[operation.access]
    return sorted({*implied, *operation.problems, 500})


def _security(access: Access) -> list[Schema]:
    if access == "public":
        return []
    if access == "read":
        return [{}, {BEARER: []}]
    return [{BEARER: []}]


def _headers(names: Iterable[str]) -> Schema:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _render_reply(reply: Reply, rate_limited: bool) -> Schema:
    out: Schema = {"description": reply.description}
    headers = [*reply.headers, *(_SUCCESS_HEADERS if rate_limited and reply.status < 300 else ())]
    if headers:
        out["headers"] = _headers(headers)
    content = {
        media: {"schema": _refs(reply.body)} for media in reply.media if reply.body is not None
    }
    content |= {media: {"schema": schema} for media, schema in reply.other_media.items()}
    if content:
        out["content"] = content
    if reply.links:
        out["links"] = reply.links
    return out


def _render_params(params: Iterable[Param], shared: Schema) -> list[Schema]:
    """The parameters of an operation; shared ones become references, written into ``shared``."""
    out = []
    for param in params:
        rendered = _refs(param.render())
        if not param.shared:
            out.append(rendered)
            continue
        if shared.setdefault(param.shared, rendered) != rendered:
            raise ValueError(f"two different parameters are named {param.shared}")
        out.append({"$ref": f"#/components/parameters/{param.shared}"})
    return out


def _render(operation: Operation, shared_params: Schema) -> Schema:
    out: Schema = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "tags": [operation.tag],
    }
    if operation.description:
        out["description"] = operation.description
    if operation.params:
        out["parameters"] = _render_params(operation.params, shared_params)
    if operation.body is not None:
        ref = {"$ref": REF.format(model=operation.body.__name__)}
        out["requestBody"] = {
            "required": True,
            "content": {media: {"schema": ref} for media in operation.body_media},
        }
    responses = {
        str(r.status): _render_reply(r, operation.rate_limited) for r in operation.responses
    }
    for status in _problem_statuses(operation):
        responses.setdefault(
            str(status), {"$ref": f"#/components/responses/{_PROBLEM_NAMES[status]}"}
        )
    out["responses"] = dict(sorted(responses.items()))
    out["security"] = _security(operation.access)
    return out


def _problem_responses() -> Schema:
    out: Schema = {}
    for status, name in _PROBLEM_NAMES.items():
        reply: Schema = {
            "description": f"{TITLES[status]}. {_PROBLEM_WHEN[status]}",
            "content": {
                PROBLEM_JSON: {
                    "schema": {"$ref": REF.format(model="ProblemDetails")},
                    "example": {
                        "type": f"/problems/{SLUGS[status]}",
                        "title": TITLES[status],
                        "status": status,
                        "detail": _PROBLEM_WHEN[status],
                        "instance": "/api/v1/engagements",
                        "requestId": "0b1f3c0e6a5d4c2e",
                    },
                }
            },
        }
        if status in _PROBLEM_HEADERS:
            reply["headers"] = _headers(_PROBLEM_HEADERS[status])
        out[name] = reply
    return out


def _read_schema(resource: Resource, full: Schema) -> Schema:
    """A record as a read returns it: every field unless `fields` picked some (the ID always),
    plus the expansions `expand` asked for."""
    type_name = _type_name(resource.kind)
    properties = dict(full["properties"])
    for name in resource.expansions:
        kind = _expansion_kind(name)
        items = record(kind) if kind else {"type": "object"}
        properties[name] = {
            "type": "array",
            "items": items,
            "description": f"With `expand={name}`: the related records.",
        }
    return {
        "type": "object",
        "title": f"{type_name}Read",
        "description": f"{type_name} as a read returns it: every field of {type_name} unless "
        "`fields` names some (`id` is always there), and the embedded records `expand` asks for.",
        "properties": properties,
        "required": ["id"],
        "additionalProperties": False,
    }


# --- descriptions from the GraphQL schema --------------------------------------------------------


def _graphql_schema() -> GraphQLSchema:
    from schema.schema import schema

    graphql_schema: GraphQLSchema = schema._schema
    return graphql_schema


def _describe(schemas: Schema, graphql_names: dict[str, str]) -> None:
    """Give components and their fields the description of the GraphQL type and field of the same
    name (``graphql_names`` maps other component names to their GraphQL type)."""
    types = _graphql_schema().type_map
    for name, schema in schemas.items():
        gql = types.get(graphql_names.get(name, name))
        if gql is None or not isinstance(
            gql, GraphQLObjectType | GraphQLInputObjectType | GraphQLEnumType | GraphQLInterfaceType
        ):
            continue
        if gql.description and "description" not in schema:
            schema["description"] = gql.description
        if isinstance(gql, GraphQLEnumType):
            continue
        for field_name, prop in schema.get("properties", {}).items():
            graphql_field = gql.fields.get(field_name)
            own = prop.get("description") or _lift_description(prop)
            text = " ".join(t for t in (graphql_field and graphql_field.description, own) if t)
            if text:
                prop["description"] = text


def _lift_description(prop: Schema) -> str | None:
    """The description pydantic put on one branch of ``X | None``, moved onto the property."""
    for branch in prop.get("anyOf", ()):
        if "description" in branch:
            return cast(str, branch.pop("description"))
    return None


def _graphql_fields(type_name: str, field: str | None = None) -> dict[str, Any]:
    """The fields of a GraphQL input type, or the arguments of one field of an object type."""
    gql = _graphql_schema().type_map.get(type_name)
    if field is None:
        return dict(gql.fields) if isinstance(gql, GraphQLInputObjectType) else {}
    if isinstance(gql, GraphQLObjectType) and field in gql.fields:
        return dict(gql.fields[field].args)
    return {}


def _described_filter(param: Param, graphql: dict[str, Any]) -> Param:
    """A filter described as the same GraphQL filter field or argument. REST names filters in the
    singular (``kind=CALL,VISIT``) where GraphQL has plurals (``kinds``), in snake_case
    (``as_of``) where GraphQL has camelCase, and ``q`` where GraphQL has ``search``."""
    name = to_camel(param.name)
    candidates = ("search",) if name == "q" else (name, name + "s", name + "es", name[:-1] + "ies")
    found = next((graphql[c].description for c in candidates if c in graphql), None)
    text = found or f"Filter by {param.name}."
    if param.schema.get("type") == "array":
        text += " Comma-separated."
        items = param.schema.get("items")
        if isinstance(items, type) and issubclass(items, StrEnum):
            text += " Case-insensitive."
    return replace(param, description=text)


# --- the document --------------------------------------------------------------------------------


def build_document(
    resources: Sequence[Resource] | None = None,
    sublists: Sequence[SubList] | None = None,
    extra: Sequence[Operation] | None = None,
) -> Schema:
    """The OpenAPI document of these resources, sub-lists and other operations; by default those
    of the application: ``api.rest.routes``' registries and every registered operation."""
    if resources is None or sublists is None or extra is None:
        importlib.import_module("api.app")  # every module that registers operations has done so
        routes = importlib.import_module("api.rest.routes")
        resources = routes.RESOURCES if resources is None else resources
        sublists = getattr(routes, "SUBLISTS", []) if sublists is None else sublists
        extra = registered() if extra is None else extra

    operations: list[Operation] = []
    for resource in resources:
        operations.extend(resource_operations(resource))
    operations.extend(sublist_operation(sublist) for sublist in sublists)
    operations.extend(extra)

    models: dict[str, type[BaseModel]] = {}
    wanted: list[type[BaseModel]] = [*RECORDS.values(), ProblemDetails, PageLinks]
    for model in [*wanted, *_operation_models(operations)]:
        known = models.setdefault(model.__name__, model)
        if known is not model:
            raise ValueError(f"two models are named {model.__name__}: {known} and {model}")
    _, defs = models_json_schema(
        [(model, "validation") for model in models.values()],
        by_alias=True,
        ref_template=REF,
        schema_generator=_Generator,
    )
    schemas: Schema = dict(defs.get("$defs", {}))
    for enum in _operation_enums(operations):
        schemas.setdefault(
            enum.__name__, TypeAdapter(enum).json_schema(schema_generator=_Generator)
        )
    graphql_names: dict[str, str] = {}
    for resource in resources:
        type_name = _type_name(resource.kind)
        schemas[f"{type_name}Read"] = _read_schema(resource, schemas[type_name])
        schemas[f"{type_name}List"] = {
            "title": f"{type_name}List",
            "description": f"A page of {resource.name}.",
            **page_of({"$ref": REF.format(model=f"{type_name}Read")}),
        }
        if resource.create_input:
            graphql_names[resource.create_input.__name__] = f"Create{type_name}Input"
        if resource.update_input:
            graphql_names[resource.update_input.__name__] = f"Update{type_name}Input"
    _describe(schemas, graphql_names)

    paths: Schema = {}
    parameters: Schema = {}
    for operation in operations:
        methods = paths.setdefault(operation.path, {})
        if operation.method in methods:
            raise ValueError(f"{operation.method.upper()} {operation.path} is declared twice")
        methods[operation.method] = _render(operation, parameters)

    graphql_types = _graphql_schema().type_map
    kinds = {r.name: r.kind for r in resources}
    tags = []
    for tag in dict.fromkeys(o.tag for o in operations):
        described = graphql_types.get(_type_name(kinds[tag])) if tag in kinds else None
        text = getattr(described, "description", None)
        tags.append({"name": tag, **({"description": text} if text else {})})

    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "crisisgraph REST API",
            "version": API_VERSION,
            "description": _DESCRIPTION,
        },
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "parameters": dict(sorted(parameters.items())),
            "responses": _problem_responses(),
            "headers": copy.deepcopy(_HEADERS),
            "securitySchemes": {
                BEARER: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "cg_<prefix>_<secret>",
                    "description": "An API key: `Authorization: Bearer cg_...`. Create one with "
                    "`crisisgraph keys create NAME --scope write`.",
                }
            },
        },
    }


def _operation_models(operations: Iterable[Operation]) -> Iterator[type[BaseModel]]:
    for operation in operations:
        if operation.body is not None:
            yield operation.body
        for reply in operation.responses:
            yield from _models_in(reply.body)
            yield from _models_in(reply.other_media)


def _operation_enums(operations: Iterable[Operation]) -> Iterator[type[StrEnum]]:
    for operation in operations:
        for param in operation.params:
            yield from _enums_in(param.schema)


@cache
def document() -> Schema:
    """The document of the running application, built once."""
    return build_document()


def document_json() -> str:
    """The document as committed in openapi.json: indented, keys in a stable order."""
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


async def _serve(_request: Request) -> Response:
    return JSONResponse(document(), headers={"Cache-Control": "no-cache"})


def openapi_route() -> Route:
    """GET /openapi.json."""
    return Route("/openapi.json", _serve, methods=["GET"], name="openapi")
