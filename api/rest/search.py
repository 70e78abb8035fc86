"""/api/v1/search?q=: one search box across names, aliases, titles, statement and claim text, with
the matching GraphQL's ``search`` uses (db.search: case, accents and transliteration folded;
leaders first, then groups, countries, engagements, statements, claims; whole-name hits first in
each type)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.rest.openapi import Operation, Param, Reply, any_record, register
from api.rest.params import Params
from api.rest.problems import Problem, from_data_error
from api.rest.resource import reading
from api.rest.subresources import renamed
from db import errors
from db.search import MAX_HITS, search
from db.serialize import to_dicts

DEFAULT_HITS = 20
SEARCHED_KINDS = ("leader", "group", "country", "engagement", "statement", "claim")


def _limit(params: Params) -> int:
    value = params.text("limit")
    if value is None:
        return DEFAULT_HITS
    if not value.isdigit() or not 1 <= int(value) <= MAX_HITS:
        raise Problem(400, f"'limit' is a whole number from 1 to {MAX_HITS}", param="limit")
    return int(value)


async def search_endpoint(request: Request) -> Response:
    params = Params(request.query_params, ("q", "limit"))
    query = params.text("q")
    if query is None:
        raise Problem(400, "give the words to search for as q", param="q")
    limit = _limit(params)
    async with reading(request) as session:
        try:
            hits = await search(session, query, limit)
        except errors.DataError as exc:
            raise from_data_error(
                renamed(exc, {"query": "q", "first": "limit"}), where="param"
            ) from None
        # One serialisation batch per kind, then back in the order of the hits.
        records: dict[int, dict[str, Any]] = {}
        for kind in dict.fromkeys(h.kind for h in hits):
            indexes = [i for i, h in enumerate(hits) if h.kind == kind]
            rendered = await to_dicts(session, kind, [hits[i].record for i in indexes])
            records.update(zip(indexes, rendered, strict=True))
    data = [
        {
            "type": hit.kind.upper(),
            "id": records[i]["id"],
            "label": hit.label,
            "exact": hit.exact,
            "record": records[i],
        }
        for i, hit in enumerate(hits)
    ]
    return JSONResponse({"data": data})


ROUTES = [Route("/search", search_endpoint, methods=["GET", "HEAD"])]

register(
    Operation(
        "get",
        "/api/v1/search",
        "search",
        "Search names, titles and text",
        "search",
        "One search box across leaders, groups, countries, engagements, statements and claims, "
        "matched regardless of case, accents and transliteration: leaders first, then groups, "
        "countries, engagements, statements, claims; whole-name hits first in each type.",
        params=(
            Param.text(
                "q", "The words to search for (at least two letters or digits).", required=True
            ),
            Param(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_HITS, "default": DEFAULT_HITS},
                f"Hits to return, 1 to {MAX_HITS}.",
            ),
        ),
        responses=(
            Reply(
                200,
                "The hits, best first.",
                {
                    "type": "object",
                    "properties": {
                        "data": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "type": {
                                        "type": "string",
                                        "enum": [k.upper() for k in SEARCHED_KINDS],
                                    },
                                    "id": {"type": "string"},
                                    "label": {"type": "string", "description": "What matched."},
                                    "exact": {
                                        "type": "boolean",
                                        "description": "The whole name matched.",
                                    },
                                    "record": any_record(),
                                },
                                "required": ["type", "id", "label", "exact", "record"],
                                "additionalProperties": False,
                            },
                        }
                    },
                    "required": ["data"],
                    "additionalProperties": False,
                },
            ),
        ),
        problems=(400, 429),
    )
)
