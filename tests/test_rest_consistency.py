"""REST and GraphQL tell the same story: every record of every type, fetched both ways from the
seed, agrees field by field (REST's canonical body against the GraphQL fields of the same name;
references compare by ID), the lists hold the same records in the same order wherever both
promise the same order, and the lists under a record hold the same records.

REST's canonical body has a few fields GraphQL reaches by nesting instead (a position's leader,
a participant's engagement, a stance's claim, a citation's target): those are checked against the
record GraphQL nests them under."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import GraphQLClient

pytestmark = pytest.mark.anyio

API = "/api/v1"

# Fields of REST's canonical body that GraphQL does not have under the same name.
STAMPS = {"createdAt", "updatedAt"}
REST_ONLY: dict[str, set[str]] = {
    "country": STAMPS,
    "leader": STAMPS,
    "position": STAMPS | {"leader"},
    "group": STAMPS,
    "membership": STAMPS,
    "engagement": STAMPS | {"attributes"},
    "participant": STAMPS | {"engagement"},
    "statement": STAMPS,
    "claim": STAMPS,
    "stance": STAMPS | {"claim"},
    "source": STAMPS | {"text"},
    "citation": STAMPS | {"target"},
}

# GraphQL lists nested in a record: compared as records of their own type, not as fields.
NESTED = {"positions", "citations", "members", "participants", "stances"}

CITATION = "citations { id excerpt start end source { id } }"
ACTOR = "{ ... on Node { id } }"

COUNTRIES = """
query Countries($after: String) {
  countries(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id code alpha3 name officialName aliases }
  }
}
"""

LEADERS = f"""
{{
  leaders(first: 100) {{
    nodes {{
      id name aliases wikidataQid country {{ id }}
      positions {{ id title kind startDate endDate country {{ id }} group {{ id }} {CITATION} }}
    }}
  }}
}}
"""

GROUPS = f"""
{{
  groups(first: 100) {{
    nodes {{
      id name aliases kind description wikidataQid
      members {{ id role startDate endDate group {{ id }} member {ACTOR} {CITATION} }}
    }}
  }}
}}
"""

ENGAGEMENTS = f"""
{{
  engagements(first: 100) {{
    nodes {{
      id kind mode status title summary startDate endDate datePrecision cameoCode externalId
      location {{ country {{ id }} place latitude longitude }}
      participants {{ id role actor {ACTOR} }}
      {CITATION}
    }}
  }}
}}
"""

STATEMENTS = f"""
{{
  statements(first: 100) {{
    nodes {{
      id text isDirectQuote date datePrecision speakerLabel speaker {ACTOR} engagement {{ id }}
      {CITATION}
    }}
  }}
}}
"""

CLAIMS = f"""
{{
  claims(first: 100) {{
    nodes {{
      id text quantity unit status subject {ACTOR} engagement {{ id }}
      stances {{ id position date datePrecision actor {ACTOR} statement {{ id }} {CITATION} }}
      {CITATION}
    }}
  }}
}}
"""

SOURCES = """
{ sources(first: 100) { nodes { id title publisher url language publishedAt licence } } }
"""


def as_rest(value: Any) -> Any:
    """A GraphQL value as REST's canonical body gives it: a reference is its ID."""
    if isinstance(value, dict):
        if set(value) == {"id"}:
            return value["id"]
        return {k: as_rest(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_rest(v) for v in value]
    return value


def compare(kind: str, graphql: dict[str, Any], rest: dict[str, Any]) -> None:
    """Field by field: every GraphQL field against REST's field of the same name, and no REST
    field left unchecked but those GraphQL reaches by nesting."""
    compared = set()
    for name, value in graphql.items():
        if name in NESTED:
            continue
        expected = as_rest(value)
        if name == "location" and value is None:  # GraphQL: null when nothing is known
            expected = {"country": None, "place": None, "latitude": None, "longitude": None}
        assert rest[name] == expected, (kind, graphql["id"], name)
        compared.add(name)
    assert set(rest) - compared == REST_ONLY[kind], (kind, graphql["id"])


async def rest_all(client: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    """Every record of a REST list, following the Link header."""
    response = await client.get(f"{API}{path}", params={"limit": "100"})
    out: list[dict[str, Any]] = []
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        out.extend(body["data"])
        if "next" not in body["links"]:
            return out
        response = await client.get(body["links"]["next"])


async def nodes(graphql: GraphQLClient, query: str, field: str) -> list[dict[str, Any]]:
    body = await graphql(query)
    assert "errors" not in body, body["errors"]
    found: list[dict[str, Any]] = body["data"][field]["nodes"]
    return found


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in records}


class Seen:
    """Records GraphQL nests (positions, memberships, participants, stances, citations), with the
    ID of the record each is nested under."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, tuple[dict[str, Any], str]]] = {}

    def add(self, kind: str, items: list[dict[str, Any]], parent: str) -> None:
        for item in items:
            self.records.setdefault(kind, {})[item["id"]] = (item, parent)


async def test_every_record_reads_the_same_both_ways(
    client: httpx.AsyncClient, graphql: GraphQLClient
) -> None:
    # given: every record fetched through GraphQL ...
    countries: list[dict[str, Any]] = []
    after = None
    while True:
        body = await graphql(COUNTRIES, {"after": after})
        page = body["data"]["countries"]
        countries.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    graph: dict[str, list[dict[str, Any]]] = {
        "country": countries,
        "leader": await nodes(graphql, LEADERS, "leaders"),
        "group": await nodes(graphql, GROUPS, "groups"),
        "engagement": await nodes(graphql, ENGAGEMENTS, "engagements"),
        "statement": await nodes(graphql, STATEMENTS, "statements"),
        "claim": await nodes(graphql, CLAIMS, "claims"),
        "source": await nodes(graphql, SOURCES, "sources"),
    }
    seen = Seen()
    for leader in graph["leader"]:
        seen.add("position", leader["positions"], leader["id"])
    for group in graph["group"]:
        seen.add("membership", group["members"], group["id"])
    for engagement in graph["engagement"]:
        seen.add("participant", engagement["participants"], engagement["id"])
    for claim in graph["claim"]:
        seen.add("stance", claim["stances"], claim["id"])
    for kind in ("position", "membership", "stance"):
        for record, _ in list(seen.records[kind].values()):
            seen.add("citation", record["citations"], record["id"])
    for kind in ("engagement", "statement", "claim"):
        for record in graph[kind]:
            seen.add("citation", record["citations"], record["id"])
    # ... and through REST
    rest = {
        "country": await rest_all(client, "/countries"),
        "leader": await rest_all(client, "/leaders"),
        "position": await rest_all(client, "/positions"),
        "group": await rest_all(client, "/groups"),
        "membership": await rest_all(client, "/memberships"),
        "engagement": await rest_all(client, "/engagements"),
        "participant": await rest_all(client, "/participants"),
        "statement": await rest_all(client, "/statements"),
        "claim": await rest_all(client, "/claims"),
        "stance": await rest_all(client, "/stances"),
        "source": await rest_all(client, "/sources"),
        "citation": await rest_all(client, "/citations"),
    }

    # then: the top-level lists hold the same records in the same order ...
    for kind, records in graph.items():
        assert [r["id"] for r in rest[kind]] == [r["id"] for r in records], kind
        for record, item in zip(records, rest[kind], strict=True):
            compare(kind, record, item)
    # ... the nested records are REST's records of their own lists, under the same parent ...
    parents = {
        "position": "leader",
        "membership": "group",
        "participant": "engagement",
        "stance": "claim",
        "citation": "target",
    }
    for kind, parent_field in parents.items():
        listed = by_id(rest[kind])
        assert set(listed) == set(seen.records[kind]), kind
        for public_id, (record, parent) in seen.records[kind].items():
            compare(kind, record, listed[public_id])
            assert listed[public_id][parent_field] == parent, (kind, public_id)
    # ... and every count is the seed's
    assert {kind: len(records) for kind, records in rest.items()} == {
        "country": len(countries),
        "leader": 11,
        "position": 11,
        "group": 3,
        "membership": 35,
        "engagement": 12,
        "participant": 38,
        "statement": 17,
        "claim": 5,
        "stance": 7,
        "source": 1,
        "citation": 61,
    }


async def test_a_record_by_id_reads_the_same_as_in_its_list(client: httpx.AsyncClient) -> None:
    for path in ("/leaders", "/groups", "/engagements", "/statements", "/claims", "/stances"):
        for item in await rest_all(client, path):
            one = await client.get(f"{API}{path}/{item['id']}")
            assert one.json() == item, (path, item["id"])


# --- the lists under a record ------------------------------------------------------------------

LEADER_LISTS = """
query Leader($id: ID!) {
  leader(id: $id) {
    engagements(first: 100) { nodes { id } }
    meetings(first: 100) { nodes { id } }
    statements(first: 100) { nodes { id } }
    positions { id }
    memberships(asOf: "2021-12-06") { id }
  }
}
"""

COUNTRY_LISTS = """
query Country($code: String!, $asOf: Date) {
  country(code: $code) {
    leaders(asOf: $asOf) { id }
    engagements(first: 100) { nodes { id } }
    statements(first: 100) { nodes { id } }
    memberships(asOf: $asOf) { id }
  }
}
"""

GROUP_LISTS = """
query Group($id: ID!, $asOf: Date) {
  group(id: $id) {
    members(asOf: $asOf) { id }
    memberships(asOf: $asOf) { id }
    engagements(first: 100) { nodes { id } }
  }
}
"""

ENGAGEMENT_LISTS = """
query Engagement($id: ID!) {
  engagement(id: $id) {
    participants { id }
    statements(first: 100) { nodes { id } }
    claims { id }
    citations { id }
  }
}
"""

CLAIM_LISTS = """
query Claim($id: ID!) {
  node(id: $id) { ... on Claim { stances { id citations { id } } citations { id } } }
}
"""

STATEMENT_LISTS = """
query Statement($id: ID!) { node(id: $id) { ... on Statement { citations { id } } } }
"""


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in items]


async def rest_ids(client: httpx.AsyncClient, path: str, **params: str) -> list[str]:
    response = await client.get(f"{API}{path}", params={"limit": "1000", **params})
    assert response.status_code == 200, response.text
    return ids(response.json()["data"])


async def test_the_lists_under_each_leader(
    client: httpx.AsyncClient, graphql: GraphQLClient
) -> None:
    for leader in await rest_all(client, "/leaders"):
        key = leader["id"]
        got = (await graphql(LEADER_LISTS, {"id": key}))["data"]["leader"]
        base = f"/leaders/{key}"
        assert await rest_ids(client, f"{base}/engagements") == ids(got["engagements"]["nodes"])
        assert await rest_ids(client, f"{base}/meetings") == ids(got["meetings"]["nodes"])
        assert await rest_ids(client, f"{base}/statements") == ids(got["statements"]["nodes"])
        # positions and memberships: REST pages them in the order recorded, GraphQL lists them
        # by start date
        assert sorted(await rest_ids(client, f"{base}/positions")) == sorted(ids(got["positions"]))
        assert sorted(await rest_ids(client, f"{base}/memberships", as_of="2021-12-06")) == sorted(
            ids(got["memberships"])
        )


@pytest.mark.parametrize("code", ["DE", "FR", "RU", "UA", "US", "GB", "IT", "CH"])
@pytest.mark.parametrize("as_of", ["2021-12-06", "2021-12-08", None])
async def test_the_lists_under_each_country(
    client: httpx.AsyncClient, graphql: GraphQLClient, code: str, as_of: str | None
) -> None:
    got = (await graphql(COUNTRY_LISTS, {"code": code, "asOf": as_of}))["data"]["country"]
    dated = {"as_of": as_of} if as_of else {}
    base = f"/countries/{code.lower()}"
    assert await rest_ids(client, f"{base}/leaders", **dated) == ids(got["leaders"])
    assert await rest_ids(client, f"{base}/engagements") == ids(got["engagements"]["nodes"])
    assert await rest_ids(client, f"{base}/statements") == ids(got["statements"]["nodes"])
    assert sorted(await rest_ids(client, f"{base}/memberships", **dated)) == sorted(
        ids(got["memberships"])
    )


@pytest.mark.parametrize("as_of", ["1950-01-01", "2020-03-26", "2021-12-06", None])
async def test_the_lists_under_each_group(
    client: httpx.AsyncClient, graphql: GraphQLClient, as_of: str | None
) -> None:
    dated = {"as_of": as_of} if as_of else {}
    for group in await rest_all(client, "/groups"):
        got = (await graphql(GROUP_LISTS, {"id": group["id"], "asOf": as_of}))["data"]["group"]
        base = f"/groups/{group['id']}"
        assert sorted(await rest_ids(client, f"{base}/members", **dated)) == sorted(
            ids(got["members"])
        )
        assert sorted(await rest_ids(client, f"{base}/memberships", **dated)) == sorted(
            ids(got["memberships"])
        )
        assert await rest_ids(client, f"{base}/engagements") == ids(got["engagements"]["nodes"])


async def test_the_lists_under_each_engagement_statement_and_claim(
    client: httpx.AsyncClient, graphql: GraphQLClient
) -> None:
    for engagement in await rest_all(client, "/engagements"):
        got = (await graphql(ENGAGEMENT_LISTS, {"id": engagement["id"]}))["data"]["engagement"]
        base = f"/engagements/{engagement['id']}"
        assert await rest_ids(client, f"{base}/participants") == ids(got["participants"])
        assert await rest_ids(client, f"{base}/statements") == ids(got["statements"]["nodes"])
        assert await rest_ids(client, f"{base}/claims") == ids(got["claims"])
        assert await rest_ids(client, f"{base}/citations") == ids(got["citations"])
    for statement in await rest_all(client, "/statements"):
        got = (await graphql(STATEMENT_LISTS, {"id": statement["id"]}))["data"]["node"]
        assert await rest_ids(client, f"/statements/{statement['id']}/citations") == ids(
            got["citations"]
        )
    for claim in await rest_all(client, "/claims"):
        got = (await graphql(CLAIM_LISTS, {"id": claim["id"]}))["data"]["node"]
        base = f"/claims/{claim['id']}"
        assert await rest_ids(client, f"{base}/stances") == ids(got["stances"])
        assert await rest_ids(client, f"{base}/citations") == ids(got["citations"])
        for stance in got["stances"]:
            assert await rest_ids(client, f"/stances/{stance['id']}/citations") == ids(
                stance["citations"]
            )


# --- the same filters --------------------------------------------------------------------------

FILTERED = """
query Filtered(
  $leaders: LeaderFilter, $groups: GroupFilter, $engagements: EngagementFilter,
  $statements: StatementFilter, $claims: ClaimFilter, $countries: CountryFilter
) {
  leaders(filter: $leaders, first: 100) { nodes { id } }
  groups(filter: $groups, first: 100) { nodes { id } }
  engagements(filter: $engagements, first: 100) { nodes { id } }
  statements(filter: $statements, first: 100) { nodes { id } }
  claims(filter: $claims, first: 100) { nodes { id } }
  countries(filter: $countries, first: 100) { nodes { id } }
}
"""


@pytest.mark.parametrize(
    ("graphql_filters", "rest_params"),
    [
        (
            {
                "leaders": {"search": "serguei"},
                "groups": {"kinds": ["ALLIANCE", "DIPLOMATIC_FORMAT"]},
                "engagements": {"countries": ["ru"], "from": "2021-12-06"},
                "statements": {"directQuotesOnly": True},
                "claims": {"statuses": ["DISPUTED", "REFUTED"]},
                "countries": {"search": "kiev"},
            },
            {
                "leaders": {"q": "serguei"},
                "groups": {"kind": "ALLIANCE,DIPLOMATIC_FORMAT"},
                "engagements": {"country": "ru", "from": "2021-12-06"},
                "statements": {"direct_quotes_only": "true"},
                "claims": {"status": "DISPUTED,REFUTED"},
                "countries": {"q": "kiev"},
            },
        ),
        (
            {
                "leaders": {"name": "Zelenski", "countries": ["UKR"]},
                "groups": {"name": "otan"},
                "engagements": {"kinds": ["CALL"], "search": "zelensky"},
                "statements": {"speakers": ["country_US", "country_RU"], "to": "2021-12-01"},
                "claims": {"unit": "Troops", "search": "january"},
                "countries": {"codes": ["fr", "DEU", "it"]},
            },
            {
                "leaders": {"name": "Zelenski", "country": "UKR"},
                "groups": {"name": "otan"},
                "engagements": {"kind": "CALL", "q": "zelensky"},
                "statements": {"speaker": "country_US,country_RU", "to": "2021-12-01"},
                "claims": {"unit": "Troops", "q": "january"},
                "countries": {"code": "fr,DEU,it"},
            },
        ),
    ],
)
async def test_the_same_filters_find_the_same_records(
    client: httpx.AsyncClient,
    graphql: GraphQLClient,
    graphql_filters: dict[str, Any],
    rest_params: dict[str, dict[str, str]],
) -> None:
    body = await graphql(FILTERED, graphql_filters)
    assert "errors" not in body, body["errors"]
    for name, params in rest_params.items():
        expected = ids(body["data"][name]["nodes"])
        assert await rest_ids(client, f"/{name}", **params) == expected, name


SEARCH = """
query Search($query: String!, $first: Int!) {
  search(query: $query, first: $first) { type label exact node { id } }
}
"""


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Zelenski", 20),
        ("Kiev", 20),
        ("Kyiv", 2),
        ("normandy", 20),
        ("troops", 100),
        ("Serguei", 5),
    ],
)
async def test_search_finds_the_same_hits(
    client: httpx.AsyncClient, graphql: GraphQLClient, query: str, first: int
) -> None:
    body = await graphql(SEARCH, {"query": query, "first": first})
    response = await client.get(f"{API}/search", params={"q": query, "limit": str(first)})
    assert [(h["type"], h["id"], h["label"], h["exact"]) for h in response.json()["data"]] == [
        (h["type"], h["node"]["id"], h["label"], h["exact"]) for h in body["data"]["search"]
    ]
    assert body["data"]["search"], query
