"""Every REST resource under /api/v1, answered from the seed dataset: lists with their filters,
sorts, paging, ``fields=`` and ``expand=``; records by ID (countries also by ISO code); the lists
under a record; search; and every write endpoint with an API key (201 with Location and ETag,
PATCH with If-Match, DELETE then 404).

Each test reads as given (the seeded database), when (one or more requests), then (the exact
expected bodies). Timestamps differ from run to run: ``plain`` checks they are ISO 8601 and takes
them out, so the rest of a body is compared whole."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
import pycountry
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db import seed_data
from db.ids import country_id, seed_id
from db.keys import create_key
from tests.graphql_helpers import (
    SOURCE_ID,
    SOURCE_TEXT,
    SOURCE_TITLE,
    claim_id,
    engagement_id,
    group_id,
    leader_id,
    stance_id,
    statement_id,
)

pytestmark = pytest.mark.anyio

API = "/api/v1"

# --------------------------------------------------------------------------------------------
# Helpers: seed IDs, plain bodies, requests
# --------------------------------------------------------------------------------------------


def position_id(key: str) -> str:
    return seed_id("position", key)


def membership_id(key: str) -> str:
    return seed_id("membership", key)


def participant_id(engagement: str, index: int) -> str:
    return seed_id("participant", f"{engagement}:{index}")


def citation_id(kind: str, key: str, index: int) -> str:
    return seed_id("citation", f"{kind}:{key}:{index}")


# Public ID -> seed key for every kind the seed creates, so expected lists read as seed keys.
_KEYS: dict[str, str] = {
    **{leader_id(x["key"]): x["key"] for x in seed_data.LEADERS},
    **{position_id(x["key"]): x["key"] for x in seed_data.POSITIONS},
    **{group_id(x["key"]): x["key"] for x in seed_data.GROUPS},
    **{membership_id(x["key"]): x["key"] for x in seed_data.MEMBERSHIPS},
    **{engagement_id(x["key"]): x["key"] for x in seed_data.ENGAGEMENTS},
    **{statement_id(x["key"]): x["key"] for x in seed_data.STATEMENTS},
    **{claim_id(x["key"]): x["key"] for x in seed_data.CLAIMS},
    **{stance_id(x["key"]): x["key"] for x in seed_data.STANCES},
    **{
        participant_id(x["key"], i): f"{x['key']}:{i}"
        for x in seed_data.ENGAGEMENTS
        for i in range(len(x["participants"]))
    },
}


def keys(items: Sequence[dict[str, Any]]) -> list[str]:
    """Seed keys of a list of records (country IDs stay as they are)."""
    return [_KEYS.get(item["id"], item["id"]) for item in items]


def plain(value: Any) -> Any:
    """The body without its timestamps, which must be ISO 8601 with a zone wherever they are."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("createdAt", "updatedAt"):
                assert datetime.fromisoformat(item).tzinfo is not None, (key, item)
                continue
            out[key] = plain(item)
        return out
    return value


def cite(kind: str, key: str, index: int, target: str, excerpt: str) -> dict[str, Any]:
    """A seed citation as REST shows it; the excerpt occurs once in the article."""
    start = SOURCE_TEXT.index(excerpt)
    assert SOURCE_TEXT.count(excerpt) == 1
    return {
        "id": citation_id(kind, key, index),
        "source": SOURCE_ID,
        "target": target,
        "excerpt": excerpt,
        "start": start,
        "end": start + len(excerpt),
    }


async def get(client: httpx.AsyncClient, path: str, status: int = 200, /, **params: Any) -> Any:
    response = await client.get(API + path, params=params)
    assert response.status_code == status, response.text
    return response.json()


async def get_all(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of a list, following the Link header."""
    response = await client.get(API + path, params=params)
    items: list[dict[str, Any]] = []
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["data"])
        if "next" not in body["links"]:
            return items
        response = await client.get(body["links"]["next"])


async def _key(connection: AsyncConnection, scopes: str) -> str:
    session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint")
    _, secret = await create_key(session, f"rest-{scopes}", scopes)
    await session.commit()
    return secret


@pytest.fixture
async def write_key(connection: AsyncConnection) -> dict[str, str]:
    return {"Authorization": f"Bearer {await _key(connection, 'write')}"}


@pytest.fixture
async def read_key(connection: AsyncConnection) -> dict[str, str]:
    return {"Authorization": f"Bearer {await _key(connection, 'read')}"}


# --------------------------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------------------------

UKRAINE = {
    "id": "country_UA",
    "code": "UA",
    "alpha3": "UKR",
    "name": "Ukraine",
    "officialName": None,
    "aliases": ["Ukraine", "Kyiv", "Kiev"],
}


@pytest.mark.parametrize("key", ["UA", "ua", "UKR", "ukr", "Ukr", "country_UA"])
async def test_country_by_id_or_iso_code_in_any_case(client: httpx.AsyncClient, key: str) -> None:
    # when
    response = await client.get(f"{API}/countries/{key}")
    # then
    assert response.status_code == 200
    assert plain(response.json()) == UKRAINE
    assert response.headers["etag"].startswith('"')


@pytest.mark.parametrize("key", ["XX", "zz", "XYZ", "country_XX", "Ukraine", "U"])
async def test_unknown_country_is_404(client: httpx.AsyncClient, key: str) -> None:
    body = await get(client, f"/countries/{key}", 404)
    assert body["status"] == 404
    assert body["type"] == "/problems/not-found"


async def test_a_304_for_a_country_whose_etag_the_client_holds(client: httpx.AsyncClient) -> None:
    first = await client.get(f"{API}/countries/UA")
    again = await client.get(
        f"{API}/countries/ukr", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["etag"] == first.headers["etag"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"code": "ua,RUS,de"}, ["country_DE", "country_RU", "country_UA"]),
        ({"q": "russia"}, ["country_RU"]),
        ({"q": "kiev"}, ["country_UA"]),
        ({"code": "us,gb", "sort": "-name"}, ["country_US", "country_GB"]),
        ({"code": "us,gb,fr", "sort": "alpha3"}, ["country_FR", "country_GB", "country_US"]),
    ],
)
async def test_countries_filter_and_sort(
    client: httpx.AsyncClient, params: dict[str, str], expected: list[str]
) -> None:
    body = await get(client, "/countries", **params)
    assert [c["id"] for c in body["data"]] == expected
    assert body["links"] == {}


async def test_countries_page_by_code_with_links(client: httpx.AsyncClient) -> None:
    # when
    first = await client.get(f"{API}/countries", params={"limit": "2", "with_total": "true"})
    body = first.json()
    second = await client.get(body["links"]["next"])
    # then
    assert [c["id"] for c in body["data"]] == ["country_AD", "country_AE"]
    assert body["total"] == len(pycountry.countries)
    assert first.headers["link"] == f'<{body["links"]["next"]}>; rel="next"'
    assert [c["id"] for c in second.json()["data"]] == ["country_AF", "country_AG"]
    assert set(second.json()["links"]) == {"next", "prev"}


async def test_countries_refuse_a_bad_code_naming_the_parameter(client: httpx.AsyncClient) -> None:
    body = await get(client, "/countries", 400, code="UA,XX")
    assert body["param"] == "code"


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE", "PUT"])
async def test_countries_are_read_only(
    client: httpx.AsyncClient, write_key: dict[str, str], method: str
) -> None:
    path = f"{API}/countries" if method == "POST" else f"{API}/countries/UA"
    response = await client.request(method, path, json={}, headers=write_key)
    assert response.status_code == 405
    assert response.json()["status"] == 405


@pytest.mark.parametrize(
    ("code", "as_of", "expected"),
    [
        ("DE", "2021-12-06", ["merkel"]),
        ("de", "2021-12-08", ["scholz"]),  # a tenure ends the day the successor's begins
        ("RUS", "2021-12-06", ["peskov", "lavrov", "putin"]),  # by name
        ("US", "2021-12-06", ["blinken", "biden"]),
        ("US", "2025-01-20", []),
        ("RU", None, ["peskov", "lavrov", "putin"]),  # today: all three still in office
    ],
)
async def test_country_leaders_as_of_a_day(
    client: httpx.AsyncClient, code: str, as_of: str | None, expected: list[str]
) -> None:
    params = {"as_of": as_of} if as_of else {}
    body = await get(client, f"/countries/{code}/leaders", **params)
    assert keys(body["data"]) == expected


async def test_country_leaders_bodies_are_leaders(client: httpx.AsyncClient) -> None:
    body = await get(client, "/countries/UA/leaders", as_of="2021-12-06", fields="name,country")
    assert body == {
        "data": [
            {"id": leader_id("zelensky"), "name": "Volodymyr Zelenskyy", "country": "country_UA"}
        ],
        "links": {},
    }


@pytest.mark.parametrize(
    ("code", "params", "expected"),
    [
        ("DE", {}, ["g5-videoconference"]),  # only through Merkel
        (
            "usa",
            {},
            [
                "biden-zelensky-call",
                "biden-putin-meeting",
                "us-official-briefing",
                "peskov-remarks",
                "blinken-zelensky-call",
                "g5-videoconference",
                "putin-security-demand",
                "us-mediation-offer",
                "us-troop-warning",
            ],
        ),
        (
            "US",
            {"kind": "call,meeting", "from": "2021-12-07"},
            ["biden-zelensky-call", "biden-putin-meeting"],
        ),
        ("US", {"sort": "start_date", "limit": "2"}, ["us-troop-warning", "us-mediation-offer"]),
    ],
)
async def test_country_engagements_include_those_of_its_leaders(
    client: httpx.AsyncClient, code: str, params: dict[str, str], expected: list[str]
) -> None:
    body = await get(client, f"/countries/{code}/engagements", **params)
    assert keys(body["data"]) == expected


async def test_country_statements_and_memberships(client: httpx.AsyncClient) -> None:
    statements = await get(client, "/countries/FR/statements")
    memberships = await get(client, "/countries/UA/memberships", as_of="2021-12-06")
    assert keys(statements["data"]) == [
        "elysee-ukraine-sovereignty",
        "elysee-peace-security",
        "elysee-normandy-negotiations",
    ]
    assert plain(memberships["data"]) == [
        {
            "id": membership_id("normandy-ua"),
            "group": group_id("normandy"),
            "member": "country_UA",
            "role": "MEMBER",
            "startDate": "2014-06-06",
            "endDate": None,
        },
        {
            "id": membership_id("nato-ua-partner"),
            "group": group_id("nato"),
            "member": "country_UA",
            "role": "PARTNER",
            "startDate": "1994-02-08",
            "endDate": None,
        },
    ]


async def test_lists_under_an_unknown_country_are_404(client: httpx.AsyncClient) -> None:
    for segment in ("leaders", "engagements", "statements", "memberships"):
        await get(client, f"/countries/XX/{segment}", 404)


# --------------------------------------------------------------------------------------------
# Leaders and positions
# --------------------------------------------------------------------------------------------

BIDEN = {
    "id": leader_id("biden"),
    "name": "Joe Biden",
    "aliases": [
        "Biden",
        "Joseph Biden",
        "Joseph R. Biden",
        "Joseph R. Biden Jr.",
        "Joseph Robinette Biden Jr.",
        "Джо Байден",
    ],
    "country": "country_US",
    "wikidataQid": "Q6279",
}

LEADERS_BY_NAME = [
    "merkel",
    "blinken",
    "johnson",
    "peskov",
    "macron",
    "biden",
    "draghi",
    "scholz",
    "lavrov",
    "putin",
    "zelensky",
]


async def test_leader_by_id(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/leaders/{leader_id('biden')}")
    assert response.status_code == 200
    assert plain(response.json()) == BIDEN
    assert response.headers["etag"]


@pytest.mark.parametrize(
    "key", [seed_id("leader", "nobody"), "leader_x", group_id("nato"), "biden", "country_US"]
)
async def test_leader_unknown_malformed_or_of_another_type_is_404(
    client: httpx.AsyncClient, key: str
) -> None:
    await get(client, f"/leaders/{key}", 404)


async def test_leaders_by_name_with_positions_expanded(client: httpx.AsyncClient) -> None:
    body = await get(client, "/leaders", expand="positions", fields="name,positions")
    assert keys(body["data"]) == LEADERS_BY_NAME
    assert plain(body["data"][0]) == {
        "id": leader_id("merkel"),
        "name": "Angela Merkel",
        "positions": [
            {
                "id": position_id("merkel-chancellor"),
                "leader": leader_id("merkel"),
                "title": "Chancellor of Germany",
                "kind": "HEAD_OF_GOVERNMENT",
                "country": "country_DE",
                "group": None,
                "startDate": "2005-11-22",
                "endDate": "2021-12-08",
            }
        ],
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"name": "Zelenski"}, ["zelensky"]),
        ({"name": "Zelen"}, []),  # a name matches whole
        ({"q": "zelen"}, ["zelensky"]),
        ({"q": "Serguei"}, ["peskov", "lavrov"]),
        ({"country": "RUS"}, ["peskov", "lavrov", "putin"]),
        ({"country": "de,IT"}, ["merkel", "draghi", "scholz"]),
        ({"q": "lavrov", "country": "US"}, []),
        ({"country": "RU", "sort": "-name"}, ["putin", "lavrov", "peskov"]),
    ],
)
async def test_leaders_filter_as_graphql_does(
    client: httpx.AsyncClient, params: dict[str, str], expected: list[str]
) -> None:
    body = await get(client, "/leaders", **params)
    assert keys(body["data"]) == expected


async def test_leaders_page_forward_and_back(client: httpx.AsyncClient) -> None:
    # when
    first = await get(client, "/leaders", limit=5, fields="name")
    second_response = await client.get(first["links"]["next"])
    second = second_response.json()
    third = (await client.get(second["links"]["next"])).json()
    back = (await client.get(third["links"]["prev"])).json()
    # then
    assert keys(first["data"]) == LEADERS_BY_NAME[:5]
    assert keys(second["data"]) == LEADERS_BY_NAME[5:10]
    assert keys(third["data"]) == LEADERS_BY_NAME[10:]
    assert set(third["links"]) == {"prev"}
    assert keys(back["data"]) == LEADERS_BY_NAME[5:10]
    assert 'rel="next"' in second_response.headers["link"]
    assert 'rel="prev"' in second_response.headers["link"]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"sort": "wikidata_qid"}, "sort"),
        ({"colour": "red"}, "colour"),
        ({"country": "XX"}, "country"),
        ({"expand": "engagements"}, "expand"),
        ({"fields": "name,height"}, "fields"),
        ({"limit": "0"}, "limit"),
        ({"cursor": "bogus"}, "cursor"),
    ],
)
async def test_leaders_refuse_bad_parameters_naming_them(
    client: httpx.AsyncClient, params: dict[str, str], param: str
) -> None:
    body = await get(client, "/leaders", 400, **params)
    assert body["param"] == param


async def test_leaders_as_csv_and_ndjson(client: httpx.AsyncClient) -> None:
    csv = await client.get(f"{API}/leaders", params={"format": "csv", "country": "RU"})
    ndjson = await client.get(
        f"{API}/leaders",
        params={"country": "RU", "fields": "name"},
        headers={"Accept": "application/x-ndjson"},
    )
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0] == "id,name,aliases,country,wikidataQid,createdAt,updatedAt"
    assert [line.split(",")[0] for line in lines[1:]] == [
        leader_id("peskov"),
        leader_id("lavrov"),
        leader_id("putin"),
    ]
    assert ndjson.text.splitlines() == [
        f'{{"id":"{leader_id("peskov")}","name":"Dmitry Peskov"}}',
        f'{{"id":"{leader_id("lavrov")}","name":"Sergey Lavrov"}}',
        f'{{"id":"{leader_id("putin")}","name":"Vladimir Putin"}}',
    ]


@pytest.mark.parametrize(
    ("leader", "params", "expected"),
    [
        ("zelensky", {}, ["biden-zelensky-call", "zelensky-donbas-visit", "blinken-zelensky-call"]),
        ("zelensky", {"kind": "VISIT"}, ["zelensky-donbas-visit"]),
        (
            "zelensky",
            {"sort": "start_date"},
            ["blinken-zelensky-call", "zelensky-donbas-visit", "biden-zelensky-call"],
        ),
        ("putin", {}, ["biden-putin-meeting", "putin-security-demand"]),
        ("lavrov", {}, []),
    ],
)
async def test_leader_engagements(
    client: httpx.AsyncClient, leader: str, params: dict[str, str], expected: list[str]
) -> None:
    body = await get(client, f"/leaders/{leader_id(leader)}/engagements", **params)
    assert keys(body["data"]) == expected


@pytest.mark.parametrize(
    ("leader", "params", "expected"),
    [
        ("biden", {}, ["biden-zelensky-call", "biden-putin-meeting", "g5-videoconference"]),
        ("biden", {"from": "2021-12-07"}, ["biden-zelensky-call", "biden-putin-meeting"]),
        ("biden", {"from": "2021-12-01", "to": "2021-12-06"}, ["g5-videoconference"]),
        ("biden", {"from": "2021-12-14"}, ["biden-zelensky-call"]),  # a WEEK reaches the 14th
        ("zelensky", {}, ["biden-zelensky-call", "blinken-zelensky-call"]),  # not the visit
        ("peskov", {}, []),  # his remarks are a STATEMENT
    ],
)
async def test_leader_meetings_are_meetings_and_calls(
    client: httpx.AsyncClient, leader: str, params: dict[str, str], expected: list[str]
) -> None:
    body = await get(client, f"/leaders/{leader_id(leader)}/meetings", **params)
    assert keys(body["data"]) == expected
    assert {e["kind"] for e in body["data"]} <= {"MEETING", "CALL"}


async def test_leader_meetings_refuse_other_filters_and_a_reversed_range(
    client: httpx.AsyncClient,
) -> None:
    path = f"/leaders/{leader_id('biden')}/meetings"
    assert (await get(client, path, 400, kind="VISIT"))["param"] == "kind"
    assert (await get(client, path, 400, **{"from": "2021-12-07", "to": "2021-12-01"}))[
        "param"
    ] == "to"


async def test_leader_statements_positions_and_memberships(client: httpx.AsyncClient) -> None:
    peskov = leader_id("peskov")
    statements = await get(client, f"/leaders/{peskov}/statements")
    positions = await get(client, f"/leaders/{peskov}/positions")
    memberships = await get(client, f"/leaders/{peskov}/memberships")
    assert keys(statements["data"]) == ["peskov-relations-deplorable", "peskov-three-topics"]
    assert plain(positions["data"]) == [
        {
            "id": position_id("peskov-press-secretary"),
            "leader": peskov,
            "title": "Press Secretary of the President of Russia",
            "kind": "SPOKESPERSON",
            "country": "country_RU",
            "group": None,
            "startDate": "2012-05-22",
            "endDate": None,
        }
    ]
    assert memberships == {"data": [], "links": {}}


async def test_lists_under_an_unknown_leader_are_404(client: httpx.AsyncClient) -> None:
    nobody = seed_id("leader", "nobody")
    for segment in ("engagements", "meetings", "statements", "positions", "memberships"):
        await get(client, f"/leaders/{nobody}/{segment}", 404)


async def test_position_with_its_citations(client: httpx.AsyncClient) -> None:
    # when
    response = await client.get(
        f"{API}/positions/{position_id('putin-president')}", params={"expand": "citations"}
    )
    citations = await get(client, f"/positions/{position_id('putin-president')}/citations")
    # then: citations in the order of their place in the article
    target = position_id("putin-president")
    expected_citations = [
        cite("position", "putin-president", 0, target, "the meeting between the two presidents"),
        cite("position", "putin-president", 1, target, "President Putin’s initiatives"),
    ]
    assert plain(response.json()) == {
        "id": target,
        "leader": leader_id("putin"),
        "title": "President of Russia",
        "kind": "HEAD_OF_STATE",
        "country": "country_RU",
        "group": None,
        "startDate": "2012-05-07",
        "endDate": None,
        "citations": expected_citations,
    }
    assert plain(citations["data"]) == expected_citations


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"country": "DE"}, ["merkel-chancellor", "scholz-chancellor"]),
        ({"country": "deu", "as_of": "2021-12-07"}, ["merkel-chancellor"]),
        ({"kind": "foreign_minister"}, ["blinken-secretary-of-state", "lavrov-foreign-minister"]),
        ({"leader": leader_id("zelensky")}, ["zelensky-president"]),
        ({"group": group_id("nato")}, []),
        (
            {"as_of": "2010-01-01", "sort": "title"},
            ["merkel-chancellor", "lavrov-foreign-minister"],
        ),
    ],
)
async def test_positions_filter(
    client: httpx.AsyncClient, params: dict[str, str], expected: list[str]
) -> None:
    body = await get(client, "/positions", **params)
    assert keys(body["data"]) == expected


# --------------------------------------------------------------------------------------------
# Groups and memberships
# --------------------------------------------------------------------------------------------

NORMANDY = {
    "id": group_id("normandy"),
    "name": "Normandy Format",
    "aliases": ["Normandy Quartet", "Normandy Format", "Normandy Four", "Normandy format"],
    "kind": "DIPLOMATIC_FORMAT",
    "description": (
        "Diplomatic format of France, Germany, Russia and Ukraine, formed on 6 June 2014 at the "
        "D-Day commemorations in Normandy, to negotiate a settlement of the war in Donbas in "
        "eastern Ukraine."
    ),
    "wikidataQid": None,
}


def _normandy_member(code: str) -> dict[str, Any]:
    return {
        "id": membership_id(f"normandy-{code.lower()}"),
        "group": group_id("normandy"),
        "member": country_id(code),
        "role": "MEMBER",
        "startDate": "2014-06-06",
        "endDate": None,
    }


async def test_group_by_id_with_members_expanded(client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"{API}/groups/{group_id('normandy')}", params={"expand": "members"}
    )
    assert response.status_code == 200
    assert plain(response.json()) == {
        **NORMANDY,
        "members": [_normandy_member(c) for c in ("FR", "DE", "RU", "UA")],
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["normandy", "nato", "donbas-separatists"]),  # by name
        ({"kind": "alliance,armed_group"}, ["nato", "donbas-separatists"]),
        ({"name": "normandy four"}, ["normandy"]),
        ({"name": "NATO"}, ["nato"]),
        ({"q": "separat"}, ["donbas-separatists"]),
        ({"sort": "-name", "limit": "1"}, ["donbas-separatists"]),
    ],
)
async def test_groups_filter(
    client: httpx.AsyncClient, params: dict[str, str], expected: list[str]
) -> None:
    body = await get(client, "/groups", **params)
    assert keys(body["data"]) == expected


async def test_group_members_as_of_a_day_paged(client: httpx.AsyncClient) -> None:
    # when
    nato = group_id("nato")
    first = await get(
        client, f"/groups/{nato}/members", as_of="2021-12-06", limit=20, with_total="true"
    )
    every = await get_all(client, f"/groups/{nato}/members", as_of="2021-12-06", limit=20)
    founders = await get(client, f"/groups/{nato}/members", as_of="1950-01-01")
    before_mk = await get_all(client, f"/groups/{nato}/members", as_of="2020-03-26")
    # then: the 30 members and Ukraine as a partner, in the order recorded
    assert first["total"] == 31
    assert len(first["data"]) == 20
    assert [m["member"] for m in every] == [
        *[
            country_id(code)
            for code in ("BE", "CA", "DK", "FR", "IS", "IT", "LU", "NL", "NO", "PT", "GB", "US")
        ],
        *[country_id(code) for code in ("GR", "TR", "DE", "ES", "CZ", "HU", "PL")],
        *[
            country_id(code)
            for code in ("BG", "EE", "LV", "LT", "RO", "SK", "SI", "AL", "HR", "ME", "MK")
        ],
        "country_UA",
    ]
    assert [m["role"] for m in every].count("MEMBER") == 30
    assert plain(every[-1]) == {
        "id": membership_id("nato-ua-partner"),
        "group": nato,
        "member": "country_UA",
        "role": "PARTNER",
        "startDate": "1994-02-08",
        "endDate": None,
    }
    assert len(founders["data"]) == 12
    assert country_id("MK") not in [m["member"] for m in before_mk]
    assert len(before_mk) == 30


async def test_group_members_today_engagements_and_memberships(client: httpx.AsyncClient) -> None:
    normandy, nato = group_id("normandy"), group_id("nato")
    members = await get(client, f"/groups/{normandy}/members")
    engagements = await get(client, f"/groups/{nato}/engagements")
    memberships = await get(client, f"/groups/{normandy}/memberships")
    assert plain(members["data"]) == [_normandy_member(c) for c in ("FR", "DE", "RU", "UA")]
    assert keys(engagements["data"]) == [
        "biden-putin-meeting",
        "peskov-remarks",
        "putin-security-demand",
    ]
    assert memberships == {"data": [], "links": {}}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"member": "country_UA"}, ["normandy-ua", "nato-ua-partner"]),
        ({"role": "PARTNER"}, ["nato-ua-partner"]),
        (
            {"group": group_id("normandy"), "member": "country_FR,country_DE"},
            ["normandy-fr", "normandy-de"],
        ),
        ({"member": "country_MK", "as_of": "2020-03-26"}, []),
        ({"member": "country_MK", "as_of": "2020-03-27"}, ["nato-mk"]),
    ],
)
async def test_memberships_filter(
    client: httpx.AsyncClient, params: dict[str, str], expected: list[str]
) -> None:
    body = await get(client, "/memberships", **params)
    assert keys(body["data"]) == expected


async def test_membership_with_its_citations(client: httpx.AsyncClient) -> None:
    target = membership_id("normandy-fr")
    response = await client.get(f"{API}/memberships/{target}", params={"expand": "citations"})
    citations = await get(client, f"/memberships/{target}/citations")
    expected = [
        cite(
            "membership",
            "normandy-fr",
            0,
            target,
            "a diplomatic group that also includes France and Germany",
        )
    ]
    assert plain(response.json()) == {**_normandy_member("FR"), "citations": expected}
    assert plain(citations["data"]) == expected


# --------------------------------------------------------------------------------------------
# Engagements: the lists under one, and participants
# --------------------------------------------------------------------------------------------


async def test_engagement_participants(client: httpx.AsyncClient) -> None:
    g5 = engagement_id("g5-videoconference")
    body = await get(client, f"/engagements/{g5}/participants")
    actors = [
        (leader_id("biden"), "PARTICIPANT"),
        (leader_id("macron"), "PARTICIPANT"),
        (leader_id("merkel"), "PARTICIPANT"),
        (leader_id("draghi"), "PARTICIPANT"),
        (leader_id("johnson"), "PARTICIPANT"),
        ("country_UA", "SUBJECT"),
        ("country_RU", "SUBJECT"),
    ]
    assert plain(body) == {
        "data": [
            {
                "id": participant_id("g5-videoconference", i),
                "engagement": g5,
                "actor": actor,
                "role": role,
            }
            for i, (actor, role) in enumerate(actors)
        ],
        "links": {},
    }


async def test_engagement_statements_claims_and_citations(client: httpx.AsyncClient) -> None:
    elysee = engagement_id("elysee-statement")
    statements = await get(client, f"/engagements/{elysee}/statements")
    claims = await get(client, f"/engagements/{engagement_id('us-troop-warning')}/claims")
    citations = await get(client, f"/engagements/{engagement_id('g5-videoconference')}/citations")
    assert keys(statements["data"]) == [
        "elysee-ukraine-sovereignty",
        "elysee-peace-security",
        "elysee-normandy-negotiations",
    ]
    assert keys(claims["data"]) == ["troops-94000"]
    # in the order of their place in the article
    g5 = engagement_id("g5-videoconference")
    assert plain(citations["data"]) == [
        cite(
            "engagement",
            "g5-videoconference",
            0,
            g5,
            "the leaders of Germany, USA, France, Italy and the United Kingdom",
        ),
        cite(
            "engagement",
            "g5-videoconference",
            1,
            g5,
            "a videoconference between the five leaders on the eve of the virtual bilateral meeting",
        ),
        cite(
            "engagement",
            "g5-videoconference",
            2,
            g5,
            "The meeting between the US and Europeans is part of meetings with key allies planned by Biden to coordinate the message and strong transnational solidarity",
        ),
    ]
    assert [c["start"] for c in citations["data"]] == [48, 965, 1146]


async def test_lists_under_an_unknown_engagement_are_404(client: httpx.AsyncClient) -> None:
    nothing = seed_id("engagement", "nothing")
    for segment in ("participants", "statements", "claims", "citations"):
        await get(client, f"/engagements/{nothing}/{segment}", 404)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"actor": leader_id("zelensky")},
            ["blinken-zelensky-call:1", "zelensky-donbas-visit:0", "biden-zelensky-call:1"],
        ),
        ({"role": "MEDIATOR"}, ["us-mediation-offer:0"]),
        (
            {"engagement": engagement_id("biden-putin-meeting"), "role": "subject"},
            ["biden-putin-meeting:2", "biden-putin-meeting:3"],
        ),
        ({"actor": group_id("donbas-separatists")}, ["us-mediation-offer:3"]),
    ],
)
async def test_participants_filter(
    client: httpx.AsyncClient, params: dict[str, str], expected: list[str]
) -> None:
    body = await get(client, "/participants", **params)
    assert keys(body["data"]) == expected


async def test_participant_by_id(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/participants/{participant_id('us-mediation-offer', 0)}")
    assert plain(response.json()) == {
        "id": participant_id("us-mediation-offer", 0),
        "engagement": engagement_id("us-mediation-offer"),
        "actor": "country_US",
        "role": "MEDIATOR",
    }


# --------------------------------------------------------------------------------------------
# Statements
# --------------------------------------------------------------------------------------------


async def test_statement_by_id_with_citations(client: httpx.AsyncClient) -> None:
    target = statement_id("biden-no-red-lines")
    response = await client.get(f"{API}/statements/{target}", params={"expand": "citations"})
    citations = await get(client, f"/statements/{target}/citations")
    expected = [
        cite(
            "statement",
            "biden-no-red-lines",
            0,
            target,
            "“I don’t take red lines from anyone,” Biden said last Friday.",
        )
    ]
    assert plain(response.json()) == {
        "id": target,
        "text": "I don’t take red lines from anyone",
        "isDirectQuote": True,
        "date": "2021-12-03",
        "datePrecision": "DAY",
        "speaker": leader_id("biden"),
        "speakerLabel": None,
        "engagement": None,
        "citations": expected,
    }
    assert plain(citations["data"]) == expected


async def test_statement_without_a_speaker(client: httpx.AsyncClient) -> None:
    body = await get(client, f"/statements/{statement_id('us-official-economic-consequences')}")
    assert plain(body) == {
        "id": statement_id("us-official-economic-consequences"),
        "text": (
            "Biden must alert Putin of the serious economic consequences Russia will face if it "
            "invades Ukraine, and must say the country does not want to have to use force in the "
            "region."
        ),
        "isDirectQuote": False,
        "date": "2021-12-06",
        "datePrecision": "DAY",
        "speaker": None,
        "speakerLabel": "a US government official",
        "engagement": engagement_id("us-official-briefing"),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"speaker": "country_FR"},
            ["elysee-ukraine-sovereignty", "elysee-peace-security", "elysee-normandy-negotiations"],
        ),
        (
            {"speaker": f"{leader_id('peskov')},{leader_id('biden')}"},
            ["peskov-relations-deplorable", "peskov-three-topics", "biden-no-red-lines"],
        ),
        (
            {"engagement": engagement_id("peskov-remarks")},
            ["peskov-relations-deplorable", "peskov-three-topics"],
        ),
        (
            {"direct_quotes_only": "true"},
            ["zelensky-joint-actions", "peskov-three-topics", "biden-no-red-lines"],
        ),
        (
            {"from": "2021-12-01", "to": "2021-12-03"},
            ["putin-security-assurances", "biden-no-red-lines"],
        ),
        ({"q": "Kiev"}, ["us-comprehensive-actions", "lavrov-no-objection-mediation"]),
        ({"q": "red line"}, ["moscow-red-line", "biden-no-red-lines"]),
        ({"q": "red line", "sort": "-created_at"}, ["biden-no-red-lines", "moscow-red-line"]),
    ],
)
async def test_statements_filter_as_graphql_does(
    client: httpx.AsyncClient, params: dict[str, str], expected: list[str]
) -> None:
    body = await get(client, "/statements", **params)
    assert keys(body["data"]) == expected


async def test_statements_refuse_a_reversed_range_and_a_bad_flag(
    client: httpx.AsyncClient,
) -> None:
    assert (await get(client, "/statements", 400, **{"from": "2021-12-03", "to": "2021-12-01"}))[
        "param"
    ] == "to"
    assert (await get(client, "/statements", 400, direct_quotes_only="maybe"))[
        "param"
    ] == "direct_quotes_only"


# --------------------------------------------------------------------------------------------
# Claims and stances
# --------------------------------------------------------------------------------------------

TROOPS_94000_STANCES = [
    {
        "id": stance_id("troops-94000-us-asserts"),
        "claim": claim_id("troops-94000"),
        "actor": "country_US",
        "position": "ASSERTS",
        "date": "2021-11-01",
        "datePrecision": "MONTH",
        "statement": statement_id("us-warning-94000-troops"),
    },
    {
        "id": stance_id("troops-94000-ru-denies"),
        "claim": claim_id("troops-94000"),
        "actor": "country_RU",
        "position": "DENIES",
        "date": "2021-12-06",
        "datePrecision": "DAY",
        "statement": statement_id("moscow-alarmism"),
    },
]


async def test_claim_with_stances_and_citations_expanded(client: httpx.AsyncClient) -> None:
    target = claim_id("troops-94000")
    response = await client.get(f"{API}/claims/{target}", params={"expand": "stances,citations"})
    stances = await get(client, f"/claims/{target}/stances")
    citations = await get(client, f"/claims/{target}/citations")
    expected_citations = [
        cite(
            "claim",
            "troops-94000",
            0,
            target,
            "an unusual Russian troop movement of 94,000 troops near the Ukrainian border",
        )
    ]
    assert plain(response.json()) == {
        "id": target,
        "text": "Russia has moved about 94,000 troops near the Ukrainian border.",
        "quantity": 94000,
        "unit": "troops",
        "subject": "country_RU",
        "status": "DISPUTED",
        "engagement": engagement_id("us-troop-warning"),
        "stances": TROOPS_94000_STANCES,
        "citations": expected_citations,
    }
    assert plain(stances["data"]) == TROOPS_94000_STANCES
    assert plain(citations["data"]) == expected_citations


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {},
            [
                "troops-94000",
                "troops-175000",
                "imminent-invasion",
                "troops-defensive",
                "russian-support-separatists",
            ],
        ),
        ({"status": "disputed"}, ["troops-94000", "troops-175000"]),
        ({"status": "REFUTED"}, ["imminent-invasion"]),
        (
            {"status": "UNVERIFIED", "sort": "-created_at"},
            ["russian-support-separatists", "troops-defensive"],
        ),
        ({"unit": "TROOPS"}, ["troops-94000", "troops-175000"]),
        ({"subject": "country_US"}, []),
        ({"q": "invasion"}, ["imminent-invasion"]),
    ],
)
async def test_claims_filter_as_graphql_does(
    client: httpx.AsyncClient, params: dict[str, str], expected: list[str]
) -> None:
    body = await get(client, "/claims", **params)
    assert keys(body["data"]) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"position": "DENIES"},
            ["troops-94000-ru-denies", "troops-175000-ru-denies", "imminent-invasion-ru-denies"],
        ),
        (
            {"actor": "country_US"},
            [
                "troops-94000-us-asserts",
                "troops-175000-us-asserts",
                "russian-support-separatists-us-asserts",
            ],
        ),
        (
            {"statement": statement_id("moscow-alarmism")},
            ["troops-94000-ru-denies", "troops-175000-ru-denies"],
        ),
        ({"claim": claim_id("troops-defensive")}, ["troops-defensive-ru-asserts"]),
    ],
)
async def test_stances_filter(
    client: httpx.AsyncClient, params: dict[str, str], expected: list[str]
) -> None:
    body = await get(client, "/stances", **params)
    assert keys(body["data"]) == expected


async def test_stance_by_id_with_citations(client: httpx.AsyncClient) -> None:
    target = stance_id("troops-94000-ru-denies")
    response = await client.get(f"{API}/stances/{target}", params={"expand": "citations"})
    citations = await get(client, f"/stances/{target}/citations")
    expected = [
        cite(
            "stance", "troops-94000-ru-denies", 0, target, "which Moscow denies and calls alarmism"
        )
    ]
    assert plain(response.json()) == {**TROOPS_94000_STANCES[1], "citations": expected}
    assert plain(citations["data"]) == expected


# --------------------------------------------------------------------------------------------
# Sources and citations
# --------------------------------------------------------------------------------------------


async def test_sources(client: httpx.AsyncClient) -> None:
    listed = await get(client, "/sources")
    one = await get(client, f"/sources/{SOURCE_ID}")
    expected = {
        "id": SOURCE_ID,
        "title": SOURCE_TITLE,
        "publisher": None,
        "url": None,
        "language": "en",
        "publishedAt": "2021-12-06T00:00:00+00:00",
        "licence": None,
        "text": SOURCE_TEXT,
    }
    assert plain(listed) == {"data": [expected], "links": {}}
    assert plain(one) == expected


async def test_source_citations_in_text_order(client: httpx.AsyncClient) -> None:
    every = await get_all(client, f"/sources/{SOURCE_ID}/citations", limit=25)
    total = await get(client, "/citations", limit=1, with_total="true")
    assert len(every) == total["total"] == 61
    assert [c["start"] for c in every] == sorted(c["start"] for c in every)
    for citation in every:
        assert SOURCE_TEXT[citation["start"] : citation["end"]] == citation["excerpt"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"target": claim_id("imminent-invasion")}, [citation_id("claim", "imminent-invasion", 0)]),
        (
            {
                "target": f"{stance_id('troops-94000-ru-denies')},{position_id('zelensky-president')}",
                "sort": "start",
            },
            [  # by their place in the article
                citation_id("stance", "troops-94000-ru-denies", 0),
                citation_id("position", "zelensky-president", 0),
            ],
        ),
        ({"target": "country_UA"}, []),  # not a citable record
        ({"source": seed_id("source", "elsewhere")}, []),
    ],
)
async def test_citations_filter(
    client: httpx.AsyncClient, params: dict[str, str], expected: list[str]
) -> None:
    body = await get(client, "/citations", **params)
    assert [c["id"] for c in body["data"]] == expected


async def test_citation_by_id(client: httpx.AsyncClient) -> None:
    citation = citation_id("claim", "imminent-invasion", 0)
    body = await get(client, f"/citations/{citation}")
    assert plain(body) == cite(
        "claim",
        "imminent-invasion",
        0,
        claim_id("imminent-invasion"),
        "The Kremlin denies an imminent invasion",
    )


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------


async def test_search_matches_as_graphql_does(client: httpx.AsyncClient) -> None:
    body = await get(client, "/search", q="Zelenski")
    assert [(h["type"], h["id"], h["label"], h["exact"]) for h in body["data"]] == [
        ("LEADER", leader_id("zelensky"), "Volodymyr Zelenskyy", True),
        (
            "ENGAGEMENT",
            engagement_id("blinken-zelensky-call"),
            "Blinken–Zelensky telephone call",
            False,
        ),
        (
            "ENGAGEMENT",
            engagement_id("zelensky-donbas-visit"),
            "Zelensky visits front-line trenches in Donbas",
            False,
        ),
        (
            "ENGAGEMENT",
            engagement_id("biden-zelensky-call"),
            "Biden–Zelensky conversation after the Putin meeting",
            False,
        ),
    ]
    assert plain(body["data"][0]["record"]) == plain(
        await get(client, f"/leaders/{leader_id('zelensky')}")
    )


async def test_search_limit_and_kinds(client: httpx.AsyncClient) -> None:
    body = await get(client, "/search", q="Kyiv", limit=2)
    assert plain(body) == {
        "data": [
            {
                "type": "COUNTRY",
                "id": "country_UA",
                "label": "Ukraine",
                "exact": True,
                "record": UKRAINE,
            },
            {
                "type": "ENGAGEMENT",
                "id": engagement_id("us-mediation-offer"),
                "label": "US offers to mediate negotiations between Moscow and Kyiv",
                "exact": False,
                "record": plain(
                    await get(client, f"/engagements/{engagement_id('us-mediation-offer')}")
                ),
            },
        ]
    }


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({}, "q"),
        ({"q": "K"}, "q"),
        ({"q": "Kyiv", "limit": "0"}, "limit"),
        ({"q": "Kyiv", "limit": "101"}, "limit"),
        ({"q": "Kyiv", "first": "2"}, "first"),
    ],
)
async def test_search_refuses_bad_parameters_naming_them(
    client: httpx.AsyncClient, params: dict[str, str], param: str
) -> None:
    body = await get(client, "/search", 400, **params)
    assert body["param"] == param


# --------------------------------------------------------------------------------------------
# Writing: every entity created, read back, changed with If-Match and deleted
# --------------------------------------------------------------------------------------------

WRITES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    # (resource, POST body, created record, PATCH body, fields it changes)
    (
        "leaders",
        {"name": "Olena Zelenska", "aliases": ["Олена Зеленська"], "country": "ua"},
        {
            "name": "Olena Zelenska",
            "aliases": ["Олена Зеленська"],
            "country": "country_UA",
            "wikidataQid": None,
        },
        {"wikidataQid": "Q3383543", "country": "country_UA"},
        {"wikidataQid": "Q3383543"},
    ),
    (
        "positions",
        {
            "leader": leader_id("scholz"),
            "title": "Federal Minister of Finance",
            "kind": "MINISTER",
            "country": "DE",
            "startDate": "2018-03-14",
        },
        {
            "leader": leader_id("scholz"),
            "title": "Federal Minister of Finance",
            "kind": "MINISTER",
            "country": "country_DE",
            "group": None,
            "startDate": "2018-03-14",
            "endDate": None,
        },
        {"endDate": "2021-12-08"},
        {"endDate": "2021-12-08"},
    ),
    (
        "groups",
        {"name": "Quint", "kind": "DIPLOMATIC_FORMAT", "aliases": ["the Quint"]},
        {
            "name": "Quint",
            "aliases": ["the Quint"],
            "kind": "DIPLOMATIC_FORMAT",
            "description": None,
            "wikidataQid": None,
        },
        {"description": "The US, the UK, France, Germany and Italy.", "kind": "COALITION"},
        {"description": "The US, the UK, France, Germany and Italy.", "kind": "COALITION"},
    ),
    (
        "memberships",
        {"group": group_id("nato"), "member": "country_FI", "startDate": "2023-04-04"},
        {
            "group": group_id("nato"),
            "member": "country_FI",
            "role": "MEMBER",
            "startDate": "2023-04-04",
            "endDate": None,
        },
        {"role": "OBSERVER"},
        {"role": "OBSERVER"},
    ),
    (
        "participants",
        {
            "engagement": engagement_id("g5-videoconference"),
            "actor": leader_id("scholz"),
            "role": "SUBJECT",
        },
        {
            "engagement": engagement_id("g5-videoconference"),
            "actor": leader_id("scholz"),
            "role": "SUBJECT",
        },
        {"role": "PARTICIPANT"},
        {"role": "PARTICIPANT"},
    ),
    (
        "statements",
        {
            "text": "We stand with Ukraine.",
            "isDirectQuote": True,
            "date": "2021-12-07",
            "speaker": leader_id("johnson"),
        },
        {
            "text": "We stand with Ukraine.",
            "isDirectQuote": True,
            "date": "2021-12-07",
            "datePrecision": "DAY",
            "speaker": leader_id("johnson"),
            "speakerLabel": None,
            "engagement": None,
        },
        {"engagement": engagement_id("g5-videoconference"), "speakerLabel": "the Prime Minister"},
        {"engagement": engagement_id("g5-videoconference"), "speakerLabel": "the Prime Minister"},
    ),
    (
        "claims",
        {
            "text": "Russia has about 100 battalion tactical groups near Ukraine.",
            "quantity": 100,
            "unit": "battalion tactical groups",
            "subject": "country_RU",
        },
        {
            "text": "Russia has about 100 battalion tactical groups near Ukraine.",
            "quantity": 100,
            "unit": "battalion tactical groups",
            "subject": "country_RU",
            "status": "UNVERIFIED",
            "engagement": None,
        },
        {"quantity": 120},
        {"quantity": 120},
    ),
    (
        "stances",
        {
            "claim": claim_id("imminent-invasion"),
            "actor": "country_US",
            "position": "ASSERTS",
            "date": "2021-12-03",
        },
        {
            "claim": claim_id("imminent-invasion"),
            "actor": "country_US",
            "position": "ASSERTS",
            "date": "2021-12-03",
            "datePrecision": "DAY",
            "statement": None,
        },
        {"position": "QUESTIONS", "date": None},
        {"position": "QUESTIONS", "date": None},
    ),
    (
        "sources",
        {
            "title": "Readout of President Biden’s video call with President Putin",
            "publisher": "The White House",
            "url": "https://example.org/readout-2021-12-07",
            "language": "en",
            "publishedAt": "2021-12-07T20:00:00Z",
            "text": "President Biden voiced the deep concerns of the United States.",
        },
        {
            "title": "Readout of President Biden’s video call with President Putin",
            "publisher": "The White House",
            "url": "https://example.org/readout-2021-12-07",
            "language": "en",
            "publishedAt": "2021-12-07T20:00:00+00:00",
            "licence": None,
            "text": "President Biden voiced the deep concerns of the United States.",
        },
        {"licence": "public domain"},
        {"licence": "public domain"},
    ),
    (
        "citations",
        {
            "source": SOURCE_ID,
            "target": statement_id("biden-no-red-lines"),
            "excerpt": "Biden said last Friday",
        },
        {
            "source": SOURCE_ID,
            "target": statement_id("biden-no-red-lines"),
            "excerpt": "Biden said last Friday",
            "start": SOURCE_TEXT.index("Biden said last Friday"),
            "end": SOURCE_TEXT.index("Biden said last Friday") + len("Biden said last Friday"),
        },
        {"excerpt": "said last Friday"},
        {
            "excerpt": "said last Friday",
            "start": SOURCE_TEXT.index("said last Friday"),
            "end": SOURCE_TEXT.index("said last Friday") + len("said last Friday"),
        },
    ),
]


@pytest.mark.parametrize(
    ("resource", "create", "created", "patch", "patched"), WRITES, ids=[w[0] for w in WRITES]
)
async def test_create_read_update_delete(
    client: httpx.AsyncClient,
    write_key: dict[str, str],
    resource: str,
    create: dict[str, Any],
    created: dict[str, Any],
    patch: dict[str, Any],
    patched: dict[str, Any],
) -> None:
    # when: created
    posted = await client.post(f"{API}/{resource}", json=create, headers=write_key)
    # then: 201 with where it lives and its tag
    assert posted.status_code == 201, posted.text
    record = posted.json()
    kind = record["id"].partition("_")[0]
    assert f"{kind}s" == resource
    assert posted.headers["location"] == f"{API}/{resource}/{record['id']}"
    assert {k: v for k, v in plain(record).items() if k != "id"} == created
    first_tag = posted.headers["etag"]

    # when: read back
    read = await client.get(posted.headers["location"])
    # then: the same record and tag
    assert read.status_code == 200
    assert read.json() == record
    assert read.headers["etag"] == first_tag

    # when: changed with the tag read
    changed = await client.patch(
        posted.headers["location"], json=patch, headers={**write_key, "If-Match": first_tag}
    )
    # then
    assert changed.status_code == 200, changed.text
    assert {k: v for k, v in plain(changed.json()).items() if k != "id"} == {**created, **patched}
    second_tag = changed.headers["etag"]
    assert second_tag != first_tag
    assert (await client.get(posted.headers["location"])).headers["etag"] == second_tag

    # when: deleted with the stale tag, then with the current one
    stale = await client.delete(
        posted.headers["location"], headers={**write_key, "If-Match": first_tag}
    )
    deleted = await client.delete(
        posted.headers["location"], headers={**write_key, "If-Match": second_tag}
    )
    # then
    assert stale.status_code == 412
    assert stale.json()["type"] == "/problems/precondition-failed"
    assert deleted.status_code == 204
    assert deleted.content == b""
    gone = await client.get(posted.headers["location"])
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("resource", "create"), [(w[0], w[1]) for w in WRITES], ids=[w[0] for w in WRITES]
)
async def test_writing_needs_a_write_key(
    client: httpx.AsyncClient, read_key: dict[str, str], resource: str, create: dict[str, Any]
) -> None:
    before = await get(client, f"/{resource}", limit=1000)
    anonymous = await client.post(f"{API}/{resource}", json=create)
    reader = await client.post(f"{API}/{resource}", json=create, headers=read_key)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert reader.status_code == 403
    assert await get(client, f"/{resource}", limit=1000) == before  # nothing written


async def test_patch_and_delete_need_if_match(
    client: httpx.AsyncClient, write_key: dict[str, str]
) -> None:
    path = f"{API}/leaders/{leader_id('scholz')}"
    patch = await client.patch(path, json={"wikidataQid": "Q1"}, headers=write_key)
    delete = await client.delete(path, headers=write_key)
    assert patch.status_code == 428
    assert delete.status_code == 428
    assert plain(await get(client, f"/leaders/{leader_id('scholz')}"))["wikidataQid"] == "Q61053"


async def test_a_stance_moves_its_claims_status(
    client: httpx.AsyncClient, write_key: dict[str, str]
) -> None:
    # given: a claim nobody has taken a stance on
    posted = await client.post(
        f"{API}/claims",
        json={"text": "Russia will invade in January.", "subject": "country_RU"},
        headers=write_key,
    )
    claim = posted.json()["id"]
    # when: the US confirms it, then Russia denies it
    confirm = await client.post(
        f"{API}/stances",
        json={"claim": claim, "actor": "country_US", "position": "CONFIRMS"},
        headers=write_key,
    )
    after_confirm = (await get(client, f"/claims/{claim}"))["status"]
    deny = await client.post(
        f"{API}/stances",
        json={"claim": claim, "actor": "country_RU", "position": "DENIES"},
        headers=write_key,
    )
    after_deny = (await get(client, f"/claims/{claim}"))["status"]
    removed = await client.delete(
        f"{API}/stances/{confirm.json()['id']}",
        headers={**write_key, "If-Match": confirm.headers["etag"]},
    )
    after_removal = await get(client, f"/claims/{claim}", expand="stances")
    # then
    assert posted.status_code == confirm.status_code == deny.status_code == 201
    assert (after_confirm, after_deny) == ("CONFIRMED", "DISPUTED")
    assert removed.status_code == 204
    assert after_removal["status"] == "REFUTED"
    assert [s["id"] for s in after_removal["stances"]] == [deny.json()["id"]]


async def test_deleting_a_claim_deletes_its_stances_and_citations(
    client: httpx.AsyncClient, write_key: dict[str, str]
) -> None:
    claim = claim_id("troops-94000")
    tag = (await client.get(f"{API}/claims/{claim}")).headers["etag"]
    deleted = await client.delete(f"{API}/claims/{claim}", headers={**write_key, "If-Match": tag})
    assert deleted.status_code == 204
    await get(client, f"/stances/{stance_id('troops-94000-ru-denies')}", 404)
    await get(client, f"/citations/{citation_id('claim', 'troops-94000', 0)}", 404)
    await get(client, f"/claims/{claim}/stances", 404)


@pytest.mark.parametrize(
    ("resource", "body", "status", "field"),
    [
        (
            "positions",
            {
                "leader": leader_id("scholz"),
                "title": "Chancellor",
                "kind": "HEAD_OF_GOVERNMENT",
                "country": "DE",
                "group": group_id("nato"),
            },
            422,
            "group",
        ),
        (
            "positions",
            {"leader": leader_id("scholz"), "title": "Chancellor", "kind": "KING", "country": "DE"},
            422,
            "kind",
        ),
        ("memberships", {"group": group_id("nato"), "member": "country_XX"}, 422, "member"),
        (
            "memberships",
            {
                "group": group_id("nato"),
                "member": "country_FI",
                "startDate": "2023-04-04",
                "endDate": "2023-01-01",
            },
            422,
            "endDate",
        ),
        (
            "stances",
            {"claim": seed_id("claim", "nothing"), "actor": "country_US", "position": "ASSERTS"},
            404,
            "claim",
        ),
        (
            "citations",
            {
                "source": SOURCE_ID,
                "target": statement_id("biden-no-red-lines"),
                "excerpt": "not in the article at all",
            },
            422,
            "excerpt",
        ),
        (
            "citations",
            {"source": SOURCE_ID, "target": "country_UA", "excerpt": "Biden said last Friday"},
            422,
            "target",
        ),
        ("leaders", {"name": "Someone", "wikidataQid": "Q6279"}, 409, "wikidataQid"),
        ("leaders", {"name": "Someone", "height": 180}, 422, "height"),
        ("statements", {"text": "Words without a speaker."}, 422, "speaker"),
    ],
)
async def test_writes_refused_name_the_field(
    client: httpx.AsyncClient,
    write_key: dict[str, str],
    resource: str,
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    response = await client.post(f"{API}/{resource}", json=body, headers=write_key)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


async def test_a_leader_who_took_part_in_engagements_cannot_be_deleted(
    client: httpx.AsyncClient, write_key: dict[str, str]
) -> None:
    path = f"{API}/leaders/{leader_id('biden')}"
    tag = (await client.get(path)).headers["etag"]
    response = await client.delete(path, headers={**write_key, "If-Match": tag})
    assert response.status_code == 409
    assert (await client.get(path)).status_code == 200


# --------------------------------------------------------------------------------------------
# Lists under a record share the list machinery: formats, totals, parameters
# --------------------------------------------------------------------------------------------


async def test_a_list_under_a_record_streams_as_csv_and_ndjson(client: httpx.AsyncClient) -> None:
    # when: a leader's engagements as the dyadic CSV, a claim's stances as NDJSON
    csv = await client.get(
        f"{API}/leaders/{leader_id('zelensky')}/engagements", params={"format": "csv"}
    )
    ndjson = await client.get(
        f"{API}/claims/{claim_id('troops-94000')}/stances",
        params={"fields": "position,actor"},
        headers={"Accept": "application/x-ndjson"},
    )
    # then
    assert csv.status_code == 200
    assert csv.headers["content-disposition"] == 'attachment; filename="engagements.csv"'
    rows = csv.text.splitlines()
    assert rows[0].startswith("id,kind,mode,status,title,start_date,end_date,date_precision,")
    assert [row.split(",")[0] for row in rows[1:]] == [
        engagement_id("biden-zelensky-call"),
        engagement_id("zelensky-donbas-visit"),
        engagement_id("blinken-zelensky-call"),
    ]
    assert ndjson.headers["content-type"] == "application/x-ndjson"
    assert ndjson.text.splitlines() == [
        f'{{"id":"{stance_id("troops-94000-us-asserts")}","actor":"country_US","position":"ASSERTS"}}',
        f'{{"id":"{stance_id("troops-94000-ru-denies")}","actor":"country_RU","position":"DENIES"}}',
    ]


async def test_a_list_under_a_record_pages_with_totals_and_links(
    client: httpx.AsyncClient,
) -> None:
    # when
    path = f"{API}/countries/US/engagements"
    first = await client.get(path, params={"limit": "4", "with_total": "true", "fields": "id"})
    body = first.json()
    second = (await client.get(body["links"]["next"])).json()
    # then
    assert body["total"] == 9
    assert keys(body["data"]) == [
        "biden-zelensky-call",
        "biden-putin-meeting",
        "us-official-briefing",
        "peskov-remarks",
    ]
    assert first.headers["link"] == f'<{body["links"]["next"]}>; rel="next"'
    assert body["links"]["next"].startswith(f"{path}?")
    assert keys(second["data"]) == [
        "blinken-zelensky-call",
        "g5-videoconference",
        "putin-security-demand",
        "us-mediation-offer",
    ]
    assert set(second["links"]) == {"next", "prev"}


@pytest.mark.parametrize(
    ("path", "params", "param"),
    [
        (f"/leaders/{leader_id('biden')}/engagements", {"country": "XX"}, "country"),
        (f"/leaders/{leader_id('biden')}/statements", {"q": "red"}, "q"),
        (f"/groups/{group_id('nato')}/members", {"as_of": "yesterday"}, "as_of"),
        ("/countries/RU/leaders", {"sort": "title"}, "sort"),
        (f"/claims/{claim_id('troops-94000')}/stances", {"expand": "claim"}, "expand"),
        (f"/claims/{claim_id('troops-94000')}/citations", {"cursor": "x"}, "cursor"),
    ],
)
async def test_a_list_under_a_record_refuses_bad_parameters_naming_them(
    client: httpx.AsyncClient, path: str, params: dict[str, str], param: str
) -> None:
    body = await get(client, path, 400, **params)
    assert body["param"] == param


@pytest.mark.parametrize(
    ("path", "sort"),
    [
        ("/groups", "kind"),
        ("/claims", "-status"),
        ("/stances", "position,-date_precision"),
        ("/memberships", "role"),
        ("/positions", "-kind"),
        ("/participants", "role,created_at"),
        ("/statements", "date_precision"),
    ],
)
async def test_sorts_on_enum_fields_page_across_pages(
    client: httpx.AsyncClient, path: str, sort: str
) -> None:
    whole = await get(client, path, sort=sort, limit=1000)
    paged = await get_all(client, path, sort=sort, limit=2)
    backward = await client.get(f"{API}{path}", params={"sort": sort, "limit": 2})
    second = (await client.get(backward.json()["links"]["next"])).json()
    back = (await client.get(second["links"]["prev"])).json()
    assert [r["id"] for r in paged] == [r["id"] for r in whole["data"]]
    assert back["data"] == backward.json()["data"]


async def test_enum_sorts_order_by_the_value(client: httpx.AsyncClient) -> None:
    groups = await get(client, "/groups", sort="kind")
    claims = await get(client, "/claims", sort="-status")
    assert keys(groups["data"]) == ["nato", "donbas-separatists", "normandy"]
    assert keys(claims["data"]) == [
        "russian-support-separatists",  # UNVERIFIED, newest first
        "troops-defensive",
        "imminent-invasion",  # REFUTED
        "troops-175000",  # DISPUTED
        "troops-94000",
    ]
