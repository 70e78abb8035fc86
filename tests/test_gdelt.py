"""Importing GDELT event files (db.gdelt, db.cameo, ``crisisgraph import gdelt``).

Small fixtures of our own live in tests/fixtures/gdelt (26 GDELT 2.0 rows, 3 GDELT 1.0 daily rows,
2 back-file rows); the real files are read from ../shared/data/gdelt and the tests that need them
skip, saying so, when that folder is absent.
"""

from __future__ import annotations

import csv
import os
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pycountry
import pytest
from sqlalchemy import delete, func, insert
from sqlalchemy import select as sql_select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

from db import cameo, gdelt
from db.base import utcnow
from db.deletion import delete_record
from db.enums import EngagementKind, EngagementMode, GroupKind, ParticipantRole
from db.gdelt import (
    GDELT2,
    GdeltBadRowsError,
    GdeltFileError,
    ImportProgress,
    ImportResult,
    import_gdelt_file,
    sniff_gdelt_file,
)
from db.ids import id_type, seed_id
from db.models import (
    Change,
    Citation,
    Engagement,
    Group,
    Leader,
    Participant,
    Source,
    Tombstone,
)
from db.sources import locate_excerpt
from db.text import fold

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "gdelt"
EVENTS = FIXTURES / "events.export.CSV"  # GDELT 2.0, 26 rows
DAILY = FIXTURES / "daily.gdelt1.tsv"  # GDELT 1.0, 58 columns, 3 rows
BACKFILE = FIXTURES / "backfile.gdelt1.tsv"  # GDELT 1.0, 57 columns, 2 rows
SHARED = ROOT.parent / "shared" / "data"
REAL_GDELT2 = SHARED / "gdelt" / "20191024143000.export.CSV"
REAL_GDELT1 = SHARED / "gdelt" / "gdelt1_sample_events.tsv"
CAMEO_CODES = SHARED / "cameo" / "CAMEO.eventcodes.txt"
CAMEO_PLOVER = SHARED / "cameo" / "CAMEO2PLOVER-2021.txt"


def needs(path: Path) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not path.exists(), reason=f"{path} is absent (the shared data folder ../shared/data)"
    )


def lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("".join(r + "\n" for r in rows), "utf-8")
    return path


def set_field(row: str, column: str, value: str, fmt: gdelt.GdeltFormat = GDELT2) -> str:
    fields = row.split("\t")
    fields[fmt.index(column)] = value
    return "\t".join(fields)


def renumbered(rows: list[str], times: int) -> Iterator[str]:
    """The rows again and again, each time with fresh GLOBALEVENTIDs."""
    for n in range(times):
        for row in rows:
            event_id, rest = row.split("\t", 1)
            yield f"{int(event_id) + n * 1000}\t{rest}"


async def count(session: AsyncSession, model: Any, *where: Any) -> int:
    query = sql_select(func.count()).select_from(model).where(*where)
    return int((await session.execute(query)).scalar_one())


async def last_change(session: AsyncSession) -> int:
    return int((await session.execute(sql_select(func.max(Change.seq)))).scalar_one() or 0)


async def table_counts(session: AsyncSession) -> dict[str, int]:
    models = {
        "engagement": Engagement,
        "participant": Participant,
        "source": Source,
        "citation": Citation,
        "group": Group,
        "change": Change,
        "tombstone": Tombstone,
    }
    return {name: await count(session, model) for name, model in models.items()}


async def engagement(session: AsyncSession, event_id: int) -> Engagement:
    query = sql_select(Engagement).where(col(Engagement.external_id) == f"gdelt:{event_id}")
    return (await session.execute(query)).scalar_one()


async def participants(session: AsyncSession, engagement_id: int | None) -> list[tuple[str, str]]:
    """(role, actor) pairs, actor as ``leader:<name>``, ``country:<code>`` or ``group:<name>``."""
    rows = await session.execute(
        sql_select(Participant, col(Leader.name), col(Group.name))
        .outerjoin(Leader, col(Leader.id) == Participant.leader_id)
        .outerjoin(Group, col(Group.id) == Participant.group_id)
        .where(col(Participant.engagement_id) == engagement_id)
        .order_by(col(Participant.id))
    )
    out = []
    for participant, leader, group in rows:
        actor = (
            f"leader:{leader}"
            if leader
            else f"group:{group}"
            if group
            else f"country:{participant.country_code}"
        )
        out.append((participant.role.value, actor))
    return out


# --- the code tables ---------------------------------------------------------------------------

K, M, R = EngagementKind, EngagementMode, ParticipantRole


@pytest.mark.parametrize(
    ("code", "kind", "mode", "roles"),
    [
        ("010", K.STATEMENT, None, (R.INITIATOR, R.RECIPIENT)),
        ("0233", K.DEMAND, None, (R.INITIATOR, R.RECIPIENT)),
        ("036", K.STATEMENT, None, (R.INITIATOR, R.RECIPIENT)),
        ("039", K.MEDIATION_OFFER, None, (R.INITIATOR, R.RECIPIENT)),
        ("040", K.MEETING, None, (R.INITIATOR, R.RECIPIENT)),
        ("041", K.CALL, M.PHONE, (R.INITIATOR, R.RECIPIENT)),
        ("042", K.VISIT, M.IN_PERSON, (R.PARTICIPANT, R.HOST)),
        ("043", K.VISIT, M.IN_PERSON, (R.HOST, R.PARTICIPANT)),
        ("044", K.MEETING, M.IN_PERSON, (R.INITIATOR, R.RECIPIENT)),
        ("045", K.NEGOTIATION, None, (R.MEDIATOR, R.PARTICIPANT)),
        ("046", K.NEGOTIATION, None, (R.INITIATOR, R.RECIPIENT)),
        ("051", K.STATEMENT, None, (R.INITIATOR, R.RECIPIENT)),
        ("057", K.NEGOTIATION, None, (R.INITIATOR, R.RECIPIENT)),
        ("062", K.AID, None, (R.INITIATOR, R.RECIPIENT)),
        ("073", K.AID, None, (R.INITIATOR, R.RECIPIENT)),
        ("0871", K.OTHER, None, (R.INITIATOR, R.RECIPIENT)),
        ("094", K.OTHER, None, (R.INITIATOR, R.RECIPIENT)),
        ("1041", K.DEMAND, None, (R.INITIATOR, R.RECIPIENT)),
        ("1123", K.STATEMENT, None, (R.INITIATOR, R.RECIPIENT)),
        ("125", K.STATEMENT, None, (R.INITIATOR, R.RECIPIENT)),
        ("1384", K.THREAT, None, (R.INITIATOR, R.RECIPIENT)),
        ("139", K.THREAT, None, (R.INITIATOR, R.RECIPIENT)),
        ("145", K.PROTEST, None, (R.INITIATOR, R.RECIPIENT)),
        ("154", K.MILITARY_DEPLOYMENT, None, (R.INITIATOR, R.RECIPIENT)),
        ("161", K.SANCTION, None, (R.INITIATOR, R.RECIPIENT)),
        ("163", K.SANCTION, None, (R.INITIATOR, R.RECIPIENT)),
        ("173", K.SANCTION, None, (R.INITIATOR, R.RECIPIENT)),
        ("1712", K.ATTACK, None, (R.INITIATOR, R.RECIPIENT)),
        ("175", K.ATTACK, None, (R.INITIATOR, R.RECIPIENT)),
        ("1831", K.ATTACK, None, (R.INITIATOR, R.RECIPIENT)),
        ("190", K.ATTACK, None, (R.INITIATOR, R.RECIPIENT)),
        ("191", K.MILITARY_DEPLOYMENT, None, (R.INITIATOR, R.RECIPIENT)),
        ("192", K.MILITARY_DEPLOYMENT, None, (R.INITIATOR, R.RECIPIENT)),
        ("195", K.ATTACK, None, (R.INITIATOR, R.RECIPIENT)),
        ("2042", K.ATTACK, None, (R.INITIATOR, R.RECIPIENT)),
    ],
)
def test_kind_mode_and_roles_of_cameo_codes(
    code: str,
    kind: EngagementKind,
    mode: EngagementMode | None,
    roles: tuple[ParticipantRole, ParticipantRole],
) -> None:
    rule = cameo.event_type(code)
    assert (rule.kind, rule.mode, (rule.actor1_role, rule.actor2_role)) == (kind, mode, roles)


def test_every_root_code_has_a_rule_and_codes_keep_their_zeros() -> None:
    assert sorted(c for c in cameo.EVENT_RULES if len(c) == 2) == [f"{n:02d}" for n in range(1, 21)]
    assert all(c.isdigit() and 2 <= len(c) <= 4 for c in cameo.EVENT_LABELS)
    assert cameo.is_event_code("042") and not cameo.is_event_code("42")
    assert not cameo.is_event_code("21") and not cameo.is_event_code("0421")
    with pytest.raises(KeyError):
        cameo.event_type("99")


@needs(CAMEO_CODES)
def test_every_code_of_the_cameo_codebook_is_known() -> None:
    codes = [line.split("\t")[0] for line in lines(CAMEO_CODES)[1:]]
    assert len(codes) == 310
    assert set(codes) <= set(cameo.EVENT_LABELS)
    for code in codes:
        cameo.event_type(code)  # every code has a rule (its own or its root's)


@needs(CAMEO_PLOVER)
def test_our_rules_follow_the_plover_conversion_table() -> None:
    checked = 0
    for line in lines(CAMEO_PLOVER):
        match = re.match(r"^(\d{2,4}):\s*([A-Z]+)", line)
        if match:
            code, category = match.groups()
            assert category in cameo.event_type(code).plover, (code, category)
            checked += 1
    assert checked == 276


def test_regions_and_blocs_are_never_countries() -> None:
    for code in cameo.REGIONS:
        assert pycountry.countries.get(alpha_3=code) is None
        assert cameo.cameo_country(code) is None
    assert cameo.cameo_country("USA") == "US"
    assert cameo.cameo_country("RUS") == "RU"
    assert cameo.cameo_country("TMP") == "TL"
    assert cameo.cameo_country("KSV") is None  # Kosovo has no ISO 3166-1 code
    assert cameo.cameo_country("XYZ") is None


def test_fips_codes_map_to_iso_countries() -> None:
    samples = {
        "UP": "UA",
        "RS": "RU",
        "GM": "DE",
        "UK": "GB",
        "BO": "BY",
        "CH": "CN",
        "SZ": "CH",
        "AU": "AT",
        "AS": "AU",
        "EZ": "CZ",
        "IS": "IL",
        "OD": "SS",
        "SF": "ZA",
        "KS": "KR",
        "KN": "KP",
        "WE": "PS",
        "GZ": "PS",
        "US": "US",
        "OS": None,
        "KV": None,
        "YI": None,
    }
    assert {code: cameo.fips_country(code) for code in samples} == samples
    iso = {str(c.alpha_2) for c in pycountry.countries}
    assert {v for v in cameo.FIPS_TO_ISO.values() if v} <= iso
    # Every ISO country but Åland and the Caribbean Netherlands (no FIPS code of their own).
    assert iso - set(cameo.FIPS_TO_ISO.values()) == {"AX", "BQ"}


def test_known_groups_take_the_most_specific_code_of_the_actor() -> None:
    assert cameo.known_group_code("UNO", "IGOUNODEVWBK") == "WBK"
    assert cameo.known_group_code("EEC", "IGOEUREEC") == "EEC"
    assert cameo.known_group_code("", "USAGOV") is None
    assert cameo.KNOWN_GROUPS["NAT"].kind == GroupKind.ALLIANCE


def test_search_text_is_the_folded_title_and_place() -> None:
    parser = gdelt._Parser(GDELT2)
    for n, row in enumerate(lines(EVENTS), 1):
        event = parser.parse(n, row.split("\t"), row.encode())
        title = gdelt.event_title(event)
        assert gdelt.event_search_text(event) == fold(f"{title} {event.place or ''}")


# --- importing ---------------------------------------------------------------------------------


async def test_import_the_fixture(session: AsyncSession) -> None:
    result = await import_gdelt_file(session, EVENTS)
    assert (result.format, result.rows, result.created, result.updated, result.unchanged) == (
        "GDELT 2.0",
        26,
        26,
        0,
        0,
    )
    assert result.kinds == {
        "STATEMENT": 4,
        "ATTACK": 3,
        "NEGOTIATION": 3,
        "VISIT": 2,
        "DEMAND": 2,
        "SANCTION": 2,
        "MILITARY_DEPLOYMENT": 2,
        "OTHER": 2,
        "CALL": 1,
        "THREAT": 1,
        "AID": 1,
        "PROTEST": 1,
        "MEDIATION_OFFER": 1,
        "MEETING": 1,
    }
    assert result.actors == {"country": 30, "group": 8, "leader": 3, "unresolved": 5, "absent": 6}
    assert result.participants_created == 41
    assert sorted(result.groups_created) == sorted(
        [
            "Europe",
            "Africa",
            "World Bank",
            "European Union",
            "The West",
            "Taliban",
            "United Nations",
        ]
    )

    # Putin (the seed's leader, by name) visits Turkey, his host.
    putin = await engagement(session, 900000001)
    assert (putin.kind, putin.mode, putin.cameo_code) == (K.VISIT, M.IN_PERSON, "042")
    assert putin.title == "VLADIMIR PUTIN → TURKEY: Make a visit"
    assert putin.public_id == seed_id("engagement", "gdelt:900000001")
    assert await participants(session, putin.id) == [
        ("PARTICIPANT", "leader:Vladimir Putin"),
        ("HOST", "country:TR"),
    ]
    assert str(putin.start_date) == "2021-12-06"
    assert (putin.location_place, putin.location_country_code) == ("Ankara, Ankara, Turkey", "TR")
    assert (putin.latitude, putin.longitude) == (39.9272, 32.8644)
    assert putin.attributes is not None
    assert {k: putin.attributes[k] for k in ("GoldsteinScale", "QuadClass", "NumMentions")} == {
        "GoldsteinScale": 1.9,
        "QuadClass": 1,
        "NumMentions": 10,
    }
    assert putin.attributes["Actor1Code"] == "RUSGOV"
    assert putin.attributes["IsRootEvent"] == 1
    assert putin.attributes["ActionGeo_CountryCode"] == "TU"

    expected = {
        900000002: [("INITIATOR", "leader:Joe Biden"), ("RECIPIENT", "leader:Volodymyr Zelenskyy")],
        # The seed's NATO, found by its CAMEO known-group code NAT.
        900000003: [
            ("INITIATOR", "group:North Atlantic Treaty Organization"),
            ("RECIPIENT", "country:RU"),
        ],
        # Regions are groups, never a country.
        900000004: [("HOST", "group:Europe"), ("PARTICIPANT", "group:Africa")],
        900000005: [("INITIATOR", "group:World Bank"), ("RECIPIENT", "country:KE")],
        900000006: [("INITIATOR", "group:European Union"), ("RECIPIENT", "country:BY")],
        900000007: [],  # TOURISM INDUSTRY: nothing usable
        900000008: [],  # no actors at all
        900000009: [("INITIATOR", "group:The West"), ("RECIPIENT", "country:CN")],
        900000010: [("MEDIATOR", "country:QA"), ("PARTICIPANT", "group:Taliban")],
        # A Canadian "SERGEY LAVROV" is not Russia's foreign minister.
        900000011: [("INITIATOR", "country:CA"), ("RECIPIENT", "country:US")],
        900000026: [("RECIPIENT", "country:RS")],  # Kosovo: no ISO code, left out
    }
    for event_id, pairs in expected.items():
        assert await participants(session, (await engagement(session, event_id)).id) == pairs
    nato_group = (
        await session.execute(
            sql_select(Group).where(col(Group.public_id) == seed_id("group", "nato"))
        )
    ).scalar_one()
    assert nato_group.name == "North Atlantic Treaty Organization"  # not a second NATO
    europe = (
        await session.execute(sql_select(Group).where(col(Group.name) == "Europe"))
    ).scalar_one()
    assert (europe.kind, europe.public_id) == (
        GroupKind.OTHER,
        seed_id("group", "cameo-region:EUR"),
    )
    kosovo = await engagement(session, 900000026)
    assert (kosovo.location_country_code, kosovo.location_place) == (
        None,
        "Pristina, Kosovo (general), Kosovo",
    )
    belarus = await engagement(session, 900000006)
    assert belarus.location_country_code == "BY"  # FIPS BO is Belarus, not Bolivia


async def test_sources_and_citations(session: AsyncSession) -> None:
    before = await count(session, Source)
    await import_gdelt_file(session, EVENTS)
    assert await count(session, Source) == before + 25  # 26 rows, one URL used twice
    putin = await engagement(session, 900000001)
    nato = await engagement(session, 900000003)
    rows = (
        await session.execute(
            sql_select(Citation, Source)
            .join(Source, col(Source.id) == Citation.source_id)
            .where(col(Citation.engagement_id).in_([putin.id, nato.id]))
            .order_by(col(Citation.id))
        )
    ).all()
    assert [s.url for _, s in rows] == ["https://example.org/news/putin-visits-ankara"] * 2
    citation, source = rows[0]
    assert (source.text, source.publisher) == (None, "example.org")
    assert citation.excerpt == (
        "GDELT event 900000001 (CAMEO 042): VLADIMIR PUTIN → TURKEY: Make a visit"
    )
    assert (citation.start_offset, citation.end_offset) == (0, len(citation.excerpt))
    assert locate_excerpt(None, citation.excerpt, citation.start_offset, citation.end_offset)


async def test_changes_are_recorded_for_what_the_import_creates(session: AsyncSession) -> None:
    before = await last_change(session)
    result = await import_gdelt_file(session, EVENTS)
    by_type: dict[str, int] = dict(
        (
            await session.execute(
                sql_select(col(Change.type), func.count())
                .where(col(Change.seq) > before)
                .group_by(col(Change.type))
            )
        ).all()
    )
    assert by_type == {
        "engagement": 26,
        "participant": result.participants_created,
        "source": 25,
        "citation": 26,
        "group": len(result.groups_created),
    }
    putin = await engagement(session, 900000001)
    ops = await session.execute(
        sql_select(col(Change.op)).where(col(Change.public_id) == putin.public_id)
    )
    assert ops.scalars().all() == ["create"]


async def test_changes_come_after_those_committed_while_the_import_ran(
    session: AsyncSession, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change feed reader must never find an import's changes behind its cursor: on
    PostgreSQL, a change another transaction commits while the import runs has a lower
    sequence number than every change of the import."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing else commits while an import runs")
    before = await last_change(session)
    write_batch = gdelt._Writer.write
    other: list[int] = []

    async def write_then_someone_else_commits(self: Any, batch: Any) -> None:
        await write_batch(self, batch)
        if not other:
            async with engine.connect() as conn:
                added = await conn.execute(
                    insert(Change)
                    .values(public_id="leader_x", type="leader", op="update", changed_at=utcnow())
                    .returning(col(Change.seq))
                )
                other.append(int(added.scalar_one() or 0))
                await conn.commit()

    monkeypatch.setattr(gdelt._Writer, "write", write_then_someone_else_commits)
    try:
        result = await import_gdelt_file(session, EVENTS, batch_size=10)
        ours = (
            await session.execute(
                sql_select(col(Change.seq)).where(
                    col(Change.seq) > before, col(Change.seq) != other[0]
                )
            )
        ).scalars()
        seqs = [int(seq or 0) for seq in ours]
        assert len(seqs) > result.created
        assert min(seqs) > other[0]
    finally:
        async with engine.connect() as conn:
            await conn.execute(delete(Change).where(col(Change.public_id) == "leader_x"))
            await conn.commit()


async def test_gdelt1_daily_and_back_file(session: AsyncSession) -> None:
    daily = await import_gdelt_file(session, DAILY)
    back = await import_gdelt_file(session, BACKFILE)
    assert (daily.format, daily.rows, daily.created) == ("GDELT 1.0", 3, 3)
    assert (back.format, back.rows, back.created) == ("GDELT 1.0", 2, 2)
    merkel = await engagement(session, 700000001)
    assert await participants(session, merkel.id) == [
        ("PARTICIPANT", "leader:Angela Merkel"),
        ("HOST", "country:FR"),
    ]
    old = await engagement(session, 1000002)
    assert (old.kind, str(old.start_date), old.location_country_code) == (
        K.ATTACK,
        "1982-12-31",
        "VN",
    )
    # The back file has no SOURCEURL: no source, no citation.
    assert await count(session, Citation, col(Citation.engagement_id) == old.id) == 0


async def test_importing_twice_adds_nothing(session: AsyncSession) -> None:
    first = await import_gdelt_file(session, EVENTS)
    after_first = await table_counts(session)
    second = await import_gdelt_file(session, EVENTS)
    assert await table_counts(session) == after_first
    assert (second.created, second.updated, second.unchanged) == (0, 0, 26)
    assert (second.kinds, second.actors) == (first.kinds, first.actors)
    assert second.groups_created == []


async def test_a_changed_row_updates_its_engagement(session: AsyncSession, tmp_path: Path) -> None:
    rows = lines(EVENTS)
    await import_gdelt_file(session, write(tmp_path / "a.CSV", rows))
    call = await engagement(session, 900000002)
    call_id, call_pid = call.id, call.public_id
    old_participants = (
        (
            await session.execute(
                sql_select(col(Participant.public_id))
                .where(col(Participant.engagement_id) == call_id)
                .order_by(col(Participant.id))
            )
        )
        .scalars()
        .all()
    )
    nato = await engagement(session, 900000003)
    nato_id = nato.id
    changes_before = await last_change(session)

    # 900000002: now Biden visits Ukraine (042), reported elsewhere; 900000003: no Actor2.
    visit = rows[1]
    for column, value in {
        "EventCode": "042",
        "EventBaseCode": "042",
        "Actor2Code": "UKR",
        "Actor2Name": "UKRAINE",
        "Actor2Type1Code": "",
        "SOURCEURL": "https://example.org/news/biden-in-kyiv",
    }.items():
        visit = set_field(visit, column, value)
    alone = rows[2]
    for column in ("Actor2Code", "Actor2Name", "Actor2CountryCode"):
        alone = set_field(alone, column, "")
    changed = [rows[0], visit, alone, *rows[3:]]
    result = await import_gdelt_file(session, write(tmp_path / "b.CSV", changed))
    assert (result.created, result.updated, result.unchanged) == (0, 2, 24)

    session.expire_all()
    call = await engagement(session, 900000002)
    assert (call.id, call.public_id) == (call_id, call_pid)
    assert (call.kind, call.mode, call.cameo_code) == (K.VISIT, M.IN_PERSON, "042")
    assert call.title == "JOE BIDEN → UKRAINE: Make a visit"
    assert call.search_text == fold(
        "JOE BIDEN → UKRAINE: Make a visit " + (call.location_place or "")
    )
    assert await participants(session, call_id) == [
        ("PARTICIPANT", "leader:Joe Biden"),
        ("HOST", "country:UA"),
    ]
    # The participants were rewritten in place: same IDs.
    now_participants = (
        (
            await session.execute(
                sql_select(col(Participant.public_id))
                .where(col(Participant.engagement_id) == call_id)
                .order_by(col(Participant.id))
            )
        )
        .scalars()
        .all()
    )
    assert now_participants == old_participants
    citation, source = (
        await session.execute(
            sql_select(Citation, Source)
            .join(Source, col(Source.id) == Citation.source_id)
            .where(col(Citation.engagement_id) == call_id)
        )
    ).one()
    assert source.url == "https://example.org/news/biden-in-kyiv"
    assert (
        citation.excerpt == "GDELT event 900000002 (CAMEO 042): JOE BIDEN → UKRAINE: Make a visit"
    )
    assert citation.end_offset == len(citation.excerpt)

    # NATO threatens no one now: Russia's participant row is deleted, with a tombstone.
    assert await participants(session, nato_id) == [
        ("INITIATOR", "group:North Atlantic Treaty Organization")
    ]
    new_changes = (
        await session.execute(
            sql_select(col(Change.type), col(Change.op)).where(col(Change.seq) > changes_before)
        )
    ).all()
    assert sorted(set(new_changes)) == [
        ("citation", "update"),
        ("engagement", "update"),
        ("participant", "delete"),
        ("participant", "update"),
        ("source", "create"),
    ]
    assert await count(session, Tombstone, col(Tombstone.type) == "participant") >= 1


async def test_a_deleted_engagement_is_not_imported_again(session: AsyncSession) -> None:
    await import_gdelt_file(session, EVENTS)
    putin = await engagement(session, 900000001)
    await delete_record(session, putin.public_id)
    result = await import_gdelt_file(session, EVENTS)
    assert (result.created, result.deleted, result.unchanged) == (0, 1, 25)
    assert await count(session, Engagement, col(Engagement.external_id) == "gdelt:900000001") == 0


async def test_the_same_event_twice_in_a_file(session: AsyncSession, tmp_path: Path) -> None:
    rows = lines(EVENTS)
    again = set_field(rows[0], "NumMentions", "12")
    result = await import_gdelt_file(
        session, write(tmp_path / "twice.CSV", [rows[0], rows[1], again])
    )
    assert (result.rows, result.created, result.updated) == (3, 2, 1)
    putin = await engagement(session, 900000001)
    assert putin.attributes is not None and putin.attributes["NumMentions"] == 12


async def test_new_keys_are_looked_up_when_they_cannot_be_inferred(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_keys(self: Any, rows: list[tuple[Any, ...]]) -> None:
        await self.insert(rows)
        return None

    monkeypatch.setattr(gdelt._Bulk, "insert_with_keys", no_keys)
    result = await import_gdelt_file(session, EVENTS)
    assert result.created == 26
    putin = await engagement(session, 900000001)
    assert await participants(session, putin.id) == [
        ("PARTICIPANT", "leader:Vladimir Putin"),
        ("HOST", "country:TR"),
    ]


async def test_zipped_input(session: AsyncSession, tmp_path: Path) -> None:
    archive = tmp_path / "20211206000000.export.CSV.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(EVENTS, "20211206000000.export.CSV")
    sniffed = sniff_gdelt_file(archive)
    assert (sniffed.format, sniffed.member) == (GDELT2, "20211206000000.export.CSV")
    zipped = await import_gdelt_file(session, archive)
    assert (zipped.rows, zipped.created) == (26, 26)
    plain = await import_gdelt_file(session, EVENTS)
    assert (plain.created, plain.unchanged) == (0, 26)  # the same rows


async def test_a_header_line_is_not_a_row(session: AsyncSession, tmp_path: Path) -> None:
    path = write(tmp_path / "with-header.tsv", ["\t".join(GDELT2.columns), *lines(EVENTS)[:3]])
    result = await import_gdelt_file(session, path)
    assert (result.rows, result.created) == (3, 3)


async def test_progress_is_reported_per_batch(session: AsyncSession) -> None:
    seen: list[ImportProgress] = []
    await import_gdelt_file(session, EVENTS, progress=seen.append, batch_size=10)
    assert [(p.rows, p.done) for p in seen] == [
        (0, False),
        (10, False),
        (20, False),
        (26, False),
        (26, True),
    ]
    assert seen[-1].bytes_done == seen[-1].bytes_total == EVENTS.stat().st_size


# --- failures ----------------------------------------------------------------------------------


async def test_a_failure_midway_leaves_nothing_and_a_rerun_completes(
    session: AsyncSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "many.CSV", list(renumbered(lines(EVENTS), 4)))  # 104 rows
    before = await table_counts(session)
    calls = 0
    write_batch = gdelt._Writer.write

    async def failing(self: Any, batch: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("the disk is full")
        await write_batch(self, batch)

    monkeypatch.setattr(gdelt._Writer, "write", failing)
    with pytest.raises(RuntimeError, match="the disk is full"):
        await import_gdelt_file(session, path, batch_size=20)
    assert calls == 3  # two batches were written before the failure
    assert await table_counts(session) == before  # ... and none of them is left

    monkeypatch.setattr(gdelt._Writer, "write", write_batch)
    result = await import_gdelt_file(session, path, batch_size=20)
    assert (result.rows, result.created) == (104, 104)


def bad_file(tmp_path: Path) -> tuple[Path, list[str]]:
    rows = lines(EVENTS)[:8]
    rows[1] = set_field(rows[1], "GLOBALEVENTID", "abc")
    rows[2] = set_field(rows[2], "SQLDATE", "20211332")
    rows[3] = set_field(rows[3], "EventCode", "999")
    rows[4] = rows[4].rsplit("\t", 1)[0]  # 60 columns
    rows[5] = set_field(rows[5], "GoldsteinScale", "high")
    rows[6] = set_field(rows[6], "ActionGeo_Lat", "95")
    return write(tmp_path / "bad.export.CSV", rows), rows


BAD_ROWS = [
    "line 2: GLOBALEVENTID: 'abc' is not a positive whole number",
    "line 3: SQLDATE: '20211332' is not a date (YYYYMMDD)",
    "line 4: EventCode: '999' is not a CAMEO event code",
    "line 5: row: has 60 columns, expected 61",
    "line 6: GoldsteinScale: 'high' is not a number",
    "line 7: ActionGeo_Lat: '95' is out of range (-90 to 90)",
]


async def test_bad_rows_fail_the_file(session: AsyncSession, tmp_path: Path) -> None:
    path, _ = bad_file(tmp_path)
    before = await table_counts(session)
    with pytest.raises(GdeltBadRowsError) as caught:
        await import_gdelt_file(session, path)
    assert [str(b) for b in caught.value.bad_rows] == BAD_ROWS
    assert caught.value.count == 6
    assert str(caught.value) == (
        f"{path}: 6 bad rows, first at line 2: GLOBALEVENTID: 'abc' is not a positive whole "
        "number; nothing imported (use --skip-bad-rows to import the others)"
    )
    assert await table_counts(session) == before


async def test_bad_rows_skipped_are_listed_in_the_report(
    session: AsyncSession, tmp_path: Path
) -> None:
    path, rows = bad_file(tmp_path)
    report = tmp_path / "rejects.csv"
    result = await import_gdelt_file(session, path, skip_bad_rows=True, report=report)
    assert (result.rows, result.created, result.skipped) == (8, 2, 6)
    assert [str(b) for b in result.bad_rows] == BAD_ROWS
    assert report.read_text("utf-8") == (
        "line,globaleventid,field,reason,row\n"
        f"2,,GLOBALEVENTID,'abc' is not a positive whole number,\"{rows[1]}\"\n"
        f"3,900000003,SQLDATE,'20211332' is not a date (YYYYMMDD),\"{rows[2]}\"\n"
        f"4,900000004,EventCode,'999' is not a CAMEO event code,\"{rows[3]}\"\n"
        f'5,900000005,row,"has 60 columns, expected 61","{rows[4]}"\n'
        f"6,900000006,GoldsteinScale,'high' is not a number,\"{rows[5]}\"\n"
        f"7,900000007,ActionGeo_Lat,'95' is out of range (-90 to 90),\"{rows[6]}\"\n"
    )
    assert not (tmp_path / "rejects.csv.tmp").exists()


async def test_a_row_that_is_not_utf8_is_a_bad_row(session: AsyncSession, tmp_path: Path) -> None:
    rows = lines(EVENTS)[:2]
    path = tmp_path / "latin1.CSV"
    path.write_bytes(
        rows[0].encode() + b"\n" + rows[1].replace("JOE", "JO\xc9").encode("latin-1") + b"\n"
    )
    result = await import_gdelt_file(session, path, skip_bad_rows=True)
    assert (result.created, result.skipped) == (1, 1)
    assert [str(b) for b in result.bad_rows] == ["line 2: row: is not UTF-8 text (byte 51)"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.CSV", b"", "{path}: is empty, not a GDELT events file"),
        (
            "sixty.CSV",
            None,
            "{path}: has 60 columns on line 1; a GDELT events file has 57 or 58 (GDELT 1.0) or 61 "
            "(GDELT 2.0)",
        ),
        (
            "fields.csv",
            b"name,type,description\nGLOBALEVENTID,INTEGER,an id\n",
            "{path}: has 1 column on line 1 (it is not tab-separated); a GDELT events file has "
            "57 or 58 (GDELT 1.0) or 61 (GDELT 2.0)",
        ),
        (
            "mentions.CSV",
            b"\t".join([b"881990832", b"20191024143000", *[b"x"] * 14]) + b"\n",
            "{path}: has 16 columns on line 1; a GDELT events file has 57 or 58 (GDELT 1.0) or "
            "61 (GDELT 2.0)",
        ),
        (
            "image.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
            "{path}: is not UTF-8 text: not a GDELT events file",
        ),
        ("blob.bin", b"\0\1\2\3\n", "{path}: is a binary file, not a GDELT events file"),
        (
            "words.tsv",
            "\t".join(["event"] * 61).encode() + b"\n",
            "{path}: line 1 does not start with a GLOBALEVENTID and a SQLDATE (YYYYMMDD): not a "
            "GDELT events file",
        ),
    ],
)
async def test_files_of_the_wrong_kind_are_refused_before_anything_is_written(
    session: AsyncSession, tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is None:
        path.write_text(lines(EVENTS)[0].rsplit("\t", 1)[0] + "\n", "utf-8")
    else:
        path.write_bytes(content)
    before = await table_counts(session)
    with pytest.raises(GdeltFileError) as caught:
        await import_gdelt_file(session, path)
    assert str(caught.value) == message.format(path=path)
    assert await table_counts(session) == before


async def test_a_damaged_zip_fails_its_file(session: AsyncSession, tmp_path: Path) -> None:
    archive = tmp_path / "damaged.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("x.CSV", "".join(r + "\n" for r in renumbered(lines(EVENTS), 200)))
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    before = await table_counts(session)
    with pytest.raises(GdeltFileError, match=r"damaged.zip: cannot be read after line \d+ \("):
        await import_gdelt_file(session, archive, batch_size=100)
    assert await table_counts(session) == before


def test_a_zip_must_hold_exactly_one_file(tmp_path: Path) -> None:
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(EVENTS, "a.CSV")
        z.write(DAILY, "b.CSV")
    with pytest.raises(GdeltFileError, match=r"holds exactly one CSV file; this one holds 2$"):
        sniff_gdelt_file(archive)
    with pytest.raises(GdeltFileError, match=r": no such file$"):
        sniff_gdelt_file(tmp_path / "missing.CSV")


# --- the real files ----------------------------------------------------------------------------


@needs(REAL_GDELT2)
async def test_the_real_gdelt2_export(session: AsyncSession) -> None:
    result = await import_gdelt_file(session, REAL_GDELT2)
    assert (result.rows, result.created, result.skipped) == (2111, 2111, 0)
    assert await count(session, Engagement, col(Engagement.external_id).like("gdelt:%")) == 2111
    assert result.kinds == {
        "STATEMENT": 778,
        "VISIT": 272,
        "ATTACK": 206,
        "OTHER": 161,
        "DEMAND": 152,
        "NEGOTIATION": 120,
        "AID": 120,
        "SANCTION": 113,
        "MEETING": 110,
        "PROTEST": 31,
        "THREAT": 24,
        "MILITARY_DEPLOYMENT": 18,
        "MEDIATION_OFFER": 6,
    }
    assert result.actors == {
        "country": 2202,
        "leader": 17,
        "group": 115,
        "unresolved": 1183,
        "absent": 705,
    }
    # VLADIMIR PUTIN is the seed's Putin; JOE BIDEN the seed's Biden.
    for key, name in (("putin", "VLADIMIR PUTIN"), ("biden", "JOE BIDEN")):
        leader = (
            await session.execute(
                sql_select(col(Leader.id)).where(col(Leader.public_id) == seed_id("leader", key))
            )
        ).scalar_one()
        expected = sum(
            1 for row in lines(REAL_GDELT2) if name in (row.split("\t")[6], row.split("\t")[16])
        )
        assert expected > 0
        imported = await session.execute(
            sql_select(func.count())
            .select_from(Participant)
            .join(Engagement, col(Engagement.id) == Participant.engagement_id)
            .where(
                col(Participant.leader_id) == leader,
                col(Engagement.external_id).like("gdelt:%"),
            )
        )
        assert imported.scalar_one() == expected
    # THE EU (IGOEUREEC: region EUR, known group EEC) is the European Union, never a country.
    eu = await engagement(session, 881990833)
    assert (eu.kind, eu.cameo_code) == (K.MEETING, "040")
    assert await participants(session, eu.id) == [("RECIPIENT", "group:European Union")]
    assert eu.location_country_code == "BY"  # FIPS BO
    # Rows whose only actors are regions (AFR, EUR, ...) have no country participant.
    region_only = [
        int(f[0])
        for f in (row.split("\t") for row in lines(REAL_GDELT2))
        if {f[7], f[17]} - {""} <= set(cameo.REGIONS)
        and {f[7], f[17]} - {""}
        and not (f[8] or f[18])
    ]
    assert len(region_only) > 10
    rows = await session.execute(
        sql_select(func.count())
        .select_from(Participant)
        .join(Engagement, col(Engagement.id) == Participant.engagement_id)
        .where(
            col(Engagement.external_id).in_([f"gdelt:{i}" for i in region_only]),
            col(Participant.country_code).is_not(None),
        )
    )
    assert rows.scalar_one() == 0
    # Every citation's offsets are consistent for a source without text.
    citations = await session.execute(
        sql_select(col(Citation.excerpt), col(Citation.start_offset), col(Citation.end_offset))
        .join(Engagement, col(Engagement.id) == Citation.engagement_id)
        .where(col(Engagement.external_id).like("gdelt:%"))
    )
    for excerpt, start, end in citations:
        assert (start, end) == (0, len(excerpt))


@needs(REAL_GDELT1)
async def test_the_real_gdelt1_samples(session: AsyncSession, tmp_path: Path) -> None:
    rows = lines(REAL_GDELT1)
    daily = write(tmp_path / "daily.tsv", [r for r in rows if r.count("\t") == 57])
    back = write(tmp_path / "back.tsv", [r for r in rows if r.count("\t") == 56])
    result = await import_gdelt_file(session, daily)
    assert (result.format, result.rows, result.created) == ("GDELT 1.0", 509, 509)
    result = await import_gdelt_file(session, back)
    assert (result.format, result.rows, result.created) == ("GDELT 1.0", 201, 201)
    # The sample as found mixes both widths; it imports whole, and adds nothing now.
    mixed = await import_gdelt_file(session, REAL_GDELT1)
    assert (mixed.rows, mixed.created, mixed.unchanged) == (710, 0, 710)


# --- the command -------------------------------------------------------------------------------

CLI = [sys.executable, "-m", "cli.imports"]
MAIN = [sys.executable, "-m", "cli.main"]


def run(
    command: list[str], *args: str, url: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRISISGRAPH_")}
    env.update(CRISISGRAPH_DATABASE_URL=url, NO_COLOR="1", COLUMNS="200", TERM="dumb")
    result = subprocess.run(
        [*command, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "template.db"
    run(MAIN, "db", "upgrade", url=f"sqlite:///{path}")
    run(MAIN, "seed", url=f"sqlite:///{path}")
    return path


@pytest.fixture
def database(seeded_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    shutil.copy(seeded_file, path)
    return path


def sqlite_count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(sql).fetchone()[0])


GDELT_ROWS = "SELECT count(*) FROM engagement WHERE external_id LIKE 'gdelt:%'"


def test_cli_help(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/x.db"
    assert "gdelt" in run(CLI, "--help", url=url).stdout
    usage = run(CLI, "gdelt", "--help", url=url).stdout
    assert "Usage:" in usage and "--skip-bad-rows" in usage and "--report" in usage


def test_cli_imports_files_and_again_adds_nothing(database: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{database}"
    first = run(CLI, "gdelt", str(EVENTS), str(DAILY), url=url)
    assert first.stdout.splitlines()[0].startswith(
        f"{EVENTS} (GDELT 2.0): 26 rows: 26 created, 0 updated, 0 unchanged, 0 skipped, "
        "0 deleted before ("
    )
    assert "  actors: 30 countries, 3 leaders, 8 groups, 5 left out (nothing usable), 6 absent" in (
        first.stdout.splitlines()
    )
    assert f"{DAILY} (GDELT 1.0): 3 rows: 3 created" in first.stdout
    assert f"{EVENTS}: 26 rows in " in first.stderr  # plain progress lines, not a terminal
    assert sqlite_count(database, GDELT_ROWS) == 29
    counts = {
        t: sqlite_count(database, f'SELECT count(*) FROM "{t}"')
        for t in ("engagement", "participant", "source", "citation", "group", "change")
    }
    again = run(CLI, "gdelt", str(EVENTS), str(DAILY), url=url)
    assert "26 rows: 0 created, 0 updated, 26 unchanged" in again.stdout
    assert counts == {t: sqlite_count(database, f'SELECT count(*) FROM "{t}"') for t in counts}


def test_cli_refuses_a_wrong_file_before_writing(database: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{database}"
    wrong = tmp_path / "fields.csv"
    wrong.write_text("name,type,description\n", "utf-8")
    result = run(CLI, "gdelt", str(EVENTS), str(wrong), url=url, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {wrong}: has 1 column on line 1 (it is not tab-separated); a GDELT events file "
        "has 57 or 58 (GDELT 1.0) or 61 (GDELT 2.0) (nothing imported)"
    ]
    assert sqlite_count(database, GDELT_ROWS) == 0  # not even the good file before it


def test_cli_bad_rows_fail_the_file_or_are_skipped_into_a_report(
    database: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{database}"
    path, _ = bad_file(tmp_path)
    failed = run(CLI, "gdelt", str(path), url=url, check=False)
    assert failed.returncode == 1
    errors = [line for line in failed.stderr.splitlines() if not line.startswith(str(path))]
    assert errors == [
        f"error: {path}: 6 bad rows, first at line 2: GLOBALEVENTID: 'abc' is not a positive "
        "whole number; nothing imported (use --skip-bad-rows to import the others)",
        *(f"  {b}" for b in BAD_ROWS),
        "error: 1 of 1 file not imported",
    ]
    assert sqlite_count(database, GDELT_ROWS) == 0

    skipped = run(CLI, "gdelt", "--skip-bad-rows", str(path), url=url)
    report = tmp_path / "bad.export.CSV.rejects.csv"
    assert f"  rejected rows: 6, listed in {report}" in skipped.stdout
    assert len(list(csv.reader(report.read_text("utf-8").splitlines()))) == 7
    assert sqlite_count(database, GDELT_ROWS) == 2


def test_cli_killed_midway_leaves_nothing_and_a_rerun_completes(
    database: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{database}"
    path = write(tmp_path / "big.export.CSV", list(renumbered(lines(EVENTS), 400)))  # 10,400
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRISISGRAPH_")}
    env.update(CRISISGRAPH_DATABASE_URL=url, NO_COLOR="1", TERM="dumb")
    process = subprocess.Popen(
        [*CLI, "gdelt", "--batch-size", "100", str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        ready, _, _ = select.select([process.stderr], [], [], 120)
        assert ready, "no progress line within 120 s"
        line = process.stderr.readline().decode()
        assert re.match(rf"{re.escape(str(path))}: \d[\d,]* rows \(\d+%\)", line), line
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        if process.stderr is not None:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert sqlite_count(database, GDELT_ROWS) == 0
    assert (
        sqlite_count(database, "SELECT count(*) FROM source WHERE url LIKE 'https://example.org/%'")
        == 0
    )

    rerun = run(CLI, "gdelt", str(path), url=url)
    assert "10,400 rows: 10,400 created" in rerun.stdout
    assert sqlite_count(database, GDELT_ROWS) == 10_400


def test_public_ids_are_those_db_ids_makes() -> None:
    assert gdelt.stable_id("engagement", "gdelt:881990833") == seed_id(
        "engagement", "gdelt:881990833"
    )
    made = gdelt.new_ids("participant", 500)
    assert len(set(made)) == 500
    for public_id in made:
        assert id_type(public_id) == "participant"
        token = public_id.split("_", 1)[1]
        value = 0
        for char in token:
            value = value * 32 + "0123456789abcdefghjkmnpqrstvwxyz".index(char)
        assert uuid.UUID(int=value).version == 4
        assert gdelt._token(value) == token


def test_import_result_as_dict() -> None:
    result = ImportResult(path=EVENTS, format="GDELT 2.0", rows=1, created=1)
    result.kinds["CALL"] += 1
    as_dict = result.as_dict()
    assert (as_dict["path"], as_dict["created"], as_dict["kinds"]) == (str(EVENTS), 1, {"CALL": 1})
