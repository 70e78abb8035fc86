"""Every table, imported in one place so Alembic's autogenerate sees the whole schema."""

from db.models.changes import Change
from db.models.claims import Claim, Stance
from db.models.countries import Country
from db.models.engagements import Engagement, Participant
from db.models.groups import Group, Membership
from db.models.imports import ImportJob
from db.models.keys import ApiKey
from db.models.leaders import Leader, Position
from db.models.sources import Citation, Source
from db.models.statements import Statement
from db.models.tombstones import Tombstone

__all__ = [
    "ApiKey",
    "Change",
    "Citation",
    "Claim",
    "Country",
    "Engagement",
    "Group",
    "ImportJob",
    "Leader",
    "Membership",
    "Participant",
    "Position",
    "Source",
    "Stance",
    "Statement",
    "Tombstone",
]
