from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from db.base import UtcDateTime, enum_type, utcnow


class ImportType(StrEnum):
    BUNDLE = "BUNDLE"  # a crisisgraph bundle (docs/bundle.md)
    GDELT = "GDELT"  # a GDELT events file (db.gdelt)


class ImportStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class ImportJob(SQLModel, table=True):
    """An import sent over HTTP, run in the background by the server process that received it
    (db.imports). Not a record of the dataset: it has no change-feed entries nor tombstones, and
    it is written with Core statements, never through the ORM's change hook."""

    __tablename__ = "import_job"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=40, unique=True, nullable=False)
    type: ImportType = Field(sa_type=enum_type(ImportType, "import_type"))
    status: ImportStatus = Field(sa_type=enum_type(ImportStatus, "import_status"), index=True)
    filename: str | None = Field(default=None, max_length=300)
    size_bytes: int = 0
    options: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    # What the import did (created, updated, ...), once it is over.
    counts: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    # While it runs, how far it got ({"phase", "done", "total", "unit"}).
    progress: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    # The first errors ({"row", "field", "reason"}); error_count says how many there were.
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)
    error_count: int = 0
    key_name: str | None = Field(default=None, max_length=100)  # the API key that started it
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime(), nullable=False)
    started_at: datetime | None = Field(default=None, sa_type=UtcDateTime())
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime())
    # Written while the job runs (on PostgreSQL), so a job whose process died can be told apart.
    heartbeat_at: datetime | None = Field(default=None, sa_type=UtcDateTime())
