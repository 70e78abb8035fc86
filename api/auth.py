"""API-key authentication shared by REST and GraphQL: ``Authorization: Bearer <API key>``.

Reads are public unless CRISISGRAPH_READS_NEED_KEY is set; writes need a key with write scope.
Authenticating records the key's ``last_used_at`` (at most once a minute); that write is committed
at once, so it is kept even when the request only reads.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.keys import authenticate, key_scopes

logger = logging.getLogger(__name__)
BEARER = re.compile(r"Bearer +(\S+)", re.IGNORECASE)


class AuthError(Exception):
    """The request's credentials are unusable: malformed (invalid_request) or unknown or
    revoked (invalid_token), in RFC 6750's terms."""

    def __init__(self, message: str, error: str) -> None:
        super().__init__(message)
        self.message = message
        self.error = error

    @property
    def challenge(self) -> str:
        return f'Bearer realm="crisisgraph", error="{self.error}"'


@dataclass(frozen=True)
class Caller:
    scopes: frozenset[str] = frozenset()
    key_name: str | None = None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def authenticate_request(headers: Mapping[str, str], session: AsyncSession) -> Caller:
    """The caller behind the request's Authorization header; an anonymous caller without one."""
    header = headers.get("authorization")
    if header is None:
        return Caller()
    match = BEARER.fullmatch(header.strip())
    if match is None:
        raise AuthError(
            "Malformed Authorization header: expected 'Bearer <API key>'", "invalid_request"
        )
    before = utcnow()
    key = await authenticate(session, match.group(1))
    if key is None:
        raise AuthError("Invalid API key: unknown or revoked", "invalid_token")
    if key.last_used_at is not None and _aware(key.last_used_at) >= before:
        try:  # authenticate() just recorded the use: keep it whatever the request does
            await session.commit()
        except SQLAlchemyError:
            logger.warning("Could not record the use of API key %s", key.name, exc_info=True)
            await session.rollback()
    return Caller(frozenset(str(s) for s in key_scopes(key)), key.name)
