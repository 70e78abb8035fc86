"""The data model's vocabularies as GraphQL enums (same names and values as in REST and SQL).

The classes are db.enums' own, registered with Strawberry here, so resolvers return data-layer
values unchanged."""

from __future__ import annotations

import strawberry

from db.enums import (
    ClaimStatus,
    DatePrecision,
    EngagementKind,
    EngagementMode,
    EngagementStatus,
    GroupKind,
    MembershipRole,
    ParticipantRole,
    PositionKind,
    StancePosition,
)

strawberry.enum(PositionKind, description="What kind of office a position is.")
strawberry.enum(
    GroupKind,
    description="What kind of group: alliance, diplomatic format, organisation, government body, armed group, coalition.",
)
strawberry.enum(MembershipRole, description="A member's role in a group.")
strawberry.enum(
    EngagementKind,
    description="What happened: a meeting, call, visit, statement, warning, deployment, ...",
)
strawberry.enum(
    EngagementMode, description="How it happened: in person, by video, by phone, in writing."
)
strawberry.enum(
    EngagementStatus,
    description="Whether it happened (HELD), is planned (SCHEDULED) or was called off (CANCELLED), as of the source.",
)
strawberry.enum(
    DatePrecision,
    description="How precisely the source dates it. A WEEK, MONTH or YEAR date is stored as the period it covers.",
)
strawberry.enum(ParticipantRole, description="An actor's role in an engagement.")
strawberry.enum(
    ClaimStatus,
    description="Derived from the stances: DISPUTED when someone denies and someone asserts or confirms; REFUTED when there are only denials; CONFIRMED when someone confirms and nobody denies; otherwise UNVERIFIED.",
)
strawberry.enum(StancePosition, description="What an actor does with a claim.")

__all__ = [
    "ClaimStatus",
    "DatePrecision",
    "EngagementKind",
    "EngagementMode",
    "EngagementStatus",
    "GroupKind",
    "MembershipRole",
    "ParticipantRole",
    "PositionKind",
    "StancePosition",
]
