"""Exports for analysts: `crisisgraph export --format csv` is the REST dyadic CSV byte for byte,
and the who-met-whom network (`--format graphml`, `--format network-json`) holds exactly the
actors and ties of the seed: the five leaders of the G5 videoconference all linked to one another,
subjects of an engagement never linked, cancelled engagements left out. The GraphML is checked as
XML against the structure the GraphML schema asks for (keys declared before the graph, every
datum naming a declared key of its domain, edges between declared nodes)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.app import create_app
from api.rest.engagements import DYADIC_COLUMNS
from db.engagements import (
    EngagementCreate,
    EngagementFilter,
    ParticipantCreate,
    add_participant,
    create_engagement,
)
from db.engine import make_engine, make_sessionmaker
from db.enums import EngagementKind, EngagementStatus, ParticipantRole
from db.ids import seed_id
from db.leaders import LeaderCreate, create_leader
from db.network import GRAPHML_KEYS, build_network, graphml_chunks, network_json_chunks
from db.settings import Settings
from tests.conftest import BACKENDS
from tests.servers import off_loop
from tests.test_bundles import drop_url, new_database, run

pytestmark = pytest.mark.anyio

NS = "{http://graphml.graphdrawing.org/xmlns}"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"


def leader(key: str) -> str:
    return seed_id("leader", key)


G5 = [leader(k) for k in ("biden", "macron", "merkel", "draghi", "johnson")]

# Every actor that took part (any role but SUBJECT) in a seed engagement: type, name, country,
# number of engagements.
SEED_NODES: dict[str, tuple[str, str, str | None, int]] = {
    "country_FR": ("country", "France", "FR", 1),  # the Élysée statement
    "country_RU": ("country", "Russian Federation", "RU", 1),  # the mediation offer
    "country_UA": ("country", "Ukraine", "UA", 1),  # the mediation offer
    "country_US": ("country", "United States", "US", 4),  # demand, briefing, offer, warning
    leader("macron"): ("leader", "Emmanuel Macron", "FR", 1),
    leader("merkel"): ("leader", "Angela Merkel", "DE", 1),
    leader("zelensky"): ("leader", "Volodymyr Zelenskyy", "UA", 3),
    leader("johnson"): ("leader", "Boris Johnson", "GB", 1),
    leader("blinken"): ("leader", "Antony Blinken", "US", 1),
    leader("draghi"): ("leader", "Mario Draghi", "IT", 1),
    leader("peskov"): ("leader", "Dmitry Peskov", "RU", 1),
    leader("putin"): ("leader", "Vladimir Putin", "RU", 2),
    leader("biden"): ("leader", "Joe Biden", "US", 3),
}
# Each tie: kinds, first and last start date (each pair met once).
SEED_EDGES: dict[frozenset[str], tuple[str, str]] = {
    **{
        frozenset((a, b)): ("MEETING", "2021-12-06")  # the G5 videoconference
        for i, a in enumerate(G5)
        for b in G5[i + 1 :]
    },
    frozenset((leader("biden"), leader("putin"))): ("MEETING", "2021-12-07"),
    frozenset((leader("blinken"), leader("zelensky"))): ("CALL", "2021-12-06"),
    frozenset((leader("biden"), leader("zelensky"))): ("CALL", "2021-12-08"),
    frozenset(("country_US", "country_RU")): ("MEDIATION_OFFER", "2021-11-29"),
    frozenset(("country_US", "country_UA")): ("MEDIATION_OFFER", "2021-11-29"),
    frozenset(("country_RU", "country_UA")): ("MEDIATION_OFFER", "2021-11-29"),
    frozenset(("country_US", leader("putin"))): ("DEMAND", "2021-12-01"),
}


def expected_network(keep: set[str] | None = None) -> dict[str, Any]:
    nodes = {k: v for k, v in SEED_NODES.items() if keep is None or k in keep}
    edges = []
    for pair, (kind, day) in SEED_EDGES.items():
        if keep is not None and not pair <= keep:
            continue
        source, target = sorted(pair)
        edges.append(
            {
                "source": source,
                "target": target,
                "weight": 1,
                "kinds": [kind],
                "firstDate": day,
                "lastDate": day,
            }
        )
    return {
        "nodes": [
            {"id": k, "type": t, "name": n, "country": c, "engagements": e}
            for k, (t, n, c, e) in sorted(nodes.items())
        ],
        "edges": sorted(edges, key=lambda e: (e["source"], e["target"])),
    }


# --- databases -----------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def seeded_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    url = off_loop(new_database, request.param, tmp_path_factory.mktemp("exports"), "exports", True)
    yield url
    off_loop(drop_url, url)


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A seeded SQLite file for the command line."""
    return off_loop(new_database, "sqlite", tmp_path_factory.mktemp("exports_cli"), "cli", True)


@pytest.fixture
async def session(seeded_url: str) -> AsyncIterator[AsyncSession]:
    """A session on the module's database whose writes are rolled back."""
    engine = make_engine(Settings(database_url=seeded_url))
    try:
        async with make_sessionmaker(engine)() as session:
            try:
                yield session
            finally:
                await session.rollback()
    finally:
        await engine.dispose()


# --- the dyadic CSV ------------------------------------------------------------------------------


async def rest_csv(url: str, query: str) -> str:
    engine = make_engine(Settings(database_url=url))
    try:
        app = create_app(Settings(database_url=url), sessions=make_sessionmaker(engine))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            response = await http.get(f"/api/v1/engagements?format=csv{query}")
        assert response.status_code == 200, response.text
        return response.text
    finally:
        await engine.dispose()


async def test_the_csv_export_is_the_rest_dyadic_csv(seeded_file: str) -> None:
    whole = run("export", "--format", "csv", url=seeded_file)
    assert whole.stderr.strip() == "exported the dyadic engagement CSV"
    assert whole.stdout == await rest_csv(seeded_file, "")
    rows = list(csv.DictReader(io.StringIO(whole.stdout)))
    assert whole.stdout.splitlines()[0] == ",".join(DYADIC_COLUMNS)
    assert len(rows) == 12
    assert [r["start_date"] for r in rows] == sorted((r["start_date"] for r in rows), reverse=True)

    calls = run("export", "--format", "csv", "--kind", "CALL", url=seeded_file).stdout
    assert calls == await rest_csv(seeded_file, "&kind=CALL")
    rows = list(csv.DictReader(io.StringIO(calls)))
    for row in rows:
        assert row.pop("updated_at").endswith("+00:00")
    assert rows == [
        {
            "id": seed_id("engagement", "biden-zelensky-call"),
            "kind": "CALL",
            "mode": "",
            "status": "SCHEDULED",
            "title": "Biden–Zelensky conversation after the Putin meeting",
            "start_date": "2021-12-08",
            "end_date": "2021-12-14",
            "date_precision": "WEEK",
            "initiator_id": leader("biden"),
            "initiator_type": "leader",
            "initiator_name": "Joe Biden",
            "initiator_country": "US",
            "recipient_id": leader("zelensky"),
            "recipient_type": "leader",
            "recipient_name": "Volodymyr Zelenskyy",
            "recipient_country": "UA",
            "other_participants": "0",
            "location_country": "",
            "location_place": "",
            "latitude": "",
            "longitude": "",
            "cameo_code": "",
            "external_id": "",
            "summary": "Biden is to speak with Zelenskyy in the days following his 7 December meeting with Putin.",
        },
        {
            "id": seed_id("engagement", "blinken-zelensky-call"),
            "kind": "CALL",
            "mode": "PHONE",
            "status": "HELD",
            "title": "Blinken–Zelensky telephone call",
            "start_date": "2021-12-06",
            "end_date": "",
            "date_precision": "DAY",
            "initiator_id": leader("blinken"),
            "initiator_type": "leader",
            "initiator_name": "Antony Blinken",
            "initiator_country": "US",
            "recipient_id": leader("zelensky"),
            "recipient_type": "leader",
            "recipient_name": "Volodymyr Zelenskyy",
            "recipient_country": "UA",
            "other_participants": "0",
            "location_country": "",
            "location_place": "",
            "latitude": "",
            "longitude": "",
            "cameo_code": "",
            "external_id": "",
            "summary": "US Secretary of State Antony Blinken spoke by telephone with Ukrainian President Volodymyr Zelenskyy, as part of Biden's coordination with allies; Zelenskyy then wrote that they agreed to continue their joint and combined actions.",
        },
    ]
    # Nothing matches: the header alone.
    empty = run("export", "--format", "csv", "--from", "2030-01-01", url=seeded_file).stdout
    assert empty == ",".join(DYADIC_COLUMNS) + "\n"


# --- the network ---------------------------------------------------------------------------------


async def network_json(
    session: AsyncSession, filters: EngagementFilter | None = None
) -> dict[str, Any]:
    return json.loads("".join(network_json_chunks(await build_network(session, filters))))


async def test_the_network_of_the_seed(session: AsyncSession) -> None:
    data = await network_json(session)
    assert {k: data.pop(k) for k in ("format", "version", "directed", "multigraph", "graph")} == {
        "format": "crisisgraph-network",
        "version": 1,
        "directed": False,
        "multigraph": False,
        "graph": {"filter": None},
    }
    assert data == expected_network()
    # The G5 videoconference: its five leaders, every pair of them tied; Ukraine and Russia, its
    # subjects, are tied to none of them.
    ties = {frozenset((e["source"], e["target"])) for e in data["edges"]}
    assert sum(1 for pair in ties if pair <= set(G5)) == 10
    assert not any(pair & {"country_UA", "country_RU"} and pair & set(G5) for pair in ties)


async def test_the_network_of_a_filter(session: AsyncSession) -> None:
    meetings = await network_json(session, EngagementFilter(kinds=[EngagementKind.MEETING]))
    keep = {*G5, leader("putin")}
    expected = expected_network(keep)
    for node in expected["nodes"]:
        node["engagements"] = 2 if node["id"] == leader("biden") else 1
    assert {k: meetings[k] for k in ("nodes", "edges")} == expected
    nothing = await network_json(session, EngagementFilter(date_from=date(2030, 1, 1)))
    assert (nothing["nodes"], nothing["edges"]) == ([], [])


async def test_weights_kinds_and_dates_add_up_and_cancelled_engagements_are_left_out(
    session: AsyncSession,
) -> None:
    biden, putin = leader("biden"), leader("putin")

    async def engagement(
        kind: EngagementKind,
        day: date,
        status: EngagementStatus,
        *actors: tuple[str, ParticipantRole],
    ) -> None:
        row = await create_engagement(
            session,
            EngagementCreate(kind=kind, title=f"{kind} {day}", start_date=day, status=status),
        )
        for actor, role in actors:
            await add_participant(
                session, ParticipantCreate(engagement=row.public_id, actor=actor, role=role)
            )

    both = ((biden, ParticipantRole.INITIATOR), (putin, ParticipantRole.RECIPIENT))
    await engagement(EngagementKind.CALL, date(2022, 2, 12), EngagementStatus.HELD, *both)
    await engagement(EngagementKind.CALL, date(2021, 12, 30), EngagementStatus.HELD, *both)
    await engagement(EngagementKind.MEETING, date(2022, 3, 1), EngagementStatus.CANCELLED, *both)
    # An actor in two roles in one engagement takes part once.
    await engagement(
        EngagementKind.NEGOTIATION,
        date(2022, 1, 10),
        EngagementStatus.HELD,
        (biden, ParticipantRole.HOST),
        (biden, ParticipantRole.PARTICIPANT),
        (putin, ParticipantRole.PARTICIPANT),
        ("country_UA", ParticipantRole.SUBJECT),
    )
    data = await network_json(session)
    [tie] = [e for e in data["edges"] if {e["source"], e["target"]} == {biden, putin}]
    assert tie == {
        "source": sorted((biden, putin))[0],
        "target": sorted((biden, putin))[1],
        "weight": 4,
        "kinds": ["CALL", "MEETING", "NEGOTIATION"],
        "firstDate": "2021-12-07",
        "lastDate": "2022-02-12",
    }
    nodes = {n["id"]: n["engagements"] for n in data["nodes"]}
    assert (nodes[biden], nodes[putin], nodes["country_UA"]) == (3 + 3, 2 + 3, 1)


def parse_graphml(text: str) -> dict[str, Any]:
    """The GraphML as the network JSON's nodes and edges, after checking its structure."""
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{NS}graphml"
    assert root.get(f"{XSI}schemaLocation") == (
        "http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"
    )
    children = list(root)
    keys = [c for c in children if c.tag == f"{NS}key"]
    assert [c.tag for c in children] == [f"{NS}key"] * len(keys) + [f"{NS}graph"]  # keys first
    declared = {k.get("id"): (k.get("for"), k.get("attr.name"), k.get("attr.type")) for k in keys}
    assert declared == {key: (target, key, kind) for key, target, kind in GRAPHML_KEYS}
    graph = children[-1]
    assert (graph.get("id"), graph.get("edgedefault")) == ("crisisgraph", "undirected")
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    elements = list(graph)
    node_elements = [e for e in elements if e.tag == f"{NS}node"]
    assert [e.tag for e in elements] == [f"{NS}node"] * len(node_elements) + [f"{NS}edge"] * (
        len(elements) - len(node_elements)
    )

    def data(element: ET.Element, domain: str) -> dict[str, str]:
        out = {}
        for datum in element:
            assert datum.tag == f"{NS}data"
            key = datum.get("key")
            assert key in declared and declared[key][0] == domain, key
            assert key not in out
            out[key] = datum.text or ""
        return out

    for element in node_elements:
        values = data(element, "node")
        nodes.append(
            {
                "id": element.get("id"),
                "type": values["type"],
                "name": values["name"],
                "country": values.get("country"),
                "engagements": int(values["engagements"]),
            }
        )
    ids = [n["id"] for n in nodes]
    assert len(ids) == len(set(ids))
    for number, element in enumerate(elements[len(node_elements) :], start=1):
        assert element.get("id") == f"e{number}"
        assert element.get("source") in ids and element.get("target") in ids
        values = data(element, "edge")
        edges.append(
            {
                "source": element.get("source"),
                "target": element.get("target"),
                "weight": int(values["weight"]),
                "kinds": values["kinds"].split(","),
                "firstDate": values["firstDate"],
                "lastDate": values["lastDate"],
            }
        )
    return {"nodes": nodes, "edges": edges}


def test_the_cli_writes_graphml_and_network_json(seeded_file: str, tmp_path: Path) -> None:
    graphml = run("export", "--format", "graphml", url=seeded_file)
    assert graphml.stderr.strip() == "exported 13 actors and 17 ties"
    assert parse_graphml(graphml.stdout) == expected_network()

    meetings = run("export", "--format", "graphml", "--kind", "meeting", url=seeded_file).stdout
    parsed = parse_graphml(meetings)
    five = [e for e in parsed["edges"] if {e["source"], e["target"]} <= set(G5)]
    assert len(five) == 10
    assert {(e["weight"], tuple(e["kinds"]), e["firstDate"], e["lastDate"]) for e in five} == {
        (1, ("MEETING",), "2021-12-06", "2021-12-06")
    }
    assert len(parsed["edges"]) == 11 and len(parsed["nodes"]) == 6

    out = tmp_path / "network.json"
    run("export", "--format", "network-json", "--country", "UA", "-o", str(out), url=seeded_file)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["graph"] == {"filter": {"countries": ["UA"]}}
    assert parse_graphml(
        run("export", "--format", "graphml", "--country", "UA", url=seeded_file).stdout
    ) == {"nodes": data["nodes"], "edges": data["edges"]}


async def test_graphml_escapes_names_and_drops_what_xml_cannot_hold(session: AsyncSession) -> None:
    odd = await create_leader(
        session, LeaderCreate(name='Tom & "Jerry" <b>\x0bbold</b> Ünïcødé', country="FR")
    )
    row = await create_engagement(
        session,
        EngagementCreate(kind=EngagementKind.MEETING, title="odd", start_date=date(2022, 1, 1)),
    )
    for actor in (odd.public_id, leader("macron")):
        await add_participant(session, ParticipantCreate(engagement=row.public_id, actor=actor))
    network = await build_network(session, EngagementFilter(ids=[row.public_id]))
    parsed = parse_graphml("".join(graphml_chunks(network)))
    names = {n["id"]: n["name"] for n in parsed["nodes"]}
    assert names == {
        odd.public_id: 'Tom & "Jerry" <b>bold</b> Ünïcødé',
        leader("macron"): "Emmanuel Macron",
    }
    assert [(e["weight"], e["kinds"]) for e in parsed["edges"]] == [(1, ["MEETING"])]
