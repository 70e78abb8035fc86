"""Public IDs: ``<type>_<token>``, the same string in REST and GraphQL.

The prefix tells which type an ID names. Tokens are 128 random bits (never reused), or for the
seed dataset a UUID5 of a stable key, so loading the seed twice gives the same IDs everywhere.
"""

from __future__ import annotations

import uuid

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_SEED_NAMESPACE = uuid.UUID("6f0e4b52-8b0e-4f4e-9a53-1d2c0de0c5a1")

PREFIXES = (
    "country",
    "leader",
    "position",
    "group",
    "membership",
    "engagement",
    "participant",
    "statement",
    "claim",
    "stance",
    "source",
    "citation",
    "key",
)


def _encode(value: int) -> str:
    chars = []
    for _ in range(26):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    return f"{prefix}_{_encode(uuid.uuid4().int)}"


def seed_id(prefix: str, key: str) -> str:
    return f"{prefix}_{_encode(uuid.uuid5(_SEED_NAMESPACE, f'{prefix}:{key}').int)}"


def country_id(code: str) -> str:
    return f"country_{code.upper()}"


def id_type(public_id: str) -> str | None:
    """The type prefix of a public ID, or None when the string is not one of ours."""
    prefix, sep, token = public_id.partition("_")
    if not sep or prefix not in PREFIXES or not token:
        return None
    if prefix == "country":
        return prefix if len(token) == 2 and token.isalpha() and token.isupper() else None
    if len(token) != 26 or any(c not in _ALPHABET for c in token):
        return None
    return prefix
