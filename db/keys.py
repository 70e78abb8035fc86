"""API keys: create one (its secret is shown once), list, revoke, and authenticate a request.

A secret reads ``cg_<prefix>_<random>``: ``prefix`` is 8 URL-safe characters without ``_``
(kept in clear, so listings can tell keys apart) and ``random`` is ``secrets.token_urlsafe(32)``
(43 characters, 256 bits). Only the SHA-256 hex digest of the whole secret is stored.

Scopes are stored as a space-separated string in a fixed order: ``"read"`` or ``"read write"``.
Write implies read, so a key created with ``write`` carries both.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.base import utcnow
from db.errors import DuplicateError, NotFoundError, ValidationError
from db.ids import id_type, new_id
from db.models import ApiKey
from db.records import check_text, flush

SECRET_PREFIX = "cg_"
PREFIX_LENGTH = 8
SECRET_PATTERN = re.compile(r"^cg_[A-Za-z0-9-]{8}_[A-Za-z0-9_-]{43}$")
LAST_USED_RESOLUTION = timedelta(minutes=1)
NAME_MAX_LENGTH = 100


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"


_IMPLIED: dict[Scope, frozenset[Scope]] = {
    Scope.READ: frozenset({Scope.READ}),
    Scope.WRITE: frozenset({Scope.READ, Scope.WRITE}),
}


def parse_scopes(scopes: Iterable[Scope | str] | str, *, field: str = "scopes") -> frozenset[Scope]:
    """The scopes a key grants, implied ones included. Accepts ``"read write"``, ``"write"``,
    ``"read,write"`` or any iterable of Scope or strings; unknown or no scopes are refused."""
    words = re.split(r"[\s,]+", scopes) if isinstance(scopes, str) else list(scopes)
    granted: set[Scope] = set()
    for word in words:
        text = str(word).strip().lower()
        if not text:
            continue
        try:
            scope = Scope(text)
        except ValueError:
            known = ", ".join(s.value for s in Scope)
            raise ValidationError(
                f"unknown scope {text!r}; use one of: {known}", field=field
            ) from None
        granted |= _IMPLIED[scope]
    if not granted:
        raise ValidationError("at least one scope is required", field=field)
    return frozenset(granted)


def format_scopes(scopes: Iterable[Scope]) -> str:
    """The stored form: the scopes in declaration order, separated by one space."""
    given = set(scopes)
    return " ".join(s.value for s in Scope if s in given)


def key_scopes(key: ApiKey) -> frozenset[Scope]:
    """The scopes a stored key grants."""
    return parse_scopes(key.scopes)


def has_scope(key: ApiKey, scope: Scope) -> bool:
    return scope in key_scopes(key)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_secret() -> tuple[str, str]:
    """A fresh (prefix, secret). The prefix has no ``_`` so the separators stay unambiguous."""
    while True:
        prefix = secrets.token_urlsafe(6)  # 6 bytes -> exactly 8 characters
        if "_" not in prefix:
            break
    return prefix, f"{SECRET_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def _aware(value: datetime) -> datetime:
    """SQLite hands timezone-aware columns back naive; they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def create_key(
    session: AsyncSession, name: str, scopes: Iterable[Scope | str] | str
) -> tuple[ApiKey, str]:
    """Create a key; returns it with its secret, which is never stored and cannot be shown again."""
    check_text(name, field="name", max_length=NAME_MAX_LENGTH)
    name = name.strip()
    if id_type(name) == "key":
        raise ValidationError("must not look like a key ID", field="name")
    granted = parse_scopes(scopes)
    existing = await session.execute(select(col(ApiKey.id)).where(col(ApiKey.name) == name))
    if existing.first() is not None:
        raise DuplicateError("an API key with this name already exists", field="name")
    prefix, secret = _new_secret()
    key = ApiKey(
        public_id=new_id("key"),
        name=name,
        scopes=format_scopes(granted),
        prefix=prefix,
        secret_hash=hash_secret(secret),
    )
    session.add(key)
    await flush(session, "API key")  # a concurrent create of the name: DuplicateError
    return key, secret


async def list_keys(session: AsyncSession, *, include_revoked: bool = True) -> list[ApiKey]:
    query = select(ApiKey).order_by(col(ApiKey.created_at), col(ApiKey.id))
    if not include_revoked:
        query = query.where(col(ApiKey.revoked_at).is_(None))
    return list((await session.execute(query)).scalars())


async def find_key(session: AsyncSession, name_or_public_id: str, *, field: str = "key") -> ApiKey:
    """The key with this name or public ID (names cannot look like key IDs, so no ambiguity)."""
    value = name_or_public_id.strip()
    if not value:
        raise ValidationError("a key name or ID is required", field=field)
    column = col(ApiKey.public_id) if id_type(value) == "key" else col(ApiKey.name)
    key = (await session.execute(select(ApiKey).where(column == value))).scalar_one_or_none()
    if key is None:
        raise NotFoundError(f"no API key named or with ID {value!r}", field=field)
    return key


async def revoke_key(session: AsyncSession, name_or_public_id: str) -> ApiKey:
    """Revoke a key so it no longer authenticates. Revoking a revoked key changes nothing."""
    key = await find_key(session, name_or_public_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await flush(session, "API key")
    return key


async def authenticate(session: AsyncSession, secret: str) -> ApiKey | None:
    """The live key this secret belongs to, or None (unknown, malformed or revoked).

    The secret is hashed and looked up by its digest, so the database compares digests, never
    the secret; the final comparison is constant-time. ``last_used_at`` is written at most once
    a minute per key; the caller's transaction commits it.
    """
    if not isinstance(secret, str) or not SECRET_PATTERN.match(secret):
        return None
    digest = hash_secret(secret)
    key = (
        await session.execute(
            select(ApiKey).where(
                col(ApiKey.secret_hash) == digest,
                col(ApiKey.revoked_at).is_(None),
            )
        )
    ).scalar_one_or_none()
    if key is None or not hmac.compare_digest(key.secret_hash, digest):
        return None
    now = utcnow()
    if key.last_used_at is None or now - _aware(key.last_used_at) >= LAST_USED_RESOLUTION:
        # Record the use in a transaction of its own that writes first: on SQLite a transaction
        # that read before it writes fails at once ("database is locked") when another request
        # committed in between, while one that writes first waits its turn (busy_timeout).
        await session.commit()
        key.last_used_at = now
        await flush(session, "API key")
    return key
