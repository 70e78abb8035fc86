"""The Actor union (a leader, a country or a group) and the conversion of data-layer rows to
GraphQL objects, shared by every module that returns actors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, Union

import strawberry
from strawberry.types.lazy_type import LazyType

from db import models

if TYPE_CHECKING:
    from schema.countries import Country
    from schema.groups import Group
    from schema.leaders import Leader

    Actor: TypeAlias = Leader | Country | Group
else:
    # LazyType objects, not string annotations: modules that use Actor evaluate their annotations in
    # their own namespace, where a string "Leader" inside the union would not resolve.
    Actor = Annotated[
        Union[  # noqa: UP007
            LazyType("Leader", "schema.leaders"),
            LazyType("Country", "schema.countries"),
            LazyType("Group", "schema.groups"),
        ],
        strawberry.union("Actor", description="Who acts: a leader, a country or a group."),
    ]


def to_actor(row: Any) -> Any:
    """A Leader, Country or Group row as its GraphQL object (None stays None)."""
    from schema.countries import Country
    from schema.groups import Group
    from schema.leaders import Leader

    if row is None:
        return None
    if isinstance(row, models.Leader):
        return Leader.from_row(row)
    if isinstance(row, models.Country):
        return Country.from_row(row)
    if isinstance(row, models.Group):
        return Group.from_row(row)
    raise TypeError(f"not an actor: {type(row).__name__}")
