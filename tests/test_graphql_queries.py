"""Every Query field of the GraphQL API, and the nested fields of each type, answered from the
seed dataset (the 6 December 2021 article): exact records, in exact order.

Each test reads as given (the seeded database, the arguments), when (one GraphQL operation),
then (the whole expected answer)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.enums import PositionKind
from db.ids import seed_id
from db.leaders import PositionCreate, create_position
from tests.graphql_helpers import (
    SOURCE_ID,
    SOURCE_TEXT,
    SOURCE_TITLE,
    claim_id,
    engagement_id,
    group_id,
    keys,
    leader_id,
    seed_key,
    stance_id,
    statement_id,
)

pytestmark = pytest.mark.anyio

ALL_ENGAGEMENTS_NEWEST_FIRST = [
    "biden-zelensky-call",  # 2021-12-08..14
    "biden-putin-meeting",  # 2021-12-07
    "us-official-briefing",  # 2021-12-06, ties newest record first
    "peskov-remarks",
    "zelensky-donbas-visit",
    "blinken-zelensky-call",
    "elysee-statement",
    "g5-videoconference",
    "putin-security-demand",  # 2021-12-01
    "us-mediation-offer",  # week of 2021-11-29
    "us-troop-warning",  # November 2021
    "ukraine-government-ousting-2014",  # February 2014
]

# --------------------------------------------------------------------------------------------
# node(id:)
# --------------------------------------------------------------------------------------------

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Leader { name wikidataQid country { code } }
    ... on Country { code alpha3 name }
    ... on Group { name groupKind: kind wikidataQid }
    ... on Engagement { title kind mode status startDate endDate datePrecision }
    ... on Statement { text isDirectQuote date datePrecision speakerLabel }
    ... on Claim { text quantity unit claimStatus: status }
    ... on Source { title language publisher url licence }
  }
}
"""

NODES: list[tuple[str, dict[str, Any]]] = [
    (
        leader_id("biden"),
        {
            "__typename": "Leader",
            "id": leader_id("biden"),
            "name": "Joe Biden",
            "wikidataQid": "Q6279",
            "country": {"code": "US"},
        },
    ),
    (
        "country_UA",
        {
            "__typename": "Country",
            "id": "country_UA",
            "code": "UA",
            "alpha3": "UKR",
            "name": "Ukraine",
        },
    ),
    (
        group_id("normandy"),
        {
            "__typename": "Group",
            "id": group_id("normandy"),
            "name": "Normandy Format",
            "groupKind": "DIPLOMATIC_FORMAT",
            "wikidataQid": None,
        },
    ),
    (
        engagement_id("g5-videoconference"),
        {
            "__typename": "Engagement",
            "id": engagement_id("g5-videoconference"),
            "title": "Videoconference of the leaders of Germany, the US, France, Italy and the UK",
            "kind": "MEETING",
            "mode": "VIRTUAL",
            "status": "HELD",
            "startDate": "2021-12-06",
            "endDate": None,
            "datePrecision": "DAY",
        },
    ),
    (
        statement_id("biden-no-red-lines"),
        {
            "__typename": "Statement",
            "id": statement_id("biden-no-red-lines"),
            "text": "I don’t take red lines from anyone",
            "isDirectQuote": True,
            "date": "2021-12-03",
            "datePrecision": "DAY",
            "speakerLabel": None,
        },
    ),
    (
        claim_id("troops-94000"),
        {
            "__typename": "Claim",
            "id": claim_id("troops-94000"),
            "text": "Russia has moved about 94,000 troops near the Ukrainian border.",
            "quantity": 94000.0,
            "unit": "troops",
            "claimStatus": "DISPUTED",
        },
    ),
    (
        SOURCE_ID,
        {
            "__typename": "Source",
            "id": SOURCE_ID,
            "title": SOURCE_TITLE,
            "language": "en",
            "publisher": None,
            "url": None,
            "licence": None,
        },
    ),
]


@pytest.mark.parametrize(("public_id", "expected"), NODES, ids=[n[1]["__typename"] for n in NODES])
async def test_node_returns_each_node_type_by_its_id(
    graphql: Any, public_id: str, expected: dict[str, Any]
) -> None:
    # given: the ID of a seeded record of each Node type
    # when
    body = await graphql(NODE, {"id": public_id})
    # then
    assert body["data"] == {"node": expected}
    assert "errors" not in body


@pytest.mark.parametrize(
    "public_id",
    [
        "leader_00000000000000000000000000",  # well-formed, no such leader
        "country_XX",  # well-formed, no such country
        "country_ua",  # country IDs are upper case
        "garbage",
        "",
        "leader_",
        "unknown_7tqq400dndbw4a7yymj6g18xqm",
        "leader_7tqq400dndbw4a7yymj6g18xq!",
        seed_id("position", "biden-president"),  # a real position: not a Node type
    ],
)
async def test_node_is_null_for_an_unknown_or_malformed_id(graphql: Any, public_id: str) -> None:
    # when
    body = await graphql(NODE, {"id": public_id})
    # then: null, and no error
    assert body["data"] == {"node": None}
    assert "errors" not in body


# --------------------------------------------------------------------------------------------
# country(code:), countries(filter:)
# --------------------------------------------------------------------------------------------

COUNTRY = """
query Country($code: String!) {
  country(code: $code) { id code alpha3 name officialName aliases }
}
"""

UKRAINE = {
    "id": "country_UA",
    "code": "UA",
    "alpha3": "UKR",
    "name": "Ukraine",
    "officialName": None,
    "aliases": ["Ukraine", "Kyiv", "Kiev"],
}


@pytest.mark.parametrize("code", ["ua", "UKR", "Ua", "UA", "ukr"])
async def test_country_by_alpha2_or_alpha3_in_any_case(graphql: Any, code: str) -> None:
    # when
    body = await graphql(COUNTRY, {"code": code})
    # then
    assert body["data"] == {"country": UKRAINE}
    assert "errors" not in body


@pytest.mark.parametrize("code", ["XX", "ZZZ", "U", "Ukraine", ""])
async def test_country_is_null_for_an_unknown_code(graphql: Any, code: str) -> None:
    # The field's contract: "null for an unknown code" - a lookup, not an error.
    # when
    body = await graphql(COUNTRY, {"code": code})
    # then
    assert body["data"] == {"country": None}
    assert "errors" not in body


COUNTRIES_FILTERED = """
query Countries($filter: CountryFilter) {
  countries(filter: $filter, first: 100) { totalCount nodes { code name } }
}
"""


@pytest.mark.parametrize(
    ("country_filter", "expected"),
    [
        (
            {"codes": ["ua", "RUS", "De"]},
            [
                {"code": "DE", "name": "Germany"},
                {"code": "RU", "name": "Russian Federation"},
                {"code": "UA", "name": "Ukraine"},
            ],
        ),
        ({"search": "kiev"}, [{"code": "UA", "name": "Ukraine"}]),
        ({"search": "Kyiv"}, [{"code": "UA", "name": "Ukraine"}]),
        (
            {"search": "korea"},
            [
                {"code": "KP", "name": "Korea, Democratic People's Republic of"},
                {"code": "KR", "name": "Korea, Republic of"},
            ],
        ),
        (
            {"search": "united", "codes": ["US", "GB", "FR"]},
            [{"code": "GB", "name": "United Kingdom"}, {"code": "US", "name": "United States"}],
        ),
        ({"search": "Atlantis"}, []),
    ],
)
async def test_countries_filter_by_codes_and_search(
    graphql: Any, country_filter: dict[str, Any], expected: list[dict[str, str]]
) -> None:
    # when
    body = await graphql(COUNTRIES_FILTERED, {"filter": country_filter})
    # then: in code order, with the total of the filtered list
    assert body["data"] == {"countries": {"totalCount": len(expected), "nodes": expected}}


# --------------------------------------------------------------------------------------------
# leader(id:, name:), leaders(filter:)
# --------------------------------------------------------------------------------------------

LEADER_BY_ID = """
query Leader($id: ID) {
  leader(id: $id) { id name aliases wikidataQid country { code } }
}
"""

LEADER_BY_NAME = """
query Leader($name: String) {
  leader(name: $name) { id name }
}
"""

LEADER_BY_BOTH = """
query Leader($id: ID, $name: String) {
  leader(id: $id, name: $name) { id name }
}
"""


async def test_leader_by_id(graphql: Any) -> None:
    # when
    body = await graphql(LEADER_BY_ID, {"id": leader_id("biden")})
    # then
    assert body["data"] == {
        "leader": {
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
            "wikidataQid": "Q6279",
            "country": {"code": "US"},
        }
    }


@pytest.mark.parametrize(
    "public_id",
    [group_id("nato"), "country_US", "leader_00000000000000000000000000", "not-an-id"],
)
async def test_leader_by_id_is_null_for_another_type_or_unknown_id(
    graphql: Any, public_id: str
) -> None:
    body = await graphql(LEADER_BY_ID, {"id": public_id})
    assert body["data"] == {"leader": None}
    assert "errors" not in body


@pytest.mark.parametrize(
    ("name", "key", "canonical"),
    [
        ("Zelenski", "zelensky", "Volodymyr Zelenskyy"),
        ("Zelensky", "zelensky", "Volodymyr Zelenskyy"),
        ("Zelenskyy", "zelensky", "Volodymyr Zelenskyy"),
        ("Зеленський", "zelensky", "Volodymyr Zelenskyy"),
        ("volodymyr zelensky", "zelensky", "Volodymyr Zelenskyy"),
        ("Serguei Lavrov", "lavrov", "Sergey Lavrov"),
        ("Sergei Lavrov", "lavrov", "Sergey Lavrov"),
        ("Sergey Lavrov", "lavrov", "Sergey Lavrov"),
    ],
)
async def test_leader_by_any_spelling_of_the_name(
    graphql: Any, name: str, key: str, canonical: str
) -> None:
    # when
    body = await graphql(LEADER_BY_NAME, {"name": name})
    # then
    assert body["data"] == {"leader": {"id": leader_id(key), "name": canonical}}


@pytest.mark.parametrize("name", ["Vladimir Zhirinovsky", "Zelen", "Lavrov Sergey"])
async def test_leader_by_a_name_nobody_has_is_null(graphql: Any, name: str) -> None:
    # Names match whole (canonical name or an alias), not in part.
    body = await graphql(LEADER_BY_NAME, {"name": name})
    assert body["data"] == {"leader": None}
    assert "errors" not in body


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({}, "name"),  # neither
        ({"id": leader_id("biden"), "name": "Joe Biden"}, "id"),  # both
    ],
    ids=["neither", "both"],
)
async def test_leader_needs_exactly_one_of_id_and_name(
    graphql: Any, variables: dict[str, Any], argument: str
) -> None:
    # when
    body = await graphql(LEADER_BY_BOTH, variables)
    # then: a user error naming the argument, and the field is null
    assert body["data"] == {"leader": None}
    assert [
        {"message": e["message"], "path": e["path"], "extensions": e["extensions"]}
        for e in body["errors"]
    ] == [
        {
            "message": "Give exactly one of the arguments 'id' and 'name'",
            "path": ["leader"],
            "extensions": {"code": "BAD_USER_INPUT", "argument": argument},
        }
    ]


LEADERS = """
query Leaders($filter: LeaderFilter) {
  leaders(filter: $filter) {
    totalCount
    nodes { name country { code } }
    pageInfo { hasNextPage hasPreviousPage }
  }
}
"""


async def test_leaders_lists_everyone_by_name(graphql: Any) -> None:
    body = await graphql(LEADERS)
    assert body["data"] == {
        "leaders": {
            "totalCount": 11,
            "nodes": [
                {"name": "Angela Merkel", "country": {"code": "DE"}},
                {"name": "Antony Blinken", "country": {"code": "US"}},
                {"name": "Boris Johnson", "country": {"code": "GB"}},
                {"name": "Dmitry Peskov", "country": {"code": "RU"}},
                {"name": "Emmanuel Macron", "country": {"code": "FR"}},
                {"name": "Joe Biden", "country": {"code": "US"}},
                {"name": "Mario Draghi", "country": {"code": "IT"}},
                {"name": "Olaf Scholz", "country": {"code": "DE"}},
                {"name": "Sergey Lavrov", "country": {"code": "RU"}},
                {"name": "Vladimir Putin", "country": {"code": "RU"}},
                {"name": "Volodymyr Zelenskyy", "country": {"code": "UA"}},
            ],
            "pageInfo": {"hasNextPage": False, "hasPreviousPage": False},
        }
    }


@pytest.mark.parametrize(
    ("leader_filter", "expected"),
    [
        ({"name": "Zelenski"}, ["Volodymyr Zelenskyy"]),
        ({"name": "Zelen"}, []),  # a name matches whole
        ({"search": "zelen"}, ["Volodymyr Zelenskyy"]),  # search matches a part
        ({"search": "Serguei Lavrov"}, ["Sergey Lavrov"]),
        # "Sergeyevich" (Peskov's patronymic) folds like "Serguei" too
        ({"search": "Serguei"}, ["Dmitry Peskov", "Sergey Lavrov"]),
        ({"countries": ["RUS"]}, ["Dmitry Peskov", "Sergey Lavrov", "Vladimir Putin"]),
        ({"countries": ["de", "IT"]}, ["Angela Merkel", "Mario Draghi", "Olaf Scholz"]),
        ({"search": "lavrov", "countries": ["ru"]}, ["Sergey Lavrov"]),
        ({"search": "lavrov", "countries": ["US"]}, []),
    ],
)
async def test_leaders_filter(
    graphql: Any, leader_filter: dict[str, Any], expected: list[str]
) -> None:
    body = await graphql(LEADERS, {"filter": leader_filter})
    leaders = body["data"]["leaders"]
    assert [n["name"] for n in leaders["nodes"]] == expected
    assert leaders["totalCount"] == len(expected)


# --------------------------------------------------------------------------------------------
# group(id:, name:), groups
# --------------------------------------------------------------------------------------------

GROUP_BY_NAME = """
query Group($name: String) {
  group(name: $name) { id name kind }
}
"""

GROUP_BY_ID = """
query Group($id: ID) {
  group(id: $id) { id name }
}
"""

NORMANDY = {"id": group_id("normandy"), "name": "Normandy Format", "kind": "DIPLOMATIC_FORMAT"}


@pytest.mark.parametrize("name", ["Normandy Quartet", "normandy format", "Normandy Four"])
async def test_group_by_any_of_its_names(graphql: Any, name: str) -> None:
    body = await graphql(GROUP_BY_NAME, {"name": name})
    assert body["data"] == {"group": NORMANDY}


async def test_group_by_a_name_no_group_has_is_null(graphql: Any) -> None:
    body = await graphql(GROUP_BY_NAME, {"name": "Weimar Triangle"})
    assert body["data"] == {"group": None}
    assert "errors" not in body


async def test_group_by_id(graphql: Any) -> None:
    body = await graphql(GROUP_BY_ID, {"id": group_id("nato")})
    assert body["data"] == {
        "group": {"id": group_id("nato"), "name": "North Atlantic Treaty Organization"}
    }


async def test_group_needs_exactly_one_of_id_and_name(graphql: Any) -> None:
    body = await graphql(GROUP_BY_ID, {})
    assert body["data"] == {"group": None}
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "name"}


GROUPS = """
query Groups($filter: GroupFilter) {
  groups(filter: $filter) { totalCount nodes { id name kind aliases wikidataQid } }
}
"""


async def test_groups_lists_every_group_by_name(graphql: Any) -> None:
    body = await graphql(GROUPS)
    assert body["data"] == {
        "groups": {
            "totalCount": 3,
            "nodes": [
                {
                    "id": group_id("normandy"),
                    "name": "Normandy Format",
                    "kind": "DIPLOMATIC_FORMAT",
                    "aliases": [
                        "Normandy Quartet",
                        "Normandy Format",
                        "Normandy Four",
                        "Normandy format",
                    ],
                    "wikidataQid": None,
                },
                {
                    "id": group_id("nato"),
                    "name": "North Atlantic Treaty Organization",
                    "kind": "ALLIANCE",
                    "aliases": [
                        "NATO",
                        "OTAN",
                        "North Atlantic Alliance",
                        "Atlantic Alliance",
                        "НАТО",
                    ],
                    "wikidataQid": "Q7184",
                },
                {
                    "id": group_id("donbas-separatists"),
                    "name": "Pro-Russian separatists in Donbas",
                    "kind": "ARMED_GROUP",
                    "aliases": [
                        "pro-Russian separatists",
                        "Donbas separatists",
                        "Donbass separatists",
                        "Russian-backed separatists",
                    ],
                    "wikidataQid": None,
                },
            ],
        }
    }


@pytest.mark.parametrize(
    ("group_filter", "expected"),
    [
        ({"kinds": ["ARMED_GROUP"]}, ["Pro-Russian separatists in Donbas"]),
        ({"search": "otan"}, ["North Atlantic Treaty Organization"]),
        ({"name": "Normandy Four"}, ["Normandy Format"]),
        ({"name": "Normandy"}, []),
    ],
)
async def test_groups_filter(
    graphql: Any, group_filter: dict[str, Any], expected: list[str]
) -> None:
    body = await graphql(GROUPS, {"filter": group_filter})
    assert [n["name"] for n in body["data"]["groups"]["nodes"]] == expected


# --------------------------------------------------------------------------------------------
# engagement(id:), engagements(filter:)
# --------------------------------------------------------------------------------------------

ENGAGEMENT = """
query Engagement($id: ID!) {
  engagement(id: $id) {
    id kind mode status title startDate endDate datePrecision cameoCode externalId
    location { place latitude longitude country { code } }
    statements { totalCount nodes { id } }
    claims { id }
  }
}
"""


async def test_engagement_by_id(graphql: Any) -> None:
    # given: the Élysée statement, which took place in France and carries three statements
    # when
    body = await graphql(ENGAGEMENT, {"id": engagement_id("elysee-statement")})
    # then
    assert body["data"] == {
        "engagement": {
            "id": engagement_id("elysee-statement"),
            "kind": "STATEMENT",
            "mode": "WRITTEN",
            "status": "HELD",
            "title": "French Presidency statement on the five leaders' videoconference",
            "startDate": "2021-12-06",
            "endDate": None,
            "datePrecision": "DAY",
            "cameoCode": None,
            "externalId": None,
            "location": {
                "place": "Élysée Palace, Paris",
                "latitude": None,
                "longitude": None,
                "country": {"code": "FR"},
            },
            "statements": {
                "totalCount": 3,
                "nodes": [
                    {"id": statement_id("elysee-ukraine-sovereignty")},
                    {"id": statement_id("elysee-peace-security")},
                    {"id": statement_id("elysee-normandy-negotiations")},
                ],
            },
            "claims": [],
        }
    }


async def test_engagement_with_a_claim_and_no_location(graphql: Any) -> None:
    body = await graphql(ENGAGEMENT, {"id": engagement_id("us-troop-warning")})
    engagement = body["data"]["engagement"]
    assert (engagement["startDate"], engagement["endDate"], engagement["datePrecision"]) == (
        "2021-11-01",
        "2021-11-30",
        "MONTH",
    )
    assert engagement["location"] is None
    assert engagement["statements"] == {
        "totalCount": 1,
        "nodes": [{"id": statement_id("us-warning-94000-troops")}],
    }
    assert engagement["claims"] == [{"id": claim_id("troops-94000")}]


@pytest.mark.parametrize(
    "public_id",
    [leader_id("biden"), "engagement_00000000000000000000000000", "engagement_"],
)
async def test_engagement_is_null_for_another_type_or_unknown_id(
    graphql: Any, public_id: str
) -> None:
    body = await graphql(ENGAGEMENT, {"id": public_id})
    assert body["data"] == {"engagement": None}
    assert "errors" not in body


ENGAGEMENTS = """
query Engagements($filter: EngagementFilter) {
  engagements(filter: $filter, first: 100) { totalCount nodes { id } }
}
"""


@pytest.mark.parametrize(
    ("engagement_filter", "expected"),
    [
        pytest.param({}, ALL_ENGAGEMENTS_NEWEST_FIRST, id="no filter"),
        pytest.param(
            {"from": "2021-11-15", "to": "2021-11-30"},
            ["us-mediation-offer", "us-troop-warning"],
            id="from-to overlaps periods",
        ),
        pytest.param(
            {"from": "2021-12-07", "to": "2021-12-07"},
            ["biden-putin-meeting"],
            id="one day",
        ),
        pytest.param(
            {"to": "2021-11-30"},
            ["us-mediation-offer", "us-troop-warning", "ukraine-government-ousting-2014"],
            id="to",
        ),
        pytest.param(
            {"from": "2021-12-01"},
            ALL_ENGAGEMENTS_NEWEST_FIRST[:10],
            id="from",
        ),
        pytest.param(
            {"kinds": ["MEETING", "CALL"]},
            [
                "biden-zelensky-call",
                "biden-putin-meeting",
                "blinken-zelensky-call",
                "g5-videoconference",
            ],
            id="kinds",
        ),
        pytest.param(
            {"modes": ["VIRTUAL"]}, ["biden-putin-meeting", "g5-videoconference"], id="modes"
        ),
        pytest.param(
            {"modes": ["PHONE", "WRITTEN"]},
            ["blinken-zelensky-call", "elysee-statement"],
            id="modes any of",
        ),
        pytest.param(
            {"statuses": ["SCHEDULED"]},
            ["biden-zelensky-call", "biden-putin-meeting"],
            id="statuses",
        ),
        pytest.param(
            {"statuses": ["CANCELLED"]},
            [],
            id="statuses none",
        ),
        pytest.param(
            {"countries": ["UKR"]},
            [k for k in ALL_ENGAGEMENTS_NEWEST_FIRST if k != "putin-security-demand"],
            id="countries alpha-3",
        ),
        pytest.param(
            {"countries": ["ua"]},
            [k for k in ALL_ENGAGEMENTS_NEWEST_FIRST if k != "putin-security-demand"],
            id="countries lower case",
        ),
        pytest.param(
            {"countries": ["deu"]},
            ["g5-videoconference"],  # Germany took part through Merkel
            id="countries through a leader",
        ),
        pytest.param(
            {"countries": ["FR"]},
            ["elysee-statement", "g5-videoconference"],  # the Élysée itself, and Macron
            id="countries direct or through a leader",
        ),
        pytest.param(
            {"leaders": [leader_id("zelensky")]},
            ["biden-zelensky-call", "zelensky-donbas-visit", "blinken-zelensky-call"],
            id="leaders",
        ),
        pytest.param(
            {"leaders": [leader_id("putin"), leader_id("merkel")]},
            ["biden-putin-meeting", "g5-videoconference", "putin-security-demand"],
            id="leaders any of",
        ),
        pytest.param(
            {"groups": [group_id("nato")]},
            ["biden-putin-meeting", "peskov-remarks", "putin-security-demand"],
            id="groups",
        ),
        pytest.param(
            {"groups": [group_id("donbas-separatists")]},
            ["us-mediation-offer"],
            id="groups armed group",
        ),
        pytest.param({"search": "Kyiv"}, ["us-mediation-offer"], id="search Kyiv"),
        pytest.param({"search": "Kiev"}, ["us-mediation-offer"], id="search Kiev"),
        pytest.param({"search": "élysée"}, ["elysee-statement"], id="search accents"),
        pytest.param({"search": "Donbass"}, ["zelensky-donbas-visit"], id="search Donbass"),
        pytest.param(
            {"kinds": ["CALL"], "statuses": ["SCHEDULED"], "leaders": [leader_id("biden")]},
            ["biden-zelensky-call"],
            id="all conditions hold",
        ),
    ],
)
async def test_engagements_filter(
    graphql: Any, engagement_filter: dict[str, Any], expected: list[str]
) -> None:
    # when
    body = await graphql(ENGAGEMENTS, {"filter": engagement_filter})
    # then: exactly these engagements, newest first, and a total that agrees
    assert "errors" not in body
    engagements = body["data"]["engagements"]
    assert keys(engagements["nodes"]) == expected
    assert engagements["totalCount"] == len(expected)


ENGAGEMENT_DATES = """
query Engagements($filter: EngagementFilter) {
  engagements(filter: $filter) { nodes { title startDate endDate datePrecision } }
}
"""

US_TROOP_WARNING = {
    "title": "US officials warn of a Russian troop build-up near Ukraine",
    "startDate": "2021-11-01",
    "endDate": "2021-11-30",
    "datePrecision": "MONTH",
}


async def test_a_month_precision_engagement_is_inside_a_range_its_month_overlaps(
    graphql: Any,
) -> None:
    # given: the US troop warning, dated "last month" (November 2021), stored as 1-30 November
    # when: asking for warnings from 15 to 30 November
    body = await graphql(
        ENGAGEMENT_DATES,
        {"filter": {"kinds": ["WARNING"], "from": "2021-11-15", "to": "2021-11-30"}},
    )
    # then: it is inside
    assert body["data"] == {"engagements": {"nodes": [US_TROOP_WARNING]}}


async def test_a_month_precision_engagement_is_not_inside_a_range_after_its_month(
    graphql: Any,
) -> None:
    # when: asking for warnings from 1 December
    body = await graphql(ENGAGEMENT_DATES, {"filter": {"kinds": ["WARNING"], "from": "2021-12-01"}})
    # then: November is over
    assert body["data"] == {"engagements": {"nodes": []}}


# --------------------------------------------------------------------------------------------
# statements, claims, sources
# --------------------------------------------------------------------------------------------

STATEMENTS = """
query Statements($filter: StatementFilter) {
  statements(filter: $filter, first: 100) { totalCount nodes { id } }
}
"""

ALL_STATEMENTS_IN_RECORDED_ORDER = [
    "elysee-ukraine-sovereignty",
    "elysee-peace-security",
    "elysee-normandy-negotiations",
    "zelensky-joint-actions",
    "peskov-relations-deplorable",
    "peskov-three-topics",
    "kremlin-denies-invasion",
    "moscow-red-line",
    "moscow-alarmism",
    "us-warning-94000-troops",
    "us-concern-january-offensive",
    "us-comprehensive-actions",
    "putin-security-assurances",
    "washington-no-veto",
    "biden-no-red-lines",
    "us-official-economic-consequences",
    "lavrov-no-objection-mediation",
]


@pytest.mark.parametrize(
    ("statement_filter", "expected"),
    [
        ({}, ALL_STATEMENTS_IN_RECORDED_ORDER),
        (
            {"directQuotesOnly": True},
            ["zelensky-joint-actions", "peskov-three-topics", "biden-no-red-lines"],
        ),
        (
            {"speakers": [leader_id("peskov"), "country_RU"]},
            [
                "peskov-relations-deplorable",
                "peskov-three-topics",
                "kremlin-denies-invasion",
                "moscow-red-line",
                "moscow-alarmism",
            ],
        ),
        (
            {"engagement": engagement_id("elysee-statement")},
            [
                "elysee-ukraine-sovereignty",
                "elysee-peace-security",
                "elysee-normandy-negotiations",
            ],
        ),
        (
            {"from": "2021-12-01", "to": "2021-12-03"},
            ["putin-security-assurances", "biden-no-red-lines"],
        ),
        ({"search": "Kiev"}, ["us-comprehensive-actions", "lavrov-no-objection-mediation"]),
    ],
)
async def test_statements_in_recorded_order_with_filters(
    graphql: Any, statement_filter: dict[str, Any], expected: list[str]
) -> None:
    body = await graphql(STATEMENTS, {"filter": statement_filter})
    statements = body["data"]["statements"]
    assert keys(statements["nodes"]) == expected
    assert statements["totalCount"] == len(expected)


STATEMENT_SPEAKERS = """
query Speakers($leader: ID!, $country: ID!, $unnamed: ID!) {
  leader: node(id: $leader) { ...speaker }
  country: node(id: $country) { ...speaker }
  unnamed: node(id: $unnamed) { ...speaker }
}
fragment speaker on Statement {
  speakerLabel
  speaker {
    __typename
    ... on Leader { id name }
    ... on Country { id code }
    ... on Group { id name }
  }
  engagement { id }
}
"""


async def test_statement_speaker_is_a_leader_a_country_or_null_with_a_label(graphql: Any) -> None:
    # when
    body = await graphql(
        STATEMENT_SPEAKERS,
        {
            "leader": statement_id("biden-no-red-lines"),
            "country": statement_id("kremlin-denies-invasion"),
            "unnamed": statement_id("us-official-economic-consequences"),
        },
    )
    # then
    assert body["data"] == {
        "leader": {
            "speakerLabel": None,
            "speaker": {"__typename": "Leader", "id": leader_id("biden"), "name": "Joe Biden"},
            "engagement": None,
        },
        "country": {
            "speakerLabel": "the Kremlin",
            "speaker": {"__typename": "Country", "id": "country_RU", "code": "RU"},
            "engagement": None,
        },
        "unnamed": {
            "speakerLabel": "a US government official",
            "speaker": None,
            "engagement": {"id": engagement_id("us-official-briefing")},
        },
    }


CLAIMS = """
query Claims($filter: ClaimFilter) {
  claims(filter: $filter) {
    totalCount
    nodes {
      id text quantity unit status
      subject { __typename ... on Country { code } }
      engagement { id }
      stances {
        id position date datePrecision
        actor { __typename ... on Country { code } ... on Leader { name } ... on Group { name } }
        statement { id }
      }
    }
  }
}
"""


async def test_disputed_claims_with_their_stances(graphql: Any) -> None:
    # given: the two troop figures the US asserts and Moscow denies
    # when
    body = await graphql(CLAIMS, {"filter": {"statuses": ["DISPUTED"]}})
    # then
    russia = {"__typename": "Country", "code": "RU"}
    usa = {"__typename": "Country", "code": "US"}
    assert body["data"] == {
        "claims": {
            "totalCount": 2,
            "nodes": [
                {
                    "id": claim_id("troops-94000"),
                    "text": "Russia has moved about 94,000 troops near the Ukrainian border.",
                    "quantity": 94000.0,
                    "unit": "troops",
                    "status": "DISPUTED",
                    "subject": russia,
                    "engagement": {"id": engagement_id("us-troop-warning")},
                    "stances": [
                        {
                            "id": stance_id("troops-94000-us-asserts"),
                            "position": "ASSERTS",
                            "date": "2021-11-01",
                            "datePrecision": "MONTH",
                            "actor": usa,
                            "statement": {"id": statement_id("us-warning-94000-troops")},
                        },
                        {
                            "id": stance_id("troops-94000-ru-denies"),
                            "position": "DENIES",
                            "date": "2021-12-06",
                            "datePrecision": "DAY",
                            "actor": russia,
                            "statement": {"id": statement_id("moscow-alarmism")},
                        },
                    ],
                },
                {
                    "id": claim_id("troops-175000"),
                    "text": (
                        "Russia may launch an offensive against Ukraine in January 2022 "
                        "involving 175,000 troops."
                    ),
                    "quantity": 175000.0,
                    "unit": "troops",
                    "status": "DISPUTED",
                    "subject": russia,
                    "engagement": None,
                    "stances": [
                        {
                            "id": stance_id("troops-175000-us-asserts"),
                            "position": "ASSERTS",
                            "date": None,
                            "datePrecision": "DAY",
                            "actor": usa,
                            "statement": {"id": statement_id("us-concern-january-offensive")},
                        },
                        {
                            "id": stance_id("troops-175000-ru-denies"),
                            "position": "DENIES",
                            "date": "2021-12-06",
                            "datePrecision": "DAY",
                            "actor": russia,
                            "statement": {"id": statement_id("moscow-alarmism")},
                        },
                    ],
                },
            ],
        }
    }


CLAIM_STATUSES = """
{ claims { nodes { id status stances { position actor { ... on Country { code } } } } } }
"""


async def test_each_claim_status_follows_from_its_stances(graphql: Any) -> None:
    body = await graphql(CLAIM_STATUSES)
    assert body["data"]["claims"]["nodes"] == [
        {
            "id": claim_id("troops-94000"),
            "status": "DISPUTED",  # asserted and denied
            "stances": [
                {"position": "ASSERTS", "actor": {"code": "US"}},
                {"position": "DENIES", "actor": {"code": "RU"}},
            ],
        },
        {
            "id": claim_id("troops-175000"),
            "status": "DISPUTED",
            "stances": [
                {"position": "ASSERTS", "actor": {"code": "US"}},
                {"position": "DENIES", "actor": {"code": "RU"}},
            ],
        },
        {
            "id": claim_id("imminent-invasion"),
            "status": "REFUTED",  # only denied
            "stances": [{"position": "DENIES", "actor": {"code": "RU"}}],
        },
        {
            "id": claim_id("troops-defensive"),
            "status": "UNVERIFIED",  # only asserted
            "stances": [{"position": "ASSERTS", "actor": {"code": "RU"}}],
        },
        {
            "id": claim_id("russian-support-separatists"),
            "status": "UNVERIFIED",
            "stances": [{"position": "ASSERTS", "actor": {"code": "US"}}],
        },
    ]


SOURCES = """
{
  sources {
    totalCount
    nodes { id title publisher url language publishedAt licence }
    pageInfo { hasNextPage hasPreviousPage }
  }
}
"""


async def test_sources(graphql: Any) -> None:
    # given: one source, the article published on Monday 6 December 2021 (UTC)
    # when
    body = await graphql(SOURCES)
    # then: publishedAt keeps its time zone on every database
    assert body["data"] == {
        "sources": {
            "totalCount": 1,
            "nodes": [
                {
                    "id": SOURCE_ID,
                    "title": SOURCE_TITLE,
                    "publisher": None,
                    "url": None,
                    "language": "en",
                    "publishedAt": "2021-12-06T00:00:00+00:00",
                    "licence": None,
                }
            ],
            "pageInfo": {"hasNextPage": False, "hasPreviousPage": False},
        }
    }


# --------------------------------------------------------------------------------------------
# search(query:)
# --------------------------------------------------------------------------------------------

SEARCH = """
query Search($query: String!) {
  search(query: $query) { type label exact node { __typename id } }
}
"""

KYIV_HITS = [
    ("COUNTRY", "Ukraine", True, "country_UA"),
    (
        "ENGAGEMENT",
        "US offers to mediate negotiations between Moscow and Kyiv",
        False,
        engagement_id("us-mediation-offer"),
    ),
    (
        "STATEMENT",
        "The US government “prepares comprehensive and meaningful actions” to help Kyiv in the "
        "event of an invasion.",
        False,
        statement_id("us-comprehensive-actions"),
    ),
    (
        "STATEMENT",
        "Moscow has, at first, no objections to the US offer to mediate negotiations between "
        "Moscow and Kyiv.",
        False,
        statement_id("lavrov-no-objection-mediation"),
    ),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Kiev", KYIV_HITS),
        ("Kyiv", KYIV_HITS),
        (
            "Normandy",
            [
                ("GROUP", "Normandy Format", False, group_id("normandy")),
                (
                    "ENGAGEMENT",
                    "Videoconference of the leaders of Germany, the US, France, Italy and the UK",
                    False,
                    engagement_id("g5-videoconference"),
                ),
                (
                    "ENGAGEMENT",
                    "French Presidency statement on the five leaders' videoconference",
                    False,
                    engagement_id("elysee-statement"),
                ),
                (
                    "STATEMENT",
                    "Russia needs to reactivate negotiations with Ukraine within the framework of "
                    "the Normandy format (the “Normandy Quartet”).",
                    False,
                    statement_id("elysee-normandy-negotiations"),
                ),
            ],
        ),
        (
            "Zelenski",
            [
                ("LEADER", "Volodymyr Zelenskyy", True, leader_id("zelensky")),
                (
                    "ENGAGEMENT",
                    "Blinken–Zelensky telephone call",
                    False,
                    engagement_id("blinken-zelensky-call"),
                ),
                (
                    "ENGAGEMENT",
                    "Zelensky visits front-line trenches in Donbas",
                    False,
                    engagement_id("zelensky-donbas-visit"),
                ),
                (
                    "ENGAGEMENT",
                    "Biden–Zelensky conversation after the Putin meeting",
                    False,
                    engagement_id("biden-zelensky-call"),
                ),
            ],
        ),
    ],
)
async def test_search_hits_in_type_order(
    graphql: Any, query: str, expected: list[tuple[str, str, bool, str]]
) -> None:
    # when
    body = await graphql(SEARCH, {"query": query})
    # then: leaders, groups, countries, engagements, statements, claims; exact hits first
    _typename = {
        "LEADER": "Leader",
        "GROUP": "Group",
        "COUNTRY": "Country",
        "ENGAGEMENT": "Engagement",
        "STATEMENT": "Statement",
        "CLAIM": "Claim",
    }
    assert body["data"] == {
        "search": [
            {
                "type": kind,
                "label": label,
                "exact": exact,
                "node": {"__typename": _typename[kind], "id": public_id},
            }
            for kind, label, exact, public_id in expected
        ]
    }


SEARCH_FIRST = """
query Search($query: String!, $first: Int!) {
  search(query: $query, first: $first) { type label }
}
"""


async def test_search_first_limits_the_hits(graphql: Any) -> None:
    body = await graphql(SEARCH_FIRST, {"query": "Kyiv", "first": 2})
    assert body["data"] == {
        "search": [
            {"type": "COUNTRY", "label": "Ukraine"},
            {
                "type": "ENGAGEMENT",
                "label": "US offers to mediate negotiations between Moscow and Kyiv",
            },
        ]
    }


async def test_search_first_above_100_is_an_error_naming_first(graphql: Any) -> None:
    body = await graphql(SEARCH_FIRST, {"query": "Kyiv", "first": 101})
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "first"}


async def test_search_needs_two_letters(graphql: Any) -> None:
    body = await graphql(SEARCH, {"query": "K"})
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "query"}


# --------------------------------------------------------------------------------------------
# Nested fields
# --------------------------------------------------------------------------------------------

COUNTRY_LEADERS = """
query CountryLeaders($code: String!, $asOf: Date) {
  country(code: $code) { leaders(asOf: $asOf) { id name } }
}
"""


@pytest.mark.parametrize(
    ("code", "as_of", "expected"),
    [
        ("DE", "2021-12-06", ["merkel"]),
        ("DE", "2021-12-07", ["merkel"]),
        ("DE", "2021-12-08", ["scholz"]),  # a tenure ends the day the successor's begins
        ("DE", "2021-12-09", ["scholz"]),
        ("RU", "2021-12-06", ["peskov", "lavrov", "putin"]),  # by name
        ("US", "2021-12-06", ["blinken", "biden"]),
        ("US", "2025-01-20", []),  # both tenures ended that day
        ("UA", None, ["zelensky"]),  # today
    ],
)
async def test_country_leaders_as_of_a_day(
    graphql: Any, code: str, as_of: str | None, expected: list[str]
) -> None:
    body = await graphql(COUNTRY_LEADERS, {"code": code, "asOf": as_of})
    assert keys(body["data"]["country"]["leaders"]) == expected


async def test_a_leader_holding_two_offices_in_a_country_is_listed_once(
    graphql: Any, connection: AsyncConnection
) -> None:
    # given: Putin also holds a second office for Russia on the day
    async with AsyncSession(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as session:
        await create_position(
            session,
            PositionCreate(
                leader=leader_id("putin"),
                title="Chairman of the Security Council of Russia",
                kind=PositionKind.OTHER,
                country="RU",
                start_date=date(2012, 5, 7),
            ),
        )
        await session.commit()
    # when
    body = await graphql(COUNTRY_LEADERS, {"code": "RU", "asOf": "2021-12-06"})
    # then
    assert keys(body["data"]["country"]["leaders"]) == ["peskov", "lavrov", "putin"]


GROUP_MEMBERS = """
query GroupMembers($id: ID!, $asOf: Date) {
  group(id: $id) {
    members(asOf: $asOf) {
      role startDate endDate
      group { id }
      member { __typename ... on Country { code } ... on Leader { name } ... on Group { name } }
    }
  }
}
"""


def _country_member(code: str, start: str, group: str, role: str = "MEMBER") -> dict[str, Any]:
    return {
        "role": role,
        "startDate": start,
        "endDate": None,
        "group": {"id": group_id(group)},
        "member": {"__typename": "Country", "code": code},
    }


async def test_normandy_format_members_today(graphql: Any) -> None:
    # when: no asOf, so today
    body = await graphql(GROUP_MEMBERS, {"id": group_id("normandy")})
    # then: the four countries since 6 June 2014, in the order recorded
    assert body["data"] == {
        "group": {
            "members": [
                _country_member(code, "2014-06-06", "normandy") for code in ("FR", "DE", "RU", "UA")
            ]
        }
    }


async def test_nato_members_on_the_day_of_the_article(graphql: Any) -> None:
    # when
    body = await graphql(GROUP_MEMBERS, {"id": group_id("nato"), "asOf": "2021-12-06"})
    # then: the 30 members, and Ukraine as a partner, oldest membership first
    expected = [
        *[
            _country_member(code, "1949-08-24", "nato")
            for code in ("BE", "CA", "DK", "FR", "IS", "IT", "LU", "NL", "NO", "PT", "GB", "US")
        ],
        _country_member("GR", "1952-02-18", "nato"),
        _country_member("TR", "1952-02-18", "nato"),
        _country_member("DE", "1955-05-06", "nato"),
        _country_member("ES", "1982-05-30", "nato"),
        _country_member("UA", "1994-02-08", "nato", role="PARTNER"),
        *[_country_member(code, "1999-03-12", "nato") for code in ("CZ", "HU", "PL")],
        *[
            _country_member(code, "2004-03-29", "nato")
            for code in ("BG", "EE", "LV", "LT", "RO", "SK", "SI")
        ],
        _country_member("AL", "2009-04-01", "nato"),
        _country_member("HR", "2009-04-01", "nato"),
        _country_member("ME", "2017-06-05", "nato"),
        _country_member("MK", "2020-03-27", "nato"),
    ]
    assert body["data"] == {"group": {"members": expected}}
    assert [m["role"] for m in expected].count("MEMBER") == 30


async def test_nato_members_before_an_accession(graphql: Any) -> None:
    # given: North Macedonia joined on 2020-03-27
    body = await graphql(GROUP_MEMBERS, {"id": group_id("nato"), "asOf": "2020-03-26"})
    codes = [m["member"]["code"] for m in body["data"]["group"]["members"]]
    assert "MK" not in codes
    assert len(codes) == 30  # 29 members and the partner


COUNTRY_MEMBERSHIPS = """
{
  country(code: "UA") {
    memberships(asOf: "2021-12-06") { role group { name } member { ... on Country { code } } }
  }
}
"""


async def test_country_memberships(graphql: Any) -> None:
    body = await graphql(COUNTRY_MEMBERSHIPS)
    assert body["data"] == {
        "country": {
            "memberships": [
                {
                    "role": "PARTNER",
                    "group": {"name": "North Atlantic Treaty Organization"},
                    "member": {"code": "UA"},
                },
                {"role": "MEMBER", "group": {"name": "Normandy Format"}, "member": {"code": "UA"}},
            ]
        }
    }


LEADER_POSITIONS = """
query Positions($id: ID) {
  leader(id: $id) {
    positions { id title kind startDate endDate country { code } group { id } }
  }
}
"""


async def test_leader_positions(graphql: Any) -> None:
    body = await graphql(LEADER_POSITIONS, {"id": leader_id("merkel")})
    assert body["data"] == {
        "leader": {
            "positions": [
                {
                    "id": seed_id("position", "merkel-chancellor"),
                    "title": "Chancellor of Germany",
                    "kind": "HEAD_OF_GOVERNMENT",
                    "startDate": "2005-11-22",
                    "endDate": "2021-12-08",
                    "country": {"code": "DE"},
                    "group": None,
                }
            ]
        }
    }


ALL_LEADER_POSITIONS = """
{ leaders { nodes { name positions { title kind startDate endDate country { code } } } } }
"""


async def test_every_leader_holds_the_positions_of_the_seed(graphql: Any) -> None:
    body = await graphql(ALL_LEADER_POSITIONS)

    def pos(title: str, kind: str, start: str, end: str | None, code: str) -> dict[str, Any]:
        return {
            "title": title,
            "kind": kind,
            "startDate": start,
            "endDate": end,
            "country": {"code": code},
        }

    assert body["data"]["leaders"]["nodes"] == [
        {
            "name": "Angela Merkel",
            "positions": [
                pos("Chancellor of Germany", "HEAD_OF_GOVERNMENT", "2005-11-22", "2021-12-08", "DE")
            ],
        },
        {
            "name": "Antony Blinken",
            "positions": [
                pos(
                    "United States Secretary of State",
                    "FOREIGN_MINISTER",
                    "2021-01-26",
                    "2025-01-20",
                    "US",
                )
            ],
        },
        {
            "name": "Boris Johnson",
            "positions": [
                pos(
                    "Prime Minister of the United Kingdom",
                    "HEAD_OF_GOVERNMENT",
                    "2019-07-24",
                    "2022-09-06",
                    "GB",
                )
            ],
        },
        {
            "name": "Dmitry Peskov",
            "positions": [
                pos(
                    "Press Secretary of the President of Russia",
                    "SPOKESPERSON",
                    "2012-05-22",
                    None,
                    "RU",
                )
            ],
        },
        {
            "name": "Emmanuel Macron",
            "positions": [pos("President of France", "HEAD_OF_STATE", "2017-05-14", None, "FR")],
        },
        {
            "name": "Joe Biden",
            "positions": [
                pos(
                    "President of the United States",
                    "HEAD_OF_STATE",
                    "2021-01-20",
                    "2025-01-20",
                    "US",
                )
            ],
        },
        {
            "name": "Mario Draghi",
            "positions": [
                pos(
                    "Prime Minister of Italy",
                    "HEAD_OF_GOVERNMENT",
                    "2021-02-13",
                    "2022-10-22",
                    "IT",
                )
            ],
        },
        {
            "name": "Olaf Scholz",
            "positions": [
                pos("Chancellor of Germany", "HEAD_OF_GOVERNMENT", "2021-12-08", "2025-05-06", "DE")
            ],
        },
        {
            "name": "Sergey Lavrov",
            "positions": [
                pos(
                    "Minister of Foreign Affairs of Russia",
                    "FOREIGN_MINISTER",
                    "2004-03-09",
                    None,
                    "RU",
                )
            ],
        },
        {
            "name": "Vladimir Putin",
            "positions": [pos("President of Russia", "HEAD_OF_STATE", "2012-05-07", None, "RU")],
        },
        {
            "name": "Volodymyr Zelenskyy",
            "positions": [pos("President of Ukraine", "HEAD_OF_STATE", "2019-05-20", None, "UA")],
        },
    ]


LEADER_MEETINGS = """
query Meetings($id: ID, $from: Date, $to: Date) {
  leader(id: $id) { meetings(from: $from, to: $to) { totalCount nodes { id kind } } }
}
"""


@pytest.mark.parametrize(
    ("leader", "date_from", "date_to", "expected"),
    [
        (
            "biden",
            "2021-12-01",
            "2021-12-31",
            [
                ("biden-zelensky-call", "CALL"),
                ("biden-putin-meeting", "MEETING"),
                ("g5-videoconference", "MEETING"),
            ],
        ),
        (
            "biden",
            "2021-12-07",
            "2021-12-31",
            [("biden-zelensky-call", "CALL"), ("biden-putin-meeting", "MEETING")],
        ),
        ("biden", "2021-12-01", "2021-12-06", [("g5-videoconference", "MEETING")]),
        # the WEEK-precision call (8 to 14 December) still reaches 14 December
        ("biden", "2021-12-14", "2021-12-31", [("biden-zelensky-call", "CALL")]),
        ("biden", "2021-12-15", "2021-12-31", []),
        (
            "zelensky",
            "2021-12-01",
            "2021-12-31",
            [("biden-zelensky-call", "CALL"), ("blinken-zelensky-call", "CALL")],
        ),  # not the Donbas visit: a VISIT is no meeting
        ("merkel", "2021-12-01", "2021-12-31", [("g5-videoconference", "MEETING")]),
        ("scholz", "2021-12-01", "2021-12-31", []),
        ("peskov", "2021-12-01", "2021-12-31", []),  # his remarks are a STATEMENT
    ],
)
async def test_leader_meetings_in_december_2021(
    graphql: Any, leader: str, date_from: str, date_to: str, expected: list[tuple[str, str]]
) -> None:
    body = await graphql(
        LEADER_MEETINGS, {"id": leader_id(leader), "from": date_from, "to": date_to}
    )
    meetings = body["data"]["leader"]["meetings"]
    assert [(seed_key(n["id"]), n["kind"]) for n in meetings["nodes"]] == expected
    assert meetings["totalCount"] == len(expected)


PARTICIPANTS = """
query Participants($id: ID!) {
  engagement(id: $id) {
    participants {
      role
      actor {
        __typename
        ... on Leader { id name }
        ... on Country { id code }
        ... on Group { id name }
      }
    }
  }
}
"""


def _leader(key: str, name: str, role: str = "PARTICIPANT") -> dict[str, Any]:
    return {"role": role, "actor": {"__typename": "Leader", "id": leader_id(key), "name": name}}


def _country(code: str, role: str) -> dict[str, Any]:
    return {"role": role, "actor": {"__typename": "Country", "id": f"country_{code}", "code": code}}


def _group(key: str, name: str, role: str) -> dict[str, Any]:
    return {"role": role, "actor": {"__typename": "Group", "id": group_id(key), "name": name}}


@pytest.mark.parametrize(
    ("engagement", "expected"),
    [
        (
            "g5-videoconference",
            [
                _leader("biden", "Joe Biden"),
                _leader("macron", "Emmanuel Macron"),
                _leader("merkel", "Angela Merkel"),
                _leader("draghi", "Mario Draghi"),
                _leader("johnson", "Boris Johnson"),
                _country("UA", "SUBJECT"),
                _country("RU", "SUBJECT"),
            ],
        ),
        (
            "elysee-statement",
            [
                _country("FR", "INITIATOR"),
                _country("UA", "SUBJECT"),
                _country("RU", "SUBJECT"),
                _group("normandy", "Normandy Format", "SUBJECT"),
            ],
        ),
        (
            "putin-security-demand",
            [
                _leader("putin", "Vladimir Putin", "INITIATOR"),
                _country("US", "RECIPIENT"),
                _group("nato", "North Atlantic Treaty Organization", "SUBJECT"),
            ],
        ),
        (
            "us-mediation-offer",
            [
                _country("US", "MEDIATOR"),
                _country("RU", "RECIPIENT"),
                _country("UA", "RECIPIENT"),
                _group("donbas-separatists", "Pro-Russian separatists in Donbas", "SUBJECT"),
            ],
        ),
    ],
)
async def test_engagement_participants_are_leaders_countries_and_groups(
    graphql: Any, engagement: str, expected: list[dict[str, Any]]
) -> None:
    body = await graphql(PARTICIPANTS, {"id": engagement_id(engagement)})
    assert body["data"] == {"engagement": {"participants": expected}}


COUNTRY_ENGAGEMENTS = """
query CountryEngagements($code: String!) {
  country(code: $code) { engagements(first: 100) { totalCount nodes { id } } }
}
"""


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("DE", ["g5-videoconference"]),  # only through Merkel
        (
            "US",
            [
                "biden-zelensky-call",  # Biden
                "biden-putin-meeting",  # Biden
                "us-official-briefing",  # the US
                "peskov-remarks",  # the US as a subject
                "blinken-zelensky-call",  # Blinken
                "g5-videoconference",  # Biden
                "putin-security-demand",  # the US as recipient
                "us-mediation-offer",  # the US
                "us-troop-warning",  # the US
            ],
        ),
    ],
)
async def test_country_engagements_include_those_of_its_leaders(
    graphql: Any, code: str, expected: list[str]
) -> None:
    # given: Country.engagements is documented as "Engagements this country took part in,
    # directly or through one of its leaders"
    # when
    body = await graphql(COUNTRY_ENGAGEMENTS, {"code": code})
    # then
    engagements = body["data"]["country"]["engagements"]
    assert keys(engagements["nodes"]) == expected
    assert engagements["totalCount"] == len(expected)


GROUP_ENGAGEMENTS = """
{ group(name: "NATO") { engagements { totalCount nodes { id } } } }
"""


async def test_group_engagements(graphql: Any) -> None:
    body = await graphql(GROUP_ENGAGEMENTS)
    assert body["data"]["group"]["engagements"] == {
        "totalCount": 3,
        "nodes": [
            {"id": engagement_id("biden-putin-meeting")},
            {"id": engagement_id("peskov-remarks")},
            {"id": engagement_id("putin-security-demand")},
        ],
    }


SPEAKER_STATEMENTS = """
{
  peskov: leader(name: "Dmitri Peskov") { statements { totalCount nodes { id } } }
  us: country(code: "USA") { statements { totalCount nodes { id } } }
}
"""


async def test_statements_of_a_leader_and_of_a_country(graphql: Any) -> None:
    body = await graphql(SPEAKER_STATEMENTS)
    assert body["data"] == {
        "peskov": {
            "statements": {
                "totalCount": 2,
                "nodes": [
                    {"id": statement_id("peskov-relations-deplorable")},
                    {"id": statement_id("peskov-three-topics")},
                ],
            }
        },
        "us": {
            "statements": {
                "totalCount": 4,
                "nodes": [
                    {"id": statement_id("us-warning-94000-troops")},
                    {"id": statement_id("us-concern-january-offensive")},
                    {"id": statement_id("us-comprehensive-actions")},
                    {"id": statement_id("washington-no-veto")},
                ],
            }
        },
    }


STANCE_ACTORS = """
query Stances($filter: ClaimFilter) {
  claims(filter: $filter) {
    nodes { stances { position actor { __typename ... on Country { id name } } } }
  }
}
"""


async def test_stance_actor(graphql: Any) -> None:
    body = await graphql(STANCE_ACTORS, {"filter": {"statuses": ["REFUTED"]}})
    assert body["data"] == {
        "claims": {
            "nodes": [
                {
                    "stances": [
                        {
                            "position": "DENIES",
                            "actor": {
                                "__typename": "Country",
                                "id": "country_RU",
                                "name": "Russian Federation",
                            },
                        }
                    ]
                }
            ]
        }
    }


CITATION_FIELDS = "citations { id excerpt start end source { id title } }"
# Pages of 20 hold every seed record (12 engagements, 17 statements, 5 claims, 11 leaders,
# 3 groups) and keep the query under the default cost limit.
EVERY_CITATION = f"""
{{
  engagements(first: 20) {{ nodes {{ {CITATION_FIELDS} }} pageInfo {{ hasNextPage }} }}
  statements(first: 20) {{ nodes {{ {CITATION_FIELDS} }} pageInfo {{ hasNextPage }} }}
  claims(first: 20) {{ nodes {{ {CITATION_FIELDS} stances {{ {CITATION_FIELDS} }} }} }}
  leaders(first: 20) {{ nodes {{ positions {{ {CITATION_FIELDS} }} }} }}
  groups(first: 20) {{ nodes {{ members {{ {CITATION_FIELDS} }} }} }}
}}
"""


def _citations(data: Any) -> list[dict[str, Any]]:
    """Every citation object anywhere in a response."""
    found: list[dict[str, Any]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "citations":
                found.extend(value)
            else:
                found.extend(_citations(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(_citations(item))
    return found


async def test_every_citation_excerpt_is_its_source_text_slice(graphql: Any) -> None:
    # given: the 61 citations of the seed, on engagements, statements, claims, stances,
    # positions and memberships
    # when
    body = await graphql(EVERY_CITATION)
    # then: each excerpt is the article's text from start to end (in code points)
    assert "errors" not in body, body["errors"]
    citations = _citations(body["data"])
    assert len(citations) == 61
    assert len({c["id"] for c in citations}) == 61
    for citation in citations:
        assert SOURCE_TEXT[citation["start"] : citation["end"]] == citation["excerpt"], citation
        assert citation["source"] == {"id": SOURCE_ID, "title": SOURCE_TITLE}


ENGAGEMENT_CITATIONS = """
query Citations($id: ID!) {
  engagement(id: $id) { citations { excerpt start end source { title } } }
}
"""


async def test_engagement_citations_in_text_order(graphql: Any) -> None:
    body = await graphql(ENGAGEMENT_CITATIONS, {"id": engagement_id("g5-videoconference")})
    expected = [
        ("the leaders of Germany, USA, France, Italy and the United Kingdom", 48, 113),
        (
            "a videoconference between the five leaders on the eve of the virtual bilateral "
            "meeting",
            965,
            1051,
        ),
        (
            "The meeting between the US and Europeans is part of meetings with key allies planned "
            "by Biden to coordinate the message and strong transnational solidarity",
            1146,
            1301,
        ),
    ]
    assert body["data"] == {
        "engagement": {
            "citations": [
                {"excerpt": e, "start": s, "end": n, "source": {"title": SOURCE_TITLE}}
                for e, s, n in expected
            ]
        }
    }
    for excerpt, start, end in expected:
        assert SOURCE_TEXT[start:end] == excerpt


STATEMENT_CITATIONS = """
query Citations($id: ID!) {
  node(id: $id) { ... on Statement { citations { excerpt start end } } }
}
"""


async def test_citation_offsets_count_code_points_past_curly_quotes(graphql: Any) -> None:
    # given: a citation late in the text, after many curly quotes and dashes
    excerpt = "“I don’t take red lines from anyone,” Biden said last Friday."
    start = SOURCE_TEXT.index(excerpt)
    # when
    body = await graphql(STATEMENT_CITATIONS, {"id": statement_id("biden-no-red-lines")})
    # then
    assert body["data"] == {
        "node": {"citations": [{"excerpt": excerpt, "start": start, "end": start + len(excerpt)}]}
    }
