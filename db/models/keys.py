from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from db.base import Record


class ApiKey(Record, table=True):
    """A credential for the API. Only a SHA-256 hash of the secret is kept, never the secret.

    A secret reads ``cg_<prefix>_<random>``: ``prefix`` is 8 URL-safe characters (no ``_``) kept
    in clear so listings can tell keys apart; ``random`` is ``secrets.token_urlsafe(32)``.
    ``scopes`` is a space-separated list in a fixed order, ``"read"`` or ``"read write"``
    (write implies read, so a write key always carries both); see db.keys.Scope.
    """

    __tablename__ = "api_key"

    name: str = Field(max_length=100, unique=True)
    scopes: str = Field(max_length=100)
    prefix: str = Field(max_length=8)
    secret_hash: str = Field(max_length=64, unique=True)
    last_used_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
