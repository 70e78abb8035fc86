from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field

from db.base import Timestamps


class Country(Timestamps, table=True):
    """An ISO 3166-1 country. Its alpha-2 code is the natural key; rows come from pycountry."""

    __tablename__ = "country"

    code: str = Field(primary_key=True, max_length=2)
    alpha3: str = Field(max_length=3, unique=True)
    public_id: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    official_name: str | None = Field(default=None, max_length=300)
    aliases: list[str] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)
    # Folded spellings ("|russia|russian federation|"), see db.text.fold_names.
    search_names: str = Field(default="", nullable=False)
