"""What every table shares: the constraint naming convention, the record columns (internal key,
public ID, timestamps) and helpers for enum and "exactly one actor" columns."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# Named constraints from the first migration on, so later migrations can alter them by name
# (SQLite's batch mode needs names too).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """TIMESTAMP WITH TIME ZONE that reads back as an aware UTC datetime on every database.
    SQLite keeps no zone: values are stored in UTC and given their zone back when read."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def enum_type(enum: type[StrEnum], name: str) -> sa.Enum:
    """A VARCHAR with a named CHECK constraint: portable; new values need no ALTER TYPE."""
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def exactly_one(*columns: str) -> str:
    """SQL for "exactly one of these columns is set", valid on SQLite and PostgreSQL."""
    return " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns) + " = 1"


def at_most_one(*columns: str) -> str:
    return " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns) + " <= 1"


def dates_ordered(start: str = "start_date", end: str = "end_date") -> str:
    return f"{end} IS NULL OR {start} IS NULL OR {end} >= {start}"


class Timestamps(SQLModel):
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False
    )
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        nullable=False,
        sa_column_kwargs={"onupdate": utcnow},
        index=True,
    )


class Record(Timestamps):
    """An integer key for joins and a public ID that clients see and that never changes."""

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=40, unique=True, nullable=False)
