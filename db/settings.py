"""Process settings, read once from ``CRISISGRAPH_*`` environment variables (and ``.env``)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SUPPORTED_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")
_ORIGIN = re.compile(r"^https?://[^/\s?#]+$")


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
    max_import_bytes: int = Field(
        default=200 * 1024 * 1024,
        ge=1024,
        description="Largest import upload accepted (413 above it).",
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

    # Cross-origin requests (browsers). No origin is allowed unless listed; reads (GET, HEAD,
    # OPTIONS) are then allowed from the listed origins, writes only with cors_allow_writes.
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser, comma-separated "
        "(https://app.example.org,http://localhost:5173), or * for any; none by default.",
    )
    cors_allow_writes: bool = Field(
        default=False,
        description="Also allow POST, PUT, PATCH and DELETE from the allowed origins.",
    )

    # Rate limits, per API key (a hash of it) or, without one, per client address: a fixed
    # window of rate_limit_window_seconds, started by the client's first request in it.
    rate_limits_enabled: bool = Field(default=True, description="Apply the rate limits.")
    rate_limit_reads: int = Field(
        default=600, ge=1, description="Reads (GET, HEAD, OPTIONS, GraphQL queries) per window."
    )
    rate_limit_writes: int = Field(
        default=120,
        ge=1,
        description="Writes (POST, PUT, PATCH, DELETE, GraphQL mutations) per window.",
    )
    rate_limit_window_seconds: int = Field(
        default=60, ge=1, le=86_400, description="The length of a rate-limit window."
    )
    redis_url: str | None = Field(
        default=None,
        description="Count rate limits in this Redis (redis://host:6379/0), shared by every "
        "server process that names it; in each process's memory when unset.",
    )
    rate_limit_key_prefix: str = Field(
        default="crisisgraph:ratelimit",
        min_length=1,
        description="Prefix of the rate-limit counters' Redis keys.",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: list[str]) -> list[str]:
        origins = [origin.rstrip("/") for origin in value]
        for origin in origins:
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ValueError(f"{origin!r} is not an origin: write scheme://host[:port], or *")
        return origins

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("use redis://host:port/db, rediss://... or unix:///path")
        return value

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
