"""Helpers every domain module uses: look up by public ID, resolve actor references, and flush
with database errors turned into domain errors that name the field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import pycountry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from db import models
from db.errors import ConflictError, DuplicateError, NotFoundError, ValidationError
from db.ids import id_type
from db.models import Country, Group, Leader

T = TypeVar("T", bound=SQLModel)

ACTOR_PREFIXES = ("leader", "country", "group")


async def get_by_public_id(
    session: AsyncSession, model: type[T], public_id: str, *, field: str = "id"
) -> T:
    prefix = getattr(model, "__tablename__", "")
    if id_type(public_id) != prefix:
        raise ValidationError(f"{public_id!r} is not a {prefix} ID", field=field)
    row = (
        await session.execute(select(model).where(model.public_id == public_id))  # type: ignore[attr-defined]
    ).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"no {prefix} with ID {public_id!r}", field=field)
    return row


def iso_alpha2(code: str, *, field: str) -> str:
    """ISO 3166-1 alpha-2 for an alpha-2 or alpha-3 code in any case; else a ValidationError."""
    value = code.strip().upper()
    country = None
    if len(value) == 2:
        country = pycountry.countries.get(alpha_2=value)
    elif len(value) == 3:
        country = pycountry.countries.get(alpha_3=value)
    if country is None:
        raise ValidationError(f"{code!r} is not an ISO 3166-1 country code", field=field)
    return str(country.alpha_2)


async def resolve_country(session: AsyncSession, code: str, *, field: str) -> str:
    alpha2 = iso_alpha2(code, field=field)
    if await session.get(Country, alpha2) is None:
        raise NotFoundError(f"country {alpha2} is not loaded", field=field)
    return alpha2


@dataclass(frozen=True)
class ActorRef:
    """One actor: exactly one of a leader, a country or a group."""

    leader_id: int | None = None
    country_code: str | None = None
    group_id: int | None = None

    def apply(self, row: SQLModel, prefix: str = "") -> None:
        """Set the row's three actor columns (``<prefix>leader_id`` ...) to this actor."""
        setattr(row, f"{prefix}leader_id", self.leader_id)
        setattr(row, f"{prefix}country_code", self.country_code)
        setattr(row, f"{prefix}group_id", self.group_id)


def pk(row: SQLModel) -> int:
    """The integer key of a flushed row."""
    value = getattr(row, "id", None)
    if not isinstance(value, int):
        raise RuntimeError(f"{type(row).__name__} has no key yet: flush it first")
    return value


async def resolve_actor(session: AsyncSession, public_id: str | None, *, field: str) -> ActorRef:
    if public_id is None or public_id == "":
        raise ValidationError("an actor is required: a leader, country or group ID", field=field)
    kind = id_type(public_id)
    if kind == "country":
        return ActorRef(country_code=await resolve_country(session, public_id[8:], field=field))
    if kind == "leader":
        leader = await get_by_public_id(session, Leader, public_id, field=field)
        return ActorRef(leader_id=leader.id)
    if kind == "group":
        group = await get_by_public_id(session, Group, public_id, field=field)
        return ActorRef(group_id=group.id)
    raise ValidationError(
        f"{public_id!r} is not an actor ID (a leader, country or group ID)", field=field
    )


def check_dates(start: date | None, end: date | None, *, field: str = "end_date") -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError(f"ends ({end}) before it starts ({start})", field=field)


def check_text(value: str | None, *, field: str, max_length: int | None = None) -> None:
    if value is None or not value.strip():
        raise ValidationError("must not be empty", field=field)
    if max_length is not None and len(value) > max_length:
        raise ValidationError(f"is longer than {max_length} characters", field=field)


_TABLES = "|".join(sorted((t.name for t in SQLModel.metadata.sorted_tables), key=len, reverse=True))
_UNIQUE = re.compile(
    r"UNIQUE constraint failed: \w+\.(\w+)"  # SQLite
    rf'|unique constraint "uq_(?:{_TABLES})_(\w+)"'  # PostgreSQL, our naming convention
)
_CHECK = re.compile(r'(?:CHECK constraint failed: |check constraint ")ck_\w+?_(\w+)')


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


async def flush(session: AsyncSession, what: str, *, deleting: bool = False) -> None:
    """Flush pending rows; a unique or check violation becomes a domain error naming the field.
    The transaction's owner rolls back, so nothing is half-written."""
    try:
        await session.flush()
    except IntegrityError as exc:
        detail = str(exc.orig)
        unique = _UNIQUE.search(detail)
        if unique:
            column = unique.group(1) or unique.group(2)
            raise DuplicateError(
                f"{_article(what)} {what} with this {column} already exists", field=column
            ) from None
        if "FOREIGN KEY" in detail.upper():
            if deleting:
                raise ConflictError(
                    f"the {what} is still referenced by other records; remove those first"
                ) from None
            raise NotFoundError(f"the {what} refers to a record that does not exist") from None
        check = _CHECK.search(detail)
        rule = check.group(1) if check else detail.splitlines()[0]
        raise ValidationError(f"the {what} breaks the rule {rule!r}") from None


async def get_node(session: AsyncSession, public_id: str) -> SQLModel | None:
    """Any record by its public ID; None when the ID is unknown, malformed or deleted."""
    tables: dict[str, type[SQLModel]] = {
        "country": models.Country,
        "leader": models.Leader,
        "position": models.Position,
        "group": models.Group,
        "membership": models.Membership,
        "engagement": models.Engagement,
        "participant": models.Participant,
        "statement": models.Statement,
        "claim": models.Claim,
        "stance": models.Stance,
        "source": models.Source,
        "citation": models.Citation,
    }
    kind = id_type(public_id)
    if kind not in tables:
        return None
    model = tables[kind]
    return (
        await session.execute(select(model).where(model.public_id == public_id))  # type: ignore[attr-defined]
    ).scalar_one_or_none()
