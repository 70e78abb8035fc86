"""/api/v1/engagements through the real app, on the seed (12 engagements): every list feature
(filters, sort, fields, expand, cursor and `before` paging with Link headers, totals), get by ID
with ETags, writes with API keys and If-Match, CSV and NDJSON, and every error as an exact
RFC 9457 problem document.

Expected bodies are built from db/seed_data.py, not from the serialiser under test; only the
record timestamps are read back from the database (they are set when the seed loads).

Some tests pin behaviour that was once a bug (weak If-Match tags refused, unknown fields refused on
empty lists, ``before`` refused on exports, forged enum cursors refused)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pycountry
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import SQLModel, col

from api.app import create_app
from api.rest.engagements import RESOURCE
from db import seed_data
from db.ids import seed_id
from db.keys import create_key
from db.models import Citation, Engagement, Participant
from db.paging import encode_cursor
from db.seed import source_text
from db.settings import Settings

pytestmark = pytest.mark.anyio

API = "/api/v1/engagements"
SEED = {item["key"]: item for item in seed_data.ENGAGEMENTS}
E = {key: seed_id("engagement", key) for key in SEED}
LEADERS = {item["key"]: item for item in seed_data.LEADERS}
GROUPS = {item["key"]: item for item in seed_data.GROUPS}
SOURCE = seed_id("source", seed_data.SOURCE["key"])
ZELENSKY = seed_id("leader", "zelensky")
PUTIN = seed_id("leader", "putin")
PESKOV = seed_id("leader", "peskov")
NATO = seed_id("group", "nato")
NORMANDY = seed_id("group", "normandy")
SEPARATISTS = seed_id("group", "donbas-separatists")
ID_PATTERN = re.compile(r"engagement_[0-9a-hjkmnp-tv-z]{26}")
ETAG_PATTERN = re.compile(r'"[0-9a-f]{24}"')
CURSOR_PATTERN = re.compile(r"[A-Za-z0-9_-]+")

# --- orders of the 12 seed engagements (by seed key) ----------------------------------------------
# Seed engagements are inserted in seed_data order, so their internal keys (the tie-breaker of
# every sort, in the direction of its last field) follow that order.

DEFAULT_ORDER = [  # -start_date (the default), ties newest key first
    "biden-zelensky-call",  # 2021-12-08
    "biden-putin-meeting",  # 2021-12-07
    "us-official-briefing",  # 2021-12-06 ...
    "peskov-remarks",
    "zelensky-donbas-visit",
    "blinken-zelensky-call",
    "elysee-statement",
    "g5-videoconference",
    "putin-security-demand",  # 2021-12-01
    "us-mediation-offer",  # 2021-11-29 .. 2021-12-05 (WEEK)
    "us-troop-warning",  # 2021-11-01 .. 2021-11-30 (MONTH)
    "ukraine-government-ousting-2014",  # 2014-02-01 .. 2014-02-28 (MONTH)
]
START_ASC_ORDER = [
    "ukraine-government-ousting-2014",
    "us-troop-warning",
    "us-mediation-offer",
    "putin-security-demand",
    "g5-videoconference",
    "elysee-statement",
    "blinken-zelensky-call",
    "zelensky-donbas-visit",
    "peskov-remarks",
    "us-official-briefing",
    "biden-putin-meeting",
    "biden-zelensky-call",
]
TITLE_ORDER = [
    "biden-putin-meeting",  # Biden–Putin virtual bilateral meeting
    "biden-zelensky-call",  # Biden–Zelensky conversation after the Putin meeting
    "blinken-zelensky-call",  # Blinken–Zelensky telephone call
    "elysee-statement",  # French Presidency statement ...
    "peskov-remarks",  # Kremlin spokesman Peskov ...
    "ukraine-government-ousting-2014",  # Ousting of the Ukrainian government ...
    "putin-security-demand",  # Putin demands security assurances ...
    "us-mediation-offer",  # US offers to mediate ...
    "us-official-briefing",  # US official briefs reporters ...
    "us-troop-warning",  # US officials warn ...
    "g5-videoconference",  # Videoconference of the leaders ...
    "zelensky-donbas-visit",  # Zelensky visits front-line trenches ...
]
KIND_ORDER = [  # sort=kind: ties oldest key first
    "blinken-zelensky-call",  # CALL
    "biden-zelensky-call",  # CALL
    "putin-security-demand",  # DEMAND
    "us-mediation-offer",  # MEDIATION_OFFER
    "g5-videoconference",  # MEETING
    "biden-putin-meeting",  # MEETING
    "ukraine-government-ousting-2014",  # OTHER
    "us-official-briefing",  # PRESS_BRIEFING
    "elysee-statement",  # STATEMENT
    "peskov-remarks",  # STATEMENT
    "zelensky-donbas-visit",  # VISIT
    "us-troop-warning",  # WARNING
]
KIND_THEN_LATEST_ORDER = [  # sort=kind,-start_date: ties newest key first
    "biden-zelensky-call",  # CALL 2021-12-08
    "blinken-zelensky-call",  # CALL 2021-12-06
    "putin-security-demand",
    "us-mediation-offer",
    "biden-putin-meeting",  # MEETING 2021-12-07
    "g5-videoconference",  # MEETING 2021-12-06
    "ukraine-government-ousting-2014",
    "us-official-briefing",
    "peskov-remarks",  # STATEMENT 2021-12-06, newer key
    "elysee-statement",  # STATEMENT 2021-12-06
    "zelensky-donbas-visit",
    "us-troop-warning",
]
STATUS_DESC_ORDER = [  # sort=-status: SCHEDULED first, ties newest key first
    "biden-zelensky-call",
    "biden-putin-meeting",
    "ukraine-government-ousting-2014",
    "us-troop-warning",
    "us-mediation-offer",
    "us-official-briefing",
    "putin-security-demand",
    "peskov-remarks",
    "zelensky-donbas-visit",
    "blinken-zelensky-call",
    "elysee-statement",
    "g5-videoconference",
]
STATUS_TITLE_ORDER = [  # sort=status,title: HELD by title, then SCHEDULED by title
    "blinken-zelensky-call",
    "elysee-statement",
    "peskov-remarks",
    "ukraine-government-ousting-2014",
    "putin-security-demand",
    "us-mediation-offer",
    "us-official-briefing",
    "us-troop-warning",
    "g5-videoconference",
    "zelensky-donbas-visit",
    "biden-putin-meeting",
    "biden-zelensky-call",
]
NOT_UKRAINE = "putin-security-demand"  # the one engagement Ukraine has no part in


def keys_in(order: list[str], *keys: str) -> list[str]:
    return [k for k in order if k in keys]


def ids(keys: list[str]) -> list[str]:
    return [E[k] for k in keys]


# --- expected documents --------------------------------------------------------------------------


def _iso(value: datetime) -> str:
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()


async def stamps(connection: AsyncConnection, model: type[SQLModel]) -> dict[str, tuple[str, str]]:
    """createdAt and updatedAt of every row of a table, by public ID, as ISO 8601 in UTC."""
    rows = await connection.execute(
        select(col(model.public_id), col(model.created_at), col(model.updated_at))  # type: ignore[attr-defined]
    )
    return {pid: (_iso(created), _iso(updated)) for pid, created, updated in rows}


def engagement_body(key: str, stamp: tuple[str, str]) -> dict[str, Any]:
    """The canonical JSON form of a seed engagement."""
    item = SEED[key]
    country = item.get("location_country")
    return {
        "id": E[key],
        "kind": item["kind"],
        "mode": item.get("mode"),
        "status": item.get("status", "HELD"),
        "title": item["title"],
        "summary": item.get("summary"),
        "startDate": item["start"],
        "endDate": item.get("end"),
        "datePrecision": item.get("precision", "DAY"),
        "location": {
            "country": f"country_{country}" if country else None,
            "place": item.get("location_place"),
            "latitude": None,
            "longitude": None,
        },
        "cameoCode": None,
        "externalId": None,
        "attributes": None,
        "createdAt": stamp[0],
        "updatedAt": stamp[1],
    }


def actor_id(ref: str) -> str:
    kind, _, key = ref.partition(":")
    return f"country_{key}" if kind == "country" else seed_id(kind, key)


def participants_of(key: str, stamp: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    out = []
    for index, (ref, role) in enumerate(SEED[key]["participants"]):
        pid = seed_id("participant", f"{key}:{index}")
        out.append(
            {
                "id": pid,
                "engagement": E[key],
                "actor": actor_id(ref),
                "role": role,
                "createdAt": stamp[pid][0],
                "updatedAt": stamp[pid][1],
            }
        )
    return out


def citations_of(key: str, stamp: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    text = source_text()
    out = []
    for index, excerpt in enumerate(SEED[key]["cite"]):
        words, occurrence = (excerpt, 0) if isinstance(excerpt, str) else excerpt
        start = -1
        for _ in range(occurrence + 1):
            start = text.index(words, start + 1)
        pid = seed_id("citation", f"engagement:{key}:{index}")
        out.append(
            {
                "id": pid,
                "source": SOURCE,
                "target": E[key],
                "excerpt": words,
                "start": start,
                "end": start + len(words),
                "createdAt": stamp[pid][0],
                "updatedAt": stamp[pid][1],
            }
        )
    return out


def _actor_columns(prefix: str, ref: str | None) -> dict[str, str]:
    if ref is None:
        return {f"{prefix}_{c}": "" for c in ("id", "type", "name", "country")}
    kind, _, key = ref.partition(":")
    if kind == "leader":
        name, country = LEADERS[key]["name"], LEADERS[key]["country"]
    elif kind == "country":
        name, country = pycountry.countries.get(alpha_2=key).name, key
    else:
        name, country = GROUPS[key]["name"], ""
    return {
        f"{prefix}_id": actor_id(ref),
        f"{prefix}_type": kind,
        f"{prefix}_name": name,
        f"{prefix}_country": country,
    }


def dyadic_row(key: str, updated_at: str) -> dict[str, str]:
    """The flat dyadic CSV row of a seed engagement, as csv.DictReader reads it: the first
    INITIATOR and the first RECIPIENT (or, without either, the first two participants)."""
    item = SEED[key]
    people = item["participants"]
    initiator = next((ref for ref, role in people if role == "INITIATOR"), None)
    recipient = next((ref for ref, role in people if role == "RECIPIENT"), None)
    if initiator is None and recipient is None and people:
        initiator = people[0][0]
        recipient = people[1][0] if len(people) > 1 else None
    named = sum(1 for ref in (initiator, recipient) if ref is not None)
    return {
        "id": E[key],
        "kind": item["kind"],
        "mode": item.get("mode") or "",
        "status": item.get("status", "HELD"),
        "title": item["title"],
        "start_date": item["start"],
        "end_date": item.get("end") or "",
        "date_precision": item.get("precision", "DAY"),
        **_actor_columns("initiator", initiator),
        **_actor_columns("recipient", recipient),
        "other_participants": str(len(people) - named),
        "location_country": item.get("location_country") or "",
        "location_place": item.get("location_place") or "",
        "latitude": "",
        "longitude": "",
        "cameo_code": "",
        "external_id": "",
        "summary": item.get("summary") or "",
        "updated_at": updated_at,
    }


CSV_COLUMNS = [
    "id",
    "kind",
    "mode",
    "status",
    "title",
    "start_date",
    "end_date",
    "date_precision",
    "initiator_id",
    "initiator_type",
    "initiator_name",
    "initiator_country",
    "recipient_id",
    "recipient_type",
    "recipient_name",
    "recipient_country",
    "other_participants",
    "location_country",
    "location_place",
    "latitude",
    "longitude",
    "cameo_code",
    "external_id",
    "summary",
    "updated_at",
]

PROBLEM_KINDS = {  # status → (type, title)
    400: ("/problems/bad-request", "Bad request"),
    401: ("/problems/unauthenticated", "Authentication required"),
    403: ("/problems/forbidden", "Forbidden"),
    404: ("/problems/not-found", "Not found"),
    406: ("/problems/not-acceptable", "Not acceptable"),
    409: ("/problems/duplicate", "Conflict"),
    412: ("/problems/precondition-failed", "Precondition failed"),
    413: ("/problems/content-too-large", "Content too large"),
    415: ("/problems/unsupported-media-type", "Unsupported media type"),
    422: ("/problems/invalid", "Unprocessable content"),
    428: ("/problems/precondition-required", "Precondition required"),
}


def assert_problem(response: httpx.Response, status: int, detail: str, **extra: Any) -> None:
    """The response is exactly this RFC 9457 problem document."""
    kind, title = PROBLEM_KINDS[status]
    assert (response.status_code, response.headers["content-type"]) == (
        status,
        "application/problem+json",
    ), response.text
    assert response.json() == {
        "type": kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": response.request.url.path,
        "requestId": response.headers.get("x-request-id", "-"),
        **extra,
    }


def assert_problem_members(response: httpx.Response, status: int, **members: Any) -> None:
    """The response is a problem document of this status with these members (None: absent);
    for the bug tests, whose fixes may word the detail as they like."""
    kind, title = PROBLEM_KINDS[status]
    assert (response.status_code, response.headers["content-type"]) == (
        status,
        "application/problem+json",
    ), response.text
    body = response.json()
    expected = {"type": kind, "title": title, "status": status, **members}
    assert {k: body.get(k) for k in expected} == expected


def link_header(links: dict[str, str]) -> str:
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())


# RFC 8288: Link = #link-value; link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
LINK_VALUE = re.compile(r'<(?P<url>[^<>\s]+)>\s*;\s*rel="(?P<rel>[a-z]+)"')


def parse_link_header(value: str) -> dict[str, str]:
    parts = [p.strip() for p in value.split(", <")]
    out = {}
    for i, part in enumerate(parts):
        match = LINK_VALUE.fullmatch(part if i == 0 else "<" + part)
        assert match, f"not an RFC 8288 link-value: {part!r}"
        out[match["rel"]] = match["url"]
    return out


def query_of(url: str) -> dict[str, str]:
    parsed = urlsplit(url)
    assert parsed.path == API
    return {k: v[0] for k, v in parse_qs(parsed.query, keep_blank_values=True).items()}


# --- fixtures ------------------------------------------------------------------------------------


async def _key(connection: AsyncConnection, name: str, scopes: str) -> str:
    session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint")
    _, secret = await create_key(session, name, scopes)
    await session.commit()
    return secret


@pytest.fixture
async def write_key(connection: AsyncConnection) -> str:
    return await _key(connection, "test-write", "write")


@pytest.fixture
async def read_key(connection: AsyncConnection) -> str:
    return await _key(connection, "test-read", "read")


@pytest.fixture
async def bodies(connection: AsyncConnection) -> dict[str, dict[str, Any]]:
    """The canonical form of every seed engagement, by seed key."""
    stamp = await stamps(connection, Engagement)
    return {key: engagement_body(key, stamp[E[key]]) for key in SEED}


@pytest.fixture
async def small_client(
    connection: AsyncConnection, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """Like `client`, with the smallest body limit the settings allow (1024 bytes)."""

    def sessions() -> AsyncSession:
        return AsyncSession(
            bind=connection,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )

    app = create_app(settings.model_copy(update={"max_body_bytes": 1024}), sessions=sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def auth(key: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **headers}


async def etag_of(client: httpx.AsyncClient, public_id: str) -> str:
    response = await client.get(f"{API}/{public_id}")
    assert response.status_code == 200, response.text
    return response.headers["etag"]


async def list_ids(client: httpx.AsyncClient, query: str) -> list[str]:
    response = await client.get(f"{API}?{query}")
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


# --- the list ------------------------------------------------------------------------------------


async def test_list_default_page_is_every_seed_engagement_latest_first(
    client: httpx.AsyncClient, bodies: dict[str, dict[str, Any]]
) -> None:
    # when
    response = await client.get(API)
    # then
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "link" not in response.headers
    assert response.json() == {"data": [bodies[k] for k in DEFAULT_ORDER], "links": {}}


async def test_list_limit_gives_a_page_and_a_next_link(
    client: httpx.AsyncClient, bodies: dict[str, dict[str, Any]]
) -> None:
    # when
    response = await client.get(f"{API}?limit=3")
    # then
    body = response.json()
    assert response.status_code == 200
    assert body["data"] == [bodies[k] for k in DEFAULT_ORDER[:3]]
    assert list(body["links"]) == ["next"]
    next_query = query_of(body["links"]["next"])
    assert list(next_query) == ["limit", "cursor"]
    assert next_query["limit"] == "3"
    assert CURSOR_PATTERN.fullmatch(next_query["cursor"])
    assert response.headers["link"] == f'<{body["links"]["next"]}>; rel="next"'
    assert parse_link_header(response.headers["link"]) == body["links"]


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        # from / to: an engagement covers start_date..end_date and matches when that overlaps
        ("from=2021-12-07", ["biden-zelensky-call", "biden-putin-meeting"]),
        ("from=2021-12-10", ["biden-zelensky-call"]),  # the WEEK 8-14 December
        (
            "to=2021-11-30",
            ["us-mediation-offer", "us-troop-warning", "ukraine-government-ousting-2014"],
        ),
        (
            "from=2021-12-06&to=2021-12-06",
            keys_in(DEFAULT_ORDER, *[k for k, v in SEED.items() if v["start"] == "2021-12-06"]),
        ),
        # MONTH precision: November 2021 is stored as 1-30 November, so it is inside 15-28 November
        ("from=2021-11-15&to=2021-11-28", ["us-troop-warning"]),
        ("from=2021-11-15&to=2021-11-30", ["us-mediation-offer", "us-troop-warning"]),
        ("from=2021-11-30&to=2021-11-30", ["us-mediation-offer", "us-troop-warning"]),
        ("from=2021-12-02&to=2021-12-05", ["us-mediation-offer"]),  # WEEK 29 Nov - 5 Dec
        ("from=2014-02-15&to=2014-02-15", ["ukraine-government-ousting-2014"]),  # MONTH Feb 2014
        ("from=2014-03-01&to=2021-10-31", []),
        ("from=2021-12-15", []),
        # kind, mode, status: any case, several values
        ("kind=CALL", ["biden-zelensky-call", "blinken-zelensky-call"]),
        (
            "kind=meeting,Call",
            [
                "biden-zelensky-call",
                "biden-putin-meeting",
                "blinken-zelensky-call",
                "g5-videoconference",
            ],
        ),
        ("kind=ATTACK", []),
        ("mode=virtual", ["biden-putin-meeting", "g5-videoconference"]),
        ("mode=PHONE,written", ["blinken-zelensky-call", "elysee-statement"]),
        ("status=SCHEDULED", ["biden-zelensky-call", "biden-putin-meeting"]),
        ("status=held,scheduled", DEFAULT_ORDER),
        # country: a participant country, a participant leader's country or the location
        ("country=FR", ["elysee-statement", "g5-videoconference"]),
        ("country=FRA", ["elysee-statement", "g5-videoconference"]),
        ("country=fr", ["elysee-statement", "g5-videoconference"]),
        ("country=fRa", ["elysee-statement", "g5-videoconference"]),
        ("country=DE", ["g5-videoconference"]),  # Merkel, not Germany itself
        ("country=gb,ITA", ["g5-videoconference"]),
        ("country=UA", [k for k in DEFAULT_ORDER if k != NOT_UKRAINE]),
        ("country=ukr", [k for k in DEFAULT_ORDER if k != NOT_UKRAINE]),
        ("country=CN", []),
        # leader and group: public IDs, several values
        (
            f"leader={ZELENSKY}",
            ["biden-zelensky-call", "zelensky-donbas-visit", "blinken-zelensky-call"],
        ),
        (
            f"leader={PUTIN},{PESKOV}",
            ["biden-putin-meeting", "peskov-remarks", "putin-security-demand"],
        ),
        (f"group={NATO}", ["biden-putin-meeting", "peskov-remarks", "putin-security-demand"]),
        (f"group={NORMANDY}", ["elysee-statement"]),
        (f"group={SEPARATISTS},{NORMANDY}", ["elysee-statement", "us-mediation-offer"]),
        # q: title, summary and place, folded (case, accents, transliteration)
        ("q=Kyiv", ["us-mediation-offer"]),
        ("q=Kiev", ["us-mediation-offer"]),
        ("q=KIEV", ["us-mediation-offer"]),
        ("q=Zelenski", ["biden-zelensky-call", "zelensky-donbas-visit", "blinken-zelensky-call"]),
        ("q=elysee", ["elysee-statement"]),  # Élysée
        ("q=front-line%20trenches", ["zelensky-donbas-visit"]),
        ("q=94,000", ["us-troop-warning"]),  # punctuation folds away: "94 000"
        ("q=10%25_", []),  # LIKE wildcards are matched literally
        ("q=no-such-words", []),
        # filters combine with AND
        (f"kind=CALL&leader={ZELENSKY}", ["biden-zelensky-call", "blinken-zelensky-call"]),
        ("country=US&status=SCHEDULED&mode=VIRTUAL", ["biden-putin-meeting"]),
        (
            "country=RU&from=2021-12-01&to=2021-12-05",
            ["putin-security-demand", "us-mediation-offer"],
        ),
        ("q=Putin&kind=STATEMENT", ["peskov-remarks"]),
    ],
)
async def test_list_filters(client: httpx.AsyncClient, query: str, keys: list[str]) -> None:
    # when
    response = await client.get(f"{API}?{query}&with_total=true")
    # then
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["id"] for item in body["data"]] == ids(keys)
    assert body["total"] == len(keys)
    assert body["links"] == {}


@pytest.mark.parametrize(
    ("sort", "keys"),
    [
        ("-start_date", DEFAULT_ORDER),
        ("start_date", START_ASC_ORDER),
        ("%2Bstart_date", START_ASC_ORDER),  # "+start_date"
        ("title", TITLE_ORDER),
        ("-title", TITLE_ORDER[::-1]),
        ("kind", KIND_ORDER),
        ("kind,-start_date", KIND_THEN_LATEST_ORDER),
        ("-status", STATUS_DESC_ORDER),
        ("status,title", STATUS_TITLE_ORDER),
        ("status,-title", STATUS_TITLE_ORDER[9::-1] + STATUS_TITLE_ORDER[:9:-1]),
    ],
)
async def test_list_sort(client: httpx.AsyncClient, sort: str, keys: list[str]) -> None:
    assert await list_ids(client, f"sort={sort}") == ids(keys)


async def test_list_fields_keeps_the_id_and_the_named_fields(client: httpx.AsyncClient) -> None:
    # when
    response = await client.get(f"{API}?fields=title,startDate,location&limit=2")
    # then
    assert response.status_code == 200
    assert response.json()["data"] == [
        {
            "id": E["biden-zelensky-call"],
            "title": "Biden–Zelensky conversation after the Putin meeting",
            "startDate": "2021-12-08",
            "location": {"country": None, "place": None, "latitude": None, "longitude": None},
        },
        {
            "id": E["biden-putin-meeting"],
            "title": "Biden–Putin virtual bilateral meeting",
            "startDate": "2021-12-07",
            "location": {"country": None, "place": None, "latitude": None, "longitude": None},
        },
    ]
    # the next page keeps the fields
    assert query_of(response.json()["links"]["next"])["fields"] == "title,startDate,location"


async def test_list_expand_embeds_participants_and_citations(
    client: httpx.AsyncClient, connection: AsyncConnection, bodies: dict[str, dict[str, Any]]
) -> None:
    # given
    parts = await stamps(connection, Participant)
    cites = await stamps(connection, Citation)
    # when
    response = await client.get(f"{API}?expand=participants,citations&limit=3")
    # then
    assert response.status_code == 200
    assert response.json()["data"] == [
        bodies[k] | {"participants": participants_of(k, parts), "citations": citations_of(k, cites)}
        for k in DEFAULT_ORDER[:3]
    ]


async def test_list_expand_with_fields_keeps_only_what_is_named(
    client: httpx.AsyncClient, connection: AsyncConnection
) -> None:
    parts = await stamps(connection, Participant)
    response = await client.get(f"{API}?expand=participants&fields=participants&kind=DEMAND")
    assert response.status_code == 200
    assert response.json()["data"] == [
        {
            "id": E["putin-security-demand"],
            "participants": participants_of("putin-security-demand", parts),
        }
    ]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "sort=title",
        "sort=-title",
        "sort=kind",
        "sort=kind,-start_date",
        "sort=-status",
        "sort=status,-title",
        "sort=start_date",
    ],
)
@pytest.mark.parametrize("limit", [1, 2, 5, 11, 12])
async def test_cursor_paging_returns_each_record_once(
    client: httpx.AsyncClient, query: str, limit: int
) -> None:
    # given the whole list in one page
    everything = await list_ids(client, query)
    assert len(everything) == 12
    # when following the next links
    seen: list[str] = []
    pages = 0
    url: str | None = f"{API}?{query}&limit={limit}".replace("?&", "?")
    while url is not None:
        response = await client.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        assert len(body["data"]) == min(limit, 12 - len(seen))
        seen += [item["id"] for item in body["data"]]
        if body["links"]:
            assert parse_link_header(response.headers["link"]) == body["links"]
        else:
            assert "link" not in response.headers
        assert set(body["links"]) == ({"prev"} if pages > 1 else set()) | (
            {"next"} if len(seen) < 12 else set()
        )
        url = body["links"].get("next")
    # then every record came exactly once, in order
    assert seen == everything
    assert pages == -(-12 // limit)


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("country=UA", [k for k in DEFAULT_ORDER if k != NOT_UKRAINE]),
        ("country=UA&sort=-title", [k for k in TITLE_ORDER[::-1] if k != NOT_UKRAINE]),
        (
            "kind=CALL,MEETING,STATEMENT&sort=-start_date,title",
            [
                "biden-zelensky-call",
                "biden-putin-meeting",
                "blinken-zelensky-call",  # 2021-12-06 by title: B, F, K, V
                "elysee-statement",
                "peskov-remarks",
                "g5-videoconference",
            ],
        ),
        (
            "from=2021-12-01&sort=start_date,-title",
            [
                "us-mediation-offer",
                "putin-security-demand",
                *[k for k in TITLE_ORDER[::-1] if SEED[k]["start"] == "2021-12-06"],
                "biden-putin-meeting",
                "biden-zelensky-call",
            ],
        ),
        (
            "status=HELD&sort=kind",
            [k for k in KIND_ORDER if SEED[k].get("status", "HELD") == "HELD"],
        ),
        (
            "from=2021-12-01&sort=kind,-start_date",
            [
                k
                for k in KIND_THEN_LATEST_ORDER
                if max(SEED[k]["start"], SEED[k].get("end") or "") >= "2021-12-01"
            ],
        ),
        (
            "q=Putin&sort=status,title",
            keys_in(
                STATUS_TITLE_ORDER,
                "biden-putin-meeting",
                "peskov-remarks",
                "putin-security-demand",
                "us-official-briefing",
                "g5-videoconference",
                "biden-zelensky-call",
            ),
        ),
    ],
)
async def test_cursor_paging_with_filters_and_sorts(
    client: httpx.AsyncClient, query: str, keys: list[str]
) -> None:
    seen: list[str] = []
    url: str | None = f"{API}?{query}&limit=2"
    while url is not None:
        response = await client.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["id"] for item in body["data"]]
        url = body["links"].get("next")
    assert seen == ids(keys)


async def test_before_pages_backward_to_the_first_page(client: httpx.AsyncClient) -> None:
    # given the pages going forward
    forward: list[dict[str, Any]] = []
    url: str | None = f"{API}?limit=5&sort=title&fields=title"
    while url is not None:
        forward.append((await client.get(url)).json())
        url = forward[-1]["links"].get("next")
    assert [[item["id"] for item in page["data"]] for page in forward] == [
        ids(TITLE_ORDER[:5]),
        ids(TITLE_ORDER[5:10]),
        ids(TITLE_ORDER[10:]),
    ]
    # when going back from the last page with its prev links
    first_prev = forward[2]["links"]["prev"]
    prev_query = query_of(first_prev)
    assert list(prev_query) == ["limit", "sort", "fields", "before"]
    assert CURSOR_PATTERN.fullmatch(prev_query["before"])
    back_1 = await client.get(first_prev)
    back_2 = await client.get(back_1.json()["links"]["prev"])
    # then the same pages come back
    assert back_1.json()["data"] == forward[1]["data"]
    assert back_2.json()["data"] == forward[0]["data"]
    # the middle page links both ways; the first has no prev link
    assert list(back_1.json()["links"]) == ["next", "prev"]
    assert list(back_2.json()["links"]) == ["next"]
    assert back_1.headers["link"] == link_header(back_1.json()["links"])
    assert back_2.headers["link"] == link_header(back_2.json()["links"])
    # and the next link of a page reached backwards goes forward again
    again = await client.get(back_2.json()["links"]["next"])
    assert again.json()["data"] == forward[1]["data"]


async def test_before_with_a_partial_first_page(client: httpx.AsyncClient) -> None:
    # given the cursor of the 3rd record
    page = (await client.get(f"{API}?limit=3")).json()
    before = query_of(page["links"]["next"])["cursor"]
    # when asking for up to 5 records before it
    response = await client.get(f"{API}?limit=5&before={before}")
    # then the 2 records before it, without a prev link
    assert [item["id"] for item in response.json()["data"]] == ids(DEFAULT_ORDER[:2])
    assert list(response.json()["links"]) == ["next"]
    assert query_of(response.json()["links"]["next"]) == {
        "limit": "5",
        "cursor": query_of(response.json()["links"]["next"])["cursor"],
    }


async def test_link_header_with_next_and_prev(client: httpx.AsyncClient) -> None:
    # given
    first = (await client.get(f"{API}?limit=3&kind=CALL,MEETING,STATEMENT,VISIT")).json()
    # when
    response = await client.get(first["links"]["next"])
    # then
    body = response.json()
    next_q, prev_q = query_of(body["links"]["next"]), query_of(body["links"]["prev"])
    assert list(next_q) == ["limit", "kind", "cursor"]
    assert list(prev_q) == ["limit", "kind", "before"]
    assert next_q["kind"] == prev_q["kind"] == "CALL,MEETING,STATEMENT,VISIT"
    assert (
        body["links"]["next"]
        == f"{API}?limit=3&kind=CALL%2CMEETING%2CSTATEMENT%2CVISIT&cursor={next_q['cursor']}"
    )
    assert (
        body["links"]["prev"]
        == f"{API}?limit=3&kind=CALL%2CMEETING%2CSTATEMENT%2CVISIT&before={prev_q['before']}"
    )
    assert response.headers["link"] == (
        f'<{body["links"]["next"]}>; rel="next", <{body["links"]["prev"]}>; rel="prev"'
    )
    assert parse_link_header(response.headers["link"]) == body["links"]


async def test_with_total_counts_the_whole_filtered_list(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}?limit=2&with_total=true&country=UA")
    body = response.json()
    assert body["total"] == 11
    assert len(body["data"]) == 2
    assert query_of(body["links"]["next"])["with_total"] == "true"
    # absent unless asked for
    assert "total" not in (await client.get(f"{API}?limit=2&with_total=false")).json()
    assert "total" not in (await client.get(f"{API}?limit=2")).json()


# --- one engagement ------------------------------------------------------------------------------


async def test_get_by_id_with_etag(
    client: httpx.AsyncClient, bodies: dict[str, dict[str, Any]]
) -> None:
    # when
    response = await client.get(f"{API}/{E['us-troop-warning']}")
    # then
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert ETAG_PATTERN.fullmatch(response.headers["etag"])
    assert response.json() == bodies["us-troop-warning"]
    # every engagement has its own tag
    tags = {await etag_of(client, E[k]) for k in SEED}
    assert len(tags) == 12


async def test_get_with_fields_and_expand(
    client: httpx.AsyncClient, connection: AsyncConnection
) -> None:
    parts = await stamps(connection, Participant)
    cites = await stamps(connection, Citation)
    response = await client.get(
        f"{API}/{E['us-mediation-offer']}?fields=title,participants,citations&expand=citations,participants"
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": E["us-mediation-offer"],
        "title": "US offers to mediate negotiations between Moscow and Kyiv",
        "citations": citations_of("us-mediation-offer", cites),
        "participants": participants_of("us-mediation-offer", parts),
    }


async def test_if_none_match_gives_304(client: httpx.AsyncClient) -> None:
    # given
    url = f"{API}/{E['elysee-statement']}"
    tag = await etag_of(client, E["elysee-statement"])
    # when
    same = await client.get(url, headers={"If-None-Match": tag})
    weak = await client.get(url, headers={"If-None-Match": f'"other", W/{tag}'})
    star = await client.get(url, headers={"If-None-Match": "*"})
    other = await client.get(url, headers={"If-None-Match": '"0123456789abcdef01234567"'})
    # then
    for response in (same, weak, star):
        assert response.status_code == 304
        assert response.headers["etag"] == tag
        assert response.content == b""
    assert other.status_code == 200
    assert other.headers["etag"] == tag


@pytest.mark.parametrize(
    "bad_id",
    [
        "nonsense",
        "engagement_",
        "engagement_" + "0" * 25 + "u",  # u is not a Crockford base32 digit
        seed_id("leader", "putin"),  # another type's ID
        "country_UA",
    ],
)
async def test_get_malformed_id_is_404(client: httpx.AsyncClient, bad_id: str) -> None:
    response = await client.get(f"{API}/{bad_id}")
    assert_problem(response, 404, f"no engagement with ID {bad_id!r}")


async def test_get_unknown_id_is_404(client: httpx.AsyncClient) -> None:
    unknown = seed_id("engagement", "no-such-engagement")
    response = await client.get(f"{API}/{unknown}")
    assert_problem(response, 404, f"no engagement with ID {unknown!r}")


async def test_unknown_and_malformed_ids_give_the_same_404(client: httpx.AsyncClient) -> None:
    unknown = seed_id("engagement", "no-such-engagement")
    response = await client.get(f"{API}/{unknown}")
    assert_problem(response, 404, f"no engagement with ID {unknown!r}")


# --- writing -------------------------------------------------------------------------------------

NEW = {
    "kind": "MEETING",
    "mode": "PHONE",
    "title": "  Zelensky and Scholz speak  ",
    "startDate": "2022-01-10",
    "endDate": "2022-01-11",
    "datePrecision": "DAY",
    "summary": "A call on Kyiv's security",
    "locationCountry": "ukr",
    "locationPlace": "Kyiv",
    "latitude": 50.45,
    "longitude": 30.5234,
    "cameoCode": "040",
    "externalId": "test-ext-1",
    "attributes": {"source": "test", "tags": ["a", "b"], "n": 1},
}


async def test_post_creates_with_201_location_and_etag(
    client: httpx.AsyncClient, connection: AsyncConnection, write_key: str
) -> None:
    # when
    response = await client.post(API, json=NEW, headers=auth(write_key))
    # then
    assert response.status_code == 201, response.text
    body = response.json()
    assert ID_PATTERN.fullmatch(body["id"])
    stamp = (await stamps(connection, Engagement))[body["id"]]
    assert body == {
        "id": body["id"],
        "kind": "MEETING",
        "mode": "PHONE",
        "status": "HELD",
        "title": "Zelensky and Scholz speak",
        "summary": "A call on Kyiv's security",
        "startDate": "2022-01-10",
        "endDate": "2022-01-11",
        "datePrecision": "DAY",
        "location": {
            "country": "country_UA",
            "place": "Kyiv",
            "latitude": 50.45,
            "longitude": 30.5234,
        },
        "cameoCode": "040",
        "externalId": "test-ext-1",
        "attributes": {"source": "test", "tags": ["a", "b"], "n": 1},
        "createdAt": stamp[0],
        "updatedAt": stamp[1],
    }
    assert response.headers["location"] == f"{API}/{body['id']}"
    assert ETAG_PATTERN.fullmatch(response.headers["etag"])
    # the new record reads back the same, with the same tag, and lists first
    again = await client.get(response.headers["location"])
    assert again.json() == body
    assert again.headers["etag"] == response.headers["etag"]
    assert (await list_ids(client, "limit=1")) == [body["id"]]
    assert (await list_ids(client, "q=kiev&sort=start_date")) == [
        E["us-mediation-offer"],
        body["id"],
    ]


async def test_post_minimal_body_takes_the_defaults(
    client: httpx.AsyncClient, write_key: str
) -> None:
    body = {"kind": "call", "title": "t", "startDate": "2022-02-01"}
    response = await client.post(API, json=body, headers=auth(write_key))
    assert response.status_code == 422  # enum names are upper case in bodies
    response = await client.post(
        API,
        json=body | {"kind": "CALL"},
        headers=auth(write_key, **{"Content-Type": "application/json; charset=utf-8"}),
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert {k: created[k] for k in ("kind", "mode", "status", "datePrecision", "endDate")} == {
        "kind": "CALL",
        "mode": None,
        "status": "HELD",
        "datePrecision": "DAY",
        "endDate": None,
    }


async def test_patch_with_if_match_updates_and_gives_a_new_etag(
    client: httpx.AsyncClient, write_key: str, bodies: dict[str, dict[str, Any]]
) -> None:
    # given
    target = E["biden-zelensky-call"]
    tag = await etag_of(client, target)
    # when
    response = await client.patch(
        f"{API}/{target}",
        json={
            "title": "Biden and Zelensky speak",
            "status": "HELD",
            "mode": "PHONE",
            "startDate": "2021-12-09",
            "endDate": None,
            "datePrecision": "DAY",
            "locationCountry": "US",
            "cameoCode": "040",
        },
        headers=auth(write_key, **{"If-Match": tag}),
    )
    # then
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == bodies["biden-zelensky-call"] | {
        "title": "Biden and Zelensky speak",
        "status": "HELD",
        "mode": "PHONE",
        "startDate": "2021-12-09",
        "endDate": None,
        "datePrecision": "DAY",
        "location": {"country": "country_US", "place": None, "latitude": None, "longitude": None},
        "cameoCode": "040",
        "updatedAt": body["updatedAt"],
    }
    assert body["updatedAt"] > bodies["biden-zelensky-call"]["updatedAt"]
    new_tag = response.headers["etag"]
    assert ETAG_PATTERN.fullmatch(new_tag) and new_tag != tag
    again = await client.get(f"{API}/{target}")
    assert again.json() == body
    assert again.headers["etag"] == new_tag
    # the search text follows the new title
    assert await list_ids(client, "q=and Zelensky speak") == [target]


async def test_patch_merge_patch_content_type_and_if_match_star(
    client: httpx.AsyncClient, write_key: str
) -> None:
    target = E["us-troop-warning"]
    response = await client.patch(
        f"{API}/{target}",
        json={"summary": None},
        headers=auth(
            write_key, **{"If-Match": "*", "Content-Type": "application/merge-patch+json"}
        ),
    )
    assert response.status_code == 200, response.text
    assert response.json()["summary"] is None


async def test_delete_with_if_match_is_204(client: httpx.AsyncClient, write_key: str) -> None:
    # given
    target = E["peskov-remarks"]
    tag = await etag_of(client, target)
    # when
    response = await client.delete(
        f"{API}/{target}", headers=auth(write_key, **{"If-Match": f'"nope", {tag}'})
    )
    # then
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(
        await client.get(f"{API}/{target}"),
        404,
        f"no engagement with ID {target!r}",
    )
    assert await list_ids(client, "") == ids([k for k in DEFAULT_ORDER if k != "peskov-remarks"])


# --- every error as a problem document -----------------------------------------------------------

ACCEPTED = "before, country, cursor, expand, fields, format, from, group, kind, leader, limit, mode, q, sort, status, to, with_total"
KINDS = "MEETING, CALL, VISIT, STATEMENT, PRESS_BRIEFING, NEGOTIATION, MEDIATION_OFFER, WARNING, THREAT, DEMAND, SANCTION, AID, MILITARY_DEPLOYMENT, MILITARY_EXERCISE, ATTACK, PROTEST, OTHER"
SORTS = "created_at, kind, start_date, status, title, updated_at"


@pytest.mark.parametrize(
    ("query", "detail", "param"),
    [
        ("foo=1", f"unknown query parameter 'foo'; accepted: {ACCEPTED}", "foo"),
        ("page=2&limit=2", f"unknown query parameter 'page'; accepted: {ACCEPTED}", "page"),
        ("kind=CALL&kind=MEETING", "give 'kind' once (use commas for several values)", "kind"),
        ("from=2021-13-01", "'2021-13-01' is not an ISO 8601 date (YYYY-MM-DD)", "from"),
        ("to=yesterday", "'yesterday' is not an ISO 8601 date (YYYY-MM-DD)", "to"),
        ("from=06/12/2021", "'06/12/2021' is not an ISO 8601 date (YYYY-MM-DD)", "from"),
        ("from=2021-12-10&to=2021-12-01", "to: is before from", "to"),
        ("from=", "'from' is empty", "from"),
        ("kind=meeting,bogus", f"'bogus' is not one of: {KINDS}", "kind"),
        (
            "mode=SMOKE_SIGNAL",
            "'SMOKE_SIGNAL' is not one of: IN_PERSON, VIRTUAL, PHONE, WRITTEN",
            "mode",
        ),
        ("status=CANCELED", "'CANCELED' is not one of: HELD, SCHEDULED, CANCELLED", "status"),
        ("limit=0", "'limit' is a whole number from 1 to 1000", "limit"),
        ("limit=1001", "'limit' is a whole number from 1 to 1000", "limit"),
        ("limit=-1", "'limit' is a whole number from 1 to 1000", "limit"),
        ("limit=abc", "'limit' is a whole number from 1 to 1000", "limit"),
        ("limit=2.5", "'limit' is a whole number from 1 to 1000", "limit"),
        (
            "cursor=abc",
            "cursor: is not a cursor of this list (engagements:-start_date); use a cursor this list returned",
            "cursor",
        ),
        (
            "before=abc",
            "before: is not a cursor of this list (engagements:-start_date); use a cursor this list returned",
            "before",
        ),
        ("cursor=abc&before=abc", "give cursor or before, not both", "before"),
        ("sort=bogus", f"sort: cannot sort by 'bogus'; sort by one of: {SORTS}", "sort"),
        ("sort=title,-summary", f"sort: cannot sort by 'summary'; sort by one of: {SORTS}", "sort"),
        ("sort=title,-title", "sort: 'title' is given twice", "sort"),
        ("fields=bogus", "unknown field 'bogus'", "fields"),
        (
            "expand=statements",
            "cannot expand 'statements'; expand one of: participants, citations",
            "expand",
        ),
        ("with_total=maybe", "'with_total' is true or false, not 'maybe'", "with_total"),
        ("format=xml", "format is one of json, csv, ndjson, not 'xml'", "format"),
        ("q=" + "x" * 501, "'q' is longer than 500 characters", "q"),
    ],
)
async def test_list_bad_parameters_are_400(
    client: httpx.AsyncClient, query: str, detail: str, param: str
) -> None:
    response = await client.get(f"{API}?{query}")
    assert_problem(response, 400, detail, param=param)


async def test_cursor_of_another_sort_is_400(client: httpx.AsyncClient) -> None:
    page = (await client.get(f"{API}?limit=2&sort=title")).json()
    cursor = query_of(page["links"]["next"])["cursor"]
    # the same cursor works with its own sort ...
    assert (await client.get(f"{API}?sort=title&cursor={cursor}")).status_code == 200
    # ... and is refused by another, or when edited
    assert_problem(
        await client.get(f"{API}?cursor={cursor}"),
        400,
        "cursor: is not a cursor of this list (engagements:-start_date); use a cursor this list returned",
        param="cursor",
    )
    i = len(cursor) // 2
    edited = cursor[:i] + ("A" if cursor[i] != "A" else "B") + cursor[i + 1 :]
    assert_problem(
        await client.get(f"{API}?sort=title&cursor={edited}"),
        400,
        "cursor: is not a cursor of this list (engagements:title); use a cursor this list returned",
        param="cursor",
    )


async def test_bad_country_code_is_400(client: httpx.AsyncClient) -> None:
    # the query parameter is named, not the filter field behind it ("countries")
    for code in ("XX", "usa,XYZ"):
        bad = code.split(",")[-1]
        assert_problem(
            await client.get(f"{API}?country={code}"),
            400,
            f"country: {bad!r} is not an ISO 3166-1 country code",
            param="country",
        )


async def test_unknown_field_is_400_on_an_empty_list(client: httpx.AsyncClient) -> None:
    assert_problem(
        await client.get(f"{API}?fields=bogus&kind=ATTACK"),
        400,
        "unknown field 'bogus'",
        param="fields",
    )


async def test_item_bad_parameters_are_400(client: httpx.AsyncClient) -> None:
    url = f"{API}/{E['g5-videoconference']}"
    assert_problem(
        await client.get(f"{url}?limit=1"),
        400,
        "unknown query parameter 'limit'; accepted: expand, fields",
        param="limit",
    )
    assert_problem(
        await client.get(f"{url}?fields=nope"), 400, "unknown field 'nope'", param="fields"
    )


async def test_not_acceptable_is_406(client: httpx.AsyncClient) -> None:
    response = await client.get(API, headers={"Accept": "image/png"})
    assert_problem(
        response,
        406,
        "this list is served as application/json, text/csv or application/x-ndjson",
        param="Accept",
    )
    refused = await client.get(API, headers={"Accept": "application/json;q=0, text/html"})
    assert refused.status_code == 406


async def test_write_without_a_key_is_401(client: httpx.AsyncClient) -> None:
    target = f"{API}/{E['g5-videoconference']}"
    for response in (
        await client.post(API, json=NEW),
        await client.patch(target, json={"title": "x"}, headers={"If-Match": "*"}),
        await client.delete(target, headers={"If-Match": "*"}),
    ):
        assert_problem(response, 401, "writing needs an API key with write scope")
        assert response.headers["www-authenticate"] == 'Bearer realm="crisisgraph"'


async def test_write_with_a_bad_key_is_401(client: httpx.AsyncClient) -> None:
    unknown = await client.post(API, json=NEW, headers=auth("cg_abcdefgh_" + "x" * 43))
    assert_problem(unknown, 401, "Invalid API key: unknown or revoked")
    assert (
        unknown.headers["www-authenticate"] == 'Bearer realm="crisisgraph", error="invalid_token"'
    )
    malformed = await client.post(API, json=NEW, headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert_problem(malformed, 401, "Malformed Authorization header: expected 'Bearer <API key>'")
    assert (
        malformed.headers["www-authenticate"]
        == 'Bearer realm="crisisgraph", error="invalid_request"'
    )
    # a bad key is refused on reads too
    read = await client.get(API, headers=auth("nope"))
    assert_problem(read, 401, "Invalid API key: unknown or revoked")


async def test_write_with_a_read_key_is_403(client: httpx.AsyncClient, read_key: str) -> None:
    target = f"{API}/{E['g5-videoconference']}"
    for response in (
        await client.post(API, json=NEW, headers=auth(read_key)),
        await client.patch(
            target, json={"title": "x"}, headers=auth(read_key, **{"If-Match": "*"})
        ),
        await client.delete(target, headers=auth(read_key, **{"If-Match": "*"})),
    ):
        assert_problem(response, 403, "the API key 'test-read' may read but not write")
    # the key reads
    assert (await client.get(API, headers=auth(read_key))).status_code == 200


async def test_patch_and_delete_of_unknown_ids_are_404(
    client: httpx.AsyncClient, write_key: str
) -> None:
    unknown = seed_id("engagement", "no-such-engagement")
    headers = auth(write_key, **{"If-Match": "*"})
    assert_problem(
        await client.patch(f"{API}/{unknown}", json={"title": "x"}, headers=headers),
        404,
        f"no engagement with ID {unknown!r}",
    )
    assert_problem(
        await client.delete(f"{API}/nonsense", headers=headers),
        404,
        "no engagement with ID 'nonsense'",
    )


@pytest.mark.parametrize(
    ("content", "content_type", "status", "detail", "extra"),
    [
        (b"{bad", "application/json", 400, "the body is not valid JSON", {}),
        (b"", "application/json", 400, "the body is not valid JSON", {}),
        (b"\xff\xfe{}", "application/json", 400, "the body is not valid JSON", {}),
        (b"[1, 2]", "application/json", 400, "the body must be a JSON object", {}),
        (b'"title"', "application/json", 400, "the body must be a JSON object", {}),
        (b"null", "application/json", 400, "the body must be a JSON object", {}),
        (
            b"kind=MEETING",
            "text/plain",
            415,
            "send the body as application/json",
            {"param": "Content-Type"},
        ),
        (
            b"kind=MEETING",
            "application/x-www-form-urlencoded",
            415,
            "send the body as application/json",
            {"param": "Content-Type"},
        ),
        (b"{}", None, 415, "send the body as application/json", {"param": "Content-Type"}),
    ],
)
async def test_bad_bodies(
    client: httpx.AsyncClient,
    write_key: str,
    content: bytes,
    content_type: str | None,
    status: int,
    detail: str,
    extra: dict[str, str],
) -> None:
    headers = auth(write_key) | ({"Content-Type": content_type} if content_type else {})
    created = await client.post(API, content=content, headers=headers)
    assert_problem(created, status, detail, **extra)
    patched = await client.patch(
        f"{API}/{E['g5-videoconference']}", content=content, headers=headers | {"If-Match": "*"}
    )
    assert_problem(patched, status, detail, **extra)


async def test_body_over_the_limit_is_413(small_client: httpx.AsyncClient, write_key: str) -> None:
    big = NEW | {"summary": "x" * 2000}
    # declared by Content-Length
    assert_problem(
        await small_client.post(API, json=big, headers=auth(write_key)),
        413,
        "the body is larger than 1024 bytes",
    )
    # streamed without a length (chunked)
    raw = json.dumps(big).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(raw), 256):
            yield raw[i : i + 256]

    chunked = await small_client.post(
        API, content=chunks(), headers=auth(write_key, **{"Content-Type": "application/json"})
    )
    assert "content-length" not in chunked.request.headers
    assert_problem(chunked, 413, "the body is larger than 1024 bytes")
    # PATCH too
    assert_problem(
        await small_client.patch(
            f"{API}/{E['g5-videoconference']}",
            json={"summary": "x" * 2000},
            headers=auth(write_key, **{"If-Match": "*"}),
        ),
        413,
        "the body is larger than 1024 bytes",
    )
    # and a body under the limit goes through
    small = await small_client.post(API, json=NEW, headers=auth(write_key))
    assert small.status_code == 201, small.text


@pytest.mark.parametrize(
    ("body", "detail", "field", "errors"),
    [
        (
            {"kind": "MEETING", "title": "x"},
            "startDate: Field required",
            "startDate",
            [{"field": "startDate", "message": "Field required"}],
        ),
        (
            {"title": "x"},
            "kind: Field required",
            "kind",
            [
                {"field": "kind", "message": "Field required"},
                {"field": "startDate", "message": "Field required"},
            ],
        ),
        (
            {"kind": "NOPE", "title": "x", "startDate": "2022-01-05"},
            "kind: Input should be 'MEETING', 'CALL', 'VISIT', 'STATEMENT', 'PRESS_BRIEFING', 'NEGOTIATION', 'MEDIATION_OFFER', 'WARNING', 'THREAT', 'DEMAND', 'SANCTION', 'AID', 'MILITARY_DEPLOYMENT', 'MILITARY_EXERCISE', 'ATTACK', 'PROTEST' or 'OTHER'",
            "kind",
            None,
        ),
        (
            {"kind": "MEETING", "title": "x", "startDate": "2022-02-30"},
            "startDate: Input should be a valid date or datetime, day value is outside expected range",
            "startDate",
            None,
        ),
        (
            {"kind": "MEETING", "title": "x", "startDate": "2022-01-05", "latitude": "north"},
            "latitude: Input should be a valid number, unable to parse string as a number",
            "latitude",
            None,
        ),
        (
            {"kind": "MEETING", "title": "x", "startDate": "2022-01-05", "bogus": 1},
            "bogus: Extra inputs are not permitted",
            "bogus",
            None,
        ),
        (
            {"kind": "MEETING", "title": "x", "start_date": "2022-01-05"},
            "startDate: Field required",
            "startDate",
            [
                {"field": "startDate", "message": "Field required"},
                {"field": "start_date", "message": "Extra inputs are not permitted"},
            ],
        ),
        (
            {"kind": "MEETING", "title": "   ", "startDate": "2022-01-05"},
            "title: must not be empty",
            "title",
            "absent",
        ),
    ],
)
async def test_post_invalid_bodies_are_422(
    client: httpx.AsyncClient,
    write_key: str,
    body: dict[str, Any],
    detail: str,
    field: str,
    errors: list[dict[str, str]] | str | None,
) -> None:
    response = await client.post(API, json=body, headers=auth(write_key))
    if errors == "absent":  # refused by the data layer, after the body parsed
        assert_problem(response, 422, detail, field=field)
    else:
        expected = errors or [{"field": field, "message": detail.split(": ", 1)[1]}]
        assert_problem(response, 422, detail, field=field, errors=expected)


# Refused by the data layer, which names its fields in snake_case: the problem names the body's
# camelCase field.
DATA_LAYER_422 = [
    (
        {"kind": "MEETING", "title": "x", "startDate": "2022-01-05", "endDate": "2022-01-01"},
        "ends (2022-01-01) before it starts (2022-01-05)",
        "end_date",
        "endDate",
    ),
    (
        {"kind": "MEETING", "title": "x", "startDate": "2022-01-05", "latitude": 91},
        "must be between -90 and 90",
        "latitude",
        "latitude",
    ),
    (
        {"kind": "MEETING", "title": "x", "startDate": "2022-01-05", "cameoCode": "4a"},
        "a CAMEO code is 2 to 4 digits, leading zeros kept",
        "cameo_code",
        "cameoCode",
    ),
    (
        {"kind": "MEETING", "title": "x", "startDate": "2022-01-05", "locationCountry": "XX"},
        "'XX' is not an ISO 3166-1 country code",
        "location_country",
        "locationCountry",
    ),
]


@pytest.mark.parametrize(("body", "message", "snake", "field"), DATA_LAYER_422)
async def test_post_refused_by_the_data_layer_is_422(
    client: httpx.AsyncClient,
    write_key: str,
    body: dict[str, Any],
    message: str,
    snake: str,
    field: str,
) -> None:
    response = await client.post(API, json=body, headers=auth(write_key))
    assert_problem(response, 422, f"{field}: {message}", field=field)


async def test_patch_end_before_start_is_422(client: httpx.AsyncClient, write_key: str) -> None:
    # the stored start date (2021-12-08) against a new end date
    response = await client.patch(
        f"{API}/{E['biden-zelensky-call']}",
        json={"endDate": "2021-12-01"},
        headers=auth(write_key, **{"If-Match": "*"}),
    )
    assert_problem(
        response, 422, "endDate: ends (2021-12-01) before it starts (2021-12-08)", field="endDate"
    )
    # nothing changed, the tag included
    assert (await client.get(f"{API}/{E['biden-zelensky-call']}")).json()["endDate"] == "2021-12-14"


async def test_patch_null_required_field_is_422(client: httpx.AsyncClient, write_key: str) -> None:
    target = E["biden-zelensky-call"]
    tag = await etag_of(client, target)
    response = await client.patch(
        f"{API}/{target}", json={"title": None}, headers=auth(write_key, **{"If-Match": tag})
    )
    assert_problem(response, 422, "title: cannot be null", field="title")
    assert await etag_of(client, target) == tag  # the refused write left no trace


async def test_duplicate_external_id_is_409(client: httpx.AsyncClient, write_key: str) -> None:
    first = await client.post(API, json=NEW, headers=auth(write_key))
    assert first.status_code == 201
    second = await client.post(API, json=NEW | {"title": "Another"}, headers=auth(write_key))
    assert_problem(
        second,
        409,
        "externalId: an engagement with this externalId already exists",
        field="externalId",
    )
    # PATCH onto a taken external ID too
    patched = await client.patch(
        f"{API}/{E['g5-videoconference']}",
        json={"externalId": "test-ext-1"},
        headers=auth(write_key, **{"If-Match": "*"}),
    )
    assert_problem(
        patched,
        409,
        "externalId: an engagement with this externalId already exists",
        field="externalId",
    )
    # the failed POST left nothing behind
    assert await list_ids(client, "q=Another") == []


async def test_stale_if_match_names_the_header_as_a_param(
    client: httpx.AsyncClient, write_key: str
) -> None:
    response = await client.patch(
        f"{API}/{E['elysee-statement']}",
        json={"summary": "lost"},
        headers=auth(write_key, **{"If-Match": '"0123456789abcdef01234567"'}),
    )
    assert_problem_members(response, 412, param="If-Match", field=None)


async def test_stale_if_match_is_412(client: httpx.AsyncClient, write_key: str) -> None:
    # given a tag that was current, then a change
    target = E["elysee-statement"]
    stale = await etag_of(client, target)
    changed = await client.patch(
        f"{API}/{target}",
        json={"summary": "changed"},
        headers=auth(write_key, **{"If-Match": stale}),
    )
    assert changed.status_code == 200
    detail = "the record changed since you read it: fetch it again and retry"
    # when writing with the stale tag
    patched = await client.patch(
        f"{API}/{target}", json={"summary": "lost"}, headers=auth(write_key, **{"If-Match": stale})
    )
    deleted = await client.delete(f"{API}/{target}", headers=auth(write_key, **{"If-Match": stale}))
    made_up = await client.patch(
        f"{API}/{target}",
        json={"summary": "lost"},
        headers=auth(write_key, **{"If-Match": '"0123456789abcdef01234567"'}),
    )
    # then
    for response in (patched, deleted, made_up):
        assert_problem(response, 412, detail, param="If-Match")
    assert (await client.get(f"{API}/{target}")).json()["summary"] == "changed"


async def test_weak_tag_in_if_match_is_412(client: httpx.AsyncClient, write_key: str) -> None:
    target = E["elysee-statement"]
    tag = await etag_of(client, target)
    response = await client.patch(
        f"{API}/{target}",
        json={"summary": "x"},
        headers=auth(write_key, **{"If-Match": f"W/{tag}"}),
    )
    assert response.status_code == 412


async def test_write_without_if_match_is_428(client: httpx.AsyncClient, write_key: str) -> None:
    target = f"{API}/{E['elysee-statement']}"
    detail = "send If-Match with the ETag you read, so no one else's change is overwritten"
    assert_problem(
        await client.patch(target, json={"summary": "x"}, headers=auth(write_key)),
        428,
        detail,
        param="If-Match",
    )
    assert_problem(
        await client.delete(target, headers=auth(write_key)), 428, detail, param="If-Match"
    )
    assert (await client.get(target)).status_code == 200


# --- CSV and NDJSON ------------------------------------------------------------------------------


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline=""))
    assert reader.fieldnames == CSV_COLUMNS
    return list(reader)


def read_ndjson(response: httpx.Response) -> list[dict[str, Any]]:
    text = response.content.decode("utf-8")
    assert text.endswith("\n") or text == ""
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize(
    ("how", "media"),
    [
        ({"params": {"format": "csv"}}, "text/csv; charset=utf-8"),
        ({"params": {"format": "CSV"}}, "text/csv; charset=utf-8"),
        ({"headers": {"Accept": "text/csv"}}, "text/csv; charset=utf-8"),
        ({"headers": {"Accept": "application/json;q=0.5, text/csv"}}, "text/csv; charset=utf-8"),
        ({"params": {"format": "ndjson"}}, "application/x-ndjson"),
        ({"headers": {"Accept": "application/x-ndjson"}}, "application/x-ndjson"),
        ({"headers": {"Accept": "application/ndjson"}}, "application/x-ndjson"),
        # format= wins over Accept
        (
            {"params": {"format": "ndjson"}, "headers": {"Accept": "text/csv"}},
            "application/x-ndjson",
        ),
        ({"params": {"format": "json"}, "headers": {"Accept": "text/csv"}}, "application/json"),
    ],
)
async def test_format_by_param_or_accept(
    client: httpx.AsyncClient, how: dict[str, Any], media: str
) -> None:
    response = await client.get(API, **how)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media
    if media != "application/json":
        extension = "csv" if media.startswith("text/csv") else "ndjson"
        assert (
            response.headers["content-disposition"]
            == f'attachment; filename="engagements.{extension}"'
        )
        assert "link" not in response.headers


async def test_csv_is_the_flat_dyadic_table(
    client: httpx.AsyncClient, bodies: dict[str, dict[str, Any]]
) -> None:
    response = await client.get(API, params={"format": "csv"})
    assert response.status_code == 200
    assert response.content.startswith(",".join(CSV_COLUMNS).encode() + b"\n")
    assert read_csv(response) == [dyadic_row(k, bodies[k]["updatedAt"]) for k in DEFAULT_ORDER]


async def test_csv_and_ndjson_round_trip_to_the_json_list(client: httpx.AsyncClient) -> None:
    # given the JSON list
    listed = (await client.get(API, params={"limit": 1000})).json()["data"]
    # when exporting the same list as CSV and NDJSON
    rows = read_csv(await client.get(API, headers={"Accept": "text/csv"}))
    lines = read_ndjson(await client.get(API, params={"format": "ndjson"}))
    # then NDJSON is the JSON list, one record a line
    assert lines == listed
    # and CSV has the same records in the same order with the same values
    assert [r["id"] for r in rows] == [item["id"] for item in listed]
    for row, item in zip(rows, listed, strict=True):
        location = item["location"]
        assert row == row | {
            "kind": item["kind"],
            "mode": item["mode"] or "",
            "status": item["status"],
            "title": item["title"],
            "start_date": item["startDate"],
            "end_date": item["endDate"] or "",
            "date_precision": item["datePrecision"],
            "location_country": (location["country"] or "").removeprefix("country_"),
            "location_place": location["place"] or "",
            "latitude": "" if location["latitude"] is None else str(location["latitude"]),
            "longitude": "" if location["longitude"] is None else str(location["longitude"]),
            "cameo_code": item["cameoCode"] or "",
            "external_id": item["externalId"] or "",
            "summary": item["summary"] or "",
            "updated_at": item["updatedAt"],
        }


async def test_csv_round_trip_of_a_record_with_every_field(
    client: httpx.AsyncClient, write_key: str
) -> None:
    # given a record with quotes, commas, newlines and numbers to escape
    body = NEW | {"title": 'Talks, "at last"', "summary": "line 1\nline 2, with ‘quotes’"}
    created = (await client.post(API, json=body, headers=auth(write_key))).json()
    added = await client.get(f"{API}?q=talks&format=csv")
    ndjson = read_ndjson(await client.get(f"{API}?q=talks&format=ndjson"))
    # then
    assert ndjson == [created]
    assert read_csv(added) == [
        {
            "id": created["id"],
            "kind": "MEETING",
            "mode": "PHONE",
            "status": "HELD",
            "title": 'Talks, "at last"',
            "start_date": "2022-01-10",
            "end_date": "2022-01-11",
            "date_precision": "DAY",
            **_actor_columns("initiator", None),
            **_actor_columns("recipient", None),
            "other_participants": "0",
            "location_country": "UA",
            "location_place": "Kyiv",
            "latitude": "50.45",
            "longitude": "30.5234",
            "cameo_code": "040",
            "external_id": "test-ext-1",
            "summary": "line 1\nline 2, with ‘quotes’",
            "updated_at": created["updatedAt"],
        }
    ]


async def test_exports_follow_filters_sort_limit_and_cursor(client: httpx.AsyncClient) -> None:
    # filters and sort
    rows = read_csv(await client.get(f"{API}?format=csv&country=FR&sort=title"))
    assert [r["id"] for r in rows] == ids(["elysee-statement", "g5-videoconference"])
    # limit
    lines = read_ndjson(await client.get(f"{API}?format=ndjson&limit=3&sort=kind"))
    assert [line["id"] for line in lines] == ids(KIND_ORDER[:3])
    # cursor: the rest of the list after a JSON page
    page = (await client.get(f"{API}?limit=5&sort=title")).json()
    cursor = query_of(page["links"]["next"])["cursor"]
    rows = read_csv(await client.get(f"{API}?format=csv&sort=title&cursor={cursor}"))
    assert [r["id"] for r in rows] == ids(TITLE_ORDER[5:])
    lines = read_ndjson(
        await client.get(f"{API}?format=ndjson&sort=title&cursor={cursor}&limit=2&fields=title")
    )
    assert lines == [{"id": E[k], "title": SEED[k]["title"]} for k in TITLE_ORDER[5:7]]
    # an empty list is the header alone, or nothing
    empty = await client.get(f"{API}?format=csv&kind=ATTACK")
    assert empty.content == ",".join(CSV_COLUMNS).encode() + b"\n"
    assert (await client.get(f"{API}?format=ndjson&kind=ATTACK")).content == b""


async def test_exports_with_expand(client: httpx.AsyncClient, connection: AsyncConnection) -> None:
    parts = await stamps(connection, Participant)
    lines = read_ndjson(
        await client.get(f"{API}?format=ndjson&expand=participants&fields=participants&kind=CALL")
    )
    assert lines == [
        {"id": E[k], "participants": participants_of(k, parts)}
        for k in ("biden-zelensky-call", "blinken-zelensky-call")
    ]


async def test_export_errors_come_before_the_first_byte(client: httpx.AsyncClient) -> None:
    assert_problem(
        await client.get(f"{API}?format=csv&cursor=abc"),
        400,
        "cursor: is not a cursor of this list (engagements:-start_date); use a cursor this list returned",
        param="cursor",
    )
    assert_problem(
        await client.get(f"{API}?format=ndjson&kind=nope"),
        400,
        f"'nope' is not one of: {KINDS}",
        param="kind",
    )
    assert_problem(
        await client.get(f"{API}?format=csv&limit=0"),
        400,
        "'limit' is a whole number from 1 to 1000",
        param="limit",
    )


async def test_export_from_a_cursor_of_an_enum_sort(client: httpx.AsyncClient) -> None:
    # a cursor carries the enum's value (kind, status) and reads back as the enum
    page = (await client.get(f"{API}?limit=5&sort=kind")).json()
    cursor = query_of(page["links"]["next"])["cursor"]
    rows = read_csv(await client.get(f"{API}?format=csv&sort=kind&cursor={cursor}"))
    assert [r["id"] for r in rows] == ids(KIND_ORDER[5:])
    page = (await client.get(f"{API}?limit=3&sort=-status,title")).json()
    cursor = query_of(page["links"]["next"])["cursor"]
    lines = read_ndjson(await client.get(f"{API}?format=ndjson&sort=-status,title&cursor={cursor}"))
    assert [line["id"] for line in lines] == ids(STATUS_TITLE_ORDER[1:10])


async def test_forged_enum_cursor_is_400(client: httpx.AsyncClient) -> None:
    ordering = RESOURCE.ordering("kind")
    forged = encode_cursor(ordering, SimpleNamespace(kind="BOGUS", id=1))
    assert_problem(
        await client.get(f"{API}?sort=kind&cursor={forged}"),
        400,
        "cursor: is not a cursor of this list (engagements:kind); use a cursor this list returned",
        param="cursor",
    )


async def test_export_with_before_is_checked(client: httpx.AsyncClient) -> None:
    # an export cannot page backward: `before` is refused (or, if supported, checked)
    assert_problem_members(await client.get(f"{API}?format=csv&before=abc"), 400, param="before")
    page = (await client.get(f"{API}?limit=3")).json()
    before = query_of(page["links"]["next"])["cursor"]
    response = await client.get(f"{API}?format=ndjson&before={before}")
    assert response.status_code == 400 or [line["id"] for line in read_ndjson(response)] == ids(
        DEFAULT_ORDER[:2]
    )
