"""The canonical records as pydantic models: one per kind, field for field what db/serialize.py
writes, so the OpenAPI document describes exactly the bodies REST returns.

These models are documentation, not a second serialiser: responses are still the dicts
``db.serialize.to_dicts`` builds. tests/test_openapi.py validates every seeded record of every kind
against its model (unknown fields refused, every field required), so the two cannot drift apart.
Field descriptions come from the GraphQL schema, where these fields have the same names.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

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

# db.ids: "<kind>_" and 26 characters of lower-case Crockford base32; "country_<alpha-2>".
_TOKEN = "[0-9a-hjkmnp-tv-z]{26}"


def id_pattern(*kinds: str) -> str:
    """A regular expression matching the public IDs of these kinds (and nothing else)."""
    alternatives = [
        "country_[A-Z]{2}" if kind == "country" else f"{kind}_{_TOKEN}" for kind in kinds
    ]
    return f"^(?:{'|'.join(alternatives)})$"


def _ref(*kinds: str) -> Any:
    names = ", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else kinds[0]
    return Field(pattern=id_pattern(*kinds), description=f"Given as the public ID of a {names}.")


def _own(kind: str) -> Any:
    return Field(pattern=id_pattern(kind))


CountryId = Annotated[str, _ref("country")]
LeaderId = Annotated[str, _ref("leader")]
GroupId = Annotated[str, _ref("group")]
EngagementId = Annotated[str, _ref("engagement")]
StatementId = Annotated[str, _ref("statement")]
ClaimId = Annotated[str, _ref("claim")]
SourceId = Annotated[str, _ref("source")]
ActorId = Annotated[str, _ref("leader", "country", "group")]
CitedId = Annotated[
    str, _ref("engagement", "statement", "claim", "stance", "membership", "position")
]


Created = Annotated[dt.datetime, Field(description="When the record was created.")]
Updated = Annotated[dt.datetime, Field(description="When the record last changed.")]


class Record(BaseModel):
    """Base of the canonical records: camelCase names, nothing missing, nothing extra."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=False, extra="forbid")


class Country(Record):
    id: Annotated[str, _own("country")]
    code: Annotated[str, Field(pattern="^[A-Z]{2}$")]
    alpha3: Annotated[str, Field(pattern="^[A-Z]{3}$")]
    name: str
    official_name: str | None
    aliases: list[str]
    created_at: Created
    updated_at: Updated


class Leader(Record):
    id: Annotated[str, _own("leader")]
    name: str
    aliases: list[str]
    country: CountryId | None
    wikidata_qid: str | None
    created_at: Created
    updated_at: Updated


class Position(Record):
    id: Annotated[str, _own("position")]
    leader: LeaderId
    title: str
    kind: PositionKind
    country: CountryId | None
    group: GroupId | None
    start_date: dt.date | None
    end_date: dt.date | None
    created_at: Created
    updated_at: Updated


class Group(Record):
    id: Annotated[str, _own("group")]
    name: str
    aliases: list[str]
    kind: GroupKind
    description: str | None
    wikidata_qid: str | None
    created_at: Created
    updated_at: Updated


class Membership(Record):
    id: Annotated[str, _own("membership")]
    group: GroupId
    member: ActorId
    role: MembershipRole
    start_date: dt.date | None
    end_date: dt.date | None
    created_at: Created
    updated_at: Updated


class Location(Record):
    country: CountryId | None
    place: str | None
    latitude: float | None
    longitude: float | None


class Engagement(Record):
    id: Annotated[str, _own("engagement")]
    kind: EngagementKind
    mode: EngagementMode | None
    status: EngagementStatus
    title: str
    summary: str | None
    start_date: dt.date
    end_date: dt.date | None
    date_precision: DatePrecision
    location: Location
    cameo_code: str | None
    external_id: str | None
    attributes: dict[str, Any] | None
    created_at: Created
    updated_at: Updated


class Participant(Record):
    id: Annotated[str, _own("participant")]
    engagement: EngagementId
    actor: ActorId
    role: ParticipantRole
    created_at: Created
    updated_at: Updated


class Statement(Record):
    id: Annotated[str, _own("statement")]
    text: str
    is_direct_quote: bool
    date: dt.date | None
    date_precision: DatePrecision
    speaker: ActorId | None
    speaker_label: str | None
    engagement: EngagementId | None
    created_at: Created
    updated_at: Updated


class Claim(Record):
    id: Annotated[str, _own("claim")]
    text: str
    quantity: float | None
    unit: str | None
    subject: ActorId | None
    status: ClaimStatus
    engagement: EngagementId | None
    created_at: Created
    updated_at: Updated


class Stance(Record):
    id: Annotated[str, _own("stance")]
    claim: ClaimId
    actor: ActorId
    position: StancePosition
    date: dt.date | None
    date_precision: DatePrecision
    statement: StatementId | None
    created_at: Created
    updated_at: Updated


class Source(Record):
    id: Annotated[str, _own("source")]
    title: str
    publisher: str | None
    url: str | None
    language: str | None
    published_at: dt.datetime | None
    licence: str | None
    text: str | None
    created_at: Created
    updated_at: Updated


class Citation(Record):
    id: Annotated[str, _own("citation")]
    source: SourceId
    target: CitedId
    excerpt: str
    start: int
    end: int
    created_at: Created
    updated_at: Updated


# Every kind db.serialize knows, with the model of its canonical body.
RECORDS: dict[str, type[Record]] = {
    "country": Country,
    "leader": Leader,
    "position": Position,
    "group": Group,
    "membership": Membership,
    "engagement": Engagement,
    "participant": Participant,
    "statement": Statement,
    "claim": Claim,
    "stance": Stance,
    "source": Source,
    "citation": Citation,
}
