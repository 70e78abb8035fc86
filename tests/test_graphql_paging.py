"""Connections: page sizes, cursors (and refusing foreign or edited ones), paging forward and
backward, totals, and nested connections paged per parent."""

from __future__ import annotations

import base64
from typing import Any

import pycountry
import pytest

from tests.graphql_helpers import keys, leader_id, sql_statements, without_timing

pytestmark = pytest.mark.anyio

ALL_COUNTRY_CODES = sorted(str(c.alpha_2) for c in pycountry.countries)

ALL_ENGAGEMENTS_NEWEST_FIRST = [
    "biden-zelensky-call",
    "biden-putin-meeting",
    "us-official-briefing",
    "peskov-remarks",
    "zelensky-donbas-visit",
    "blinken-zelensky-call",
    "elysee-statement",
    "g5-videoconference",
    "putin-security-demand",
    "us-mediation-offer",
    "us-troop-warning",
    "ukraine-government-ousting-2014",
]

COUNTRIES_PAGE = """
query Countries($first: Int, $after: String) {
  countries(first: $first, after: $after) {
    totalCount
    nodes { code }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

COUNTRY_CODES_PAGE = """
query Countries($first: Int, $after: String) {
  countries(first: $first, after: $after) {
    nodes { code }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""

LEADERS_PAGE = """
query Leaders($first: Int, $after: String) {
  leaders(first: $first, after: $after) { nodes { name } pageInfo { endCursor } }
}
"""

ENGAGEMENTS_PAGE = """
query Engagements(
  $first: Int, $after: String, $last: Int, $before: String, $orderBy: EngagementOrder! = START_DATE_DESC
) {
  engagements(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
    totalCount
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def _codes(body: dict[str, Any]) -> list[str]:
    return [n["code"] for n in body["data"]["countries"]["nodes"]]


def _argument_error(body: dict[str, Any]) -> tuple[Any, list[tuple[list[Any], dict[str, Any]]]]:
    """(data, [(path, extensions)]) of a response refused for an argument."""
    return body["data"], [(e["path"], e["extensions"]) for e in body.get("errors", [])]


# --------------------------------------------------------------------------------------------
# Page sizes
# --------------------------------------------------------------------------------------------


async def test_default_page_is_twenty(graphql: Any) -> None:
    # when: no first
    body = await graphql(COUNTRIES_PAGE)
    # then: the first 20 of the 249 countries, in code order
    countries = body["data"]["countries"]
    assert countries["totalCount"] == 249
    assert _codes(body) == ALL_COUNTRY_CODES[:20]
    assert _codes(body) == [
        "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR",
        "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD", "BE",
    ]  # fmt: skip
    assert (countries["pageInfo"]["hasNextPage"], countries["pageInfo"]["hasPreviousPage"]) == (
        True,
        False,
    )


async def test_first_100_is_the_largest_page(graphql: Any) -> None:
    body = await graphql(COUNTRIES_PAGE, {"first": 100})
    assert _codes(body) == ALL_COUNTRY_CODES[:100]
    assert body["data"]["countries"]["pageInfo"]["hasNextPage"] is True


async def test_first_0_is_an_empty_page(graphql: Any) -> None:
    body = await graphql(COUNTRIES_PAGE, {"first": 0})
    assert body["data"]["countries"]["nodes"] == []
    assert body["data"]["countries"]["totalCount"] == 249


@pytest.mark.parametrize("first", [101, -1, 1000])
async def test_first_out_of_range_is_an_error_naming_first(graphql: Any, first: int) -> None:
    # when
    body = await graphql(COUNTRIES_PAGE, {"first": first})
    # then: the whole response: no data (countries is non-null), one error naming `first`,
    # and nothing was read from the database
    assert without_timing(body) == {
        "data": None,
        "errors": [
            {
                "message": "Argument 'first' must be between 0 and 100",
                "locations": [{"line": 3, "column": 3}],
                "path": ["countries"],
                "extensions": {"code": "BAD_USER_INPUT", "argument": "first"},
            }
        ],
        "extensions": {"sql": {"statements": 0}},
    }


NESTED_MEETINGS_PAGE = """
query Meetings($id: ID, $first: Int, $after: String) {
  leader(id: $id) {
    meetings(first: $first, after: $after) {
      totalCount
      nodes { id }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
}
"""


@pytest.mark.parametrize("first", [101, -1])
async def test_first_out_of_range_on_a_nested_connection_is_an_error_naming_first(
    graphql: Any, first: int
) -> None:
    body = await graphql(NESTED_MEETINGS_PAGE, {"id": leader_id("biden"), "first": first})
    assert _argument_error(body) == (
        {"leader": None},
        [(["leader", "meetings"], {"code": "BAD_USER_INPUT", "argument": "first"})],
    )


# --------------------------------------------------------------------------------------------
# Cursors
# --------------------------------------------------------------------------------------------


def _edited(cursor: str) -> str:
    """The cursor with its payload changed (one country code for another), checksum kept."""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    payload, dot, signature = raw.rpartition(b".")
    edited = payload.replace(b'"AF"', b'"ZZ"')
    assert edited != payload
    return base64.urlsafe_b64encode(edited + dot + signature).decode().rstrip("=")


async def test_an_edited_cursor_is_an_error_naming_after(graphql: Any) -> None:
    # given: a real cursor (after AF), edited
    first = await graphql(COUNTRIES_PAGE, {"first": 3})
    cursor = first["data"]["countries"]["pageInfo"]["endCursor"]
    # the unedited cursor works
    assert _codes(await graphql(COUNTRIES_PAGE, {"first": 2, "after": cursor})) == ["AG", "AI"]
    # when
    body = await graphql(COUNTRIES_PAGE, {"first": 2, "after": _edited(cursor)})
    # then
    assert _argument_error(body) == (
        None,
        [(["countries"], {"code": "BAD_USER_INPUT", "argument": "after"})],
    )


@pytest.mark.parametrize("cursor", ["", "!!!", "bm90IGEgY3Vyc29y", "WyJjb3VudHJpZXM6Y29kZSJd"])
async def test_a_malformed_cursor_is_an_error_naming_after(graphql: Any, cursor: str) -> None:
    body = await graphql(COUNTRIES_PAGE, {"first": 2, "after": cursor})
    assert _argument_error(body) == (
        None,
        [(["countries"], {"code": "BAD_USER_INPUT", "argument": "after"})],
    )


async def test_a_cursor_from_another_list_is_an_error_naming_after(graphql: Any) -> None:
    # given: a cursor of the leader list
    leaders = await graphql(LEADERS_PAGE, {"first": 1})
    cursor = leaders["data"]["leaders"]["pageInfo"]["endCursor"]
    # when: given to the country list
    body = await graphql(COUNTRIES_PAGE, {"first": 2, "after": cursor})
    # then
    assert without_timing(body) == {
        "data": None,
        "errors": [
            {
                "message": (
                    "Argument 'after' is not a cursor of this list (countries:code); "
                    "use a cursor this list returned"
                ),
                "locations": [{"line": 3, "column": 3}],
                "path": ["countries"],
                "extensions": {"code": "BAD_USER_INPUT", "argument": "after"},
            }
        ],
        "extensions": {"sql": {"statements": 0}},
    }


async def test_a_cursor_from_another_ordering_is_an_error_naming_after(graphql: Any) -> None:
    # given: a cursor of the newest-first engagement list
    newest = await graphql(ENGAGEMENTS_PAGE, {"first": 1})
    cursor = newest["data"]["engagements"]["pageInfo"]["endCursor"]
    # when: given to the oldest-first list
    body = await graphql(
        ENGAGEMENTS_PAGE, {"first": 1, "after": cursor, "orderBy": "START_DATE_ASC"}
    )
    # then
    assert _argument_error(body) == (
        None,
        [(["engagements"], {"code": "BAD_USER_INPUT", "argument": "after"})],
    )


async def test_an_edited_before_cursor_is_an_error_naming_before(graphql: Any) -> None:
    body = await graphql(ENGAGEMENTS_PAGE, {"last": 2, "before": "WyJlbmdhZ2VtZW50cyJd"})
    assert _argument_error(body) == (
        None,
        [(["engagements"], {"code": "BAD_USER_INPUT", "argument": "before"})],
    )


async def test_a_cursor_from_another_list_on_a_nested_connection_is_an_error_naming_after(
    graphql: Any,
) -> None:
    countries = await graphql(COUNTRIES_PAGE, {"first": 1})
    cursor = countries["data"]["countries"]["pageInfo"]["endCursor"]
    body = await graphql(
        NESTED_MEETINGS_PAGE, {"id": leader_id("biden"), "first": 2, "after": cursor}
    )
    assert _argument_error(body) == (
        {"leader": None},
        [(["leader", "meetings"], {"code": "BAD_USER_INPUT", "argument": "after"})],
    )


# --------------------------------------------------------------------------------------------
# Paging through a whole list
# --------------------------------------------------------------------------------------------


async def test_paging_through_all_countries_50_at_a_time(graphql: Any) -> None:
    # given / when: follow endCursor until hasNextPage is false
    pages: list[list[str]] = []
    flags: list[tuple[bool, bool]] = []
    after = None
    while True:
        body = await graphql(COUNTRY_CODES_PAGE, {"first": 50, "after": after})
        connection = body["data"]["countries"]
        pages.append([n["code"] for n in connection["nodes"]])
        info = connection["pageInfo"]
        flags.append((info["hasPreviousPage"], info["hasNextPage"]))
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
        assert len(pages) < 10, "paging does not end"
    # then: five pages, every country exactly once, in code order
    assert [len(p) for p in pages] == [50, 50, 50, 50, 49]
    codes = [code for page in pages for code in page]
    assert codes == ALL_COUNTRY_CODES
    assert len(set(codes)) == 249
    assert flags == [(False, True), (True, True), (True, True), (True, True), (True, False)]


async def test_paging_backward_through_engagements(graphql: Any) -> None:
    # when: last 5, then the 5 before them, then the rest
    last = await graphql(ENGAGEMENTS_PAGE, {"last": 5})
    middle = await graphql(
        ENGAGEMENTS_PAGE,
        {"last": 5, "before": last["data"]["engagements"]["pageInfo"]["startCursor"]},
    )
    first = await graphql(
        ENGAGEMENTS_PAGE,
        {"last": 5, "before": middle["data"]["engagements"]["pageInfo"]["startCursor"]},
    )
    # then: each page in list order (newest first), together the whole list once
    pages = [
        (
            keys(b["data"]["engagements"]["nodes"]),
            b["data"]["engagements"]["pageInfo"]["hasPreviousPage"],
            b["data"]["engagements"]["pageInfo"]["hasNextPage"],
        )
        for b in (first, middle, last)
    ]
    assert pages == [
        (ALL_ENGAGEMENTS_NEWEST_FIRST[0:2], False, True),
        (ALL_ENGAGEMENTS_NEWEST_FIRST[2:7], True, True),
        (ALL_ENGAGEMENTS_NEWEST_FIRST[7:12], True, False),
    ]


async def test_paging_backward_from_a_forward_cursor(graphql: Any) -> None:
    # given: the first page of 4, forward
    forward = await graphql(ENGAGEMENTS_PAGE, {"first": 4})
    assert keys(forward["data"]["engagements"]["nodes"]) == ALL_ENGAGEMENTS_NEWEST_FIRST[:4]
    second = await graphql(
        ENGAGEMENTS_PAGE,
        {"first": 4, "after": forward["data"]["engagements"]["pageInfo"]["endCursor"]},
    )
    assert keys(second["data"]["engagements"]["nodes"]) == ALL_ENGAGEMENTS_NEWEST_FIRST[4:8]
    # when: going back from the second page's start
    back = await graphql(
        ENGAGEMENTS_PAGE,
        {"last": 2, "before": second["data"]["engagements"]["pageInfo"]["startCursor"]},
    )
    # then: the two records just before it
    assert keys(back["data"]["engagements"]["nodes"]) == ALL_ENGAGEMENTS_NEWEST_FIRST[2:4]


async def test_paging_oldest_first(graphql: Any) -> None:
    body = await graphql(ENGAGEMENTS_PAGE, {"first": 3, "orderBy": "START_DATE_ASC"})
    assert keys(body["data"]["engagements"]["nodes"]) == [
        "ukraine-government-ousting-2014",
        "us-troop-warning",
        "us-mediation-offer",
    ]


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({"first": 2, "last": 2}, "last"),
        ({"after": "x", "before": "y", "last": 2}, "before"),
    ],
)
async def test_first_with_last_or_after_with_before_is_refused(
    graphql: Any, variables: dict[str, Any], argument: str
) -> None:
    body = await graphql(ENGAGEMENTS_PAGE, variables)
    assert _argument_error(body) == (
        None,
        [(["engagements"], {"code": "BAD_USER_INPUT", "argument": argument})],
    )


async def test_first_with_before_is_refused_naming_before(graphql: Any) -> None:
    # given: the cursor of the 9th engagement, 8 records before it
    page = await graphql(ENGAGEMENTS_PAGE, {"first": 9})
    cursor = page["data"]["engagements"]["pageInfo"]["endCursor"]
    # when: asking forward for 2 (first) but bounded by a backward cursor (before)
    body = await graphql(ENGAGEMENTS_PAGE, {"first": 2, "before": cursor})
    # then: mixing directions is refused like first+last and after+before are, naming `before`,
    # rather than answering with up to 20 records (the page size silently dropped)
    assert _argument_error(body) == (
        None,
        [(["engagements"], {"code": "BAD_USER_INPUT", "argument": "before"})],
    )


async def test_last_with_after_is_refused_naming_after(graphql: Any) -> None:
    # given: the cursor of the 11th engagement (only the 2014 ousting comes after it)
    page = await graphql(ENGAGEMENTS_PAGE, {"first": 11})
    cursor = page["data"]["engagements"]["pageInfo"]["endCursor"]
    # when
    body = await graphql(ENGAGEMENTS_PAGE, {"last": 2, "after": cursor})
    # then: refused, naming `after` (it used to be dropped silently, answering with the US troop
    # warning, which is not after the cursor)
    assert _argument_error(body) == (
        None,
        [(["engagements"], {"code": "BAD_USER_INPUT", "argument": "after"})],
    )


# --------------------------------------------------------------------------------------------
# totalCount
# --------------------------------------------------------------------------------------------

ENGAGEMENT_TOTALS = """
query Totals($after: String) {
  all: engagements(first: 2, after: $after) { totalCount }
  held: engagements(filter: { statuses: [HELD] }, first: 1) { totalCount }
  meetings: engagements(filter: { kinds: [MEETING, CALL] }) { totalCount }
  none: engagements(filter: { kinds: [ATTACK] }) { totalCount nodes { id } }
  leaders { totalCount }
  groups { totalCount }
  statements(first: 1) { totalCount }
  claims(first: 1) { totalCount }
  sources { totalCount }
}
"""


async def test_total_count_is_the_whole_filtered_list_whatever_the_page(graphql: Any) -> None:
    # given: a cursor five records into the engagement list
    page = await graphql(ENGAGEMENTS_PAGE, {"first": 5})
    cursor = page["data"]["engagements"]["pageInfo"]["endCursor"]
    # when: the totals on the first page, and on a later one
    first = await graphql(ENGAGEMENT_TOTALS)
    later = await graphql(ENGAGEMENT_TOTALS, {"after": cursor})
    # then: the same totals
    expected = {
        "all": {"totalCount": 12},
        "held": {"totalCount": 10},
        "meetings": {"totalCount": 4},
        "none": {"totalCount": 0, "nodes": []},
        "leaders": {"totalCount": 11},
        "groups": {"totalCount": 3},
        "statements": {"totalCount": 17},
        "claims": {"totalCount": 5},
        "sources": {"totalCount": 1},
    }
    assert first["data"] == expected
    assert later["data"] == expected


# --------------------------------------------------------------------------------------------
# Nested connections: paged per parent
# --------------------------------------------------------------------------------------------

LEADERS_WITH_TWO_MEETINGS = """
{
  leaders(first: 10) {
    nodes {
      id
      name
      meetings(first: 2) { nodes { id } pageInfo { hasNextPage hasPreviousPage } }
    }
  }
}
"""

ALL_MEETINGS_OF = """
query AllMeetings($id: ID) {
  leader(id: $id) { meetings(first: 100) { nodes { id } } }
}
"""


async def test_nested_pages_give_each_parent_its_own_first_rows(graphql: Any) -> None:
    # when: the first 10 leaders, each with (at most) their first two meetings
    body = await graphql(LEADERS_WITH_TWO_MEETINGS)
    leaders = body["data"]["leaders"]["nodes"]
    # then: each leader has their own two newest meetings, nobody else's
    got = {
        leader["name"]: (keys(leader["meetings"]["nodes"]), leader["meetings"]["pageInfo"])
        for leader in leaders
    }
    no_more = {"hasNextPage": False, "hasPreviousPage": False}
    assert got == {
        "Angela Merkel": (["g5-videoconference"], no_more),
        "Antony Blinken": (["blinken-zelensky-call"], no_more),
        "Boris Johnson": (["g5-videoconference"], no_more),
        "Dmitry Peskov": ([], no_more),
        "Emmanuel Macron": (["g5-videoconference"], no_more),
        "Joe Biden": (
            ["biden-zelensky-call", "biden-putin-meeting"],
            {"hasNextPage": True, "hasPreviousPage": False},
        ),
        "Mario Draghi": (["g5-videoconference"], no_more),
        "Olaf Scholz": ([], no_more),
        "Sergey Lavrov": ([], no_more),
        "Vladimir Putin": (["biden-putin-meeting"], no_more),
    }
    # and: each is the head of that leader's full list, fetched on its own
    for leader in leaders:
        full = await graphql(ALL_MEETINGS_OF, {"id": leader["id"]})
        full_ids = [n["id"] for n in full["data"]["leader"]["meetings"]["nodes"]]
        assert [n["id"] for n in leader["meetings"]["nodes"]] == full_ids[:2], leader["name"]
        assert leader["meetings"]["pageInfo"]["hasNextPage"] == (len(full_ids) > 2)


async def test_after_on_a_nested_connection(graphql: Any) -> None:
    # given: Biden's first two meetings
    first = await graphql(NESTED_MEETINGS_PAGE, {"id": leader_id("biden"), "first": 2})
    meetings = first["data"]["leader"]["meetings"]
    assert keys(meetings["nodes"]) == ["biden-zelensky-call", "biden-putin-meeting"]
    # when: the next page
    body = await graphql(
        NESTED_MEETINGS_PAGE,
        {"id": leader_id("biden"), "first": 2, "after": meetings["pageInfo"]["endCursor"]},
    )
    # then
    rest = body["data"]["leader"]["meetings"]
    assert keys(rest["nodes"]) == ["g5-videoconference"]
    assert (rest["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasPreviousPage"]) == (False, True)
    assert rest["totalCount"] == 3


LEADERS_MEETINGS_AFTER = """
query MeetingsAfter($after: String) {
  leaders(first: 10) { nodes { name meetings(first: 1, after: $after) { nodes { id } } } }
}
"""


async def test_after_on_a_nested_connection_applies_to_every_parent(graphql: Any) -> None:
    # given: the cursor of the Biden-Putin meeting (7 December) in Biden's meetings
    first = await graphql(NESTED_MEETINGS_PAGE, {"id": leader_id("biden"), "first": 2})
    cursor = first["data"]["leader"]["meetings"]["pageInfo"]["endCursor"]
    # when: every leader's first meeting after that position in the ordering
    body = await graphql(LEADERS_MEETINGS_AFTER, {"after": cursor})
    # then
    assert {
        leader["name"]: keys(leader["meetings"]["nodes"])
        for leader in body["data"]["leaders"]["nodes"]
    } == {
        "Angela Merkel": ["g5-videoconference"],
        "Antony Blinken": ["blinken-zelensky-call"],
        "Boris Johnson": ["g5-videoconference"],
        "Dmitry Peskov": [],
        "Emmanuel Macron": ["g5-videoconference"],
        "Joe Biden": ["g5-videoconference"],
        "Mario Draghi": ["g5-videoconference"],
        "Olaf Scholz": [],
        "Sergey Lavrov": [],
        "Vladimir Putin": [],  # his only meeting is the cursor's own
    }
    # one statement for the leaders, one for all their meetings
    assert sql_statements(body) == 2
