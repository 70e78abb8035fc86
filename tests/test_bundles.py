"""Bundles: the seed exported, imported into an empty database and exported again gives the same
bundle; importing into a database that holds some of the records merges them by public ID (no
duplicates, every outcome counted exactly, records deleted there kept deleted); slices hold
exactly the records the filter needs; a bundle that is not valid is refused whole, with exact
messages; and the CLI does all this as a process, the way an operator runs it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from anyio import to_thread
from jsonschema import Draft202012Validator
from sqlalchemy.ext.asyncio import AsyncSession

from db import migrations
from db.bundles import (
    FORMAT,
    KINDS,
    BundleError,
    BundleImportResult,
    BundleProblem,
    bundle_chunks,
    bundle_schema,
    check_bundle_file,
    import_bundle,
    read_snapshot,
    schema_json,
)
from db.deletion import delete_record
from db.engagements import EngagementFilter
from db.engine import make_engine, make_sessionmaker, transaction
from db.enums import EngagementKind
from db.ids import seed_id
from db.leaders import LeaderCreate, LeaderUpdate, create_leader, update_leader
from db.models import Tombstone
from db.seed import load_seed, table_counts
from db.settings import Settings
from tests.conftest import BACKENDS, fresh_database_url
from tests.databases import drop_postgres_database
from tests.servers import off_loop

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "cli.main"]
EXPORTED_AT = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
SEED_COUNTS = {
    "countries": 249,
    "leaders": 11,
    "groups": 3,
    "positions": 11,
    "memberships": 35,
    "engagements": 12,
    "participants": 38,
    "statements": 17,
    "claims": 5,
    "stances": 7,
    "sources": 1,
    "citations": 61,
}
NOTHING = {plural: 0 for plural, _ in KINDS}

ZELENSKY = seed_id("leader", "zelensky")
BLINKEN_CALL = seed_id("engagement", "blinken-zelensky-call")
TROOP_WARNING = seed_id("engagement", "us-troop-warning")


# --- databases -----------------------------------------------------------------------------------


def new_database(kind: str, directory: Path, name: str, seeded: bool) -> str:
    """A fresh database of ``kind``, migrated, and seeded when asked (call it off the event loop)."""
    url = fresh_database_url(kind, directory, name)
    migrations.upgrade(url)
    if seeded:

        async def seed() -> None:
            engine = make_engine(Settings(database_url=url))
            try:
                async with transaction(make_sessionmaker(engine)) as session:
                    await load_seed(session)
            finally:
                await engine.dispose()

        asyncio.run(seed())
    return url


def drop_url(url: str) -> None:
    if url.startswith("postgresql"):
        drop_postgres_database(url)


@pytest.fixture(scope="module", params=BACKENDS)
def seeded_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of its own, migrated and seeded: the source every test here exports."""
    url = off_loop(
        new_database, request.param, tmp_path_factory.mktemp("bundles"), "bundles_seeded", True
    )
    yield url
    off_loop(drop_url, url)


@pytest.fixture
async def empty_url(seeded_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the same kind, built with the migrations and nothing else."""
    kind = "sqlite" if seeded_url.startswith("sqlite") else "postgresql"
    url = await to_thread.run_sync(new_database, kind, tmp_path, "bundles_target", False)
    yield url
    await to_thread.run_sync(drop_url, url)


# --- helpers -------------------------------------------------------------------------------------


async def export_text(url: str, filters: EngagementFilter | None = None) -> str:
    engine = make_engine(Settings(database_url=url))
    try:
        async with make_sessionmaker(engine)() as session:
            await read_snapshot(session)
            chunks = [c async for c in bundle_chunks(session, filters, exported_at=EXPORTED_AT)]
        return "".join(chunks)
    finally:
        await engine.dispose()


async def import_file(url: str, path: Path) -> BundleImportResult:
    engine = make_engine(Settings(database_url=url))
    try:
        async with transaction(make_sessionmaker(engine)) as session:
            return await import_bundle(session, path)
    finally:
        await engine.dispose()


async def counts(url: str) -> dict[str, int]:
    engine = make_engine(Settings(database_url=url))
    try:
        async with make_sessionmaker(engine)() as session:
            return await table_counts(session)
    finally:
        await engine.dispose()


async def in_session(url: str, work: Any) -> Any:
    engine = make_engine(Settings(database_url=url))
    try:
        async with transaction(make_sessionmaker(engine)) as session:
            return await work(session)
    finally:
        await engine.dispose()


def outcomes(result: BundleImportResult, outcome: str) -> dict[str, int]:
    return {plural: result.by_kind.get(plural, {}).get(outcome, 0) for plural, _ in KINDS}


def record_counts(text: str) -> dict[str, int]:
    return {plural: len(items) for plural, items in json.loads(text)["records"].items()}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- the round trip ------------------------------------------------------------------------------


async def test_export_import_export_gives_the_same_bundle(
    seeded_url: str, empty_url: str, tmp_path: Path
) -> None:
    first = await export_text(seeded_url)
    bundle = json.loads(first)
    assert (bundle["format"], bundle["version"], bundle["filter"]) == (FORMAT, 1, None)
    assert bundle["exportedAt"] == "2024-01-02T03:04:05+00:00"
    assert list(bundle["records"]) == [plural for plural, _ in KINDS]
    assert record_counts(first) == SEED_COUNTS
    for items in bundle["records"].values():
        assert [r["id"] for r in items] == sorted(r["id"] for r in items)
    Draft202012Validator(
        bundle_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    ).validate(bundle)

    result = await import_file(empty_url, write(tmp_path / "seed.json", first))
    assert result.records == 450
    assert outcomes(result, "created") == SEED_COUNTS
    assert result.totals() == {"created": 450, "updated": 0, "unchanged": 0, "skipped": 0}
    assert result.claims_rederived == [] and result.skipped_ids == []
    assert await counts(empty_url) == SEED_COUNTS

    second = await export_text(empty_url)
    assert second == first  # byte for byte (exportedAt is fixed here)

    # Importing it again changes nothing.
    again = await import_file(empty_url, tmp_path / "seed.json")
    assert outcomes(again, "unchanged") == SEED_COUNTS
    assert again.totals() == {"created": 0, "updated": 0, "unchanged": 450, "skipped": 0}
    assert await export_text(empty_url) == first


async def test_a_slice_imported_into_an_empty_database_exports_as_the_same_slice(
    seeded_url: str, empty_url: str, tmp_path: Path
) -> None:
    filters = EngagementFilter(date_from=date(2021, 11, 1), date_to=date(2021, 11, 30))
    first = await export_text(seeded_url, filters)
    result = await import_file(empty_url, write(tmp_path / "slice.json", first))
    assert result.totals()["created"] == sum(record_counts(first).values()) == 46
    assert await export_text(empty_url, filters) == first


# --- merging -------------------------------------------------------------------------------------


async def test_merging_into_a_database_that_holds_some_of_the_records(
    seeded_url: str, empty_url: str, tmp_path: Path
) -> None:
    # The target holds a slice (the two calls and what they need) ...
    part = await export_text(seeded_url, EngagementFilter(kinds=[EngagementKind.CALL]))
    assert record_counts(part) == {
        **NOTHING,
        "countries": 2,
        "leaders": 3,
        "positions": 3,
        "engagements": 2,
        "participants": 4,
        "statements": 1,
        "sources": 1,
        "citations": 6,
    }
    await import_file(empty_url, write(tmp_path / "part.json", part))
    # ... one of its leaders since renamed there, and one participant deleted there.
    participant = next(
        p["id"]
        for p in json.loads(part)["records"]["participants"]
        if p["engagement"] == BLINKEN_CALL
    )

    async def change(session: AsyncSession) -> None:
        await update_leader(session, ZELENSKY, LeaderUpdate(aliases=["Zelensky"]))
        await delete_record(session, participant)

    await in_session(empty_url, change)

    whole = await export_text(seeded_url)
    result = await import_file(empty_url, write(tmp_path / "whole.json", whole))
    assert outcomes(result, "created") == {
        plural: SEED_COUNTS[plural] - n for plural, n in record_counts(part).items()
    }
    assert outcomes(result, "updated") == {**NOTHING, "leaders": 1}
    assert outcomes(result, "skipped") == {**NOTHING, "participants": 1}
    assert outcomes(result, "unchanged") == {
        **{plural: n for plural, n in record_counts(part).items()},
        "leaders": 2,
        "participants": 3,
    }
    assert result.skipped_ids == [participant]
    # No duplicates; the deleted participant stays deleted; the bundle's Zelensky wins.
    assert await counts(empty_url) == {**SEED_COUNTS, "participants": 37}
    merged = json.loads(await export_text(empty_url))
    expected = json.loads(whole)
    assert merged["records"]["leaders"] == expected["records"]["leaders"]
    assert [p for p in expected["records"]["participants"] if p["id"] != participant] == merged[
        "records"
    ]["participants"]

    async def tombstoned(session: AsyncSession) -> bool:
        return await session.get(Tombstone, participant) is not None

    assert await in_session(empty_url, tombstoned)


async def test_records_deleted_here_stay_deleted_and_what_they_held_follows_the_delete(
    seeded_url: str, empty_url: str, tmp_path: Path
) -> None:
    whole = write(tmp_path / "whole.json", await export_text(seeded_url))
    await import_file(empty_url, whole)

    async def delete(session: AsyncSession) -> None:
        await delete_record(session, TROOP_WARNING)

    await in_session(empty_url, delete)
    result = await import_file(empty_url, whole)
    records = json.loads(whole.read_text())["records"]
    participants = [p["id"] for p in records["participants"] if p["engagement"] == TROOP_WARNING]
    citations = [c["id"] for c in records["citations"] if c["target"] == TROOP_WARNING]
    assert (len(participants), len(citations)) == (3, 1)
    # The engagement, its participants and its citations were deleted here: skipped.
    assert sorted(result.skipped_ids) == sorted([TROOP_WARNING, *participants, *citations])
    assert outcomes(result, "skipped") == {
        **NOTHING,
        "engagements": 1,
        "participants": 3,
        "citations": 1,
    }
    # The statement and the claim made at it were detached here, as they are in the bundle's
    # records now: the same, but for the time they changed, which the bundle's replaces.
    assert sorted(result.detached) == sorted(
        [seed_id("statement", "us-warning-94000-troops"), seed_id("claim", "troops-94000")]
    )
    assert outcomes(result, "updated") == {**NOTHING, "statements": 1, "claims": 1}
    assert result.totals()["unchanged"] == 450 - 5 - 2
    assert await counts(empty_url) == {
        **SEED_COUNTS,
        "engagements": 11,
        "participants": 35,
        "citations": 60,
    }


async def test_a_unique_value_another_record_holds_here_refuses_the_import(
    seeded_url: str, empty_url: str, tmp_path: Path
) -> None:
    whole = json.loads(await export_text(seeded_url))
    macron = whole["records"]["leaders"][0]
    assert (macron["name"], macron["wikidataQid"]) == ("Emmanuel Macron", "Q3052772")

    async def other(session: AsyncSession) -> str:
        leader = await create_leader(
            session, LeaderCreate(name="Impostor", wikidata_qid="Q3052772")
        )
        return leader.public_id

    holder = await in_session(empty_url, other)
    with pytest.raises(BundleError) as caught:
        await import_file(empty_url, write(tmp_path / "whole.json", json.dumps(whole)))
    assert caught.value.problems == [
        BundleProblem(
            "records.leaders[0].wikidataQid",
            f"'Q3052772' is already the wikidataQid of {holder} in this database, which the "
            "bundle does not hold",
        )
    ]
    assert await counts(empty_url) == {**NOTHING, "leaders": 1}  # nothing imported


async def test_unique_values_may_move_between_records_the_bundle_holds(
    seeded_url: str, empty_url: str, tmp_path: Path
) -> None:
    """Here Merkel holds Macron's QID; the bundle gives each their own: Macron's record takes
    the value over from Merkel's, whose own record then sets hers."""
    whole = write(tmp_path / "whole.json", await export_text(seeded_url))
    await import_file(empty_url, whole)
    macron, merkel = seed_id("leader", "macron"), seed_id("leader", "merkel")

    async def swap(session: AsyncSession) -> None:
        await update_leader(session, macron, LeaderUpdate(wikidata_qid=None))
        await session.flush()
        await update_leader(session, merkel, LeaderUpdate(wikidata_qid="Q3052772"))

    await in_session(empty_url, swap)
    result = await import_file(empty_url, whole)
    assert outcomes(result, "updated") == {**NOTHING, "leaders": 2}
    assert await export_text(empty_url) == whole.read_text()


async def test_a_record_naming_what_is_nowhere_refuses_the_import(
    empty_url: str, tmp_path: Path
) -> None:
    leader = "leader_" + "1" * 26
    stamp = "2024-01-01T00:00:00+00:00"
    bundle = {
        "format": FORMAT,
        "version": 1,
        "records": {
            "groups": [
                {
                    "id": "group_" + "2" * 26,
                    "name": "Contact Group",
                    "aliases": [],
                    "kind": "DIPLOMATIC_FORMAT",
                    "description": None,
                    "wikidataQid": None,
                    "createdAt": stamp,
                    "updatedAt": stamp,
                }
            ],
            "leaders": [
                {
                    "id": leader,
                    "name": "Someone",
                    "aliases": [],
                    "country": "country_FR",
                    "wikidataQid": None,
                    "createdAt": stamp,
                    "updatedAt": stamp,
                }
            ],
        },
    }
    with pytest.raises(BundleError) as caught:
        await import_file(empty_url, write(tmp_path / "b.json", json.dumps(bundle)))
    assert str(caught.value) == (
        f"records.leaders[0]: {leader} names country_FR, in neither the bundle nor this database"
    )
    assert await counts(empty_url) == NOTHING


# --- slices --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (
            EngagementFilter(kinds=[EngagementKind.CALL]),
            # the two calls; Blinken, Zelensky, Biden and their offices; their countries; the
            # statement made at one call; 6 citations of the one source
            {
                "countries": 2,
                "leaders": 3,
                "positions": 3,
                "engagements": 2,
                "participants": 4,
                "statements": 1,
                "sources": 1,
                "citations": 6,
            },
        ),
        (
            EngagementFilter(date_from=date(2021, 11, 1), date_to=date(2021, 11, 30)),
            # the troop warning (November) and the mediation offer (the week to 5 December);
            # their 7 participants; 2 statements made at them and the one a stance cites; their
            # 2 claims and 3 stances; Lavrov (speaker) and his office; the separatists and what
            # the US, Russia and Ukraine are members of (NATO, the Normandy format: 4 memberships)
            {
                "countries": 3,
                "leaders": 1,
                "groups": 3,
                "positions": 1,
                "memberships": 4,
                "engagements": 2,
                "participants": 7,
                "statements": 3,
                "claims": 2,
                "stances": 3,
                "sources": 1,
                "citations": 16,
            },
        ),
        (
            EngagementFilter(groups=[seed_id("group", "nato")]),
            {
                "countries": 3,
                "leaders": 3,
                "groups": 2,
                "positions": 3,
                "memberships": 3,
                "engagements": 3,
                "participants": 11,
                "statements": 3,
                "sources": 1,
                "citations": 14,
            },
        ),
        (
            EngagementFilter(countries=["FR"]),
            {
                "countries": 7,
                "leaders": 5,
                "groups": 2,
                "positions": 5,
                "memberships": 5,
                "engagements": 2,
                "participants": 11,
                "statements": 3,
                "sources": 1,
                "citations": 13,
            },
        ),
        (EngagementFilter(date_from=date(2030, 1, 1)), {}),
    ],
    ids=["calls", "november", "nato", "france", "nothing"],
)
async def test_slices_hold_exactly_what_the_filter_needs(
    seeded_url: str, filters: EngagementFilter, expected: dict[str, int]
) -> None:
    text = await export_text(seeded_url, filters)
    assert record_counts(text) == {**NOTHING, **expected}
    bundle = json.loads(text)
    # Self-contained: every ID the records name is in the slice.
    ids = {r["id"] for items in bundle["records"].values() for r in items}
    for plural, items in bundle["records"].items():
        for record in items:
            for name in (
                "leader",
                "group",
                "country",
                "member",
                "engagement",
                "actor",
                "speaker",
                "subject",
                "claim",
                "statement",
                "source",
                "target",
            ):
                value = record.get(name)
                if isinstance(value, str) and value != record["id"]:
                    assert value in ids, (plural, record["id"], name, value)


async def test_the_filter_is_recorded_in_the_bundle(seeded_url: str) -> None:
    filters = EngagementFilter(
        date_from=date(2021, 12, 1),
        date_to=date(2021, 12, 31),
        kinds=[EngagementKind.MEETING, EngagementKind.CALL],
        countries=["US"],
        leaders=[seed_id("leader", "biden")],
    )
    bundle = json.loads(await export_text(seeded_url, filters))
    assert bundle["filter"] == {
        "from": "2021-12-01",
        "to": "2021-12-31",
        "kinds": ["CALL", "MEETING"],
        "countries": ["US"],
        "leaders": [seed_id("leader", "biden")],
    }
    assert sorted(e["title"] for e in bundle["records"]["engagements"]) == [
        "Biden–Putin virtual bilateral meeting",
        "Biden–Zelensky conversation after the Putin meeting",
        "Videoconference of the leaders of Germany, the US, France, Italy and the UK",
    ]


# --- refusing what is not a valid bundle ---------------------------------------------------------


def _problems(path: Path) -> tuple[int, list[str]]:
    with pytest.raises(BundleError) as caught:
        check_bundle_file(path)
    return caught.value.count, [str(p) for p in caught.value.problems]


async def test_invalid_bundles_are_refused_with_exact_messages(
    seeded_url: str, tmp_path: Path
) -> None:
    def case(name: str, text: str) -> tuple[int, list[str]]:
        return _problems(write(tmp_path / name, text))

    assert case("format.json", '{"format": "other", "version": 1, "records": {}}') == (
        1,
        ["not a crisisgraph bundle: its format is 'other', not 'crisisgraph-bundle'"],
    )
    assert case(
        "version.json", '{"format": "crisisgraph-bundle", "version": 2, "records": {}}'
    ) == (
        1,
        ["bundle version 2 is not supported: this crisisgraph reads version 1"],
    )
    assert case("array.json", "[1, 2]") == (
        1,
        ["not a crisisgraph bundle: the file does not hold a JSON object"],
    )
    assert case("bare.json", '{"version": 1, "records": {}}') == (
        1,
        ["not a crisisgraph bundle: it has no 'format' member"],
    )
    assert case(
        "cut.json", '{"format": "crisisgraph-bundle",\n "version": 1, "records": {"leaders": ['
    ) == (
        1,
        ["not valid JSON: line 2, column 40: Expecting value"],
    )
    assert case(
        "extra.json", '{"format": "crisisgraph-bundle", "version": 1, "records": {}} {}'
    ) == (
        1,
        ["not valid JSON: line 1, column 63: extra data after the bundle"],
    )
    assert _problems(tmp_path / "absent.json") == (1, ["no such file"])

    bundle = json.loads(await export_text(seeded_url))
    records = bundle["records"]
    records["leaders"][2]["name"] = 5
    records["leaders"][3]["venue"] = "Geneva"
    del records["engagements"][0]["summary"]
    records["engagements"][1]["startDate"] = "2021-02-30"
    records["participants"][1]["actor"] = "leader_x"
    records["citations"][1]["id"] = records["citations"][0]["id"]
    records["leaders"][4]["wikidataQid"] = records["leaders"][0]["wikidataQid"]
    records["parties"] = []
    bundle["note"] = "hand-made"
    assert case("records.json", json.dumps(bundle)) == (
        9,
        [
            "Additional properties are not allowed ('note' was unexpected)",
            "records: Additional properties are not allowed ('parties' was unexpected)",
            "records.leaders[2].name: 5 is not of type 'string'",
            "records.leaders[3]: Additional properties are not allowed ('venue' was unexpected)",
            f"records.leaders[4].wikidataQid: 'Q3052772' is also the wikidataQid of {seed_id('leader', 'macron')} in the bundle",
            "records.engagements[0]: 'summary' is a required property",
            "records.engagements[1].startDate: '2021-02-30' is not a 'date'",
            "records.participants[1].actor: 'leader_x' is not a leader, country or group ID",
            f"records.citations[1].id: {records['citations'][0]['id']!r} appears twice (first at records.citations[0])",
        ],
    )


def test_the_committed_schema_is_the_generated_one() -> None:
    committed = (ROOT / "docs" / "bundle.schema.json").read_text(encoding="utf-8")
    assert committed == schema_json(), (
        "docs/bundle.schema.json is out of date: python -m db.bundles > docs/bundle.schema.json"
    )
    schema = json.loads(committed)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]["records"]["properties"]) == {p for p, _ in KINDS}


async def test_the_schema_describes_every_field_of_every_record(seeded_url: str) -> None:
    """Each kind's schema names exactly the fields db/serialize.py writes, all required."""
    bundle = json.loads(await export_text(seeded_url))
    defs = bundle_schema()["$defs"]
    for plural, kind in KINDS:
        record = bundle["records"][plural][0]
        definition = defs[kind.capitalize()]
        assert list(definition["properties"]) == list(record), kind
        assert definition["required"] == list(record), kind
        assert definition["additionalProperties"] is False


# --- the command line ----------------------------------------------------------------------------


def run(*args: str, url: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRISISGRAPH_")}
    env.update(CRISISGRAPH_DATABASE_URL=url, NO_COLOR="1", COLUMNS="200", TERM="dumb")
    result = subprocess.run(
        [*CLI, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if "No such command" in result.stderr:
        pytest.fail(
            "register the commands: `export` (cli.bundles.export_command) in cli/main.py and "
            "`import bundle` (cli.bundles.import_bundle_command) in cli/imports.py",
            pytrace=False,
        )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def _without_stamp(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith('  "exportedAt": ')]


def test_the_cli_exports_and_imports_bundles(tmp_path: Path) -> None:
    source, target = f"sqlite:///{tmp_path}/source.db", f"sqlite:///{tmp_path}/target.db"
    run("db", "upgrade", url=source)
    run("seed", url=source)
    run("db", "upgrade", url=target)

    exported = run("export", url=source)
    assert exported.stderr.strip() == (
        "exported 450 records (countries 249, leaders 11, groups 3, positions 11, memberships 35, "
        "engagements 12, participants 38, statements 17, claims 5, stances 7, sources 1, "
        "citations 61)"
    )
    bundle = write(tmp_path / "bundle.json", exported.stdout)

    imported = run("import", "bundle", str(bundle), url=target)
    lines = imported.stdout.splitlines()
    assert lines[0].startswith(
        f"{bundle}: 450 records: 450 created, 0 updated, 0 unchanged, 0 skipped ("
    )
    assert lines[1:] == [
        f"  {plural}: {n} created, 0 updated, 0 unchanged, 0 skipped"
        for plural, n in SEED_COUNTS.items()
    ]
    assert _without_stamp(run("export", url=target).stdout) == _without_stamp(exported.stdout)

    # Again: nothing changes.
    again = run("import", "bundle", str(bundle), url=target).stdout.splitlines()[0]
    assert again.startswith(
        f"{bundle}: 450 records: 0 created, 0 updated, 450 unchanged, 0 skipped ("
    )

    # A slice to a file; the file is only there once complete.
    out = tmp_path / "calls.json"
    sliced = run("export", "--kind", "call", "--leader", "Zelenski", "-o", str(out), url=source)
    assert sliced.stdout == ""
    assert sliced.stderr.strip() == (
        "exported 22 records (countries 2, leaders 3, positions 3, engagements 2, participants 4, "
        "statements 1, sources 1, citations 6)"
    )
    assert json.loads(out.read_text())["filter"] == {"kinds": ["CALL"], "leaders": [ZELENSKY]}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".calls.json")] == []


def test_the_cli_refuses_bad_bundles_and_options_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    run("db", "upgrade", url=url)
    wrong = write(
        tmp_path / "v2.json", '{"format": "crisisgraph-bundle", "version": 2, "records": {}}'
    )
    result = run("import", "bundle", str(wrong), url=url, check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: {wrong}: bundle version 2 is not supported: this crisisgraph reads version 1 (nothing imported)"
    ]
    other = write(tmp_path / "other.json", '{"format": "something-else", "version": 1}')
    result = run("import", "bundle", str(other), url=url, check=False)
    assert (result.returncode, result.stderr.splitlines()) == (
        1,
        [
            f"error: {other}: not a crisisgraph bundle: its format is 'something-else', not 'crisisgraph-bundle' (nothing imported)"
        ],
    )
    several = write(
        tmp_path / "several.json",
        '{"format": "crisisgraph-bundle", "version": 1, "records": {"leaders": [{"id": "x"}], "parties": []}}',
    )
    result = run("import", "bundle", str(several), url=url, check=False)
    assert (result.returncode, result.stderr.splitlines()) == (
        1,
        [
            f"error: {several}: 8 problems (nothing imported):",
            "  records: Additional properties are not allowed ('parties' was unexpected)",
            *(
                f"  records.leaders[0]: {name!r} is a required property"
                for name in ("name", "aliases", "country", "wikidataQid", "createdAt", "updatedAt")
            ),
            "  records.leaders[0].id: 'x' is not a leader ID",
        ],
    )
    for args, message in (
        (
            ["--kind", "chat"],
            "error: --kind: 'chat' is not one of: MEETING, CALL, VISIT, STATEMENT, PRESS_BRIEFING, NEGOTIATION, MEDIATION_OFFER, WARNING, THREAT, DEMAND, SANCTION, AID, MILITARY_DEPLOYMENT, MILITARY_EXERCISE, ATTACK, PROTEST, OTHER",
        ),
        (["--country", "XX"], "error: --country: 'XX' is not an ISO 3166-1 country code"),
        (["--leader", "Nobody"], "error: --leader: no leader is named 'Nobody'"),
        (["--from", "2021-13-01"], "error: --from: '2021-13-01' is not a date (YYYY-MM-DD)"),
        (["--from", "2021-12-10", "--to", "2021-12-01"], "error: --to: is before --from"),
    ):
        result = run("export", *args, url=url, check=False)
        assert (result.returncode, result.stdout, result.stderr.splitlines()) == (1, "", [message])


async def test_an_import_that_fails_leaves_nothing(empty_url: str, tmp_path: Path) -> None:
    """A database refusal half-way (here: a citation whose offsets are not in order) rolls back
    the records imported before it."""
    stamp = "2024-01-01T00:00:00+00:00"
    source = {
        "id": "source_" + "4" * 26,
        "title": "Notes",
        "publisher": None,
        "url": None,
        "language": None,
        "publishedAt": None,
        "licence": None,
        "text": None,
        "createdAt": stamp,
        "updatedAt": stamp,
    }
    group = {
        "id": "group_" + "5" * 26,
        "name": "Contact Group",
        "aliases": [],
        "kind": "DIPLOMATIC_FORMAT",
        "description": None,
        "wikidataQid": None,
        "createdAt": stamp,
        "updatedAt": stamp,
    }
    membership = {
        "id": "membership_" + "6" * 26,
        "group": group["id"],
        "member": group["id"],
        "role": "MEMBER",
        "startDate": "2024-02-01",
        "endDate": "2024-01-01",  # before its start: the database refuses it
        "createdAt": stamp,
        "updatedAt": stamp,
    }
    bundle = {
        "format": FORMAT,
        "version": 1,
        "records": {"groups": [group], "memberships": [membership], "sources": [source]},
    }
    with pytest.raises(BundleError) as caught:
        await import_file(empty_url, write(tmp_path / "b.json", json.dumps(bundle)))
    assert caught.value.problems[0].field == "records.memberships[0]"
    assert "ck_membership_dates_ordered" in caught.value.problems[0].reason
    assert await counts(empty_url) == NOTHING
