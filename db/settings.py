"""Process settings, read once from ``CRISISGRAPH_*`` environment variables (and ``.env``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SUPPORTED_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")


class SettingsError(ValueError):
    """A setting that makes start-up impossible; its message is one line for the operator."""


def _normalise_database_url(url: str) -> str:
    """Accept the common spellings of our two databases and return the async-driver URL."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise SettingsError(f"CRISISGRAPH_DATABASE_URL is not a URL: {url!r}")
    aliases = {
        "sqlite": "sqlite+aiosqlite",
        "sqlite+aiosqlite": "sqlite+aiosqlite",
        "postgres": "postgresql+asyncpg",
        "postgresql": "postgresql+asyncpg",
        "postgresql+asyncpg": "postgresql+asyncpg",
    }
    if scheme not in aliases:
        raise SettingsError(
            f"unsupported scheme {scheme!r}; "
            f"use one of: sqlite:///path/to/file.db, postgresql://user@host/db"
        )
    return f"{aliases[scheme]}://{rest}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRISISGRAPH_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/crisisgraph.db",
        description="SQLite file (embedded default) or PostgreSQL server URL.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    sql_echo: bool = False
    sql_stats: bool = Field(
        default=False, description="Add SQL statement counts and time to every GraphQL response."
    )
    sqlite_busy_timeout_ms: int = 5000
    log_level: str = "info"

    # GraphQL safety limits (schema/security.py describes each). Every operation is checked
    # against them before it runs; the time limit cancels one that runs too long.
    graphql_max_depth: int = Field(
        default=10, ge=1, description="Deepest nesting of fields in an operation."
    )
    graphql_max_tokens: int = Field(
        default=2000, ge=1, description="Most lexical tokens (comments included) in a document."
    )
    graphql_max_aliases: int = Field(
        default=30, ge=0, description="Most aliased fields in an operation, fragments expanded."
    )
    graphql_max_root_fields: int = Field(
        default=20, ge=1, description="Most top-level fields in an operation, fragments expanded."
    )
    graphql_max_operations: int = Field(
        default=10, ge=1, description="Most operations in one document."
    )
    graphql_max_cost: int = Field(
        default=50_000,
        ge=1,
        description="Largest estimated cost: the sum over list and connection fields of the "
        "product of page sizes along their path.",
    )
    graphql_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Longest an operation may execute before it is cancelled."
    )
    reads_need_key: bool = Field(
        default=False, description="When true, reading (REST and GraphQL) needs an API key too."
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body accepted (413 above it)."
    )
    change_feed_settle_seconds: float = Field(
        default=2.0,
        ge=0,
        description="The change feed holds back changes younger than this, so a transaction "
        "that commits late cannot slip in behind a page a client already read.",
    )

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return _normalise_database_url(value)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        rest = self.database_url.split(":///", 1)[1]
        return None if rest in ("", ":memory:") else Path(rest)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        # Reduce pydantic's multi-line report to the first message for the operator.
        errors = getattr(exc, "errors", None)
        if callable(errors):
            first = errors()[0]
            field = ".".join(str(p) for p in first.get("loc", ()))
            msg = str(first.get("msg", exc)).removeprefix("Value error, ")
            raise SettingsError(f"invalid setting CRISISGRAPH_{field.upper()}: {msg}") from None
        raise SettingsError(str(exc)) from None
