"""/api/v1/participants: who took part in each engagement, in what role; and the lists under an
engagement (its participants, statements, claims and citations)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from api.rest import claims, engagements, sources, statements
from api.rest.params import Params
from api.rest.resource import Input, Resource
from api.rest.subresources import SubList, enum_sort
from db import claims as cq
from db import engagements as q
from db import statements as sq
from db.enums import ParticipantRole
from db.models import Participant
from db.records import pk

FILTERS = ("engagement", "actor", "role")


def participant_query(params: Params) -> Select[Any]:
    return q.participants_query(
        q.ParticipantFilter(
            engagements=params.items("engagement"),
            actors=params.items("actor"),
            roles=params.enums("role", ParticipantRole),
        )
    )


class ParticipantIn(Input):
    engagement: str
    actor: str
    role: ParticipantRole = ParticipantRole.PARTICIPANT


class ParticipantPatch(Input):
    role: ParticipantRole | None = None


RESOURCE = Resource(
    name="participants",
    kind="participant",
    model=Participant,
    query=participant_query,
    filters=FILTERS,
    sorts={
        "role": enum_sort(Participant.role),
        "created_at": Participant.created_at,
        "updated_at": Participant.updated_at,
    },
    default_sort="created_at",
    id_column=Participant.id,
    create_input=ParticipantIn,
    update_input=ParticipantPatch,
    create=q.add_participant,
    update=q.update_participant,
    to_create=lambda data: q.ParticipantCreate(**data),
    to_update=lambda data: q.ParticipantUpdate(**data),
)

RESOURCES = [RESOURCE]

SUBLISTS = [
    SubList(
        engagements.RESOURCE,
        "participants",
        RESOURCE,
        lambda row, params: q.participants_query(q.ParticipantFilter(engagements=(row.public_id,))),
    ),
    SubList(
        engagements.RESOURCE,
        "statements",
        statements.RESOURCE,
        lambda row, params: sq.statements_query(sq.StatementFilter(engagement=row.public_id)),
    ),
    SubList(
        engagements.RESOURCE,
        "claims",
        claims.RESOURCE,
        lambda row, params: cq.claims_of_engagement_query(pk(row)),
    ),
    sources.citations_of(engagements.RESOURCE),
]
