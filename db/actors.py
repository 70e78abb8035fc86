"""Actors (a leader, a country or a group) joined onto the rows that point at them, so a list of
participants, speakers, members or stance-takers costs one statement, whatever mix of actor types
it holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import aliased

from db.models import Country, Group, Leader

Actor = Leader | Country | Group


def with_actor(
    query: Select[Any], leader_col: Any, country_col: Any, group_col: Any
) -> Select[Any]:
    """Add the actor a row points at as three outer-joined entities (two of them None)."""
    leader, country, group = aliased(Leader), aliased(Country), aliased(Group)
    return (
        query.add_columns(leader, country, group)
        .outerjoin(leader, leader.id == leader_col)
        .outerjoin(country, country.code == country_col)
        .outerjoin(group, group.id == group_col)
    )


def pick_actor(leader: Leader | None, country: Country | None, group: Group | None) -> Actor | None:
    return leader or country or group


def rows_with_actor(rows: Sequence[Any]) -> list[tuple[Any, Actor | None]]:
    """(entity, leader, country, group) rows → (entity, actor)."""
    return [(row[0], pick_actor(row[1], row[2], row[3])) for row in rows]
