"""Replaying the change feed into an empty, freshly migrated database gives an exact copy: every
record's canonical form equal on both sides, tombstones too; and replaying again from the saved
cursor after more changes keeps it exact. Changes are made through the data layer, REST and
GraphQL, including the awkward ones: a record whose first feed entry already points at a record
created after it, a tenure moved to a group created later (and the citation that hangs on it), a
unique value passed from one record to another, records created and deleted between two reads,
and deletes that take children with them and detach others."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio import to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from db import migrations
from db.claims import ClaimUpdate, update_claim
from db.deletion import delete_record, remove_stance
from db.engagements import ParticipantCreate, add_participant
from db.engine import make_engine, make_sessionmaker, transaction
from db.enums import GroupKind, MembershipRole
from db.feed import decode_cursor
from db.groups import GroupCreate, MembershipCreate, create_group, create_membership
from db.ids import seed_id
from db.keys import create_key
from db.leaders import LeaderCreate, LeaderUpdate, create_leader, update_leader
from db.models import Tombstone
from db.replay import (
    MissingReferences,
    Replayer,
    ReplayError,
    apply_change,
    apply_record,
)
from db.seed import table_counts
from db.serialize import KIND_MODELS, iso, to_dicts
from db.settings import Settings
from db.sources import CitationCreate, SourceCreate, add_citation, create_source
from db.statements import StatementCreate, StatementUpdate, create_statement, update_statement
from tests.conftest import fresh_database_url
from tests.databases import drop_postgres_database
from tests.test_changes_feed import FEED, bound_sessions, feed_client

pytestmark = pytest.mark.anyio

BIDEN = seed_id("leader", "biden")
PUTIN = seed_id("leader", "putin")
ZELENSKY = seed_id("leader", "zelensky")
ZELENSKY_PRESIDENT = seed_id("position", "zelensky-president")
PESKOV_REMARKS = seed_id("engagement", "peskov-remarks")
TROOPS_94000 = seed_id("claim", "troops-94000")
TROOPS_94000_RU_DENIES = seed_id("stance", "troops-94000-ru-denies")


@pytest.fixture
async def replica(database_url: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An empty database of the same kind as the suite's, built with the migrations."""
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    url = await to_thread.run_sync(fresh_database_url, kind, tmp_path, "replica")
    await to_thread.run_sync(migrations.upgrade, url)
    engine = make_engine(Settings(database_url=url))
    try:
        yield engine
    finally:
        await engine.dispose()
        if kind == "postgresql":
            await to_thread.run_sync(drop_postgres_database, url)


@pytest.fixture
async def http(connection: AsyncConnection, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with feed_client(connection, settings) as client:
        yield client


@pytest.fixture
def source(connection: AsyncConnection) -> AsyncSession:
    return bound_sessions(connection)()


@pytest.fixture
async def write_key(source: AsyncSession) -> str:
    _, secret = await create_key(source, "replay-test", "write")
    await source.commit()
    return secret


async def replay(
    http: httpx.AsyncClient, replica: AsyncEngine, replayer: Replayer, cursor: str | None
) -> str:
    """Read the feed through HTTP from the cursor (or the start), applying each page in its own
    transaction; returns the cursor to carry on from."""
    sessions = make_sessionmaker(replica)
    url = f"{FEED}?limit=75" + (f"&cursor={cursor}" if cursor else "")
    while True:
        response = await http.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        async with transaction(sessions) as session:
            await replayer.apply(session, body["data"])
        if not body["hasMore"]:
            assert set(body["links"]) == {"poll"}
            return str(body["cursor"])
        url = body["links"]["next"]


async def snapshot(session: AsyncSession) -> dict[str, Any]:
    """Every record's canonical form by kind, sorted by ID, and the tombstones of records."""
    out: dict[str, Any] = {}
    for kind, model in KIND_MODELS.items():
        rows = list(
            (await session.execute(select(model).order_by(model.public_id))).scalars()  # type: ignore[attr-defined]
        )
        out[kind] = await to_dicts(session, kind, rows)
    tombstones = await session.execute(
        select(Tombstone).where(Tombstone.type.in_(list(KIND_MODELS))).order_by(Tombstone.public_id)  # type: ignore[attr-defined]
    )
    out["tombstones"] = [(t.public_id, t.type, iso(t.deleted_at)) for t in tombstones.scalars()]
    return out


async def assert_same(connection: AsyncConnection, replica: AsyncEngine) -> dict[str, Any]:
    theirs = await snapshot(bound_sessions(connection)())
    async with make_sessionmaker(replica)() as session:
        ours = await snapshot(session)
    for kind in theirs:
        assert len(ours[kind]) == len(theirs[kind]), kind
        for mine, expected in zip(ours[kind], theirs[kind], strict=True):
            assert mine == expected, kind
    return theirs


async def graphql(http: httpx.AsyncClient, key: str, query: str, **variables: Any) -> Any:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {key}"},
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


MOVE_POSITION = """
mutation ($id: ID!, $group: ID!) {
  updatePosition(id: $id, input: {country: null, group: $group}) {
    __typename ... on Position { id } ... on ValidationError { message }
  }
}
"""
MOVE_BACK = """
mutation ($id: ID!) {
  updatePosition(id: $id, input: {country: "UA", group: null}) { __typename }
}
"""
DELETE_ENGAGEMENT = """
mutation ($id: ID!) { deleteEngagement(id: $id) { __typename ... on Deleted { id } } }
"""


async def test_replaying_the_feed_makes_an_exact_copy(
    http: httpx.AsyncClient,
    source: AsyncSession,
    connection: AsyncConnection,
    replica: AsyncEngine,
    write_key: str,
) -> None:
    auth = {"Authorization": f"Bearer {write_key}"}
    async with make_sessionmaker(replica)() as empty:
        assert set((await table_counts(empty)).values()) == {0}

    # --- changes through the data layer, REST and GraphQL --------------------------------------
    # A statement made before the engagement it is then attached to: its create entry already
    # names an engagement whose create comes later in the feed.
    statement = await create_statement(
        source, StatementCreate(text="We will talk again.", speaker=BIDEN, date=date(2022, 1, 10))
    )
    await source.commit()
    created = await http.post(
        "/api/v1/engagements",
        json={
            "kind": "CALL",
            "mode": "PHONE",
            "title": "Biden and Zelensky speak",
            "startDate": "2022-01-10",
            "locationCountry": "UA",
            "latitude": 50,
            "longitude": 30.5,
            "externalId": "replay-test-1",
            "attributes": {"duration": 45, "topics": ["security"]},
        },
        headers=auth,
    )
    assert created.status_code == 201, created.text
    call = created.json()["id"]
    patched = await http.patch(
        f"/api/v1/engagements/{call}",
        json={"summary": "They agreed to speak again.", "status": "HELD"},
        headers={**auth, "If-Match": created.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    for actor in (BIDEN, ZELENSKY, "country_UA"):
        await add_participant(source, ParticipantCreate(engagement=call, actor=actor))
    await update_statement(source, statement.public_id, StatementUpdate(engagement=call))
    await source.commit()

    # A tenure moved to a group created long after it (its seed citation hangs on it).
    group = await create_group(
        source, GroupCreate(name="Replay Council", kind=GroupKind.DIPLOMATIC_FORMAT, aliases=["RC"])
    )
    await create_membership(
        source,
        MembershipCreate(group=group.public_id, member="country_UA", role=MembershipRole.MEMBER),
    )
    await source.commit()
    moved = await graphql(
        http, write_key, MOVE_POSITION, id=ZELENSKY_PRESIDENT, group=group.public_id
    )
    assert moved["updatePosition"]["__typename"] == "Position"

    # Updates, a record created and deleted, deletes that cascade and detach.
    await update_leader(source, BIDEN, LeaderUpdate(aliases=["Joe", "POTUS"]))
    await update_claim(source, TROOPS_94000, ClaimUpdate(text="Russia has massed 94,000 troops."))
    await remove_stance(source, TROOPS_94000_RU_DENIES)  # the claim's status is derived again
    await source.commit()
    fleeting = await create_leader(source, LeaderCreate(name="Fleeting", country="FR"))
    await source.commit()
    await delete_record(source, fleeting.public_id)
    await source.commit()
    etag = (await http.get(f"/api/v1/engagements/{PESKOV_REMARKS}")).headers["etag"]
    deleted = await http.delete(
        f"/api/v1/engagements/{PESKOV_REMARKS}", headers={**auth, "If-Match": etag}
    )
    assert deleted.status_code == 204, deleted.text

    # --- the whole feed into the empty database ------------------------------------------------
    replayer = Replayer()
    cursor = await replay(http, replica, replayer, None)
    assert replayer.pending == {}
    theirs = await assert_same(connection, replica)
    assert {t[0] for t in theirs["tombstones"]} >= {fleeting.public_id, PESKOV_REMARKS}
    assert any(
        s["id"] == statement.public_id and s["engagement"] == call for s in theirs["statement"]
    )

    # Replaying again from the cursor with nothing new changes nothing.
    assert await replay(http, replica, replayer, cursor) == cursor

    # --- more changes, then from the saved cursor ----------------------------------------------
    # Biden's QID passes to Putin: Putin's first entry (a rename) already holds it while the
    # copy's Biden still does, until Biden's own entry gives it up.
    await update_leader(source, PUTIN, LeaderUpdate(name="Vladimir V. Putin"))
    await source.commit()
    await update_leader(source, BIDEN, LeaderUpdate(wikidata_qid="Q-replay"))
    await source.commit()
    await update_leader(source, PUTIN, LeaderUpdate(wikidata_qid="Q6279"))
    await source.commit()
    # A new source cited by the engagement made above, which is then deleted through GraphQL
    # (participants and the citation go with it; the statement is detached).
    doc = await create_source(
        source,
        SourceCreate(
            title="Readout", url="https://example.org/readout", text="They spoke for 45 minutes."
        ),
    )
    await add_citation(
        source,
        CitationCreate(source=doc.public_id, target=call, excerpt="spoke", start=5, end=10),
    )
    await source.commit()
    gone = await graphql(http, write_key, DELETE_ENGAGEMENT, id=call)
    assert gone["deleteEngagement"] == {"__typename": "Deleted", "id": call}
    back = await graphql(http, write_key, MOVE_BACK, id=ZELENSKY_PRESIDENT)
    assert back["updatePosition"]["__typename"] == "Position"
    await delete_record(source, group.public_id)  # its membership goes with it
    await source.commit()

    before = decode_cursor(cursor).seq
    cursor = await replay(http, replica, replayer, cursor)
    assert decode_cursor(cursor).seq > before
    assert replayer.pending == {}
    theirs = await assert_same(connection, replica)
    leaders = {leader["id"]: leader for leader in theirs["leader"]}
    assert (leaders[BIDEN]["wikidataQid"], leaders[PUTIN]["wikidataQid"]) == ("Q-replay", "Q6279")

    # The copy keeps its own change log: it could serve a feed in its turn.
    async with make_sessionmaker(replica)() as session:
        counts = await table_counts(session)
    assert counts["engagements"] == len(theirs["engagement"])


async def test_entries_wait_for_the_records_they_name(replica: AsyncEngine) -> None:
    """An entry naming a record the copy does not hold yet is held back, then applied when that
    record arrives; the replayer's pending entries survive a restart as plain JSON."""
    sessions = make_sessionmaker(replica)
    stamp = "2022-01-10T12:00:00+00:00"
    country = {
        "id": "country_UA",
        "code": "UA",
        "alpha3": "UKR",
        "name": "Ukraine",
        "officialName": None,
        "aliases": ["Ukraine", "Kyiv"],
        "createdAt": stamp,
        "updatedAt": stamp,
    }
    leader_id = "leader_" + "0" * 26
    leader: dict[str, Any] = {
        "id": leader_id,
        "name": "Someone",
        "aliases": [],
        "country": "country_UA",
        "wikidataQid": None,
        "createdAt": stamp,
        "updatedAt": stamp,
    }
    entry = {"seq": 1, "op": "create", "type": "leader", "id": leader_id, "at": stamp}
    async with transaction(sessions) as session:
        assert await apply_change(session, {**entry, "record": leader}) == ("country_UA",)
        with pytest.raises(MissingReferences):
            await apply_record(session, "leader", leader)
        replayer = Replayer()
        await replayer.apply(session, [{**entry, "record": leader}])
        assert set(replayer.pending) == {leader_id}
    restarted = Replayer(pending=replayer.pending)
    async with transaction(sessions) as session:
        await restarted.apply(
            session,
            [
                {
                    "seq": 2,
                    "op": "create",
                    "type": "country",
                    "id": "country_UA",
                    "at": stamp,
                    "record": country,
                }
            ],
        )
    assert restarted.pending == {}
    async with sessions() as session:
        snap = await snapshot(session)
    assert snap["leader"] == [leader] and snap["country"] == [country]

    # A record of another shape than the canonical one is refused, not half applied.
    async with transaction(sessions) as session:
        with pytest.raises(ReplayError, match="canonical shape"):
            await apply_record(session, "leader", {**leader, "extra": 1})
        with pytest.raises(ReplayError, match="unknown op"):
            await apply_change(session, {**entry, "op": "merge", "record": leader})

    # A delete leaves a tombstone dated as in the source, also for a record never held.
    never = "leader_" + "1" * 26
    async with transaction(sessions) as session:
        for public_id in (leader_id, never):
            await apply_change(
                session,
                {
                    "seq": 3,
                    "op": "delete",
                    "type": "leader",
                    "id": public_id,
                    "at": stamp,
                    "record": None,
                },
            )
    async with sessions() as session:
        snap = await snapshot(session)
    assert snap["leader"] == []
    assert snap["tombstones"] == [(leader_id, "leader", stamp), (never, "leader", stamp)]
