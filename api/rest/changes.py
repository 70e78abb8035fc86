"""/api/v1/changes: every create, update and delete since a time, in order, for mirrors.

``GET /changes?since=<ISO 8601>`` starts from a time (or, without it, from the very first
change); ``cursor=`` continues from where a previous answer left off; ``limit=`` (default 100, at
most 1000) sizes the page; ``types=engagement,participant`` keeps only those record types;
``with_total=true`` adds how many changes the feed from ``since`` holds in all.

Each entry is ``{"seq", "op": "create|update|delete", "type", "id", "at", "record"}``: for creates
and updates, ``record`` is the record's *current* canonical form (the same JSON the record's REST
and GraphQL reads give), or null when it has been deleted since (its delete entry follows); a
delete's ``record`` is always null.

Every answer carries ``cursor``, the position after its last entry (or the one it was given when
nothing came). While more changes are waiting, ``hasMore`` is true and ``links.next`` (and a
``Link: <...>; rel="next"`` header) fetches them; once caught up, ``links.poll`` is the URL to call
again later, so a mirror keeps polling with it. Changes younger than the settle window
(CRISISGRAPH_CHANGE_FEED_SETTLE_SECONDS) are held back: see db.feed for why.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from api.rest.openapi import Operation, Param, Reply, any_record, register
from api.rest.params import Params
from api.rest.problems import Problem, from_data_error
from api.rest.resource import reading
from db import errors
from db.feed import (
    KINDS,
    FeedPosition,
    count_changes,
    decode_cursor,
    encode_cursor,
    read_changes,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
ACCEPTED = ("since", "cursor", "limit", "types", "with_total")


def _limit(params: Params) -> int:
    value = params.text("limit")
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise Problem(400, f"'limit' is a whole number from 1 to {MAX_LIMIT}", param="limit")
    return int(value)


def _types(params: Params) -> tuple[str, ...]:
    types = params.items("types", limit=len(KINDS))
    for kind in types:
        if kind not in KINDS:
            raise Problem(
                400,
                f"{kind!r} is not a record type; use some of: {', '.join(KINDS)}",
                param="types",
            )
    return types


def _position(params: Params) -> FeedPosition:
    since = params.timestamp("since")
    cursor = params.text("cursor")
    if cursor is not None:
        if since is not None:
            raise Problem(
                400, "give since or cursor, not both: the cursor knows where it is", param="cursor"
            )
        try:
            return decode_cursor(cursor)
        except errors.DataError as exc:
            raise from_data_error(exc, where="param") from None
    return FeedPosition(0, since)


async def changes(request: Request) -> Response:
    params = Params(request.query_params, ACCEPTED)
    position = _position(params)
    limit = _limit(params)
    types = _types(params)
    with_total = params.flag("with_total")
    settle = request.app.state.settings.change_feed_settle_seconds
    async with reading(request) as session:
        page = await read_changes(
            session, position, limit=limit, types=types, settle_seconds=settle
        )
        total = (
            await count_changes(session, position.since, types=types, settle_seconds=settle)
            if with_total
            else None
        )
    cursor = encode_cursor(page.position)
    kept = {k: v for k, v in request.query_params.items() if k not in ("since", "cursor")}
    url = f"{request.url.path}?{urlencode({**kept, 'cursor': cursor})}"
    body: dict[str, Any] = {
        "data": page.entries,
        "cursor": cursor,
        "hasMore": page.has_more,
        "links": {"next": url} if page.has_more else {"poll": url},
    }
    if total is not None:
        body["total"] = total
    headers = {"Link": f'<{url}>; rel="next"'} if page.has_more else {}
    return JSONResponse(body, headers=headers)


ROUTES: list[BaseRoute] = [Route("/changes", changes, methods=["GET", "HEAD"])]

_CHANGE = {
    "type": "object",
    "properties": {
        "seq": {"type": "integer", "description": "The change's place in the feed."},
        "op": {"type": "string", "enum": ["create", "update", "delete"]},
        "type": {"type": "string", "enum": list(KINDS)},
        "id": {"type": "string", "description": "The public ID of the record changed."},
        "at": {"type": "string", "format": "date-time"},
        "record": {
            "anyOf": [any_record(), {"type": "null"}],
            "description": "The record as it is now; null for a delete, or when it has been "
            "deleted since.",
        },
    },
    "required": ["seq", "op", "type", "id", "at", "record"],
    "additionalProperties": False,
}
register(
    Operation(
        "get",
        "/api/v1/changes",
        "listChanges",
        "Every create, update and delete since a time",
        "changes",
        "For mirrors: follow `links.next` while `hasMore`; once caught up, poll `links.poll`.",
        params=(
            Param.timestamp("since", "Start from this time; from the first change without it."),
            Param.text(
                "cursor", "Continue after the answer that gave this `cursor`. Not with `since`."
            ),
            Param(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                f"Changes per answer, 1 to {MAX_LIMIT}.",
            ),
            Param.items(
                "types",
                {"type": "string", "enum": list(KINDS)},
                "Only these record types.",
                limit=len(KINDS),
            ),
            Param.flag("with_total", "Add `total`: how many changes the feed from `since` holds."),
        ),
        responses=(
            Reply(
                200,
                "The next changes, oldest first.",
                {
                    "type": "object",
                    "properties": {
                        "data": {"type": "array", "items": _CHANGE},
                        "cursor": {"type": "string", "description": "The position after `data`."},
                        "hasMore": {"type": "boolean"},
                        "links": {
                            "type": "object",
                            "properties": {
                                "next": {"type": "string", "format": "uri-reference"},
                                "poll": {"type": "string", "format": "uri-reference"},
                            },
                            "additionalProperties": False,
                        },
                        "total": {"type": "integer", "minimum": 0},
                    },
                    "required": ["data", "cursor", "hasMore", "links"],
                    "additionalProperties": False,
                },
                headers=("Link",),
            ),
        ),
        problems=(400, 429),
    )
)
