"""The change feed, /api/v1/changes: the seed's changes in order, paging that yields every change
exactly once, since and types filters, the settle window, deletes as tombstones, strict
parameters, and a fixed number of statements per page whatever its mix of kinds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pycountry
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from api.app import create_app
from api.rest.changes import ROUTES
from db import seed_data
from db.base import utcnow
from db.deletion import delete_record
from db.engine import count_statements
from db.feed import FeedPosition, decode_cursor, encode_cursor, read_changes
from db.ids import country_id, seed_id
from db.keys import create_key
from db.leaders import LeaderCreate, LeaderUpdate, create_leader, update_leader
from db.models import Change, Country
from db.serialize import _REFS, KIND_MODELS, iso, to_dicts
from db.settings import Settings

pytestmark = pytest.mark.anyio

FEED = "/api/v1/changes"
BIDEN = seed_id("leader", "biden")
TROOP_WARNING = seed_id("engagement", "us-troop-warning")


# --- the app with the feed mounted -------------------------------------------------------------


def changes_app(
    settings: Settings, sessions: Callable[[], AsyncSession] | None = None
) -> Starlette:
    """The app, with the feed's routes under /api/v1 if api/rest/routes.py does not mount them
    yet."""
    app = create_app(settings, sessions=sessions)
    mounted = any(
        isinstance(route, Mount)
        and route.path == "/api/v1"
        and any(getattr(r, "path", None) == "/changes" for r in route.routes)
        for route in app.router.routes
    )
    if not mounted:
        for route in reversed(ROUTES):
            assert isinstance(route, Route)
            app.router.routes.insert(
                0, Route("/api/v1" + route.path, route.endpoint, methods=route.methods)
            )
    return app


def bound_sessions(connection: AsyncConnection) -> Callable[[], AsyncSession]:
    def sessions() -> AsyncSession:
        return AsyncSession(
            bind=connection,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )

    return sessions


def feed_client(
    connection: AsyncConnection, settings: Settings, settle: float = 0.0
) -> httpx.AsyncClient:
    """An HTTP client on the test's rolled-back transaction, with the given settle window."""
    app = changes_app(
        settings.model_copy(update={"change_feed_settle_seconds": settle}),
        bound_sessions(connection),
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def http(connection: AsyncConnection, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with feed_client(connection, settings) as client:
        yield client


@pytest.fixture
def source(connection: AsyncConnection) -> AsyncSession:
    """A session on the same transaction as the HTTP client: what it writes, the feed shows."""
    return bound_sessions(connection)()


async def read_all(
    http: httpx.AsyncClient, url: str = FEED
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every entry from ``url`` on, following next links; returns them and the last body."""
    entries: list[dict[str, Any]] = []
    while True:
        response = await http.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        entries.extend(body["data"])
        if not body["hasMore"]:
            return entries, body
        url = body["links"]["next"]


def since_url(since: datetime | str, **params: str) -> str:
    stamp = since if isinstance(since, str) else since.isoformat()
    return f"{FEED}?{urlencode({'since': stamp, **params})}"


async def settled_seqs(source: AsyncSession) -> list[int]:
    """Every change's seq, in order (with no settle window, all are settled)."""
    rows = await source.execute(select(col(Change.seq)).order_by(col(Change.seq)))
    return [s for s in rows.scalars() if s is not None]


# --- the seed ----------------------------------------------------------------------------------


async def test_feed_starts_with_the_seed(http: httpx.AsyncClient, source: AsyncSession) -> None:
    response = await http.get(FEED, params={"limit": "3"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    codes = [str(c.alpha_2) for c in pycountry.countries][:3]
    changes = {
        c.seq: c
        for c in (await source.execute(select(Change).where(col(Change.seq) <= 3))).scalars()
    }
    countries = {
        c.code: c
        for c in (await source.execute(select(Country).where(Country.code.in_(codes)))).scalars()  # type: ignore[attr-defined]
    }
    records = await to_dicts(source, "country", [countries[c] for c in codes])
    assert body["data"] == [
        {
            "seq": seq,
            "op": "create",
            "type": "country",
            "id": country_id(code),
            "at": iso(changes[seq].changed_at),
            "record": record,
        }
        for seq, code, record in zip((1, 2, 3), codes, records, strict=True)
    ]
    first = body["data"][0]["record"]
    country = pycountry.countries.get(alpha_2=codes[0])
    assert country is not None
    assert (first["code"], first["alpha3"], first["name"]) == (
        codes[0],
        country.alpha_3,
        country.name,
    )
    assert body["hasMore"] is True
    assert decode_cursor(body["cursor"]) == FeedPosition(3)
    assert body["links"] == {"next": f"{FEED}?limit=3&cursor={body['cursor']}"}
    assert response.headers["link"] == f'<{body["links"]["next"]}>; rel="next"'

    # After the countries: the source, then the leaders, in the seed's order.
    n = len(pycountry.countries)
    after = (
        await http.get(FEED, params={"limit": "3", "cursor": encode_cursor(FeedPosition(n - 1))})
    ).json()
    assert [(e["seq"], e["op"], e["type"], e["id"]) for e in after["data"]] == [
        (n, "create", "country", country_id(str(list(pycountry.countries)[-1].alpha_2))),
        (n + 1, "create", "source", seed_id("source", seed_data.SOURCE["key"])),
        (n + 2, "create", "leader", seed_id("leader", seed_data.LEADERS[0]["key"])),
    ]
    biden = after["data"][2]["record"]
    assert (
        biden["id"] == BIDEN and biden["name"] == "Joe Biden" and biden["country"] == "country_US"
    )


async def test_paging_gives_every_change_exactly_once(
    http: httpx.AsyncClient, source: AsyncSession
) -> None:
    pages = 0
    entries: list[dict[str, Any]] = []
    url = f"{FEED}?limit=97&with_total=true"
    while True:
        response = await http.get(url)
        body = response.json()
        pages += 1
        entries.extend(body["data"])
        assert body["total"] == len(await settled_seqs(source))
        if not body["hasMore"]:
            break
        assert response.headers["link"] == f'<{body["links"]["next"]}>; rel="next"'
        url = body["links"]["next"]
        assert "with_total=true" in url and "limit=97" in url
    seqs = [e["seq"] for e in entries]
    assert seqs == await settled_seqs(source)  # each once, in order, none left out
    assert pages == -(-len(seqs) // 97)
    # Caught up: no next link, a poll link and the cursor to poll with.
    assert "link" not in response.headers
    assert set(body["links"]) == {"poll"}
    assert decode_cursor(body["cursor"]) == FeedPosition(seqs[-1])

    # Polling again gives nothing new, and the same cursor.
    again = (await http.get(body["links"]["poll"])).json()
    assert (again["data"], again["cursor"], again["hasMore"]) == ([], body["cursor"], False)

    # A change made since shows on the next poll, and only it.
    leader = await create_leader(source, LeaderCreate(name="Feed Test Leader", country="FR"))
    await source.commit()
    polled = (await http.get(body["links"]["poll"])).json()
    assert [(e["op"], e["type"], e["id"]) for e in polled["data"]] == [
        ("create", "leader", leader.public_id)
    ]
    assert polled["data"][0]["record"]["name"] == "Feed Test Leader"
    assert polled["data"][0]["seq"] > seqs[-1]


async def test_records_are_their_current_state(
    http: httpx.AsyncClient, source: AsyncSession
) -> None:
    mark = utcnow()
    leader = await create_leader(source, LeaderCreate(name="Before", aliases=["B"]))
    await source.commit()
    await update_leader(source, leader.public_id, LeaderUpdate(name="After"))
    await source.commit()
    entries, _ = await read_all(http, since_url(mark))
    assert [(e["op"], e["id"]) for e in entries] == [
        ("create", leader.public_id),
        ("update", leader.public_id),
    ]
    assert entries[0]["record"] == entries[1]["record"]
    assert entries[0]["record"]["name"] == "After"
    [expected] = await to_dicts(source, "leader", [leader])
    assert entries[1]["record"] == expected


# --- filters -----------------------------------------------------------------------------------


async def test_since_filters_by_time(http: httpx.AsyncClient, source: AsyncSession) -> None:
    everything = await settled_seqs(source)
    # Older than every change: the feed from the start.
    old, _ = await read_all(http, since_url("2000-01-01T00:00:00Z", limit="1000"))
    assert [e["seq"] for e in old] == everything

    mark = utcnow()
    leader = await create_leader(source, LeaderCreate(name="Since Test"))
    await source.commit()
    for spelling in (
        mark.isoformat(),
        mark.isoformat().replace("+00:00", "Z"),
        mark.astimezone(datetime.now().astimezone().tzinfo).isoformat(),
    ):
        recent, last = await read_all(http, since_url(spelling))
        assert [(e["op"], e["id"]) for e in recent] == [("create", leader.public_id)], spelling
        assert decode_cursor(last["cursor"]).seq == recent[-1]["seq"]
    # The since link's cursor carries on from there, never back before since.
    response = await http.get(FEED, params={"since": mark.isoformat()})
    assert "since=" not in response.json()["links"]["poll"]

    # A since in the future gives nothing, and its cursor keeps leaving earlier changes out.
    future = utcnow() + timedelta(days=1)
    empty = (await http.get(FEED, params={"since": future.isoformat()})).json()
    assert empty["data"] == [] and empty["hasMore"] is False
    await create_leader(source, LeaderCreate(name="Before The Future"))
    await source.commit()
    assert (await http.get(empty["links"]["poll"])).json()["data"] == []


async def test_types_filter(http: httpx.AsyncClient, source: AsyncSession) -> None:
    entries, last = await read_all(
        http, f"{FEED}?types=engagement,participant&limit=10&with_total=1"
    )
    assert {e["type"] for e in entries} == {"engagement", "participant"}
    counts = await source.execute(
        select(col(Change.type), func.count())
        .group_by(Change.type)
        .where(col(Change.type).in_(["engagement", "participant"]))
    )
    assert len(entries) == sum(n for _, n in counts) == last["total"]
    assert all(e["record"]["id"] == e["id"] for e in entries if e["op"] != "delete")
    assert "types=engagement%2Cparticipant" in last["links"]["poll"]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("since=yesterday", "since"),
        ("since=2021-13-01", "since"),
        ("since=", "since"),
        ("cursor=abc", "cursor"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("types=engagement,bogus", "types"),
        ("types=key", "types"),
        ("with_total=maybe", "with_total"),
        ("sinse=2021-01-01", "sinse"),
        ("since=2021-01-01&since=2021-02-01", "since"),
    ],
)
async def test_bad_parameters_are_problems(http: httpx.AsyncClient, query: str, param: str) -> None:
    response = await http.get(f"{FEED}?{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["param"], problem["type"]) == (
        400,
        param,
        "/problems/bad-request",
    )


async def test_cursor_and_since_together_are_refused(http: httpx.AsyncClient) -> None:
    cursor = (await http.get(FEED, params={"limit": "1"})).json()["cursor"]
    response = await http.get(FEED, params={"cursor": cursor, "since": "2021-01-01"})
    assert response.status_code == 400
    assert response.json()["param"] == "cursor"
    # An edited cursor is refused too.
    forged = encode_cursor(FeedPosition(5))[:-2] + "AA"
    assert (await http.get(FEED, params={"cursor": forged})).json()["param"] == "cursor"


# --- the settle window -------------------------------------------------------------------------


async def test_settle_window_holds_back_young_changes(
    connection: AsyncConnection, settings: Settings, source: AsyncSession
) -> None:
    old = datetime(2021, 12, 6, tzinfo=UTC)
    await source.execute(update(Change).values(changed_at=old))  # everything so far is settled
    await source.commit()
    last_old = (await settled_seqs(source))[-1]
    young = await create_leader(source, LeaderCreate(name="Young"))
    await source.commit()
    young_seq = (await settled_seqs(source))[-1]
    # A change with a higher seq but an older time (its transaction flushed earlier and drew its
    # seq later): it must not be shown before the young one, or the cursor would skip the latter.
    source.add(Change(public_id=BIDEN, type="leader", op="update", changed_at=old))
    await source.commit()
    behind = (await settled_seqs(source))[-1]

    async with feed_client(connection, settings, settle=60) as waiting:
        entries, last = await read_all(waiting, f"{FEED}?limit=1000")
        assert entries[-1]["seq"] == last_old
        assert young_seq not in [e["seq"] for e in entries]
        assert behind not in [e["seq"] for e in entries]
        assert decode_cursor(last["cursor"]) == FeedPosition(last_old)
        total = (await waiting.get(FEED, params={"with_total": "true", "limit": "1"})).json()
        assert total["total"] == len(entries)

        # Once the young change has settled, polling gives it and the one behind it.
        await source.execute(
            update(Change).where(col(Change.seq) == young_seq).values(changed_at=old)
        )
        await source.commit()
        polled = (await waiting.get(last["links"]["poll"])).json()
        assert [e["seq"] for e in polled["data"]] == [young_seq, behind]
        assert polled["data"][0]["id"] == young.public_id

    # The default window (a couple of seconds) holds back a change made just now.
    async with feed_client(connection, settings, settle=settings.change_feed_settle_seconds) as app:
        fresh = await create_leader(source, LeaderCreate(name="Just Now"))
        await source.commit()
        everything, _ = await read_all(app, f"{FEED}?limit=1000")
        assert fresh.public_id not in {e["id"] for e in everything}


# --- deletes -----------------------------------------------------------------------------------


async def test_deletes_appear_as_tombstones(http: httpx.AsyncClient, source: AsyncSession) -> None:
    mark = utcnow()
    # A record created and deleted between two reads: its create has no record any more.
    gone = await create_leader(source, LeaderCreate(name="Short Lived"))
    await source.commit()
    await delete_record(source, gone.public_id)
    await source.commit()
    # A seed engagement with participants and citations (deleted with it) and statements and
    # claims (detached from it).
    await delete_record(source, TROOP_WARNING)
    await source.commit()

    entries, _ = await read_all(http, since_url(mark))
    assert [(e["op"], e["id"], e["record"]) for e in entries[:2]] == [
        ("create", gone.public_id, None),
        ("delete", gone.public_id, None),
    ]
    rest = entries[2:]
    assert rest[-1]["op"] == "delete" and rest[-1]["id"] == TROOP_WARNING
    deleted = {e["type"] for e in rest if e["op"] == "delete"}
    assert deleted == {"engagement", "participant", "citation"}
    assert all(e["record"] is None for e in rest if e["op"] == "delete")
    detached = [e for e in rest if e["op"] == "update"]
    assert detached and all(e["record"]["engagement"] is None for e in detached)
    assert {e["type"] for e in detached} <= {"statement", "claim"}
    # Children go before the record they belong to.
    assert max(e["seq"] for e in rest if e["type"] != "engagement") < rest[-1]["seq"]


# --- cost --------------------------------------------------------------------------------------


async def test_a_page_costs_a_fixed_number_of_statements(source: AsyncSession) -> None:
    bound = 1 + len(KIND_MODELS) + sum(len(set(refs.values())) for refs in _REFS.values())
    async with count_statements() as stats:
        page = await read_changes(source, FeedPosition(), limit=1000)
    kinds = {e["type"] for e in page.entries}
    assert len(page.entries) > 400 and len(kinds) == len(KIND_MODELS)
    assert stats.statements <= bound
    # Per kind: its rows, then one statement per table its rows point at; never per row.
    async with count_statements() as small:
        await read_changes(source, FeedPosition(), limit=5)
    assert small.statements == 2  # the changes, then the countries (which point at nothing)


# --- writes that change nothing ---------------------------------------------------------------


async def test_a_patch_that_changes_nothing_leaves_the_record_and_the_feed_alone(
    http: httpx.AsyncClient, source: AsyncSession
) -> None:
    _, key = await create_key(source, "feed-noop", "write")
    await source.commit()
    url = f"/api/v1/engagements/{TROOP_WARNING}"
    current = await http.get(url)
    mark = utcnow()
    patched = await http.patch(
        url,
        json={"title": current.json()["title"]},
        headers={"Authorization": f"Bearer {key}", "If-Match": current.headers["etag"]},
    )
    assert patched.status_code == 200
    assert patched.json()["updatedAt"] == current.json()["updatedAt"]
    assert patched.headers["etag"] == current.headers["etag"]
    entries, _ = await read_all(http, since_url(mark))
    assert [(e["op"], e["id"]) for e in entries if e["id"] == TROOP_WARNING] == []
