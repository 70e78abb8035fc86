"""API keys and tombstones at the data layer: a key authenticates with its secret and nothing
else, only a hash of the secret is stored, and bad input is refused naming the field."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.errors import DuplicateError, NotFoundError, ValidationError
from db.ids import id_type, new_id
from db.keys import (
    SECRET_PATTERN,
    Scope,
    authenticate,
    create_key,
    has_scope,
    key_scopes,
    list_keys,
    revoke_key,
)
from db.models import ApiKey
from db.tombstones import is_tombstoned, record_tombstone

pytestmark = pytest.mark.anyio


async def test_a_new_key_authenticates_with_its_secret(session: AsyncSession) -> None:
    key, secret = await create_key(session, "ingest bot", [Scope.WRITE])
    assert SECRET_PATTERN.match(secret)
    assert secret.startswith(f"cg_{key.prefix}_")
    assert len(key.prefix) == 8
    assert id_type(key.public_id) == "key"
    assert key.scopes == "read write"  # write implies read
    assert key.last_used_at is None

    found = await authenticate(session, secret)
    assert found is not None
    assert found.public_id == key.public_id
    assert found.last_used_at is not None
    assert key_scopes(found) == {Scope.READ, Scope.WRITE}


async def test_a_wrong_or_malformed_secret_authenticates_nothing(session: AsyncSession) -> None:
    key, secret = await create_key(session, "reader", "read")
    other = f"cg_{key.prefix}_{'A' * 43}"  # right form and prefix, wrong secret
    for attempt in (other, secret[:-1], secret + "x", "", "cg_", "Bearer " + secret):
        assert await authenticate(session, attempt) is None, attempt
    assert key.last_used_at is None


async def test_a_revoked_key_authenticates_nothing(session: AsyncSession) -> None:
    key, secret = await create_key(session, "to revoke", [Scope.READ])
    revoked = await revoke_key(session, key.name)
    when = revoked.revoked_at
    assert when is not None
    assert await authenticate(session, secret) is None

    again = await revoke_key(session, key.public_id)  # by ID; revoking twice changes nothing
    assert again.revoked_at == when


async def test_last_used_is_written_at_most_once_a_minute(session: AsyncSession) -> None:
    key, secret = await create_key(session, "busy", "read")
    await authenticate(session, secret)
    first = key.last_used_at
    assert first is not None
    await authenticate(session, secret)
    assert key.last_used_at == first

    key.last_used_at = utcnow() - timedelta(minutes=2)
    await authenticate(session, secret)
    assert key.last_used_at > utcnow() - timedelta(seconds=30)


async def test_scopes(session: AsyncSession) -> None:
    reader, _ = await create_key(session, "scoped reader", "read")
    writer, _ = await create_key(session, "scoped writer", "write")
    assert reader.scopes == "read"
    assert has_scope(reader, Scope.READ)
    assert not has_scope(reader, Scope.WRITE)
    assert has_scope(writer, Scope.READ)
    assert has_scope(writer, Scope.WRITE)


async def test_duplicate_name_is_refused(session: AsyncSession) -> None:
    await create_key(session, "twice", "read")
    with pytest.raises(DuplicateError) as info:
        await create_key(session, "  twice ", "write")
    assert info.value.field == "name"


async def test_duplicate_name_refused_by_the_database_names_the_field(
    session: AsyncSession,
) -> None:
    # An unflushed row (autoflush is off) slips past the look-up, as a concurrent create would;
    # the unique constraint then refuses it, and the error still names "name".
    session.add(
        ApiKey(
            public_id=new_id("key"),
            name="raced",
            scopes="read",
            prefix="abcdefgh",
            secret_hash="0" * 64,
        )
    )
    with pytest.raises(DuplicateError) as info:
        await create_key(session, "raced", "read")
    assert info.value.field == "name"


@pytest.mark.parametrize(
    ("name", "scopes", "field"),
    [
        ("", "read", "name"),
        ("   ", "read", "name"),
        ("x" * 101, "read", "name"),
        (new_id("key"), "read", "name"),  # a name that reads as a key ID would be ambiguous
        ("bad scope", "admin", "scopes"),
        ("bad scope", ["read", "delete"], "scopes"),
        ("no scope", [], "scopes"),
        ("no scope", "  ", "scopes"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(
    session: AsyncSession, name: str, scopes: list[str] | str, field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        await create_key(session, name, scopes)
    assert info.value.field == field
    assert all(k.name != name.strip() for k in await list_keys(session))


async def test_the_secret_is_never_stored(session: AsyncSession) -> None:
    key, secret = await create_key(session, "hashed", "read")
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert key.secret_hash != secret
    row = (
        await session.execute(select(ApiKey.__table__).where(ApiKey.__table__.c.id == key.id))  # type: ignore[attr-defined]
    ).one()
    assert all(secret not in str(value) for value in row)


async def test_list_and_revoke(session: AsyncSession) -> None:
    first, _ = await create_key(session, "first", "read")
    await create_key(session, "second", "write")
    assert [k.name for k in await list_keys(session)] == ["first", "second"]
    await revoke_key(session, first.public_id)
    assert [k.name for k in await list_keys(session, include_revoked=False)] == ["second"]
    assert len(await list_keys(session)) == 2


async def test_revoking_an_unknown_key_is_not_found(session: AsyncSession) -> None:
    for missing in ("nobody", new_id("key")):
        with pytest.raises(NotFoundError) as info:
            await revoke_key(session, missing)
        assert info.value.field == "key"


async def test_tombstones_record_and_answer(session: AsyncSession) -> None:
    gone = new_id("leader")
    assert not await is_tombstoned(session, gone)
    tombstone = await record_tombstone(session, gone)
    assert tombstone.type == "leader"
    when = tombstone.deleted_at
    assert when is not None
    assert await is_tombstoned(session, gone)
    assert not await is_tombstoned(session, new_id("leader"))

    again = await record_tombstone(session, gone)  # recording twice keeps the first
    assert again.deleted_at == when

    country = await record_tombstone(session, "country_UA")
    assert country.type == "country"


async def test_a_tombstone_needs_a_public_id(session: AsyncSession) -> None:
    with pytest.raises(ValidationError) as info:
        await record_tombstone(session, "not an id")
    assert info.value.field == "id"
