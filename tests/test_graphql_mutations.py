"""Mutations through the real app: every entity created, changed and deleted with a write key;
typed errors naming the field; nothing written without a key; deletes leave tombstones."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.ids import country_id, seed_id
from db.keys import create_key
from db.models import Change, Engagement, Tombstone
from tests.conftest import GraphQLClient

pytestmark = pytest.mark.anyio

ZELENSKY = seed_id("leader", "zelensky")
NORMANDY = seed_id("group", "normandy")
TROOPS_94000 = seed_id("claim", "troops-94000")
SOURCE = seed_id("source", "article-2021-12-06")


async def _key(connection: AsyncConnection, scopes: str) -> str:
    session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint")
    _, secret = await create_key(session, f"test-{scopes}", scopes)
    await session.commit()
    return secret


@pytest.fixture
async def write_key(connection: AsyncConnection) -> str:
    return await _key(connection, "write")


@pytest.fixture
async def read_key(connection: AsyncConnection) -> str:
    return await _key(connection, "read")


async def _count(connection: AsyncConnection, model: type) -> int:
    return int((await connection.execute(select(func.count()).select_from(model))).scalar_one())


CREATE_ENGAGEMENT = """
mutation ($input: CreateEngagementInput!) {
  createEngagement(input: $input) {
    __typename
    ... on Engagement { id kind mode status title startDate endDate datePrecision location { place country { code } } }
    ... on ValidationError { message field }
    ... on NotFoundError { message field }
  }
}
"""

ADD_PARTICIPANT = """
mutation ($input: AddParticipantInput!) {
  addParticipant(input: $input) {
    __typename
    ... on Engagement { participants { role actor { __typename ... on Leader { name } ... on Country { code } } } }
    ... on ValidationError { message field }
    ... on NotFoundError { message field }
  }
}
"""


def _engagement_input(**extra: Any) -> dict[str, Any]:
    data = {
        "kind": "MEETING",
        "mode": "PHONE",
        "title": "Zelensky and Scholz speak",
        "startDate": "2022-01-10",
    }
    data.update(extra)
    return data


async def test_create_engagement_and_add_participants(
    graphql: GraphQLClient, write_key: str
) -> None:
    # given a write key
    # when
    created = await graphql(
        CREATE_ENGAGEMENT,
        {"input": _engagement_input(locationCountry="ukr", locationPlace="Kyiv")},
        key=write_key,
    )
    engagement = created["data"]["createEngagement"]
    added = await graphql(
        ADD_PARTICIPANT,
        {"input": {"engagement": engagement["id"], "actor": ZELENSKY, "role": "INITIATOR"}},
        key=write_key,
    )
    added = await graphql(
        ADD_PARTICIPANT,
        {"input": {"engagement": engagement["id"], "actor": country_id("DE"), "role": "RECIPIENT"}},
        key=write_key,
    )
    # then
    assert engagement["id"].startswith("engagement_")
    assert {k: v for k, v in engagement.items() if k != "id"} == {
        "__typename": "Engagement",
        "kind": "MEETING",
        "mode": "PHONE",
        "status": "HELD",
        "title": "Zelensky and Scholz speak",
        "startDate": "2022-01-10",
        "endDate": None,
        "datePrecision": "DAY",
        "location": {"place": "Kyiv", "country": {"code": "UA"}},
    }
    assert added["data"]["addParticipant"] == {
        "__typename": "Engagement",
        "participants": [
            {"role": "INITIATOR", "actor": {"__typename": "Leader", "name": "Volodymyr Zelenskyy"}},
            {"role": "RECIPIENT", "actor": {"__typename": "Country", "code": "DE"}},
        ],
    }
    fetched = await graphql(
        "query ($id: ID!) { engagement(id: $id) { title } }", {"id": engagement["id"]}
    )
    assert fetched["data"] == {"engagement": {"title": "Zelensky and Scholz speak"}}


async def test_without_a_key_nothing_is_written(
    graphql: GraphQLClient, connection: AsyncConnection
) -> None:
    before = await _count(connection, Engagement)
    result = await graphql(CREATE_ENGAGEMENT, {"input": _engagement_input()})
    assert result["data"] is None
    assert [e["extensions"]["code"] for e in result["errors"]] == ["UNAUTHENTICATED"]
    assert await _count(connection, Engagement) == before


async def test_a_read_key_cannot_write(
    graphql: GraphQLClient, read_key: str, connection: AsyncConnection
) -> None:
    before = await _count(connection, Engagement)
    result = await graphql(CREATE_ENGAGEMENT, {"input": _engagement_input()}, key=read_key)
    assert result["data"] is None
    assert [e["extensions"]["code"] for e in result["errors"]] == ["FORBIDDEN"]
    assert await _count(connection, Engagement) == before


async def test_validation_errors_name_the_field(
    graphql: GraphQLClient, write_key: str, connection: AsyncConnection
) -> None:
    before = await _count(connection, Engagement)
    ends_early = await graphql(
        CREATE_ENGAGEMENT, {"input": _engagement_input(endDate="2022-01-09")}, key=write_key
    )
    bad_country = await graphql(
        CREATE_ENGAGEMENT, {"input": _engagement_input(locationCountry="XX")}, key=write_key
    )
    assert ends_early["data"]["createEngagement"] == {
        "__typename": "ValidationError",
        "message": "ends (2022-01-09) before it starts (2022-01-10)",
        "field": ["input", "endDate"],
    }
    assert bad_country["data"]["createEngagement"] == {
        "__typename": "ValidationError",
        "message": "'XX' is not an ISO 3166-1 country code",
        "field": ["input", "locationCountry"],
    }
    assert await _count(connection, Engagement) == before


async def test_participant_with_an_unknown_actor_is_not_found(
    graphql: GraphQLClient, write_key: str
) -> None:
    created = await graphql(CREATE_ENGAGEMENT, {"input": _engagement_input()}, key=write_key)
    missing = "leader_" + "0" * 26
    result = await graphql(
        ADD_PARTICIPANT,
        {"input": {"engagement": created["data"]["createEngagement"]["id"], "actor": missing}},
        key=write_key,
    )
    assert result["data"]["addParticipant"] == {
        "__typename": "NotFoundError",
        "message": f"no leader with ID '{missing}'",
        "field": ["input", "actor"],
    }


UPDATE_LEADER = """
mutation ($id: ID!, $input: UpdateLeaderInput!) {
  updateLeader(id: $id, input: $input) {
    __typename
    ... on Leader { id name aliases country { code } }
    ... on ValidationError { message field }
    ... on NotFoundError { message field }
  }
}
"""


async def test_update_changes_only_the_given_fields(graphql: GraphQLClient, write_key: str) -> None:
    result = await graphql(
        UPDATE_LEADER,
        {"id": ZELENSKY, "input": {"aliases": ["Wolodymyr Selenskyj"]}},
        key=write_key,
    )
    assert result["data"]["updateLeader"] == {
        "__typename": "Leader",
        "id": ZELENSKY,
        "name": "Volodymyr Zelenskyy",
        "aliases": ["Wolodymyr Selenskyj"],
        "country": {"code": "UA"},
    }
    # the new alias is searchable at once, the dropped ones are not
    found = await graphql(
        '{ a: leader(name: "wolodymyr selenskyj") { id } b: leader(name: "Зеленський") { id } }'
    )
    assert found["data"] == {"a": {"id": ZELENSKY}, "b": None}


async def test_update_of_a_missing_record_is_not_found(
    graphql: GraphQLClient, write_key: str
) -> None:
    missing = "leader_" + "1" * 26
    result = await graphql(UPDATE_LEADER, {"id": missing, "input": {"name": "X"}}, key=write_key)
    assert result["data"]["updateLeader"] == {
        "__typename": "NotFoundError",
        "message": f"no leader with ID '{missing}'",
        "field": ["input", "id"],
    }


ADD_STANCE = """
mutation ($input: AddStanceInput!) {
  addStance(input: $input) { __typename ... on Claim { status stances { position actor { ... on Country { code } ... on Leader { name } } } } }
}
"""
REMOVE_STANCE = """
mutation ($id: ID!) { removeStance(id: $id) { __typename ... on Claim { status } } }
"""


async def test_stances_move_the_claim_status(graphql: GraphQLClient, write_key: str) -> None:
    created = await graphql(
        'mutation { createClaim(input: {text: "Convoy seen near Yelnya", subject: "country_RU"}) { ... on Claim { id status } } }',
        key=write_key,
    )
    claim = created["data"]["createClaim"]
    assert claim["status"] == "UNVERIFIED"
    confirmed = await graphql(
        ADD_STANCE,
        {"input": {"claim": claim["id"], "actor": country_id("US"), "position": "CONFIRMS"}},
        key=write_key,
    )
    assert confirmed["data"]["addStance"] == {
        "__typename": "Claim",
        "status": "CONFIRMED",
        "stances": [{"position": "CONFIRMS", "actor": {"code": "US"}}],
    }
    denied = await graphql(
        ADD_STANCE,
        {"input": {"claim": claim["id"], "actor": country_id("RU"), "position": "DENIES"}},
        key=write_key,
    )
    assert denied["data"]["addStance"]["status"] == "DISPUTED"
    stance_ids = await graphql(
        "query ($id: ID!) { node(id: $id) { ... on Claim { stances { id position } } } }",
        {"id": claim["id"]},
    )
    confirm_id = next(
        s["id"] for s in stance_ids["data"]["node"]["stances"] if s["position"] == "CONFIRMS"
    )
    removed = await graphql(REMOVE_STANCE, {"id": confirm_id}, key=write_key)
    assert removed["data"]["removeStance"] == {"__typename": "Claim", "status": "REFUTED"}


DELETE_ENGAGEMENT = """
mutation ($id: ID!) { deleteEngagement(id: $id) { __typename ... on Deleted { id } ... on ConflictError { message } ... on ValidationError { message field } } }
"""


async def test_delete_leaves_a_tombstone_and_the_id_never_comes_back(
    graphql: GraphQLClient, write_key: str, connection: AsyncConnection
) -> None:
    videoconference = seed_id("engagement", "g5-videoconference")
    result = await graphql(DELETE_ENGAGEMENT, {"id": videoconference}, key=write_key)
    assert result["data"]["deleteEngagement"] == {"__typename": "Deleted", "id": videoconference}
    gone = await graphql(
        "query ($id: ID!) { node(id: $id) { id } engagement(id: $id) { id } }",
        {"id": videoconference},
    )
    assert gone["data"] == {"node": None, "engagement": None}
    tombstones = (
        (
            await connection.execute(
                select(Tombstone.type).where(Tombstone.public_id == videoconference)
            )
        )
        .scalars()
        .all()
    )
    assert tombstones == ["engagement"]
    # its participants went with it, each with a tombstone; the change feed saw every delete
    deleted_participants = (
        await connection.execute(
            select(func.count()).select_from(Tombstone).where(Tombstone.type == "participant")
        )
    ).scalar_one()
    assert deleted_participants == 7  # five leaders, Ukraine and Russia as subjects
    ops = (
        (
            await connection.execute(
                select(Change.op).where(Change.public_id == videoconference).order_by(Change.seq)
            )
        )
        .scalars()
        .all()
    )
    assert ops == ["create", "delete"]
    # statements made at a deleted engagement stay, detached
    elysee = seed_id("engagement", "elysee-statement")
    await graphql(DELETE_ENGAGEMENT, {"id": elysee}, key=write_key)
    statement = await graphql(
        "query ($id: ID!) { node(id: $id) { ... on Statement { engagement { id } } } }",
        {"id": seed_id("statement", "elysee-ukraine-sovereignty")},
    )
    assert statement["data"] == {"node": {"engagement": None}}


async def test_deleting_a_leader_still_referenced_is_a_conflict(
    graphql: GraphQLClient, write_key: str
) -> None:
    result = await graphql(
        "mutation ($id: ID!) { deleteLeader(id: $id) { __typename ... on ConflictError { message } } }",
        {"id": ZELENSKY},
        key=write_key,
    )
    assert result["data"]["deleteLeader"] == {
        "__typename": "ConflictError",
        "message": "the leader is still referenced by other records; remove those first",
    }
    still = await graphql(
        "query ($id: ID!) { leader(id: $id) { name positions { title } } }", {"id": ZELENSKY}
    )
    assert still["data"]["leader"] == {
        "name": "Volodymyr Zelenskyy",
        "positions": [{"title": "President of Ukraine"}],
    }


async def test_delete_with_an_id_of_another_type_is_refused(
    graphql: GraphQLClient, write_key: str
) -> None:
    result = await graphql(DELETE_ENGAGEMENT, {"id": ZELENSKY}, key=write_key)
    assert result["data"]["deleteEngagement"] == {
        "__typename": "ValidationError",
        "message": f"'{ZELENSKY}' is not a engagement ID",
        "field": ["id"],
    }


ADD_CITATION = """
mutation ($input: AddCitationInput!) {
  addCitation(input: $input) { __typename ... on Citation { excerpt start end source { id } } ... on ValidationError { message field } }
}
"""


async def test_citations_are_checked_against_the_source_text(
    graphql: GraphQLClient, write_key: str
) -> None:
    target = seed_id("claim", "troops-94000")
    found = await graphql(
        ADD_CITATION,
        {
            "input": {
                "source": SOURCE,
                "target": target,
                "excerpt": "unusual Russian troop movement",
            }
        },
        key=write_key,
    )
    assert found["data"]["addCitation"] == {
        "__typename": "Citation",
        "excerpt": "unusual Russian troop movement",
        "start": 560,
        "end": 590,
        "source": {"id": SOURCE},
    }
    wrong = await graphql(
        ADD_CITATION,
        {
            "input": {
                "source": SOURCE,
                "target": target,
                "excerpt": "unusual Russian troop movement",
                "start": 0,
                "end": 30,
            }
        },
        key=write_key,
    )
    assert wrong["data"]["addCitation"]["__typename"] == "ValidationError"
    assert wrong["data"]["addCitation"]["field"] == ["input", "excerpt"]


async def test_membership_and_group_mutations(graphql: GraphQLClient, write_key: str) -> None:
    group = await graphql(
        'mutation { createGroup(input: {name: "Weimar Triangle", kind: DIPLOMATIC_FORMAT, aliases: ["Weimar Three"]}) { ... on Group { id } } }',
        key=write_key,
    )
    group_id = group["data"]["createGroup"]["id"]
    member = await graphql(
        'mutation ($g: ID!) { createMembership(input: {group: $g, member: "country_PL", startDate: "1991-08-28"}) { __typename ... on Membership { role startDate member { ... on Country { code } } group { name } } } }',
        {"g": group_id},
        key=write_key,
    )
    assert member["data"]["createMembership"] == {
        "__typename": "Membership",
        "role": "MEMBER",
        "startDate": "1991-08-28",
        "member": {"code": "PL"},
        "group": {"name": "Weimar Triangle"},
    }
    by_alias = await graphql(
        '{ group(name: "weimar three") { members(asOf: "2021-12-06") { member { ... on Country { code } } } } }'
    )
    assert by_alias["data"] == {"group": {"members": [{"member": {"code": "PL"}}]}}
