"""Helpers for the GraphQL tests: the seed's public IDs by seed key (and back), the article text
citations point into, and small readers of a GraphQL response body."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from db import seed_data
from db.ids import seed_id

# The article every seed citation quotes, read from the file itself (not through the app).
SOURCE_TEXT = (
    Path(__file__).resolve().parent.parent / "db" / "seed_sources" / seed_data.SOURCE_FILE
).read_text("utf-8")
SOURCE_TITLE = seed_data.SOURCE["title"]


def leader_id(key: str) -> str:
    return seed_id("leader", key)


def group_id(key: str) -> str:
    return seed_id("group", key)


def engagement_id(key: str) -> str:
    return seed_id("engagement", key)


def statement_id(key: str) -> str:
    return seed_id("statement", key)


def claim_id(key: str) -> str:
    return seed_id("claim", key)


def stance_id(key: str) -> str:
    return seed_id("stance", key)


SOURCE_ID = seed_id("source", seed_data.SOURCE["key"])

# Public ID -> seed key, per type, so a test can state an expected list as readable seed keys.
_KEYS: dict[str, dict[str, str]] = {
    "leader": {leader_id(x["key"]): x["key"] for x in seed_data.LEADERS},
    "group": {group_id(x["key"]): x["key"] for x in seed_data.GROUPS},
    "engagement": {engagement_id(x["key"]): x["key"] for x in seed_data.ENGAGEMENTS},
    "statement": {statement_id(x["key"]): x["key"] for x in seed_data.STATEMENTS},
    "claim": {claim_id(x["key"]): x["key"] for x in seed_data.CLAIMS},
    "stance": {stance_id(x["key"]): x["key"] for x in seed_data.STANCES},
}


def seed_key(public_id: str) -> str:
    """The seed key of a seed record's public ID ("engagement_0bs3…" -> "g5-videoconference");
    a KeyError for an ID the seed did not create."""
    kind = public_id.partition("_")[0]
    return _KEYS[kind][public_id]


def keys(nodes: list[dict[str, Any]]) -> list[str]:
    """The seed keys of a list of nodes that carry an ``id``, in order."""
    return [seed_key(n["id"]) for n in nodes]


def sql_statements(body: dict[str, Any]) -> int:
    """How many SQL statements the operation ran (the SqlStatsExtension's count)."""
    count: int = body["extensions"]["sql"]["statements"]
    return count


def without_timing(body: dict[str, Any]) -> dict[str, Any]:
    """The body with the one value that varies from run to run (SQL seconds) taken out, so a test
    can compare a whole response."""
    out = dict(body)
    if "extensions" in out:
        extensions = dict(out["extensions"])
        if "sql" in extensions:
            extensions["sql"] = {k: v for k, v in extensions["sql"].items() if k != "seconds"}
        out["extensions"] = extensions
    return out
